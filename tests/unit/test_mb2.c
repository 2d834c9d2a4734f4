// SPDX-License-Identifier: MIT
/*
 * Unit tests for the Multiboot2 boot-information parser: well-formed and
 * deliberately broken tag lists built in memory.
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

#include "boot/mb2.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"

/* A boot-info blob under construction; 8-byte aligned storage. */
struct blob {
	uint64_t q[8192];
	uint32_t len;
};

static uint8_t *bytes(struct blob *b)
{
	return (uint8_t *)b->q;
}

static void put32(struct blob *b, uint32_t off, uint32_t v)
{
	memcpy(bytes(b) + off, &v, 4);
}

static void blob_init(struct blob *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/* Append a tag whose size field says `size` (may lie) with plen payload
 * bytes; the next tag starts 8-byte aligned after the real payload. */
static uint32_t add_raw(struct blob *b, uint32_t type, uint32_t size, const void *p, uint32_t plen)
{
	uint32_t off = b->len;

	put32(b, off, type);
	put32(b, off + 4, size);
	if (plen)
		memcpy(bytes(b) + off + 8, p, plen);
	b->len = (off + 8 + plen + 7) & ~7u;
	return off;
}

static uint32_t add_tag(struct blob *b, uint32_t type, const void *p, uint32_t plen)
{
	return add_raw(b, type, 8 + plen, p, plen);
}

static void add_str(struct blob *b, uint32_t type, const char *s)
{
	add_tag(b, type, s, (uint32_t)strlen(s) + 1);
}

static void add_u32s(struct blob *b, uint32_t type, uint32_t a, uint32_t c)
{
	uint32_t v[2] = { a, c };

	add_tag(b, type, v, sizeof(v));
}

static void add_module(struct blob *b, uint32_t start, uint32_t end, const char *cmd)
{
	uint8_t p[64] = { 0 };

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	strcpy((char *)p + 8, cmd);
	add_tag(b, MB2_TAG_MODULE, p, 8 + (uint32_t)strlen(cmd) + 1);
}

/* Memory map tag with entries of esz bytes (>= 24). */
static void add_mmap(struct blob *b, uint32_t esz, const struct mem_region *r, uint32_t n)
{
	static uint8_t p[65536];
	uint32_t ver = 0;

	memset(p, 0, sizeof(p));
	memcpy(p, &esz, 4);
	memcpy(p + 4, &ver, 4);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *e = p + 8 + i * esz;

		memcpy(e, &r[i].base, 8);
		memcpy(e + 8, &r[i].len, 8);
		memcpy(e + 16, &r[i].type, 4);
	}
	add_tag(b, MB2_TAG_MMAP, p, 8 + n * esz);
}

static void finish(struct blob *b)
{
	add_tag(b, MB2_TAG_END, NULL, 0);
	put32(b, 0, b->len);
}

static struct blob B;
static struct boot_info BI;

static int setup(void **state)
{
	(void)state;
	blob_init(&B);
	memset(&BI, 0xa5, sizeof(BI)); /* parser must clear everything */
	console_capture_reset();
	return 0;
}

static const struct mem_region std_map[] = {
	{ 0, 0x9fc00, MEM_AVAILABLE },
	{ 0xf0000, 0x10000, MEM_RESERVED },
	{ 0x100000, 0x7ff00000, MEM_AVAILABLE },
	{ 0xfee00000, 0x1000, MEM_NVS },
};

static void test_happy_path(void **state)
{
	uint8_t old_rsdp[20] = "RSD PTR old";
	uint8_t new_rsdp[36] = "RSD PTR new";
	uint32_t new_off;

	(void)state;
	add_str(&B, MB2_TAG_CMDLINE, "console=serial cpus=4");
	add_str(&B, MB2_TAG_LOADER, "GRUB 2.06");
	add_u32s(&B, MB2_TAG_MEMINFO, 639, 2096000);
	add_mmap(&B, 24, std_map, 4);
	add_module(&B, 0x800000, 0x900000, "guest0 linux");
	add_module(&B, 0x900000, 0x900000, "");
	add_tag(&B, 99, "whatever", 8); /* unknown: skipped silently */
	add_tag(&B, MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
	new_off = add_tag(&B, MB2_TAG_ACPI_NEW, new_rsdp, sizeof(new_rsdp));
	add_u32s(&B, MB2_TAG_LOAD_BASE, 0x200000, 0);
	finish(&B);

	assert_int_equal(mb2_parse(B.q, 0x10000, &BI), 0);
	assert_string_equal(console_capture(), "");
	assert_false(BI.truncated);
	assert_int_equal(BI.info_phys, 0x10000);
	assert_int_equal(BI.info_size, B.len);
	assert_string_equal(BI.cmdline, "console=serial cpus=4");
	assert_string_equal(BI.loader, "GRUB 2.06");
	assert_true(BI.have_meminfo);
	assert_int_equal(BI.mem_lower_kb, 639);
	assert_int_equal(BI.mem_upper_kb, 2096000);
	assert_true(BI.have_mmap);
	assert_false(BI.mmap_from_meminfo);
	assert_int_equal(BI.nmmap, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(BI.mmap[i].base, std_map[i].base);
		assert_int_equal(BI.mmap[i].len, std_map[i].len);
		assert_int_equal(BI.mmap[i].type, std_map[i].type);
	}
	assert_int_equal(BI.nmods, 2);
	assert_int_equal(BI.mods[0].start, 0x800000);
	assert_int_equal(BI.mods[0].end, 0x900000);
	assert_string_equal(BI.mods[0].cmdline, "guest0 linux");
	assert_string_equal(BI.mods[1].cmdline, "");
	assert_int_equal(BI.rsdp_tag, 15);
	assert_ptr_equal(BI.rsdp, (const uint8_t *)B.q + new_off + 8);
	assert_int_equal(BI.rsdp_len, 36);
	assert_memory_equal(BI.rsdp, "RSD PTR new", 11);
	assert_true(BI.have_load_base);
	assert_int_equal(BI.load_base_phys, 0x200000);

	console_capture_reset();
	mb2_print(&BI);
	assert_true(
		console_capture_has("mem: [0x0000000000100000-0x000000007fffffff] available\n"));
	assert_true(console_capture_has("mem: [0x00000000000f0000-0x00000000000fffff] reserved\n"));
	assert_true(console_capture_has("mem: [0x00000000fee00000-0x00000000fee00fff] ACPI NVS\n"));
	assert_true(console_capture_has("mb2: module 0 [0x800000-0x900000) \"guest0 linux\""));
	assert_true(console_capture_has("command line \"console=serial cpus=4\""));
}

static void test_rsdp_new_before_old(void **state)
{
	uint8_t rsdp[36] = "NEW";
	uint8_t old_rsdp[20] = "OLD";

	(void)state;
	add_tag(&B, MB2_TAG_ACPI_NEW, rsdp, sizeof(rsdp));
	add_tag(&B, MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
	add_mmap(&B, 24, std_map, 4);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_int_equal(BI.rsdp_tag, 15);
	assert_string_equal((const char *)BI.rsdp, "NEW");
	assert_int_equal(BI.rsdp_len, 36);
}

static void test_rsdp_old_only_and_short(void **state)
{
	uint8_t old_rsdp[20] = "OLD";
	uint8_t short_new[20] = "SHORT";

	(void)state;
	add_tag(&B, MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
	add_tag(&B, MB2_TAG_ACPI_NEW, short_new, sizeof(short_new)); /* needs 36 */
	add_tag(&B, MB2_TAG_ACPI_OLD, old_rsdp, 12);		     /* needs 20 */
	add_mmap(&B, 24, std_map, 4);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_int_equal(BI.rsdp_tag, 14);
	assert_string_equal((const char *)BI.rsdp, "OLD");
	assert_int_equal(BI.rsdp_len, 20);
	assert_true(console_capture_has("mb2: ACPI new RSDP tag at offset 0x"));
	assert_true(console_capture_has("has size 28, needs 44; ignored"));
	assert_true(console_capture_has("mb2: ACPI old RSDP tag at offset 0x"));
	assert_int_equal(console_capture_lines(), 2);
	assert_false(BI.truncated);
}

static void test_meminfo_fallback(void **state)
{
	(void)state;
	add_str(&B, MB2_TAG_CMDLINE, "x");
	add_u32s(&B, MB2_TAG_MEMINFO, 639, 523264);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_true(console_capture_has(
		"mb2: no memory map; using basic meminfo (lower 639 KiB, upper 523264 KiB)\n"));
	assert_int_equal(console_capture_lines(), 1);
	assert_true(BI.have_mmap);
	assert_true(BI.mmap_from_meminfo);
	assert_int_equal(BI.nmmap, 2);
	assert_int_equal(BI.mmap[0].base, 0);
	assert_int_equal(BI.mmap[0].len, 639 * 1024);
	assert_int_equal(BI.mmap[0].type, MEM_AVAILABLE);
	assert_int_equal(BI.mmap[1].base, 0x100000);
	assert_int_equal(BI.mmap[1].len, 523264ULL * 1024);
	assert_int_equal(BI.mmap[1].type, MEM_AVAILABLE);
}

static void test_meminfo_fallback_clamps_lower(void **state)
{
	(void)state;
	add_u32s(&B, MB2_TAG_MEMINFO, 4000, 0);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_true(console_capture_has("lower memory 4000 KiB exceeds 640 KiB; clamped"));
	assert_int_equal(BI.nmmap, 1); /* upper 0 -> no second region */
	assert_int_equal(BI.mmap[0].len, 640 * 1024);
}

static void test_no_map_no_meminfo(void **state)
{
	(void)state;
	add_str(&B, MB2_TAG_CMDLINE, "hello");
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_false(BI.have_mmap);
	assert_int_equal(BI.nmmap, 0);
	assert_string_equal(console_capture(),
			    "mb2: no memory map and no basic meminfo in the boot info\n");
	assert_string_equal(BI.cmdline, "hello");
	assert_string_equal(BI.loader, "");
	assert_null(BI.rsdp);
	assert_int_equal(BI.nmods, 0);
	assert_false(BI.have_load_base);
}

static void test_tag_size_below_8(void **state)
{
	uint32_t off;

	(void)state;
	add_str(&B, MB2_TAG_CMDLINE, "kept");
	add_mmap(&B, 24, std_map, 4);
	off = add_raw(&B, MB2_TAG_MMAP, 3, NULL, 0);
	add_str(&B, MB2_TAG_LOADER, "never seen");
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_true(BI.truncated);
	assert_string_equal(BI.cmdline, "kept");
	assert_string_equal(BI.loader, "");
	assert_int_equal(BI.nmmap, 4);
	char want[128];
	snprintf(want, sizeof(want),
		 "mb2: tag 6 at offset 0x%x has size 3; ignoring the rest of the boot info\n", off);
	assert_string_equal(console_capture(), want);
}

static void test_tag_past_total_size(void **state)
{
	(void)state;
	add_mmap(&B, 24, std_map, 4);
	add_raw(&B, MB2_TAG_CMDLINE, 4096, "abc", 4);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_true(BI.truncated);
	assert_true(console_capture_has(
		"has size 4096, past total_size; ignoring the rest of the boot info"));
	assert_int_equal(console_capture_lines(), 1);
	assert_string_equal(BI.cmdline, "");
	assert_int_equal(BI.nmmap, 4);
}

static void test_huge_size_does_not_wrap(void **state)
{
	(void)state;
	add_raw(&B, MB2_TAG_CMDLINE, 0xfffffff8u, "abc", 4);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_true(BI.truncated);
	assert_true(
		console_capture_has("tag 1 at offset 0x8 has size 4294967288, past total_size"));
}

static void test_total_size_bounds(void **state)
{
	(void)state;
	put32(&B, 0, 8);
	assert_int_equal(mb2_parse(B.q, 0, &BI), -E_INVAL);
	assert_true(console_capture_has("mb2: boot info total_size 8 is outside"));
	assert_int_equal(console_capture_lines(), 1);
	assert_string_equal(BI.cmdline, "");
	assert_false(BI.have_mmap);

	console_capture_reset();
	put32(&B, 0, 2u << 20);
	assert_int_equal(mb2_parse(B.q, 0, &BI), -E_INVAL);
	assert_true(console_capture_has("total_size 2097152 is outside"));

	console_capture_reset();
	assert_int_equal(mb2_parse(NULL, 0, &BI), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);

	/* Exactly 16: header + end tag, valid but empty. */
	console_capture_reset();
	finish(&B);
	assert_int_equal(B.len, 16);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_false(BI.truncated);
	assert_true(console_capture_has("no memory map and no basic meminfo"));
}

static void test_missing_end_tag(void **state)
{
	(void)state;
	add_mmap(&B, 24, std_map, 4);
	put32(&B, 0, B.len); /* no end tag */
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_true(BI.truncated);
	assert_true(console_capture_has("mb2: no end tag within total_size"));
	assert_int_equal(BI.nmmap, 4);
}

static void test_strings_without_nul(void **state)
{
	(void)state;
	add_tag(&B, MB2_TAG_CMDLINE, "abcdefgh", 8);
	add_tag(&B, MB2_TAG_LOADER, NULL, 0); /* empty payload */
	add_mmap(&B, 24, std_map, 4);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_string_equal(BI.cmdline, "");
	assert_string_equal(BI.loader, "");
	assert_true(console_capture_has(
		"mb2: command line in tag at offset 0x8 is not NUL-terminated; ignored\n"));
	assert_true(console_capture_has("mb2: boot loader name in tag at offset 0x18"));
	assert_int_equal(console_capture_lines(), 2);
	assert_false(BI.truncated);
}

static void test_too_many_mmap_entries(void **state)
{
	static struct mem_region r[300];

	(void)state;
	for (uint32_t i = 0; i < 300; i++)
		r[i] = (struct mem_region){ 0x100000ULL * (i + 1), 0x1000, MEM_AVAILABLE };
	add_mmap(&B, 24, r, 300);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_int_equal(BI.nmmap, MB2_MAX_MMAP);
	assert_int_equal(BI.mmap[255].base, 0x100000ULL * 256);
	assert_string_equal(console_capture(),
			    "mb2: memory map has 300 entries; kept the first 256\n");
}

static void test_zero_length_wrap_and_types(void **state)
{
	const struct mem_region r[] = {
		{ 0x100000, 0, MEM_AVAILABLE },
		{ 0x200000, 0x1000, MEM_AVAILABLE },
		{ 0x300000, 0, MEM_RESERVED },
		{ 0x400000, 0x1000, 77 },
		{ 0, 0, MEM_AVAILABLE },
		{ 0xfffffffffff00000ULL, 0x200000, MEM_RESERVED },
		{ 0xffffffffffff0000ULL, 0x10000, 3 },
	};

	(void)state;
	add_mmap(&B, 32, r, ARRAY_SIZE(r)); /* bigger entries than 24 must work too */
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_int_equal(BI.nmmap, 4);
	assert_int_equal(BI.mmap[0].base, 0x200000);
	assert_int_equal(BI.mmap[1].type, MEM_RESERVED); /* 77 -> reserved */
	assert_int_equal(BI.mmap[2].len, 0x100000);	 /* clipped at 2^64 */
	assert_int_equal(BI.mmap[3].len, 0x10000);	 /* ends exactly at 2^64 */
	assert_int_equal(BI.mmap[3].type, MEM_ACPI_RECLAIM);
	assert_true(console_capture_has("mb2: dropped 3 zero-length memory map entries\n"));
	assert_true(console_capture_has("mb2: clipped 1 memory map entries that wrap past 2^64\n"));
	assert_int_equal(console_capture_lines(), 2);
}

static void test_bad_mmap_tags(void **state)
{
	uint32_t p[2] = { 20, 0 }; /* entry size 20 < 24 */
	uint32_t q[2] = { 28, 0 }; /* not a multiple of 8 */

	(void)state;
	add_tag(&B, MB2_TAG_MMAP, p, sizeof(p));
	add_tag(&B, MB2_TAG_MMAP, q, sizeof(q));
	add_tag(&B, MB2_TAG_MMAP, p, 4); /* shorter than the fixed part */
	add_u32s(&B, MB2_TAG_MEMINFO, 600, 1024);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_true(console_capture_has("has entry size 20 (needs >= 24, multiple of 8); ignored"));
	assert_true(console_capture_has("has entry size 28"));
	assert_true(
		console_capture_has("mb2: memory map tag at offset 0x28 has size 12, needs 16"));
	assert_true(console_capture_has("using basic meminfo (lower 600 KiB, upper 1024 KiB)"));
	assert_int_equal(console_capture_lines(), 4);
	assert_true(BI.mmap_from_meminfo);
	assert_int_equal(BI.nmmap, 2);
}

static void test_mmap_partial_entry_and_second_tag(void **state)
{
	uint8_t p[8 + 24 + 10] = { 0 };
	uint32_t esz = 24, av = MEM_AVAILABLE;
	uint64_t base = 0x100000, len = 0x1000;

	(void)state;
	memcpy(p, &esz, 4);
	memcpy(p + 8, &base, 8);
	memcpy(p + 16, &len, 8);
	memcpy(p + 24, &av, 4);
	add_tag(&B, MB2_TAG_MMAP, p, sizeof(p));
	add_mmap(&B, 24, std_map, 4);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_int_equal(BI.nmmap, 1);
	assert_int_equal(BI.mmap[0].base, 0x100000);
	assert_true(console_capture_has("ends in a partial entry"));
	assert_true(console_capture_has("mb2: second memory map tag at offset"));
	assert_int_equal(console_capture_lines(), 2);
}

static void test_modules(void **state)
{
	uint8_t bad[12] = { 0 };
	uint32_t s = 0x1000, e = 0x2000;

	(void)state;
	add_module(&B, 0x3000, 0x2000, "backwards");
	memcpy(bad, &s, 4);
	memcpy(bad + 4, &e, 4);
	memcpy(bad + 8, "abcd", 4); /* cmdline without NUL */
	add_tag(&B, MB2_TAG_MODULE, bad, sizeof(bad));
	add_tag(&B, MB2_TAG_MODULE, bad, 4); /* too short */
	for (uint32_t i = 0; i < 40; i++)
		add_module(&B, 0x100000 * (i + 1), 0x100000 * (i + 1) + 0x800, "m");
	add_mmap(&B, 24, std_map, 4);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_int_equal(BI.nmods, MB2_MAX_MODS);
	assert_int_equal(BI.mods[0].start, 0x1000);
	assert_string_equal(BI.mods[0].cmdline, "");
	assert_int_equal(BI.mods[1].start, 0x100000);
	assert_int_equal(BI.mods[31].start, 0x100000 * 31);
	assert_string_equal(BI.mods[31].cmdline, "m");
	assert_true(console_capture_has("ends (0x2000) below its start (0x3000); ignored"));
	assert_true(console_capture_has("mb2: module command line in tag at offset"));
	assert_true(console_capture_has("mb2: module tag at offset"));
	assert_true(console_capture_has("mb2: 9 modules beyond the first 32 ignored\n"));
	assert_int_equal(console_capture_lines(), 4);
	assert_int_equal(BI.nmmap, 4);
}

static void test_short_fixed_tags(void **state)
{
	(void)state;
	add_tag(&B, MB2_TAG_MEMINFO, "\1\0\0\0", 4);
	add_tag(&B, MB2_TAG_LOAD_BASE, NULL, 0);
	finish(&B);
	assert_int_equal(mb2_parse(B.q, 0, &BI), 0);
	assert_false(BI.have_meminfo);
	assert_false(BI.have_load_base);
	assert_true(
		console_capture_has("mb2: basic meminfo tag at offset 0x8 has size 12, needs 16"));
	assert_true(console_capture_has("mb2: load base address tag at offset 0x18 has size 8"));
	assert_true(console_capture_has("no memory map and no basic meminfo"));
	assert_int_equal(console_capture_lines(), 3);
}

static void test_misaligned_blob(void **state)
{
	static uint64_t copy[8200];
	uint8_t *p = (uint8_t *)copy + 4;

	(void)state;
	add_str(&B, MB2_TAG_CMDLINE, "odd");
	add_mmap(&B, 24, std_map, 4);
	finish(&B);
	memcpy(p, B.q, B.len);
	assert_int_equal(mb2_parse(p, 4, &BI), 0);
	assert_int_equal(BI.nmmap, 4);
	assert_int_equal(BI.mmap[2].len, 0x7ff00000);
	assert_string_equal(BI.cmdline, "odd");
	assert_string_equal(console_capture(), "");
}

static void test_random_garbage_never_crashes(void **state)
{
	(void)state;
	srand(1234);
	for (int round = 0; round < 2000; round++) {
		uint32_t len = 16 + (uint32_t)(rand() % 2048);

		for (uint32_t i = 0; i < len; i++)
			bytes(&B)[i] = (uint8_t)rand();
		/* Bias towards plausible tag types and sizes. */
		for (uint32_t off = 8; off + 8 <= len; off += 8 * (1 + rand() % 6)) {
			if (rand() % 2)
				put32(&B, off, (uint32_t)(rand() % 22));
			if (rand() % 2)
				put32(&B, off + 4, (uint32_t)(rand() % 96));
		}
		switch (rand() % 8) {
		case 0:
			put32(&B, 0, (uint32_t)(rand() % 16));
			break;
		case 1:
			put32(&B, 0, 0x200000u + (uint32_t)rand());
			break;
		case 2:
			put32(&B, 0, (uint32_t)rand() % len); /* shorter view */
			break;
		default:
			put32(&B, 0, len);
		}
		console_capture_reset();
		int rc = mb2_parse(B.q, 0, &BI);
		assert_true(rc == 0 || rc == -E_INVAL);
		assert_true(BI.nmmap <= MB2_MAX_MMAP && BI.nmods <= MB2_MAX_MODS);
		assert_true(strlen(BI.cmdline) < len && strlen(BI.loader) < len);
		for (uint32_t i = 0; i < BI.nmods; i++)
			assert_true(strlen(BI.mods[i].cmdline) < len);
		for (uint32_t i = 0; i < BI.nmmap; i++)
			assert_true(BI.mmap[i].len != 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_happy_path, setup),
		cmocka_unit_test_setup(test_rsdp_new_before_old, setup),
		cmocka_unit_test_setup(test_rsdp_old_only_and_short, setup),
		cmocka_unit_test_setup(test_meminfo_fallback, setup),
		cmocka_unit_test_setup(test_meminfo_fallback_clamps_lower, setup),
		cmocka_unit_test_setup(test_no_map_no_meminfo, setup),
		cmocka_unit_test_setup(test_tag_size_below_8, setup),
		cmocka_unit_test_setup(test_tag_past_total_size, setup),
		cmocka_unit_test_setup(test_huge_size_does_not_wrap, setup),
		cmocka_unit_test_setup(test_total_size_bounds, setup),
		cmocka_unit_test_setup(test_missing_end_tag, setup),
		cmocka_unit_test_setup(test_strings_without_nul, setup),
		cmocka_unit_test_setup(test_too_many_mmap_entries, setup),
		cmocka_unit_test_setup(test_zero_length_wrap_and_types, setup),
		cmocka_unit_test_setup(test_bad_mmap_tags, setup),
		cmocka_unit_test_setup(test_mmap_partial_entry_and_second_tag, setup),
		cmocka_unit_test_setup(test_modules, setup),
		cmocka_unit_test_setup(test_short_fixed_tags, setup),
		cmocka_unit_test_setup(test_misaligned_blob, setup),
		cmocka_unit_test_setup(test_random_garbage_never_crashes, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
