// SPDX-License-Identifier: MIT
/*
 * Guest test "lease": fast-core leases (guest ABI 1.3, hypercalls 18-20).
 * Two partitions run this kernel, `role=1` (A, two vCPUs) and `role=2` (B, one),
 * each on a slow core of its own; the machine has one fast core (`fast=N`), free.
 * They share no memory: B learns what A holds from CORE_LIST (B is a control
 * partition), A learns that B waits from LEASE_RENEW's answer.
 *   A: every bad argument and its error; a budget too small (CY_ERANGE); a
 *      vCPU not started (CY_EBUSY);
 *      LEASE_REQUEST -> CY_LEASE_GRANTED, its vCPU reaches the fast core
 *      (bench: lease handoff, from the call to VCPU_WHERE naming it), class 1,
 *      the shared record names the lease, POWER_GET's draw includes the fast
 *      core; a second request is CY_EEXIST; one for vCPU 1 is over a's share
 *      (CY_EBUSY, and not queued); LEASE_RENEW succeeds, then is
 *      refused (CY_EBUSY) once B waits; LEASE_ENDING then LEASE_ENDED
 *      arrive, with the CORE_NOTIFY vector; its vCPU is back on its slow core.
 *   B: once the fast core is A's (and RESOURCES counts no free core): LEASE_REQUEST -> CY_LEASE_QUEUED; releasing
 *      the queued request withdraws it (a new request is queued again, not
 *      CY_EEXIST); CY_EV_LEASE_GRANTED arrives, its vCPU is on the fast core;
 *      LEASE_RELEASE brings it back to its slow core; a second release is
 *      CY_ENOENT; it leases the core again and exits holding it (the
 *      hypervisor ends the lease when the partition goes: the summary counts it).
 * Parameters: role=1 (a) or 2 (b), fast=CPU slow_watts=N fast_watts=N power=N (A's budget).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), 1-2 vCPUs.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "lease";

#define VEC_NOTE 0x42
#define TERM_MS	 50
#define WAIT_MS	 2000

/* SHARED_SET takes CY_SHARED_SIZE bytes, more than the struct. */
static union {
	struct cy_shared s;
	uint8_t raw[CY_SHARED_SIZE];
} area __attribute__((aligned(4096)));
#define sh area.s
static volatile uint32_t notes;
static struct cy_core_desc desc;

static void note_handler(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&notes, 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

/* Wait (bounded) until vCPU 0 runs on cpu; false on timeout. */
static bool wait_where(int32_t cpu, uint32_t ms)
{
	uint64_t end = tsc_after_us(ms * 1000);

	while (cy_vcpu_where(0) != cpu && rdtsc() < end)
		delay_us(200);
	return cy_vcpu_where(0) == cpu;
}

/* Wait (bounded) for event bits of vCPU 0 in the shared area; clears them. */
static bool wait_event(uint32_t bits, uint32_t ms)
{
	volatile uint32_t *ev = &sh.vcpu[0].events;
	uint64_t end = tsc_after_us(ms * 1000);

	while (!(*ev & bits) && rdtsc() < end)
		delay_us(200);
	if (!(*ev & bits))
		return false;
	__atomic_fetch_and(ev, ~bits, __ATOMIC_ACQ_REL);
	return true;
}

static void expect_class(const char *when, uint32_t cls, int32_t cpu)
{
	int32_t rc = cypress_core_info(0, &desc);

	if (rc != 0 || desc.cls != cls || (int32_t)desc.cpu != cpu)
		fail("%s: CORE_INFO = %d, cpu %u class %u, want cpu %d class %u", when, rc,
		     desc.cpu, desc.cls, cpu, cls);
}

/* vCPU 1 of a: started so that a lease for it is not refused as "not started". */
static void ap_idle(unsigned int slot)
{
	(void)slot;
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void role_a(int32_t fast, int32_t home)
{
	uint32_t slow_w = cmdline_uint("slow_watts", 40), fast_w = cmdline_uint("fast_watts", 80);
	uint32_t limit = cmdline_uint("power", 200);
	struct cy_power pw;

	expect_rc("LEASE_REQUEST(5, 50)", cypress_lease_request(5, TERM_MS), CY_ENOENT);
	expect_rc("LEASE_REQUEST(0, 0)", cypress_lease_request(0, 0), CY_ERANGE);
	expect_rc("LEASE_REQUEST(0, 60001)", cypress_lease_request(0, 60001), CY_ERANGE);
	expect_rc("LEASE_RENEW(0, 50) without a lease", cypress_lease_renew(0, TERM_MS), CY_ENOENT);
	expect_rc("LEASE_RENEW(0, 0)", cypress_lease_renew(0, 0), CY_ERANGE);
	expect_rc("LEASE_RENEW(5, 50)", cypress_lease_renew(5, TERM_MS), CY_ENOENT);
	expect_rc("LEASE_RELEASE(0) without a lease", cypress_lease_release(0), CY_ENOENT);
	expect_rc("LEASE_RELEASE(9)", cypress_lease_release(9), CY_ENOENT);

	/* Power: a budget of exactly its slow core leaves no room for the fast one. */
	expect_rc("POWER_SET(slow)", cypress_power_set(slow_w), 0);
	expect_rc("LEASE_REQUEST with a budget of its slow core", cypress_lease_request(0, TERM_MS),
		  CY_ERANGE);
	expect_rc("POWER_SET(limit)", cypress_power_set(limit), 0);

	expect_rc("LEASE_REQUEST(1, 50) before vcpu 1 started", cypress_lease_request(1, TERM_MS),
		  CY_EBUSY);
	if (smp_start(2, ap_idle, 1000, false) != 2)
		fail("vcpu 1 did not start");

	uint64_t t0 = rdtsc();
	expect_rc("LEASE_REQUEST(0, 50)", cypress_lease_request(0, TERM_MS), CY_LEASE_GRANTED);
	if (!wait_where(fast, WAIT_MS))
		verdict(VERDICT_FAILURE, "granted, but vcpu 0 is on cpu %d, not fast cpu %d",
			cy_vcpu_where(0), fast);
	uint64_t t1 = rdtsc();
	expect_rc("LEASE_RENEW(0, 50)", cypress_lease_renew(0, TERM_MS), 0);
	gprintf("bench: lease handoff %llu ticks\n", (unsigned long long)(t1 - t0));
	expect_rc("LEASE_REQUEST(0, 50) while leased", cypress_lease_request(0, TERM_MS),
		  CY_EEXIST);
	expect_class("leased", CY_CLASS_FAST, fast);
	if (sh.vcpu[0].lease_cpu != (uint32_t)fast || !sh.vcpu[0].lease_end_tsc)
		fail("shared record: lease_cpu %u end %llu, want %d and a time",
		     sh.vcpu[0].lease_cpu, (unsigned long long)sh.vcpu[0].lease_end_tsc, fast);
	expect_rc("POWER_GET", cypress_power_get(&pw), 0);
	if (pw.draw_w != slow_w + fast_w)
		fail("POWER_GET while leased: draw %u W, want %u", pw.draw_w, slow_w + fast_w);
	expect_rc("POWER_SET(slow) while leased", cypress_power_set(slow_w), CY_ERANGE);
	expect_rc("VCPU_MOVE(0, 0) while leased", cy_vcpu_move(0, 0), CY_EBUSY);
	/* One lease core, a holds it: its share is full (refused, not queued). */
	expect_rc("LEASE_REQUEST(1, 50) over the share", cypress_lease_request(1, TERM_MS),
		  CY_EBUSY);
	expect_rc("LEASE_RELEASE(1): nothing was queued", cypress_lease_release(1), CY_ENOENT);
	gprintf("lease: a: vcpu 0 on fast cpu %d, draw %u W\n", fast, pw.draw_w);

	/* Renew until B waits: then renewals are refused and the term runs out. */
	int32_t rc = 0;
	uint32_t renewals = 0;
	uint64_t end = tsc_after_us(WAIT_MS * 1000);
	while (rdtsc() < end) {
		rc = cypress_lease_renew(0, TERM_MS);
		if (rc != 0)
			break;
		renewals++;
		delay_us(5000);
	}
	expect_rc("LEASE_RENEW while b waits", rc, CY_EBUSY);
	gprintf("lease: a: renewed %u times, then refused: b waits\n", renewals);
	if (!wait_event(CY_EV_LEASE_ENDING, WAIT_MS))
		fail("no CY_EV_LEASE_ENDING");
	if (sh.vcpu[0].events & CY_EV_LEASE_ENDED)
		fail("CY_EV_LEASE_ENDED came with the warning, not after it");
	if (!wait_event(CY_EV_LEASE_ENDED, WAIT_MS))
		fail("no CY_EV_LEASE_ENDED");
	if (cy_vcpu_where(0) != home)
		fail("lease ended: vcpu 0 on cpu %d, want its slow cpu %d", cy_vcpu_where(0), home);
	expect_class("lease ended", CY_CLASS_SLOW, home);
	if (sh.vcpu[0].lease_cpu != CY_NO_CPU)
		fail("shared record after the end: lease_cpu %u", sh.vcpu[0].lease_cpu);
	expect_rc("LEASE_RELEASE(0) after the end", cypress_lease_release(0), CY_ENOENT);
	cypress_power_get(&pw);
	if (pw.draw_w != slow_w)
		fail("POWER_GET after the lease: draw %u W, want %u", pw.draw_w, slow_w);
	if (!notes)
		fail("no CORE_NOTIFY interrupt");
	gprintf("lease: a: ending, ended, back on cpu %d, %u notices\n", home, notes);
	report("granted, renewed, refused while b waits, expired back to the slow core");
}

static bool fast_is_taken(int32_t fast)
{
	static struct cy_core_info ci[16];
	int32_t n = cy_core_list(ci, 16);

	return n > fast && ci[fast].role == CY_CORE_VCPU && ci[fast].part >= 0;
}

static void role_b(int32_t fast, int32_t home)
{
	uint64_t end = tsc_after_us(WAIT_MS * 1000);

	while (!fast_is_taken(fast) && rdtsc() < end)
		delay_us(500);
	if (!fast_is_taken(fast))
		verdict(VERDICT_FAILURE, "the fast cpu %d was never leased to a", fast);
	struct cy_resources res;
	expect_rc("RESOURCES", cy_resources(&res), 0);
	if (res.free_cores != 0)
		fail("RESOURCES while the fast core is leased: %u free cores, want 0",
		     res.free_cores);
	delay_us(30000); /* a renews once before b waits */
	expect_rc("LEASE_REQUEST(0, 50) while a holds it", cypress_lease_request(0, TERM_MS),
		  CY_LEASE_QUEUED);
	expect_rc("LEASE_RELEASE(0) of the queued request", cypress_lease_release(0), 0);
	expect_rc("LEASE_REQUEST(0, 50) again", cypress_lease_request(0, TERM_MS), CY_LEASE_QUEUED);
	expect_rc("LEASE_REQUEST(0, 50) while queued", cypress_lease_request(0, TERM_MS),
		  CY_EEXIST);
	uint64_t t0 = rdtsc();
	if (!wait_event(CY_EV_LEASE_GRANTED, WAIT_MS))
		verdict(VERDICT_FAILURE, "no CY_EV_LEASE_GRANTED");
	if (!wait_where(fast, WAIT_MS))
		verdict(VERDICT_FAILURE, "granted, but vcpu 0 on cpu %d", cy_vcpu_where(0));
	gprintf("lease: b: queued request granted after %llu ticks, vcpu 0 on cpu %d\n",
		(unsigned long long)(rdtsc() - t0), fast);
	expect_class("granted from the queue", CY_CLASS_FAST, fast);
	expect_rc("LEASE_RELEASE(0)", cypress_lease_release(0), 0);
	if (!wait_where(home, WAIT_MS))
		fail("released: vcpu 0 on cpu %d, want %d", cy_vcpu_where(0), home);
	expect_rc("LEASE_RELEASE(0) again", cypress_lease_release(0), CY_ENOENT);
	/* Exit holding a lease: the hypervisor ends it when the partition goes. */
	expect_rc("LEASE_REQUEST(0, 60000) to exit with", cypress_lease_request(0, 60000),
		  CY_LEASE_GRANTED);
	report("queued, withdrawn, queued, granted when a's term ended, released");
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	cy_require_abi(1003);
	cy_events_setup(&sh, VEC_NOTE, note_handler);
	irq_enable();
	int32_t fast = (int32_t)cmdline_uint("fast", 3), home = cy_vcpu_where(0);
	uint32_t role = cmdline_uint("role", 0);
	if (role == 1)
		role_a(fast, home);
	if (role == 2)
		role_b(fast, home);
	verdict(VERDICT_ERROR, "role=%u: want 1 (a) or 2 (b)", role);
}
