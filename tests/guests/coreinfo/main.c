// SPDX-License-Identifier: MIT
/*
 * Guest test "coreinfo": core discovery (guest ABI 1.2, issue 11). Two
 * vCPUs, the first on a slow core and the second on a fast one, as the
 * suite's [machine] section and explicit cpu list arrange. Checks:
 *   - CYPRESS_HC_CORE_INFO for each vCPU: class, capacity (100 slow, 200
 *     fast), the watts the manifest gives each class, a nonzero frequency,
 *     the cpu VCPU_WHERE names, 1 vCPU sharing the core, 0 moves;
 *   - CYPRESS_HC_CORE_NOTIFY(vector): after VCPU_MOVE puts vCPU 1 on vCPU
 *     0's (slow) core, vCPU 1 gets exactly one interrupt with that vector,
 *     and CORE_INFO then says slow, 2 vCPUs sharing, 1 move;
 *   - errors: no such vCPU (CY_ENOENT), a record outside memory (CY_ERANGE),
 *     vectors 7 and 256 (CY_EINVAL).
 *   - the power budget: POWER_GET gives the manifest's `power` as budget and
 *     limit and the two cores' watts as draw; POWER_SET takes a budget
 *     between the two and refuses one below the draw, above the limit, or 0.
 * Parameters: slow_watts=N fast_watts=N power=N (what the manifest says: 5, 15, 30).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), 2 vCPUs.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "coreinfo";

#define VEC_CORE 0x41
#define WAIT_MS	 200

static volatile uint32_t notified, ap_ready, ap_stop;
static volatile uint32_t ap_perf_req, ap_perf_done; /* vCPU 1 writes IA32_PERF_CTL on request */
static volatile int ap_perf_rc;
static volatile uint64_t ap_perf_val, ap_status;
static struct cy_core_desc desc;

static void core_handler(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&notified, 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

/* vCPU 1: interrupts on, wait for the notice. */
static void ap_main(unsigned int slot)
{
	(void)slot;
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	irq_enable();
	while (!__atomic_load_n(&ap_stop, __ATOMIC_ACQUIRE)) {
		uint32_t req = __atomic_load_n(&ap_perf_req, __ATOMIC_ACQUIRE);
		if (req != __atomic_load_n(&ap_perf_done, __ATOMIC_RELAXED)) {
			uint64_t st = 0;
			ap_perf_rc = wrmsr_safe(0x199, ap_perf_val);
			rdmsr_safe(0x198, &st);
			ap_status = st;
			__atomic_store_n(&ap_perf_done, req, __ATOMIC_RELEASE);
		}
		cpu_relax();
	}
	irq_disable();
}

static bool wait_for(volatile uint32_t *v, uint32_t want, uint32_t ms)
{
	uint64_t end = tsc_after_us(ms * 1000);

	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want && rdtsc() < end)
		cpu_relax();
	return __atomic_load_n(v, __ATOMIC_ACQUIRE) >= want;
}

/* CORE_INFO(vcpu) must describe a core of class cls (capacity, watts) on cpu. */
static void expect_core(uint32_t vcpu, uint32_t cls, uint32_t capacity, uint32_t watts,
			uint32_t sharing, uint32_t moves)
{
	int32_t where = cy_vcpu_where(vcpu);
	int32_t rc = cypress_core_info(vcpu, &desc);

	if (rc != 0) {
		fail("CORE_INFO(%u) = %d (%s), want 0", vcpu, rc, cy_errname(rc));
		return;
	}
	gprintf("coreinfo: vcpu %u: cpu %u class %u capacity %u %u MHz %u W package %u core %u "
		"thread %u sharing %u moves %u\n",
		vcpu, desc.cpu, desc.cls, desc.capacity, desc.freq_mhz, desc.watts, desc.package,
		desc.core, desc.thread, desc.sharing, desc.moves);
	if ((int32_t)desc.cpu != where)
		fail("vcpu %u: CORE_INFO says cpu %u, VCPU_WHERE %d", vcpu, desc.cpu, where);
	if (desc.cls != cls || desc.capacity != capacity || desc.watts != watts)
		fail("vcpu %u: class %u capacity %u watts %u, want %u %u %u", vcpu, desc.cls,
		     desc.capacity, desc.watts, cls, capacity, watts);
	if (!desc.freq_mhz)
		fail("vcpu %u: frequency 0", vcpu);
	if (desc.sharing != sharing || desc.moves != moves)
		fail("vcpu %u: sharing %u moves %u, want %u %u", vcpu, desc.sharing, desc.moves,
		     sharing, moves);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t slow_w = cmdline_uint("slow_watts", 5), fast_w = cmdline_uint("fast_watts", 15);

	(void)magic;
	(void)mbi;
	cy_require_abi(1002);
	lapic_setup(true);
	lapic_enable();
	irq_register(VEC_CORE, core_handler);
	if (smp_start(2, ap_main, 1000, true) != 2 || !wait_for(&ap_ready, 1, WAIT_MS))
		verdict(VERDICT_FAILURE, "vcpu 1 did not start");

	expect_core(0, CY_CLASS_SLOW, 100, slow_w, 1, 0);
	expect_core(1, CY_CLASS_FAST, 200, fast_w, 1, 0);

	expect_rc("CORE_NOTIFY(7)", cypress_hypercall(CYPRESS_HC_CORE_NOTIFY, 7, 0, 0), CY_EINVAL);
	expect_rc("CORE_NOTIFY(256)", cypress_hypercall(CYPRESS_HC_CORE_NOTIFY, 256, 0, 0),
		  CY_EINVAL);
	expect_rc("CORE_NOTIFY(0x41)", cypress_hypercall(CYPRESS_HC_CORE_NOTIFY, VEC_CORE, 0, 0),
		  0);
	int32_t slow_cpu = cy_vcpu_where(0);
	expect_rc("VCPU_MOVE(1, 0)", cy_vcpu_move(1, 0), 0);
	uint64_t end = tsc_after_us(WAIT_MS * 1000);
	while (cy_vcpu_where(1) != slow_cpu && rdtsc() < end)
		cpu_relax();
	if (cy_vcpu_where(1) != slow_cpu)
		fail("vcpu 1 did not arrive on cpu %d", slow_cpu);
	if (!wait_for(&notified, 1, WAIT_MS))
		fail("vcpu 1 got no CORE_NOTIFY interrupt after its move");
	delay_us(2000);
	if (notified > 1)
		fail("vcpu 1 got %u CORE_NOTIFY interrupts for one move", notified);
	expect_core(1, CY_CLASS_SLOW, 100, slow_w, 2, 1);

	/* DVFS hints (1.2): vCPU 1 asks for a high ratio, then a low one. */
	uint32_t base = desc.freq_mhz / 100;
	int32_t fast_cpu = 0;
	for (int round = 0; round < 2; round++) {
		uint32_t ratio = round == 0 ? base * 2 : base / 2;
		ap_perf_val = (uint64_t)ratio << 8;
		__atomic_store_n(&ap_perf_req, (uint32_t)round + 1, __ATOMIC_RELEASE);
		if (!wait_for(&ap_perf_done, (uint32_t)round + 1, WAIT_MS) || ap_perf_rc >= 0)
			fail("vcpu 1: WRMSR PERF_CTL 0x%llx %s", (unsigned long long)ap_perf_val,
			     ap_perf_done != (uint32_t)round + 1 ? "never done" :
								   "raised an exception");
		uint32_t want_cls = round == 0 ? CY_CLASS_FAST : CY_CLASS_SLOW;
		end = tsc_after_us(WAIT_MS * 1000);
		do {
			cypress_core_info(1, &desc);
		} while (desc.cls != want_cls && rdtsc() < end);
		if (desc.cls != want_cls)
			fail("PERF_CTL ratio %u: vcpu 1 stayed on a class %u core", ratio,
			     desc.cls);
		if (round == 0)
			fast_cpu = (int32_t)desc.cpu;
		gprintf("coreinfo: PERF_CTL ratio %u: vcpu 1 on cpu %u class %u, PERF_STATUS was "
			"0x%llx\n",
			ratio, desc.cpu, desc.cls, (unsigned long long)ap_status);
	}
	(void)fast_cpu;
	ap_perf_val = 1ULL << 40; /* reserved */
	__atomic_store_n(&ap_perf_req, 3, __ATOMIC_RELEASE);
	if (!wait_for(&ap_perf_done, 3, WAIT_MS) || ap_perf_rc != 13)
		fail("WRMSR PERF_CTL with bit 40: %d, want #GP", ap_perf_rc);

	/* Power budget (1.2): the manifest grants 30 W; the two cores draw slow + fast. */
	struct cy_power pw;
	uint32_t draw = slow_w + fast_w, limit = cmdline_uint("power", 30);
	expect_rc("POWER_GET", cypress_power_get(&pw), 0);
	gprintf("coreinfo: power budget %u W, limit %u W, draw %u W\n", pw.budget_w, pw.limit_w,
		pw.draw_w);
	if (pw.budget_w != limit || pw.limit_w != limit || pw.draw_w != draw)
		fail("POWER_GET: budget %u limit %u draw %u, want %u %u %u", pw.budget_w,
		     pw.limit_w, pw.draw_w, limit, limit, draw);
	expect_rc("POWER_SET(draw + 5)", cypress_power_set(draw + 5), 0);
	cypress_power_get(&pw);
	if (pw.budget_w != draw + 5)
		fail("budget %u after POWER_SET(%u)", pw.budget_w, draw + 5);
	expect_rc("POWER_SET(draw - 1)", cypress_power_set(draw - 1), CY_ERANGE);
	expect_rc("POWER_SET(limit + 1)", cypress_power_set(limit + 1), CY_ERANGE);
	expect_rc("POWER_SET(0)", cypress_power_set(0), CY_EINVAL);
	expect_rc("POWER_GET(0xf0000000)",
		  cypress_hypercall(CYPRESS_HC_POWER_GET, 0xf0000000u, 0, 0), CY_ERANGE);
	cypress_power_get(&pw);
	if (pw.budget_w != draw + 5)
		fail("budget %u after refused POWER_SETs, want %u", pw.budget_w, draw + 5);

	/* The guest's side of the load report (VT-ASOS, 1.2). */
	expect_rc("LOAD_REPORT(3)", cypress_hypercall(CYPRESS_HC_LOAD_REPORT, 3, 0, 0), 0);
	expect_rc("LOAD_REPORT(2000000)", cypress_hypercall(CYPRESS_HC_LOAD_REPORT, 2000000, 0, 0),
		  CY_ERANGE);
	expect_rc("LOAD_GET(0xf0000000, 2)",
		  cypress_hypercall(CYPRESS_HC_LOAD_GET, 0xf0000000u, 2, 0), CY_ERANGE);

	expect_rc("CORE_INFO(5)",
		  cypress_hypercall(CYPRESS_HC_CORE_INFO, 5, (uint32_t)(uintptr_t)&desc, 0),
		  CY_ENOENT);
	expect_rc("CORE_INFO(0, 0xf0000000)",
		  cypress_hypercall(CYPRESS_HC_CORE_INFO, 0, 0xf0000000u, 0), CY_ERANGE);
	__atomic_store_n(&ap_stop, 1, __ATOMIC_RELEASE);
	report("slow and fast cores described, one notice after a move to the slow core");
}
