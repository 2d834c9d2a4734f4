/* SPDX-License-Identifier: MIT */
/*
 * Time-stamp counter: frequency discovery and conversions.
 * Environment: freestanding hypervisor, any core after tsc_calibrate().
 */
#ifndef ARCH_X86_TSC_H
#define ARCH_X86_TSC_H

#include "lib/types.h"

/* TSC value read at the very first instruction of boot/entry.S. */
extern uint64_t boot_tsc;
/* TSC frequency in kHz; 0 until tsc_calibrate() ran. */
extern uint64_t tsc_khz;

/*
 * Find the TSC frequency: CPUID 0x15 (crystal ratio) or 0x16 (base MHz)
 * where reported, else measured against PIT channel 2 for 10 ms.
 * Boot core, interrupts off. Prints one line saying which source was used.
 */
void tsc_calibrate(void);

/* Microseconds since boot (0 before calibration). */
uint64_t tsc_uptime_us(void);

/* TSC ticks for `us` microseconds (requires calibration). */
uint64_t tsc_from_us(uint64_t us);

/* Busy-wait `us` microseconds (requires calibration). */
void udelay(uint64_t us);

/*
 * Busy-wait on PIT channel 2 for `us` microseconds (at most 50000), usable
 * before calibration. Boot core only (the PIT is one global device).
 */
void pit_delay_us(uint32_t us);

#endif
