/* SPDX-License-Identifier: MIT */
/*
 * VMCS set-up for a vCPU: controls computed once from the capability MSRs,
 * host state from the running core, guest state for the multiboot entry.
 * Environment: VMX root; vmx_controls_init on the boot core, the rest on
 * the core that runs the vCPU.
 */
#ifndef ARCH_X86_VMX_VCPU_H
#define ARCH_X86_VMX_VCPU_H

#include "arch/x86/pcpu.h"
#include "arch/x86/vmx/vmx_ctl.h"
#include "core/vm.h"

/* Preemption-timer reload: ~2^22 timer ticks between looks at messages. */
#define VCPU_PREEMPT_TICKS (1u << 22)

/* False (command line `novid`): never use virtual-interrupt delivery. */
extern bool vmx_vid_allowed;

/* The controls every VMCS uses; valid after vmx_controls_init() returned 0. */
extern struct vmx_ctls vmx_controls;

/*
 * Compute the VMCS controls from the boot core's capability MSRs. Prints
 * the result, or one line saying which required control is missing.
 * Returns 0 or -E_NOTSUP (then no partition can run).
 */
int vmx_controls_init(void);

/*
 * Allocate and initialise v's VMCS on the calling core (its own core):
 * host state, controls, bitmaps, EPT pointer, VPID, and the guest state of
 * a multiboot entry (32-bit protected mode, paging off, EAX=0x2BADB002,
 * EBX=mbi, EIP=entry). Returns 0, -E_NOMEM or -E_INVAL (VMCS refused).
 */
int vcpu_vmcs_init(struct vcpu *v, uint32_t entry, uint32_t mbi);

/*
 * Make the calling core's XCR0 v's, if it is not already (the core
 * remembers what it holds in struct pcpu). Whenever a core starts running
 * v, and after v's XSETBV; a scheduler switching vCPUs on a core calls it
 * at every switch.
 */
void vcpu_xcr0_switch(const struct vcpu *v);
static inline void vcpu_xcr0_load(const struct vcpu *v)
{
	if (__builtin_expect(this_cpu()->xcr0 != v->xcr0, 0))
		vcpu_xcr0_switch(v);
}

/* Same, with the state of an AP woken by INIT + STARTUP vector `vec`. */
int vcpu_vmcs_init_sipi(struct vcpu *v, uint8_t vec);

/* Rewrite the current VMCS's host-state area for the calling core. */
void vcpu_vmcs_host_state(void);

/*
 * Make v's VMCS current on the calling core (VMPTRLD); a vCPU that moved
 * here also gets this core's host state, VMLAUNCH and flushed TLB tags.
 * False if VMPTRLD failed.
 */
bool vcpu_vmcs_load(struct vcpu *v);

/* VMCLEAR v's VMCS (before v leaves this core, or for good). */
void vcpu_vmcs_unload(struct vcpu *v);

/*
 * v went offline (VCPU_OFFLINE): it is again an AP that never started.
 * VMCLEAR and free its VMCS (the next STARTUP IPI builds a new one, as for
 * a first start), clear its virtual-APIC page and what mirrors it, and
 * forget pending NMIs and its vLAPIC timer. v's owner core, v not running.
 */
void vcpu_vmcs_discard(struct vcpu *v);

/* Allocate v's extended-state area in its reset state and its vLAPIC register
 * page (vapic_pa, the VMCS virtual-APIC page): -E_NOMEM or 0. Any core. */
int vcpu_ctx_init(struct vcpu *v);
/* Free them, and for vCPU 0 the VM's x2APIC pages (v runs nowhere). */
void vcpu_ctx_fini(struct vcpu *v);
/* Save the registers outside the VMCS that the core holds for v (CR2, DR0-3,
 * DR6, syscall MSRs, x87/SSE/AVX state). */
void vcpu_ctx_save(struct vcpu *v);
/* Load them (and v's XCR0). */
void vcpu_ctx_load(struct vcpu *v);

/* The VMCS loads the guest's IA32_PAT at entry and saves it at exit (SDM
 * 3C 25.7.1, 25.8.1): only then is IA32_PAT the guest's to use. */
static inline bool vcpu_pat_switched(void)
{
	return (vmx_controls.entry & VMX_ENTRY_LOAD_PAT) &&
	       (vmx_controls.exit & VMX_EXIT_SAVE_PAT) && (vmx_controls.exit & VMX_EXIT_LOAD_PAT);
}

/* IA32_VMX_MISC[4:0], set by vmx_controls_init(). */
extern uint32_t vmx_preempt_shift;

/* The preemption-timer value for the turn p is running: what is left of
 * its slice on a time-shared core, else VCPU_PREEMPT_TICKS. */
uint32_t vcpu_preempt_ticks(const struct pcpu *p);

#endif
