// SPDX-License-Identifier: MIT
/*
 * VT-ASOS requests (core/request.h). Each part of a request is decided in
 * turn, on the GPM's plan as the earlier parts left it:
 *  1. VCPUS n: the partition's vCPU cores become n and its vCPUs n, so
 *     each has a core; as many cores as are free of its class (and as its
 *     power budget allows) when n do not fit: partial, reason NO_CORES or
 *     POWER. Fewer vCPUs only when those removed are offline or never
 *     started (else STARTED, nothing changes). A ballooned partition, one
 *     with a core list or an accelerator partition cannot change its cores
 *     this way (NO_CORES).
 *  2. GANG 1: granted when every vCPU has a core of its own, which the plan
 *     then keeps (no resize may leave fewer cores than vCPUs): the vCPUs
 *     all run at once, always. The runtime has no cross-core gang
 *     scheduler (sched/policy_gang.c runs in the simulator only), so with
 *     fewer cores than vCPUs the answer is reason GANG. GANG 0: granted.
 *  3. LATENCY L: k vCPUs on the busiest core wait at most (k - 1) * slice,
 *     so the slice becomes L / (k - 1), at most REQ_SLICE_MAX_US; below
 *     REQ_SLICE_MIN_US the slice becomes that minimum: partial, reason
 *     LATENCY. With a core per vCPU a runnable vCPU never waits: granted.
 *  4. COLOCATE: each group's vCPUs must run on cores of one package now;
 *     if one does not, reason TOPOLOGY (checked, not arranged: VCPU_MOVE
 *     moves vCPUs).
 * Environment: freestanding hypervisor, cpu 0 (MSG_REQ_SLICE: a vCPU core).
 */
#include "arch/x86/pcpu.h"
#include "core/control.h"
#include "core/msg.h"
#include "core/partition.h"
#include "core/plan.h"
#include "core/request.h"
#include "core/shared.h"
#include "core/vcore.h"
#include "guest-abi/cypress.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define WANT_ALL (CY_WANT_VCPUS | CY_WANT_GANG | CY_WANT_LATENCY | CY_WANT_COLOCATE)

/* What was decided so far. */
struct answer {
	uint32_t granted, some; /* parts granted in full; in full or in part */
	uint32_t reason;	/* of the first part not granted in full */
};

static void refuse(struct answer *a, uint32_t reason)
{
	if (a->reason == CY_REASON_NONE)
		a->reason = reason;
}

static int check(const struct cy_request *r, uint32_t nvcpus)
{
	if (!r->what || (r->what & ~WANT_ALL))
		return -E_INVAL;
	if ((r->what & CY_WANT_VCPUS) && (!r->vcpus || r->vcpus > VM_MAX_VCPUS))
		return -E_INVAL;
	if ((r->what & CY_WANT_GANG) && r->gang > 1)
		return -E_INVAL;
	if ((r->what & CY_WANT_LATENCY) && !r->latency_us)
		return -E_INVAL;
	if (!(r->what & CY_WANT_COLOCATE))
		return 0;
	uint32_t n = r->what & CY_WANT_VCPUS ? r->vcpus : nvcpus;
	if (!r->ngroups || r->ngroups > CY_REQ_MAX_GROUPS)
		return -E_INVAL;
	for (uint32_t g = 0; g < r->ngroups; g++)
		if (!r->groups[g].count || (uint32_t)r->groups[g].first + r->groups[g].count > n)
			return -E_INVAL;
	return 0;
}

/*
 * Part 1. Returns CONTROL_LATER when its LPM moves vCPUs (it tells the
 * placeholder `lpm_arg` when done: the caller is answered before that,
 * since its own core may have vCPUs to let go), else 0.
 */
static int64_t want_vcpus(struct vm *vm, uint32_t n, struct answer *a, uint64_t lpm_arg)
{
	int32_t part = vm->gpm_part;
	uint32_t nv = vm->nvcpus, held = plan_part_cores(part);

	if (vm->balloon || vm->accel || !plan_part_resizable(part)) {
		refuse(a, CY_REASON_NO_CORES);
		return 0;
	}
	for (uint32_t i = n; i < nv; i++) {
		const struct vcpu *v = vm->vcpu[i];
		if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) != VCPU_IDLE || v->start_sipi) {
			refuse(a, CY_REASON_STARTED);
			return 0;
		}
	}
	uint32_t free = plan_part_free(part), reason = CY_REASON_NONE;
	uint32_t cores = n < held + free ? n : held + free;
	if (cores < n)
		reason = CY_REASON_NO_CORES;
	/* Power (or a gang) may allow fewer cores than are free: try down to what it holds. */
	for (;; cores--) {
		/* vCPUs follow the cores granted; started ones never go (checked above). */
		uint32_t nvc = n <= nv ? n : (cores > nv ? cores : nv);
		if (cores == held && nvc == nv) {
			if (cores == n && nvc == n)
				a->granted |= a->some |= CY_WANT_VCPUS;
			else
				refuse(a, reason == CY_REASON_NONE ? CY_REASON_NO_CORES : reason);
			return 0;
		}
		if (partition_resize(vm, cores, nvc, lpm_arg) == 0) {
			shared_event(vm, -1, CY_EV_EXCHANGE); /* its cores changed */
			a->some |= CY_WANT_VCPUS;
			if (cores == n && nvc == n)
				a->granted |= CY_WANT_VCPUS;
			else
				refuse(a, reason == CY_REASON_NONE ? CY_REASON_NO_CORES : reason);
			return CONTROL_LATER;
		}
		if (cores <= held || cores == 1) {
			refuse(a, reason == CY_REASON_NONE ? CY_REASON_NO_CORES : reason);
			return 0;
		}
		/* The cores were free: the plan's power check said no. */
		if (reason == CY_REASON_NONE)
			reason = CY_REASON_POWER;
	}
}

/* The busiest core's vCPUs, by the plan: its vCPUs over its cores. */
static uint32_t per_core(const struct vm *vm)
{
	uint32_t cores = vm->accel ? vm->ncores : plan_part_cores(vm->gpm_part);

	return cores ? (vm->nvcpus + cores - 1) / cores : vm->nvcpus;
}

static uint32_t latency_now(const struct vm *vm)
{
	uint32_t k = per_core(vm);

	return k > 1 ? (k - 1) * vm_slice_us(vm) : 0;
}

/* Part 3. */
static void want_latency(struct vm *vm, uint32_t l, struct answer *a)
{
	uint32_t k = per_core(vm);

	if (k <= 1) {
		a->granted |= a->some |= CY_WANT_LATENCY;
		return;
	}
	uint32_t slice = l / (k - 1);
	if (slice > REQ_SLICE_MAX_US)
		slice = REQ_SLICE_MAX_US;
	if (slice >= REQ_SLICE_MIN_US) {
		a->granted |= CY_WANT_LATENCY;
	} else {
		slice = REQ_SLICE_MIN_US; /* the best it can give */
		refuse(a, CY_REASON_LATENCY);
	}
	a->some |= CY_WANT_LATENCY;
	vm->slice_us = slice;
	/* Each core re-reads its vCPUs' slices (several vCPUs may share one). */
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		uint32_t cpu = __atomic_load_n(&vm->vcpu[i]->pcpu, __ATOMIC_ACQUIRE);
		if (cpu != NO_CPU)
			msg_send_sure(cpu, MSG_REQ_SLICE, vm->id, 0, 0);
	}
}

/* Part 4. */
static void want_colocate(const struct vm *vm, const struct cy_request *r, struct answer *a)
{
	struct cy_core_desc d;

	for (uint32_t g = 0; g < r->ngroups; g++) {
		uint32_t pkg = UINT32_MAX;
		for (uint32_t i = r->groups[g].first; i < r->groups[g].first + r->groups[g].count;
		     i++) {
			uint32_t cpu = i < vm->nvcpus ? __atomic_load_n(&vm->vcpu[i]->pcpu,
									__ATOMIC_ACQUIRE) :
							NO_CPU;
			if (cpu == NO_CPU) {
				refuse(a, CY_REASON_TOPOLOGY); /* not placed (yet) */
				return;
			}
			plan_core_desc(cpu, &d);
			if (pkg != UINT32_MAX && d.package != pkg) {
				refuse(a, CY_REASON_TOPOLOGY);
				return;
			}
			pkg = d.package;
		}
	}
	a->granted |= a->some |= CY_WANT_COLOCATE;
}

static int64_t request_call(struct vm *vm, uint64_t a1, uint64_t a2, uint64_t a3, void *buf,
			    uint64_t done_arg)
{
	(void)a1, (void)a2, (void)a3;
	struct cy_request r, *out = buf;
	struct answer a = { 0, 0, CY_REASON_NONE };
	int64_t later = 0;

	memcpy(&r, buf, sizeof(r)); /* the guest may change its copy meanwhile */
	if (check(&r, vm->nvcpus) < 0)
		return -E_INVAL;
	if (vm_ended(vm))
		return -E_NOENT;
	if (r.what & CY_WANT_VCPUS) {
		uint64_t lpm_arg = control_placeholder();
		if (!lpm_arg)
			return -E_NOMEM;
		later = want_vcpus(vm, r.vcpus, &a, lpm_arg);
		if (later != CONTROL_LATER)
			control_placeholder_free(lpm_arg);
	}
	if (r.what & CY_WANT_GANG) {
		/* Ballooning takes a partition's cores below its vCPUs: no gang there. */
		bool ok = !r.gang || (!vm->accel && !vm->balloon &&
				      plan_part_cores(vm->gpm_part) >= vm->nvcpus);
		if (ok) {
			vm->gang = r.gang;
			plan_set_gang(vm->gpm_part, r.gang);
			a.granted |= a.some |= CY_WANT_GANG;
		} else {
			refuse(&a, CY_REASON_GANG);
		}
	}
	if (r.what & CY_WANT_LATENCY)
		want_latency(vm, r.latency_us, &a);
	if (r.what & CY_WANT_COLOCATE)
		want_colocate(vm, &r, &a);
	uint32_t status = a.granted == r.what ? CY_REQ_GRANTED :
			  a.some	      ? CY_REQ_PARTIAL :
						CY_REQ_REFUSED;
	kprintf("request: vm %s: what 0x%x: status %u granted 0x%x reason %u\n", vm->name, r.what,
		status, a.granted, a.reason);
	out->status = status;
	out->granted = a.granted;
	out->reason = a.reason;
	out->got_vcpus = vm->accel ? vm->ncores : plan_part_cores(vm->gpm_part);
	out->got_latency_us = latency_now(vm);
	out->reserved = 0;
	if (later == CONTROL_LATER) {
		control_answer(done_arg, status); /* the GPM stays busy until its LPM is done */
		return CONTROL_LATER;
	}
	return status;
}

static void slice_handler(const struct mbox_msg *m)
{
	(void)m;
	vcore_repolicy();
}

void request_register(void)
{
	control_ext_register(CYPRESS_HC_REQUEST, request_call, sizeof(struct cy_request));
	msg_register(MSG_REQ_SLICE, slice_handler);
}
