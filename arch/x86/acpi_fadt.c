// SPDX-License-Identifier: MIT
/*
 * ACPI FADT parser (PM1 control blocks, SMI command, PM timer, SCI, DSDT)
 * and a minimal DSDT scan for the \_S5 sleep-type values used to power off.
 * Environment: pure code (no hardware access, no asm); boot cpu, early boot,
 * interrupts either way; also built hosted for unit tests.
 */
#include "arch/x86/acpi.h"
#include "lib/printf.h"
#include "lib/string.h"

/* True if the FADT's first len bytes contain all of field (older FADTs are shorter). */
#define FADT_HAS(len, field) \
	(offsetof(struct acpi_fadt, field) + sizeof(((struct acpi_fadt *)0)->field) <= (len))

/* AML encodings, ACPI 6.5 section 20.2 ("AML Grammar Definition"). */
#define AML_ZERO_OP	 0x00
#define AML_ONE_OP	 0x01
#define AML_NAME_OP	 0x08 /* 20.2.5.1 */
#define AML_BYTE_PREFIX	 0x0a /* 20.2.3 */
#define AML_WORD_PREFIX	 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_PACKAGE_OP	 0x12 /* 20.2.5.4 */
#define AML_ROOT_CHAR	 '\\' /* 20.2.2 */

/*
 * ACPI 6.5 section 5.2.9: when an X_ block is present and nonzero it
 * supersedes the 32-bit field. This hypervisor drives PM1/PM timer through
 * port I/O, so an X_ block elsewhere is reported and the legacy value kept.
 */
static void pick_io(uint32_t *dst, struct acpi_gas g, const char *what)
{
	if (!g.address)
		return;
	if (g.space_id != ACPI_GAS_SYSTEM_IO || g.address > 0xffff) {
		kprintf("acpi: FADT %s is not an I/O port (space %u, address 0x%llx); using the "
			"32-bit field\n",
			what, g.space_id, (unsigned long long)g.address);
		return;
	}
	*dst = (uint32_t)g.address;
}

/* Reads one \_S5 package element that must be an integer constant. */
static bool s5_element(const uint8_t *aml, uint32_t end, uint32_t *p, uint8_t *val)
{
	uint32_t size;
	uint8_t op;

	if (*p >= end)
		return false;
	op = aml[*p];
	switch (op) {
	case AML_BYTE_PREFIX:
		size = 2;
		break;
	case AML_WORD_PREFIX:
		size = 3;
		break;
	case AML_DWORD_PREFIX:
		size = 5;
		break;
	case AML_QWORD_PREFIX:
		size = 9;
		break;
	default:
		/* A name (method/object reference) cannot be evaluated here. */
		if (op == AML_ROOT_CHAR || op == '^' || op == '_' || (op >= 'A' && op <= 'Z'))
			return false;
		/* ZeroOp, OneOp or a raw byte: the opcode is the value. */
		*val = op;
		*p += 1;
		return true;
	}
	if (end - *p < size)
		return false;
	*val = aml[*p + 1]; /* SLP_TYP is 3 bits: the low byte holds it */
	*p += size;
	return true;
}

/*
 * Parses `PackageOp PkgLength NumElements elem elem ...` at aml[p] (section
 * 20.2.5.4; PkgLength encoding in 20.2.4). Returns NULL on success, else why
 * it could not.
 */
static const char *s5_package(const uint8_t *aml, uint32_t len, uint32_t p, uint8_t *a, uint8_t *b)
{
	uint32_t pkglen, nbytes, end;
	uint8_t lead;

	if (p >= len || aml[p] != AML_PACKAGE_OP)
		return "is not a package";
	if (++p >= len)
		return "is cut off";
	/* Lead byte bits 7:6 = count of extra bytes; 0: bits 5:0 are the length. */
	lead = aml[p];
	nbytes = lead >> 6;
	if (len - p <= nbytes)
		return "is cut off";
	if (nbytes == 0) {
		pkglen = lead & 0x3f;
	} else {
		pkglen = lead & 0x0f;
		for (uint32_t k = 1; k <= nbytes; k++)
			pkglen |= (uint32_t)aml[p + k] << (4 + 8 * (k - 1));
	}
	/* PkgLength counts itself and everything after it in the package. */
	if (pkglen > len - p)
		return "runs past the end of the DSDT";
	end = p + pkglen;
	p += 1 + nbytes;
	if (p >= end)
		return "is cut off";
	if (aml[p] < 2)
		return "has fewer than 2 elements";
	p++;
	if (!s5_element(aml, end, &p, a) || !s5_element(aml, end, &p, b))
		return "does not start with two integer constants";
	return NULL;
}

/*
 * Finds `NameOp [\] _S5_ Package {SLP_TYPa, SLP_TYPb, ...}` (ACPI 6.5
 * section 7.4.2) in the DSDT body without a full AML interpreter: the first
 * `_S5_` preceded by NameOp (optionally with a root prefix) wins.
 */
static void find_s5(const uint8_t *aml, uint32_t len, uint64_t dsdt_phys, struct acpi_info *out)
{
	const char *why;

	for (uint32_t i = 1; i + 4 <= len; i++) {
		uint32_t name_at = i;

		if (memcmp(aml + i, "_S5_", 4))
			continue;
		if (aml[i - 1] == AML_ROOT_CHAR) {
			if (i < 2)
				continue;
			name_at = i - 1;
		}
		if (aml[name_at - 1] != AML_NAME_OP)
			continue;
		why = s5_package(aml, len, i + 4, &out->slp_typa, &out->slp_typb);
		if (why) {
			kprintf("acpi: \\_S5 in DSDT at 0x%llx %s; ACPI soft-off unavailable\n",
				(unsigned long long)dsdt_phys, why);
			out->slp_typa = out->slp_typb = 0;
			return;
		}
		out->have_s5 = true;
		return;
	}
	kprintf("acpi: DSDT at 0x%llx has no \\_S5 object; ACPI soft-off unavailable\n",
		(unsigned long long)dsdt_phys);
}

void acpi_parse_fadt(const struct acpi_sdt_header *hdr, uint64_t phys, acpi_map_fn map, void *ctx,
		     struct acpi_info *out)
{
	const struct acpi_fadt *f = (const void *)hdr;
	const struct acpi_sdt_header *dsdt;
	uint32_t len = hdr->length;
	uint64_t dsdt_phys = 0;

	out->have_fadt = true;
	out->fadt_revision = hdr->revision;
	if (len < ACPI_FADT_V1_LEN)
		kprintf("acpi: FADT at 0x%llx is only %u bytes (ACPI 1.0 has %u); using the "
			"fields present\n",
			(unsigned long long)phys, len, ACPI_FADT_V1_LEN);
	/* Fields are read only if this FADT revision is long enough to have them. */
	if (FADT_HAS(len, dsdt))
		dsdt_phys = f->dsdt;
	if (FADT_HAS(len, sci_int))
		out->sci_irq = f->sci_int;
	if (FADT_HAS(len, smi_cmd))
		out->smi_cmd = f->smi_cmd;
	if (FADT_HAS(len, acpi_enable))
		out->acpi_enable = f->acpi_enable;
	if (FADT_HAS(len, pm1a_cnt_blk))
		out->pm1a_cnt = f->pm1a_cnt_blk;
	if (FADT_HAS(len, pm1b_cnt_blk))
		out->pm1b_cnt = f->pm1b_cnt_blk;
	if (FADT_HAS(len, pm_tmr_blk))
		out->pm_tmr_blk = f->pm_tmr_blk;
	if (FADT_HAS(len, flags))
		out->hw_reduced = f->flags & ACPI_FADT_HW_REDUCED;
	if (FADT_HAS(len, x_dsdt) && f->x_dsdt)
		dsdt_phys = f->x_dsdt;
	if (FADT_HAS(len, x_pm1a_cnt_blk))
		pick_io(&out->pm1a_cnt, f->x_pm1a_cnt_blk, "X_PM1a_CNT_BLK");
	if (FADT_HAS(len, x_pm1b_cnt_blk))
		pick_io(&out->pm1b_cnt, f->x_pm1b_cnt_blk, "X_PM1b_CNT_BLK");
	if (FADT_HAS(len, x_pm_tmr_blk))
		pick_io(&out->pm_tmr_blk, f->x_pm_tmr_blk, "X_PM_TMR_BLK");

	if (!dsdt_phys) {
		kprintf("acpi: FADT at 0x%llx names no DSDT; ACPI soft-off unavailable\n",
			(unsigned long long)phys);
		return;
	}
	out->dsdt_phys = dsdt_phys;
	if (acpi_map_table(dsdt_phys, "DSDT", map, ctx, &dsdt))
		return;
	find_s5((const uint8_t *)(dsdt + 1), dsdt->length - (uint32_t)sizeof(*dsdt), dsdt_phys,
		out);
}
