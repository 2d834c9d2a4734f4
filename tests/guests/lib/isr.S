/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: the 256 interrupt entry stubs (16 bytes apart, so
 * stub N is at isr_stubs + 16 * N), the common save/restore path that calls
 * isr_dispatch(), and guest_setjmp/guest_longjmp for the fault catcher.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU.
 */
	.text
	.code32
	.altmacro

/* Vectors for which the CPU pushes an error code (SDM Vol 3A 6.13, table
 * 6-1): #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21,
 * #VC 29, #SX 30. The others get a dummy 0 so every frame looks the same. */
.macro isr_stub v
	.align 16
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushl $0
	.endif
	pushl $\v
	jmp isr_common
.endm

	.align 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	isr_stub %vec
	.set vec, vec + 1
	.endr
	.align 16
	.globl isr_stubs_end
isr_stubs_end:			/* idt.c checks isr_stubs_end - isr_stubs == 4096 */

/* Frame for isr_dispatch (struct irq_frame): pusha block, vector, error,
 * then what the CPU pushed (EIP, CS, EFLAGS; no stack switch in ring 0). */
isr_common:
	pushal
	cld
	push %esp
	call isr_dispatch
	add $4, %esp
	popal
	add $8, %esp			/* vector and error code */
	iret

/* int guest_setjmp(struct guest_jmpbuf *jb) */
	.globl guest_setjmp
guest_setjmp:
	mov 4(%esp), %eax
	mov %ebx, 0(%eax)
	mov %esi, 4(%eax)
	mov %edi, 8(%eax)
	mov %ebp, 12(%eax)
	lea 4(%esp), %ecx		/* the caller's %esp after our ret */
	mov %ecx, 16(%eax)
	mov (%esp), %ecx		/* return address */
	mov %ecx, 20(%eax)
	pushf
	pop %ecx
	mov %ecx, 24(%eax)
	xor %eax, %eax
	ret

/* void guest_longjmp(struct guest_jmpbuf *jb, int val): abandons whatever
 * is on the stack above jb's frame (an interrupt frame included). */
	.globl guest_longjmp
guest_longjmp:
	mov 4(%esp), %edx
	mov 8(%esp), %eax
	mov 0(%edx), %ebx
	mov 4(%edx), %esi
	mov 8(%edx), %edi
	mov 12(%edx), %ebp
	mov 16(%edx), %esp
	pushl 24(%edx)
	popf
	jmp *20(%edx)

	.section .note.GNU-stack, "", @progbits
