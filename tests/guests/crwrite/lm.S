/* SPDX-License-Identifier: MIT */
/*
 * Guest test "crwrite": the 64-bit half of the long-mode round trip. Called
 * in IA-32e compatibility mode (EFER.LMA = 1, CS = the 32-bit code segment),
 * it far-jumps to the 64-bit code segment LM_CS64, proves 64-bit registers
 * work, executes CPUID there (an exit taken in 64-bit mode) and returns to
 * compatibility mode with a far return (SDM 3A 10.8.5, 5.8.8 far returns).
 * Environment: guest test kernel, IA-32e mode with identity paging of the
 * image, interrupts off, the GDT of main.c loaded. No exception may happen
 * here: the IDT holds 32-bit gates, which IA-32e mode cannot use.
 */
#include "tests/guests/crwrite/lm.h"

	.text
	.code32
/* void lm_visit64(void): fills lm_result. */
	.globl lm_visit64
lm_visit64:
	push %ebx
	push %esi
	push %edi
	push %ebp
	ljmp $LM_CS64, $1f
	.code64
1:	movl %esp, %esp			/* RSP's upper half is undefined after the switch */
	movl $lm_result, %edi		/* zero-extended: absolute disp32 would be sign-extended */
	movabsq $0x100000000, %rax
	shrq $32, %rax			/* 1 only with 64-bit registers */
	movl %eax, LM_WIDE(%rdi)
	movl LM_LEAF(%rdi), %eax
	xorl %ecx, %ecx
	cpuid
	movl %eax, LM_EAX(%rdi)
	movl %ebx, LM_EBX(%rdi)
	movl %ecx, LM_ECX(%rdi)
	movl %edx, LM_EDX(%rdi)
	pushq $LM_CS32
	movl $2f, %eax			/* zero-extended: the image is below 4 GiB */
	pushq %rax
	lretq
	.code32
2:	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret

	.section .note.GNU-stack, "", @progbits
