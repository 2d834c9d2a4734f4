// SPDX-License-Identifier: MIT
/*
 * Guest test "fair": the CPU share each vCPU gets on time-shared cores.
 * vCPU 0 starts the APs ("cpus=N", BSP included); every vCPU then spins on
 * RDTSC over one common window [start, end) of TSC time. Two consecutive
 * reads closer than a threshold mean the vCPU ran in between; a bigger gap
 * means it was descheduled. share = time ran / window. All vCPUs keep
 * contending after the window until every vCPU has finished measuring (and
 * "linger" longer), then vCPU 0 prints one line per vCPU and the verdict.
 *
 * Parameters (kernel command line):
 *   cpus=N      vCPUs, BSP included (4)
 *   share=P     the share each vCPU must get, per mille of one core (500)
 *   tol=P       allowed deviation, per mille (80; see TOLERANCE below)
 *   slices=N    window length in time slices (50)
 *   window=US   window length when the core is not time-shared (10000)
 *   slice=US    if set, CPUID 0x40000002 EBX must report this slice
 *   delay=US    from "all vCPUs spinning" to the window start (1000)
 *   linger=US   keep contending this long after the window (0)
 *   timeout=MS  give up waiting for the other vCPUs after this long (300)
 *
 * Suites: tests/vmx/fair (4 vCPUs on 2 cores, share 500) and tests/vmx/fairw
 * (two class=accel partitions with weights 2 and 1 on two accel cores,
 * share 667 and 333; each lingers so the other's window overlaps its own).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), all
 * vCPUs; measuring vCPUs run with interrupts off and make no VM exits.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "fair";

/*
 * TOLERANCE (default tol=80 per mille), for a window of 50 slices:
 * - quantisation: the window's two edges cut at most one slice each that
 *   this vCPU may or may not have had, so the count of slices a vCPU ran in
 *   the window is off by up to 2 of 50 slices: +-40 per mille;
 * - fair-queueing lag: a weighted fair scheduler keeps each vCPU within
 *   about one slice of its ideal service, so another +-1 slice: +-20;
 * - overhead: what the hypervisor spends switching (the exit, the
 *   scheduler, VMPTRLD) is time no vCPU runs; gaps shorter than the
 *   threshold are counted as running, longer ones lower every share a
 *   little (budget 20 per mille).
 * Longer windows would shrink the first two terms, but 1 ms of guest time
 * costs 0.15-0.4 s of wall time in Bochs, so 50 slices (10 ms at 200 us) is
 * the window the suites can afford.
 */
#define DEFAULT_TOL	  80
#define DEFAULT_SLICES	  50
#define DEFAULT_WINDOW_US 10000
#define NOSLICE_GAP_US	  50 /* threshold when the core is not time-shared */
#define READY_TIMEOUT_MS  300

static unsigned int ncpu;
static uint64_t threshold; /* TSC ticks: a gap longer than this was time away */
static uint64_t linger_ticks, timeout_ticks;

/* Shared between the vCPUs: start and end are written before go (release). */
static uint64_t win_start, win_end;
static uint32_t go, ready, done;
static uint64_t ran[GUEST_MAX_CPUS];
static uint32_t finished[GUEST_MAX_CPUS];

/*
 * Spin on RDTSC until the window has passed, adding up the time this vCPU
 * ran inside [win_start, win_end). No PAUSE (it may cause a PAUSE-loop
 * exit) and no other exiting instruction in the loop.
 */
static uint64_t measure(void)
{
	uint64_t prev = rdtsc(), t, s = 0, e = 0, sum = 0;
	bool started = false;

	__atomic_fetch_add(&ready, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		t = rdtsc();
		if (!started && __atomic_load_n(&go, __ATOMIC_ACQUIRE)) {
			started = true;
			s = win_start;
			e = win_end;
		}
		if (started && t > s) {
			sum += tsc_ran_in(prev, t, s, e, threshold);
			if (t >= e)
				return sum;
		}
		prev = t;
	}
}

/* Keep contending until everyone measured and linger has passed (bounded). */
static void contend(void)
{
	uint64_t until = win_end + linger_ticks, limit = win_end + timeout_ticks, t;

	do {
		t = rdtsc();
	} while ((__atomic_load_n(&done, __ATOMIC_ACQUIRE) < ncpu || t < until) && t < limit);
}

static void run_vcpu(unsigned int slot)
{
	ran[slot] = measure();
	__atomic_store_n(&finished[slot], 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&done, 1, __ATOMIC_ACQ_REL);
	contend();
}

static void ap_main(unsigned int slot)
{
	if (slot < GUEST_MAX_CPUS)
		run_vcpu(slot);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t want = cmdline_uint("cpus", 4), share = cmdline_uint("share", 500);
	uint32_t tol = cmdline_uint("tol", DEFAULT_TOL), slices = cmdline_uint("slices", 0);
	uint32_t want_slice = cmdline_uint("slice", 0), delay = cmdline_uint("delay", 1000);
	uint32_t khz, slice_us, window_us, lo_pm = 1000, hi_pm = 0, total_pm = 0;
	uint64_t per_us, deadline;
	bool leaf;

	(void)magic;
	(void)mbi;
	if (!hv_is_cypress())
		verdict(VERDICT_SKIP, "not running under Cypress (no timing leaf)");
	if (want < 1 || want > GUEST_MAX_CPUS)
		verdict(VERDICT_ERROR, "cpus=%u is outside 1..%u", want, GUEST_MAX_CPUS);
	leaf = cy_timing(&khz, &slice_us);
	if (!leaf || !khz) {
		fail("CPUID 0x%x (timing leaf) absent or TSC kHz 0: using the library's TSC rate",
		     CYPRESS_CPUID_TIMING);
		khz = tsc_per_ms();
		slice_us = 0;
	}
	if (want_slice && slice_us != want_slice)
		fail("timing leaf reports a %u us slice on vcpu 0's core, want %u", slice_us,
		     want_slice);
	if (slice_us && !slices)
		slices = DEFAULT_SLICES;
	window_us = slice_us ? slices * slice_us : cmdline_uint("window", DEFAULT_WINDOW_US);
	per_us = khz / 1000;
	threshold = (slice_us ? slice_us / 2 : NOSLICE_GAP_US) * per_us;
	linger_ticks = (uint64_t)cmdline_uint("linger", 0) * per_us;
	timeout_ticks =
		linger_ticks + (uint64_t)cmdline_uint("timeout", READY_TIMEOUT_MS) * 1000 * per_us;
	gprintf("fair: TSC %u kHz, slice %u us, window %u us (%u slices), gap threshold %u us, "
		"want %u +- %u per mille per vcpu\n",
		khz, slice_us, window_us, slice_us ? window_us / slice_us : 0,
		(uint32_t)(threshold / per_us), share, tol);

	lapic_setup(true);
	lapic_enable();
	ncpu = smp_start(want, ap_main, READY_TIMEOUT_MS, true);
	if (ncpu != want)
		verdict(VERDICT_FAILURE, "only %u of %u vCPUs came up", ncpu, want);

	/* Every vCPU spins in measure() before the window is agreed on. */
	deadline = rdtsc() + timeout_ticks;
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < ncpu - 1 && rdtsc() < deadline)
		;
	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < ncpu - 1)
		verdict(VERDICT_FAILURE, "only %u of %u APs reached the measuring loop",
			__atomic_load_n(&ready, __ATOMIC_ACQUIRE), ncpu - 1);
	/* The hypervisor's view of the same contention (LOAD_GET, ABI 1.2):
	 * snapshots before and after, taken outside the window (one exit each). */
	static struct cy_vcpu_load before[GUEST_MAX_CPUS], after[GUEST_MAX_CPUS];
	bool have_load = cypress_abi_version() >= 1002 &&
			 cypress_hypercall(CYPRESS_HC_LOAD_GET, (uint32_t)(uintptr_t)before, ncpu,
					   0) == (int32_t)ncpu;
	win_start = rdtsc() + (uint64_t)delay * per_us;
	win_end = win_start + (uint64_t)window_us * per_us;
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	run_vcpu(0);
	if (have_load)
		have_load = cypress_hypercall(CYPRESS_HC_LOAD_GET, (uint32_t)(uintptr_t)after, ncpu,
					      0) == (int32_t)ncpu;
	else
		fail("LOAD_GET refused");

	for (unsigned int i = 0; i < ncpu; i++) {
		uint32_t pm = (uint32_t)(ran[i] * 1000 / (win_end - win_start));

		if (!__atomic_load_n(&finished[i], __ATOMIC_ACQUIRE)) {
			fail("vcpu %u did not finish its window within %u ms after it", i,
			     cmdline_uint("timeout", READY_TIMEOUT_MS));
			continue;
		}
		gprintf("fair: vcpu %u ran %llu of %u us: share %u per mille\n", i, ran[i] / per_us,
			window_us, pm);
		if (pm + tol < share || pm > share + tol)
			fail("vcpu %u got %u per mille of a core, want %u +- %u", i, pm, share,
			     tol);
		lo_pm = pm < lo_pm ? pm : lo_pm;
		hi_pm = pm > hi_pm ? pm : hi_pm;
		total_pm += pm;
	}
	/* Steal as the hypervisor counts it, over the whole contended stretch:
	 * a vCPU that gets `share` of a core waits the rest of the time. The
	 * stretch is longer than the window (delay and linger on both sides)
	 * and its ends see vCPUs start and stop spinning, so the tolerance is
	 * wider than the guest's own: stol (150 per mille). */
	uint32_t stol = cmdline_uint("stol", 150);
	for (unsigned int i = 0; have_load && i < ncpu; i++) {
		uint64_t run = after[i].run_us - before[i].run_us;
		uint64_t steal = after[i].steal_us - before[i].steal_us;
		uint32_t spm = run + steal ? (uint32_t)(steal * 1000 / (run + steal)) : 0;
		gprintf("fair: vcpu %u: hypervisor counted %llu us run, %llu us stolen: %u per mille "
			"stolen\n",
			i, run, steal, spm);
		if (spm + stol < 1000 - share || spm > 1000 - share + stol)
			fail("vcpu %u: hypervisor says %u per mille stolen, want %u +- %u", i, spm,
			     1000 - share, stol);
	}
	gprintf("fair: window TSC 0x%llx-0x%llx, all vcpus together %u per mille of a core\n",
		win_start, win_end, total_pm);
	report("%u vcpus got %u..%u per mille of a core over %u us (want %u +- %u)", ncpu, lo_pm,
	       hi_pm, window_us, share, tol);
}
