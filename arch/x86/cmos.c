// SPDX-License-Identifier: MIT
/*
 * Read the host's CMOS real-time clock once (see cmos.h).
 * Environment: boot CPU, during boot, interrupts off (nothing else touches
 * ports 0x70/0x71 then).
 *
 * The MC146818 updates its clock registers once a second; while register A's
 * UIP bit is set they may be mid-update. So: wait for UIP clear (it stays
 * set for under 2 ms), read every clock register, and read them all again
 * until two rounds agree. Register B says BCD or binary and 12- or 24-hour;
 * register 0x32 holds the century (what the FADT's CENTURY names on PCs).
 */
#include "arch/x86/cmos.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vdev/rtc.h"
#include "lib/printf.h"
#include "lib/string.h"

uint64_t host_rtc_epoch, host_rtc_tsc;

static uint8_t cmos(uint8_t reg)
{
	outb(RTC_PORT_INDEX, reg); /* bit 7 clear: NMIs stay enabled */
	return inb(RTC_PORT_DATA);
}

static uint32_t bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10u + (v & 0xf);
}

/* One round of the clock registers: sec min hour mday mon year century. */
static void read_round(uint8_t r[7])
{
	static const uint8_t regs[7] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, RTC_CENTURY };

	for (uint32_t i = 0; i < 1000000 && (cmos(0x0a) & 0x80); i++)
		cpu_relax();
	for (int i = 0; i < 7; i++)
		r[i] = cmos(regs[i]);
}

void cmos_read_time(void)
{
	uint8_t a[7], b[7];
	int tries = 0;

	read_round(a);
	do {
		memcpy(b, a, sizeof(a));
		read_round(a);
	} while (memcmp(a, b, sizeof(a)) && ++tries < 5);
	uint8_t regb = cmos(0x0b);
	bool binary = regb & 0x04, h24 = regb & 0x02;
	uint32_t hour = bcd(a[2] & 0x7f, binary);
	if (!h24)
		hour = hour % 12 + (a[2] & 0x80 ? 12 : 0);
	uint32_t century = bcd(a[6], binary);
	if (century < 19 || century > 99)
		century = 20; /* no century byte: assume this one */
	struct rtc_time tm = {
		.year = century * 100 + bcd(a[5], binary),
		.mon = (uint8_t)bcd(a[4], binary),
		.mday = (uint8_t)bcd(a[3], binary),
		.hour = (uint8_t)MIN(hour, 255u),
		.min = (uint8_t)bcd(a[1], binary),
		.sec = (uint8_t)bcd(a[0], binary),
	};
	uint64_t t = rtc_to_unix(&tm);
	host_rtc_tsc = rdtsc();
	if (t == UINT64_MAX) {
		kprintf("rtc: the host's CMOS clock holds no valid date; partitions start at "
			"1970-01-01\n");
		host_rtc_epoch = 0;
		return;
	}
	host_rtc_epoch = t;
	kprintf("rtc: host clock %04u-%02u-%02u %02u:%02u:%02u\n", tm.year, tm.mon, tm.mday,
		tm.hour, tm.min, tm.sec);
}
