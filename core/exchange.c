// SPDX-License-Identifier: MIT
/*
 * CORE_EXCHANGE (guest ABI 1.3, hypercall 21; docs/guest-abi.md "Core
 * exchange"): a partition gives some of its vCPU cores for free cores of a
 * class, within its power budget (Cypress paper 3.1: "a core drawing 80 watts
 * can be exchanged for two cores drawing 40 watts each"), and its vCPU count
 * follows the core count. The plan changes first (plan_exchange, all or
 * nothing), then its LPM takes the new core set as for PART_RESIZE. The
 * call is answered as soon as the LPM has the request: the caller's own vCPU
 * may be on a core it gives, and it can only move once its hypercall
 * returned. CY_EV_EXCHANGE tells the guest when every vCPU is in place.
 * Environment: freestanding hypervisor, cpu 0 (the GPM) only.
 *
 * Rules:
 *  1. The vCPU count changes by want_n - popcount(give_mask); vCPUs that go
 *     are the highest-numbered and must be idle (never started), as for
 *     PART_RESIZE; new ones wait for INIT/SIPI.
 *  2. One exchange at a time (the GPM runs its calls one at a time, and this
 *     one answers only when done), so one static request suffices.
 */
#include "core/control.h"
#include "core/lease.h"
#include "core/lpm.h"
#include "core/msg.h"
#include "core/partition.h"
#include "core/plan.h"
#include "core/shared.h"
#include "guest-abi/cypress.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/cores.h"

static struct lpm_resize rq;
static struct vm *pending; /* the VM whose exchange is under way (rule 2) */

static int64_t exchange_call(struct vm *vm, uint64_t give_mask, uint64_t want, uint64_t cls,
			     void *buf, uint64_t done_arg)
{
	(void)done_arg;
	static struct plan pl;
	uint32_t old = __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE);

	(void)buf;
	if (vm->accel || vm->gpm_part < 0 || !give_mask || give_mask > UINT32_MAX || !want ||
	    want > CORES_EXCHANGE_MAX || (cls != CY_CLASS_SLOW && cls != CY_CLASS_FAST))
		return -E_INVAL;
	if (vm_ended(vm))
		return -E_NOENT;
	if (pending)
		return -E_BUSY; /* rule 2 */
	uint32_t give = 0;
	for (uint64_t m = give_mask; m; m &= m - 1) /* no libgcc for __builtin_popcount */
		give++;
	if (give >= old + want)
		return -E_INVAL; /* it would be left without vCPUs */
	uint32_t n = old + (uint32_t)want - give;
	if (n > VM_MAX_VCPUS)
		return -E_RANGE;
	for (uint32_t i = n; i < old; i++)
		if (vm->vcpu[i]->state != VCPU_IDLE || vm->vcpu[i]->start_sipi)
			return -E_BUSY; /* started: only the guest can take it down */
	int rc = partition_make_vcpus(vm, old, n);
	if (rc < 0)
		return rc;
	rc = plan_exchange(vm->gpm_part, give_mask, (uint32_t)want, (uint32_t)cls, n, &pl);
	if (rc < 0) {
		partition_unmake_vcpus(vm, old, n);
		return rc;
	}
	rq.ncores = pl.ncores;
	memcpy(rq.cores, pl.cores, sizeof(rq.cores));
	rq.nvcpus = n;
	rq.done_arg = 0;
	rq.done_msg = MSG_EXCHANGE_DONE;
	pending = vm;
	__atomic_store_n(&vm->nvcpus, n, __ATOMIC_RELEASE);
	kprintf("partition '%s': exchanged %u cores for %u %s ones: %u cores, %u vcpus\n", vm->name,
		give, (uint32_t)want, cls == CY_CLASS_FAST ? "fast" : "slow", pl.ncores, n);
	msg_send_sure(lpm_cpu(vm->lpm), MSG_LPM_RESIZE, (uint64_t)(uintptr_t)vm->lpm,
		      (uint64_t)(uintptr_t)&rq, 0);
	return pl.ncores;
}

/* Its LPM moved everything: the guest hears of it. */
static void done_handler(const struct mbox_msg *m)
{
	struct vm *vm = pending;

	(void)m;
	pending = NULL;
	if (vm && !vm_ended(vm)) {
		shared_header_update(vm);
		shared_event(vm, -1, CY_EV_EXCHANGE);
	}
}

void exchange_vm_ended(struct vm *vm)
{
	if (pending == vm)
		pending = NULL; /* its LPM's answer, if it comes, names nobody */
}

void exchange_register(void)
{
	control_ext_register(CYPRESS_HC_CORE_EXCHANGE, exchange_call, 0);
	msg_register(MSG_EXCHANGE_DONE, done_handler);
}
