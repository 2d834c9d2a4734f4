// SPDX-License-Identifier: MIT
/*
 * Guest test library: one IDT shared by all CPUs, the C side of interrupt
 * dispatch, and the handlers table for vectors 32-255.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU;
 * isr_dispatch runs with interrupts off (interrupt gates).
 */
#include "tests/guests/lib/idt.h"
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/verdict.h"

/* 32-bit interrupt gate, present, DPL 0: SDM Vol 3A 6.11, figure 6-2. */
struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t zero;
	uint8_t type_attr;
	uint16_t off_hi;
} __attribute__((packed));

#define GATE_INTR32 0x8e /* P=1, DPL=0, type 1110b */

struct idt_desc {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern char isr_stubs[], isr_stubs_end[];

static struct idt_gate idt[256] __attribute__((aligned(8)));
static irq_handler_t handlers[256];
static exception_hook_t exc_hook;

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	"#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *exception_name(unsigned int vector)
{
	return vector < 32 ? exc_names[vector] : "IRQ";
}

void idt_init(void)
{
	unsigned int v;

	/* isr.S lays the stubs out 16 bytes apart; a wrong layout would send
	 * every vector to the wrong stub, so refuse to go on. */
	if (isr_stubs_end - isr_stubs != 256 * 16)
		verdict(VERDICT_ERROR, "interrupt stubs are %d bytes, want 4096",
			(int)(isr_stubs_end - isr_stubs));
	for (v = 0; v < 256; v++) {
		uint32_t addr = (uint32_t)(uintptr_t)(isr_stubs + 16 * v);

		idt[v].off_lo = (uint16_t)addr;
		idt[v].sel = GUEST_CS;
		idt[v].zero = 0;
		idt[v].type_attr = GATE_INTR32;
		idt[v].off_hi = (uint16_t)(addr >> 16);
	}
}

void idt_load(void)
{
	struct idt_desc d = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(d));
}

int irq_register(unsigned int vector, irq_handler_t handler)
{
	if (vector < VEC_FIRST_IRQ || vector >= VEC_SPURIOUS) {
		gprintf("idt: vector %u cannot take a handler (want 32..254)\n", vector);
		return -1;
	}
	__atomic_store_n(&handlers[vector], handler, __ATOMIC_RELEASE);
	return 0;
}

void exception_hook_set(exception_hook_t hook)
{
	__atomic_store_n(&exc_hook, hook, __ATOMIC_RELEASE);
}

static void exception(struct irq_frame *f)
{
	struct cpu_local *cpu = this_cpu();
	struct guest_jmpbuf *jb = cpu->catch_buf;
	exception_hook_t hook = __atomic_load_n(&exc_hook, __ATOMIC_ACQUIRE);

	if (hook && hook(f))
		return;
	if (jb) {
		/* An expected fault: record it and resume after catch_fault's
		 * guest_setjmp. The interrupt frame is simply abandoned. */
		cpu->catch_buf = NULL;
		if (cpu->catch_info) {
			cpu->catch_info->vector = f->vector;
			cpu->catch_info->error = f->error;
			cpu->catch_info->eip = f->eip;
		}
		guest_longjmp(jb, (int)f->vector + 1);
	}
	error("unexpected exception %s (vector %u) error 0x%x at eip 0x%x on cpu %u",
	      exception_name(f->vector), f->vector, f->error, f->eip, cpu->index);
	report(NULL);
}

void isr_dispatch(struct irq_frame *f)
{
	irq_handler_t h;

	if (f->vector < VEC_FIRST_IRQ) {
		exception(f);
		return;
	}
	if (f->vector == VEC_SPURIOUS)
		return;
	h = __atomic_load_n(&handlers[f->vector], __ATOMIC_ACQUIRE);
	if (h)
		h(f);
	else
		fail("unexpected interrupt vector %u on cpu %u", f->vector, this_cpu()->index);
	/* Every vector >= 32 comes from the LAPIC here (the PIC is masked). */
	lapic_eoi();
}
