// SPDX-License-Identifier: MIT
/*
 * Guest test "bench": exit-path micro-benchmark. Times with RDTSC, over
 * "iters=N" iterations (default 10000), the round trip of a null hypercall
 * (Cypress only), CPUID leaf 0, an OUT to the COM1 scratch register, and an
 * IPI from vCPU 0 to vCPU 1 and back (needs a second CPU). Prints
 * "bench: <name> <TSC ticks per op>" rows and a SUCCESS verdict.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP and
 * one AP.
 */
#include "tests/guests/lib/guest.h"
#include "guest-abi/cypress.h"

const char guest_test_name[] = "bench";

#define VEC_PING 0x50
#define VEC_PONG 0x51

static volatile uint32_t pongs;

static void row(const char *name, uint64_t ticks, uint32_t iters)
{
	gprintf("bench: %-14s %llu\n", name, ticks / iters);
}

static void ping_handler(struct irq_frame *f)
{
	(void)f;
	lapic_send_fixed(smp_cpus[0].apic_id, VEC_PONG);
}

static void pong_handler(struct irq_frame *f)
{
	(void)f;
	pongs++;
}

static void ap_idle(unsigned int slot)
{
	(void)slot;
	irq_enable();
	for (;;)
		__asm__ volatile("hlt");
}

static void bench_ipi(uint32_t iters)
{
	uint64_t t0, total = 0, end;
	uint32_t dest;

	lapic_setup(!cmdline_has("xapic"));
	lapic_enable();
	irq_register(VEC_PING, ping_handler);
	irq_register(VEC_PONG, pong_handler);
	if (smp_start(2, ap_idle, 1000, false) < 2) {
		gprintf("bench: ipi_roundtrip skipped (no second CPU)\n");
		return;
	}
	dest = smp_cpus[1].apic_id;
	irq_enable();
	for (uint32_t i = 0; i < iters; i++) {
		t0 = rdtsc();
		end = t0 + (uint64_t)tsc_per_ms() * 100;
		lapic_send_fixed(dest, VEC_PING);
		while (pongs <= i && rdtsc() < end)
			cpu_relax();
		if (pongs <= i) {
			fail("ipi: no answer to ping %u within 100 ms", i);
			return;
		}
		total += rdtsc() - t0;
	}
	irq_disable();
	row("ipi_roundtrip", total, iters);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t iters = cmdline_uint("iters", 10000), i;
	uint64_t t0;

	(void)magic;
	(void)mbi;
	if (!iters)
		iters = 1;
	gprintf("bench: tsc_khz %u iters %u (ticks per op below)\n", tsc_per_ms(), iters);

	t0 = rdtsc();
	for (i = 0; i < iters; i++)
		__asm__ volatile("" : : : "memory");
	row("loop", rdtsc() - t0, iters);

	if (hv_is_cypress()) {
		if (cypress_abi_version() != CYPRESS_ABI_VERSION)
			fail("null hypercall returned %d, want %d", cypress_abi_version(),
			     CYPRESS_ABI_VERSION);
		t0 = rdtsc();
		for (i = 0; i < iters; i++)
			cypress_abi_version();
		row("hypercall", rdtsc() - t0, iters);
	} else {
		gprintf("bench: hypercall skipped (not under Cypress)\n");
	}

	t0 = rdtsc();
	for (i = 0; i < iters; i++)
		cpuid(0, 0, NULL, NULL, NULL, NULL);
	row("cpuid0", rdtsc() - t0, iters);

	t0 = rdtsc();
	for (i = 0; i < iters; i++)
		outb(COM1_SCR, (uint8_t)i);
	row("outb_com1_scr", rdtsc() - t0, iters);

	bench_ipi(iters);
	report("%u iterations per row", iters);
}
