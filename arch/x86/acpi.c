// SPDX-License-Identifier: MIT
/*
 * ACPI: RSDP discovery and validation, table validation, the RSDT/XSDT walk,
 * the HPET table, and the hypervisor's identity-map callback. The MADT and
 * FADT/DSDT live in acpi_madt.c and acpi_fadt.c.
 * Environment: pure code (no hardware access, no asm); boot cpu, early boot,
 * interrupts either way; also built hosted for unit tests.
 */
#include "arch/x86/acpi.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

/* An RSDP claiming more than this (36 today) is treated as corrupt. */
#define ACPI_RSDP_MAX_LEN 4096

uint8_t acpi_checksum(const void *p, uint64_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint64_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

const char *acpi_sig_name(const char *sig, char *buf)
{
	if (!memcmp(sig, "APIC", 4))
		return "MADT";
	if (!memcmp(sig, "FACP", 4))
		return "FADT";
	for (int i = 0; i < 4; i++)
		buf[i] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
	buf[4] = '\0';
	return buf;
}

const void *acpi_map_identity(uint64_t phys, uint64_t len, void *ctx)
{
	const uint64_t *limit = ctx;

	/* Physical address 0 would come back as NULL, which means "unreadable". */
	if (!limit || phys == 0 || len > UINT64_MAX - phys || phys + len > *limit)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

int acpi_map_table(uint64_t phys, const char *expect, acpi_map_fn map, void *ctx,
		   const struct acpi_sdt_header **out)
{
	const struct acpi_sdt_header *hdr;
	unsigned long long where = phys;
	char buf[5];
	const char *name;
	uint32_t len;

	hdr = map(phys, sizeof(*hdr), ctx);
	if (!hdr) {
		kprintf("acpi: %s at 0x%llx is not mappable; skipped\n", expect ? expect : "table",
			where);
		return -E_RANGE;
	}
	name = acpi_sig_name(hdr->signature, buf);
	len = hdr->length;
	if (len < sizeof(*hdr)) {
		kprintf("acpi: %s at 0x%llx has length %u, less than its %zu-byte header; "
			"skipped\n",
			name, where, len, sizeof(*hdr));
		return -E_INVAL;
	}
	if (len > ACPI_TABLE_MAX_LEN) {
		kprintf("acpi: %s at 0x%llx has absurd length %u (over 16 MiB); skipped\n", name,
			where, len);
		return -E_INVAL;
	}
	if (expect && memcmp(hdr->signature, expect, 4)) {
		kprintf("acpi: table at 0x%llx has signature %s, expected %s; skipped\n", where,
			name, expect);
		return -E_INVAL;
	}
	hdr = map(phys, len, ctx);
	if (!hdr) {
		kprintf("acpi: %s at 0x%llx (%u bytes) is not mappable; skipped\n", name, where,
			len);
		return -E_RANGE;
	}
	if (acpi_checksum(hdr, len)) {
		kprintf("acpi: %s at 0x%llx has a bad checksum; skipped\n", name, where);
		return -E_CHECKSUM;
	}
	*out = hdr;
	return 0;
}

/*
 * Writes "RSDP at 0x<phys>" into buf (>= 32 bytes) for messages. Done by
 * hand because host tests have kprintf but no ksnprintf.
 */
static const char *rsdp_name(char *buf, uint64_t phys)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	size_t nd = 0, o = 10;

	memcpy(buf, "RSDP at 0x", 10);
	do {
		digits[nd++] = hex[phys & 15];
		phys >>= 4;
	} while (phys);
	while (nd)
		buf[o++] = digits[--nd];
	buf[o] = '\0';
	return buf;
}

/*
 * Validates an RSDP of which avail bytes (>= 20) are readable (ACPI 6.5
 * section 5.2.5.3). With v1_only the revision-2 fields are not looked at.
 */
static int rsdp_validate(const struct acpi_rsdp *r, uint64_t avail, const char *name, bool v1_only)
{
	if (memcmp(r->signature, "RSD PTR ", 8)) {
		kprintf("acpi: %s has a bad signature\n", name);
		return -E_INVAL;
	}
	if (acpi_checksum(r, ACPI_RSDP_V1_LEN)) {
		kprintf("acpi: %s has a bad checksum\n", name);
		return -E_CHECKSUM;
	}
	if (v1_only || r->revision < 2)
		return 0;
	if (avail < ACPI_RSDP_V2_LEN) {
		kprintf("acpi: %s is revision %u but cut off after %llu bytes\n", name, r->revision,
			(unsigned long long)avail);
		return -E_RANGE;
	}
	if (r->length < ACPI_RSDP_V2_LEN || r->length > avail) {
		kprintf("acpi: %s has length %u, outside %u..%llu\n", name, r->length,
			ACPI_RSDP_V2_LEN, (unsigned long long)avail);
		return -E_INVAL;
	}
	if (acpi_checksum(r, r->length)) {
		kprintf("acpi: %s has a bad extended checksum\n", name);
		return -E_CHECKSUM;
	}
	return 0;
}

int acpi_find_rsdp_in(const void *buf, uint64_t buf_phys, uint64_t len, uint64_t *rsdp_phys)
{
	const uint8_t *b = buf;
	char name[32];

	if (!buf || !rsdp_phys) {
		kprintf("acpi: acpi_find_rsdp_in called with a NULL pointer\n");
		return -E_INVAL;
	}
	/* ACPI 6.5 section 5.2.5.1: the RSDP sits on a 16-byte boundary. */
	for (uint64_t off = (16 - (buf_phys & 15)) & 15; off < len && len - off >= ACPI_RSDP_V1_LEN;
	     off += 16) {
		if (memcmp(b + off, "RSD PTR ", 8))
			continue;
		rsdp_name(name, buf_phys + off);
		if (rsdp_validate((const void *)(b + off), len - off, name, false) == 0) {
			*rsdp_phys = buf_phys + off;
			return 0;
		}
	}
	return -E_NOENT;
}

/* IA-PC HPET Specification 1.0a section 3.2.4: only the base address matters. */
static void parse_hpet(const struct acpi_sdt_header *hdr, uint64_t phys, struct acpi_info *out)
{
	const struct acpi_hpet *h = (const void *)hdr;

	if (out->hpet_addr)
		return; /* one table per timer block; the first block is enough */
	if (hdr->length < sizeof(*h)) {
		kprintf("acpi: HPET at 0x%llx is %u bytes, needs %zu; skipped\n",
			(unsigned long long)phys, hdr->length, sizeof(*h));
		return;
	}
	if (h->base.space_id != ACPI_GAS_SYSTEM_MEMORY) {
		kprintf("acpi: HPET at 0x%llx has its registers in address space %u, not memory; "
			"skipped\n",
			(unsigned long long)phys, h->base.space_id);
		return;
	}
	out->hpet_addr = h->base.address;
}

/* Validates one table listed by the root table and hands it to its parser. */
static void visit_table(uint64_t phys, acpi_map_fn map, void *ctx, uint32_t max_cpus,
			struct acpi_info *out)
{
	const struct acpi_sdt_header *hdr;

	if (acpi_map_table(phys, NULL, map, ctx, &hdr))
		return;
	if (!memcmp(hdr->signature, "APIC", 4)) {
		if (out->have_madt)
			kprintf("acpi: second MADT at 0x%llx ignored\n", (unsigned long long)phys);
		else
			acpi_parse_madt(hdr, phys, max_cpus, out);
	} else if (!memcmp(hdr->signature, "FACP", 4)) {
		if (out->have_fadt)
			kprintf("acpi: second FADT at 0x%llx ignored\n", (unsigned long long)phys);
		else
			acpi_parse_fadt(hdr, phys, map, ctx, out);
	} else if (!memcmp(hdr->signature, "HPET", 4)) {
		parse_hpet(hdr, phys, out);
	}
}

/* Walks the RSDT (4-byte entries, section 5.2.7) or XSDT (8-byte, 5.2.8). */
static int walk_root(uint64_t root_phys, bool xsdt, acpi_map_fn map, void *ctx, uint32_t max_cpus,
		     struct acpi_info *out)
{
	const char *sig = xsdt ? "XSDT" : "RSDT";
	const struct acpi_sdt_header *root;
	uint32_t esz = xsdt ? 8 : 4, body, n;
	const uint8_t *ent;
	int err;

	err = acpi_map_table(root_phys, sig, map, ctx, &root);
	if (err)
		return err;
	body = root->length - (uint32_t)sizeof(*root);
	n = body / esz;
	if (body % esz)
		kprintf("acpi: %s at 0x%llx has %u stray bytes after its %u entries; ignored\n",
			sig, (unsigned long long)root_phys, body % esz, n);
	ent = (const uint8_t *)(root + 1);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t phys = 0;

		/* Entries are unaligned in general; little-endian host. */
		memcpy(&phys, ent + (uint64_t)i * esz, esz);
		if (!phys) {
			kprintf("acpi: %s entry %u is null; skipped\n", sig, i);
			continue;
		}
		visit_table(phys, map, ctx, max_cpus, out);
	}
	if (!out->have_madt)
		kprintf("acpi: no MADT; only the boot cpu will run\n");
	if (!out->have_fadt)
		kprintf("acpi: no FADT; ACPI power management unavailable\n");
	return 0;
}

/* Picks the root table from a validated RSDP and walks it. */
static int parse_from_rsdp(const struct acpi_rsdp *r, bool v1_only, acpi_map_fn map, void *ctx,
			   uint32_t max_cpus, struct acpi_info *out)
{
	int err;

	out->revision = r->revision;
	if (!v1_only && r->revision >= 2 && r->xsdt_addr) {
		out->xsdt = true;
		err = walk_root(r->xsdt_addr, true, map, ctx, max_cpus, out);
		if (!err || !r->rsdt_addr)
			return err;
		kprintf("acpi: falling back to the RSDT at 0x%x\n", r->rsdt_addr);
		out->xsdt = false;
	}
	if (!r->rsdt_addr) {
		kprintf("acpi: RSDP names no RSDT or XSDT\n");
		return -E_INVAL;
	}
	return walk_root(r->rsdt_addr, false, map, ctx, max_cpus, out);
}

/* Common argument checks; clears *out. */
static int check_args(acpi_map_fn map, uint32_t *max_cpus, struct acpi_info *out)
{
	if (!map || !out || *max_cpus == 0) {
		kprintf("acpi: parse called without a map callback, output or cpu budget\n");
		return -E_INVAL;
	}
	if (*max_cpus > CONFIG_MAX_CPUS)
		*max_cpus = CONFIG_MAX_CPUS;
	memset(out, 0, sizeof(*out));
	return 0;
}

int acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, void *ctx, uint32_t max_cpus,
	       struct acpi_info *out)
{
	const struct acpi_rsdp *r;
	uint64_t avail = ACPI_RSDP_V1_LEN;
	char name[32];
	int err;

	err = check_args(map, &max_cpus, out);
	if (err)
		return err;
	out->rsdp_phys = rsdp_phys;
	rsdp_name(name, rsdp_phys);
	r = map(rsdp_phys, ACPI_RSDP_V1_LEN, ctx);
	if (!r) {
		kprintf("acpi: %s is not mappable\n", name);
		return -E_RANGE;
	}
	err = rsdp_validate(r, avail, name, true);
	if (err)
		return err;
	if (r->revision >= 2) {
		/* Map the 2.0 part, then all of Length if it claims more. */
		r = map(rsdp_phys, ACPI_RSDP_V2_LEN, ctx);
		if (!r) {
			kprintf("acpi: %s is revision 2+ but its 36 bytes are not mappable\n",
				name);
			return -E_RANGE;
		}
		avail = ACPI_RSDP_V2_LEN;
		if (r->length > ACPI_RSDP_V2_LEN && r->length <= ACPI_RSDP_MAX_LEN) {
			uint32_t rlen = r->length;

			r = map(rsdp_phys, rlen, ctx);
			if (!r) {
				kprintf("acpi: %s claims %u bytes that are not mappable\n", name,
					rlen);
				return -E_RANGE;
			}
			avail = rlen;
		}
		err = rsdp_validate(r, avail, name, false);
		if (err)
			return err;
	}
	return parse_from_rsdp(r, false, map, ctx, max_cpus, out);
}

int acpi_parse_rsdp_copy(const void *rsdp, uint64_t len, acpi_map_fn map, void *ctx,
			 uint32_t max_cpus, struct acpi_info *out)
{
	const struct acpi_rsdp *r = rsdp;
	bool v1_only = false;
	int err;

	err = check_args(map, &max_cpus, out);
	if (err)
		return err;
	if (!rsdp || len < ACPI_RSDP_V1_LEN) {
		kprintf("acpi: RSDP copy is %llu bytes, needs at least %u\n",
			(unsigned long long)len, ACPI_RSDP_V1_LEN);
		return -E_INVAL;
	}
	if (r->revision >= 2 && len < ACPI_RSDP_V2_LEN) {
		/* e.g. a multiboot2 "ACPI old" tag holding a 2.0 RSDP's first 20 bytes */
		kprintf("acpi: RSDP copy is revision %u but only %llu bytes; using the RSDT\n",
			r->revision, (unsigned long long)len);
		v1_only = true;
	}
	err = rsdp_validate(r, len, "RSDP copy", v1_only);
	if (err)
		return err;
	return parse_from_rsdp(r, v1_only, map, ctx, max_cpus, out);
}
