/* SPDX-License-Identifier: MIT */
/*
 * Global Partition Manager planning policy: which slow cores each partition gets.
 * Environment: freestanding hypervisor, Global Partition Manager core only (the
 * tables are never touched by another core; requests arrive as messages); also
 * built hosted for unit tests and the simulator.
 *
 * Cypress paper section 3: slow cores are partitioned exclusively, fast cores go
 * to the anonymous partition (sched/lease.c), accelerator cores are time-shared;
 * each partition gets one extra dedicated core for its Local Partition Manager.
 * VT-ASOS: a guest asks for a vCPU count plus constraints (may vCPUs share a
 * core, co-location on one socket / NUMA node, gang scheduling, a latency hint);
 * the hypervisor computes a fixed vCPU-to-core mapping and reports load back.
 *
 * Rules (the whole policy, so callers and tests can rely on them):
 *  - Only slow cores (cls GPM_CLS_SLOW) are ever given to partitions; a core is
 *    free (owner == -1) or owned by exactly one live partition.
 *  - A live partition owns exactly one LPM core (lpm == true, index lpm_core)
 *    plus ncores vCPU cores: vcpus, or ceil(vcpus / 2) with share_core (at most
 *    two vCPUs per core). vCPU i runs on the (i, or i / 2 when sharing)-th of
 *    the partition's vCPU cores in array order (gpm_vcpu_core()).
 *  - Cores are picked lowest array index first; the LPM core is the lowest
 *    picked. With colocate, every core of the partition (LPM included) is on one
 *    socket / node: the lowest-numbered socket / node with enough free slow cores.
 *  - Power: with power_w != 0 and core_watts != 0, (ncores + 1) * core_watts must
 *    not exceed power_w.
 *  - Every failing call prints one "gpm: " line, returns a negative code and
 *    leaves all state exactly as it was.
 *  - Affinity groups beyond socket / node co-location are not modelled yet.
 */
#ifndef SCHED_GPM_H
#define SCHED_GPM_H

#include "lib/types.h"

#define GPM_CLS_SLOW  0
#define GPM_CLS_FAST  1
#define GPM_CLS_ACCEL 2

#define GPM_COLOC_NONE	 0
#define GPM_COLOC_SOCKET 1
#define GPM_COLOC_NODE	 2

/* One physical core. The caller fills id, socket, node, cls and sets owner -1. */
struct gpm_core {
	uint32_t id, socket, node;
	uint8_t cls;   /* GPM_CLS_* */
	int32_t owner; /* partition index, -1 free */
	bool lpm;      /* this core runs its owner's Local Partition Manager */
	/* Private to gpm_replan(): the plan to restore on failure. */
	int32_t saved_owner;
	bool saved_lpm;
};

/* What a guest asks for (VT-ASOS). weight and latency_us are kept for the LPM. */
struct gpm_request {
	uint32_t vcpus;
	uint32_t weight;
	uint32_t power_w; /* 0 = no limit */
	bool share_core;  /* up to two vCPUs per core */
	uint8_t colocate; /* GPM_COLOC_* */
	bool gang;	  /* all vCPUs run together; contradicts share_core */
	uint32_t latency_us;
};

/* One partition slot. Zero-initialise the array before first use. */
struct gpm_part {
	bool live;
	struct gpm_request req;
	uint32_t ncores;   /* vCPU cores, LPM core not counted */
	uint32_t lpm_core; /* index into gpm.cores */
	uint32_t load_pct; /* reported back to the guest (VT-ASOS) */
	/* Private: creation order (for gpm_replan()) and the plan it may restore. */
	uint64_t seq;
	uint32_t saved_ncores, saved_lpm_core;
};

/*
 * The manager's state. The caller owns all storage: cores[ncores] (owners -1,
 * lpm false at start) and parts[nparts_max] (zeroed); core_watts is the power
 * draw of one slow core (0 = no power accounting). Zero next_seq at start.
 */
struct gpm {
	struct gpm_core *cores;
	uint32_t ncores;
	struct gpm_part *parts;
	uint32_t nparts_max;
	uint32_t core_watts;
	uint64_t next_seq;
};

/*
 * Create a partition for request r and store its index in *part_out.
 * Picks one LPM core plus the vCPU cores per the rules above. Errors (one line,
 * nothing changed): -E_INVAL for NULL arguments, vcpus == 0, gang with
 * share_core, an unknown colocate value, or co-location no socket / node could
 * ever satisfy; -E_RANGE when the power budget or the free slow cores (on one
 * socket / node when co-locating) are too few; -E_FULL with no free slot.
 */
int gpm_create(struct gpm *g, const struct gpm_request *r, uint32_t *part_out);

/*
 * Change live partition part to new_vcpus vCPUs (new_vcpus > 0). Growing takes
 * the lowest free slow cores (on the LPM core's socket / node when
 * co-locating); shrinking releases the highest-index vCPU cores, never the LPM
 * core. All-or-nothing: -E_INVAL (bad part, 0 vCPUs) or -E_RANGE (not enough
 * free cores or power) with one line and nothing changed.
 */
int gpm_resize(struct gpm *g, uint32_t part, uint32_t new_vcpus);

/* Free every core of live partition part and its slot; -E_INVAL if not live. */
int gpm_destroy(struct gpm *g, uint32_t part);

/*
 * Record the load the partition's LPM measured (percent, clamped to 100 with a
 * line). Ignored with a line for a partition that is not live.
 */
void gpm_report_load(struct gpm *g, uint32_t part, uint32_t load_pct);

/* The last load reported for live partition part; 0 if it is not live. */
uint32_t gpm_load(const struct gpm *g, uint32_t part);

/*
 * Re-pack all live partitions from scratch in creation order onto the cores
 * as they are now (e.g. after classes changed). If any partition no longer
 * fits, returns -E_RANGE with one line and restores the previous plan exactly.
 */
int gpm_replan(struct gpm *g);

/*
 * Store in *core_out the index of the core that runs vCPU vcpu of live
 * partition part. -E_INVAL for a partition that is not live, -E_RANGE for a
 * vCPU it does not have. O(ncores).
 */
int gpm_vcpu_core(const struct gpm *g, uint32_t part, uint32_t vcpu, uint32_t *core_out);

#endif
