// SPDX-License-Identifier: MIT
/*
 * Guest test "hello": the multiboot hand-over. Prints the command line,
 * checks the magic, the info flags (MEM, CMDLINE, MMAP), mem_upper and that
 * the memory map has RAM above 1 MiB. With status=N on the command line it
 * ends with N on the exit port after its SUCCESS verdict (a test of the
 * hypervisor's exit path: the VM must end with exactly that status).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "hello";

static const char *type_name(uint32_t type)
{
	switch (type) {
	case 1:
		return "RAM";
	case 2:
		return "reserved";
	case 3:
		return "ACPI reclaimable";
	case 4:
		return "ACPI NVS";
	case 5:
		return "bad";
	}
	return "unknown";
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	const uint32_t want = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP;
	uint64_t ram_above_1m = 0;

	gprintf("hello from %s\n", mb_cmdline());
	gprintf("hello: magic 0x%x, boot info at 0x%x, image 0x%x-0x%x\n", magic, mbi,
		(uint32_t)(uintptr_t)__image_start, (uint32_t)(uintptr_t)__image_end);
	if (magic != MB_BOOT_MAGIC)
		verdict(VERDICT_FAILURE, "bad multiboot magic 0x%x (want 0x%x)", magic,
			MB_BOOT_MAGIC);
	gprintf("hello: flags 0x%x, mem_lower %u KiB, mem_upper %u KiB\n", mb_flags(),
		mb_mem_lower(), mb_mem_upper());
	if ((mb_flags() & want) != want)
		fail("boot info flags 0x%x lack 0x%x (MEM, CMDLINE, MMAP)", mb_flags(),
		     want & ~mb_flags());
	if (!mb_mem_upper())
		fail("mem_upper is 0");
	for (unsigned int i = 0; i < mb_region_count(); i++) {
		const struct mb_region *r = mb_region(i);

		gprintf("hello: mmap 0x%09llx-0x%09llx %s\n", r->base, r->base + r->len - 1,
			type_name(r->type));
		if (r->type == MB_MMAP_RAM && r->base + r->len > 0x100000)
			ram_above_1m +=
				r->base + r->len - (r->base > 0x100000 ? r->base : 0x100000);
	}
	if (!ram_above_1m)
		fail("memory map has no RAM above 1 MiB (%u entries)", mb_region_count());
	if (cmdline_uint("status", 0)) {
		gprintf("hello: will exit with status %u\n", cmdline_uint("status", 0));
		verdict_set_success_exit(cmdline_uint("status", 0));
	}
	report("%u mmap entries, %llu KiB RAM above 1 MiB", mb_region_count(), ram_above_1m / 1024);
}
