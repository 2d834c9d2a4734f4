// SPDX-License-Identifier: MIT
/*
 * Unit tests for the ACPI parser (arch/x86/acpi*.c). Tables are built with
 * correct checksums in a fake physical address space; the map callback hands
 * out a malloc'd copy of exactly the bytes asked for, so ASan catches any
 * read past what the parser mapped.
 * Environment: hosted unit tests only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/acpi.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"

#define FAKE_BASE 0x100000ull
#define FAKE_SIZE (512u * 1024u)
#define OUTSIDE	  0xdead0000ull /* not in the fake address space */

static uint8_t *mem;
static uint64_t mem_next;
static void **maps;
static size_t nmaps, cap_maps;
static struct acpi_info info;

static const void *fake_map(uint64_t phys, uint64_t len, void *ctx)
{
	void *copy;

	(void)ctx;
	if (phys < FAKE_BASE || len > FAKE_SIZE || phys - FAKE_BASE > FAKE_SIZE - len)
		return NULL;
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, mem + (phys - FAKE_BASE), len);
	if (nmaps == cap_maps) {
		cap_maps = cap_maps ? cap_maps * 2 : 64;
		maps = realloc(maps, cap_maps * sizeof(*maps));
		assert_non_null(maps);
	}
	maps[nmaps++] = copy;
	return copy;
}

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, FAKE_SIZE);
	mem_next = FAKE_BASE;
	memset(&info, 0xa5, sizeof(info)); /* acpi_parse must clear it */
	console_capture_reset();
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nmaps; i++)
		free(maps[i]);
	free(maps);
	maps = NULL;
	nmaps = cap_maps = 0;
	free(mem);
	return 0;
}

/* ---- fake physical memory and table builders ---- */

static uint8_t *P(uint64_t phys)
{
	return mem + (phys - FAKE_BASE);
}

static uint64_t falloc(uint32_t size)
{
	uint64_t phys = mem_next;

	mem_next = (mem_next + size + 15) & ~15ull;
	assert_true(mem_next <= FAKE_BASE + FAKE_SIZE);
	return phys;
}

static uint8_t sum8(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Recomputes the checksum of the len-byte table at phys. */
static void fix_checksum_len(uint64_t phys, uint32_t len)
{
	struct acpi_sdt_header *h = (void *)P(phys);

	h->checksum = 0;
	h->checksum = (uint8_t)-sum8(P(phys), len);
}

static void fix_checksum(uint64_t phys)
{
	fix_checksum_len(phys, ((struct acpi_sdt_header *)(void *)P(phys))->length);
}

static uint64_t put_table(const char *sig, uint8_t rev, const void *body, uint32_t body_len)
{
	uint64_t phys = falloc(36 + body_len);
	struct acpi_sdt_header h = { .length = 36 + body_len, .revision = rev };

	memcpy(h.signature, sig, 4);
	memcpy(h.oem_id, "CYPRSS", 6);
	memcpy(h.oem_table_id, "TESTTABL", 8);
	memcpy(P(phys), &h, sizeof(h));
	if (body_len)
		memcpy(P(phys) + 36, body, body_len);
	fix_checksum(phys);
	return phys;
}

static void make_rsdp(uint8_t *dst, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	struct acpi_rsdp r = { .revision = rev, .rsdt_addr = rsdt };

	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, "CYPRSS", 6);
	if (rev >= 2) {
		r.length = 36;
		r.xsdt_addr = xsdt;
	}
	r.checksum = (uint8_t)-sum8((uint8_t *)&r, 20);
	if (rev >= 2)
		r.ext_checksum = (uint8_t)-sum8((uint8_t *)&r, 36);
	memcpy(dst, &r, rev >= 2 ? 36 : 20);
}

static uint64_t put_rsdp(uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	uint64_t phys = falloc(36);

	make_rsdp(P(phys), rev, rsdt, xsdt);
	return phys;
}

static uint64_t put_root(bool xsdt, const uint64_t *tables, int n)
{
	uint8_t body[512];
	uint32_t esz = xsdt ? 8 : 4;

	for (int i = 0; i < n; i++)
		memcpy(body + i * esz, &tables[i], esz);
	return put_table(xsdt ? "XSDT" : "RSDT", 1, body, (uint32_t)n * esz);
}

struct madt_b {
	uint8_t buf[32768];
	uint32_t len;
};
static struct madt_b mb;

static void madt_init(uint32_t lapic_addr, uint32_t flags)
{
	memcpy(mb.buf, &lapic_addr, 4);
	memcpy(mb.buf + 4, &flags, 4);
	mb.len = 8;
}

static void madt_raw(const void *e, uint32_t n)
{
	assert_true(mb.len + n <= sizeof(mb.buf));
	memcpy(mb.buf + mb.len, e, n);
	mb.len += n;
}

static void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	struct acpi_madt_lapic e = { { ACPI_MADT_LAPIC, 8 }, uid, id, flags };

	madt_raw(&e, sizeof(e));
}

static void madt_x2apic(uint32_t id, uint32_t uid, uint32_t flags)
{
	struct acpi_madt_x2apic e = {
		.h = { ACPI_MADT_X2APIC, 16 }, .x2apic_id = id, .flags = flags, .uid = uid
	};

	madt_raw(&e, sizeof(e));
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
	struct acpi_madt_ioapic e = { { ACPI_MADT_IOAPIC, 12 }, id, 0, addr, gsi };

	madt_raw(&e, sizeof(e));
}

static void madt_override(uint64_t addr)
{
	struct acpi_madt_lapic_override e = { { ACPI_MADT_LAPIC_OVERRIDE, 12 }, 0, addr };

	madt_raw(&e, sizeof(e));
}

static uint64_t madt_put(void)
{
	return put_table("APIC", 5, mb.buf, mb.len);
}

/* 4 enabled cores, one IOAPIC, plus ISO and NMI entries that are ignored. */
static uint64_t std_madt(void)
{
	static const uint8_t iso[10] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
	static const uint8_t nmi[6] = { 4, 6, 0xff, 0, 0, 1 };

	madt_init(0xfee00000, ACPI_MADT_PCAT_COMPAT);
	for (uint8_t i = 0; i < 4; i++)
		madt_lapic(i, i, ACPI_MADT_ENABLED);
	madt_ioapic(4, 0xfec00000, 0);
	madt_raw(iso, sizeof(iso));
	madt_raw(nmi, sizeof(nmi));
	return madt_put();
}

/* A DSDT whose \_S5 is Package(4) {5, 5, 0, 0}, after an unrelated _S5_ reference. */
static const uint8_t std_aml[] = {
	0x10, 0x05, '_', 'S', 'B',  '_',  0x70, '_',  'S',  '5',  '_',	0x00, 0x08,
	'_',  'S',  '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

static uint64_t put_dsdt(const uint8_t *aml, uint32_t len)
{
	return put_table("DSDT", 2, aml, len);
}

static struct acpi_fadt std_fadt_struct(uint64_t dsdt)
{
	struct acpi_fadt f = {
		.dsdt = (uint32_t)dsdt,
		.sci_int = 9,
		.smi_cmd = 0xb2,
		.acpi_enable = 0xf1,
		.pm1a_cnt_blk = 0x604,
		.pm_tmr_blk = 0x608,
		.x_dsdt = dsdt,
		.x_pm1a_cnt_blk = { ACPI_GAS_SYSTEM_IO, 16, 0, 2, 0x604 },
		.x_pm_tmr_blk = { ACPI_GAS_SYSTEM_IO, 32, 0, 3, 0x608 },
	};
	return f;
}

static uint64_t put_fadt(const struct acpi_fadt *f, uint32_t len, uint8_t rev)
{
	return put_table("FACP", rev, (const uint8_t *)f + 36, len - 36);
}

static uint64_t std_fadt(void)
{
	struct acpi_fadt f = std_fadt_struct(put_dsdt(std_aml, sizeof(std_aml)));

	return put_fadt(&f, sizeof(f), 6);
}

static uint64_t put_hpet(uint8_t space, uint64_t addr, uint32_t len)
{
	struct acpi_hpet h = { .event_timer_block_id = 0x8086a201,
			       .base = { space, 64, 0, 0, addr } };

	return put_table("HPET", 1, (const uint8_t *)&h + 36, len - 36);
}

/* RSDP -> RSDT (rev < 2) or RSDT + XSDT -> the given tables. */
static uint64_t platform(uint8_t rev, const uint64_t *tables, int n)
{
	uint64_t rsdt = put_root(false, tables, n);
	uint64_t xsdt = rev >= 2 ? put_root(true, tables, n) : 0;

	return put_rsdp(rev, (uint32_t)rsdt, xsdt);
}

static uint64_t std_platform(uint8_t rev)
{
	uint64_t t[3] = { std_madt(), std_fadt(), put_hpet(0, 0xfed00000, 56) };

	return platform(rev, t, 3);
}

/* ---- assertions on the console ---- */

static void expect_line(const char *file, int line, const char *fmt, ...) __printf(3, 4);
static void expect_line(const char *file, int line, const char *fmt, ...)
{
	char want[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	if (!console_capture_has(want))
		fail_msg("%s:%d: missing console line \"%s\"; captured:\n%s", file, line, want,
			 console_capture());
}
#define EXPECT_LINE(...) expect_line(__FILE__, __LINE__, __VA_ARGS__)

static void expect_lines(const char *file, int line, int n)
{
	if (console_capture_lines() != n)
		fail_msg("%s:%d: expected %d console lines, got %d:\n%s", file, line, n,
			 console_capture_lines(), console_capture());
}
#define EXPECT_LINES(n) expect_lines(__FILE__, __LINE__, (n))

static int parse(uint64_t rsdp, uint32_t max_cpus)
{
	return acpi_parse(rsdp, fake_map, NULL, max_cpus, &info);
}

static void assert_std_tables(void)
{
	assert_true(info.have_madt);
	assert_int_equal(info.lapic_addr, 0xfee00000);
	assert_true(info.pcat_compat);
	assert_int_equal(info.ncpus, 4);
	assert_int_equal(info.ncpus_listed, 4);
	assert_int_equal(info.ncpus_disabled, 0);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].uid, i);
		assert_false(info.cpus[i].x2apic);
		assert_false(info.cpus[i].online_capable);
	}
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.ioapics[0].id, 4);
	assert_int_equal(info.ioapics[0].addr, 0xfec00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_true(info.have_fadt);
	assert_int_equal(info.pm1a_cnt, 0x604);
	assert_int_equal(info.pm1b_cnt, 0);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	assert_int_equal(info.smi_cmd, 0xb2);
	assert_int_equal(info.acpi_enable, 0xf1);
	assert_int_equal(info.sci_irq, 9);
	assert_false(info.hw_reduced);
	assert_true(info.have_s5);
	assert_int_equal(info.slp_typa, 5);
	assert_int_equal(info.slp_typb, 5);
	assert_int_equal(info.hpet_addr, 0xfed00000);
}

/* ---- happy paths ---- */

static void test_happy_v1_rsdt(void **state)
{
	uint64_t rsdp = std_platform(0);

	(void)state;
	assert_int_equal(parse(rsdp, CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.rsdp_phys, rsdp);
	assert_int_equal(info.revision, 0);
	assert_false(info.xsdt);
	assert_std_tables();
	EXPECT_LINES(0);
}

static void test_happy_v2_xsdt(void **state)
{
	uint64_t xt[3] = { std_madt(), std_fadt(), put_hpet(0, 0xfed00000, 56) };
	uint64_t rt[1], rsdp;

	(void)state;
	/* The RSDT lists a different, one-cpu MADT: it must not be used. */
	madt_init(0xfee00000, 0);
	madt_lapic(9, 9, ACPI_MADT_ENABLED);
	rt[0] = madt_put();
	rsdp = put_rsdp(2, (uint32_t)put_root(false, rt, 1), put_root(true, xt, 3));
	assert_int_equal(parse(rsdp, CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.revision, 2);
	assert_true(info.xsdt);
	assert_std_tables();
	EXPECT_LINES(0);
}

static void test_v2_zero_xsdt_uses_rsdt(void **state)
{
	uint64_t t[2] = { std_madt(), std_fadt() };
	uint64_t rsdp = put_rsdp(2, (uint32_t)put_root(false, t, 2), 0);

	(void)state;
	assert_int_equal(parse(rsdp, CONFIG_MAX_CPUS), 0);
	assert_false(info.xsdt);
	assert_int_equal(info.ncpus, 4);
	assert_true(info.have_s5);
}

/* ---- MADT contents ---- */

static void test_x2apic_only(void **state)
{
	static const uint32_t ids[4] = { 0, 1, 300, 0x1000 };
	uint64_t t[1];

	(void)state;
	madt_init(0xfee00000, 0);
	for (uint32_t i = 0; i < 4; i++)
		madt_x2apic(ids[i], 100 + i, ACPI_MADT_ENABLED);
	t[0] = madt_put();
	assert_int_equal(parse(platform(2, t, 1), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 4);
	assert_false(info.pcat_compat);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(info.cpus[i].apic_id, ids[i]);
		assert_int_equal(info.cpus[i].uid, 100 + i);
		assert_true(info.cpus[i].x2apic);
	}
	EXPECT_LINE("acpi: no FADT; ACPI power management unavailable\n");
	EXPECT_LINES(1);
}

static void test_disabled_and_online_capable(void **state)
{
	uint64_t t[1];

	(void)state;
	madt_init(0xfee00000, 0);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	madt_lapic(1, 1, 0);			    /* disabled */
	madt_lapic(2, 2, ACPI_MADT_ONLINE_CAPABLE); /* hot-pluggable */
	madt_lapic(3, 0xff, 0);			    /* disabled filler, ID 0xff is fine */
	madt_x2apic(400, 4, 0);			    /* disabled */
	madt_x2apic(401, 5, ACPI_MADT_ONLINE_CAPABLE);
	madt_lapic(6, 6, ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE);
	t[0] = madt_put();
	assert_int_equal(parse(platform(0, t, 1), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 4);
	assert_int_equal(info.ncpus_listed, 4);
	assert_int_equal(info.ncpus_disabled, 3);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_false(info.cpus[0].online_capable);
	assert_int_equal(info.cpus[1].apic_id, 2);
	assert_true(info.cpus[1].online_capable);
	assert_int_equal(info.cpus[2].apic_id, 401);
	assert_true(info.cpus[2].online_capable);
	assert_int_equal(info.cpus[3].apic_id, 6);
	assert_false(info.cpus[3].online_capable);
	EXPECT_LINES(1); /* only "no FADT" */
}

static void test_enabled_broadcast_ids_skipped(void **state)
{
	uint64_t t[1];

	(void)state;
	madt_init(0xfee00000, 0);
	madt_lapic(7, 0xff, ACPI_MADT_ENABLED);
	madt_x2apic(0xffffffffu, 8, ACPI_MADT_ENABLED);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	t[0] = madt_put();
	assert_int_equal(parse(platform(0, t, 1), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 1);
	EXPECT_LINE("acpi: MADT LAPIC entry for uid 7 has APIC ID 0xff; skipped\n");
	EXPECT_LINE("acpi: MADT x2APIC entry for uid 8 has ID 0xffffffff; skipped\n");
}

/* 255 xAPIC + 845 x2APIC cores: 1100 listed. */
static uint64_t madt_1100(void)
{
	madt_init(0xfee00000, 0);
	for (uint32_t i = 0; i < 1100; i++) {
		if (i < 255)
			madt_lapic((uint8_t)i, (uint8_t)i, ACPI_MADT_ENABLED);
		else
			madt_x2apic(i, i, ACPI_MADT_ENABLED);
	}
	return madt_put();
}

static void test_1100_cpus_cap_1024(void **state)
{
	uint64_t t[2];

	(void)state;
	t[0] = madt_1100();
	t[1] = std_fadt();
	/* Asking for more than the build supports is clamped to CONFIG_MAX_CPUS. */
	assert_int_equal(parse(platform(2, t, 2), 5000), 0);
	assert_int_equal(info.ncpus, 1024);
	assert_int_equal(info.ncpus_listed, 1100);
	assert_false(info.cpus[254].x2apic);
	assert_int_equal(info.cpus[254].apic_id, 254);
	assert_true(info.cpus[1023].x2apic);
	assert_int_equal(info.cpus[1023].apic_id, 1023);
	EXPECT_LINE("acpi: MADT lists 1100 usable cpus, build supports 1024; ignoring 76\n");
	EXPECT_LINES(1);
}

static void test_small_max_cpus(void **state)
{
	uint64_t t[2];

	(void)state;
	madt_init(0xfee00000, 0);
	for (uint8_t i = 0; i < 6; i++)
		madt_lapic(i, i, ACPI_MADT_ENABLED);
	madt_x2apic(600, 6, ACPI_MADT_ENABLED);
	madt_x2apic(601, 7, ACPI_MADT_ONLINE_CAPABLE);
	madt_lapic(8, 8, 0);
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), 4), 0);
	assert_int_equal(info.ncpus, 4);
	assert_int_equal(info.ncpus_listed, 8);
	assert_int_equal(info.ncpus_disabled, 1);
	assert_int_equal(info.cpus[3].apic_id, 3);
	EXPECT_LINE("acpi: MADT lists 8 usable cpus, build supports 4; ignoring 4\n");
	EXPECT_LINES(1);

	console_capture_reset();
	assert_int_equal(parse(platform(0, t, 2), 0), -E_INVAL);
	EXPECT_LINES(1);
}

static void test_duplicate_apic_ids(void **state)
{
	uint64_t t[2];

	(void)state;
	madt_init(0xfee00000, 0);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	madt_lapic(1, 1, ACPI_MADT_ENABLED);
	madt_lapic(2, 1, ACPI_MADT_ENABLED);
	madt_x2apic(300, 3, ACPI_MADT_ENABLED);
	madt_x2apic(300, 4, ACPI_MADT_ENABLED);
	madt_lapic(5, 1, 0); /* disabled repeats are not duplicates */
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 3);
	assert_int_equal(info.ncpus_listed, 3);
	assert_int_equal(info.cpus[1].uid, 1); /* the first one is kept */
	assert_int_equal(info.cpus[2].uid, 3);
	EXPECT_LINE("acpi: MADT lists APIC ID 0x1 twice (uids 1 and 2); keeping the first\n");
	EXPECT_LINE("acpi: MADT lists APIC ID 0x12c twice (uids 3 and 4); keeping the first\n");
	EXPECT_LINES(2);
}

static void test_many_duplicates_summarised(void **state)
{
	uint64_t t[2];

	(void)state;
	madt_init(0xfee00000, 0);
	for (uint8_t i = 0; i < 13; i++)
		madt_lapic(i, 7, ACPI_MADT_ENABLED);
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 1);
	EXPECT_LINE("acpi: MADT lists APIC ID 0x7 twice (uids 0 and 8); keeping the first\n");
	assert_false(console_capture_has("(uids 0 and 9)"));
	EXPECT_LINE("acpi: MADT has 12 duplicate APIC IDs in all (first 8 shown)\n");
	EXPECT_LINES(9);
}

static void test_x2apic_mirror_of_lapic_is_silent(void **state)
{
	uint64_t t[2];

	(void)state;
	madt_init(0xfee00000, 0);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	madt_lapic(1, 1, ACPI_MADT_ENABLED);
	madt_x2apic(0, 0, ACPI_MADT_ENABLED);
	madt_x2apic(1, 1, ACPI_MADT_ENABLED);
	madt_x2apic(5, 5, ACPI_MADT_ENABLED); /* x2APIC first, xAPIC mirror after */
	madt_lapic(5, 5, ACPI_MADT_ENABLED);
	madt_x2apic(256, 6, ACPI_MADT_ENABLED);
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 4);
	assert_int_equal(info.ncpus_listed, 4);
	assert_false(info.cpus[0].x2apic);
	assert_true(info.cpus[2].x2apic);
	assert_int_equal(info.cpus[2].apic_id, 5);
	assert_int_equal(info.cpus[3].apic_id, 256);
	EXPECT_LINES(0);
}

static void test_lapic_override(void **state)
{
	uint64_t t[2];

	(void)state;
	madt_init(0xfee00000, ACPI_MADT_PCAT_COMPAT);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	madt_override(0x12fee00000ull);
	madt_override(0x34fee00000ull);
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(2, t, 2), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.lapic_addr, 0x12fee00000ull);
	assert_true(info.pcat_compat);
	EXPECT_LINE("acpi: MADT has more than one LAPIC address override; using the first\n");
	EXPECT_LINES(1);
}

static void test_ioapic_overflow(void **state)
{
	uint64_t t[2];

	(void)state;
	madt_init(0xfee00000, 0);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	for (uint32_t i = 0; i < 70; i++)
		madt_ioapic((uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics[63].id, 63);
	assert_int_equal(info.ioapics[63].addr, 0xfec00000 + 63 * 0x1000);
	assert_int_equal(info.ioapics[63].gsi_base, 63 * 24);
	EXPECT_LINE("acpi: MADT lists 70 IOAPICs, build supports 64; ignoring 6\n");
	EXPECT_LINES(1);
}

/* ---- malformed MADTs ---- */

/* Table offset of the next MADT entry to be added. */
static uint32_t madt_off(void)
{
	return 36 + mb.len;
}

static void test_madt_entry_len_zero(void **state)
{
	static const uint8_t bad[8] = { 0, 0, 5, 5, 1, 0, 0, 0 };
	uint64_t t[2];
	uint32_t off;

	(void)state;
	madt_init(0xfee00000, 0);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	madt_lapic(1, 1, ACPI_MADT_ENABLED);
	off = madt_off();
	madt_raw(bad, sizeof(bad));
	madt_lapic(2, 2, ACPI_MADT_ENABLED); /* never reached */
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	assert_true(info.have_madt);
	assert_int_equal(info.ncpus, 2);
	EXPECT_LINE("acpi: MADT entry at offset %u has length 0; stopped parsing the MADT there, "
		    "keeping 2 entries\n",
		    off);
	EXPECT_LINES(1);
}

static void test_madt_entry_past_end(void **state)
{
	static const uint8_t bad[8] = { 0, 20, 5, 5, 1, 0, 0, 0 };
	uint64_t t[2];
	uint32_t off;

	(void)state;
	madt_init(0xfee00000, 0);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	madt_ioapic(1, 0xfec00000, 0);
	off = madt_off();
	madt_raw(bad, sizeof(bad));
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.nioapics, 1);
	EXPECT_LINE("acpi: MADT entry at offset %u (type 0, length 20) runs past the table end at "
		    "%u; stopped parsing the MADT there, keeping 2 entries\n",
		    off, off + 8);
	EXPECT_LINES(1);
}

static void test_madt_stray_byte_and_short_entry(void **state)
{
	static const uint8_t short_lapic[4] = { 0, 4, 9, 9 };
	static const uint8_t stray = 0;
	uint64_t t[2];
	uint32_t off_short, off_stray;

	(void)state;
	madt_init(0xfee00000, 0);
	off_short = madt_off();
	madt_raw(short_lapic, sizeof(short_lapic)); /* skipped, parsing continues */
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	off_stray = madt_off();
	madt_raw(&stray, 1);
	t[0] = madt_put();
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 1);
	EXPECT_LINE("acpi: MADT entry at offset %u (type 0) has length 4, needs 8; skipped\n",
		    off_short);
	EXPECT_LINE("acpi: MADT has a stray byte at offset %u; stopped parsing the MADT there, "
		    "keeping 2 entries\n",
		    off_stray);
	EXPECT_LINES(2);
}

static void test_madt_shorter_than_its_header(void **state)
{
	uint32_t four = 0xfee00000;
	uint64_t t[2];

	(void)state;
	t[0] = put_table("APIC", 5, &four, 4);
	t[1] = std_fadt();
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	assert_false(info.have_madt);
	EXPECT_LINE("acpi: MADT at 0x%llx is 40 bytes, shorter than its 44-byte header; "
		    "skipped\n",
		    (unsigned long long)t[0]);
	EXPECT_LINE("acpi: no MADT; only the boot cpu will run\n");
	EXPECT_LINES(2);
}

static void test_bad_madt_checksum(void **state)
{
	uint64_t t[3];

	(void)state;
	t[0] = std_madt();
	P(t[0])[40] ^= 1; /* flip a flag bit without fixing the checksum */
	t[1] = std_fadt();
	t[2] = put_hpet(0, 0xfed00000, 56);
	assert_int_equal(parse(platform(2, t, 3), CONFIG_MAX_CPUS), 0);
	assert_false(info.have_madt);
	assert_int_equal(info.ncpus, 0);
	assert_true(info.have_fadt); /* the other tables still parse */
	assert_true(info.have_s5);
	assert_int_equal(info.hpet_addr, 0xfed00000);
	EXPECT_LINE("acpi: MADT at 0x%llx has a bad checksum; skipped\n", (unsigned long long)t[0]);
	EXPECT_LINE("acpi: no MADT; only the boot cpu will run\n");
	EXPECT_LINES(2);
}

static void test_second_madt_ignored(void **state)
{
	uint64_t t[3];

	(void)state;
	t[0] = std_madt();
	t[1] = std_fadt();
	madt_init(0xfee00000, 0);
	madt_lapic(0, 40, ACPI_MADT_ENABLED);
	t[2] = madt_put();
	assert_int_equal(parse(platform(0, t, 3), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 4);
	EXPECT_LINE("acpi: second MADT at 0x%llx ignored\n", (unsigned long long)t[2]);
	EXPECT_LINES(1);
}

/* ---- RSDP ---- */

static void test_bad_rsdp_checksum(void **state)
{
	uint64_t rsdp = std_platform(0);

	(void)state;
	P(rsdp)[9] ^= 0x40; /* OEM ID byte, covered by the checksum */
	assert_int_equal(parse(rsdp, CONFIG_MAX_CPUS), -E_CHECKSUM);
	EXPECT_LINE("acpi: RSDP at 0x%llx has a bad checksum\n", (unsigned long long)rsdp);
	EXPECT_LINES(1);
	assert_false(info.have_madt);
	assert_int_equal(info.ncpus, 0);
}

static void test_bad_rsdp_signature(void **state)
{
	uint64_t rsdp = std_platform(2);

	(void)state;
	P(rsdp)[0] = 'X';
	assert_int_equal(parse(rsdp, CONFIG_MAX_CPUS), -E_INVAL);
	EXPECT_LINE("acpi: RSDP at 0x%llx has a bad signature\n", (unsigned long long)rsdp);
	EXPECT_LINES(1);
}

static void test_bad_rsdp_extended_checksum(void **state)
{
	uint64_t rsdp = std_platform(2);

	(void)state;
	P(rsdp)[33] ^= 1; /* reserved byte: only the extended checksum covers it */
	assert_int_equal(parse(rsdp, CONFIG_MAX_CPUS), -E_CHECKSUM);
	EXPECT_LINE("acpi: RSDP at 0x%llx has a bad extended checksum\n", (unsigned long long)rsdp);
	EXPECT_LINES(1);
}

static void test_rsdp_bad_length_or_unmappable(void **state)
{
	uint64_t rsdp = std_platform(2);
	struct acpi_rsdp *r = (void *)P(rsdp);

	(void)state;
	r->length = 20;
	r->ext_checksum = 0;
	r->ext_checksum = (uint8_t)-sum8(P(rsdp), 36);
	assert_int_equal(parse(rsdp, CONFIG_MAX_CPUS), -E_INVAL);
	EXPECT_LINE("acpi: RSDP at 0x%llx has length 20, outside 36..36\n",
		    (unsigned long long)rsdp);

	console_capture_reset();
	assert_int_equal(parse(OUTSIDE, CONFIG_MAX_CPUS), -E_RANGE);
	EXPECT_LINE("acpi: RSDP at 0xdead0000 is not mappable\n");
	EXPECT_LINES(1);

	/* A revision-2 RSDP whose last 16 bytes fall off the end of memory. */
	console_capture_reset();
	rsdp = FAKE_BASE + FAKE_SIZE - 20;
	make_rsdp(P(rsdp), 0, 0x1000, 0);
	r = (void *)P(rsdp); /* only its first 20 bytes exist */
	r->revision = 2;
	r->checksum = 0;
	r->checksum = (uint8_t)-sum8(P(rsdp), 20);
	assert_int_equal(parse(rsdp, CONFIG_MAX_CPUS), -E_RANGE);
	EXPECT_LINE("acpi: RSDP at 0x%llx is revision 2+ but its 36 bytes are not mappable\n",
		    (unsigned long long)rsdp);
	EXPECT_LINES(1);
}

static void test_rsdp_copy(void **state)
{
	uint64_t t[2] = { std_madt(), std_fadt() };
	uint64_t rsdt = put_root(false, t, 2), xsdt = put_root(true, t, 2);
	uint8_t copy[36];

	(void)state;
	make_rsdp(copy, 0, (uint32_t)rsdt, 0);
	assert_int_equal(acpi_parse_rsdp_copy(copy, 20, fake_map, NULL, 64, &info), 0);
	assert_int_equal(info.rsdp_phys, 0);
	assert_false(info.xsdt);
	assert_int_equal(info.ncpus, 4);
	EXPECT_LINES(0);

	make_rsdp(copy, 2, 0, xsdt);
	assert_int_equal(acpi_parse_rsdp_copy(copy, 36, fake_map, NULL, 64, &info), 0);
	assert_true(info.xsdt);
	assert_int_equal(info.revision, 2);
	assert_int_equal(info.ncpus, 4);
	EXPECT_LINES(0);

	/* A 2.0 RSDP cut to 20 bytes (multiboot2 "ACPI old" tag): RSDT only. */
	make_rsdp(copy, 2, (uint32_t)rsdt, OUTSIDE);
	assert_int_equal(acpi_parse_rsdp_copy(copy, 20, fake_map, NULL, 64, &info), 0);
	assert_false(info.xsdt);
	assert_int_equal(info.ncpus, 4);
	EXPECT_LINE("acpi: RSDP copy is revision 2 but only 20 bytes; using the RSDT\n");
	EXPECT_LINES(1);

	console_capture_reset();
	copy[8] ^= 1;
	assert_int_equal(acpi_parse_rsdp_copy(copy, 36, fake_map, NULL, 64, &info), -E_CHECKSUM);
	EXPECT_LINE("acpi: RSDP copy has a bad checksum\n");
	assert_int_equal(acpi_parse_rsdp_copy(copy, 19, fake_map, NULL, 64, &info), -E_INVAL);
	EXPECT_LINE("acpi: RSDP copy is 19 bytes, needs at least 20\n");
	EXPECT_LINES(2);
}

/* ---- root table and table validation ---- */

static void test_xsdt_unmappable_falls_back_to_rsdt(void **state)
{
	uint64_t t[2] = { std_madt(), std_fadt() };
	uint64_t rsdt = put_root(false, t, 2);

	(void)state;
	assert_int_equal(parse(put_rsdp(2, (uint32_t)rsdt, OUTSIDE), CONFIG_MAX_CPUS), 0);
	assert_false(info.xsdt);
	assert_int_equal(info.ncpus, 4);
	EXPECT_LINE("acpi: XSDT at 0xdead0000 is not mappable; skipped\n");
	EXPECT_LINE("acpi: falling back to the RSDT at 0x%llx\n", (unsigned long long)rsdt);
	EXPECT_LINES(2);

	/* Without an RSDT there is nothing to fall back to. */
	console_capture_reset();
	assert_int_equal(parse(put_rsdp(2, 0, OUTSIDE), CONFIG_MAX_CPUS), -E_RANGE);
	EXPECT_LINE("acpi: XSDT at 0xdead0000 is not mappable; skipped\n");
	EXPECT_LINES(1);
	assert_false(info.have_madt);

	console_capture_reset();
	assert_int_equal(parse(put_rsdp(0, 0, 0), CONFIG_MAX_CPUS), -E_INVAL);
	EXPECT_LINE("acpi: RSDP names no RSDT or XSDT\n");
}

static void test_root_wrong_signature(void **state)
{
	uint64_t madt = std_madt();

	(void)state;
	assert_int_equal(parse(put_rsdp(0, (uint32_t)madt, 0), CONFIG_MAX_CPUS), -E_INVAL);
	EXPECT_LINE("acpi: table at 0x%llx has signature MADT, expected RSDT; skipped\n",
		    (unsigned long long)madt);
	EXPECT_LINES(1);
}

static void test_root_entries_bad_and_null(void **state)
{
	uint64_t t[5] = { OUTSIDE, 0, std_madt(), FAKE_BASE + FAKE_SIZE - 16, std_fadt() };
	uint64_t rsdt;

	(void)state;
	rsdt = put_root(true, t, 5);
	/* Grow the XSDT by 3 stray bytes (the builder left room: 16-byte rounding). */
	((struct acpi_sdt_header *)(void *)P(rsdt))->length += 3;
	fix_checksum(rsdt);
	assert_int_equal(parse(put_rsdp(2, 0, rsdt), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.ncpus, 4);
	assert_true(info.have_s5);
	EXPECT_LINE("acpi: XSDT at 0x%llx has 3 stray bytes after its 5 entries; ignored\n",
		    (unsigned long long)rsdt);
	EXPECT_LINE("acpi: table at 0xdead0000 is not mappable; skipped\n");
	EXPECT_LINE("acpi: XSDT entry 1 is null; skipped\n");
	EXPECT_LINE("acpi: table at 0x%llx is not mappable; skipped\n",
		    (unsigned long long)(FAKE_BASE + FAKE_SIZE - 16));
	EXPECT_LINES(4);
}

static void test_table_length_smaller_than_header(void **state)
{
	uint64_t t[3];

	(void)state;
	t[0] = std_madt();
	((struct acpi_sdt_header *)(void *)P(t[0]))->length = 20;
	fix_checksum_len(t[0], 20);
	t[1] = std_fadt();
	t[2] = put_hpet(0, 0xfed00000, 56);
	assert_int_equal(parse(platform(0, t, 3), CONFIG_MAX_CPUS), 0);
	assert_false(info.have_madt);
	assert_true(info.have_fadt);
	assert_int_equal(info.hpet_addr, 0xfed00000);
	EXPECT_LINE("acpi: MADT at 0x%llx has length 20, less than its 36-byte header; skipped\n",
		    (unsigned long long)t[0]);
	EXPECT_LINE("acpi: no MADT; only the boot cpu will run\n");
	EXPECT_LINES(2);
}

static void test_table_absurd_or_past_memory(void **state)
{
	uint64_t t[2];
	uint64_t near_end = FAKE_BASE + FAKE_SIZE - 64;

	(void)state;
	t[0] = std_madt();
	((struct acpi_sdt_header *)(void *)P(t[0]))->length = 0x1000001;
	/* A header that fits in memory, but whose 100-byte body does not. */
	memcpy(P(near_end), "SSDT", 4);
	((struct acpi_sdt_header *)(void *)P(near_end))->length = 100;
	t[1] = near_end;
	assert_int_equal(parse(platform(0, t, 2), CONFIG_MAX_CPUS), 0);
	EXPECT_LINE("acpi: MADT at 0x%llx has absurd length 16777217 (over 16 MiB); skipped\n",
		    (unsigned long long)t[0]);
	EXPECT_LINE("acpi: SSDT at 0x%llx (100 bytes) is not mappable; skipped\n",
		    (unsigned long long)near_end);
	EXPECT_LINE("acpi: no MADT; only the boot cpu will run\n");
	EXPECT_LINE("acpi: no FADT; ACPI power management unavailable\n");
	EXPECT_LINES(4);
}

static void test_no_madt(void **state)
{
	uint64_t t[2] = { std_fadt(), put_hpet(0, 0xfed00000, 56) };

	(void)state;
	assert_int_equal(parse(platform(2, t, 2), CONFIG_MAX_CPUS), 0);
	assert_false(info.have_madt);
	assert_int_equal(info.ncpus, 0);
	assert_int_equal(info.lapic_addr, 0);
	assert_true(info.have_s5);
	EXPECT_LINE("acpi: no MADT; only the boot cpu will run\n");
	EXPECT_LINES(1);
}

static void test_no_fadt(void **state)
{
	uint64_t t[1] = { std_madt() };

	(void)state;
	assert_int_equal(parse(platform(2, t, 1), CONFIG_MAX_CPUS), 0);
	assert_false(info.have_fadt);
	assert_false(info.have_s5);
	assert_int_equal(info.pm1a_cnt, 0);
	assert_int_equal(info.hpet_addr, 0);
	assert_int_equal(info.ncpus, 4);
	EXPECT_LINE("acpi: no FADT; ACPI power management unavailable\n");
	EXPECT_LINES(1);
}

/* ---- HPET ---- */

static void test_hpet_variants(void **state)
{
	uint64_t t[4];

	(void)state;
	t[0] = put_hpet(0, 0, 52); /* too short */
	t[1] = put_hpet(ACPI_GAS_SYSTEM_IO, 0x40, 56);
	t[2] = put_hpet(0, 0xfed00000, 56);
	t[3] = put_hpet(0, 0xfed80000, 56); /* a second timer block: first one wins */
	assert_int_equal(parse(platform(0, t, 4), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.hpet_addr, 0xfed00000);
	EXPECT_LINE("acpi: HPET at 0x%llx is 52 bytes, needs 56; skipped\n",
		    (unsigned long long)t[0]);
	EXPECT_LINE("acpi: HPET at 0x%llx has its registers in address space 1, not memory; "
		    "skipped\n",
		    (unsigned long long)t[1]);
	EXPECT_LINES(4); /* plus no MADT, no FADT */
}

/* ---- FADT ---- */

static void test_fadt_v1_legacy_fields(void **state)
{
	uint64_t dsdt = put_dsdt(std_aml, sizeof(std_aml));
	struct acpi_fadt f = std_fadt_struct(dsdt);
	uint64_t t[1];

	(void)state;
	f.pm1b_cnt_blk = 0x704;
	/* Only the first 116 bytes exist: X_ fields must not be read (ASan would see it). */
	t[0] = put_fadt(&f, ACPI_FADT_V1_LEN, 1);
	assert_int_equal(parse(platform(0, t, 1), CONFIG_MAX_CPUS), 0);
	assert_true(info.have_fadt);
	assert_int_equal(info.fadt_revision, 1);
	assert_int_equal(info.pm1a_cnt, 0x604);
	assert_int_equal(info.pm1b_cnt, 0x704);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	assert_int_equal(info.dsdt_phys, dsdt);
	assert_true(info.have_s5);
	EXPECT_LINES(1); /* no MADT */
}

static void test_fadt_x_fields_preferred(void **state)
{
	static const uint8_t other_aml[] = { 0x08, '_',	 'S',  '5',  '_',  0x12,
					     0x06, 0x02, 0x0a, 0x03, 0x0a, 0x04 };
	uint64_t dsdt32 = put_dsdt(std_aml, sizeof(std_aml));
	uint64_t dsdt64 = put_dsdt(other_aml, sizeof(other_aml));
	struct acpi_fadt f = std_fadt_struct(dsdt64);
	uint64_t t[1];

	(void)state;
	f.dsdt = (uint32_t)dsdt32;
	f.x_pm1a_cnt_blk.address = 0x1004;
	f.x_pm1b_cnt_blk = (struct acpi_gas){ ACPI_GAS_SYSTEM_IO, 16, 0, 2, 0x1104 };
	f.x_pm_tmr_blk.address = 0; /* zero: the 32-bit field stands */
	t[0] = put_fadt(&f, sizeof(f), 5);
	assert_int_equal(parse(platform(2, t, 1), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.pm1a_cnt, 0x1004);
	assert_int_equal(info.pm1b_cnt, 0x1104);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	assert_int_equal(info.dsdt_phys, dsdt64);
	assert_int_equal(info.slp_typa, 3);
	assert_int_equal(info.slp_typb, 4);
	EXPECT_LINES(1);
}

static void test_fadt_x_field_not_io(void **state)
{
	struct acpi_fadt f = std_fadt_struct(put_dsdt(std_aml, sizeof(std_aml)));
	uint64_t t[1];

	(void)state;
	f.x_pm1a_cnt_blk = (struct acpi_gas){ ACPI_GAS_SYSTEM_MEMORY, 16, 0, 2, 0xfe000404 };
	f.x_pm_tmr_blk.address = 0x12345; /* I/O space, but no such port */
	t[0] = put_fadt(&f, sizeof(f), 6);
	assert_int_equal(parse(platform(2, t, 1), CONFIG_MAX_CPUS), 0);
	assert_int_equal(info.pm1a_cnt, 0x604);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	EXPECT_LINE("acpi: FADT X_PM1a_CNT_BLK is not an I/O port (space 0, address 0xfe000404); "
		    "using the 32-bit field\n");
	EXPECT_LINE("acpi: FADT X_PM_TMR_BLK is not an I/O port (space 1, address 0x12345); "
		    "using the 32-bit field\n");
	EXPECT_LINES(3);
}

static void test_fadt_short_and_hw_reduced(void **state)
{
	struct acpi_fadt f = std_fadt_struct(put_dsdt(std_aml, sizeof(std_aml)));
	uint64_t t[1];

	(void)state;
	t[0] = put_fadt(&f, 60, 1); /* ends inside the PM1 event blocks */
	assert_int_equal(parse(platform(0, t, 1), CONFIG_MAX_CPUS), 0);
	assert_true(info.have_fadt);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.smi_cmd, 0xb2);
	assert_int_equal(info.pm1a_cnt, 0);
	assert_true(info.have_s5);
	EXPECT_LINE("acpi: FADT at 0x%llx is only 60 bytes (ACPI 1.0 has 116); using the fields "
		    "present\n",
		    (unsigned long long)t[0]);
	EXPECT_LINES(2);

	console_capture_reset();
	memset(&f, 0, sizeof(f));
	f.flags = ACPI_FADT_HW_REDUCED;
	t[0] = put_fadt(&f, sizeof(f), 6);
	assert_int_equal(parse(platform(0, t, 1), CONFIG_MAX_CPUS), 0);
	assert_true(info.hw_reduced);
	assert_int_equal(info.pm1a_cnt, 0);
	assert_false(info.have_s5);
	EXPECT_LINE("acpi: FADT at 0x%llx names no DSDT; ACPI soft-off unavailable\n",
		    (unsigned long long)t[0]);
	EXPECT_LINES(2);
}

static void test_dsdt_bad(void **state)
{
	uint64_t dsdt = put_dsdt(std_aml, sizeof(std_aml));
	uint64_t madt = std_madt();
	struct acpi_fadt f = std_fadt_struct(dsdt);
	uint64_t t[1];

	(void)state;
	P(dsdt)[40] ^= 0xff;
	t[0] = put_fadt(&f, sizeof(f), 6);
	assert_int_equal(parse(platform(0, t, 1), CONFIG_MAX_CPUS), 0);
	assert_true(info.have_fadt);
	assert_false(info.have_s5);
	EXPECT_LINE("acpi: DSDT at 0x%llx has a bad checksum; skipped\n", (unsigned long long)dsdt);
	EXPECT_LINES(2);

	console_capture_reset();
	f = std_fadt_struct(madt);
	t[0] = put_fadt(&f, sizeof(f), 6);
	assert_int_equal(parse(platform(0, t, 1), CONFIG_MAX_CPUS), 0);
	assert_false(info.have_s5);
	EXPECT_LINE("acpi: table at 0x%llx has signature MADT, expected DSDT; skipped\n",
		    (unsigned long long)madt);
	EXPECT_LINES(2);
}

/* ---- \_S5 in the DSDT ---- */

struct s5_case {
	const char *name;
	uint8_t aml[24];
	uint32_t len;
	const char *why; /* NULL: valid */
	uint8_t a, b;
};

/* The bytes, then their count. */
#define AML(...) { __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define S5	 0x08, '_', 'S', '5', '_'
static const struct s5_case s5_cases[] = {
	{ "byte prefix", AML(S5, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00), NULL, 5,
	  7 },
	{ "zero ops", AML(S5, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00), NULL, 0, 0 },
	{ "one op", AML(S5, 0x12, 0x06, 0x04, 0x01, 0x0a, 0x02, 0x00), NULL, 1, 2 },
	{ "root prefix",
	  AML(0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x03, 0x0a, 0x04), NULL, 3,
	  4 },
	{ "two-byte pkglen", AML(S5, 0x12, 0x49, 0x00, 0x04, 0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00),
	  NULL, 5, 6 },
	{ "four-byte pkglen", AML(S5, 0x12, 0xc9, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x01, 0x0a, 0x02),
	  NULL, 1, 2 },
	{ "raw bytes", AML(S5, 0x12, 0x04, 0x02, 0x05, 0x06), NULL, 5, 6 },
	{ "word prefix", AML(S5, 0x12, 0x08, 0x02, 0x0b, 0x05, 0x00, 0x0b, 0x06, 0x00), NULL, 5,
	  6 },
	{ "not NameOp first", AML(0x70, '_', 'S', '5', '_', S5, 0x12, 0x04, 0x02, 0x00, 0x01), NULL,
	  0, 1 },
	{ "not a package", AML(S5, 0x0a, 0x05), "is not a package", 0, 0 },
	{ "one element", AML(S5, 0x12, 0x04, 0x01, 0x0a, 0x05), "has fewer than 2 elements", 0, 0 },
	{ "pkglen past end", AML(S5, 0x12, 0x3f, 0x02, 0x0a, 0x05, 0x0a, 0x05),
	  "runs past the end of the DSDT", 0, 0 },
	{ "ends after PackageOp", AML(S5, 0x12), "is cut off", 0, 0 },
	{ "empty package", AML(S5, 0x12, 0x01), "is cut off", 0, 0 },
	{ "pkglen bytes missing", AML(S5, 0x12, 0xc0, 0x01), "is cut off", 0, 0 },
	{ "pkglen last byte missing", AML(S5, 0x12, 0xc0, 0x01, 0x02), "is cut off", 0, 0 },
	{ "name element", AML(S5, 0x12, 0x08, 0x02, 'S', 'S', '5', 'A', 0x0a, 0x05),
	  "does not start with two integer constants", 0, 0 },
	{ "element past package", AML(S5, 0x12, 0x04, 0x02, 0x0a, 0x05, 0x0a, 0x05),
	  "does not start with two integer constants", 0, 0 },
	{ "byte prefix cut off", AML(S5, 0x12, 0x04, 0x02, 0x00, 0x0a),
	  "does not start with two integer constants", 0, 0 },
};

static void test_s5_variants(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(s5_cases) / sizeof(s5_cases[0]); i++) {
		const struct s5_case *c = &s5_cases[i];
		uint64_t dsdt = put_dsdt(c->aml, c->len);
		struct acpi_fadt f = std_fadt_struct(dsdt);
		uint64_t t[2] = { std_madt(), put_fadt(&f, sizeof(f), 6) };

		console_capture_reset();
		assert_int_equal(parse(platform(2, t, 2), CONFIG_MAX_CPUS), 0);
		if (!c->why) {
			if (!info.have_s5 || info.slp_typa != c->a || info.slp_typb != c->b)
				fail_msg("case '%s': have_s5 %d, %u/%u; console:\n%s", c->name,
					 info.have_s5, info.slp_typa, info.slp_typb,
					 console_capture());
			EXPECT_LINES(0);
			continue;
		}
		if (info.have_s5)
			fail_msg("case '%s': \\_S5 accepted", c->name);
		EXPECT_LINE("acpi: \\_S5 in DSDT at 0x%llx %s; ACPI soft-off unavailable\n",
			    (unsigned long long)dsdt, c->why);
		EXPECT_LINES(1);
	}
}

static void test_dsdt_without_s5(void **state)
{
	static const uint8_t aml[] = { 0x10, 0x05, '_',	 'S',  'B',  '_',  0x08, '_',  'S', '4',
				       '_',  0x12, 0x04, 0x02, 0x00, 0x00, 0x5f, 0x53, 0x35 };
	uint64_t dsdt = put_dsdt(aml, sizeof(aml));
	struct acpi_fadt f = std_fadt_struct(dsdt);
	uint64_t t[2] = { std_madt(), put_fadt(&f, sizeof(f), 6) };

	(void)state;
	assert_int_equal(parse(platform(2, t, 2), CONFIG_MAX_CPUS), 0);
	assert_true(info.have_fadt);
	assert_false(info.have_s5);
	EXPECT_LINE("acpi: DSDT at 0x%llx has no \\_S5 object; ACPI soft-off unavailable\n",
		    (unsigned long long)dsdt);
	EXPECT_LINES(1);

	/* An empty DSDT (header only) is fine too. */
	console_capture_reset();
	dsdt = put_dsdt(NULL, 0);
	f = std_fadt_struct(dsdt);
	t[1] = put_fadt(&f, sizeof(f), 6);
	assert_int_equal(parse(platform(2, t, 2), CONFIG_MAX_CPUS), 0);
	assert_false(info.have_s5);
	EXPECT_LINE("acpi: DSDT at 0x%llx has no \\_S5 object; ACPI soft-off unavailable\n",
		    (unsigned long long)dsdt);
}

/* ---- acpi_find_rsdp_in ---- */

static void test_find_rsdp(void **state)
{
	static uint8_t buf[1024];
	uint64_t found = 0;

	(void)state;
	memset(buf, 0x5a, sizeof(buf));
	make_rsdp(buf + 0x40, 0, 0x7fe0000, 0);
	assert_int_equal(acpi_find_rsdp_in(buf, 0x9fc00, sizeof(buf), &found), 0);
	assert_int_equal(found, 0x9fc40);

	/* buf_phys is not 16-aligned: the scan follows physical boundaries. */
	memset(buf, 0, sizeof(buf));
	make_rsdp(buf + 0x00, 0, 0x1000, 0); /* phys 0xe0008: not on a boundary */
	make_rsdp(buf + 0x28, 2, 0, 0x2000); /* phys 0xe0030 */
	assert_int_equal(acpi_find_rsdp_in(buf, 0xe0008, sizeof(buf), &found), 0);
	assert_int_equal(found, 0xe0030);
	EXPECT_LINES(0);

	/* Bad checksums are reported and passed over. */
	memset(buf, 0, sizeof(buf));
	make_rsdp(buf + 0x20, 0, 0x1000, 0);
	buf[0x20 + 12] ^= 1;
	make_rsdp(buf + 0x50, 2, 0, 0x2000);
	buf[0x50 + 34] ^= 1; /* extended checksum only */
	make_rsdp(buf + 0x90, 0, 0x3000, 0);
	assert_int_equal(acpi_find_rsdp_in(buf, 0xe0000, sizeof(buf), &found), 0);
	assert_int_equal(found, 0xe0090);
	EXPECT_LINE("acpi: RSDP at 0xe0020 has a bad checksum\n");
	EXPECT_LINE("acpi: RSDP at 0xe0050 has a bad extended checksum\n");
	EXPECT_LINES(2);

	/* Only bad ones, or one cut off by the end of the buffer: not found. */
	console_capture_reset();
	found = 0;
	assert_int_equal(acpi_find_rsdp_in(buf, 0xe0000, 0x90, &found), -E_NOENT);
	assert_int_equal(found, 0);
	EXPECT_LINES(2);
	console_capture_reset();
	memset(buf, 0, sizeof(buf));
	make_rsdp(buf + 0x100, 2, 0, 0x2000);
	assert_int_equal(acpi_find_rsdp_in(buf, 0xe0000, 0x100 + 24, &found), -E_NOENT);
	EXPECT_LINE("acpi: RSDP at 0xe0100 is revision 2 but cut off after 24 bytes\n");
	assert_int_equal(acpi_find_rsdp_in(buf, 0xe0000, 0x100 + 19, &found), -E_NOENT);
	EXPECT_LINES(1);
	assert_int_equal(acpi_find_rsdp_in(NULL, 0xe0000, 16, &found), -E_INVAL);
	assert_int_equal(acpi_find_rsdp_in(buf, 0xe0000, 0, &found), -E_NOENT);
}

/* ---- the hypervisor's identity map callback ---- */

static void test_map_identity(void **state)
{
	uint64_t limit = GiB(4);

	(void)state;
	assert_ptr_equal(acpi_map_identity(0xe0000, 36, &limit), (const void *)0xe0000);
	assert_ptr_equal(acpi_map_identity(GiB(4) - 36, 36, &limit), (const void *)(GiB(4) - 36));
	assert_null(acpi_map_identity(GiB(4) - 35, 36, &limit));
	assert_null(acpi_map_identity(0, 36, &limit));
	assert_null(acpi_map_identity(0xe0000, 36, NULL));
	limit = UINT64_MAX;
	assert_null(acpi_map_identity(UINT64_MAX - 10, 36, &limit));
	assert_null(acpi_map_identity(16, UINT64_MAX, &limit));
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(acpi_parse(FAKE_BASE, NULL, NULL, 4, &info), -E_INVAL);
	assert_int_equal(acpi_parse(FAKE_BASE, fake_map, NULL, 4, NULL), -E_INVAL);
	assert_int_equal(acpi_parse_rsdp_copy(NULL, 36, fake_map, NULL, 4, &info), -E_INVAL);
	EXPECT_LINES(3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_happy_v1_rsdt),
		T(test_happy_v2_xsdt),
		T(test_v2_zero_xsdt_uses_rsdt),
		T(test_x2apic_only),
		T(test_disabled_and_online_capable),
		T(test_enabled_broadcast_ids_skipped),
		T(test_1100_cpus_cap_1024),
		T(test_small_max_cpus),
		T(test_duplicate_apic_ids),
		T(test_many_duplicates_summarised),
		T(test_x2apic_mirror_of_lapic_is_silent),
		T(test_lapic_override),
		T(test_ioapic_overflow),
		T(test_madt_entry_len_zero),
		T(test_madt_entry_past_end),
		T(test_madt_stray_byte_and_short_entry),
		T(test_madt_shorter_than_its_header),
		T(test_bad_madt_checksum),
		T(test_second_madt_ignored),
		T(test_bad_rsdp_checksum),
		T(test_bad_rsdp_signature),
		T(test_bad_rsdp_extended_checksum),
		T(test_rsdp_bad_length_or_unmappable),
		T(test_rsdp_copy),
		T(test_xsdt_unmappable_falls_back_to_rsdt),
		T(test_root_wrong_signature),
		T(test_root_entries_bad_and_null),
		T(test_table_length_smaller_than_header),
		T(test_table_absurd_or_past_memory),
		T(test_no_madt),
		T(test_no_fadt),
		T(test_hpet_variants),
		T(test_fadt_v1_legacy_fields),
		T(test_fadt_x_fields_preferred),
		T(test_fadt_x_field_not_io),
		T(test_fadt_short_and_hw_reduced),
		T(test_dsdt_bad),
		T(test_s5_variants),
		T(test_dsdt_without_s5),
		T(test_find_rsdp),
		T(test_map_identity),
		T(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
