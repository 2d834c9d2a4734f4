// SPDX-License-Identifier: MIT
/*
 * The vCPU run loop and the exit dispatch table. An exit reason without a
 * handler fails the VM (never the hypervisor) with the reason and the
 * guest's state on the console.
 * Environment: VMX root, the vCPU's own core, interrupts off in the loop.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmexit.h"
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
	[EXIT_EPT_VIOLATION] = vmexit_ept_violation,
	[EXIT_EPT_MISCONFIG] = vmexit_ept_misconfig,
	[EXIT_INVEPT] = vmexit_undefined_opcode,
	[EXIT_PREEMPTION_TIMER] = vmexit_preemption_timer,
	[EXIT_INVVPID] = vmexit_undefined_opcode,
	[EXIT_XSETBV] = vmexit_xsetbv,
};

/* Every basic exit reason of SDM 3D appendix C; numbers it leaves unused read RESERVED. */
static const char *const exit_names[EXIT_REASONS] = {
	[0] = "EXCEPTION_NMI",
	[1] = "EXTERNAL_INTERRUPT",
	[2] = "TRIPLE_FAULT",
	[3] = "INIT",
	[4] = "SIPI",
	[5] = "IO_SMI",
	[6] = "OTHER_SMI",
	[7] = "INTERRUPT_WINDOW",
	[8] = "NMI_WINDOW",
	[9] = "TASK_SWITCH",
	[10] = "CPUID",
	[11] = "GETSEC",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[17] = "RSM",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMXOFF",
	[27] = "VMXON",
	[28] = "CR_ACCESS",
	[29] = "DR_ACCESS",
	[30] = "IO",
	[31] = "RDMSR",
	[32] = "WRMSR",
	[33] = "ENTRY_FAIL_GUEST",
	[34] = "ENTRY_FAIL_MSR",
	[35] = "RESERVED",
	[36] = "MWAIT",
	[37] = "MTF",
	[38] = "RESERVED",
	[39] = "MONITOR",
	[40] = "PAUSE",
	[41] = "ENTRY_FAIL_MC",
	[42] = "RESERVED",
	[43] = "TPR_BELOW",
	[44] = "APIC_ACCESS",
	[45] = "VIRT_EOI",
	[46] = "GDTR_IDTR",
	[47] = "LDTR_TR",
	[48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "PREEMPTION_TIMER",
	[53] = "INVVPID",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[56] = "APIC_WRITE",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "PML_FULL",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[65] = "PCONFIG",
	[66] = "SPP_EVENT",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[69] = "LOADIWKEY",
	[70] = "ENCLV",
	[71] = "RESERVED",
	[72] = "ENQCMD_PASID",
	[73] = "ENQCMDS_PASID",
	[74] = "BUS_LOCK",
	[75] = "NOTIFY",
	[76] = "SEAMCALL",
	[77] = "TDCALL",
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
 * (SDM 3C 28.2.4, 29.2.1.3 "re-injection").
 */
/* Exits that can happen during event delivery (SDM 3C 28.2.4); instruction
 * exits (CPUID, VMCALL, I/O, ...) never carry IDT-vectoring information. */
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

void vcpu_run(struct vcpu *v)
{
	irq_disable();
	if (!vmptrld(v->vmcs_pa)) {
		vm_fail(v->vm, 0, "VMPTRLD of vcpu %u's VMCS failed", v->id);
		return;
	}
	v->state = VCPU_RUNNING;
	/* The core now runs v: its XCR0 becomes v's (and stays so until
	 * v's own XSETBV, or another vCPU is switched in). */
	vcpu_xcr0_load(v);
	while (!vm_ended(v->vm)) {
		vcpu_lapic_prepare_entry(v);
		int rc = vmx_enter(&v->regs, v->launched);
		if (rc) {
			vm_fail(v->vm, vmread(VMCS_GUEST_RIP),
				"VM entry failed: VMfail%s, VM-instruction error %llu",
				rc == 1 ? "Invalid" : "Valid",
				(unsigned long long)(rc == 2 ? vmread(VMCS_INSN_ERROR) : 0));
			break;
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
		reinject_vectoring(&x);
		vmexit_handler_t h = x.reason < EXIT_REASONS ? vmexit_table[x.reason] : NULL;
		if (x.reason < EXIT_REASONS)
			v->exits[x.reason]++;
		else
			v->exits_other++;
		if (!h) {
			unhandled(v, &x);
			break;
		}
		if (h(v, &x) == VMEXIT_STOP)
			break;
	}
	v->state = VCPU_DONE;
	vmclear(v->vmcs_pa);
}
