/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for a partition: builds, into one buffer that the caller
 * copies to guest-physical `base`, an RSDP (revision 2) followed by a FACS,
 * RSDT, XSDT, FADT, DSDT and MADT describing the PC Cypress emulates
 * (docs/guest-abi.md, "ACPI tables"). Layouts are arch/x86/acpi.h's, the
 * same the hypervisor parses the host's tables with.
 * Environment: pure (hosted tests too), any core, interrupts either way.
 */
#ifndef ARCH_X86_VDEV_ACPI_BUILD_H
#define ARCH_X86_VDEV_ACPI_BUILD_H

#include "lib/types.h"

/* The buffer acpi_build() needs at most (64 vCPUs: about 1.3 KiB). */
#define ACPI_BUILD_MAX 4096

/*
 * The fixed ACPI hardware the FADT names (port I/O, QEMU's ICH9 layout):
 * PM1a event block (status, enable), PM1a control, the PM timer.
 */
#define ACPI_PM_BASE	 0x600
#define ACPI_PM1A_EVT	 0x600 /* 4 bytes: PM1_STS (2), PM1_EN (2) */
#define ACPI_PM1A_CNT	 0x604 /* 2 bytes: PM1_CNT */
#define ACPI_PM_TMR	 0x608 /* 4 bytes: 24-bit counter at 3.579545 MHz */
#define ACPI_PM_END	 0x60c /* first port after the block */
#define ACPI_SCI_IRQ	 9     /* FADT SCI_INT, as QEMU's; nothing raises it */
#define ACPI_S5_SLP_TYP	 5     /* \_S5 {5, 5}: PM1_CNT SLP_TYP for soft-off */
#define ACPI_IOAPIC_ID	 0     /* as QEMU's MADT and IOAPIC reset value */
#define ACPI_IOAPIC_ADDR 0xfec00000u
#define ACPI_LAPIC_ADDR	 0xfee00000u

/*
 * Build the tables for nvcpus (1..64) vCPUs with APIC IDs 0..nvcpus-1 into
 * buf (size bytes, cleared first) as they will sit at guest-physical base
 * (16-byte aligned, base + ACPI_BUILD_MAX below 4 GiB). The RSDP is at
 * offset 0. Stores the bytes used in *used.
 * Returns 0, or -E_INVAL (bad nvcpus or base, NULL pointer) or -E_RANGE
 * (size too small) with buf untouched.
 */
int acpi_build(void *buf, size_t size, uint64_t base, uint32_t nvcpus, size_t *used);

/*
 * Where a partition's tables go: the first 4 KiB page of 0xF0000-0xFFFFF,
 * then of 0xE0000-0xEFFFF, that does not meet the kernel image's span
 * [load_start, load_end); 0 if the image covers all of them. The RSDP must
 * lie in 0xE0000-0xFFFFF for a guest to find it (ACPI 6.5 section 5.2.5.1).
 */
uint32_t acpi_build_where(uint32_t load_start, uint32_t load_end);

#endif
