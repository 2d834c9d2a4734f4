// SPDX-License-Identifier: MIT
/*
 * Global Partition Manager planning policy: create, resize, destroy, replan.
 * Environment: freestanding hypervisor, Global Partition Manager core only;
 * also built hosted for unit tests and the simulator.
 *
 * Plain scans over the core array: partition changes are rare (Cypress paper
 * section 3), so O(ncores) per pick (O(ncores * sockets) when a partition or
 * an affinity group must sit on one socket / node) is cheap enough even at
 * thousands of cores and keeps the state a flat array. Affinity-group
 * validation and vCPU bookkeeping live in sched/gpm_affinity.c.
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/gpm.h"

/* A set of cores: all of them (level GPM_COLOC_NONE), or one socket / node / core. */
struct scope {
	uint8_t level;
	uint32_t val;
};

static const struct scope all_cores = { GPM_COLOC_NONE, 0 };

static bool slow(const struct gpm_core *c)
{
	return c->cls == GPM_CLS_SLOW;
}

static bool usable(const struct gpm_core *c, bool only_free)
{
	return only_free ? slow(c) && c->owner < 0 : slow(c);
}

/* Socket, node or (for core-level affinity) the core's own index. */
static uint32_t domain_of(const struct gpm *g, uint32_t i, uint8_t level)
{
	const struct gpm_core *c = &g->cores[i];

	return level == GPM_COLOC_SOCKET ? c->socket : level == GPM_COLOC_NODE ? c->node : i;
}

static bool in_scope(const struct gpm *g, uint32_t i, struct scope s)
{
	return s.level == GPM_COLOC_NONE || domain_of(g, i, s.level) == s.val;
}

static bool part_live(const struct gpm *g, uint32_t part)
{
	return g && part < g->nparts_max && g->parts[part].live;
}

/* (Free) slow cores inside both scopes. */
static uint32_t count_in(const struct gpm *g, struct scope s1, struct scope s2, bool only_free)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < g->ncores; i++)
		if (usable(&g->cores[i], only_free) && in_scope(g, i, s1) && in_scope(g, i, s2))
			n++;
	return n;
}

/*
 * Walk the socket / node / core numbers >= lo at level that have (free) slow
 * cores inside outer, in ascending order. Finds the lowest one with at least
 * need cores (returns true), and reports the largest count seen in *best.
 */
static bool find_group(const struct gpm *g, struct scope outer, uint8_t level, uint64_t lo,
		       uint64_t need, bool only_free, uint32_t *grp, uint32_t *best)
{
	*best = 0;
	for (;;) {
		bool have = false;
		uint32_t v = 0;

		for (uint32_t i = 0; i < g->ncores; i++) {
			uint32_t gv = domain_of(g, i, level);

			if (!usable(&g->cores[i], only_free) || gv < lo || !in_scope(g, i, outer))
				continue;
			if (!have || gv < v) {
				v = gv;
				have = true;
			}
		}
		if (!have)
			return false;
		uint32_t n = count_in(g, outer, (struct scope){ level, v }, only_free);
		*best = MAX(*best, n);
		if (n >= need) {
			*grp = v;
			return true;
		}
		lo = (uint64_t)v + 1;
	}
}

/* Give count free slow cores inside both scopes to part, tagged aff. */
static void take(struct gpm *g, uint32_t part, uint32_t count, struct scope s1, struct scope s2,
		 bool lpm_first, uint8_t aff)
{
	for (uint32_t i = 0; i < g->ncores && count; i++) {
		struct gpm_core *c = &g->cores[i];

		if (!usable(c, true) || !in_scope(g, i, s1) || !in_scope(g, i, s2))
			continue;
		c->owner = (int32_t)part;
		c->lpm = lpm_first;
		c->aff = aff;
		if (lpm_first)
			g->parts[part].lpm_core = i;
		lpm_first = false;
		count--;
	}
}

/* Release every core of part (owner reset, LPM flag and group cleared). */
static void release_all(struct gpm *g, uint32_t part)
{
	for (uint32_t i = 0; i < g->ncores; i++) {
		if (g->cores[i].owner == (int32_t)part) {
			g->cores[i].owner = -1;
			g->cores[i].lpm = false;
			g->cores[i].aff = 0;
		}
	}
}

/*
 * Place part (owning no core yet) inside outer: each group of r on its own
 * core / socket / node, then LPM + ungrouped cores. On failure frees what it
 * took, stores the group that did not fit in *bad (-1: the ungrouped rest).
 */
static int place_in(struct gpm *g, uint32_t part, const struct gpm_request *r, struct scope outer,
		    int *bad)
{
	for (uint32_t k = 0; k < r->ngroups; k++) {
		const struct gpm_affinity *a = &r->groups[k];
		uint32_t n = gpm_aff_cores(r, k), v, best;

		if (!find_group(g, outer, a->level, 0, n, true, &v, &best)) {
			release_all(g, part);
			*bad = (int)k;
			return -E_RANGE;
		}
		take(g, part, n, outer, (struct scope){ a->level, v }, false, (uint8_t)(k + 1));
	}
	uint32_t cores = gpm_req_cores(r, r->vcpus);
	uint32_t rest = cores + 1; /* LPM + ungrouped vCPU cores */
	for (uint32_t k = 0; k < r->ngroups; k++)
		rest -= gpm_aff_cores(r, k);
	if (count_in(g, outer, all_cores, true) < rest) {
		release_all(g, part);
		*bad = -1;
		return -E_RANGE;
	}
	take(g, part, rest, outer, all_cores, true, 0);
	g->parts[part].ncores = cores;
	return 0;
}

/*
 * Place part (owning no core yet) for request r onto free cores, or change
 * nothing and return -E_RANGE with the first misfit in *bad (see place_in()).
 * With colocate, tries each socket / node with room for the whole partition
 * in ascending order until the groups fit too.
 */
static int place(struct gpm *g, uint32_t part, const struct gpm_request *r, int *bad)
{
	uint64_t need = (uint64_t)gpm_req_cores(r, r->vcpus) + 1;
	uint64_t lo = 0;
	uint32_t v, best;
	bool first = true;
	int b;

	*bad = -1;
	if (r->colocate == GPM_COLOC_NONE)
		return place_in(g, part, r, all_cores, bad);
	while (find_group(g, all_cores, r->colocate, lo, need, true, &v, &best)) {
		if (place_in(g, part, r, (struct scope){ r->colocate, v }, &b) == 0)
			return 0;
		if (first)
			*bad = b;
		first = false;
		lo = (uint64_t)v + 1;
	}
	return -E_RANGE;
}

/* -E_RANGE with a line if cores vCPU cores + LPM exceed the power budget. */
static int check_power(const struct gpm *g, const struct gpm_request *r, uint32_t cores)
{
	uint64_t w = g->core_watts;

	if (!r->power_w || !w)
		return 0;
	if (r->power_w < 2 * w) {
		kprintf("gpm: power budget %u W too small for one core + LPM (2 x %u W)\n",
			r->power_w, g->core_watts);
		return -E_RANGE;
	}
	if (((uint64_t)cores + 1) * w > r->power_w) {
		kprintf("gpm: %u vCPUs need %llu W (%u cores + LPM at %u W), budget is %u W\n",
			r->vcpus, (unsigned long long)(((uint64_t)cores + 1) * w), cores,
			g->core_watts, r->power_w);
		return -E_RANGE;
	}
	return 0;
}

int gpm_create(struct gpm *g, const struct gpm_request *r, uint32_t *part_out)
{
	if (!g || !r || !part_out || (!g->cores && g->ncores) || (!g->parts && g->nparts_max)) {
		kprintf("gpm: create with a NULL argument\n");
		return -E_INVAL;
	}
	if (r->vcpus == 0) {
		kprintf("gpm: request for 0 vCPUs\n");
		return -E_INVAL;
	}
	if (r->gang && r->share_core) {
		kprintf("gpm: request for %u vCPUs asks for gang scheduling and shared cores\n",
			r->vcpus);
		return -E_INVAL;
	}
	if (r->colocate > GPM_COLOC_NODE) {
		kprintf("gpm: request for %u vCPUs has unknown colocate %u\n", r->vcpus,
			r->colocate);
		return -E_INVAL;
	}
	int err = gpm_aff_check(r);
	if (err)
		return err;
	uint32_t cores = gpm_req_cores(r, r->vcpus);
	uint64_t need = (uint64_t)cores + 1;
	err = check_power(g, r, cores);
	if (err)
		return err;

	uint32_t part = 0;
	while (part < g->nparts_max && g->parts[part].live)
		part++;
	if (part >= g->nparts_max || part > INT32_MAX) {
		kprintf("gpm: no free partition slot (%u in use)\n", part);
		return -E_FULL;
	}
	uint32_t nfree = count_in(g, all_cores, all_cores, true);
	if (nfree < need) {
		kprintf("gpm: request for %u vCPUs needs %llu slow cores (%u + LPM), %u are free\n",
			r->vcpus, (unsigned long long)need, cores, nfree);
		return -E_RANGE;
	}
	uint32_t grp, best;
	if (r->colocate != GPM_COLOC_NONE) {
		const char *what = gpm_level_name(r->colocate);

		if (!find_group(g, all_cores, r->colocate, 0, need, false, &grp, &best)) {
			kprintf("gpm: request for %u vCPUs needs %llu slow cores on one %s, the "
				"largest %s has %u\n",
				r->vcpus, (unsigned long long)need, what, what, best);
			return -E_INVAL;
		}
		if (!find_group(g, all_cores, r->colocate, 0, need, true, &grp, &best)) {
			kprintf("gpm: request for %u vCPUs needs %llu free slow cores on one %s, "
				"at most %u are free\n",
				r->vcpus, (unsigned long long)need, what, best);
			return -E_RANGE;
		}
	}
	for (uint32_t k = 0; k < r->ngroups; k++) {
		const char *what = gpm_level_name(r->groups[k].level);
		uint32_t n = gpm_aff_cores(r, k);

		if (!find_group(g, all_cores, r->groups[k].level, 0, n, false, &grp, &best)) {
			kprintf("gpm: request for %u vCPUs: affinity group %u needs %u slow cores "
				"on one %s, the largest %s has %u\n",
				r->vcpus, k, n, what, what, best);
			return -E_INVAL;
		}
	}

	int bad;
	if (place(g, part, r, &bad)) {
		if (bad < 0) /* Unreachable: the totals were checked above. */
			kprintf("gpm: internal error placing partition %u\n", part);
		else if (r->colocate == GPM_COLOC_NONE)
			kprintf("gpm: request for %u vCPUs: affinity group %d needs %u free slow "
				"cores on one %s, none has that many left\n",
				r->vcpus, bad, gpm_aff_cores(r, (uint32_t)bad),
				gpm_level_name(r->groups[bad].level));
		else
			kprintf("gpm: request for %u vCPUs: affinity group %d (%u cores on one "
				"%s) fits on no %s with room for the partition\n",
				r->vcpus, bad, gpm_aff_cores(r, (uint32_t)bad),
				gpm_level_name(r->groups[bad].level), gpm_level_name(r->colocate));
		return -E_RANGE;
	}
	struct gpm_part *p = &g->parts[part];
	uint32_t lpm_core = p->lpm_core;
	memset(p, 0, sizeof(*p));
	p->req = *r;
	p->ncores = cores;
	p->lpm_core = lpm_core;
	p->live = true;
	p->seq = g->next_seq++;
	*part_out = part;
	return 0;
}

int gpm_resize(struct gpm *g, uint32_t part, uint32_t new_vcpus)
{
	if (!part_live(g, part)) {
		kprintf("gpm: resize of partition %u, which is not live\n", part);
		return -E_INVAL;
	}
	struct gpm_part *p = &g->parts[part];
	if (new_vcpus == 0) {
		kprintf("gpm: resize of partition %u to 0 vCPUs (use destroy)\n", part);
		return -E_INVAL;
	}
	uint32_t end = gpm_aff_end(&p->req);
	if (new_vcpus < end) {
		kprintf("gpm: cannot shrink partition %u to %u vCPUs: its affinity groups cover "
			"vCPUs up to %u\n",
			part, new_vcpus, end - 1);
		return -E_INVAL;
	}
	uint32_t cores = gpm_req_cores(&p->req, new_vcpus);
	struct gpm_request r = p->req;
	r.vcpus = new_vcpus;
	int err = check_power(g, &r, cores);
	if (err)
		return err;

	if (cores > p->ncores) {
		uint8_t co = p->req.colocate;
		struct scope home = { co, domain_of(g, p->lpm_core, co) };
		uint32_t add = cores - p->ncores;
		uint32_t nfree = count_in(g, home, all_cores, true);

		if (nfree < add) {
			kprintf("gpm: cannot grow partition %u to %u vCPUs: needs %u more slow "
				"cores%s%s, %u are free\n",
				part, new_vcpus, add, co ? " on its " : "",
				co ? gpm_level_name(co) : "", nfree);
			return -E_RANGE;
		}
		take(g, part, add, home, all_cores, false, 0);
	} else {
		uint32_t drop = p->ncores - cores;

		/* Only ungrouped vCPU cores: groups never shrink (checked above). */
		for (uint32_t i = g->ncores; i-- > 0 && drop;) {
			struct gpm_core *c = &g->cores[i];

			if (c->owner == (int32_t)part && !c->lpm && c->aff == 0) {
				c->owner = -1;
				drop--;
			}
		}
	}
	p->ncores = cores;
	p->req.vcpus = new_vcpus;
	return 0;
}

int gpm_destroy(struct gpm *g, uint32_t part)
{
	if (!part_live(g, part)) {
		kprintf("gpm: destroy of partition %u, which is not live\n", part);
		return -E_INVAL;
	}
	release_all(g, part);
	memset(&g->parts[part], 0, sizeof(g->parts[part]));
	return 0;
}

void gpm_report_load(struct gpm *g, uint32_t part, uint32_t load_pct)
{
	if (!part_live(g, part)) {
		kprintf("gpm: load report for partition %u, which is not live, ignored\n", part);
		return;
	}
	if (load_pct > 100) {
		kprintf("gpm: load %u%% for partition %u clamped to 100%%\n", load_pct, part);
		load_pct = 100;
	}
	g->parts[part].load_pct = load_pct;
}

uint32_t gpm_load(const struct gpm *g, uint32_t part)
{
	return part_live(g, part) ? g->parts[part].load_pct : 0;
}

/* The live partition created soonest after sequence number after (or any). */
static bool next_in_order(const struct gpm *g, bool first, uint64_t after, uint32_t *out)
{
	bool found = false;

	for (uint32_t i = 0; i < g->nparts_max; i++) {
		const struct gpm_part *p = &g->parts[i];

		if (!p->live || (!first && p->seq <= after))
			continue;
		if (!found || p->seq < g->parts[*out].seq) {
			*out = i;
			found = true;
		}
	}
	return found;
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
		if (c->owner >= 0 && (uint32_t)c->owner < g->nparts_max) {
			c->owner = -1;
			c->lpm = false;
			c->aff = 0;
		}
	}
	for (uint32_t i = 0; i < g->nparts_max; i++) {
		g->parts[i].saved_ncores = g->parts[i].ncores;
		g->parts[i].saved_lpm_core = g->parts[i].lpm_core;
	}

	uint32_t part = 0;
	uint64_t after = 0;
	for (bool first = true; next_in_order(g, first, after, &part); first = false) {
		after = g->parts[part].seq;
		struct gpm_part *p = &g->parts[part];
		uint32_t cores = gpm_req_cores(&p->req, p->req.vcpus);
		int bad;

		if (place(g, part, &p->req, &bad) == 0)
			continue;
		kprintf("gpm: replan failed: partition %u (%u cores + LPM) no longer fits, "
			"previous plan kept\n",
			part, cores);
		for (uint32_t i = 0; i < g->ncores; i++) {
			g->cores[i].owner = g->cores[i].saved_owner;
			g->cores[i].lpm = g->cores[i].saved_lpm;
			g->cores[i].aff = g->cores[i].saved_aff;
		}
		for (uint32_t i = 0; i < g->nparts_max; i++) {
			g->parts[i].ncores = g->parts[i].saved_ncores;
			g->parts[i].lpm_core = g->parts[i].saved_lpm_core;
		}
		return -E_RANGE;
	}
	return 0;
}

int gpm_vcpu_core(const struct gpm *g, uint32_t part, uint32_t vcpu, uint32_t *core_out)
{
	if (!core_out) {
		kprintf("gpm: vCPU lookup with a NULL result pointer\n");
		return -E_INVAL;
	}
	if (!part_live(g, part)) {
		kprintf("gpm: vCPU lookup in partition %u, which is not live\n", part);
		return -E_INVAL;
	}
	const struct gpm_part *p = &g->parts[part];
	if (vcpu >= p->req.vcpus) {
		kprintf("gpm: partition %u has no vCPU %u (%u vCPUs)\n", part, vcpu, p->req.vcpus);
		return -E_RANGE;
	}
	uint8_t tag;
	uint32_t k;
	gpm_aff_slot(&p->req, vcpu, &tag, &k);
	for (uint32_t i = 0; i < g->ncores; i++) {
		const struct gpm_core *c = &g->cores[i];

		if (c->owner == (int32_t)part && !c->lpm && c->aff == tag && k-- == 0) {
			*core_out = i;
			return 0;
		}
	}
	kprintf("gpm: partition %u lost the core of vCPU %u\n", part, vcpu);
	return -E_RANGE;
}
