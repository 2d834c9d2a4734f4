// SPDX-License-Identifier: MIT
/*
 * The vCPU run loop and the exit dispatch table. An exit reason without a
 * handler fails the VM (never the hypervisor) with the reason and the
 * guest's state on the console.
 * Environment: VMX root, the vCPU's own core, interrupts off in the loop.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "core/msg.h"
#include "core/sa.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/xapic.h"
#include "lib/printf.h"

int vmx_enter(struct guest_regs *regs, int launched);

static const vmexit_handler_t vmexit_table[EXIT_REASONS] = {
	[EXIT_EXCEPTION_NMI] = vmexit_exception_nmi,
	[EXIT_EXTERNAL_INTERRUPT] = vmexit_external_interrupt,
	[EXIT_TRIPLE_FAULT] = vmexit_triple_fault,
	[EXIT_INTERRUPT_WINDOW] = vmexit_interrupt_window,
	[EXIT_NMI_WINDOW] = vmexit_nmi_window,
	[EXIT_TASK_SWITCH] = vmexit_task_switch,
	[EXIT_CPUID] = vmexit_cpuid,
	[EXIT_GETSEC] = vmexit_undefined_opcode,
	[EXIT_HLT] = vmexit_hlt,
	[EXIT_INVD] = vmexit_invd,
	[EXIT_VMCALL] = vmexit_vmcall,
	[EXIT_VMCLEAR] = vmexit_undefined_opcode,
	[EXIT_VMLAUNCH] = vmexit_undefined_opcode,
	[EXIT_VMPTRLD] = vmexit_undefined_opcode,
	[EXIT_VMPTRST] = vmexit_undefined_opcode,
	[EXIT_VMREAD] = vmexit_undefined_opcode,
	[EXIT_VMRESUME] = vmexit_undefined_opcode,
	[EXIT_VMWRITE] = vmexit_undefined_opcode,
	[EXIT_VMXOFF] = vmexit_undefined_opcode,
	[EXIT_VMXON] = vmexit_undefined_opcode,
	[EXIT_CR_ACCESS] = vmexit_cr_access,
	[EXIT_IO] = vmexit_io,
	[EXIT_RDMSR] = vmexit_rdmsr,
	[EXIT_WRMSR] = vmexit_wrmsr,
	[EXIT_ENTRY_FAIL_GUEST] = vmexit_entry_failure,
	[EXIT_ENTRY_FAIL_MSR] = vmexit_entry_failure,
	[EXIT_ENTRY_FAIL_MC] = vmexit_entry_failure,
	[EXIT_APIC_ACCESS] = vmexit_apic_access,
	[EXIT_EPT_VIOLATION] = vmexit_ept_violation,
	[EXIT_EPT_MISCONFIG] = vmexit_ept_misconfig,
	[EXIT_INVEPT] = vmexit_undefined_opcode,
	[EXIT_PREEMPTION_TIMER] = vmexit_preemption_timer,
	[EXIT_INVVPID] = vmexit_undefined_opcode,
	[EXIT_XSETBV] = vmexit_xsetbv,
	[EXIT_PAUSE] = vmexit_pause,
	[EXIT_APIC_WRITE] = vmexit_apic_write,
};

/* Every basic exit reason of SDM 3D appendix C; numbers it leaves unused read RESERVED. */
static const char *const exit_names[EXIT_REASONS] = {
	[EXIT_EXCEPTION_NMI] = "EXCEPTION_NMI",
	[EXIT_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[EXIT_TRIPLE_FAULT] = "TRIPLE_FAULT",
	[EXIT_INIT] = "INIT",
	[EXIT_SIPI] = "SIPI",
	[EXIT_IO_SMI] = "IO_SMI",
	[EXIT_OTHER_SMI] = "OTHER_SMI",
	[EXIT_INTERRUPT_WINDOW] = "INTERRUPT_WINDOW",
	[EXIT_NMI_WINDOW] = "NMI_WINDOW",
	[EXIT_TASK_SWITCH] = "TASK_SWITCH",
	[EXIT_CPUID] = "CPUID",
	[EXIT_GETSEC] = "GETSEC",
	[EXIT_HLT] = "HLT",
	[EXIT_INVD] = "INVD",
	[EXIT_INVLPG] = "INVLPG",
	[EXIT_RDPMC] = "RDPMC",
	[EXIT_RDTSC] = "RDTSC",
	[EXIT_RSM] = "RSM",
	[EXIT_VMCALL] = "VMCALL",
	[EXIT_VMCLEAR] = "VMCLEAR",
	[EXIT_VMLAUNCH] = "VMLAUNCH",
	[EXIT_VMPTRLD] = "VMPTRLD",
	[EXIT_VMPTRST] = "VMPTRST",
	[EXIT_VMREAD] = "VMREAD",
	[EXIT_VMRESUME] = "VMRESUME",
	[EXIT_VMWRITE] = "VMWRITE",
	[EXIT_VMXOFF] = "VMXOFF",
	[EXIT_VMXON] = "VMXON",
	[EXIT_CR_ACCESS] = "CR_ACCESS",
	[EXIT_DR_ACCESS] = "DR_ACCESS",
	[EXIT_IO] = "IO",
	[EXIT_RDMSR] = "RDMSR",
	[EXIT_WRMSR] = "WRMSR",
	[EXIT_ENTRY_FAIL_GUEST] = "ENTRY_FAIL_GUEST",
	[EXIT_ENTRY_FAIL_MSR] = "ENTRY_FAIL_MSR",
	[35] = "RESERVED",
	[EXIT_MWAIT] = "MWAIT",
	[EXIT_MTF] = "MTF",
	[38] = "RESERVED",
	[EXIT_MONITOR] = "MONITOR",
	[EXIT_PAUSE] = "PAUSE",
	[EXIT_ENTRY_FAIL_MC] = "ENTRY_FAIL_MC",
	[42] = "RESERVED",
	[EXIT_TPR_BELOW] = "TPR_BELOW",
	[EXIT_APIC_ACCESS] = "APIC_ACCESS",
	[EXIT_VIRT_EOI] = "VIRT_EOI",
	[EXIT_GDTR_IDTR] = "GDTR_IDTR",
	[EXIT_LDTR_TR] = "LDTR_TR",
	[EXIT_EPT_VIOLATION] = "EPT_VIOLATION",
	[EXIT_EPT_MISCONFIG] = "EPT_MISCONFIG",
	[EXIT_INVEPT] = "INVEPT",
	[EXIT_RDTSCP] = "RDTSCP",
	[EXIT_PREEMPTION_TIMER] = "PREEMPTION_TIMER",
	[EXIT_INVVPID] = "INVVPID",
	[EXIT_WBINVD] = "WBINVD",
	[EXIT_XSETBV] = "XSETBV",
	[EXIT_APIC_WRITE] = "APIC_WRITE",
	[EXIT_RDRAND] = "RDRAND",
	[EXIT_INVPCID] = "INVPCID",
	[EXIT_VMFUNC] = "VMFUNC",
	[EXIT_ENCLS] = "ENCLS",
	[EXIT_RDSEED] = "RDSEED",
	[EXIT_PML_FULL] = "PML_FULL",
	[EXIT_XSAVES] = "XSAVES",
	[EXIT_XRSTORS] = "XRSTORS",
	[EXIT_PCONFIG] = "PCONFIG",
	[EXIT_SPP_EVENT] = "SPP_EVENT",
	[EXIT_UMWAIT] = "UMWAIT",
	[EXIT_TPAUSE] = "TPAUSE",
	[EXIT_LOADIWKEY] = "LOADIWKEY",
	[EXIT_ENCLV] = "ENCLV",
	[71] = "RESERVED",
	[EXIT_ENQCMD_PASID] = "ENQCMD_PASID",
	[EXIT_ENQCMDS_PASID] = "ENQCMDS_PASID",
	[EXIT_BUS_LOCK] = "BUS_LOCK",
	[EXIT_NOTIFY] = "NOTIFY",
	[EXIT_SEAMCALL] = "SEAMCALL",
	[EXIT_TDCALL] = "TDCALL",
	[78] = "RESERVED",
	[79] = "RESERVED",
};

const char *vmx_exit_name(uint32_t reason)
{
	return reason < EXIT_REASONS ? exit_names[reason] : "OUT_OF_RANGE";
}

void vmexit_complete_insn(uint64_t next_rip)
{
	vmwrite(VMCS_GUEST_RIP, next_rip);
	/* Completing an instruction ends STI/MOV-SS blocking (SDM 3C 25.4.2). */
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & 3)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ULL);
	/* Under RFLAGS.TF the instruction ends with a single-step trap: BS in
	 * the pending debug exceptions delivers it after entry (SDM 3C 25.4.2,
	 * 27.7.3). */
	if (vmread(VMCS_GUEST_RFLAGS) & (1ULL << 8))
		vmwrite(VMCS_GUEST_PENDING_DBG, vmread(VMCS_GUEST_PENDING_DBG) | (1ULL << 14));
}

void vmexit_skip_insn(const struct vmexit *x)
{
	vmexit_complete_insn(x->rip + x->insn_len);
}

void vmexit_inject_exception(uint8_t vec, bool has_err, uint32_t err)
{
	/* SDM 3C 26.6: type 3 = hardware exception, bit 11 = deliver error code. */
	vmwrite(VMCS_ENTRY_INTR_INFO, (1u << 31) | (3u << 8) | vec | (has_err ? 1u << 11 : 0));
	if (has_err)
		vmwrite(VMCS_ENTRY_EXC_ERROR, err);
}

/*
 * An exit in the middle of delivering an event (an interrupt we injected,
 * a guest exception or software interrupt) leaves it in the IDT-vectoring
 * information; it is lost unless it is injected again at the next entry
 * (SDM 3C 28.2.4, 29.2.1.3 "re-injection"). Only these exits can happen
 * during event delivery; instruction exits (CPUID, VMCALL, I/O, ...) never
 * carry IDT-vectoring information, so they skip the VMREAD.
 */
#define EXIT_MAY_INTERRUPT_DELIVERY                                                               \
	((1ULL << EXIT_EXCEPTION_NMI) | (1ULL << EXIT_EXTERNAL_INTERRUPT) |                       \
	 (1ULL << EXIT_TRIPLE_FAULT) | (1ULL << EXIT_INIT) | (1ULL << EXIT_SIPI) |                \
	 (1ULL << EXIT_TASK_SWITCH) | (1ULL << EXIT_APIC_ACCESS) | (1ULL << EXIT_EPT_VIOLATION) | \
	 (1ULL << EXIT_EPT_MISCONFIG) | (1ULL << EXIT_PREEMPTION_TIMER) | (1ULL << EXIT_PML_FULL))

static void reinject_vectoring(const struct vmexit *x)
{
	if (x->reason >= 64 || !((EXIT_MAY_INTERRUPT_DELIVERY >> x->reason) & 1))
		return;
	uint32_t info = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	uint32_t type = (info >> 8) & 7;

	if (!(info & (1u << 31)))
		return;
	/* Bit 12 of the exit field is undefined here; the entry field's 30:12 are reserved. */
	vmwrite(VMCS_ENTRY_INTR_INFO, info & 0x80000fffu);
	if (info & (1u << 11))
		vmwrite(VMCS_ENTRY_EXC_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
	/* Software interrupts and exceptions need the instruction length (SDM 3C 26.6.1.3). */
	if (type == 4 || type == 5 || type == 6)
		vmwrite(VMCS_ENTRY_INSN_LEN, x->insn_len);
}

static void unhandled(struct vcpu *v, const struct vmexit *x)
{
	kprintf("vm %s: vcpu %u: unhandled exit %u (%s) qual 0x%llx rip 0x%llx rsp 0x%llx "
		"cr0 0x%llx\n",
		v->vm->name, v->id, x->reason, vmx_exit_name(x->reason),
		(unsigned long long)x->qual, (unsigned long long)x->rip,
		(unsigned long long)vmread(VMCS_GUEST_RSP),
		(unsigned long long)vmread(VMCS_GUEST_CR0));
	kprintf("vm %s: vcpu %u: rax %llx rbx %llx rcx %llx rdx %llx rsi %llx rdi %llx\n",
		v->vm->name, v->id, (unsigned long long)v->regs.rax,
		(unsigned long long)v->regs.rbx, (unsigned long long)v->regs.rcx,
		(unsigned long long)v->regs.rdx, (unsigned long long)v->regs.rsi,
		(unsigned long long)v->regs.rdi);
	vm_fail(v->vm, x->rip, "unhandled VM exit %u (%s)", x->reason, vmx_exit_name(x->reason));
}

int vcpu_enter(struct vcpu *v)
{
	struct pcpu *p = this_cpu();

	for (;;) {
		if (vm_ended(v->vm))
			return VMEXIT_STOP;
		vcpu_lapic_prepare_entry(v);
		int rc = vmx_enter(&v->regs, v->launched);
		if (rc) {
			vm_fail(v->vm, vmread(VMCS_GUEST_RIP),
				"VM entry failed: VMfail%s, VM-instruction error %llu",
				rc == 1 ? "Invalid" : "Valid",
				(unsigned long long)(rc == 2 ? vmread(VMCS_INSN_ERROR) : 0));
			return VMEXIT_STOP;
		}
		v->launched = true;
		v->entries++;
		vcpu_lapic_after_exit(v);
		struct vmexit x = {
			.reason = (uint32_t)vmread(VMCS_EXIT_REASON) & 0xffff,
			.qual = vmread(VMCS_EXIT_QUALIFICATION),
			.rip = vmread(VMCS_GUEST_RIP),
			.insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN),
		};
		v->last_rip = x.rip; /* the micro-sliced pool's symbol lookups (core/pool.c) */
		reinject_vectoring(&x);
		vmexit_handler_t h = x.reason < EXIT_REASONS ? vmexit_table[x.reason] : NULL;
		if (x.reason < EXIT_REASONS)
			v->exits[x.reason]++;
		else
			v->exits_other++;
		if (!h) {
			unhandled(v, &x);
			return VMEXIT_STOP;
		}
		int r = h(v, &x);
		if (r != VMEXIT_RESUME)
			return r;
		/* Messages wait for no particular exit: an IPI is not the only
		 * way to get here (Bochs delivers none while the guest has IF=0),
		 * and a handler may ask this core to decide again. */
		if (__builtin_expect(mbox_has_mail(&p->shared.mbox), 0))
			msg_poll();
		/* One test on the common path: the TSC only on a time-shared
		 * core, or after pcpu_resched() (slice_end 1). */
		if (__builtin_expect(p->slice_end != 0, 0) && rdtsc() >= p->slice_end &&
		    sa_preempt(v, p) != VMEXIT_RESUME)
			return VMEXIT_YIELD;
	}
}
