/* SPDX-License-Identifier: MIT */
/*
 * Interrupt and exception entry stubs: push a uniform frame (vector, error
 * code, all general registers) and call trap_dispatch(frame). Nothing else.
 * Environment: any core, any interrupt or exception.
 */

/* Vectors where the CPU pushes an error code (SDM Vol. 3A, 7.3 table 7-1). */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.macro stub v
	.balign 16
isr_\v:
	.if HAS_ERR(\v)
	pushq $\v
	.else
	pushq $0
	pushq $\v
	.endif
	jmp isr_common
	.endm

	.altmacro
	.macro stubs from, to
	stub \from
	.if \to - \from
	stubs %(\from + 1), \to
	.endif
	.endm

	stubs 0, 63
	stubs 64, 127
	stubs 128, 191
	stubs 192, 255

isr_common:
	/* Frame layout must match struct trap_frame (arch/x86/traps.h). */
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector and error code */
	iretq

	/* Table of stub addresses for idt.c. */
	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.macro entry v
	.quad isr_\v
	.endm
	.macro entries from, to
	entry \from
	.if \to - \from
	entries %(\from + 1), \to
	.endif
	.endm
	entries 0, 63
	entries 64, 127
	entries 128, 191
	entries 192, 255
