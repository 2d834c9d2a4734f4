/* SPDX-License-Identifier: MIT */
/*
 * VM-exit handling: one table indexed by basic exit reason (style rule 2),
 * handlers named vmexit_<reason>() in arch/x86/vmx/exit_*.c.
 * Environment: VMX root, the core running `v`, interrupts off, v's VMCS current.
 */
#ifndef ARCH_X86_VMX_VMEXIT_H
#define ARCH_X86_VMX_VMEXIT_H

#include "arch/x86/vmx/guest_check.h"
#include "arch/x86/vmx/vmcs.h"
#include "core/vm.h"

/* What the exit was, read once from the VMCS by the dispatcher. */
struct vmexit {
	uint32_t reason; /* basic reason, bits 15:0 */
	uint32_t insn_len;
	uint64_t qual; /* exit qualification */
	uint64_t rip;
	uint32_t fields; /* XF_*: which of the three above were read (exit.c) */
};

#define XF_NONE 0x8 /* a table entry that reads none of them */
#define XF_QUAL 0x1
#define XF_RIP	0x2
#define XF_LEN	0x4
#define XF_ALL	(XF_QUAL | XF_RIP | XF_LEN)

/* Handler results. */
#define VMEXIT_RESUME 0 /* enter the guest again */
#define VMEXIT_STOP   1 /* the VM ended (vm_fail or a requested exit) */
#define VMEXIT_YIELD  2 /* the VM goes on, but the core must decide what runs (slice, move) */
#define VMEXIT_BLOCK  3 /* the vCPU halted: it leaves the runqueue until an interrupt */

typedef int (*vmexit_handler_t)(struct vcpu *v, const struct vmexit *x);

#define RFLAGS_TF (1ULL << 8)

/* vmexit_complete_insn()'s rare half: an interrupt shadow or a single step. */
void vmexit_complete_insn_slow(uint64_t intr, uint64_t rflags);

/*
 * An emulated instruction ends at `next_rip`, as if it had executed. Inline:
 * it is most of every instruction exit's VMCS work (one VMWRITE and two
 * VMREADs; the interruptibility and RFLAGS reads are what SDM 3C 25.4.2
 * asks of a completed instruction and cannot be skipped).
 */
static inline void vmexit_complete_insn(uint64_t next_rip)
{
	vmwrite(VMCS_GUEST_RIP, next_rip);
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);

	if (__builtin_expect((intr & 3) || (rflags & RFLAGS_TF), 0))
		vmexit_complete_insn_slow(intr, rflags);
}

/* Move the guest's RIP past the exiting instruction, as if it had executed. */
static inline void vmexit_skip_insn(const struct vmexit *x)
{
	vmexit_complete_insn(x->rip + x->insn_len);
}

/* Inject hardware exception `vec` (with error code if has_err) at the next entry. */
void vmexit_inject_exception(uint8_t vec, bool has_err, uint32_t err);

/* What guests may load into CR0/CR4/XCR0/EFER here (arch/x86/vmx/guest_caps.c). */
extern struct guest_caps guest_caps;

/* Fill guest_caps from CPUID and the VMX fixed-bit MSRs. Boot core, before any vCPU runs. */
void guest_caps_init(void);

/* The control-register state v's guest believes it has (shadows applied). v's VMCS current. */
void guest_cr_state_read(const struct vcpu *v, struct guest_cr_state *s);

/* Handlers (the table lives in arch/x86/vmx/exit.c). */
int vmexit_cpuid(struct vcpu *v, const struct vmexit *x);
int vmexit_rdmsr(struct vcpu *v, const struct vmexit *x);
int vmexit_wrmsr(struct vcpu *v, const struct vmexit *x);
int vmexit_io(struct vcpu *v, const struct vmexit *x);
int vmexit_vmcall(struct vcpu *v, const struct vmexit *x);
int vmexit_hlt(struct vcpu *v, const struct vmexit *x);
int vmexit_cr_access(struct vcpu *v, const struct vmexit *x);
int vmexit_xsetbv(struct vcpu *v, const struct vmexit *x);
int vmexit_ept_violation(struct vcpu *v, const struct vmexit *x);
int vmexit_ept_misconfig(struct vcpu *v, const struct vmexit *x);
int vmexit_triple_fault(struct vcpu *v, const struct vmexit *x);
int vmexit_external_interrupt(struct vcpu *v, const struct vmexit *x);
int vmexit_exception_nmi(struct vcpu *v, const struct vmexit *x);
int vmexit_preemption_timer(struct vcpu *v, const struct vmexit *x);
int vmexit_entry_failure(struct vcpu *v, const struct vmexit *x);
int vmexit_undefined_opcode(struct vcpu *v, const struct vmexit *x);
int vmexit_task_switch(struct vcpu *v, const struct vmexit *x);
int vmexit_invd(struct vcpu *v, const struct vmexit *x);
int vmexit_pause(struct vcpu *v, const struct vmexit *x);

/*
 * Enter vCPU `v`, whose VMCS is current on the calling core (its owner),
 * and handle its exits until one of them needs the core's scheduler:
 * returns VMEXIT_STOP (the VM ended), VMEXIT_BLOCK (the guest halted) or
 * VMEXIT_YIELD (the slice ended, or pcpu.resched was set: a message
 * changed what this core should run). core/vcore.c calls it.
 */
int vcpu_enter(struct vcpu *v);

#endif
