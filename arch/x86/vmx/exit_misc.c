// SPDX-License-Identifier: MIT
/*
 * The smaller exit handlers: HLT, EPT faults, triple fault,
 * interrupts and NMIs, the preemption timer, failed VM entries, and
 * instructions the guest must see as undefined.
 * Environment: VMX root, the vCPU's core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/traps.h"
#include "arch/x86/vmx/ioapic_exit.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/xapic.h"
#include "core/msg.h"
#include "core/pool.h"
#include "lib/printf.h"

int vmexit_hlt(struct vcpu *v, const struct vmexit *x)
{
	struct pcpu *p = this_cpu();

	/* SDM 2A HLT: the vCPU sleeps until an interrupt it can take (or an
	 * NMI, INIT). RFLAGS.IF is kept because its VMCS may not be current
	 * when that is decided. */
	vmexit_skip_insn(x);
	v->halted = true;
	v->halt_if = (vmread(VMCS_GUEST_RFLAGS) >> 9) & 1;
	/* Alone on its core, it sleeps right here (the core has nothing else
	 * to do), serving messages meanwhile: the shortest path back when its
	 * interrupt comes. As soon as the core must decide (another vCPU
	 * arrives, a move: pcpu_resched), it leaves the runqueue instead, so a
	 * core it shares spends nothing on it; core/vcore.c wakes it. */
	while (!p->timeshared && !p->slice_end) {
		if (__atomic_load_n(&v->post.pending, __ATOMIC_ACQUIRE))
			vcpu_post_take(v);
		if (vcpu_lapic_wakeup(v)) {
			v->halted = false;
			return VMEXIT_RESUME;
		}
		if (vm_ended(v->vm))
			return VMEXIT_STOP;
		if (!msg_poll())
			safe_halt(); /* an IPI, the timer or a message ends it */
		irq_disable();
	}
	return VMEXIT_BLOCK;
}

int vmexit_ept_violation(struct vcpu *v, const struct vmexit *x)
{
	uint64_t gpa = vmread(VMCS_GUEST_PHYS_ADDR);
	bool apic_page = gpa >= XAPIC_MMIO_BASE && gpa < XAPIC_MMIO_BASE + PAGE_SIZE;

	if (vmread(VMCS_IDT_VECTORING_INFO) & (1u << 31)) {
		/* The CPU touched it while delivering an event (IDT, stack):
		 * there is no instruction to emulate (SDM 3C 28.2.4). */
		vm_fail(v->vm, x->rip, "event delivery accessed guest-physical 0x%llx (%s)",
			(unsigned long long)gpa,
			apic_page ? "the xAPIC page" : "outside the partition's memory");
		return VMEXIT_STOP;
	}
	if (apic_page)
		return xapic_mmio(v, x, gpa);
	if (gpa >= IOAPIC_BASE && gpa < IOAPIC_BASE + PAGE_SIZE)
		return vcpu_ioapic_mmio(v, x, gpa);
	const char *what = x->qual & 2 ? "write" : x->qual & 4 ? "instruction fetch" : "read";

	/* SDM 3C 28.2.1 table 28-7: bits 0-2 say the access, 3-5 what was allowed. */
	vm_fail(v->vm, x->rip,
		"EPT violation: %s at guest-physical 0x%llx, outside the partition's %llu MiB",
		what, (unsigned long long)gpa, (unsigned long long)(v->vm->mem_size >> 20));
	return VMEXIT_STOP;
}

int vmexit_ept_misconfig(struct vcpu *v, const struct vmexit *x)
{
	/* A misconfigured EPT entry is our bug, but it only affects this VM. */
	vm_fail(v->vm, x->rip, "EPT misconfiguration at guest-physical 0x%llx (hypervisor bug)",
		(unsigned long long)vmread(VMCS_GUEST_PHYS_ADDR));
	return VMEXIT_STOP;
}

int vmexit_triple_fault(struct vcpu *v, const struct vmexit *x)
{
	vm_fail(v->vm, x->rip, "triple fault");
	return VMEXIT_STOP;
}

/*
 * With "acknowledge interrupt on exit" the vector is in the exit
 * information (SDM 3C 28.2.2); run the host handler as the IDT would.
 */
int vmexit_external_interrupt(struct vcpu *v, const struct vmexit *x)
{
	uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);

	(void)x;
	if (info & (1u << 31))
		irq_dispatch_vector((uint8_t)info);
	msg_poll();
	return vm_ended(v->vm) ? VMEXIT_STOP : VMEXIT_RESUME;
}

int vmexit_exception_nmi(struct vcpu *v, const struct vmexit *x)
{
	uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
	uint32_t type = (info >> 8) & 7;

	if (type == 2) {
		/* A host NMI while the guest ran: nothing uses NMIs yet. */
		return VMEXIT_RESUME;
	}
	/* The exception bitmap is empty, so this cannot be a guest exception. */
	vm_fail(v->vm, x->rip, "unexpected exception exit, vector %u", info & 0xff);
	return VMEXIT_STOP;
}

int vmexit_preemption_timer(struct vcpu *v, const struct vmexit *x)
{
	/* On a time-shared core it ends the slice (vcpu_enter sees
	 * pcpu.slice_end pass); otherwise it is the hypervisor's periodic look
	 * at messages. core/vcore.c wrote the value for this turn; with "save
	 * VMX-preemption timer value" the CPU counted it down to 0. */
	(void)x;
	vmwrite(VMCS_PREEMPTION_TIMER, vcpu_preempt_ticks(this_cpu()));
	msg_poll();
	return vm_ended(v->vm) ? VMEXIT_STOP : VMEXIT_RESUME;
}

int vmexit_entry_failure(struct vcpu *v, const struct vmexit *x)
{
	static const char *const why[] = {
		[EXIT_ENTRY_FAIL_GUEST] = "invalid guest state",
		[EXIT_ENTRY_FAIL_MSR] = "MSR loading",
		[EXIT_ENTRY_FAIL_MC] = "machine-check event",
	};
	vm_fail(v->vm, x->rip, "VM entry rejected: %s (exit qualification %llu)",
		x->reason < ARRAY_SIZE(why) && why[x->reason] ? why[x->reason] : "?",
		(unsigned long long)x->qual);
	return VMEXIT_STOP;
}

int vmexit_task_switch(struct vcpu *v, const struct vmexit *x)
{
	/* Hardware task switches always exit (SDM 3C 26.1.2). Emulating one
	 * means reloading every segment from TSS descriptors; 64-bit code
	 * cannot use them and no guest Cypress targets does, so the guest is
	 * stopped with the reason rather than run with wrong state. */
	static const char *const source[] = { "CALL", "IRET", "JMP", "IDT task gate" };

	/* Exit qualification: TSS selector 15:0, source 31:30 (SDM 3C table 28-2). */
	vm_fail(v->vm, x->rip, "hardware task switch (%s to TSS selector 0x%llx) is not emulated",
		source[(x->qual >> 30) & 3], (unsigned long long)(x->qual & 0xffff));
	return VMEXIT_STOP;
}

int vmexit_undefined_opcode(struct vcpu *v, const struct vmexit *x)
{
	(void)v;
	(void)x;
	vmexit_inject_exception(6, false, 0); /* #UD: the guest sees no VMX/SMX */
	return VMEXIT_RESUME;
}

int vmexit_invd(struct vcpu *v, const struct vmexit *x)
{
	(void)v;
	/* Dropping dirty lines would corrupt other partitions' memory: write back. */
	__asm__ volatile("wbinvd" ::: "memory");
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}

/*
 * PAUSE-loop exiting (SDM 3C 25.1.3, 26.2: basic reason 40, as for PAUSE
 * exiting): the guest executed PAUSE in a loop for longer than PLE_Window
 * ticks, PAUSEs at most PLE_Gap apart, at CPL 0 - a spinning vCPU, most
 * likely waiting for a lock whose holder does not run. RIP is at the PAUSE:
 * it completes, the micro-sliced pool looks for a preempted critical
 * sibling, and the spinner gives way on a shared core.
 */
int vmexit_pause(struct vcpu *v, const struct vmexit *x)
{
	vmexit_skip_insn(x);
	return pool_pause_loop(v);
}
