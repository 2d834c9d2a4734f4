// SPDX-License-Identifier: MIT
/*
 * Guest test library: reading and copying the multiboot v1 boot information.
 * Environment: guest test kernel, 32-bit protected mode, paging off, ring 0,
 * BSP (mb_init); accessors on any CPU afterwards.
 */
#include "tests/guests/lib/mb.h"
#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/rt.h"

/* The fields of multiboot_info this library reads (section 3.3). */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

/* One mmap entry; `size` does not count itself (section 3.3). */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

struct range {
	uint32_t base, len;
};

static struct {
	uint32_t magic, addr, flags, mem_lower, mem_upper;
	char cmdline[MB_CMDLINE_MAX];
	unsigned int nregions;
	struct mb_region regions[MB_MAX_REGIONS];
	struct range boot_data[3]; /* info, command line, memory map */
} mb;

static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static bool in_image(uint32_t base, uint32_t len)
{
	uint32_t s = (uint32_t)(uintptr_t)__image_start;

	return overlaps(base, len, s, (uint32_t)(uintptr_t)__image_end - s);
}

static void copy_cmdline(uint32_t addr)
{
	const volatile char *p = (const volatile char *)(uintptr_t)addr;
	uint32_t n = 0;

	while (n < MB_CMDLINE_MAX - 1 && p[n]) {
		mb.cmdline[n] = p[n];
		n++;
	}
	mb.cmdline[n] = '\0';
	if (p[n]) {
		gprintf("mb: command line longer than %u bytes, truncated\n", MB_CMDLINE_MAX - 1);
		while (p[n])
			n++;
	}
	mb.boot_data[1] = (struct range){ addr, n + 1 };
}

static void copy_mmap(uint32_t addr, uint32_t length)
{
	uint32_t off = 0;

	mb.boot_data[2] = (struct range){ addr, length };
	while (off + 4 <= length) {
		const struct mb_mmap_entry *e = (const void *)(uintptr_t)(addr + off);

		if (e->size < 20 || e->size > length - off - 4) {
			gprintf("mb: malformed mmap entry at 0x%x (size %u, %u bytes left), rest ignored\n",
				addr + off, e->size, length - off - 4);
			return;
		}
		if (mb.nregions == MB_MAX_REGIONS) {
			gprintf("mb: more than %u mmap entries, rest ignored\n", MB_MAX_REGIONS);
			return;
		}
		mb.regions[mb.nregions++] = (struct mb_region){ e->base, e->len, e->type };
		off += e->size + 4;
	}
}

int mb_init(uint32_t magic, uint32_t addr)
{
	const struct mb_info *mi = (const void *)(uintptr_t)addr;

	memset(&mb, 0, sizeof(mb)); /* a second call starts from scratch */
	mb.magic = magic;
	mb.addr = addr;
	if (magic != MB_BOOT_MAGIC) {
		gprintf("mb: bad magic 0x%x (want 0x%x), boot info ignored\n", magic,
			MB_BOOT_MAGIC);
		return -1;
	}
	if (addr == 0 || in_image(addr, sizeof(*mi))) {
		gprintf("mb: boot info at 0x%x is null or inside the image, ignored\n", addr);
		return -1;
	}
	mb.boot_data[0] = (struct range){ addr, sizeof(*mi) };
	mb.flags = mi->flags;
	if (mi->flags & MB_INFO_MEM) {
		mb.mem_lower = mi->mem_lower;
		mb.mem_upper = mi->mem_upper;
	}
	if (mi->flags & MB_INFO_CMDLINE) {
		if (in_image(mi->cmdline, 1))
			gprintf("mb: command line at 0x%x is inside the image, ignored\n",
				mi->cmdline);
		else
			copy_cmdline(mi->cmdline);
	}
	if (mi->flags & MB_INFO_MMAP) {
		if (in_image(mi->mmap_addr, mi->mmap_length))
			gprintf("mb: memory map at 0x%x+0x%x overlaps the image, ignored\n",
				mi->mmap_addr, mi->mmap_length);
		else
			copy_mmap(mi->mmap_addr, mi->mmap_length);
	}
	return 0;
}

uint32_t mb_magic(void)
{
	return mb.magic;
}

uint32_t mb_info_addr(void)
{
	return mb.addr;
}

uint32_t mb_flags(void)
{
	return mb.flags;
}

uint32_t mb_mem_lower(void)
{
	return mb.mem_lower;
}

uint32_t mb_mem_upper(void)
{
	return mb.mem_upper;
}

const char *mb_cmdline(void)
{
	return mb.cmdline;
}

unsigned int mb_region_count(void)
{
	return mb.nregions;
}

const struct mb_region *mb_region(unsigned int i)
{
	return i < mb.nregions ? &mb.regions[i] : NULL;
}

uint32_t mb_ram_top(void)
{
	uint64_t top = 0;

	for (unsigned int i = 0; i < mb.nregions; i++) {
		const struct mb_region *r = &mb.regions[i];
		uint64_t end = r->base + r->len;

		if (r->type != MB_MMAP_RAM || r->base >= 0x100000000ull)
			continue;
		if (end > 0x100000000ull)
			end = 0x100000000ull - 4096; /* stay below 4 GiB, page aligned */
		if (end > top)
			top = end;
	}
	if (!top && mb.mem_upper)
		top = 0x100000ull + (uint64_t)mb.mem_upper * 1024;
	return top > 0xfffff000ull ? 0xfffff000u : (uint32_t)top;
}

bool mb_boot_data_overlaps(uint32_t base, uint32_t len)
{
	for (unsigned int i = 0; i < 3; i++)
		if (overlaps(base, len, mb.boot_data[i].base, mb.boot_data[i].len))
			return true;
	return false;
}
