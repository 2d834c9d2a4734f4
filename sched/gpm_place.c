// SPDX-License-Identifier: MIT
/*
 * Global Partition Manager placement: scans for free cores, taking and
 * releasing them, and placing one partition (groups, LPM core, the rest).
 * Environment: freestanding hypervisor, Global Partition Manager core only;
 * also built hosted for unit tests and the simulator.
 *
 * Plain scans over the core array for create and resize: partition changes
 * are rare (Cypress paper section 3), so O(ncores) per pick (O(ncores *
 * sockets) when a partition or an affinity group must sit on one socket /
 * node) is cheap enough even at thousands of cores and keeps the state a
 * flat array. While gpm_replan() runs (g->idx), the same calls go through
 * its index instead (sched/gpm_replan.c), so both place exactly alike.
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/gpm.h"

static const struct gpm_scope all_cores = { GPM_COLOC_NONE, 0 };

uint32_t gpm_watts(const struct gpm *g, uint8_t cls)
{
	return cls < 3 && g->class_watts[cls] ? g->class_watts[cls] : g->core_watts;
}

uint8_t gpm_vmask(const struct gpm_request *r)
{
	return r->cls == GPM_CLS_FAST ? GPM_M_FAST : r->cls == GPM_REQ_ANY ? GPM_M_ANY : GPM_M_SLOW;
}

uint8_t gpm_pmask(const struct gpm_request *r)
{
	/* A fast partition's LPM core may be slow; a slow one's is always slow. */
	return r->cls == GPM_CLS_SLOW || r->lpm_shared ? gpm_vmask(r) : GPM_M_ANY;
}

static bool usable(const struct gpm_core *c, uint8_t mask, bool only_free)
{
	return c->cls < GPM_CLS_ACCEL && (mask >> c->cls & 1) && (!only_free || c->owner < 0);
}

/* Socket, node or (for core-level affinity) the core's own index. */
uint32_t gpm_domain_of(const struct gpm *g, uint32_t i, uint8_t level)
{
	const struct gpm_core *c = &g->cores[i];

	return level == GPM_COLOC_SOCKET ? c->socket : level == GPM_COLOC_NODE ? c->node : i;
}

static bool in_scope(const struct gpm *g, uint32_t i, struct gpm_scope s)
{
	return s.level == GPM_COLOC_NONE || gpm_domain_of(g, i, s.level) == s.val;
}

bool gpm_part_live(const struct gpm *g, uint32_t part)
{
	return g && part < g->nparts_max && g->parts[part].live;
}

/* (Free) cores of the mask's classes inside both scopes. */
uint32_t gpm_count_in(const struct gpm *g, struct gpm_scope s1, struct gpm_scope s2, uint8_t mask,
		      bool only_free)
{
	if (g->idx && only_free && s1.level == GPM_COLOC_NONE)
		return gpm_idx_count(g, s2, mask);
	if (g->idx && only_free && s2.level == GPM_COLOC_NONE)
		return gpm_idx_count(g, s1, mask);
	uint32_t n = 0;

	for (uint32_t i = 0; i < g->ncores; i++)
		if (usable(&g->cores[i], mask, only_free) && in_scope(g, i, s1) &&
		    in_scope(g, i, s2))
			n++;
	return n;
}

/*
 * Walk the socket / node / core numbers >= lo at level that have (free)
 * cores of the mask inside outer, in ascending order. Finds the lowest one
 * with at least need cores (returns true), and reports the largest count
 * seen in *best.
 */
bool gpm_find_group(const struct gpm *g, struct gpm_scope outer, uint8_t level, uint64_t lo,
		    uint64_t need, uint8_t mask, bool only_free, uint32_t *grp, uint32_t *best)
{
	if (g->idx && only_free)
		return gpm_idx_find(g, outer, level, lo, need, mask, grp, best);
	*best = 0;
	for (;;) {
		bool have = false;
		uint32_t v = 0;

		for (uint32_t i = 0; i < g->ncores; i++) {
			uint32_t gv = gpm_domain_of(g, i, level);

			if (!usable(&g->cores[i], mask, only_free) || gv < lo ||
			    !in_scope(g, i, outer))
				continue;
			if (!have || gv < v) {
				v = gv;
				have = true;
			}
		}
		if (!have)
			return false;
		uint32_t n =
			gpm_count_in(g, outer, (struct gpm_scope){ level, v }, mask, only_free);
		*best = MAX(*best, n);
		if (n >= need) {
			*grp = v;
			return true;
		}
		lo = (uint64_t)v + 1;
	}
}

/* Mark core i as part's (aff tag, LPM or not); adds its watts to *w. */
void gpm_own(struct gpm *g, uint32_t part, uint32_t i, bool lpm, uint8_t aff, uint64_t *w)
{
	struct gpm_core *c = &g->cores[i];

	if (g->idx)
		gpm_idx_taken(g, i);
	c->owner = (int32_t)part;
	c->lpm = lpm;
	c->aff = aff;
	if (lpm)
		g->parts[part].lpm_core = i;
	*w += gpm_watts(g, c->cls);
}

/* Give count free cores of one class inside both scopes to part, tagged aff. */
static uint32_t take_cls(struct gpm *g, uint32_t part, uint32_t count, struct gpm_scope s1,
			 struct gpm_scope s2, uint8_t cls, uint8_t aff, bool lpm, uint64_t *w)
{
	if (g->idx)
		return gpm_idx_take(g, part, count, s1, s2, cls, aff, lpm, w);
	uint32_t got = 0;

	for (uint32_t i = 0; i < g->ncores && got < count; i++) {
		if (!usable(&g->cores[i], (uint8_t)(1u << cls), true) || !in_scope(g, i, s1) ||
		    !in_scope(g, i, s2))
			continue;
		gpm_own(g, part, i, lpm, aff, w);
		got++;
	}
	return got;
}

/* count free cores of the mask (slow before fast) inside both scopes. */
static void take(struct gpm *g, uint32_t part, uint32_t count, struct gpm_scope s1,
		 struct gpm_scope s2, uint8_t mask, uint8_t aff, uint64_t *w)
{
	if (mask & GPM_M_SLOW)
		count -= take_cls(g, part, count, s1, s2, GPM_CLS_SLOW, aff, false, w);
	if (mask & GPM_M_FAST)
		take_cls(g, part, count, s1, s2, GPM_CLS_FAST, aff, false, w);
}

/* Free slow and fast cores inside s, in one pass (or from the index). */
void gpm_count_free(const struct gpm *g, struct gpm_scope s, uint32_t *slow, uint32_t *fast)
{
	if (g->idx) {
		*slow = gpm_idx_count(g, s, GPM_M_SLOW);
		*fast = gpm_idx_count(g, s, GPM_M_FAST);
		return;
	}
	uint32_t n[2] = { 0, 0 };
	const struct gpm_core *c = g->cores;
	for (uint32_t i = 0, nc = g->ncores; i < nc; i++)
		if (c[i].owner < 0 && c[i].cls < GPM_CLS_ACCEL && in_scope(g, i, s))
			n[c[i].cls]++;
	*slow = n[0];
	*fast = n[1];
}

/*
 * Class of r's LPM core given the free slow and fast cores of its scope:
 * slow if one is free, else fast (never for a slow request: its LPM core
 * stays slow, as before cls existed); -1 none.
 */
static int lpm_class(const struct gpm_request *r, uint32_t slow, uint32_t fast)
{
	if (slow)
		return GPM_CLS_SLOW;
	if (r->cls != GPM_CLS_SLOW && fast)
		return GPM_CLS_FAST;
	return -1;
}

/* Release core i (owner reset, LPM flag, group and pin cleared). */
void gpm_free_core(struct gpm *g, uint32_t i)
{
	struct gpm_core *c = &g->cores[i];

	c->owner = -1;
	c->lpm = false;
	c->aff = 0;
	c->pinned = false;
	if (g->idx)
		gpm_idx_freed(g, i);
}

/* Release every core of part. */
static void release_all(struct gpm *g, uint32_t part)
{
	if (g->idx) {
		gpm_idx_release(g, part);
		return;
	}
	struct gpm_core *c = g->cores;
	for (uint32_t i = 0, n = g->ncores; i < n; i++) {
		if (c[i].owner == (int32_t)part) {
			c[i].owner = -1;
			c[i].lpm = false;
			c[i].aff = 0;
			c[i].pinned = false;
		}
	}
}

/*
 * Place part (owning no core yet, or only its pinned cores) inside outer:
 * each group of r on its own core / socket / node, then the LPM core, then
 * the ungrouped cores. On failure frees what it took, stores the group that
 * did not fit in *bad (-1: the ungrouped rest or the LPM). Adds the draw of
 * the cores it took to *w.
 */
static int place_in(struct gpm *g, uint32_t part, const struct gpm_request *r,
		    struct gpm_scope outer, bool pinned, int *bad, uint64_t *w)
{
	uint8_t mask = gpm_vmask(r);

	for (uint32_t k = 0; k < r->ngroups; k++) {
		const struct gpm_affinity *a = &r->groups[k];
		uint32_t n = gpm_aff_cores(r, k), v, best;

		if (!gpm_find_group(g, outer, a->level, 0, n, mask, true, &v, &best)) {
			release_all(g, part);
			*bad = (int)k;
			return -E_RANGE;
		}
		take(g, part, n, outer, (struct gpm_scope){ a->level, v }, mask, (uint8_t)(k + 1),
		     w);
	}
	uint32_t rest = pinned ? 0 : gpm_req_cores(r, r->vcpus) - gpm_aff_group_cores(r);
	uint32_t fs, ff;
	gpm_count_free(g, outer, &fs, &ff);
	int lc = r->lpm_shared ? GPM_CLS_SLOW : lpm_class(r, fs, ff);
	uint32_t avail = (mask & GPM_M_SLOW ? fs : 0) + (mask & GPM_M_FAST ? ff : 0);
	if (!r->lpm_shared && lc >= 0 && (mask >> lc & 1))
		avail--; /* the LPM core is one of them */
	if (lc < 0 || avail < rest) {
		release_all(g, part);
		*bad = -1;
		return -E_RANGE;
	}
	if (!r->lpm_shared)
		take_cls(g, part, 1, outer, all_cores, (uint8_t)lc, 0, true, w);
	take(g, part, rest, outer, all_cores, mask, 0, w);
	return 0;
}

int gpm_place(struct gpm *g, uint32_t part, const struct gpm_request *r, bool pinned, int *bad,
	      uint64_t *w)
{
	uint64_t need = (uint64_t)gpm_req_cores(r, r->vcpus) + !r->lpm_shared;
	uint64_t lo = 0, w0 = *w;
	uint32_t v, best;
	bool first = true;
	int b;

	*bad = -1;
	if (r->colocate == GPM_COLOC_NONE)
		return place_in(g, part, r, all_cores, pinned, bad, w);
	while (gpm_find_group(g, all_cores, r->colocate, lo, need, gpm_pmask(r), true, &v, &best)) {
		*w = w0;
		if (place_in(g, part, r, (struct gpm_scope){ r->colocate, v }, pinned, &b, w) == 0)
			return 0;
		if (first)
			*bad = b;
		first = false;
		lo = (uint64_t)v + 1;
	}
	return -E_RANGE;
}

void gpm_release_all(struct gpm *g, uint32_t part)
{
	release_all(g, part);
}

const char *gpm_mask_name(uint8_t mask)
{
	return mask == GPM_M_SLOW ? "slow" : mask == GPM_M_FAST ? "fast" : "slow or fast";
}
