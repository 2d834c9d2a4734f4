// SPDX-License-Identifier: MIT
/*
 * Guest test "tick": an idle-but-ticking guest (issue 14, part 3). The LAPIC
 * timer runs in periodic mode (SDM 3A 11.5.4) at hz interrupts per second
 * for ms milliseconds of guest TSC time; between ticks the CPU sits in HLT,
 * as an idle OS does. The handler counts ticks (the library's
 * dispatcher signals the one EOI).
 *   cmdline: hz=N (default 1000), ms=N (default 2000), "xapic" (the xAPIC
 *   page instead of x2APIC MSRs).
 * Prints "tick: hz H ticks N ms M" (M: guest TSC milliseconds measured) and
 * SUCCESS when N is within 10% of H * M / 1000. Under a hypervisor the
 * number of VM exits the run cost is read from the hypervisor's own summary
 * (tests/vmx/tick.expect): the guest needs no hypercalls, so it runs the same
 * under plain QEMU TCG and under a KVM VMM.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "tick";

#define VEC_TICK 0x40
#define DIVIDE	 1

static volatile uint32_t ticks;

static void tick_handler(struct irq_frame *f)
{
	(void)f;
	ticks++; /* isr_dispatch() signals the EOI */
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t hz = cmdline_uint("hz", 1000), ms = cmdline_uint("ms", 2000);
	uint32_t per_ms, count, n, want, slack;
	uint64_t t0, t1, end, elapsed_ms;
	bool x2;

	(void)magic;
	(void)mbi;
	if (!hz || hz > 100000 || !ms || ms > 600000)
		verdict(VERDICT_ERROR, "hz=%u ms=%u: want 1..100000 and 1..600000", hz, ms);
	x2 = lapic_setup(!cmdline_has("xapic"));
	lapic_enable();
	/*
	 * Calibrate the TSC first: lapic_timer_per_ms() measures against it, and
	 * a first tsc_per_ms() inside its window (the PIT measurement) would
	 * count that time as timer counts too.
	 */
	(void)tsc_per_ms();
	per_ms = lapic_timer_per_ms(DIVIDE);
	/* Rounded to the nearest count, so the rate is hz within 1/count. */
	count = (uint32_t)(((uint64_t)per_ms * 1000 + hz / 2) / hz);
	gprintf("tick: %s, LAPIC timer %u counts/ms at divide %u, initial count %u\n",
		x2 ? "x2APIC" : "xAPIC", per_ms, DIVIDE, count);
	if (count < 2)
		verdict(VERDICT_ERROR, "LAPIC timer too slow for %u Hz (%u counts/ms)", hz, per_ms);
	irq_register(VEC_TICK, tick_handler);

	/*
	 * Idle loop: CLI, test, then STI;HLT. STI's one-instruction interrupt
	 * shadow covers the HLT, so a tick that falls between the test and the
	 * HLT wakes it instead of being slept through (SDM 2B, STI).
	 */
	irq_disable();
	t0 = rdtsc();
	end = t0 + (uint64_t)tsc_per_ms() * ms;
	lapic_timer_start(VEC_TICK, LAPIC_TIMER_PERIODIC, count, DIVIDE);
	while (rdtsc() < end)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	lapic_timer_stop();
	t1 = rdtsc();
	n = ticks;
	irq_enable();

	elapsed_ms = (t1 - t0) / tsc_per_ms();
	want = (uint32_t)((uint64_t)hz * elapsed_ms / 1000);
	slack = want / 10;
	gprintf("tick: hz %u ticks %u ms %u\n", hz, n, (uint32_t)elapsed_ms);
	if (n + slack < want || n > want + slack)
		fail("%u ticks in %u ms at %u Hz, want %u +- 10%%", n, (uint32_t)elapsed_ms, hz,
		     want);
	report("%u ticks at %u Hz in %u ms", n, hz, (uint32_t)elapsed_ms);
}
