// SPDX-License-Identifier: MIT
/*
 * QEMU's fw_cfg device model: the items a -kernel guest reads (signature,
 * ID, RAM size, CPU counts), the file directory byte by byte, file
 * contents, reads past the end and of missing keys, add_file's checks, and
 * the DMA interface against a fake guest memory.
 * Environment: hosted unit test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vdev/fwcfg.h"
#include "lib/errno.h"

static void read_n(struct fwcfg *f, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = fwcfg_read(f);
}

static uint64_t read_le(struct fwcfg *f, uint16_t key, unsigned n)
{
	uint64_t v = 0;

	fwcfg_select(f, key);
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)fwcfg_read(f) << (8 * i);
	return v;
}

static void test_fixed_items(void **state)
{
	struct fwcfg f;
	uint8_t b[8];

	(void)state;
	fwcfg_init(&f, 0x12345678abcdull, 4);
	/* After init the signature is selected, as after QEMU's reset. */
	read_n(&f, b, 6);
	assert_memory_equal(b, "QEMU\0\0", 6);
	fwcfg_select(&f, FWCFG_SIGNATURE);
	read_n(&f, b, 4);
	assert_memory_equal(b, "QEMU", 4);
	assert_int_equal(read_le(&f, FWCFG_ID, 4), 3); /* traditional and DMA */
	assert_int_equal(read_le(&f, FWCFG_RAM_SIZE, 8), 0x12345678abcdull);
	assert_int_equal(read_le(&f, FWCFG_NB_CPUS, 2), 4);
	assert_int_equal(read_le(&f, FWCFG_MAX_CPUS, 2), 4);
	/* Past the end: 0, however long the guest reads. */
	fwcfg_select(&f, FWCFG_NB_CPUS);
	read_n(&f, b, 8);
	assert_memory_equal(b, "\4\0\0\0\0\0\0\0", 8);
	/* Keys with no item, the write channel and arch keys read 0. */
	const uint16_t none[] = { 0x0002, 0x0004, 0x0020, 0x4000, 0x8000, 0xffff };
	for (size_t k = 0; k < sizeof(none) / sizeof(none[0]); k++) {
		fwcfg_select(&f, none[k]);
		read_n(&f, b, 4);
		assert_memory_equal(b, "\0\0\0\0", 4);
	}
	/* A new select rewinds. */
	fwcfg_select(&f, FWCFG_SIGNATURE);
	fwcfg_read(&f);
	fwcfg_read(&f);
	fwcfg_select(&f, FWCFG_SIGNATURE);
	assert_int_equal(fwcfg_read(&f), 'Q');
}

static void test_empty_directory(void **state)
{
	struct fwcfg f;
	uint8_t b[8];

	(void)state;
	fwcfg_init(&f, MiB(64), 1);
	fwcfg_select(&f, FWCFG_FILE_DIR);
	read_n(&f, b, 8);
	assert_memory_equal(b, "\0\0\0\0\0\0\0\0", 8);
}

static void test_files(void **state)
{
	struct fwcfg f;
	static const uint8_t a[] = "hello, fw_cfg\n";
	uint8_t big[300], b[4 + 2 * FWCFG_DIR_ENTRY + 4], got[300];

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	fwcfg_init(&f, MiB(64), 2);
	assert_int_equal(fwcfg_add_file(&f, "opt/cypress/test", a, sizeof(a) - 1), 0);
	assert_int_equal(fwcfg_add_file(&f, "opt/big", big, sizeof(big)), 0);
	fwcfg_select(&f, FWCFG_FILE_DIR);
	read_n(&f, b, sizeof(b));
	/* be32 count 2; entry 0: be32 size 14, be16 select 0x20, be16 0, name. */
	assert_memory_equal(b, "\0\0\0\2", 4);
	assert_memory_equal(b + 4, "\0\0\0\x0e\0\x20\0\0", 8);
	assert_string_equal((const char *)b + 12, "opt/cypress/test");
	for (size_t i = 12 + strlen("opt/cypress/test"); i < 4 + FWCFG_DIR_ENTRY; i++)
		assert_int_equal(b[i], 0);
	assert_memory_equal(b + 4 + FWCFG_DIR_ENTRY, "\0\0\x01\x2c\0\x21\0\0", 8);
	assert_string_equal((const char *)b + 12 + FWCFG_DIR_ENTRY, "opt/big");
	assert_memory_equal(b + 4 + 2 * FWCFG_DIR_ENTRY, "\0\0\0\0", 4); /* past the end */
	/* Contents, then zeros past the end. */
	fwcfg_select(&f, FWCFG_FILE_FIRST);
	read_n(&f, got, sizeof(a) + 2);
	assert_memory_equal(got, a, sizeof(a) - 1);
	assert_int_equal(got[sizeof(a) - 1], 0);
	assert_int_equal(got[sizeof(a)], 0);
	fwcfg_select(&f, FWCFG_FILE_FIRST + 1);
	read_n(&f, got, sizeof(got));
	assert_memory_equal(got, big, sizeof(big));
	assert_int_equal(fwcfg_read(&f), 0);
	fwcfg_select(&f, FWCFG_FILE_FIRST + 2); /* no third file */
	assert_int_equal(fwcfg_read(&f), 0);
}

static void test_add_file_checks(void **state)
{
	struct fwcfg f;
	static const uint8_t d[1] = { 1 };
	char name[FWCFG_NAME_MAX + 1];

	(void)state;
	fwcfg_init(&f, MiB(64), 1);
	assert_int_equal(fwcfg_add_file(&f, "", d, 1), -E_INVAL);
	assert_int_equal(fwcfg_add_file(&f, NULL, d, 1), -E_INVAL);
	assert_int_equal(fwcfg_add_file(&f, "opt/a b", d, 1), -E_INVAL);
	assert_int_equal(fwcfg_add_file(&f, "opt/\x7f", d, 1), -E_INVAL);
	assert_int_equal(fwcfg_add_file(&f, "opt/x", NULL, 1), -E_INVAL);
	assert_int_equal(fwcfg_add_file(&f, "opt/x", d, 1ull << 32), -E_INVAL);
	memset(name, 'a', sizeof(name));
	name[FWCFG_NAME_MAX] = 0;
	assert_int_equal(fwcfg_add_file(&f, name, d, 1), -E_INVAL); /* 56 characters */
	name[FWCFG_NAME_MAX - 1] = 0;
	assert_int_equal(fwcfg_add_file(&f, name, d, 1), 0); /* 55: fits with its NUL */
	assert_int_equal(fwcfg_add_file(&f, name, d, 1), -E_EXIST);
	assert_int_equal(fwcfg_add_file(&f, "opt/empty", NULL, 0), 0);
	for (int i = 2; i < FWCFG_FILES_MAX; i++) {
		char n[16] = "opt/f0";
		n[5] = (char)('0' + i);
		assert_int_equal(fwcfg_add_file(&f, n, d, 1), 0);
	}
	assert_int_equal(fwcfg_add_file(&f, "opt/more", d, 1), -E_FULL);
	assert_int_equal(f.nfiles, FWCFG_FILES_MAX);
	fwcfg_select(&f, FWCFG_FILE_FIRST + 1); /* the empty file reads 0 at once */
	assert_int_equal(fwcfg_read(&f), 0);
	assert_int_equal(f.off, 0);
}

/* ---- DMA ---- */

#define GMEM 4096
static uint8_t gmem[GMEM];

static void *gmap(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa >= GMEM || len > GMEM - gpa)
		return NULL;
	return gmem + gpa;
}

/* A FWCfgDmaAccess at guest address at: be32 control, be32 length, be64 address. */
static void dma_req(uint32_t at, uint32_t control, uint32_t len, uint64_t addr)
{
	uint8_t *p = gmem + at;

	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(control >> (24 - 8 * i));
		p[4 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	for (int i = 0; i < 8; i++)
		p[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
}

static uint32_t dma_control(uint32_t at)
{
	const uint8_t *p = gmem + at;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A map that accepts anything below 4 GiB (nothing is written through it
 * here but the request itself, which lies in gmem). */
static void *big_map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < GMEM && len <= GMEM - gpa)
		return gmem + gpa;
	if (gpa + len <= (1ull << 32))
		fail_msg("mapped %llu bytes for a request over the limit", (unsigned long long)len);
	return NULL;
}

static void test_dma(void **state)
{
	struct fwcfg f;
	static const uint8_t a[] = "file bytes";

	(void)state;
	memset(gmem, 0xee, sizeof(gmem));
	fwcfg_init(&f, MiB(64), 4);
	assert_int_equal(fwcfg_add_file(&f, "opt/a", a, sizeof(a) - 1), 0);

	/* SELECT the signature and READ it. */
	dma_req(0x100, FWCFG_SIGNATURE << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ, 4, 0x200);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), 0);
	assert_memory_equal(gmem + 0x200, "QEMU", 4);
	assert_int_equal(gmem[0x204], 0xee); /* nothing more written */
	assert_int_equal(dma_control(0x100), 0);

	/* SELECT the file, SKIP 5, READ 8: the last 5 bytes and 3 zeros. */
	dma_req(0x100, (FWCFG_FILE_FIRST << 16) | FWCFG_DMA_SELECT | FWCFG_DMA_SKIP, 5, 0);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), 0);
	dma_req(0x100, FWCFG_DMA_READ, 8, 0x300);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), 0);
	assert_memory_equal(gmem + 0x300, "bytes\0\0\0", 8);
	/* The traditional port goes on from the same offset: the end. */
	assert_int_equal(fwcfg_read(&f), 0);

	/* A number item by DMA: NB_CPUS, little-endian. */
	dma_req(0x100, FWCFG_NB_CPUS << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ, 2, 0x310);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), 0);
	assert_memory_equal(gmem + 0x310, "\4\0", 2);

	/* WRITE is refused; READ wins over WRITE. */
	dma_req(0x100, FWCFG_DMA_WRITE, 4, 0x320);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), FWCFG_DMA_ERROR);
	assert_int_equal(dma_control(0x100), FWCFG_DMA_ERROR);
	dma_req(0x100, FWCFG_SIGNATURE << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ | FWCFG_DMA_WRITE,
		1, 0x320);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), 0);
	assert_int_equal(gmem[0x320], 'Q');

	/* A target outside guest memory, or wrapping: ERROR, nothing written. */
	dma_req(0x100, FWCFG_SIGNATURE << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ, 8, GMEM - 4);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), FWCFG_DMA_ERROR);
	assert_int_equal(gmem[GMEM - 4], 0xee);
	dma_req(0x100, FWCFG_DMA_READ, 16, UINT64_MAX - 3);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), FWCFG_DMA_ERROR);
	dma_req(0x100, FWCFG_DMA_READ, UINT32_MAX, 0);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), FWCFG_DMA_ERROR);

	/* Longer than FWCFG_DMA_MAX: ERROR even where memory would allow it. */
	dma_req(0x100, FWCFG_DMA_READ, FWCFG_DMA_MAX + 1, 0);
	assert_int_equal(fwcfg_dma(&f, 0x100, big_map, NULL), FWCFG_DMA_ERROR);

	/* No operation bit: nothing moves, control 0. */
	dma_req(0x100, FWCFG_SIGNATURE << 16 | FWCFG_DMA_SELECT, 4, 0x330);
	assert_int_equal(fwcfg_dma(&f, 0x100, gmap, NULL), 0);
	assert_int_equal(gmem[0x330], 0xee);
	assert_int_equal(fwcfg_read(&f), 'Q'); /* but the select happened */

	/* The request itself unreachable: nothing happens. */
	assert_int_equal(fwcfg_dma(&f, GMEM - 8, gmap, NULL), FWCFG_DMA_ERROR | 0x100);
	assert_int_equal(fwcfg_dma(&f, UINT64_MAX - 7, gmap, NULL), FWCFG_DMA_ERROR | 0x100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_items), cmocka_unit_test(test_empty_directory),
		cmocka_unit_test(test_files),	    cmocka_unit_test(test_add_file_checks),
		cmocka_unit_test(test_dma),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
