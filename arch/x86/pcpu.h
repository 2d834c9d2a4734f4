/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state: one page-aligned block of PCPU_SIZE bytes per core, holding
 * everything that core owns (descriptor tables, stacks, VMXON region,
 * console line buffer) plus one clearly separated `shared` member, the only
 * part other cores may touch. %gs:0 points at the block (this_cpu()).
 * Environment: freestanding hypervisor, any core.
 */
#ifndef ARCH_X86_PCPU_H
#define ARCH_X86_PCPU_H

#define PCPU_SIZE	0x10000 /* 64 KiB; linker.ld asserts the BSP block's size */
#define PCPU_STACK_SIZE 0x4000
#define PCPU_IST_SIZE	0x1000

#ifndef __ASSEMBLY__

#include "lib/mailbox.h"
#include "lib/types.h"

struct vcore;

/* 64-bit TSS (SDM Vol. 3A, 8.7 "Task Management in 64-bit Mode"). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

/* 16-byte IDT gate (SDM Vol. 3A, 7.14.1 "64-Bit Mode IDT"). */
struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t reserved;
} __packed;

enum pcpu_state {
	PCPU_ABSENT = 0, /* no block, or core skipped */
	PCPU_STARTING,	 /* IPIs sent, not yet checked in */
	PCPU_ALIVE,	 /* reached C, initialising */
	PCPU_ONLINE,	 /* running the hypervisor */
	PCPU_STOPPED,	 /* stopped by a fatal exception */
};

#define GDT_NULL    0
#define GDT_CODE64  1
#define GDT_DATA    2
#define GDT_TSS	    3 /* takes two slots */
#define GDT_ENTRIES 5
#define SEL_CODE64  (GDT_CODE64 << 3)
#define SEL_DATA    (GDT_DATA << 3)
#define SEL_TSS	    (GDT_TSS << 3)

#define CONSOLE_LINE_MAX 240

/* What other cores may read or write, each field with atomics. */
struct pcpu_shared {
	struct mailbox mbox;   /* messages for this core (lib/mailbox.h) */
	uint32_t state;	       /* enum pcpu_state */
	uint32_t vmx_on;       /* 1 once VMXON succeeded on this core */
	uint64_t msgs_handled; /* read by tests and statistics */
} __aligned(64);

struct pcpu {
	/* Fields at fixed offsets used by assembly (asm-offsets.h). */
	struct pcpu *self;  /* %gs:0 */
	uint64_t stack_top; /* the AP trampoline loads %rsp from here */
	uint32_t id;	    /* logical cpu number, MADT order, BSP = 0 */
	uint32_t apic_id;

	/* Topology from CPUID leaf 0xB/0x1F and 0x1A (filled by the core itself). */
	uint32_t pkg_id, core_id, smt_id;
	uint8_t hybrid_type; /* CPUID.1A:EAX[31:24]: 0x20 Atom, 0x40 Core, 0 unknown */

	/* Console: partial line being assembled by kprintf on this core. */
	uint32_t line_len;
	char line[CONSOLE_LINE_MAX];
	const char *line_tag; /* if set, starts every new line ("vm NAME: "): console_tag() */

	/* One-shot LAPIC timer (arch/x86/timer.c). */
	void (*timer_fn)(void *arg);
	void *timer_arg;
	uint64_t timer_fires;

	/* VMX root state (arch/x86/vmx/vmx.c). */
	uint64_t vmxon_phys;
	char vmx_reason[96];
	uint64_t xcr0; /* XCR0 loaded now: the last vCPU's (arch/x86/vmx/vcpu.c), 0 without XSAVE */
	uint32_t vmcs_accesses; /* VMREAD/VMWRITEs since the last exit (VMCS_COUNT builds) */

	/* vCPU scheduling (core/vcore.c owns these; the exit handlers read them). */
	struct vcore *vcore; /* this core's runqueue and hosted vCPUs, NULL until first used */
	bool resched;	     /* a message asked the core to decide again (pcpu_resched) */
	bool timeshared;     /* more than one vCPU lives here */
	uint32_t slice_us;   /* the time slice when timeshared (CPUID 0x40000002) */
	uint64_t slice_end;  /* TSC at which the running vCPU leaves the guest, 0 = none;
			      * 1 after pcpu_resched(): at its next exit */

	uint64_t tsc_online; /* TSC when this core reached the online state */
	uint32_t in_exception;

	struct tss64 tss __aligned(16);
	uint64_t gdt[GDT_ENTRIES] __aligned(16);

	struct pcpu_shared shared;

	/* Page-aligned areas. */
	struct idt_gate idt[256] __aligned(4096);
	uint8_t vmxon_region[4096] __aligned(4096);
	uint8_t ist_nmi[PCPU_IST_SIZE] __aligned(4096);
	uint8_t ist_df[PCPU_IST_SIZE];
	uint8_t ist_mc[PCPU_IST_SIZE];
	uint8_t stack[PCPU_STACK_SIZE];
} __aligned(4096);

_Static_assert(sizeof(struct pcpu) <= PCPU_SIZE, "struct pcpu outgrew PCPU_SIZE");

/* The block handed out per core: exactly PCPU_SIZE bytes. */
union pcpu_block {
	struct pcpu cpu;
	uint8_t raw[PCPU_SIZE];
};

/* The running vCPU leaves the guest at its next exit and the core decides
 * again: the exit path tests slice_end alone (arch/x86/vmx/exit.c). */
static inline void pcpu_resched(struct pcpu *p)
{
	p->resched = true;
	p->slice_end = 1;
}

/* This core's block, from %gs:0. Valid once pcpu_install() ran on this core. */
static inline struct pcpu *this_cpu(void)
{
	struct pcpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Number of blocks in pcpu_by_id[] (cores found, online or not). */
extern uint32_t pcpu_count;
/* Blocks by logical cpu id; NULL for ids never allocated. */
extern struct pcpu *pcpu_by_id[CONFIG_MAX_CPUS];

/*
 * Fill in a zeroed block for core `id` before that core runs: self
 * pointer, stack top (the AP trampoline switches to it), ids.
 */
void pcpu_prepare(struct pcpu *p, uint32_t id, uint32_t apic_id);

/*
 * Point %gs at `p` on the calling core.
 * Precondition: interrupts off; pcpu_prepare(p, ...) done.
 */
void pcpu_install(struct pcpu *p);

/* The statically allocated block of the boot core. */
struct pcpu *pcpu_bsp(void);

/* Logical id of the calling core, 0 before pcpu_install() ran anywhere. */
uint32_t this_cpu_id(void);

#endif /* __ASSEMBLY__ */
#endif
