// SPDX-License-Identifier: MIT
/*
 * The vCPU run loop and the exit dispatch table. An exit reason without a
 * handler fails the VM (never the hypervisor) with the reason and the
 * guest's state on the console.
 * Environment: VMX root, the vCPU's own core, interrupts off in the loop.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "core/hypercall.h"
#include "core/msg.h"
#include "core/sa.h"
#include "arch/x86/vmx/ioapic_exit.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmcs_count.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/xapic.h"
#include "lib/printf.h"

/* entry.S: enter the guest and handle exits until vmexit_handle() answers
 * nonzero (that answer), or -1/-2 when VMLAUNCH/VMRESUME fail. */
int vmx_run(struct guest_regs *regs, int launched);

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
	[EXIT_VIRT_EOI] = vmexit_virt_eoi,
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

void vmexit_complete_insn_slow(uint64_t intr, uint64_t rflags)
{
	/* Completing an instruction ends STI/MOV-SS blocking (SDM 3C 25.4.2). */
	if (intr & 3)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ULL);
	/* Under RFLAGS.TF the instruction ends with a single-step trap: BS in
	 * the pending debug exceptions delivers it after entry (SDM 3C 25.4.2,
	 * 27.7.3). */
	if (rflags & RFLAGS_TF)
		vmwrite(VMCS_GUEST_PENDING_DBG, vmread(VMCS_GUEST_PENDING_DBG) | (1ULL << 14));
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
	/* Software interrupts and exceptions need the instruction length (SDM
	 * 3C 26.6.1.3); an exit that reads no length reads it here. */
	if (type == 4 || type == 5 || type == 6)
		vmwrite(VMCS_ENTRY_INSN_LEN,
			x->fields & XF_LEN ? x->insn_len : vmread(VMCS_EXIT_INSN_LEN));
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

/*
 * The exit information each reason's handler reads (struct vmexit); the
 * others stay unread, so the common exits cost only the VMREADs they need.
 * A reason not listed reads all three. Handlers of listed reasons must not
 * use a field their entry leaves out (the checking build poisons them).
 */
static const uint8_t exit_fields[EXIT_REASONS] = {
	[EXIT_EXTERNAL_INTERRUPT] = XF_NONE, [EXIT_INTERRUPT_WINDOW] = XF_NONE,
	[EXIT_NMI_WINDOW] = XF_NONE,	     [EXIT_PREEMPTION_TIMER] = XF_NONE,
	[EXIT_CPUID] = XF_RIP | XF_LEN,	     [EXIT_HLT] = XF_RIP | XF_LEN,
	[EXIT_VMCALL] = XF_RIP | XF_LEN,     [EXIT_RDMSR] = XF_RIP | XF_LEN,
	[EXIT_WRMSR] = XF_RIP | XF_LEN,	     [EXIT_PAUSE] = XF_RIP | XF_LEN,
	[EXIT_XSETBV] = XF_RIP | XF_LEN,     [EXIT_APIC_WRITE] = XF_QUAL,
	[EXIT_VIRT_EOI] = XF_QUAL,
};

/* In the checking build, a handler that reads a field its exit left unread
 * (x->fields) gets nonsense the suites notice, not a plausible stale value. */
static inline void poison_unread(struct vmexit *x)
{
#ifdef VMCS_COUNT
	if (!(x->fields & XF_QUAL))
		x->qual = 0xdead0000dead0000ULL;
	if (!(x->fields & XF_RIP))
		x->rip = 0xdead0000dead0000ULL;
	if (!(x->fields & XF_LEN))
		x->insn_len = 0xdead;
#else
	(void)x;
#endif
}

static void read_exit(struct vmexit *x)
{
	uint32_t f = x->reason < EXIT_REASONS && exit_fields[x->reason] ?
			     exit_fields[x->reason] & XF_ALL :
			     XF_ALL;

	x->fields = f;
	if (f & XF_QUAL)
		x->qual = vmread(VMCS_EXIT_QUALIFICATION);
	if (f & XF_RIP)
		x->rip = vmread(VMCS_GUEST_RIP);
	if (f & XF_LEN)
		x->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
	poison_unread(x);
}

/* The hypercall ABI (docs/guest-abi.md): number in EAX, arguments in EBX,
 * ECX, EDX, the answer in EAX. */
static inline __attribute__((always_inline)) int vmcall(struct vcpu *v, const struct vmexit *x)
{
	struct hc_args a = {
		.nr = (uint32_t)v->regs.rax,
		.a1 = (uint32_t)v->regs.rbx,
		.a2 = (uint32_t)v->regs.rcx,
		.a3 = (uint32_t)v->regs.rdx,
	};
	struct hc_result r = hypercall_dispatch(v, &a);

	if (r.stop)
		return VMEXIT_STOP;
	v->regs.rax = (uint32_t)(int32_t)r.ret;
	vmexit_skip_insn(x);
	return r.sched;
}

int vmexit_vmcall(struct vcpu *v, const struct vmexit *x)
{
	return vmcall(v, x);
}

/* Any exit, by the table (style rule 2). */
static __attribute__((noinline)) int exit_by_table(struct vcpu *v, uint32_t reason)
{
	struct vmexit x = { .reason = reason };
	vmexit_handler_t h = reason < EXIT_REASONS ? vmexit_table[reason] : NULL;

	read_exit(&x);
	reinject_vectoring(&x);
	if (!h) {
		unhandled(v, &x);
		return VMEXIT_STOP;
	}
	return h(v, &x);
}

/* An instruction exit's information: no IDT-vectoring information to
 * re-inject (EXIT_MAY_INTERRUPT_DELIVERY), the qualification if asked. */
static inline __attribute__((always_inline)) void read_insn_exit(struct vmexit *x, bool qual)
{
	x->fields = XF_RIP | XF_LEN;
	if (qual) {
		x->fields |= XF_QUAL;
		x->qual = vmread(VMCS_EXIT_QUALIFICATION);
	}
	x->rip = vmread(VMCS_GUEST_RIP);
	x->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
	poison_unread(x);
}

/* The other exits that go ahead of the table (vmexit_handle()). */
static inline __attribute__((always_inline)) int exit_common(struct vcpu *v, struct vmexit *x)
{
	switch (x->reason) {
	case EXIT_CPUID:
		read_insn_exit(x, false);
		return vmexit_cpuid(v, x);
	case EXIT_IO:
		read_insn_exit(x, true);
		return vmexit_io(v, x);
	case EXIT_WRMSR: /* x2APIC guests: ICR, EOI, TSC deadline */
		read_insn_exit(x, false);
		return vmexit_wrmsr(v, x);
	case EXIT_EXTERNAL_INTERRUPT: /* IPIs from other cores, the host timer */
		x->fields = 0;
		poison_unread(x);
		reinject_vectoring(x); /* it may have cut an event's delivery short */
		return vmexit_external_interrupt(v, x);
	default:
		return exit_by_table(v, x->reason);
	}
}

/*
 * Called by entry.S on every VM exit, with the guest's registers saved in
 * `regs` (the first member of its vCPU). Handles the exit and prepares the
 * next entry; 0 enters the guest again at once (entry.S), anything else
 * returns from vmx_run() to vcpu_enter(), which returns it.
 *
 * The exits guests take most (hypercalls, CPUID, port I/O, WRMSR, external
 * interrupts) go ahead of the table, straight to their handlers, with only
 * the VMREADs they need; the table has the same handlers for every other
 * way in.
 */
int vmexit_handle(struct guest_regs *regs);
int vmexit_handle(struct guest_regs *regs)
{
	struct vcpu *v = (struct vcpu *)regs; /* regs is the vCPU's first member */
	struct pcpu *p = this_cpu();
	struct vmexit x;
	int r;

	vmcs_count_exit_begin(p);
	v->launched = true; /* an exit: the VMCS was launched */
	x.reason = (uint32_t)vmread(VMCS_EXIT_REASON) & 0xffff;
	if (__builtin_expect(x.reason < EXIT_REASONS, 1))
		v->exits[x.reason]++;
	else
		v->exits_other++;
	if (x.reason == EXIT_VMCALL) { /* the most frequent: tested first */
		read_insn_exit(&x, false);
		r = vmcall(v, &x);
	} else {
		r = exit_common(v, &x);
	}
	if (r != VMEXIT_RESUME)
		return r;
	/* Messages wait for no particular exit: an IPI is not the only
	 * way to get here (Bochs delivers none while the guest has IF=0),
	 * and a handler may ask this core to decide again. */
	if (__builtin_expect(mbox_has_mail(&p->shared.mbox), 0)) {
		msg_poll();
		/* entry.S resumes the current VMCS; one a message cleared
		 * (vcpu_vmcs_unload) goes back through the runqueue. */
		if (!v->launched)
			return VMEXIT_YIELD;
	}
	/* One test on the common path: the TSC only on a time-shared
	 * core, or after pcpu_resched() (slice_end 1). */
	if (__builtin_expect(p->slice_end != 0, 0) && rdtsc() >= p->slice_end &&
	    sa_preempt(v, p) != VMEXIT_RESUME)
		return VMEXIT_YIELD;
	if (__builtin_expect(vm_ended(v->vm), 0))
		return VMEXIT_STOP;
	vcpu_lapic_prepare_entry(v);
	vmcs_count_exit_end(v, p, x.reason);
	return VMEXIT_RESUME;
}

int vcpu_enter(struct vcpu *v)
{
	_Static_assert(offsetof(struct vcpu, regs) == 0, "entry.S finds the vCPU from its regs");
	if (vm_ended(v->vm))
		return VMEXIT_STOP;
	vcpu_lapic_prepare_entry(v);
	int rc = vmx_run(&v->regs, v->launched);
	if (rc < 0) {
		vm_fail(v->vm, vmread(VMCS_GUEST_RIP),
			"VM entry failed: VMfail%s, VM-instruction error %llu",
			rc == -1 ? "Invalid" : "Valid",
			(unsigned long long)(rc == -2 ? vmread(VMCS_INSN_ERROR) : 0));
		return VMEXIT_STOP;
	}
	/* Where the vCPU stopped, for the micro-sliced pool's symbol lookups
	 * (core/pool.c): they ask about vCPUs that are not running, and one
	 * that leaves the guest passes here. Not when a message cleared its
	 * VMCS (vmexit_handle): there is no current VMCS to read then. */
	if (v->launched)
		__atomic_store_n(&v->last_rip, vmread(VMCS_GUEST_RIP), __ATOMIC_RELAXED);
	return rc;
}
