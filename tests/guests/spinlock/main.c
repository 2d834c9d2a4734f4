// SPDX-License-Identifier: MIT
/*
 * Guest test "spinlock": lock-holder preemption and the micro-sliced pool.
 * Every vCPU loops: take one test-and-set spin lock (waiting with PAUSE),
 * work inside cy_crit_hold() while holding it (the name the hypervisor's
 * symbol table marks critical: docs/guest-abi.md, "Micro-sliced cores"),
 * release it, work outside. With more vCPUs than cores, a holder's slice
 * ends inside the critical section about one time in three; unless someone
 * runs it elsewhere, the lock stays held until its next turn (slices of the
 * other vCPUs later). Each acquisition whose attempt starts in a common
 * window is measured: its wait (attempt to acquisition) and its hold
 * (acquisition to release, preemption included).
 *
 * Parameters (kernel command line):
 *   cpus=N     vCPUs, BSP included (3)
 *   mode=pool  the partition has a symbol table and the pool: no hold may
 *              last half a slice or more (the preempted holder ran on a
 *              pool core)
 *   mode=base  the baseline, same workload without symbols: at least one
 *              hold lasts half a slice or more (else the workload never
 *              preempted a holder and the pool suite proves nothing)
 *   mode=move  the LPM against the pool: vCPU 0 takes no lock; through the
 *              window it asks (VCPU_MOVE) for each other vCPU in turn to go
 *              to the partition's other core, every `every` us, while the
 *              pool takes them; afterwards each must be where its last
 *              accepted move put it (VCPU_WHERE), on the partition's cores
 *   notify=V   mode=move: CORE_NOTIFY(V) first, so every vCPU a move brings
 *              to a new core gets interrupt V there (never taken:
 *              interrupts stay off) while it waits: the pool's virtual
 *              interrupt trigger (0: none)
 *   pool=CPU   with control = yes: CORE_LIST must show cpu CPU as a VCPU
 *              core of no partition (the reserved pool core) and RESOURCES
 *              must not count it free
 *   crit=US    work inside the lock (20); out=US work outside it (40)
 *   warm=N     slices from the start before the window (20: the pool is
 *              sized 10 ms after the first PAUSE-loop exit); win=N window
 *              length in slices (40)
 *   ipis=N     after the window, vCPU 0 sends N rounds of a fixed IPI
 *              (vector 0x40, never taken: interrupts stay off) to the other
 *              vCPUs, 200 us apart, while they wait for the core it holds:
 *              the pool's IPI trigger (0); the others stay runnable until
 *              then, so every IPI finds them waiting
 * One line "spinlock: <mode>: ..." with the counts, the mean and largest
 * wait and hold in us, then the verdict.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off, ring 0),
 * all vCPUs, interrupts off.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "spinlock";

#define READY_TIMEOUT_MS 300

static uint32_t lock; /* 0 free, 1 held */
static uint32_t crit_iters, out_iters;
static uint64_t win_start, win_end, stop_at;
static uint32_t go, done;

/* Per vCPU: written by that vCPU only, read by vCPU 0 after `done`. */
static struct stats {
	uint64_t n, wait_sum, wait_max, hold_sum, hold_max, long_holds;
} st[GUEST_MAX_CPUS];
static uint64_t long_hold; /* ticks: half a slice */
static bool mover;	   /* mode=move: vCPU 0 moves the others instead */

static void check_pool_core(uint32_t cpu);

static uint32_t irqs; /* interrupts taken (notify= and ipis= vectors) */

static void count_irq(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&irqs, 1, __ATOMIC_RELAXED);
}

/* Work the compiler cannot drop: iterations of a dependent multiply.
 * Inlined, so the critical section's RIP stays inside cy_crit_hold(). */
static inline __attribute__((always_inline)) uint32_t work(uint32_t iters, uint32_t x)
{
	for (uint32_t i = 0; i < iters; i++)
		__asm__ volatile("imul $1103515245, %0, %0\n\tadd $12345, %0" : "+r"(x));
	return x;
}

/* The same outside the lock (a function of its own, not critical). */
static uint32_t __attribute__((noinline)) spin_work(uint32_t iters, uint32_t x)
{
	return work(iters, x);
}

/* The critical function: entered with the lock held, releases it last.
 * Global and not inlined, so `nm` lists it and the guest's RIP is inside it
 * for the whole critical section. */
uint32_t cy_crit_hold(uint32_t x, uint64_t *released);
uint32_t __attribute__((noinline, noclone)) cy_crit_hold(uint32_t x, uint64_t *released)
{
	x = work(crit_iters, x);
	*released = rdtsc();
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	return x;
}

static void acquire(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
			cpu_relax(); /* PAUSE: the hypervisor's PAUSE-loop exits */
}

static void run_vcpu(unsigned int slot)
{
	struct stats *s = &st[slot];
	uint32_t x = slot + 1;
	uint64_t t0, t1, t2;

	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		cpu_relax();
	do {
		t0 = rdtsc();
		acquire();
		t1 = rdtsc();
		x = cy_crit_hold(x, &t2);
		if (t0 >= win_start && t0 < win_end) {
			uint64_t w = t1 - t0, h = t2 - t1;
			s->n++;
			s->wait_sum += w;
			s->hold_sum += h;
			s->wait_max = w > s->wait_max ? w : s->wait_max;
			s->hold_max = h > s->hold_max ? h : s->hold_max;
			s->long_holds += h >= long_hold;
		}
		x = spin_work(out_iters, x);
	} while (t0 < stop_at);
	(void)x;
	__atomic_fetch_add(&done, 1, __ATOMIC_ACQ_REL);
}

static uint32_t released; /* ipis=: vCPU 0 sent its rounds */

static void ap_main(unsigned int slot)
{
	if (slot < GUEST_MAX_CPUS)
		run_vcpu(slot);
	/* With ipis=, stay runnable (no HLT, no PAUSE) until vCPU 0 has sent
	 * them: each IPI must find this vCPU waiting behind it for the core,
	 * not halted, or the trigger is not exercised at all. */
	while (cmdline_uint("ipis", 0) && !__atomic_load_n(&released, __ATOMIC_ACQUIRE))
		;
}

/*
 * mode=move, vCPU 0: VCPU_MOVE the workers to alternating core indexes
 * until the window ends, then check each ended where its last accepted
 * move said. cores[0..1]: the partition's two cpus, in cpu order (the
 * LPM's core indexes).
 */
static void move_workers(unsigned int ncpu, const uint32_t cores[2], uint64_t per_us)
{
	int32_t last[GUEST_MAX_CPUS];
	uint32_t every = cmdline_uint("every", 100), asked = 0, taken = 0;

	for (unsigned int i = 0; i < ncpu; i++)
		last[i] = -1;
	uint32_t vec = cmdline_uint("notify", 0);
	if (vec)
		irq_register(vec, count_irq);
	if (vec && cypress_hypercall(CYPRESS_HC_CORE_NOTIFY, vec, 0, 0) != 0)
		fail("CORE_NOTIFY(0x%x) refused", vec);
	for (uint32_t round = 0; rdtsc() < win_end; round++) {
		unsigned int i = 1 + round % (ncpu - 1);
		uint32_t k = (round / (ncpu - 1) + i) % 2;
		int32_t rc = cy_vcpu_move(i, k);
		asked++;
		if (rc == 0) {
			last[i] = (int32_t)k;
			taken++;
		} else if (rc != CY_EBUSY) {
			fail("VCPU_MOVE(%u, %u): %s", i, k, cy_errname(rc));
		}
		uint64_t until = rdtsc() + every * per_us;
		while (rdtsc() < until)
			;
	}
	uint64_t limit = rdtsc() + (uint64_t)READY_TIMEOUT_MS * 1000 * per_us;
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < ncpu - 1 && rdtsc() < limit)
		;
	for (unsigned int i = 1; i < ncpu; i++) {
		int32_t w = cy_vcpu_where(i);
		if (last[i] < 0)
			continue;
		/* A move still in flight settles within the bound. */
		while (w != (int32_t)cores[last[i]] && rdtsc() < limit)
			w = cy_vcpu_where(i);
		if (w != (int32_t)cores[last[i]])
			fail("vcpu %u is on cpu %d, its last move (index %d) was to cpu %u", i, w,
			     last[i], cores[last[i]]);
	}
	gprintf("spinlock: move: %u moves asked, %u accepted, every vcpu where its last move "
		"put it; %u interrupts taken\n",
		asked, taken, __atomic_load_n(&irqs, __ATOMIC_RELAXED));
	if (!taken)
		fail("no VCPU_MOVE was accepted");
	if (cmdline_uint("pool", 0))
		check_pool_core(cmdline_uint("pool", 0));
	__atomic_fetch_add(&done, 1, __ATOMIC_ACQ_REL);
}

/* pool=CPU: the reserved pool core as CORE_LIST and RESOURCES show it. */
static void check_pool_core(uint32_t cpu)
{
	static struct cy_core_info ci[GUEST_MAX_CPUS];
	struct cy_resources res;
	int32_t n = cy_core_list(ci, GUEST_MAX_CPUS), free = 0;

	if (n < 0 || cy_resources(&res) < 0) {
		fail("CORE_LIST or RESOURCES refused (control = yes missing?)");
		return;
	}
	for (int32_t i = 0; i < n && i < GUEST_MAX_CPUS; i++)
		free += ci[i].role == CY_CORE_ANON;
	if ((int32_t)cpu >= n || cpu >= GUEST_MAX_CPUS || ci[cpu].role != CY_CORE_VCPU ||
	    ci[cpu].part != -1)
		fail("CORE_LIST: cpu %u is not a VCPU core of no partition", cpu);
	else
		gprintf("spinlock: core list: cpu %u role VCPU part -1 (the pool), %u vcpus there; "
			"%d cores free, RESOURCES says %u\n",
			cpu, ci[cpu].nvcpus, free, res.free_cores);
	if (res.free_cores != (uint32_t)free)
		fail("RESOURCES counts %u free cores, CORE_LIST %d", res.free_cores, free);
}

/* Iterations of spin_work per us, measured by vCPU 0 alone. */
static uint32_t iters_per_us(uint64_t per_us)
{
	uint64_t t = rdtsc();

	spin_work(20000, 1);
	t = rdtsc() - t;
	return t ? (uint32_t)(20000 * per_us / t) + 1 : 1;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t want = cmdline_uint("cpus", 3), khz, slice_us;
	bool pool = cmdline_has("mode=pool");
	uint32_t cores[2] = { 0, 0 };
	uint64_t per_us;

	(void)magic;
	(void)mbi;
	if (!hv_is_cypress() || !cy_timing(&khz, &slice_us) || !khz)
		verdict(VERDICT_SKIP, "not running under Cypress (no timing leaf)");
	mover = cmdline_has("mode=move");
	if (!pool && !mover && !cmdline_has("mode=base"))
		verdict(VERDICT_ERROR, "cmdline needs mode=pool, mode=base or mode=move");
	if (want < 2 || want > GUEST_MAX_CPUS)
		verdict(VERDICT_ERROR, "cpus=%u is outside 2..%u", want, GUEST_MAX_CPUS);
	per_us = khz / 1000;
	uint32_t ipu = iters_per_us(per_us);
	crit_iters = cmdline_uint("crit", 20) * ipu;
	out_iters = cmdline_uint("out", 40) * ipu;

	lapic_setup(true);
	lapic_enable();
	unsigned int ncpu = smp_start(want, ap_main, READY_TIMEOUT_MS, true);
	if (ncpu != want)
		verdict(VERDICT_FAILURE, "only %u of %u vCPUs came up", ncpu, want);
	/* The slice of this core now that it is shared (CPUID 0x40000002). */
	if (!cy_timing(&khz, &slice_us) || !slice_us)
		verdict(VERDICT_ERROR, "vcpu 0's core is not time-shared: no preemption to test");
	long_hold = (uint64_t)slice_us / 2 * per_us;
	if (mover) {
		/* The LPM spreads the vCPUs over its cores: two, in cpu order. */
		for (unsigned int i = 0; i < ncpu; i++) {
			int32_t w = cy_vcpu_where(i);
			if (w < 0)
				verdict(VERDICT_ERROR, "VCPU_WHERE(%u): %s", i, cy_errname(w));
			if (!cores[0] || (uint32_t)w == cores[0])
				cores[0] = (uint32_t)w;
			else
				cores[1] = (uint32_t)w;
		}
		if (!cores[1])
			verdict(VERDICT_ERROR, "mode=move needs a partition of two cores");
		if (cores[1] < cores[0]) {
			uint32_t t = cores[0];
			cores[0] = cores[1];
			cores[1] = t;
		}
	}
	win_start = rdtsc() + (uint64_t)cmdline_uint("warm", 20) * slice_us * per_us;
	win_end = win_start + (uint64_t)cmdline_uint("win", 40) * slice_us * per_us;
	stop_at = win_end;
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	if (mover)
		move_workers(ncpu, cores, per_us);
	else
		run_vcpu(0);
	if (cmdline_uint("ipis", 0))
		irq_register(0x40, count_irq);
	for (uint32_t k = 0; k < cmdline_uint("ipis", 0); k++) {
		for (unsigned int i = 1; i < ncpu; i++)
			lapic_send_fixed(smp_cpus[i].apic_id, 0x40);
		uint64_t until = rdtsc() + 200 * per_us;
		while (rdtsc() < until)
			;
	}
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	uint64_t limit = rdtsc() + (uint64_t)READY_TIMEOUT_MS * 1000 * per_us;
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < ncpu && rdtsc() < limit)
		cpu_relax();
	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < ncpu)
		verdict(VERDICT_FAILURE, "only %u of %u vCPUs finished", done, ncpu);

	struct stats all = { 0 };
	for (unsigned int i = 0; i < ncpu; i++) {
		all.n += st[i].n;
		all.wait_sum += st[i].wait_sum;
		all.hold_sum += st[i].hold_sum;
		all.long_holds += st[i].long_holds;
		all.wait_max = st[i].wait_max > all.wait_max ? st[i].wait_max : all.wait_max;
		all.hold_max = st[i].hold_max > all.hold_max ? st[i].hold_max : all.hold_max;
	}
	const char *mode = pool ? "pool" : mover ? "move" : "base";
	if (!all.n)
		verdict(VERDICT_FAILURE, "no acquisition in the window");
	gprintf("spinlock: %s: %llu acquisitions in %u us, %u us slices, %u us critical; wait mean "
		"%llu us max %llu us; hold mean %llu us max %llu us; %llu holds of %u us or more\n",
		mode, all.n, (uint32_t)((win_end - win_start) / per_us), slice_us,
		cmdline_uint("crit", 20), all.wait_sum / all.n / per_us, all.wait_max / per_us,
		all.hold_sum / all.n / per_us, all.hold_max / per_us, all.long_holds, slice_us / 2);
	if (mover)
		report("move: %llu acquisitions, every moved vcpu where its LPM put it", all.n);
	if (pool && all.long_holds)
		fail("%llu lock holds lasted half a slice or more: a preempted holder waited for "
		     "its core (max hold %llu us)",
		     all.long_holds, all.hold_max / per_us);
	if (!pool && !mover && !all.long_holds)
		fail("no hold lasted half a slice: the workload never preempted a lock holder, so "
		     "the pool suite cannot show anything");
	report("%s: %llu acquisitions, max hold %llu us, max wait %llu us", mode, all.n,
	       all.hold_max / per_us, all.wait_max / per_us);
}
