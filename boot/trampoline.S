/* SPDX-License-Identifier: MIT */
/*
 * AP start-up trampoline (SDM Vol. 3A, 9.4.4 "MP Initialization Example").
 * Copied by arch/x86/smp.c to a page below 1 MiB; a STARTUP IPI starts the
 * AP in real mode at CS = page << 8, IP = 0. It goes 16 -> 32 -> 64 bit with
 * the hypervisor's page tables and jumps to ap_entry64 in the image. The
 * far pointers depend only on the page's address and are patched when the
 * page is copied; CR3 and EFER come from the image (ap_boot_cr3/efer),
 * which is identity mapped below 4 GiB, so 32-bit absolute loads reach it.
 * Environment: an AP straight out of INIT/SIPI, interrupts off, no stack.
 */
#include "asm-offsets.h"

#define OFF(x) ((x) - tramp_start)

	.section .trampoline, "a"
	.code16
	.globl tramp_start
tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	xorl %ebx, %ebx
	movw %ax, %bx
	shll $4, %ebx			/* %ebx = physical base of this page */
	lgdtl OFF(tramp_gdtr)
	movl %cr0, %eax
	orl $1, %eax			/* CR0.PE */
	movl %eax, %cr0
	ljmpl *OFF(tramp_far32)

	.code32
tramp_pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax		/* CR4.PAE */
	movl %eax, %cr4
	movl ap_boot_cr3, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* IA32_EFER */
	rdmsr
	orl ap_boot_efer, %eax		/* LME, and NXE when the BSP uses it */
	wrmsr
	movl %cr0, %eax
	/* INIT leaves CR0 = 0x60000010 (SDM 3A 9.1.1, table 9-1): caches off.
	 * Clear CD and NW, or this core and every guest on it run uncached
	 * (VM entry and exit keep CD/NW as they are, SDM 3C 27.3.2.1). */
	andl $~0x60000000, %eax
	orl $0x80010000, %eax		/* PG | WP */
	movl %eax, %cr0
	ljmpl *OFF(tramp_far64)(%ebx)

	.code64
tramp_lm64:
	movabsq $ap_entry64, %rax
	jmpq *%rax

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: 32-bit code, accessed bit preset */
	.quad 0x00cf93000000ffff	/* 0x10: data */
	.quad 0x00af9b000000ffff	/* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdtr:
	.word tramp_gdt_end - tramp_gdt - 1
	.long 0				/* patched: base + OFF(tramp_gdt) */
	.balign 4
tramp_far32:
	.long 0				/* patched: base + OFF(tramp_pm32) */
	.word 0x08
	.balign 4
tramp_far64:
	.long 0				/* patched: base + OFF(tramp_lm64) */
	.word 0x18
	.globl tramp_end
tramp_end:

	/* Offsets smp.c patches (relative to tramp_start). */
	.section .rodata
	.balign 4
	.globl tramp_off_gdtr, tramp_off_far32, tramp_off_far64
	.globl tramp_off_pm32, tramp_off_lm64, tramp_off_gdt
tramp_off_gdtr:	.long OFF(tramp_gdtr) + 2	/* the base field */
tramp_off_far32: .long OFF(tramp_far32)
tramp_off_far64: .long OFF(tramp_far64)
tramp_off_pm32:	.long OFF(tramp_pm32)
tramp_off_lm64:	.long OFF(tramp_lm64)
tramp_off_gdt:	.long OFF(tramp_gdt)

	/*
	 * 64-bit AP entry in the image: find this core's pcpu block by APIC ID
	 * in ap_boot_table (filled by smp.c), switch to its stack, call ap_main.
	 */
	.text
	.globl ap_entry64
ap_entry64:
	lgdt boot_gdtr
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	/* APIC ID: CPUID 0xB EDX (x2APIC ID) when leaf 0xB exists, else CPUID.1:EBX[31:24]. */
	xorl %eax, %eax
	cpuid
	cmpl $0xb, %eax
	jb 1f
	movl $0xb, %eax
	xorl %ecx, %ecx
	cpuid
	testl %ebx, %ebx		/* leaf 0xB valid only if EBX != 0 at level 0 */
	jz 1f
	movl %edx, %esi
	jmp 2f
1:	movl $1, %eax
	cpuid
	shrl $24, %ebx
	movl %ebx, %esi
2:	/* Linear search of {u32 apic_id, u32 pad, u64 pcpu} entries. */
	leaq ap_boot_table(%rip), %rdx
	movl ap_boot_count(%rip), %ecx
3:	testl %ecx, %ecx
	jz 5f
	cmpl %esi, (%rdx)
	je 4f
	addq $16, %rdx
	decl %ecx
	jmp 3b
4:	movq 8(%rdx), %rdi		/* struct pcpu * */
	movq PCPU_STACK_TOP(%rdi), %rsp
	xorl %ebp, %ebp
	call ap_main
5:	cli				/* unknown core: park it */
	hlt
	jmp 5b
