/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: per-CPU block, stacks and the setjmp/longjmp pair the
 * fault catcher uses. The per-CPU block sits at the bottom of each CPU's
 * stack, so this_cpu() needs no segment register and no APIC access.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU;
 * also included by boot.S (constants only).
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#define GUEST_MAX_CPUS	 8
#define GUEST_STACK_SIZE 16384 /* power of two: this_cpu() masks %esp with it */

/* Flat segments loaded by boot.S (GDT in boot.S). */
#define GUEST_CS 0x08
#define GUEST_DS 0x10

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Callee-saved registers, stack, resume point and EFLAGS (layout used by isr.S). */
struct guest_jmpbuf {
	uint32_t ebx, esi, edi, ebp, esp, eip, eflags;
};

/* What the exception handler recorded for catch_fault(). */
struct fault_info {
	uint32_t vector;
	uint32_t error; /* error code, 0 for vectors that push none */
	uint32_t eip;	/* address of the faulting instruction */
};

/* Per-CPU block at the lowest address of the CPU's stack. */
struct cpu_local {
	uint32_t index;	  /* 0 = BSP, 1.. = APs in check-in order */
	uint32_t apic_id; /* filled once the LAPIC is enabled */
	struct guest_jmpbuf *catch_buf;
	struct fault_info *catch_info;
};

/* One stack per CPU; slot 0 is the BSP's (set up by boot.S). */
extern uint8_t guest_stacks[GUEST_MAX_CPUS][GUEST_STACK_SIZE];

/* Image bounds from guest.ld: [__image_start, __image_end), page aligned. */
extern char __image_start[], __image_end[];

/* The calling CPU's block. Precondition: running on a guest_stacks slot. */
static inline struct cpu_local *this_cpu(void)
{
	uint32_t esp;

	__asm__("mov %%esp, %0" : "=r"(esp));
	return (struct cpu_local *)(uintptr_t)(esp & ~(uint32_t)(GUEST_STACK_SIZE - 1));
}

/*
 * Save the callee-saved registers, stack and EFLAGS in jb; returns 0, and
 * returns again with guest_longjmp's val. (isr.S)
 */
int guest_setjmp(struct guest_jmpbuf *jb) __attribute__((returns_twice));

/*
 * Resume at jb's guest_setjmp with return value val (!= 0) and jb's EFLAGS.
 * Precondition: the guest_setjmp frame is still live. (isr.S)
 */
void guest_longjmp(struct guest_jmpbuf *jb, int val) __attribute__((noreturn));
#endif

#endif
