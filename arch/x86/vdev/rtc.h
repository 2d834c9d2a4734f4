/* SPDX-License-Identifier: MIT */
/*
 * A partition's CMOS real-time clock (the PC's MC146818 at ports 0x70/0x71):
 * the clock and the CMOS bytes, without interrupts. Linux reads the time at
 * boot (and waits up to a second for a clock whose update-in-progress bit
 * never clears: the reason this exists); hwclock reads and sets it.
 * Registers (MC146818A data sheet; the PC's register 0x32 is the century,
 * as the FADT's CENTURY field says):
 *   0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of week (1 = Sunday),
 *   0x07 day of month, 0x08 month, 0x09 year, 0x32 century: BCD or binary
 *   and 12- or 24-hour as register B says; 0x01/0x03/0x05 (alarm) stored.
 *   A (0x0A): UIP always 0 (the time is computed, never mid-update),
 *   divider bits stored (0x26 at reset: 32.768 kHz, 1024 Hz rate).
 *   B (0x0B): SET, the interrupt enables, DM (binary), 24/12 stored; 0x02 at
 *   reset (24-hour, BCD). While SET is 1 the clock registers hold what was
 *   written; clearing SET makes that the time from then on.
 *   C (0x0C): 0, no interrupt flag is ever raised (no IRQ 8).
 *   D (0x0D): 0x80, VRT (the clock is valid).
 *   0x0E-0x7F but 0x32: battery-backed bytes, 0 at start, stored.
 * Index port 0x70: bits 6:0 select the register (bit 7, NMI disable, is
 * ignored); reading it gives all ones (the PC's index port is write-only).
 * Time: the host's seconds since 1970 at a TSC value, plus the TSC since, plus
 * the offset the guest set. Years 1970-2099 (the century byte says 19 or 20).
 * Environment: pure (hosted tests too); one per VM, callers serialise.
 */
#ifndef ARCH_X86_VDEV_RTC_H
#define ARCH_X86_VDEV_RTC_H

#include "lib/types.h"

#define RTC_PORT_INDEX 0x70
#define RTC_PORT_DATA  0x71
#define RTC_CENTURY    0x32 /* the FADT's CENTURY: the register of the century */

struct rtc {
	uint8_t index;	  /* last index written to 0x70 */
	uint8_t ram[128]; /* registers as last written; clock ones while SET */
	int64_t offset;	  /* seconds the guest moved the clock by */
	uint64_t epoch;	  /* host seconds since 1970 at tsc0 */
	uint64_t tsc0;	  /* TSC at epoch */
	uint64_t tsc_hz;  /* TSC frequency, > 0 */
};

/* Reset rtc: epoch seconds since 1970 at TSC value tsc0, counting at tsc_hz. */
void rtc_init(struct rtc *r, uint64_t epoch, uint64_t tsc0, uint64_t tsc_hz);

/* Byte read from port (0x70 or 0x71) at TSC value tsc. */
uint8_t rtc_read(struct rtc *r, uint16_t port, uint64_t tsc);

/* Byte write of val to port (0x70 or 0x71) at TSC value tsc. */
void rtc_write(struct rtc *r, uint16_t port, uint8_t val, uint64_t tsc);

/* Calendar conversions (proleptic Gregorian, UTC), shared with the host's
 * own CMOS read at boot. */
struct rtc_time {
	uint32_t year;				 /* 1970.. */
	uint8_t mon, mday, hour, min, sec, wday; /* 1-12, 1-31, 0-23, 0-59, 0-59, 0 = Sunday */
};
void rtc_from_unix(uint64_t t, struct rtc_time *tm);
/* Seconds since 1970, or UINT64_MAX for a date out of range or invalid. */
uint64_t rtc_to_unix(const struct rtc_time *tm);

#endif
