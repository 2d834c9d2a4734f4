// SPDX-License-Identifier: MIT
/*
 * Per-decision cost benchmark: one scheduling decision of Cypress's per-core
 * schedulers against a shared-runqueue and a steal-scanning baseline, plus
 * one Global Partition Manager re-plan. Run under callgrind by tools/sim-decide.
 * Environment: host program (hosted C11, single thread); links the real
 * sched/ policy files built with -DHOST_TEST.
 *
 * Why callgrind: instruction counts are repeatable where wall-clock time is
 * not. Each decision kind lives in its own noinline, noclone function
 * (decide_<kind>) so `--toggle-collect=decide_<kind>` counts exactly the
 * measured decisions; the warm-up runs the same body through warm_<kind>,
 * which callgrind does not collect.
 *
 * Kinds (N cores, decision on core c = i mod N for i = 0..D-1):
 *  cypress-part  partitioned core: sched_noop_ops, one vCPU, own sched_core.
 *                The decision a partitioned core makes: its vCPU halted
 *                (dequeue, outside the count), and a local wake puts it back
 *                and picks it: enqueue(wakeup) + pick_next.
 *  remote-wake   Cypress's cross-core cost: core c wakes a vCPU homed on core
 *                c+1. Counted: the sender's lib/mailbox mbox_send and its
 *                IPI-equivalent (a release store to the target's doorbell
 *                line), then the target's handler: doorbell read and clear,
 *                mbox_recv, enqueue(wakeup) on its own fair sched_core and
 *                pick_next. (The target's vCPU is put back to sleep outside
 *                the count.) Single thread under callgrind; with --threads 2
 *                the two halves run on two host threads, timed natively.
 *  cypress-ts    time-shared core: sched_fair_ops over its own 4-vCPU runqueue,
 *                tick with ran == slice so every decision also calls pick_next.
 *  shared-rq     one global heap (sched/runq.h) of all 4N vCPUs behind one
 *                C11 atomic_flag spin lock (uncontended): lock, push c's
 *                current vCPU back with its vruntime advanced by one slice,
 *                pop the minimum as c's next vCPU, unlock. O(log 4N).
 *  credit-steal  Xen-credit1-like per-core queues, each with its own lock,
 *                and an idle-core-style mask of cores with vCPUs waiting
 *                (one bit per core, set and cleared under the queue lock):
 *                an idle core scans the mask's N/64 words, not every peer.
 *                Otherwise as steal-scan below.
 *  steal-scan    the worst case of credit-steal, without the mask.
 *                Even cores run one vCPU with nothing waiting; odd cores have
 *                no vCPU at all. A busy core's decision locks its queue,
 *                debits the running vCPU's credit and keeps it (nothing
 *                waits). An idle core's decision finds its own queue empty and,
 *                like credit1's load balancer, walks every peer reading its
 *                waiting count without the lock, to trylock and steal from the
 *                first peer with a vCPU waiting; none ever has, so every idle
 *                decision is a full O(N) scan that finds nothing (the steady
 *                state of N/2 vCPUs on N cores). Half the decisions are idle.
 *
 * --threads 2 (native timing, not callgrind): remote-wake with the sender and
 * the target on two host threads, and shared-rq with two threads taking the
 * one lock in turn, so the cache-line traffic between them shows in the time.
 * --threads 1 times the same work on one thread, for comparison. Prints
 * "ns_per_decision=X" (median of 5 runs; a shared host makes it noisy).
 *
 * usage: decide <kind> <cores> <decisions> [--threads 1|2]
 *        decide gpm-replan <cores> <partitions> [--time]
 *        decide gpm-ops <cores> <partitions>
 *        decide gpm-bench
 * gpm-ops times, natively, gpm_destroy() and gpm_create() of each partition
 * in turn on a machine holding all of them (mean per call). gpm-bench prints
 * gpm-replan --time and gpm-ops at 64, 256 and 1024 partitions, on 4096
 * cores and on 4 cores per partition.
 * Prints one line "decide: kind=K cores=N decisions=D" (or the replan result);
 * exits 1 with a "decide: " line on bad arguments or a failed set-up.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mailbox.h"
#include "lib/printf.h"
#include "sched/gpm.h"
#include "sched/ops.h"
#include "sched/runq.h"

#define NOINLINE __attribute__((noinline, noclone))

#define TS_VCPUS 4    /* vCPUs per time-shared core (cypress-ts, shared-rq) */
#define SLICE	 1000 /* runtime per decision, any unit */

/* Console for the sched/ files: every line they print goes to stderr. */
void kvprintf(const char *fmt, va_list ap)
{
	vfprintf(stderr, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

static void die(const char *what)
{
	fprintf(stderr, "decide: %s\n", what);
	exit(1);
}

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory");
	return p;
}

/* ---- cypress-part and cypress-ts: one struct sched_core per core ---- */

struct cy_core {
	struct sched_core sc;
	struct sched_vcpu v[TS_VCPUS];
	struct runq_entry *slots[TS_VCPUS];
} __attribute__((aligned(64)));

static struct cy_core *cy;

static void cy_setup(uint32_t n, const struct sched_ops *ops, uint32_t vcpus)
{
	cy = zalloc(n, sizeof(*cy));
	for (uint32_t c = 0; c < n; c++) {
		struct cy_core *k = &cy[c];

		if (ops->init(&k->sc, k->slots, TS_VCPUS, SLICE) < 0)
			die("sched init failed");
		for (uint32_t i = 0; i < vcpus; i++) {
			k->v[i].id = c * TS_VCPUS + i;
			k->v[i].weight = SCHED_WEIGHT_DEFAULT;
			runq_entry_init(&k->v[i].rq, k->v[i].id, 0);
			if (ops->enqueue(&k->sc, &k->v[i], false) < 0)
				die("sched enqueue failed");
		}
		ops->pick_next(&k->sc);
	}
}

static inline __attribute__((always_inline)) void cy_body(uint32_t c)
{
	struct sched_core *sc = &cy[c].sc;

	if (sc->ops->tick(sc, SLICE))
		sc->ops->pick_next(sc);
}

/* Partitioned core: the halted vCPU is woken locally and picked. */
static inline __attribute__((always_inline)) void cy_part_body(uint32_t c)
{
	struct sched_core *sc = &cy[c].sc;

	sc->ops->enqueue(sc, &cy[c].v[0], true);
	sc->ops->pick_next(sc);
}

/* Outside the count: the partitioned core's vCPU halts again. */
NOINLINE static void cy_part_halt(uint32_t c)
{
	if (cy[c].v[0].runnable)
		cy[c].sc.ops->dequeue(&cy[c].sc, &cy[c].v[0]);
}

NOINLINE void decide_cypress_part(uint32_t c);
NOINLINE void warm_cypress_part(uint32_t c);
NOINLINE void decide_cypress_ts(uint32_t c);
NOINLINE void warm_cypress_ts(uint32_t c);

void decide_cypress_part(uint32_t c)
{
	cy_part_body(c);
}
void warm_cypress_part(uint32_t c)
{
	cy_part_body(c);
}
void decide_cypress_ts(uint32_t c)
{
	cy_body(c);
}
void warm_cypress_ts(uint32_t c)
{
	cy_body(c);
}

/* ---- remote-wake: lib/mailbox message + doorbell + handler on the target ---- */

#define MSG_WAKE_VCPU 1

struct rw_core {
	struct mailbox mb;			 /* written by senders (shared part) */
	_Atomic uint32_t doorbell __aligned(64); /* the IPI-equivalent */
	struct cy_core k __aligned(64);		 /* the target's own scheduler state */
};

static struct rw_core *rw;
static uint32_t rw_n;

static void rw_setup(uint32_t n)
{
	rw = zalloc(n, sizeof(*rw));
	rw_n = n;
	for (uint32_t c = 0; c < n; c++) {
		struct cy_core *k = &rw[c].k;

		if (sched_fair_ops.init(&k->sc, k->slots, TS_VCPUS, SLICE) < 0)
			die("sched init failed");
		/* One vCPU runs, one is halted (the one remote wakes target). */
		for (uint32_t i = 0; i < 2; i++) {
			k->v[i].id = c * TS_VCPUS + i;
			k->v[i].weight = SCHED_WEIGHT_DEFAULT;
			runq_entry_init(&k->v[i].rq, k->v[i].id, 0);
		}
		if (sched_fair_ops.enqueue(&k->sc, &k->v[0], false) < 0)
			die("sched enqueue failed");
		sched_fair_ops.pick_next(&k->sc);
	}
}

/* Sender half: core `from` asks core `to` to wake its vCPU 1. */
static inline __attribute__((always_inline)) void rw_send(uint32_t from, uint32_t to)
{
	struct mbox_msg m = { .type = MSG_WAKE_VCPU, .from = from, .arg = { 1 } };

	while (mbox_send(&rw[to].mb, &m) < 0)
		sched_yield(); /* full: the target is behind (only with 2 threads) */
	atomic_store_explicit(&rw[to].doorbell, 1, memory_order_release);
}

/* Target half: the IPI handler drains the mailbox; returns wakes handled. */
static inline __attribute__((always_inline)) uint32_t rw_handle(uint32_t c)
{
	struct rw_core *t = &rw[c];
	struct mbox_msg m;
	uint32_t n = 0;

	if (!atomic_exchange_explicit(&t->doorbell, 0, memory_order_acquire))
		return 0;
	while (mbox_recv(&t->mb, &m)) {
		struct sched_vcpu *v = &t->k.v[m.arg[0]];
		if (!v->runnable)
			t->k.sc.ops->enqueue(&t->k.sc, v, true);
		t->k.sc.ops->pick_next(&t->k.sc);
		n++;
	}
	return n;
}

/* Outside the count: the woken vCPU halts again so the next wake is real. */
NOINLINE static void rw_halt(uint32_t c)
{
	struct cy_core *k = &rw[c].k;

	if (k->v[1].runnable)
		k->sc.ops->dequeue(&k->sc, &k->v[1]);
}

NOINLINE void decide_remote_wake(uint32_t c);
NOINLINE void warm_remote_wake(uint32_t c);

static inline __attribute__((always_inline)) void rw_body(uint32_t c)
{
	uint32_t to = c + 1 == rw_n ? 0 : c + 1;

	rw_send(c, to);
	rw_handle(to);
}

void decide_remote_wake(uint32_t c)
{
	rw_body(c);
}
void warm_remote_wake(uint32_t c)
{
	rw_body(c);
}

static void rw_prep(uint32_t c)
{
	rw_halt(c + 1 == rw_n ? 0 : c + 1);
}

/* ---- shared-rq: one global heap and one lock for all cores ---- */

struct srq_vcpu {
	struct runq_entry rq; /* key = vruntime */
};

static struct runq srq;
static atomic_flag srq_lock = ATOMIC_FLAG_INIT;
static struct srq_vcpu **srq_curr; /* per core */

static void srq_setup(uint32_t n)
{
	uint32_t total = n * TS_VCPUS;
	struct srq_vcpu *v = zalloc(total, sizeof(*v));
	struct runq_entry **slots = zalloc(total, sizeof(*slots));

	srq_curr = zalloc(n, sizeof(*srq_curr));
	if (runq_init(&srq, slots, total) < 0)
		die("runq init failed");
	for (uint32_t i = 0; i < total; i++) {
		runq_entry_init(&v[i].rq, i, 0);
		if (runq_push(&srq, &v[i].rq) < 0)
			die("runq push failed");
	}
	for (uint32_t c = 0; c < n; c++)
		srq_curr[c] = container_of(runq_pop_min(&srq), struct srq_vcpu, rq);
}

static inline __attribute__((always_inline)) void srq_body(uint32_t c)
{
	struct srq_vcpu *v = srq_curr[c];

	while (atomic_flag_test_and_set_explicit(&srq_lock, memory_order_acquire))
		;
	v->rq.key += SLICE; /* default weight: vruntime advances 1:1 */
	runq_push(&srq, &v->rq);
	srq_curr[c] = container_of(runq_pop_min(&srq), struct srq_vcpu, rq);
	atomic_flag_clear_explicit(&srq_lock, memory_order_release);
}

NOINLINE void decide_shared_rq(uint32_t c);
NOINLINE void warm_shared_rq(uint32_t c);

void decide_shared_rq(uint32_t c)
{
	srq_body(c);
}
void warm_shared_rq(uint32_t c)
{
	srq_body(c);
}

/* ---- credit-steal: per-core FIFO queues, idle cores scan all peers ---- */

#define CS_QCAP 4

struct cs_vcpu {
	uint32_t id;
	int32_t credit;
};

struct cs_core {
	atomic_flag lock;
	uint32_t nr_waiting; /* read by peers without the lock */
	uint32_t head;
	struct cs_vcpu *curr;
	struct cs_vcpu *wait[CS_QCAP];
} __attribute__((aligned(64)));

static struct cs_core *cs;
static uint32_t cs_n;
/* credit-steal: bit c set while core c has vCPUs waiting (under c's lock). */
static _Atomic uint64_t *cs_mask;

static void cs_setup(uint32_t n)
{
	struct cs_vcpu *v = zalloc(n, sizeof(*v));

	cs = zalloc(n, sizeof(*cs));
	cs_n = n;
	cs_mask = zalloc((n + 63) / 64, sizeof(*cs_mask));
	for (uint32_t c = 0; c < n; c++) {
		atomic_flag_clear(&cs[c].lock);
		if (c % 2 == 0) {
			v[c].id = c;
			v[c].credit = 300;
			cs[c].curr = &v[c];
		}
	}
}

static inline void cs_lock(struct cs_core *k)
{
	while (atomic_flag_test_and_set_explicit(&k->lock, memory_order_acquire))
		;
}

static inline void cs_unlock(struct cs_core *k)
{
	atomic_flag_clear_explicit(&k->lock, memory_order_release);
}

/* Take the first waiting vCPU of k; caller holds k's lock. */
static inline struct cs_vcpu *cs_dequeue(struct cs_core *k)
{
	struct cs_vcpu *v;

	if (k->nr_waiting == 0)
		return NULL;
	v = k->wait[k->head];
	k->head = (k->head + 1) % CS_QCAP;
	k->nr_waiting--;
	if (!k->nr_waiting) {
		uint32_t c = (uint32_t)(k - cs);
		atomic_fetch_and_explicit(&cs_mask[c / 64], ~(1ull << (c % 64)),
					  memory_order_relaxed);
	}
	return v;
}

static inline __attribute__((always_inline)) void cs_body(uint32_t c, bool mask)
{
	struct cs_core *k = &cs[c];
	struct cs_vcpu *next;

	cs_lock(k);
	if (k->curr) {
		/* Debit the runner; refill when used up (credit1 accounting). */
		k->curr->credit -= 10;
		if (k->curr->credit <= 0)
			k->curr->credit += 300;
		next = cs_dequeue(k);
		(void)next; /* never anyone waiting in this set-up */
		cs_unlock(k);
		return;
	}
	next = cs_dequeue(k);
	for (uint32_t w = 0; mask && !next && w < (cs_n + 63) / 64; w++) {
		uint64_t bits = atomic_load_explicit(&cs_mask[w], memory_order_relaxed);
		while (bits && !next) {
			struct cs_core *peer = &cs[w * 64 + (uint32_t)__builtin_ctzll(bits)];
			bits &= bits - 1;
			if (peer == k ||
			    atomic_flag_test_and_set_explicit(&peer->lock, memory_order_acquire))
				continue;
			next = cs_dequeue(peer);
			cs_unlock(peer);
		}
	}
	for (uint32_t i = 1; !mask && !next && i < cs_n; i++) {
		uint32_t p = c + i < cs_n ? c + i : c + i - cs_n;
		struct cs_core *peer = &cs[p];

		if (__atomic_load_n(&peer->nr_waiting, __ATOMIC_RELAXED) == 0)
			continue;
		if (atomic_flag_test_and_set_explicit(&peer->lock, memory_order_acquire))
			continue; /* trylock failed: move on, as credit1 does */
		next = cs_dequeue(peer);
		cs_unlock(peer);
	}
	k->curr = next;
	cs_unlock(k);
}

NOINLINE void decide_credit_steal(uint32_t c);
NOINLINE void warm_credit_steal(uint32_t c);

void decide_credit_steal(uint32_t c)
{
	cs_body(c, true);
}
void warm_credit_steal(uint32_t c)
{
	cs_body(c, true);
}

NOINLINE void decide_steal_scan(uint32_t c);
NOINLINE void warm_steal_scan(uint32_t c);

void decide_steal_scan(uint32_t c)
{
	cs_body(c, false);
}
void warm_steal_scan(uint32_t c)
{
	cs_body(c, false);
}

/* ---- GPM re-plan ---- */

#define GPM_SOCKETS 8
#define GPM_VCPUS   3

static struct gpm gpm;

static void gpm_setup(uint32_t ncores, uint32_t nparts)
{
	free(gpm.cores);
	free(gpm.parts);
	memset(&gpm, 0, sizeof(gpm));
	gpm.cores = zalloc(ncores, sizeof(*gpm.cores));
	gpm.ncores = ncores;
	gpm.parts = zalloc(nparts, sizeof(*gpm.parts));
	gpm.nparts_max = nparts;
	for (uint32_t i = 0; i < ncores; i++) {
		gpm.cores[i].id = i;
		gpm.cores[i].socket = i / (ncores / GPM_SOCKETS);
		gpm.cores[i].node = gpm.cores[i].socket;
		gpm.cores[i].cls = GPM_CLS_SLOW;
		gpm.cores[i].owner = -1;
	}
	for (uint32_t p = 0; p < nparts; p++) {
		struct gpm_request r;
		uint32_t out;

		memset(&r, 0, sizeof(r)); /* new request fields stay at their defaults */
		r.vcpus = GPM_VCPUS;
		r.weight = 1;
		r.colocate = GPM_COLOC_SOCKET;
		if (gpm_create(&gpm, &r, &out) < 0)
			die("gpm_create failed (see the gpm: line above)");
	}
}

NOINLINE int decide_gpm_replan(void);

int decide_gpm_replan(void)
{
	return gpm_replan(&gpm);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_replan(uint32_t ncores, uint32_t nparts, bool timed)
{
	uint64_t t[5];

	if (ncores % GPM_SOCKETS || nparts * (GPM_VCPUS + 1) > ncores)
		die("gpm-replan wants cores a multiple of 8 and cores >= 4 * partitions");
	gpm_setup(ncores, nparts);
	if (!timed) {
		if (decide_gpm_replan() < 0)
			die("gpm_replan failed");
		printf("decide: kind=gpm-replan cores=%u partitions=%u replans=1\n", ncores,
		       nparts);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t t0 = now_ns();

		if (gpm_replan(&gpm) < 0)
			die("gpm_replan failed");
		t[i] = now_ns() - t0;
	}
	qsort(t, ARRAY_SIZE(t), sizeof(t[0]), cmp_u64);
	printf("decide: kind=gpm-replan cores=%u partitions=%u median_us=%.1f\n", ncores, nparts,
	       (double)t[ARRAY_SIZE(t) / 2] / 1000.0);
	return 0;
}

/* Mean native cost of destroying and re-creating each partition in turn. */
static int run_ops(uint32_t ncores, uint32_t nparts)
{
	uint64_t tc = 0, td = 0;

	if (ncores % GPM_SOCKETS || nparts * (GPM_VCPUS + 1) > ncores)
		die("gpm-ops wants cores a multiple of 8 and cores >= 4 * partitions");
	gpm_setup(ncores, nparts);
	for (uint32_t p = 0; p < nparts; p++) {
		struct gpm_request r;
		uint32_t out;

		memset(&r, 0, sizeof(r));
		r.vcpus = GPM_VCPUS;
		r.weight = 1;
		r.colocate = GPM_COLOC_SOCKET;
		uint64_t t0 = now_ns();
		if (gpm_destroy(&gpm, p) < 0)
			die("gpm_destroy failed");
		uint64_t t1 = now_ns();
		if (gpm_create(&gpm, &r, &out) < 0 || out != p)
			die("gpm_create failed");
		td += t1 - t0;
		tc += now_ns() - t1;
	}
	printf("decide: kind=gpm-ops cores=%u partitions=%u create_us=%.2f destroy_us=%.2f\n",
	       ncores, nparts, (double)tc / nparts / 1000.0, (double)td / nparts / 1000.0);
	return 0;
}

/* ---- driver ---- */

struct kind {
	const char *name;
	void (*decide)(uint32_t c);
	void (*warm)(uint32_t c);
	uint32_t warm_rounds;	  /* warm-up decisions per core */
	void (*prep)(uint32_t c); /* before each decision, not counted, or NULL */
};

static const struct kind kinds[] = {
	{ "cypress-part", decide_cypress_part, warm_cypress_part, 2, cy_part_halt },
	{ "cypress-ts", decide_cypress_ts, warm_cypress_ts, 2 * TS_VCPUS, NULL },
	{ "remote-wake", decide_remote_wake, warm_remote_wake, 2, rw_prep },
	{ "shared-rq", decide_shared_rq, warm_shared_rq, 2 * TS_VCPUS, NULL },
	{ "credit-steal", decide_credit_steal, warm_credit_steal, 2, NULL },
	{ "steal-scan", decide_steal_scan, warm_steal_scan, 2, NULL },
};

/* ---- --threads 2: native time with two host threads ---- */

struct thr_arg {
	uint32_t id, d;
	bool rw; /* remote-wake, else shared-rq */
};

static _Atomic uint32_t thr_go;

static void *thr_main(void *p)
{
	const struct thr_arg *a = p;

	while (!atomic_load(&thr_go))
		sched_yield();
	if (a->rw && a->id == 0) {
		for (uint32_t i = 0; i < a->d; i++)
			rw_send(0, 1);
	} else if (a->rw) {
		for (uint32_t got = 0; got < a->d;) {
			uint32_t n = rw_handle(1);
			got += n;
			rw_halt(1);
			if (!n)
				sched_yield(); /* the host may have fewer free CPUs than 2 */
		}
	} else {
		for (uint32_t i = 0; i < a->d / 2; i++)
			srq_body(a->id);
	}
	return NULL;
}

/* Time d decisions on one thread, both roles in turn; ns per decision. */
static double run_one_thread(bool is_rw, uint32_t d)
{
	uint64_t t0 = now_ns();

	for (uint32_t i = 0; i < d; i++) {
		if (is_rw) {
			rw_send(0, 1);
			rw_handle(1);
			rw_halt(1);
		} else {
			srq_body(i & 1);
		}
	}
	return (double)(now_ns() - t0) / d;
}

/* Time d decisions split over two threads; returns ns per decision. */
static double run_threads(bool is_rw, uint32_t d)
{
	pthread_t t[2];
	struct thr_arg a[2] = { { 0, d, is_rw }, { 1, d, is_rw } };
	uint64_t t0;

	atomic_store(&thr_go, 0);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thr_main, &a[i]))
			die("pthread_create failed");
	t0 = now_ns();
	atomic_store(&thr_go, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return (double)(now_ns() - t0) / d;
}

static uint32_t parse_u32(const char *s, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > (1u << 24)) {
		fprintf(stderr, "decide: %s '%s' is not a number in 1..%u\n", what, s, 1u << 24);
		exit(1);
	}
	return (uint32_t)v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decide <kind> <cores> <decisions>\n"
		"       decide remote-wake|shared-rq <cores> <decisions> --threads 1|2\n"
		"       decide gpm-replan <cores> <partitions> [--time]\n"
		"       decide gpm-ops <cores> <partitions>\n"
		"       decide gpm-bench\n"
		"kinds: cypress-part cypress-ts remote-wake shared-rq credit-steal steal-scan\n");
}

int main(int argc, char **argv)
{
	const struct kind *k = NULL;
	uint32_t n, d;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "gpm-replan")) {
		bool timed = argc == 5 && !strcmp(argv[4], "--time");

		if (argc > 5 || (argc == 5 && !timed)) {
			usage(stderr);
			return 1;
		}
		return run_replan(parse_u32(argv[2], "cores"), parse_u32(argv[3], "partitions"),
				  timed);
	}
	if (argc == 2 && !strcmp(argv[1], "gpm-bench")) {
		static const uint32_t np[] = { 64, 256, 1024 };

		for (size_t i = 0; i < ARRAY_SIZE(np); i++) {
			run_replan(4096, np[i], true);
			run_ops(4096, np[i]);
		}
		for (size_t i = 0; i < ARRAY_SIZE(np); i++) {
			run_replan(4 * np[i], np[i], true);
			run_ops(4 * np[i], np[i]);
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "gpm-ops"))
		return run_ops(parse_u32(argv[2], "cores"), parse_u32(argv[3], "partitions"));
	bool threads = argc == 6 && !strcmp(argv[4], "--threads") &&
		       (!strcmp(argv[5], "1") || !strcmp(argv[5], "2"));
	if (argc != 4 && !threads) {
		usage(stderr);
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(argv[1], kinds[i].name))
			k = &kinds[i];
	if (!k) {
		fprintf(stderr, "decide: unknown kind '%s'\n", argv[1]);
		usage(stderr);
		return 1;
	}
	n = parse_u32(argv[2], "cores");
	d = parse_u32(argv[3], "decisions");

	if (k->decide == decide_cypress_part)
		cy_setup(n, &sched_noop_ops, 1);
	else if (k->decide == decide_cypress_ts)
		cy_setup(n, &sched_fair_ops, TS_VCPUS);
	else if (k->decide == decide_remote_wake)
		rw_setup(n < 2 ? 2 : n);
	else if (k->decide == decide_shared_rq)
		srq_setup(n < 2 ? 2 : n);
	else
		cs_setup(n);

	if (threads) {
		double t[5];
		if (k->decide != decide_remote_wake && k->decide != decide_shared_rq)
			die("--threads is for remote-wake and shared-rq");
		for (size_t i = 0; i < ARRAY_SIZE(t); i++)
			t[i] = argv[5][0] == '2' ?
				       run_threads(k->decide == decide_remote_wake, d) :
				       run_one_thread(k->decide == decide_remote_wake, d);
		qsort(t, ARRAY_SIZE(t), sizeof(t[0]), cmp_double);
		printf("decide: kind=%s cores=%u decisions=%u threads=%s ns_per_decision=%.1f\n",
		       k->name, n, d, argv[5], t[ARRAY_SIZE(t) / 2]);
		return 0;
	}
	for (uint32_t r = 0; r < k->warm_rounds; r++)
		for (uint32_t c = 0; c < n; c++) {
			if (k->prep)
				k->prep(c);
			k->warm(c);
		}
	for (uint32_t i = 0, c = 0; i < d; i++) {
		if (k->prep)
			k->prep(c);
		k->decide(c);
		c = c + 1 == n ? 0 : c + 1;
	}
	printf("decide: kind=%s cores=%u decisions=%u\n", k->name, n, d);
	return 0;
}
