// SPDX-License-Identifier: MIT
/*
 * Global Partition Manager re-plan: every live partition re-placed from
 * scratch in creation order, through an index so the cost stays near-linear.
 * Environment: freestanding hypervisor, Global Partition Manager core only;
 * also built hosted for unit tests and the simulator.
 *
 * Rules:
 *  1. The result is exactly what gpm_create()'s scans would give placing the
 *     live partitions afresh in creation order after re-taking every pinned
 *     core (tests/unit/test_gpm_replan.c checks this against such a
 *     reference); the placement code is shared (sched/gpm_place.c), only its
 *     four primitives (count, find a domain, take, release) read the index.
 *  2. Creation order is the list gpm_create() appends to: no search for the
 *     next partition (that search made the old re-plan O(P^2)).
 *  3. The index lives in the cores' private fields and in g's private
 *     fields, is built at the start (O(ncores), O(ncores log ncores) when
 *     cores are not numbered in socket / node order) and is used only until
 *     this call returns (g->idx); callers may change classes between calls.
 *  4. Cost per placement: the cores it takes plus those its cursors step
 *     over (each at most once per re-plan unless a failed colocate attempt
 *     gives cores back), O(log sockets) per socket / node lookup, O(sockets)
 *     per colocated search, and a scan of the socket's (node's) cores for a
 *     group inside a co-located partition only when that socket spans
 *     several nodes (that node several sockets).
 *  5. On failure the saved plan is put back (O(ncores + nparts_max)).
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/gpm.h"

/*
 * The index. Level slot L: 0 for sockets, 1 for nodes. At each level the
 * cores sorted by (domain, index) form one run per domain in ascending
 * domain order; a domain's rank is its place among them. Per class there is
 * a cursor (globally and per domain run): every core before it is taken or
 * of another class, so finding the lowest free core starts there. Only
 * releases move a cursor back. All storage is the cores' private fields:
 * rank-r data lives in cores[r].x[L], the stack of cores taken in cores[].stk.
 */
#define NO_CORE UINT32_MAX

static int slot(uint8_t level)
{
	return level == GPM_COLOC_SOCKET ? 0 : level == GPM_COLOC_NODE ? 1 : -1;
}

static uint32_t key(const struct gpm *g, uint32_t k, int L)
{
	return L ? g->cores[k].node : g->cores[k].socket;
}

static bool before(const struct gpm *g, uint32_t a, uint32_t b, int L)
{
	uint32_t ka = key(g, a, L), kb = key(g, b, L);

	return ka < kb || (ka == kb && a < b);
}

static void sift(struct gpm *g, int L, uint32_t root, uint32_t n)
{
	for (;;) {
		uint32_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n &&
		    before(g, g->cores[child].x[L].perm, g->cores[child + 1].x[L].perm, L))
			child++;
		uint32_t a = g->cores[root].x[L].perm, b = g->cores[child].x[L].perm;
		if (!before(g, a, b, L))
			return;
		g->cores[root].x[L].perm = b;
		g->cores[child].x[L].perm = a;
		root = child;
	}
}

/* Build level L's runs, ranks and free counts (heapsort: O(n log n), no storage). */
static void build_level(struct gpm *g, int L)
{
	uint32_t n = g->ncores, r = 0;

	bool sorted = true;
	for (uint32_t i = 0; i < n; i++) {
		g->cores[i].x[L].perm = i;
		sorted = sorted && (i == 0 || key(g, i - 1, L) <= key(g, i, L));
	}
	if (!sorted) /* the usual numbering (domains in index order) needs no sort */
		for (uint32_t i = n / 2; i-- > 0;)
			sift(g, L, i, n);
	for (uint32_t end = n; !sorted && end-- > 1;) {
		uint32_t t = g->cores[0].x[L].perm;
		g->cores[0].x[L].perm = g->cores[end].x[L].perm;
		g->cores[end].x[L].perm = t;
		sift(g, L, 0, end);
	}
	for (uint32_t p = 0; p < n; p++) {
		uint32_t k = g->cores[p].x[L].perm;
		const struct gpm_core *c = &g->cores[k];

		if (p == 0 || key(g, k, L) != g->cores[r - 1].x[L].val) {
			struct gpm_core_idx *d = &g->cores[r++].x[L];
			d->start = p;
			d->len = 0;
			d->val = key(g, k, L);
			d->other = key(g, k, !L);
			d->free[0] = d->free[1] = 0;
			d->cur[0] = d->cur[1] = 0;
		}
		struct gpm_core_idx *d = &g->cores[r - 1].x[L];
		d->len++;
		if (d->other != key(g, k, !L))
			d->other = NO_CORE; /* spans several nodes (sockets) */
		if (c->owner < 0 && c->cls < GPM_CLS_ACCEL)
			d->free[c->cls]++;
		g->cores[k].x[L].rank = r - 1;
		g->cores[k].x[L].pos = p;
	}
	g->ndom[L] = r;
}

static void build(struct gpm *g)
{
	g->nfree[0] = g->nfree[1] = 0;
	g->cur[0] = g->cur[1] = 0;
	g->nstk = g->mark = 0;
	for (uint32_t i = 0; i < g->ncores; i++)
		if (g->cores[i].owner < 0 && g->cores[i].cls < GPM_CLS_ACCEL)
			g->nfree[g->cores[i].cls]++;
	build_level(g, 0);
	build_level(g, 1);
	g->idx = true;
}

/* Rank of domain val at level slot L, or NO_CORE (binary search). */
static uint32_t rank_of(const struct gpm *g, int L, uint64_t val)
{
	uint32_t lo = 0, hi = g->ndom[L];

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->cores[mid].x[L].val < val)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool is_free(const struct gpm_core *c, uint8_t cls)
{
	return c->owner < 0 && c->cls == cls;
}

/* Free cores of the mask in domain rank r at level slot L. */
static uint32_t dom_free(const struct gpm *g, int L, uint32_t r, uint8_t mask)
{
	const struct gpm_core_idx *d = &g->cores[r].x[L];

	return (mask & GPM_M_SLOW ? d->free[0] : 0) + (mask & GPM_M_FAST ? d->free[1] : 0);
}

uint32_t gpm_idx_count(const struct gpm *g, struct gpm_scope s, uint8_t mask)
{
	int L = slot(s.level);

	if (s.level == GPM_COLOC_NONE)
		return (mask & GPM_M_SLOW ? g->nfree[0] : 0) +
		       (mask & GPM_M_FAST ? g->nfree[1] : 0);
	if (L < 0) /* one core */
		return s.val < g->ncores && g->cores[s.val].owner < 0 &&
		       g->cores[s.val].cls < GPM_CLS_ACCEL && (mask >> g->cores[s.val].cls & 1);
	uint32_t r = rank_of(g, L, s.val);
	return r < g->ndom[L] && g->cores[r].x[L].val == s.val ? dom_free(g, L, r, mask) : 0;
}

/*
 * The lowest free core of class cls inside s1 and s2 (at most one of them
 * a socket / node, the other one all cores or a socket / node too), or
 * NO_CORE. Walks the narrower scope's run from its cursor, moving the cursor
 * over cores that are taken or of another class.
 */
static uint32_t lowest_free(struct gpm *g, struct gpm_scope s1, struct gpm_scope s2, uint8_t cls)
{
	struct gpm_scope walk = s2.level != GPM_COLOC_NONE ? s2 : s1;
	struct gpm_scope filt = s2.level != GPM_COLOC_NONE ? s1 : s2;
	int L = slot(walk.level);

	if (walk.level == GPM_AFF_CORE) {
		uint32_t i = walk.val;
		return i < g->ncores && is_free(&g->cores[i], cls) &&
				       (filt.level == GPM_COLOC_NONE ||
					gpm_domain_of(g, i, filt.level) == filt.val) ?
			       i :
			       NO_CORE;
	}
	if (L < 0) {
		for (uint32_t i = g->cur[cls]; i < g->ncores; i++) {
			if (is_free(&g->cores[i], cls))
				return i;
			if (i == g->cur[cls])
				g->cur[cls]++;
		}
		return NO_CORE;
	}
	uint32_t r = rank_of(g, L, walk.val);
	if (r >= g->ndom[L] || g->cores[r].x[L].val != walk.val)
		return NO_CORE;
	struct gpm_core_idx *d = &g->cores[r].x[L];
	if (slot(filt.level) == !L && d->other != NO_CORE) {
		if (d->other != filt.val)
			return NO_CORE;	     /* the whole run is outside the filter */
		filt.level = GPM_COLOC_NONE; /* ... or inside it */
	}
	for (uint32_t o = d->cur[cls]; o < d->len; o++) {
		uint32_t k = g->cores[d->start + o].x[L].perm;

		if (is_free(&g->cores[k], cls)) {
			if (filt.level == GPM_COLOC_NONE ||
			    gpm_domain_of(g, k, filt.level) == filt.val)
				return k;
			continue; /* free but outside: the cursor stops here */
		}
		if (o == d->cur[cls])
			d->cur[cls]++;
	}
	return NO_CORE;
}

bool gpm_idx_find(const struct gpm *g0, struct gpm_scope outer, uint8_t level, uint64_t lo,
		  uint64_t need, uint8_t mask, uint32_t *grp, uint32_t *best)
{
	struct gpm *g = (struct gpm *)g0; /* only the cursors move */
	int L = slot(level);

	*best = 0;
	if (L < 0) { /* core level: one free core of the mask (need is 1) */
		uint32_t k = NO_CORE;
		for (uint8_t c = GPM_CLS_SLOW; c <= GPM_CLS_FAST; c++)
			if (mask >> c & 1)
				k = MIN(k, lowest_free(g, outer, (struct gpm_scope){ 0, 0 }, c));
		if (k == NO_CORE || k < lo)
			return false;
		*best = 1;
		*grp = k;
		return need <= 1;
	}
	int O = slot(outer.level);
	for (uint32_t r = rank_of(g, L, lo); r < g->ndom[L]; r++) {
		const struct gpm_core_idx *d = &g->cores[r].x[L];
		uint32_t n = 0;

		if (outer.level == GPM_COLOC_NONE || outer.level == level) {
			if (outer.level == level && d->val != outer.val)
				continue;
			n = dom_free(g, L, r, mask);
		} else if (d->other != NO_CORE) { /* all in one domain at the outer level */
			n = d->other == outer.val ? dom_free(g, L, r, mask) : 0;
		} else {
			for (uint32_t o = 0; o < d->len; o++) {
				uint32_t k = g->cores[d->start + o].x[L].perm;
				const struct gpm_core *c = &g->cores[k];

				n += c->owner < 0 && c->cls < GPM_CLS_ACCEL &&
				     (mask >> c->cls & 1) && key(g, k, O) == outer.val;
			}
		}
		*best = MAX(*best, n);
		if (n >= need) {
			*grp = d->val;
			return true;
		}
	}
	return false;
}

uint32_t gpm_idx_take(struct gpm *g, uint32_t part, uint32_t count, struct gpm_scope s1,
		      struct gpm_scope s2, uint8_t cls, uint8_t aff, bool lpm, uint64_t *w)
{
	uint32_t got = 0;

	while (got < count) {
		uint32_t k = lowest_free(g, s1, s2, cls);

		if (k == NO_CORE)
			break;
		gpm_own(g, part, k, lpm, aff, w);
		got++;
	}
	return got;
}

void gpm_idx_taken(struct gpm *g, uint32_t i)
{
	const struct gpm_core *c = &g->cores[i];

	if (c->cls >= GPM_CLS_ACCEL)
		return;
	g->nfree[c->cls]--;
	for (int L = 0; L < 2; L++)
		g->cores[c->x[L].rank].x[L].free[c->cls]--;
	g->cores[g->nstk++].stk = i;
}

void gpm_idx_freed(struct gpm *g, uint32_t i)
{
	const struct gpm_core *c = &g->cores[i];

	if (c->cls >= GPM_CLS_ACCEL)
		return;
	g->nfree[c->cls]++;
	g->cur[c->cls] = MIN(g->cur[c->cls], i);
	for (int L = 0; L < 2; L++) {
		struct gpm_core_idx *d = &g->cores[c->x[L].rank].x[L];

		d->free[c->cls]++;
		d->cur[c->cls] = MIN(d->cur[c->cls], c->x[L].pos - d->start);
	}
}

void gpm_idx_release(struct gpm *g, uint32_t part)
{
	while (g->nstk > g->mark) {
		uint32_t i = g->cores[--g->nstk].stk;

		if (g->cores[i].owner == (int32_t)part)
			gpm_free_core(g, i);
	}
}

/* Put back the plan saved at the start of gpm_replan(). */
static void restore(struct gpm *g)
{
	for (uint32_t i = 0; i < g->ncores; i++) {
		struct gpm_core *c = &g->cores[i];

		c->owner = c->saved_owner;
		c->lpm = c->saved_lpm;
		c->aff = c->saved_aff;
		c->pinned = c->saved_pinned;
	}
	for (uint32_t i = 0; i < g->nparts_max; i++) {
		g->parts[i].ncores = g->parts[i].saved_ncores;
		g->parts[i].lpm_core = g->parts[i].saved_lpm_core;
	}
}

static int failed(struct gpm *g, uint32_t part)
{
	const struct gpm_request *r = &g->parts[part].req;

	kprintf("gpm: replan failed: partition %u (%u cores%s) no longer fits, previous plan "
		"kept\n",
		part, gpm_req_cores(r, r->vcpus), r->lpm_shared ? "" : " + LPM");
	g->idx = false;
	restore(g);
	return -E_RANGE;
}

int gpm_replan(struct gpm *g)
{
	if (!g || (!g->cores && g->ncores) || (!g->parts && g->nparts_max)) {
		kprintf("gpm: replan with a NULL argument\n");
		return -E_INVAL;
	}
	for (uint32_t i = 0; i < g->ncores; i++) {
		struct gpm_core *c = &g->cores[i];

		c->saved_owner = c->owner;
		c->saved_lpm = c->lpm;
		c->saved_aff = c->aff;
		c->saved_pinned = c->pinned;
		if (c->owner >= 0 && (uint32_t)c->owner < g->nparts_max) {
			c->owner = -1;
			c->lpm = false;
			c->aff = 0;
			c->pinned = false;
		}
	}
	for (uint32_t i = 0; i < g->nparts_max; i++) {
		g->parts[i].saved_ncores = g->parts[i].ncores;
		g->parts[i].saved_lpm_core = g->parts[i].lpm_core;
		g->parts[i].pin_w = 0;
	}
	build(g);
	/* Pinned cores first: they stay where they are if still of the right class. */
	for (uint32_t i = 0; i < g->ncores; i++) {
		struct gpm_core *c = &g->cores[i];
		int32_t o = c->saved_owner;

		if (!c->saved_pinned || o < 0 || (uint32_t)o >= g->nparts_max)
			continue;
		if (c->cls >= GPM_CLS_ACCEL || !(gpm_vmask(&g->parts[o].req) >> c->cls & 1))
			return failed(g, (uint32_t)o);
		gpm_own(g, (uint32_t)o, i, false, 0, &g->parts[o].pin_w);
		c->pinned = true;
	}
	for (uint32_t s = g->first; s; s = g->parts[s - 1].next) {
		uint32_t part = s - 1;
		struct gpm_part *p = &g->parts[part];
		uint64_t w = p->pin_w;
		int bad;

		g->mark = g->nstk;
		if (gpm_place(g, part, &p->req, p->pinned, &bad, &w) ||
		    (p->req.power_w && w > p->req.power_w))
			return failed(g, part);
	}
	g->idx = false;
	return 0;
}
