// SPDX-License-Identifier: MIT
/*
 * ELF side of the multiboot guest loader: checks an ELF32/ELF64 kernel's
 * headers and hands out its PT_LOAD segments (see core/guest_load.h).
 * Environment: freestanding hypervisor, any core, interrupts either way; pure
 * code, also built hosted for unit tests.
 *
 * Layouts from the System V ABI generic ELF specification ("ELF Header",
 * "Program Header"), ELF-64 Object File Format 1.5 for the 64-bit forms.
 * The image is untrusted: every field is read byte-wise (no alignment
 * assumptions), every offset and size is range-checked with overflow-checked
 * arithmetic before use.
 */
#include "core/guest_load.h"

#include "lib/errno.h"
#include "lib/printf.h"

/* e_ident bytes and header constants (gABI "ELF Identification"). */
#define EI_CLASS    4
#define EI_DATA	    5
#define EI_VERSION  6
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC	    2
#define EM_386	    3
#define EM_X86_64   62
#define PT_LOAD	    1
#define EHDR32_SIZE 52u
#define EHDR64_SIZE 64u
#define PHDR32_SIZE 32u
#define PHDR64_SIZE 56u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Decode program header i without any checks (offsets already validated). */
static uint32_t read_phdr(const struct guest_image *img, const struct guest_layout *lay, uint32_t i,
			  struct guest_seg *seg)
{
	const uint8_t *ph = img->data + lay->phoff + (uint64_t)i * lay->phentsize;

	if (lay->kind == GUEST_ELF64) {
		seg->file_off = rd64(ph + 8);
		seg->paddr = rd64(ph + 24);
		seg->file_size = rd64(ph + 32);
		seg->mem_size = rd64(ph + 40);
	} else {
		seg->file_off = rd32(ph + 4);
		seg->paddr = rd32(ph + 12);
		seg->file_size = rd32(ph + 16);
		seg->mem_size = rd32(ph + 20);
	}
	return rd32(ph); /* p_type */
}

/* Check ident, type and machine; set lay->kind. */
static int check_ident(const struct guest_image *img, const char *name, struct guest_layout *lay)
{
	const uint8_t *d = img->data;
	uint16_t machine;

	if (img->size < 16 || d[0] != 0x7f || d[1] != 'E' || d[2] != 'L' || d[3] != 'F') {
		kprintf("guest: '%s': not an ELF file, and its multiboot header has no address "
			"fields (flag bit 16)\n",
			name);
		return -E_INVAL;
	}
	if ((d[EI_CLASS] != ELFCLASS32 && d[EI_CLASS] != ELFCLASS64) || d[EI_DATA] != ELFDATA2LSB ||
	    d[EI_VERSION] != EV_CURRENT) {
		kprintf("guest: '%s': ELF class %u, data %u, version %u unsupported (need "
			"ELF32 or ELF64, little-endian, version 1)\n",
			name, d[EI_CLASS], d[EI_DATA], d[EI_VERSION]);
		return -E_INVAL;
	}
	lay->kind = d[EI_CLASS] == ELFCLASS64 ? GUEST_ELF64 : GUEST_ELF32;
	if (img->size < (lay->kind == GUEST_ELF64 ? EHDR64_SIZE : EHDR32_SIZE)) {
		kprintf("guest: '%s': ELF header cut short (file is %llu bytes)\n", name,
			(unsigned long long)img->size);
		return -E_INVAL;
	}
	if (rd16(d + 16) != ET_EXEC) {
		kprintf("guest: '%s': ELF type %u is not an executable (ET_EXEC)\n", name,
			rd16(d + 16));
		return -E_INVAL;
	}
	machine = rd16(d + 18);
	if (lay->kind == GUEST_ELF32 && machine != EM_386) {
		kprintf("guest: '%s': ELF32 machine %u is not EM_386 (3)\n", name, machine);
		return -E_INVAL;
	}
	if (lay->kind == GUEST_ELF64 && machine != EM_X86_64) {
		kprintf("guest: '%s': ELF64 machine %u is not EM_X86_64 (62)\n", name, machine);
		return -E_INVAL;
	}
	return 0;
}

/* Read entry and program header table position; check the table fits. */
static int check_phdr_table(const struct guest_image *img, const char *name,
			    struct guest_layout *lay)
{
	const uint8_t *d = img->data;
	uint64_t entry, table, end;
	uint32_t phnum, min_ent;

	if (lay->kind == GUEST_ELF64) {
		entry = rd64(d + 24);
		lay->phoff = rd64(d + 32);
		lay->phentsize = rd16(d + 54);
		phnum = rd16(d + 56);
		min_ent = PHDR64_SIZE;
	} else {
		entry = rd32(d + 24);
		lay->phoff = rd32(d + 28);
		lay->phentsize = rd16(d + 42);
		phnum = rd16(d + 44);
		min_ent = PHDR32_SIZE;
	}
	/* vCPU 0 starts in 32-bit protected mode (Multiboot 0.6.96 section 3.2),
	 * so an ELF64 container must still carry a 32-bit entry address. */
	if (entry > UINT32_MAX) {
		kprintf("guest: '%s': ELF64 entry point 0x%llx is above 4 GiB; vCPU 0 starts "
			"in 32-bit protected mode\n",
			name, (unsigned long long)entry);
		return -E_RANGE;
	}
	lay->entry = (uint32_t)entry;
	if (phnum == 0) {
		kprintf("guest: '%s': ELF has no program headers\n", name);
		return -E_INVAL;
	}
	if (phnum > GUEST_MAX_PHNUM) {
		kprintf("guest: '%s': ELF has %u program headers, more than the %u supported\n",
			name, phnum, GUEST_MAX_PHNUM);
		return -E_INVAL;
	}
	if (lay->phentsize < min_ent) {
		kprintf("guest: '%s': ELF program header size %u is below %u\n", name,
			lay->phentsize, min_ent);
		return -E_INVAL;
	}
	table = (uint64_t)phnum * lay->phentsize; /* both 16-bit: cannot wrap */
	if (__builtin_add_overflow(lay->phoff, table, &end) || end > img->size) {
		kprintf("guest: '%s': ELF program headers (%u x %u bytes at 0x%llx) run past the "
			"end of the file (%llu bytes)\n",
			name, phnum, lay->phentsize, (unsigned long long)lay->phoff,
			(unsigned long long)img->size);
		return -E_INVAL;
	}
	lay->nslots = phnum;
	return 0;
}

/* Check one PT_LOAD segment's ranges; returns 0 or -E_INVAL after one line. */
static int check_seg(const struct guest_image *img, const char *name, uint32_t i,
		     const struct guest_seg *s)
{
	uint64_t end;

	if (__builtin_add_overflow(s->file_off, s->file_size, &end) || end > img->size) {
		kprintf("guest: '%s': ELF segment %u: file bytes 0x%llx+0x%llx run past the end "
			"of the file (%llu bytes)\n",
			name, i, (unsigned long long)s->file_off, (unsigned long long)s->file_size,
			(unsigned long long)img->size);
		return -E_INVAL;
	}
	if (s->file_size > s->mem_size) {
		kprintf("guest: '%s': ELF segment %u: p_filesz 0x%llx exceeds p_memsz 0x%llx\n",
			name, i, (unsigned long long)s->file_size, (unsigned long long)s->mem_size);
		return -E_INVAL;
	}
	if (__builtin_add_overflow(s->paddr, s->mem_size, &end)) {
		kprintf("guest: '%s': ELF segment %u: p_paddr 0x%llx + p_memsz 0x%llx "
			"overflows\n",
			name, i, (unsigned long long)s->paddr, (unsigned long long)s->mem_size);
		return -E_INVAL;
	}
	return 0;
}

int guest_elf_parse(const struct guest_image *img, const char *name, struct guest_layout *lay)
{
	struct guest_seg s;
	uint32_t nload = 0;
	int err;

	err = check_ident(img, name, lay);
	if (!err)
		err = check_phdr_table(img, name, lay);
	if (err)
		return err;
	for (uint32_t i = 0; i < lay->nslots; i++) {
		if (read_phdr(img, lay, i, &s) != PT_LOAD)
			continue;
		err = check_seg(img, name, i, &s);
		if (err)
			return err;
		nload += s.mem_size != 0;
	}
	if (nload == 0) {
		kprintf("guest: '%s': ELF has no non-empty loadable (PT_LOAD) segment\n", name);
		return -E_INVAL;
	}
	return 0;
}

bool guest_layout_seg(const struct guest_image *img, const struct guest_layout *lay, uint32_t i,
		      struct guest_seg *seg)
{
	if (i >= lay->nslots)
		return false;
	if (lay->kind == GUEST_AOUT) {
		*seg = lay->aout;
		return seg->mem_size != 0;
	}
	return read_phdr(img, lay, i, seg) == PT_LOAD && seg->mem_size != 0;
}
