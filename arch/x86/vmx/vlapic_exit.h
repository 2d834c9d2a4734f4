/* SPDX-License-Identifier: MIT */
/*
 * Wiring each vCPU's virtual LAPIC (arch/x86/vdev/vlapic.c, a pure model) to
 * the machine: the host LAPIC timer of the vCPU's core, cross-core messages
 * for IPIs, interrupt injection at VM entry, xAPIC MMIO decoding.
 * Environment: VMX root, the vCPU's own core, interrupts off.
 */
#ifndef ARCH_X86_VMX_VLAPIC_EXIT_H
#define ARCH_X86_VMX_VLAPIC_EXIT_H

#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/vcpu.h"

#define XAPIC_MMIO_BASE 0xfee00000ULL

/* What delivering an interrupt message to a vCPU asks of its core. */
enum vlapic_action {
	VLAPIC_NONE = 0,
	VLAPIC_START_SIPI = 1, /* an idle vCPU got INIT then STARTUP: start it */
};

/* Set up v's vLAPIC (xAPIC mode, APIC ID = vCPU index). Any core, before v runs. */
void vcpu_lapic_init(struct vcpu *v);

/*
 * Deliver an interrupt message (delivery mode, vector) that a vCPU of the
 * same VM sent to `v`. Runs on v's core. Returns VLAPIC_START_SIPI when
 * an idle vCPU should now be started in real mode at `*sipi_vec`.
 */
enum vlapic_action vcpu_lapic_deliver(struct vcpu *v, uint8_t delivery, uint8_t vector,
				      uint8_t *sipi_vec);

/*
 * Before each VM entry: take posted interrupts, expire timers; with
 * virtual-interrupt delivery rewrite RVI/SVI if the model moved an IRR or
 * ISR bit, else inject the highest pending interrupt or ask for a window.
 * No VMREAD/VMWRITE when nothing is pending or new (no post, timer, NMI,
 * window, mode change or model change).
 */
void vcpu_lapic_prepare_entry_work(struct vcpu *v);

static inline void vcpu_lapic_prepare_entry(struct vcpu *v)
{
	/* Inline, on every entry: with virtual-interrupt delivery the usual
	 * answer is "nothing new", a few compares and no call; the first
	 * thing new (most often a posted interrupt) goes to the work. */
	if (__builtin_expect(vmx_controls.proc2 & VMX_PROC2_VIRT_INTR_DELIVERY, 1) &&
	    !__atomic_load_n(&v->post.pending, __ATOMIC_RELAXED) &&
	    v->lapic.intr_gen == v->vid_gen && !v->timer_due && v->lapic.gen == v->vapic_gen &&
	    __atomic_load_n(&v->vm->ioapic_gen, __ATOMIC_ACQUIRE) == v->eoi_gen &&
	    v->lapic.x2apic == v->vx2 && !v->nmi_pending && !v->nmi_window)
		return;
	vcpu_lapic_prepare_entry_work(v);
}

/* True when a halted vCPU must wake: an interrupt it can take is pending
 * (with RFLAGS.IF as it was at its HLT). Its owner core, VMCS not needed. */
bool vcpu_lapic_wakeup(struct vcpu *v);

/*
 * Post an interrupt (delivery mode, vector) for vCPU `to` from any core:
 * atomic bits in to->post, taken by its owner with vcpu_post_take(). The
 * caller then tells the owner (core/vcore.h, vcore_post()).
 */
void vcpu_post(struct vcpu *to, uint8_t delivery, uint8_t vector);

/*
 * On v's owner core: move what was posted to v into its vLAPIC. Returns
 * VLAPIC_START_SIPI (with v->sipi_vec set) when an idle vCPU got INIT
 * then STARTUP and should start.
 */
enum vlapic_action vcpu_post_take(struct vcpu *v);

int vmexit_interrupt_window(struct vcpu *v, const struct vmexit *x);

/* NMI-window exit: the guest unblocked NMIs; the pending NMI goes in at this entry. */
int vmexit_nmi_window(struct vcpu *v, const struct vmexit *x);

#endif
