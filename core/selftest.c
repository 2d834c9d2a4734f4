// SPDX-License-Identifier: MIT
/*
 * Boot self-tests of the cross-core machinery: a token passed around a ring
 * of every core, every core flooding one core's mailbox, and every core's
 * one-shot timer. They run with the real mailboxes, IPIs and timers, so a
 * pass here means the mechanisms later scheduling work relies on work.
 * Environment: freestanding hypervisor; the driver runs on the boot core,
 * the handlers on whichever core receives the message.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "core/msg.h"
#include "core/selftest.h"
#include "core/vcore.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define RING_LAPS	3
#define FLOOD_PER_CPU	500	/* x63 senders still keeps a 64-slot mailbox full */
#define TEST_TIMEOUT_US 5000000 /* without any progress */

/* Written only by the boot core (in its handlers or its driver loop). */
static volatile uint64_t ring_hops_seen;
static volatile bool ring_done;
static uint64_t flood_next[CONFIG_MAX_CPUS]; /* expected sequence per sender */
static volatile uint64_t flood_received, flood_bad, done_count, done_sum, done_min, done_max;

static uint32_t next_online(uint32_t id)
{
	for (uint32_t i = 1; i <= pcpu_count; i++) {
		uint32_t c = (id + i) % pcpu_count;
		struct pcpu *p = pcpu_by_id[c];
		if (p && __atomic_load_n(&p->shared.state, __ATOMIC_ACQUIRE) == PCPU_ONLINE)
			return c;
	}
	return id;
}

/* Send, retrying while the target's mailbox is full; counts the retries. */
static int send_retry(uint32_t cpu, uint16_t type, uint64_t a0, uint64_t a1, uint64_t a2,
		      uint64_t *fulls)
{
	int rc;

	while ((rc = msg_send(cpu, type, a0, a1, a2)) == -E_FULL) {
		(*fulls)++;
		if (cpu == this_cpu_id())
			msg_poll(); /* sending to ourselves: make room */
		cpu_relax();
	}
	return rc;
}

/* arg0 = hops so far, arg1 = hops wanted. */
static void ring_handler(const struct mbox_msg *m)
{
	uint64_t hops = m->arg[0] + 1, fulls = 0;

	if (this_cpu_id() == 0 && hops >= m->arg[1]) {
		ring_hops_seen = hops;
		ring_done = true;
		return;
	}
	send_retry(next_online(this_cpu_id()), MSG_TEST_RING, hops, m->arg[1], 0, &fulls);
}

/* Runs on each sender: arg0 = target, arg1 = count. */
static void flood_start_handler(const struct mbox_msg *m)
{
	uint64_t fulls = 0;

	for (uint64_t i = 0; i < m->arg[1]; i++)
		send_retry((uint32_t)m->arg[0], MSG_TEST_FLOOD, i, 0, 0, &fulls);
	send_retry((uint32_t)m->arg[0], MSG_TEST_DONE, fulls, 0, 0, &fulls);
}

static void flood_handler(const struct mbox_msg *m)
{
	/* Per-sender FIFO: each sender's sequence must arrive in order. */
	if (m->from >= CONFIG_MAX_CPUS || m->arg[0] != flood_next[m->from])
		flood_bad++;
	else
		flood_next[m->from]++;
	flood_received++;
}

static void done_handler(const struct mbox_msg *m)
{
	done_sum += m->arg[0];
	done_min = MIN(done_min, m->arg[0]);
	done_max = MAX(done_max, m->arg[0]);
	done_count++;
}

static void done_reset(void)
{
	done_count = done_sum = done_max = 0;
	done_min = UINT64_MAX;
}

static void fault_handler(const struct mbox_msg *m)
{
	(void)m;
	(void)*(volatile uint64_t *)phys_ptr(8); /* page 0 is unmapped (arch/x86/paging.c) */
}

static void timer_fired(void *arg)
{
	*(volatile uint64_t *)arg = rdtsc();
}

/* Runs on each core: arm a one-shot of arg0 us, wait for it, report the delay. */
static void timer_test_handler(const struct mbox_msg *m)
{
	volatile uint64_t fired = 0;
	uint64_t fulls = 0, t0 = rdtsc();
	uint64_t deadline = t0 + tsc_from_us(m->arg[0] * 100 + 100000);

	timer_oneshot_us(m->arg[0], timer_fired, (void *)&fired);
	while (!fired && (int64_t)(rdtsc() - deadline) < 0)
		safe_halt();
	timer_cancel();
	uint64_t us = fired ? (fired - t0) * 1000 / tsc_khz : UINT64_MAX;
	send_retry(m->from, MSG_TEST_DONE, us, 0, 0, &fulls);
}

/*
 * Owner checks (core/vcore.c): cpu 0 tries to enqueue on cpu 1's runqueue.
 * The check must refuse it and count it; nothing on cpu 1 changes.
 */
static volatile uint32_t owner_ready;

static void owner_prep_handler(const struct mbox_msg *m)
{
	(void)m;
	vcore_prepare(); /* cpu 1 makes its own runqueue, as a vCPU core would */
	__atomic_store_n(&owner_ready, 1, __ATOMIC_RELEASE);
}

static int test_owner(uint32_t online)
{
	if (online < 2) {
		kprintf("selftest owner: SKIP needs 2 cpus\n");
		return 0;
	}
	msg_send(1, MSG_TEST_OWNER, 0, 0, 0);
	uint64_t give_up = rdtsc() + tsc_from_us(1000000);
	while (!__atomic_load_n(&owner_ready, __ATOMIC_ACQUIRE) && rdtsc() < give_up)
		cpu_relax();
	uint64_t before = vcore_owner_violations();
	int rc = owner_ready ? vcore_test_foreign_enqueue(1) : -E_TIMEOUT;
	bool ok = rc == 0 && vcore_owner_violations() == before + 1 && vcore_hosted(1) == 0;
	kprintf("selftest owner: %s cpu 0 enqueueing on cpu 1's runqueue was %s (violations %llu)\n",
		ok ? "PASS" : "FAIL", rc == 0 ? "caught and refused" : "not caught",
		(unsigned long long)vcore_owner_violations());
	return ok ? 0 : 1;
}

void selftest_register(void)
{
	msg_register(MSG_TEST_OWNER, owner_prep_handler);
	msg_register(MSG_TEST_RING, ring_handler);
	msg_register(MSG_TEST_FLOOD_START, flood_start_handler);
	msg_register(MSG_TEST_FLOOD, flood_handler);
	msg_register(MSG_TEST_DONE, done_handler);
	msg_register(MSG_TEST_TIMER, timer_test_handler);
	msg_register(MSG_TEST_FAULT, fault_handler);
}

/* Messages handled by every core so far: the tests' measure of progress. */
static uint64_t total_handled(void)
{
	uint64_t n = 0;

	for (uint32_t c = 0; c < pcpu_count; c++)
		if (pcpu_by_id[c])
			n += __atomic_load_n(&pcpu_by_id[c]->shared.msgs_handled, __ATOMIC_RELAXED);
	return n;
}

/*
 * Poll our own mailbox until cond(), giving up only after `us` without any
 * core handling a message: emulators with many virtual cores on a loaded
 * host are slow but steady, and a wall-clock bound would make that a
 * failure. A lost message still ends the wait.
 */
static bool wait_for(bool (*cond)(void), uint64_t us)
{
	uint64_t seen = total_handled();
	uint64_t deadline = rdtsc() + tsc_from_us(us);

	while (!cond()) {
		uint64_t now = total_handled();
		if (now != seen) {
			seen = now;
			deadline = rdtsc() + tsc_from_us(us);
		}
		if ((int64_t)(rdtsc() - deadline) >= 0)
			return false;
		if (!msg_poll())
			cpu_relax();
	}
	return true;
}

static uint32_t want_done;
static bool ring_cond(void)
{
	return ring_done;
}
static bool done_cond(void)
{
	return done_count >= want_done;
}

static int test_mailbox(uint32_t online)
{
	uint64_t fulls = 0;
	bool ok;

	/* Ring: RING_LAPS laps through every online core. */
	ring_done = false;
	uint64_t want = (uint64_t)RING_LAPS * online;
	send_retry(next_online(0), MSG_TEST_RING, 0, want, 0, &fulls);
	ok = wait_for(ring_cond, TEST_TIMEOUT_US) && ring_hops_seen == want;
	kprintf("selftest mailbox-ring: %s hops=%llu expected=%llu cpus=%u\n", ok ? "PASS" : "FAIL",
		(unsigned long long)ring_hops_seen, (unsigned long long)want, online);
	if (!ok)
		return 1;

	/* Flood: every other core sends FLOOD_PER_CPU messages to core 0. */
	memset(flood_next, 0, sizeof(flood_next));
	flood_received = flood_bad = 0;
	done_reset();
	want_done = 0;
	for (uint32_t c = 1; c < pcpu_count; c++)
		if (msg_send(c, MSG_TEST_FLOOD_START, 0, FLOOD_PER_CPU, 0) == 0)
			want_done++;
	ok = wait_for(done_cond, TEST_TIMEOUT_US);
	msg_poll();
	uint64_t expect = (uint64_t)want_done * FLOOD_PER_CPU;
	ok = ok && flood_received == expect && flood_bad == 0;
	kprintf("selftest mailbox-flood: %s received=%llu expected=%llu senders=%u "
		"out-of-order=%llu full-retries=%llu\n",
		ok ? "PASS" : "FAIL", (unsigned long long)flood_received,
		(unsigned long long)expect, want_done, (unsigned long long)flood_bad,
		(unsigned long long)done_sum);
	return ok ? 0 : 1;
}

static int test_timer(uint32_t online)
{
	const uint64_t us = 2000;
	uint64_t fulls = 0;

	done_reset();
	want_done = 0;
	for (uint32_t c = 0; c < pcpu_count; c++) {
		if (c == 0) {
			struct mbox_msg m = { .type = MSG_TEST_TIMER, .from = 0, .arg = { us } };
			timer_test_handler(&m);
			want_done++;
			continue;
		}
		if (send_retry(c, MSG_TEST_TIMER, us, 0, 0, &fulls) == 0)
			want_done++;
	}
	bool ok = wait_for(done_cond, TEST_TIMEOUT_US);
	/* Never early; late by at most a generous bound (emulators are slow). */
	ok = ok && done_count == online && done_min >= us && done_max < us * 50;
	kprintf("selftest timer: %s cores=%llu requested-us=%llu min-us=%llu max-us=%llu\n",
		ok ? "PASS" : "FAIL", (unsigned long long)done_count, (unsigned long long)us,
		(unsigned long long)done_min, (unsigned long long)done_max);
	return ok ? 0 : 1;
}

/*
 * The last core takes a page fault: it must print its report and stop,
 * while every other core keeps serving messages (checked with a ring).
 */
static int test_fault(uint32_t online)
{
	uint32_t victim = pcpu_count - 1;
	struct pcpu *v = pcpu_by_id[victim];

	if (online < 3 || !v) {
		kprintf("selftest fault: FAIL needs at least 3 cpus, have %u\n", online);
		return 1;
	}
	msg_send(victim, MSG_TEST_FAULT, 0, 0, 0);
	uint64_t deadline = rdtsc() + tsc_from_us(TEST_TIMEOUT_US);
	while (__atomic_load_n(&v->shared.state, __ATOMIC_ACQUIRE) != PCPU_STOPPED &&
	       (int64_t)(rdtsc() - deadline) < 0)
		cpu_relax();
	bool stopped = __atomic_load_n(&v->shared.state, __ATOMIC_ACQUIRE) == PCPU_STOPPED;
	uint64_t fulls = 0;
	ring_done = false;
	uint64_t want = (uint64_t)(online - 1);
	send_retry(next_online(0), MSG_TEST_RING, 0, want, 0, &fulls);
	bool ring = wait_for(ring_cond, TEST_TIMEOUT_US) && ring_hops_seen == want;
	bool ok = stopped && ring;
	kprintf("selftest fault: %s cpu %u stopped=%s, ring over the other %u cpus=%s\n",
		ok ? "PASS" : "FAIL", victim, stopped ? "yes" : "no", online - 1,
		ring ? "ok" : "broken");
	return ok ? 0 : 1;
}

/* True if `name` is one of the comma-separated words in `list`. */
static bool has_word(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (e ? 1 : 0);
	}
	return false;
}

int selftest_run(const char *names, uint32_t online)
{
	int fails = 0;
	bool all = has_word(names, "all");
	bool known = all;

	if (all || has_word(names, "mailbox")) {
		fails += test_mailbox(online);
		known = true;
	}
	if (all || has_word(names, "timer")) {
		fails += test_timer(online);
		known = true;
	}
	if (all || has_word(names, "owner")) {
		fails += test_owner(online);
		known = true;
	}
	if (has_word(names, "fault")) {
		fails += test_fault(online);
		known = true;
	}
	if (!known) {
		kprintf("selftest: unknown test '%s' (known: mailbox, timer, owner, fault, all)\n",
			names);
		return 1;
	}
	return fails ? 1 : 0;
}
