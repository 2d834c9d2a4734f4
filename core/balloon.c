// SPDX-License-Identifier: MIT
/*
 * vCPU ballooning (core/balloon.h). The rules, as docs/guest-abi.md says
 * them:
 *  1. The balloon partitions share T = the vCPU cores they hold + the free
 *     cores of their class; each gets weight * T / sum(weight) within
 *     [vcpus_min, its vCPUs] (sched/balloon.c, largest remainder).
 *  2. Load reports: a partition that reported fewer runnable threads than
 *     its share (guest_load > 0 and < share) gets max(guest_load,
 *     vcpus_min) instead, and the others share the rest (repeated until no
 *     target changes: sched/balloon_load.c).
 *  3. A target below the cores it holds is published at once (seq + 1,
 *     CY_EV_BALLOON); its cores shrink to the target after BALLOON_ACK of
 *     that seq or, without one, after balloon_wait ms (a fallback: the
 *     vCPUs still online time-share the cores left).
 *  4. A target above the cores it holds: its cores grow as far as free
 *     cores allow first; the published target is what its cores now give
 *     (never more vCPUs than cores), so a guest that onlines vCPUs for it
 *     finds a core for each.
 *  5. One resize at a time, queued behind the guests' control calls.
 * Environment: freestanding hypervisor, see core/balloon.h.
 */
#include "arch/x86/pcpu.h"
#include "arch/x86/tsc.h"
#include "core/balloon.h"
#include "core/control.h"
#include "core/gpm_timer.h"
#include "core/msg.h"
#include "core/partition.h"
#include "core/plan.h"
#include "core/shared.h"
#include "core/vcore.h"
#include "guest-abi/cypress.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "sched/balloon_load.h"

static bool dirty;    /* targets to recompute at the next timer turn (cpu 0) */
static bool resizing; /* a balloon resize is queued or under way (cpu 0) */

void balloon_changed(void)
{
	dirty = true;
	gpm_timer_kick();
}

static bool ballooned(const struct vm *vm)
{
	return vm && vm->balloon && !vm_ended(vm) && !vm->destroying && !vm->released &&
	       plan_part_resizable(vm->gpm_part);
}

/* Rules 1 and 2: vm->balloon_want of every balloon partition. */
static void compute(void)
{
	static struct balloon_vm bv[VM_MAX]; /* cpu 0 */
	static struct vm *who[VM_MAX];
	static uint32_t load[VM_MAX];
	uint32_t n = 0, t = 0, free = 0;

	for (uint32_t i = 0; i < vm_count; i++) {
		struct vm *vm = vm_table[i];
		if (!ballooned(vm))
			continue;
		uint32_t min = vm->vcpus_min ? vm->vcpus_min : 1;
		bv[n] = (struct balloon_vm){ .weight = vm->weight,
					     .vcpus_max = vm->nvcpus,
					     .vcpus_min = min < vm->nvcpus ? min : vm->nvcpus };
		load[n] = __atomic_load_n(&vm->guest_load, __ATOMIC_ACQUIRE);
		t += plan_part_cores(vm->gpm_part);
		uint32_t f = plan_part_free(vm->gpm_part);
		free = f > free ? f : free;
		who[n++] = vm;
	}
	if (!n || balloon_compute_loaded(bv, load, n, t + free) < 0)
		return; /* none, or their minimums do not fit: targets stay */
	for (uint32_t i = 0; i < n; i++)
		who[i]->balloon_want = bv[i].target;
}

static void publish(struct vm *vm, uint32_t target, uint32_t held, uint64_t now)
{
	/* Target before seq: BALLOON_ACK on another core reads seq, then target. */
	__atomic_store_n(&vm->balloon_target, target, __ATOMIC_RELEASE);
	__atomic_store_n(&vm->balloon_seq, vm->balloon_seq + 1, __ATOMIC_RELEASE);
	vm->balloon_acked = false;
	vm->balloon_deadline = target < held ? now + tsc_from_us(vm->balloon_wait_ms * 1000ULL) : 0;
	kprintf("balloon: vm %s: target %u vcpus (seq %u, it holds %u cores)\n", vm->name, target,
		vm->balloon_seq, held);
	shared_header_update(vm);
	shared_event(vm, -1, CY_EV_BALLOON);
}

static void resize_done(int64_t ret)
{
	resizing = false;
	if (ret < 0) {
		/* Not again at once (it would fail the same way): at the next change. */
		kprintf("balloon: a resize was refused (%s)\n", err_name((int)ret));
		return;
	}
	balloon_changed();
}

/* Queued (rule 5): a1 = vm id << 32 | cores. */
static int64_t resize_now(struct vm *caller, uint64_t a1, uint64_t a2, uint64_t a3, void *buf,
			  uint64_t done_arg)
{
	(void)caller, (void)a2, (void)a3, (void)buf;
	struct vm *vm = partition_find((uint32_t)(a1 >> 32));

	if (!ballooned(vm))
		return -E_NOENT;
	int rc = partition_resize(vm, (uint32_t)a1, 0, done_arg);
	return rc < 0 ? rc : CONTROL_LATER;
}

/* Queue a resize; false if the control queue is full (try again soon). */
static bool resize(struct vm *vm, uint32_t cores)
{
	if (control_submit(resize_now, (uint64_t)vm->id << 32 | cores, resize_done) < 0)
		return false;
	resizing = true;
	return true;
}

/* Rules 3 and 4 for one partition; returns when to look again (0: when kicked). */
static uint64_t act(struct vm *vm, uint64_t now)
{
	uint32_t held = plan_part_cores(vm->gpm_part), want = vm->balloon_want;
	uint64_t retry = now + tsc_from_us(1000);

	/* An ack of the current seq (an older one is stale: a new target came;
	 * seq 0 is none yet). */
	if (!vm->balloon_acked && vm->balloon_seq &&
	    __atomic_load_n(&vm->balloon_ack_seq, __ATOMIC_ACQUIRE) == vm->balloon_seq) {
		vm->balloon_acked = true;
		vm->balloon_acks++;
		kprintf("balloon: vm %s: ack of seq %u (target %u)\n", vm->name, vm->balloon_seq,
			vm->balloon_target);
	}

	if (!want)
		return 0;
	if (want < held) {
		if (vm->balloon_target != want || !vm->balloon_deadline)
			publish(vm, want, held, now);
		if (resizing)
			return 0; /* resize_done() kicks */
		if (!vm->balloon_acked && now < vm->balloon_deadline)
			return vm->balloon_deadline;
		if (!vm->balloon_acked) {
			vm->balloon_fallbacks++;
			kprintf("balloon: vm %s: no ack of seq %u within %u ms: its cores shrink to "
				"%u anyway, its online vcpus time-share them\n",
				vm->name, vm->balloon_seq, vm->balloon_wait_ms, want);
			vm->balloon_acked = true; /* one fallback per target */
		}
		return resize(vm, want) ? 0 : retry;
	}
	vm->balloon_deadline = 0;
	uint32_t free = plan_part_free(vm->gpm_part);
	if (want > held && free && !resizing &&
	    !resize(vm, want < held + free ? want : held + free))
		return retry;
	uint32_t pub = want < held ? want : held;
	if (vm->balloon_target != pub)
		publish(vm, pub, held, now);
	return 0;
}

static uint64_t balloon_timer(uint64_t now)
{
	uint64_t next = 0;

	if (dirty) {
		dirty = false;
		compute();
	}
	for (uint32_t i = 0; i < vm_count; i++) {
		struct vm *vm = vm_table[i];
		if (!ballooned(vm))
			continue;
		uint64_t d = act(vm, now);
		if (d && (!next || d < next))
			next = d;
	}
	return next;
}

/* Tell the GPM (one notice in flight per partition: it reads the latest state). */
static void kick(struct vm *vm)
{
	uint32_t idle = 0;

	if (__atomic_compare_exchange_n(&vm->balloon_kick, &idle, 1, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		msg_send_sure(0, MSG_BALLOON_KICK, (uint64_t)(uintptr_t)vm, 0, 0);
}

/*
 * BALLOON_ACK, on the caller's core: answered at once, never queued behind
 * a resize (whose moves may wait for this very core); the GPM takes the
 * ack at its next turn if the seq is still current (act()).
 */
int64_t balloon_ack(struct vcpu *v, uint64_t seq)
{
	struct vm *vm = v->vm;

	if (!vm->balloon)
		return -E_NOENT;
	if (seq != __atomic_load_n(&vm->balloon_seq, __ATOMIC_ACQUIRE))
		return -E_INVAL;
	if (__atomic_load_n(&vm->vcpus_online, __ATOMIC_ACQUIRE) >
	    __atomic_load_n(&vm->balloon_target, __ATOMIC_ACQUIRE))
		return -E_RANGE;
	__atomic_store_n(&vm->balloon_ack_seq, (uint32_t)seq, __ATOMIC_RELEASE);
	kick(vm);
	return 0;
}

int64_t balloon_vcpu_offline(struct vcpu *v)
{
	uint32_t n = __atomic_load_n(&v->vm->vcpus_online, __ATOMIC_ACQUIRE);

	/* The count, not a scan: two vCPUs going at once cannot both pass. */
	do {
		if (n <= 1)
			return -E_BUSY;
	} while (!__atomic_compare_exchange_n(&v->vm->vcpus_online, &n, n - 1, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	vcore_request_offline(v);
	return 0;
}

/* The sender's VM is still allocated: a destroy's barrier comes after this. */
static void kick_handler(const struct mbox_msg *m)
{
	struct vm *vm = (struct vm *)(uintptr_t)m->arg[0];

	/* Cleared before the targets are computed: a later report sends again. */
	__atomic_store_n(&vm->balloon_kick, 0, __ATOMIC_RELEASE);
	balloon_changed();
}

void balloon_load_reported(struct vm *vm, uint32_t old)
{
	/* A guest reporting in a loop cannot flood the GPM's mailbox. */
	if (vm->balloon && __atomic_load_n(&vm->guest_load, __ATOMIC_ACQUIRE) != old)
		kick(vm);
}

void balloon_report(const struct vm *vm)
{
	if (vm->balloon)
		kprintf("summary: vm %s: balloon target %u (seq %u), %u acks, %u fallbacks\n",
			vm->name, vm->balloon_target, vm->balloon_seq, vm->balloon_acks,
			vm->balloon_fallbacks);
}

void balloon_register(void)
{
	gpm_timer_register(balloon_timer);
	msg_register(MSG_BALLOON_KICK, kick_handler);
}
