/* SPDX-License-Identifier: MIT */
/*
 * The ACPI fixed hardware the FADT of arch/x86/vdev/acpi_build.c names, at
 * ports 0x600-0x60b: PM1a status and enable (0x600, 0x602), PM1a control
 * (0x604) and the PM timer (0x608), ACPI 6.5 sections 4.8.3.1 and 4.8.3.3.
 * No event is ever raised (there is no SCI): status reads 0, enable reads
 * back what was written. Control reads SCI_EN set (always in ACPI mode);
 * SLP_EN with SLP_TYP 5 (the DSDT's \_S5) asks for soft-off, other sleep
 * types are ignored. The PM timer is a read-only 24-bit counter at
 * 3.579545 MHz derived from the TSC, so every vCPU of the VM sees one
 * clock that never goes back (given the host's TSCs agree, which the
 * hypervisor already relies on).
 * Environment: pure (hosted tests too); one per VM, callers serialise.
 */
#ifndef ARCH_X86_VDEV_ACPI_PM_H
#define ARCH_X86_VDEV_ACPI_PM_H

#include "lib/types.h"

#define ACPI_PM_TMR_HZ	      3579545u
#define ACPI_PM_TMR_MASK      0xffffffu /* 24 bits: FADT TMR_VAL_EXT clear */
#define ACPI_PM1_SCI_EN	      (1u << 0)
#define ACPI_PM1_SLP_EN	      (1u << 13)
#define ACPI_PM1_SLP_TYP(cnt) (((cnt) >> 10) & 7)

struct acpi_pm {
	uint16_t en;	 /* PM1_EN as last written */
	uint16_t cnt;	 /* PM1_CNT's read/write bits as last written */
	uint64_t tsc0;	 /* TSC at which the timer read 0 */
	uint64_t tsc_hz; /* TSC frequency */
};

/* What a write asks of the platform. */
enum acpi_pm_action {
	ACPI_PM_NOTHING,
	ACPI_PM_SOFT_OFF, /* SLP_EN with SLP_TYP = \_S5: power off */
};

/* Reset pm; the timer reads 0 at TSC value tsc0 and counts at tsc_hz > 0. */
void acpi_pm_init(struct acpi_pm *pm, uint64_t tsc0, uint64_t tsc_hz);

/* The PM timer at TSC value now (>= pm->tsc0, else it reads 0). */
uint32_t acpi_pm_timer(const struct acpi_pm *pm, uint64_t now);

/*
 * A guest read of size (1, 2 or 4) bytes at port ACPI_PM_BASE + off, off
 * in 0..11 (bytes past the block read as all ones); now is the TSC.
 */
uint32_t acpi_pm_read(const struct acpi_pm *pm, uint32_t off, uint32_t size, uint64_t now);

/* A guest write of the size low bytes of val at ACPI_PM_BASE + off. */
enum acpi_pm_action acpi_pm_write(struct acpi_pm *pm, uint32_t off, uint32_t size, uint32_t val);

#endif
