/* SPDX-License-Identifier: MIT */
/*
 * VM entry and exit trampolines (SDM Vol. 3C, 27 "VM Entries", 28 "VM
 * Exits"). vmx_run() looks like an ordinary C call: it saves the host's
 * callee-saved registers, records the stack in HOST_RSP (only when it moved:
 * the field survives in the VMCS), loads the guest's general registers and
 * enters the guest. Every VM exit lands on vmx_exit (HOST_RIP) with that
 * same stack, saves the guest's registers and calls vmexit_handle() in C.
 * When it answers 0 the guest is entered again straight from here: the
 * common exit never unwinds to the C run loop, so it costs no host register
 * save, no HOST_RSP write and no call of its own. Any other answer returns
 * from vmx_run() with it. A failed VMLAUNCH/VMRESUME returns -1 (CF, no
 * current VMCS) or -2 (ZF, error in VMCS_INSN_ERROR).
 * Environment: VMX root, interrupts off, the VMCS of this vCPU current.
 */
#include "asm-offsets.h"

#define HOST_RSP 0x6c14 /* VMCS field encoding (SDM 3D, B.4.4) */

/* Load the guest's registers from the block at %rdi, %rdi last. Only
 * movs: the flags of the caller's last test survive it. */
.macro LOAD_GUEST
	movq G_RAX(%rdi), %rax
	movq G_RCX(%rdi), %rcx
	movq G_RDX(%rdi), %rdx
	movq G_RBX(%rdi), %rbx
	movq G_RBP(%rdi), %rbp
	movq G_RSI(%rdi), %rsi
	movq G_R8(%rdi), %r8
	movq G_R9(%rdi), %r9
	movq G_R10(%rdi), %r10
	movq G_R11(%rdi), %r11
	movq G_R12(%rdi), %r12
	movq G_R13(%rdi), %r13
	movq G_R14(%rdi), %r14
	movq G_R15(%rdi), %r15
	movq G_RDI(%rdi), %rdi
.endm

	.text
	/* int vmx_run(struct guest_regs *regs, int launched) */
	.globl vmx_run
vmx_run:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* regs, found again at (%rsp) on exit */
	/* Seven pushes after the call: %rsp is 16-byte aligned here, so the
	 * exit path calls C with the alignment the ABI wants. */
	/* HOST_RSP survives in the VMCS: write it when the stack moved or
	 * the VMCS is new to this core (not launched: created, moved, or
	 * cleared, when the cached value says nothing about the field). */
	testl %esi, %esi
	jz 1f
	cmpq G_HOST_RSP(%rdi), %rsp
	je 2f
1:	movq %rsp, G_HOST_RSP(%rdi)
	movq $HOST_RSP, %rax
	vmwrite %rsp, %rax
#ifdef VMCS_COUNT
	pushq %rsi			/* two pushes: the call stays aligned */
	pushq %rdi
	call vmcs_count_access		/* the C accessors count themselves */
	popq %rdi
	popq %rsi
#endif
2:	testl %esi, %esi
	jnz enter_resume
	LOAD_GUEST
	vmlaunch
	jmp entry_failed

enter_resume:
	LOAD_GUEST
	vmresume
	/* Still here: the entry failed before loading guest state. */
entry_failed:
	movl $-1, %eax
	jc 3f
	movl $-2, %eax
3:	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.globl vmx_exit
vmx_exit:
	xchgq %rdi, (%rsp)		/* %rdi = regs; the slot holds guest rdi */
	movq %rax, G_RAX(%rdi)
	movq %rcx, G_RCX(%rdi)
	movq %rdx, G_RDX(%rdi)
	movq %rbx, G_RBX(%rdi)
	movq %rbp, G_RBP(%rdi)
	movq %rsi, G_RSI(%rdi)
	movq %r8, G_R8(%rdi)
	movq %r9, G_R9(%rdi)
	movq %r10, G_R10(%rdi)
	movq %r11, G_R11(%rdi)
	movq %r12, G_R12(%rdi)
	movq %r13, G_R13(%rdi)
	movq %r14, G_R14(%rdi)
	movq %r15, G_R15(%rdi)
	movq (%rsp), %rax
	movq %rax, G_RDI(%rdi)
	movq %rdi, (%rsp)		/* the slot holds regs again */
	call vmexit_handle		/* int vmexit_handle(struct guest_regs *) */
	testl %eax, %eax
	jnz 4f
	movq (%rsp), %rdi
	jmp enter_resume
4:	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
