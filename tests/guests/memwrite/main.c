// SPDX-License-Identifier: MIT
/*
 * Guest test "memwrite", the guest side of the isolation test. Fills all of
 * its free RAM with a pattern and checks it. With "escape" on the command
 * line it then writes outside its memory: 4 KiB past the top of RAM,
 * 0xC0000000 and the IOAPIC at 0xFEC00000 (an emulated device since
 * issue 12: reached only if the first two went through). Cypress must stop
 * the partition at the first of those writes (EPT violation), so reaching
 * the verdict after them is a FAILURE. With "edge" it probes the exact boundary instead:
 * a 32-bit write and read at top - 4 (the last word of RAM, must work), then a
 * write at top, the first byte past the partition: Cypress must stop the VM
 * with an EPT violation at exactly that address, so a verdict after it is a
 * FAILURE. Without either word: SUCCESS after the pattern check.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "memwrite";

#define SEED 0x6d656d77u /* "memw" */

/* The boundary of guest RAM: the last word must work, the next byte must not. */
static void edge(void)
{
	uint32_t top = mb_ram_top();
	volatile uint32_t *last = (volatile uint32_t *)(uintptr_t)(top - 4);
	uint32_t got;

	gprintf("memwrite: edge: top of RAM 0x%x (mem_upper %u KiB)\n", top, mb_mem_upper());
	if (top < 0x200000)
		verdict(VERDICT_ERROR, "top of RAM 0x%x is below 2 MiB", top);
	*last = 0x45444745u; /* "EDGE" */
	got = *last;
	if (got != 0x45444745u)
		verdict(VERDICT_FAILURE,
			"the last word of RAM at 0x%x read 0x%08x after writing 0x45444745",
			top - 4, got);
	gprintf("memwrite: edge: last word at 0x%x written and read back\n", top - 4);
	gprintf("memwrite: writing outside partition memory at 0x%x\n", top);
	*(volatile uint32_t *)(uintptr_t)top = 0xdeadbeefu;
	gprintf("memwrite: write to 0x%x went through\n", top);
	verdict(VERDICT_FAILURE, "write at 0x%x, the first byte past RAM, succeeded", top);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	struct pattern_result res;
	uint32_t targets[3];
	uint64_t bytes;

	(void)magic;
	(void)mbi;
	if (!mb_region_count())
		verdict(VERDICT_ERROR, "no memory map from the loader");
	bytes = pattern_fill(SEED, 0);
	pattern_check(SEED, 0, &res);
	gprintf("memwrite: filled and checked %llu KiB above the image\n", bytes / 1024);
	if (!bytes)
		fail("no free RAM above the image");
	if (res.bad_words)
		fail("%u words differ, first at 0x%x: 0x%08x, want 0x%08x", res.bad_words,
		     res.first_bad, res.first_got, res.first_want);
	if (cmdline_has("edge"))
		edge();
	if (!cmdline_has("escape"))
		report("%llu KiB written and read back", bytes / 1024);

	targets[0] = mb_ram_top() + 4096;
	targets[1] = 0xc0000000u;
	targets[2] = 0xfec00000u; /* IOAPIC index register */
	for (unsigned int i = 0; i < 3; i++) {
		gprintf("memwrite: writing outside partition memory at 0x%x\n", targets[i]);
		*(volatile uint32_t *)(uintptr_t)targets[i] = 0xdeadbeefu;
		gprintf("memwrite: write to 0x%x went through\n", targets[i]);
	}
	verdict(VERDICT_FAILURE, "write outside partition memory succeeded (0x%x, 0x%x, 0x%x)",
		targets[0], targets[1], targets[2]);
}
