// SPDX-License-Identifier: MIT
/*
 * Guest test "reset": the PC's reset paths as a kernel for QEMU's -kernel
 * uses them (issue 12, item 5). Checks first, then asks for a reset:
 *   - the i8042 status port 0x64 says "input buffer empty" (bit 1 clear:
 *     a command may be sent) and prints what it read;
 *   - the reset control register 0xCF9 reads back bit 1 after a write of
 *     0x02 (no reset: bit 2 clear);
 *   - then `via=kbd` writes command 0xFE to port 0x64, `via=cf9` writes
 *     0x06 to 0xCF9. The machine (QEMU run with -no-reboot) or the
 *     partition (Cypress) must end there: no verdict line on success.
 *     A kernel still running 100 ms later prints a FAILURE verdict.
 * Parameters: via=kbd|cf9 (kbd).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), 1 CPU.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "reset";

void guest_main(uint32_t magic, uint32_t mbi)
{
	bool cf9 = cmdline_has("via=cf9");

	(void)magic;
	(void)mbi;
	uint8_t st = inb(0x64);
	gprintf("reset: i8042 status 0x%x\n", st);
	if (st & 0x02)
		verdict(VERDICT_FAILURE,
			"i8042 status 0x%x: input buffer full, a command would wait", st);
	outb(0xcf9, 0x02);
	uint8_t rcr = inb(0xcf9);
	if ((rcr & 0x02) != 0x02)
		verdict(VERDICT_FAILURE, "0xCF9 read 0x%x after a write of 0x02", rcr);
	gprintf("reset: requesting a reset via %s\n", cf9 ? "0xCF9" : "the i8042");
	if (cf9)
		outb(0xcf9, 0x06);
	else
		outb(0x64, 0xfe);
	delay_us(100 * 1000);
	verdict(VERDICT_FAILURE, "still running 100 ms after the reset request");
}
