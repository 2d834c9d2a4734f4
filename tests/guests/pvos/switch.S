/* SPDX-License-Identifier: MIT */
/*
 * pvos: the context switch. Saves the callee-saved registers (cdecl: EBX,
 * ESI, EDI, EBP) on the old stack, stores the old ESP, loads the new one and
 * restores its registers; EFLAGS is the caller's business (switches happen
 * with interrupts off). A new thread's stack is laid out by thread_create so
 * that the RET lands in thread_entry.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, interrupts off.
 */
	.text
	.code32

/* void ctx_switch(uint32_t *save_esp, uint32_t new_esp) */
	.globl ctx_switch
ctx_switch:
	mov 4(%esp), %eax
	mov 8(%esp), %edx
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, (%eax)
	mov %edx, %esp
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

	.section .note.GNU-stack, "", @progbits
