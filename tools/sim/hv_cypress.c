// SPDX-License-Identifier: MIT
/*
 * Cypress placement in the simulator, using sched/ unchanged: the GPM
 * (sched/gpm.c) partitions slow cores with an LPM core each, VCPU-Bal
 * (sched/balloon.c) sets how many vCPUs each guest keeps online, the core
 * inventory and power budgets (sched/cores.c) and fast-core leases
 * (sched/lease.c) give core-discovering guests fast cores for a term.
 * Environment: host simulator; the GPM's periodic work runs on the GPM's
 * core, each LPM's on its own core (hv_schedule calls cypress_lpm there), and
 * they reach other cores only by sim_send().
 */
#include <stdlib.h>

#include "lib/errno.h"
#include "sched/balloon.h"
#include "sched/cores.h"
#include "sched/lease.h"
#include "tools/sim/sim.h"

#define LEASE_TERM_US	 1000000u /* fast-core lease term: 1 s */
#define LOAD_PERIOD_NS	 (10 * NS_PER_MS)
#define LEASE_PERIOD_NS	 (100 * NS_PER_MS)
#define MAX_LEASE_EVENTS 64

struct cypress {
	struct gpm g;
	struct gpm_core *gcores;
	struct gpm_part *parts;
	struct core_inventory inv;
	struct core_info *ci;
	struct power_budget *budget;
	struct lease_table lt;
	struct lease_core *lcores;
	uint64_t *charge, *held;
	uint64_t *busy_snap; /* per core; entry c is written by the LPM of c's partition */
	uint64_t renewed, lost, resized;
};

static void reject(struct sim *s, struct vm *vm, const char *why)
{
	vm->rejected = true;
	vm->reject_why = why;
	vm->balloon_target = 0;
	s->rejected++;
	fprintf(s->log, "sim: VM %s (%u vCPUs) rejected: %s\n", vm->name, vm->nvcpus, why);
}

/* VCPU-Bal targets over `avail` cores; legacy guests cannot balloon. */
static void balloon_targets(struct sim *s, uint32_t avail)
{
	struct balloon_vm *b = sim_zalloc(s->nvms, sizeof(*b));

	for (uint32_t i = 0; i < s->nvms; i++) {
		b[i].weight = s->vms[i].weight;
		b[i].vcpus_max = s->vms[i].nvcpus;
		b[i].vcpus_min = s->vms[i].pv ? 1 : s->vms[i].nvcpus;
		b[i].online = s->vms[i].nvcpus;
	}
	if (balloon_compute(b, s->nvms, avail) == 0)
		for (uint32_t i = 0; i < s->nvms; i++)
			s->vms[i].balloon_target = b[i].target;
	free(b);
}

static int place_partitions(struct sim *s, struct cypress *cy)
{
	uint32_t nslow = 0, next = 0;

	for (uint32_t c = 0; c < s->ncores; c++)
		nslow += s->cores[c].cls == GPM_CLS_SLOW;
	for (uint32_t i = 0; i < s->nvms; i++)
		s->vms[i].balloon_target = s->vms[i].nvcpus;
	if (s->hv.balloon)
		balloon_targets(s, nslow - (s->hv.lpm_cores ? MIN(nslow, s->nvms) : 0));

	cy->gcores = sim_zalloc(s->ncores, sizeof(*cy->gcores));
	cy->parts = sim_zalloc(s->nvms, sizeof(*cy->parts));
	for (uint32_t c = 0; c < s->ncores; c++) {
		cy->gcores[c] = (struct gpm_core){ .id = c,
						   .socket = s->cores[c].socket,
						   .node = s->cores[c].socket,
						   .cls = s->cores[c].cls,
						   .owner = -1 };
	}
	cy->g = (struct gpm){ .cores = cy->gcores,
			      .ncores = s->ncores,
			      .parts = cy->parts,
			      .nparts_max = s->nvms,
			      .core_watts = CORES_SLOW_WATTS };
	s->gpm_core = UINT32_MAX;
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		uint32_t t = vm->balloon_target, part;
		/* Without ballooning a guest may ask for fewer vCPUs than it has. */
		if (!s->hv.balloon && vm->req.vcpus && vm->req.vcpus < vm->nvcpus)
			t = vm->balloon_target = vm->req.vcpus;
		int rc;

		if (!s->hv.lpm_cores) {
			/* VCPU-Bal alone: one core per online vCPU, no LPM. */
			if (next + t > nslow) {
				reject(s, vm, "E_RANGE: not enough free slow cores");
				continue;
			}
			for (uint32_t k = 0; k < vm->nvcpus; k++)
				VH(s, &vm->vcpus[k])->home = (int32_t)(next + k % t);
			next += t;
			continue;
		}
		vm->req.vcpus = t;
		vm->req.weight = vm->weight;
		vm->req.power_w = vm->power_w;
		rc = gpm_create(&cy->g, &vm->req, &part);
		if (rc < 0) {
			reject(s, vm, err_name(rc));
			continue;
		}
		vm->part = (int32_t)part;
		s->cores[cy->parts[part].lpm_core].lpm = true;
		s->cores[cy->parts[part].lpm_core].lpm_part = (int32_t)part;
		if (s->gpm_core == UINT32_MAX)
			s->gpm_core = cy->parts[part].lpm_core;
		for (uint32_t k = 0; k < vm->nvcpus; k++) {
			uint32_t core;
			gpm_vcpu_core(&cy->g, part, k % t, &core);
			VH(s, &vm->vcpus[k])->home = (int32_t)core;
		}
	}
	if (s->gpm_core == UINT32_MAX)
		s->gpm_core = 0;
	return 0;
}

/* A free slow core granted to vm within its budget, else one it owns, else -1. */
static int32_t slow_core_for(struct cypress *cy, uint32_t vm)
{
	int32_t own = -1;

	for (uint32_t c = 0; c < cy->inv.n; c++) {
		struct core_info *ci = &cy->inv.cores[c];
		if (ci->cls != CORE_SLOW)
			continue;
		if (ci->owner == CORE_FREE && power_grant(&cy->inv, &cy->budget[vm], vm, c) == 0)
			return (int32_t)c;
		if (ci->owner == (int32_t)vm && own < 0)
			own = (int32_t)c;
	}
	return own;
}

static int place_het(struct sim *s, struct cypress *cy)
{
	uint32_t nfast = 0;

	cy->ci = sim_zalloc(s->ncores, sizeof(*cy->ci));
	cy->lcores = sim_zalloc(s->ncores, sizeof(*cy->lcores));
	cy->budget = sim_zalloc(s->nvms, sizeof(*cy->budget));
	cy->charge = sim_zalloc(s->nvms, sizeof(uint64_t));
	cy->held = sim_zalloc(s->nvms, sizeof(uint64_t));
	cores_from_hybrid(&cy->inv, cy->ci, s->ncores, NULL);
	for (uint32_t c = 0; c < s->ncores; c++) {
		struct pcore *p = &s->cores[c];
		uint32_t w = p->mw / 1000 ? p->mw / 1000 : 1;
		enum core_class cls = p->cls == GPM_CLS_FAST ? CORE_FAST : CORE_SLOW;
		cores_override(&cy->inv, c, cls, p->speed, w);
		if (cls == CORE_FAST && !s->hv.exch_up_at_ns) {
			cy->ci[c].owner = CORE_POOL;
			cy->lcores[nfast++] = (struct lease_core){ .core = c, .watts = w };
		}
	}
	lease_init(&cy->lt, cy->lcores, nfast, LEASE_TERM_US, cy->charge, cy->held, s->nvms);
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		cy->budget[i].budget_w = vm->power_w ? vm->power_w : CORES_WATTS_MAX * s->ncores;
		vm->balloon_target = vm->nvcpus;
		for (uint32_t k = 0; k < vm->nvcpus; k++) {
			uint32_t core;
			int32_t slow;
			if (vm->wants_fast) {
				if (lease_request(&cy->lt, i, k, 0, &core) == 0) {
					VH(s, &vm->vcpus[k])->home = (int32_t)core;
					vm->st.lease_granted++;
					continue;
				}
				vm->st.lease_denied++;
			}
			slow = slow_core_for(cy, i);
			if (slow < 0) {
				reject(s, vm, "E_RANGE: power budget below one slow core");
				break;
			}
			VH(s, &vm->vcpus[k])->home = slow;
		}
	}
	s->gpm_core = 0;
	return 0;
}

int cypress_place(struct sim *s)
{
	struct cypress *cy = sim_zalloc(1, sizeof(*cy));

	s->cy = cy;
	cy->busy_snap = sim_zalloc(s->ncores, sizeof(uint64_t));
	for (uint32_t i = 0; i < s->nvms; i++)
		s->vms[i].part = -1;
	return s->hv.hetaware ? place_het(s, cy) : place_partitions(s, cy);
}

/* On the GPM's core: an LPM's load report arrived (MSG_LOAD). */
void cypress_load(struct sim *s, uint32_t part, uint32_t load_pct)
{
	if (!s->cy || !s->cy->parts || part >= s->nvms)
		return;
	sim_own(s, (int32_t)s->gpm_core); /* the GPM's state */
	gpm_report_load(&s->cy->g, part, load_pct);
}

/*
 * On LPM core p, every LOAD_PERIOD_NS: measure the partition's busy time
 * (reads of its cores' counters; the snapshots are the LPM's own) and report
 * it to the GPM by message.
 */
void cypress_lpm(struct sim *s, struct pcore *p)
{
	struct cypress *cy = s->cy;
	uint64_t busy = 0, n = 0;
	struct vm *vm = NULL;

	if (!cy || !cy->parts || p->lpm_part < 0 || s->now % LOAD_PERIOD_NS || s->now % NS_PER_MS)
		return;
	for (uint32_t i = 0; i < s->nvms && !vm; i++)
		if (s->vms[i].part == p->lpm_part)
			vm = &s->vms[i];
	if (!vm)
		return;
	sim_own(s, (int32_t)p->id); /* busy_snap entries of this partition */
	for (uint32_t k = 0; k < vm->balloon_target; k++) {
		uint32_t c = (uint32_t)vm->vcpus[k].h.home;
		busy += s->cores[c].h.busy - cy->busy_snap[c];
		n++;
	}
	for (uint32_t k = 0; k < vm->balloon_target; k++) {
		uint32_t c = (uint32_t)vm->vcpus[k].h.home;
		cy->busy_snap[c] = s->cores[c].h.busy;
	}
	if (p->lpm_fresh) { /* moved here by a re-plan: snapshots first, report next time */
		p->lpm_fresh = false;
		return;
	}
	sim_send(s, s->gpm_core, MSG_LOAD, (uint32_t)p->lpm_part,
		 n ? (uint32_t)(busy * 100 / (n * LOAD_PERIOD_NS)) : 0);
}

/* Renew fast-core leases; a lease that ends moves its vCPU to a slow core. */
static void leases(struct sim *s, struct cypress *cy)
{
	struct lease_event ev[MAX_LEASE_EVENTS];
	uint64_t now = s->now / NS_PER_US;
	uint32_t n;

	sim_own(s, (int32_t)s->gpm_core); /* the lease table and inventory are the GPM's */
	for (uint32_t c = 0; c < cy->lt.ncores; c++) {
		struct lease_core *lc = &cy->lt.cores[c];
		if (lc->owner_vm < 0 || lc->expires_us > now + 2 * LEASE_PERIOD_NS / NS_PER_US)
			continue;
		if (lease_renew(&cy->lt, (uint32_t)lc->owner_vm, lc->vcpu, now) == 0)
			cy->renewed++;
	}
	n = lease_expire(&cy->lt, now, ev, MAX_LEASE_EVENTS);
	for (uint32_t i = 0; i < n; i++) {
		int32_t slow = slow_core_for(cy, ev[i].vm);
		cy->lost++;
		s->vms[ev[i].vm].st.lease_expired++;
		fprintf(s->log, "sim: lease: %llu ms: VM %s vCPU %u: lease on core %u expired\n",
			(unsigned long long)(now / 1000), s->vms[ev[i].vm].name, ev[i].vcpu,
			ev[i].core);
		if (slow >= 0)
			sim_send(s, ev[i].core, MSG_MOVE, s->vms[ev[i].vm].vcpus[ev[i].vcpu].gid,
				 (uint32_t)slow);
	}
	/* A VM that no longer wants fast cores gives its leases back early. */
	for (uint32_t c = 0;
	     s->hv.lease_drop_at_ns && s->now >= s->hv.lease_drop_at_ns && c < cy->lt.ncores; c++) {
		struct lease_core *lc = &cy->lt.cores[c];
		uint32_t vm = (uint32_t)lc->owner_vm, k = lc->vcpu, core = lc->core;
		int32_t slow;
		if (lc->owner_vm < 0 || vm != s->hv.lease_drop_vm)
			continue;
		slow = slow_core_for(cy, vm);
		if (slow < 0 || lease_release(&cy->lt, vm, k, now) < 0)
			continue;
		s->vms[vm].st.lease_released++;
		fprintf(s->log, "sim: lease: %llu ms: VM %s vCPU %u: released core %u\n",
			(unsigned long long)(now / 1000), s->vms[vm].name, k, core);
		sim_send(s, core, MSG_MOVE, s->vms[vm].vcpus[k].gid, (uint32_t)slow);
	}
	/* vCPUs of core-discovering guests on slow cores ask again (fair share). */
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		bool dropped = s->hv.lease_drop_at_ns && s->now >= s->hv.lease_drop_at_ns &&
			       i == s->hv.lease_drop_vm;
		if (!vm->wants_fast || dropped || vm->rejected)
			continue;
		for (uint32_t k = 0; k < vm->nvcpus; k++) {
			const struct vcpu *v = &vm->vcpus[k];
			uint32_t core;
			int rc;
			if (s->cores[v->h.home].cls == GPM_CLS_FAST)
				continue;
			rc = lease_request(&cy->lt, i, k, now, &core);
			if (rc == 0) {
				vm->st.lease_granted++;
				fprintf(s->log,
					"sim: lease: %llu ms: VM %s vCPU %u: granted core %u\n",
					(unsigned long long)(now / 1000), vm->name, k, core);
				sim_send(s, (uint32_t)v->h.home, MSG_MOVE, v->gid, core);
			} else if (rc == -E_BUSY) {
				vm->st.lease_denied++;
			}
		}
	}
}

/*
 * On the GPM's core: VM dyn_vm's weight changed. New VCPU-Bal targets over the
 * same cores; each VM is told by MSG_BALLOON (to its vCPU 0's home core, where
 * the guest's balloon driver runs); a vCPU coming online first moves, by
 * MSG_MOVE to its current home, to a core the shrinking VMs give up.
 */
static void dyn_balloon(struct sim *s)
{
	struct balloon_vm *b = sim_zalloc(s->nvms, sizeof(*b));
	struct balloon_cmd *cmd = sim_zalloc(s->nvms, sizeof(*cmd));
	uint32_t *freed = sim_zalloc(s->ncores, sizeof(uint32_t)), nfree = 0, avail = 0, n;
	bool *used = sim_zalloc(s->ncores, sizeof(bool));

	for (uint32_t i = 0; i < s->nvms; i++) {
		const struct vm *vm = &s->vms[i];
		b[i].weight = i == s->hv.dyn_vm ? s->hv.dyn_weight : vm->weight;
		b[i].vcpus_max = vm->nvcpus;
		b[i].vcpus_min = vm->pv ? 1 : vm->nvcpus;
		b[i].online = vm->balloon_target;
		avail += vm->balloon_target;
	}
	if (balloon_compute(b, s->nvms, avail) < 0)
		goto out;
	/* Cores that keep an online vCPU are used; the rest of the VMs' cores are freed. */
	for (uint32_t i = 0; i < s->nvms; i++)
		for (uint32_t k = 0; k < MIN(b[i].target, b[i].online); k++)
			used[s->vms[i].vcpus[k].h.home] = true;
	for (uint32_t i = 0; i < s->nvms; i++)
		for (uint32_t k = b[i].target; k < b[i].online; k++) {
			uint32_t c = (uint32_t)s->vms[i].vcpus[k].h.home;
			if (!used[c]) {
				used[c] = true;
				freed[nfree++] = c;
			}
		}
	for (uint32_t i = 0, f = 0; i < s->nvms; i++)
		for (uint32_t k = b[i].online; k < b[i].target && f < nfree; k++) {
			const struct vcpu *v = &s->vms[i].vcpus[k];
			sim_send(s, (uint32_t)v->h.home, MSG_MOVE, v->gid, freed[f++]);
		}
	n = balloon_commands(b, s->nvms, cmd, s->nvms);
	for (uint32_t j = 0; j < n; j++) {
		const struct vm *vm = &s->vms[cmd[j].vm];
		fprintf(s->log, "sim: balloon: VM %s %u -> %u vCPUs online\n", vm->name,
			b[cmd[j].vm].online, b[cmd[j].vm].target);
		sim_send(s, (uint32_t)vm->vcpus[0].h.home, MSG_BALLOON, cmd[j].vm,
			 b[cmd[j].vm].target);
	}
out:
	free(b);
	free(cmd);
	free(freed);
	free(used);
}

#define PSTATES_MAX 3 /* the legacy guest's P-states: P0..P3 */

/* On the GPM's core: VM i's legacy guest wrote P-state `ps` to IA32_PERF_CTL. */
static void pstate_request(struct sim *s, struct cypress *cy, uint32_t i, uint32_t ps)
{
	struct vm *vm = &s->vms[i];
	enum pstate_hint h = pstate_hint(ps, PSTATES_MAX);
	enum core_class want = h == PSTATE_HINT_FAST ? CORE_FAST : CORE_SLOW;

	if (h == PSTATE_HINT_NONE)
		return;
	for (uint32_t k = 0; k < vm->nvcpus; k++) {
		const struct vcpu *v = &vm->vcpus[k];
		uint32_t got;
		int rc;
		if (cy->inv.cores[v->h.home].cls == want)
			continue;
		rc = power_exchange(&cy->inv, &cy->budget[i], i, (uint32_t)v->h.home, 1, want,
				    &got);
		fprintf(s->log,
			"sim: pstate: %llu ms: VM %s asks P%u: %s core %d for a %s core: %s\n",
			(unsigned long long)(s->now / NS_PER_MS), vm->name, ps,
			want == CORE_FAST ? "slow" : "fast", v->h.home,
			want == CORE_FAST ? "fast" : "slow", rc ? err_name(rc) : "done");
		if (rc == 0) {
			vm->st.exchanges++;
			sim_send(s, (uint32_t)v->h.home, MSG_MOVE, v->gid, got);
		}
	}
}

/* On the GPM's core: VM i leaves; its guest offlines every vCPU, its cores go free. */
static void gpm_leave(struct sim *s, struct cypress *cy, uint32_t i)
{
	struct vm *vm = &s->vms[i];
	uint32_t lpm;

	if (vm->part < 0)
		return;
	lpm = cy->parts[vm->part].lpm_core;
	if (gpm_destroy(&cy->g, (uint32_t)vm->part) < 0)
		return;
	fprintf(s->log, "sim: gpm: %llu ms: VM %s left, partition %d destroyed\n",
		(unsigned long long)(s->now / NS_PER_MS), vm->name, vm->part);
	sim_send(s, (uint32_t)vm->vcpus[0].h.home, MSG_BALLOON, i, 0);
	sim_send(s, lpm, MSG_LPM_OFF, 0, 0);
	vm->part = -1;
	cy->resized++;
}

/* On the GPM's core: VM i's partition grows to all its vCPUs (gpm_resize). */
static void gpm_grow(struct sim *s, struct cypress *cy, uint32_t i)
{
	struct vm *vm = &s->vms[i];
	uint32_t from = vm->balloon_target;

	if (vm->part < 0 || gpm_resize(&cy->g, (uint32_t)vm->part, vm->nvcpus) < 0)
		return;
	for (uint32_t k = from; k < vm->nvcpus; k++) {
		const struct vcpu *v = &vm->vcpus[k];
		uint32_t core;
		if (gpm_vcpu_core(&cy->g, (uint32_t)vm->part, k, &core) == 0 &&
		    core != (uint32_t)v->h.home)
			sim_send(s, (uint32_t)v->h.home, MSG_MOVE, v->gid, core);
	}
	sim_send(s, (uint32_t)vm->vcpus[0].h.home, MSG_BALLOON, i, vm->nvcpus);
	fprintf(s->log, "sim: gpm: %llu ms: VM %s partition %d resized %u -> %u vCPUs\n",
		(unsigned long long)(s->now / NS_PER_MS), vm->name, vm->part, from, vm->nvcpus);
	cy->resized++;
}

/*
 * On the GPM's core: re-pack every live partition from scratch (gpm_replan)
 * while the VMs run. Each vCPU whose core changed moves (MSG_MOVE to its
 * current home), and a partition whose LPM core changed gets its LPM moved:
 * MSG_LPM_OFF to the old core, MSG_LPM_ON to the new one, sent after the
 * moves so the new LPM core's vCPUs leave first.
 */
static void gpm_repack(struct sim *s, struct cypress *cy)
{
	uint32_t *old_lpm = sim_zalloc(s->nvms, sizeof(uint32_t));

	for (uint32_t i = 0; i < s->nvms; i++)
		if (s->vms[i].part >= 0)
			old_lpm[i] = cy->parts[s->vms[i].part].lpm_core;
	if (gpm_replan(&cy->g) < 0)
		goto out;
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		uint32_t part = (uint32_t)vm->part, lpm, t = vm->req.vcpus;
		if (vm->part < 0)
			continue;
		vm->st.loops_replan = vm->st.loops; /* the observer's */
		for (uint32_t k = 0; k < vm->nvcpus; k++) {
			const struct vcpu *v = &vm->vcpus[k];
			uint32_t core;
			if (gpm_vcpu_core(&cy->g, part, k % t, &core) < 0 ||
			    core == (uint32_t)v->h.home)
				continue;
			sim_send(s, (uint32_t)v->h.home, MSG_MOVE, v->gid, core);
			vm->st.replan_moves++;
		}
		lpm = cy->parts[part].lpm_core;
		if (lpm != old_lpm[i]) {
			sim_send(s, old_lpm[i], MSG_LPM_OFF, 0, 0);
			sim_send(s, lpm, MSG_LPM_ON, part, 0);
			vm->st.lpm_moves++;
		}
		fprintf(s->log,
			"sim: gpm: %llu ms: replan: VM %s: %u vCPUs moved, LPM core %u -> %u\n",
			(unsigned long long)(s->now / NS_PER_MS), vm->name, vm->st.replan_moves,
			old_lpm[i], lpm);
	}
	cy->resized++;
out:
	free(old_lpm);
}

/*
 * On the GPM's core: VM i's guest gives back the core of its last online
 * vCPU. The GPM returns it to the inventory (power_release: the core is free,
 * the VM's power budget is credited its watts) and tells the guest to offline
 * that vCPU (MSG_BALLOON), which it does when the vCPU next runs.
 */
static void release_core(struct sim *s, struct cypress *cy, uint32_t i)
{
	struct vm *vm = &s->vms[i];
	uint32_t k = vm->balloon_target - 1, core;
	int rc;

	if (vm->balloon_target < 2)
		return;
	core = (uint32_t)vm->vcpus[k].h.home;
	vm->st.loops_rel = vm->st.loops; /* the observer's */
	vm->st.used_w_before = cy->budget[i].used_w;
	rc = power_release(&cy->inv, &cy->budget[i], i, core);
	vm->st.used_w_after = cy->budget[i].used_w;
	fprintf(s->log,
		"sim: power: %llu ms: VM %s releases core %u: %s, budget %u -> %u of %u W\n",
		(unsigned long long)(s->now / NS_PER_MS), vm->name, core,
		rc ? err_name(rc) : "done", vm->st.used_w_before, vm->st.used_w_after,
		cy->budget[i].budget_w);
	if (rc < 0)
		return;
	vm->st.released++;
	sim_send(s, (uint32_t)vm->vcpus[0].h.home, MSG_BALLOON, i, k);
}

void cypress_periodic(struct sim *s)
{
	struct cypress *cy = s->cy;

	if (!cy)
		return;
	if (cy->lcores && s->hv.exch_up_at_ns && s->now == s->hv.exch_up_at_ns) {
		sim_own(s, (int32_t)s->gpm_core);
		s->vms[s->hv.exch_vm].st.loops_up = s->vms[s->hv.exch_vm].st.loops;
		pstate_request(s, cy, s->hv.exch_vm, 0);
	}
	if (cy->lcores && s->hv.exch_down_at_ns && s->now == s->hv.exch_down_at_ns) {
		sim_own(s, (int32_t)s->gpm_core);
		s->vms[s->hv.exch_vm].st.loops_down = s->vms[s->hv.exch_vm].st.loops;
		pstate_request(s, cy, s->hv.exch_vm, PSTATES_MAX);
	}
	if (cy->parts && s->hv.gpm_destroy_at_ns && s->now == s->hv.gpm_destroy_at_ns) {
		sim_own(s, (int32_t)s->gpm_core);
		gpm_leave(s, cy, s->hv.gpm_destroy_vm);
	}
	if (cy->lcores && s->hv.release_at_ns && s->now == s->hv.release_at_ns) {
		sim_own(s, (int32_t)s->gpm_core);
		release_core(s, cy, s->hv.release_vm);
	}
	if (cy->parts && s->hv.gpm_replan_at_ns && s->now == s->hv.gpm_replan_at_ns) {
		sim_own(s, (int32_t)s->gpm_core);
		gpm_repack(s, cy);
	}
	if (cy->parts && s->hv.gpm_grow_at_ns && s->now == s->hv.gpm_grow_at_ns) {
		sim_own(s, (int32_t)s->gpm_core);
		gpm_grow(s, cy, s->hv.gpm_grow_vm);
		for (uint32_t i = 0; i < s->nvms; i++)
			s->vms[i].st.loops_mid = s->vms[i].st.loops; /* the observer's */
	}
	if (s->hv.dyn_at_ns && s->now == s->hv.dyn_at_ns) {
		for (uint32_t i = 0; i < s->nvms; i++) {
			s->vms[i].st.loops_mid = s->vms[i].st.loops; /* the observer's */
			s->vms[i].st.online_mid = s->vms[i].balloon_target;
		}
		dyn_balloon(s);
	}
	if (cy->lcores && s->now % LEASE_PERIOD_NS == 0)
		leases(s, cy);
}

void cypress_report(const struct sim *s, FILE *f)
{
	const struct cypress *cy = s->cy;

	if (!cy)
		return;
	if (cy->lcores)
		fprintf(f, "cypress: leases renewed %llu, ended %llu\n",
			(unsigned long long)cy->renewed, (unsigned long long)cy->lost);
	for (uint32_t i = 0; cy->parts && i < s->nvms; i++)
		if (s->vms[i].part >= 0)
			fprintf(f,
				"cypress: VM %s partition %d: %u vCPU cores + LPM core %u, load %u%%\n",
				s->vms[i].name, s->vms[i].part, cy->parts[s->vms[i].part].ncores,
				cy->parts[s->vms[i].part].lpm_core,
				gpm_load(&cy->g, (uint32_t)s->vms[i].part));
}

void cypress_free(struct sim *s)
{
	struct cypress *cy = s->cy;

	if (!cy)
		return;
	free(cy->gcores);
	free(cy->parts);
	free(cy->ci);
	free(cy->budget);
	free(cy->lcores);
	free(cy->charge);
	free(cy->held);
	free(cy->busy_snap);
	free(cy);
	s->cy = NULL;
}
