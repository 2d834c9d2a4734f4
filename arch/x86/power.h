/* SPDX-License-Identifier: MIT */
/*
 * Ending the run: power the machine off with a status.
 * Environment: freestanding hypervisor, any core, interrupts off.
 */
#ifndef ARCH_X86_POWER_H
#define ARCH_X86_POWER_H

#include "lib/types.h"

/* ACPI S5 parameters (from arch/x86/acpi.c); zero if unknown. */
struct power_acpi {
	uint32_t pm1a_cnt, pm1b_cnt, smi_cmd;
	uint8_t acpi_enable, slp_typa, slp_typb;
	bool have_s5;
};

/* Remember how to enter ACPI S5 on this machine. Boot core, after ACPI parse. */
void power_set_acpi(const struct power_acpi *pa);

/* Skip the emulator exit ports and use ACPI S5 only (to test S5 under QEMU). */
void power_force_acpi(void);

/*
 * Print `power-off status=N`, then try in turn: QEMU's isa-debug-exit
 * (port 0xf4), the Bochs shutdown port (0x8900), ACPI S5; if all fail,
 * halt this core. Status 0 means success.
 */
__noreturn void power_off(uint8_t status);

#endif
