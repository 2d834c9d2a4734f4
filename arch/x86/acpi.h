/* SPDX-License-Identifier: MIT */
/*
 * ACPI table parser: finds and validates the RSDP, walks the RSDT/XSDT and
 * extracts what the hypervisor needs from the MADT, FADT, DSDT (\_S5) and
 * HPET tables. It never dereferences a physical address itself: every read
 * goes through an acpi_map_fn, so host tests can feed it a fake address space.
 * Environment: pure code (no hardware access, no asm); boot cpu, early boot,
 * interrupts either way; also built hosted for unit tests.
 */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include "lib/types.h"

#define ACPI_MAX_IOAPICS 64
/* Tables longer than this are treated as corrupt, not parsed. */
#define ACPI_TABLE_MAX_LEN MiB(16)

/* ---- Table layouts (all little-endian, byte-packed) ---- */

/* Root System Description Pointer, ACPI 6.5 section 5.2.5.3. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* bytes 0..19 sum to zero */
	char oem_id[6];
	uint8_t revision; /* 0: ACPI 1.0, 20 bytes; >= 2: ACPI 2.0+, 36 bytes */
	uint32_t rsdt_addr;
	/* ACPI 2.0+ (revision >= 2) only: */
	uint32_t length; /* of the whole RSDP */
	uint64_t xsdt_addr;
	uint8_t ext_checksum; /* all `length` bytes sum to zero */
	uint8_t reserved[3];
} __packed;
#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LEN, "RSDP layout");

/* System Description Table Header, ACPI 6.5 section 5.2.6. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* whole table sums to zero */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout");

/* Generic Address Structure, ACPI 6.5 section 5.2.3.2. */
struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __packed;
#define ACPI_GAS_SYSTEM_MEMORY 0
#define ACPI_GAS_SYSTEM_IO     1
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS layout");

/* Multiple APIC Description Table, ACPI 6.5 section 5.2.12 (signature "APIC"). */
struct acpi_madt {
	struct acpi_sdt_header hdr;
	uint32_t lapic_addr;
	uint32_t flags; /* ACPI_MADT_PCAT_COMPAT */
			/* struct acpi_madt_entry records follow to hdr.length */
} __packed;
#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* section 5.2.12, Multiple APIC Flags */
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT layout");

/* Interrupt Controller Structure types, ACPI 6.5 section 5.2.12. */
enum acpi_madt_type {
	ACPI_MADT_LAPIC = 0,
	ACPI_MADT_IOAPIC = 1,
	ACPI_MADT_ISO = 2,
	ACPI_MADT_LAPIC_NMI = 4,
	ACPI_MADT_LAPIC_OVERRIDE = 5,
	ACPI_MADT_X2APIC = 9,
};

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length; /* of this entry, type and length included */
} __packed;

/* Processor Local APIC Structure, ACPI 6.5 section 5.2.12.2. */
struct acpi_madt_lapic {
	struct acpi_madt_entry h;
	uint8_t uid; /* ACPI Processor UID */
	uint8_t apic_id;
	uint32_t flags; /* ACPI_MADT_ENABLED, ACPI_MADT_ONLINE_CAPABLE */
} __packed;
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC layout");

/* Local APIC Flags, ACPI 6.5 section 5.2.12.2 (online-capable since 6.3). */
#define ACPI_MADT_ENABLED	 (1u << 0)
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1)

/* I/O APIC Structure, ACPI 6.5 section 5.2.12.3. */
struct acpi_madt_ioapic {
	struct acpi_madt_entry h;
	uint8_t id;
	uint8_t reserved;
	uint32_t addr;
	uint32_t gsi_base;
} __packed;
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC layout");

/* Local APIC Address Override Structure, ACPI 6.5 section 5.2.12.8. */
struct acpi_madt_lapic_override {
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint64_t addr;
} __packed;
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "MADT override layout");

/* Processor Local x2APIC Structure, ACPI 6.5 section 5.2.12.12. */
struct acpi_madt_x2apic {
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags; /* same bits as the Local APIC Flags */
	uint32_t uid;
} __packed;
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC layout");

/*
 * Fixed ACPI Description Table, ACPI 6.5 section 5.2.9 (signature "FACP").
 * Older firmware ships shorter tables: only the first hdr.length bytes exist
 * (ACPI 1.0: 116 bytes, up to `flags`; X_ fields from ACPI 2.0 on).
 */
struct acpi_fadt {
	struct acpi_sdt_header hdr;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0; /* INT_MODEL in ACPI 1.0 */
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags; /* ACPI_FADT_HW_REDUCED, ... */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __packed;
#define ACPI_FADT_V1_LEN     116	/* ACPI 1.0 FADT ends after `flags` */
#define ACPI_FADT_HW_REDUCED (1u << 20) /* section 5.2.9, Fixed Feature Flags */
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags offset");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT offset");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT X_PM1a_CNT offset");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR offset");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT layout");

/* HPET Description Table, IA-PC HPET Specification 1.0a section 3.2.4. */
struct acpi_hpet {
	struct acpi_sdt_header hdr;
	uint32_t event_timer_block_id;
	struct acpi_gas base; /* must be system memory */
	uint8_t hpet_number;
	uint16_t min_tick;
	uint8_t page_protection;
} __packed;
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET layout");

/* ---- Parser interface ---- */

/*
 * Makes [phys, phys+len) readable and returns a pointer to it, or NULL if
 * any byte of that range may not be read. The returned bytes stay valid for
 * the whole parse; the parser never writes through them.
 */
typedef const void *(*acpi_map_fn)(uint64_t phys, uint64_t len, void *ctx);

/* A usable core: enabled, or online-capable (hot-pluggable). */
struct acpi_cpu {
	uint32_t apic_id;    /* xAPIC ID, or x2APIC ID if x2apic */
	uint32_t uid;	     /* ACPI Processor UID */
	bool x2apic;	     /* described by a Processor Local x2APIC entry */
	bool online_capable; /* not enabled at boot, may be brought online */
};

struct acpi_ioapic {
	uint32_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct acpi_info {
	uint64_t rsdp_phys; /* 0 when parsed from a copy */
	uint8_t revision;   /* RSDP revision */
	bool xsdt;	    /* the XSDT (not the RSDT) was walked */

	bool have_madt;
	uint64_t lapic_addr;	 /* from the MADT, or its 64-bit override (type 5) */
	bool pcat_compat;	 /* MADT flag: dual 8259s present */
	uint32_t ncpus;		 /* recorded in cpus[] (<= max_cpus given to acpi_parse) */
	uint32_t ncpus_listed;	 /* distinct usable cpus the MADT lists (may exceed ncpus) */
	uint32_t ncpus_disabled; /* entries neither enabled nor online-capable */
	struct acpi_cpu cpus[CONFIG_MAX_CPUS]; /* in MADT order */
	uint32_t nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];

	bool have_fadt;
	uint8_t fadt_revision;
	uint32_t pm1a_cnt, pm1b_cnt; /* I/O ports, 0 if absent */
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint32_t pm_tmr_blk; /* I/O port, 0 if absent */
	uint16_t sci_irq;
	bool hw_reduced; /* HW_REDUCED_ACPI: no fixed PM1 hardware */
	uint64_t dsdt_phys;

	bool have_s5;		    /* from the DSDT \_S5 package */
	uint8_t slp_typa, slp_typb; /* raw values; PM1x_CNT.SLP_TYP uses bits 2:0 */

	uint64_t hpet_addr; /* 0 if no (usable) HPET table */
};

/*
 * Scans buf (len bytes, a copy or mapping of physical memory starting at
 * buf_phys) for a valid RSDP on 16-byte physical boundaries (ACPI 6.5
 * section 5.2.5.1): "RSD PTR " signature, 20-byte checksum, and for
 * revision >= 2 the extended checksum over its Length bytes. Stores the first
 * valid one's physical address in *rsdp_phys. Candidates with the signature
 * but bad checksums get one console line each and are passed over.
 * Returns 0, or -E_NOENT (silently) if there is no valid RSDP, or -E_INVAL
 * if buf or rsdp_phys is NULL.
 */
int acpi_find_rsdp_in(const void *buf, uint64_t buf_phys, uint64_t len, uint64_t *rsdp_phys);

/*
 * Parses the ACPI tables reached from the RSDP at rsdp_phys into *out (which
 * is cleared first). Uses the XSDT when the RSDP revision is >= 2 and its
 * XSDT address is nonzero, else the RSDT; an unusable XSDT falls back to the
 * RSDT. Every table is checked (length, checksum, mappable); bad ones are
 * skipped with one console line each and the rest still parse. Reads the
 * MADT (cpus, IOAPICs, LAPIC address), FADT (PM1 control, SMI, PM timer,
 * SCI), the DSDT's \_S5 package and the HPET base.
 * Preconditions: map is non-NULL; 1 <= max_cpus (values above
 * CONFIG_MAX_CPUS are clamped to it).
 * Returns 0 if the root table was walked (even with no MADT: see
 * out->have_madt), -E_INVAL / -E_CHECKSUM for a bad RSDP or root table,
 * -E_RANGE if either is not mappable.
 */
int acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, void *ctx, uint32_t max_cpus,
	       struct acpi_info *out);

/*
 * Same as acpi_parse, but the RSDP is given as a len-byte copy (multiboot2
 * ACPI old/new tags carry the RSDP itself, not its address); out->rsdp_phys
 * is 0. A revision >= 2 copy shorter than 36 bytes is used as ACPI 1.0 (RSDT
 * only), with a console line.
 */
int acpi_parse_rsdp_copy(const void *rsdp, uint64_t len, acpi_map_fn map, void *ctx,
			 uint32_t max_cpus, struct acpi_info *out);

/*
 * The hypervisor's acpi_map_fn: RAM and the low 4 GiB are identity mapped,
 * so physical address == pointer. ctx points to a uint64_t limit; returns
 * NULL unless 0 < phys and phys + len <= limit without overflow.
 */
const void *acpi_map_identity(uint64_t phys, uint64_t len, void *ctx);

/* ---- Shared between arch/x86/acpi*.c only; not for other callers ---- */

/* Sum of len bytes modulo 256; a valid ACPI structure sums to 0. */
uint8_t acpi_checksum(const void *p, uint64_t len);

/*
 * Name to print for a table signature: "MADT" for "APIC", "FADT" for
 * "FACP", else the signature with unprintable bytes shown as '?'.
 * buf must hold 5 bytes; the result points to buf or to a constant.
 */
const char *acpi_sig_name(const char *sig, char *buf);

/*
 * Maps and validates the table at phys: header mappable, 36 <= length <=
 * ACPI_TABLE_MAX_LEN, signature equal to expect (if non-NULL), whole table
 * mappable, checksum zero. On failure prints one line and returns a negative
 * code; on success stores the table (all hdr->length bytes readable) in *out.
 */
int acpi_map_table(uint64_t phys, const char *expect, acpi_map_fn map, void *ctx,
		   const struct acpi_sdt_header **out);

/*
 * Parses a validated MADT (hdr->length readable bytes at hdr, found at phys)
 * into out, recording at most max_cpus (1..CONFIG_MAX_CPUS) cpus.
 */
void acpi_parse_madt(const struct acpi_sdt_header *hdr, uint64_t phys, uint32_t max_cpus,
		     struct acpi_info *out);

/*
 * Parses a validated FADT (hdr->length readable bytes at hdr, found at phys)
 * into out, then maps its DSDT through map and looks for \_S5 there.
 */
void acpi_parse_fadt(const struct acpi_sdt_header *hdr, uint64_t phys, acpi_map_fn map, void *ctx,
		     struct acpi_info *out);

#endif
