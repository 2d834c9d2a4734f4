// SPDX-License-Identifier: MIT
/*
 * Unit tests for the EPT builder: a malloc'd pool of pages stands in for
 * host physical memory at a fake physical base; allocation failures are
 * injected at every step; random map/unmap sequences are checked against a
 * flat reference model.
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

#include "arch/x86/vmx/ept.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"

/* ---- fake host-physical memory ---- */

#define POOL_PAGES 2048
#define FAKE_BASE  0x123400000000ULL /* where the pool "is" in host-physical space */

static struct pool {
	uint8_t *mem;
	bool used[POOL_PAGES];
	unsigned int stack[POOL_PAGES];
	unsigned int nfree;
	unsigned long allocs, frees, attempts;
	unsigned long fail_at; /* fail the fail_at-th attempt (1-based); 0 = never */
} pool;

static unsigned int page_index(uint64_t phys)
{
	assert_true(phys >= FAKE_BASE);
	assert_true((phys & 0xfff) == 0);
	assert_true((phys - FAKE_BASE) / 4096 < POOL_PAGES);
	return (unsigned int)((phys - FAKE_BASE) / 4096);
}

static uint64_t fake_alloc(void *ctx)
{
	unsigned int i;

	assert_ptr_equal(ctx, &pool);
	pool.attempts++;
	if (pool.fail_at && pool.attempts == pool.fail_at)
		return 0;
	if (!pool.nfree)
		return 0;
	i = pool.stack[--pool.nfree];
	assert_false(pool.used[i]);
	pool.used[i] = true;
	memset(pool.mem + (size_t)i * 4096, 0, 4096);
	pool.allocs++;
	return FAKE_BASE + (uint64_t)i * 4096;
}

static void fake_free(uint64_t phys, void *ctx)
{
	unsigned int i = page_index(phys);

	assert_ptr_equal(ctx, &pool);
	assert_true(pool.used[i]); /* double free or foreign page */
	pool.used[i] = false;
	memset(pool.mem + (size_t)i * 4096, 0xdb, 4096); /* poison */
	pool.stack[pool.nfree++] = i;
	pool.frees++;
}

static void *fake_p2v(uint64_t phys, void *ctx)
{
	unsigned int i = page_index(phys);

	assert_ptr_equal(ctx, &pool);
	assert_true(pool.used[i]); /* use after free */
	return pool.mem + (size_t)i * 4096;
}

static const struct ept_ops ops = { fake_alloc, fake_free, fake_p2v, &pool };

static int pool_setup(void **state)
{
	(void)state;
	memset(&pool, 0, sizeof(pool));
	pool.mem = aligned_alloc(4096, (size_t)POOL_PAGES * 4096);
	assert_non_null(pool.mem);
	for (unsigned int i = 0; i < POOL_PAGES; i++)
		pool.stack[pool.nfree++] = POOL_PAGES - 1 - i;
	console_capture_reset();
	return 0;
}

static int pool_teardown(void **state)
{
	(void)state;
	/* Every test ends with its EPT destroyed: nothing may be left over. */
	assert_int_equal(pool.allocs, pool.frees);
	free(pool.mem);
	pool.mem = NULL;
	return 0;
}

static unsigned long outstanding(void)
{
	return pool.allocs - pool.frees;
}

/* ---- structure checks ---- */

/* Count tables reachable below `phys`; every non-root table must hold at
 * least one entry, non-leaf entries are exactly addr | RWX. */
static uint64_t walk_count(uint64_t phys, int level, bool root)
{
	const uint64_t *t = fake_p2v(phys, &pool);
	uint64_t n = 1;
	bool any = false;

	for (int i = 0; i < 512; i++) {
		uint64_t v = t[i];

		if (!v)
			continue;
		any = true;
		assert_true(v & 7); /* no non-present garbage */
		if (level == 0 || (level == 1 && (v & 0x80))) {
			assert_int_equal(v & 0x40, 0); /* ignore-PAT clear */
			continue;
		}
		assert_int_equal(v & 0xfff, 7);
		n += walk_count(v & 0x000ffffffffff000ULL, level - 1, false);
	}
	assert_true(root || any);
	return n;
}

static void check_structure(const struct ept *e)
{
	uint64_t n = walk_count(e->pml4_phys, 3, true);

	assert_int_equal(n, e->pages);
	assert_int_equal(n, outstanding());
}

struct snap {
	uint64_t gpa, len;
	int *rc;
	struct ept_leaf *leaf;
};

static void snap_take(struct snap *s, const struct ept *e, uint64_t gpa, uint64_t len)
{
	uint64_t n = len / 4096;

	s->gpa = gpa;
	s->len = len;
	s->rc = calloc(n, sizeof(*s->rc));
	s->leaf = calloc(n, sizeof(*s->leaf));
	for (uint64_t i = 0; i < n; i++)
		s->rc[i] = ept_lookup(e, gpa + i * 4096, &s->leaf[i]);
}

static void snap_check(const struct snap *s, const struct ept *e)
{
	for (uint64_t i = 0; i < s->len / 4096; i++) {
		struct ept_leaf l;
		int rc = ept_lookup(e, s->gpa + i * 4096, &l);

		assert_int_equal(rc, s->rc[i]);
		if (!rc)
			assert_memory_equal(&l, &s->leaf[i], sizeof(l));
	}
}

static void snap_free(struct snap *s)
{
	free(s->rc);
	free(s->leaf);
}

static void expect_leaf(const struct ept *e, uint64_t gpa, uint64_t hpa, uint32_t perms,
			uint32_t mt, uint64_t size)
{
	struct ept_leaf l;

	assert_int_equal(ept_lookup(e, gpa, &l), 0);
	assert_int_equal(l.hpa, hpa);
	assert_int_equal(l.perms, perms);
	assert_int_equal(l.memtype, mt);
	assert_int_equal(l.size, size);
}

/* The raw PD entry for gpa (test-side walk, independent of ept_lookup). */
static uint64_t raw_pde(const struct ept *e, uint64_t gpa)
{
	uint64_t phys = e->pml4_phys;

	for (int level = 3; level > 1; level--) {
		uint64_t v = ((uint64_t *)fake_p2v(phys, &pool))[(gpa >> (12 + 9 * level)) & 511];

		assert_int_equal(v & 0xfff, 7);
		phys = v & 0x000ffffffffff000ULL;
	}
	return ((uint64_t *)fake_p2v(phys, &pool))[(gpa >> 21) & 511];
}

/* ---- tests ---- */

static void test_init_eptp(void **state)
{
	struct ept e;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, false), 0);
	assert_int_equal(e.pages, 1);
	assert_int_equal(outstanding(), 1);
	page_index(e.pml4_phys);
	/* SDM 3C 25.6.11: WB (6) in 2:0, walk length 3 in 5:3, A/D in bit 6. */
	assert_int_equal(e.eptp, e.pml4_phys | 0x1e);
	check_structure(&e);
	ept_destroy(&e);
	assert_int_equal(outstanding(), 0);
	assert_int_equal(e.pml4_phys, 0);
	assert_int_equal(e.pages, 0);
	ept_destroy(&e); /* twice is harmless */

	assert_int_equal(ept_init(&e, &ops, true), 0);
	assert_int_equal(e.eptp, e.pml4_phys | 0x5e);
	ept_destroy(&e);

	/* PML4 allocation fails. */
	pool.attempts = 0;
	pool.fail_at = 1;
	console_capture_reset();
	assert_int_equal(ept_init(&e, &ops, false), -E_NOMEM);
	pool.fail_at = 0;
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("ept: no page for the PML4"));
	assert_int_equal(e.pml4_phys, 0);
	assert_int_equal(e.eptp, 0);
	assert_int_equal(outstanding(), 0);
	ept_destroy(&e);

	/* Missing callbacks. */
	{
		struct ept_ops bad = ops;

		bad.phys_to_virt = NULL;
		console_capture_reset();
		assert_int_equal(ept_init(&e, &bad, false), -E_INVAL);
		assert_int_equal(ept_init(&e, NULL, false), -E_INVAL);
		assert_int_equal(ept_init(NULL, &ops, false), -E_INVAL);
		assert_int_equal(console_capture_lines(), 3);
		assert_true(console_capture_has("ept: init without page allocator callbacks"));
	}
	/* Operations on an uninitialised EPT are refused, not crashed on. */
	memset(&e, 0, sizeof(e));
	console_capture_reset();
	assert_int_equal(ept_map(&e, 0, 0, 4096, EPT_RWX, EPT_MT_WB, true), -E_INVAL);
	assert_int_equal(ept_unmap(&e, 0, 4096), -E_INVAL);
	assert_int_equal(ept_translate(&e, 0, NULL, NULL), -E_INVAL);
	assert_int_equal(console_capture_lines(), 3);
	assert_true(console_capture_has("ept: map on an uninitialised EPT"));
	assert_int_equal(outstanding(), 0);
}

/* A 32 MiB partition at hpa 0x40000000 with 2 MiB pages. */
static void test_partition_32m(void **state)
{
	struct ept e;
	uint64_t hpa;
	uint32_t perms;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, false), 0);
	console_capture_reset();
	assert_int_equal(ept_map(&e, 0, 0x40000000, MiB(32), EPT_RWX, EPT_MT_WB, true), 0);
	assert_int_equal(console_capture_lines(), 0);
	assert_int_equal(e.pages, 3); /* PML4, PDPT, PD */
	check_structure(&e);
	for (uint64_t g = 0; g < MiB(32); g += MiB(2)) {
		expect_leaf(&e, g, 0x40000000 + g, EPT_RWX, EPT_MT_WB, MiB(2));
		/* bits 2:0 RWX, 5:3 WB, 6 ignore-PAT 0, 7 large page */
		assert_int_equal(raw_pde(&e, g), (0x40000000 + g) | 0xb7);
	}
	assert_int_equal(ept_translate(&e, 0x1234567, &hpa, &perms), 0);
	assert_int_equal(hpa, 0x41234567);
	assert_int_equal(perms, EPT_RWX);
	assert_int_equal(ept_translate(&e, MiB(32) - 1, &hpa, NULL), 0);
	assert_int_equal(hpa, 0x40000000 + MiB(32) - 1);
	assert_int_equal(ept_translate(&e, MiB(32), &hpa, &perms), -E_NOENT);
	ept_destroy(&e);

	/* Same partition with 4 KiB pages only: 16 page tables more. */
	assert_int_equal(ept_init(&e, &ops, false), 0);
	assert_int_equal(ept_map(&e, 0, 0x40000000, MiB(32), EPT_R | EPT_X, EPT_MT_UC, false), 0);
	assert_int_equal(e.pages, 19);
	check_structure(&e);
	expect_leaf(&e, 0x1fff000, 0x41fff000, EPT_R | EPT_X, EPT_MT_UC, KiB(4));
	ept_destroy(&e);
	assert_int_equal(outstanding(), 0);
}

/* 4 KiB head and tail around 2 MiB leaves; misaligned hpa forbids 2 MiB. */
static void test_mixed_granularity(void **state)
{
	struct ept e;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, false), 0);
	assert_int_equal(
		ept_map(&e, 0x1ff000, 0x501ff000, 0x402000, EPT_R | EPT_W, EPT_MT_WB, true), 0);
	expect_leaf(&e, 0x1ff000, 0x501ff000, EPT_R | EPT_W, EPT_MT_WB, KiB(4));
	expect_leaf(&e, 0x200000, 0x50200000, EPT_R | EPT_W, EPT_MT_WB, MiB(2));
	expect_leaf(&e, 0x4fffff, 0x504fffff, EPT_R | EPT_W, EPT_MT_WB, MiB(2));
	expect_leaf(&e, 0x600abc, 0x50600abc, EPT_R | EPT_W, EPT_MT_WB, KiB(4));
	assert_int_equal(ept_translate(&e, 0x1fe000, NULL, NULL), -E_NOENT);
	assert_int_equal(ept_translate(&e, 0x601000, NULL, NULL), -E_NOENT);
	assert_int_equal(e.pages, 5); /* PML4, PDPT, PD, two PTs */

	/* gpa 2 MiB aligned but hpa only 4 KiB aligned: every leaf is 4 KiB. */
	assert_int_equal(ept_map(&e, 0x10000000, 0x60001000, MiB(4), EPT_RWX, EPT_MT_WB, true), 0);
	for (uint64_t g = 0; g < MiB(4); g += KiB(4))
		expect_leaf(&e, 0x10000000 + g, 0x60001000 + g, EPT_RWX, EPT_MT_WB, KiB(4));
	/* Crossing a 512 GiB (PML4 entry) boundary. */
	assert_int_equal(ept_map(&e, GiB(512) - MiB(2), 0x80000000, MiB(4), EPT_X, EPT_MT_WT, true),
			 0);
	expect_leaf(&e, GiB(512) - 1, 0x80000000 + MiB(2) - 1, EPT_X, EPT_MT_WT, MiB(2));
	expect_leaf(&e, GiB(512), 0x80000000 + MiB(2), EPT_X, EPT_MT_WT, MiB(2));
	/* Top of the 48-bit space. */
	assert_int_equal(
		ept_map(&e, EPT_GPA_LIMIT - KiB(4), 0x1000, KiB(4), EPT_R, EPT_MT_UC, true), 0);
	expect_leaf(&e, EPT_GPA_LIMIT - 1, 0x1fff, EPT_R, EPT_MT_UC, KiB(4));
	check_structure(&e);
	ept_destroy(&e);
}

static void test_overlap_refused(void **state)
{
	static const struct {
		uint64_t gpa, len;
	} tries[] = {
		{ 0x300000, MiB(2) },	/* overlaps the head */
		{ 0x3ff000, 0x2000 },	/* last page before + first page */
		{ 0x400000, 0x1000 },	/* middle, inside a 2 MiB leaf */
		{ 0x200000, MiB(64) },	/* contains everything */
		{ 0x900000, 0x1000 },	/* exactly the last page */
		{ 0x8ff000, GiB(600) }, /* runs far past the end */
	};
	struct ept e;
	struct snap s;
	uint64_t pages;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, false), 0);
	assert_int_equal(ept_map(&e, 0x400000, 0x40400000, 0x501000, EPT_RWX, EPT_MT_WB, true), 0);
	pages = e.pages;
	snap_take(&s, &e, 0, MiB(16));
	for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
		unsigned long attempts = pool.attempts;

		console_capture_reset();
		if (ept_map(&e, tries[i].gpa, 0x70000000, tries[i].len, EPT_R, EPT_MT_UC, i & 1) !=
		    -E_EXIST)
			fail_msg("case %zu: overlap not refused", i);
		assert_int_equal(console_capture_lines(), 1);
		assert_true(console_capture_has("overlaps the mapping at 0x"));
		assert_int_equal(pool.attempts, attempts); /* checked before building */
		assert_int_equal(e.pages, pages);
		snap_check(&s, &e);
	}
	console_capture_reset();
	ept_map(&e, 0x300000, 0x70000000, MiB(2), EPT_R, EPT_MT_UC, true);
	assert_true(console_capture_has("overlaps the mapping at 0x400000"));
	/* Adjacent on both sides is fine. */
	assert_int_equal(ept_map(&e, 0x3ff000, 0x1000, 0x1000, EPT_R, EPT_MT_UC, true), 0);
	assert_int_equal(ept_map(&e, 0x901000, 0x2000, 0x1000, EPT_R, EPT_MT_UC, true), 0);
	check_structure(&e);
	snap_free(&s);
	ept_destroy(&e);
}

static void test_unmap_split(void **state)
{
	struct ept e;
	uint64_t hpa;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, false), 0);
	assert_int_equal(ept_map(&e, 0, 0x40000000, MiB(8), EPT_R | EPT_X, EPT_MT_WT, true), 0);
	assert_int_equal(e.pages, 3);

	/* One page out of the first 2 MiB leaf: split into a PT. */
	assert_int_equal(ept_unmap(&e, 0x1000, 0x1000), 0);
	assert_int_equal(e.pages, 4);
	assert_int_equal(ept_translate(&e, 0x1000, &hpa, NULL), -E_NOENT);
	expect_leaf(&e, 0x0, 0x40000000, EPT_R | EPT_X, EPT_MT_WT, KiB(4));
	expect_leaf(&e, 0x2000, 0x40002000, EPT_R | EPT_X, EPT_MT_WT, KiB(4));
	expect_leaf(&e, 0x1ff000, 0x401ff000, EPT_R | EPT_X, EPT_MT_WT, KiB(4));
	expect_leaf(&e, 0x200000, 0x40200000, EPT_R | EPT_X, EPT_MT_WT, MiB(2));
	check_structure(&e);

	/* Across a boundary: splits both neighbouring 2 MiB leaves. */
	assert_int_equal(ept_unmap(&e, 0x3ff000, 0x2000), 0);
	assert_int_equal(e.pages, 6);
	assert_int_equal(ept_translate(&e, 0x3ff000, NULL, NULL), -E_NOENT);
	assert_int_equal(ept_translate(&e, 0x400000, NULL, NULL), -E_NOENT);
	expect_leaf(&e, 0x3fe000, 0x403fe000, EPT_R | EPT_X, EPT_MT_WT, KiB(4));
	expect_leaf(&e, 0x401000, 0x40401000, EPT_R | EPT_X, EPT_MT_WT, KiB(4));

	/* A whole 2 MiB leaf goes without a split (no allocation at all). */
	{
		unsigned long attempts = pool.attempts;

		assert_int_equal(ept_unmap(&e, 0x600000, MiB(2)), 0);
		assert_int_equal(pool.attempts, attempts);
		assert_int_equal(ept_translate(&e, 0x600000, NULL, NULL), -E_NOENT);
		assert_int_equal(e.pages, 6);
	}
	/* Holes are fine; unmapping them again changes nothing. */
	assert_int_equal(ept_unmap(&e, 0x600000, MiB(2)), 0);
	assert_int_equal(ept_unmap(&e, GiB(4), GiB(1)), 0);
	check_structure(&e);

	/* Everything away: only the PML4 is left. */
	assert_int_equal(ept_unmap(&e, 0, MiB(8)), 0);
	assert_int_equal(e.pages, 1);
	check_structure(&e);
	ept_destroy(&e);
}

static void test_holes_and_translate(void **state)
{
	struct ept e;
	uint64_t hpa = 0x55;
	uint32_t perms = 0x55;
	struct ept_leaf l;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, false), 0);
	assert_int_equal(ept_translate(&e, 0, &hpa, &perms), -E_NOENT);
	assert_int_equal(hpa, 0x55); /* untouched on failure */
	assert_int_equal(perms, 0x55);
	assert_int_equal(ept_map(&e, GiB(1), GiB(3), KiB(8), EPT_R, EPT_MT_WB, true), 0);
	assert_int_equal(ept_translate(&e, GiB(1) - 1, NULL, NULL), -E_NOENT);
	assert_int_equal(ept_translate(&e, GiB(1) + KiB(8), NULL, NULL), -E_NOENT);
	assert_int_equal(ept_translate(&e, GiB(2), NULL, NULL), -E_NOENT);
	assert_int_equal(ept_translate(&e, GiB(1) + 5, NULL, NULL), 0);
	assert_int_equal(ept_translate(&e, EPT_GPA_LIMIT, &hpa, NULL), -E_RANGE);
	assert_int_equal(ept_translate(&e, ~0ULL, &hpa, NULL), -E_RANGE);
	console_capture_reset();
	assert_int_equal(ept_lookup(&e, 0, NULL), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
	assert_int_equal(ept_lookup(&e, GiB(1) + KiB(4), &l), 0);
	assert_int_equal(l.hpa, GiB(3) + KiB(4));
	ept_destroy(&e);
}

static void test_bad_arguments(void **state)
{
	static const struct {
		uint64_t gpa, hpa, len;
		uint32_t perms, mt;
		int rc;
		const char *msg;
	} bad[] = {
		{ 0x1001, 0, 0x1000, EPT_R, 6, -E_INVAL, "not a non-empty 4 KiB-aligned range" },
		{ 0x1000, 0, 0x1800, EPT_R, 6, -E_INVAL, "not a non-empty 4 KiB-aligned range" },
		{ 0x1000, 0, 0, EPT_R, 6, -E_INVAL, "not a non-empty 4 KiB-aligned range" },
		{ 0x1000, 0x10, 0x1000, EPT_R, 6, -E_INVAL, "hpa 0x10 not 4 KiB aligned" },
		{ 0x1000, 0, 0x1000, 0, 6, -E_INVAL, "bad permissions 0x0" },
		{ 0x1000, 0, 0x1000, EPT_W, 6, -E_INVAL, "bad permissions 0x2" },
		{ 0x1000, 0, 0x1000, EPT_W | EPT_X, 6, -E_INVAL, "bad permissions 0x6" },
		{ 0x1000, 0, 0x1000, 0x9, 6, -E_INVAL, "bad permissions 0x9" },
		{ 0x1000, 0, 0x1000, EPT_R, 2, -E_INVAL, "memory type 2" },
		{ 0x1000, 0, 0x1000, EPT_R, 3, -E_INVAL, "memory type 3" },
		{ 0x1000, 0, 0x1000, EPT_R, 7, -E_INVAL, "memory type 7" },
		{ 0x1000, 0, 0x1000, EPT_R, 14, -E_INVAL, "memory type 14" },
		{ 1ULL << 48, 0, 0x1000, EPT_R, 6, -E_RANGE, "beyond the 48-bit" },
		{ (1ULL << 48) - 0x1000, 0, 0x2000, EPT_R, 6, -E_RANGE, "beyond the 48-bit" },
		{ 0x1000, 0, ~0xfffULL, EPT_R, 6, -E_RANGE, "beyond the 48-bit" },
		{ ~0xfffULL, 0, 0x2000, EPT_R, 6, -E_RANGE, "beyond the 48-bit" },
		{ 0x1000, 1ULL << 52, 0x1000, EPT_R, 6, -E_RANGE, "beyond the 52-bit" },
		{ 0x1000, (1ULL << 52) - 0x1000, 0x2000, EPT_R, 6, -E_RANGE, "beyond the 52-bit" },
	};
	struct ept e;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, false), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		console_capture_reset();
		assert_int_equal(ept_map(&e, bad[i].gpa, bad[i].hpa, bad[i].len, bad[i].perms,
					 bad[i].mt, true),
				 bad[i].rc);
		assert_int_equal(console_capture_lines(), 1);
		if (!console_capture_has(bad[i].msg))
			fail_msg("case %zu: got '%s'", i, console_capture());
		assert_int_equal(e.pages, 1);
	}
	console_capture_reset();
	assert_int_equal(ept_unmap(&e, 0x800, 0x1000), -E_INVAL);
	assert_int_equal(ept_unmap(&e, 0x1000, 0), -E_INVAL);
	assert_int_equal(ept_unmap(&e, 1ULL << 48, 0x1000), -E_RANGE);
	assert_int_equal(ept_unmap(&e, 0x1000, ~0xfffULL), -E_RANGE);
	assert_int_equal(console_capture_lines(), 4);
	/* The corner cases that are legal. */
	assert_int_equal(ept_map(&e, 0x1000, (1ULL << 52) - 0x1000, 0x1000, EPT_X, 5, true), 0);
	expect_leaf(&e, 0x1000, (1ULL << 52) - 0x1000, EPT_X, EPT_MT_WP, KiB(4));
	assert_int_equal(ept_map(&e, 0x2000, 0, 0x1000, EPT_R, EPT_MT_WC, true), 0);
	expect_leaf(&e, 0x2000, 0, EPT_R, EPT_MT_WC, KiB(4));
	check_structure(&e);
	ept_destroy(&e);
}

/*
 * Fail the k-th allocation of `op` for every k it would make: each time
 * -E_NOMEM, the same translations, the same pages; then it succeeds.
 */
static void fail_every_step(struct ept *e, int (*op)(struct ept *e), uint64_t win_gpa,
			    uint64_t win_len)
{
	struct snap s;
	uint64_t pages = e->pages;
	unsigned long out = outstanding();
	unsigned long k;
	int rc;

	snap_take(&s, e, win_gpa, win_len);
	for (k = 1;; k++) {
		pool.attempts = 0;
		pool.fail_at = k;
		console_capture_reset();
		rc = op(e);
		pool.fail_at = 0;
		if (rc == 0)
			break;
		assert_int_equal(rc, -E_NOMEM);
		assert_int_equal(console_capture_lines(), 1);
		assert_int_equal(e->pages, pages);
		assert_int_equal(outstanding(), out);
		snap_check(&s, e);
		check_structure(e);
	}
	assert_true(k > 1); /* the op did allocate, so failures were really tried */
	assert_int_equal(pool.attempts, k - 1);
	check_structure(e);
	snap_free(&s);
}

static int op_map_cross(struct ept *e)
{
	/* 4 KiB head, 2 MiB leaves, 4 KiB tail, across a 512 GiB boundary. */
	return ept_map(e, GiB(512) - MiB(4) - KiB(12), 0x40000000 - MiB(4) - KiB(12),
		       MiB(8) + KiB(24), EPT_RWX, EPT_MT_WB, true);
}

static int op_map_shared(struct ept *e)
{
	/* Shares the PD and one PT with the existing mappings; needs one new PT. */
	return ept_map(e, 0x500000, 0x9000000, 0x101000, EPT_R, EPT_MT_UC, false);
}

static int op_map_4k(struct ept *e)
{
	return ept_map(e, GiB(3) - MiB(3), GiB(7), MiB(6), EPT_R | EPT_W, EPT_MT_WB, false);
}

static int op_unmap_two_splits(struct ept *e)
{
	return ept_unmap(e, 0x1ff000 + MiB(16), MiB(2) + KiB(8));
}

static void test_alloc_failure_every_step(void **state)
{
	struct ept e;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, false), 0);
	/* Existing mappings, so some tables already exist and must survive. */
	assert_int_equal(ept_map(&e, 0, 0x40000000, 0x3f0000, EPT_RWX, EPT_MT_WB, true), 0);
	assert_int_equal(ept_map(&e, 0x400000, 0x40400000, MiB(1), EPT_RWX, EPT_MT_WB, true), 0);
	assert_int_equal(ept_map(&e, MiB(16), 0x50000000, MiB(8), EPT_RWX, EPT_MT_WB, true), 0);
	assert_int_equal(ept_map(&e, GiB(512) + MiB(8), GiB(2), MiB(2), EPT_R, EPT_MT_WB, true), 0);
	check_structure(&e);

	fail_every_step(&e, op_map_cross, GiB(512) - MiB(8), MiB(20));
	expect_leaf(&e, GiB(512) - MiB(4) - KiB(12), 0x40000000 - MiB(4) - KiB(12), EPT_RWX,
		    EPT_MT_WB, KiB(4));
	expect_leaf(&e, GiB(512), 0x40000000, EPT_RWX, EPT_MT_WB, MiB(2));
	fail_every_step(&e, op_map_shared, 0, MiB(8));
	expect_leaf(&e, 0x500000, 0x9000000, EPT_R, EPT_MT_UC, KiB(4));
	expect_leaf(&e, 0x600000, 0x9100000, EPT_R, EPT_MT_UC, KiB(4));
	expect_leaf(&e, 0x4ff000, 0x404ff000, EPT_RWX, EPT_MT_WB, KiB(4));
	fail_every_step(&e, op_map_4k, GiB(3) - MiB(4), MiB(8));
	fail_every_step(&e, op_unmap_two_splits, MiB(14), MiB(12));
	assert_int_equal(ept_translate(&e, 0x1ff000 + MiB(16), NULL, NULL), -E_NOENT);
	expect_leaf(&e, 0x1fe000 + MiB(16), 0x501fe000, EPT_RWX, EPT_MT_WB, KiB(4));
	expect_leaf(&e, 0x401000 + MiB(16), 0x50401000, EPT_RWX, EPT_MT_WB, KiB(4));
	expect_leaf(&e, 0x600000 + MiB(16), 0x50600000, EPT_RWX, EPT_MT_WB, MiB(2));
	ept_destroy(&e);
}

/* Destroy frees exactly what was allocated, from a well-filled EPT. */
static void test_destroy_frees_all(void **state)
{
	struct ept e;
	unsigned long allocs0 = pool.allocs, frees0 = pool.frees;

	(void)state;
	assert_int_equal(ept_init(&e, &ops, true), 0);
	for (uint64_t i = 0; i < 8; i++)
		assert_int_equal(ept_map(&e, i * GiB(513) + KiB(4), KiB(4), MiB(3), EPT_RWX,
					 EPT_MT_WB, i & 1),
				 0);
	assert_true(e.pages > 20);
	check_structure(&e);
	assert_int_equal(pool.allocs - allocs0, e.pages);
	ept_destroy(&e);
	assert_int_equal(pool.allocs - allocs0, pool.frees - frees0);
	assert_int_equal(e.pages, 0);
	assert_int_equal(e.eptp, 0);
}

/* ---- fuzz against a flat reference model ---- */

#define FZ_PAGES 4096		     /* 16 MiB of guest space */
#define FZ_BASE	 (GiB(512) - MiB(8)) /* straddles a PML4 entry boundary */

struct ref_page {
	uint64_t hpa; /* 0 = unmapped (hpa 0 is never used by the fuzzer) */
	uint32_t perms, mt;
};

static struct ref_page ref[FZ_PAGES];

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fuzz_compare(const struct ept *e)
{
	for (unsigned int i = 0; i < FZ_PAGES; i++) {
		struct ept_leaf l;
		int rc = ept_lookup(e, FZ_BASE + (uint64_t)i * 4096, &l);

		if (!ref[i].hpa) {
			assert_int_equal(rc, -E_NOENT);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(l.hpa, ref[i].hpa);
		assert_int_equal(l.perms, ref[i].perms);
		assert_int_equal(l.memtype, ref[i].mt);
	}
}

static void fuzz_one(uint64_t seed)
{
	static const uint32_t perms[] = { EPT_R, EPT_R | EPT_W, EPT_R | EPT_X, EPT_RWX, EPT_X };
	static const uint32_t mts[] = { EPT_MT_UC, EPT_MT_WB, EPT_MT_WT };
	uint64_t s = seed;
	struct ept e;
	unsigned int big = 0;

	memset(ref, 0, sizeof(ref));
	assert_int_equal(ept_init(&e, &ops, false), 0);
	for (int step = 0; step < 250; step++) {
		unsigned int first = (unsigned int)(rnd(&s) % FZ_PAGES);
		unsigned int n = 1 + (unsigned int)(rnd(&s) % (rnd(&s) & 1 ? 16 : 1200));
		bool inject = rnd(&s) % 8 == 0;
		uint64_t gpa;
		int rc;

		if (rnd(&s) & 1)
			first &= ~511u; /* 2 MiB aligned start */
		if (first + n > FZ_PAGES)
			n = FZ_PAGES - first;
		gpa = FZ_BASE + (uint64_t)first * 4096;
		pool.attempts = 0;
		pool.fail_at = inject ? 1 + rnd(&s) % 4 : 0;
		console_capture_reset();
		if (rnd(&s) % 3) {
			/* hpa congruent to gpa modulo 2 MiB half the time */
			uint64_t hpa = GiB(1) + MiB(2) * (rnd(&s) % 64) +
				       (rnd(&s) & 1 ? (uint64_t)first * 4096 :
						      KiB(4) * (1 + rnd(&s) % 511));
			uint32_t p = perms[rnd(&s) % ARRAY_SIZE(perms)];
			uint32_t mt = mts[rnd(&s) % ARRAY_SIZE(mts)];
			bool overlap = false;

			for (unsigned int i = first; i < first + n; i++)
				overlap |= ref[i].hpa != 0;
			rc = ept_map(&e, gpa, hpa, (uint64_t)n * 4096, p, mt, rnd(&s) & 1);
			if (overlap) {
				assert_int_equal(rc, -E_EXIST);
			} else if (rc == 0) {
				for (unsigned int i = 0; i < n; i++)
					ref[first + i] =
						(struct ref_page){ hpa + i * 4096ULL, p, mt };
			} else {
				assert_int_equal(rc, -E_NOMEM);
				assert_true(inject);
			}
		} else {
			rc = ept_unmap(&e, gpa, (uint64_t)n * 4096);
			if (rc == 0)
				memset(&ref[first], 0, n * sizeof(ref[0]));
			else
				assert_true(rc == -E_NOMEM && inject);
		}
		pool.fail_at = 0;
		assert_true(console_capture_lines() <= 1);
		fuzz_compare(&e);
		check_structure(&e);
		if (e.pages > 3)
			big++;
	}
	assert_true(big > 0);
	assert_int_equal(ept_unmap(&e, FZ_BASE, FZ_PAGES * 4096ULL), 0);
	assert_int_equal(e.pages, 1);
	ept_destroy(&e);
	assert_int_equal(outstanding(), 0);
}

static void test_fuzz(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++)
		fuzz_one(seed * 0x9e3779b97f4a7c15ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_eptp, pool_setup, pool_teardown),
		cmocka_unit_test_setup_teardown(test_partition_32m, pool_setup, pool_teardown),
		cmocka_unit_test_setup_teardown(test_mixed_granularity, pool_setup, pool_teardown),
		cmocka_unit_test_setup_teardown(test_overlap_refused, pool_setup, pool_teardown),
		cmocka_unit_test_setup_teardown(test_unmap_split, pool_setup, pool_teardown),
		cmocka_unit_test_setup_teardown(test_holes_and_translate, pool_setup,
						pool_teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, pool_setup, pool_teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure_every_step, pool_setup,
						pool_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_frees_all, pool_setup, pool_teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, pool_setup, pool_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
