// SPDX-License-Identifier: MIT
/*
 * Unit tests for the pure parts of the guest library (guest-abi/libcypress.c)
 * on a fake shared area in host memory: the seq protocol (stable records,
 * bounds, a record stuck odd, no torn copy while a writer thread rewrites it),
 * the balloon fields, event taking (each bit exactly once while a thread keeps
 * setting bits), the dispatcher's bounds, and the translate hook's 4 GiB
 * refusal. No hypercall is made.
 * Environment: hosted unit tests only (cmocka, pthreads).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "guest-abi/libcypress.h"

static struct cy_shared area __attribute__((aligned(4096)));

static void fill(struct cy_shared_vcpu *r, uint32_t v)
{
	r->core.cpu = v;
	r->core.cls = v;
	r->core.capacity = v;
	r->core.freq_mhz = v;
	r->core.watts = v;
	r->core.package = v;
	r->core.core = v;
	r->core.thread = v;
	r->core.sharing = v;
	r->core.moves = v;
	r->sa_pending = v;
	r->lease_cpu = v;
	r->lease_end_tsc = (uint64_t)v << 32 | v;
}

static int setup(void **state)
{
	(void)state;
	memset(&area, 0, sizeof(area));
	area.abi = CYPRESS_ABI_VERSION;
	area.nvcpus = 3;
	for (uint32_t i = 0; i < 3; i++) {
		area.vcpu[i].seq = 2;
		fill(&area.vcpu[i], 10 + i);
	}
	return 0;
}

static void read_stable(void **state)
{
	struct cyl_vcpu_view v;

	(void)state;
	assert_int_equal(cyl_shared_read_vcpu(&area, 1, &v), 0);
	assert_int_equal(v.core.cpu, 11);
	assert_int_equal(v.core.moves, 11);
	assert_int_equal(v.lease_cpu, 11);
	assert_true(v.lease_end_tsc == ((uint64_t)11 << 32 | 11));
	assert_int_equal(v.seq, 2);
	assert_int_equal(v.retries, 0);
}

static void read_bounds(void **state)
{
	struct cyl_vcpu_view v;

	(void)state;
	assert_int_equal(cyl_shared_read_vcpu(&area, 3, &v), CY_ENOENT);
	/* A guest-visible nvcpus beyond the array is clamped, never trusted. */
	area.nvcpus = 1000;
	assert_int_equal(cyl_shared_read_vcpu(&area, CY_SHARED_VCPUS - 1, &v), 0);
	assert_int_equal(cyl_shared_read_vcpu(&area, CY_SHARED_VCPUS, &v), CY_ENOENT);
}

static void read_stuck_odd(void **state)
{
	struct cyl_vcpu_view v;

	(void)state;
	area.vcpu[0].seq = 3;
	assert_int_equal(cyl_shared_read_vcpu(&area, 0, &v), CY_EBUSY);
	assert_int_equal(v.retries, CYL_SEQ_TRIES);
}

/* The hypervisor's write protocol (core/shared.c): odd, fields, even. */
static volatile int writer_stop;

static void *writer(void *arg)
{
	struct cy_shared_vcpu *r = arg;
	uint32_t seq = r->seq, v = 0;

	while (!writer_stop) {
		__atomic_store_n(&r->seq, ++seq, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		v++;
		fill(r, v);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		__atomic_store_n(&r->seq, ++seq, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void read_concurrent(void **state)
{
	struct cyl_vcpu_view v;
	pthread_t t;
	uint32_t retried = 0;

	(void)state;
	writer_stop = 0;
	assert_int_equal(pthread_create(&t, NULL, writer, &area.vcpu[2]), 0);
	for (int i = 0; i < 50000; i++) {
		int32_t rc = cyl_shared_read_vcpu(&area, 2, &v);

		if (rc == CY_EBUSY)
			continue; /* the writer can starve a reader; not a torn copy */
		assert_int_equal(rc, 0);
		assert_int_equal(v.seq & 1, 0);
		uint32_t x = v.core.cpu;
		/* Every field from the same write. */
		assert_int_equal(v.core.cls, x);
		assert_int_equal(v.core.thread, x);
		assert_int_equal(v.core.moves, x);
		assert_int_equal(v.sa_pending, x);
		assert_int_equal(v.lease_cpu, x);
		assert_true(v.lease_end_tsc == ((uint64_t)x << 32 | x));
		retried += v.retries;
	}
	writer_stop = 1;
	pthread_join(t, NULL);
	print_message("libcypress: %u retries over 50000 reads\n", retried);
}

static void balloon(void **state)
{
	struct cyl_balloon b;

	(void)state;
	area.balloon_target = 2;
	area.balloon_seq = 5;
	area.balloon_wait_ms = 100;
	cyl_balloon_read(&area, &b);
	assert_int_equal(b.target, 2);
	assert_int_equal(b.seq, 5);
	assert_int_equal(b.wait_ms, 100);
}

static void events_take(void **state)
{
	(void)state;
	area.events = CY_EV_BALLOON | CY_EV_EXCHANGE;
	area.vcpu[1].events = CY_EV_LEASE_ENDING;
	assert_int_equal(cyl_events_take_partition(&area), CY_EV_BALLOON | CY_EV_EXCHANGE);
	assert_int_equal(area.events, 0);
	assert_int_equal(cyl_events_take_partition(&area), 0);
	assert_int_equal(cyl_events_take_vcpu(&area, 1), CY_EV_LEASE_ENDING);
	assert_int_equal(cyl_events_take_vcpu(&area, 1), 0);
	assert_int_equal(cyl_events_take_vcpu(&area, CY_SHARED_VCPUS), 0);
}

static void events_dispatch(void **state)
{
	struct cyl_events e;

	(void)state;
	area.events = CY_EV_BALLOON;
	area.vcpu[0].events = CY_EV_CORE;
	area.vcpu[2].events = CY_EV_LEASE_ENDED;
	area.vcpu[3].events = CY_EV_CORE; /* beyond nvcpus: left alone */
	assert_int_equal(cyl_events_dispatch(&area, 8, &e),
			 CY_EV_BALLOON | CY_EV_CORE | CY_EV_LEASE_ENDED);
	assert_int_equal(e.partition, CY_EV_BALLOON);
	assert_int_equal(e.vcpu[0], CY_EV_CORE);
	assert_int_equal(e.vcpu[1], 0);
	assert_int_equal(e.vcpu[2], CY_EV_LEASE_ENDED);
	assert_int_equal(e.vcpu[3], 0);
	assert_int_equal(area.vcpu[3].events, CY_EV_CORE);
	assert_int_equal(area.vcpu[2].events, 0);
	/* The caller's own bound counts too. */
	area.vcpu[2].events = CY_EV_CORE;
	assert_int_equal(cyl_events_dispatch(&area, 2, &e), 0);
	assert_int_equal(area.vcpu[2].events, CY_EV_CORE);
}

/* A setter ORs bits 0..5 in turn, NSETS times; the taker must see each set exactly once. */
#define NSETS 100000
static void *setter(void *arg)
{
	uint32_t *w = arg;

	for (int i = 0; i < NSETS; i++) {
		uint32_t bit = 1u << (i % 6);

		/* Wait until the previous instance of this bit was taken. */
		while (__atomic_load_n(w, __ATOMIC_ACQUIRE) & bit)
			;
		__atomic_fetch_or(w, bit, __ATOMIC_ACQ_REL);
	}
	return NULL;
}

static void events_concurrent(void **state)
{
	pthread_t t;
	uint64_t seen = 0;

	(void)state;
	area.vcpu[0].events = 0;
	assert_int_equal(pthread_create(&t, NULL, setter, (void *)&area.vcpu[0].events), 0);
	while (seen < NSETS)
		seen += (uint64_t)__builtin_popcount(cyl_events_take_vcpu(&area, 0));
	pthread_join(t, NULL);
	assert_int_equal(seen, NSETS);
	assert_int_equal(cyl_events_take_vcpu(&area, 0), 0);
}

static uint64_t high_translate(const void *p)
{
	return (uint64_t)(uintptr_t)p | (1ull << 32);
}

static void translate_refuses_high(void **state)
{
	(void)state;
	/* Refused before any VMCALL (which would fault on the host). */
	cyl_set_translate(high_translate);
	assert_int_equal(cyl_shared_set(&area), CY_ERANGE);
	assert_int_equal(cyl_power_get((struct cy_power *)&area), CY_ERANGE);
	cyl_set_translate(NULL);
	assert_string_equal(cyl_strerror(CY_ENOSYS), "CY_ENOSYS");
	assert_string_equal(cyl_strerror(3), "ok");
}

static void sa_fields(void **state)
{
	(void)state;
	area.sa_vector = 0x42;
	area.sa_limit_us = 50;
	area.vcpu[0].sa_pending = 0;
	area.vcpu[1].sa_pending = 1;
	assert_int_equal(cyl_sa_vector(&area), 0x42);
	assert_int_equal(cyl_sa_limit_us(&area), 50);
	assert_true(cyl_sa_pending(&area, 1));
	assert_false(cyl_sa_pending(&area, 0));
	assert_false(cyl_sa_pending(&area, CY_SHARED_VCPUS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(read_stable, setup),
		cmocka_unit_test_setup(read_bounds, setup),
		cmocka_unit_test_setup(read_stuck_odd, setup),
		cmocka_unit_test_setup(read_concurrent, setup),
		cmocka_unit_test_setup(balloon, setup),
		cmocka_unit_test_setup(events_take, setup),
		cmocka_unit_test_setup(events_dispatch, setup),
		cmocka_unit_test_setup(events_concurrent, setup),
		cmocka_unit_test_setup(translate_refuses_high, setup),
		cmocka_unit_test_setup(sa_fields, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
