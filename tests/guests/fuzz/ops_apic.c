// SPDX-License-Identifier: MIT
/*
 * Guest test "fuzz": the local APIC from the guest's side: xAPIC MMIO at
 * 0xFEE00000 with the encodings Cypress decodes (`apic`) and ones it may
 * not (`apicodd`: read-modify-write, XCHG, MOVS, paging on), IPIs of every
 * delivery mode (`ipi`, and INIT to itself in `ipiinit`), HLT woken by a
 * timer (`hlt`) or never (`hltoff`), and writes outside the VM's memory
 * (`escape`).
 * Rules: stores to the ICR through MMIO are forced to fixed delivery (IPIs
 * are op_ipi's); the hlt op puts the LAPIC back (fz_apic_sane) before it
 * enables interrupts, so a timer armed by an earlier op cannot storm.
 * Environment: guest test kernel, 32-bit protected mode, paging off, BSP;
 * interrupts on only inside op_hlt.
 */
#include "tests/guests/fuzz/fuzz.h"

#define XAPIC 0xfee00000u

static uint32_t rnd_apic_off(void)
{
	if (one_in(8))
		return rnd_below(0x1000);
	if (one_in(4))
		return PICK(((const uint32_t[]){ 0x20, 0x30, 0x80, 0xb0, 0xf0, 0x280, 0x300, 0x310,
						 0x320, 0x350, 0x360, 0x370, 0x380, 0x390, 0x3e0,
						 0x3f0 }));
	return rnd_below(0x100) << 4;
}

struct mm {
	uint32_t sel;
	volatile void *p;
	uint32_t val;
};

static void do_apic(void *arg)
{
	struct mm *m = arg;
	uint32_t v = m->val;
	volatile uint32_t *p32 = m->p;

	switch (m->sel) {
	case 0:
		__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(p32) : "memory");
		break;
	case 1:
		__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(p32) : "memory");
		break;
	case 2:
		__asm__ volatile("movzbl (%1), %0" : "=r"(v) : "r"(p32) : "memory");
		break;
	case 3:
		__asm__ volatile("movzwl (%1), %0" : "=r"(v) : "r"(p32) : "memory");
		break;
	case 4:
		__asm__ volatile("movsbl (%1), %0" : "=r"(v) : "r"(p32) : "memory");
		break;
	case 5:
		__asm__ volatile("movswl (%1), %0" : "=r"(v) : "r"(p32) : "memory");
		break;
	case 6:
		__asm__ volatile("movb (%1), %%al" : "+a"(v) : "r"(p32) : "memory");
		break;
	case 7:
		__asm__ volatile("movw (%1), %%bx" : "+b"(v) : "r"(p32) : "memory");
		break;
	case 8:
		__asm__ volatile("movb %%cl, (%1)" : : "c"(v), "r"(p32) : "memory");
		break;
	case 9:
		__asm__ volatile("movw %%dx, (%1)" : : "d"(v), "r"(p32) : "memory");
		break;
	case 10:
		__asm__ volatile("movl $0, (%0)" : : "r"(p32) : "memory");
		break;
	case 11:
		__asm__ volatile("movl $0x10000, 0x10(%0)" : : "r"(p32) : "memory");
		break;
	case 12:
		__asm__ volatile("movb $0xff, (%0)" : : "r"(p32) : "memory");
		break;
	case 13: /* moffs forms (A1 / A3) at fixed registers */
		__asm__ volatile("movl 0xfee00030, %%eax" : "=a"(v) : : "memory");
		break;
	case 14:
		__asm__ volatile("movl %%eax, 0xfee000b0" : : "a"(0) : "memory");
		break;
	case 15:
		__asm__ volatile("movl 0xfee00390, %%eax" : "=a"(v) : : "memory");
		break;
	case 16: /* SIB with index and displacement */
		__asm__ volatile("movl 0x20(%1,%2,4), %0"
				 : "=r"(v)
				 : "r"(p32), "r"(0), "m"(*p32)
				 : "memory");
		break;
	case 17:
		__asm__ volatile("movl %%ds:(%1), %0" : "=r"(v) : "r"(p32) : "memory");
		break;
	case 18:
		__asm__ volatile("movl %%es:(%1), %0" : "=r"(v) : "r"(p32) : "memory");
		break;
	case 19: /* 8-bit register high half */
		__asm__ volatile("movb (%1), %%ah" : "+a"(v) : "r"(p32) : "memory");
		break;
	default: /* 13 DS prefixes + 8B 01: exactly the 15-byte limit (SDM 2A 2.3.11) */
		__asm__ volatile(
			".byte 0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,"
			"0x3e\n\tmovl (%1), %0"
			: "=a"(v)
			: "c"(p32)
			: "memory");
		break;
	}
	m->val = v;
}

/* Stores into the ICR (0x300-0x30f) become fixed IPIs, vector >= 32. */
static bool stores(uint32_t sel)
{
	return sel == 1 || (sel >= 8 && sel <= 12) || sel == 14;
}

void op_apic(void)
{
	struct mm m;
	uint32_t off = rnd_apic_off();

	m.sel = rnd_below(22);
	m.val = rnd_value32();
	if (m.sel == 21) {
		/* The MOV is the last instruction in RAM: the decoder may fetch
		 * only 2 bytes of it, then the RET (3 bytes before the end). */
		volatile uint8_t *tail = (volatile uint8_t *)(uintptr_t)(fz.ram_top - 3);
		uint32_t v;
		tail[0] = 0x8b; /* mov (%ecx), %eax */
		tail[1] = 0x01;
		tail[2] = 0xc3; /* ret */
		opline("tail code=0x%x off=0x%x", fz.ram_top - 3, off & ~3u);
		__asm__ volatile("call *%2"
				 : "=a"(v)
				 : "c"(XAPIC + (off & 0xff0u)), "r"(tail)
				 : "edx", "memory", "cc");
		(void)v;
		return;
	}
	/* The store forms with a displacement land 0x10 higher. */
	if (m.sel == 11 && off >= 0xff0)
		off = 0x300;
	uint32_t eff = (off + (m.sel == 11 ? 0x10 : 0) + (m.sel == 16 ? 0x20 : 0)) & ~0xfu;
	if (stores(m.sel) && (eff == 0x300 || (m.sel == 11 && eff == 0x310))) {
		/* Dword store of a sane fixed IPI instead. */
		m.sel = 1;
		off = 0x300;
		m.val = (m.val & ~0x7ffu & ~(3u << 18)) | 0x20 | rnd_below(0xdf);
		m.val |= (1u + rnd_below(3)) << 18; /* self, all, all but self */
	}
	/* Keep multi-byte accesses inside the page. */
	if (off > 0xffc)
		off = 0xffc;
	if (m.sel == 16 && off > 0xfdc)
		off = 0xfd0;
	m.p = (volatile void *)(uintptr_t)(XAPIC + off);
	opline("sel=%u off=0x%x val=0x%x", m.sel, off, m.val);
	fz_try(do_apic, &m);
}

/* ---- encodings Cypress may refuse (its README: the guest is stopped) ---- */

static uint32_t movs_buf[4];

static void do_apicodd(void *arg)
{
	struct mm *m = arg;
	volatile uint32_t *p = m->p;
	uint32_t v = m->val;

	switch (m->sel) {
	case 0:
		__asm__ volatile("orl %1, (%0)" : : "r"(p), "r"(v) : "memory", "cc");
		break;
	case 1:
		__asm__ volatile("andl %1, (%0)" : : "r"(p), "r"(v) : "memory", "cc");
		break;
	case 2:
		__asm__ volatile("xorl %1, (%0)" : : "r"(p), "r"(v) : "memory", "cc");
		break;
	case 3:
		__asm__ volatile("addl %1, (%0)" : : "r"(p), "r"(v) : "memory", "cc");
		break;
	case 4:
		__asm__ volatile("xchgl %1, (%0)" : : "r"(p), "r"(v) : "memory");
		break;
	case 5: {
		const volatile void *s = p;
		void *d = movs_buf;
		__asm__ volatile("movsl" : "+S"(s), "+D"(d) : : "memory");
		break;
	}
	case 6: {
		const void *s = movs_buf;
		volatile void *d = p;
		__asm__ volatile("movsl" : "+S"(s), "+D"(d) : : "memory");
		break;
	}
	case 7:
		__asm__ volatile("testl %1, (%0)" : : "r"(p), "r"(v) : "memory", "cc");
		break;
	case 8:
		__asm__ volatile("incl (%0)" : : "r"(p) : "memory", "cc");
		break;
	case 9:
		__asm__ volatile("lock orl $0, (%0)" : : "r"(p) : "memory", "cc");
		break;
	case 10:
		__asm__ volatile("pushl (%0); popl %%eax" : : "r"(p) : "memory", "eax");
		break;
	case 11: /* REP on a MOV: reserved (SDM 2A 2.1.1); CPUs ignore it, Cypress refuses */
		__asm__ volatile(".byte 0xf3\n\tmovl (%1), %0" : "=a"(v) : "c"(p) : "memory");
		break;
	default: {
		/* A plain load with paging on (identity-mapped): Cypress
		 * fetches the instruction through these page tables. */
		uint32_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
		write_cr4(cr4 | CR4_PSE);
		write_cr3(fz_pd32());
		write_cr0(cr0 | CR0_PG);
		__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(p) : "memory");
		fz_restore_crs(cr0, cr3, cr4);
		break;
	}
	}
}

void op_apicodd(void)
{
	static const char *const names[] = { "or",	"and",	   "xor",   "add", "xchg",
					     "movs-ld", "movs-st", "test",  "inc", "lock-or",
					     "push",	"rep-mov", "paging" };
	struct mm m;
	uint32_t off = rnd_apic_off() & ~3u;

	/* Never the ICR: an or/xor there could send INIT. */
	if ((off & ~0xfu) == 0x300)
		off = 0x80;
	m.sel = rnd_below(13);
	m.val = rnd_value32();
	m.p = (volatile void *)(uintptr_t)(XAPIC + off);
	opline("%s off=0x%x val=0x%x", names[m.sel], off, m.val);
	fz_try(do_apicodd, &m);
	fz_restore_crs(read_cr0() & ~CR0_PG, read_cr3(), read_cr4());
}

/* ---- IPIs ---- */

static void send_icr(uint32_t dest, uint32_t lo)
{
	if (fz.x2apic) {
		wrmsr_safe(0x830, ((uint64_t)dest << 32) | lo);
		return;
	}
	mmio_write32(XAPIC + 0x310, dest << 24);
	mmio_write32(XAPIC + 0x300, lo);
}

void op_ipi(void)
{
	static const char *const modes[] = { "fixed", "lowest", "smi",	"rsvd3",
					     "nmi",   "init",	"sipi", "rsvd7" };
	uint32_t self = this_cpu()->apic_id;
	uint32_t mode = PICK(((const uint32_t[]){ 0, 0, 0, 0, 1, 2, 4, 4, 5, 6, 3, 7 }));
	uint32_t vec = one_in(8) ? rnd_below(256) : 32 + rnd_below(223);
	uint32_t sh = rnd_below(4); /* none, self, all, all but self */
	uint32_t dest = one_in(2) ? rnd_below(4) : rnd_value32();

	bool self_msr = one_in(6);

	if (self_msr && fz.x2apic) {
		/* x2APIC SELF IPI register (SDM 3A 11.12.11): any vector, 0-15 illegal. */
		opline("self-ipi msr vec=0x%x", vec);
		wrmsr_safe(0x83f, vec);
		return;
	}
	if (!fz.x2apic)
		dest &= 0xff;
	/* INIT and SIPI never reach this vCPU here (op_ipiinit does that). */
	if ((mode == 5 || mode == 6) && (sh == 1 || sh == 2))
		sh = 3;
	if ((mode == 5 || mode == 6) && sh == 0 &&
	    (dest == self || dest == 0xff || dest == 0xffffffffu))
		dest = self + 1;
	uint32_t lo = vec | mode << 8 | sh << 18;
	if (one_in(4))
		lo |= 1u << 14; /* level assert */
	if (one_in(4))
		lo |= 1u << 15; /* level trigger */
	if (one_in(8))
		lo |= 1u << 11; /* logical destination */
	if ((mode == 5 || mode == 6) && (lo & (1u << 11)))
		lo &= ~(1u << 11); /* a logical match could include us */
	opline("%s vec=0x%x sh=%u dest=0x%x icr=0x%x", modes[mode], vec, sh, dest, lo);
	send_icr(dest, lo);
}

void op_ipiinit(void)
{
	uint32_t self = this_cpu()->apic_id;
	bool sipi = one_in(2);

	opline("init to self (apic id %u)%s", self, sipi ? " + sipi" : "");
	send_icr(self, 5u << 8 | 1u << 14);
	if (sipi)
		send_icr(self, 6u << 8 | 0x9f);
}

/* ---- HLT ---- */

static volatile uint32_t woke;

static void wake_irq(struct irq_frame *f)
{
	(void)f;
	woke++;
	fz.irqs++;
}

static void do_hlt(void *arg)
{
	(void)arg;
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void op_hlt(void)
{
	static const char *const hows[] = { "oneshot", "selfipi", "deadline", "periodic" };
	uint32_t how = rnd_below(4), vec = 0x40 + rnd_below(0x80);
	uint32_t count = 1 + rnd_below(20000);

	fz_apic_sane();
	irq_register(vec, wake_irq);
	if (how == 2 && !lapic_has_tsc_deadline())
		how = 0;
	/* Periodic: fast, but each period longer than the handler, or the
	 * guest livelocks between STI and CLI (QEMU TCG does at 27 counts). */
	if (how == 3)
		count = 1000 + count % 4000;
	opline("%s vec=0x%x count=%u", hows[how], vec, count);
	if (how == 0)
		lapic_timer_start((uint8_t)vec, LAPIC_TIMER_ONESHOT, count, 1);
	else if (how == 1)
		lapic_send_fixed(this_cpu()->apic_id, (uint8_t)vec);
	else if (how == 2)
		lapic_timer_deadline((uint8_t)vec, rdtsc() + count);
	else
		lapic_timer_start((uint8_t)vec, LAPIC_TIMER_PERIODIC, count, 16);
	uint32_t before = woke;
	fz_try(do_hlt, NULL);
	/* A few more halts, each woken by the next tick. */
	for (int i = 0; how == 3 && i < 8 && woke - before < 8; i++)
		fz_try(do_hlt, NULL);
	lapic_timer_stop();
}

void op_hltoff(void)
{
	opline("cli; hlt (only the hypervisor's watchdog ends this)");
	__asm__ volatile("cli; hlt" ::: "memory");
	fzprint("fuzz: hlt with interrupts off returned\n");
}

/* ---- writes outside the VM's memory ---- */

void op_escape(void)
{
	uint32_t a;

	switch (rnd_below(4)) {
	case 0:
		a = fz.ram_top + (rnd_below(4096) & ~3u);
		break;
	case 1:
		a = 0xc0000000u;
		break;
	case 2:
		a = 0xfec00000u;
		break;
	default:
		a = fz.ram_top + (rnd_below(0xfee00000u - fz.ram_top) & ~3u);
		break;
	}
	opline("write 0x%x", a);
	*(volatile uint32_t *)(uintptr_t)a = rnd();
	if (fz.cypress)
		fail("write outside partition memory at 0x%x succeeded", a);
}
