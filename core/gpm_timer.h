/* SPDX-License-Identifier: MIT */
/*
 * Work the Global Partition Manager does on time: lease terms, balloon
 * acknowledgement deadlines, the micro-sliced pool's sizing. Each module
 * registers one function; the GPM's wait loop (core/partition.c) runs it
 * when its deadline passed or when the module asked (gpm_timer_kick), and
 * arms cpu 0's timer for the earliest deadline, beside the watchdog's.
 * Environment: freestanding hypervisor, cpu 0 only (registration: boot
 * core, before SMP).
 */
#ifndef CORE_GPM_TIMER_H
#define CORE_GPM_TIMER_H

#include "lib/types.h"

/* Do what is due at TSC `now`; return the TSC of the next deadline, 0 = none. */
typedef uint64_t (*gpm_timer_fn)(uint64_t now);

#define GPM_TIMERS_MAX 8

/* Boot core, before SMP. */
void gpm_timer_register(gpm_timer_fn fn);

/* cpu 0: run every timer function at the next loop turn (a new deadline). */
void gpm_timer_kick(void);

/* cpu 0, the GPM loop: run what is due; returns the earliest deadline (0: none). */
uint64_t gpm_timer_run(uint64_t now);

#endif
