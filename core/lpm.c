// SPDX-License-Identifier: MIT
/*
 * Local Partition Managers (core/lpm.h). An LPM's decisions are few and
 * local: place each vCPU on one of its partition's cores, move vCPUs when
 * the guest or the GPM asks, keep its view of where each vCPU is, and
 * answer the GPM once a request's moves are all done. A failed step
 * (a vCPU whose VM ended meanwhile) cancels that move only.
 * Environment: freestanding hypervisor; see core/lpm.h for which core
 * runs what.
 */
#include "arch/x86/pcpu.h"
#include "core/lpm.h"
#include "core/msg.h"
#include "core/plan.h"
#include "core/trace.h"
#include "core/vcore.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"

struct lpm {
	struct vm *vm;
	uint32_t cpu; /* where it runs: every mutation checks it */
	uint32_t ncores;
	uint32_t cores[LPM_MAX_CORES];
	uint32_t where[VM_MAX_VCPUS]; /* its view: the core of each vCPU */
	uint32_t nplaced;	      /* vCPUs placed so far */
	uint32_t moving;	      /* moves sent, not yet confirmed */
	bool resize_pending;
	uint64_t resize_arg;
	uint16_t resize_msg;	       /* how resize_arg goes back (MSG_GPM_DONE or another) */
	uint32_t lease1[VM_MAX_VCPUS]; /* leased cpu + 1 of each vCPU, 0 = none */
	bool leaving[VM_MAX_VCPUS];    /* its lease ended: back home, then MSG_LEASE_BACK */
	uint64_t decisions;
};

static bool own(const struct lpm *l)
{
	if (__builtin_expect(l->cpu == this_cpu_id(), 1))
		return true;
	kprintf("BUG: cpu %u tried to change the LPM of '%s', which runs on cpu %u; refused\n",
		this_cpu_id(), l->vm->name, l->cpu);
	return false;
}

struct lpm *lpm_create(struct vm *vm, uint32_t cpu, const uint32_t *cores, uint32_t ncores,
		       const uint32_t *place)
{
	struct lpm *l = frame_obj_zalloc(sizeof(*l));

	if (!l || ncores > LPM_MAX_CORES) {
		frame_obj_free(l, sizeof(*l));
		return NULL;
	}
	l->vm = vm;
	l->cpu = cpu;
	l->ncores = ncores;
	memcpy(l->cores, cores, ncores * sizeof(cores[0]));
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		l->where[i] = place[i];
	return l;
}

void lpm_free(struct lpm *l)
{
	frame_obj_free(l, sizeof(*l));
}

uint32_t lpm_cores(const struct lpm *l, uint32_t *cores)
{
	memcpy(cores, l->cores, l->ncores * sizeof(cores[0]));
	return l->ncores;
}

uint32_t lpm_cpu(const struct lpm *l)
{
	return l->cpu;
}

uint32_t lpm_initial_core(const struct lpm *l, uint32_t vcpu)
{
	return l->where[vcpu];
}

/* Hand vCPU i to its core (it is not on any core yet). */
static void place(struct lpm *l, uint32_t i)
{
	struct vcpu *v = l->vm->vcpu[i];

	__atomic_store_n(&v->pcpu, l->where[i], __ATOMIC_RELEASE);
	v->migrate_to = NO_CPU;
	__atomic_fetch_add(&l->vm->vcpus_running, 1, __ATOMIC_ACQ_REL);
	if (msg_send_sure(l->where[i], MSG_VCPU_ADOPT, (uint64_t)(uintptr_t)v, VCORE_ADOPT_PLACE,
			  NO_CPU) < 0) {
		__atomic_fetch_sub(&l->vm->vcpus_running, 1, __ATOMIC_ACQ_REL);
		vm_fail(l->vm, 0, "vcpu %u: its core %u is not online", i, l->where[i]);
	}
	trace_event_named(TR_LPM, l->vm->name, i, l->where[i]);
	l->decisions++;
}

static void start_handler(const struct mbox_msg *m)
{
	struct lpm *l = (struct lpm *)(uintptr_t)m->arg[0];

	if (!own(l))
		return;
	for (uint32_t i = 0; i < l->vm->nvcpus; i++)
		place(l, i);
	l->nplaced = l->vm->nvcpus;
}

static void move(struct lpm *l, uint32_t i, uint32_t to)
{
	struct vcpu *v = l->vm->vcpu[i];

	trace_event_named(TR_LPM, l->vm->name, i, to);
	l->decisions++;
	l->moving++;
	msg_send_sure(l->where[i], MSG_VCPU_MIGRATE, (uint64_t)(uintptr_t)v, to, 0);
}

static void done_if_settled(struct lpm *l)
{
	if (l->resize_pending && !l->moving) {
		l->resize_pending = false;
		msg_send_sure(0, l->resize_msg, l->resize_arg, 0, 0);
	}
}

int lpm_request_move(struct vm *vm, uint32_t vcpu, uint32_t k)
{
	uint32_t idle = 0;

	if (vcpu >= __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE))
		return -E_NOENT;
	if (k >= __atomic_load_n(&vm->ncores, __ATOMIC_ACQUIRE))
		return -E_RANGE;
	if (__atomic_load_n(&vm->vcpu[vcpu]->lease_cpu, __ATOMIC_ACQUIRE) != NO_CPU)
		return -E_BUSY; /* it stays on its leased core until the lease ends */
	if (!__atomic_compare_exchange_n(&vm->vcpu[vcpu]->move_busy, &idle, 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -E_BUSY;
	if (msg_send(lpm_cpu(vm->lpm), MSG_LPM_MOVE, (uint64_t)(uintptr_t)vm->lpm, vcpu, k) < 0) {
		__atomic_store_n(&vm->vcpu[vcpu]->move_busy, 0, __ATOMIC_RELEASE);
		return -E_BUSY; /* its mailbox is full: the guest may retry */
	}
	return 0;
}

static void move_handler(const struct mbox_msg *m)
{
	struct lpm *l = (struct lpm *)(uintptr_t)m->arg[0];
	uint32_t i = (uint32_t)m->arg[1], k = (uint32_t)m->arg[2];

	if (!own(l))
		return;
	struct vcpu *v = i < l->vm->nvcpus ? l->vm->vcpu[i] : NULL;
	if (!v)
		return;
	if (vm_ended(l->vm) || k >= l->ncores || l->where[i] == l->cores[k] || l->lease1[i] ||
	    l->leaving[i]) {
		__atomic_store_n(&v->move_busy, 0, __ATOMIC_RELEASE); /* nothing to do */
		return;
	}
	move(l, i, l->cores[k]);
}

void lpm_moved(struct vcpu *v, uint32_t cpu)
{
	struct lpm *l = v->vm->lpm;

	msg_send_sure(l->cpu, MSG_LPM_MOVED, (uint64_t)(uintptr_t)l, v->id, cpu);
}

static void lease_step(struct lpm *l, uint32_t i);

static void moved_handler(const struct mbox_msg *m)
{
	struct lpm *l = (struct lpm *)(uintptr_t)m->arg[0];
	uint32_t i = (uint32_t)m->arg[1], cpu = (uint32_t)m->arg[2];

	if (!own(l) || i >= VM_MAX_VCPUS)
		return;
	if (cpu != NO_CPU)
		l->where[i] = cpu;
	if (l->moving)
		l->moving--;
	if (i < l->vm->nvcpus)
		__atomic_store_n(&l->vm->vcpu[i]->move_busy, 0, __ATOMIC_RELEASE);
	lease_step(l, i);
	done_if_settled(l);
}

static uint32_t load_on(const struct lpm *l, uint32_t cpu, uint32_t nvcpus)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < nvcpus; i++)
		n += l->where[i] == cpu;
	return n;
}

/* The core of the set with the fewest (most) of the first nvcpus vCPUs. */
static uint32_t least_loaded(const struct lpm *l, uint32_t nvcpus)
{
	uint32_t best = l->cores[0], bn = UINT32_MAX;

	for (uint32_t k = 0; k < l->ncores; k++) {
		uint32_t n = load_on(l, l->cores[k], nvcpus);
		if (n < bn) {
			bn = n;
			best = l->cores[k];
		}
	}
	return best;
}

static bool in_set(const struct lpm *l, uint32_t cpu)
{
	for (uint32_t k = 0; k < l->ncores; k++)
		if (l->cores[k] == cpu)
			return true;
	return false;
}

/* Started and not offline: a vCPU that runs (read on the LPM's core: a hint). */
static bool online(const struct vcpu *v)
{
	return __atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_RUNNING || v->start_sipi ||
	       v->start_boot;
}

/*
 * Placement for a ballooned partition (VCPU-Bal: each online vCPU owns a
 * core): online vCPUs first, one per core, staying where they are when
 * their core stays and has no other; then the offline ones, each on the
 * core with the fewest vCPUs so far, so that the next vCPUs the guest
 * onlines find cores of their own. More online vCPUs than cores (no ack:
 * the fallback) share the least loaded cores.
 */
static void online_first(const struct lpm *l, uint32_t keep, uint32_t *target)
{
	uint32_t on[LPM_MAX_CORES] = { 0 }, all[LPM_MAX_CORES] = { 0 };
	bool done[VM_MAX_VCPUS] = { false };

	for (int pass = 0; pass < 3; pass++) {
		for (uint32_t i = 0; i < keep; i++) {
			bool o = online(l->vm->vcpu[i]);
			if (done[i] || (pass < 2 && !o))
				continue;
			uint32_t best = UINT32_MAX;
			for (uint32_t k = 0; k < l->ncores; k++) {
				if (pass == 0) { /* an online vCPU keeps its core if alone on it */
					if (l->cores[k] == l->where[i] && !on[k])
						best = k;
					continue;
				}
				const uint32_t *cnt = pass == 1 ? on : all,
					       *tie = pass == 1 ? all : on;
				if (best == UINT32_MAX || cnt[k] < cnt[best] ||
				    (cnt[k] == cnt[best] && tie[k] < tie[best]))
					best = k;
			}
			if (best == UINT32_MAX)
				continue;
			target[i] = l->cores[best];
			on[best] += o;
			all[best]++;
			done[i] = true;
		}
	}
}

/*
 * New cores and vCPU count from the GPM: vCPUs on cores that go move to
 * the least loaded remaining ones; then, while one core holds two vCPUs
 * more than another, one moves; vCPUs past the new count (never started,
 * the GPM checked) are dropped; new vCPUs are placed on the least loaded.
 */
static void resize_handler(const struct mbox_msg *m)
{
	struct lpm *l = (struct lpm *)(uintptr_t)m->arg[0];
	const struct lpm_resize *r = (const struct lpm_resize *)(uintptr_t)m->arg[1];
	uint32_t old_n = l->nplaced, n = r->nvcpus;

	if (!own(l))
		return;
	l->ncores = r->ncores;
	memcpy(l->cores, r->cores, r->ncores * sizeof(r->cores[0]));
	l->resize_pending = true;
	l->resize_arg = r->done_arg;
	l->resize_msg = r->done_msg ? r->done_msg : MSG_GPM_DONE;
	for (uint32_t i = n; i < old_n; i++)
		msg_send_sure(l->where[i], MSG_VCPU_DROP, (uint64_t)(uintptr_t)l->vm->vcpu[i], 0,
			      0);
	uint32_t keep = n < old_n ? n : old_n;
	/* Where each vCPU will be, then the moves that get it there. */
	uint32_t target[VM_MAX_VCPUS];
	for (uint32_t i = 0; i < keep; i++)
		target[i] = l->where[i];
	if (l->vm->balloon) {
		online_first(l, keep, target);
		goto moves;
	}
	for (uint32_t i = 0; i < keep; i++) {
		if (in_set(l, target[i]) || l->lease1[i] || l->leaving[i])
			continue; /* leased: stays; leaving: lease_step() brings it home */
		uint32_t save = l->where[i];
		l->where[i] = UINT32_MAX; /* not counted while choosing */
		for (uint32_t j = 0; j < keep; j++)
			if (j != i)
				l->where[j] = target[j];
		target[i] = least_loaded(l, keep);
		l->where[i] = save;
	}
	for (;;) {
		uint32_t hi = 0, lo = 0, hn = 0, ln = UINT32_MAX;
		for (uint32_t k = 0; k < l->ncores; k++) {
			uint32_t c = 0;
			for (uint32_t i = 0; i < keep; i++)
				c += target[i] == l->cores[k];
			if (c > hn)
				hn = c, hi = l->cores[k];
			if (c < ln)
				ln = c, lo = l->cores[k];
		}
		if (hn < ln + 2)
			break;
		for (uint32_t i = keep; i-- > 0;)
			if (target[i] == hi) {
				target[i] = lo;
				break;
			}
	}
moves:
	for (uint32_t i = 0; i < keep; i++)
		if (target[i] != l->where[i])
			move(l, i, target[i]);
	/* New vCPUs go where the load will be least once the moves are done:
	 * counted at their targets (where[] changes only when a move arrives). */
	uint32_t now_at[VM_MAX_VCPUS];
	for (uint32_t i = 0; i < keep; i++) {
		now_at[i] = l->where[i];
		l->where[i] = target[i];
	}
	for (uint32_t i = old_n; i < n; i++)
		l->where[i] = least_loaded(l, i);
	for (uint32_t i = 0; i < keep; i++)
		l->where[i] = now_at[i];
	for (uint32_t i = old_n; i < n; i++)
		place(l, i);
	l->nplaced = n;
	__atomic_store_n(&l->vm->ncores, l->ncores, __ATOMIC_RELEASE);
	done_if_settled(l);
}

/* The GPM -> LPM -> vCPU core -> GPM path, for `make bench`: hop 0 at the
 * LPM, hop 1 at the partition's first core, which answers cpu 0. */
static void ping_handler(const struct mbox_msg *m)
{
	const struct lpm *l = (const struct lpm *)(uintptr_t)m->arg[0];

	if (m->arg[2] == 0)
		msg_send_sure(l->cores[0], MSG_PING, m->arg[0], m->arg[1], 1);
	else if (m->arg[2] == 1)
		msg_send_sure(0, MSG_PING, m->arg[0], m->arg[1], 2);
	else
		lpm_pong(m->arg[1]);
}

static uint32_t base_ratio(void)
{
	struct cy_core_desc d;

	plan_core_desc(0, &d);
	return d.freq_mhz / 100 ? d.freq_mhz / 100 : 1;
}

uint32_t lpm_perf_ratio(const struct vcpu *v)
{
	struct cy_core_desc d;

	plan_core_desc(__atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE), &d);
	return d.cls == CY_CLASS_FAST ? 2 * base_ratio() : base_ratio();
}

void lpm_dvfs_hint(struct vcpu *v, uint32_t ratio)
{
	uint32_t cls = ratio > base_ratio() ? CY_CLASS_FAST : CY_CLASS_SLOW;

	/* A full mailbox drops the hint: it is a hint, and the guest writes again. */
	msg_send(lpm_cpu(v->vm->lpm), MSG_LPM_HINT, (uint64_t)(uintptr_t)v->vm->lpm, v->id, cls);
}

/* The least loaded of the partition's cores of class cls; NO_CPU if it has none. */
static uint32_t core_of_class(const struct lpm *l, uint32_t cls)
{
	uint32_t best = NO_CPU, bn = UINT32_MAX;
	struct cy_core_desc d;

	for (uint32_t k = 0; k < l->ncores; k++) {
		plan_core_desc(l->cores[k], &d);
		uint32_t n = load_on(l, l->cores[k], l->nplaced);
		if (d.cls == cls && n < bn) {
			bn = n;
			best = l->cores[k];
		}
	}
	return best;
}

static void hint_handler(const struct mbox_msg *m)
{
	struct lpm *l = (struct lpm *)(uintptr_t)m->arg[0];
	uint32_t i = (uint32_t)m->arg[1], cls = (uint32_t)m->arg[2];
	struct cy_core_desc d;

	if (!own(l) || i >= l->nplaced || vm_ended(l->vm) || l->lease1[i] || l->leaving[i])
		return;
	plan_core_desc(l->where[i], &d);
	if (d.cls == cls)
		return; /* already on such a core */
	uint32_t to = core_of_class(l, cls);
	uint32_t idle = 0;
	struct vcpu *v = l->vm->vcpu[i];
	/* One move at a time per vCPU, shared with VCPU_MOVE. */
	if (to == NO_CPU || !__atomic_compare_exchange_n(&v->move_busy, &idle, 1, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	move(l, i, to);
}

/* Take vCPU v's one-move-at-a-time flag (shared with VCPU_MOVE and hints). */
static bool take_move(struct vcpu *v)
{
	uint32_t idle = 0;

	return __atomic_compare_exchange_n(&v->move_busy, &idle, 1, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/*
 * Bring vCPU i where its lease says: onto its leased core, or, once the lease
 * ended, back to a core of the partition and then tell the GPM. A move in
 * flight finishes first (moved_handler() calls this again); a VM that ended
 * moves nothing and answers at once.
 */
static void lease_step(struct lpm *l, uint32_t i)
{
	struct vcpu *v = i < l->nplaced ? l->vm->vcpu[i] : NULL;
	bool live = v && !vm_ended(l->vm);

	if (i >= VM_MAX_VCPUS)
		return;
	if (l->lease1[i]) {
		if (live && l->where[i] != l->lease1[i] - 1 && take_move(v))
			move(l, i, l->lease1[i] - 1);
		return;
	}
	if (!l->leaving[i])
		return;
	if (live && !in_set(l, l->where[i])) {
		if (!take_move(v))
			return;
		uint32_t to = core_of_class(l, CY_CLASS_SLOW);
		move(l, i, to != NO_CPU ? to : least_loaded(l, l->nplaced));
		return;
	}
	l->leaving[i] = false;
	msg_send_sure(0, MSG_LEASE_BACK, l->vm->id, i, 0);
}

static void lease_handler(const struct mbox_msg *m)
{
	struct lpm *l = (struct lpm *)(uintptr_t)m->arg[0];
	uint32_t i = (uint32_t)m->arg[1], cpu = (uint32_t)m->arg[2];

	if (!own(l) || i >= VM_MAX_VCPUS)
		return;
	l->lease1[i] = cpu == NO_CPU ? 0 : cpu + 1;
	l->leaving[i] = cpu == NO_CPU;
	lease_step(l, i);
}

void lpm_register(void)
{
	msg_register(MSG_LPM_LEASE, lease_handler);
	msg_register(MSG_LPM_HINT, hint_handler);
	msg_register(MSG_PING, ping_handler);
	msg_register(MSG_LPM_START, start_handler);
	msg_register(MSG_LPM_MOVE, move_handler);
	msg_register(MSG_LPM_MOVED, moved_handler);
	msg_register(MSG_LPM_RESIZE, resize_handler);
}
