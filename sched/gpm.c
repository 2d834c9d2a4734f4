// SPDX-License-Identifier: MIT
/*
 * Global Partition Manager planning policy: create, resize, destroy, replan.
 * Environment: freestanding hypervisor, Global Partition Manager core only;
 * also built hosted for unit tests and the simulator.
 *
 * Plain scans over the core array: partition changes are rare (Cypress paper
 * section 3), so O(ncores) per pick (O(ncores * groups) when co-locating) is
 * cheap enough even at thousands of cores and keeps the state a flat array.
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/gpm.h"

static const char *const coloc_name[] = { "core", "socket", "node" };

/* vCPU cores a request needs: at most two vCPUs per core when sharing. */
static uint32_t vcpu_cores(const struct gpm_request *r, uint32_t vcpus)
{
	return r->share_core ? vcpus / 2 + (vcpus & 1) : vcpus;
}

static bool slow(const struct gpm_core *c)
{
	return c->cls == GPM_CLS_SLOW;
}

static bool free_slow(const struct gpm_core *c)
{
	return slow(c) && c->owner < 0;
}

static uint32_t group_of(const struct gpm_core *c, uint8_t colocate)
{
	return colocate == GPM_COLOC_SOCKET ? c->socket : c->node;
}

static bool part_live(const struct gpm *g, uint32_t part)
{
	return g && part < g->nparts_max && g->parts[part].live;
}

/* Cores matching (any group, or group grp) that are free slow (or just slow). */
static uint32_t count_in(const struct gpm *g, uint8_t colocate, uint32_t grp, bool only_free)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < g->ncores; i++) {
		const struct gpm_core *c = &g->cores[i];

		if (!(only_free ? free_slow(c) : slow(c)))
			continue;
		if (colocate == GPM_COLOC_NONE || group_of(c, colocate) == grp)
			n++;
	}
	return n;
}

/*
 * Walk the socket / node numbers that have (free) slow cores in ascending
 * order. Finds the lowest one with at least need cores (returns true), and
 * reports the largest count seen in *best.
 */
static bool find_group(const struct gpm *g, uint8_t colocate, uint64_t need, bool only_free,
		       uint32_t *grp, uint32_t *best)
{
	uint64_t lo = 0;

	*best = 0;
	for (;;) {
		bool have = false;
		uint32_t v = 0;

		for (uint32_t i = 0; i < g->ncores; i++) {
			const struct gpm_core *c = &g->cores[i];
			uint32_t gv = group_of(c, colocate);

			if (!(only_free ? free_slow(c) : slow(c)) || gv < lo)
				continue;
			if (!have || gv < v) {
				v = gv;
				have = true;
			}
		}
		if (!have)
			return false;
		uint32_t n = count_in(g, colocate, v, only_free);
		*best = MAX(*best, n);
		if (n >= need) {
			*grp = v;
			return true;
		}
		lo = (uint64_t)v + 1;
	}
}

/* Give count free slow cores (of group grp when co-locating) to part. */
static void take(struct gpm *g, uint32_t part, uint32_t count, uint8_t colocate, uint32_t grp,
		 bool lpm_first)
{
	for (uint32_t i = 0; i < g->ncores && count; i++) {
		struct gpm_core *c = &g->cores[i];

		if (!free_slow(c) || (colocate != GPM_COLOC_NONE && group_of(c, colocate) != grp))
			continue;
		c->owner = (int32_t)part;
		c->lpm = lpm_first;
		if (lpm_first)
			g->parts[part].lpm_core = i;
		lpm_first = false;
		count--;
	}
}

/*
 * Place part (LPM core + cores vCPU cores) onto free cores, or change nothing
 * and return -E_RANGE. Callers have checked that the totals are sane.
 */
static int place(struct gpm *g, uint32_t part, uint32_t cores, uint8_t colocate)
{
	uint64_t need = (uint64_t)cores + 1;
	uint32_t grp = 0, best;

	if (colocate == GPM_COLOC_NONE) {
		if (count_in(g, colocate, 0, true) < need)
			return -E_RANGE;
	} else if (!find_group(g, colocate, need, true, &grp, &best)) {
		return -E_RANGE;
	}
	take(g, part, (uint32_t)need, colocate, grp, true);
	g->parts[part].ncores = cores;
	return 0;
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
	uint32_t cores = vcpu_cores(r, r->vcpus);
	uint64_t need = (uint64_t)cores + 1;
	int err = check_power(g, r, cores);
	if (err)
		return err;

	uint32_t part = 0;
	while (part < g->nparts_max && g->parts[part].live)
		part++;
	if (part >= g->nparts_max || part > INT32_MAX) {
		kprintf("gpm: no free partition slot (%u in use)\n", part);
		return -E_FULL;
	}
	uint32_t nfree = count_in(g, GPM_COLOC_NONE, 0, true);
	if (nfree < need) {
		kprintf("gpm: request for %u vCPUs needs %llu slow cores (%u + LPM), %u are free\n",
			r->vcpus, (unsigned long long)need, cores, nfree);
		return -E_RANGE;
	}
	if (r->colocate != GPM_COLOC_NONE) {
		const char *what = coloc_name[r->colocate];
		uint32_t grp, best;

		if (!find_group(g, r->colocate, need, false, &grp, &best)) {
			kprintf("gpm: request for %u vCPUs needs %llu slow cores on one %s, the "
				"largest %s has %u\n",
				r->vcpus, (unsigned long long)need, what, what, best);
			return -E_INVAL;
		}
		if (!find_group(g, r->colocate, need, true, &grp, &best)) {
			kprintf("gpm: request for %u vCPUs needs %llu free slow cores on one %s, "
				"at most %u are free\n",
				r->vcpus, (unsigned long long)need, what, best);
			return -E_RANGE;
		}
	}

	struct gpm_part *p = &g->parts[part];
	memset(p, 0, sizeof(*p));
	p->req = *r;
	if (place(g, part, cores, r->colocate)) {
		/* Unreachable: the checks above are exactly what place() needs. */
		kprintf("gpm: internal error placing partition %u\n", part);
		return -E_RANGE;
	}
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
	uint32_t cores = vcpu_cores(&p->req, new_vcpus);
	struct gpm_request r = p->req;
	r.vcpus = new_vcpus;
	int err = check_power(g, &r, cores);
	if (err)
		return err;

	if (cores > p->ncores) {
		uint8_t co = p->req.colocate;
		uint32_t grp = group_of(&g->cores[p->lpm_core], co);
		uint32_t add = cores - p->ncores;
		uint32_t nfree = count_in(g, co, grp, true);

		if (nfree < add) {
			kprintf("gpm: cannot grow partition %u to %u vCPUs: needs %u more slow "
				"cores%s%s, %u are free\n",
				part, new_vcpus, add, co ? " on its " : "",
				co ? coloc_name[co] : "", nfree);
			return -E_RANGE;
		}
		take(g, part, add, co, grp, false);
	} else {
		uint32_t drop = p->ncores - cores;

		for (uint32_t i = g->ncores; i-- > 0 && drop;) {
			struct gpm_core *c = &g->cores[i];

			if (c->owner == (int32_t)part && !c->lpm) {
				c->owner = -1;
				drop--;
			}
		}
	}
	p->ncores = cores;
	p->req.vcpus = new_vcpus;
	return 0;
}

/* Release every core of part (owner reset, LPM flag cleared). */
static void release_all(struct gpm *g, uint32_t part)
{
	for (uint32_t i = 0; i < g->ncores; i++) {
		if (g->cores[i].owner == (int32_t)part) {
			g->cores[i].owner = -1;
			g->cores[i].lpm = false;
		}
	}
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
		if (c->owner >= 0 && (uint32_t)c->owner < g->nparts_max) {
			c->owner = -1;
			c->lpm = false;
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
		uint32_t cores = vcpu_cores(&p->req, p->req.vcpus);

		if (place(g, part, cores, p->req.colocate) == 0)
			continue;
		kprintf("gpm: replan failed: partition %u (%u cores + LPM) no longer fits, "
			"previous plan kept\n",
			part, cores);
		for (uint32_t i = 0; i < g->ncores; i++) {
			g->cores[i].owner = g->cores[i].saved_owner;
			g->cores[i].lpm = g->cores[i].saved_lpm;
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
	uint32_t k = p->req.share_core ? vcpu / 2 : vcpu;
	for (uint32_t i = 0; i < g->ncores; i++) {
		const struct gpm_core *c = &g->cores[i];

		if (c->owner == (int32_t)part && !c->lpm && k-- == 0) {
			*core_out = i;
			return 0;
		}
	}
	kprintf("gpm: partition %u lost the core of vCPU %u\n", part, vcpu);
	return -E_RANGE;
}
