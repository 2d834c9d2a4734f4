// SPDX-License-Identifier: MIT
/*
 * Guest test "block": a halted vCPU costs its core nothing. Two vCPUs share
 * one core; vCPU 1 executes HLT with interrupts enabled and no interrupt
 * source (LAPIC timer masked, no IPIs), so it stays blocked. vCPU 0 then
 * measures its own CPU share over a window of TSC time, the way "fair"
 * does: consecutive RDTSC reads closer than half a slice are time it ran,
 * bigger gaps are time it was descheduled. It must get nearly all of the
 * core: a scheduler that still gave the halted vCPU its slices would leave
 * it about half.
 *
 * Parameters (kernel command line):
 *   min=P       the share vCPU 0 must get, per mille (950)
 *   slices=N    window length in time slices (50)
 *   window=US   window length when the core is not time-shared (10000)
 *   delay=US    from vCPU 1 announcing its HLT to the window start (1000)
 *   timeout=MS  how long to wait for vCPU 1 to come up (300)
 *
 * Pass: min <= share. 50 slices leave 1 slice of edge effect (20 per mille)
 * and the hypervisor's own slice-end work (a preemption-timer exit that
 * finds nothing else to run, counted as running when it is shorter than
 * half a slice) well inside the 50 per mille margin.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off); vCPU 0
 * measures with interrupts off and makes no VM exits while it does.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "block";

#define DEFAULT_SLICES	  50
#define DEFAULT_WINDOW_US 10000
#define NOSLICE_GAP_US	  50
#define UP_TIMEOUT_MS	  300

static uint32_t halting, wakeups;

/* vCPU 1: block in HLT with IF = 1 for good; count any wake-up. */
static void ap_main(unsigned int slot)
{
	(void)slot;
	__atomic_store_n(&halting, 1, __ATOMIC_RELEASE);
	for (;;) {
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		__atomic_fetch_add(&wakeups, 1, __ATOMIC_RELAXED);
	}
}

/* Time this vCPU ran inside [s, e), spinning on RDTSC without exits. */
static uint64_t measure(uint64_t s, uint64_t e, uint64_t threshold)
{
	uint64_t prev = rdtsc(), t, sum = 0;

	for (;;) {
		t = rdtsc();
		if (t > s) {
			sum += tsc_ran_in(prev, t, s, e, threshold);
			if (t >= e)
				return sum;
		}
		prev = t;
	}
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t min = cmdline_uint("min", 950), slices = cmdline_uint("slices", DEFAULT_SLICES);
	uint32_t khz, slice_us, window_us, pm;
	uint64_t per_us, threshold, start, end, ran, deadline;

	(void)magic;
	(void)mbi;
	if (!hv_is_cypress())
		verdict(VERDICT_SKIP, "not running under Cypress (no timing leaf)");
	if (!cy_timing(&khz, &slice_us) || !khz) {
		fail("CPUID 0x%x (timing leaf) absent or TSC kHz 0: using the library's TSC rate",
		     CYPRESS_CPUID_TIMING);
		khz = tsc_per_ms();
		slice_us = 0;
	}
	per_us = khz / 1000;
	window_us = slice_us ? slices * slice_us : cmdline_uint("window", DEFAULT_WINDOW_US);
	threshold = (slice_us ? slice_us / 2 : NOSLICE_GAP_US) * per_us;
	gprintf("block: TSC %u kHz, slice %u us, window %u us, gap threshold %u us, want >= %u "
		"per mille\n",
		khz, slice_us, window_us, (uint32_t)(threshold / per_us), min);

	lapic_setup(true);
	lapic_enable();
	if (smp_start(2, ap_main, UP_TIMEOUT_MS, true) != 2)
		verdict(VERDICT_FAILURE, "vcpu 1 did not come up");
	deadline = rdtsc() + (uint64_t)cmdline_uint("timeout", UP_TIMEOUT_MS) * 1000 * per_us;
	while (!__atomic_load_n(&halting, __ATOMIC_ACQUIRE) && rdtsc() < deadline)
		;
	if (!__atomic_load_n(&halting, __ATOMIC_ACQUIRE))
		verdict(VERDICT_FAILURE, "vcpu 1 never reached its HLT");
	gprintf("block: vcpu 1 is halting with interrupts enabled\n");

	/* The delay lets vCPU 1 reach HLT and the scheduler see it blocked. */
	start = rdtsc() + (uint64_t)cmdline_uint("delay", 1000) * per_us;
	end = start + (uint64_t)window_us * per_us;
	ran = measure(start, end, threshold);
	pm = (uint32_t)(ran * 1000 / (end - start));
	gprintf("block: vcpu 0 ran %llu of %u us: share %u per mille; vcpu 1 woke %u times\n",
		ran / per_us, window_us, pm, __atomic_load_n(&wakeups, __ATOMIC_RELAXED));
	if (pm < min)
		fail("vcpu 0 got %u per mille of the core beside a halted vcpu, want >= %u", pm,
		     min);
	report("vcpu 0 got %u per mille of the core over %u us beside a halted vcpu (want >= %u)",
	       pm, window_us, min);
}
