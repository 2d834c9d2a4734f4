// SPDX-License-Identifier: MIT
/*
 * Guest test "nmiwindow": regression test for an NMI that arrives while
 * the guest is still blocked by the previous one (SDM 3A 6.7.1: NMIs are
 * blocked from the NMI's delivery to the next IRET). The hypervisor must
 * hold it pending and deliver it as soon as the guest unblocks, which it
 * learns from the "NMI-window exiting" control (SDM 3C, primary
 * processor-based VM-execution controls); without it the NMI waits for an
 * unrelated exit.
 * vCPU 1 sends an NMI IPI to vCPU 0 (ICR delivery mode 100b). vCPU 0's
 * handler asks vCPU 1 for a second NMI and spins, without any exit, until
 * vCPU 1 says it sent it plus `delay` TSC ticks (so the second NMI is
 * pending at the hypervisor before the IRET), then returns. vCPU 0 then
 * spins on RDTSC (no exit) for at most `window` ticks waiting for the
 * second NMI. FAILURE if it did not arrive within the window, if an NMI
 * nested inside the handler, or if the NMI count is not exactly 2.
 * vCPU 0 runs with RFLAGS.IF = 1 from then on (the NMI gate is a trap
 * gate; no interrupt source is armed): with external-interrupt exiting,
 * RFLAGS.IF should not matter to the host IPI that carries vCPU 1's NMI to
 * vCPU 0's core (SDM 3C, VMX non-root operation, event blocking), but Bochs
 * 2.7 makes that exit only while the guest has IF = 1; with IF = 0 the
 * message waits for the next VMX-preemption-timer exit (~4M ticks). The
 * default delay (10M ticks) covers that case too.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), two
 * vCPUs (x2APIC if offered, else xAPIC), IF = 1 on vCPU 0 from the first NMI.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "nmiwindow";

#define ICR_NMI	   (4u << 8) /* delivery mode 100b (SDM 3A 11.6.1) */
#define ICR_ASSERT (1u << 14)
#define MSR_ICR	   0x830

/* The NMI gate: the library's struct is private to idt.c, same layout (SDM 3A 6.11). */
struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type_attr;
	uint16_t off_hi;
} __attribute__((packed));

#define GATE_TRAP32 0x8f /* P = 1, DPL 0, 32-bit trap gate */

void nmi_entry(void);	/* nmi.S */
void nmi_handler(void); /* called by nmi.S only */

static volatile uint32_t go, want_second, second_sent;
static volatile uint32_t nmis, nested, in_handler, handler_timeout;
static volatile uint64_t go_tsc, sent1_tsc, sent2_tsc, first_tsc, iret_tsc, second_tsc;
static uint64_t delay_ticks, bound_ticks;
static uint32_t bsp_apic_id;

/* Everything here stays in the guest: memory reads and RDTSC only. */
void nmi_handler(void)
{
	uint32_t n = nmis + 1;

	if (in_handler) {
		nested++;
		return;
	}
	in_handler = 1;
	nmis = n;
	if (n == 1) {
		uint64_t end = rdtsc() + bound_ticks;

		first_tsc = rdtsc();
		want_second = 1;
		while (!second_sent && rdtsc() < end)
			__asm__ volatile("" : : : "memory");
		if (!second_sent)
			handler_timeout = 1;
		end = rdtsc() + delay_ticks;
		while (rdtsc() < end)
			__asm__ volatile("" : : : "memory");
		in_handler = 0;
		iret_tsc = rdtsc();
		return;
	}
	second_tsc = rdtsc();
	in_handler = 0;
}

static void send_nmi(uint32_t dest)
{
	if (lapic_is_x2apic()) {
		wrmsr(MSR_ICR, ((uint64_t)dest << 32) | ICR_ASSERT | ICR_NMI);
		return;
	}
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, ICR_ASSERT | ICR_NMI);
}

static bool wait_flag(volatile uint32_t *flag, uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;

	while (!*flag && rdtsc() < end)
		__asm__ volatile("" : : : "memory");
	return *flag != 0;
}

/* vCPU 1: the first NMI on "go", the second when the handler asks. */
static void ap_main(unsigned int slot)
{
	(void)slot;
	if (!wait_flag(&go, bound_ticks))
		return;
	send_nmi(bsp_apic_id);
	sent1_tsc = rdtsc();
	if (!wait_flag(&want_second, bound_ticks))
		return;
	send_nmi(bsp_apic_id);
	sent2_tsc = rdtsc();
	second_sent = 1;
}

static void install_nmi_gate(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr;
	struct gate *g;
	uint32_t addr = (uint32_t)(uintptr_t)nmi_entry;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	g = (struct gate *)(uintptr_t)idtr.base + 2;
	g->off_lo = (uint16_t)addr;
	g->off_hi = (uint16_t)(addr >> 16);
	g->type_attr = GATE_TRAP32; /* keeps IF = 1 in the handler */
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t window = cmdline_uint("window", 200000);
	uint64_t end, seen_at = 0;
	bool x2;

	(void)magic;
	(void)mbi;
	irq_disable();
	delay_ticks = cmdline_uint("delay", 10000000);
	bound_ticks = (uint64_t)tsc_per_ms() * 2000;
	x2 = lapic_setup(true);
	lapic_enable();
	bsp_apic_id = this_cpu()->apic_id;
	install_nmi_gate();
	if (smp_start(2, ap_main, 1000, true) < 2)
		report(NULL);
	gprintf("nmiwindow: %s, window %u TSC ticks, handler delay %llu\n", x2 ? "x2APIC" : "xAPIC",
		window, delay_ticks);

	irq_enable(); /* see the header: the IPIs must reach vCPU 0's core at once */
	go_tsc = rdtsc();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	if (!wait_flag(&nmis, bound_ticks))
		verdict(VERDICT_FAILURE, "the first NMI did not arrive within 2 s");
	/* The first handler has returned: its IRET unblocked NMIs at iret_tsc.
	 * Spin with no exits for the window. */
	end = iret_tsc + window;
	while (nmis < 2 && rdtsc() < end)
		__asm__ volatile("" : : : "memory");
	if (nmis >= 2) {
		seen_at = second_tsc;
	} else {
		/* Diagnosis only: give a late NMI a chance through other exits. */
		uint64_t late = rdtsc() + bound_ticks;

		while (nmis < 2 && rdtsc() < late)
			cpuid(0, 0, NULL, NULL, NULL, NULL);
	}
	delay_us(20000); /* an extra NMI would show up now */

	gprintf("nmiwindow: TSC from go: first NMI sent +%llu, taken +%llu; second sent +%llu, "
		"first IRET +%llu, second taken +%llu\n",
		sent1_tsc - go_tsc, first_tsc - go_tsc, sent2_tsc - go_tsc, iret_tsc - go_tsc,
		nmis >= 2 ? second_tsc - go_tsc : 0);
	if (handler_timeout)
		fail("vCPU 1 did not send the second NMI within 2 s of the request");
	if (nested)
		fail("%u NMI(s) nested inside the NMI handler (delivered while blocked)", nested);
	if (seen_at)
		gprintf("nmiwindow: second NMI %llu TSC ticks after the first one's IRET\n",
			seen_at - iret_tsc);
	else if (nmis >= 2)
		fail("second NMI arrived %llu TSC ticks after the IRET, outside the %u-tick "
		     "window (only at a later exit)",
		     second_tsc - iret_tsc, window);
	else
		fail("second NMI never arrived (waited 2 s after the %u-tick window)", window);
	if (nmis != 2 || nested)
		fail("%u NMIs handled (%u nested), want exactly 2", nmis + nested, nested);
	report("second NMI %llu ticks after the IRET (window %u)", seen_at - iret_tsc, window);
}
