// SPDX-License-Identifier: MIT
/*
 * Multiboot (version 1) guest kernel loader: header search, a.out-kludge
 * layout, placement checks, copying, and the multiboot info block (see
 * core/guest_load.h; the ELF side is core/guest_elf.c).
 * Environment: freestanding hypervisor, any core, interrupts either way; pure
 * code, also built hosted for unit tests.
 *
 * The image is untrusted. Everything is checked first (header, layout,
 * placement of every segment and of the info block) and only then is guest
 * memory written, so a refused image leaves guest memory untouched and no
 * write can ever fall outside mem->base[0, mem->size).
 */
#include "core/guest_load.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

_Static_assert(sizeof(struct mb1_info) == 88, "Multiboot 0.6.96 section 3.3 layout");
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "Multiboot 0.6.96 section 3.3 mmap");
_Static_assert(GUEST_MBI_OFF_MMAP >= sizeof(struct mb1_info), "mmap after the info");
_Static_assert(GUEST_MBI_OFF_LOADER >=
		       GUEST_MBI_OFF_MMAP + GUEST_MBI_MMAP_COUNT * sizeof(struct mb1_mmap_entry),
	       "loader name after the mmap");
_Static_assert(GUEST_MBI_OFF_CMDLINE >= GUEST_MBI_OFF_LOADER + GUEST_LOADER_MAX + 1,
	       "cmdline after the loader name");

/* The multiboot header, Multiboot 0.6.96 section 3.1.1. */
struct mb_header {
	uint32_t off; /* file offset of the magic */
	uint32_t flags;
	/* flag bit 16 only (section 3.1.3 "address fields") */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A size for messages: whole MiB, else whole KiB, else bytes. */
static unsigned long long size_num(uint64_t b)
{
	if (b && IS_ALIGNED(b, MiB(1)))
		return b >> 20;
	return b && IS_ALIGNED(b, KiB(1)) ? b >> 10 : b;
}

static const char *size_unit(uint64_t b)
{
	if (b && IS_ALIGNED(b, MiB(1)))
		return "MiB";
	return b && IS_ALIGNED(b, KiB(1)) ? "KiB" : "bytes";
}

/*
 * Find the first valid header: magic at a 4-byte aligned offset, the whole
 * header inside the first 8 KiB, magic + flags + checksum == 0 (mod 2^32).
 * A magic with a bad checksum may be stray data, so the search goes on and
 * the bad checksum is only reported when no valid header follows.
 */
static int find_header(const struct guest_image *img, const char *name, struct mb_header *h)
{
	uint64_t limit = MIN(img->size, (uint64_t)MB1_SEARCH_BYTES);
	uint32_t bad_off = 0, bad_sum = 0;
	bool bad = false;

	for (uint32_t off = 0; off + 12 <= limit; off += 4) {
		const uint8_t *p = img->data + off;
		uint32_t sum;

		if (rd32(p) != MB1_HEADER_MAGIC)
			continue;
		sum = rd32(p) + rd32(p + 4) + rd32(p + 8);
		if (sum != 0) {
			if (!bad) {
				bad = true;
				bad_off = off;
				bad_sum = sum;
			}
			continue;
		}
		h->off = off;
		h->flags = rd32(p + 4);
		if (!(h->flags & MB1_HF_AOUT))
			return 0;
		if (off + 32 > limit) {
			kprintf("guest: '%s': multiboot header at offset 0x%x is cut short (its "
				"address fields pass the end of the first 8 KiB or of the file)\n",
				name, off);
			return -E_INVAL;
		}
		h->header_addr = rd32(p + 12);
		h->load_addr = rd32(p + 16);
		h->load_end_addr = rd32(p + 20);
		h->bss_end_addr = rd32(p + 24);
		h->entry_addr = rd32(p + 28);
		return 0;
	}
	if (bad) {
		kprintf("guest: '%s': multiboot header at offset 0x%x has a bad checksum "
			"(magic + flags + checksum = 0x%x, not 0)\n",
			name, bad_off, bad_sum);
		return -E_CHECKSUM;
	}
	kprintf("guest: '%s' is not a multiboot kernel (no header in the first 8 KiB)\n", name);
	return -E_INVAL;
}

/* Bits 0-15 are requirements (section 3.1.2): refuse what we cannot honour.
 * Bit 0 (page-aligned modules) always holds (core/guest_mods.c rule 1); bit 1
 * (memory information) is always given. */
static int check_flags(const char *name, uint32_t flags)
{
	uint32_t unknown = flags & 0xffffu & ~(MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO | MB1_HF_VIDEO);

	if (flags & MB1_HF_VIDEO) {
		kprintf("guest: '%s' requires a video mode (multiboot flag bit 2), which Cypress "
			"does not set up\n",
			name);
		return -E_NOTSUP;
	}
	if (unknown) {
		kprintf("guest: '%s' requires unknown multiboot feature bit %d (flags 0x%x)\n",
			name, __builtin_ctz(unknown), flags);
		return -E_NOTSUP;
	}
	return 0;
}

/* Section 3.1.3: the address fields say where the file goes. The file offset
 * of load_addr is the header's offset minus (header_addr - load_addr). All
 * arithmetic is in 64 bits on 32-bit fields, so nothing wraps. */
static int aout_layout(const struct guest_image *img, const char *name, const struct mb_header *h,
		       struct guest_layout *lay)
{
	uint64_t back, file_off, load_end, mem_end;

	if (h->load_addr > h->header_addr) {
		kprintf("guest: '%s': a.out kludge: load_addr 0x%x is above header_addr 0x%x\n",
			name, h->load_addr, h->header_addr);
		return -E_INVAL;
	}
	back = (uint64_t)h->header_addr - h->load_addr;
	if (back > h->off) {
		kprintf("guest: '%s': a.out kludge: header_addr - load_addr = 0x%llx is more than "
			"the header's file offset 0x%x\n",
			name, (unsigned long long)back, h->off);
		return -E_INVAL;
	}
	file_off = h->off - back;
	if (h->load_end_addr == 0) {
		load_end = h->load_addr + (img->size - file_off); /* to the end of the file */
	} else if (h->load_end_addr < h->load_addr) {
		kprintf("guest: '%s': a.out kludge: load_end_addr 0x%x is below load_addr 0x%x\n",
			name, h->load_end_addr, h->load_addr);
		return -E_INVAL;
	} else {
		load_end = h->load_end_addr;
	}
	if (load_end - h->load_addr > img->size - file_off) {
		kprintf("guest: '%s': a.out kludge: 0x%llx bytes from file offset 0x%llx run past "
			"the end of the file (%llu bytes)\n",
			name, (unsigned long long)(load_end - h->load_addr),
			(unsigned long long)file_off, (unsigned long long)img->size);
		return -E_INVAL;
	}
	mem_end = load_end;
	if (h->bss_end_addr != 0) {
		if (h->bss_end_addr < load_end) {
			kprintf("guest: '%s': a.out kludge: bss_end_addr 0x%x is below the load "
				"end 0x%llx\n",
				name, h->bss_end_addr, (unsigned long long)load_end);
			return -E_INVAL;
		}
		mem_end = h->bss_end_addr;
	}
	if (h->entry_addr < h->load_addr || h->entry_addr >= load_end) {
		kprintf("guest: '%s': a.out kludge: entry_addr 0x%x is outside the loaded bytes "
			"0x%x-0x%llx\n",
			name, h->entry_addr, h->load_addr, (unsigned long long)load_end);
		return -E_INVAL;
	}
	lay->kind = GUEST_AOUT;
	lay->entry = h->entry_addr;
	lay->nslots = 1;
	lay->aout.file_off = file_off;
	lay->aout.file_size = load_end - h->load_addr;
	lay->aout.paddr = h->load_addr;
	lay->aout.mem_size = mem_end - h->load_addr;
	return 0;
}

/* Every segment inside [0x1000, mem->size), below 4 GiB; records the span.
 * The legacy hole is guest RAM like any other (QEMU's -kernel loads there
 * as well), so it is allowed; the info block is placed clear of the image. Segment ends cannot wrap (checked by the parsers). */
static int check_placement(const struct guest_image *img, const char *name,
			   const struct guest_layout *lay, const struct guest_mem *mem,
			   struct guest_boot *out)
{
	uint64_t total = 0, lo = UINT64_MAX, hi = 0;
	struct guest_seg s;

	for (uint32_t i = 0; i < lay->nslots; i++)
		if (guest_layout_seg(img, lay, i, &s) &&
		    __builtin_add_overflow(total, s.mem_size, &total))
			total = UINT64_MAX;
	if (total > mem->size) {
		kprintf("guest: '%s': image needs %llu %s but the partition has only %llu %s\n",
			name, size_num(total), size_unit(total), size_num(mem->size),
			size_unit(mem->size));
		return -E_RANGE;
	}
	for (uint32_t i = 0; i < lay->nslots; i++) {
		uint64_t end;
		const char *why = NULL;

		if (!guest_layout_seg(img, lay, i, &s))
			continue;
		end = s.paddr + s.mem_size;
		if (s.paddr >= GUEST_LOW_RESERVED && end > mem->size) {
			kprintf("guest: '%s': segment at 0x%llx-0x%llx falls outside the "
				"partition's %llu %s\n",
				name, (unsigned long long)s.paddr, (unsigned long long)(end - 1),
				size_num(mem->size), size_unit(mem->size));
			return -E_RANGE;
		}
		if (s.paddr < GUEST_LOW_RESERVED)
			why = "starts in the first page (0x0-0xFFF), which stays free";
		else if (end > UINT32_MAX)
			why = "ends above 4 GiB, out of reach of 32-bit code";
		if (why) {
			kprintf("guest: '%s': segment at 0x%llx-0x%llx %s\n", name,
				(unsigned long long)s.paddr, (unsigned long long)(end - 1), why);
			return -E_RANGE;
		}
		lo = MIN(lo, s.paddr);
		hi = MAX(hi, end);
	}
	out->load_start = (uint32_t)lo;
	out->load_end = (uint32_t)hi;
	return 0;
}

/*
 * vCPU 0 starts at the entry point as a physical address (Multiboot 0.6.96
 * section 3.2). Outside the file bytes of every segment it would run zeros,
 * or the info block written below, so the image is refused instead. Runs
 * after check_placement(), whose messages say more about a misplaced image.
 */
static int check_entry(const struct guest_image *img, const char *name,
		       const struct guest_layout *lay)
{
	struct guest_seg s;

	for (uint32_t i = 0; i < lay->nslots; i++)
		if (guest_layout_seg(img, lay, i, &s) && lay->entry >= s.paddr &&
		    lay->entry - s.paddr < s.file_size)
			return 0;
	kprintf("guest: '%s': entry point 0x%x is not in the file bytes of any loaded segment\n",
		name, lay->entry);
	return -E_INVAL;
}

/* True if [start, start + len) lies in the info area and misses every segment. */
static bool info_fits(const struct guest_image *img, const struct guest_layout *lay, uint64_t start,
		      uint64_t len)
{
	struct guest_seg s;

	if (start < GUEST_MBI_AREA_START || start + len > GUEST_MBI_AREA_END)
		return false;
	for (uint32_t i = 0; i < lay->nslots; i++)
		if (guest_layout_seg(img, lay, i, &s) && s.paddr < start + len &&
		    s.paddr + s.mem_size > start)
			return false;
	return true;
}

/* Choose the info block address: 0x9000, else 0x8000, else the first page
 * after some segment, whichever first misses the whole image. */
static int place_info(const struct guest_image *img, const char *name,
		      const struct guest_layout *lay, uint32_t len, uint32_t *at)
{
	struct guest_seg s;

	if (info_fits(img, lay, GUEST_MBI_PREFERRED, len)) {
		*at = GUEST_MBI_PREFERRED;
		return 0;
	}
	if (info_fits(img, lay, GUEST_MBI_AREA_START, len)) {
		*at = GUEST_MBI_AREA_START;
		return 0;
	}
	for (uint32_t i = 0; i < lay->nslots; i++) {
		uint64_t cand;

		if (!guest_layout_seg(img, lay, i, &s))
			continue;
		cand = ALIGN_UP(s.paddr + s.mem_size, (uint64_t)PAGE_SIZE);
		if (info_fits(img, lay, cand, len)) {
			*at = (uint32_t)cand;
			return 0;
		}
	}
	kprintf("guest: '%s': no room for the %u-byte multiboot info in 0x%x-0x%x beside the "
		"image\n",
		name, len, GUEST_MBI_AREA_START, GUEST_MBI_AREA_END - 1);
	return -E_RANGE;
}

static void put_mmap(uint8_t *p, uint64_t base, uint64_t len, uint32_t type)
{
	struct mb1_mmap_entry e = {
		.size = sizeof(e) - sizeof(e.size), .base_addr = base, .length = len, .type = type
	};

	memcpy(p, &e, sizeof(e));
}

/* Offset of the module list in the info block: after the command line's NUL. */
static uint32_t mods_off(size_t cmdlen)
{
	return (uint32_t)ALIGN_UP(GUEST_MBI_OFF_CMDLINE + cmdlen + 1, GUEST_MBI_MODS_ALIGN);
}

/* Section 3.3: info structure, memory map, loader name and command line. */
static void write_info(struct guest_mem *mem, uint32_t at, const char *cmdline, size_t cmdlen,
		       const char *loader, size_t loaderlen, const struct guest_mods *mods,
		       const struct guest_mods_plan *mp)
{
	uint8_t *b = mem->base + at;
	uint64_t upper = (mem->size - MiB(1)) / KiB(1);
	struct mb1_info mi;

	memset(&mi, 0, sizeof(mi));
	/* MODS even without modules (mods_count 0), as QEMU's -kernel gives it. */
	mi.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
		   MB1_INFO_LOADER;
	mi.mem_lower = 0x9FC00 / 1024; /* 639 KiB: the EBDA page above is reserved */
	mi.mem_upper = upper > UINT32_MAX ? UINT32_MAX : (uint32_t)upper;
	mi.cmdline = at + GUEST_MBI_OFF_CMDLINE;
	mi.mmap_length = GUEST_MBI_MMAP_COUNT * sizeof(struct mb1_mmap_entry);
	mi.mmap_addr = at + GUEST_MBI_OFF_MMAP;
	mi.boot_loader_name = at + GUEST_MBI_OFF_LOADER;
	mi.mods_count = mp->count;
	mi.mods_addr = guest_mods_write(mem, mods, mp, at, mods_off(cmdlen));
	memcpy(b, &mi, sizeof(mi));

	/* A PC-like map: low RAM, EBDA and BIOS ROM reserved, RAM from 1 MiB. */
	put_mmap(b + GUEST_MBI_OFF_MMAP, 0, 0x9FC00, 1);
	put_mmap(b + GUEST_MBI_OFF_MMAP + 24, 0x9FC00, 0xA0000 - 0x9FC00, 2);
	put_mmap(b + GUEST_MBI_OFF_MMAP + 48, 0xF0000, 0x100000 - 0xF0000, 2);
	put_mmap(b + GUEST_MBI_OFF_MMAP + 72, 0x100000, mem->size - 0x100000, 1);

	memcpy(b + GUEST_MBI_OFF_LOADER, loader, loaderlen);
	b[GUEST_MBI_OFF_LOADER + loaderlen] = 0;
	memcpy(b + GUEST_MBI_OFF_CMDLINE, cmdline, cmdlen);
	b[GUEST_MBI_OFF_CMDLINE + cmdlen] = 0;
}

static const char *const kind_names[] = {
	[GUEST_AOUT] = "a.out kludge", [GUEST_ELF32] = "ELF32", [GUEST_ELF64] = "ELF64"
};

/* Everything guest_load() decides before it writes: layout, header, info address. */
struct guest_plan {
	struct guest_layout lay;
	struct mb_header h;
	size_t cmdlen, loaderlen;
	uint32_t at;
	struct guest_mods_plan mods;
};

/* Bytes of the info block: up to the cmdline's NUL, or the last module string's. */
static uint32_t info_len(const struct guest_plan *pl)
{
	if (!pl->mods.count)
		return (uint32_t)(GUEST_MBI_OFF_CMDLINE + pl->cmdlen + 1);
	return mods_off(pl->cmdlen) + pl->mods.info_len;
}

static int plan_load(const struct guest_image *img, const char *name, const struct guest_mem *mem,
		     const char *cmdline, const char *loader_name, const struct guest_mods *mods,
		     struct guest_plan *pl, struct guest_boot *out)
{
	int err;

	if (mods && mods->initrd) {
		kprintf("guest: '%s': `initrd =` is for Linux kernels; a multiboot kernel takes "
			"`module =` lines\n",
			name);
		return -E_INVAL;
	}
	if (mem->size < GUEST_MIN_MEM) {
		kprintf("guest: '%s': partition memory is %llu %s, less than the 2 MiB minimum\n",
			name, size_num(mem->size), size_unit(mem->size));
		return -E_RANGE;
	}
	pl->cmdlen = strnlen(cmdline, GUEST_CMDLINE_MAX + 1);
	pl->loaderlen = strnlen(loader_name, GUEST_LOADER_MAX + 1);
	if (pl->cmdlen > GUEST_CMDLINE_MAX || pl->loaderlen > GUEST_LOADER_MAX) {
		kprintf("guest: '%s': %s is longer than the %u bytes allowed\n", name,
			pl->cmdlen > GUEST_CMDLINE_MAX ? "command line" : "boot loader name",
			pl->cmdlen > GUEST_CMDLINE_MAX ? GUEST_CMDLINE_MAX : GUEST_LOADER_MAX);
		return -E_RANGE;
	}
	memset(&pl->lay, 0, sizeof(pl->lay));
	memset(&pl->h, 0, sizeof(pl->h));
	err = find_header(img, name, &pl->h);
	if (!err)
		err = check_flags(name, pl->h.flags);
	if (!err)
		err = pl->h.flags & MB1_HF_AOUT ? aout_layout(img, name, &pl->h, &pl->lay) :
						  guest_elf_parse(img, name, &pl->lay);
	if (!err)
		err = check_placement(img, name, &pl->lay, mem, out);
	if (!err)
		err = check_entry(img, name, &pl->lay);
	if (!err)
		err = guest_mods_plan(mods, name, out->load_end, mem->size, &pl->mods);
	if (!err)
		err = place_info(img, name, &pl->lay, info_len(pl), &pl->at);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

int guest_check(const struct guest_image *img, uint64_t mem_size, const char *cmdline,
		const struct guest_mods *mods)
{
	struct guest_mem mem = { NULL, mem_size };
	struct guest_boot out;
	struct guest_plan pl;

	if (!img || (!img->data && img->size)) {
		kprintf("guest: guest_check called with a NULL image\n");
		return -E_INVAL;
	}
	if (guest_is_linux(img))
		return guest_linux_check(img, mem_size, cmdline, mods);
	return plan_load(img, img->name ? img->name : "guest", &mem, cmdline ? cmdline : "",
			 "Cypress", mods, &pl, &out);
}

int guest_load(const struct guest_image *img, struct guest_mem *mem, const char *cmdline,
	       const char *loader_name, const struct guest_mods *mods, struct guest_boot *out)
{
	const char *name = img && img->name ? img->name : "guest";
	struct guest_plan pl;
	struct guest_seg s;
	int err;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!img || !mem || !out || !mem->base || (!img->data && img->size)) {
		kprintf("guest: guest_load called with a NULL image, memory or result\n");
		return -E_INVAL;
	}
	if (guest_is_linux(img))
		return guest_linux_load(img, mem, cmdline, mods, out);
	cmdline = cmdline ? cmdline : "";
	loader_name = loader_name ? loader_name : "Cypress";
	err = plan_load(img, name, mem, cmdline, loader_name, mods, &pl, out);
	if (err)
		return err;

	/* Everything checked: now, and only now, write guest memory. */
	for (uint32_t i = 0; i < pl.lay.nslots; i++) {
		if (!guest_layout_seg(img, &pl.lay, i, &s))
			continue;
		memcpy(mem->base + s.paddr, img->data + s.file_off, (size_t)s.file_size);
		memset(mem->base + s.paddr + s.file_size, 0, (size_t)(s.mem_size - s.file_size));
	}
	write_info(mem, pl.at, cmdline, pl.cmdlen, loader_name, pl.loaderlen, mods, &pl.mods);

	out->entry = pl.lay.entry;
	out->mbi = pl.at;
	out->mb_flags = pl.h.flags;
	out->elf64 = pl.lay.kind == GUEST_ELF64;
	out->mods_start = pl.mods.start;
	out->mods_end = pl.mods.end;
	kprintf("guest: '%s' loaded: %s, 0x%x-0x%x, entry 0x%x, mbi 0x%x\n", name,
		kind_names[pl.lay.kind], out->load_start, out->load_end, out->entry, out->mbi);
	if (pl.mods.count)
		kprintf("guest: '%s': %u boot module%s at 0x%x-0x%x\n", name, pl.mods.count,
			pl.mods.count == 1 ? "" : "s", out->mods_start, out->mods_end);
	return 0;
}
