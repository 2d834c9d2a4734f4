/* SPDX-License-Identifier: MIT */
/*
 * Global Partition Manager planning policy: which cores each partition gets.
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
 *  - Cores are handed out by class: a request's vCPU cores come from its cls
 *    (GPM_CLS_SLOW, the default; GPM_CLS_FAST; or GPM_REQ_ANY: slow cores
 *    first, then fast). GPM_CLS_ACCEL cores are never handed out. A core is
 *    free (owner == -1) or owned by exactly one live partition.
 *  - Affinity group k (struct gpm_affinity) covers vCPUs [first, first + count)
 *    and puts all of their cores on one core / socket / node (its level);
 *    different groups may land on different ones. Groups are validated: at most
 *    GPM_AFF_MAX, count > 0, inside [0, vcpus), not overlapping, a known level,
 *    and a core-level group holds at most the vCPUs one core may run (1, or 2
 *    with share_core). No group contradicts colocate: a group only narrows the
 *    partition's own socket / node further (a group at the colocate level is
 *    redundant and accepted).
 *  - A live partition owns one LPM core (lpm == true, index lpm_core), or none
 *    with lpm_shared (its LPM runs on a shared core outside these tables;
 *    lpm_core is GPM_NO_CORE), plus ncores vCPU cores (gpm_core.aff names the
 *    group, 0 = ungrouped). Each group gets its own cores, and so do the
 *    ungrouped vCPUs: n vCPUs need n cores, or ceil(n / 2) with share_core (two
 *    vCPUs per core, never across groups). vCPU first + j of group k runs on
 *    the (j, or j / 2 when sharing)-th core of group k in array order; the r-th
 *    ungrouped vCPU on the (r, or r / 2)-th ungrouped core (gpm_vcpu_core()).
 *    Without groups: vCPU i on the i-th core.
 *  - Request ncores != 0 fixes the vCPU core count instead (groups keep their
 *    cores as above, the ungrouped vCPUs get the other ncores - group cores):
 *    vCPUs time-share them, ungrouped vCPU r on ungrouped core r % (ungrouped
 *    cores). It must leave at least one ungrouped core when there are
 *    ungrouped vCPUs; share_core with it is refused, and gang needs
 *    ncores >= vcpus (a core per vCPU).
 *  - Cores are picked lowest array index first (with GPM_REQ_ANY: every free
 *    slow core in the scope before any fast one). Groups are placed first, in
 *    index order, each on the lowest-numbered core / socket / node with enough
 *    free cores of the request's class for it (greedy: no backtracking across
 *    groups); then the LPM core, then the ungrouped cores. The LPM core is the
 *    lowest free slow core in the partition's scope if there is one, else the
 *    lowest free fast core (for a GPM_CLS_SLOW request it stays slow, as
 *    before cls existed: no slow core, no partition). With colocate,
 *    every core of the partition (LPM included) is on one socket / node: the
 *    lowest-numbered one with enough free cores on which everything fits.
 *  - pin (a bitmap, bit i of word i / 64 = core index i) names exactly the
 *    ungrouped vCPU cores; each must be free and of the request's class. The
 *    bitmap is read during gpm_create() only; the partition remembers its
 *    cores (gpm_core.pinned). Pinned partitions take no groups, no colocate.
 *  - Resize adds or removes ungrouped vCPUs only: growing appends ungrouped
 *    vCPUs, shrinking below the end of any group is refused. With ncores != 0
 *    gpm_resize() changes only the vCPU count and gpm_resize_cores() the
 *    ungrouped core count.
 *  - Power: a core of class c draws class_watts[c], or core_watts when that is
 *    0. With power_w != 0, the draw of all of a partition's cores (vCPU cores
 *    and its LPM core, if any) must not exceed power_w.
 *  - Re-plan re-takes every pinned core first, then re-packs the live
 *    partitions in creation order as if created afresh (a pinned partition
 *    only picks its LPM core), also checking power.
 *  - Every failing call prints one "gpm: " line, returns a negative code and
 *    leaves all state exactly as it was.
 */
#ifndef SCHED_GPM_H
#define SCHED_GPM_H

#include "lib/types.h"

#define GPM_CLS_SLOW  0
#define GPM_CLS_FAST  1
#define GPM_CLS_ACCEL 2
/* gpm_request.cls only: slow cores first, then fast. */
#define GPM_REQ_ANY 3

/* gpm_part.lpm_core of a partition without an LPM core (lpm_shared). */
#define GPM_NO_CORE UINT32_MAX

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
	bool pinned;   /* owned vCPU core named by its partition's pin bitmap */
	/* Private to gpm_replan(): the plan to restore on failure. */
	int32_t saved_owner;
	bool saved_lpm;
	uint8_t saved_aff;
	bool saved_pinned;
	/* Private to gpm_replan()'s index: per level (socket, node). */
	struct gpm_core_idx {
		uint32_t perm;	     /* core indices sorted by (domain, index) */
		uint32_t rank, pos;  /* this core's domain rank and place in perm */
		uint32_t start, len; /* rank-th domain's run in perm */
		uint32_t val;	     /* rank-th domain's number */
		uint32_t other;	     /* its cores' node (socket) if all share one, else ~0 */
		uint32_t free[2];    /* rank-th domain's free cores per class */
		uint32_t cur[2];     /* rank-th domain: run offset of its lowest maybe-free core */
	} x[2];
	uint32_t stk; /* stk-th core taken in this replan */
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

/*
 * What a guest asks for (VT-ASOS). weight and latency_us are kept for the LPM.
 * A zeroed new field means the behaviour from before it existed.
 */
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
	uint32_t ncores; /* vCPU cores (LPM not counted); 0 = derived from vcpus */
	uint8_t cls;	 /* GPM_CLS_SLOW (0), GPM_CLS_FAST or GPM_REQ_ANY */
	bool lpm_shared; /* no LPM core from the plan (lpm_core = GPM_NO_CORE) */
	/*
	 * NULL, or a bitmap of exactly the vCPU cores to use (bit i of word i / 64
	 * is core index i, (g->ncores + 63) / 64 words). Read by gpm_create() only;
	 * the stored copy in gpm_part.req is NULL.
	 */
	const uint64_t *pin;
};

/* One partition slot. Zero-initialise the array before first use. */
struct gpm_part {
	bool live;
	struct gpm_request req;
	uint32_t ncores;   /* vCPU cores, LPM core not counted */
	uint32_t lpm_core; /* index into gpm.cores; GPM_NO_CORE with lpm_shared */
	uint32_t load_pct; /* reported back to the guest (VT-ASOS) */
	/* Private: creation order (for gpm_replan()) and the plan it may restore. */
	uint64_t seq;
	uint32_t saved_ncores, saved_lpm_core;
	bool pinned;	     /* created with a pin bitmap */
	uint64_t pin_w;	     /* gpm_replan(): its pinned cores' draw (0 when unpinned) */
	uint32_t prev, next; /* creation-order list: slot + 1, 0 = none */
};

/*
 * The manager's state. The caller owns all storage: cores[ncores] (owners -1,
 * lpm false at start) and parts[nparts_max] (zeroed); core_watts is the power
 * draw of one core (0 = no power accounting), class_watts[c] that of a core
 * of class c (GPM_CLS_*) when not 0. Zero everything else at start.
 */
struct gpm {
	struct gpm_core *cores;
	uint32_t ncores;
	struct gpm_part *parts;
	uint32_t nparts_max;
	uint32_t core_watts;
	uint64_t next_seq;
	uint32_t class_watts[3];
	/* Private: the live partitions in creation order (slot + 1, 0 = none). */
	uint32_t first, last;
	/* Private to gpm_replan() (sched/gpm_replan.c): its index is in use. */
	bool idx;
	uint32_t cur[2], nfree[2]; /* per class: lowest maybe-free core, free count */
	uint32_t ndom[2];	   /* sockets, nodes */
	uint32_t nstk, mark;	   /* cores taken so far, and where this placement began */
};

/*
 * Create a partition for request r and store its index in *part_out.
 * Picks the LPM core (unless lpm_shared) and the vCPU cores per the rules
 * above. Errors (one line, nothing changed): -E_INVAL for NULL arguments,
 * vcpus == 0, gang with share_core, an unknown colocate or cls (or
 * GPM_CLS_ACCEL), share_core with ncores, gang with ncores < vcpus, ncores
 * too small for the groups or leaving the ungrouped vCPUs no core, pin with
 * groups or colocate, a malformed affinity group (the line names its index),
 * or co-location or a group that no socket / node could ever satisfy even
 * with every core of the class free; -E_RANGE when the power budget or the
 * free cores of the class (on one socket / node when co-locating, for a
 * group on one core / socket / node) are too few, or for a pinned core that
 * is not free, not of the request's class or not a core (the line names
 * it), or a pin whose popcount differs from a non-zero ncores (-E_INVAL);
 * -E_FULL with no free slot.
 */
int gpm_create(struct gpm *g, const struct gpm_request *r, uint32_t *part_out);

/*
 * Change live partition part to new_vcpus vCPUs (new_vcpus > 0). Only
 * ungrouped vCPUs come and go: growing appends ungrouped vCPUs and takes the
 * lowest free cores of the request's class (on the partition's socket / node
 * when co-locating); shrinking releases the highest-index ungrouped vCPU
 * cores, never the LPM core nor a group's. With ncores != 0 the cores stay:
 * only the vCPU count changes (a gang may not exceed ncores, and ungrouped
 * vCPUs need an ungrouped core). All-or-nothing: -E_INVAL (bad part, 0 vCPUs,
 * new_vcpus below the end of an affinity group, the ncores rules) or -E_RANGE
 * (not enough free cores or power) with one line and nothing changed.
 */
int gpm_resize(struct gpm *g, uint32_t part, uint32_t new_vcpus);

/*
 * Change the vCPU cores of live partition part, created with ncores != 0, to
 * new_ncores (group cores included, as in gpm_request.ncores): only
 * ungrouped cores come and go. Growing takes the lowest free cores of the
 * request's class (on the partition's socket / node when co-locating);
 * shrinking releases the highest-index ungrouped cores; the LPM core and
 * group cores are never released. All-or-nothing with one line: -E_INVAL for
 * a partition that is not live, was created without ncores or is pinned, or
 * a new_ncores below the group cores, leaving ungrouped vCPUs no core, or
 * below vcpus for a gang; -E_RANGE when free cores or power are too few.
 */
int gpm_resize_cores(struct gpm *g, uint32_t part, uint32_t new_ncores);

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
 * as they are now (e.g. after classes changed), affinity groups included;
 * pinned cores are re-taken first and stay where they are. If any partition
 * no longer fits (cores or power), returns -E_RANGE with one line and
 * restores the previous plan exactly. Cost: O(ncores log ncores + the cores
 * and sockets / nodes each placement looks at), not O(partitions^2).
 */
int gpm_replan(struct gpm *g);

/*
 * Store in *core_out the index of the core that runs vCPU vcpu of live
 * partition part (on its affinity group's cores when it is in one; with
 * ncores != 0 ungrouped vCPU r on ungrouped core r % ungrouped cores).
 * -E_INVAL for a partition that is not live, -E_RANGE for a vCPU it does not
 * have. O(ncores).
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
 * plus one for the ungrouped vCPUs, or r->ncores when that is not 0. r passed
 * gpm_aff_check() and vcpus is at least gpm_aff_end(r).
 */
uint32_t gpm_req_cores(const struct gpm_request *r, uint32_t vcpus);

/* vCPU cores all of r's groups take together. */
uint32_t gpm_aff_group_cores(const struct gpm_request *r);

/* vCPUs in r's groups together. */
uint32_t gpm_aff_grouped(const struct gpm_request *r);

/* One past the highest vCPU any group of r covers (0 without groups). */
uint32_t gpm_aff_end(const struct gpm_request *r);

/*
 * Which of the partition's vCPU cores runs vCPU vcpu of checked request r:
 * the *rank_out-th (0-based, array order) core whose aff is *tag_out. With
 * r->ncores != 0 the ungrouped rank is the vCPU's ungrouped number (the
 * caller takes it modulo the ungrouped cores).
 */
void gpm_aff_slot(const struct gpm_request *r, uint32_t vcpu, uint8_t *tag_out, uint32_t *rank_out);

/* Internal to sched/gpm*.c: placement (sched/gpm_place.c). */

/* A set of cores: all of them (level GPM_COLOC_NONE), or one socket / node / core. */
struct gpm_scope {
	uint8_t level;
	uint32_t val;
};

/* Class masks: bit GPM_CLS_SLOW / GPM_CLS_FAST. */
#define GPM_M_SLOW 1
#define GPM_M_FAST 2
#define GPM_M_ANY  3

/* Watts of one core of class cls (class_watts, else core_watts). */
uint32_t gpm_watts(const struct gpm *g, uint8_t cls);
/* Classes r's vCPU cores come from; and those any of its cores may (LPM too). */
uint8_t gpm_vmask(const struct gpm_request *r);
uint8_t gpm_pmask(const struct gpm_request *r);
/* "slow", "fast" or "slow or fast" for a class mask. */
const char *gpm_mask_name(uint8_t mask);
uint32_t gpm_domain_of(const struct gpm *g, uint32_t i, uint8_t level);
bool gpm_part_live(const struct gpm *g, uint32_t part);
uint32_t gpm_count_in(const struct gpm *g, struct gpm_scope s1, struct gpm_scope s2, uint8_t mask,
		      bool only_free);
bool gpm_find_group(const struct gpm *g, struct gpm_scope outer, uint8_t level, uint64_t lo,
		    uint64_t need, uint8_t mask, bool only_free, uint32_t *grp, uint32_t *best);
/* Free slow and fast cores inside s. */
void gpm_count_free(const struct gpm *g, struct gpm_scope s, uint32_t *slow, uint32_t *fast);
/* Core i becomes part's; its watts are added to *w. */
void gpm_own(struct gpm *g, uint32_t part, uint32_t i, bool lpm, uint8_t aff, uint64_t *w);
void gpm_free_core(struct gpm *g, uint32_t i);
void gpm_release_all(struct gpm *g, uint32_t part);
/*
 * Place part for checked request r (owning nothing yet, or with pinned set,
 * only its pinned cores): the rules' order, colocate tried domain by domain.
 * 0, or -E_RANGE with nothing taken and the first misfit group in *bad (-1:
 * the LPM core or the ungrouped rest). Adds the draw of what it took to *w.
 */
int gpm_place(struct gpm *g, uint32_t part, const struct gpm_request *r, bool pinned, int *bad,
	      uint64_t *w);

/* Internal: gpm_replan()'s index (sched/gpm_replan.c), used while g->idx. */
uint32_t gpm_idx_count(const struct gpm *g, struct gpm_scope s, uint8_t mask);
bool gpm_idx_find(const struct gpm *g, struct gpm_scope outer, uint8_t level, uint64_t lo,
		  uint64_t need, uint8_t mask, uint32_t *grp, uint32_t *best);
uint32_t gpm_idx_take(struct gpm *g, uint32_t part, uint32_t count, struct gpm_scope s1,
		      struct gpm_scope s2, uint8_t cls, uint8_t aff, bool lpm, uint64_t *w);
void gpm_idx_taken(struct gpm *g, uint32_t i);
void gpm_idx_freed(struct gpm *g, uint32_t i);
void gpm_idx_release(struct gpm *g, uint32_t part);

#endif
