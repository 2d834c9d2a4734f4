// SPDX-License-Identifier: MIT
/*
 * Guest test "balloon": vCPU ballooning (VCPU-Bal, guest ABI 1.3). Two roles
 * from the command line:
 *   lead (the default; a control partition with balloon = yes, 4 vCPUs on 4
 *   cores, vcpus_min = 2): registers its shared area and a CORE_NOTIFY
 *   vector, starts its vCPUs and then
 *     1. creates partition B (this kernel, role follow, weight 2): its
 *        target must drop to `down`; it takes vCPUs offline with
 *        VCPU_OFFLINE until that many are online, acks, and LOAD_GET must
 *        show each online vCPU alone on a core of its own (sharing 1);
 *        "bench: balloon reaction N ticks" is the TSC from seeing the new
 *        target to the accepted ack;
 *     2. destroys B: the target goes back up to 4; it onlines vCPUs by
 *        INIT + STARTUP, acks, each on a core of its own again ("bench:
 *        balloon online reaction N ticks": new target seen to ack);
 *     3. creates B again and does NOT ack: after the hypervisor's deadline
 *        its cores shrink anyway and its 4 online vCPUs time-share `down`
 *        cores (sharing 2), all still running; a late ack is CY_ERANGE
 *        (more online than the target); B destroyed, back to 4, acked;
 *     4. LOAD_REPORT(1): fewer runnable threads than its share, so the
 *        target becomes max(1, vcpus_min) = 2; LOAD_REPORT(0): 4 again;
 *     5. errors: an ack of a stale seq is CY_EINVAL; its last online vCPU
 *        cannot go offline (CY_EBUSY).
 *   follow (partition B): follows its own targets (onlines or offlines
 *   vCPUs, acks) until it is destroyed.
 * Parameters: down=N (the lead's target beside B, 2), role=follow.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), up to 8 vCPUs.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "balloon";

#define VEC_NOTE   0x42
#define WAIT_MS	   3000
#define TRAMPOLINE 0x7000u
#define NV	   GUEST_MAX_CPUS

extern char ap_trampoline_start[], ap_trampoline_end[];

/* SHARED_SET takes CY_SHARED_SIZE bytes, more than struct cy_shared holds. */
static union {
	struct cy_shared sh;
	uint8_t bytes[CY_SHARED_SIZE];
} area __attribute__((aligned(4096)));
#define shared area.sh
static volatile uint32_t notes;
static volatile uint32_t alive[NV];    /* vCPU i runs (set by itself) */
static volatile uint32_t want_off[NV]; /* vCPU i: go offline */
static volatile uint32_t slot_of[NV];  /* the stack slot vCPU i started on (0: never) */
static volatile uint64_t spins[NV];
static uint32_t nvcpus;

static void note_handler(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&notes, 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

/* Every AP, at each start: run (spin) until asked to go offline. */
static void ap_main(unsigned int slot)
{
	uint32_t id = this_cpu()->apic_id;

	if (id >= NV)
		return;
	slot_of[id] = slot;
	__atomic_store_n(&alive[id], 1, __ATOMIC_RELEASE);
	for (;;) {
		spins[id]++;
		if (__atomic_load_n(&want_off[id], __ATOMIC_ACQUIRE)) {
			/* Linux's play_dead: interrupts off, tell the others, go. */
			irq_disable();
			__atomic_store_n(&want_off[id], 0, __ATOMIC_RELEASE);
			__atomic_store_n(&alive[id], 0, __ATOMIC_RELEASE);
			int32_t rc = cypress_vcpu_offline();
			fail("vcpu %u: VCPU_OFFLINE returned %d (%s)", id, rc, cy_errname(rc));
			__atomic_store_n(&alive[id], 1, __ATOMIC_RELEASE);
		}
		cpu_relax();
	}
}

static uint32_t online(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < nvcpus; i++)
		n += __atomic_load_n(&alive[i], __ATOMIC_ACQUIRE);
	return n;
}

static bool wait_flag(volatile uint32_t *v, uint32_t want, uint32_t ms)
{
	uint64_t end = tsc_after_us(ms * 1000);

	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) != want && rdtsc() < end)
		cpu_relax();
	return __atomic_load_n(v, __ATOMIC_ACQUIRE) == want;
}

/* INIT + STARTUP to vCPU i, on its old stack slot (it left it for good). */
static bool start_vcpu(uint32_t i)
{
	memcpy((void *)(uintptr_t)TRAMPOLINE, ap_trampoline_start,
	       (size_t)(ap_trampoline_end - ap_trampoline_start));
	/* Its own stack slot: the one it had, else its number (vCPU 0 is slot 0). */
	__atomic_store_n(&ap_next_slot, slot_of[i] ? slot_of[i] : i, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	lapic_send_init(i);
	delay_us(100);
	lapic_send_sipi(i, TRAMPOLINE >> 12);
	if (!wait_flag(&alive[i], 1, 50))
		lapic_send_sipi(i, TRAMPOLINE >> 12); /* the second STARTUP of the pair */
	return wait_flag(&alive[i], 1, WAIT_MS);
}

static bool stop_vcpu(uint32_t i)
{
	__atomic_store_n(&want_off[i], 1, __ATOMIC_RELEASE);
	return wait_flag(&alive[i], 0, WAIT_MS);
}

/* Online or offline vCPUs (highest first off, lowest first on) until `target` run. */
static bool follow(uint32_t target)
{
	for (uint32_t i = nvcpus; i-- > 1 && online() > target;)
		if (alive[i] && !stop_vcpu(i))
			return false;
	for (uint32_t i = 1; i < nvcpus && online() < target; i++)
		if (!alive[i] && !start_vcpu(i))
			return false;
	return online() == target;
}

/* BALLOON_ACK(seq): a vCPU on its way offline still counts until it left the guest. */
static int32_t ack(uint32_t seq)
{
	int32_t rc = CY_ERANGE;

	for (uint32_t k = 0; k < 200 && rc == CY_ERANGE; k++) {
		rc = cypress_balloon_ack(seq);
		if (rc == CY_ERANGE)
			delay_us(20);
	}
	return rc;
}

/* The shared area's (seq, target), read as one. */
static void read_target(uint32_t *seq, uint32_t *target)
{
	uint32_t s;

	do {
		s = __atomic_load_n(&shared.balloon_seq, __ATOMIC_ACQUIRE);
		*target = __atomic_load_n(&shared.balloon_target, __ATOMIC_ACQUIRE);
	} while (s != __atomic_load_n(&shared.balloon_seq, __ATOMIC_ACQUIRE));
	*seq = s;
}

/* Wait for a seq after `after` whose target is `want`; false on timeout. */
static bool wait_target(uint32_t after, uint32_t want, uint32_t *seq)
{
	uint64_t end = tsc_after_us(WAIT_MS * 1000);
	uint32_t t = 0;

	do {
		read_target(seq, &t);
		if (*seq > after && t == want) {
			/* The event bit follows the new seq (the hypervisor writes the
			 * header first), except for the first target, published before
			 * SHARED_SET existed. The guest clears what it saw. */
			uint64_t bit_end = tsc_after_us(10000);
			uint32_t ev = 0;
			while (*seq > 1 && !(ev & CY_EV_BALLOON) && rdtsc() < bit_end)
				ev = __atomic_fetch_and(&shared.events, ~CY_EV_BALLOON,
							__ATOMIC_ACQ_REL);
			if (*seq > 1 && !(ev & CY_EV_BALLOON))
				fail("target %u (seq %u) without CY_EV_BALLOON", t, *seq);
			return true;
		}
		cpu_relax();
	} while (rdtsc() < end);
	fail("no balloon target %u after seq %u (seq %u target %u)", want, after, *seq, t);
	return false;
}

/*
 * LOAD_GET until the online vCPUs live on `cores` distinct cores with
 * `sharing` vCPUs each (the LPM moves them after the ack or deadline).
 */
static bool wait_cores(uint32_t cores, uint32_t sharing, const char *what)
{
	static struct cy_vcpu_load l[NV];
	uint64_t end = tsc_after_us(WAIT_MS * 1000);
	uint32_t distinct = 0;
	bool ok = false;

	do {
		int32_t n = cypress_hypercall(CYPRESS_HC_LOAD_GET, (uint32_t)(uintptr_t)l, NV, 0);
		ok = n == (int32_t)nvcpus;
		distinct = 0;
		for (uint32_t i = 0; ok && i < nvcpus; i++) {
			if (!alive[i])
				continue;
			bool first = true;
			for (uint32_t j = 0; j < i; j++)
				first &= !(alive[j] && l[j].cpu == l[i].cpu);
			distinct += first;
			ok &= l[i].sharing == sharing;
		}
		ok &= distinct == cores;
		if (!ok)
			delay_us(50);
	} while (!ok && rdtsc() < end);
	char line[160];
	uint32_t pos = 0;
	for (uint32_t i = 0; i < nvcpus && pos < sizeof(line) - 24; i++)
		if (alive[i])
			pos += (uint32_t)gsnprintf(line + pos, sizeof(line) - pos, " %u@%u/%u", i,
						   l[i].cpu, l[i].sharing);
	gprintf("balloon: %s: %u online vcpus (vcpu@cpu/sharing):%s\n", what, online(), line);
	if (!ok)
		fail("%s: want the online vcpus on %u cores, sharing %u each", what, cores,
		     sharing);
	return ok;
}

/* CPUID 0x40000002 EBX on vCPU 0: a slice when its vCPUs time-share, else 0. */
static void expect_slice(bool shared_core, const char *what)
{
	uint32_t khz, slice;

	cy_timing(&khz, &slice);
	gprintf("balloon: %s: CPUID slice %u us\n", what, slice);
	if ((slice != 0) != shared_core)
		fail("%s: CPUID 0x40000002 EBX = %u, want %s", what, slice,
		     shared_core ? "a slice" : "0 (a core of its own)");
}

static int32_t create_b(void)
{
	static const char text[] = "[partition B]\ncores = 1\nmemory = 16M\nkernel = balloon.elf\n"
				   "vcpus = 4\nweight = 2\nballoon = yes\ntimeout = 60s\n"
				   "cmdline = \"role=follow\"\n";
	int32_t id = cy_part_create(text, sizeof(text) - 1);

	if (id < 0)
		fail("PART_CREATE(B) = %d (%s)", id, cy_errname(id));
	return id;
}

static void destroy_b(int32_t id)
{
	int32_t rc = cy_part_destroy((uint32_t)id);

	if (rc != 0)
		fail("PART_DESTROY(B) = %d (%s)", rc, cy_errname(rc));
}

/* Phases 1 and 2: down with an ack, up with an ack. Returns the last seq. */
static uint32_t down_and_up(uint32_t seq, uint32_t down)
{
	int32_t b = create_b();
	if (b < 0 || !wait_target(seq, down, &seq))
		return seq;
	uint64_t t0 = rdtsc();
	bool ok = follow(down);
	int32_t rc = ack(seq);
	uint64_t t1 = rdtsc();
	if (!ok || rc != 0)
		fail("down to %u: %u online, ack = %d (%s)", down, online(), rc, cy_errname(rc));
	gprintf("bench: balloon reaction %llu ticks\n", (unsigned long long)(t1 - t0));
	wait_cores(down, 1, "down, acked");
	gprintf("bench: balloon cores shrunk %llu ticks\n", (unsigned long long)(rdtsc() - t0));
	expect_slice(false, "down, acked");
	destroy_b(b);
	if (!wait_target(seq, nvcpus, &seq))
		return seq;
	t0 = rdtsc();
	ok = follow(nvcpus);
	rc = ack(seq);
	gprintf("bench: balloon online reaction %llu ticks\n", (unsigned long long)(rdtsc() - t0));
	if (!ok || rc != 0)
		fail("up to %u: %u online, ack = %d (%s)", nvcpus, online(), rc, cy_errname(rc));
	wait_cores(nvcpus, 1, "up, acked");
	return seq;
}

/* Phase 3: no ack; the cores shrink at the deadline and the vCPUs time-share. */
static uint32_t no_ack(uint32_t seq, uint32_t down)
{
	int32_t b = create_b();
	if (b < 0 || !wait_target(seq, down, &seq))
		return seq;
	uint32_t per = (nvcpus + down - 1) / down;
	if (wait_cores(down, per, "no ack, after the deadline")) {
		expect_slice(true, "no ack");
		uint64_t before[NV];
		for (uint32_t i = 0; i < nvcpus; i++)
			before[i] = spins[i];
		delay_us(20000);
		for (uint32_t i = 1; i < nvcpus; i++)
			if (spins[i] == before[i])
				fail("vcpu %u did not run while time-sharing", i);
	}
	int32_t rc = cypress_balloon_ack(seq);
	gprintf("balloon: late ack with %u online for target %u: %d (%s)\n", online(), down, rc,
		cy_errname(rc));
	if (rc != CY_ERANGE)
		fail("late ack = %d, want CY_ERANGE", rc);
	destroy_b(b);
	if (!wait_target(seq, nvcpus, &seq))
		return seq;
	if ((rc = ack(seq)) != 0)
		fail("ack after B left = %d (%s)", rc, cy_errname(rc));
	wait_cores(nvcpus, 1, "back up");
	return seq;
}

/* Phase 4: load reports move the target. */
static uint32_t load(uint32_t seq)
{
	int32_t rc = cypress_hypercall(CYPRESS_HC_LOAD_REPORT, 1, 0, 0);
	uint32_t low = 2; /* max(1 thread, vcpus_min 2) */

	if (rc != 0 || !wait_target(seq, low, &seq))
		return seq;
	if (!follow(low) || (rc = ack(seq)) != 0)
		fail("load 1: %u online, ack = %d", online(), rc);
	wait_cores(low, 1, "load report 1");
	cypress_hypercall(CYPRESS_HC_LOAD_REPORT, 0, 0, 0);
	if (!wait_target(seq, nvcpus, &seq))
		return seq;
	if (!follow(nvcpus) || (rc = ack(seq)) != 0)
		fail("load 0: %u online, ack = %d", online(), rc);
	wait_cores(nvcpus, 1, "load report 0");
	return seq;
}

/* Role follow: obey every target until destroyed. */
static void __attribute__((noreturn)) follower(void)
{
	uint32_t seq = 0, t = 0, done = 0;

	for (;;) {
		read_target(&seq, &t);
		if (seq != done && t) {
			if (follow(t))
				ack(seq);
			gprintf("balloon: follow: seq %u target %u, %u online\n", seq, t, online());
			done = seq;
		}
		cpu_relax();
	}
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t down = cmdline_uint("down", 2), seq = 0, t = 0;

	(void)magic;
	(void)mbi;
	cy_require_abi(1003);
	alive[0] = 1;
	if (!cy_events_setup(&shared, VEC_NOTE, note_handler))
		verdict(VERDICT_FAILURE, "SHARED_SET or CORE_NOTIFY refused");
	nvcpus = shared.nvcpus < NV ? shared.nvcpus : NV;
	irq_enable();
	if (smp_start(nvcpus, ap_main, 1000, true) != nvcpus)
		verdict(VERDICT_FAILURE, "%u vcpus did not start", nvcpus);
	for (uint32_t i = 1; i < nvcpus; i++)
		if (!wait_flag(&alive[i], 1, 100))
			verdict(VERDICT_FAILURE, "vcpu %u did not check in", i);
	if (cmdline_has("role=follow"))
		follower();
	if (!wait_target(0, nvcpus, &seq))
		verdict(VERDICT_FAILURE, "no first target");
	int32_t rc;
	if ((rc = cypress_balloon_ack(seq + 1)) != CY_EINVAL)
		fail("BALLOON_ACK(seq + 1) = %d, want CY_EINVAL", rc);
	if ((rc = cypress_balloon_ack(seq)) != 0)
		fail("BALLOON_ACK(%u) = %d, want 0", seq, rc);
	gprintf("balloon: first target %u (seq %u) with %u vcpus\n", nvcpus, seq, online());
	seq = down_and_up(seq, down);
	seq = no_ack(seq, down);
	seq = load(seq);
	for (uint32_t i = 1; i < nvcpus; i++)
		stop_vcpu(i);
	delay_us(1000);
	if ((rc = cypress_vcpu_offline()) != CY_EBUSY)
		fail("VCPU_OFFLINE of the last online vcpu = %d, want CY_EBUSY", rc);
	read_target(&seq, &t);
	gprintf("balloon: %u CORE_NOTIFY interrupts, last seq %u target %u\n", notes, seq, t);
	if (!notes)
		fail("no CORE_NOTIFY interrupt for the balloon targets");
	report("down with an ack, up by INIT/SIPI, a fallback without an ack, load reports");
}
