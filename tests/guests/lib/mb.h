/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: the multiboot v1 boot information (Multiboot 0.6.96
 * section 3.3). mb_init() copies what tests use (flags, memory sizes, the
 * command line, the memory map) into the image, so tests may overwrite the
 * loader's copy afterwards.
 * Environment: guest test kernel, 32-bit protected mode, paging off, ring 0.
 */
#ifndef GUEST_MB_H
#define GUEST_MB_H

#include <stdint.h>
#include <stdbool.h>

#define MB_BOOT_MAGIC 0x2BADB002u /* EAX at entry (section 3.2) */

/* multiboot_info.flags bits (section 3.3) */
#define MB_INFO_MEM	(1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MMAP	(1u << 6)

#define MB_MMAP_RAM 1 /* mmap entry type: available RAM */

#define MB_MAX_REGIONS 32
#define MB_CMDLINE_MAX 256

struct mb_region {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

/*
 * Check magic and copy the boot information at physical address mbi. Prints
 * one "mb: ..." line per problem (bad magic, info overlapping the image,
 * malformed or too many mmap entries, command line truncated). Returns 0, or
 * -1 when nothing could be read (bad magic or address). BSP, once.
 */
int mb_init(uint32_t magic, uint32_t mbi);

/* The magic and info address given at entry. */
uint32_t mb_magic(void);
uint32_t mb_info_addr(void);

/* multiboot_info.flags, mem_lower and mem_upper (KiB); 0 if absent. */
uint32_t mb_flags(void);
uint32_t mb_mem_lower(void);
uint32_t mb_mem_upper(void);

/* The command line ("" if none). */
const char *mb_cmdline(void);

/* Memory map entries copied (at most MB_MAX_REGIONS). */
unsigned int mb_region_count(void);
const struct mb_region *mb_region(unsigned int i);

/* End of the highest RAM region below 4 GiB, or 1 MiB + mem_upper without an mmap. */
uint32_t mb_ram_top(void);

/*
 * True if [base, base + len) overlaps where the loader put the info
 * structure, the command line or the memory map.
 */
bool mb_boot_data_overlaps(uint32_t base, uint32_t len);

#endif
