// SPDX-License-Identifier: MIT
/*
 * The GPM's plan (core/plan.h): manifest requests turned into
 * sched/gpm.c requests over this machine's cores.
 * Environment: freestanding hypervisor, cpu 0 only.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/tsc.h"
#include "core/plan.h"
#include "core/vcore.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/cores.h"
#include "sched/gpm.h"

#define HYBRID_CORE 0x40 /* CPUID.1A:EAX[31:24]: a "Core" (big) core */

static struct gpm_core cores[CONFIG_MAX_CPUS];
static struct gpm_part parts[VM_MAX];
static struct gpm g;
static int32_t idx_of[CONFIG_MAX_CPUS]; /* cpu -> index in cores[], -1 */
static uint32_t vm_of[VM_MAX];		/* GPM slot -> vm id */
static bool lpm_only[VM_MAX];		/* GPM slot holds only an accel partition's LPM core */
static uint32_t power_limit[VM_MAX];	/* the manifest's `power` of each slot (0: none) */
static int32_t lease_for[VM_MAX]; /* a slot holding a leased fast core: lessee's slot + 1, else 0 */
static uint32_t ncpus_all;
static uint64_t accel_mask[MANIFEST_MASK_WORDS];
static struct manifest_machine machine;
static int32_t pool_part = -1; /* the GPM slot holding the micro-sliced pool's cores */

/* What CORE_INFO tells a guest of each cpu: written by plan_init() before
 * any vCPU runs and never after (classes do not change at run time yet),
 * so any core may read it. */
static struct core_static {
	uint8_t cls; /* GPM_CLS_* */
	uint32_t capacity, watts;
} core_static[CONFIG_MAX_CPUS];
static uint32_t freq_mhz;
uint64_t plan_last_ticks;

static bool bit(const uint64_t *m, uint32_t c)
{
	return (m[c / 64] >> (c % 64)) & 1;
}

static void gpm_core_only(void)
{
	if (this_cpu_id() != 0)
		panic("plan: called on cpu %u; the GPM's tables are cpu 0's", this_cpu_id());
}

void plan_init(const struct manifest_machine *mm, const uint64_t *usable, uint32_t ncpus)
{
	bool hybrid_big = false, hybrid_small = false;

	gpm_core_only();
	machine = *mm;
	ncpus_all = ncpus;
	for (uint32_t c = 0; c < CONFIG_MAX_CPUS; c++)
		idx_of[c] = -1;
	for (uint32_t c = 1; c < ncpus; c++) {
		if (!bit(usable, c) || !pcpu_by_id[c])
			continue;
		if (pcpu_by_id[c]->hybrid_type == HYBRID_CORE)
			hybrid_big = true;
		else if (pcpu_by_id[c]->hybrid_type)
			hybrid_small = true;
	}
	g.cores = cores;
	g.parts = parts;
	g.nparts_max = VM_MAX;
	for (uint32_t c = 1; c < ncpus; c++) {
		if (!bit(usable, c) || !pcpu_by_id[c])
			continue;
		struct gpm_core *k = &cores[g.ncores];
		k->id = c;
		k->socket = k->node = pcpu_by_id[c]->pkg_id;
		k->owner = -1;
		if (mm->present && bit(mm->accel, c)) {
			k->cls = GPM_CLS_ACCEL;
			accel_mask[c / 64] |= 1ULL << (c % 64);
		} else if (mm->present && bit(mm->fast, c)) {
			k->cls = GPM_CLS_FAST;
		} else if (!mm->present && hybrid_big && hybrid_small &&
			   pcpu_by_id[c]->hybrid_type == HYBRID_CORE) {
			k->cls = GPM_CLS_FAST; /* CPUID 0x1A where the manifest says nothing */
		} else {
			k->cls = GPM_CLS_SLOW;
		}
		idx_of[c] = (int32_t)g.ncores++;
		static const uint32_t cap[3] = { CORES_SLOW_SPEED, CORES_FAST_SPEED,
						 CORES_SLOW_SPEED };
		static const uint32_t w[3] = { CORES_SLOW_WATTS, CORES_FAST_WATTS,
					       CORES_SLOW_WATTS };
		static const uint8_t mcls[3] = { MANIFEST_CLASS_SLOW, MANIFEST_CLASS_FAST,
						 MANIFEST_CLASS_ACCEL };
		core_static[c].cls = k->cls;
		core_static[c].capacity = cap[k->cls];
		core_static[c].watts = mm->present && mm->watts[mcls[k->cls]] ?
					       mm->watts[mcls[k->cls]] :
					       w[k->cls];
	}
	/* Nominal frequency: CPUID 0x16 EAX (base MHz) where it exists, else the TSC's. */
	freq_mhz = cpuid(0, 0).eax >= 0x16 ? cpuid(0x16, 0).eax & 0xffff : 0;
	if (!freq_mhz)
		freq_mhz = (uint32_t)(tsc_khz / 1000);
	if (mm->present) {
		g.class_watts[GPM_CLS_SLOW] = mm->watts[MANIFEST_CLASS_SLOW];
		g.class_watts[GPM_CLS_FAST] = mm->watts[MANIFEST_CLASS_FAST];
		g.class_watts[GPM_CLS_ACCEL] = mm->watts[MANIFEST_CLASS_ACCEL];
	}
	uint32_t n[3] = { 0 };
	for (uint32_t i = 0; i < g.ncores; i++)
		n[cores[i].cls]++;
	kprintf("gpm: %u cores to plan with: %u slow, %u fast, %u accelerator%s\n", g.ncores,
		n[GPM_CLS_SLOW], n[GPM_CLS_FAST], n[GPM_CLS_ACCEL],
		mm->present		   ? " ([machine])" :
		hybrid_big && hybrid_small ? " (CPUID 0x1A)" :
					     "");
}

static void fill_out(int32_t part, const struct gpm_request *r, struct plan *out)
{
	const struct gpm_part *gp = &parts[part];

	out->part = part;
	out->lpm_cpu = gp->lpm_core == GPM_NO_CORE ? 0 : cores[gp->lpm_core].id;
	out->ncores = 0;
	for (uint32_t i = 0; i < g.ncores && out->ncores < LPM_MAX_CORES; i++)
		if (cores[i].owner == part && !cores[i].lpm)
			out->cores[out->ncores++] = cores[i].id;
	for (uint32_t v = 0; v < r->vcpus && v < VM_MAX_VCPUS; v++) {
		uint32_t k = 0;
		out->place[v] = gpm_vcpu_core(&g, (uint32_t)part, v, &k) == 0 ?
					cores[k].id :
					out->cores[v % out->ncores];
	}
}

static const uint8_t cls_of[] = {
	[MANIFEST_CLASS_SLOW] = GPM_CLS_SLOW,
	[MANIFEST_CLASS_FAST] = GPM_CLS_FAST,
	[MANIFEST_CLASS_ANY] = GPM_REQ_ANY,
};

static int plan_accel(const struct manifest_part *mp, struct plan *out)
{
	out->accel = true;
	out->part = -1;
	out->lpm_cpu = 0;
	out->ncores = 0;
	for (uint32_t c = 1; c < ncpus_all && out->ncores < LPM_MAX_CORES; c++)
		if (bit(mp->core_mask, c) && bit(accel_mask, c))
			out->cores[out->ncores++] = c;
	if (!out->ncores) {
		kprintf("partition '%s' refused: class accel, but no accelerator core hosts "
			"partitions\n",
			mp->name);
		return -E_RANGE;
	}
	for (uint32_t v = 0; v < mp->vcpus; v++)
		out->place[v] = out->cores[v % out->ncores];
	if (!mp->lpm_dedicated)
		return 0;
	/* A dedicated LPM: one free core from the plan, holding no vCPU. */
	struct gpm_request r = { .vcpus = 1,
				 .ncores = 1,
				 .weight = mp->weight,
				 .cls = GPM_REQ_ANY,
				 .lpm_shared = true };
	uint32_t part;
	int rc = gpm_create(&g, &r, &part);
	if (rc < 0) {
		kprintf("partition '%s' refused: no free core for its dedicated LPM (%s)\n",
			mp->name, err_name(rc));
		return rc;
	}
	for (uint32_t i = 0; i < g.ncores; i++)
		if (cores[i].owner == (int32_t)part)
			out->lpm_cpu = cores[i].id;
	out->part = (int32_t)part;
	lpm_only[part] = true;
	power_limit[part] = mp->power_w;
	return 0;
}

int plan_make(const struct manifest_part *mp, struct plan *out)
{
	struct gpm_request r;
	uint64_t pin[CONFIG_MAX_CPUS / 64];
	uint32_t part;

	gpm_core_only();
	if (mp->cls == MANIFEST_CLASS_ACCEL)
		return plan_accel(mp, out);
	memset(&r, 0, sizeof(r));
	out->accel = false;
	r.vcpus = mp->vcpus;
	r.weight = mp->weight;
	r.power_w = mp->power_w;
	r.gang = mp->gang;
	r.latency_us = mp->latency_us;
	r.colocate = mp->colocate;
	r.ngroups = mp->naff;
	for (uint32_t i = 0; i < mp->naff; i++)
		r.groups[i] = (struct gpm_affinity){ mp->aff[i].first, mp->aff[i].count,
						     mp->aff[i].level };
	r.ncores = mp->ncores_req;
	r.cls = mp->cls < ARRAY_SIZE(cls_of) ? cls_of[mp->cls] : GPM_CLS_SLOW;
	r.lpm_shared = !mp->lpm_dedicated;
	if (r.ncores > LPM_MAX_CORES) {
		kprintf("partition '%s' refused: %u cores, at most %u per partition\n", mp->name,
			r.ncores, LPM_MAX_CORES);
		return -E_RANGE;
	}
	if (mp->cores_listed) {
		memset(pin, 0, sizeof(pin));
		for (uint32_t c = 0; c < CONFIG_MAX_CPUS; c++)
			if (bit(mp->core_mask, c) && idx_of[c] >= 0)
				pin[idx_of[c] / 64] |= 1ULL << (idx_of[c] % 64);
		r.pin = pin;
	}
	uint64_t t = rdtsc();
	int rc = gpm_create(&g, &r, &part);
	plan_last_ticks = rdtsc() - t;
	if (rc < 0) {
		uint32_t free = 0;
		for (uint32_t i = 0; i < g.ncores; i++)
			free += cores[i].owner < 0 &&
				(cores[i].cls == r.cls ||
				 (r.cls == GPM_REQ_ANY && cores[i].cls != GPM_CLS_ACCEL));
		if (rc == -E_RANGE && !r.pin && !r.ngroups && !r.colocate && !r.power_w &&
		    r.ncores > free)
			/* A plain shortage: said as the manifest check always said it. */
			kprintf("manifest: partition '%s' (line %u): asks for %u core%s, only %u %s "
				"free; partition refused\n",
				mp->name, mp->line, r.ncores, r.ncores == 1 ? "" : "s", free,
				free == 1 ? "is" : "are");
		else
			kprintf("partition '%s' refused: the GPM cannot place it (%s; see the gpm "
				"line)\n",
				mp->name, err_name(rc));
		return rc;
	}
	fill_out((int32_t)part, &r, out);
	power_limit[part] = mp->power_w;
	return 0;
}

static uint32_t draw_of(int32_t part)
{
	uint32_t w = 0;

	for (uint32_t i = 0; i < g.ncores; i++)
		if (cores[i].owner == part ||
		    (cores[i].owner >= 0 && lease_for[cores[i].owner] == part + 1))
			w += core_static[cores[i].id].watts; /* its cores and its leased ones */
	return w;
}

int plan_power_get(int32_t part, struct cy_power *out)
{
	gpm_core_only();
	memset(out, 0, sizeof(*out));
	if (part < 0)
		return 0;
	out->budget_w = parts[part].req.power_w;
	out->limit_w = power_limit[part];
	out->draw_w = draw_of(part);
	return 0;
}

int plan_power_set(int32_t part, uint64_t watts)
{
	gpm_core_only();
	if (!watts)
		return -E_INVAL;
	if (part < 0 || (power_limit[part] && watts > power_limit[part]) || watts < draw_of(part) ||
	    watts > UINT32_MAX)
		return -E_RANGE;
	/* sched/gpm.c checks later resizes against the request's budget. */
	parts[part].req.power_w = (uint32_t)watts;
	return 0;
}

void plan_release(int32_t part)
{
	gpm_core_only();
	if (part < 0)
		return;
	uint64_t t = rdtsc();
	gpm_destroy(&g, (uint32_t)part);
	plan_last_ticks = rdtsc() - t;
	lpm_only[part] = false;
}

int plan_resize(int32_t part, uint32_t ncores, uint32_t nvcpus, struct plan *out)
{
	gpm_core_only();
	if (part < 0 || lpm_only[part])
		return -E_INVAL;
	uint64_t t = rdtsc();
	uint32_t old_cores = parts[part].ncores, old_vcpus = parts[part].req.vcpus;
	bool new_c = ncores && ncores != old_cores, new_v = nvcpus && nvcpus != old_vcpus;
	int rc = 0;
	/* Fewer cores after fewer vCPUs, more cores before more vCPUs: a gang
	 * (a core per vCPU) holds at every step. All or nothing: the first
	 * change goes back if the second fails (it fit before). */
	if (new_c && ncores < old_cores && new_v) {
		rc = gpm_resize(&g, (uint32_t)part, nvcpus);
		if (rc == 0 && (rc = gpm_resize_cores(&g, (uint32_t)part, ncores)) < 0)
			gpm_resize(&g, (uint32_t)part, old_vcpus);
	} else {
		if (new_c)
			rc = gpm_resize_cores(&g, (uint32_t)part, ncores);
		if (rc == 0 && new_v && (rc = gpm_resize(&g, (uint32_t)part, nvcpus)) < 0 && new_c)
			gpm_resize_cores(&g, (uint32_t)part, old_cores);
	}
	plan_last_ticks = rdtsc() - t;
	if (rc < 0)
		return rc;
	fill_out(part, &parts[part].req, out);
	return 0;
}

const struct manifest_machine *plan_machine(void)
{
	return &machine;
}

void plan_bind(int32_t part, uint32_t vm_id)
{
	if (part >= 0 && part < VM_MAX)
		vm_of[part] = vm_id;
}

void plan_core_info(uint32_t cpu, struct cy_core_info *ci)
{
	ci->cpu = cpu;
	ci->part = -1;
	ci->nvcpus = vcore_hosted(cpu);
	if (cpu == 0) {
		ci->role = CY_CORE_GPM;
		return;
	}
	int32_t i = idx_of[cpu];
	if (i < 0) {
		ci->role = CY_CORE_OFF;
		return;
	}
	if (cores[i].cls == GPM_CLS_ACCEL) {
		/* Never the anonymous partition's: kept for class = accel partitions,
		 * which time-share it (so RESOURCES does not count it free either). */
		ci->role = CY_CORE_VCPU;
		return;
	}
	if (pool_part >= 0 && cores[i].owner == pool_part) {
		/* The pool's: hosts urgent vCPUs of any partition for 0.1 ms at a
		 * time (core/pool.h), owned by none, like an accelerator core. */
		ci->role = CY_CORE_VCPU;
		return;
	}
	if (cores[i].owner < 0) {
		ci->role = CY_CORE_ANON;
		return;
	}
	ci->role = cores[i].lpm || lpm_only[cores[i].owner] ? CY_CORE_LPM : CY_CORE_VCPU;
	ci->part = (int32_t)vm_of[cores[i].owner];
}

void plan_core_desc(uint32_t cpu, struct cy_core_desc *d)
{
	const struct pcpu *p = cpu < CONFIG_MAX_CPUS ? pcpu_by_id[cpu] : NULL;

	d->cpu = cpu;
	d->cls = core_static[cpu].cls; /* GPM_CLS_* are the CY_CLASS_* numbers */
	d->capacity = core_static[cpu].capacity;
	d->watts = core_static[cpu].watts;
	d->freq_mhz = freq_mhz;
	d->package = p ? p->pkg_id : 0;
	d->core = p ? p->core_id : 0;
	d->thread = p ? p->smt_id : 0;
	d->sharing = vcore_hosted(cpu);
}

uint32_t plan_free_cores(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < g.ncores; i++)
		n += cores[i].owner < 0 && cores[i].cls != GPM_CLS_ACCEL;
	return n;
}

uint32_t plan_pool_reserve(uint32_t max, uint32_t *cpus)
{
	uint64_t pin[CONFIG_MAX_CPUS / 64] = { 0 };
	uint32_t n = 0, part;

	gpm_core_only();
	for (uint32_t i = g.ncores; i-- > 0 && n < max;) {
		if (cores[i].owner < 0 && cores[i].cls != GPM_CLS_ACCEL) {
			pin[i / 64] |= 1ULL << (i % 64);
			n++;
		}
	}
	if (!n || pool_part >= 0)
		return 0;
	/* Pinned: a later re-plan never moves the pool to other cores. */
	struct gpm_request r = { .vcpus = n,
				 .ncores = n,
				 .weight = 1,
				 .cls = GPM_REQ_ANY,
				 .lpm_shared = true,
				 .pin = pin };
	if (gpm_create(&g, &r, &part) < 0)
		return 0;
	pool_part = (int32_t)part;
	n = 0;
	for (uint32_t i = 0; i < g.ncores; i++)
		if (cores[i].owner == pool_part)
			cpus[n++] = cores[i].id;
	return n;
}
/* ---- fast-core leases (core/lease.c) ---- */

uint32_t plan_fast_cores(uint32_t *cpus, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < g.ncores && n < max; i++)
		if (cores[i].cls == GPM_CLS_FAST)
			cpus[n++] = cores[i].id;
	return n;
}

bool plan_lease_free(uint32_t cpu)
{
	int32_t i = cpu < CONFIG_MAX_CPUS ? idx_of[cpu] : -1;

	return i >= 0 && cores[i].owner < 0 && cores[i].cls == GPM_CLS_FAST;
}

bool plan_lease_fits(int32_t part, uint32_t watts)
{
	uint32_t budget = part >= 0 ? parts[part].req.power_w : 0;

	return !budget || (uint64_t)draw_of(part) + watts <= budget;
}

int plan_lease_take(uint32_t cpu, int32_t part, uint32_t vm_id, int32_t *slot_out)
{
	uint64_t pin[CONFIG_MAX_CPUS / 64] = { 0 };
	uint32_t slot;

	gpm_core_only();
	if (part < 0 || !plan_lease_free(cpu))
		return -E_BUSY;
	if (!plan_lease_fits(part, core_static[cpu].watts))
		return -E_RANGE;
	/* A slot of its own, pinned to the core: sched/gpm.c then never hands the core
	 * out, and a re-plan re-takes it first (pinned cores). */
	struct gpm_request r = { .vcpus = 1,
				 .weight = 1,
				 .ncores = 1,
				 .cls = GPM_CLS_FAST,
				 .lpm_shared = true,
				 .pin = pin };
	pin[idx_of[cpu] / 64] |= 1ULL << (idx_of[cpu] % 64);
	int rc = gpm_create(&g, &r, &slot);
	if (rc < 0)
		return rc;
	lease_for[slot] = part + 1;
	vm_of[slot] = vm_id; /* CORE_LIST shows the core as the lessee's */
	*slot_out = (int32_t)slot;
	return 0;
}

void plan_lease_give(int32_t slot)
{
	gpm_core_only();
	if (slot < 0 || slot >= VM_MAX || !lease_for[slot])
		return;
	gpm_destroy(&g, (uint32_t)slot);
	lease_for[slot] = 0;
}

/* ---- core exchange ---- */

int plan_exchange(int32_t part, uint64_t give_mask, uint32_t want_n, uint32_t cls, uint32_t nvcpus,
		  struct plan *out)
{
	uint32_t mine[LPM_MAX_CORES], pick[CORES_EXCHANGE_MAX], n = 0, ngive = 0, npick = 0;
	uint64_t give_w = 0, take_w = 0;

	gpm_core_only();
	if (part < 0 || part >= VM_MAX || lpm_only[part] || lease_for[part] || !parts[part].live)
		return -E_INVAL;
	struct gpm_part *p = &parts[part];
	/* Groups and core sharing tie vCPUs to particular cores: not exchanged. */
	if (cls > GPM_CLS_FAST || !want_n || want_n > CORES_EXCHANGE_MAX || p->req.ngroups ||
	    p->req.share_core)
		return -E_INVAL;
	for (uint32_t i = 0; i < g.ncores && n < LPM_MAX_CORES; i++)
		if (cores[i].owner == part && !cores[i].lpm)
			mine[n++] = i; /* cpu order, as fill_out() and VCPU_MOVE's k */
	if (!give_mask || (n < 64 && give_mask >> n))
		return -E_INVAL;
	for (uint32_t k = 0; k < n; k++)
		if (give_mask >> k & 1) {
			give_w += core_static[cores[mine[k]].id].watts;
			ngive++;
		}
	/* The cheapest free cores of the class: fewest watts, then lowest cpu. */
	while (npick < want_n) {
		int32_t best = -1;
		for (uint32_t i = 0; i < g.ncores; i++) {
			bool taken = false;
			for (uint32_t j = 0; j < npick; j++)
				taken |= pick[j] == i;
			if (taken || cores[i].owner >= 0 || cores[i].cls != cls)
				continue;
			if (best < 0 ||
			    core_static[cores[i].id].watts < core_static[cores[best].id].watts)
				best = (int32_t)i;
		}
		if (best < 0)
			return -E_NOENT;
		pick[npick++] = (uint32_t)best;
		take_w += core_static[cores[best].id].watts;
	}
	uint32_t budget = p->req.power_w;
	if (budget && (uint64_t)draw_of(part) - give_w + take_w > budget)
		return -E_RANGE;
	for (uint32_t k = 0; k < n; k++)
		if (give_mask >> k & 1) {
			struct gpm_core *c = &cores[mine[k]];
			c->owner = -1;
			c->lpm = c->pinned = false;
			c->aff = 0;
		}
	for (uint32_t j = 0; j < npick; j++) {
		struct gpm_core *c = &cores[pick[j]];
		c->owner = part;
		c->lpm = false;
		c->aff = 0;
		c->pinned = p->pinned;
	}
	p->ncores = p->ncores - ngive + want_n;
	if (p->req.ncores)
		p->req.ncores = p->ncores;
	p->req.vcpus = nvcpus;
	/* One class left: later resizes take that; a mix takes slow, then fast. */
	uint8_t mix = 0;
	for (uint32_t i = 0; i < g.ncores; i++)
		if (cores[i].owner == part && !cores[i].lpm)
			mix |= (uint8_t)(1u << cores[i].cls);
	p->req.cls = mix == 1 ? GPM_CLS_SLOW : mix == 2 ? GPM_CLS_FAST : GPM_REQ_ANY;
	fill_out(part, &p->req, out);
	return 0;
}

uint32_t plan_part_cores(int32_t part)
{
	gpm_core_only();
	return part >= 0 && !lpm_only[part] && parts[part].live ? parts[part].ncores : 0;
}

uint32_t plan_part_free(int32_t part)
{
	uint32_t n = 0;

	gpm_core_only();
	if (part < 0 || !parts[part].live)
		return 0;
	uint8_t mask = gpm_vmask(&parts[part].req);
	for (uint32_t i = 0; i < g.ncores; i++)
		n += cores[i].owner < 0 && cores[i].cls != GPM_CLS_ACCEL &&
		     ((mask >> cores[i].cls) & 1);
	return n;
}

bool plan_part_resizable(int32_t part)
{
	gpm_core_only();
	return part >= 0 && !lpm_only[part] && parts[part].live && parts[part].req.ncores &&
	       !parts[part].pinned;
}

void plan_set_gang(int32_t part, bool gang)
{
	gpm_core_only();
	if (part >= 0 && parts[part].live)
		parts[part].req.gang = gang;
}
