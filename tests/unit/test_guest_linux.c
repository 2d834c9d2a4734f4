// SPDX-License-Identifier: MIT
/*
 * Unit tests for the Linux loader (core/guest_linux.c) through the loader's
 * two entry points, guest_check() and guest_load(): a bzImage-shaped image
 * (setup header as boot.rst describes it) lands at its pref_address or at
 * 1 MiB, the zero page carries the copied header, loader fields, command
 * line pointer, initrd and e820 map; refusals (old protocol, zImage, 32-bit
 * only, multiboot modules, too little memory, too long a command line, an
 * initrd that does not fit, an initrd for a multiboot kernel) print one
 * line and write nothing.
 * Environment: hosted unit tests only (cmocka, built with ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/guest_load.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"
#include "tests/unit/guest_mem_fixture.h"

#define SETUP_SECTS 3u
#define CODE_BYTES  0x3000u
#define IMG_BYTES   ((SETUP_SECTS + 1u) * 512u + CODE_BYTES)
#define PREF	    0x1000000u
#define INIT_SIZE   0x20000u

static struct guest_boot boot;
static uint8_t img[IMG_BYTES];
static uint8_t rd[0x2345];

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint32_t r32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t r64(const uint8_t *p)
{
	return r32(p) | (uint64_t)r32(p + 4) << 32;
}

/* A relocatable 64-bit bzImage, protocol 2.15, as Debian 12's kernel has it. */
static struct guest_image bzimage(void)
{
	memset(img, 0, sizeof(img));
	img[0x1f1] = SETUP_SECTS;
	w16(img + 0x1fe, 0xAA55);
	img[0x200] = 0xeb;	       /* jmp */
	img[0x201] = 0x6a;	       /* header ends at 0x202 + 0x6a = 0x26c */
	wr32(img + 0x202, 0x53726448); /* "HdrS" */
	w16(img + 0x206, 0x020f);
	img[0x211] = 0x01 | 0x40;      /* LOADED_HIGH, KEEP_SEGMENTS (cleared by the loader) */
	wr32(img + 0x22c, 0x7fffffff); /* initrd_addr_max */
	wr32(img + 0x230, 0x200000);   /* kernel_alignment */
	img[0x234] = 1;		       /* relocatable */
	w16(img + 0x236, 0x1);	       /* XLF_KERNEL_64 */
	wr32(img + 0x238, 2047);       /* cmdline_size */
	wr32(img + 0x258, PREF);       /* pref_address (low half) */
	wr32(img + 0x260, INIT_SIZE);
	for (uint32_t i = 0; i < CODE_BYTES; i++)
		img[(SETUP_SECTS + 1) * 512 + i] = (uint8_t)(i * 7 + 1);
	return (struct guest_image){ img, sizeof(img), "vmlinuz" };
}

static struct guest_module initrd(void)
{
	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i ^ 0x5a);
	return (struct guest_module){ rd, sizeof(rd), "rootfs" };
}

static bool untouched(void)
{
	for (uint64_t i = 0; i < gm.size; i++)
		if (mem[i])
			return false;
	return true;
}

static void test_loads_at_pref_address(void **state)
{
	struct guest_image k = bzimage();
	struct guest_module r = initrd();
	struct guest_mods m = { NULL, 0, &r };

	(void)state;
	mem_setup(MiB(32));
	console_capture_reset();
	assert_int_equal(guest_check(&k, gm.size, "console=ttyS0", &m), 0);
	assert_int_equal(guest_load(&k, &gm, "console=ttyS0", "Cypress", &m, &boot), 0);
	assert_true(boot.is_linux);
	assert_int_equal(boot.entry, PREF);
	assert_int_equal(boot.zero_page, LX_ZERO_PAGE);
	assert_memory_equal(mem + PREF, img + (SETUP_SECTS + 1) * 512, CODE_BYTES);

	const uint8_t *zp = mem + LX_ZERO_PAGE;
	/* the header copied from 0x1f1 to its end, loader fields set */
	assert_memory_equal(zp + 0x1f1, img + 0x1f1, 0x210 - 0x1f1);
	assert_int_equal(zp[0x210], 0xff);	       /* type_of_loader */
	assert_int_equal(zp[0x211], 0x01);	       /* KEEP_SEGMENTS cleared */
	assert_int_equal(r32(zp + 0x214), PREF);       /* code32_start */
	assert_int_equal(r32(zp + 0x228), LX_CMDLINE); /* cmd_line_ptr */
	assert_string_equal((const char *)mem + LX_CMDLINE, "console=ttyS0");
	assert_int_equal(r32(zp + 0x260), INIT_SIZE); /* init_size kept */
	assert_int_equal(zp[0x26c], 0);		      /* nothing past the header */
	/* the initrd: page aligned, at the top of memory, its bytes */
	uint32_t at = r32(zp + 0x218);
	assert_int_equal(r32(zp + 0x21c), sizeof(rd));
	assert_int_equal(at % 4096, 0);
	assert_true(at + sizeof(rd) <= MiB(32) && at + sizeof(rd) > MiB(32) - 4096);
	assert_memory_equal(mem + at, rd, sizeof(rd));
	assert_int_equal(boot.mods_start, at);
	/* e820: low RAM, the BIOS area reserved, RAM from 1 MiB to the end */
	assert_int_equal(zp[0x1e8], 3);
	const uint8_t *e = zp + 0x2d0;
	assert_int_equal(r64(e), 0);
	assert_int_equal(r64(e + 8), 0x9f000);
	assert_int_equal(r32(e + 16), 1);
	assert_int_equal(r64(e + 20), 0xe0000);
	assert_int_equal(r64(e + 28), 0x20000);
	assert_int_equal(r32(e + 36), 2);
	assert_int_equal(r64(e + 40), 0x100000);
	assert_int_equal(r64(e + 48), MiB(32) - 0x100000);
	assert_int_equal(r32(e + 56), 1);
	assert_true(console_capture_has("guest: 'vmlinuz' loaded: Linux bzImage (protocol 2.15), "
					"0x1000000-0x1020000, entry 0x1000000"));
	/* the RSDP pointer (acpi_rsdp_addr, 0x070) */
	guest_linux_set_rsdp(&gm, &boot, 0xf0000);
	assert_int_equal(r64(zp + 0x70), 0xf0000);
}

static void test_not_relocatable_loads_at_1mib(void **state)
{
	struct guest_image k = bzimage();

	(void)state;
	img[0x234] = 0;
	mem_setup(MiB(32));
	assert_int_equal(guest_load(&k, &gm, NULL, NULL, NULL, &boot), 0);
	assert_int_equal(boot.entry, 0x100000);
	assert_memory_equal(mem + 0x100000, img + (SETUP_SECTS + 1) * 512, CODE_BYTES);
	assert_int_equal(r32(mem + LX_ZERO_PAGE + 0x218), 0); /* no initrd */
	/* pref_address past the memory's end: 1 MiB too */
	k = bzimage();
	wr32(img + 0x258, 0x3000000);
	mem_setup(MiB(32));
	assert_int_equal(guest_load(&k, &gm, NULL, NULL, NULL, &boot), 0);
	assert_int_equal(boot.entry, 0x100000);
}

/* One refusal: the line, the error, nothing written, guest_check agreeing. */
static void refused(struct guest_image *k, uint64_t size, const char *cmdline,
		    const struct guest_mods *m, int err, const char *line)
{
	mem_setup(size);
	console_capture_reset();
	assert_int_equal(guest_check(k, size, cmdline, m), err);
	assert_true(console_capture_has(line));
	assert_int_equal(console_capture_lines(), 1);
	console_capture_reset();
	assert_int_equal(guest_load(k, &gm, cmdline, NULL, m, &boot), err);
	assert_true(console_capture_has(line));
	assert_false(boot.is_linux);
	assert_true(untouched());
}

static void test_refusals(void **state)
{
	struct guest_image k = bzimage();
	struct guest_module r = initrd();
	struct guest_module mb = { rd, 16, "data" };
	struct guest_mods mods = { &mb, 1, NULL };

	(void)state;
	w16(img + 0x206, 0x020b);
	refused(&k, MiB(32), "", NULL, -E_NOTSUP, "protocol 2.11 is older than 2.12");
	k = bzimage();
	img[0x211] = 0;
	refused(&k, MiB(32), "", NULL, -E_NOTSUP, "not a bzImage");
	k = bzimage();
	w16(img + 0x236, 0);
	refused(&k, MiB(32), "", NULL, -E_NOTSUP, "not a 64-bit kernel");
	k = bzimage();
	refused(&k, MiB(32), "", &mods, -E_INVAL, "`module =` lines are for multiboot kernels");
	refused(&k, MiB(8), "", NULL, -E_RANGE, "needs at least 16 MiB");
	img[0x234] = 0;
	wr32(img + 0x260, MiB(40)); /* init_size beyond the partition's memory */
	refused(&k, MiB(32), "", NULL, -E_RANGE, "Linux needs 40 MiB from 0x100000");
	k = bzimage();
	wr32(img + 0x238, 4);
	refused(&k, MiB(32), "12345", NULL, -E_RANGE, "command line of 5 bytes");
	k = bzimage();
	k.size = 0x263; /* "HdrS" there, init_size cut off */
	refused(&k, MiB(32), "", NULL, -E_INVAL, "the file ends inside the setup header");
	k = bzimage();
	img[0x1f1] = 200; /* setup_sects past the file's end */
	refused(&k, MiB(32), "", NULL, -E_INVAL, "outside the file");
	k = bzimage();
	wr32(img + 0x22c, PREF + INIT_SIZE + 0x1000); /* initrd_addr_max below where it fits */
	mods = (struct guest_mods){ NULL, 0, &r };
	refused(&k, MiB(32), "", &mods, -E_RANGE, "the initrd (8 KiB) does not fit");
}

static void test_initrd_for_multiboot_refused(void **state)
{
	static uint8_t mb[64];
	struct guest_module r = initrd();
	struct guest_mods m = { NULL, 0, &r };

	(void)state;
	memset(mb, 0, sizeof(mb));
	wr32(mb, MB1_HEADER_MAGIC);
	wr32(mb + 4, 0);
	wr32(mb + 8, (uint32_t) - (int32_t)MB1_HEADER_MAGIC);
	struct guest_image k = { mb, sizeof(mb), "mb.elf" };
	refused(&k, MiB(32), "", &m, -E_INVAL, "`initrd =` is for Linux kernels");
}

static void test_not_linux(void **state)
{
	struct guest_image k = bzimage();

	(void)state;
	assert_true(guest_is_linux(&k));
	img[0x1fe] = 0;
	assert_false(guest_is_linux(&k));
	k = bzimage();
	k.size = 0x205; /* "HdrS" cut off */
	assert_false(guest_is_linux(&k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_loads_at_pref_address, teardown),
		cmocka_unit_test_teardown(test_not_relocatable_loads_at_1mib, teardown),
		cmocka_unit_test_teardown(test_refusals, teardown),
		cmocka_unit_test_teardown(test_initrd_for_multiboot_refused, teardown),
		cmocka_unit_test_teardown(test_not_linux, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
