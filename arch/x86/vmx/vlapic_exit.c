// SPDX-License-Identifier: MIT
/*
 * The virtual LAPIC's side effects. IPIs between vCPUs travel as
 * cross-core messages (core/msg.h), so only a vCPU's own core ever touches
 * its vLAPIC. With virtual-interrupt delivery the CPU delivers them from
 * the vLAPIC's own register page, the VMCS's virtual-APIC page (SDM 3C
 * 30.2); without it they are injected by event injection at VM entry
 * (SDM 3C 26.6), with interrupt-window exiting when the guest cannot take
 * them yet (SDM 3C 25.7.5). Either way an entry with nothing new to
 * deliver reads and writes no VMCS field.
 * Environment: VMX root, the vCPU's own core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/ioapic_exit.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmx_ctl.h"
#include "arch/x86/vmx/xapic.h"
#include "core/msg.h"
#include "core/vcore.h"
#include "drivers/console.h"
#include "lib/errno.h"
#include "lib/printf.h"

#define RFLAGS_IF	(1ULL << 9)
#define DELIVERY_FIXED	0
#define DELIVERY_LOWEST 1
#define DELIVERY_NMI	4
#define DELIVERY_INIT	5
#define DELIVERY_SIPI	6

static void arm_timer(void *ctx, uint64_t deadline)
{
	/* The core's one host timer serves every vCPU it hosts (core/vcore.c). */
	vcore_timer_set(ctx, deadline);
}

static void send_one(struct vcpu *from, struct vcpu *to, uint8_t delivery, uint8_t vector)
{
	if (to == from) {
		uint8_t unused;
		vcpu_lapic_deliver(to, delivery, vector, &unused);
		return;
	}
	/* Posted to the target, whichever core owns it now: never dropped,
	 * never waiting on a full mailbox (core/vm.h, struct vcpu_post). */
	vcore_post_ipi(to, delivery, vector);
}

/* Shorthands, logical and broadcast destinations: every vCPU of the VM is a candidate. */
static __attribute__((noinline)) void send_ipi_many(struct vcpu *v, uint32_t dest,
						    uint8_t dest_mode, uint8_t shorthand,
						    uint8_t delivery, uint8_t vector)
{
	struct vm *vm = v->vm;

	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = vm->vcpu[i];
		bool hit = shorthand == 1 ? t == v :
			   shorthand == 2 ? true :
			   shorthand == 3 ? t != v :
					    vlapic_match_dest(&t->lapic, dest, dest_mode,
							      v->lapic.x2apic);
		if (!hit)
			continue;
		send_one(v, t, delivery, vector);
		/* Lowest priority: any one target will do; take the first. */
		if (delivery == DELIVERY_LOWEST && shorthand == 0)
			break;
	}
}

#define DELIVERIES_SENT                                                            \
	((1u << DELIVERY_FIXED) | (1u << DELIVERY_LOWEST) | (1u << DELIVERY_NMI) | \
	 (1u << DELIVERY_INIT) | (1u << DELIVERY_SIPI))

static void send_ipi(void *ctx, uint32_t dest, uint8_t dest_mode, uint8_t shorthand,
		     uint8_t delivery, uint8_t vector, bool level_assert)
{
	struct vcpu *v = ctx;
	struct vm *vm = v->vm;

	(void)level_assert;
	if (delivery > 7 || !((DELIVERIES_SENT >> delivery) & 1))
		return; /* SMI: no SMM in guests */
	if (shorthand == 0 && dest_mode == 0 && dest != (v->lapic.x2apic ? 0xffffffffu : 0xffu)) {
		/* Physical destination, not a broadcast: APIC IDs are the
		 * vCPUs' indices and read-only (vlapic_init), so only vCPU
		 * `dest` can match; no walk over the partition. */
		struct vcpu *t = dest < vm->nvcpus ? vm->vcpu[dest] : NULL;
		if (t && vlapic_match_phys(&t->lapic, dest))
			send_one(v, t, delivery, vector);
		return;
	}
	send_ipi_many(v, dest, dest_mode, shorthand, delivery, vector);
}

void vcpu_lapic_init(struct vcpu *v)
{
	v->lapic_ops = (struct vlapic_ops){ .send_ipi = send_ipi,
					    .arm_timer = arm_timer,
					    .level_eoi = vcpu_ioapic_level_eoi,
					    .ctx = v };
	/* The register page is the VMCS's virtual-APIC page (vcpu_ctx_init()). */
	vlapic_init(&v->lapic, (uint32_t *)(uintptr_t)v->vapic_pa, v->id, tsc_khz, &v->lapic_ops);
	v->lapic.owner = v->vm->name;
	if (v->id == 0)
		xapic_vm_init(v->vm); /* its EPT and MSR bitmap exist by now */
}

enum vlapic_action vcpu_lapic_deliver(struct vcpu *v, uint8_t delivery, uint8_t vector,
				      uint8_t *sipi_vec)
{
	switch (delivery) {
	case DELIVERY_FIXED:
	case DELIVERY_LOWEST:
		vlapic_accept(&v->lapic, vector, false);
		break;
	case DELIVERY_NMI:
		v->nmi_pending = true;
		break;
	case DELIVERY_INIT:
		vlapic_init_signal(&v->lapic);
		if (v->state == VCPU_IDLE)
			v->init_seen = true;
		break;
	case DELIVERY_SIPI:
		/* SDM 3A 9.4.4: STARTUP is honoured only in wait-for-SIPI; the
		 * second one of the usual pair finds the vCPU running. */
		if (v->state == VCPU_IDLE && v->init_seen) {
			v->init_seen = false;
			*sipi_vec = vector;
			return VLAPIC_START_SIPI;
		}
		break;
	default:
		break;
	}
	return VLAPIC_NONE;
}

static void proc_ctl(uint32_t bit, bool on)
{
	uint64_t proc = vmread(VMCS_PROC_CTLS);
	uint64_t want = on ? proc | bit : proc & ~(uint64_t)bit;

	if (want != proc)
		vmwrite(VMCS_PROC_CTLS, want);
}

/* Interrupt-window exiting (SDM 3C 25.6.2), tracked so that an entry with
 * nothing pending need not read the controls. */
static void window_exiting(struct vcpu *v, bool on)
{
	if (v->intr_window == on)
		return;
	v->intr_window = on;
	proc_ctl(VMX_PROC_INTR_WINDOW_EXIT, on);
}

/*
 * A pending NMI goes in at the first entry where the guest can take one:
 * no event already being injected, and no blocking by STI, MOV SS or NMI
 * (SDM 3C 26.3.1.5 forbids injecting an NMI under MOV-SS or virtual-NMI
 * blocking; like STI blocking, they delay it on hardware too). Otherwise
 * NMI-window exiting (SDM 3C 25.7.5; it needs virtual NMIs) brings the
 * vCPU back the moment the guest unblocks NMIs, typically at its IRET.
 */
static void nmi_window(struct vcpu *v, bool on)
{
	/* Without virtual NMIs the control does not exist (SDM 3C 26.2.1.1):
	 * the NMI then waits for the next exit. */
	if (v->nmi_window == on || !(vmx_controls.pin & VMX_PIN_VIRTUAL_NMIS))
		return;
	v->nmi_window = on;
	proc_ctl(VMX_PROC_NMI_WINDOW_EXIT, on);
}

static void nmi_inject(struct vcpu *v)
{
	if (__builtin_expect(!v->nmi_pending, 1)) {
		if (v->nmi_window)
			nmi_window(v, false);
		return;
	}
	if (!(vmread(VMCS_ENTRY_INTR_INFO) & (1u << 31)) &&
	    !(vmread(VMCS_GUEST_INTERRUPTIBILITY) & 0xb)) {
		v->nmi_pending = false;
		vmwrite(VMCS_ENTRY_INTR_INFO, (1u << 31) | (2u << 8) | 2); /* type 2 = NMI */
		nmi_window(v, false);
		return;
	}
	nmi_window(v, true);
}

static bool can_take_interrupt(void)
{
	return (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmread(VMCS_GUEST_INTERRUPTIBILITY) & 3);
}

/*
 * Virtual-interrupt delivery: the model's register page is the VMCS's
 * virtual-APIC page (vlapic.h), so IRR, ISR and TPR need no copy either
 * way. What the CPU cannot see in the page is RVI/SVI, the highest IRR and
 * ISR vectors in the guest interrupt status (SDM 3C 30.1.2): the CPU keeps
 * them itself as it delivers and completes EOIs, and they are rewritten
 * only when the model moved a bit (lapic.intr_gen), e.g. a vector accepted
 * from an IPI or the timer, or an EOI emulated at an x2APIC MSR exit. The
 * entry after that then evaluates pending virtual interrupts against the
 * page's TPR and ISR (SDM 3C 27.3.2.5, 30.2.1).
 */
static void vid_status_write(struct vcpu *v)
{
	v->vid_gen = v->lapic.intr_gen;
	vmwrite(VMCS_GUEST_INTR_STATUS, vlapic_intr_status(&v->lapic));
}

enum vlapic_action vcpu_post_take(struct vcpu *v)
{
	struct vcpu_post *q = &v->post;
	enum vlapic_action act = VLAPIC_NONE;
	uint8_t vec = 0;

	if (!__atomic_exchange_n(&q->pending, 0, __ATOMIC_ACQ_REL))
		return VLAPIC_NONE;
	uint32_t f = __atomic_load_n(&q->flags, __ATOMIC_RELAXED) ?
			     __atomic_exchange_n(&q->flags, 0, __ATOMIC_ACQ_REL) :
			     0;
	/* INIT before STARTUP: the order a sender's pair arrives in. */
	if (f & VCPU_POST_INIT)
		vcpu_lapic_deliver(v, DELIVERY_INIT, 0, &vec);
	if ((f & VCPU_POST_SIPI) &&
	    vcpu_lapic_deliver(v, DELIVERY_SIPI, (uint8_t)(f >> VCPU_POST_SIPI_VEC), &vec) ==
		    VLAPIC_START_SIPI) {
		v->sipi_vec = vec;
		act = VLAPIC_START_SIPI;
	}
	if (f & VCPU_POST_NMI)
		v->nmi_pending = true;
	/* Only the words the senders marked: a sender sets the irr bit, then
	 * the word's bit, then pending, so a word marked after this exchange
	 * comes with pending set again and is taken next time; a word taken
	 * empty (its vectors went with an earlier mark) costs nothing. */
	uint32_t words = __atomic_load_n(&q->words, __ATOMIC_RELAXED) ?
				 __atomic_exchange_n(&q->words, 0, __ATOMIC_ACQ_REL) :
				 0;
	while (words) {
		int i = __builtin_ctz(words);
		words &= words - 1;
		uint32_t bits = __atomic_exchange_n(&q->irr[i], 0, __ATOMIC_ACQ_REL);
		/* The sender set the tmr bit before the irr bit: take only
		 * those of vectors taken here, so a later post keeps its own. */
		uint32_t lv = __atomic_load_n(&q->tmr[i], __ATOMIC_RELAXED) ?
				      __atomic_fetch_and(&q->tmr[i], ~bits, __ATOMIC_ACQ_REL) &
					      bits :
				      0;
		while (bits) {
			int b = __builtin_ctz(bits);
			bits &= bits - 1;
			vlapic_accept(&v->lapic, (uint8_t)(i * 32 + b), (lv >> b) & 1);
		}
	}
	return act;
}

void vcpu_post(struct vcpu *to, uint8_t delivery, uint8_t vector)
{
	struct vcpu_post *q = &to->post;

	switch (delivery) {
	case DELIVERY_FIXED:
	case DELIVERY_LOWEST:
		__atomic_fetch_or(&q->irr[vector / 32], 1u << (vector % 32), __ATOMIC_RELEASE);
		__atomic_fetch_or(&q->words, 1u << (vector / 32), __ATOMIC_RELEASE);
		break;
	case DELIVERY_NMI:
		__atomic_fetch_or(&q->flags, VCPU_POST_NMI, __ATOMIC_RELEASE);
		break;
	case DELIVERY_INIT:
		__atomic_fetch_or(&q->flags, VCPU_POST_INIT, __ATOMIC_RELEASE);
		break;
	case DELIVERY_SIPI: {
		/* One STARTUP vector at a time: the last one wins, as a second
		 * STARTUP to a started CPU is ignored anyway. */
		uint32_t old = __atomic_load_n(&q->flags, __ATOMIC_ACQUIRE), nw;
		do
			nw = (old & ~(0xffu << VCPU_POST_SIPI_VEC)) | VCPU_POST_SIPI |
			     ((uint32_t)vector << VCPU_POST_SIPI_VEC);
		while (!__atomic_compare_exchange_n(&q->flags, &old, nw, false, __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE));
		break;
	}
	default:
		return;
	}
	__atomic_store_n(&q->pending, 1, __ATOMIC_RELEASE);
}

void vcpu_lapic_prepare_entry_work(struct vcpu *v)
{
	if (__builtin_expect(__atomic_load_n(&v->post.pending, __ATOMIC_RELAXED), 0))
		vcpu_post_take(v); /* a started vCPU ignores STARTUP: nothing to act on */
	if (v->timer_due) {
		v->timer_due = false;
		vlapic_timer_expired(&v->lapic, rdtsc());
	}
	if (__builtin_expect(vmx_controls.proc2 & VMX_PROC2_VIRT_INTR_DELIVERY, 1)) {
		/* Each is one compare when nothing changed: no VMCS access. */
		if (__builtin_expect(v->lapic.x2apic != v->vx2, 0))
			xapic_mode_switch(v);
		if (__builtin_expect(v->lapic.gen != v->vapic_gen, 0))
			xapic_publish(v);
		vcpu_ioapic_eoi_exits(v);
		if (__builtin_expect(v->lapic.intr_gen != v->vid_gen, 0))
			vid_status_write(v);
		if (__builtin_expect(v->nmi_pending | v->nmi_window, 0))
			nmi_inject(v);
		return;
	}
	if (__builtin_expect(v->nmi_pending | v->nmi_window, 0))
		nmi_inject(v);
	int vec = vlapic_pending(&v->lapic);
	if (vec < 0 && !v->intr_window)
		return; /* nothing to inject, no window open: no VMCS access */
	if (vmread(VMCS_ENTRY_INTR_INFO) & (1u << 31)) {
		/* An event is already going in: come back for the interrupt
		 * once the guest can take it. */
		window_exiting(v, vec >= 0);
		return;
	}
	if (vec < 0) {
		window_exiting(v, false);
		return;
	}
	if (can_take_interrupt()) {
		/* Type 0 = external interrupt (SDM 3C 26.6.1.1). */
		vmwrite(VMCS_ENTRY_INTR_INFO, (1u << 31) | (uint32_t)vec);
		vlapic_ack(&v->lapic, (uint8_t)vec);
		window_exiting(v, false);
	} else {
		window_exiting(v, true);
	}
}

bool vcpu_lapic_wakeup(struct vcpu *v)
{
	if (v->timer_due) {
		v->timer_due = false;
		vlapic_timer_expired(&v->lapic, rdtsc());
	}
	/* SDM 2A HLT: a maskable interrupt resumes the core only when
	 * RFLAGS.IF allows it (as it was at the HLT: v's VMCS may not be current). */
	return v->nmi_pending || (vlapic_pending(&v->lapic) >= 0 && v->halt_if);
}

int vmexit_nmi_window(struct vcpu *v, const struct vmexit *x)
{
	(void)x;
	nmi_window(v, false); /* prepare_entry injects the NMI now */
	return VMEXIT_RESUME;
}

int vmexit_interrupt_window(struct vcpu *v, const struct vmexit *x)
{
	(void)x;
	window_exiting(v, false); /* prepare_entry injects now that the window is open */
	return VMEXIT_RESUME;
}
