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

/*
 * The micro-sliced pool (core/pool.c): take up to max free cores of the
 * anonymous partition (the highest-numbered first, never accelerator
 * cores) into a GPM slot of their own, pinned, never handed to partitions.
 * Their cpu ids go to cpus[]; returns how many (0: none free, or the pool
 * exists already). CORE_LIST shows them as VCPU cores of no partition.
 */
uint32_t plan_pool_reserve(uint32_t max, uint32_t *cpus);
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

/*
 * Fast-core leases (core/lease.c). The plan's fast cores, whoever holds them
 * (at most max cpus into cpus[]; returns how many). A core is free for a
 * lease if the plan has it in the anonymous partition. A leased core is held
 * by a GPM slot of its own, pinned to it, so sched/gpm.c hands it to no
 * partition meanwhile; CORE_LIST shows it as a vCPU core of the lessee and
 * RESOURCES does not count it free; its watts count in the lessee's draw
 * (POWER_GET, POWER_SET's floor). plan_lease_fits: the lessee's budget (none:
 * always) allows `watts` more. plan_lease_take: -E_BUSY (core not free),
 * -E_RANGE (budget), or sched/gpm.c's error; *slot_out for plan_lease_give.
 * cpu 0.
 */
uint32_t plan_fast_cores(uint32_t *cpus, uint32_t max);
bool plan_lease_free(uint32_t cpu);
bool plan_lease_fits(int32_t part, uint32_t watts);
int plan_lease_take(uint32_t cpu, int32_t part, uint32_t vm_id, int32_t *slot_out);
void plan_lease_give(int32_t slot);

/*
 * CORE_EXCHANGE: partition `part` gives its vCPU cores whose indices (cpu
 * order, as VCPU_MOVE's k) are set in give_mask and takes the want_n cheapest
 * free cores of class cls (GPM_CLS_SLOW or _FAST; fewest watts, then lowest
 * cpu), with nvcpus vCPUs afterwards. Power: draw - given + taken <= budget
 * (no budget: no limit). All or nothing: -E_INVAL (bad slot, mask 0 or beyond
 * its cores, want_n 0 or > CORES_EXCHANGE_MAX, bad class, a partition with
 * affinity groups or shared cores), -E_NOENT (too few free cores of the
 * class), -E_RANGE (power). Fills out like plan_resize. cpu 0.
 */
int plan_exchange(int32_t part, uint64_t give_mask, uint32_t want_n, uint32_t cls, uint32_t nvcpus,
		  struct plan *out);

/* TSC ticks the last plan_make/plan_resize/plan_release spent in sched/gpm.c. */
extern uint64_t plan_last_ticks;

#endif
