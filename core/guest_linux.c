// SPDX-License-Identifier: MIT
/*
 * Linux kernel loader: a bzImage booted through the Linux x86 32-bit boot
 * protocol (core/guest_load.h, docs/guest-abi.md "Linux guests").
 * Environment: freestanding hypervisor, cpu 0 while creating a partition;
 * pure code (no hardware access), also built hosted for unit tests.
 *
 * Why the 32-bit protocol: a bzImage as Debian ships it carries no ELF note
 * for PVH (only the uncompressed vmlinux has one), and the 16-bit entry needs
 * BIOS services Cypress does not offer. The 32-bit entry wants exactly the
 * state a multiboot kernel gets: flat protected mode, paging off. The
 * kernel then decompresses itself and switches to long mode on its own.
 *
 * Source: Documentation/arch/x86/boot.rst of the Linux tree ("THE REAL-MODE
 * KERNEL HEADER", "LOADING THE REST OF THE KERNEL", "32-bit BOOT PROTOCOL")
 * and zero-page.rst for the struct boot_params offsets below.
 *
 * Guest memory layout (guest-physical):
 *   [0x7000, 0x8000)     the zero page (struct boot_params)
 *   [0x20000, +cmdline)  the command line, NUL-terminated
 *   [load, load+init)    the protected-mode kernel: pref_address when the
 *                        kernel is relocatable and it fits, else 1 MiB
 *   [.., top)            the initrd, page aligned, as high as the kernel's
 *                        initrd_addr_max and the partition's memory allow
 */
#include "core/guest_load.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

/* struct boot_params (zero-page.rst) and its setup_header at 0x1F1 (boot.rst). */
#define BP_ACPI_RSDP	  0x070u /* u64, protocol 2.14 */
#define BP_E820_ENTRIES	  0x1E8u /* u8 */
#define BP_SETUP_SECTS	  0x1F1u /* u8; 0 means 4 */
#define BP_BOOT_FLAG	  0x1FEu /* u16 0xAA55 */
#define BP_JUMP		  0x200u /* u16: its second byte ends the header */
#define BP_HEADER	  0x202u /* "HdrS" */
#define BP_VERSION	  0x206u /* u16 */
#define BP_TYPE_OF_LOADER 0x210u /* u8 */
#define BP_LOADFLAGS	  0x211u /* u8 */
#define BP_CODE32_START	  0x214u /* u32 */
#define BP_RAMDISK_IMAGE  0x218u /* u32 */
#define BP_RAMDISK_SIZE	  0x21Cu /* u32 */
#define BP_CMD_LINE_PTR	  0x228u /* u32 */
#define BP_INITRD_MAX	  0x22Cu /* u32: highest address an initrd byte may have */
#define BP_KERNEL_ALIGN	  0x230u /* u32 */
#define BP_RELOCATABLE	  0x234u /* u8 */
#define BP_XLOADFLAGS	  0x236u /* u16 */
#define BP_CMDLINE_SIZE	  0x238u /* u32: longest command line, without the NUL */
#define BP_PREF_ADDRESS	  0x258u /* u64 */
#define BP_INIT_SIZE	  0x260u /* u32: bytes the kernel needs from its load address */
#define BP_E820_TABLE	  0x2D0u /* 128 entries of 20 bytes */

#define LX_HDRS		    0x53726448u /* "HdrS" */
#define LX_LOADED_HIGH	    0x01u	/* loadflags: protected-mode code at 1 MiB or above */
#define LX_KEEP_SEGMENTS    0x40u	/* loadflags: obsolete, we clear it */
#define LX_XLF_KERNEL_64    0x0001u	/* xloadflags: has the 64-bit entry */
#define LX_PROTO_MIN	    0x020Cu	/* 2.12: xloadflags, init_size, pref_address */
#define LX_LOADER_UNDEFINED 0xFFu	/* type_of_loader: a boot loader without an ID */
#define E820_RAM	    1u
#define E820_RESERVED	    2u

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

bool guest_is_linux(const struct guest_image *img)
{
	return img && img->data && img->size >= BP_HEADER + 4 &&
	       rd16(img->data + BP_BOOT_FLAG) == 0xAA55 && rd32(img->data + BP_HEADER) == LX_HDRS;
}

/* The load decided from the image's header; every field checked. */
struct lx_plan {
	uint32_t setup_len;	 /* file bytes before the protected-mode code */
	uint32_t hdr_end;	 /* the setup header's end (file offset) */
	uint32_t load, init;	 /* where the protected-mode code goes, what it needs there */
	uint32_t initrd, rdsize; /* 0, 0: none */
	uint32_t cmdlen;
};

static int refuse(const char *name, const char *why, int err)
{
	kprintf("guest: '%s': Linux boot protocol: %s\n", name, why);
	return err;
}

static int plan_header(const struct guest_image *img, const char *name, uint64_t mem_size,
		       struct lx_plan *p)
{
	const uint8_t *d = img->data;

	/* Every field this loader reads, up to init_size (protocol 2.12's
	 * header), must be in the file before any of them is read. */
	if (img->size < BP_INIT_SIZE + 4u)
		return refuse(name, "the file ends inside the setup header", -E_INVAL);
	uint16_t ver = rd16(d + BP_VERSION);
	uint32_t sects = d[BP_SETUP_SECTS] ? d[BP_SETUP_SECTS] : 4u;

	if (ver < LX_PROTO_MIN) {
		kprintf("guest: '%s': Linux boot protocol %u.%02u is older than 2.12, the oldest "
			"Cypress loads\n",
			name, ver >> 8, ver & 0xff);
		return -E_NOTSUP;
	}
	if (!(d[BP_LOADFLAGS] & LX_LOADED_HIGH))
		return refuse(name, "not a bzImage (LOADED_HIGH clear): zImage is not supported",
			      -E_NOTSUP);
	if (!(rd16(d + BP_XLOADFLAGS) & LX_XLF_KERNEL_64))
		return refuse(name, "not a 64-bit kernel (XLF_KERNEL_64 clear)", -E_NOTSUP);
	p->hdr_end = BP_JUMP + 2u + d[BP_JUMP + 1];
	p->setup_len = (sects + 1u) * 512u;
	if (p->hdr_end > p->setup_len || p->setup_len >= img->size || p->hdr_end > 0x1000u)
		return refuse(name, "setup header or setup_sects outside the file", -E_INVAL);
	p->init = rd32(d + BP_INIT_SIZE);
	uint64_t code = img->size - p->setup_len;
	if (p->init < code)
		p->init = (uint32_t)code;

	/* boot.rst: a relocatable kernel runs where it is loaded if that is
	 * kernel_alignment-aligned; pref_address saves it moving itself. */
	uint64_t pref = 0;
	for (int i = 7; i >= 0; i--)
		pref = pref << 8 | d[BP_PREF_ADDRESS + i];
	uint32_t align = rd32(d + BP_KERNEL_ALIGN);
	bool reloc = d[BP_RELOCATABLE] != 0;
	p->load = GUEST_HOLE_END;
	if (reloc && pref >= GUEST_HOLE_END && pref + p->init <= mem_size && pref < UINT32_MAX &&
	    align && (align & (align - 1)) == 0 && (pref & (align - 1)) == 0)
		p->load = (uint32_t)pref;
	if ((uint64_t)p->load + p->init > mem_size) {
		kprintf("guest: '%s': Linux needs %llu MiB from 0x%x (init_size); the partition "
			"has %llu MiB\n",
			name, (unsigned long long)(((uint64_t)p->init + 0xFFFFF) >> 20), p->load,
			(unsigned long long)(mem_size >> 20));
		return -E_RANGE;
	}
	return 0;
}

static int plan_initrd(const struct guest_image *img, const char *name, uint64_t mem_size,
		       const struct guest_module *rd, struct lx_plan *p)
{
	if (!rd || !rd->size)
		return 0;
	if (!rd->data)
		return refuse(name, "initrd without data", -E_INVAL);
	/* boot.rst: every initrd byte at or below initrd_addr_max; as high
	 * as possible, clear of the kernel's init_size. */
	uint64_t top = MIN(mem_size, (uint64_t)rd32(img->data + BP_INITRD_MAX) + 1);
	uint64_t low = (uint64_t)p->load + p->init;
	if (rd->size > top || ALIGN_DOWN(top - rd->size, (uint64_t)PAGE_SIZE) < low) {
		kprintf("guest: '%s': the initrd (%llu KiB) does not fit between the kernel's end "
			"0x%llx and 0x%llx\n",
			name, (unsigned long long)(rd->size >> 10), (unsigned long long)low,
			(unsigned long long)top);
		return -E_RANGE;
	}
	p->initrd = (uint32_t)ALIGN_DOWN(top - rd->size, (uint64_t)PAGE_SIZE);
	p->rdsize = (uint32_t)rd->size;
	return 0;
}

static int plan(const struct guest_image *img, const char *name, uint64_t mem_size,
		const char *cmdline, const struct guest_mods *mods, struct lx_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (mods && mods->count)
		return refuse(name,
			      "`module =` lines are for multiboot kernels: give Linux its "
			      "ramdisk with `initrd =`",
			      -E_INVAL);
	if (mem_size < LX_MEM_MIN) {
		kprintf("guest: '%s': a Linux partition needs at least %u MiB of memory\n", name,
			(unsigned)(LX_MEM_MIN >> 20));
		return -E_RANGE;
	}
	int err = plan_header(img, name, mem_size, p);
	if (err)
		return err;
	size_t len = strlen(cmdline);
	uint32_t max = rd32(img->data + BP_CMDLINE_SIZE);
	if (len > max || len > GUEST_CMDLINE_MAX) {
		kprintf("guest: '%s': command line of %zu bytes; this kernel takes %u at most\n",
			name, len, max);
		return -E_RANGE;
	}
	p->cmdlen = (uint32_t)len;
	return plan_initrd(img, name, mem_size, mods ? mods->initrd : NULL, p);
}

int guest_linux_check(const struct guest_image *img, uint64_t mem_size, const char *cmdline,
		      const struct guest_mods *mods)
{
	struct lx_plan p;

	return plan(img, img->name ? img->name : "guest", mem_size, cmdline ? cmdline : "", mods,
		    &p);
}

static void put_e820(uint8_t *zp, uint32_t i, uint64_t base, uint64_t len, uint32_t type)
{
	uint8_t *e = zp + BP_E820_TABLE + 20u * i;

	wr64(e, base);
	wr64(e + 8, len);
	wr32(e + 16, type);
}

/*
 * The memory map Linux gets (boot.rst: the loader fills e820_table). It
 * matches the multiboot map (core/guest_load.c): RAM below 636 KiB and from
 * 1 MiB, the BIOS area 0xE0000-0xFFFFF reserved because the ACPI tables live
 * there (core/guest_pc.c). 0xA0000-0xDFFFF is left out: no RAM, no device.
 */
static void write_e820(uint8_t *zp, uint64_t mem_size)
{
	put_e820(zp, 0, 0, GUEST_MBI_AREA_END, E820_RAM);
	put_e820(zp, 1, 0xE0000u, GUEST_HOLE_END - 0xE0000u, E820_RESERVED);
	put_e820(zp, 2, GUEST_HOLE_END, mem_size - GUEST_HOLE_END, E820_RAM);
	zp[BP_E820_ENTRIES] = 3;
}

int guest_linux_load(const struct guest_image *img, struct guest_mem *mem, const char *cmdline,
		     const struct guest_mods *mods, struct guest_boot *out)
{
	const char *name = img->name ? img->name : "guest";
	struct lx_plan p;

	memset(out, 0, sizeof(*out));
	cmdline = cmdline ? cmdline : "";
	int err = plan(img, name, mem->size, cmdline, mods, &p);
	if (err)
		return err;

	/* Everything checked: now write guest memory. */
	uint8_t *zp = mem->base + LX_ZERO_PAGE;
	memset(zp, 0, PAGE_SIZE);
	memcpy(zp + BP_SETUP_SECTS, img->data + BP_SETUP_SECTS, p.hdr_end - BP_SETUP_SECTS);
	zp[BP_TYPE_OF_LOADER] = LX_LOADER_UNDEFINED;
	zp[BP_LOADFLAGS] = (uint8_t)(zp[BP_LOADFLAGS] & ~LX_KEEP_SEGMENTS);
	wr32(zp + BP_CODE32_START, p.load);
	wr32(zp + BP_CMD_LINE_PTR, LX_CMDLINE);
	wr32(zp + BP_RAMDISK_IMAGE, p.initrd);
	wr32(zp + BP_RAMDISK_SIZE, p.rdsize);
	write_e820(zp, mem->size);
	memcpy(mem->base + LX_CMDLINE, cmdline, p.cmdlen);
	mem->base[LX_CMDLINE + p.cmdlen] = '\0';
	memcpy(mem->base + p.load, img->data + p.setup_len, (size_t)(img->size - p.setup_len));
	if (p.rdsize)
		memcpy(mem->base + p.initrd, mods->initrd->data, p.rdsize);

	out->is_linux = true;
	out->entry = p.load;
	out->zero_page = LX_ZERO_PAGE;
	out->load_start = p.load;
	out->load_end = p.load + p.init;
	out->mods_start = p.initrd;
	out->mods_end = p.initrd + p.rdsize;
	kprintf("guest: '%s' loaded: Linux bzImage (protocol %u.%02u), 0x%x-0x%x, entry 0x%x, "
		"zero page 0x%x, initrd 0x%x-0x%x\n",
		name, img->data[BP_VERSION + 1], img->data[BP_VERSION], out->load_start,
		out->load_end, out->entry, LX_ZERO_PAGE, p.initrd, p.initrd + p.rdsize);
	return 0;
}

void guest_linux_set_rsdp(struct guest_mem *mem, const struct guest_boot *gb, uint64_t rsdp)
{
	if (gb->is_linux)
		wr64(mem->base + gb->zero_page + BP_ACPI_RSDP, rsdp);
}
