/* SPDX-License-Identifier: MIT */
/*
 * The host's own CMOS real-time clock, read once at boot: the wall-clock time
 * every partition's virtual RTC (arch/x86/vdev/rtc.h) starts from.
 * Environment: boot CPU, during boot, before any partition exists.
 */
#ifndef ARCH_X86_CMOS_H
#define ARCH_X86_CMOS_H

#include "lib/types.h"

/* Seconds since 1970 (UTC, as the PC's RTC keeps it by convention) at TSC
 * value host_rtc_tsc; 0 if the clock could not be read or held no valid
 * date (partitions then start at 1970-01-01). */
extern uint64_t host_rtc_epoch, host_rtc_tsc;

/* Read the host's RTC into host_rtc_epoch/host_rtc_tsc; prints one line. */
void cmos_read_time(void);

#endif
