/* SPDX-License-Identifier: MIT */
/*
 * The Global Partition Manager's plan of the machine: which core belongs
 * to which partition, decided by sched/gpm.c over the cores that can host
 * partitions (online, VMX on, not cpu 0), with their classes from the
 * manifest's [machine] section or CPUID leaf 0x1A. Cores no partition
 * holds form the anonymous partition. `class = accel` partitions share
 * the accelerator cores outside the plan (time-shared, never owned).
 * Environment: freestanding hypervisor, the GPM core (cpu 0) only.
 */
#ifndef CORE_PLAN_H
#define CORE_PLAN_H

#include "core/lpm.h"
#include "core/manifest.h"
#include "guest-abi/cypress.h"

/* Where a partition goes. */
struct plan {
	int32_t part; /* GPM slot; for an accel partition only its dedicated LPM core's, else -1 */
	bool accel;   /* class = accel: vCPU cores shared, outside the plan */
	uint32_t lpm_cpu; /* its LPM's cpu: its own core, or 0 (shared with the GPM) */
	uint32_t ncores;
	uint32_t cores[LPM_MAX_CORES]; /* vCPU cores, cpu order */
	uint32_t place[VM_MAX_VCPUS];  /* where vCPU i starts */
};

/* Build the GPM's core table. `usable`: cpus that may host partitions. */
void plan_init(const struct manifest_machine *mm, const uint64_t *usable, uint32_t ncpus);

/*
 * Place partition mp (valid, cores assigned for lists and accel by
 * manifest_assign()). On failure prints "partition 'NAME' refused: ..."
 * (after the GPM's own "gpm:" line) and returns its -E_*; nothing changes.
 */
int plan_make(const struct manifest_part *mp, struct plan *out);

/* Give partition `part`'s cores back to the anonymous partition. */
void plan_release(int32_t part);

/* Change a planned partition's vCPU cores to ncores; fills out like plan_make. */
int plan_resize(int32_t part, uint32_t ncores, uint32_t nvcpus, struct plan *out);

/* Which VM (vm_table index) a GPM slot belongs to, for core lists. */
void plan_bind(int32_t part, uint32_t vm_id);

/* The boot manifest's [machine] section (for partitions created later). */
const struct manifest_machine *plan_machine(void);

/* One CORE_LIST record. */
void plan_core_info(uint32_t cpu, struct cy_core_info *ci);

/*
 * CORE_INFO's description of logical cpu `cpu` (all but `moves`). Any core,
 * after plan_init(): the table it reads is not written again.
 */
void plan_core_desc(uint32_t cpu, struct cy_core_desc *d);

/*
 * POWER_GET / POWER_SET of the partition in GPM slot `part` (-1: an accel
 * partition without a dedicated LPM: no budget to keep, draw 0). Set: at
 * least what its cores draw, at most its manifest `power` when it has one;
 * -E_INVAL for 0, -E_RANGE outside those.
 */
int plan_power_get(int32_t part, struct cy_power *out);
int plan_power_set(int32_t part, uint64_t watts);

/* Issue 11 (core/balloon.c, core/request.c), all cpu 0: */
/* The vCPU cores the plan gives GPM slot `part` now (0: none, an LPM-only slot). */
uint32_t plan_part_cores(int32_t part);
/* Free cores of the classes `part`'s vCPU cores come from (what a resize may take). */
uint32_t plan_part_free(int32_t part);
/* True if plan_resize() may change `part`'s core count: planned with a count, not pinned. */
bool plan_part_resizable(int32_t part);
/* Keep (or drop) the gang rule for `part`: its cores never go below its vCPUs. */
void plan_set_gang(int32_t part, bool gang);

/* Cores of the anonymous partition. */
uint32_t plan_free_cores(void);

/* TSC ticks the last plan_make/plan_resize/plan_release spent in sched/gpm.c. */
extern uint64_t plan_last_ticks;

#endif
