// SPDX-License-Identifier: MIT
/*
 * ACPI MADT parser: usable cores (xAPIC and x2APIC entries), IOAPICs and the
 * local APIC base address (ACPI 6.5 section 5.2.12).
 * Environment: pure code (no hardware access, no asm); boot cpu, early boot,
 * interrupts either way; also built hosted for unit tests.
 */
#include "arch/x86/acpi.h"
#include "lib/printf.h"

/* Broken firmware can repeat an ID many times; name only the first few. */
#define MADT_DUP_LINES 8

struct madt_state {
	struct acpi_info *out;
	uint32_t max_cpus;
	uint32_t nioapics_listed;
	uint32_t ndups;
	bool have_override;
};

/* True (after one line) if entry e at offset off is too short for its type. */
static bool entry_short(const struct acpi_madt_entry *e, uint32_t off, uint32_t need)
{
	if (e->length >= need)
		return false;
	kprintf("acpi: MADT entry at offset %u (type %u) has length %u, needs %u; skipped\n", off,
		e->type, e->length, need);
	return true;
}

/*
 * Records a usable core unless its APIC ID is already known. ACPI 6.5
 * section 5.2.12.12: cores with IDs below 255 are described by Processor
 * Local APIC entries, and some firmware lists them a second time as x2APIC
 * entries; that is the same core, dropped silently. A repeat within one entry
 * type is a firmware bug and gets a line. Cores past max_cpus are only
 * counted, and only checked against the recorded ones.
 */
static void add_cpu(struct madt_state *st, uint32_t apic_id, uint32_t uid, bool x2apic,
		    bool online_capable)
{
	struct acpi_info *out = st->out;

	for (uint32_t i = 0; i < out->ncpus; i++) {
		const struct acpi_cpu *c = &out->cpus[i];

		if (c->apic_id != apic_id)
			continue;
		if (c->x2apic != x2apic && apic_id < 0xff)
			return;
		if (++st->ndups <= MADT_DUP_LINES)
			kprintf("acpi: MADT lists APIC ID 0x%x twice (uids %u and %u); keeping the "
				"first\n",
				apic_id, c->uid, uid);
		return;
	}
	out->ncpus_listed++;
	if (out->ncpus >= st->max_cpus)
		return;
	out->cpus[out->ncpus++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.uid = uid,
		.x2apic = x2apic,
		.online_capable = online_capable,
	};
}

/*
 * Local APIC Flags (section 5.2.12.2): bit 0 Enabled; bit 1 Online Capable
 * (ACPI 6.3+, meaningful only when Enabled is clear). Returns whether the
 * core is usable, counting it as disabled otherwise.
 */
static bool cpu_usable(struct madt_state *st, uint32_t flags)
{
	if (flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE))
		return true;
	st->out->ncpus_disabled++;
	return false;
}

static void madt_lapic(struct madt_state *st, const struct acpi_madt_entry *e, uint32_t off)
{
	const struct acpi_madt_lapic *l = (const void *)e;

	if (entry_short(e, off, sizeof(*l)) || !cpu_usable(st, l->flags))
		return;
	if (l->apic_id == 0xff) {
		/* 0xff is the xAPIC broadcast ID, never a core's own. */
		kprintf("acpi: MADT LAPIC entry for uid %u has APIC ID 0xff; skipped\n", l->uid);
		return;
	}
	add_cpu(st, l->apic_id, l->uid, false, !(l->flags & ACPI_MADT_ENABLED));
}

static void madt_x2apic(struct madt_state *st, const struct acpi_madt_entry *e, uint32_t off)
{
	const struct acpi_madt_x2apic *x = (const void *)e;

	if (entry_short(e, off, sizeof(*x)) || !cpu_usable(st, x->flags))
		return;
	if (x->x2apic_id == 0xffffffffu) {
		/* SDM Vol. 3A 11.12.9: 0xffffffff is the x2APIC broadcast ID. */
		kprintf("acpi: MADT x2APIC entry for uid %u has ID 0xffffffff; skipped\n", x->uid);
		return;
	}
	add_cpu(st, x->x2apic_id, x->uid, true, !(x->flags & ACPI_MADT_ENABLED));
}

static void madt_ioapic(struct madt_state *st, const struct acpi_madt_entry *e, uint32_t off)
{
	const struct acpi_madt_ioapic *io = (const void *)e;
	struct acpi_info *out = st->out;

	if (entry_short(e, off, sizeof(*io)))
		return;
	st->nioapics_listed++;
	if (out->nioapics >= ACPI_MAX_IOAPICS)
		return;
	out->ioapics[out->nioapics++] = (struct acpi_ioapic){
		.id = io->id,
		.addr = io->addr,
		.gsi_base = io->gsi_base,
	};
}

/* Section 5.2.12.8: a 64-bit LAPIC base replacing the 32-bit header field. */
static void madt_override(struct madt_state *st, const struct acpi_madt_entry *e, uint32_t off)
{
	const struct acpi_madt_lapic_override *o = (const void *)e;

	if (entry_short(e, off, sizeof(*o)))
		return;
	if (st->have_override) {
		kprintf("acpi: MADT has more than one LAPIC address override; using the first\n");
		return;
	}
	st->have_override = true;
	st->out->lapic_addr = o->addr;
}

static void madt_entry(struct madt_state *st, const struct acpi_madt_entry *e, uint32_t off)
{
	switch (e->type) {
	case ACPI_MADT_LAPIC:
		madt_lapic(st, e, off);
		break;
	case ACPI_MADT_IOAPIC:
		madt_ioapic(st, e, off);
		break;
	case ACPI_MADT_LAPIC_OVERRIDE:
		madt_override(st, e, off);
		break;
	case ACPI_MADT_X2APIC:
		madt_x2apic(st, e, off);
		break;
	default:
		/* ISO (2), NMI (4) and the rest: not needed by the hypervisor. */
		break;
	}
}

/* One summary line per limit that was exceeded. */
static void madt_summary(const struct madt_state *st)
{
	const struct acpi_info *out = st->out;

	if (out->ncpus_listed > out->ncpus)
		kprintf("acpi: MADT lists %u usable cpus, build supports %u; ignoring %u\n",
			out->ncpus_listed, st->max_cpus, out->ncpus_listed - out->ncpus);
	if (st->ndups > MADT_DUP_LINES)
		kprintf("acpi: MADT has %u duplicate APIC IDs in all (first %u shown)\n", st->ndups,
			MADT_DUP_LINES);
	if (st->nioapics_listed > out->nioapics)
		kprintf("acpi: MADT lists %u IOAPICs, build supports %u; ignoring %u\n",
			st->nioapics_listed, ACPI_MAX_IOAPICS, st->nioapics_listed - out->nioapics);
}

void acpi_parse_madt(const struct acpi_sdt_header *hdr, uint64_t phys, uint32_t max_cpus,
		     struct acpi_info *out)
{
	const struct acpi_madt *madt = (const void *)hdr;
	const uint8_t *base = (const uint8_t *)hdr;
	struct madt_state st = { .out = out, .max_cpus = max_cpus };
	uint32_t end = hdr->length, off = sizeof(*madt), n = 0;

	if (end < sizeof(*madt)) {
		kprintf("acpi: MADT at 0x%llx is %u bytes, shorter than its %zu-byte header; "
			"skipped\n",
			(unsigned long long)phys, end, sizeof(*madt));
		return;
	}
	out->have_madt = true;
	out->lapic_addr = madt->lapic_addr;
	out->pcat_compat = madt->flags & ACPI_MADT_PCAT_COMPAT;

	/* Entries are (type, length, ...) records packed up to the table end. */
	while (off < end) {
		const struct acpi_madt_entry *e = (const void *)(base + off);

		if (end - off < sizeof(*e)) {
			kprintf("acpi: MADT has a stray byte at offset %u; stopped parsing the "
				"MADT there, keeping %u entries\n",
				off, n);
			break;
		}
		if (e->length < sizeof(*e)) {
			kprintf("acpi: MADT entry at offset %u has length %u; stopped parsing the "
				"MADT there, keeping %u entries\n",
				off, e->length, n);
			break;
		}
		if (e->length > end - off) {
			kprintf("acpi: MADT entry at offset %u (type %u, length %u) runs past "
				"the table end at %u; stopped parsing the MADT there, keeping %u "
				"entries\n",
				off, e->type, e->length, end, n);
			break;
		}
		madt_entry(&st, e, off);
		off += e->length;
		n++;
	}
	madt_summary(&st);
}
