// SPDX-License-Identifier: MIT
/*
 * Unit tests for the multiboot v1 guest loader: synthetic ELF32, ELF64 and
 * a.out-kludge kernels land at the right guest addresses with bss zeroed and
 * an exact multiboot info block; every malformed image is refused with its
 * one console line and guest memory untouched; a fuzz loop checks that no
 * mutated image makes the loader crash or write outside guest memory.
 * Environment: hosted unit tests only (cmocka, built with ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_load.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"

#define GUARD	   4096u
#define GUARD_BYTE 0xCC
#define PT_LOAD	   1
#define PT_NOTE	   4
#define EM_386	   3
#define EM_X86_64  62

/* ---- guest memory with guard bytes on both sides ---- */

static uint8_t *arena;
static struct guest_mem gm;

static void mem_setup(uint64_t size)
{
	free(arena);
	arena = calloc(1, size + 2 * GUARD);
	assert_non_null(arena);
	memset(arena, GUARD_BYTE, GUARD);
	memset(arena + GUARD + size, GUARD_BYTE, GUARD);
	gm.base = arena + GUARD;
	gm.size = size;
}

static void assert_guards_intact(void)
{
	for (size_t i = 0; i < GUARD; i++) {
		assert_int_equal(arena[i], GUARD_BYTE);
		assert_int_equal(gm.base[gm.size + i], GUARD_BYTE);
	}
}

/* Number of non-zero guest bytes outside [a, b) and [c, d). */
static uint64_t nonzero_outside(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < gm.size; i++)
		if (gm.base[i] && !(i >= a && i < b) && !(i >= c && i < d))
			n++;
	return n;
}

static int group_teardown(void **state)
{
	(void)state;
	free(arena);
	arena = NULL;
	return 0;
}

/* ---- synthetic kernel builders ---- */

static uint8_t img[0x12000];

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t rd32_test(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* Multiboot header at off: magic, flags, checksum (+ address fields). */
static void put_mbh(uint32_t off, uint32_t flags)
{
	wr32(img + off, MB1_HEADER_MAGIC);
	wr32(img + off + 4, flags);
	wr32(img + off + 8, 0u - MB1_HEADER_MAGIC - flags);
}

static void put_aout(uint32_t off, uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
		     uint32_t bss_end, uint32_t entry)
{
	wr32(img + off + 12, header_addr);
	wr32(img + off + 16, load_addr);
	wr32(img + off + 20, load_end);
	wr32(img + off + 24, bss_end);
	wr32(img + off + 28, entry);
}

/* Fill img with a recognisable non-zero pattern (so copies can be checked). */
static void fill_pattern(void)
{
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 31 + 7) | 1;
}

struct tseg {
	uint32_t type;
	uint64_t off, paddr, vaddr, filesz, memsz;
};

/* ELF executable with segs, the multiboot header at mb_off; returns the size. */
static size_t build_elf(bool is64, uint16_t machine, uint64_t entry, const struct tseg *segs,
			unsigned n, uint32_t mb_off, uint32_t mb_flags)
{
	uint32_t ehsz = is64 ? 64 : 52, phsz = is64 ? 56 : 32;
	size_t size = ehsz + n * phsz;

	fill_pattern();
	memset(img, 0, size);
	memcpy(img,
	       "\x7f"
	       "ELF",
	       4);
	img[4] = is64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	wr16(img + 16, 2); /* ET_EXEC */
	wr16(img + 18, machine);
	wr32(img + 20, 1);
	if (is64) {
		wr64(img + 24, entry);
		wr64(img + 32, ehsz);
		wr16(img + 52, (uint16_t)ehsz);
		wr16(img + 54, (uint16_t)phsz);
		wr16(img + 56, (uint16_t)n);
	} else {
		wr32(img + 24, (uint32_t)entry);
		wr32(img + 28, ehsz);
		wr16(img + 40, (uint16_t)ehsz);
		wr16(img + 42, (uint16_t)phsz);
		wr16(img + 44, (uint16_t)n);
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ph = img + ehsz + i * phsz;
		const struct tseg *s = &segs[i];

		wr32(ph, s->type);
		if (is64) {
			wr64(ph + 8, s->off);
			wr64(ph + 16, s->vaddr);
			wr64(ph + 24, s->paddr);
			wr64(ph + 32, s->filesz);
			wr64(ph + 40, s->memsz);
		} else {
			wr32(ph + 4, (uint32_t)s->off);
			wr32(ph + 8, (uint32_t)s->vaddr);
			wr32(ph + 12, (uint32_t)s->paddr);
			wr32(ph + 16, (uint32_t)s->filesz);
			wr32(ph + 20, (uint32_t)s->memsz);
		}
		if (s->off + s->filesz > size && s->off + s->filesz <= sizeof(img))
			size = s->off + s->filesz;
	}
	put_mbh(mb_off, mb_flags);
	return MAX(size, (size_t)mb_off + 12);
}

/* The reference kernel: two PT_LOAD segments (the second with bss) and a
 * PT_NOTE between them; linked high (vaddr) but loaded at p_paddr. */
static const struct tseg hello_segs[] = {
	{ PT_LOAD, 0x1000, 0x100000, 0xC0100000, 0x2000, 0x2000 },
	{ PT_NOTE, 0x200, 0, 0, 0x20, 0x20 },
	{ PT_LOAD, 0x3000, 0x103000, 0xC0103000, 0x800, 0x7000 },
};

static size_t build_hello(void)
{
	return build_elf(false, EM_386, 0x10000c, hello_segs, 3, 0x100, MB1_HF_MEMINFO);
}

/* ELF64 container with one segment and 32-bit entry code. */
static size_t build_elf64(void)
{
	static const struct tseg segs[] = {
		{ PT_LOAD, 0x1000, 0x200000, 0xffffffff80200000ull, 0x1800, 0x4000 },
	};

	return build_elf(true, EM_X86_64, 0x200010, segs, 1, 0x80, 0);
}

/* Flat binary with the a.out kludge: header at file offset 0x40, the file
 * loads at 0x100000 up to its end, bss to 0x110000, entry 0x100080. */
static size_t build_aout(void)
{
	fill_pattern();
	put_mbh(0x40, MB1_HF_AOUT | MB1_HF_PAGE_ALIGN);
	put_aout(0x40, 0x100040, 0x100000, 0, 0x110000, 0x100080);
	return 0x3000;
}

/* ---- running the loader ---- */

static struct guest_boot boot;

static int load(size_t size, const char *name, const char *cmdline, const char *loader)
{
	struct guest_image gi = { .data = img, .size = size, .name = name };

	console_capture_reset();
	memset(&boot, 0x5a, sizeof(boot));
	return guest_load(&gi, &gm, cmdline, loader, NULL, &boot);
}

static bool mem_all_zero(void)
{
	for (uint64_t i = 0; i < gm.size; i++)
		if (gm.base[i])
			return false;
	return true;
}

/* The image must be refused with err and exactly line; memory untouched. */
static void expect_refused(size_t size, int err, const char *line)
{
	int r;

	memset(gm.base, 0, gm.size);
	r = load(size, "hello.elf", "quiet", NULL);
	if (r != err || strcmp(console_capture(), line) != 0)
		print_error("want %d: %sgot %d: %s", err, line, r, console_capture());
	assert_int_equal(r, err);
	assert_string_equal(console_capture(), line);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(mem_all_zero());
	assert_guards_intact();
	assert_int_equal(boot.entry, 0);
	assert_int_equal(boot.mbi, 0);
	/* The dry run refuses the same image with the same line, writing nothing. */
	struct guest_image gi = { .data = img, .size = size, .name = "hello.elf" };
	console_capture_reset();
	assert_int_equal(guest_check(&gi, gm.size, "quiet", NULL), err);
	assert_string_equal(console_capture(), line);
	assert_true(mem_all_zero());
}

static struct mb1_info read_mbi(uint32_t at)
{
	struct mb1_info mi;

	memcpy(&mi, gm.base + at, sizeof(mi));
	return mi;
}

/* Check the info block at boot.mbi: fields, memory map walk, strings. */
static void check_mbi(const char *cmdline, const char *loader)
{
	struct mb1_info mi = read_mbi(boot.mbi);
	const uint64_t want[4][3] = {
		{ 0, 0x9FC00, 1 },
		{ 0x9FC00, 0x400, 2 },
		{ 0xF0000, 0x10000, 2 },
		{ 0x100000, gm.size - 0x100000, 1 },
	};
	uint32_t p, n = 0;

	assert_int_equal(mi.flags, 0x24d); /* MEM | CMDLINE | MODS | MMAP | LOADER_NAME */
	assert_int_equal(mi.mem_lower, 639);
	assert_int_equal(mi.mem_upper, (gm.size - MiB(1)) / 1024);
	/* No modules: MODS set with a count of 0, as QEMU gives it. The empty
	 * list's address is where a list would start, after the cmdline. */
	assert_int_equal(mi.mods_count, 0);
	assert_int_equal(mi.mods_addr,
			 boot.mbi + ALIGN_UP(GUEST_MBI_OFF_CMDLINE + strlen(cmdline) + 1, 16));
	assert_int_equal(mi.boot_device, 0);
	assert_int_equal(mi.mmap_length, 96);
	assert_int_equal(mi.mmap_addr, boot.mbi + GUEST_MBI_OFF_MMAP);
	for (p = mi.mmap_addr; p < mi.mmap_addr + mi.mmap_length; n++) {
		struct mb1_mmap_entry e;

		assert_true(n < 4);
		memcpy(&e, gm.base + p, sizeof(e));
		assert_int_equal(e.size, 20);
		assert_int_equal(e.base_addr, want[n][0]);
		assert_int_equal(e.length, want[n][1]);
		assert_int_equal(e.type, want[n][2]);
		p += e.size + 4;
	}
	assert_int_equal(n, 4);
	assert_int_equal(p, mi.mmap_addr + mi.mmap_length);
	assert_true(mi.cmdline > boot.mbi && mi.cmdline < GUEST_MBI_AREA_END);
	assert_string_equal((const char *)gm.base + mi.cmdline, cmdline);
	assert_true(mi.boot_loader_name > boot.mbi);
	assert_string_equal((const char *)gm.base + mi.boot_loader_name, loader);
}

/* ---- successful loads ---- */

static void test_elf32_two_segments_and_bss(void **state)
{
	size_t size = build_hello();
	int r;

	(void)state;
	mem_setup(MiB(32));
	memset(gm.base + 0x103800, 0xEE, 0x6800); /* stale bytes where bss goes */
	r = load(size, "hello.elf", "console=ttyS0 quiet", NULL);
	assert_int_equal(r, 0);
	assert_string_equal(console_capture(),
			    "guest: 'hello.elf' loaded: ELF32, 0x100000-0x10a000, "
			    "entry 0x10000c, mbi 0x9000\n");
	assert_int_equal(boot.entry, 0x10000c);
	assert_int_equal(boot.mbi, 0x9000);
	assert_int_equal(boot.load_start, 0x100000);
	assert_int_equal(boot.load_end, 0x10a000);
	assert_int_equal(boot.mb_flags, MB1_HF_MEMINFO);
	assert_false(boot.elf64);
	assert_memory_equal(gm.base + 0x100000, img + 0x1000, 0x2000);
	assert_memory_equal(gm.base + 0x103000, img + 0x3000, 0x800);
	for (uint32_t a = 0x103800; a < 0x10a000; a++)
		assert_int_equal(gm.base[a], 0);
	/* Nothing at the link (virtual) address, nothing else written at all. */
	assert_int_equal(nonzero_outside(0x100000, 0x10a000, 0x9000, 0x9000 + 512), 0);
	check_mbi("console=ttyS0 quiet", "Cypress");
	assert_guards_intact();
}

static void test_elf64_container(void **state)
{
	size_t size = build_elf64();

	(void)state;
	mem_setup(MiB(32));
	assert_int_equal(load(size, "k64", NULL, "Cypress test"), 0);
	assert_string_equal(console_capture(), "guest: 'k64' loaded: ELF64, 0x200000-0x204000, "
					       "entry 0x200010, mbi 0x9000\n");
	assert_true(boot.elf64);
	assert_int_equal(boot.entry, 0x200010);
	assert_int_equal(boot.mb_flags, 0);
	assert_memory_equal(gm.base + 0x200000, img + 0x1000, 0x1800);
	assert_int_equal(nonzero_outside(0x200000, 0x201800, 0x9000, 0x9000 + 512), 0);
	check_mbi("", "Cypress test");
	assert_guards_intact();
}

static void test_aout_kludge(void **state)
{
	size_t size = build_aout();

	(void)state;
	mem_setup(MiB(32));
	assert_int_equal(load(size, "flat.bin", "a b", NULL), 0);
	assert_string_equal(console_capture(), "guest: 'flat.bin' loaded: a.out kludge, "
					       "0x100000-0x110000, entry 0x100080, mbi 0x9000\n");
	assert_int_equal(boot.load_start, 0x100000);
	assert_int_equal(boot.load_end, 0x110000);
	assert_int_equal(boot.entry, 0x100080);
	assert_int_equal(boot.mb_flags, MB1_HF_AOUT | MB1_HF_PAGE_ALIGN);
	assert_memory_equal(gm.base + 0x100000, img, 0x3000);
	assert_int_equal(nonzero_outside(0x100000, 0x103000, 0x9000, 0x9000 + 512), 0);
	check_mbi("a b", "Cypress");
	assert_guards_intact();
}

/* Header deep in the file, only part of the file loaded: the file offset of
 * the load is header offset - (header_addr - load_addr). */
static void test_aout_partial_load(void **state)
{
	(void)state;
	mem_setup(MiB(4));
	fill_pattern();
	put_mbh(0x1010, MB1_HF_AOUT);
	put_aout(0x1010, 0x200010, 0x200000, 0x201000, 0, 0x200020);
	assert_int_equal(load(0x4000, "p", "", NULL), 0);
	assert_memory_equal(gm.base + 0x200000, img + 0x1000, 0x1000);
	assert_int_equal(nonzero_outside(0x200000, 0x201000, 0x9000, 0x9000 + 512), 0);
	assert_int_equal(boot.load_end, 0x201000);
	check_mbi("", "Cypress");
}

/* Flag bit 16 wins over the ELF headers (as GRUB does). */
static void test_aout_kludge_in_elf(void **state)
{
	size_t size = build_hello();

	(void)state;
	mem_setup(MiB(32));
	put_mbh(0x100, MB1_HF_AOUT);
	put_aout(0x100, 0x300100, 0x300000, 0x301000, 0x302000, 0x300200);
	assert_int_equal(load(size, "x", NULL, NULL), 0);
	assert_int_equal(boot.load_start, 0x300000);
	assert_int_equal(boot.load_end, 0x302000);
	assert_memory_equal(gm.base + 0x300000, img, 0x1000);
	assert_int_equal(gm.base[0x100000], 0);
}

static void test_header_search(void **state)
{
	size_t size = build_hello();

	(void)state;
	mem_setup(MiB(32));
	/* A stray magic with a bad checksum before the real header is skipped. */
	wr32(img + 0xf0, MB1_HEADER_MAGIC);
	assert_int_equal(load(size, "x", NULL, NULL), 0);
	/* The last offset whose 12 bytes fit in the first 8 KiB. */
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 8180, 0);
	assert_int_equal(size, 0x3800);
	assert_int_equal(load(size, "x", NULL, NULL), 0);
	/* Optional bits 16-31 (other than 16) and required bits 0-1 are fine. */
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 0x100, 0x80000003u);
	assert_int_equal(load(size, "x", NULL, NULL), 0);
	assert_int_equal(boot.mb_flags, 0x80000003u);
}

static void test_cmdline_and_loader_limits(void **state)
{
	static char line[GUEST_CMDLINE_MAX + 2];
	size_t size = build_hello();

	(void)state;
	mem_setup(MiB(32));
	memset(line, 'c', GUEST_CMDLINE_MAX);
	line[GUEST_CMDLINE_MAX] = 0;
	assert_int_equal(load(size, "x", line, NULL), 0);
	check_mbi(line, "Cypress");
	line[GUEST_CMDLINE_MAX] = 'c';
	line[GUEST_CMDLINE_MAX + 1] = 0;
	mem_setup(MiB(32));
	assert_int_equal(load(size, "x", line, NULL), -E_RANGE);
	assert_string_equal(console_capture(),
			    "guest: 'x': command line is longer than the 4095 bytes allowed\n");
	assert_true(mem_all_zero());
	assert_int_equal(load(size, "x", NULL,
			      "0123456789012345678901234567890123456789"
			      "012345678901234567890123"),
			 -E_RANGE);
	assert_string_equal(console_capture(),
			    "guest: 'x': boot loader name is longer than the 63 bytes allowed\n");
	assert_true(mem_all_zero());
}

/* The image covers the preferred info address: the block moves, or the load
 * is refused when low memory has no gap left. */
static void test_mbi_relocation(void **state)
{
	struct tseg segs[2] = {
		{ PT_LOAD, 0x1000, 0x1000, 0x1000, 0x100, 0x8800 }, /* 0x1000-0x97ff */
		{ PT_LOAD, 0x2000, 0x100000, 0x100000, 0x100, 0x100 },
	};
	size_t size;

	(void)state;
	mem_setup(MiB(32));
	size = build_elf(false, EM_386, 0x1000, segs, 2, 0x100, 0);
	assert_int_equal(load(size, "x", "hi", NULL), 0);
	assert_int_equal(boot.mbi, 0xA000); /* page after the low segment */
	assert_int_equal(boot.load_start, 0x1000);
	check_mbi("hi", "Cypress");

	mem_setup(MiB(32));
	segs[0].paddr = 0x9000; /* 0x9000-0x117ff: 0x8000 is free */
	size = build_elf(false, EM_386, 0x9000, segs, 2, 0x100, 0);
	assert_int_equal(load(size, "x", "hi", NULL), 0);
	assert_int_equal(boot.mbi, 0x8000);
	check_mbi("hi", "Cypress");

	mem_setup(MiB(32));
	segs[0].paddr = 0x1000;
	segs[0].memsz = 0x9E000; /* 0x1000-0x9efff: no room anywhere */
	size = build_elf(false, EM_386, 0x1000, segs, 2, 0x100, 0);
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': no room for the 262-byte multiboot info in "
		       "0x8000-0x9efff beside the image\n");

	segs[0].memsz = 0x8800;
	segs[1].paddr = 0xA000; /* the page after segment 0 is taken too */
	segs[1].memsz = 0x95000;
	size = build_elf(false, EM_386, 0x1000, segs, 2, 0x100, 0);
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': no room for the 262-byte multiboot info in "
		       "0x8000-0x9efff beside the image\n");
	segs[1].paddr = 0xB000; /* one free page at 0xA000 */
	segs[1].memsz = 0x94000;
	size = build_elf(false, EM_386, 0x1000, segs, 2, 0x100, 0);
	assert_int_equal(load(size, "x", "quiet", NULL), 0);
	assert_int_equal(boot.mbi, 0xA000);
}

/* ---- refusals: each with its exact line, memory untouched ---- */

#define NO_HEADER "guest: 'hello.elf' is not a multiboot kernel (no header in the first 8 KiB)\n"

static void test_refuse_header(void **state)
{
	size_t size;

	(void)state;
	mem_setup(MiB(32));
	fill_pattern();
	expect_refused(0x4000, -E_INVAL, NO_HEADER);
	expect_refused(0, -E_INVAL, NO_HEADER);
	/* Just beyond the first 8 KiB, and straddling its end. */
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 8192, 0);
	expect_refused(size, -E_INVAL, NO_HEADER);
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 8184, 0);
	expect_refused(size, -E_INVAL, NO_HEADER);
	/* Not 4-byte aligned. */
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 0x102, 0);
	expect_refused(size, -E_INVAL, NO_HEADER);
	/* A file shorter than a header, ending in the magic. */
	size = build_hello();
	memmove(img, img + 0x100, 8);
	expect_refused(8, -E_INVAL, NO_HEADER);

	size = build_hello();
	wr32(img + 0x108, rd32_test(img + 0x108) + 1);
	expect_refused(size, -E_CHECKSUM,
		       "guest: 'hello.elf': multiboot header at offset 0x100 has a bad checksum "
		       "(magic + flags + checksum = 0x1, not 0)\n");

	/* Address fields (flag 16) must also lie within the first 8 KiB. */
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 8164, MB1_HF_AOUT);
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': multiboot header at offset 0x1fe4 is cut short (its "
		       "address fields pass the end of the first 8 KiB or of the file)\n");
	fill_pattern();
	put_mbh(0, MB1_HF_AOUT);
	expect_refused(20, -E_INVAL,
		       "guest: 'hello.elf': multiboot header at offset 0x0 is cut short (its "
		       "address fields pass the end of the first 8 KiB or of the file)\n");
}

static void test_refuse_flags(void **state)
{
	size_t size;

	(void)state;
	mem_setup(MiB(32));
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 0x100, MB1_HF_VIDEO | 3);
	expect_refused(size, -E_NOTSUP,
		       "guest: 'hello.elf' requires a video mode (multiboot flag bit 2), which "
		       "Cypress does not set up\n");
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 0x100, 0x10022);
	expect_refused(size, -E_NOTSUP,
		       "guest: 'hello.elf' requires unknown multiboot feature bit 5 (flags "
		       "0x10022)\n");
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 0x100, 0x8000);
	expect_refused(size, -E_NOTSUP,
		       "guest: 'hello.elf' requires unknown multiboot feature bit 15 (flags "
		       "0x8000)\n");
	size = build_elf(false, EM_386, 0x10000c, hello_segs, 3, 0x100, 0x0008);
	expect_refused(size, -E_NOTSUP,
		       "guest: 'hello.elf' requires unknown multiboot feature bit 3 (flags "
		       "0x8)\n");
}

static void test_refuse_elf_headers(void **state)
{
	size_t size;

	(void)state;
	mem_setup(MiB(32));
	size = build_hello();
	img[0] = 0;
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': not an ELF file, and its multiboot header has no "
		       "address fields (flag bit 16)\n");
	size = build_hello();
	img[5] = 2; /* big-endian */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF class 1, data 2, version 1 unsupported (need ELF32 "
		       "or ELF64, little-endian, version 1)\n");
	size = build_hello();
	img[4] = 3;
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF class 3, data 1, version 1 unsupported (need ELF32 "
		       "or ELF64, little-endian, version 1)\n");
	size = build_hello();
	wr16(img + 16, 3); /* ET_DYN */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF type 3 is not an executable (ET_EXEC)\n");
	size = build_elf(false, EM_X86_64, 0x10000c, hello_segs, 3, 0x100, 0);
	expect_refused(size, -E_INVAL, "guest: 'hello.elf': ELF32 machine 62 is not EM_386 (3)\n");
	size = build_elf(true, EM_386, 0x10000c, hello_segs, 3, 0x100, 0);
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF64 machine 3 is not EM_X86_64 (62)\n");
	size = build_elf(false, 40 /* ARM */, 0x10000c, hello_segs, 3, 0x100, 0);
	expect_refused(size, -E_INVAL, "guest: 'hello.elf': ELF32 machine 40 is not EM_386 (3)\n");

	/* An ELF64 header cut short: the multiboot header sits inside it. */
	size = build_elf64();
	memmove(img + 40, img + 0x80, 12);
	expect_refused(56, -E_INVAL,
		       "guest: 'hello.elf': ELF header cut short (file is 56 bytes)\n");

	size = build_elf64();
	wr64(img + 24, 0x100000000ull);
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': ELF64 entry point 0x100000000 is above 4 GiB; vCPU 0 "
		       "starts in 32-bit protected mode\n");
}

static void test_refuse_program_headers(void **state)
{
	static const struct tseg note[] = { { PT_NOTE, 0x200, 0, 0, 0x20, 0x20 } };
	static const struct tseg empty[] = { { PT_LOAD, 0x200, 0x100000, 0, 0, 0 } };
	size_t size;

	(void)state;
	mem_setup(MiB(32));
	/* Program headers truncated: the file ends inside the table. */
	size = build_hello();
	wr32(img + 28, 0x3800 - 64); /* e_phoff: 3 x 32 bytes from here overrun */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF program headers (3 x 32 bytes at 0x37c0) run past "
		       "the end of the file (14336 bytes)\n");
	size = build_elf64();
	wr64(img + 32, 0xffffffffffffffe0ull); /* e_phoff + table wraps */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF program headers (1 x 56 bytes at "
		       "0xffffffffffffffe0) run past the end of the file (10240 bytes)\n");
	size = build_hello();
	wr16(img + 42, 31);
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF program header size 31 is below 32\n");
	size = build_hello();
	wr16(img + 44, 0);
	expect_refused(size, -E_INVAL, "guest: 'hello.elf': ELF has no program headers\n");
	size = build_hello();
	wr16(img + 44, 300);
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF has 300 program headers, more than the 256 "
		       "supported\n");
	size = build_elf(false, EM_386, 0x10000c, note, 1, 0x100, 0);
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF has no non-empty loadable (PT_LOAD) segment\n");
	size = build_elf(false, EM_386, 0x10000c, empty, 1, 0x100, 0);
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF has no non-empty loadable (PT_LOAD) segment\n");
}

/* Patch field `at` of ELF32 program header i of the hello kernel. */
static void hello_ph32(unsigned i, unsigned at, uint32_t v)
{
	wr32(img + 52 + i * 32 + at, v);
}

static void test_refuse_segments(void **state)
{
	size_t size;

	(void)state;
	mem_setup(MiB(32));
	size = build_hello();
	hello_ph32(2, 16, 0x801); /* p_filesz: one byte past the end of the file */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF segment 2: file bytes 0x3000+0x801 run past the "
		       "end of the file (14336 bytes)\n");
	size = build_hello();
	hello_ph32(0, 4, 0xffffffff); /* p_offset */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF segment 0: file bytes 0xffffffff+0x2000 run past "
		       "the end of the file (14336 bytes)\n");
	size = build_hello();
	hello_ph32(0, 20, 0x1fff); /* p_memsz below p_filesz */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF segment 0: p_filesz 0x2000 exceeds p_memsz "
		       "0x1fff\n");
	/* A bad PT_NOTE is ignored: only PT_LOAD is read. */
	size = build_hello();
	hello_ph32(1, 4, 0xffffffff);
	assert_int_equal(load(size, "x", NULL, NULL), 0);

	memset(gm.base, 0, gm.size);
	size = build_hello();
	hello_ph32(2, 12, 0x1fff000); /* p_paddr: ends 0x6000 past 32 MiB */
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': segment at 0x1fff000-0x2005fff falls outside the "
		       "partition's 32 MiB\n");
	size = build_hello();
	hello_ph32(2, 12, 0xfffff000); /* p_paddr + p_memsz passes 4 GiB */
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': segment at 0xfffff000-0x100005fff falls outside the "
		       "partition's 32 MiB\n");
	/* The legacy hole is plain guest RAM under Cypress: QEMU's -kernel
	 * loads there too (GNU ld can put an ELF-header-only segment at
	 * 0xff000), so a segment in it loads (issue 8 regression). */
	static const uint32_t in_hole[] = { 0x9f000, 0xa0000, 0xff000 };
	for (size_t i = 0; i < sizeof(in_hole) / sizeof(in_hole[0]); i++) {
		size = build_hello();
		hello_ph32(0, 12, in_hole[i]);
		wr32(img + 24, in_hole[i] + 0xc); /* e_entry moves with the segment */
		memset(gm.base, 0, gm.size);
		assert_int_equal(load(size, "hello.elf", "quiet", NULL), 0);
		assert_int_equal(boot.load_start, in_hole[i]);
		assert_guards_intact();
	}
	size = build_hello();
	hello_ph32(0, 12, 0x800);
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': segment at 0x800-0x27ff starts in the first page "
		       "(0x0-0xFFF), which stays free\n");
	size = build_hello();
	hello_ph32(2, 20, 48 << 20); /* 48 MiB of bss */
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': image needs 49160 KiB but the partition has only 32 "
		       "MiB\n");
}

/* ELF64 fields are 64 bits wide: every sum must be overflow-checked. */
static void test_refuse_elf64_overflow(void **state)
{
	size_t size;

	(void)state;
	mem_setup(MiB(32));
	size = build_elf64();
	wr64(img + 64 + 24, 0xfffffffffffff000ull); /* p_paddr + p_memsz wraps */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF segment 0: p_paddr 0xfffffffffffff000 + p_memsz "
		       "0x4000 overflows\n");
	size = build_elf64();
	wr64(img + 64 + 8, 0xfffffffffffff000ull); /* p_offset + p_filesz wraps */
	expect_refused(size, -E_INVAL,
		       "guest: 'hello.elf': ELF segment 0: file bytes 0xfffffffffffff000+0x1800 "
		       "run past the end of the file (10240 bytes)\n");
	size = build_elf64();
	wr64(img + 64 + 40, 0xffffffffffffffffull); /* huge p_memsz */
	wr64(img + 64 + 24, 0);
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': image needs 18446744073709551615 bytes but the "
		       "partition has only 32 MiB\n");
	size = build_elf64();
	wr64(img + 64 + 24, 0x100000000ull); /* above 4 GiB */
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': segment at 0x100000000-0x100003fff falls outside the "
		       "partition's 32 MiB\n");
}

/*
 * Regression (found by tests/fuzz/fuzz_guest_load.c, input in
 * tests/fuzz/regress/guest_load/): an ELF whose e_entry lies outside the
 * file bytes of every PT_LOAD segment was loaded, so vCPU 0 would start in
 * the never-written first page, in bss, or in the multiboot info block.
 */
static void test_refuse_elf_entry_outside_segments(void **state)
{
	static const uint32_t bad[] = {
		0x2,	  /* first page, never written */
		0x9010,	  /* inside the info block at 0x9000 */
		0x102000, /* just past segment 0's file bytes */
		0x104000, /* segment 2's bss */
	};
	char line[160];
	size_t size;

	(void)state;
	mem_setup(MiB(32));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size = build_hello();
		wr32(img + 24, bad[i]);
		snprintf(line, sizeof(line),
			 "guest: 'hello.elf': entry point 0x%x is not in the file bytes of any "
			 "loaded segment\n",
			 bad[i]);
		expect_refused(size, -E_INVAL, line);
	}
	/* The last byte of segment 2's file bytes is still a valid entry. */
	size = build_hello();
	wr32(img + 24, 0x1037ff);
	memset(gm.base, 0, gm.size);
	assert_int_equal(load(size, "hello.elf", NULL, NULL), 0);
	assert_int_equal(boot.entry, 0x1037ff);
}

static void test_refuse_aout(void **state)
{
	(void)state;
	mem_setup(MiB(32));
	build_aout();
	put_aout(0x40, 0x100040, 0x100041, 0, 0, 0x100080);
	put_mbh(0x40, MB1_HF_AOUT);
	expect_refused(0x3000, -E_INVAL,
		       "guest: 'hello.elf': a.out kludge: load_addr 0x100041 is above header_addr "
		       "0x100040\n");
	put_aout(0x40, 0x100040, 0xfff00, 0, 0, 0x100080); /* load would start before the file */
	expect_refused(0x3000, -E_INVAL,
		       "guest: 'hello.elf': a.out kludge: header_addr - load_addr = 0x140 is more "
		       "than the header's file offset 0x40\n");
	put_aout(0x40, 0x100040, 0x100000, 0xfffff, 0, 0x100080);
	expect_refused(0x3000, -E_INVAL,
		       "guest: 'hello.elf': a.out kludge: load_end_addr 0xfffff is below load_addr "
		       "0x100000\n");
	put_aout(0x40, 0x100040, 0x100000, 0x103001, 0, 0x100080);
	expect_refused(0x3000, -E_INVAL,
		       "guest: 'hello.elf': a.out kludge: 0x3001 bytes from file offset 0x0 run "
		       "past the end of the file (12288 bytes)\n");
	put_aout(0x40, 0x100040, 0x100000, 0x102000, 0x101fff, 0x100080);
	expect_refused(0x3000, -E_INVAL,
		       "guest: 'hello.elf': a.out kludge: bss_end_addr 0x101fff is below the load "
		       "end 0x102000\n");
	put_aout(0x40, 0x100040, 0x100000, 0x102000, 0, 0x102000);
	expect_refused(0x3000, -E_INVAL,
		       "guest: 'hello.elf': a.out kludge: entry_addr 0x102000 is outside the "
		       "loaded bytes 0x100000-0x102000\n");
	put_aout(0x40, 0x100040, 0x100000, 0x100000, 0, 0x100000); /* nothing loaded */
	expect_refused(0x3000, -E_INVAL,
		       "guest: 'hello.elf': a.out kludge: entry_addr 0x100000 is outside the "
		       "loaded bytes 0x100000-0x100000\n");
	put_aout(0x40, 0xffffff00, 0xfffffec0, 0, 0xffffffff, 0xfffffec0);
	expect_refused(0x3000, -E_INVAL,
		       "guest: 'hello.elf': a.out kludge: bss_end_addr 0xffffffff is below the "
		       "load end 0x100002ec0\n");
	put_aout(0x40, 0xffffff00, 0xfffffec0, 0, 0, 0xfffffec0); /* file runs past 4 GiB */
	expect_refused(0x3000, -E_RANGE,
		       "guest: 'hello.elf': segment at 0xfffffec0-0x100002ebf falls outside the "
		       "partition's 32 MiB\n");
	put_aout(0x40, 0x1000040, 0x1000000, 0, 0x2000001, 0x1000000);
	expect_refused(0x3000, -E_RANGE,
		       "guest: 'hello.elf': segment at 0x1000000-0x2000000 falls outside the "
		       "partition's 32 MiB\n");
}

static void test_refuse_memory_and_args(void **state)
{
	struct guest_image gi = { .data = img, .size = 16, .name = NULL };
	struct guest_mem none = { .base = NULL, .size = MiB(32) };
	size_t size = build_hello();

	(void)state;
	mem_setup(MiB(1));
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': partition memory is 1 MiB, less than the 2 MiB "
		       "minimum\n");
	mem_setup(MiB(2) - 1);
	expect_refused(size, -E_RANGE,
		       "guest: 'hello.elf': partition memory is 2097151 bytes, less than the 2 MiB "
		       "minimum\n");
	mem_setup(MiB(2));
	assert_int_equal(load(size, "x", NULL, NULL), 0); /* 2 MiB is enough */
	check_mbi("", "Cypress");

	console_capture_reset();
	assert_int_equal(guest_load(NULL, &gm, NULL, NULL, NULL, &boot), -E_INVAL);
	assert_int_equal(guest_load(&gi, NULL, NULL, NULL, NULL, &boot), -E_INVAL);
	assert_int_equal(guest_load(&gi, &gm, NULL, NULL, NULL, NULL), -E_INVAL);
	assert_int_equal(guest_load(&gi, &none, NULL, NULL, NULL, &boot), -E_INVAL);
	gi.data = NULL;
	assert_int_equal(guest_load(&gi, &gm, NULL, NULL, NULL, &boot), -E_INVAL);
	assert_int_equal(console_capture_lines(), 5);
	assert_true(console_capture_has(
		"guest: guest_load called with a NULL image, memory or result\n"));
	/* A nameless image is called "guest". */
	gi.data = img;
	console_capture_reset();
	assert_int_equal(guest_load(&gi, &gm, NULL, NULL, NULL, &boot), -E_INVAL);
	assert_string_equal(console_capture(), "guest: 'guest' is not a multiboot kernel (no "
					       "header in the first 8 KiB)\n");
}

/* ---- fuzzing: mutated images never crash or write outside guest memory ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static const uint32_t interesting[] = { 0,	    1,		0x7f,	   0x80,       0xff,
					0x1000,	    0x9000,	0x9f000,   0xa0000,    0xfffff,
					0x100000,   0x1ffffc,	0x200000,  0x7fffffff, 0x80000000,
					0xfffff000, 0xfffffffc, 0xffffffff };

static void mutate(size_t *size)
{
	unsigned n = 1 + rnd() % 6;

	for (unsigned k = 0; k < n; k++) {
		/* Mostly hit the headers, where the parsers look. */
		size_t off = rnd() % 4 || *size == 0 ? rnd() % 0x200 : rnd() % *size;

		switch (rnd() % 5) {
		case 0:
			img[off] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			img[off] = (uint8_t)rnd();
			break;
		case 2:
			if (off + 4 <= *size)
				wr32(img + off, interesting[rnd() % ARRAY_SIZE(interesting)]);
			break;
		case 3:
			if (off + 8 <= *size)
				wr64(img + off, (uint64_t)rnd() << 32 | rnd());
			break;
		default:
			*size = rnd() % (*size + 1);
			break;
		}
	}
}

/* Re-sign any header whose checksum the mutation broke, half of the time,
 * so the fuzz also reaches the layout code. */
static void resign(size_t size)
{
	for (size_t off = 0; off + 12 <= MIN(size, (size_t)8192); off += 4)
		if (rd32_test(img + off) == MB1_HEADER_MAGIC)
			put_mbh((uint32_t)off, rd32_test(img + off + 4));
}

static void test_fuzz(void **state)
{
	unsigned ok = 0, refused = 0;

	(void)state;
	mem_setup(MiB(4));
	for (int it = 0; it < 2000; it++) {
		size_t size;
		int r;

		switch (it % 3) {
		case 0:
			size = build_hello();
			break;
		case 1:
			size = build_elf64();
			break;
		default:
			size = build_aout();
			break;
		}
		mutate(&size);
		if (rnd() % 2)
			resign(size);
		r = load(size, "fuzz", "console=com1", NULL);
		assert_int_equal(console_capture_lines(), 1);
		assert_guards_intact();
		if (r == 0) {
			ok++;
			assert_true(boot.load_start >= 0x1000);
			assert_true(boot.load_end <= gm.size);
			assert_true(boot.load_start < boot.load_end);
			assert_true(boot.mbi >= GUEST_MBI_AREA_START &&
				    boot.mbi < GUEST_MBI_AREA_END);
			check_mbi("console=com1", "Cypress");
			assert_true(console_capture_has("guest: 'fuzz' loaded: "));
		} else {
			refused++;
			assert_true(r == -E_INVAL || r == -E_RANGE || r == -E_NOTSUP ||
				    r == -E_CHECKSUM);
			assert_true(console_capture_has("guest: "));
		}
	}
	/* Both outcomes must occur, or the fuzz is not exercising anything. */
	print_message("fuzz: %u loaded, %u refused\n", ok, refused);
	assert_true(ok > 50);
	assert_true(refused > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf32_two_segments_and_bss),
		cmocka_unit_test(test_elf64_container),
		cmocka_unit_test(test_aout_kludge),
		cmocka_unit_test(test_aout_partial_load),
		cmocka_unit_test(test_aout_kludge_in_elf),
		cmocka_unit_test(test_header_search),
		cmocka_unit_test(test_cmdline_and_loader_limits),
		cmocka_unit_test(test_mbi_relocation),
		cmocka_unit_test(test_refuse_header),
		cmocka_unit_test(test_refuse_flags),
		cmocka_unit_test(test_refuse_elf_headers),
		cmocka_unit_test(test_refuse_program_headers),
		cmocka_unit_test(test_refuse_segments),
		cmocka_unit_test(test_refuse_elf64_overflow),
		cmocka_unit_test(test_refuse_elf_entry_outside_segments),
		cmocka_unit_test(test_refuse_aout),
		cmocka_unit_test(test_refuse_memory_and_args),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
