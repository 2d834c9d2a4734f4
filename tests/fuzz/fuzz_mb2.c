// SPDX-License-Identifier: MIT
/*
 * Fuzz harness for the multiboot2 boot-information parser: mb2_parse() on
 * the input bytes as the boot info, then checks that everything it hands
 * back (strings, the RSDP copy, the memory map, modules) lies inside the
 * blob and obeys boot/mb2.h, and prints it with mb2_print().
 * Environment: hosted fuzz harness (clang -fsanitize=fuzzer,address,undefined).
 *
 * mb2_parse() may assume total_size bytes are readable (the loader
 * guarantees it), so a total_size larger than the input is lowered to the
 * input's length. Values above the 1 MiB limit are left alone: the parser
 * must refuse those before reading past the first word.
 */
#include <stdbool.h>
#include <string.h>

#include "boot/mb2.h"
#include "lib/errno.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t *blob;
static size_t blob_len;

/* [p, p + len) inside the blob. */
static bool inside(const void *p, size_t len)
{
	const uint8_t *b = p;

	return b >= blob && b <= blob + blob_len && len <= (size_t)(blob + blob_len - b);
}

/* A string the parser returned: "" (a constant) or NUL-terminated inside the blob. */
static void check_string(const char *s)
{
	FUZZ_CHECK(s != NULL);
	if (!inside(s, 0)) {
		FUZZ_CHECK(s[0] == '\0');
		return;
	}
	FUZZ_CHECK(memchr(s, '\0', (size_t)(blob + blob_len - (const uint8_t *)s)) != NULL);
}

static void check_info(const struct boot_info *bi)
{
	FUZZ_CHECK(bi->nmmap <= MB2_MAX_MMAP && bi->nmods <= MB2_MAX_MODS);
	FUZZ_CHECK(bi->have_mmap == (bi->nmmap > 0));
	FUZZ_CHECK(!bi->mmap_from_meminfo || (bi->have_mmap && bi->have_meminfo));
	check_string(bi->cmdline);
	check_string(bi->loader);
	for (uint32_t i = 0; i < bi->nmmap; i++) {
		const struct mem_region *r = &bi->mmap[i];

		FUZZ_CHECK(r->len != 0 && r->base + (r->len - 1) >= r->base);
		FUZZ_CHECK(r->type >= MEM_AVAILABLE && r->type <= MEM_BAD);
	}
	for (uint32_t i = 0; i < bi->nmods; i++) {
		FUZZ_CHECK(bi->mods[i].end >= bi->mods[i].start);
		check_string(bi->mods[i].cmdline);
	}
	if (bi->rsdp) {
		FUZZ_CHECK(bi->rsdp_tag == MB2_TAG_ACPI_OLD || bi->rsdp_tag == MB2_TAG_ACPI_NEW);
		FUZZ_CHECK(bi->rsdp_len >= (bi->rsdp_tag == MB2_TAG_ACPI_OLD ? 20u : 36u));
		FUZZ_CHECK(inside(bi->rsdp, bi->rsdp_len));
	} else {
		FUZZ_CHECK(bi->rsdp_tag == 0 && bi->rsdp_len == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	uint8_t *buf;
	uint32_t total;
	int rc;

	if (size < 4)
		return 0;
	/* An exact-size copy, so ASan sees any read past the end. */
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memcpy(&total, buf, 4);
	if (total > size && total <= MB2_MAX_INFO_SIZE) {
		total = (uint32_t)size;
		memcpy(buf, &total, 4);
	}
	blob = buf;
	blob_len = total < size ? total : size;

	rc = mb2_parse(buf, 0x10000, &bi);
	FUZZ_CHECK(rc == 0 || rc == -E_INVAL);
	FUZZ_CHECK(bi.info_size == total && bi.info_phys == 0x10000);
	if (rc == 0) {
		FUZZ_CHECK(total >= 16 && total <= MB2_MAX_INFO_SIZE);
		check_info(&bi);
		mb2_print(&bi);
	}
	free(buf);
	return 0;
}
