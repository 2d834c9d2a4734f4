// SPDX-License-Identifier: MIT
/*
 * Power-off. Emulators get their private exit ports first, because their
 * ACPI S5 loses the status (QEMU) or is not emulated (Bochs).
 * Environment: freestanding hypervisor, any core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/power.h"
#include "arch/x86/tsc.h"
#include "drivers/console.h"
#include "lib/printf.h"

static struct power_acpi acpi;
static bool acpi_only;

void power_force_acpi(void)
{
	acpi_only = true;
}

void power_set_acpi(const struct power_acpi *pa)
{
	acpi = *pa;
}

static bool on_emulator(void)
{
	/* Bochs's port_e9_hack and QEMU's debugcon read back 0xe9; QEMU and
	 * other hypervisors set CPUID.1:ECX[31]. Real hardware has neither,
	 * and there we do not poke ports that mean nothing to it. */
	return inb(0xe9) == 0xe9 || (cpuid(1, 0).ecx & (1U << 31));
}

static void acpi_s5(void)
{
	if (!acpi.have_s5 || !acpi.pm1a_cnt)
		return;
	/* ACPI 6.x, 16.1.4: SCI_EN (PM1_CNT bit 0) clear means legacy mode;
	 * writing ACPI_ENABLE to SMI_CMD hands control to the OS. */
	if (!(inw((uint16_t)acpi.pm1a_cnt) & 1) && acpi.smi_cmd && acpi.acpi_enable) {
		outb((uint16_t)acpi.smi_cmd, acpi.acpi_enable);
		for (int i = 0; i < 300 && !(inw((uint16_t)acpi.pm1a_cnt) & 1); i++)
			udelay(1000);
	}
	/* ACPI 6.x, 4.8.3.2.1: SLP_TYPx in bits 10-12, SLP_EN bit 13. */
	outw((uint16_t)acpi.pm1a_cnt, (uint16_t)(((acpi.slp_typa & 7) << 10) | (1 << 13)));
	if (acpi.pm1b_cnt)
		outw((uint16_t)acpi.pm1b_cnt, (uint16_t)(((acpi.slp_typb & 7) << 10) | (1 << 13)));
	udelay(100000);
}

__noreturn void power_off(uint8_t status)
{
	kprintf("power-off status=%u\n", status);
	console_flush();
	irq_disable();
	if (!acpi_only && on_emulator()) {
		/* QEMU isa-debug-exit: exit code (status << 1) | 1. */
		outb(0xf4, status);
		/* Bochs: the string "Shutdown" on port 0x8900 ends the simulation. */
		for (const char *s = "Shutdown"; *s; s++)
			outb(0x8900, (uint8_t)*s);
	}
	acpi_s5();
	kprintf("power-off failed: %s; halting\n",
		acpi.have_s5 ? "ACPI S5 did not take effect" : "no ACPI S5 information");
	cpu_stop();
}
