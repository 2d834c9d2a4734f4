// SPDX-License-Identifier: MIT
/*
 * Scheduler activations (core/sa.h). The partition's registration is one
 * 64-bit word (vector, limit, generation) any of its vCPUs may replace; each
 * core brings a vCPU's sched/irs.c state up to date with it the next time it
 * decides about that vCPU, so the state itself has one writer: the owner.
 * Environment: freestanding hypervisor, VMX root, the vCPU's owner core.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/vmx.h"
#include "core/pool.h"
#include "core/sa.h"
#include "core/shared.h"
#include "core/vcore.h"
#include "lib/errno.h"
#include "lib/printf.h"

#define CONF_VECTOR(c) ((uint8_t)((c)&0xff))
#define CONF_LIMIT(c)  ((uint32_t)(((c) >> 8) & 0xffffff))
#define CONF_GEN(c)    ((uint32_t)((c) >> 32))

int64_t sa_register(struct vcpu *v, uint64_t vector, uint64_t limit_us)
{
	struct vm *vm = v->vm;

	/* Vectors 0-31 are exceptions (SDM 3A 6.2). */
	if (vector && (vector < 32 || vector > 255))
		return -E_INVAL;
	if (vector && (limit_us < SA_LIMIT_MIN_US || limit_us > SA_LIMIT_MAX_US))
		return -E_RANGE;
	/* The limit is only a bound if the CPU can take the guest out at it
	 * without its cooperation (SDM 3C 25.5.1, the VMX-preemption timer). */
	if (vector && !(vmx_controls.pin & VMX_PIN_PREEMPTION_TIMER))
		return -E_NOSYS;
	spin_lock(&vm->shared_lock);
	uint64_t old = __atomic_load_n(&vm->sa_conf, __ATOMIC_ACQUIRE);
	uint64_t conf = (uint64_t)(CONF_GEN(old) + 1) << 32 | (limit_us & 0xffffff) << 8 | vector;
	__atomic_store_n(&vm->sa_conf, vector ? conf : conf & ~0xffffffffULL, __ATOMIC_RELEASE);
	vm->sa_vector = (uint8_t)vector;
	vm->sa_limit_us = vector ? (uint32_t)limit_us : 0;
	if (vector)
		vm->sa_ever = true;
	spin_unlock(&vm->shared_lock);
	shared_header_update(vm);
	return 0;
}

/* Bring v's IRS state up to its partition's registration. Owner core. */
static void sync(struct vcpu *v)
{
	uint64_t conf = __atomic_load_n(&v->vm->sa_conf, __ATOMIC_ACQUIRE);

	if (__builtin_expect(CONF_GEN(conf) == v->sa_gen, 1))
		return;
	bool first = !v->sa_gen;
	v->sa_gen = CONF_GEN(conf);
	v->sa_limit_ticks = tsc_from_us(CONF_LIMIT(conf));
	if (first) {
		irs_init(&v->irs, CONF_VECTOR(conf) != 0, v->sa_limit_ticks);
		return;
	}
	/* A new registration keeps the counters and a pending upcall (the
	 * guest still owes its ack: irs.h, no double notification). */
	v->irs.registered = CONF_VECTOR(conf) != 0;
	v->irs.limit = v->sa_limit_ticks;
}

int sa_preempt(struct vcpu *v, struct pcpu *p)
{
	uint64_t conf = __atomic_load_n(&v->vm->sa_conf, __ATOMIC_ACQUIRE);

	if (__builtin_expect(!CONF_VECTOR(conf) && v->irs.state != IRS_NOTIFIED, 1))
		return VMEXIT_YIELD;
	/* A preemption is the core going to another vCPU or the vCPU going
	 * to another core; a decision with no one else here is neither. */
	if (!p->timeshared && v->migrate_to == NO_CPU)
		return VMEXIT_YIELD;
	/* The end of a micro-slice on a pool core only sends the vCPU home
	 * (core/pool.c): it was a rescue, not the vCPU's own core to lose. */
	if (pool_is_core(p->id))
		return VMEXIT_YIELD;
	sync(v);
	/* At a slice end, or asked to decide again, the policy may keep v
	 * anyway: then there is nothing to announce. */
	if (v->irs.state == IRS_RUNNING && v->irs.registered && vcore_slice_renew(v)) {
		vmwrite(VMCS_PREEMPTION_TIMER, vcpu_preempt_ticks(p));
		return VMEXIT_RESUME;
	}
	uint64_t now = rdtsc();
	switch (irs_want_preempt(&v->irs, now)) {
	case IRS_SEND_NOTIFICATION:
		v->sa_notified_tsc = now;
		shared_sa_pending(v, true);
		vcpu_post(v, 0 /* fixed */, CONF_VECTOR(conf));
		__attribute__((fallthrough)); /* run on until the ack or the limit */
	case IRS_WAIT:
		p->slice_end = irs_deadline(&v->irs);
		vmwrite(VMCS_PREEMPTION_TIMER, vcpu_preempt_ticks(p));
		return VMEXIT_RESUME;
	case IRS_PREEMPT_NOW:
	default:
		shared_sa_pending(v, false);
		return VMEXIT_YIELD;
	}
}

int64_t sa_ack(struct vcpu *v, uint64_t how, int *sched)
{
	if (how != CY_SA_YIELD && how != CY_SA_BLOCK)
		return -E_INVAL;
	sync(v);
	/* Checked here, not by irs_ack(), which would print a line for each
	 * stray ack: a guest must not be able to fill the console. */
	if (v->irs.state != IRS_NOTIFIED)
		return -E_INVAL;
	uint64_t now = rdtsc();
	bool block = how == CY_SA_BLOCK;
	if (irs_ack(&v->irs, block, now) == 0)
		v->sa_ack_ticks += now - v->sa_notified_tsc;
	shared_sa_pending(v, false);
	if (block) {
		/* As HLT (exit_misc.c), except that any interrupt its vLAPIC would
		 * deliver wakes it whatever RFLAGS.IF says (as MWAIT with ECX[0],
		 * SDM 2B): the ack is usually made inside the upcall's handler,
		 * with interrupts off. The guest takes it once IF is 1 again. */
		v->halted = true;
		v->halt_if = true;
		*sched = VMEXIT_BLOCK;
	} else {
		*sched = VMEXIT_YIELD;
	}
	return 0;
}

void sa_turn_slow(struct vcpu *v)
{
	if (v->sa_gen)
		irs_resumed(&v->irs);
}

void sa_left_slow(struct vcpu *v)
{
	/* A guest that halts instead of acking has nothing to run: a block. */
	uint64_t now = rdtsc();
	if (irs_ack(&v->irs, true, now) == 0)
		v->sa_ack_ticks += now - v->sa_notified_tsc;
	shared_sa_pending(v, false);
}

void sa_report(const struct vm *vm)
{
	uint64_t n = 0, y = 0, b = 0, f = 0, s = 0, t = 0;

	if (!vm->sa_ever)
		return;
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		const struct irs_vcpu *r = &vm->vcpu[i]->irs;
		n += r->notifications;
		y += r->acks_yield;
		b += r->acks_block;
		f += r->forced;
		s += r->suppressed;
		t += vm->vcpu[i]->sa_ack_ticks;
	}
	kprintf("summary: vm %s: sa upcalls %llu, acked %llu (yield %llu, block %llu), cut off at "
		"the limit %llu, mean upcall to ack %llu ticks\n",
		vm->name, (unsigned long long)n, (unsigned long long)(y + b), (unsigned long long)y,
		(unsigned long long)b, (unsigned long long)f,
		(unsigned long long)(y + b ? t / (y + b) : 0));
	(void)s;
}
