// SPDX-License-Identifier: MIT
/*
 * Guest test "io": port I/O a partition may do. Writes to the 0xE9 debug
 * port are harmless, the COM1 scratch register keeps what is written, COM1's
 * LSR shows THRE, and a port nobody emulates (COM2 at 0x2f8-0x2ff: Cypress
 * emulates COM1 only, QEMU creates COM2 only with a second -serial) reads as
 * all ones at byte, word and dword width, and the string forms (REP
 * OUTSB/INSB/INSL, both directions) move what the plain ones do. Platform devices a partition must
 * not reach stay trapped too (Cypress emulates none of them, so they read all
 * ones like any unemulated port; a value that differs came from the real
 * device): PCI configuration (0xcf8 after outl 0x80000000, 0xcfc), both PICs
 * (0x20/0xa0, and 0x21/0xa1 after writing a mask) and the PIT (0x40 after a
 * latch command on 0x43, 0x41, 0x42, 0x43). The CMOS clock is the
 * partition's own (issue 13): the index port reads all ones, register A
 * never shows update-in-progress, D says valid, B is 0x02 (24-hour BCD)
 * after reset, the seconds are BCD, and a CMOS byte (0x50) keeps what is
 * written. Outside Cypress these are real devices, so those rows are notes
 * there (docs/guest-tests.md).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "io";

#define PORT_DEBUGCON 0xe9
#define COM2_BASE     0x2f8
#define COM2_LSR      (COM2_BASE + 5)

static bool cypress;
static unsigned int trapped_checks;

/* A platform device port must read all ones under Cypress; elsewhere print a note. */
static void must_be_trapped(const char *what, uint32_t got, uint32_t ones)
{
	trapped_checks++;
	if (got == ones) {
		gprintf("io: %s = 0x%x (trapped)\n", what, got);
		return;
	}
	if (!cypress)
		gprintf("io: note: %s = 0x%x, a real device; allowed outside Cypress\n", what, got);
	else
		fail("%s = 0x%x, want 0x%x: the port reached a real device", what, got, ones);
}

static void platform_ports(void)
{
	/* PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2): a real
	 * host bridge latches the enable bit and reads it back. */
	outl(0xcf8, 0x80000000u);
	must_be_trapped("inl 0xcf8 after outl 0x80000000", inl(0xcf8), 0xffffffffu);
	must_be_trapped("inl 0xcfc (bus 0 device 0 vendor/device)", inl(0xcfc), 0xffffffffu);
	outl(0xcf8, 0);
	/* 8259A: OCW1 (the mask) reads back from the odd port; an even-port read
	 * gives IRR or ISR. start.c masked everything, so 0xfb/0xbf are new values. */
	outb(0x21, 0xfb);
	must_be_trapped("inb 0x21 after writing mask 0xfb", inb(0x21), 0xff);
	outb(0xa1, 0xbf);
	must_be_trapped("inb 0xa1 after writing mask 0xbf", inb(0xa1), 0xff);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	must_be_trapped("inb 0x20 (master IRR)", inb(0x20), 0xff);
	must_be_trapped("inb 0xa0 (slave IRR)", inb(0xa0), 0xff);
	/* 8254: counter latch command for channel 0 (bits 5-4 = 00), then LSB, MSB. */
	outb(0x43, 0x00);
	{
		uint32_t lo = inb(0x40), hi = inb(0x40);
		must_be_trapped("PIT channel 0 latched count (0x40 twice)", lo | hi << 8, 0xffff);
	}
	must_be_trapped("inb 0x41 (PIT channel 1)", inb(0x41), 0xff);
	must_be_trapped("inb 0x42 (PIT channel 2)", inb(0x42), 0xff);
	must_be_trapped("inb 0x43 (PIT mode register)", inb(0x43), 0xff);
	must_be_trapped("inb 0x70 (CMOS index)", inb(0x70), 0xff);
}

/* A CMOS register (MC146818 numbering) as the partition's clock answers it. */
static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

/* One row of the CMOS clock check: strict under Cypress, a note elsewhere. */
static void cmos_row(const char *what, uint32_t got, bool ok)
{
	if (ok)
		gprintf("io: %s = 0x%x\n", what, got);
	else if (!cypress)
		gprintf("io: note: %s = 0x%x, a real clock's setting; allowed outside Cypress\n",
			what, got);
	else
		fail("%s = 0x%x: not the MC146818 Cypress emulates", what, got);
}

static void cmos_clock(void)
{
	uint8_t a = cmos(0x0a), b = cmos(0x0b), d = cmos(0x0d), s = cmos(0x00);

	cmos_row("CMOS register A (UIP clear, 0x26)", a, a == 0x26);
	cmos_row("CMOS register B (24-hour BCD)", b, b == 0x02);
	cmos_row("CMOS register D (valid)", d, d == 0x80);
	cmos_row("CMOS seconds (BCD below 0x60)", s, (s & 0xf) < 10 && s < 0x60);
	outb(0x70, 0x50);
	outb(0x71, 0x5a);
	cmos_row("CMOS byte 0x50 after writing 0x5a", cmos(0x50), cmos(0x50) == 0x5a);
}

/*
 * The string forms (SDM 2B INS, OUTS, REP): REP OUTSB of a line to COM1's
 * data port (it must appear on the console), REP INSB from the scratch
 * register upwards and, with DF set, downwards, REP INSL from an
 * unemulated port; the index and count registers must end where the
 * instruction leaves them.
 */
static unsigned int string_io(void)
{
	static const char line[] = "io: this line went out by REP OUTSB\n";
	static uint8_t buf[24];
	static uint32_t lbuf[4];
	const void *src = line;
	void *dst = buf + 4;
	uint32_t cnt = sizeof(line) - 1;

	__asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(cnt) : "d"(COM1_BASE) : "memory");
	if (cnt || src != line + sizeof(line) - 1)
		fail("REP OUTSB left ECX %u, ESI +%d", cnt, (int)((const char *)src - line));
	outb(COM1_SCR, 0x5a);
	cnt = 16;
	__asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(cnt) : "d"(COM1_SCR) : "memory");
	for (unsigned int i = 0; i < sizeof(buf); i++)
		if (buf[i] != (i >= 4 && i < 20 ? 0x5a : 0))
			fail("REP INSB: byte %u is 0x%02x", i, buf[i]);
	if (cnt || dst != buf + 20)
		fail("REP INSB left ECX %u, EDI at +%d", cnt, (int)((uint8_t *)dst - buf));
	outb(COM1_SCR, 0xa5);
	dst = buf + 3;
	cnt = 3;
	__asm__ volatile("std; rep insb; cld" : "+D"(dst), "+c"(cnt) : "d"(COM1_SCR) : "memory");
	if (buf[1] != 0xa5 || buf[2] != 0xa5 || buf[3] != 0xa5 || buf[0] || buf[4] != 0x5a ||
	    dst != buf)
		fail("REP INSB with DF: bytes %02x %02x %02x %02x %02x, EDI at +%d", buf[0], buf[1],
		     buf[2], buf[3], buf[4], (int)((uint8_t *)dst - buf));
	dst = lbuf;
	cnt = 4;
	__asm__ volatile("cld; rep insl" : "+D"(dst), "+c"(cnt) : "d"(COM2_BASE + 4) : "memory");
	for (unsigned int i = 0; i < 4; i++)
		if (lbuf[i] != 0xffffffffu)
			fail("REP INSL from unemulated port 0x%x: dword %u is 0x%x", COM2_BASE + 4,
			     i, lbuf[i]);
	return 5;
}

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
	checks += string_io();
	cypress = hv_is_cypress();
	platform_ports();
	cmos_clock();
	checks += trapped_checks + 5;
	report("%u port checks%s", checks, cypress ? "" : " (platform devices not under Cypress)");
}
