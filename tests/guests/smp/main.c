// SPDX-License-Identifier: MIT
/*
 * Guest test "smp": vCPU 0 starts the APs with INIT-SIPI-SIPI (command line
 * "cpus=N", default 4, BSP included; "xapic" forces xAPIC mode), each AP
 * enables its LAPIC and checks in. Then a token IPI goes 100 times around
 * the ring of CPUs, every CPU runs its LAPIC timer periodic at ~1 ms until
 * it counted 10 interrupts, and the BSP checks the one-shot and (if CPUID
 * has it) TSC-deadline modes. SUCCESS if all CPUs checked in, every CPU saw
 * the token exactly 100 times and every CPU got >= 10 timer interrupts.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), all CPUs.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "smp";

#define VEC_TIMER    0x30
#define VEC_ONESHOT  0x31
#define VEC_DEADLINE 0x32
#define VEC_RING     0x40
#define LAPS	     100
#define TICKS_WANTED 10
#define TIMER_DIVIDE 16

enum phase {
	PHASE_RING,
	PHASE_TIMERS,
	PHASE_END
};

static unsigned int ncpu;
static uint32_t timer_per_ms;
static volatile uint32_t phase;
static volatile uint32_t laps, ring_done, hops;
static volatile uint32_t ring_hits[GUEST_MAX_CPUS], ticks[GUEST_MAX_CPUS];
static volatile uint32_t timers_done, oneshot_fired, deadline_fired;

/* The token: count it, pass it on to the next CPU; the BSP counts laps. */
static void ring_handler(struct irq_frame *f)
{
	unsigned int idx = this_cpu()->index;

	(void)f;
	ring_hits[idx]++;
	__atomic_fetch_add(&hops, 1, __ATOMIC_RELAXED);
	if (idx == 0 && ++laps >= LAPS) {
		ring_done = 1;
		return;
	}
	lapic_send_fixed(smp_cpus[(idx + 1) % ncpu].apic_id, VEC_RING);
}

static void timer_handler(struct irq_frame *f)
{
	(void)f;
	ticks[this_cpu()->index]++;
}

static void oneshot_handler(struct irq_frame *f)
{
	(void)f;
	oneshot_fired++;
}

static void deadline_handler(struct irq_frame *f)
{
	(void)f;
	deadline_fired++;
}

/* Periodic LAPIC timer on this CPU until TICKS_WANTED interrupts (or 2 s). */
static void run_timer(unsigned int slot)
{
	uint64_t end = tsc_after_us(2000000);

	lapic_timer_start(VEC_TIMER, LAPIC_TIMER_PERIODIC, timer_per_ms, TIMER_DIVIDE);
	while (ticks[slot] < TICKS_WANTED && rdtsc() < end)
		cpu_relax();
	lapic_timer_stop();
	__atomic_fetch_add(&timers_done, 1, __ATOMIC_RELEASE);
}

static void ap_main(unsigned int slot)
{
	irq_enable(); /* the ring IPIs arrive while we wait */
	while (phase < PHASE_TIMERS)
		cpu_relax();
	run_timer(slot);
	while (phase < PHASE_END)
		cpu_relax();
	irq_disable();
}

static bool wait_until(volatile uint32_t *v, uint32_t want, uint32_t ms)
{
	uint64_t end = tsc_after_us(ms * 1000);

	while (*v < want && rdtsc() < end)
		cpu_relax();
	return *v >= want;
}

static void check_ring(void)
{
	lapic_send_fixed(smp_cpus[1 % ncpu].apic_id, VEC_RING);
	if (!wait_until(&ring_done, 1, 5000))
		fail("ring stalled after %u laps (%u hops)", laps, hops);
	for (unsigned int i = 0; i < ncpu; i++)
		if (ring_hits[i] != LAPS)
			fail("cpu %u (APIC ID %u) saw the token %u times, want %u", i,
			     smp_cpus[i].apic_id, ring_hits[i], LAPS);
	if (hops != LAPS * ncpu)
		fail("token made %u hops, want %u", hops, LAPS * ncpu);
	gprintf("smp: token went %u laps around %u CPUs\n", laps, ncpu);
}

static void check_timer_modes(void)
{
	lapic_timer_start(VEC_ONESHOT, LAPIC_TIMER_ONESHOT, timer_per_ms, TIMER_DIVIDE);
	delay_us(50000);
	if (oneshot_fired != 1)
		fail("one-shot timer fired %u times in 50 ms, want 1", oneshot_fired);
	lapic_timer_stop();
	if (!lapic_has_tsc_deadline()) {
		gprintf("smp: no TSC-deadline mode (CPUID.1:ECX[24] clear), not tested\n");
		return;
	}
	lapic_timer_deadline(VEC_DEADLINE, rdtsc() + tsc_per_ms());
	delay_us(50000);
	if (deadline_fired != 1)
		fail("TSC-deadline timer fired %u times in 50 ms, want 1", deadline_fired);
	lapic_timer_stop();
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t want = cmdline_uint("cpus", 4);
	bool x2;

	(void)magic;
	(void)mbi;
	if (want < 1 || want > GUEST_MAX_CPUS)
		verdict(VERDICT_ERROR, "cpus=%u is outside 1..%u", want, GUEST_MAX_CPUS);
	tsc_per_ms();
	x2 = lapic_setup(!cmdline_has("xapic"));
	lapic_enable();
	gprintf("smp: %s mode, BSP APIC ID %u, want %u CPUs\n", x2 ? "x2APIC" : "xAPIC",
		this_cpu()->apic_id, want);
	timer_per_ms = lapic_timer_per_ms(TIMER_DIVIDE);
	gprintf("smp: LAPIC timer %u counts per ms at divide %u\n", timer_per_ms, TIMER_DIVIDE);
	if (!timer_per_ms)
		verdict(VERDICT_FAILURE, "LAPIC timer does not count");
	irq_register(VEC_TIMER, timer_handler);
	irq_register(VEC_ONESHOT, oneshot_handler);
	irq_register(VEC_DEADLINE, deadline_handler);
	irq_register(VEC_RING, ring_handler);

	ncpu = smp_start(want, ap_main, 1000, true);
	gprintf("smp: %u of %u CPUs checked in\n", ncpu, want);
	irq_enable();
	check_ring();

	phase = PHASE_TIMERS;
	run_timer(0);
	if (!wait_until(&timers_done, ncpu, 3000))
		fail("only %u of %u CPUs finished their timer run", timers_done, ncpu);
	phase = PHASE_END;
	for (unsigned int i = 0; i < ncpu; i++)
		if (ticks[i] < TICKS_WANTED)
			fail("cpu %u (APIC ID %u) got %u timer interrupts, want >= %u", i,
			     smp_cpus[i].apic_id, ticks[i], TICKS_WANTED);
	check_timer_modes();
	report("%u CPUs, %u ring laps, >= %u timer ticks each (%s)", ncpu, laps, TICKS_WANTED,
	       x2 ? "x2APIC" : "xAPIC");
}
