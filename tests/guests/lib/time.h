/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: time from the TSC. The TSC rate comes from CPUID leaf
 * 0x15, else a PIT channel 2 measurement, else CPUID leaf 0x16, else an
 * assumed 1 GHz (printed), so timeouts stay bounded wherever the guest runs.
 * Environment: guest test kernel, 32-bit protected mode, ring 0; the first
 * call to any function here must be on the BSP before APs are started.
 */
#ifndef GUEST_TIME_H
#define GUEST_TIME_H

#include <stdint.h>

/* TSC ticks per millisecond (calibrated on first use; prints one "time:" line). */
uint32_t tsc_per_ms(void);

/* The TSC value us microseconds from now. */
uint64_t tsc_after_us(uint32_t us);

/*
 * How much of one RDTSC step [prev, t) lies inside [s, e), counted only if
 * the step is short enough (<= threshold) to mean the CPU ran all of it: a
 * longer gap is time it was descheduled (the fair and block tests).
 */
static inline uint64_t tsc_ran_in(uint64_t prev, uint64_t t, uint64_t s, uint64_t e,
				  uint64_t threshold)
{
	uint64_t lo = prev > s ? prev : s, hi = t < e ? t : e;

	return hi > lo && t - prev <= threshold ? hi - lo : 0;
}

/* Busy-wait us microseconds. */
void delay_us(uint32_t us);

/* Whole microseconds in a TSC delta. */
uint64_t tsc_to_us(uint64_t ticks);

/*
 * LAPIC timer counts per millisecond at divide, measured against the TSC
 * over 10 ms with the timer masked. Precondition: lapic_enable() on this CPU.
 */
uint32_t lapic_timer_per_ms(uint32_t divide);

#endif
