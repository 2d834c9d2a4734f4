// SPDX-License-Identifier: MIT
/*
 * Fuzz harness for the ACPI table parser (RSDP, RSDT/XSDT, MADT, FADT, the
 * DSDT's \_S5 and HPET): the input is a small fake physical address space
 * holding all of them, read only through a map callback, and the result is
 * checked against arch/x86/acpi.h.
 * Environment: hosted fuzz harness (clang -fsanitize=fuzzer,address,undefined).
 *
 * Input: byte 0 is the configuration, the rest is physical memory from
 * BLOB_PHYS on (so a table at blob offset 0x40 has address 0x10040).
 *   bits 0-1  entry point: 0 acpi_parse() of the RSDP at BLOB_PHYS,
 *             1 acpi_parse_rsdp_copy() of the blob's first 36 (bit 6: 20)
 *             bytes, 2 acpi_find_rsdp_in() over the blob then acpi_parse(),
 *             3 the same scan with the blob placed 8 bytes off a 16-byte
 *             boundary
 *   bit 2     repair checksums, so mutations get past them to the parsers
 *   bits 3-5  max_cpus: 1, 2, 4, 8, 64, 255, 1024 or 5000 (clamped)
 *
 * The map callback returns a malloc'd copy of exactly the bytes asked for,
 * so ASan reports any read past what the parser mapped; with bit 2 the copy
 * of a whole table gets a correct checksum byte.
 */
#include <stdbool.h>
#include <string.h>

#include "arch/x86/acpi.h"
#include "lib/errno.h"
#include "tests/fuzz/fuzz.h"

#define BLOB_PHYS 0x10000ull
#define MAX_MAPS  65536

static const uint8_t *blob;
static uint64_t blob_len, blob_phys;
static bool fix_sums;
static void *maps[MAX_MAPS];
static size_t nmaps;

/* Make the len bytes at p sum to zero by adjusting the byte at p[at]. */
static void fix_sum(uint8_t *p, uint64_t len, uint64_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)-acpi_checksum(p, len);
}

static const void *fake_map(uint64_t phys, uint64_t len, void *ctx)
{
	uint8_t *copy;
	uint32_t tlen;

	FUZZ_CHECK(ctx == &blob_len);
	/* Nothing the parser maps is bigger than a table may be. */
	FUZZ_CHECK(len <= ACPI_TABLE_MAX_LEN);
	if (phys < blob_phys || phys - blob_phys > blob_len || len > blob_len - (phys - blob_phys))
		return NULL;
	if (nmaps == MAX_MAPS)
		return NULL; /* a parse that maps this much is looping: let it fail */
	copy = malloc(len ? len : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, blob + (phys - blob_phys), len);
	maps[nmaps++] = copy;
	if (fix_sums && len >= sizeof(struct acpi_sdt_header)) {
		memcpy(&tlen, copy + 4, 4);
		if (tlen == len)
			fix_sum(copy, len, offsetof(struct acpi_sdt_header, checksum));
	}
	return copy;
}

/* Give an RSDP candidate at p (avail bytes) correct checksums. */
static void fix_rsdp(uint8_t *p, uint64_t avail)
{
	uint32_t len;

	if (avail < ACPI_RSDP_V1_LEN)
		return;
	fix_sum(p, ACPI_RSDP_V1_LEN, offsetof(struct acpi_rsdp, checksum));
	if (avail < ACPI_RSDP_V2_LEN)
		return;
	memcpy(&len, p + offsetof(struct acpi_rsdp, length), 4);
	if (len >= ACPI_RSDP_V2_LEN && len <= avail)
		fix_sum(p, len, offsetof(struct acpi_rsdp, ext_checksum));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void check_info(const struct acpi_info *ai, uint32_t max_cpus)
{
	static uint32_t ids[CONFIG_MAX_CPUS];

	if (max_cpus > CONFIG_MAX_CPUS)
		max_cpus = CONFIG_MAX_CPUS;
	FUZZ_CHECK(ai->ncpus <= max_cpus && ai->ncpus <= ai->ncpus_listed);
	FUZZ_CHECK(ai->nioapics <= ACPI_MAX_IOAPICS);
	FUZZ_CHECK(ai->have_madt || (ai->ncpus_listed == 0 && ai->nioapics == 0));
	for (uint32_t i = 0; i < ai->ncpus; i++) {
		const struct acpi_cpu *c = &ai->cpus[i];

		FUZZ_CHECK(c->x2apic ? c->apic_id != 0xffffffffu : c->apic_id < 0xff);
		ids[i] = c->apic_id;
	}
	/* One core per APIC ID: duplicates are dropped. */
	qsort(ids, ai->ncpus, sizeof(ids[0]), cmp_u32);
	for (uint32_t i = 1; i < ai->ncpus; i++)
		FUZZ_CHECK(ids[i] != ids[i - 1]);
	FUZZ_CHECK(!ai->have_s5 || (ai->have_fadt && ai->dsdt_phys != 0));
	FUZZ_CHECK(ai->have_fadt || (ai->dsdt_phys == 0 && ai->pm1a_cnt == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t cpu_budgets[8] = { 1, 2, 4, 8, 64, 255, 1024, 5000 };
	static struct acpi_info ai;
	uint32_t max_cpus;
	uint64_t rsdp = BLOB_PHYS;
	uint8_t *buf, mode;
	int rc;

	if (size < 1)
		return 0;
	mode = data[0] & 3;
	fix_sums = data[0] & 4;
	max_cpus = cpu_budgets[(data[0] >> 3) & 7];
	blob_len = size - 1;
	blob_phys = mode == 3 ? BLOB_PHYS + 8 : BLOB_PHYS;
	buf = malloc(blob_len ? blob_len : 1);
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data + 1, blob_len);
	blob = buf;
	nmaps = 0;

	switch (mode) {
	case 0:
		if (fix_sums)
			fix_rsdp(buf, blob_len);
		rc = acpi_parse(BLOB_PHYS, fake_map, &blob_len, max_cpus, &ai);
		FUZZ_CHECK(rc == 0 || rc == -E_INVAL || rc == -E_CHECKSUM || rc == -E_RANGE);
		break;
	case 1: {
		uint64_t n = blob_len < ACPI_RSDP_V2_LEN ? blob_len : ACPI_RSDP_V2_LEN;

		if (data[0] & 0x40)
			n = n < ACPI_RSDP_V1_LEN ? n : ACPI_RSDP_V1_LEN;
		if (fix_sums)
			fix_rsdp(buf, n);
		rc = acpi_parse_rsdp_copy(buf, n, fake_map, &blob_len, max_cpus, &ai);
		FUZZ_CHECK(rc == 0 || rc == -E_INVAL || rc == -E_CHECKSUM || rc == -E_RANGE);
		break;
	}
	default:
		if (fix_sums) {
			for (uint64_t off = (16 - (blob_phys & 15)) & 15; off + 8 <= blob_len;
			     off += 16)
				if (!memcmp(buf + off, "RSD PTR ", 8))
					fix_rsdp(buf + off, blob_len - off);
		}
		rc = acpi_find_rsdp_in(buf, blob_phys, blob_len, &rsdp);
		FUZZ_CHECK(rc == 0 || rc == -E_NOENT);
		if (rc == 0) {
			FUZZ_CHECK(rsdp % 16 == 0 && rsdp >= blob_phys &&
				   rsdp + ACPI_RSDP_V1_LEN <= blob_phys + blob_len);
			rc = acpi_parse(rsdp, fake_map, &blob_len, max_cpus, &ai);
			FUZZ_CHECK(rc == 0 || rc == -E_INVAL || rc == -E_CHECKSUM ||
				   rc == -E_RANGE);
		}
		break;
	}
	if (rc == 0)
		check_info(&ai, max_cpus);
	for (size_t i = 0; i < nmaps; i++)
		free(maps[i]);
	free(buf);
	return 0;
}
