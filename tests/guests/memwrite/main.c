// SPDX-License-Identifier: MIT
/*
 * Guest test "memwrite", the guest side of the isolation test. Fills all of
 * its free RAM with a pattern and checks it. With "escape" on the command
 * line it then writes outside its memory: 4 KiB past the top of RAM,
 * 0xC0000000 and the IOAPIC at 0xFEC00000. Cypress must stop the partition
 * at the first of those writes (EPT violation), so reaching the verdict
 * after them is a FAILURE. Without "escape": SUCCESS after the pattern check.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "memwrite";

#define SEED 0x6d656d77u /* "memw" */

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
