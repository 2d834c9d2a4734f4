// SPDX-License-Identifier: MIT
/*
 * Per-core GDT/TSS/IDT and exception reporting. A hypervisor exception is a
 * hypervisor bug: we print everything useful and stop that core only, so the
 * other cores (and, later, their partitions) keep running.
 * Environment: freestanding hypervisor, any core, interrupts off.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/traps.h"
#include "lib/printf.h"
#include "lib/string.h"

#define IST_NMI 1
#define IST_DF	2
#define IST_MC	3

extern const uint64_t isr_table[256];
static irq_handler_t irq_handlers[256];

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM no math",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
	"reserved 22",
	"reserved 23",
	"reserved 24",
	"reserved 25",
	"reserved 26",
	"reserved 27",
	"#HV hypervisor injection",
	"#VC VMM communication",
	"#SX security",
	"reserved 31",
};

static void set_gate(struct idt_gate *g, uint64_t addr, uint8_t ist)
{
	g->off0 = (uint16_t)addr;
	g->sel = SEL_CODE64;
	g->ist = ist;
	g->type = 0x8e; /* present, DPL 0, 64-bit interrupt gate (SDM 3A 7.14.1) */
	g->off1 = (uint16_t)(addr >> 16);
	g->off2 = (uint32_t)(addr >> 32);
	g->reserved = 0;
}

void traps_init_cpu(struct pcpu *p)
{
	/* GDT: flat 64-bit code and data, then the 16-byte TSS descriptor
	 * (SDM Vol. 3A, 8.2.3 "TSS Descriptor in 64-bit mode"). */
	uint64_t tss = (uint64_t)&p->tss;
	uint64_t lim = sizeof(p->tss) - 1;

	p->gdt[GDT_NULL] = 0;
	p->gdt[GDT_CODE64] = 0x00af9b000000ffffULL;
	p->gdt[GDT_DATA] = 0x00cf93000000ffffULL;
	p->gdt[GDT_TSS] = (lim & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ULL << 40) |
			  ((lim >> 16) << 48) | (((tss >> 24) & 0xff) << 56);
	p->gdt[GDT_TSS + 1] = tss >> 32;

	memset(&p->tss, 0, sizeof(p->tss));
	p->tss.ist[IST_NMI - 1] = (uint64_t)(p->ist_nmi + PCPU_IST_SIZE);
	p->tss.ist[IST_DF - 1] = (uint64_t)(p->ist_df + PCPU_IST_SIZE);
	p->tss.ist[IST_MC - 1] = (uint64_t)(p->ist_mc + PCPU_IST_SIZE);
	p->tss.iomap_base = sizeof(p->tss); /* no I/O bitmap */

	for (int v = 0; v < 256; v++) {
		uint8_t ist = v == 2 ? IST_NMI : v == 8 ? IST_DF : v == 18 ? IST_MC : 0;
		set_gate(&p->idt[v], isr_table[v], ist);
	}

	struct __packed {
		uint16_t limit;
		uint64_t base;
	} gdtr = { sizeof(p->gdt) - 1, (uint64_t)p->gdt },
	  idtr = { sizeof(p->idt) - 1, (uint64_t)p->idt };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "ltr %w3\n\t"
			 "lidt %4"
			 :
			 : "m"(gdtr), "i"((uint64_t)SEL_CODE64), "r"(SEL_DATA), "r"(SEL_TSS),
			   "m"(idtr)
			 : "rax", "memory");
}

void irq_register(uint8_t vec, irq_handler_t h)
{
	irq_handlers[vec] = h;
}

static void backtrace(uint64_t rbp)
{
	kprintf("  backtrace:\n");
	/* Frame pointers are kept (-fno-omit-frame-pointer); entry code sets
	 * rbp = 0, so the chain ends. Bound the walk and require the frames to
	 * stay inside the image or a pcpu block's address range sanity. */
	for (int depth = 0; depth < 16 && rbp && IS_ALIGNED(rbp, 8); depth++) {
		const uint64_t *fp = (const uint64_t *)rbp;
		if (fp[1] == 0)
			break;
		kprintf("    #%d 0x%016llx\n", depth, (unsigned long long)fp[1]);
		if (fp[0] <= rbp)
			break; /* stacks grow down: a caller's frame is higher */
		rbp = fp[0];
	}
}

__noreturn void fatal_stop(const char *why, const struct trap_frame *f)
{
	struct pcpu *p = this_cpu();

	irq_disable();
	if (p->in_exception++) {
		/* Faulted while reporting: do not recurse, just stop. */
		__atomic_store_n(&p->shared.state, PCPU_STOPPED, __ATOMIC_RELEASE);
		cpu_stop();
	}
	p->line_len = 0; /* drop a half-built line: this report must be whole */
	kprintf("FATAL cpu %u: %s\n", p->id, why);
	if (f) {
		kprintf("  vector %llu error 0x%llx rip 0x%016llx cs 0x%llx rflags 0x%llx\n",
			(unsigned long long)f->vector, (unsigned long long)f->error,
			(unsigned long long)f->rip, (unsigned long long)f->cs,
			(unsigned long long)f->rflags);
		kprintf("  cr2 0x%016llx cr3 0x%016llx rsp 0x%016llx\n",
			(unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
			(unsigned long long)f->rsp);
		kprintf("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
			(unsigned long long)f->rax, (unsigned long long)f->rbx,
			(unsigned long long)f->rcx, (unsigned long long)f->rdx);
		kprintf("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n",
			(unsigned long long)f->rsi, (unsigned long long)f->rdi,
			(unsigned long long)f->rbp, (unsigned long long)f->r8);
		kprintf("  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n",
			(unsigned long long)f->r9, (unsigned long long)f->r10,
			(unsigned long long)f->r11, (unsigned long long)f->r12);
		kprintf("  r13 %016llx r14 %016llx r15 %016llx\n", (unsigned long long)f->r13,
			(unsigned long long)f->r14, (unsigned long long)f->r15);
		backtrace(f->rbp);
	} else {
		backtrace((uint64_t)__builtin_frame_address(0));
	}
	kprintf("cpu %u stopped\n", p->id);
	/* Last: whoever waits for STOPPED then sees the whole report. */
	__atomic_store_n(&p->shared.state, PCPU_STOPPED, __ATOMIC_RELEASE);
	cpu_stop();
}

/* Run the handler of interrupt f->vector (>= 32) and EOI it. */
static void irq_run(uint64_t vector, struct trap_frame *f)
{
	irq_handler_t h = irq_handlers[vector];

	if (vector == VEC_SPURIOUS)
		return; /* SDM 11.9: no EOI for spurious interrupts */
	if (h)
		h(f);
	else
		kprintf("irq: unexpected vector %llu ignored\n", (unsigned long long)vector);
	apic_eoi();
}

void irq_dispatch_vector(uint8_t vec)
{
	/* Taken by a VM exit: no frame (irq_handler_t), so nothing to build
	 * on the IPI path. */
	if (vec >= 32)
		irq_run(vec, NULL);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < 32) {
		char why[64];
		ksnprintf(why, sizeof(why), "exception %s", exc_names[f->vector]);
		fatal_stop(why, f);
	}
	irq_run(f->vector, f);
}
