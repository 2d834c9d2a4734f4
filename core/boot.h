/* SPDX-License-Identifier: MIT */
/*
 * Boot steps that glue the pure parsers to the machine (core/boot_*.c).
 * Environment: freestanding hypervisor, boot core, during boot only.
 */
#ifndef CORE_BOOT_H
#define CORE_BOOT_H

#include "arch/x86/acpi.h"
#include "boot/mb2.h"
#include "core/cmdline.h"

#define CYPRESS_VERSION "0.1"

/* Power-off statuses of the boot itself (selftests use 1). */
#define BOOT_STATUS_OK		0
#define BOOT_STATUS_TEST_FAILED 1
#define BOOT_STATUS_BAD_BOOT	3

/* What ACPI told us; have_madt false when there were no usable tables. */
extern struct acpi_info boot_acpi;

/*
 * Find the RSDP (multiboot2 tag copy, else the EBDA and BIOS area) and
 * parse the tables into boot_acpi; tell the power-off code about S5.
 * Must run on the early tables (it reads the BIOS data area in page 0).
 */
void boot_discover_acpi(const struct boot_info *bi, bool verbose);

/*
 * Start the frame allocator with the image, boot info, modules and AP
 * trampoline reserved, the heap, and the hypervisor's own W^X page tables.
 * Prints the memory totals and the W^X check.
 */
void boot_memory_init(const struct boot_info *bi, uint64_t tramp);

/* This core's APIC ID from CPUID (as the AP trampoline computes it). */
uint32_t boot_cpu_apic_id(void);

/*
 * Allocate a pcpu block per MADT core (up to maxcpus) and start them all.
 * Returns the number of cores online, the boot core included.
 */
uint32_t boot_start_aps(uint64_t tramp, const struct cmdline_opts *o);

#endif
