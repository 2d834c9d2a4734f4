// SPDX-License-Identifier: MIT
/*
 * Guest test "pvos": the paravirtual test OS, the reference port of a guest
 * kernel to Cypress through guest-abi/libcypress (docs/pv-port.md). A tiny
 * multi-threaded kernel (kern.h: per-vCPU run queues, spin and blocking
 * locks, a shootdown IPI, a spin/block/compute workload) that uses every
 * mechanism of ABI 1.3, one phase each, one line each:
 *   discovery  CORE_INFO and the shared area agree for every vCPU; bench
 *              lines for both ways of asking;
 *   power      POWER_GET, POWER_SET lower and back, three refusals;
 *   load       LOAD_REPORT of the runnable threads, LOAD_GET run/steal;
 *   request    a VT-ASOS latency request and its answer;
 *   exchange   CORE_EXCHANGE probed with an empty exchange (no change);
 *   sa         SA_REGISTER, then the workload on time-shared vCPUs: each
 *              upcall moves the running thread to another vCPU and acks;
 *   lease      LEASE_REQUEST for a vCPU: it moves to a fast core (shared
 *              record and CORE_INFO class 1), RENEW, the ENDING and ENDED
 *              events, back on a slow core; a second lease RELEASEd early;
 *   balloon    BALLOON_ACK probe at boot; then, all along, on CY_EV_BALLOON
 *              the balloond thread offlines or onlines vCPUs to the target
 *              and acks (balloon.c); the phase waits for a target if asked;
 *   offline    one vCPU drained and VCPU_OFFLINE, then INIT/SIPI back.
 * A mechanism whose call returns CY_ENOSYS prints "pvos: <mechanism>: not
 * available (ENOSYS)" and fails the verdict only if `require=` names it.
 * The workload's invariants (work.c) are always required.
 * Parameters: cpus=N (3), sa_sim (without SA from the hypervisor, send the
 * upcall vector to itself every ms so the thread-moving path still runs), require=a,b,.. (none), iters=N (200, discovery
 * bench), per_kind=N (2 threads of each kind), sa_ms=N (40), sa_limit=US
 * (500), lease_vcpu=N (1), lease_ms=N (20), balloon_wait=MS (0; 100 when
 * balloon is required), balloon_peer=MS (0: none; needs control = yes:
 * create a ballooned peer partition for MS ms, so the target goes down and
 * up), peer (run as that peer), latency=US (5000), init_delay=US (INIT to
 * STARTUP when a vCPU comes back: 1000 under Cypress, 10000 elsewhere).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), N vCPUs.
 */
#include "tests/guests/pvos/kern.h"

const char guest_test_name[] = "pvos";

enum mech {
	M_DISCOVERY,
	M_POWER,
	M_LOAD,
	M_REQUEST,
	M_EXCHANGE,
	M_SA,
	M_LEASE,
	M_BALLOON,
	M_OFFLINE,
	M_COUNT
};
static const char *const mech_names[M_COUNT] = { "discovery", "power",	  "load",
						 "request",   "exchange", "sa",
						 "lease",     "balloon",  "offline" };
enum mstate {
	MS_UNTRIED,
	MS_OK,
	MS_ENOSYS,
	MS_FAILED
};
static enum mstate mstate[M_COUNT];
static bool required[M_COUNT];

#define MAX_ITERS 512
static uint32_t deltas[MAX_ITERS];

/* ---- helpers ---- */

static void parse_require(void)
{
	const char *s = mb_cmdline(), *p = NULL;

	for (const char *q = s; *q; q++)
		if ((q == s || q[-1] == ' ') && !strncmp(q, "require=", 8)) {
			p = q + 8;
			break;
		}
	while (p && *p && *p != ' ') {
		size_t n = 0;

		while (p[n] && p[n] != ',' && p[n] != ' ')
			n++;
		bool known = false;
		for (int m = 0; m < M_COUNT; m++)
			if (strlen(mech_names[m]) == n && !strncmp(p, mech_names[m], n))
				required[m] = known = true;
		if (!known)
			error("require= names an unknown mechanism '%.*s'", (int)n, p);
		p += n;
		if (*p == ',')
			p++;
	}
}

/* rc is CY_ENOSYS: the mechanism is missing here. Returns true if so. */
static bool enosys(enum mech m, int32_t rc)
{
	if (rc != CY_ENOSYS)
		return false;
	mstate[m] = MS_ENOSYS;
	gprintf("pvos: %s: not available (ENOSYS)\n", mech_names[m]);
	return true;
}

static void mech_fail(enum mech m, const char *what, int32_t rc)
{
	mstate[m] = MS_FAILED;
	gprintf("pvos: %s: %s: %d (%s)\n", mech_names[m], what, rc, cyl_strerror(rc));
}

static bool wait_until(volatile uint32_t *v, uint32_t want, uint32_t ms)
{
	uint64_t end = tsc_after_us(ms * 1000);

	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want && rdtsc() < end)
		yield();
	return __atomic_load_n(v, __ATOMIC_ACQUIRE) >= want;
}

/* Mean of deltas[0..n) that are at most 10x the smallest (a larger one was preempted). */
static uint32_t robust_mean(uint32_t n, uint32_t *kept)
{
	uint32_t min = ~0u;
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n; i++)
		min = deltas[i] < min ? deltas[i] : min;
	*kept = 0;
	for (uint32_t i = 0; i < n; i++)
		if (deltas[i] <= 10ull * min) {
			sum += deltas[i];
			(*kept)++;
		}
	return *kept ? (uint32_t)(sum / *kept) : 0;
}

static bool same_core(const struct cy_core_desc *a, const struct cy_core_desc *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/*
 * Without SA from the hypervisor: send the upcall vector to the other cpus
 * every period_us for ms, so the upcall path (move the thread, ack from the
 * scheduler) still runs; nothing is acked to the hypervisor. Returns the
 * upcalls sent.
 */
static uint32_t sa_simulate(uint32_t ms, uint32_t period_us)
{
	uint64_t end = tsc_after_us(ms * 1000);
	uint32_t sent = 0;

	while (rdtsc() < end) {
		for (uint32_t i = 0; i < ncpus; i++)
			if (cpus[i].online && i != cur_cpu()->id) {
				lapic_send_fixed(i, VEC_SA);
				sent++;
			}
		uint64_t next = tsc_after_us(period_us);
		while (rdtsc() < next)
			yield();
	}
	return sent;
}

/* ---- phases ---- */

static void phase_discovery(void)
{
	struct cy_core_desc d;
	struct cyl_vcpu_view view;
	uint32_t iters = cmdline_uint("iters", 200), kept, me;
	bool ok = true;

	for (uint32_t v = 0; v < ncpus; v++) {
		int32_t rc = cyl_core_info(v, &d), rs = cyl_shared_read_vcpu(&pv_area, v, &view);

		if (rc == 0 && rs == 0 && !same_core(&d, &view.core)) {
			/* A move between the two reads: read both again once. */
			rc = cyl_core_info(v, &d);
			rs = cyl_shared_read_vcpu(&pv_area, v, &view);
		}
		if (rc || rs || !same_core(&d, &view.core)) {
			ok = false;
			fail("discovery: vcpu %u: CORE_INFO %d (cpu %u class %u sharing %u moves %u), "
			     "shared area %d (cpu %u class %u sharing %u moves %u)",
			     v, rc, d.cpu, d.cls, d.sharing, d.moves, rs, view.core.cpu,
			     view.core.cls, view.core.sharing, view.core.moves);
			continue;
		}
		gprintf("pvos: discovery: vcpu %u: cpu %u class %u capacity %u %u MHz %u W "
			"package %u core %u thread %u sharing %u moves %u, hypercall and shared "
			"area agree\n",
			v, d.cpu, d.cls, d.capacity, d.freq_mhz, d.watts, d.package, d.core,
			d.thread, d.sharing, d.moves);
	}
	mstate[M_DISCOVERY] = ok ? MS_OK : MS_FAILED;

	iters = iters > MAX_ITERS ? MAX_ITERS : iters ? iters : 1;
	irq_disable(); /* no upcall or migration inside the loops */
	me = cur_cpu()->id;
	for (uint32_t i = 0; i < iters; i++) {
		uint64_t t0 = rdtsc();
		cyl_core_info(me, &d);
		deltas[i] = (uint32_t)(rdtsc() - t0);
	}
	uint32_t hc = robust_mean(iters, &kept);
	gprintf("bench: discovery hypercall %u ticks\n", hc);
	gprintf("pvos: discovery: hypercall mean over %u of %u reads\n", kept, iters);
	for (uint32_t i = 0; i < iters; i++) {
		uint64_t t0 = rdtsc();
		cyl_shared_read_vcpu(&pv_area, me, &view);
		deltas[i] = (uint32_t)(rdtsc() - t0);
	}
	uint32_t sh = robust_mean(iters, &kept);
	irq_enable();
	gprintf("bench: discovery shared area %u ticks\n", sh);
	gprintf("pvos: discovery: shared area mean over %u of %u reads\n", kept, iters);
	if (ok && sh >= hc)
		fail("discovery: the shared area (%u ticks) is not cheaper than the hypercall (%u)",
		     sh, hc);
}

static void phase_power(void)
{
	struct cy_power p0, p;
	int32_t rc = cyl_power_get(&p0);

	if (enosys(M_POWER, rc))
		return;
	if (rc) {
		mech_fail(M_POWER, "POWER_GET", rc);
		return;
	}
	if (!p0.limit_w) {
		gprintf("pvos: power: no budget (limit 0), draw %u W\n", p0.draw_w);
		mstate[M_POWER] = MS_OK;
		return;
	}
	uint32_t lower = p0.draw_w + (p0.budget_w - p0.draw_w) / 2;
	int32_t r_low = cyl_power_set(lower), r_zero = cyl_power_set(0);
	int32_t r_high = cyl_power_set(p0.limit_w + 1);
	int32_t r_under = p0.draw_w > 1 ? cyl_power_set(p0.draw_w - 1) : CY_ERANGE;
	cyl_power_get(&p);
	uint32_t mid = p.budget_w;
	int32_t r_back = cyl_power_set(p0.budget_w);
	cyl_power_get(&p);
	gprintf("pvos: power: budget %u W, limit %u W, draw %u W; set %u W: %s, budget then %u W; "
		"0: %s, limit+1: %s, draw-1: %s; back to %u W: %s\n",
		p0.budget_w, p0.limit_w, p0.draw_w, lower, cyl_strerror(r_low), mid,
		cyl_strerror(r_zero), cyl_strerror(r_high), cyl_strerror(r_under), p.budget_w,
		cyl_strerror(r_back));
	bool ok = r_low == 0 && mid == lower && r_zero == CY_EINVAL && r_high == CY_ERANGE &&
		  r_under == CY_ERANGE && r_back == 0 && p.budget_w == p0.budget_w;
	mstate[M_POWER] = ok ? MS_OK : MS_FAILED;
	if (!ok)
		fail("power: the budget calls did not answer as documented (line above)");
}

static void phase_load(const char *when)
{
	static struct cy_vcpu_load l[NCPU];
	char line[200];
	size_t n = 0;
	int32_t rr = cyl_load_report(runnable_count()), rg = cyl_load_get(l, ncpus);

	if (enosys(M_LOAD, rr) || enosys(M_LOAD, rg))
		return;
	if (rr != 0 || rg != (int32_t)ncpus) {
		mech_fail(M_LOAD, "LOAD_REPORT / LOAD_GET", rr ? rr : rg);
		return;
	}
	for (uint32_t i = 0; i < ncpus && n < sizeof(line); i++)
		n += (size_t)gsnprintf(line + n, sizeof(line) - n,
				       " vcpu %u cpu %u run %llu us steal %llu us;", i, l[i].cpu,
				       (unsigned long long)l[i].run_us,
				       (unsigned long long)l[i].steal_us);
	gprintf("pvos: load (%s): reported %u runnable;%s\n", when, runnable_count(), line);
	if (mstate[M_LOAD] == MS_UNTRIED)
		mstate[M_LOAD] = MS_OK;
}

static void phase_request(void)
{
	struct cy_request r;

	memset(&r, 0, sizeof(r));
	r.what = CY_WANT_LATENCY;
	r.latency_us = cmdline_uint("latency", 5000);
	int32_t rc = cyl_request(&r);
	if (enosys(M_REQUEST, rc))
		return;
	if (rc < 0) {
		mech_fail(M_REQUEST, "REQUEST(latency)", rc);
		return;
	}
	gprintf("pvos: request: latency %u us: answer %d, granted 0x%x, reason %u, latency now %u "
		"us, vcpu cores %u\n",
		r.latency_us, rc, r.granted, r.reason, r.got_latency_us, r.got_vcpus);
	mstate[M_REQUEST] = (uint32_t)rc == r.status ? MS_OK : MS_FAILED;
}

static void phase_exchange(void)
{
	/* Give nothing, want nothing: a probe that may not change the cores. */
	int32_t rc = cyl_core_exchange(0, 0, CY_CLASS_SLOW);

	if (enosys(M_EXCHANGE, rc))
		return;
	gprintf("pvos: exchange: empty exchange: %d (%s)\n", rc, cyl_strerror(rc));
	mstate[M_EXCHANGE] = MS_OK;
}

/* Upcalls taken but not acked yet, over all cpus. */
static uint32_t sa_unacked(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < ncpus; i++)
		n += cpus[i].sa_upcalls - cpus[i].sa_acks;
	return n;
}

static void phase_sa(void)
{
	uint32_t limit = cmdline_uint("sa_limit", 500), ms = cmdline_uint("sa_ms", 40);
	int32_t rc = cyl_sa_register(VEC_SA, limit);
	bool avail = !enosys(M_SA, rc);

	if (avail && rc) {
		mech_fail(M_SA, "SA_REGISTER", rc);
		avail = false;
	}
	if (avail && (cyl_sa_vector(&pv_area) != VEC_SA || cyl_sa_limit_us(&pv_area) != limit))
		fail("sa: shared area says vector %u limit %u us after SA_REGISTER(%u, %u)",
		     cyl_sa_vector(&pv_area), cyl_sa_limit_us(&pv_area), VEC_SA, limit);
	if (avail)
		__atomic_store_n(&sa_registered, 1, __ATOMIC_RELEASE);
	uint32_t sim = 0;
	if (avail || !cmdline_has("sa_sim"))
		sleep_ms(ms);
	else
		sim = sa_simulate(ms, 1000);
	phase_load("workload");
	/* The last upcalls' acks may still be on their way (each vCPU acks from
	 * its scheduler context after the switch): give them a moment. */
	uint64_t settle = tsc_after_us(20 * 1000);
	while (sa_unacked() && rdtsc() < settle)
		yield();
	uint32_t up = 0, acks = 0, moved = 0, gaps = 0, pend = 0, ack_err = 0;
	uint64_t ack_ticks = 0, gap_ticks = 0;
	for (uint32_t i = 0; i < ncpus; i++) {
		up += cpus[i].sa_upcalls;
		acks += cpus[i].sa_acks;
		moved += cpus[i].sa_moved;
		pend += cpus[i].sa_pending_seen;
		ack_err += cpus[i].sa_ack_errors;
		ack_ticks += cpus[i].sa_ack_ticks;
		gap_ticks += cpus[i].sa_gap_ticks;
		gaps += cpus[i].sa_gap_samples;
	}
	if (!avail) {
		if (sim)
			gprintf("pvos: sa: simulated: %u upcall IPIs sent, %u taken, %u acks, %u "
				"threads moved\n",
				sim, up, acks, moved);
		if (sim && (!up || acks != up))
			fail("sa: simulated upcalls: %u sent, %u taken, %u acked", sim, up, acks);
		return;
	}
	gprintf("pvos: sa: vector 0x%x limit %u us: %u upcalls (%u saw sa_pending set), %u acks "
		"(%u refused), %u threads moved\n",
		VEC_SA, limit, up, pend, acks, ack_err, moved);
	if (acks) {
		gprintf("bench: sa notify to ack %llu ticks\n",
			(unsigned long long)(ack_ticks / acks));
	}
	if (gaps)
		gprintf("bench: sa preempt gap %llu ticks\n",
			(unsigned long long)(gap_ticks / gaps));
	gprintf("pvos: sa: upcalls landed in: %s %u, %s %u, %s %u, %s %u, %s %u (%u in a loop that "
		"reads the TSC: the preempt gap's samples), %s %u\n",
		sa_kinds[0], sa_landed[0], sa_kinds[1], sa_landed[1], sa_kinds[2], sa_landed[2],
		sa_kinds[3], sa_landed[3], sa_kinds[4], sa_landed[4], gaps, sa_kinds[5],
		sa_landed[5]);
	mstate[M_SA] = up && moved && acks + 1 >= up ? MS_OK : MS_FAILED;
	/* As every mechanism: the verdict fails only if require= names it (a
	 * ballooned partition owns its cores and sees no preemptions). */
	if (mstate[M_SA] != MS_OK && required[M_SA])
		fail("sa: %u upcalls, %u acks, %u threads moved in %u ms of time-sharing", up, acks,
		     moved, ms);
}

/* Wait until vCPU v's shared record says class cls: ticks, or 0 on timeout. */
static uint64_t wait_class(uint32_t v, uint32_t cls, uint32_t ms)
{
	struct cyl_vcpu_view view;
	uint64_t t0 = rdtsc(), end = tsc_after_us(ms * 1000);

	while (rdtsc() < end) {
		if (cyl_shared_read_vcpu(&pv_area, v, &view) == 0 && view.core.cls == cls)
			return rdtsc() - t0 + 1;
		yield();
	}
	return 0;
}

static void phase_lease(void)
{
	uint32_t v = cmdline_uint("lease_vcpu", 1) % ncpus, term = cmdline_uint("lease_ms", 20);
	uint32_t g0 = ev_lease_granted[v], e0 = ev_lease_ending[v], d0 = ev_lease_ended[v];
	uint32_t c0 = ev_core[v];
	struct cy_core_desc d;
	uint64_t t0 = rdtsc();
	int32_t rc = cyl_lease_request(v, term);

	if (enosys(M_LEASE, rc))
		return;
	if (rc != CY_LEASE_GRANTED && rc != CY_LEASE_QUEUED) {
		mech_fail(M_LEASE, "LEASE_REQUEST", rc);
		return;
	}
	if (rc == CY_LEASE_QUEUED && !wait_until(&ev_lease_granted[v], g0 + 1, 3 * term + 100)) {
		mech_fail(M_LEASE, "queued request never granted", rc);
		return;
	}
	uint64_t fast = wait_class(v, CY_CLASS_FAST, 100), seen = rdtsc();
	int32_t ri = cyl_core_info(v, &d);
	if (!fast || ri || d.cls != CY_CLASS_FAST) {
		mech_fail(M_LEASE, "vCPU not on a fast core after the grant", ri);
		return;
	}
	/* Request to the arrival on the fast core: the CY_EV_CORE interrupt the
	 * vCPU takes there before it runs guest code; else (no interrupt seen
	 * yet) to this thread seeing the record say fast. */
	uint64_t arrived = ev_core_tsc[v];
	gprintf("bench: lease handoff %llu ticks\n",
		(unsigned long long)(ev_core[v] > c0 && arrived > t0 ? arrived - t0 : seen - t0));
	gprintf("pvos: lease: handoff measured to the %s\n",
		ev_core[v] > c0 && arrived > t0 ? "CY_EV_CORE interrupt on the fast core" :
						  "record saying fast, polled");
	uint32_t fast_cpu = d.cpu;
	struct cyl_vcpu_view lv;
	cyl_shared_read_vcpu(&pv_area, v, &lv);
	uint64_t end1 = lv.lease_end_tsc;
	bool rec = lv.lease_cpu == fast_cpu && end1 > t0;
	int32_t rr = cyl_lease_renew(v, term);
	cyl_shared_read_vcpu(&pv_area, v, &lv);
	rec = rec && lv.lease_end_tsc > end1; /* the renewal ends later */
	bool ending = wait_until(&ev_lease_ending[v], e0 + 1, 3 * term + 100);
	bool ended = wait_until(&ev_lease_ended[v], d0 + 1, 100);
	uint64_t slow = wait_class(v, CY_CLASS_SLOW, 100);
	cyl_core_info(v, &d);
	cyl_shared_read_vcpu(&pv_area, v, &lv);
	rec = rec && lv.lease_cpu == CY_NO_CPU && lv.lease_end_tsc == 0;
	gprintf("pvos: lease: vcpu %u: %s, on fast cpu %u, renew %s, ending events %u, ended "
		"events %u, core events %u, back on cpu %u class %u; lease fields of its record "
		"%s\n",
		v, rc == CY_LEASE_GRANTED ? "granted" : "queued then granted", fast_cpu,
		cyl_strerror(rr), ev_lease_ending[v] - e0, ev_lease_ended[v] - d0, ev_core[v] - c0,
		d.cpu, d.cls, rec ? "right" : "WRONG");
	bool ok = rr == 0 && ending && ended && slow && d.cls == CY_CLASS_SLOW &&
		  ev_core[v] - c0 >= 2 && rec;

	/* A second lease, given back early. */
	uint32_t g1 = ev_lease_granted[v];
	rc = cyl_lease_request(v, 10 * term);
	if (rc == CY_LEASE_QUEUED)
		wait_until(&ev_lease_granted[v], g1 + 1, 3 * term + 100);
	bool fast2 = (rc == CY_LEASE_GRANTED || rc == CY_LEASE_QUEUED) &&
		     wait_class(v, CY_CLASS_FAST, 100);
	int32_t rl = cyl_lease_release(v);
	bool slow2 = wait_class(v, CY_CLASS_SLOW, 100);
	gprintf("pvos: lease: second lease %s, release %s, back on a slow core: %s\n",
		fast2 ? "on a fast core" : "not granted", cyl_strerror(rl), slow2 ? "yes" : "no");
	ok = ok && fast2 && rl == 0 && slow2;
	mstate[M_LEASE] = ok ? MS_OK : MS_FAILED;
	if (!ok)
		fail("lease: vcpu %u did not go to a fast core and back as documented (lines above)",
		     v);
}

static bool balloon_avail;

/* At boot: BALLOON_ACK of the current seq tells whether ballooning exists; balloond follows targets. */
static void balloon_init(void)
{
	struct cyl_balloon b;
	int32_t rc = 0;

	cyl_balloon_read(&pv_area, &b);
	if (!b.target)
		rc = cyl_balloon_ack(b.seq); /* nothing asked yet: a probe */
	gprintf("pvos: balloon: target %u seq %u wait %u ms at boot%s%s\n", b.target, b.seq,
		b.wait_ms, b.target ? "" : "; probe ack ", b.target ? "" : cyl_strerror(rc));
	if (enosys(M_BALLOON, rc))
		return;
	if (rc == CY_ENOENT) {
		gprintf("pvos: balloon: not ballooned (the partition has no balloon = yes)\n");
		return;
	}
	balloon_avail = true;
	if (!balloon_start())
		error("no thread for balloond");
}

/*
 * balloon_peer=MS (needs control = yes): create a ballooned partition of
 * weight 2 running pvos in peer mode for MS ms, so the GPM lowers this
 * partition's target; destroy it once the target was followed, so the
 * target rises again. true if both were followed.
 */
static bool balloon_peer(uint32_t ms)
{
	static char text[256];
	uint32_t f0 = balloon_followed;
	int n = gsnprintf(text, sizeof(text),
			  "[partition peer]\ncores = 1\nmemory = 16M\nkernel = pvos.elf\n"
			  "vcpus = 4\nweight = 2\nballoon = yes\ncmdline = \"peer peer_ms=%u\"\n",
			  ms);
	int32_t id = cyl_part_create(text, (uint32_t)n);

	gprintf("pvos: balloon: peer partition created: %d (%s)\n", id, cyl_strerror(id));
	if (id < 0)
		return false;
	bool down = wait_until(&balloon_followed, f0 + 1, ms);
	uint32_t low = online_count();
	int32_t rc = cyl_part_destroy((uint32_t)id);
	bool up = wait_until(&balloon_followed, balloon_followed + 1, 200) && online_count() > low;
	gprintf("pvos: balloon: peer came: %s (%u vcpus online); peer destroyed (%s): %s (%u "
		"online)\n",
		down ? "followed" : "no new target", low, cyl_strerror(rc),
		up ? "followed" : "no new target", online_count());
	return down && up && rc == 0;
}

static void phase_balloon(void)
{
	uint32_t wait = cmdline_uint("balloon_wait", required[M_BALLOON] ? 100 : 0);
	uint32_t peer = cmdline_uint("balloon_peer", 0);
	bool peer_ok = true;

	if (!balloon_avail)
		return;
	if (peer)
		peer_ok = balloon_peer(peer);
	uint64_t end = tsc_after_us(wait * 1000);
	while (rdtsc() < end && !(required[M_BALLOON] && balloon_followed)) {
		balloon_kick(); /* in case an event interrupt was lost */
		sleep_ms(1);
	}
	gprintf("pvos: balloon: %u targets followed (%u failed), %u balloon events, %u vcpus "
		"online\n",
		balloon_followed, balloon_failed, ev_balloon, online_count());
	if (balloon_downs)
		gprintf("bench: balloon reaction %llu ticks\n",
			(unsigned long long)(balloon_down_ticks / balloon_downs));
	mstate[M_BALLOON] = peer_ok && !balloon_failed &&
					    (balloon_followed || !required[M_BALLOON]) ?
				    MS_OK :
				    MS_FAILED;
}

static void phase_offline(void)
{
	uint32_t v = ncpus - 1;
	uint64_t off = 0, on = 0;

	while (v > 0 && !cpus[v].online)
		v--;
	if (v == 0)
		return;
	mutex_lock(&shoot_lock);
	uint32_t sw = cpus[v].switches;
	int32_t rc = cpu_offline(v, &off, 20);
	mutex_unlock(&shoot_lock);
	if (enosys(M_OFFLINE, rc)) {
		gprintf("pvos: offline: cpu %u drained and back online after VCPU_OFFLINE = "
			"CY_ENOSYS\n",
			v);
		return;
	}
	if (rc) {
		mech_fail(M_OFFLINE, "VCPU_OFFLINE", rc);
		return;
	}
	gprintf("bench: vcpu offline %llu ticks\n", (unsigned long long)off);
	mutex_lock(&shoot_lock);
	bool back = cpu_online(v, &on);
	mutex_unlock(&shoot_lock);
	if (back)
		gprintf("bench: vcpu online %llu ticks\n", (unsigned long long)on);
	sleep_ms(5);
	gprintf("pvos: offline: cpu %u offline, %s, %u switches since\n", v,
		back ? "back online by INIT/SIPI" : "did not come back", cpus[v].switches - sw);
	mstate[M_OFFLINE] = back ? MS_OK : MS_FAILED;
}

static bool hv; /* running under Cypress */

/* Without Cypress (plain QEMU): the kernel alone, the workload and its invariants. */
static void bare_kernel(void)
{
	char summary[240];

	work_start(cmdline_uint("per_kind", 2));
	uint32_t sim = sa_simulate(cmdline_uint("sa_ms", 40), 1000), up = 0, moved = 0;
	for (uint32_t i = 0; i < ncpus; i++) {
		up += cpus[i].sa_upcalls;
		moved += cpus[i].sa_moved;
	}
	gprintf("pvos: sa: simulated: %u upcall IPIs sent, %u taken, %u threads moved\n", sim, up,
		moved);
	bool inv = work_stop(summary, sizeof(summary));
	gprintf("pvos: workload: %s\n", summary);
	if (!inv)
		fail("workload invariants broken: %s", summary);
	verdict(VERDICT_SKIP, "not running under Cypress (the kernel alone on %u cpus: %s)", ncpus,
		inv ? "invariants held" : "invariants broken");
}

static void init_thread(void *arg)
{
	char summary[240];

	(void)arg;
	if (!hv)
		bare_kernel();
	balloon_init();
	phase_discovery();
	phase_power();
	phase_load("idle");
	phase_request();
	phase_exchange();
	work_start(cmdline_uint("per_kind", 2));
	phase_sa();
	phase_lease();
	phase_balloon();
	phase_offline();
	__atomic_store_n(&balloon_stop, 1, __ATOMIC_RELEASE);
	balloon_kick();
	bool inv = work_stop(summary, sizeof(summary));
	gprintf("pvos: workload: %s\n", summary);
	if (mstate[M_SA] == MS_OK)
		cyl_sa_register(0, 0);

	uint32_t bad = 0;
	char line[160];
	size_t n = 0;
	for (int m = 0; m < M_COUNT; m++) {
		static const char *const st[] = { "untried", "ok", "ENOSYS", "FAILED" };
		n += (size_t)gsnprintf(line + n, sizeof(line) - n, " %s=%s%s", mech_names[m],
				       st[mstate[m]], required[m] ? "*" : "");
		if (required[m] && mstate[m] != MS_OK) {
			bad++;
			fail("%s is required but %s", mech_names[m],
			     mstate[m] == MS_ENOSYS ? "not available" : "did not work");
		}
	}
	gprintf("pvos: mechanisms (* = required):%s\n", line);
	if (!inv)
		fail("workload invariants broken: %s", summary);
	report("%u vcpus, required mechanisms worked, workload invariants held (%u shootdowns)",
	       ncpus, shoot_done);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	hv = cyl_detect();
	if (hv && cmdline_has("peer")) {
		/* A balloon peer (balloon_peer=): just be there for a while. */
		gprintf("pvos: peer: here for %u ms\n", cmdline_uint("peer_ms", 50));
		delay_us(cmdline_uint("peer_ms", 50) * 1000);
		report("peer");
	}
	if (hv && cyl_abi_version() < 1002)
		verdict(VERDICT_FAILURE, "ABI version %d, want >= 1002", cyl_abi_version());
	ncpus = cmdline_uint("cpus", 3);
	if (ncpus < 1 || ncpus > NCPU)
		verdict(VERDICT_ERROR, "cpus=%u: want 1..%u", ncpus, NCPU);
	parse_require();
	init_delay_us = cmdline_uint("init_delay", hv ? 1000 : 10000);
	lapic_setup(true);
	lapic_enable();
	this_cpu()->index = this_cpu()->apic_id;
	if (this_cpu()->apic_id != 0)
		verdict(VERDICT_ERROR, "the BSP has APIC ID %u, pvos wants 0", this_cpu()->apic_id);
	sched_init();
	shootdown_init();
	pv_init();
	cpus[0].online = 1;
	if (!hv)
		goto start;
	int32_t rc = cyl_shared_set(&pv_area);
	if (rc)
		verdict(VERDICT_FAILURE, "SHARED_SET: %d (%s)", rc, cyl_strerror(rc));
	rc = cyl_core_notify(VEC_EVENT);
	if (rc)
		verdict(VERDICT_FAILURE, "CORE_NOTIFY: %d (%s)", rc, cyl_strerror(rc));
	gprintf("pvos: abi %d, shared area at %p (%u vcpus), event vector 0x%x\n",
		cyl_abi_version(), (void *)&pv_area, pv_area.nvcpus, VEC_EVENT);
start:
	if (smp_start(ncpus, ap_main, 1000, true) != ncpus)
		verdict(VERDICT_FAILURE, "only %u of %u vcpus started", smp_online(), ncpus);
	uint64_t end = tsc_after_us(200 * 1000);
	while (online_count() < ncpus && rdtsc() < end)
		cpu_relax();
	if (online_count() < ncpus)
		verdict(VERDICT_FAILURE, "only %u of %u vcpus entered the scheduler",
			online_count(), ncpus);
	if (!thread_create("init", init_thread, NULL, 0))
		verdict(VERDICT_ERROR, "no thread for init");
	sched_loop();
}
