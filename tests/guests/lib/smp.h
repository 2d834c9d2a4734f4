/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: starting application processors with INIT-SIPI-SIPI
 * (SDM Vol 3A 9.4.4.1) through a real-mode trampoline copied below 1 MiB.
 * The trampoline page is 0x7000 if that page is RAM in the memory map and
 * clear of the loader's boot information, else the first page from 0x1000
 * up to 0x9F000 that is; CPUs are assumed to have APIC IDs 0..n-1 (QEMU and
 * Cypress number them so).
 * Environment: guest test kernel, 32-bit protected mode, ring 0; smp_start
 * on the BSP after lapic_setup() and lapic_enable().
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdint.h>
#include <stdbool.h>
#include "tests/guests/lib/cpu.h"

struct smp_cpu {
	uint32_t apic_id;
	uint32_t online; /* set (release) once the CPU checked in */
};

/* CPU slots: 0 is the BSP, APs take 1.. in the order they arrive. */
extern struct smp_cpu smp_cpus[GUEST_MAX_CPUS];

/*
 * Start APs until ncpus CPUs (BSP included, at most GUEST_MAX_CPUS) run:
 * targets are the first ncpus - 1 APIC IDs from 0 up other than the BSP's.
 * Each AP loads the IDT, enables its LAPIC, checks in and runs
 * ap_fn(slot) with interrupts off; if ap_fn returns, the AP halts. Waits up
 * to timeout_ms for all to check in, then names each target APIC ID that
 * did not: with fail() if required, else in an "smp:" line. Returns the
 * number of CPUs online (BSP included).
 */
unsigned int smp_start(unsigned int ncpus, void (*ap_fn)(unsigned int slot), uint32_t timeout_ms,
		       bool required);

/*
 * The same for the n APs with the given APIC IDs (from the ACPI MADT, say),
 * none of them the BSP's; at most GUEST_MAX_CPUS - 1.
 */
unsigned int smp_start_ids(const uint32_t *apic_ids, unsigned int n,
			   void (*ap_fn)(unsigned int slot), uint32_t timeout_ms, bool required);

/* Number of CPUs online (BSP included). */
unsigned int smp_online(void);

/* Called by boot.S only: C entry of an AP with its stack slot. */
void ap_start(uint32_t slot) __attribute__((noreturn));

/* Next free stack slot, taken with a locked XADD by boot.S. */
extern volatile uint32_t ap_next_slot;

#endif
