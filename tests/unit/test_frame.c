// SPDX-License-Identifier: MIT
/*
 * Unit tests for the physical frame allocator. A malloc'd buffer stands in
 * for the physical memory that holds the bitmap; pages the allocator only
 * hands out are never touched, so sparse maps with regions at 8 GiB or
 * 300 GiB cost nothing. Usable sets are checked against a brute-force
 * per-page model of the rules in mm/frame.h.
 * Environment: hosted unit tests (cmocka, ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/frame.h"
#include "tests/unit/fake_console.h"

#define PG 4096ULL

/* ---- fake physical memory: [mem_lo, mem_hi) is backed by `mem` ---- */
static uint8_t *mem;
static uint64_t mem_lo, mem_hi, p2v_lowest, p2v_highest;

static void back(uint64_t lo, uint64_t hi)
{
	free(mem);
	mem = malloc(hi - lo);
	assert_non_null(mem);
	memset(mem, 0x5a, hi - lo);
	mem_lo = lo;
	mem_hi = hi;
	p2v_lowest = UINT64_MAX;
	p2v_highest = 0;
}

static void *p2v(uint64_t phys)
{
	if (phys < mem_lo || phys >= mem_hi)
		fail_msg("phys_to_virt(0x%llx) outside the backed range", (unsigned long long)phys);
	p2v_lowest = phys < p2v_lowest ? phys : p2v_lowest;
	p2v_highest = phys > p2v_highest ? phys : p2v_highest;
	return mem + (phys - mem_lo);
}

static struct frame_stats stats(void)
{
	struct frame_stats st;

	frame_stats(&st);
	assert_int_equal(st.free + st.used, st.total);
	return st;
}

/* ---- brute-force model of the usable-page rules ---- */
static uint64_t rend(const struct mem_region *r)
{
	return r->len > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->len;
}

static bool touches(const struct mem_region *r, uint64_t p)
{
	return r->len && r->base < p + PG && p < rend(r);
}

static bool model_usable(const struct mem_region *m, size_t n, const struct mem_region *res,
			 size_t nres, uint64_t p)
{
	int touching = 0;
	bool inside = false;

	if (p < MiB(1) || p >= GiB(1024))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!touches(&m[i], p))
			continue;
		touching++;
		inside |= m[i].type == MEM_AVAILABLE && m[i].base <= p && p + PG <= rend(&m[i]);
	}
	if (touching != 1 || !inside)
		return false;
	for (size_t i = 0; i < nres; i++)
		if (touches(&res[i], p))
			return false;
	return true;
}

/* Allocate single pages until failure; mark them in got[] (frame index). */
static uint64_t drain(bool *got, uint64_t nframes)
{
	uint64_t n = 0, p;

	while ((p = frame_alloc(1, PG, UINT64_MAX)) != 0) {
		assert_true(p % PG == 0);
		assert_true(p / PG < nframes);
		assert_false(got[p / PG]);
		got[p / PG] = true;
		n++;
	}
	return n;
}

/* Init, drain, and compare with the model page by page (limit < 128 MiB). */
static void check_against_model(const struct mem_region *m, size_t n, const struct mem_region *res,
				size_t nres, uint64_t limit)
{
	uint64_t nf = limit / PG, expect = 0, missing = 0, lost = 0;
	bool *got = calloc(nf, 1);
	int rc;

	assert_non_null(got);
	for (uint64_t f = 0; f < nf; f++)
		expect += model_usable(m, n, res, nres, f * PG);
	/* reserved_pages model: whole pages of available entries in range, not usable */
	for (size_t i = 0; i < n; i++)
		for (uint64_t f = MiB(1) / PG; f < nf; f++)
			if (m[i].type == MEM_AVAILABLE && m[i].len && m[i].base <= f * PG &&
			    f * PG + PG <= rend(&m[i]) && !model_usable(m, n, res, nres, f * PG))
				lost++;

	p2v_lowest = UINT64_MAX;
	rc = frame_init(m, n, res, nres, p2v);
	if (expect == 0) {
		assert_int_equal(rc, -E_NOMEM);
		assert_true(console_capture_has("frame: no usable memory"));
		assert_int_equal(frame_alloc(1, PG, UINT64_MAX), 0);
		free(got);
		return;
	}
	assert_int_equal(rc, 0);
	struct frame_stats st = stats();
	assert_int_equal(st.free, st.total);
	assert_int_equal(st.reserved_pages, lost);
	assert_int_equal(drain(got, nf), st.total);
	for (uint64_t f = 0; f < nf; f++) {
		bool u = model_usable(m, n, res, nres, f * PG);

		if (got[f])
			assert_true(u); /* never a page the rules forbid */
		missing += u && !got[f];
	}
	/* The only usable pages not handed out hold the bitmap, which the
	 * allocator placed through phys_to_virt. */
	assert_int_equal(missing, st.bitmap_pages);
	assert_int_equal(expect, st.total + st.bitmap_pages);
	assert_true(model_usable(m, n, res, nres, p2v_lowest));
	assert_false(got[p2v_lowest / PG]);
	st = stats();
	assert_int_equal(st.free, 0);
	assert_int_equal(frame_alloc(1, PG, UINT64_MAX), 0);
	free(got);
}

static int setup(void **state)
{
	(void)state;
	console_capture_reset();
	back(MiB(1), MiB(81));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	mem = NULL;
	return 0;
}

static void test_simple_map(void **state)
{
	const struct mem_region m[] = { { 0, KiB(639), MEM_AVAILABLE },
					{ MiB(1), MiB(16), MEM_AVAILABLE } };
	uint64_t first;

	(void)state;
	assert_int_equal(frame_init(m, 2, NULL, 0, p2v), 0);
	struct frame_stats st = stats();
	assert_int_equal(st.highest, MiB(17));
	assert_int_equal(st.bitmap_pages, 1);
	assert_int_equal(st.total, 16 * 256 - 1);
	assert_int_equal(st.reserved_pages, 0);
	assert_int_equal(p2v_lowest, MiB(1)); /* bitmap at the lowest fitting run */
	first = frame_alloc(1, PG, UINT64_MAX);
	assert_int_equal(first, MiB(1) + PG);
	frame_free(first, 1);
	assert_int_equal(frame_alloc(1, 0, UINT64_MAX), first); /* align 0 = page */
	assert_string_equal(console_capture(), "");
	check_against_model(m, 2, NULL, 0, MiB(20));
}

static void test_messy_map(void **state)
{
	/* Unsorted, overlapping, zero-length, unaligned, with reserved holes. */
	const struct mem_region m[] = {
		{ MiB(8) + 100, MiB(4), MEM_AVAILABLE }, /* unaligned both ends */
		{ MiB(1), MiB(3), MEM_AVAILABLE },
		{ MiB(2), 0x1800, MEM_RESERVED },   /* inside the above */
		{ MiB(20), 0, MEM_AVAILABLE },	    /* zero length */
		{ MiB(14), MiB(6), MEM_AVAILABLE }, /* overlaps the next */
		{ MiB(18), MiB(4), MEM_AVAILABLE },
		{ MiB(30), MiB(10), MEM_AVAILABLE }, /* overlaps ACPI below */
		{ MiB(35) + 10, 20, MEM_ACPI_RECLAIM },
		{ 0, KiB(640), MEM_AVAILABLE }, /* below 1 MiB */
		{ MiB(50), MiB(2), MEM_BAD },
		{ MiB(64), 0, MEM_RESERVED }, /* zero length */
	};
	const struct mem_region res[] = {
		{ MiB(1) + 0x3000, 0x10, 0 }, /* one page */
		{ MiB(31) - 1, 2, 0 },	      /* straddles a page boundary: two pages */
		{ MiB(9), 0, 0 },	      /* empty: ignored */
	};

	(void)state;
	check_against_model(m, ARRAY_SIZE(m), res, ARRAY_SIZE(res), MiB(64));
	assert_true(console_capture_has("frame: memory map has 2 zero-length regions; ignored\n"));
	assert_true(console_capture_has(
		"frame: memory map has 6 overlapping regions; overlaps treated as reserved\n"));
	assert_int_equal(console_capture_lines(), 2);
}

static void test_random_maps_match_model(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 40; seed++) {
		struct mem_region m[12], res[4];
		size_t n, nres;

		srand(seed);
		n = 1 + (size_t)(rand() % 12);
		nres = (size_t)(rand() % 5);
		for (size_t i = 0; i < n; i++) {
			uint64_t base = (uint64_t)(rand() % 64) * MiB(1);
			uint64_t len = (uint64_t)(rand() % 16) * MiB(1);

			if (rand() % 3 == 0)
				base += (uint64_t)(rand() % 0x3000);
			if (rand() % 3 == 0)
				len += (uint64_t)(rand() % 0x3000);
			m[i] = (struct mem_region){ base, len,
						    rand() % 10 < 6 ? MEM_AVAILABLE :
								      (uint32_t)(2 + rand() % 5) };
		}
		for (size_t i = 0; i < nres; i++)
			res[i] = (struct mem_region){ (uint64_t)(rand() % (80 << 8)) * 0x1000 +
							      (uint64_t)(rand() % 3) * 0x7ff,
						      (uint64_t)(rand() % 0x40000), 0 };
		console_capture_reset();
		check_against_model(m, n, res, nres, MiB(80));
	}
}

static void test_alignment_and_max_phys(void **state)
{
	const struct mem_region m[] = { { MiB(1), MiB(16), MEM_AVAILABLE } };
	uint64_t p, q;

	(void)state;
	assert_int_equal(frame_init(m, 1, NULL, 0, p2v), 0);
	frame_alloc(3, PG, UINT64_MAX); /* disturb alignment */
	p = frame_alloc(512, MiB(2), UINT64_MAX);
	assert_int_equal(p, MiB(2));
	q = frame_alloc(512, MiB(2), UINT64_MAX);
	assert_int_equal(q, MiB(4));
	p = frame_alloc(4, 0x10000, UINT64_MAX);
	assert_int_equal(p % 0x10000, 0);
	assert_int_equal(frame_alloc(1, 0x3000, UINT64_MAX), 0); /* not a power of two */
	assert_true(console_capture_has("frame: alloc alignment 0x3000 is not a power of two\n"));
	assert_int_equal(frame_alloc(1, GiB(4), UINT64_MAX), 0); /* nothing that aligned */
	assert_int_equal(frame_alloc(0, PG, UINT64_MAX), 0);
	assert_int_equal(frame_alloc(5000, PG, UINT64_MAX), 0);

	/* max_phys bounds the last byte: everything below 2 MiB, nothing beyond. */
	struct frame_stats before = stats();
	uint64_t n = 0;
	while ((p = frame_alloc(1, PG, MiB(2) - 1)) != 0) {
		assert_true(p + PG - 1 <= MiB(2) - 1);
		n++;
	}
	assert_int_equal(n, 256 - 1 - 3 - 4); /* bitmap, 3 disturbers, the 64 KiB run */
	assert_int_equal(frame_alloc(1, PG, PG), 0);
	assert_int_equal(frame_alloc(1, PG, MiB(6) + PG - 1), MiB(6)); /* last byte == max_phys */
	assert_int_equal(stats().free, before.free - n - 1);
}

static void test_exhaustion_and_round_trip(void **state)
{
	const struct mem_region m[] = { { MiB(1), MiB(2), MEM_AVAILABLE } };
	uint64_t pages[512], n = 0, p;

	(void)state;
	assert_int_equal(frame_init(m, 1, NULL, 0, p2v), 0);
	uint64_t total = stats().total;
	while ((p = frame_alloc(1, PG, UINT64_MAX)) != 0)
		pages[n++] = p;
	assert_int_equal(n, total);
	assert_int_equal(frame_alloc(1, PG, UINT64_MAX), 0);
	for (uint64_t i = 0; i < n; i += 2)
		frame_free(pages[i], 1);
	assert_int_equal(stats().free, (n + 1) / 2);
	assert_int_equal(frame_alloc(2, PG, UINT64_MAX), 0); /* fragmented */
	for (uint64_t i = 1; i < n; i += 2)
		frame_free(pages[i], 1);
	assert_int_equal(stats().free, total);
	p = frame_alloc(total, PG, UINT64_MAX);
	assert_int_equal(p, MiB(1) + PG);
	frame_free(p, total);
	assert_int_equal(stats().used, 0);

	/* zeroed allocation really zeroes (the buffer was filled with 0x5a) */
	p = frame_alloc_zeroed(2, PG, UINT64_MAX);
	for (uint64_t i = 0; i < 2 * PG; i++)
		assert_int_equal(((uint8_t *)p2v(p))[i], 0);
	assert_string_equal(console_capture(), "");
}

static void test_adjacent_entries_merge(void **state)
{
	const struct mem_region m[] = { { MiB(2), MiB(1), MEM_AVAILABLE },
					{ MiB(1), MiB(1), MEM_AVAILABLE } };
	bool got[1024] = { 0 };

	(void)state;
	assert_int_equal(frame_init(m, 2, NULL, 0, p2v), 0);
	assert_int_equal(drain(got, 1024), 511);
	frame_free(MiB(2) - PG, 1);
	frame_free(MiB(2), 1);
	assert_int_equal(frame_alloc(2, PG, UINT64_MAX), MiB(2) - PG);
	frame_free(MiB(2) - PG, 2); /* spans both map entries: still managed */
	assert_string_equal(console_capture(), "");
	assert_int_equal(stats().free, 2);
}

static void test_bad_frees(void **state)
{
	const struct mem_region m[] = { { MiB(1), MiB(8), MEM_AVAILABLE } };
	const struct mem_region res[] = { { MiB(4), MiB(1), 0 } };
	uint64_t a;

	(void)state;
	assert_int_equal(frame_init(m, 1, res, 1, p2v), 0);
	a = frame_alloc(4, PG, UINT64_MAX);
	struct frame_stats before = stats();
	struct {
		uint64_t phys;
		size_t n;
		const char *why;
	} bad[] = {
		{ a + 12, 1, "not page aligned" },
		{ 0x1000, 1, "not managed" },
		{ MiB(4), 1, "not managed" },	/* reserved range */
		{ MiB(9), 1, "not managed" },	/* past the end */
		{ a, SIZE_MAX, "not managed" }, /* overflow */
		{ UINT64_MAX & ~0xfffULL, 2, "not managed" },
		{ a + 4 * PG, 1, "not allocated" },
		{ a + 2 * PG, 4, "not allocated" }, /* partly allocated */
		{ MiB(1), 1, "frame allocator metadata" },
		{ a, 0, "zero pages" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[160];

		console_capture_reset();
		frame_free(bad[i].phys, bad[i].n);
		snprintf(want, sizeof(want), "frame: bad free of 0x%llx (%zu pages): %s",
			 (unsigned long long)bad[i].phys, bad[i].n, bad[i].why);
		assert_true(console_capture_has(want));
		assert_int_equal(console_capture_lines(), 1);
		struct frame_stats now = stats();
		assert_memory_equal(&now, &before, sizeof(now));
	}
	frame_free(a, 4);
	console_capture_reset();
	frame_free(a, 4); /* double free */
	assert_true(console_capture_has("not allocated; ignored\n"));
	assert_int_equal(stats().free, before.free + 4);
	/* state is intact: every page can be allocated exactly once */
	bool got[2304] = { 0 };
	assert_int_equal(drain(got, 2304), before.total);
}

/* Random alloc/free storms; a shadow map catches double hand-outs. */
static void test_storms(void **state)
{
	const struct mem_region m[] = {
		{ MiB(40), MiB(20), MEM_AVAILABLE },
		{ MiB(1), MiB(30), MEM_AVAILABLE },
		{ MiB(10) + 5, MiB(1), MEM_NVS },
		{ MiB(45), 0x20000, MEM_AVAILABLE },
	};
	const struct mem_region res[] = { { MiB(2), MiB(2), 0 }, { MiB(50) + 0x800, 0x3000, 0 } };
	static uint8_t shadow[MiB(64) / PG];
	static struct {
		uint64_t phys, n;
	} live[4096];

	(void)state;
	for (unsigned seed = 1; seed <= 6; seed++) {
		size_t nlive = 0;
		uint64_t live_pages = 0;

		srand(seed);
		memset(shadow, 0, sizeof(shadow));
		console_capture_reset();
		assert_int_equal(frame_init(m, ARRAY_SIZE(m), res, ARRAY_SIZE(res), p2v), 0);
		struct frame_stats st0 = stats();
		for (int op = 0; op < 20000; op++) {
			if (nlive < ARRAY_SIZE(live) && rand() % 100 < 55) {
				uint64_t n = 1 + (uint64_t)(rand() % (rand() % 10 ? 8 : 300));
				uint64_t align = PG << (rand() % 4 ? 0 : rand() % 10);
				uint64_t maxp = rand() % 5 ? UINT64_MAX : MiB(1 + rand() % 60) - 1;
				uint64_t p = frame_alloc(n, align, maxp);

				if (!p)
					continue;
				assert_int_equal(p % align, 0);
				assert_true(p + n * PG - 1 <= maxp);
				for (uint64_t f = p / PG; f < p / PG + n; f++) {
					assert_true(model_usable(m, ARRAY_SIZE(m), res,
								 ARRAY_SIZE(res), f * PG));
					assert_int_equal(shadow[f], 0);
					shadow[f] = 1;
				}
				live[nlive].phys = p;
				live[nlive++].n = n;
				live_pages += n;
			} else if (nlive) {
				size_t k = (size_t)rand() % nlive;

				for (uint64_t f = live[k].phys / PG;
				     f < live[k].phys / PG + live[k].n; f++)
					shadow[f] = 0;
				frame_free(live[k].phys, live[k].n);
				live_pages -= live[k].n;
				live[k] = live[--nlive];
			}
			if (op % 500 == 0) {
				struct frame_stats st = stats();
				assert_int_equal(st.used, live_pages);
			}
		}
		while (nlive) {
			nlive--;
			frame_free(live[nlive].phys, live[nlive].n);
		}
		struct frame_stats st = stats();
		assert_int_equal(st.free, st0.total);
		assert_string_equal(console_capture(),
				    "frame: memory map has 4 overlapping regions; "
				    "overlaps treated as reserved\n");
	}
}

static void test_region_above_4g(void **state)
{
	/* High region first in the list: the bitmap must still go low. */
	const struct mem_region m[] = { { GiB(8), MiB(64), MEM_AVAILABLE },
					{ MiB(1), MiB(4), MEM_AVAILABLE } };
	uint64_t p, low = 0, high = 0;

	(void)state;
	back(MiB(1), MiB(5));
	assert_int_equal(frame_init(m, 2, NULL, 0, p2v), 0);
	struct frame_stats st = stats();
	assert_int_equal(st.highest, GiB(8) + MiB(64));
	/* (8 GiB + 64 MiB) / 4 KiB bits + 2 runs of 16 bytes -> 65 pages */
	assert_int_equal(st.bitmap_pages, 65);
	assert_int_equal(st.total, 1024 + 16384 - 65);
	assert_true(p2v_highest < GiB(4));
	while ((p = frame_alloc(1, PG, GiB(4) - 1)) != 0)
		low++;
	assert_int_equal(low, 1024 - 65);
	while ((p = frame_alloc(16, MiB(2), UINT64_MAX)) != 0) {
		assert_true(p >= GiB(8) && p + 16 * PG <= GiB(8) + MiB(64));
		assert_int_equal(p % MiB(2), 0);
		high++;
	}
	assert_int_equal(high, 32);
	assert_int_equal(stats().free, 16384 - 32 * 16);
	frame_free(GiB(8) + MiB(2), 16);
	assert_int_equal(frame_alloc(16, MiB(2), UINT64_MAX), GiB(8) + MiB(2));
	assert_int_equal(frame_alloc(16, PG, UINT64_MAX), GiB(8) + 16 * PG);
	assert_string_equal(console_capture(), "");
}

static void test_hundreds_of_gib(void **state)
{
	const struct mem_region m[] = { { MiB(1), MiB(15), MEM_AVAILABLE },
					{ GiB(4), GiB(296), MEM_AVAILABLE },
					{ GiB(1024) - MiB(1), GiB(2), MEM_AVAILABLE } };
	uint64_t p, prev = 0;

	(void)state;
	/* The 32 MiB bitmap does not fit in the low region, so it must go to
	 * the 4 GiB one: back only that, so a write anywhere else fails. */
	back(GiB(4), GiB(4) + MiB(40));
	assert_int_equal(frame_init(m, 3, NULL, 0, p2v), 0);
	assert_int_equal(p2v_lowest, GiB(4));
	assert_true(console_capture_has(
		"frame: ignoring 2047 MiB of available memory above the 1 TiB cap\n"));
	struct frame_stats st = stats();
	assert_int_equal(st.highest, GiB(1024));
	assert_int_equal(st.bitmap_pages, GiB(1024) / PG / 8 / PG + 1); /* + run table page */
	assert_int_equal(st.total, 15 * 256 + GiB(296) / PG + 256 - st.bitmap_pages);
	for (int i = 0; i < 100000; i++) {
		p = frame_alloc(1, PG, UINT64_MAX);
		assert_true(p > prev);
		prev = p;
	}
	p = frame_alloc(GiB(1) / PG, GiB(1), UINT64_MAX);
	assert_int_equal(p % GiB(1), 0);
	assert_true(p >= GiB(4));
	frame_free(p, GiB(1) / PG);
	p = frame_alloc(512, MiB(2), GiB(200));
	assert_true(p && p % MiB(2) == 0 && p + MiB(2) - 1 <= GiB(200));
	assert_int_equal(stats().used, 100000 + 512);
}

static void test_init_errors_and_reinit(void **state)
{
	const struct mem_region none[] = { { 0, KiB(640), MEM_AVAILABLE },
					   { MiB(1), MiB(1), MEM_RESERVED } };
	const struct mem_region tiny[] = { { MiB(1), PG * 2, MEM_AVAILABLE },
					   { GiB(512), PG, MEM_AVAILABLE } };
	const struct mem_region good[] = { { MiB(1), MiB(2), MEM_AVAILABLE } };

	(void)state;
	assert_int_equal(frame_init(good, 1, NULL, 0, p2v), 0);
	assert_int_equal(frame_init(NULL, 3, NULL, 0, p2v), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
	assert_int_equal(frame_alloc(1, PG, UINT64_MAX), 0); /* old state is gone */
	assert_int_equal(frame_init(good, 1, NULL, 0, NULL), -E_INVAL);
	assert_int_equal(frame_init(good, 1, NULL, 2, p2v), -E_INVAL);

	console_capture_reset();
	assert_int_equal(frame_init(none, 2, NULL, 0, p2v), -E_NOMEM);
	assert_string_equal(console_capture(),
			    "frame: no usable memory above 1 MiB in the memory map\n");
	assert_int_equal(frame_alloc(1, PG, UINT64_MAX), 0);
	assert_int_equal(stats().total, 0);

	console_capture_reset();
	assert_int_equal(frame_init(tiny, 2, NULL, 0, p2v), -E_NOMEM);
	assert_true(
		console_capture_has("frame: no usable run of 4097 pages for the frame bitmap\n"));
	assert_int_equal(frame_alloc(1, PG, UINT64_MAX), 0);
	frame_free(MiB(1), 1);
	assert_true(console_capture_has("not managed"));

	assert_int_equal(frame_init(good, 1, NULL, 0, p2v), 0);
	assert_int_equal(stats().total, 511);
	assert_int_equal(frame_init(good, 1, good, 1, p2v), -E_NOMEM); /* all reserved */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_simple_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messy_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_maps_match_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alignment_and_max_phys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_and_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjacent_entries_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_above_4g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hundreds_of_gib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_errors_and_reinit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
