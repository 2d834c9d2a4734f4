// SPDX-License-Identifier: MIT
/*
 * Guest test "migrate": a vCPU keeps its state while the partition's LPM
 * moves it between the partition's cores. Two vCPUs on two cores.
 * vCPU 1 runs a checker in a loop with no exits: six registers and XMM0-3
 * loaded with known values survive a spin (regs.S; SSE turned on for it),
 * the TSC never goes backwards, and a 4 KiB region with a running checksum
 * still adds up. Where CPUID reports IA32_TSC_ADJUST, the checker first
 * moves its own TSC 2^40 ahead with it (issue 12): the offset lives in the
 * VMCS and must travel with the vCPU, so a move that lost it would send the
 * TSC back by 2^40 and TSC_ADJUST would read differently at the end. Two partitions sharing cores use different seeds, so a
 * vCPU seeing another's XMM state is caught too. vCPU 0 moves vCPU 1
 * with CYPRESS_HC_VCPU_MOVE to the other core and back, "rounds" times,
 * polling CYPRESS_HC_VCPU_WHERE(1) after each move until it reports the
 * target cpu. The partition's two cores are where vCPUs 0 and 1 run at the
 * start (core index 0 = the lower cpu number). Then vCPU 0 stops the
 * checker and reads its counters.
 *
 * Parameters (kernel command line):
 *   rounds=N     round trips (100: 200 moves)
 *   movetime=MS  how long one move may take to show in VCPU_WHERE (50)
 *   spins=N      iterations of the register spin per check (2000)
 *   seed=N       the checker's first pseudo-random value (0x2545f491)
 *
 * Pass: every move arrived in time, the checker ran checks (also while the
 * moves went on) and found no error. The verdict names the moves done; a
 * move that never arrives fails naming its number.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), both
 * vCPUs; the checker runs with interrupts off.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "migrate";

#define NREGS	      6
#define REGION_WORDS  1024
#define VERIFY_EVERY  8
#define UP_TIMEOUT_MS 300
#define BUSY_RETRY_MS 50

void regcheck(const uint32_t in[NREGS], uint32_t out[NREGS], uint32_t spins);

static const char *const reg_names[NREGS] = { "ebx", "ecx", "edx", "esi", "edi", "ebp" };

/* Written by the checker (vCPU 1), read by vCPU 0. */
static uint32_t checks, errors, stopped;
static char first_error[128];
/* Written by vCPU 0. */
static uint32_t stop, spins;
static uint32_t region[REGION_WORDS];

static void checker_error(const char *what, uint32_t got, uint32_t want)
{
	if (!__atomic_fetch_add(&errors, 1, __ATOMIC_ACQ_REL))
		gsnprintf(first_error, sizeof(first_error), "%s: got 0x%x, want 0x%x (check %u)",
			  what, got, want, checks);
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

void xmmcheck(const uint32_t in[16], uint32_t out[16], uint32_t spins);
static uint32_t seed = 0x2545f491u; /* cmdline seed=: partitions side by side differ */

/* SSE on for this CPU: CR4.OSFXSR, CR0.EM and CR0.TS clear, CR0.MP set. */
static void sse_on(void)
{
	uint32_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"((cr0 & ~0xcu) | 0x2u));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | 0x200u));
}

#define MSR_TSC_ADJUST 0x3b
#define TSC_JUMP       (1ull << 40)

/* IA32_TSC_ADJUST exists (CPUID.7.0:EBX[1]). */
static bool has_tsc_adjust(void)
{
	uint32_t max, b7 = 0;

	cpuid(0, 0, &max, NULL, NULL, NULL);
	if (max >= 7)
		cpuid(7, 0, NULL, &b7, NULL, NULL);
	return b7 & (1u << 1);
}

/* vCPU 1: check until told to stop. Nothing in the loop causes a VM exit. */
static void checker(unsigned int slot)
{
	uint32_t in[NREGS], out[NREGS], rnd = seed, sum = 0, full;
	uint32_t xin[16], xout[16];
	uint64_t last, t, adj = 0, adj_end = 0;
	bool tsc_adjust = has_tsc_adjust();

	(void)slot;
	if (tsc_adjust) {
		if (rdmsr_safe(MSR_TSC_ADJUST, &adj) >= 0 ||
		    wrmsr_safe(MSR_TSC_ADJUST, adj + TSC_JUMP) >= 0)
			checker_error("IA32_TSC_ADJUST access faulted", 0, 0);
		adj += TSC_JUMP;
	}
	last = rdtsc();
	sse_on();
	for (unsigned int i = 0; i < REGION_WORDS; i++) {
		region[i] = xorshift(&rnd);
		sum += region[i];
	}
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		for (unsigned int i = 0; i < NREGS; i++)
			in[i] = xorshift(&rnd);
		regcheck(in, out, spins);
		for (unsigned int i = 0; i < NREGS; i++)
			if (out[i] != in[i])
				checker_error(reg_names[i], out[i], in[i]);
		for (unsigned int i = 0; i < 16; i++)
			xin[i] = xorshift(&rnd);
		xmmcheck(xin, xout, spins);
		for (unsigned int i = 0; i < 16; i++)
			if (xout[i] != xin[i])
				checker_error("xmm0-3", xout[i], xin[i]);
		t = rdtsc();
		if (t < last)
			checker_error("TSC went backwards (low words)", (uint32_t)t,
				      (uint32_t)last);
		last = t;
		/* One word changes per check; the running sum follows it. */
		unsigned int w = xorshift(&rnd) % REGION_WORDS;
		sum -= region[w];
		region[w] = xorshift(&rnd);
		sum += region[w];
		if (checks % VERIFY_EVERY == 0) {
			full = 0;
			for (unsigned int i = 0; i < REGION_WORDS; i++)
				full += region[i];
			if (full != sum)
				checker_error("memory region checksum", full, sum);
		}
		__atomic_store_n(&checks, checks + 1, __ATOMIC_RELEASE);
	}
	if (tsc_adjust && (rdmsr_safe(MSR_TSC_ADJUST, &adj_end) >= 0 || adj_end != adj))
		checker_error("IA32_TSC_ADJUST after the moves (low words)", (uint32_t)adj_end,
			      (uint32_t)adj);
	__atomic_store_n(&stopped, 1, __ATOMIC_RELEASE);
}

static bool wait_flag(uint32_t *flag, uint32_t ms)
{
	uint64_t end = tsc_after_us(ms * 1000);

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE) && rdtsc() < end)
		cpu_relax();
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0;
}

/* Stop the checker (bounded) and judge its counters. */
static void stop_checker(uint32_t checks_at_first_move)
{
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	if (!wait_flag(&stopped, UP_TIMEOUT_MS))
		fail("the checker on vcpu 1 did not stop within %u ms", UP_TIMEOUT_MS);
	gprintf("migrate: checker: %u checks, %u errors\n", checks, errors);
	if (!checks)
		fail("the checker on vcpu 1 never completed a check");
	else if (checks == checks_at_first_move)
		fail("the checker made no progress while vcpu 1 was being moved (%u checks)",
		     checks);
	if (errors)
		fail("checker found %u errors, first: %s", errors, first_error);
}

/* One move of vCPU 1 to core k (cpu want): request, then poll until it shows. */
static bool move_once(unsigned int n, uint32_t k, int32_t want, uint32_t ms)
{
	uint64_t end = tsc_after_us(BUSY_RETRY_MS * 1000);
	int32_t r, where = -1;

	while ((r = cy_vcpu_move(1, k)) == CY_EBUSY && rdtsc() < end)
		cpu_relax();
	if (r != 0) {
		fail("move %u: VCPU_MOVE(1, %u) = %d (%s)", n, k, r, cy_errname(r));
		return false;
	}
	end = tsc_after_us(ms * 1000);
	while ((where = cy_vcpu_where(1)) != want && rdtsc() < end)
		cpu_relax();
	if (where != want) {
		fail("move %u: vcpu 1 not on core %u (cpu %d) within %u ms: VCPU_WHERE(1) = %d", n,
		     k, want, ms, where);
		return false;
	}
	return true;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t rounds = cmdline_uint("rounds", 100), ms = cmdline_uint("movetime", 50);
	uint32_t moves = 0, at_first, k1;
	int32_t w0, w1, cpu_of[2];

	(void)magic;
	(void)mbi;
	if (!hv_is_cypress())
		verdict(VERDICT_SKIP, "not running under Cypress (VCPU_MOVE is a Cypress call)");
	spins = cmdline_uint("spins", 2000);
	seed = cmdline_uint("seed", seed) | 1;
	if (!spins)
		spins = 1;
	tsc_per_ms();
	lapic_setup(true);
	lapic_enable();
	if (smp_start(2, checker, UP_TIMEOUT_MS, true) != 2)
		verdict(VERDICT_FAILURE, "vcpu 1 did not come up");
	if (!wait_flag(&checks, UP_TIMEOUT_MS))
		fail("the checker on vcpu 1 completed no check within %u ms", UP_TIMEOUT_MS);

	w0 = cy_vcpu_where(0);
	w1 = cy_vcpu_where(1);
	gprintf("migrate: at start vcpu 0 on cpu %d, vcpu 1 on cpu %d; %u round trips\n", w0, w1,
		rounds);
	if (w0 < 0 || w1 < 0 || w0 == w1) {
		if (w0 < 0 || w1 < 0)
			fail("VCPU_WHERE(0) = %d (%s), VCPU_WHERE(1) = %d (%s)", w0, cy_errname(w0),
			     w1, cy_errname(w1));
		else
			fail("both vcpus on cpu %d: cannot tell the partition's 2 cores apart", w0);
		stop_checker(0);
		report(NULL);
	}
	cpu_of[0] = w0 < w1 ? w0 : w1;
	cpu_of[1] = w0 < w1 ? w1 : w0;
	k1 = w1 == cpu_of[0] ? 0 : 1;
	at_first = __atomic_load_n(&checks, __ATOMIC_ACQUIRE);
	for (unsigned int n = 1; n <= 2 * rounds; n++) {
		uint32_t k = (k1 + n) % 2;

		if (!move_once(n, k, cpu_of[k], ms))
			break;
		moves++;
	}
	gprintf("migrate: %u of %u moves done\n", moves, 2 * rounds);
	stop_checker(at_first);
	report("%u moves (%u round trips between cpus %d and %d), %u checks, 0 errors", moves,
	       moves / 2, cpu_of[0], cpu_of[1], checks);
}
