// SPDX-License-Identifier: MIT
/*
 * Guest test "elfhdr": regression test for a valid kernel Cypress used to
 * refuse. GNU ld's default linker script with -Ttext 0x100000 (and
 * -z separate-code) gives the ELF file a first PT_LOAD segment holding only
 * the ELF and program headers, at 0xff000, inside the PC's legacy hole;
 * QEMU -kernel and GRUB load it, so Cypress must too. tests/vmx/mkbad links
 * this directory's objects that way into build/vmx-tests/bad/elfhdr-plain.elf
 * (the build/guests/elfhdr.elf of guests.mk uses guest.ld and has no such
 * segment). The test reads its own headers where that segment put them:
 * ELF magic, class, machine, e_entry = _start, a PT_LOAD of file offset 0
 * at 0xff000, a PT_LOAD holding guest_main; and an initialized variable.
 * SKIP when there is no ELF header at 0xff000 (the guest.ld build).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "elfhdr";

#define HDR_ADDR 0xff000u
#define PT_LOAD	 1

/* ELF32 headers (System V ABI, ELF header and program header table). */
struct elf32_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

void _start(void); /* lib/boot.S */

static const char elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
static volatile uint32_t marker = 0x5eed1234u; /* .data must be loaded */

void guest_main(uint32_t magic, uint32_t mbi)
{
	const struct elf32_ehdr *eh = (const struct elf32_ehdr *)(uintptr_t)HDR_ADDR;
	uint32_t main_at = (uint32_t)(uintptr_t)guest_main, loads = 0;
	bool hdr_seg = false, text_seg = false;

	(void)magic;
	(void)mbi;
	if (memcmp(eh->ident, elf_magic, sizeof(elf_magic)) != 0)
		verdict(VERDICT_SKIP,
			"no ELF header at 0x%x: this is not the plain-ld build "
			"(tests/vmx/mkbad makes elfhdr-plain.elf)",
			HDR_ADDR);
	gprintf("elfhdr: ELF header at 0x%x: class %u, machine %u, entry 0x%x, %u program "
		"headers at +0x%x\n",
		HDR_ADDR, eh->ident[4], eh->machine, eh->entry, eh->phnum, eh->phoff);
	if (eh->ident[4] != 1 || eh->machine != 3)
		fail("ELF header at 0x%x: class %u machine %u, want 1 (ELF32) and 3 (i386)",
		     HDR_ADDR, eh->ident[4], eh->machine);
	if (eh->entry != (uint32_t)(uintptr_t)_start)
		fail("e_entry 0x%x is not _start (0x%x)", eh->entry, (uint32_t)(uintptr_t)_start);
	if (eh->phentsize != sizeof(struct elf32_phdr) || eh->phnum > 16 ||
	    eh->phoff + (uint32_t)eh->phnum * sizeof(struct elf32_phdr) > 0x1000)
		verdict(VERDICT_FAILURE, "program header table (%u x %u at +0x%x) not in the page",
			eh->phnum, eh->phentsize, eh->phoff);
	for (unsigned int i = 0; i < eh->phnum; i++) {
		const struct elf32_phdr *ph =
			(const struct elf32_phdr *)(uintptr_t)(HDR_ADDR + eh->phoff) + i;

		if (ph->type != PT_LOAD)
			continue;
		loads++;
		gprintf("elfhdr: PT_LOAD offset 0x%x at 0x%x, %u bytes in file, %u in memory\n",
			ph->offset, ph->paddr, ph->filesz, ph->memsz);
		if (ph->offset == 0 && ph->paddr == HDR_ADDR)
			hdr_seg = true;
		if (main_at >= ph->paddr && main_at - ph->paddr < ph->filesz)
			text_seg = true;
	}
	if (!hdr_seg)
		fail("no PT_LOAD of file offset 0 at 0x%x", HDR_ADDR);
	if (!text_seg)
		fail("no PT_LOAD holds guest_main (0x%x)", main_at);
	if (marker != 0x5eed1234u)
		fail("initialized variable reads 0x%x, want 0x5eed1234", marker);
	report("headers segment at 0x%x loaded, %u PT_LOAD segments", HDR_ADDR, loads);
}
