// SPDX-License-Identifier: MIT
/*
 * A partition's ACPI tables (arch/x86/vdev/acpi_build.c) for 1, 4 and 64
 * vCPUs, parsed back with the hypervisor's own ACPI parser, and every field
 * a guest reads checked byte by byte: checksums, RSDT and XSDT, FADT ports
 * and flags, FACS, DSDT \_S5, MADT entries in order.
 * Environment: hosted unit test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "arch/x86/vdev/acpi_build.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"

#define BASE 0xf0000ull

static uint8_t mem[ACPI_BUILD_MAX];

/* The guest's view: [BASE, BASE + ACPI_BUILD_MAX) is the buffer. */
static const void *map(uint64_t phys, uint64_t len, void *ctx)
{
	(void)ctx;
	if (phys < BASE || len > ACPI_BUILD_MAX || phys - BASE > ACPI_BUILD_MAX - len)
		return NULL;
	return mem + (phys - BASE);
}

static uint8_t sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

static const struct acpi_sdt_header *table(uint64_t phys, const char *sig)
{
	const struct acpi_sdt_header *h = map(phys, sizeof(*h), NULL);

	assert_non_null(h);
	assert_memory_equal(h->signature, sig, 4);
	assert_non_null(map(phys, h->length, NULL));
	assert_int_equal(sum(h, h->length), 0);
	assert_memory_equal(h->oem_id, "CYPRES", 6);
	return h;
}

static void check_fadt(const struct acpi_fadt *f, uint64_t dsdt)
{
	assert_int_equal(f->hdr.length, 276);
	assert_int_equal(f->hdr.revision, 6);
	assert_int_equal(f->minor_version, 5);
	assert_int_equal(f->dsdt, dsdt);
	assert_int_equal(f->x_dsdt, dsdt);
	assert_int_equal(f->firmware_ctrl, f->x_firmware_ctrl);
	assert_int_equal(f->firmware_ctrl % 64, 0);
	const uint8_t *facs = map(f->firmware_ctrl, 64, NULL);
	assert_non_null(facs);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(facs[4], 64);
	assert_int_equal(facs[32], 2);	 /* version */
	assert_int_equal(f->smi_cmd, 0); /* always in ACPI mode */
	assert_int_equal(f->sci_int, 9);
	assert_int_equal(f->pm1a_evt_blk, 0x600);
	assert_int_equal(f->pm1_evt_len, 4);
	assert_int_equal(f->pm1a_cnt_blk, 0x604);
	assert_int_equal(f->pm1_cnt_len, 2);
	assert_int_equal(f->pm_tmr_blk, 0x608);
	assert_int_equal(f->pm_tmr_len, 4);
	assert_int_equal(f->pm1b_evt_blk | f->pm1b_cnt_blk | f->pm2_cnt_blk, 0);
	assert_int_equal(f->gpe0_blk | f->gpe1_blk, 0);
	/* WBINVD, PROC_C1, PWR_BUTTON, SLP_BUTTON, RESET_REG_SUP; not
	 * TMR_VAL_EXT (bit 8: a 24-bit timer) nor HW_REDUCED_ACPI (bit 20). */
	assert_int_equal(f->flags, 0x435);
	assert_false(f->flags & ACPI_FADT_HW_REDUCED);
	/* LEGACY_DEVICES, VGA not present, MSI not supported; no 8042; an RTC. */
	assert_int_equal(f->iapc_boot_arch, 0x0d);
	assert_int_equal(f->century, 0x32);
	assert_int_equal(f->reset_reg.space_id, ACPI_GAS_SYSTEM_IO);
	assert_int_equal(f->reset_reg.bit_width, 8);
	assert_int_equal(f->reset_reg.address, 0xcf9);
	assert_int_equal(f->reset_value, 6);
	assert_int_equal(f->x_pm1a_evt_blk.space_id, ACPI_GAS_SYSTEM_IO);
	assert_int_equal(f->x_pm1a_evt_blk.bit_width, 32);
	assert_int_equal(f->x_pm1a_evt_blk.address, 0x600);
	assert_int_equal(f->x_pm1a_cnt_blk.bit_width, 16);
	assert_int_equal(f->x_pm1a_cnt_blk.address, 0x604);
	assert_int_equal(f->x_pm_tmr_blk.space_id, ACPI_GAS_SYSTEM_IO);
	assert_int_equal(f->x_pm_tmr_blk.bit_width, 32);
	assert_int_equal(f->x_pm_tmr_blk.address, 0x608);
	assert_int_equal(f->x_pm1b_evt_blk.address | f->x_gpe0_blk.address, 0);
}

/* The MADT entry by entry: n LAPICs, the IOAPIC, two overrides, LINT1 NMI. */
static void check_madt(const struct acpi_madt *m, uint32_t n)
{
	const uint8_t *p = (const uint8_t *)m + sizeof(*m),
		      *end = (const uint8_t *)m + m->hdr.length;

	assert_int_equal(m->hdr.revision, 5);
	assert_int_equal(m->lapic_addr, 0xfee00000u);
	assert_int_equal(m->flags, 0); /* no 8259s, so not PCAT_COMPAT */
	for (uint32_t i = 0; i < n; i++, p += 8) {
		const struct acpi_madt_lapic *l = (const void *)p;
		assert_int_equal(l->h.type, ACPI_MADT_LAPIC);
		assert_int_equal(l->h.length, 8);
		assert_int_equal(l->uid, i);
		assert_int_equal(l->apic_id, i);
		assert_int_equal(l->flags, ACPI_MADT_ENABLED);
	}
	const struct acpi_madt_ioapic *io = (const void *)p;
	assert_int_equal(io->h.type, ACPI_MADT_IOAPIC);
	assert_int_equal(io->h.length, 12);
	assert_int_equal(io->id, 0);
	assert_int_equal(io->addr, 0xfec00000u);
	assert_int_equal(io->gsi_base, 0);
	p += 12;
	/* type, length, bus 0, source, le32 gsi, le16 flags */
	static const uint8_t iso0[10] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
	static const uint8_t iso9[10] = { 2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0 };
	static const uint8_t nmi[6] = { 4, 6, 0xff, 0, 0, 1 };
	assert_memory_equal(p, iso0, 10);
	assert_memory_equal(p + 10, iso9, 10);
	assert_memory_equal(p + 20, nmi, 6);
	assert_ptr_equal(p + 26, end);
}

static void build_and_check(uint32_t n)
{
	struct acpi_info info;
	size_t used = 0;

	memset(mem, 0xa5, sizeof(mem));
	assert_int_equal(acpi_build(mem, sizeof(mem), BASE, n, &used), 0);
	assert_true(used > 36 && used <= sizeof(mem));
	for (size_t i = used; i < sizeof(mem); i++)
		assert_int_equal(mem[i], 0); /* cleared past the tables */

	/* RSDP: what a guest scanning 0xE0000-0xFFFFF checks. */
	uint64_t found = 0;
	assert_int_equal(acpi_find_rsdp_in(mem, BASE, sizeof(mem), &found), 0);
	assert_int_equal(found, BASE);
	const struct acpi_rsdp *r = (const void *)mem;
	assert_memory_equal(r->signature, "RSD PTR ", 8);
	assert_int_equal(r->revision, 2);
	assert_int_equal(r->length, 36);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	assert_memory_equal(r->oem_id, "CYPRES", 6);

	/* RSDT and XSDT list the same tables: FADT, MADT. */
	const struct acpi_sdt_header *rsdt = table(r->rsdt_addr, "RSDT");
	const struct acpi_sdt_header *xsdt = table(r->xsdt_addr, "XSDT");
	assert_int_equal(rsdt->length, 36 + 8);
	assert_int_equal(xsdt->length, 36 + 16);
	uint32_t r32[2];
	uint64_t x64[2];
	memcpy(r32, (const uint8_t *)rsdt + 36, sizeof(r32));
	memcpy(x64, (const uint8_t *)xsdt + 36, sizeof(x64));
	assert_int_equal(r32[0], x64[0]);
	assert_int_equal(r32[1], x64[1]);
	const struct acpi_fadt *f = (const void *)table(x64[0], "FACP");
	const struct acpi_madt *m = (const void *)table(x64[1], "APIC");
	const struct acpi_sdt_header *d = table(f->x_dsdt, "DSDT");
	assert_int_equal(d->revision, 2);
	check_fadt(f, f->x_dsdt);
	check_madt(m, n);
	assert_int_equal(m->hdr.length, 44 + 8 * n + 12 + 10 + 10 + 6);

	/* The hypervisor's parser agrees, from both roots. */
	console_capture_reset();
	assert_int_equal(acpi_parse(BASE, map, NULL, 64, &info), 0);
	assert_true(info.xsdt);
	assert_int_equal(info.revision, 2);
	assert_true(info.have_madt);
	assert_int_equal(info.lapic_addr, 0xfee00000u);
	assert_false(info.pcat_compat); /* parsed back: no 8259s */
	assert_int_equal(info.ncpus, n);
	assert_int_equal(info.ncpus_listed, n);
	assert_int_equal(info.ncpus_disabled, 0);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].uid, i);
		assert_false(info.cpus[i].x2apic);
		assert_false(info.cpus[i].online_capable);
	}
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.ioapics[0].id, 0);
	assert_int_equal(info.ioapics[0].addr, 0xfec00000u);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_true(info.have_fadt);
	assert_int_equal(info.fadt_revision, 6);
	assert_int_equal(info.pm1a_cnt, 0x604);
	assert_int_equal(info.pm1b_cnt, 0);
	assert_int_equal(info.smi_cmd, 0);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	assert_int_equal(info.sci_irq, 9);
	assert_false(info.hw_reduced);
	assert_int_equal(info.dsdt_phys, f->x_dsdt);
	assert_true(info.have_s5);
	assert_int_equal(info.slp_typa, 5);
	assert_int_equal(info.slp_typb, 5);
	assert_int_equal(info.hpet_addr, 0);
	assert_int_equal(console_capture_lines(), 0); /* nothing to complain about */

	/* An ACPI 1.0 reader: the same tables through the RSDT. */
	uint8_t v1[20];
	memcpy(v1, mem, 20);
	v1[15] = 0; /* revision 0 */
	v1[8] = 0;
	v1[8] = (uint8_t)(0x100 - sum(v1, 20));
	assert_int_equal(acpi_parse_rsdp_copy(v1, 20, map, NULL, 64, &info), 0);
	assert_false(info.xsdt);
	assert_int_equal(info.ncpus, n);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	assert_true(info.have_s5);
}

static void test_one_vcpu(void **state)
{
	(void)state;
	build_and_check(1);
}

static void test_four_vcpus(void **state)
{
	(void)state;
	build_and_check(4);
}

static void test_sixty_four_vcpus(void **state)
{
	(void)state;
	build_and_check(64);
}

static void test_refusals(void **state)
{
	size_t used = 7;

	(void)state;
	memset(mem, 0xa5, sizeof(mem));
	assert_int_equal(acpi_build(mem, sizeof(mem), BASE, 0, &used), -E_INVAL);
	assert_int_equal(acpi_build(mem, sizeof(mem), BASE, 65, &used), -E_INVAL);
	assert_int_equal(acpi_build(mem, sizeof(mem), BASE + 8, 1, &used), -E_INVAL);
	assert_int_equal(acpi_build(mem, sizeof(mem), 0xfffff010ull, 1, &used), -E_INVAL);
	assert_int_equal(acpi_build(NULL, sizeof(mem), BASE, 1, &used), -E_INVAL);
	assert_int_equal(acpi_build(mem, sizeof(mem), BASE, 1, NULL), -E_INVAL);
	assert_int_equal(acpi_build(mem, 256, BASE, 1, &used), -E_RANGE);
	assert_int_equal(used, 7);
	assert_int_equal(mem[0], 0xa5); /* untouched */
	/* The largest table set fits the documented maximum with room to spare. */
	assert_int_equal(acpi_build(mem, sizeof(mem), BASE, 64, &used), 0);
	assert_true(used <= ACPI_BUILD_MAX / 2);
}

static void test_where(void **state)
{
	(void)state;
	assert_int_equal(acpi_build_where(0x100000, 0x200000), 0xF0000);
	/* GNU ld's header segment at 0xFF000: the span starts there. */
	assert_int_equal(acpi_build_where(0xFF000, 0x200000), 0xF0000);
	assert_int_equal(acpi_build_where(0xF0000, 0xF0001), 0xF1000);
	assert_int_equal(acpi_build_where(0xF0800, 0xF1800), 0xF2000);
	assert_int_equal(acpi_build_where(0x80000, 0xFF000), 0xFF000);
	/* End exclusive: an image ending at 0xF1000 leaves 0xF1000 free. */
	assert_int_equal(acpi_build_where(0xF0000, 0xF1000), 0xF1000);
	assert_int_equal(acpi_build_where(0xF0000, 0x100000), 0xE0000);
	assert_int_equal(acpi_build_where(0xE0000, 0x100000), 0);
	assert_int_equal(acpi_build_where(0x10000, 0x300000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_vcpu),
		cmocka_unit_test(test_four_vcpus),
		cmocka_unit_test(test_sixty_four_vcpus),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_where),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
