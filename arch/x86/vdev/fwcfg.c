// SPDX-License-Identifier: MIT
/*
 * QEMU's fw_cfg device, port I/O interface (arch/x86/vdev/fwcfg.h).
 * Environment: pure (hosted tests too); callers serialise.
 *
 * Rules (each one as QEMU's docs/specs/fw_cfg.rst states it):
 * 1. Writing the selector selects the item and sets the offset to 0.
 * 2. A data read returns the byte at the offset and advances it; at or
 *    past the item's end, and for a key with no item, it returns 0.
 * 3. Bit 14 of the selector (the old write channel) and bit 15 (the
 *    architecture-specific keys) are part of the key: such keys have no
 *    item here, so they read 0.
 * 4. Numbers are little-endian except in the file directory, which is
 *    big-endian (count, size, select).
 * 5. DMA (fw_cfg.rst "DMA interface", QEMU's fw_cfg_dma_transfer): the
 *    request is read once into the device; the transfer goes item byte by
 *    item byte into memory the map callback returned for the whole span, so
 *    no guest byte outside the partition is ever touched.
 * Items are not stored: each byte is computed from the VM's numbers, so
 * the device holds no buffer and a read cannot run past anything.
 */
#include "arch/x86/vdev/fwcfg.h"
#include "lib/errno.h"
#include "lib/string.h"

void fwcfg_init(struct fwcfg *f, uint64_t ram_size, uint16_t ncpus)
{
	memset(f, 0, sizeof(*f));
	f->ram_size = ram_size;
	f->ncpus = ncpus;
	f->max_cpus = ncpus;
}

int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, uint64_t size)
{
	size_t n = name ? strnlen(name, FWCFG_NAME_MAX) : 0;

	if (n == 0 || n >= FWCFG_NAME_MAX || (!data && size) || size > UINT32_MAX)
		return -E_INVAL;
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return -E_INVAL;
	for (uint32_t i = 0; i < f->nfiles; i++)
		if (!strcmp(f->files[i].name, name))
			return -E_EXIST;
	if (f->nfiles >= FWCFG_FILES_MAX)
		return -E_FULL;
	struct fwcfg_file *e = &f->files[f->nfiles++];
	memset(e->name, 0, sizeof(e->name));
	memcpy(e->name, name, n);
	e->data = data;
	e->size = (uint32_t)size;
	return 0;
}

void fwcfg_select(struct fwcfg *f, uint16_t val)
{
	f->sel = val;
	f->off = 0;
}

/* Byte i (< n <= 8) of the big-endian n-byte value v. */
static uint8_t be_byte(uint64_t v, uint32_t n, uint32_t i)
{
	return (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Byte off of the directory: be32 count, then 64-byte entries. */
static uint8_t dir_byte(const struct fwcfg *f, uint32_t off)
{
	if (off < 4)
		return be_byte(f->nfiles, 4, off);
	off -= 4;
	uint32_t i = off / FWCFG_DIR_ENTRY, o = off % FWCFG_DIR_ENTRY;
	if (i >= f->nfiles)
		return 0;
	if (o < 4)
		return be_byte(f->files[i].size, 4, o); /* be32 size */
	if (o < 6)
		return be_byte(FWCFG_FILE_FIRST + i, 2, o - 4); /* be16 select */
	if (o < 8)
		return 0; /* be16 reserved */
	return (uint8_t)f->files[i].name[o - 8];
}

/* A number item: its value and length in bytes, or false for other keys. */
static bool number_item(const struct fwcfg *f, uint16_t sel, uint64_t *v, uint32_t *len)
{
	switch (sel) {
	case FWCFG_ID:
		*v = FWCFG_ID_TRADITIONAL | FWCFG_ID_DMA, *len = 4;
		return true;
	case FWCFG_RAM_SIZE:
		*v = f->ram_size, *len = 8;
		return true;
	case FWCFG_NB_CPUS:
		*v = f->ncpus, *len = 2;
		return true;
	case FWCFG_MAX_CPUS:
		*v = f->max_cpus, *len = 2;
		return true;
	}
	return false;
}

/* Byte off of the item with key sel, or false if there is none there. */
static bool item_byte(const struct fwcfg *f, uint16_t sel, uint32_t off, uint8_t *b)
{
	static const char sig[4] = { 'Q', 'E', 'M', 'U' };
	uint64_t v;
	uint32_t len;

	if (sel == FWCFG_SIGNATURE) {
		if (off >= sizeof(sig))
			return false;
		*b = (uint8_t)sig[off];
		return true;
	}
	if (number_item(f, sel, &v, &len)) {
		if (off >= len)
			return false;
		*b = (uint8_t)(v >> (8 * off)); /* rule 4: little-endian */
		return true;
	}
	if (sel == FWCFG_FILE_DIR) {
		if (off >= 4 + f->nfiles * FWCFG_DIR_ENTRY)
			return false;
		*b = dir_byte(f, off);
		return true;
	}
	if (sel >= FWCFG_FILE_FIRST && sel < FWCFG_FILE_FIRST + f->nfiles) {
		const struct fwcfg_file *e = &f->files[sel - FWCFG_FILE_FIRST];
		if (off >= e->size)
			return false;
		*b = e->data[off];
		return true;
	}
	return false;
}

uint8_t fwcfg_read(struct fwcfg *f)
{
	uint8_t b = 0;

	if (!item_byte(f, f->sel, f->off, &b))
		return 0; /* rule 2: past the end the offset stays put */
	f->off++;
	return b;
}

static uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put_be32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* len bytes of the selected item into dst: past its end zeros, offset kept
 * (rule 2). Files are copied whole; the small items byte by byte. */
static void copy_out(struct fwcfg *f, uint8_t *dst, uint32_t len)
{
	uint32_t i = 0;

	if (f->sel >= FWCFG_FILE_FIRST && f->sel < FWCFG_FILE_FIRST + f->nfiles) {
		const struct fwcfg_file *e = &f->files[f->sel - FWCFG_FILE_FIRST];
		if (f->off < e->size) {
			i = e->size - f->off < len ? e->size - f->off : len;
			memcpy(dst, e->data + f->off, i);
			f->off += i;
		}
		memset(dst + i, 0, len - i);
		return;
	}
	for (; i < len; i++)
		dst[i] = fwcfg_read(f);
}

uint32_t fwcfg_dma(struct fwcfg *f, uint64_t gpa, fwcfg_map_fn map, void *ctx)
{
	uint8_t *req = gpa <= UINT64_MAX - 16 ? map(ctx, gpa, 16) : NULL;
	uint32_t control, len;
	uint64_t addr;
	bool read, write;

	if (!req)
		return FWCFG_DMA_ERROR | 0x100;
	control = get_be32(req);
	len = get_be32(req + 4);
	addr = (uint64_t)get_be32(req + 8) << 32 | get_be32(req + 12);
	if (control & FWCFG_DMA_SELECT)
		fwcfg_select(f, (uint16_t)(control >> 16));
	read = control & FWCFG_DMA_READ;
	write = !read && (control & FWCFG_DMA_WRITE);
	if (!(control & (FWCFG_DMA_READ | FWCFG_DMA_WRITE | FWCFG_DMA_SKIP)))
		len = 0;
	control = 0;
	if (write && len)
		control = FWCFG_DMA_ERROR; /* no item is writable */
	else if (read && len) {
		uint8_t *dst = addr <= UINT64_MAX - len && len <= FWCFG_DMA_MAX ?
				       map(ctx, addr, len) :
				       NULL;
		if (!dst) {
			control = FWCFG_DMA_ERROR;
		} else {
			copy_out(f, dst, len);
		}
	} else {
		/* SKIP: advance as far as the item goes. */
		for (uint32_t i = 0; i < len; i++) {
			uint32_t before = f->off;
			fwcfg_read(f);
			if (f->off == before)
				break;
		}
	}
	put_be32(req, control);
	return control;
}
