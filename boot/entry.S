/* SPDX-License-Identifier: MIT */
/*
 * Boot trampoline: multiboot2 header, then from GRUB's 32-bit protected mode
 * (paging off, Multiboot2 spec 3.3 "I386 machine state") into 64-bit long
 * mode with temporary identity page tables for the low 4 GiB, and on to
 * boot_main(). The real page tables (W^X) are built in C (arch/x86/paging.c).
 * Environment: boot core only, interrupts off, no stack until we set one.
 */
#include "asm-offsets.h"

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define EFER_MSR 0xc0000080

	.section .multiboot2, "a"
	.balign 8
	.globl multiboot2_header
multiboot2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_end - multiboot2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_end - multiboot2_header))
	/* Information request tag (type 1): ask for what we parse. */
	.balign 8
	.word 1, 0
	.long 4 * 6 + 8
	.long 1, 4, 6, 14, 15, 21 /* cmdline, meminfo, mmap, ACPI old/new, load base */
	.balign 8
	.word 0, 0 /* end tag */
	.long 8
mb2_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %edi			/* multiboot2 magic */
	movl %ebx, %esi			/* boot info physical address */
	rdtsc				/* boot-time reference for `make bench` */
	movl %eax, boot_tsc
	movl %edx, boot_tsc + 4
	movl $(bsp_pcpu_block + PCPU_STACK_END), %esp

	/* Long mode needs CPUID 0x80000001:EDX[29] (SDM Vol. 3A, 10.8.5). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, %ebp			/* keep EDX[20] (NX) for EFER.NXE below */

	/* Early tables: PML4[0] -> PDPT, PDPT[0..3] -> 4 PDs of 2 MiB pages. */
	movl $early_pdpt, %eax
	orl $0x3, %eax
	movl %eax, early_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $early_pd, %eax
	orl $0x3, %eax
	movl %eax, early_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	xorl %ecx, %ecx			/* 2048 entries of 2 MiB: 4 GiB */
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax			/* present, writable, 2 MiB page */
	movl %eax, early_pd(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl %cr4, %eax
	orl $(1 << 5), %eax		/* CR4.PAE */
	movl %eax, %cr4
	movl $early_pml4, %eax
	movl %eax, %cr3
	movl $EFER_MSR, %ecx
	rdmsr
	orl $(1 << 8), %eax		/* EFER.LME */
	btl $20, %ebp
	jnc 3f
	orl $(1 << 11), %eax		/* EFER.NXE when the CPU has NX */
3:	wrmsr
	movl %cr0, %eax
	andl $~0x60000000, %eax		/* caches on: CD and NW clear (SDM 3A 12.5.3) */
	orl $0x80010001, %eax		/* PG | WP | PE */
	movl %eax, %cr0
	lgdt boot_gdtr
	ljmp $0x08, $long_mode

no_long_mode:
	/* Say why on both consoles, then stop: there is nothing else to do. */
	movl $msg_no_lm, %esi
4:	lodsb
	testb %al, %al
	jz 5f
	outb %al, $0xe9
	movw $0x3f8, %dx
	outb %al, %dx
	jmp 4b
5:	hlt
	jmp 5b

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $(bsp_pcpu_block + PCPU_STACK_END), %rsp
	xorl %ebp, %ebp			/* terminates backtraces */
	/* boot_main(magic, info) in %edi, %esi: already there. */
	call boot_main
6:	cli
	hlt
	jmp 6b

	.section .rodata
msg_no_lm:
	.asciz "cypress: this CPU has no 64-bit long mode; cannot boot\n"

	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code, accessed */
	.quad 0x00cf93000000ffff	/* 0x10: data, accessed */
boot_gdt_end:
	.balign 16
	.globl boot_gdtr
boot_gdtr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .bss
	.balign 4096
early_pml4:	.skip 4096
early_pdpt:	.skip 4096
early_pd:	.skip 4 * 4096
	.globl boot_tsc
	.balign 8
boot_tsc:	.skip 8
