/* SPDX-License-Identifier: MIT */
/*
 * Per-core one-shot timer on the local APIC timer, calibrated against the
 * TSC. One pending timer per core; arming again replaces it.
 * Environment: freestanding hypervisor, each core for itself.
 */
#ifndef ARCH_X86_TIMER_H
#define ARCH_X86_TIMER_H

#include "lib/types.h"

/* LAPIC timer ticks per millisecond at divide-by-16; 0 before calibration. */
extern uint32_t lapic_ticks_per_ms;

/*
 * Measure the LAPIC timer against the TSC over 10 ms. Boot core, after
 * tsc_calibrate() and apic_init_local(), interrupts off. Prints one line.
 */
void timer_calibrate(void);

/*
 * Call fn(arg) from this core's timer interrupt `us` microseconds from now
 * (at least 1 tick). Replaces a pending timer. Calling core only; the
 * callback runs with interrupts off.
 */
void timer_oneshot_us(uint64_t us, void (*fn)(void *), void *arg);

/* Cancel this core's pending timer, if any. */
void timer_cancel(void);

/* Register the timer vector handler. Boot core, before SMP. */
void timer_init(void);

#endif
