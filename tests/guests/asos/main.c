// SPDX-License-Identifier: MIT
/*
 * Guest test "asos": VT-ASOS requests (guest ABI 1.3, CYPRESS_HC_REQUEST).
 * The partition starts with 2 vCPUs time-sharing 1 core; the machine has 2
 * more free cores. In order:
 *   - every bad argument: the record outside memory (CY_ERANGE); what 0,
 *     an unknown bit, vcpus 0 or 65, gang 2, latency 0, ngroups 0 or 9, a
 *     group past the vCPUs or of no vCPU (CY_EINVAL);
 *   - LATENCY 500 us with 2 vCPUs on a core: granted, the slice becomes
 *     500 us and CPUID 0x40000002 EBX says so; LATENCY 50 us: below the
 *     100 us minimum, partial (reason LATENCY) with 100 us;
 *   - GANG with 2 vCPUs on 1 core: refused (reason GANG);
 *   - VCPUS 2: granted, a core each (VCPU_WHERE differ, CPUID EBX 0); then
 *     GANG: granted; LATENCY with a core per vCPU: granted, 0 us;
 *   - VCPUS 4 with 1 free core left: partial (reason NO_CORES), 3 cores;
 *   - VCPUS 1 would remove vCPU 1, which runs: refused (reason STARTED);
 *     VCPUS 2 removes only the never-started vCPU 2: granted;
 *   - COLOCATE vCPUs 0-1 on one package (one package here): granted; all
 *     four parts at once: granted;
 *   - POWER_SET(10 W), what its 2 cores draw: VCPUS 3 refused (reason POWER)
 *     although a core is free;
 *   - BALLOON_ACK from a partition without balloon = yes: CY_ENOENT.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), 2 vCPUs.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "asos";

#define WAIT_MS 2000

static struct cy_request req;
static volatile uint32_t ap_ready;

static void ap_main(unsigned int slot)
{
	(void)slot;
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	for (;;)
		cpu_relax();
}

static const char *const status_names[] = { "granted", "partial", "refused" };

/* REQUEST with `what` and the fields set by the caller in req; checks the answer. */
static void ask(const char *name, int32_t want, uint32_t want_reason, uint32_t want_got,
		uint32_t want_lat)
{
	int32_t rc = cypress_request(&req);

	if (rc < 0) {
		if (rc != want)
			fail("%s: REQUEST = %d (%s), want %d", name, rc, cy_errname(rc), want);
		else
			gprintf("asos: %s: %s\n", name, cy_errname(rc));
		return;
	}
	gprintf("asos: %s: %s granted 0x%x reason %u got_vcpus %u got_latency_us %u\n", name,
		rc <= 2 ? status_names[rc] : "?", req.granted, req.reason, req.got_vcpus,
		req.got_latency_us);
	if (rc != want || (uint32_t)rc != req.status || req.reason != want_reason ||
	    (want_got != ~0u && req.got_vcpus != want_got) ||
	    (want_lat != ~0u && req.got_latency_us != want_lat))
		fail("%s: status %d reason %u got %u/%u, want %d reason %u got %d/%d", name, rc,
		     req.reason, req.got_vcpus, req.got_latency_us, want, want_reason,
		     (int)want_got, (int)want_lat);
}

static void bad(const char *name, uint32_t what)
{
	req.what = what;
	ask(name, CY_EINVAL, 0, ~0u, ~0u);
	memset(&req, 0, sizeof(req));
}

/* CPUID 0x40000002 EBX on this vCPU, once its core re-read the slices. */
static uint32_t slice_becomes(uint32_t want)
{
	uint32_t khz, slice = 0;
	uint64_t end = tsc_after_us(WAIT_MS * 1000);

	do
		cy_timing(&khz, &slice);
	while (slice != want && rdtsc() < end);
	return slice;
}

static void expect(const char *what, int32_t rc, int32_t want)
{
	if (rc != want)
		fail("%s = %d (%s), want %d", what, rc, cy_errname(rc), want);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t s;

	(void)magic;
	(void)mbi;
	cy_require_abi(1003);
	lapic_setup(true);
	lapic_enable();
	if (smp_start(2, ap_main, 1000, true) != 2)
		verdict(VERDICT_FAILURE, "vcpu 1 did not start");

	expect("REQUEST(outside memory)", cypress_hypercall(CYPRESS_HC_REQUEST, 0xfffff000u, 0, 0),
	       CY_ERANGE);
	bad("what 0", 0);
	bad("unknown bit", 1u << 4);
	bad("vcpus 0", CY_WANT_VCPUS);
	req.vcpus = 65;
	bad("vcpus 65", CY_WANT_VCPUS);
	req.gang = 2;
	bad("gang 2", CY_WANT_GANG);
	bad("latency 0", CY_WANT_LATENCY);
	bad("ngroups 0", CY_WANT_COLOCATE);
	req.ngroups = 9;
	req.groups[0].count = 1;
	bad("ngroups 9", CY_WANT_COLOCATE);
	req.ngroups = 1;
	req.groups[0].first = 1;
	req.groups[0].count = 2;
	bad("group past the vcpus", CY_WANT_COLOCATE);
	req.ngroups = 1;
	bad("group of no vcpu", CY_WANT_COLOCATE);

	req.what = CY_WANT_LATENCY;
	req.latency_us = 500;
	ask("latency 500 us, 2 vcpus on 1 core", CY_REQ_GRANTED, CY_REASON_NONE, 1, 500);
	if ((s = slice_becomes(500)) != 500)
		fail("CPUID 0x40000002 EBX = %u, want a 500 us slice", s);
	gprintf("asos: CPUID slice %u us\n", s);
	req.latency_us = 50;
	ask("latency 50 us", CY_REQ_PARTIAL, CY_REASON_LATENCY, 1, 100);
	if ((s = slice_becomes(100)) != 100)
		fail("CPUID 0x40000002 EBX = %u, want the 100 us minimum", s);
	memset(&req, 0, sizeof(req));

	req.what = CY_WANT_GANG;
	req.gang = 1;
	ask("gang, 2 vcpus on 1 core", CY_REQ_REFUSED, CY_REASON_GANG, 1, ~0u);

	req.what = CY_WANT_VCPUS;
	req.vcpus = 2;
	ask("vcpus 2", CY_REQ_GRANTED, CY_REASON_NONE, 2, ~0u);
	uint64_t end = tsc_after_us(WAIT_MS * 1000);
	while (cy_vcpu_where(0) == cy_vcpu_where(1) && rdtsc() < end)
		cpu_relax();
	gprintf("asos: vcpu 0 on cpu %d, vcpu 1 on cpu %d\n", cy_vcpu_where(0), cy_vcpu_where(1));
	if (cy_vcpu_where(0) == cy_vcpu_where(1))
		fail("vcpus 2: both vcpus still on cpu %d", cy_vcpu_where(0));
	if ((s = slice_becomes(0)) != 0)
		fail("CPUID 0x40000002 EBX = %u on a core of its own, want 0", s);
	req.what = CY_WANT_GANG;
	ask("gang, a core per vcpu", CY_REQ_GRANTED, CY_REASON_NONE, 2, ~0u);
	req.what = CY_WANT_LATENCY;
	req.latency_us = 50;
	ask("latency, a core per vcpu", CY_REQ_GRANTED, CY_REASON_NONE, 2, 0);

	req.what = CY_WANT_VCPUS;
	req.vcpus = 4;
	ask("vcpus 4, 1 core free", CY_REQ_PARTIAL, CY_REASON_NO_CORES, 3, ~0u);
	req.vcpus = 1;
	ask("vcpus 1 (vcpu 1 runs)", CY_REQ_REFUSED, CY_REASON_STARTED, 3, ~0u);
	req.vcpus = 2;
	ask("vcpus 2 (vcpu 2 never started)", CY_REQ_GRANTED, CY_REASON_NONE, 2, ~0u);

	req.what = CY_WANT_COLOCATE;
	req.ngroups = 1;
	req.groups[0].first = 0;
	req.groups[0].count = 2;
	ask("colocate 0-1", CY_REQ_GRANTED, CY_REASON_NONE, 2, ~0u);
	req.what = CY_WANT_VCPUS | CY_WANT_GANG | CY_WANT_LATENCY | CY_WANT_COLOCATE;
	req.vcpus = 2;
	req.gang = 1;
	req.latency_us = 1000;
	ask("all four parts", CY_REQ_GRANTED, CY_REASON_NONE, 2, 0);

	/* Power: 2 slow cores draw 10 W (slow_watts 5); a budget of 10 W leaves no room. */
	expect("POWER_SET(10)", cypress_power_set(10), 0);
	memset(&req, 0, sizeof(req));
	req.what = CY_WANT_VCPUS;
	req.vcpus = 3;
	ask("vcpus 3 within 10 W", CY_REQ_REFUSED, CY_REASON_POWER, 2, ~0u);

	expect("BALLOON_ACK without balloon = yes", cypress_balloon_ack(1), CY_ENOENT);
	report("requests granted, partial and refused with their reasons; every bad argument");
}
