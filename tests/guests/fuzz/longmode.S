/* SPDX-License-Identifier: MIT */
/*
 * Guest test "fuzz": a round trip through long mode. From 32-bit protected
 * mode with paging off: CR4.PAE, CR3 = 4-level identity map, EFER.LME,
 * CR0.PG (IA-32e mode, compatibility mode), far jump to a 64-bit code
 * segment, CPUID and a VMCALL there, far return to 32-bit compatibility
 * mode, CR0.PG off, EFER.LME off, back on the caller's GDT (SDM 3A 10.8.5
 * and 10.8.5.4). Nothing may fault between CR0.PG on and off: the IDT has
 * 32-bit gates, so a fault there is a triple fault.
 * Environment: guest test kernel, 32-bit protected mode, paging off,
 * interrupts off, BSP.
 */
	.text
	.code32

/* struct lm (ops_long.c): 0 pml4, 4 cr0 with PG, 8 cr0 without PG (to
 * write in compatibility mode), 12 do the VMCALL, 16 CPUID 0x40000000 EBX
 * out, 20 VMCALL EAX out. */
	.globl fz_longmode
fz_longmode:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov 20(%esp), %esi
	sgdt lm_old_gdt
	lgdt lm_gdt_desc
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov 0(%esi), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x100, %eax			/* EFER.LME */
	wrmsr
	mov 4(%esi), %eax
	mov %eax, %cr0			/* IA-32e mode on, compatibility mode */
	ljmp $0x18, $lm64

	.code64
lm64:
	mov %esi, %esi			/* zero the upper halves: SDM 3A 3.4.1.1 */
	mov %esp, %esp
	mov $0x40000000, %eax
	xor %ecx, %ecx
	cpuid
	mov %ebx, 16(%rsi)
	cmpl $0, 12(%rsi)
	je 1f
	xor %eax, %eax			/* CYPRESS_HC_ABI_VERSION */
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	vmcall
	mov %eax, 20(%rsi)
1:	pushq $0x08
	lea lm_compat(%rip), %rax
	pushq %rax
	lretq

	.code32
lm_compat:
	mov 8(%esi), %eax
	mov %eax, %cr0			/* paging off: IA-32e mode off */
	mov $0xc0000080, %ecx
	rdmsr
	and $~0x100, %eax
	wrmsr
	lgdt lm_old_gdt
	ljmp $0x08, $2f
2:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

	.data
	.align 16
/* Null, 32-bit code 0x08, data 0x10 (as boot.S), 64-bit code 0x18 (L=1).
 * Accessed bits preset and in .data: loading a selector sets the bit in
 * memory (SDM 3A 3.4.5.1), which would look like a change to read-only data. */
lm_gdt:
	.quad 0
	.quad 0x00CF9B000000FFFF
	.quad 0x00CF93000000FFFF
	.quad 0x00AF9B000000FFFF
lm_gdt_end:
	.align 4
	.word 0
lm_gdt_desc:
	.word lm_gdt_end - lm_gdt - 1
	.long lm_gdt

	.align 4
	.word 0
lm_old_gdt:
	.word 0
	.long 0

	.section .note.GNU-stack, "", @progbits
