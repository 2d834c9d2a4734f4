// SPDX-License-Identifier: MIT
/*
 * Unit tests for the kernel heap, running on the real frame allocator over
 * a malloc'd buffer that stands in for physical memory.
 * Environment: hosted unit tests (cmocka, ASan/UBSan, pthreads).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "tests/unit/fake_console.h"

#define PG   4096ULL
#define BASE MiB(1)

static uint8_t *mem;
static uint64_t mem_size;

static void *p2v(uint64_t phys)
{
	if (phys < BASE || phys >= BASE + mem_size)
		fail_msg("phys_to_virt(0x%llx) outside fake memory", (unsigned long long)phys);
	return mem + (phys - BASE);
}

static uint64_t v2p(void *virt)
{
	uint8_t *v = virt;

	if (v < mem || v >= mem + mem_size)
		fail_msg("virt_to_phys(%p) outside fake memory", virt);
	return BASE + (uint64_t)(v - mem);
}

/* Fresh frame allocator over `size` bytes at 1 MiB, fresh heap on top. */
static void fresh(uint64_t size)
{
	const struct mem_region m[] = { { BASE, size, MEM_AVAILABLE } };

	free(mem);
	mem = aligned_alloc(PG, size);
	assert_non_null(mem);
	memset(mem, 0x5a, size);
	mem_size = size;
	assert_int_equal(frame_init(m, 1, NULL, 0, p2v), 0);
	assert_int_equal(heap_init(p2v, v2p), 0);
	console_capture_reset();
}

static int setup(void **state)
{
	(void)state;
	fresh(MiB(64));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	mem = NULL;
	return 0;
}

static struct heap_stats hs(void)
{
	struct heap_stats st;

	heap_stats(&st);
	return st;
}

static uint64_t frames_used(void)
{
	struct frame_stats st;

	frame_stats(&st);
	return st.used;
}

/* The heap is the frame allocator's only user here, so every frame in use
 * is either an object page or heap metadata. */
static void check_frames(void)
{
	struct heap_stats st = hs();

	assert_int_equal(frames_used(), st.pages_held + st.meta_pages);
}

static size_t rounded(size_t n)
{
	size_t c = 16;

	if (n > 2048)
		return (n + PG - 1) / PG * PG;
	while (c < n)
		c *= 2;
	return c;
}

static void test_sizes_and_alignment(void **state)
{
	static void *p[6000];
	uint64_t bytes = 0;

	(void)state;
	for (size_t n = 1; n < 6000; n++) {
		p[n] = kmalloc(n);
		assert_non_null(p[n]);
		assert_int_equal((uintptr_t)p[n] % (n > 2048 ? PG : 16), 0);
		memset(p[n], (int)(n & 0xff), n); /* ASan: inside fake memory */
		bytes += rounded(n);
	}
	struct heap_stats st = hs();
	assert_int_equal(st.allocs_live, 5999);
	assert_int_equal(st.bytes_in_use, bytes);
	for (size_t n = 1; n < 6000; n++) {
		for (size_t i = 0; i < n; i++)
			assert_int_equal(((uint8_t *)p[n])[i], n & 0xff);
		kfree(p[n]);
	}
	st = hs();
	assert_int_equal(st.allocs_live, 0);
	assert_int_equal(st.bytes_in_use, 0);
	assert_true(st.pages_held <= 8); /* at most one empty slab kept per class */
	check_frames();
	assert_string_equal(console_capture(), "");
}

static void test_reuse_and_stats(void **state)
{
	void *a, *b, *c, *d, *e;

	(void)state;
	a = kmalloc(100);
	kfree(a);
	b = kmalloc(128); /* same class: same slot back */
	assert_ptr_equal(a, b);
	c = kmalloc(1);
	d = kmalloc(4096);
	e = kmalloc(10000);
	assert_int_equal((uintptr_t)d % PG, 0);
	assert_int_equal((uintptr_t)e % PG, 0);
	struct heap_stats st = hs();
	assert_int_equal(st.allocs_live, 4);
	assert_int_equal(st.bytes_in_use, 128 + 16 + 4096 + 12288);
	assert_int_equal(st.pages_held, 2 + 1 + 3); /* two slabs, 1 + 3 pages */
	check_frames();
	kfree(d);
	kfree(e);
	assert_int_equal(hs().pages_held, 2);
	check_frames();
	kfree(b);
	kfree(c);
	st = hs();
	assert_int_equal(st.bytes_in_use, 0);
	assert_int_equal(st.allocs_live, 0);
	assert_int_equal(st.pages_held, 2); /* each class keeps its last slab */
	assert_null(kmalloc(0));
	kfree(NULL);
	assert_string_equal(console_capture(), "");
}

static void test_large_allocations(void **state)
{
	uint8_t *p;

	(void)state;
	p = kmalloc(MiB(4) + 1);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % PG, 0);
	memset(p, 0xee, MiB(4) + 1);
	assert_int_equal(hs().pages_held, MiB(4) / PG + 1);
	check_frames();
	kfree(p);
	assert_int_equal(hs().pages_held, 0);
	check_frames();
	assert_null(kmalloc(MiB(200))); /* more than there is */
	assert_true(console_capture_has("heap: kmalloc(209715200) failed: out of memory\n"));
	assert_int_equal(console_capture_lines(), 1);
	assert_null(kmalloc(SIZE_MAX));
	check_frames();
}

static void test_bad_frees(void **state)
{
	uint8_t *s = kmalloc(64), *s2 = kmalloc(64), *l = kmalloc(3 * PG);
	int on_stack;

	(void)state;
	struct heap_stats before = hs();

	kfree(s + 16);
	assert_true(
		console_capture_has("): not the start of an object (64-byte object); ignored\n"));
	kfree(l + PG);
	assert_true(console_capture_has("): not from the heap, or already freed; ignored\n"));
	kfree(l + 8);
	assert_true(console_capture_has("): inside a large allocation; ignored\n"));
	kfree(&on_stack);
	assert_int_equal(console_capture_lines(), 4);
	struct heap_stats now = hs();
	assert_memory_equal(&now, &before, sizeof(now));

	console_capture_reset();
	kfree(s);
	kfree(s); /* s2 keeps the slab alive, so this is caught exactly */
	assert_true(console_capture_has("): double free (64-byte object); ignored\n"));
	kfree(l);
	kfree(l);
	assert_true(console_capture_has("): not from the heap, or already freed; ignored\n"));
	assert_int_equal(console_capture_lines(), 2);
	now = hs();
	assert_int_equal(now.allocs_live, 1);
	assert_int_equal(now.bytes_in_use, 64);
	/* the heap still works and does not hand out s twice */
	void *x = kmalloc(64), *y = kmalloc(64);
	assert_ptr_equal(x, s);
	assert_ptr_not_equal(y, s);
	assert_ptr_not_equal(y, s2);
}

static void test_kzalloc(void **state)
{
	uint8_t *p, *q;

	(void)state;
	p = kmalloc(200);
	memset(p, 0xff, 200);
	kfree(p);
	q = kzalloc(200);
	assert_ptr_equal(p, q);
	for (int i = 0; i < 200; i++)
		assert_int_equal(q[i], 0);
	q = kzalloc(3 * PG); /* fake memory starts as 0x5a */
	for (uint64_t i = 0; i < 3 * PG; i++)
		assert_int_equal(q[i], 0);
	assert_null(kzalloc(0));
}

static void test_table_growth(void **state)
{
	static void *p[3000];
	struct heap_stats st;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		p[i] = kmalloc(i % 3 ? 2048 : 5000); /* >= 1 page each */
		assert_non_null(p[i]);
	}
	st = hs();
	assert_true(st.meta_pages > 1 + 1); /* table grew beyond one page */
	for (int i = 2999; i >= 0; i -= 2)
		kfree(p[i]);
	for (int i = 0; i < 3000; i += 2)
		kfree(p[i]);
	st = hs();
	assert_int_equal(st.allocs_live, 0);
	assert_true(st.pages_held <= 1);
	check_frames();
	assert_string_equal(console_capture(), "");
}

static void test_oom_and_uninitialised(void **state)
{
	void *p[600];
	int n = 0;

	(void)state;
	fresh(MiB(1)); /* 255 frames after the bitmap, minus the heap table */
	while (n < 600 && (p[n] = kmalloc(2048)) != NULL)
		n++;
	assert_true(n > 400 && n < 600);
	assert_true(console_capture_has("heap: kmalloc(2048) failed: out of memory\n"));
	while (n--)
		kfree(p[n]);
	assert_non_null(kmalloc(2048));

	console_capture_reset();
	assert_int_equal(heap_init(NULL, v2p), -E_INVAL);
	assert_true(console_capture_has("heap: heap_init failed: E_INVAL\n"));
	assert_null(kmalloc(16));
	assert_true(console_capture_has("heap: kmalloc(16) failed: heap_init not called\n"));
	kfree(mem + 64);
	assert_true(console_capture_has("not from the heap"));
}

struct live {
	uint8_t *p;
	size_t n;
	uint8_t tag;
};

static void fill(struct live *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->p[i] = (uint8_t)(l->tag + i * 7);
}

static void check(const struct live *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i] != (uint8_t)(l->tag + i * 7))
			fail_msg("allocation %p (%zu bytes) corrupted at %zu", (void *)l->p, l->n,
				 i);
}

/* One storm: random sizes, pattern-filled, verified before each free. */
static void storm(unsigned seed, int ops, bool check_stats)
{
	static __thread struct live live[2000];
	size_t nlive = 0;
	uint64_t bytes = 0;

	for (int op = 0; op < ops; op++) {
		if (nlive < 2000 && rand_r(&seed) % 100 < 55) {
			unsigned r = rand_r(&seed);
			size_t n = r % 10 ? 1 + r % 300 : r % 3 ? 1 + r % 2048 : 1 + r % 20000;
			struct live *l = &live[nlive];

			l->p = kmalloc(n);
			assert_non_null(l->p);
			l->n = n;
			l->tag = (uint8_t)rand_r(&seed);
			fill(l);
			nlive++;
			bytes += rounded(n);
		} else if (nlive) {
			size_t k = rand_r(&seed) % nlive;

			check(&live[k]);
			kfree(live[k].p);
			bytes -= rounded(live[k].n);
			live[k] = live[--nlive];
		}
		if (check_stats && op % 256 == 0) {
			struct heap_stats st = hs();

			assert_int_equal(st.allocs_live, nlive);
			assert_int_equal(st.bytes_in_use, bytes);
		}
	}
	while (nlive) {
		check(&live[--nlive]);
		kfree(live[nlive].p);
	}
}

static void test_storms(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 5; seed++) {
		storm(seed, 30000, true);
		struct heap_stats st = hs();
		assert_int_equal(st.allocs_live, 0);
		assert_int_equal(st.bytes_in_use, 0);
		assert_true(st.pages_held <= 8);
		check_frames();
	}
	assert_string_equal(console_capture(), "");
}

static void *thread_main(void *arg)
{
	storm((unsigned)(uintptr_t)arg, 20000, false);
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[4];

	(void)state;
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, (void *)(i + 100)), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	struct heap_stats st = hs();
	assert_int_equal(st.allocs_live, 0);
	assert_int_equal(st.bytes_in_use, 0);
	check_frames();
	assert_string_equal(console_capture(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes_and_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_allocations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kzalloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_and_uninitialised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
