/* SPDX-License-Identifier: MIT */
/*
 * Descriptor tables, interrupt dispatch and the fatal-exception report.
 * Environment: freestanding hypervisor, any core.
 */
#ifndef ARCH_X86_TRAPS_H
#define ARCH_X86_TRAPS_H

#include "arch/x86/pcpu.h"
#include "lib/types.h"

/* Saved by arch/x86/isr.S; the CPU's own frame follows. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Interrupt handler for a vector >= 32; runs with interrupts off, EOI done after.
 * f is the interrupted host state, or NULL for an interrupt a VM exit took
 * (irq_dispatch_vector). */
typedef void (*irq_handler_t)(struct trap_frame *f);

/*
 * Build this core's GDT (code, data, TSS with IST stacks for NMI, #DF and
 * #MC) and IDT in its pcpu block, and load them. Any core, interrupts off.
 */
void traps_init_cpu(struct pcpu *p);

/* Route vector `vec` (32..255) to `h` on every core. Boot core, before SMP. */
void irq_register(uint8_t vec, irq_handler_t h);

/*
 * Run the handler of interrupt `vec` (>= 32) and EOI it, as if it had come
 * through the IDT: for interrupts acknowledged on VM exit (SDM 3C 24.7.1).
 */
void irq_dispatch_vector(uint8_t vec);

/* Called from isr.S for every vector. */
void trap_dispatch(struct trap_frame *f);

/* Print a message, registers of `f` (may be NULL) and a backtrace, then stop this core. */
__noreturn void fatal_stop(const char *why, const struct trap_frame *f);

#endif
