// SPDX-License-Identifier: MIT
/*
 * Fuzz harness for the guest kernel loader (multiboot v1: ELF32, ELF64 and
 * the a.out kludge; Linux bzImage, core/guest_linux.c): guest_load() of the
 * input image into a fixed-size fake
 * guest memory, then checks that nothing was written where core/guest_load.h
 * says it may not be.
 * Environment: hosted fuzz harness (clang -fsanitize=fuzzer,address,undefined).
 *
 * Input: byte 0 picks the partition size (bits 0-1), the command line
 * (bits 2-3), whether a boot loader name is given (bit 4) and the boot
 * modules (bits 5-6: none, one, three, sixteen); bit 7 set makes the
 * partition LINUX_MEM bytes (big enough for a Linux kernel) and adds an
 * initrd. The rest is the kernel image.
 *
 * How stray writes are caught: guest memory sits inside a 4 GiB + 16 MiB
 * PROT_NONE reservation and only the partition's own bytes are made
 * writable for the run (every segment the loader accepts ends below 4 GiB,
 * so any write past the partition faults), and the partition itself is
 * filled with FILL before each run. Afterwards every byte must still be FILL
 * except inside a loaded segment, a module or the info block (with the
 * module list and strings; for Linux: the zero page, the command line, the
 * kernel's code and the initrd); a refused image must
 * leave all of it FILL. FILL is not zero so that zeros written where they
 * should not be (bss in the wrong place) show up too.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "core/guest_load.h"
#include "lib/errno.h"
#include "tests/fuzz/fuzz.h"

#define FILL	  0xA5
#define MEM_MAX	  MiB(20)
#define LINUX_MEM MiB(20)
#define GUARD	  MiB(8)
#define RESERVE	  (GUARD + GiB(4) + GUARD)
#define CHUNK	  65536
#define LONG_LINE 4000 /* just under GUEST_CMDLINE_MAX */

static uint8_t *guest; /* guest-physical 0; MEM_MAX bytes read-write */
static uint8_t mod_bytes[MiB(1) + 1];
static const struct guest_module mod_set[16] = {
	{ mod_bytes, 100, "first.txt a b" },
	{ NULL, 0, "empty.env env" },
	{ mod_bytes, MiB(1) + 1, "big.img" },
	{ mod_bytes, 1, "m3" },
	{ mod_bytes, 4096, "m4" },
	{ mod_bytes, 1, "m5" },
	{ mod_bytes, 1, "m6" },
	{ mod_bytes, 1, "m7" },
	{ mod_bytes, 1, "m8" },
	{ mod_bytes, 1, "m9" },
	{ mod_bytes, 1, "m10" },
	{ mod_bytes, 1, "m11" },
	{ mod_bytes, 1, "m12" },
	{ mod_bytes, 1, "m13" },
	{ mod_bytes, 1, "m14" },
	{ mod_bytes, 1, "m15" },
};
static const struct guest_module initrd_mod = { mod_bytes, 100000, "initrd" };
static uint8_t fill_chunk[CHUNK];
static char long_cmdline[LONG_LINE + 1];

static void setup(void)
{
	uint8_t *res =
		mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	FUZZ_CHECK(res != MAP_FAILED);
	guest = res + GUARD;
	FUZZ_CHECK(mprotect(guest, MEM_MAX, PROT_READ | PROT_WRITE) == 0);
	memset(guest, FILL, MEM_MAX);
	memset(fill_chunk, FILL, sizeof(fill_chunk));
	memset(long_cmdline, 'c', LONG_LINE);
	for (size_t i = 0; i < sizeof(mod_bytes); i++)
		mod_bytes[i] = (uint8_t)(i * 13 + 7);
}

/*
 * The modules (core/guest_mods.c rules 1-2): in order, page aligned, from
 * max(load_end, 1 MiB), inside the partition, bytes and strings as given.
 * Restores FILL over them. Returns the end of the list and strings.
 */
static uint64_t check_mods(const struct mb1_info *mi, const struct guest_mods *mods,
			   uint64_t mem_size, const struct guest_boot *b)
{
	uint64_t at = ALIGN_UP(MAX((uint64_t)b->load_end, (uint64_t)GUEST_HOLE_END), PAGE_SIZE);
	uint64_t str_end = (uint64_t)mi->mods_addr + mods->count * sizeof(struct mb1_module);

	FUZZ_CHECK(mi->flags & MB1_INFO_MODS);
	FUZZ_CHECK(mi->mods_count == mods->count);
	FUZZ_CHECK(mi->mods_addr % GUEST_MBI_MODS_ALIGN == 0 && mi->mods_addr > b->mbi);
	for (uint32_t i = 0; i < mods->count; i++) {
		struct mb1_module e;
		size_t len = strlen(mods->mod[i].string);

		memcpy(&e, guest + mi->mods_addr + i * sizeof(e), sizeof(e));
		FUZZ_CHECK(e.mod_start == at && e.mod_end - e.mod_start == mods->mod[i].size);
		FUZZ_CHECK(e.mod_end <= mem_size && e.reserved == 0);
		FUZZ_CHECK(memcmp(guest + e.mod_start, mod_bytes, mods->mod[i].size) == 0);
		FUZZ_CHECK(e.string == str_end);
		FUZZ_CHECK(memcmp(guest + e.string, mods->mod[i].string, len + 1) == 0);
		str_end += len + 1;
		memset(guest + e.mod_start, FILL, mods->mod[i].size);
		at = ALIGN_UP((uint64_t)e.mod_end, PAGE_SIZE);
	}
	return mods->count ? str_end : 0;
}

/* First offset in [0, size) whose byte is not FILL, or size. */
static uint64_t first_unfilled(uint64_t size)
{
	for (uint64_t off = 0; off < size; off += CHUNK) {
		uint64_t n = size - off < CHUNK ? size - off : CHUNK;

		if (memcmp(guest + off, fill_chunk, n) == 0)
			continue;
		for (uint64_t i = 0; i < n; i++)
			if (guest[off + i] != FILL)
				return off + i;
	}
	return size;
}

/* A segment the loader accepted: inside the partition, clear of the first page. */
static void check_segment(const struct guest_seg *s, uint64_t mem_size, const struct guest_boot *b)
{
	uint64_t end = s->paddr + s->mem_size;

	FUZZ_CHECK(s->mem_size != 0 && end > s->paddr && s->file_size <= s->mem_size);
	/* The legacy hole is guest RAM a segment may use (core/guest_load.h). */
	FUZZ_CHECK(s->paddr >= GUEST_LOW_RESERVED && end <= mem_size && end <= UINT32_MAX);
	FUZZ_CHECK(s->paddr >= b->load_start && end <= b->load_end);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* After a Linux load: the code at its load address, the zero page, the
 * command line and the initrd where boot.rst says. Restores FILL. */
static void check_linux(const struct guest_image *img, uint64_t mem_size, const char *cmdline,
			const struct guest_mods *mods, const struct guest_boot *b)
{
	const uint8_t *zp = guest + LX_ZERO_PAGE;
	size_t cmdlen = strlen(cmdline ? cmdline : "");
	uint32_t sects = img->data[0x1f1] ? img->data[0x1f1] : 4;
	uint64_t code = img->size - (sects + 1) * 512;
	uint32_t rd = rd32(zp + 0x218), rdsize = rd32(zp + 0x21c);

	FUZZ_CHECK(b->zero_page == LX_ZERO_PAGE && b->mbi == 0);
	FUZZ_CHECK(b->entry == b->load_start && b->load_start >= GUEST_HOLE_END);
	FUZZ_CHECK(b->load_end <= mem_size && b->load_start + code <= b->load_end);
	FUZZ_CHECK(memcmp(guest + b->load_start, img->data + (sects + 1) * 512, code) == 0);
	FUZZ_CHECK(rd32(zp + 0x214) == b->load_start && rd32(zp + 0x228) == LX_CMDLINE);
	FUZZ_CHECK(memcmp(guest + LX_CMDLINE, cmdline ? cmdline : "", cmdlen + 1) == 0);
	FUZZ_CHECK(zp[0x210] == 0xff && zp[0x1e8] == 3);
	if (mods->initrd) {
		FUZZ_CHECK(rdsize == mods->initrd->size && rd % PAGE_SIZE == 0);
		FUZZ_CHECK(rd >= b->load_end && (uint64_t)rd + rdsize <= mem_size);
		FUZZ_CHECK(memcmp(guest + rd, mods->initrd->data, rdsize) == 0);
		memset(guest + rd, FILL, rdsize);
	} else {
		FUZZ_CHECK(rd == 0 && rdsize == 0);
	}
	memset(guest + b->load_start, FILL, code);
	memset(guest + LX_ZERO_PAGE, FILL, PAGE_SIZE);
	memset(guest + LX_CMDLINE, FILL, cmdlen + 1);
}

/* After a successful load: the segments, the entry point and the info block. */
static void check_loaded(const struct guest_image *img, uint64_t mem_size, const char *cmdline,
			 const struct guest_mods *mods, const struct guest_boot *b)
{
	size_t cmdlen = strlen(cmdline ? cmdline : "");
	uint64_t info_end = (uint64_t)b->mbi + GUEST_MBI_OFF_CMDLINE + cmdlen + 1, mods_end;
	struct guest_layout lay;
	struct guest_seg s;
	bool entry_in_seg = false;
	struct mb1_info mi;

	FUZZ_CHECK(b->load_start >= GUEST_LOW_RESERVED && b->load_start < b->load_end &&
		   b->load_end <= mem_size);
	FUZZ_CHECK(b->mbi >= GUEST_MBI_AREA_START && info_end <= GUEST_MBI_AREA_END);
	memcpy(&mi, guest + b->mbi, sizeof(mi));
	FUZZ_CHECK(mi.cmdline == b->mbi + GUEST_MBI_OFF_CMDLINE);
	FUZZ_CHECK(memcmp(guest + mi.cmdline, cmdline ? cmdline : "", cmdlen + 1) == 0);
	mods_end = check_mods(&mi, mods, mem_size, b); /* once: it restores FILL */
	info_end = MAX(info_end, mods_end);
	FUZZ_CHECK(info_end <= GUEST_MBI_AREA_END);

	if (b->mb_flags & MB1_HF_AOUT) {
		/* One segment: the span itself; the entry lies in its file bytes. */
		memset(&s, 0, sizeof(s));
		s.paddr = b->load_start;
		s.mem_size = b->load_end - b->load_start;
		check_segment(&s, mem_size, b);
		FUZZ_CHECK(b->entry >= b->load_start && b->entry < b->load_end);
		entry_in_seg = true;
		FUZZ_CHECK(b->mbi >= b->load_end || info_end <= b->load_start);
	} else {
		memset(&lay, 0, sizeof(lay));
		FUZZ_CHECK(guest_elf_parse(img, "fuzz", &lay) == 0);
		FUZZ_CHECK((lay.kind == GUEST_ELF64) == b->elf64 && lay.entry == b->entry);
		for (uint32_t i = 0; i < lay.nslots; i++) {
			if (!guest_layout_seg(img, &lay, i, &s))
				continue;
			check_segment(&s, mem_size, b);
			FUZZ_CHECK(s.paddr >= info_end || s.paddr + s.mem_size <= b->mbi);
			entry_in_seg |= b->entry >= s.paddr && b->entry < s.paddr + s.mem_size;
			/* Restore FILL so the check below sees only stray writes. */
			memset(guest + s.paddr, FILL, (size_t)s.mem_size);
		}
	}
	FUZZ_CHECK(entry_in_seg);
	memset(guest + b->load_start, FILL, b->load_end - b->load_start);
	memset(guest + b->mbi, FILL, (size_t)(info_end - b->mbi));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[4] = { MiB(2), MiB(2) + PAGE_SIZE, MEM_MAX, MiB(1) };
	const char *cmdlines[4] = { NULL, "", "console=ttyS0 quiet", long_cmdline };
	static const uint32_t nmods[4] = { 0, 1, 3, 16 };
	struct guest_mods mods;
	struct guest_image img;
	struct guest_mem mem;
	struct guest_boot boot;
	const char *cmdline;
	uint8_t *copy;
	uint64_t bad;
	int rc;

	if (!guest)
		setup();
	if (size < 1)
		return 0;
	mem.base = guest;
	mem.size = data[0] & 0x80 ? LINUX_MEM : sizes[data[0] & 3];
	cmdline = cmdlines[(data[0] >> 2) & 3];
	mods = (struct guest_mods){ mod_set, nmods[(data[0] >> 5) & 3],
				    data[0] & 0x80 ? &initrd_mod : NULL };
	/* An exact-size copy of the image, so ASan sees any read past its end. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	img.data = copy;
	img.size = size - 1;
	img.name = "fuzz";

	if (mem.size < MEM_MAX)
		FUZZ_CHECK(mprotect(guest + mem.size, MEM_MAX - mem.size, PROT_NONE) == 0);
	rc = guest_load(&img, &mem, cmdline, (data[0] & 0x10) ? "fuzz loader" : NULL, &mods, &boot);
	if (mem.size < MEM_MAX)
		FUZZ_CHECK(mprotect(guest + mem.size, MEM_MAX - mem.size, PROT_READ | PROT_WRITE) ==
			   0);
	/* The dry run that refuses partitions before they get cores agrees. */
	FUZZ_CHECK(guest_check(&img, mem.size, cmdline, &mods) == rc);
	if (rc == 0 && boot.is_linux) {
		check_linux(&img, mem.size, cmdline, &mods, &boot);
	} else if (rc == 0) {
		FUZZ_CHECK(!guest_is_linux(&img) && !mods.initrd);
		check_loaded(&img, mem.size, cmdline, &mods, &boot);
	} else {
		FUZZ_CHECK(rc == -E_INVAL || rc == -E_CHECKSUM || rc == -E_NOTSUP ||
			   rc == -E_RANGE);
		FUZZ_CHECK(boot.entry == 0 && boot.mbi == 0 && boot.load_end == 0 &&
			   !boot.is_linux);
	}
	/* Nothing else changed: refused images write nothing at all. */
	bad = first_unfilled(mem.size);
	if (bad != mem.size)
		fprintf(stderr, "guest byte 0x%llx changed (rc %d)\n", (unsigned long long)bad, rc);
	FUZZ_CHECK(bad == mem.size);
	free(copy);
	return 0;
}
