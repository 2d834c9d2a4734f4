// SPDX-License-Identifier: MIT
/*
 * Unit tests for the guest page walk: page tables built by hand in a fake
 * guest memory for each paging mode (32-bit with 4 KiB and 4 MiB pages, PAE,
 * 4-level with 4 KiB / 2 MiB / 1 GiB pages, 5-level), and every failure:
 * an entry not present at each level, a table outside guest memory.
 * Environment: hosted unit tests (cmocka, ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "arch/x86/vdev/gwalk.h"
#include "lib/errno.h"

#define MEM_SIZE (4u << 20) /* the fake guest has 4 MiB */
#define P	 1ULL
#define RW	 2ULL
#define PS	 (1ULL << 7)

static uint8_t mem[MEM_SIZE];
static unsigned reads;

static bool rd(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	reads++;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return false;
	memcpy(buf, mem + gpa, len);
	return true;
}

static void put32(uint64_t at, uint32_t v)
{
	memcpy(mem + at, &v, 4);
}

static void put64(uint64_t at, uint64_t v)
{
	memcpy(mem + at, &v, 8);
}

static struct gwalk mode(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	memset(mem, 0, sizeof(mem));
	reads = 0;
	return (struct gwalk){ .cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer, .read = rd };
}

static void expect_gpa(const struct gwalk *w, uint64_t lin, uint64_t want)
{
	uint64_t gpa = 0;
	const char *why = NULL;

	assert_int_equal(gwalk_translate(w, lin, &gpa, &why), 0);
	assert_int_equal(gpa, want);
}

static void expect_fail(const struct gwalk *w, uint64_t lin, const char *want_why)
{
	uint64_t gpa = 0;
	const char *why = NULL;

	assert_int_equal(gwalk_translate(w, lin, &gpa, &why), -E_NOENT);
	assert_non_null(why);
	assert_string_equal(why, want_why);
}

static void test_paging_off(void **state)
{
	(void)state;
	struct gwalk w = mode(1, 0x1000, 0, 0);

	expect_gpa(&w, 0xfee00030, 0xfee00030);
	assert_int_equal(reads, 0);
}

#define PG (GWALK_CR0_PG | 1)

static void test_32bit_4k(void **state)
{
	(void)state;
	struct gwalk w = mode(PG, 0x10000, 0, 0);

	/* lin 0xc0123456: PDE index 0x300, PTE index 0x123. */
	put32(0x10000 + 0x300 * 4, 0x11000 | P | RW);
	put32(0x11000 + 0x123 * 4, 0x2a000 | P);
	expect_gpa(&w, 0xc0123456, 0x2a456);
	/* Bits 63:32 of the linear address are not part of a 32-bit walk. */
	expect_gpa(&w, 0x1c0123456ULL & 0xffffffff, 0x2a456);
	expect_fail(&w, 0xc0124000, "PTE not present");
	expect_fail(&w, 0x00400000, "PDE not present");
	/* PS without CR4.PSE is ignored: the entry still names a page table. */
	put32(0x10000 + 0x301 * 4, 0x11000 | P | PS);
	expect_gpa(&w, 0xc0523456, 0x2a456);
}

static void test_32bit_4m(void **state)
{
	(void)state;
	struct gwalk w = mode(PG, 0x10000, GWALK_CR4_PSE, 0);

	put32(0x10000 + 0x3fb * 4, 0xfec00000u | P | RW | PS);
	expect_gpa(&w, 0xfec12345, 0xfec12345);
	/* PSE-36: bits 20:13 of the PDE are physical bits 39:32. */
	put32(0x10000 + 0x001 * 4, 0x00400000u | (0x5u << 13) | P | PS);
	expect_gpa(&w, 0x00412345, 0x500412345ULL);
	/* A page directory outside guest memory. */
	w.cr3 = 0x80000000u;
	expect_fail(&w, 0x1000, "page directory outside guest memory");
}

static void test_32bit_pt_outside(void **state)
{
	(void)state;
	struct gwalk w = mode(PG, 0x10000, 0, 0);

	put32(0x10000, 0x7ffff000u | P);
	expect_fail(&w, 0x1000, "page table outside guest memory");
}

static void test_pae(void **state)
{
	(void)state;
	struct gwalk w = mode(PG, 0x10000, GWALK_CR4_PAE, 0);

	/* The PDPTEs come from the VMCS copy, never from CR3's table. */
	w.pdpte[3] = 0x20000 | P;
	put64(0x20000 + 0x1f6 * 8, 0xfec00000ULL | P | RW | PS); /* 2 MiB page */
	put64(0x20000 + 0x1f7 * 8, 0x21000 | P | RW);		 /* page table */
	put64(0x21000 + 0x010 * 8, 0x123456789000ULL | P | RW);
	expect_gpa(&w, 0xfec01234, 0xfec01234);
	expect_gpa(&w, 0xfee10abc, 0x123456789abcULL);
	expect_fail(&w, 0x00001000, "PDPTE not present");
	expect_fail(&w, 0xc0000000, "PDE not present");
	expect_fail(&w, 0xfee11000, "PTE not present");
}

static void test_long_4level(void **state)
{
	(void)state;
	struct gwalk w = mode(PG, 0x10000, GWALK_CR4_PAE, GWALK_EFER_LMA);
	uint64_t lin = 0xffff800000000000ULL | (0x1ULL << 30) | (0x2ULL << 21) | (0x3ULL << 12) |
		       0x45;

	put64(0x10000 + 0x100 * 8, 0x11000 | P | RW);		 /* PML4[256] */
	put64(0x11000 + 1 * 8, 0x12000 | P | RW);		 /* PDPT[1] */
	put64(0x12000 + 2 * 8, 0x13000 | P | RW);		 /* PD[2] */
	put64(0x13000 + 3 * 8, 0x3f000 | P | RW | (1ULL << 63)); /* PT[3], NX set */
	expect_gpa(&w, lin, 0x3f045);
	/* 2 MiB and 1 GiB pages. */
	put64(0x12000 + 4 * 8, 0x40000000ULL | P | PS);
	expect_gpa(&w, (lin & ~0x3fffffffULL) | (4ULL << 21) | 0x12345, 0x40012345);
	put64(0x11000 + 5 * 8, 0x1c0000000ULL | P | PS);
	expect_gpa(&w, 0xffff800000000000ULL | (5ULL << 30) | 0x1234567, 0x1c1234567ULL);
	expect_fail(&w, 0x1000, "PML4E not present");
	expect_fail(&w, 0xffff800000000000ULL | (7ULL << 30), "PDPTE not present");
	expect_fail(&w, (lin & ~0x3fffffffULL) | (9ULL << 21), "PDE not present");
	expect_fail(&w, lin + 0x1000, "PTE not present");
	put64(0x11000 + 6 * 8, 0x7ff00000ULL | P);
	expect_fail(&w, 0xffff800000000000ULL | (6ULL << 30),
		    "page directory outside guest memory");
}

static void test_long_5level(void **state)
{
	(void)state;
	struct gwalk w = mode(PG, 0x10000, GWALK_CR4_PAE | GWALK_CR4_LA57, GWALK_EFER_LMA);
	uint64_t lin = (0x1ULL << 48) | (0x2ULL << 39) | (0x3ULL << 30) | 0x123;

	put64(0x10000 + 1 * 8, 0x11000 | P);
	put64(0x11000 + 2 * 8, 0x12000 | P);
	put64(0x12000 + 3 * 8, 0x80000000ULL | P | PS);
	expect_gpa(&w, lin, 0x80000123);
	expect_fail(&w, 0x2ULL << 48, "PML5E not present");
	expect_fail(&w, 0x1ULL << 48, "PML4E not present");
	put64(0x10000 + 4 * 8, 0x900000000ULL | P);
	expect_fail(&w, 0x4ULL << 48, "PML4 table outside guest memory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paging_off),  cmocka_unit_test(test_32bit_4k),
		cmocka_unit_test(test_32bit_4m),    cmocka_unit_test(test_32bit_pt_outside),
		cmocka_unit_test(test_pae),	    cmocka_unit_test(test_long_4level),
		cmocka_unit_test(test_long_5level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
