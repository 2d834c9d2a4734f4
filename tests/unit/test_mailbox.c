// SPDX-License-Identifier: MIT
/*
 * Unit tests for the cross-core mailbox: FIFO, full handling, wraparound,
 * stalled senders, and multi-threaded floods and token rings.
 * Environment: hosted unit tests only (cmocka + pthreads).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/errno.h"
#include "lib/mailbox.h"
#include "tests/unit/fake_console.h"

/* Static, so the 64-byte alignment the type asks for is honoured. */
static struct mailbox mb;

static struct mbox_msg make_msg(uint32_t from, uint64_t n)
{
	struct mbox_msg m = {
		.type = (uint16_t)(0x100 + (n & 0xff)),
		.flags = (uint16_t)(n >> 8),
		.from = from,
		.arg = { n, ~n, n * 0x9e3779b97f4a7c15ull + from },
	};
	return m;
}

static void assert_msg(const struct mbox_msg *m, uint32_t from, uint64_t n)
{
	struct mbox_msg want = make_msg(from, n);

	assert_int_equal(m->type, want.type);
	assert_int_equal(m->flags, want.flags);
	assert_int_equal(m->from, want.from);
	assert_int_equal(m->arg[0], want.arg[0]);
	assert_int_equal(m->arg[1], want.arg[1]);
	assert_int_equal(m->arg[2], want.arg[2]);
}

static int setup(void **state)
{
	(void)state;
	memset(&mb, 0x5a, sizeof(mb)); /* garbage: mbox_init must clear it */
	mbox_init(&mb);
	console_capture_reset();
	return 0;
}

static void test_init_empty(void **state)
{
	struct mbox_msg m;

	(void)state;
	assert_true(mbox_empty(&mb));
	assert_false(mbox_recv(&mb, &m));
	assert_int_equal(mb.sent, 0);
	assert_int_equal(mb.received, 0);
	assert_int_equal(mb.full, 0);
	assert_true(((uintptr_t)&mb.recv_pos - (uintptr_t)&mb.send_pos) >= MBOX_CACHELINE);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_fifo_single_thread(void **state)
{
	struct mbox_msg m;

	(void)state;
	for (uint64_t i = 0; i < 10; i++) {
		m = make_msg(3, i);
		assert_int_equal(mbox_send(&mb, &m), 0);
		assert_false(mbox_empty(&mb));
	}
	for (uint64_t i = 0; i < 10; i++) {
		assert_true(mbox_recv(&mb, &m));
		assert_msg(&m, 3, i);
	}
	assert_false(mbox_recv(&mb, &m));
	assert_true(mbox_empty(&mb));
	assert_int_equal(mb.sent, 10);
	assert_int_equal(mb.received, 10);
	assert_int_equal(mb.full, 0);
}

static void test_fill_then_full(void **state)
{
	struct mbox_msg m;

	(void)state;
	for (uint64_t i = 0; i < MBOX_SLOTS; i++) {
		m = make_msg(1, i);
		assert_int_equal(mbox_send(&mb, &m), 0);
	}
	m = make_msg(1, 999);
	assert_int_equal(mbox_send(&mb, &m), -E_FULL);
	assert_int_equal(mbox_send(&mb, &m), -E_FULL);
	assert_int_equal(mb.full, 2);
	assert_int_equal(mb.sent, MBOX_SLOTS);

	/* Nothing was overwritten: the oldest message is still message 0. */
	assert_true(mbox_recv(&mb, &m));
	assert_msg(&m, 1, 0);
	/* One cell freed: exactly one more send fits. */
	m = make_msg(1, MBOX_SLOTS);
	assert_int_equal(mbox_send(&mb, &m), 0);
	assert_int_equal(mbox_send(&mb, &m), -E_FULL);
	assert_int_equal(mb.full, 3);

	for (uint64_t i = 1; i <= MBOX_SLOTS; i++) {
		assert_true(mbox_recv(&mb, &m));
		assert_msg(&m, 1, i);
	}
	assert_false(mbox_recv(&mb, &m));
	assert_int_equal(mb.sent, MBOX_SLOTS + 1);
	assert_int_equal(mb.received, MBOX_SLOTS + 1);
}

static void test_wraparound(void **state)
{
	struct mbox_msg m;
	uint64_t sent = 0, got = 0;

	(void)state;
	/* Batches of every size 1..MBOX_SLOTS, many laps, odd offsets. */
	for (int round = 0; round < 300; round++) {
		unsigned int batch = 1 + (unsigned int)(round * 37) % MBOX_SLOTS;

		batch = MIN(batch, MBOX_SLOTS - (unsigned int)(sent - got));

		for (unsigned int i = 0; i < batch; i++) {
			m = make_msg(7, sent);
			assert_int_equal(mbox_send(&mb, &m), 0);
			sent++;
		}
		/* Leave a few behind sometimes so the ring offset drifts. */
		unsigned int take = round % 3 ? batch : batch / 2;
		for (unsigned int i = 0; i < take; i++) {
			assert_true(mbox_recv(&mb, &m));
			assert_msg(&m, 7, got);
			got++;
		}
		while (sent - got > MBOX_SLOTS / 2) {
			assert_true(mbox_recv(&mb, &m));
			assert_msg(&m, 7, got);
			got++;
		}
	}
	while (mbox_recv(&mb, &m)) {
		assert_msg(&m, 7, got);
		got++;
	}
	assert_int_equal(got, sent);
	assert_true(sent > 20 * MBOX_SLOTS);
	assert_int_equal(mb.sent, sent);
	assert_int_equal(mb.received, got);
	assert_int_equal(mb.full, 0);
	assert_true(mbox_empty(&mb));
}

static void test_zero_filled_is_valid(void **state)
{
	static struct mailbox zero; /* never passed to mbox_init */
	struct mbox_msg m;

	(void)state;
	assert_true(mbox_empty(&zero));
	for (uint64_t i = 0; i < 3 * MBOX_SLOTS; i++) {
		m = make_msg(2, i);
		assert_int_equal(mbox_send(&zero, &m), 0);
		assert_true(mbox_recv(&zero, &m));
		assert_msg(&m, 2, i);
	}
	for (uint64_t i = 0; i < MBOX_SLOTS; i++) {
		m = make_msg(2, i);
		assert_int_equal(mbox_send(&zero, &m), 0);
	}
	assert_int_equal(mbox_send(&zero, &m), -E_FULL);
}

static void test_null_arguments(void **state)
{
	struct mbox_msg m = make_msg(0, 0);

	(void)state;
	assert_int_equal(mbox_send(NULL, &m), -E_INVAL);
	assert_true(console_capture_has("mbox: send with NULL mailbox (ignored)\n"));
	assert_int_equal(mbox_send(&mb, NULL), -E_INVAL);
	assert_true(console_capture_has("mbox: send with NULL message (ignored)\n"));
	assert_false(mbox_recv(NULL, &m));
	assert_true(console_capture_has("mbox: recv with NULL mailbox (ignored)\n"));
	assert_false(mbox_recv(&mb, NULL));
	assert_true(console_capture_has("mbox: recv with NULL output (ignored)\n"));
	assert_int_equal(console_capture_lines(), 4);
	assert_true(mbox_empty(NULL));
	assert_int_equal(mb.sent, 0);
	assert_int_equal(mb.full, 0);
}

/*
 * White-box: a sender that claimed position 0 and stalled before
 * publishing. The owner must see nothing (never a half-written cell), other
 * senders must carry on until the ring wraps onto the stalled cell, and
 * once the stalled sender publishes everything arrives in position order.
 */
static void test_stalled_sender(void **state)
{
	struct mbox_msg m;

	(void)state;
	/* The claim step of mbox_send, done by hand. */
	__atomic_store_n(&mb.send_pos, 1, __ATOMIC_RELAXED);
	memset(&mb.cell[0].msg, 0xee, sizeof(mb.cell[0].msg)); /* "half-written" */

	for (uint64_t i = 1; i < MBOX_SLOTS; i++) {
		m = make_msg(5, i);
		assert_int_equal(mbox_send(&mb, &m), 0);
	}
	assert_false(mbox_recv(&mb, &m));
	assert_true(mbox_empty(&mb));
	/* The ring has wrapped onto the stalled cell: full, not blocked. */
	m = make_msg(5, 1000);
	assert_int_equal(mbox_send(&mb, &m), -E_FULL);
	assert_int_equal(mb.full, 1);

	/* The publish step of mbox_send, done by hand (lap 0, so seq 1). */
	mb.cell[0].msg = make_msg(5, 0);
	__atomic_store_n(&mb.cell[0].seq, 1, __ATOMIC_RELEASE);
	assert_false(mbox_empty(&mb));

	for (uint64_t i = 0; i < MBOX_SLOTS; i++) {
		assert_true(mbox_recv(&mb, &m));
		assert_msg(&m, 5, i);
	}
	assert_false(mbox_recv(&mb, &m));
	assert_int_equal(mb.received, MBOX_SLOTS);
}

/*
 * A lost message would make a receiver wait forever; give up after this
 * long without progress so the test fails instead of hanging.
 */
#define STALL_LIMIT_NS (10ull * 1000 * 1000 * 1000)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int gave_up;

/* Called by a receiver that found nothing; true once it should give up. */
static bool stalled(uint64_t *since)
{
	uint64_t t = now_ns();

	if (__atomic_load_n(&gave_up, __ATOMIC_RELAXED))
		return true;
	if (*since == 0)
		*since = t;
	if (t - *since < STALL_LIMIT_NS)
		return false;
	__atomic_store_n(&gave_up, 1, __ATOMIC_RELAXED);
	return true;
}

/* ---- flood: many producers, one consumer ---- */

#define FLOOD_PRODUCERS	   8
#define FLOOD_PER_PRODUCER 200000u

struct flood_producer {
	pthread_t thread;
	uint32_t id;
	uint64_t fulls; /* -E_FULL results seen by this producer */
	uint64_t other_errors;
};

static struct flood_producer producers[FLOOD_PRODUCERS];
static uint64_t flood_bad_order, flood_bad_content, flood_bad_from;
static uint64_t flood_next[FLOOD_PRODUCERS];
static int flood_go;

static void *flood_producer_main(void *arg)
{
	struct flood_producer *p = arg;

	while (!__atomic_load_n(&flood_go, __ATOMIC_ACQUIRE))
		sched_yield();
	for (uint64_t n = 0; n < FLOOD_PER_PRODUCER; n++) {
		struct mbox_msg m = make_msg(p->id, n);
		int rc;

		while ((rc = mbox_send(&mb, &m)) != 0) {
			if (rc == -E_FULL)
				p->fulls++;
			else
				p->other_errors++;
			if (__atomic_load_n(&gave_up, __ATOMIC_RELAXED))
				return NULL;
			sched_yield();
		}
	}
	return NULL;
}

static void *flood_consumer_main(void *arg)
{
	const uint64_t total = (uint64_t)FLOOD_PRODUCERS * FLOOD_PER_PRODUCER;
	uint64_t got = 0, idle_since = 0;
	struct mbox_msg m;

	(void)arg;
	__atomic_store_n(&flood_go, 1, __ATOMIC_RELEASE);
	while (got < total) {
		if (!mbox_recv(&mb, &m)) {
			if (stalled(&idle_since))
				break;
			sched_yield();
			continue;
		}
		idle_since = 0;
		got++;
		if (m.from >= FLOOD_PRODUCERS) {
			flood_bad_from++;
			continue;
		}
		if (m.arg[0] != flood_next[m.from])
			flood_bad_order++;
		struct mbox_msg want = make_msg(m.from, m.arg[0]);
		if (memcmp(&want, &m, sizeof(m)) != 0)
			flood_bad_content++;
		flood_next[m.from] = m.arg[0] + 1;
	}
	return NULL;
}

static void test_flood_many_producers(void **state)
{
	pthread_t consumer;
	uint64_t fulls = 0;
	struct mbox_msg m;

	(void)state;
	gave_up = 0;
	flood_bad_order = flood_bad_content = flood_bad_from = 0;
	memset(flood_next, 0, sizeof(flood_next));
	for (uint32_t i = 0; i < FLOOD_PRODUCERS; i++) {
		producers[i] = (struct flood_producer){ .id = i };
		assert_int_equal(pthread_create(&producers[i].thread, NULL, flood_producer_main,
						&producers[i]),
				 0);
	}
	assert_int_equal(pthread_create(&consumer, NULL, flood_consumer_main, NULL), 0);
	for (uint32_t i = 0; i < FLOOD_PRODUCERS; i++) {
		assert_int_equal(pthread_join(producers[i].thread, NULL), 0);
		assert_int_equal(producers[i].other_errors, 0);
		fulls += producers[i].fulls;
	}
	assert_int_equal(pthread_join(consumer, NULL), 0);
	assert_int_equal(gave_up, 0);

	assert_int_equal(flood_bad_from, 0);
	assert_int_equal(flood_bad_order, 0);
	assert_int_equal(flood_bad_content, 0);
	for (uint32_t i = 0; i < FLOOD_PRODUCERS; i++)
		assert_int_equal(flood_next[i], FLOOD_PER_PRODUCER);
	assert_false(mbox_recv(&mb, &m)); /* nothing extra */
	assert_int_equal(mb.sent, (uint64_t)FLOOD_PRODUCERS * FLOOD_PER_PRODUCER);
	assert_int_equal(mb.received, mb.sent);
	assert_int_equal(mb.full, fulls);
	print_message("flood: %llu messages, %llu -E_FULL retries\n", (unsigned long long)mb.sent,
		      (unsigned long long)fulls);
}

/* ---- token ring: each thread owns a mailbox and forwards to the next ---- */

#define RING_THREADS 8
#define RING_ROUNDS  20000u

struct ring_node {
	pthread_t thread;
	uint32_t id;
	uint64_t received;
	uint64_t bad_from;
	uint64_t fulls;
};

static struct mailbox ring_mb[RING_THREADS];
static struct ring_node ring_node[RING_THREADS];
static uint64_t ring_final_hops[MBOX_SLOTS];
static unsigned int ring_tokens;
static unsigned int ring_retired;

/* arg[0] = hops so far, arg[1] = token id. A token retires after K*M hops. */
static void *ring_main(void *arg)
{
	struct ring_node *me = arg;
	const uint64_t goal = (uint64_t)RING_THREADS * RING_ROUNDS;
	uint32_t prev = (me->id + RING_THREADS - 1) % RING_THREADS;
	uint64_t idle_since = 0;
	struct mbox_msg m;

	while (__atomic_load_n(&ring_retired, __ATOMIC_ACQUIRE) < ring_tokens) {
		if (!mbox_recv(&ring_mb[me->id], &m)) {
			if (stalled(&idle_since))
				break;
			sched_yield();
			continue;
		}
		idle_since = 0;
		me->received++;
		if (m.from != prev)
			me->bad_from++;
		m.arg[0]++;
		if (m.arg[1] >= ring_tokens) {
			me->bad_from++; /* corrupted token id; cannot forward it */
			continue;
		}
		if (m.arg[0] >= goal) {
			ring_final_hops[m.arg[1]] = m.arg[0];
			__atomic_fetch_add(&ring_retired, 1, __ATOMIC_RELEASE);
			continue;
		}
		m.from = me->id;
		while (mbox_send(&ring_mb[(me->id + 1) % RING_THREADS], &m) == -E_FULL) {
			me->fulls++;
			if (__atomic_load_n(&gave_up, __ATOMIC_RELAXED))
				return NULL;
			sched_yield();
		}
	}
	return NULL;
}

static void run_ring(unsigned int tokens)
{
	struct mbox_msg m;

	ring_tokens = tokens;
	ring_retired = 0;
	gave_up = 0;
	for (unsigned int i = 0; i < RING_THREADS; i++)
		mbox_init(&ring_mb[i]);
	/* Inject every token before starting, as if sent by the predecessor. */
	for (unsigned int t = 0; t < tokens; t++) {
		unsigned int to = t % RING_THREADS;

		ring_final_hops[t] = 0;
		m = (struct mbox_msg){ .type = 1,
				       .from = (to + RING_THREADS - 1) % RING_THREADS,
				       .arg = { 0, t, 0 } };
		assert_int_equal(mbox_send(&ring_mb[to], &m), 0);
	}
	for (uint32_t i = 0; i < RING_THREADS; i++) {
		ring_node[i] = (struct ring_node){ .id = i };
		assert_int_equal(
			pthread_create(&ring_node[i].thread, NULL, ring_main, &ring_node[i]), 0);
	}
	for (unsigned int i = 0; i < RING_THREADS; i++)
		assert_int_equal(pthread_join(ring_node[i].thread, NULL), 0);
	assert_int_equal(gave_up, 0);

	for (unsigned int t = 0; t < tokens; t++)
		assert_int_equal(ring_final_hops[t], (uint64_t)RING_THREADS * RING_ROUNDS);
	for (unsigned int i = 0; i < RING_THREADS; i++) {
		/* Every token visited every node exactly RING_ROUNDS times. */
		assert_int_equal(ring_node[i].received, (uint64_t)tokens * RING_ROUNDS);
		assert_int_equal(ring_node[i].bad_from, 0);
		assert_int_equal(ring_node[i].fulls, 0); /* tokens <= MBOX_SLOTS */
		assert_int_equal(ring_mb[i].received, ring_mb[i].sent);
		assert_true(mbox_empty(&ring_mb[i]));
	}
}

static void test_ring_one_token(void **state)
{
	(void)state;
	run_ring(1);
}

static void test_ring_many_tokens(void **state)
{
	(void)state;
	run_ring(3 * RING_THREADS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_empty, setup),
		cmocka_unit_test_setup(test_fifo_single_thread, setup),
		cmocka_unit_test_setup(test_fill_then_full, setup),
		cmocka_unit_test_setup(test_wraparound, setup),
		cmocka_unit_test_setup(test_zero_filled_is_valid, setup),
		cmocka_unit_test_setup(test_null_arguments, setup),
		cmocka_unit_test_setup(test_stalled_sender, setup),
		cmocka_unit_test_setup(test_flood_many_producers, setup),
		cmocka_unit_test_setup(test_ring_one_token, setup),
		cmocka_unit_test_setup(test_ring_many_tokens, setup),
	};

	/* A livelocked send would spin forever: kill the run instead. */
	alarm(60);
	return cmocka_run_group_tests(tests, 0, NULL);
}
