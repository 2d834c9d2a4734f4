// SPDX-License-Identifier: MIT
/*
 * Multiboot2 boot-information parser (Multiboot2 spec 1.0, 3.6). Every
 * field read is bounds-checked against its tag and total_size; reads go
 * through memcpy so a misaligned blob is still well defined.
 * Environment: freestanding hypervisor, BSP during early boot, interrupts
 * either way; pure code, also built hosted for unit tests.
 */
#include "boot/mb2.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Fixed parts of the tags (3.6.3 .. 3.6.8, 3.6.11, 3.6.12, 3.6.14). */
#define TAG_HDR		 8
#define MODULE_FIXED	 16  /* type, size, mod_start, mod_end */
#define MEMINFO_FIXED	 16  /* type, size, mem_lower, mem_upper */
#define MMAP_FIXED	 16  /* type, size, entry_size, entry_version */
#define MMAP_ENTRY_MIN	 24  /* base_addr, length, type, reserved */
#define RSDP_V1_LEN	 20  /* ACPI 6.x, 5.2.5.3: revision 0 RSDP */
#define RSDP_V2_LEN	 36  /* ... and the extended revision 2 RSDP */
#define LOAD_BASE_FIXED	 12  /* type, size, load_base_addr */
#define MEM_LOWER_MAX_KB 640 /* 3.6.8: lower memory starts at 0, at most 640 KiB */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* The string at p if NUL-terminated within len bytes, else NULL + a line. */
static const char *tag_string(const uint8_t *p, uint32_t len, const char *what, uint32_t off)
{
	if (len == 0 || strnlen((const char *)p, len) == len) {
		kprintf("mb2: %s in tag at offset 0x%x is not NUL-terminated; ignored\n", what,
			off);
		return NULL;
	}
	return (const char *)p;
}

static bool too_short(const char *what, uint32_t off, uint32_t size, uint32_t need)
{
	if (size >= need)
		return false;
	kprintf("mb2: %s tag at offset 0x%x has size %u, needs %u; ignored\n", what, off, size,
		need);
	return true;
}

/* 3.6.8: entries of entry_size bytes follow the 16-byte tag head. */
static void parse_mmap(struct boot_info *out, const uint8_t *t, uint32_t off, uint32_t size)
{
	uint32_t esz, count, zero = 0, clipped = 0, dropped = 0;

	if (too_short("memory map", off, size, MMAP_FIXED))
		return;
	if (out->have_mmap) {
		kprintf("mb2: second memory map tag at offset 0x%x; ignored\n", off);
		return;
	}
	esz = rd32(t + 8);
	if (esz < MMAP_ENTRY_MIN || esz % 8) {
		kprintf("mb2: memory map tag at offset 0x%x has entry size %u (needs >= 24, multiple of 8); ignored\n",
			off, esz);
		return;
	}
	count = (size - MMAP_FIXED) / esz;
	if ((size - MMAP_FIXED) % esz)
		kprintf("mb2: memory map tag at offset 0x%x ends in a partial entry; ignored it\n",
			off);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = t + MMAP_FIXED + (size_t)i * esz;
		struct mem_region r = { rd64(e), rd64(e + 8), rd32(e + 16) };

		if (r.len == 0) {
			zero++;
			continue;
		}
		if (r.base && r.len > 0 - r.base) { /* end past 2^64 */
			r.len = 0 - r.base;
			clipped++;
		}
		if (r.type < MEM_AVAILABLE || r.type > MEM_BAD)
			r.type = MEM_RESERVED; /* 3.6.8: other values are reserved */
		if (out->nmmap == MB2_MAX_MMAP)
			dropped++;
		else
			out->mmap[out->nmmap++] = r;
	}
	if (zero)
		kprintf("mb2: dropped %u zero-length memory map entries\n", zero);
	if (clipped)
		kprintf("mb2: clipped %u memory map entries that wrap past 2^64\n", clipped);
	if (dropped)
		kprintf("mb2: memory map has %u entries; kept the first %u\n",
			MB2_MAX_MMAP + dropped, MB2_MAX_MMAP);
	out->have_mmap = out->nmmap > 0;
	if (!out->have_mmap)
		kprintf("mb2: memory map tag at offset 0x%x has no usable entries\n", off);
}

/* 3.6.6; returns false if the module did not fit in mods[]. */
static bool parse_module(struct boot_info *out, const uint8_t *t, uint32_t off, uint32_t size)
{
	struct mb2_module m;

	if (too_short("module", off, size, MODULE_FIXED))
		return true;
	m.start = rd32(t + 8);
	m.end = rd32(t + 12);
	if (m.end < m.start) {
		kprintf("mb2: module tag at offset 0x%x ends (0x%llx) below its start (0x%llx); ignored\n",
			off, (unsigned long long)m.end, (unsigned long long)m.start);
		return true;
	}
	if (out->nmods == MB2_MAX_MODS)
		return false;
	m.cmdline = tag_string(t + MODULE_FIXED, size - MODULE_FIXED, "module command line", off);
	if (!m.cmdline)
		m.cmdline = "";
	out->mods[out->nmods++] = m;
	return true;
}

/* 3.6.11 / 3.6.12: the tag carries a copy of the RSDP; the newer one wins. */
static void parse_rsdp(struct boot_info *out, const uint8_t *t, uint32_t type, uint32_t off,
		       uint32_t size)
{
	uint32_t need = TAG_HDR + (type == MB2_TAG_ACPI_OLD ? RSDP_V1_LEN : RSDP_V2_LEN);

	if (too_short(type == MB2_TAG_ACPI_OLD ? "ACPI old RSDP" : "ACPI new RSDP", off, size,
		      need))
		return;
	if (type == MB2_TAG_ACPI_OLD && out->rsdp_tag == MB2_TAG_ACPI_NEW)
		return;
	out->rsdp = t + TAG_HDR;
	out->rsdp_len = size - TAG_HDR;
	out->rsdp_tag = (uint8_t)type;
}

/* Handle one well-formed tag; returns false if a module was dropped. */
static bool parse_tag(struct boot_info *out, const uint8_t *t, uint32_t type, uint32_t off,
		      uint32_t size)
{
	const char *s;

	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER:
		s = tag_string(t + TAG_HDR, size - TAG_HDR,
			       type == MB2_TAG_CMDLINE ? "command line" : "boot loader name", off);
		if (s && type == MB2_TAG_CMDLINE)
			out->cmdline = s;
		else if (s)
			out->loader = s;
		break;
	case MB2_TAG_MODULE:
		return parse_module(out, t, off, size);
	case MB2_TAG_MEMINFO:
		if (too_short("basic meminfo", off, size, MEMINFO_FIXED))
			break;
		out->have_meminfo = true;
		out->mem_lower_kb = rd32(t + 8);
		out->mem_upper_kb = rd32(t + 12);
		break;
	case MB2_TAG_MMAP:
		parse_mmap(out, t, off, size);
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		parse_rsdp(out, t, type, off, size);
		break;
	case MB2_TAG_LOAD_BASE:
		if (too_short("load base address", off, size, LOAD_BASE_FIXED))
			break;
		out->load_base_phys = rd32(t + 8);
		out->have_load_base = true;
		break;
	default: /* tags we do not use are skipped, as 3.6 allows */
		break;
	}
	return true;
}

/* No memory map tag: 3.6.8 basic meminfo gives lower memory from 0 and upper
 * memory from 1 MiB, which is all a map-less loader tells us. */
static void synthesise_map(struct boot_info *out)
{
	uint32_t lower = out->mem_lower_kb;

	if (lower > MEM_LOWER_MAX_KB) {
		kprintf("mb2: basic meminfo lower memory %u KiB exceeds 640 KiB; clamped\n", lower);
		lower = MEM_LOWER_MAX_KB;
	}
	kprintf("mb2: no memory map; using basic meminfo (lower %u KiB, upper %u KiB)\n", lower,
		out->mem_upper_kb);
	if (lower)
		out->mmap[out->nmmap++] = (struct mem_region){ 0, KiB(lower), MEM_AVAILABLE };
	if (out->mem_upper_kb)
		out->mmap[out->nmmap++] =
			(struct mem_region){ MiB(1), KiB(out->mem_upper_kb), MEM_AVAILABLE };
	out->have_mmap = out->nmmap > 0;
	out->mmap_from_meminfo = out->have_mmap;
}

int mb2_parse(const void *info, uint64_t info_phys, struct boot_info *out)
{
	const uint8_t *b = info;
	uint32_t total, off, type, size = 0, mods_dropped = 0;
	bool ended = false;

	memset(out, 0, sizeof(*out));
	out->cmdline = "";
	out->loader = "";
	out->info_phys = info_phys;
	if (!info) {
		kprintf("mb2: no boot information (NULL pointer)\n");
		return -E_INVAL;
	}
	total = rd32(b);
	out->info_size = total;
	if (total < 16 || total > MB2_MAX_INFO_SIZE) {
		kprintf("mb2: boot info total_size %u is outside 16..%u bytes; cannot parse it\n",
			total, (uint32_t)MB2_MAX_INFO_SIZE);
		return -E_INVAL;
	}
	/* 3.6.1: an 8-byte fixed part, then 8-byte aligned tags until type 0. */
	for (off = 8; off + TAG_HDR <= total; off += ALIGN_UP(size, 8)) {
		type = rd32(b + off);
		size = rd32(b + off + 4);
		if (size < TAG_HDR || size > total - off) {
			kprintf("mb2: tag %u at offset 0x%x has size %u%s; ignoring the rest of the boot info\n",
				type, off, size, size < TAG_HDR ? "" : ", past total_size");
			out->truncated = true;
			break;
		}
		if (type == MB2_TAG_END) {
			ended = true;
			break;
		}
		if (!parse_tag(out, b + off, type, off, size))
			mods_dropped++;
	}
	if (!ended && !out->truncated) {
		kprintf("mb2: no end tag within total_size %u; boot info may be truncated\n",
			total);
		out->truncated = true;
	}
	if (mods_dropped)
		kprintf("mb2: %u modules beyond the first %u ignored\n", mods_dropped,
			MB2_MAX_MODS);
	if (!out->have_mmap && out->have_meminfo)
		synthesise_map(out);
	else if (!out->have_mmap)
		kprintf("mb2: no memory map and no basic meminfo in the boot info\n");
	return 0;
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case MEM_AVAILABLE:
		return "available";
	case MEM_ACPI_RECLAIM:
		return "ACPI reclaimable";
	case MEM_NVS:
		return "ACPI NVS";
	case MEM_BAD:
		return "bad";
	default:
		return "reserved";
	}
}

void mb2_print(const struct boot_info *bi)
{
	kprintf("mb2: loader \"%s\", command line \"%s\"\n", bi->loader, bi->cmdline);
	for (uint32_t i = 0; i < bi->nmmap; i++) {
		const struct mem_region *r = &bi->mmap[i];

		kprintf("mem: [0x%016llx-0x%016llx] %s\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->len - 1), type_name(r->type));
	}
	for (uint32_t i = 0; i < bi->nmods; i++)
		kprintf("mb2: module %u [0x%llx-0x%llx) \"%s\"\n", i,
			(unsigned long long)bi->mods[i].start, (unsigned long long)bi->mods[i].end,
			bi->mods[i].cmdline);
}
