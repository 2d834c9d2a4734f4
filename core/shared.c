// SPDX-License-Identifier: MIT
/*
 * The shared area (core/shared.h).
 * Environment: freestanding hypervisor, any core.
 */
#include "arch/x86/pcpu.h"
#include "core/plan.h"
#include "core/shared.h"
#include "core/vcore.h"
#include "lib/errno.h"
#include "lib/string.h"

_Static_assert(sizeof(struct cy_shared) == CY_SHARED_SIZE, "the ABI's shared area size");
_Static_assert(sizeof(struct cy_shared_vcpu) == 64, "the ABI's per-vCPU record");

struct cy_shared *shared_of(struct vm *vm)
{
	uint64_t gpa = __atomic_load_n(&vm->shared_gpa, __ATOMIC_ACQUIRE);

	return gpa ? vm_gpa_to_host(vm, gpa, CY_SHARED_SIZE) : NULL;
}

/* Guest memory the guest may read at any time: plain volatile stores. */
static void put32(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void write_vcpu(struct vm *vm, struct cy_shared *sh, const struct vcpu *v)
{
	struct cy_shared_vcpu *r = &sh->vcpu[v->id];
	uint32_t seq = vm->shared_seq[v->id] + 1; /* odd: being written */
	struct cy_core_desc d;
	uint32_t cpu = __atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE);

	memset(&d, 0, sizeof(d));
	if (cpu != NO_CPU) {
		plan_core_desc(cpu, &d);
		d.moves = __atomic_load_n(&v->moves, __ATOMIC_RELAXED);
	} else {
		d.cpu = CY_NO_CPU;
	}
	put32(&r->seq, seq);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((void *)&r->core, &d, sizeof(d));
	uint32_t lc = __atomic_load_n(&v->lease_cpu, __ATOMIC_ACQUIRE);
	put32(&r->lease_cpu, lc == NO_CPU ? CY_NO_CPU : lc);
	uint64_t end = lc == NO_CPU ? 0 : __atomic_load_n(&v->lease_end_tsc, __ATOMIC_ACQUIRE);
	/* In the vCPU's own TSC, as RDTSC reads it (exit_msr.c: TSC_ADJUST). */
	if (end)
		end += __atomic_load_n(&v->msr.tsc_adjust, __ATOMIC_RELAXED);
	memcpy((void *)&r->lease_end_tsc, &end, sizeof(end));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	put32(&r->seq, seq + 1);
	vm->shared_seq[v->id] = seq + 1;
}

static void write_header(struct vm *vm, struct cy_shared *sh)
{
	put32(&sh->abi, CYPRESS_ABI_VERSION);
	put32(&sh->nvcpus, __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE));
	put32(&sh->balloon_target, vm->balloon_target);
	put32(&sh->balloon_wait_ms, vm->balloon_wait_ms);
	put32(&sh->sa_vector, vm->sa_vector);
	put32(&sh->sa_limit_us, vm->sa_limit_us);
	/* Last: a guest that sees the new seq sees the new target. */
	put32(&sh->balloon_seq, vm->balloon_seq);
}

int64_t shared_set(struct vcpu *v, uint64_t gpa)
{
	struct vm *vm = v->vm;

	if (gpa & (PAGE_SIZE - 1))
		return -E_INVAL;
	if (gpa && !vm_gpa_to_host(vm, gpa, CY_SHARED_SIZE))
		return -E_RANGE;
	spin_lock(&vm->shared_lock);
	__atomic_store_n(&vm->shared_gpa, gpa, __ATOMIC_RELEASE);
	struct cy_shared *sh = shared_of(vm);
	if (sh) {
		memset(sh, 0, CY_SHARED_SIZE);
		write_header(vm, sh);
		uint32_t n = __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE);
		for (uint32_t i = 0; i < n && i < CY_SHARED_VCPUS; i++)
			write_vcpu(vm, sh, vm->vcpu[i]);
	}
	spin_unlock(&vm->shared_lock);
	return 0;
}

void shared_vcpu_update(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (!__atomic_load_n(&vm->shared_gpa, __ATOMIC_ACQUIRE) || v->id >= CY_SHARED_VCPUS)
		return;
	spin_lock(&vm->shared_lock);
	struct cy_shared *sh = shared_of(vm);
	if (sh)
		write_vcpu(vm, sh, v);
	spin_unlock(&vm->shared_lock);
}

void shared_header_update(struct vm *vm)
{
	if (!__atomic_load_n(&vm->shared_gpa, __ATOMIC_ACQUIRE))
		return;
	spin_lock(&vm->shared_lock);
	struct cy_shared *sh = shared_of(vm);
	if (sh)
		write_header(vm, sh);
	spin_unlock(&vm->shared_lock);
}

void shared_event(struct vm *vm, int32_t vcpu, uint32_t bits)
{
	uint32_t to = vcpu < 0 ? 0 : (uint32_t)vcpu;

	if (to >= __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE))
		return;
	struct cy_shared *sh = shared_of(vm);
	if (sh) {
		uint32_t *w = vcpu < 0			       ? &sh->events :
			      (uint32_t)vcpu < CY_SHARED_VCPUS ? &sh->vcpu[vcpu].events :
								 NULL;
		if (w)
			__atomic_fetch_or(w, bits, __ATOMIC_ACQ_REL);
	}
	uint8_t vec = __atomic_load_n(&vm->core_notify_vec, __ATOMIC_ACQUIRE);
	if (vec)
		vcore_post(vm->vcpu[to], 0 /* fixed */, vec);
}

void shared_sa_pending(struct vcpu *v, bool pending)
{
	struct cy_shared *sh = v->id < CY_SHARED_VCPUS ? shared_of(v->vm) : NULL;

	/* One aligned word, its only writer the owner core: no seq needed. */
	if (sh)
		put32(&sh->vcpu[v->id].sa_pending, pending);
}
