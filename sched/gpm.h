/* SPDX-License-Identifier: MIT */
/*
 * Global Partition Manager planning policy: which slow cores each partition gets.
 * Environment: freestanding hypervisor, Global Partition Manager core only (the
 * tables are never touched by another core; requests arrive as messages); also
 * built hosted for unit tests and the simulator.
 *
 * Cypress paper section 3: slow cores are partitioned exclusively, fast cores go
 * to the anonymous partition (sched/lease.c); the paper time-shares accelerator
 * cores, which nothing here implements yet (GPM_CLS_ACCEL cores are never handed
 * out); each partition gets one extra dedicated core for its Local Partition
 * Manager.
 * VT-ASOS: a guest asks for a vCPU count plus constraints (may vCPUs share a
 * core, co-location on one socket / NUMA node, gang scheduling, a latency hint)
 * and, per VT-ASOS section 2, affinities for sets of its vCPUs ("place them on
 * the same core or node"): affinity groups. The hypervisor computes a fixed
 * vCPU-to-core mapping and reports load back.
 *
 * Rules (the whole policy, so callers and tests can rely on them):
 *  - Only slow cores (cls GPM_CLS_SLOW) are ever given to partitions; a core is
 *    free (owner == -1) or owned by exactly one live partition.
 *  - Affinity group k (struct gpm_affinity) covers vCPUs [first, first + count)
 *    and puts all of their cores on one core / socket / node (its level);
 *    different groups may land on different ones. Groups are validated: at most
 *    GPM_AFF_MAX, count > 0, inside [0, vcpus), not overlapping, a known level,
 *    and a core-level group holds at most the vCPUs one core may run (1, or 2
 *    with share_core). No group contradicts colocate: a group only narrows the
 *    partition's own socket / node further (a group at the colocate level is
 *    redundant and accepted).
 *  - A live partition owns exactly one LPM core (lpm == true, index lpm_core)
 *    plus ncores vCPU cores (gpm_core.aff names the group, 0 = ungrouped).
 *    Each group gets its own cores, and so do the ungrouped vCPUs: n vCPUs need
 *    n cores, or ceil(n / 2) with share_core (two vCPUs per core, never across
 *    groups). vCPU first + j of group k runs on the (j, or j / 2 when sharing)-th
 *    core of group k in array order; the r-th ungrouped vCPU on the (r, or r / 2)-th
 *    ungrouped core (gpm_vcpu_core()). Without groups: vCPU i on the i-th core.
 *  - Cores are picked lowest array index first. Groups are placed first, in
 *    index order, each on the lowest-numbered core / socket / node with enough
 *    free slow cores for it (greedy: no backtracking across groups); then the
 *    LPM core and the ungrouped cores, the LPM core the lowest of those. With
 *    colocate, every core of the partition (LPM included) is on one socket /
 *    node: the lowest-numbered one with enough free slow cores on which the
 *    groups also fit.
 *  - Resize adds or removes ungrouped vCPUs only: growing appends ungrouped
 *    vCPUs, shrinking below the end of any group is refused.
 *  - Power: with power_w != 0 and core_watts != 0, (ncores + 1) * core_watts must
 *    not exceed power_w.
 *  - Every failing call prints one "gpm: " line, returns a negative code and
 *    leaves all state exactly as it was.
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
/* Affinity group levels: GPM_COLOC_SOCKET, GPM_COLOC_NODE or this. */
#define GPM_AFF_CORE 3

/* Affinity groups per request; gpm_core.aff stores a group index + 1. */
#define GPM_AFF_MAX 8

/* One physical core. The caller fills id, socket, node, cls and sets owner -1. */
struct gpm_core {
	uint32_t id, socket, node;
	uint8_t cls;   /* GPM_CLS_* */
	int32_t owner; /* partition index, -1 free */
	bool lpm;      /* this core runs its owner's Local Partition Manager */
	uint8_t aff;   /* owned vCPU core: affinity group + 1, 0 ungrouped (set by gpm) */
	/* Private to gpm_replan(): the plan to restore on failure. */
	int32_t saved_owner;
	bool saved_lpm;
	uint8_t saved_aff;
};

/*
 * VT-ASOS affinity group: vCPUs [first, first + count) of the partition all
 * run on one core / socket / node (level GPM_AFF_CORE, GPM_COLOC_SOCKET or
 * GPM_COLOC_NODE).
 */
struct gpm_affinity {
	uint32_t first, count;
	uint8_t level;
};

/* What a guest asks for (VT-ASOS). weight and latency_us are kept for the LPM. */
struct gpm_request {
	uint32_t vcpus;
	uint32_t weight;
	uint32_t power_w; /* 0 = no limit */
	bool share_core;  /* up to two vCPUs per core */
	uint8_t colocate; /* GPM_COLOC_* */
	bool gang;	  /* all vCPUs run together; contradicts share_core (sched/gang.h) */
	uint32_t latency_us;
	uint8_t ngroups; /* affinity groups in use; 0 = none (zeroed request) */
	struct gpm_affinity groups[GPM_AFF_MAX];
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
 * share_core, an unknown colocate value, a malformed affinity group (the line
 * names its index), or co-location or a group that no socket / node could
 * ever satisfy even with every slow core free; -E_RANGE when the power
 * budget or the free slow cores (on one socket / node when co-locating, for a
 * group on one core / socket / node) are too few; -E_FULL with no free slot.
 */
int gpm_create(struct gpm *g, const struct gpm_request *r, uint32_t *part_out);

/*
 * Change live partition part to new_vcpus vCPUs (new_vcpus > 0). Only
 * ungrouped vCPUs come and go: growing appends ungrouped vCPUs and takes the
 * lowest free slow cores (on the LPM core's socket / node when co-locating);
 * shrinking releases the highest-index ungrouped vCPU cores, never the LPM
 * core nor a group's. All-or-nothing: -E_INVAL (bad part, 0 vCPUs, new_vcpus
 * below the end of an affinity group) or -E_RANGE (not enough free cores or
 * power) with one line and nothing changed.
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
 * as they are now (e.g. after classes changed), affinity groups included. If
 * any partition no longer fits, returns -E_RANGE with one line and restores
 * the previous plan exactly.
 */
int gpm_replan(struct gpm *g);

/*
 * Store in *core_out the index of the core that runs vCPU vcpu of live
 * partition part (on its affinity group's cores when it is in one). -E_INVAL for a partition that is not live, -E_RANGE for a
 * vCPU it does not have. O(ncores).
 */
int gpm_vcpu_core(const struct gpm *g, uint32_t part, uint32_t vcpu, uint32_t *core_out);

/*
 * Internal to sched/gpm.c and sched/gpm_affinity.c (affinity bookkeeping).
 */

/*
 * Check r's affinity groups against the rules above (r->vcpus > 0). Returns 0,
 * or -E_INVAL after one "gpm: " line naming the offending group.
 */
int gpm_aff_check(const struct gpm_request *r);

/* "core", "socket" or "node" for a group / colocate level, "?" otherwise. */
const char *gpm_level_name(uint8_t level);

/* vCPU cores group k of r needs: count, or ceil(count / 2) with share_core. */
uint32_t gpm_aff_cores(const struct gpm_request *r, uint32_t k);

/*
 * vCPU cores (LPM not counted) r needs with vcpus vCPUs: one set per group
 * plus one for the ungrouped vCPUs. r passed gpm_aff_check() and vcpus is at
 * least gpm_aff_end(r).
 */
uint32_t gpm_req_cores(const struct gpm_request *r, uint32_t vcpus);

/* One past the highest vCPU any group of r covers (0 without groups). */
uint32_t gpm_aff_end(const struct gpm_request *r);

/*
 * Which of the partition's vCPU cores runs vCPU vcpu of checked request r:
 * the *rank_out-th (0-based, array order) core whose aff is *tag_out.
 */
void gpm_aff_slot(const struct gpm_request *r, uint32_t vcpu, uint8_t *tag_out, uint32_t *rank_out);

#endif
