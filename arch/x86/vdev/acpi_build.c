// SPDX-License-Identifier: MIT
/*
 * Builds a partition's ACPI tables (arch/x86/vdev/acpi_build.h).
 * Environment: pure (hosted tests too), any core, interrupts either way.
 *
 * What each table says and why (sections of ACPI 6.5):
 * 1. RSDP (5.2.5.3) revision 2, both checksums, pointing at the RSDT and
 *    the XSDT: ACPI 1.0 readers take the RSDT, later ones the XSDT; both
 *    list the same two tables, FADT then MADT.
 * 2. FADT (5.2.9) revision 6, minor 5, 276 bytes (the ACPI 6.5 layout).
 *    Full (not hardware-reduced) ACPI, because a PM timer is offered:
 *    PM1a event and control blocks and the PM timer at QEMU's ICH9 ports
 *    (0x600, 0x604, 0x608), 32-bit fields and X_ GAS fields alike. No
 *    SMI_CMD: the platform is always in ACPI mode (SCI_EN reads 1). A
 *    24-bit timer (TMR_VAL_EXT clear), as QEMU's. The reset register is
 *    port 0xCF9, value 6 (Cypress emulates it). IAPC_BOOT_ARCH: legacy
 *    devices (COM1), no 8042 (only its status and reset are emulated, no
 *    keyboard: a guest that trusted the flag would probe it for nothing),
 *    no VGA, no MSI (no PCI); the CMOS RTC is there (0x70/0x71, its
 *    century in register 0x32, the CENTURY field).
 *    No fixed power or sleep button. DSDT and X_DSDT, FIRMWARE_CTRL and
 *    X_FIRMWARE_CTRL each name the same table.
 * 3. FACS (5.2.10) version 2, 64 bytes on a 64-byte boundary: required
 *    without HW_REDUCED_ACPI; nothing in it is used (no S4, no lock).
 * 4. DSDT (5.2.11.1) with one object, \_S5 = {5, 5}: a guest powers off
 *    by writing SLP_TYP 5 with SLP_EN to PM1a_CNT.
 * 5. MADT (5.2.12): local APIC address 0xFEE00000, flags 0 (PCAT_COMPAT
 *    would promise dual 8259s, which a partition does not have; Linux
 *    since 6.5 then uses them without probing); one
 *    enabled Processor Local APIC per vCPU, UID = APIC ID = vCPU id; one
 *    I/O APIC (ID 0, 0xFEC00000, GSI base 0); interrupt source overrides
 *    ISA IRQ 0 -> GSI 2 (edge, high) and IRQ 9 -> GSI 9 (level, high), and
 *    LINT1 as NMI on every processor: the entries QEMU's MADT has.
 * OEM ID "CYPRES", OEM table ID "CYPRESS ", creator "CYPR" 1.
 */
#include "arch/x86/vdev/acpi_build.h"
#include "arch/x86/acpi.h"
#include "lib/errno.h"
#include "lib/string.h"

#define OEM_ID	     "CYPRES"
#define OEM_TABLE_ID "CYPRESS "
#define CREATOR_ID   0x52505943u /* "CYPR" */
#define MAX_VCPUS    64

/* FADT Fixed Feature Flags (5.2.9, table 5.10). */
#define FADT_WBINVD	   (1u << 0)
#define FADT_PROC_C1	   (1u << 2)
#define FADT_PWR_BUTTON	   (1u << 4) /* no fixed power button */
#define FADT_SLP_BUTTON	   (1u << 5) /* no fixed sleep button */
#define FADT_RESET_REG_SUP (1u << 10)
/* IA-PC Boot Architecture Flags (5.2.9.3). */
#define BOOT_LEGACY_DEVICES	  (1u << 0)
#define BOOT_8042		  (1u << 1)
#define BOOT_VGA_NOT_PRESENT	  (1u << 2)
#define BOOT_MSI_NOT_SUPPORTED	  (1u << 3)
#define BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)
/* MPS INTI flags (5.2.12.5): polarity bits 1:0, trigger bits 3:2. */
#define INTI_HIGH  0x1
#define INTI_LEVEL 0xc

/* Interrupt Source Override Structure (5.2.12.5). */
struct madt_iso {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __packed;
_Static_assert(sizeof(struct madt_iso) == 10, "MADT ISO layout");

/* Local APIC NMI Structure (5.2.12.7). */
struct madt_lapic_nmi {
	uint8_t type, length, uid;
	uint16_t flags;
	uint8_t lint;
} __packed;
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT LAPIC NMI layout");

/* Firmware ACPI Control Structure (5.2.10), version 2 layout. */
struct facs {
	char signature[4];
	uint32_t length;
	uint32_t hw_signature;
	uint32_t waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_waking_vector;
	uint8_t version;
	uint8_t reserved[31];
} __packed;
_Static_assert(sizeof(struct facs) == 64, "FACS layout");

/* \_S5 = Package {5, 5, 0, 0}: NameOp, name, PackageOp, PkgLength 8,
 * NumElements 4, two BytePrefix 5, two ZeroOp (20.2.5.1, 20.2.5.4). */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP,
	0x00, 0x00
};

/* Where each table goes, as offsets from the start of the buffer. */
struct layout {
	size_t facs, rsdt, xsdt, fadt, dsdt, madt, end;
};

static size_t madt_len(uint32_t n)
{
	return sizeof(struct acpi_madt) + n * sizeof(struct acpi_madt_lapic) +
	       sizeof(struct acpi_madt_ioapic) + 2 * sizeof(struct madt_iso) +
	       sizeof(struct madt_lapic_nmi);
}

static void plan(uint32_t n, struct layout *l)
{
	l->facs = 64; /* after the RSDP, 64-byte aligned (5.2.10) */
	l->rsdt = l->facs + sizeof(struct facs);
	l->xsdt = ALIGN_UP(l->rsdt + sizeof(struct acpi_sdt_header) + 2 * 4, 16);
	l->fadt = ALIGN_UP(l->xsdt + sizeof(struct acpi_sdt_header) + 2 * 8, 16);
	l->dsdt = ALIGN_UP(l->fadt + sizeof(struct acpi_fadt), 16);
	l->madt = ALIGN_UP(l->dsdt + sizeof(struct acpi_sdt_header) + sizeof(dsdt_aml), 16);
	l->end = l->madt + madt_len(n);
}

static void header(void *at, const char *sig, size_t len, uint8_t rev)
{
	struct acpi_sdt_header *h = at;

	memcpy(h->signature, sig, 4);
	h->length = (uint32_t)len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	h->creator_id = CREATOR_ID;
	h->creator_revision = 1;
}

/* Set the checksum byte so the len bytes at p sum to zero. */
static void seal(uint8_t *sum_byte, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	*sum_byte = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	*sum_byte = (uint8_t)(0x100 - sum);
}

static struct acpi_gas io_gas(uint8_t bits, uint8_t access, uint64_t port)
{
	return (struct acpi_gas){ ACPI_GAS_SYSTEM_IO, bits, 0, access, port };
}

static void build_fadt(struct acpi_fadt *f, uint64_t facs, uint64_t dsdt)
{
	header(f, "FACP", sizeof(*f), 6);
	f->firmware_ctrl = (uint32_t)facs;
	f->x_firmware_ctrl = facs;
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	f->sci_int = ACPI_SCI_IRQ;
	f->pm1a_evt_blk = ACPI_PM1A_EVT;
	f->pm1_evt_len = 4;
	f->pm1a_cnt_blk = ACPI_PM1A_CNT;
	f->pm1_cnt_len = 2;
	f->pm_tmr_blk = ACPI_PM_TMR;
	f->pm_tmr_len = 4;
	f->p_lvl2_lat = 101;  /* > 100: C2 not supported */
	f->p_lvl3_lat = 1001; /* > 1000: C3 not supported */
	f->iapc_boot_arch = BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT | BOOT_MSI_NOT_SUPPORTED;
	f->century = 0x32; /* arch/x86/vdev/rtc.h, RTC_CENTURY */
	f->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		   FADT_RESET_REG_SUP;
	f->reset_reg = io_gas(8, 1, 0xcf9);
	f->reset_value = 0x06; /* full reset (PIIX4 4.1.5) */
	f->minor_version = 5;
	f->x_pm1a_evt_blk = io_gas(32, 2, ACPI_PM1A_EVT);
	f->x_pm1a_cnt_blk = io_gas(16, 2, ACPI_PM1A_CNT);
	f->x_pm_tmr_blk = io_gas(32, 3, ACPI_PM_TMR);
	seal(&f->hdr.checksum, f, sizeof(*f));
}

static void build_madt(uint8_t *p, uint32_t n)
{
	struct acpi_madt *m = (struct acpi_madt *)p;
	size_t o = sizeof(*m);

	header(m, "APIC", madt_len(n), 5);
	m->lapic_addr = ACPI_LAPIC_ADDR;
	m->flags = 0; /* no 8259s: not PCAT_COMPAT (docs/guest-abi.md, "No 8259 PIC") */
	for (uint32_t i = 0; i < n; i++, o += sizeof(struct acpi_madt_lapic)) {
		struct acpi_madt_lapic *l = (struct acpi_madt_lapic *)(p + o);
		*l = (struct acpi_madt_lapic){
			{ ACPI_MADT_LAPIC, sizeof(*l) }, (uint8_t)i, (uint8_t)i, ACPI_MADT_ENABLED
		};
	}
	struct acpi_madt_ioapic *io = (struct acpi_madt_ioapic *)(p + o);
	*io = (struct acpi_madt_ioapic){
		{ ACPI_MADT_IOAPIC, sizeof(*io) }, ACPI_IOAPIC_ID, 0, ACPI_IOAPIC_ADDR, 0
	};
	o += sizeof(*io);
	struct madt_iso *iso = (struct madt_iso *)(p + o);
	iso[0] = (struct madt_iso){ ACPI_MADT_ISO, sizeof(*iso), 0, 0, 2, 0 };
	iso[1] = (struct madt_iso){ ACPI_MADT_ISO, sizeof(*iso), 0,
				    ACPI_SCI_IRQ,  ACPI_SCI_IRQ, INTI_HIGH | INTI_LEVEL };
	o += 2 * sizeof(*iso);
	struct madt_lapic_nmi *nmi = (struct madt_lapic_nmi *)(p + o);
	*nmi = (struct madt_lapic_nmi){ ACPI_MADT_LAPIC_NMI, sizeof(*nmi), 0xff, 0, 1 };
	seal(&m->hdr.checksum, m, madt_len(n));
}

int acpi_build(void *buf, size_t size, uint64_t base, uint32_t nvcpus, size_t *used)
{
	struct layout l;
	uint8_t *b = buf;

	if (!buf || !used || nvcpus == 0 || nvcpus > MAX_VCPUS || (base & 15) ||
	    base + ACPI_BUILD_MAX > 0x100000000ull)
		return -E_INVAL;
	plan(nvcpus, &l);
	if (l.end > size)
		return -E_RANGE;
	memset(buf, 0, size);

	struct facs *facs = (struct facs *)(b + l.facs);
	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;

	uint32_t *rsdt = (uint32_t *)(b + l.rsdt + sizeof(struct acpi_sdt_header));
	header(b + l.rsdt, "RSDT", sizeof(struct acpi_sdt_header) + 2 * 4, 1);
	rsdt[0] = (uint32_t)(base + l.fadt);
	rsdt[1] = (uint32_t)(base + l.madt);
	seal(&((struct acpi_sdt_header *)(b + l.rsdt))->checksum, b + l.rsdt,
	     sizeof(struct acpi_sdt_header) + 2 * 4);

	/* XSDT entries are 64-bit at offset 36: not 8-byte aligned, so copied. */
	uint64_t x[2] = { base + l.fadt, base + l.madt };
	header(b + l.xsdt, "XSDT", sizeof(struct acpi_sdt_header) + sizeof(x), 1);
	memcpy(b + l.xsdt + sizeof(struct acpi_sdt_header), x, sizeof(x));
	seal(&((struct acpi_sdt_header *)(b + l.xsdt))->checksum, b + l.xsdt,
	     sizeof(struct acpi_sdt_header) + sizeof(x));

	build_fadt((struct acpi_fadt *)(b + l.fadt), base + l.facs, base + l.dsdt);

	size_t dlen = sizeof(struct acpi_sdt_header) + sizeof(dsdt_aml);
	header(b + l.dsdt, "DSDT", dlen, 2);
	memcpy(b + l.dsdt + sizeof(struct acpi_sdt_header), dsdt_aml, sizeof(dsdt_aml));
	seal(&((struct acpi_sdt_header *)(b + l.dsdt))->checksum, b + l.dsdt, dlen);

	build_madt(b + l.madt, nvcpus);

	struct acpi_rsdp *r = buf;
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, OEM_ID, 6);
	r->revision = 2;
	r->rsdt_addr = (uint32_t)(base + l.rsdt);
	r->length = ACPI_RSDP_V2_LEN;
	r->xsdt_addr = base + l.xsdt;
	seal(&r->checksum, r, ACPI_RSDP_V1_LEN);
	seal(&r->ext_checksum, r, ACPI_RSDP_V2_LEN);
	*used = l.end;
	return 0;
}

uint32_t acpi_build_where(uint32_t load_start, uint32_t load_end)
{
	/* The reserved BIOS area first, then the unlisted 0xE0000 segment. */
	static const uint32_t from[2] = { 0xF0000, 0xE0000 };

	for (int r = 0; r < 2; r++)
		for (uint32_t p = from[r]; p < from[r] + 0x10000; p += 0x1000)
			if (!(load_start < p + 0x1000 && p < load_end))
				return p;
	return 0;
}
