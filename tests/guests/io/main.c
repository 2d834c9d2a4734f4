// SPDX-License-Identifier: MIT
/*
 * Guest test "io": port I/O a partition may do. Writes to the 0xE9 debug
 * port are harmless, the COM1 scratch register keeps what is written, COM1's
 * LSR shows THRE, and a port nobody emulates (COM2 at 0x2f8-0x2ff: Cypress
 * emulates COM1 only, QEMU creates COM2 only with a second -serial) reads as
 * all ones at byte, word and dword width.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "io";

#define PORT_DEBUGCON 0xe9
#define COM2_BASE     0x2f8
#define COM2_LSR      (COM2_BASE + 5)

void guest_main(uint32_t magic, uint32_t mbi)
{
	static const uint8_t patterns[] = { 0x00, 0x5a, 0xa5, 0xff, 0x42 };
	unsigned int checks = 0;
	uint8_t lsr, b;
	uint16_t w;
	uint32_t l;

	(void)magic;
	(void)mbi;
	for (const char *s = "io: debug port says hi\n"; *s; s++)
		outb(PORT_DEBUGCON, (uint8_t)*s);
	checks++;

	for (unsigned int i = 0; i < sizeof(patterns); i++) {
		outb(COM1_SCR, patterns[i]);
		b = inb(COM1_SCR);
		checks++;
		if (b != patterns[i])
			fail("COM1 scratch register read 0x%02x after writing 0x%02x", b,
			     patterns[i]);
	}
	lsr = inb(COM1_LSR);
	checks++;
	if (!(lsr & LSR_THRE))
		fail("COM1 LSR 0x%02x lacks THRE (0x20)", lsr);

	b = inb(COM2_LSR);
	w = inw(COM2_BASE + 4);
	l = inl(COM2_BASE + 4);
	checks += 3;
	gprintf("io: unemulated port 0x%x reads 0x%02x / 0x%04x / 0x%08x\n", COM2_LSR, b, w, l);
	if (b != 0xff)
		fail("inb 0x%x = 0x%02x, want 0xff (unemulated port)", COM2_LSR, b);
	if (w != 0xffff)
		fail("inw 0x%x = 0x%04x, want 0xffff (unemulated port)", COM2_BASE + 4, w);
	if (l != 0xffffffffu)
		fail("inl 0x%x = 0x%08x, want 0xffffffff (unemulated port)", COM2_BASE + 4, l);
	report("%u port checks", checks);
}
