// SPDX-License-Identifier: MIT
/*
 * Guest test library: TSC calibration and delays.
 * Environment: guest test kernel, 32-bit protected mode, ring 0; calibration
 * on the BSP before APs run (afterwards the rate is only read).
 */
#include "tests/guests/lib/time.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/printf.h"

#define PIT_HZ	    1193182u
#define PIT_CH2	    0x42
#define PIT_CMD	    0x43
#define PORT_B	    0x61   /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */
#define PIT_TICKS   11932u /* 10 ms */
#define ASSUMED_KHZ 1000000u

static uint32_t khz;

/* CPUID 0x15: TSC = crystal Hz * EBX / EAX (SDM Vol 3B 18.7.3); 0 if incomplete. */
static uint32_t khz_from_leaf15(void)
{
	uint32_t max, a, b, c;

	cpuid(0, 0, &max, NULL, NULL, NULL);
	if (max < 0x15)
		return 0;
	cpuid(0x15, 0, &a, &b, &c, NULL);
	if (!a || !b || !c)
		return 0;
	return (uint32_t)((uint64_t)c * b / a / 1000);
}

/* CPUID 0x16 EAX: base frequency in MHz (Vol 2A, CPUID); 0 if absent. */
static uint32_t khz_from_leaf16(void)
{
	uint32_t max, a;

	cpuid(0, 0, &max, NULL, NULL, NULL);
	if (max < 0x16)
		return 0;
	cpuid(0x16, 0, &a, NULL, NULL, NULL);
	return (a & 0xffff) * 1000;
}

/*
 * Count TSC ticks while PIT channel 2 counts 10 ms down in mode 0 (output
 * goes high at terminal count; 8254 data sheet). 0 if there is no PIT: its
 * output is already high before the count starts (an absent port reads 0xFF)
 * or never rises.
 */
static uint32_t khz_from_pit(void)
{
	uint8_t b = inb(PORT_B);
	uint64_t t0, t1;
	unsigned int i;

	outb(PORT_B, (uint8_t)((b & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(PIT_CMD, 0xb0);			     /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, PIT_TICKS & 0xff);
	if (inb(PORT_B) & 0x20)
		return 0;
	outb(PIT_CH2, PIT_TICKS >> 8); /* counting starts here */
	t0 = rdtsc();
	for (i = 0; i < 100000000 && !(inb(PORT_B) & 0x20); i++)
		;
	t1 = rdtsc();
	outb(PORT_B, b);
	if (i == 100000000)
		return 0;
	return (uint32_t)((t1 - t0) / 10);
}

uint32_t tsc_per_ms(void)
{
	const char *src = "cpuid 0x15";

	if (khz)
		return khz;
	khz = khz_from_leaf15();
	if (!khz) {
		src = "PIT";
		khz = khz_from_pit();
	}
	/* Below 10 MHz the PIT measurement is not believable. */
	if (khz < 10000) {
		src = "cpuid 0x16";
		khz = khz_from_leaf16();
	}
	if (!khz) {
		src = "assumed, no reference clock";
		khz = ASSUMED_KHZ;
	}
	gprintf("time: TSC %u kHz (%s)\n", khz, src);
	return khz;
}

uint64_t tsc_after_us(uint32_t us)
{
	return rdtsc() + (uint64_t)us * tsc_per_ms() / 1000;
}

void delay_us(uint32_t us)
{
	uint64_t end = tsc_after_us(us);

	while (rdtsc() < end)
		cpu_relax();
}

uint64_t tsc_to_us(uint64_t ticks)
{
	return ticks * 1000 / tsc_per_ms();
}

uint32_t lapic_timer_per_ms(uint32_t divide)
{
	uint32_t left;

	lapic_timer_start(0, LAPIC_TIMER_ONESHOT, 0xffffffffu, divide);
	delay_us(10000);
	left = lapic_timer_current();
	lapic_timer_stop();
	return (0xffffffffu - left) / 10;
}
