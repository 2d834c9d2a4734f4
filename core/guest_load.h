/* SPDX-License-Identifier: MIT */
/*
 * Multiboot (version 1) guest kernel loader: validates a kernel image, copies
 * it into a partition's memory and builds the multiboot information there.
 * Environment: freestanding hypervisor, any core, interrupts either way; pure
 * code (no hardware access), also built hosted for unit tests.
 *
 * Follows the Multiboot Specification 0.6.96: section 3.1 (OS image format,
 * the multiboot header), 3.3 (boot information format). The CPU state of
 * section 3.2 (EAX = 0x2BADB002, EBX = guest_boot.mbi) is the caller's job.
 *
 * Guest memory layout chosen here (guest-physical addresses):
 *   [0, 0x1000)          never written: no image byte may land there
 *   [0x8000, 0x9F000)    the multiboot info block: info structure, memory
 *                        map, boot loader name, command line, module
 *                        list and module strings. Preferred at
 *                        0x9000; if the image overlaps that, the first of
 *                        0x8000 or the page after an image segment that
 *                        fits without overlap is used; none -> refused
 *   [0xA0000, 0x100000)  the PC's legacy hole: reserved in the memory map,
 *                        but guest RAM, so image segments may land there (as
 *                        with QEMU's -kernel, where GNU ld's header segment
 *                        at 0xff000 is common)
 *   [0x100000, size)     usual home of the kernel; the boot modules follow
 *                        it, each on a page boundary, in the order given,
 *                        from the first page at or above 1 MiB past the
 *                        image's highest byte (as QEMU's -initrd does)
 *
 * Every refusal prints exactly one "guest: ..." console line and writes
 * nothing into guest memory: all checks run before the first byte is copied.
 *
 * Limits: command line up to 4095 bytes, boot loader name up to 63, at most
 * 16 modules with strings up to 1023 bytes each, at most 256 ELF program
 * headers, every segment below 4 GiB. Segments that overlap
 * each other are not refused (the later one wins, as with GRUB); the entry
 * point (ELF e_entry, a.out kludge entry_addr) must lie within the bytes
 * loaded from the file.
 */
#ifndef CORE_GUEST_LOAD_H
#define CORE_GUEST_LOAD_H

#include "lib/types.h"

/* Multiboot 0.6.96 section 3.1.1 (header magic) and 3.2 (EAX at entry). */
#define MB1_HEADER_MAGIC     0x1BADB002u
#define MB1_BOOTLOADER_MAGIC 0x2BADB002u
#define MB1_SEARCH_BYTES     8192u /* header lies within the first 8 KiB */

/* Header flags, section 3.1.2: bits 0-15 required, 16-31 optional. */
#define MB1_HF_PAGE_ALIGN 0x00000001u /* page-align modules */
#define MB1_HF_MEMINFO	  0x00000002u /* mem_* fields wanted */
#define MB1_HF_VIDEO	  0x00000004u /* video mode table wanted */
#define MB1_HF_AOUT	  0x00010000u /* address fields valid ("a.out kludge") */

/* Info flags, section 3.3. */
#define MB1_INFO_MEM	 0x00000001u
#define MB1_INFO_CMDLINE 0x00000004u
#define MB1_INFO_MODS	 0x00000008u
#define MB1_INFO_MMAP	 0x00000040u
#define MB1_INFO_LOADER	 0x00000200u

/* Where the info block may go and where it goes when the image allows. */
#define GUEST_MBI_AREA_START 0x8000u
#define GUEST_MBI_AREA_END   0x9F000u
#define GUEST_MBI_PREFERRED  0x9000u
/* Offsets inside the info block (from guest_boot.mbi). */
#define GUEST_MBI_OFF_MMAP    96u
#define GUEST_MBI_OFF_LOADER  192u
#define GUEST_MBI_OFF_CMDLINE 256u
#define GUEST_MBI_MMAP_COUNT  4u
#define GUEST_CMDLINE_MAX     4095u /* bytes, without the NUL */
#define GUEST_LOADER_MAX      63u   /* bytes, without the NUL */
/* The module list follows the command line's NUL, 16-byte aligned; the module
 * strings follow the list, packed (each with its NUL). */
#define GUEST_MBI_MODS_ALIGN 16u
#define GUEST_MODS_MAX	     16u   /* boot modules per guest */
#define GUEST_MODSTR_MAX     1023u /* bytes of one module string, without the NUL */

/* No image byte below this. The legacy hole bounds the memory map's entries. */
#define GUEST_LOW_RESERVED 0x1000u
#define GUEST_HOLE_START   0xA0000u
#define GUEST_HOLE_END	   0x100000u
#define GUEST_MIN_MEM	   MiB(2)
#define GUEST_MAX_PHNUM	   256u /* more ELF program headers are refused */

/* Multiboot information structure, section 3.3 (0.6.96 layout, 88 bytes). */
struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper; /* KiB below 640 KiB / above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
} __packed;

/* One memory map entry, section 3.3; `size` excludes itself (always 20). */
struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base_addr, length;
	uint32_t type; /* 1 = available RAM, 2 = reserved */
} __packed;

/* One module entry, section 3.3 (mods_addr points to mods_count of them). */
struct mb1_module {
	uint32_t mod_start, mod_end; /* guest-physical, end exclusive */
	uint32_t string;	     /* guest address of its NUL-terminated string */
	uint32_t reserved;	     /* 0 */
} __packed;

/* The kernel module as it sits in host memory (read only). */
struct guest_image {
	const uint8_t *data;
	uint64_t size;
	const char *name; /* for messages; NULL prints as "guest" */
};

/* A boot module for the guest, as it sits in host memory (read only). */
struct guest_module {
	const uint8_t *data;
	uint64_t size;
	const char *string; /* its multiboot string: "NAME args", as QEMU gives "file args" */
};

/* The modules of one guest, in the order it sees them; count 0: none. A
 * Linux kernel takes no modules but one initrd (NULL: none); a multiboot
 * kernel takes no initrd. */
struct guest_mods {
	const struct guest_module *mod;
	uint32_t count;
	const struct guest_module *initrd;
};

/* The partition's memory: guest-physical 0 is base[0]. */
struct guest_mem {
	uint8_t *base;
	uint64_t size;
};

/* Result of a successful load. */
struct guest_boot {
	uint32_t entry;		       /* EIP for vCPU 0 */
	uint32_t mbi;		       /* EBX: guest address of struct mb1_info */
	uint32_t load_start, load_end; /* span of all segments incl. bss, end exclusive */
	uint32_t mb_flags;	       /* flags word of the multiboot header */
	bool elf64;		       /* loaded from an ELF64 container */
	uint32_t mods_start, mods_end; /* span of the modules or initrd (0, 0 without any) */
	bool is_linux;		       /* Linux boot protocol: ESI = zero_page, not EAX/EBX */
	uint32_t zero_page;	       /* Linux: guest address of struct boot_params */
};

/*
 * Run every check guest_load() makes for a partition of mem_size bytes,
 * printing the same one "guest: ..." line on a refusal, without writing
 * anything: so a partition whose kernel cannot load is refused before it
 * is given cores and memory. Returns 0 or guest_load()'s error.
 */
int guest_check(const struct guest_image *img, uint64_t mem_size, const char *cmdline,
		const struct guest_mods *mods);

/*
 * Load the multiboot v1 kernel img into mem: find and check the multiboot
 * header (section 3.1), take the load layout from its address fields (flag
 * bit 16) or else from the ELF32 (EM_386) / ELF64 (EM_X86_64) program
 * headers (PT_LOAD segments go to p_paddr), check that the entry point lies
 * in bytes loaded from the file, copy the file bytes, zero the
 * bss, copy the modules (mods may be NULL: none) after the image, and write
 * the info block (flags MEM|CMDLINE|MODS|MMAP|LOADER_NAME; MODS even with
 * mods_count 0, as QEMU does). cmdline may be NULL (the guest sees "");
 * loader_name may be NULL ("Cypress"). Prints one success line
 * "guest: 'name' loaded: ELF32, 0x100000-0x10a000, entry 0x10000c, mbi 0x9000".
 * Preconditions: mem->base holds mem->size writable bytes, already zeroed
 * by the caller (nothing outside the image and the info block is touched);
 * img->data holds img->size readable bytes.
 * Returns 0 and fills *out, or a negative error (-E_INVAL malformed image,
 * -E_CHECKSUM bad header checksum, -E_NOTSUP unsupported required feature,
 * -E_RANGE does not fit) with one console line and guest memory untouched;
 * *out is zeroed then.
 */
int guest_load(const struct guest_image *img, struct guest_mem *mem, const char *cmdline,
	       const char *loader_name, const struct guest_mods *mods, struct guest_boot *out);

/*
 * Linux kernels (core/guest_linux.c): a bzImage, recognised by its setup
 * header ("HdrS" at 0x202, boot flag 0xAA55), booted through the 32-bit boot
 * protocol. guest_check() and guest_load() hand such an image here, so the
 * callers need not know which kind a kernel is. The CPU state at entry
 * (boot.rst, "32-bit BOOT PROTOCOL"): flat 4 GiB code at selector 0x10 and
 * data at 0x18, paging and interrupts off, ESI = zero_page, EBX = EBP = EDI
 * = 0, EIP = entry; the vCPU set-up does that for out->is_linux.
 */
#define LX_ZERO_PAGE 0x7000u  /* struct boot_params */
#define LX_CMDLINE   0x20000u /* the command line */
#define LX_MEM_MIN   MiB(16)  /* below this no kernel Debian ships boots */
#define LX_BOOT_CS   0x10u    /* __BOOT_CS, boot.rst */
#define LX_BOOT_DS   0x18u    /* __BOOT_DS */
bool guest_is_linux(const struct guest_image *img);
int guest_linux_check(const struct guest_image *img, uint64_t mem_size, const char *cmdline,
		      const struct guest_mods *mods);
int guest_linux_load(const struct guest_image *img, struct guest_mem *mem, const char *cmdline,
		     const struct guest_mods *mods, struct guest_boot *out);
/* Tell a Linux guest where its RSDP is (boot_params.acpi_rsdp_addr, protocol
 * 2.14); nothing for a multiboot guest. */
void guest_linux_set_rsdp(struct guest_mem *mem, const struct guest_boot *gb, uint64_t rsdp);

/* ---- internal interface of core/guest_load.c, guest_elf.c and guest_mods.c ---- */

/* One piece of the image: file bytes [file_off, file_off + file_size) go to
 * guest-physical paddr; the mem_size - file_size bytes after them are zeroed. */
struct guest_seg {
	uint64_t file_off, file_size;
	uint64_t paddr, mem_size;
};

enum guest_kind {
	GUEST_AOUT,
	GUEST_ELF32,
	GUEST_ELF64,
};

/* How to walk an image's segments once its headers have been checked. */
struct guest_layout {
	enum guest_kind kind;
	uint32_t entry;
	uint32_t nslots;       /* slots for guest_layout_seg(): phnum, or 1 for a.out */
	uint64_t phoff;	       /* ELF: program header table offset */
	uint32_t phentsize;    /* ELF: program header entry size */
	struct guest_seg aout; /* a.out kludge: its single segment */
};

/*
 * Check the ELF header and every program header of img and fill *lay.
 * Checked: magic, class, little-endian, ET_EXEC, machine matching the class,
 * header and program-header table inside the file, for each PT_LOAD its file
 * range inside the file, p_filesz <= p_memsz, p_paddr + p_memsz not wrapping,
 * at least one non-empty PT_LOAD, and (ELF64) an entry point below 4 GiB.
 * Placement in guest memory is the caller's check. name is for messages.
 * Returns 0, or -E_INVAL / -E_RANGE after printing one "guest: " line.
 * Precondition: img->data holds img->size bytes.
 */
int guest_elf_parse(const struct guest_image *img, const char *name, struct guest_layout *lay);

/*
 * Read slot i (0 <= i < lay->nslots) of a layout checked by guest_elf_parse()
 * or built for the a.out kludge. Returns true and fills *seg if the slot is
 * a non-empty loadable segment, false if it is to be skipped.
 */
bool guest_layout_seg(const struct guest_image *img, const struct guest_layout *lay, uint32_t i,
		      struct guest_seg *seg);

/* Where the modules go and how much room their list and strings take. */
struct guest_mods_plan {
	uint32_t count;
	uint32_t start, end; /* guest span: first mod_start, last mod_end */
	uint32_t info_len;   /* bytes of list + strings in the info block */
};

/*
 * Check mods (NULL: none; count, strings, host pointers) and place them:
 * from the first page at or above max(image_end, 1 MiB), each page aligned,
 * every byte below mem_size and 4 GiB. Fills *pl. Returns 0, or -E_INVAL /
 * -E_RANGE after one "guest: 'name': ..." line.
 */
int guest_mods_plan(const struct guest_mods *mods, const char *name, uint64_t image_end,
		    uint64_t mem_size, struct guest_mods_plan *pl);

/*
 * Copy the modules planned in *pl into mem and write their list at info
 * offset list_off (guest address info_at + list_off), strings after it.
 * Returns the guest address of the list. Precondition: guest_mods_plan()
 * returned 0 for the same mods and mem->size, and the info block has
 * list_off + pl->info_len bytes.
 */
uint32_t guest_mods_write(struct guest_mem *mem, const struct guest_mods *mods,
			  const struct guest_mods_plan *pl, uint32_t info_at, uint32_t list_off);

#endif
