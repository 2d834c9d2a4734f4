// SPDX-License-Identifier: MIT
/*
 * Guest test "sa": scheduler activations (guest ABI 1.3, hypercalls 25-26;
 * IRS, seeds/003). Two vCPUs time-share one core. One logical thread T runs
 * on whichever vCPU `owner` names; both vCPUs spin, timestamping, so each
 * sees the stretches it was off its core (a "gap": longer than half a
 * slice). The SA upcall handler records when it came.
 * mode=ack: the handler moves T to the other vCPU and acks with yield.
 *   Checks: every gap of a vCPU came after an upcall on it (none without),
 *   each within the limit of its upcall; T moved at every preemption and
 *   never stalled for a gap (it runs on the vCPU that has the core).
 * mode=block: as ack, except that vCPU 1 acks with block; vCPU 0 wakes it
 *   with an IPI every slice. Checks as ack, and every block ended by a wake.
 * mode=rogue: the handler neither moves T nor acks. Checks: every gap still
 *   came after an upcall, and began at the hard limit: no earlier (the
 *   hypervisor waited for the guest) and not much later (it did not wait
 *   longer); T stalls while its vCPU is off.
 * Parameters: the word `rogue` or `block` (else ack mode), limit=US (SA_REGISTER's), slice=US (the
 * manifest's), ms=N (how long to measure).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), 2 vCPUs.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "sa";

#define VEC_SA	   0x52
#define VEC_WAKE   0x53
#define MIN_EVENTS 5

static struct cy_shared area __attribute__((aligned(4096)));
static bool rogue, blockmode;
static volatile uint32_t blocks, wakes;
static uint64_t gap_min; /* ticks: a stretch longer than this was a preemption */
static volatile uint32_t ready, go, stop, finished;
static volatile uint32_t spinning; /* vCPUs inside spin(): T's stalls count once both are */
static volatile uint32_t owner;	   /* the vCPU that runs T */

struct per_vcpu {
	volatile uint64_t upcall_tsc; /* the last upcall's arrival */
	volatile uint32_t upcalls;
	volatile uint32_t pending_seen; /* the shared record said sa_pending in the handler */
	uint64_t last;			/* the last timestamp of the spin loop */
	uint32_t gaps, covered, too_late, too_early;
	uint64_t delay_sum, delay_max, delay_min; /* upcall to gap start */
	volatile int32_t ack_rc;
};
static struct per_vcpu pv[2];
static volatile uint64_t t_last, t_stall_max; /* T's progress */
static volatile uint32_t t_moves, t_stall_at, t_stall_vcpu;

static uint32_t bsp_id;

static uint32_t my_slot(void)
{
	return lapic_id() == bsp_id ? 0 : 1;
}

static void sa_handler(struct irq_frame *f)
{
	uint32_t s = my_slot();

	(void)f;
	pv[s].upcall_tsc = rdtsc();
	pv[s].upcalls++;
	if (__atomic_load_n(&area.vcpu[s].sa_pending, __ATOMIC_ACQUIRE))
		pv[s].pending_seen++;
	lapic_eoi();
	if (rogue)
		return; /* no move, no ack: the hypervisor must cut it off */
	if (__atomic_load_n(&owner, __ATOMIC_ACQUIRE) == s) {
		__atomic_store_n(&owner, 1 - s, __ATOMIC_RELEASE);
		t_moves++;
	}
	if (blockmode && s == 1) {
		/* Nothing left to run here: sleep until vCPU 0's next IPI. */
		blocks++;
		int32_t rc = cypress_sa_ack(CY_SA_BLOCK);
		if (rc)
			pv[s].ack_rc = rc;
		return;
	}
	int32_t rc = cypress_sa_ack(CY_SA_YIELD);
	if (rc)
		pv[s].ack_rc = rc;
}

static void wake_handler(struct irq_frame *f)
{
	(void)f;
	wakes++;
	lapic_eoi();
}

/* Timestamp until `stop` (or, for end != 0, until the TSC passes end). */
static void spin(uint32_t s, uint64_t limit_ticks, uint64_t end)
{
	struct per_vcpu *p = &pv[s];
	uint64_t gap_end = 0, next_wake = 0;

	p->last = rdtsc();
	p->delay_min = ~0ull;
	__atomic_fetch_add(&spinning, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = rdtsc();
		if (end && now >= end)
			break;
		if (now - p->last > gap_min) {
			/* Off the core between p->last and now: was it announced? */
			uint64_t up = p->upcall_tsc;
			p->gaps++;
			/* The upcall came before the last timestamp (a silent
			 * guest runs on after it) or inside the gap (the handler
			 * acked, and the core went to the other vCPU there). */
			if (up > gap_end && up <= now) {
				uint64_t d = up < p->last ? p->last - up : 0;
				p->covered++;
				p->delay_sum += d;
				p->delay_max = d > p->delay_max ? d : p->delay_max;
				p->delay_min = d < p->delay_min ? d : p->delay_min;
				/* The hard limit, with room for the exit that notices it. */
				if (d > limit_ticks + limit_ticks / 2 + gap_min / 4)
					p->too_late++;
				if (rogue && d < limit_ticks - limit_ticks / 5)
					p->too_early++;
			}
			gap_end = now;
		}
		p->last = now;
		if (blockmode && s == 0 && now >= next_wake) {
			lapic_send_fixed(smp_cpus[1].apic_id, VEC_WAKE);
			next_wake = now + gap_min * 2;
		}
		/* One step of T is atomic with respect to the upcall that moves
		 * it, as a thread's step is with respect to its migration. */
		irq_disable();
		if (__atomic_load_n(&owner, __ATOMIC_ACQUIRE) == s &&
		    __atomic_load_n(&spinning, __ATOMIC_ACQUIRE) == 2) {
			/* Before both spin, T may sit on a vCPU still setting up.
			 * The step reads its own clock: `now` may predate a
			 * preemption taken before interrupts went off. */
			uint64_t tl = t_last, tn = rdtsc();
			if (tl && tn - tl > t_stall_max) {
				t_stall_max = tn - tl;
				t_stall_at = t_moves;
				t_stall_vcpu = s;
			}
			t_last = tn;
		}
		irq_enable();
	}
}

static uint64_t limit_ticks_g;

static void ap_main(unsigned int slot)
{
	(void)slot;
	irq_enable();
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		cpu_relax();
	spin(1, limit_ticks_g, 0);
	__atomic_store_n(&finished, 1, __ATOMIC_RELEASE);
	irq_disable();
}

static void report_vcpu(uint32_t s)
{
	struct per_vcpu *p = &pv[s];

	gprintf("sa: vcpu %u: upcalls %u (shared record pending in %u), gaps %u, announced %u, "
		"upcall to gap min %llu mean %llu max %llu ticks, late %u, early %u\n",
		s, p->upcalls, p->pending_seen, p->gaps, p->covered,
		(unsigned long long)(p->covered ? p->delay_min : 0),
		(unsigned long long)(p->covered ? p->delay_sum / p->covered : 0),
		(unsigned long long)p->delay_max, p->too_late, p->too_early);
	if (p->gaps < MIN_EVENTS)
		fail("vcpu %u: only %u preemptions seen (want >= %u)", s, p->gaps, MIN_EVENTS);
	if (p->covered != p->gaps)
		fail("vcpu %u: %u of %u preemptions came without an upcall before them", s,
		     p->gaps - p->covered, p->gaps);
	if (p->pending_seen != p->upcalls)
		fail("vcpu %u: the shared record showed sa_pending in %u of %u upcalls", s,
		     p->pending_seen, p->upcalls);
	if (p->too_late)
		fail("vcpu %u: %u preemptions came later than the hard limit allows", s,
		     p->too_late);
	if (p->too_early)
		fail("vcpu %u: %u preemptions of a silent guest came before the limit", s,
		     p->too_early);
	if (p->ack_rc)
		fail("vcpu %u: SA_ACK returned %d (%s)", s, p->ack_rc, cy_errname(p->ack_rc));
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t limit = cmdline_uint("limit", 100), slice = cmdline_uint("slice", 500);
	uint32_t ms = cmdline_uint("ms", 40);
	const char *mode = cmdline_has("rogue") ? "rogue" : cmdline_has("block") ? "block" : "ack";

	(void)magic;
	(void)mbi;
	cy_require_abi(1003);
	rogue = cmdline_has("rogue");
	blockmode = cmdline_has("block");
	bsp_id = lapic_id();
	gap_min = (uint64_t)tsc_per_ms() * slice / 2000;
	limit_ticks_g = (uint64_t)tsc_per_ms() * limit / 1000;
	lapic_setup(true);
	lapic_enable();
	irq_register(VEC_SA, sa_handler);
	irq_register(VEC_WAKE, wake_handler);

	/* The refusals first, while nothing is registered. */
	expect_rc("SA_ACK without an upcall", cypress_sa_ack(CY_SA_YIELD), CY_EINVAL);
	expect_rc("SA_ACK(2)", cypress_sa_ack(2), CY_EINVAL);
	expect_rc("SA_REGISTER(vector 31)", cypress_sa_register(31, limit), CY_EINVAL);
	expect_rc("SA_REGISTER(vector 256)", cypress_sa_register(256, limit), CY_EINVAL);
	expect_rc("SA_REGISTER(limit 9 us)", cypress_sa_register(VEC_SA, 9), CY_ERANGE);
	expect_rc("SA_REGISTER(limit 10001 us)", cypress_sa_register(VEC_SA, 10001), CY_ERANGE);
	expect_rc("SHARED_SET(unaligned)", cypress_shared_set((uint32_t)(uintptr_t)&area + 8),
		  CY_EINVAL);
	expect_rc("SHARED_SET(outside memory)", cypress_shared_set(0xfffff000u), CY_ERANGE);

	expect_rc("SHARED_SET", cypress_shared_set((uint32_t)(uintptr_t)&area), 0);
	if (smp_start(2, ap_main, 1000, true) != 2)
		verdict(VERDICT_FAILURE, "vcpu 1 did not start");
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		cpu_relax();
	/* Registered once both vCPUs take interrupts: an upcall that finds
	 * IF = 0 cannot be taken and is cut off at the limit (the rogue case). */
	irq_enable();
	expect_rc("SA_REGISTER", cypress_sa_register(VEC_SA, limit), 0);
	if (area.abi != CYPRESS_ABI_VERSION || area.nvcpus != 2 || area.sa_vector != VEC_SA ||
	    area.sa_limit_us != limit)
		fail("shared area header: abi %u vcpus %u sa vector %u limit %u", area.abi,
		     area.nvcpus, area.sa_vector, area.sa_limit_us);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	/* vCPU 0 spins too, until its own deadline, then stops vCPU 1. */
	spin(0, limit_ticks_g, tsc_after_us(ms * 1000));
	irq_disable();
	cypress_sa_register(0, 0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&finished, __ATOMIC_ACQUIRE)) {
		if (blockmode) /* vCPU 1 may sleep in its block ack */
			lapic_send_fixed(smp_cpus[1].apic_id, VEC_WAKE);
		delay_us(100);
	}

	report_vcpu(0);
	report_vcpu(1);
	gprintf("sa: mode %s, limit %u us: thread T moved %u times, longest stall %llu ticks "
		"after move %u on vcpu %u (a preemption is > %llu)\n",
		mode, limit, t_moves, (unsigned long long)t_stall_max, t_stall_at, t_stall_vcpu,
		(unsigned long long)gap_min);
	if (!rogue && t_moves < MIN_EVENTS)
		fail("T moved only %u times", t_moves);
	if (!rogue && t_stall_max > gap_min)
		fail("T stalled for %llu ticks: it was left on a preempted vCPU",
		     (unsigned long long)t_stall_max);
	if (blockmode) {
		gprintf("sa: vcpu 1 blocked %u times, woken %u times\n", blocks, wakes);
		if (blocks < MIN_EVENTS)
			fail("vcpu 1 acked with block only %u times", blocks);
		if (wakes < blocks)
			fail("vcpu 1 blocked %u times but was woken %u times", blocks, wakes);
	}
	if (rogue && t_stall_max <= gap_min)
		fail("T never stalled, but nothing moved it");
	report("%s mode: %u + %u preemptions, each announced", mode, pv[0].gaps, pv[1].gaps);
}
