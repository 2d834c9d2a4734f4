/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot-information parser (Multiboot2 spec 1.0, 3.6 "Boot
 * information format"): turns the loader's tag list into struct boot_info,
 * surviving any malformed input.
 * Environment: freestanding hypervisor, BSP during early boot; pure code,
 * also built hosted for unit tests.
 */
#ifndef BOOT_MB2_H
#define BOOT_MB2_H

#include "lib/types.h"
#include "mm/frame.h"

#define MB2_MAX_MMAP 256
#define MB2_MAX_MODS 32

/* Largest boot info accepted; real ones are a few KiB. */
#define MB2_MAX_INFO_SIZE MiB(1)

/* Tag types used (Multiboot2 spec 1.0, 3.6.2 .. 3.6.14). */
enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_LOAD_BASE = 21,
};

/* A boot module; [start, end) as the loader reports it (GRUB: end exclusive). */
struct mb2_module {
	uint64_t start, end;
	const char *cmdline; /* "" if absent or malformed */
};

/*
 * Everything the kernel needs from the boot info. Strings and rsdp point
 * into the boot info itself, which must therefore stay mapped and intact.
 */
struct boot_info {
	uint64_t info_phys;
	uint32_t info_size;
	bool truncated; /* a broken tag or a missing end tag cut parsing short */

	const char *cmdline; /* "" if no tag */
	const char *loader;  /* "" if no tag */

	/* have_mmap: the map below is valid; it came from the memory map tag,
	 * or, when mmap_from_meminfo, was synthesised from basic meminfo. */
	bool have_mmap;
	bool mmap_from_meminfo;
	uint32_t nmmap;
	struct mem_region mmap[MB2_MAX_MMAP];

	bool have_meminfo;
	uint32_t mem_lower_kb, mem_upper_kb;

	uint32_t nmods;
	struct mb2_module mods[MB2_MAX_MODS];

	const void *rsdp; /* copy of the RSDP inside the tag, NULL if none */
	uint32_t rsdp_len;
	uint8_t rsdp_tag; /* 14 (ACPI 1.0 RSDP) or 15 (ACPI 2.0+); 15 wins */

	uint64_t load_base_phys;
	bool have_load_base; /* tag 21 present */
};

/*
 * Parse the Multiboot2 boot information at `info` (the loader's physical
 * address info_phys, recorded for the caller's reserved list) into *out.
 * Never trusts the input: a total_size below 16 or above 1 MiB returns
 * -E_INVAL; a tag whose size is below 8 or runs past total_size ends the
 * parse there (out->truncated, what came before is kept, returns 0); a bad
 * tag or string is skipped with one console line. Without a memory map tag
 * the map is synthesised from basic meminfo; without either, have_mmap is
 * false. Preconditions: info readable for total_size bytes; out non-NULL.
 */
int mb2_parse(const void *info, uint64_t info_phys, struct boot_info *out);

/* Print the memory map (one "mem: [first-last] type" line per region), the
 * command line, loader and modules. Precondition: bi filled by mb2_parse. */
void mb2_print(const struct boot_info *bi);

#endif
