// SPDX-License-Identifier: MIT
/*
 * Guest test "uartirq": COM1's interrupt through the IOAPIC, written the way
 * a QEMU -kernel test kernel is (no hypercalls). It masks both 8259s, checks
 * the IOAPIC's ID/VER registers and that entry 4 comes up masked, routes
 * IOAPIC pin 4 (ISA IRQ 4, GSI 4: no MADT override) to CPU `target` (command
 * line "target=N", default 0; "cpus=N" starts N CPUs, "xapic" forbids
 * x2APIC; "logical" (xAPIC only) gives CPU i the flat logical ID bit i and
 * routes in logical destination mode; "paging" turns on 32-bit paging on every CPU, identity-mapped
 * with 4 MiB pages, and reaches the IOAPIC through an alias at linear
 * 0xC0000000, so the hypervisor must walk the guest's page tables to
 * emulate each access), and checks:
 * 1. edge: enabling the THR-empty interrupt (IER bit 1, MCR OUT2 set as a
 *    PC needs) delivers once; the handler reads IIR = THR empty (0x2);
 * 2. edge: a THR write makes THR empty again: a second interrupt;
 * 3. level: with entry 4 level-triggered, Remote IRR is set while the
 *    handler runs; its EOI (the LAPIC's, broadcast to the IOAPIC) finds the
 *    line still asserted and the interrupt comes again; the second handler
 *    reads IIR, the line drops, and Remote IRR is clear afterwards;
 * 4. EOI register: in a level handler, with the entry masked, writing the
 *    vector to the IOAPIC's EOI register (offset 0x40, version 0x20)
 *    clears Remote IRR, and nothing is delivered again;
 * 5. masked: with entry 4 masked, a new edge delivers nothing.
 * Nothing is printed while the UART's interrupt is enabled (printing writes
 * THR, which would raise it). One verdict line; "bench: uartirq-edge N
 * ticks" is the TSC from the IER write to the handler.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), CPUs 0..N-1.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "uartirq";

#define IOAPIC_PHYS   0xfec00000u
#define IOAPIC_ALIAS  0xc0000000u /* linear, with "paging" */
#define IOAPIC_REGSEL (ioapic + 0x00)
#define IOAPIC_IOWIN  (ioapic + 0x10)
#define IOAPIC_EOIR   (ioapic + 0x40)
#define CR0_PG	      (1u << 31)
#define CR4_PSE	      (1u << 4)
#define PDE_4M	      0x83u /* present, writable, 4 MiB page (PS) */
#define PDE_UC	      0x18u /* PCD | PWT: a device page */
#define RTE_LOW(pin)  (0x10 + 2 * (pin))
#define RTE_LEVEL     (1u << 15)
#define RTE_LOGICAL   (1u << 11)
#define LAPIC_LDR     0x0d0
#define LAPIC_DFR     0x0e0
#define DFR_FLAT      0xffffffffu
#define RTE_REMOTE    (1u << 14)
#define RTE_MASKED    (1u << 16)
#define COM1_PIN      4

#define UART_THR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_MCR 4
#define IER_THRI 0x02
#define MCR_OUT2 0x08

#define VEC_EDGE  0x24
#define VEC_LEVEL 0x25
#define VEC_EOIR  0x26

static volatile uint32_t edge_hits, level_hits, edge_cpu, level_cpu;
static volatile uint8_t edge_iir[4], level_iir;
static volatile uint32_t level_rte_in_handler;
static volatile uint32_t eoir_hits, eoir_rte_before, eoir_rte_after;
static volatile uint64_t t_raise, t_taken;
static volatile uint32_t phase_end;
static unsigned int target;
static uint32_t ioapic = IOAPIC_PHYS;
static bool paging, logical;
static uint32_t rte_mode; /* RTE_LOGICAL or 0 */
static volatile uint32_t aps_ready;

/* Flat logical model (SDM 3A 11.6.2.2): this CPU answers logical bit `slot`. */
static void logical_id(unsigned int slot)
{
	lapic_write(LAPIC_DFR, DFR_FLAT);
	lapic_write(LAPIC_LDR, (1u << slot) << 24);
}
static uint32_t pd[1024] __attribute__((aligned(4096)));

/* Identity map of the 4 GiB with 4 MiB pages, plus the IOAPIC's alias. */
static void paging_build(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		pd[i] = (i << 22) | PDE_4M;
	pd[IOAPIC_ALIAS >> 22] = IOAPIC_PHYS | PDE_4M | PDE_UC; /* 0xfec00000 is 4 MiB aligned */
	pd[IOAPIC_PHYS >> 22] |= PDE_UC;
	ioapic = IOAPIC_ALIAS;
}

/* This CPU: CR4.PSE, CR3, CR0.PG (SDM 3A 4.3). */
static void paging_on(void)
{
	uint32_t cr0, cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PSE));
	__asm__ volatile("mov %0, %%cr3" : : "r"(pd) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");
}

static uint32_t ioapic_read(uint8_t reg)
{
	mmio_write32(IOAPIC_REGSEL, reg);
	return mmio_read32(IOAPIC_IOWIN);
}

static void ioapic_write(uint8_t reg, uint32_t val)
{
	mmio_write32(IOAPIC_REGSEL, reg);
	mmio_write32(IOAPIC_IOWIN, val);
}

static void set_rte(unsigned int pin, uint32_t low, uint8_t dest)
{
	ioapic_write((uint8_t)(RTE_LOW(pin) + 1), (uint32_t)dest << 24);
	ioapic_write((uint8_t)RTE_LOW(pin), low);
}

static void uart_out(unsigned int reg, uint8_t val)
{
	outb((uint16_t)(COM1_BASE + reg), val);
}

static uint8_t uart_in(unsigned int reg)
{
	return inb((uint16_t)(COM1_BASE + reg));
}

/* Edge: acknowledge by reading IIR (the line drops), remember what it said. */
static void edge_handler(struct irq_frame *f)
{
	(void)f;
	if (!edge_hits)
		t_taken = rdtsc();
	if (edge_hits < 4)
		edge_iir[edge_hits] = uart_in(UART_IIR);
	else
		(void)uart_in(UART_IIR);
	edge_cpu = this_cpu()->index;
	edge_hits++;
}

/*
 * Level: the first time, leave the line asserted and look at Remote IRR;
 * the EOI after this handler brings the interrupt back. The second time,
 * read IIR: the line drops before the EOI, so no third one.
 */
static void level_handler(struct irq_frame *f)
{
	(void)f;
	level_cpu = this_cpu()->index;
	if (++level_hits == 1)
		level_rte_in_handler = ioapic_read(RTE_LOW(COM1_PIN));
	else
		level_iir = uart_in(UART_IIR);
}

/*
 * EOI register: mask the entry (no re-delivery), complete the interrupt at
 * the IOAPIC by its EOI register, and look at Remote IRR before and after;
 * then read IIR so the line drops.
 */
static void eoir_handler(struct irq_frame *f)
{
	(void)f;
	eoir_hits++;
	eoir_rte_before = ioapic_read(RTE_LOW(COM1_PIN));
	ioapic_write(RTE_LOW(COM1_PIN), rte_mode | RTE_MASKED | RTE_LEVEL | VEC_EOIR);
	mmio_write32(IOAPIC_EOIR, VEC_EOIR);
	eoir_rte_after = ioapic_read(RTE_LOW(COM1_PIN));
	(void)uart_in(UART_IIR);
}

static bool wait_for(volatile uint32_t *v, uint32_t want, uint32_t ms)
{
	uint64_t end = tsc_after_us(ms * 1000);

	while (*v < want && rdtsc() < end)
		cpu_relax();
	return *v >= want;
}

static void ap_main(unsigned int slot)
{
	if (paging)
		paging_on();
	if (logical)
		logical_id(slot);
	__atomic_fetch_add(&aps_ready, 1, __ATOMIC_RELEASE);
	irq_enable();
	while (!phase_end)
		cpu_relax();
	irq_disable();
}

static void check_registers(void)
{
	uint32_t id = ioapic_read(0x00), ver = ioapic_read(0x01);
	uint32_t rte = ioapic_read(RTE_LOW(COM1_PIN));

	gprintf("uartirq: IOAPIC ID 0x%08x VER 0x%08x RTE4 0x%08x\n", id, ver, rte);
	if ((ver & 0xff) != 0x20)
		fail("IOAPIC version 0x%x, want 0x20", ver & 0xff);
	if (((ver >> 16) & 0xff) != 23)
		fail("IOAPIC max redirection entry %u, want 23", (ver >> 16) & 0xff);
	if (!(rte & RTE_MASKED))
		fail("redirection entry 4 is not masked at reset (0x%08x)", rte);
	/* ID bits 27:24 are writable; put the original back. */
	ioapic_write(0x00, 0x0a000000);
	uint32_t id2 = ioapic_read(0x00);
	ioapic_write(0x00, id);
	if ((id2 & 0x0f000000) != 0x0a000000)
		fail("IOAPIC ID write 0x0a000000 read back 0x%08x", id2);
}

static void check_edge(uint8_t dest)
{
	set_rte(COM1_PIN, rte_mode | VEC_EDGE, dest); /* edge, fixed, unmasked */
	t_raise = rdtsc();
	uart_out(UART_IER, IER_THRI);
	bool one = wait_for(&edge_hits, 1, 200);
	delay_us(20000); /* and only one */
	uint32_t after_enable = edge_hits;
	uart_out(UART_THR, '\r'); /* THR empty again at once: a new edge */
	bool two = wait_for(&edge_hits, 2, 200);
	delay_us(20000);
	uint32_t after_thr = edge_hits;
	uart_out(UART_IER, 0);
	if (!one)
		fail("no interrupt within 200 ms of enabling the THR-empty interrupt");
	if (after_enable != 1)
		fail("%u interrupts after enabling THR empty, want 1", after_enable);
	if (!two || after_thr != 2)
		fail("%u interrupts after a THR write, want 2", after_thr);
	for (uint32_t i = 0; i < after_thr && i < 4; i++)
		if ((edge_iir[i] & 0x0f) != 0x02)
			fail("edge interrupt %u: IIR 0x%02x, want THR empty (0x2)", i, edge_iir[i]);
	if (edge_cpu != target)
		fail("edge interrupt taken on cpu %u, want %u", edge_cpu, target);
	gprintf("uartirq: edge: %u interrupts on cpu %u, IIR 0x%02x\n", after_thr, edge_cpu,
		edge_iir[0]);
	if (one)
		gprintf("bench: uartirq-edge %u ticks\n", (uint32_t)(t_taken - t_raise));
}

static void check_level(uint8_t dest)
{
	(void)uart_in(UART_IIR); /* nothing pending: the line is low */
	set_rte(COM1_PIN, rte_mode | RTE_LEVEL | VEC_LEVEL, dest);
	uart_out(UART_IER, IER_THRI);
	bool two = wait_for(&level_hits, 2, 200);
	delay_us(20000);
	uint32_t hits = level_hits;
	uint32_t rte = ioapic_read(RTE_LOW(COM1_PIN));
	uart_out(UART_IER, 0);
	if (!two || hits != 2)
		fail("level: %u interrupts, want 2 (again after the first EOI, none after IIR)",
		     hits);
	if (!(level_rte_in_handler & RTE_REMOTE))
		fail("level: Remote IRR clear in the handler (RTE 0x%08x)", level_rte_in_handler);
	if (rte & RTE_REMOTE)
		fail("level: Remote IRR still set after the EOI (RTE 0x%08x)", rte);
	if (hits >= 2 && (level_iir & 0x0f) != 0x02)
		fail("level: IIR 0x%02x in the second handler, want THR empty (0x2)", level_iir);
	if (level_cpu != target)
		fail("level interrupt taken on cpu %u, want %u", level_cpu, target);
	gprintf("uartirq: level: %u interrupts on cpu %u, Remote IRR 0x%x in the handler\n", hits,
		level_cpu, level_rte_in_handler & RTE_REMOTE);
}

static void check_eoi_register(uint8_t dest)
{
	(void)uart_in(UART_IIR);
	set_rte(COM1_PIN, rte_mode | RTE_LEVEL | VEC_EOIR, dest);
	uart_out(UART_IER, IER_THRI);
	bool one = wait_for(&eoir_hits, 1, 200);
	delay_us(20000);
	uint32_t hits = eoir_hits;
	uart_out(UART_IER, 0);
	if (!one || hits != 1)
		fail("EOI register: %u interrupts, want 1", hits);
	if (!(eoir_rte_before & RTE_REMOTE))
		fail("EOI register: Remote IRR clear before the EOI (RTE 0x%08x)", eoir_rte_before);
	if (eoir_rte_after & RTE_REMOTE)
		fail("EOI register: Remote IRR still set after writing it (RTE 0x%08x)",
		     eoir_rte_after);
	gprintf("uartirq: EOI register: Remote IRR 0x%x before, 0x%x after\n",
		eoir_rte_before & RTE_REMOTE, eoir_rte_after & RTE_REMOTE);
}

/* Last: QEMU latches an edge on a masked pin and would deliver it on unmask. */
static void check_masked(uint8_t dest)
{
	uint32_t before = edge_hits;

	(void)uart_in(UART_IIR);
	set_rte(COM1_PIN, rte_mode | RTE_MASKED | VEC_EDGE, dest);
	uart_out(UART_IER, IER_THRI);
	delay_us(50000);
	uint32_t after = edge_hits;
	uart_out(UART_IER, 0);
	if (after != before)
		fail("masked entry delivered %u interrupts", after - before);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	unsigned int want = cmdline_uint("cpus", 1);

	(void)magic;
	(void)mbi;
	target = cmdline_uint("target", 0);
	paging = cmdline_has("paging");
	if (paging) {
		paging_build();
		paging_on();
	}
	if (want < 1 || want > GUEST_MAX_CPUS || target >= want)
		verdict(VERDICT_ERROR, "cpus=%u target=%u: want target < cpus <= %u", want, target,
			GUEST_MAX_CPUS);
	/* Both 8259s masked: every interrupt here comes through the IOAPIC. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	tsc_per_ms();
	logical = cmdline_has("logical");
	if (lapic_setup(!cmdline_has("xapic") && !logical))
		logical = false; /* x2APIC: LDR is read-only; not offered */
	lapic_enable();
	if (logical) {
		logical_id(0);
		rte_mode = RTE_LOGICAL;
	}
	irq_register(VEC_EDGE, edge_handler);
	irq_register(VEC_LEVEL, level_handler);
	irq_register(VEC_EOIR, eoir_handler);
	unsigned int n = smp_start(want, ap_main, 1000, true);
	if (!wait_for(&aps_ready, n - 1, 1000))
		verdict(VERDICT_ERROR, "only %u of %u APs reached their main", aps_ready, n - 1);
	uint8_t dest = logical ? (uint8_t)(1u << target) : (uint8_t)smp_cpus[target].apic_id;
	gprintf("uartirq: %u CPUs, IRQ 4 to cpu %u (%s %u), %s, IOAPIC at linear 0x%x\n", n, target,
		logical ? "logical mask" : "APIC ID", dest, lapic_is_x2apic() ? "x2APIC" : "xAPIC",
		ioapic);
	check_registers();
	uart_out(UART_MCR, 0x0b); /* DTR, RTS, OUT2: a PC's IRQ line needs OUT2 */
	irq_enable();
	check_edge(dest);
	check_level(dest);
	check_eoi_register(dest);
	check_masked(dest);
	irq_disable();
	phase_end = 1;
	report("COM1 IRQ 4 through the IOAPIC to cpu %u: edge, level with Remote IRR, EOI "
	       "register, masked",
	       target);
}
