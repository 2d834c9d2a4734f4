// SPDX-License-Identifier: MIT
/*
 * pvos: the workload mix and its invariants.
 *   spin:    takes a workload spin lock (struct ylock), bumps a counter it
 *            protects with a non-atomic read-modify-write stretched over a
 *            short loop, releases it;
 *   block:   takes a blocking lock, does the same with a yield inside the
 *            critical section (so others sleep on the lock), releases it;
 *   compute: hashes, recording the TSC it saw last (the SA upcall reads it),
 *            and every SHOOT_EVERY rounds asks for a shootdown.
 * Invariants checked by work_stop(): every thread ends (none lost on a queue,
 * a moved vCPU or an offlined one), the other kernel threads too; each lock's counter equals the sum of its threads'
 * operations (no lost update: the locks excluded each other); the blocking
 * lock was slept on; every shootdown was acked by every online cpu.
 * Environment: pvos kernel, threads.
 */
#include "tests/guests/pvos/kern.h"

#define KINDS	    3
#define MAX_PER	    3
#define SHOOT_EVERY 8

static struct ylock slock;
static struct mutex mlock;
static volatile uint32_t spin_count, block_count, stop;
static struct thread *workers[KINDS][MAX_PER];
static uint32_t nper;
static volatile uint32_t hash_sink;

/* A critical section long enough for a preemption to land inside it. */
static void bump(volatile uint32_t *counter, bool may_yield)
{
	uint32_t v = *counter;

	for (int i = 0; i < 50; i++)
		cpu_relax();
	if (may_yield)
		yield();
	*counter = v + 1;
}

static void spin_thread(void *arg)
{
	struct thread *me = cur_thread();

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		ylock_lock(&slock);
		bump(&spin_count, false);
		ylock_unlock(&slock);
		me->ops++;
		yield();
	}
}

static void block_thread(void *arg)
{
	struct thread *me = cur_thread();

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		mutex_lock(&mlock);
		bump(&block_count, true);
		mutex_unlock(&mlock);
		cur_thread()->ops++;
		yield();
	}
	(void)me;
}

static void compute_thread(void *arg)
{
	uint32_t x = (uint32_t)(uintptr_t)arg * 2654435761u + 1, rounds = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < 200; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			cur_thread()->last_tsc = rdtsc();
		}
		/* Outside the loop (shootdown waits, yields) the TSC goes stale:
		 * an SA upcall landing there is no gap sample. */
		cur_thread()->last_tsc = 0;
		hash_sink = x;
		cur_thread()->ops++;
		if (++rounds % SHOOT_EVERY == 0)
			shootdown();
		yield();
	}
}

void work_start(uint32_t per_kind)
{
	static const char *const names[KINDS] = { "spin", "block", "compute" };
	void (*const fns[KINDS])(void *) = { spin_thread, block_thread, compute_thread };

	nper = per_kind > MAX_PER ? MAX_PER : per_kind;
	stop = 0;
	for (uint32_t k = 0; k < KINDS; k++)
		for (uint32_t i = 0; i < nper; i++) {
			workers[k][i] = thread_create(names[k], fns[k], (void *)(uintptr_t)(i + 1),
						      (k * nper + i) % ncpus);
			if (!workers[k][i])
				error("no thread left for %s %u", names[k], i);
		}
}

bool work_stop(char *summary, size_t len)
{
	uint32_t ops[KINDS] = { 0 }, migr = 0, lost = 0;
	bool ok = true;

	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	uint64_t end = tsc_after_us(300 * 1000);
	for (uint32_t k = 0; k < KINDS; k++)
		for (uint32_t i = 0; i < nper; i++) {
			struct thread *t = workers[k][i];

			if (!t)
				continue;
			while (t->state != T_DONE && rdtsc() < end)
				yield();
			if (t->state != T_DONE) {
				lost++;
				fail("thread %u (%s) did not end: state %u on cpu %d", t->id,
				     t->name, t->state, t->cpu);
			}
			ops[k] += t->ops;
			migr += t->migrations;
		}
	/* Every other thread (balloond) must have ended too: the census. */
	for (uint32_t i = 0; i < NTHREAD; i++) {
		struct thread *t = &threads[i];

		if (t == cur_thread() || t->state == T_FREE)
			continue;
		while (t->state != T_DONE && rdtsc() < end)
			yield();
		if (t->state != T_DONE) {
			lost++;
			fail("thread %u (%s) did not end: state %u on cpu %d", t->id, t->name,
			     t->state, t->cpu);
		}
	}
	if (spin_count != ops[0]) {
		ok = false;
		fail("spin lock counter %u, its threads did %u operations", spin_count, ops[0]);
	}
	if (block_count != ops[1]) {
		ok = false;
		fail("blocking lock counter %u, its threads did %u operations", block_count,
		     ops[1]);
	}
	if (nper > 1 && ops[1] > 4 && !mlock.blocked) {
		ok = false;
		fail("nobody ever slept on the blocking lock (%u operations)", ops[1]);
	}
	if (shoot_missed)
		ok = false;
	uint32_t steals = 0;
	for (uint32_t i = 0; i < ncpus; i++)
		steals += cpus[i].steals;
	gsnprintf(summary, len,
		  "spin %u ops (contended %u), block %u ops (slept %u), compute %u ops, "
		  "shootdowns %u (missed %u), thread migrations %u (%u steals), lost %u",
		  ops[0], slock.contended, ops[1], mlock.blocked, ops[2], shoot_done, shoot_missed,
		  migr, steals, lost);
	return ok && !lost;
}
