/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: the IDT, exception reporting, interrupt handler
 * registration for vectors 32-255, and fault catching.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include "tests/guests/lib/cpu.h"

#define VEC_DE 0  /* divide error */
#define VEC_BP 3  /* breakpoint */
#define VEC_UD 6  /* invalid opcode */
#define VEC_DF 8  /* double fault */
#define VEC_GP 13 /* general protection */
#define VEC_PF 14 /* page fault */

#define VEC_FIRST_IRQ 32
/* LAPIC spurious vector: EOI'd only when ISR bit 255 shows a real 0xff (SDM Vol 3A 11.9). */
#define VEC_SPURIOUS 0xff

/* What isr.S pushes, lowest address first (struct layout = stack layout). */
struct irq_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax; /* pushal */
	uint32_t vector, error;
	uint32_t eip, cs, eflags; /* pushed by the CPU (no privilege change) */
};

typedef void (*irq_handler_t)(struct irq_frame *frame);

/* Fill the shared IDT with the 256 stubs. BSP, once, before idt_load(). */
void idt_init(void);

/* Load the shared IDT on the calling CPU. Precondition: idt_init() ran. */
void idt_load(void);

/*
 * Route vector (32..254) to handler on every CPU; the library sends the
 * LAPIC EOI after the handler returns. Returns 0, or -1 for a vector outside
 * 32..254 (printed).
 */
int irq_register(unsigned int vector, irq_handler_t handler);

/*
 * Run fn(arg). If it raises an exception (vector < 32) on this CPU, abandon
 * fn at that point, record the fault in *info (info may be NULL) and return
 * the vector; return -1 if fn completed. EFLAGS.IF is restored either way.
 * Not nestable on one CPU. Exceptions outside catch_fault are reported as an
 * ERROR verdict.
 */
int catch_fault(void (*fn)(void *arg), void *arg, struct fault_info *info);

/* RDMSR that cannot fault: -1 and *val set if it worked, else the vector. */
int rdmsr_safe(uint32_t msr, uint64_t *val);

/* WRMSR that cannot fault: -1 if it worked, else the vector. */
int wrmsr_safe(uint32_t msr, uint64_t val);

/*
 * Optional hook run first for every exception (vector < 32), inside or
 * outside catch_fault(): return true if it handled the event, and the
 * interrupted code resumes (e.g. an NMI a test sent itself). NULL (the
 * default) removes it. Any CPU; the hook runs with interrupts off.
 */
typedef bool (*exception_hook_t)(struct irq_frame *frame);
void exception_hook_set(exception_hook_t hook);

/* Mnemonic of an exception vector ("#GP"), "IRQ" for 32 and above. */
const char *exception_name(unsigned int vector);

/* Called by isr.S only: dispatch one interrupt or exception. */
void isr_dispatch(struct irq_frame *frame);

#endif
