// SPDX-License-Identifier: MIT
/*
 * The CMOS real-time clock model (see rtc.h).
 * Environment: pure (hosted tests too); one per VM, callers serialise.
 */
#include "arch/x86/vdev/rtc.h"
#include "lib/string.h"

#define REG_SEC	  0x00
#define REG_MIN	  0x02
#define REG_HOUR  0x04
#define REG_WDAY  0x06
#define REG_MDAY  0x07
#define REG_MON	  0x08
#define REG_YEAR  0x09
#define REG_A	  0x0a
#define REG_B	  0x0b
#define REG_C	  0x0c
#define REG_D	  0x0d
#define B_SET	  0x80
#define B_DM	  0x04 /* binary, not BCD */
#define B_24H	  0x02
#define HOUR_PM	  0x80 /* 12-hour mode */
#define A_RESET	  0x26
#define B_RESET	  B_24H
#define D_VRT	  0x80
#define A_UIP	  0x80
#define SECS_DAY  86400u
#define UNIX_DAYS 719468u /* days from 0000-03-01 to 1970-01-01 */

/* Days since 1970-01-01 of y-m-d (y >= 1970): counted in 400-year eras
 * starting in March, so the leap day is each era-year's last. */
static uint64_t days_from_civil(uint32_t y, uint32_t m, uint32_t d)
{
	y -= m <= 2;
	uint32_t era = y / 400, yoe = y - era * 400;
	uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - UNIX_DAYS;
}

void rtc_from_unix(uint64_t t, struct rtc_time *tm)
{
	uint64_t days = t / SECS_DAY, s = t % SECS_DAY;
	uint64_t z = days + UNIX_DAYS;
	uint64_t era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint32_t m = (uint32_t)(mp < 10 ? mp + 3 : mp - 9);

	tm->year = (uint32_t)(yoe + era * 400 + (m <= 2));
	tm->mon = (uint8_t)m;
	tm->mday = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
	tm->hour = (uint8_t)(s / 3600);
	tm->min = (uint8_t)(s / 60 % 60);
	tm->sec = (uint8_t)(s % 60);
	tm->wday = (uint8_t)((days + 4) % 7); /* 1970-01-01 was a Thursday */
}

static bool leap(uint32_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

uint64_t rtc_to_unix(const struct rtc_time *tm)
{
	static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (tm->year < 1970 || tm->year > 9999 || tm->mon < 1 || tm->mon > 12 || tm->mday < 1 ||
	    tm->hour > 23 || tm->min > 59 || tm->sec > 59 ||
	    tm->mday > mdays[tm->mon - 1] + (tm->mon == 2 && leap(tm->year)))
		return UINT64_MAX;
	return days_from_civil(tm->year, tm->mon, tm->mday) * SECS_DAY + tm->hour * 3600u +
	       tm->min * 60u + tm->sec;
}

void rtc_init(struct rtc *r, uint64_t epoch, uint64_t tsc0, uint64_t tsc_hz)
{
	memset(r, 0, sizeof(*r));
	r->epoch = epoch;
	r->tsc0 = tsc0;
	r->tsc_hz = tsc_hz ? tsc_hz : 1;
	r->ram[REG_A] = A_RESET;
	r->ram[REG_B] = B_RESET;
	r->ram[REG_D] = D_VRT;
}

static uint64_t now(const struct rtc *r, uint64_t tsc)
{
	uint64_t t = r->epoch + (tsc > r->tsc0 ? (tsc - r->tsc0) / r->tsc_hz : 0);
	return (uint64_t)((int64_t)t + r->offset);
}

static uint8_t enc(const struct rtc *r, uint32_t v)
{
	return (uint8_t)(r->ram[REG_B] & B_DM ? v : (v / 10) << 4 | v % 10);
}

static uint32_t dec(const struct rtc *r, uint8_t v)
{
	return r->ram[REG_B] & B_DM ? v : (v >> 4) * 10u + (v & 0xf);
}

static bool is_clock(uint8_t i)
{
	return i == REG_SEC || i == REG_MIN || i == REG_HOUR || i == REG_WDAY || i == REG_MDAY ||
	       i == REG_MON || i == REG_YEAR || i == RTC_CENTURY;
}

/* The clock registers for time t, in the format register B asks for. */
static void encode(struct rtc *r, uint64_t t, uint8_t out[128])
{
	struct rtc_time tm;
	uint32_t h;

	rtc_from_unix(t, &tm);
	h = tm.hour;
	out[REG_SEC] = enc(r, tm.sec);
	out[REG_MIN] = enc(r, tm.min);
	if (r->ram[REG_B] & B_24H)
		out[REG_HOUR] = enc(r, h);
	else
		out[REG_HOUR] = (uint8_t)(enc(r, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0));
	out[REG_WDAY] = enc(r, tm.wday + 1u);
	out[REG_MDAY] = enc(r, tm.mday);
	out[REG_MON] = enc(r, tm.mon);
	out[REG_YEAR] = enc(r, tm.year % 100);
	out[RTC_CENTURY] = enc(r, tm.year / 100);
}

/* The time the clock registers written while SET say, or UINT64_MAX. */
static uint64_t decode(const struct rtc *r)
{
	const uint8_t *m = r->ram;
	uint32_t h = dec(r, m[REG_HOUR] & 0x7f);
	struct rtc_time tm = { 0 };

	if (!(m[REG_B] & B_24H)) {
		if (h < 1 || h > 12)
			return UINT64_MAX;
		h = h % 12 + (m[REG_HOUR] & HOUR_PM ? 12 : 0);
	}
	tm.year = dec(r, m[RTC_CENTURY]) * 100 + dec(r, m[REG_YEAR]);
	tm.mon = (uint8_t)dec(r, m[REG_MON]);
	tm.mday = (uint8_t)dec(r, m[REG_MDAY]);
	tm.hour = (uint8_t)MIN(h, 255u);
	tm.min = (uint8_t)dec(r, m[REG_MIN]);
	tm.sec = (uint8_t)dec(r, m[REG_SEC]);
	return rtc_to_unix(&tm);
}

uint8_t rtc_read(struct rtc *r, uint16_t port, uint64_t tsc)
{
	uint8_t i = r->index;

	if (port != RTC_PORT_DATA)
		return 0xff;
	if (is_clock(i) && !(r->ram[REG_B] & B_SET)) {
		uint8_t regs[128];
		encode(r, now(r, tsc), regs);
		return regs[i];
	}
	if (i == REG_A)
		return r->ram[REG_A] & ~A_UIP;
	if (i == REG_C)
		return 0;
	if (i == REG_D)
		return D_VRT;
	return r->ram[i];
}

void rtc_write(struct rtc *r, uint16_t port, uint8_t val, uint64_t tsc)
{
	uint8_t i = r->index;

	if (port == RTC_PORT_INDEX) {
		r->index = val & 0x7f;
		return;
	}
	if (port != RTC_PORT_DATA || i == REG_C || i == REG_D)
		return;
	if (i == REG_A) {
		r->ram[REG_A] = val & ~A_UIP;
		return;
	}
	if (i == REG_B) {
		bool was = r->ram[REG_B] & B_SET, set = val & B_SET;
		if (!was && set) { /* freeze: the registers show the time SET stopped */
			uint8_t regs[128];
			encode(r, now(r, tsc), regs);
			for (uint8_t k = 0; k < 128; k++)
				if (is_clock(k))
					r->ram[k] = regs[k];
		}
		r->ram[REG_B] = val;
		if (was && !set) { /* the registers as written are the time from now on */
			uint64_t t = decode(r);
			if (t != UINT64_MAX)
				r->offset += (int64_t)(t - now(r, tsc));
		}
		return;
	}
	r->ram[i] = val;
}
