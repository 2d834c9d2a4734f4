/* SPDX-License-Identifier: MIT */
/*
 * VM entry and exit trampolines (SDM Vol. 3C, 27 "VM Entries", 28 "VM
 * Exits"). vmx_enter() looks like an ordinary C call: it saves the host's
 * callee-saved registers, records the stack in HOST_RSP, loads the guest's
 * general registers and enters the guest. The VM exit lands on vmx_exit
 * (HOST_RIP) with that same stack, saves the guest's registers and returns
 * from vmx_enter() with 0. A failed VMLAUNCH/VMRESUME returns 1 (CF, no
 * current VMCS) or 2 (ZF, error in VMCS_INSN_ERROR).
 * Environment: VMX root, interrupts off, the VMCS of this vCPU current.
 */
#include "asm-offsets.h"

#define HOST_RSP 0x6c14 /* VMCS field encoding (SDM 3D, B.4.4) */

	.text
	/* int vmx_enter(struct guest_regs *regs, int launched) */
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* regs, found again at (%rsp) on exit */
	movq $HOST_RSP, %rax
	vmwrite %rsp, %rax
	testl %esi, %esi
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
	movq G_RDI(%rdi), %rdi		/* movs keep the flags from testl */
	jz 1f
	vmresume
	jmp 2f
1:	vmlaunch
2:	/* Still here: the entry failed before loading guest state. */
	movl $1, %eax
	jc 3f
	movl $2, %eax
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
	xchgq %rdi, (%rsp)		/* %rdi = regs; the slot keeps guest rdi */
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
	popq G_RDI(%rdi)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	xorl %eax, %eax
	ret
