// SPDX-License-Identifier: MIT
/*
 * Guest test "exchange": CORE_EXCHANGE (guest ABI 1.3, hypercall 21), the
 * Cypress paper's "a core drawing 80 watts can be exchanged for two cores
 * drawing 40 watts each". The partition starts with one vCPU on the fast
 * core (80 W) and an 80 W budget; two slow cores (40 W) are free.
 *   - refusals: mask 0, a bit beyond its cores, 0 or 65 cores wanted, class 7
 *     or accel (CY_EINVAL); three slow cores (CY_ENOENT, two are free);
 *   - fast -> two slow: answer 2, then CY_EV_EXCHANGE once everything moved
 *     (bench: from the call to that event); two vCPUs (the shared header), CORE_INFO says class 0 at 40 W, vCPU 1 waits
 *     on the other slow core; POWER_GET's draw stays 80 W;
 *   - one slow core for a fast one: 40 + 0 W cannot pay 80 W (CY_ERANGE);
 *   - two slow -> fast with vCPU 1 never started: answer 1, one vCPU, back on
 *     the fast core;
 *   - fast -> two slow again, INIT/SIPI starts vCPU 1, which runs on the
 *     other slow core; giving both back now needs vCPU 1 gone: CY_EBUSY
 *     (VCPU_OFFLINE, hypercall 23, is not in this branch).
 * Parameters: fast=CPU slow_watts=N fast_watts=N.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), 1-2 vCPUs.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "exchange";

#define VEC_NOTE 0x43
#define WAIT_MS	 2000

static union {
	struct cy_shared s;
	uint8_t raw[CY_SHARED_SIZE];
} area __attribute__((aligned(4096)));
#define sh area.s
static volatile uint32_t notes, ap_ran;
static volatile int32_t ap_cpu = -1, ap_cls = -1;
static struct cy_core_desc desc;

static void note_handler(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&notes, 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

/* Exchange, retrying (bounded) while a dropped vCPU is still on its way out. */
static int32_t exchange(uint32_t mask, uint32_t want, uint32_t cls)
{
	uint64_t end = tsc_after_us(WAIT_MS * 1000);
	int32_t rc;

	while ((rc = cypress_core_exchange(mask, want, cls)) == CY_EBUSY && rdtsc() < end)
		delay_us(1000);
	return rc;
}

static void expect_core(const char *when, uint32_t vcpu, uint32_t cls, uint32_t watts)
{
	int32_t rc = cypress_core_info(vcpu, &desc);

	if (rc != 0 || desc.cls != cls || desc.watts != watts)
		fail("%s: CORE_INFO(%u) = %d: cpu %u class %u %u W, want class %u %u W", when, vcpu,
		     rc, desc.cpu, desc.cls, desc.watts, cls, watts);
}

static void ap_main(unsigned int slot)
{
	struct cy_core_desc d;

	(void)slot;
	if (cypress_core_info(1, &d) == 0) {
		ap_cls = (int32_t)d.cls;
		ap_cpu = (int32_t)d.cpu;
	}
	__atomic_store_n(&ap_ran, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* The call answers once the LPM has the change; CY_EV_EXCHANGE once it is done. */
static void wait_exchanged(const char *when)
{
	uint64_t end = tsc_after_us(WAIT_MS * 1000);

	while (!(sh.events & CY_EV_EXCHANGE) && rdtsc() < end)
		delay_us(200);
	if (!(sh.events & CY_EV_EXCHANGE))
		fail("%s: no CY_EV_EXCHANGE", when);
	__atomic_fetch_and(&sh.events, ~CY_EV_EXCHANGE, __ATOMIC_ACQ_REL);
}

static void check_two_slow(const char *when, uint32_t slow_w)
{
	wait_exchanged(when);
	if (sh.nvcpus != 2)
		fail("%s: shared header says %u vcpus, want 2", when, sh.nvcpus);
	expect_core(when, 0, CY_CLASS_SLOW, slow_w);
	int32_t c0 = cy_vcpu_where(0), c1 = cy_vcpu_where(1);
	if (c0 < 0 || c1 < 0 || c0 == c1)
		fail("%s: vcpus on cpus %d and %d, want two different cores", when, c0, c1);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t slow_w = cmdline_uint("slow_watts", 40), fast_w = cmdline_uint("fast_watts", 80);
	int32_t fast = (int32_t)cmdline_uint("fast", 1);
	struct cy_power pw;

	(void)magic;
	(void)mbi;
	cy_require_abi(1003);
	cy_events_setup(&sh, VEC_NOTE, note_handler);
	irq_enable();
	expect_core("start", 0, CY_CLASS_FAST, fast_w);
	if (cy_vcpu_where(0) != fast)
		verdict(VERDICT_ERROR, "vcpu 0 starts on cpu %d, not the fast cpu %d",
			cy_vcpu_where(0), fast);

	expect_rc("CORE_EXCHANGE(0, 2, slow)", cypress_core_exchange(0, 2, CY_CLASS_SLOW),
		  CY_EINVAL);
	expect_rc("CORE_EXCHANGE(2, 2, slow)", cypress_core_exchange(2, 2, CY_CLASS_SLOW),
		  CY_EINVAL);
	expect_rc("CORE_EXCHANGE(1, 0, slow)", cypress_core_exchange(1, 0, CY_CLASS_SLOW),
		  CY_EINVAL);
	expect_rc("CORE_EXCHANGE(1, 65, slow)", cypress_core_exchange(1, 65, CY_CLASS_SLOW),
		  CY_EINVAL);
	expect_rc("CORE_EXCHANGE(1, 2, 7)", cypress_core_exchange(1, 2, 7), CY_EINVAL);
	expect_rc("CORE_EXCHANGE(1, 1, accel)", cypress_core_exchange(1, 1, CY_CLASS_ACCEL),
		  CY_EINVAL);
	expect_rc("CORE_EXCHANGE(1, 3, slow)", cypress_core_exchange(1, 3, CY_CLASS_SLOW),
		  CY_ENOENT);
	if (cy_vcpu_where(0) != fast || sh.nvcpus != 1)
		fail("refused exchanges changed something: vcpu 0 on cpu %d, %u vcpus",
		     cy_vcpu_where(0), sh.nvcpus);

	/* One 80 W core for two 40 W ones. */
	uint64_t t0 = rdtsc();
	expect_rc("CORE_EXCHANGE(1, 2, slow)", exchange(1, 2, CY_CLASS_SLOW), 2);
	check_two_slow("fast for two slow", slow_w);
	gprintf("bench: core exchange 1 fast for 2 slow %llu ticks\n",
		(unsigned long long)(rdtsc() - t0));
	expect_rc("POWER_GET", cypress_power_get(&pw), 0);
	if (pw.draw_w != 2 * slow_w || pw.budget_w != fast_w)
		fail("POWER_GET after the exchange: draw %u budget %u, want %u %u", pw.draw_w,
		     pw.budget_w, 2 * slow_w, fast_w);
	gprintf("exchange: fast for two slow: vcpus on cpus %d and %d, class %u, %u W each, "
		"draw %u W\n",
		cy_vcpu_where(0), cy_vcpu_where(1), desc.cls, desc.watts, pw.draw_w);
	expect_rc("CORE_EXCHANGE(1, 1, fast) over the budget",
		  cypress_core_exchange(1, 1, CY_CLASS_FAST), CY_ERANGE);

	/* And back, vCPU 1 never started. */
	expect_rc("CORE_EXCHANGE(3, 1, fast)", exchange(3, 1, CY_CLASS_FAST), 1);
	wait_exchanged("back");
	if (sh.nvcpus != 1 || cy_vcpu_where(0) != fast)
		fail("back: %u vcpus, vcpu 0 on cpu %d, want 1 on cpu %d", sh.nvcpus,
		     cy_vcpu_where(0), fast);
	expect_core("back", 0, CY_CLASS_FAST, fast_w);
	expect_rc("VCPU_WHERE(1) after the shrink", cy_vcpu_where(1), CY_ENOENT);
	gprintf("exchange: two slow for fast: vcpu 0 on cpu %d\n", cy_vcpu_where(0));

	/* Again, and this time vCPU 1 starts. */
	expect_rc("CORE_EXCHANGE(1, 2, slow) again", exchange(1, 2, CY_CLASS_SLOW), 2);
	check_two_slow("again", slow_w);
	int32_t c1 = cy_vcpu_where(1);
	if (smp_start(2, ap_main, 1000, false) != 2)
		fail("vcpu 1 did not start");
	uint64_t end = tsc_after_us(WAIT_MS * 1000);
	while (!__atomic_load_n(&ap_ran, __ATOMIC_ACQUIRE) && rdtsc() < end)
		cpu_relax();
	if (ap_cpu != c1 || ap_cls != CY_CLASS_SLOW || ap_cpu == cy_vcpu_where(0))
		fail("vcpu 1 runs on cpu %d class %d, want cpu %d class 0", ap_cpu, ap_cls, c1);
	gprintf("exchange: vcpu 1 started on cpu %d class %d\n", ap_cpu, ap_cls);
	expect_rc("CORE_EXCHANGE(3, 1, fast) with vcpu 1 started",
		  cypress_core_exchange(3, 1, CY_CLASS_FAST), CY_EBUSY);
	expect_core("refused", 0, CY_CLASS_SLOW, slow_w);
	report("one fast core for two slow ones and back, vCPUs following, refusals change nothing");
}
