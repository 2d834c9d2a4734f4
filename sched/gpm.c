// SPDX-License-Identifier: MIT
/*
 * Global Partition Manager planning policy: create, resize, destroy, loads.
 * Environment: freestanding hypervisor, Global Partition Manager core only;
 * also built hosted for unit tests and the simulator.
 *
 * Validates requests and keeps the all-or-nothing promise of sched/gpm.h;
 * picking cores lives in sched/gpm_place.c, re-planning in
 * sched/gpm_replan.c, affinity-group validation and vCPU bookkeeping in
 * sched/gpm_affinity.c.
 *
 * Cost (tools/sim/decide.c gpm-bench; 3-vCPU socket-co-located partitions,
 * 8 sockets), before (the O(P^2) re-plan of fb7cb63) -> after (the index in
 * sched/gpm_replan.c). Instructions from callgrind (repeatable; create is the
 * mean over filling the machine and re-creating every partition, destroy
 * the mean over every partition):
 *   cores parts   replan Ir                create Ir          destroy Ir
 *   4096    64    18.0M ->  0.80M (/22)    722k -> 784k       20.5k -> 20.6k
 *   4096   256    71.3M ->  1.18M (/60)    699k -> 762k       20.5k -> 20.6k
 *   4096  1024   277.9M ->  2.69M (/103)   610k -> 678k       20.5k -> 20.6k
 *    256    64     1.12M -> 0.17M          39.0k -> 43.9k      1.3k -> 1.4k
 *   1024   256    17.5M ->  0.67M          153k -> 171k        5.2k -> 5.2k
 * Native re-plan on this shared 2-CPU host (median of 5, loaded, +-50%):
 * 4096 cores, 64 / 256 / 1024 partitions: 1.8-3.2 / 6.7-13 / 22-43 ms before,
 * 0.06-0.10 / 0.08-0.14 / 0.17-0.30 ms after; create 53-125 us both, destroy
 * 3-5 us both. Re-plan now grows with cores + partitions (x4 both: x4 Ir),
 * where it grew with their product (x16). Create and destroy still scan the
 * core array (create O(ncores * sockets) with colocate; the class and LPM
 * rules cost it ~10%): partition changes are rare.
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/gpm.h"

static const struct gpm_scope all_cores = { GPM_COLOC_NONE, 0 };

/*
 * Slow requests only (their cores' classes are known before placing):
 * -E_RANGE with a line if cores vCPU cores (+ LPM) exceed the power budget.
 */
static int check_power(const struct gpm *g, const struct gpm_request *r, uint32_t cores)
{
	uint64_t w = gpm_watts(g, GPM_CLS_SLOW), n = (uint64_t)cores + !r->lpm_shared;

	if (!r->power_w || !w || r->cls != GPM_CLS_SLOW)
		return 0;
	if (r->lpm_shared) {
		if (n * w > r->power_w) {
			kprintf("gpm: %u vCPUs need %llu W (%u cores at %llu W, LPM shared), "
				"budget is %u W\n",
				r->vcpus, (unsigned long long)(n * w), cores, (unsigned long long)w,
				r->power_w);
			return -E_RANGE;
		}
		return 0;
	}
	if (r->power_w < 2 * w) {
		kprintf("gpm: power budget %u W too small for one core + LPM (2 x %llu W)\n",
			r->power_w, (unsigned long long)w);
		return -E_RANGE;
	}
	if (n * w > r->power_w) {
		kprintf("gpm: %u vCPUs need %llu W (%u cores + LPM at %llu W), budget is %u W\n",
			r->vcpus, (unsigned long long)(n * w), cores, (unsigned long long)w,
			r->power_w);
		return -E_RANGE;
	}
	return 0;
}

/* -E_RANGE with a line if the draw w of part's cores exceeds r's budget. */
static int check_draw(const struct gpm_request *r, uint32_t part, uint64_t w)
{
	if (!r->power_w || w <= r->power_w)
		return 0;
	kprintf("gpm: partition %u would draw %llu W, its budget is %u W\n", part,
		(unsigned long long)w, r->power_w);
	return -E_RANGE;
}

/*
 * The pin bitmap: every named core must exist, be free and of r's class.
 * Stores the popcount in *n. -E_RANGE with a line naming the core.
 */
static int check_pin(const struct gpm *g, const struct gpm_request *r, uint32_t *n)
{
	uint32_t words = (g->ncores + 63) / 64;

	*n = 0;
	for (uint32_t wd = 0; wd < words; wd++) {
		for (uint64_t v = r->pin[wd]; v; v &= v - 1) {
			uint32_t i = wd * 64 + (uint32_t)__builtin_ctzll(v);

			if (i >= g->ncores) {
				kprintf("gpm: pinned core %u does not exist (%u cores)\n", i,
					g->ncores);
				return -E_RANGE;
			}
			const struct gpm_core *c = &g->cores[i];
			if (c->owner >= 0) {
				kprintf("gpm: pinned core %u is not free (partition %d has it)\n",
					i, c->owner);
				return -E_RANGE;
			}
			if (c->cls >= GPM_CLS_ACCEL || !(gpm_vmask(r) >> c->cls & 1)) {
				kprintf("gpm: pinned core %u is of class %u, the request takes %s "
					"cores\n",
					i, c->cls, gpm_mask_name(gpm_vmask(r)));
				return -E_RANGE;
			}
			(*n)++;
		}
	}
	return 0;
}

/* The structural checks of r (no state looked at); r->ncores may be 0. */
static int check_request(const struct gpm_request *r)
{
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
	if (r->cls > GPM_REQ_ANY || r->cls == GPM_CLS_ACCEL) {
		kprintf("gpm: request for %u vCPUs asks for core class %u (slow, fast or any)\n",
			r->vcpus, r->cls);
		return -E_INVAL;
	}
	if (r->share_core && r->ncores) {
		kprintf("gpm: request for %u vCPUs asks for %u cores and shared cores\n", r->vcpus,
			r->ncores);
		return -E_INVAL;
	}
	if (r->pin && r->share_core) {
		kprintf("gpm: request for %u vCPUs: pin with shared cores is not supported\n",
			r->vcpus);
		return -E_INVAL;
	}
	if (r->pin && r->ngroups) {
		kprintf("gpm: request for %u vCPUs: pin with affinity groups is not supported\n",
			r->vcpus);
		return -E_INVAL;
	}
	if (r->pin && r->colocate) {
		kprintf("gpm: request for %u vCPUs: pin with colocate is not supported\n",
			r->vcpus);
		return -E_INVAL;
	}
	return gpm_aff_check(r);
}

/*
 * The ncores rules for r with vcpus vCPUs on ncores cores; the line names
 * partition part, or the request when part is GPM_NO_CORE.
 */
static int check_ncores(const struct gpm_request *r, uint32_t vcpus, uint32_t ncores, uint32_t part)
{
	uint32_t gc = gpm_aff_group_cores(r), ug = vcpus - gpm_aff_grouped(r);
	bool req = part == GPM_NO_CORE;

	if (r->gang && ncores < vcpus) {
		kprintf("gpm: %s %u%s: %u vCPUs on %u cores: gang needs a core per vCPU\n",
			req ? "request for" : "partition", req ? vcpus : part, req ? " vCPUs" : "",
			vcpus, ncores);
		return -E_INVAL;
	}
	if (ncores < gc || (ug && ncores == gc)) {
		kprintf("gpm: %s %u%s: %u cores leave its %u ungrouped vCPUs no core (groups use "
			"%u)\n",
			req ? "request for" : "partition", req ? vcpus : part, req ? " vCPUs" : "",
			ncores, ug, gc);
		return -E_INVAL;
	}
	return 0;
}

/* The free-core totals r needs, over all cores; -E_RANGE with a line. */
static int check_free(const struct gpm *g, const struct gpm_request *r, uint32_t cores)
{
	uint32_t s, f;
	gpm_count_free(g, all_cores, &s, &f);
	uint8_t vm = gpm_vmask(r);
	uint64_t v = (vm & GPM_M_SLOW ? s : 0) + (vm & GPM_M_FAST ? f : 0);

	if (r->cls == GPM_CLS_SLOW && !r->lpm_shared) {
		if (s < (uint64_t)cores + 1) {
			kprintf("gpm: request for %u vCPUs needs %llu slow cores (%u + LPM), %u "
				"are free\n",
				r->vcpus, (unsigned long long)cores + 1, cores, s);
			return -E_RANGE;
		}
		return 0;
	}
	bool lpm_ok = r->lpm_shared || s || (r->cls != GPM_CLS_SLOW && f);
	uint64_t left = v;
	if (!r->lpm_shared && lpm_ok && (vm >> (s ? GPM_CLS_SLOW : GPM_CLS_FAST) & 1))
		left--; /* the LPM core comes out of the same classes */
	if (!lpm_ok || left < cores) {
		kprintf("gpm: request for %u vCPUs needs %u %s cores%s, %u slow and %u fast are "
			"free\n",
			r->vcpus, cores, gpm_mask_name(vm),
			r->lpm_shared ? " (LPM shared)" : " + LPM", s, f);
		return -E_RANGE;
	}
	return 0;
}

/* Co-location and groups that no socket / node could ever hold: -E_INVAL. */
static int check_ever(const struct gpm *g, const struct gpm_request *r, uint32_t cores)
{
	uint64_t need = (uint64_t)cores + !r->lpm_shared;
	uint32_t grp, best;

	if (r->colocate != GPM_COLOC_NONE) {
		const char *what = gpm_level_name(r->colocate);
		const char *cn = gpm_mask_name(gpm_pmask(r));

		if (!gpm_find_group(g, all_cores, r->colocate, 0, need, gpm_pmask(r), false, &grp,
				    &best)) {
			kprintf("gpm: request for %u vCPUs needs %llu %s cores on one %s, the "
				"largest %s has %u\n",
				r->vcpus, (unsigned long long)need, cn, what, what, best);
			return -E_INVAL;
		}
		if (!gpm_find_group(g, all_cores, r->colocate, 0, need, gpm_pmask(r), true, &grp,
				    &best)) {
			kprintf("gpm: request for %u vCPUs needs %llu free %s cores on one %s, "
				"at most %u are free\n",
				r->vcpus, (unsigned long long)need, cn, what, best);
			return -E_RANGE;
		}
	}
	for (uint32_t k = 0; k < r->ngroups; k++) {
		const char *what = gpm_level_name(r->groups[k].level);
		uint32_t n = gpm_aff_cores(r, k);

		if (!gpm_find_group(g, all_cores, r->groups[k].level, 0, n, gpm_vmask(r), false,
				    &grp, &best)) {
			kprintf("gpm: request for %u vCPUs: affinity group %u needs %u %s cores "
				"on one %s, the largest %s has %u\n",
				r->vcpus, k, n, gpm_mask_name(gpm_vmask(r)), what, what, best);
			return -E_INVAL;
		}
	}
	return 0;
}

/* The line for a gpm_place() failure of request r. */
static void place_failed(const struct gpm_request *r, int bad, uint32_t cores)
{
	const char *cn = gpm_mask_name(gpm_vmask(r));

	if (bad < 0 && r->colocate == GPM_COLOC_NONE)
		kprintf("gpm: request for %u vCPUs: no room for its LPM core and %u ungrouped %s "
			"cores\n",
			r->vcpus, cores - gpm_aff_group_cores(r), cn);
	else if (bad < 0)
		kprintf("gpm: request for %u vCPUs: no %s has room for its %u %s cores%s\n",
			r->vcpus, gpm_level_name(r->colocate), cores, cn,
			r->lpm_shared ? "" : " and LPM core");
	else if (r->colocate == GPM_COLOC_NONE)
		kprintf("gpm: request for %u vCPUs: affinity group %d needs %u free %s "
			"cores on one %s, none has that many left\n",
			r->vcpus, bad, gpm_aff_cores(r, (uint32_t)bad), cn,
			gpm_level_name(r->groups[bad].level));
	else
		kprintf("gpm: request for %u vCPUs: affinity group %d (%u cores on one "
			"%s) fits on no %s with room for the partition\n",
			r->vcpus, bad, gpm_aff_cores(r, (uint32_t)bad),
			gpm_level_name(r->groups[bad].level), gpm_level_name(r->colocate));
}

/* Append live slot part to the creation-order list. */
static void link_last(struct gpm *g, uint32_t part)
{
	struct gpm_part *p = &g->parts[part];

	p->prev = g->last;
	p->next = 0;
	if (g->last)
		g->parts[g->last - 1].next = part + 1;
	else
		g->first = part + 1;
	g->last = part + 1;
}

static void unlink_part(struct gpm *g, uint32_t part)
{
	struct gpm_part *p = &g->parts[part];

	if (p->prev)
		g->parts[p->prev - 1].next = p->next;
	else
		g->first = p->next;
	if (p->next)
		g->parts[p->next - 1].prev = p->prev;
	else
		g->last = p->prev;
}

int gpm_create(struct gpm *g, const struct gpm_request *r0, uint32_t *part_out)
{
	if (!g || !r0 || !part_out || (!g->cores && g->ncores) || (!g->parts && g->nparts_max)) {
		kprintf("gpm: create with a NULL argument\n");
		return -E_INVAL;
	}
	struct gpm_request r = *r0;
	int err = check_request(&r);
	if (err)
		return err;
	if (r.pin) {
		uint32_t n;

		err = check_pin(g, &r, &n);
		if (err)
			return err;
		if (n == 0 || (r.ncores && r.ncores != n)) {
			kprintf("gpm: request for %u vCPUs pins %u cores, ncores is %u\n", r.vcpus,
				n, r.ncores);
			return -E_INVAL;
		}
		r.ncores = n;
	}
	if (r.ncores && (err = check_ncores(&r, r.vcpus, r.ncores, GPM_NO_CORE)))
		return err;
	uint32_t cores = gpm_req_cores(&r, r.vcpus);
	err = check_power(g, &r, cores);
	if (err)
		return err;

	uint32_t part = 0;
	while (part < g->nparts_max && g->parts[part].live)
		part++;
	if (part >= g->nparts_max || part > INT32_MAX) {
		kprintf("gpm: no free partition slot (%u in use)\n", part);
		return -E_FULL;
	}
	if (!r.pin && ((err = check_free(g, &r, cores)) || (err = check_ever(g, &r, cores))))
		return err;

	uint64_t w = 0;
	if (r.pin) {
		uint32_t words = (g->ncores + 63) / 64;

		for (uint32_t wd = 0; wd < words; wd++) {
			for (uint64_t v = r.pin[wd]; v; v &= v - 1) {
				uint32_t i = wd * 64 + (uint32_t)__builtin_ctzll(v);

				gpm_own(g, part, i, false, 0, &w);
				g->cores[i].pinned = true;
			}
		}
	}
	int bad;
	struct gpm_part *p = &g->parts[part];
	uint32_t old_lpm = p->lpm_core; /* a free slot's, kept on failure */
	if (gpm_place(g, part, &r, r.pin != NULL, &bad, &w)) {
		place_failed(&r, bad, cores);
		return -E_RANGE;
	}
	err = check_draw(&r, part, w);
	if (err) {
		gpm_release_all(g, part);
		p->lpm_core = old_lpm;
		return err;
	}
	uint32_t lpm_core = r.lpm_shared ? GPM_NO_CORE : p->lpm_core;
	memset(p, 0, sizeof(*p));
	p->req = r;
	p->req.pin = NULL; /* read during this call only */
	p->pinned = r.pin != NULL;
	p->ncores = cores;
	p->lpm_core = lpm_core;
	p->live = true;
	p->seq = g->next_seq++;
	link_last(g, part);
	*part_out = part;
	return 0;
}

/* The watts part's cores draw now. */
static uint64_t part_draw(const struct gpm *g, uint32_t part)
{
	uint64_t w = 0;

	for (uint32_t i = 0; i < g->ncores; i++)
		if (g->cores[i].owner == (int32_t)part)
			w += gpm_watts(g, g->cores[i].cls);
	return w;
}

/*
 * Add add ungrouped vCPU cores to part (to total cores), or release the
 * highest-index ungrouped ones down to it. what / n name the new size in the
 * lines ("vCPUs" or "cores"). All-or-nothing.
 */
static int regrow(struct gpm *g, uint32_t part, uint32_t cores, const char *what, uint32_t n)
{
	struct gpm_part *p = &g->parts[part];

	if (cores > p->ncores) {
		uint8_t co = p->req.colocate, vm = gpm_vmask(&p->req);
		uint32_t home = p->lpm_core;
		for (uint32_t i = 0; home == GPM_NO_CORE && i < g->ncores; i++)
			if (g->cores[i].owner == (int32_t)part)
				home = i;
		struct gpm_scope s = { co, co ? gpm_domain_of(g, home, co) : 0 };
		uint32_t add = cores - p->ncores;
		uint32_t nfree = gpm_count_in(g, s, all_cores, vm, true);

		if (nfree < add) {
			kprintf("gpm: cannot grow partition %u to %u %s: needs %u more %s "
				"cores%s%s, %u are free\n",
				part, n, what, add, gpm_mask_name(vm), co ? " on its " : "",
				co ? gpm_level_name(co) : "", nfree);
			return -E_RANGE;
		}
		/* The draw after growing: the lowest free cores, slow before fast. */
		uint64_t w = part_draw(g, part);
		uint32_t left = add;
		for (uint8_t c = GPM_CLS_SLOW; c <= GPM_CLS_FAST; c++) {
			for (uint32_t i = 0; i < g->ncores && left && (vm >> c & 1); i++) {
				const struct gpm_core *k = &g->cores[i];

				if (k->owner < 0 && k->cls == c &&
				    (!co || gpm_domain_of(g, i, co) == s.val)) {
					w += gpm_watts(g, c);
					left--;
				}
			}
		}
		int err = check_draw(&p->req, part, w);
		if (err)
			return err;
		uint64_t dummy = 0;
		for (uint8_t c = GPM_CLS_SLOW; c <= GPM_CLS_FAST; c++) {
			for (uint32_t i = 0; i < g->ncores && add && (vm >> c & 1); i++) {
				const struct gpm_core *k = &g->cores[i];

				if (k->owner < 0 && k->cls == c &&
				    (!co || gpm_domain_of(g, i, co) == s.val)) {
					gpm_own(g, part, i, false, 0, &dummy);
					add--;
				}
			}
		}
	} else {
		uint32_t drop = p->ncores - cores;

		/* Only ungrouped vCPU cores: groups never shrink (checked by the callers). */
		for (uint32_t i = g->ncores; i-- > 0 && drop;) {
			struct gpm_core *c = &g->cores[i];

			if (c->owner == (int32_t)part && !c->lpm && c->aff == 0) {
				gpm_free_core(g, i);
				drop--;
			}
		}
	}
	p->ncores = cores;
	return 0;
}

int gpm_resize(struct gpm *g, uint32_t part, uint32_t new_vcpus)
{
	if (!gpm_part_live(g, part)) {
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
	if (p->req.ncores) {
		int err = check_ncores(&p->req, new_vcpus, p->req.ncores, part);
		if (err)
			return err;
		p->req.vcpus = new_vcpus;
		return 0;
	}
	uint32_t cores = gpm_req_cores(&p->req, new_vcpus);
	struct gpm_request r = p->req;
	r.vcpus = new_vcpus;
	int err = check_power(g, &r, cores);
	if (err)
		return err;
	err = regrow(g, part, cores, "vCPUs", new_vcpus);
	if (err)
		return err;
	p->req.vcpus = new_vcpus;
	return 0;
}

int gpm_resize_cores(struct gpm *g, uint32_t part, uint32_t new_ncores)
{
	if (!gpm_part_live(g, part)) {
		kprintf("gpm: resize of partition %u, which is not live\n", part);
		return -E_INVAL;
	}
	struct gpm_part *p = &g->parts[part];
	if (!p->req.ncores) {
		kprintf("gpm: partition %u was created without ncores: resize its vCPUs\n", part);
		return -E_INVAL;
	}
	if (p->pinned) {
		kprintf("gpm: cannot resize the cores of partition %u: it is pinned\n", part);
		return -E_INVAL;
	}
	int err = check_ncores(&p->req, p->req.vcpus, new_ncores, part);
	if (err)
		return err;
	struct gpm_request r = p->req;
	r.ncores = new_ncores;
	err = check_power(g, &r, new_ncores);
	if (err)
		return err;
	err = regrow(g, part, new_ncores, "cores", new_ncores);
	if (err)
		return err;
	p->req.ncores = new_ncores;
	return 0;
}

int gpm_destroy(struct gpm *g, uint32_t part)
{
	if (!gpm_part_live(g, part)) {
		kprintf("gpm: destroy of partition %u, which is not live\n", part);
		return -E_INVAL;
	}
	gpm_release_all(g, part);
	unlink_part(g, part);
	memset(&g->parts[part], 0, sizeof(g->parts[part]));
	return 0;
}

void gpm_report_load(struct gpm *g, uint32_t part, uint32_t load_pct)
{
	if (!gpm_part_live(g, part)) {
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
	return gpm_part_live(g, part) ? g->parts[part].load_pct : 0;
}

int gpm_vcpu_core(const struct gpm *g, uint32_t part, uint32_t vcpu, uint32_t *core_out)
{
	if (!core_out) {
		kprintf("gpm: vCPU lookup with a NULL result pointer\n");
		return -E_INVAL;
	}
	if (!gpm_part_live(g, part)) {
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
	if (p->req.ncores && tag == 0)
		k %= p->ncores - gpm_aff_group_cores(&p->req); /* time-shared ungrouped cores */
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
