/* SPDX-License-Identifier: MIT */
/*
 * Bringing up the application processors.
 * Environment: freestanding hypervisor, boot core, during boot.
 */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include "mm/frame.h"

/* A core to start: its APIC ID and whether it must be skipped (test hook). */
struct smp_target {
	uint32_t apic_id;
	bool skip_sipi;
};

/*
 * Copy the AP trampoline to a free page below 1 MiB, chosen from the
 * firmware memory map. Must run on the early boot tables (before
 * paging_init), which still allow writing there. Returns the page's
 * physical address, or 0 if no page qualifies (then APs cannot start).
 */
uint64_t smp_trampoline_install(const struct mem_region *map, size_t n);

/*
 * Start every core in `t` in parallel: INIT to all, one 10 ms wait, then
 * two rounds of STARTUP IPIs, then wait up to `timeout_us` for all of them.
 * `tramp` is smp_trampoline_install()'s page; pcpu_by_id[1..n] hold the
 * cores' blocks, t[i] describing pcpu_by_id[i + 1]. Each core runs
 * ap_main() (core/cpu_init.c). Cores that do not check in are reported and
 * skipped. Needs paging_init(), tsc_calibrate() and apic_init_local().
 * Returns the number of cores online, the boot core included.
 */
uint32_t smp_start(uint64_t tramp, const struct smp_target *t, uint32_t n, uint64_t timeout_us);

#endif
