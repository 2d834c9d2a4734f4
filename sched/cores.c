// SPDX-License-Identifier: MIT
/*
 * Core inventory and per-partition power budgets: classes from discovery or the
 * manifest, grants, releases, core exchange and legacy guests' DVFS hints.
 * Environment: freestanding hypervisor, Global Partition Manager core only;
 * also built hosted for unit tests and the simulator.
 */
#include "sched/cores.h"

#include "lib/errno.h"
#include "lib/printf.h"

static const char *const class_names[] = { "slow", "fast", "accel" };

static bool class_ok(enum core_class cls)
{
	return (uint32_t)cls < ARRAY_SIZE(class_names);
}

static void set_defaults(struct core_info *c, uint32_t id, enum core_class cls)
{
	c->id = id;
	c->cls = cls;
	c->speed_pct = cls == CORE_FAST ? CORES_FAST_SPEED : CORES_SLOW_SPEED;
	c->watts = cls == CORE_FAST ? CORES_FAST_WATTS : CORES_SLOW_WATTS;
	c->owner = CORE_FREE;
}

void cores_from_hybrid(struct core_inventory *inv, struct core_info *storage, uint32_t n,
		       const uint8_t *hybrid_type)
{
	inv->cores = storage;
	inv->n = n;
	if (!storage && n) {
		kprintf("cores: %u cores but no storage, inventory empty\n", n);
		inv->n = 0;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint8_t t = hybrid_type ? hybrid_type[i] : 0;

		/* CPUID.1AH:EAX[31:24] core type (SDM Vol. 2A, CPUID leaf 1AH). */
		if (t == CORES_HYBRID_CORE) {
			set_defaults(&storage[i], i, CORE_FAST);
			continue;
		}
		if (t != 0 && t != CORES_HYBRID_ATOM)
			kprintf("cores: core %u has unknown hybrid type 0x%x, treated as slow\n", i,
				t);
		set_defaults(&storage[i], i, CORE_SLOW);
	}
}

int cores_override(struct core_inventory *inv, uint32_t core, enum core_class cls,
		   uint32_t speed_pct, uint32_t watts)
{
	if (core >= inv->n) {
		kprintf("cores: override of core %u, only %u cores, ignored\n", core, inv->n);
		return -E_INVAL;
	}
	if (!class_ok(cls)) {
		kprintf("cores: override of core %u: unknown class %d, ignored\n", core, (int)cls);
		return -E_INVAL;
	}
	if (speed_pct == 0 || watts == 0) {
		kprintf("cores: override of core %u: speed %u%% and watts %u must be non-zero, "
			"ignored\n",
			core, speed_pct, watts);
		return -E_INVAL;
	}
	if (speed_pct > CORES_SPEED_MAX || watts > CORES_WATTS_MAX) {
		kprintf("cores: override of core %u: speed %u%% (max %u) or %u W (max %u) out of "
			"range, ignored\n",
			core, speed_pct, CORES_SPEED_MAX, watts, CORES_WATTS_MAX);
		return -E_RANGE;
	}
	struct core_info *c = &inv->cores[core];
	if (c->owner >= 0) {
		kprintf("cores: override of core %u: owned by partition %d, ignored\n", core,
			c->owner);
		return -E_BUSY;
	}
	c->cls = cls;
	c->speed_pct = speed_pct;
	c->watts = watts;
	return 0;
}

/* Shared checks of the partition id and the budget; prints the one line. */
static int check_part(const struct power_budget *b, uint32_t part, const char *what)
{
	if (part > INT32_MAX) {
		kprintf("cores: %s for partition %u: id too large, refused\n", what, part);
		return -E_INVAL;
	}
	if (b->used_w > b->budget_w) {
		kprintf("cores: %s for partition %u: budget inconsistent (%u W used of %u W), "
			"refused\n",
			what, part, b->used_w, b->budget_w);
		return -E_INVAL;
	}
	return 0;
}

int power_grant(struct core_inventory *inv, struct power_budget *b, uint32_t part, uint32_t core)
{
	int err = check_part(b, part, "grant");
	if (err)
		return err;
	if (core >= inv->n) {
		kprintf("cores: grant of core %u to partition %u: only %u cores, refused\n", core,
			part, inv->n);
		return -E_INVAL;
	}
	struct core_info *c = &inv->cores[core];
	if (c->owner != CORE_FREE) {
		kprintf("cores: grant of core %u to partition %u: core not free (owner %d), "
			"refused\n",
			core, part, c->owner);
		return -E_BUSY;
	}
	if (c->watts > b->budget_w - b->used_w) {
		kprintf("cores: grant of core %u (%u W) to partition %u: budget %u W, %u W used, "
			"refused\n",
			core, c->watts, part, b->budget_w, b->used_w);
		return -E_RANGE;
	}
	c->owner = (int32_t)part;
	b->used_w += c->watts;
	return 0;
}

int power_release(struct core_inventory *inv, struct power_budget *b, uint32_t part, uint32_t core)
{
	if (core >= inv->n) {
		kprintf("cores: release of core %u by partition %u: only %u cores, refused\n", core,
			part, inv->n);
		return -E_INVAL;
	}
	struct core_info *c = &inv->cores[core];
	if (part > INT32_MAX || c->owner != (int32_t)part) {
		kprintf("cores: release of core %u by partition %u: owned by %d, refused\n", core,
			part, c->owner);
		return -E_PERM;
	}
	if (b->used_w < c->watts) {
		kprintf("cores: release of core %u by partition %u: budget shows %u W used, core "
			"draws %u W, refused\n",
			core, part, b->used_w, c->watts);
		return -E_INVAL;
	}
	c->owner = CORE_FREE;
	b->used_w -= c->watts;
	return 0;
}

/* Validate the given cores and sum their watts into *give_w. */
static int check_give(const struct core_inventory *inv, uint32_t part, const uint32_t *give,
		      uint32_t give_n, uint64_t *give_w)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < give_n; i++) {
		uint32_t id = give[i];

		if (id >= inv->n) {
			kprintf("cores: exchange by partition %u: core %u not in inventory (%u "
				"cores), refused\n",
				part, id, inv->n);
			return -E_INVAL;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (give[j] == id) {
				kprintf("cores: exchange by partition %u: core %u given twice, "
					"refused\n",
					part, id);
				return -E_INVAL;
			}
		}
		if (inv->cores[id].owner != (int32_t)part) {
			kprintf("cores: exchange by partition %u: core %u owned by %d, refused\n",
				part, id, inv->cores[id].owner);
			return -E_PERM;
		}
		sum += inv->cores[id].watts;
	}
	*give_w = sum;
	return 0;
}

/* (watts, id) of a strictly after (watts, id) of b: the cheapest-first order. */
static bool after(const struct core_info *a, const struct core_info *b)
{
	return a->watts > b->watts || (a->watts == b->watts && a->id > b->id);
}

/*
 * Pick the want_n cheapest free cores of class cls into got[] without marking
 * anything: each round takes the smallest (watts, id) above the previous pick.
 * Returns how many were found and their total watts.
 */
static uint32_t pick_cheapest(const struct core_inventory *inv, enum core_class cls,
			      uint32_t want_n, uint32_t *got, uint64_t *take_w)
{
	const struct core_info *prev = NULL;
	uint64_t sum = 0;
	uint32_t k;

	for (k = 0; k < want_n; k++) {
		const struct core_info *best = NULL;

		for (uint32_t i = 0; i < inv->n; i++) {
			const struct core_info *c = &inv->cores[i];

			if (c->owner != CORE_FREE || c->cls != cls)
				continue;
			if (prev && !after(c, prev))
				continue;
			if (!best || after(best, c))
				best = c;
		}
		if (!best)
			break;
		got[k] = (uint32_t)(best - inv->cores);
		sum += best->watts;
		prev = best;
	}
	*take_w = sum;
	return k;
}

int power_exchange_many(struct core_inventory *inv, struct power_budget *b, uint32_t part,
			const uint32_t *give, uint32_t give_n, uint32_t want_n,
			enum core_class want_cls, uint32_t *got)
{
	uint32_t pick[CORES_EXCHANGE_MAX];
	uint64_t give_w, take_w;
	int err = check_part(b, part, "exchange");

	if (err)
		return err;
	if (!give || !got || give_n == 0 || want_n == 0 || give_n > CORES_EXCHANGE_MAX ||
	    want_n > CORES_EXCHANGE_MAX || !class_ok(want_cls)) {
		kprintf("cores: exchange by partition %u: give %u / want %u cores (1..%u, "
			"arrays non-NULL), class %d, refused\n",
			part, give_n, want_n, CORES_EXCHANGE_MAX, (int)want_cls);
		return -E_INVAL;
	}
	err = check_give(inv, part, give, give_n, &give_w);
	if (err)
		return err;
	if (give_w > b->used_w) {
		kprintf("cores: exchange by partition %u: budget shows %u W used, given cores "
			"draw %llu W, refused\n",
			part, b->used_w, (unsigned long long)give_w);
		return -E_INVAL;
	}
	if (pick_cheapest(inv, want_cls, want_n, pick, &take_w) < want_n) {
		kprintf("cores: exchange by partition %u: fewer than %u free %s cores, refused\n",
			part, want_n, class_names[want_cls]);
		return -E_NOENT;
	}
	/* used - give + take <= budget, rearranged so nothing goes negative. */
	uint64_t allowance = give_w + (b->budget_w - b->used_w);
	if (take_w > allowance) {
		kprintf("cores: exchange by partition %u: %u %s cores need %llu W, %llu W "
			"available, refused\n",
			part, want_n, class_names[want_cls], (unsigned long long)take_w,
			(unsigned long long)allowance);
		return -E_RANGE;
	}
	for (uint32_t i = 0; i < give_n; i++)
		inv->cores[give[i]].owner = CORE_FREE;
	for (uint32_t i = 0; i < want_n; i++) {
		inv->cores[pick[i]].owner = (int32_t)part;
		got[i] = pick[i];
	}
	/* used_w - give_w + take_w <= budget_w <= UINT32_MAX, checked above. */
	b->used_w = (uint32_t)(b->used_w - give_w + take_w);
	return 0;
}

int power_exchange(struct core_inventory *inv, struct power_budget *b, uint32_t part,
		   uint32_t give_core, uint32_t want_n, enum core_class want_cls, uint32_t *got)
{
	return power_exchange_many(inv, b, part, &give_core, 1, want_n, want_cls, got);
}

enum pstate_hint pstate_hint(uint32_t requested_pstate, uint32_t max_pstate_index)
{
	uint64_t r4 = (uint64_t)requested_pstate * 4;
	uint64_t max = max_pstate_index;

	if (requested_pstate > max_pstate_index) {
		kprintf("cores: P-state request P%u beyond the lowest P%u, no hint\n",
			requested_pstate, max_pstate_index);
		return PSTATE_HINT_NONE;
	}
	if (max == 0)
		return PSTATE_HINT_NONE;
	if (r4 <= max)
		return PSTATE_HINT_FAST;
	if (r4 >= 3 * max)
		return PSTATE_HINT_SLOW;
	return PSTATE_HINT_NONE;
}
