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

static const char *const exit_names[EXIT_REASONS] = {
	[EXIT_EXCEPTION_NMI] = "EXCEPTION_NMI",
	[EXIT_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[EXIT_TRIPLE_FAULT] = "TRIPLE_FAULT",
	[EXIT_INIT] = "INIT",
	[EXIT_SIPI] = "SIPI",
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
	[EXIT_VMCALL] = "VMCALL",
	[EXIT_CR_ACCESS] = "CR_ACCESS",
	[EXIT_DR_ACCESS] = "DR_ACCESS",
	[EXIT_IO] = "IO",
	[EXIT_RDMSR] = "RDMSR",
	[EXIT_WRMSR] = "WRMSR",
	[EXIT_ENTRY_FAIL_GUEST] = "ENTRY_FAIL_GUEST",
	[EXIT_ENTRY_FAIL_MSR] = "ENTRY_FAIL_MSR",
	[EXIT_MWAIT] = "MWAIT",
	[EXIT_MTF] = "MTF",
	[EXIT_MONITOR] = "MONITOR",
	[EXIT_PAUSE] = "PAUSE",
	[EXIT_APIC_ACCESS] = "APIC_ACCESS",
	[EXIT_EPT_VIOLATION] = "EPT_VIOLATION",
	[EXIT_EPT_MISCONFIG] = "EPT_MISCONFIG",
	[EXIT_PREEMPTION_TIMER] = "PREEMPTION_TIMER",
	[EXIT_WBINVD] = "WBINVD",
	[EXIT_XSETBV] = "XSETBV",
	[EXIT_APIC_WRITE] = "APIC_WRITE",
};

const char *vmx_exit_name(uint32_t reason)
{
	return reason < EXIT_REASONS && exit_names[reason] ? exit_names[reason] : "?";
}

void vmexit_skip_insn(const struct vmexit *x)
{
	vmwrite(VMCS_GUEST_RIP, x->rip + x->insn_len);
	/* Skipping an instruction ends STI/MOV-SS blocking (SDM 3C 25.4.2). */
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & 3)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ULL);
}

void vmexit_inject_exception(uint8_t vec, bool has_err, uint32_t err)
{
	/* SDM 3C 26.6: type 3 = hardware exception, bit 11 = deliver error code. */
	vmwrite(VMCS_ENTRY_INTR_INFO, (1u << 31) | (3u << 8) | vec | (has_err ? 1u << 11 : 0));
	if (has_err)
		vmwrite(VMCS_ENTRY_EXC_ERROR, err);
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
