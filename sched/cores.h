/* SPDX-License-Identifier: MIT */
/*
 * Core inventory and per-partition power budgets: core classes, core exchange
 * (one high-power core for several low-power ones and back) and DVFS hints.
 * Environment: freestanding hypervisor, Global Partition Manager core only (the
 * inventory is never touched by another core; requests arrive as messages);
 * also built hosted for unit tests and the simulator.
 *
 * Cypress paper (Fedorova et al.) section 2.1: three kinds of cores, slow,
 * fast and accelerator; section 3.1 "Customization": a VM gets a power budget,
 * starts with cheap low-power cores and may exchange them, "a core drawing 80
 * watts can be exchanged for two cores drawing 40 watts each"; a legacy
 * guest's DVFS request is the hint that maps its vCPU to a slow or fast core.
 *
 * Rules (the whole policy, so callers and tests can rely on them):
 *  - A core is free (owner CORE_FREE), in the anonymous fast pool (CORE_POOL,
 *    set by the caller, never by these calls) or owned by exactly one
 *    partition (owner >= 0). Only free cores are granted or exchanged for.
 *  - A partition's used_w is the sum of the watts of the cores it owns and
 *    never exceeds budget_w: a call that would break this fails and changes
 *    nothing.
 *  - Every failing call prints exactly one console line starting "cores: "
 *    and changes nothing; successful calls print nothing.
 *  - A core's watts only change (cores_override) while no partition owns it,
 *    so used_w stays exact.
 */
#ifndef SCHED_CORES_H
#define SCHED_CORES_H

#include "lib/types.h"

enum core_class {
	CORE_SLOW,
	CORE_FAST,
	CORE_ACCEL
};

/* Owner values that are not a partition id. */
#define CORE_FREE (-1)
#define CORE_POOL (-2) /* anonymous partition of fast cores, leased (sched/lease.h) */

/* Defaults from discovery (relative speed: 100 = the slowest class). */
#define CORES_SLOW_SPEED 100
#define CORES_SLOW_WATTS 10
#define CORES_FAST_SPEED 200
#define CORES_FAST_WATTS 40

/* Limits a manifest override must respect (sanity, not physics). */
#define CORES_SPEED_MAX 10000 /* 100x the slowest class */
#define CORES_WATTS_MAX 1000

/* Most cores one exchange may take or give. */
#define CORES_EXCHANGE_MAX 64

/*
 * Hybrid core type, CPUID leaf 0x1A EAX bits 31:24 (Intel SDM Vol. 2A, CPUID
 * "Hybrid Information Enumeration Leaf"): 0x20 = Intel Atom (efficient core),
 * 0x40 = Intel Core (performance core).
 */
#define CORES_HYBRID_ATOM 0x20
#define CORES_HYBRID_CORE 0x40

struct core_info {
	uint32_t id;	     /* physical core id (index in the inventory) */
	enum core_class cls; /* slow, fast or accelerator */
	uint32_t speed_pct;  /* relative speed, 100 = the slowest class */
	uint32_t watts;	     /* power draw charged against the owner's budget */
	int32_t owner;	     /* partition id, CORE_FREE or CORE_POOL */
};

struct core_inventory {
	struct core_info *cores;
	uint32_t n;
};

struct power_budget {
	uint32_t budget_w; /* set by the administrator (manifest) */
	uint32_t used_w;   /* sum of the watts of the partition's cores */
};

enum pstate_hint {
	PSTATE_HINT_NONE,
	PSTATE_HINT_FAST,
	PSTATE_HINT_SLOW
};

/*
 * Fill `storage` with n cores (ids 0..n-1, all CORE_FREE) from their hybrid
 * core types and make `inv` describe it. CORES_HYBRID_CORE -> fast (speed 200,
 * 40 W); CORES_HYBRID_ATOM, 0 (not a hybrid part) and anything else -> slow
 * (speed 100, 10 W); a non-zero unknown type also prints one line per core.
 * hybrid_type may be NULL (non-hybrid processor: every core slow).
 * Preconditions: inv non-NULL; storage holds n entries (NULL with n > 0 gives
 * an empty inventory and one line).
 */
void cores_from_hybrid(struct core_inventory *inv, struct core_info *storage, uint32_t n,
		       const uint8_t *hybrid_type);

/*
 * Manifest override of one core's class, speed and watts.
 * Returns 0; -E_INVAL for a core id not in the inventory, an unknown class,
 * speed or watts 0; -E_RANGE for speed > CORES_SPEED_MAX or watts >
 * CORES_WATTS_MAX; -E_BUSY if a partition owns the core (its budget was
 * charged the old watts). Owner is kept (a pool core stays in the pool).
 * Precondition: inv non-NULL (built by cores_from_hybrid).
 */
int cores_override(struct core_inventory *inv, uint32_t core, enum core_class cls,
		   uint32_t speed_pct, uint32_t watts);

/*
 * Give free core `core` to partition `part`, charging its watts to b.
 * Returns 0; -E_INVAL for a bad core id, part > INT32_MAX or an inconsistent
 * budget (used_w > budget_w); -E_BUSY if the core is not free; -E_RANGE if
 * used_w + watts would exceed budget_w. Nothing changes on failure.
 * Preconditions: inv, b non-NULL; b is part's budget.
 */
int power_grant(struct core_inventory *inv, struct power_budget *b, uint32_t part, uint32_t core);

/*
 * Partition `part` returns core `core`: it becomes free and b is credited.
 * Returns 0; -E_INVAL for a bad core id, or if b->used_w is below the core's
 * watts (b is not part's budget); -E_PERM if part does not own the core.
 * Preconditions: inv, b non-NULL; b is part's budget.
 */
int power_release(struct core_inventory *inv, struct power_budget *b, uint32_t part, uint32_t core);

/*
 * Exchange: partition `part` gives the give_n distinct cores in give[] (all
 * its own) and takes exactly want_n free cores of class want_cls, the
 * cheapest ones (fewest watts, then lowest id). Their total watts must be at
 * most the given cores' watts plus the unused budget (budget_w - used_w).
 * All or nothing: on success got[0..want_n-1] holds the new core ids (in the
 * order chosen) and returns 0; on failure nothing changes and got is
 * untouched. Errors: -E_INVAL for give_n or want_n 0 or above
 * CORES_EXCHANGE_MAX, an unknown class, NULL give/got, a bad or repeated core
 * id, or an inconsistent budget; -E_PERM if part does not own a given core;
 * -E_NOENT if fewer than want_n cores of the class are free; -E_RANGE if the
 * cheapest want_n do not fit.
 * Preconditions: inv, b non-NULL; b is part's budget; got holds want_n ids.
 */
int power_exchange_many(struct core_inventory *inv, struct power_budget *b, uint32_t part,
			const uint32_t *give, uint32_t give_n, uint32_t want_n,
			enum core_class want_cls, uint32_t *got);

/*
 * power_exchange_many() with one given core, e.g. one 80 W fast core for two
 * 40 W cores. Same returns and preconditions.
 */
int power_exchange(struct core_inventory *inv, struct power_budget *b, uint32_t part,
		   uint32_t give_core, uint32_t want_n, enum core_class want_cls, uint32_t *got);

/*
 * Turn a legacy guest's P-state request (the index it wrote to IA32_PERF_CTL,
 * Intel SDM Vol. 3B section 15.1 "Enhanced Intel SpeedStep Technology", after
 * the caller mapped the value to an index; 0 = P0, the highest performance;
 * max_pstate_index = the lowest-performance state) into a core-class hint.
 * Thresholds: requested * 4 <= max -> FAST (P0 and the top quarter);
 * requested * 4 >= 3 * max -> SLOW (the lowest state and the bottom quarter);
 * anything between -> NONE (stay put). With max 0 (one P-state) there is
 * nothing to learn: NONE. requested > max prints one line and gives NONE.
 * The caller adds any hysteresis.
 */
enum pstate_hint pstate_hint(uint32_t requested_pstate, uint32_t max_pstate_index);

#endif
