/* SPDX-License-Identifier: MIT */
/*
 * Guest test kernel entry: the multiboot v1 header, the BSP's 32-bit entry,
 * a flat GDT, and the real-mode trampoline started APs run (copied below
 * 1 MiB by smp.c), which jumps to ap_entry32 here.
 * Environment: BSP: 32-bit protected mode, paging off, interrupts off, as a
 * multiboot loader leaves it (Multiboot 0.6.96 section 3.2); APs: real mode
 * after STARTUP IPI (SDM Vol 3A 9.4.4).
 */
#include "tests/guests/lib/cpu.h"

#define MB_MAGIC 0x1BADB002
/* Flags: bit 0 page-align modules, bit 1 want memory info; no address
 * fields (bit 16 clear), so the loader uses the ELF headers (section 3.1.2). */
#define MB_FLAGS 0x00000003

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	/* Keep the loader's EAX (magic) and EBX (info address) out of the way
	 * of rep stos (EAX, ECX, EDI). */
	mov %eax, %esi
	/* The loader's GDTR may be invalid (section 3.2): load ours before
	 * touching any segment register. */
	lgdt gdt_desc
	ljmp $GUEST_CS, $1f
1:	mov $GUEST_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	/* Zero .bss (the stacks included) before any C runs. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $(guest_stacks + GUEST_STACK_SIZE), %esp
	xor %ebp, %ebp
	push %ebx
	push %esi
	call guest_start
halt_forever:
	cli
	hlt
	jmp halt_forever

/*
 * APs arrive here from the trampoline in 32-bit protected mode with CS
 * loaded. Each takes the next stack slot with one locked add, so any number
 * may arrive at once; a slot beyond GUEST_MAX_CPUS parks the CPU.
 */
	.globl ap_entry32
ap_entry32:
	mov $GUEST_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	cld
	mov $1, %eax
	lock xadd %eax, ap_next_slot
	cmp $GUEST_MAX_CPUS, %eax
	jae halt_forever
	lea 1(%eax), %ecx
	shl $14, %ecx			/* * GUEST_STACK_SIZE (16 KiB) */
	.if GUEST_STACK_SIZE != 16384
	.error "ap_entry32 assumes 16 KiB stacks"
	.endif
	add $guest_stacks, %ecx
	mov %ecx, %esp
	xor %ebp, %ebp
	push %eax
	call ap_start
	jmp halt_forever

/*
 * Real-mode trampoline. A STARTUP IPI with vector VV starts the AP at
 * VV00:0000 (SDM Vol 3A 9.4.4.1), so everything here is addressed relative to
 * CS and the code runs wherever smp.c copies it. The GDT and ap_entry32 live
 * in the image at fixed addresses; LGDT with a 32-bit operand takes a full
 * 32-bit base even in real mode. A20 is already on (the BSP runs above 1 MiB).
 */
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
	.align 16
ap_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl (tramp_gdt_desc - ap_trampoline_start)
	mov %cr0, %eax
	or $1, %eax			/* CR0.PE: SDM Vol 3A 10.9.1 */
	mov %eax, %cr0
	ljmpl *(tramp_far - ap_trampoline_start)
	.align 4
tramp_gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
tramp_far:
	.long ap_entry32
	.word GUEST_CS
ap_trampoline_end:

	.section .rodata
	.align 16
/* Null, flat 4 GiB 32-bit code (0x08), flat 4 GiB data (0x10): SDM Vol 3A 3.4.5. */
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
gdt_end:
	.align 4
	.word 0
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.section .note.GNU-stack, "", @progbits
