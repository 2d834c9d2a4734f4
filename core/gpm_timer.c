// SPDX-License-Identifier: MIT
/*
 * The GPM's timed work (core/gpm_timer.h).
 * Environment: freestanding hypervisor, cpu 0.
 */
#include "arch/x86/pcpu.h"
#include "core/gpm_timer.h"
#include "lib/panic.h"

static gpm_timer_fn fns[GPM_TIMERS_MAX];
static uint64_t due[GPM_TIMERS_MAX]; /* 0: nothing pending */
static uint32_t nfns;
static bool kicked;

void gpm_timer_register(gpm_timer_fn fn)
{
	if (nfns == GPM_TIMERS_MAX)
		panic("gpm_timer: more than %u timed modules", GPM_TIMERS_MAX);
	fns[nfns++] = fn;
}

void gpm_timer_kick(void)
{
	if (this_cpu_id() != 0)
		panic("gpm_timer: kicked from cpu %u", this_cpu_id());
	kicked = true;
}

uint64_t gpm_timer_run(uint64_t now)
{
	uint64_t next = 0;
	bool all = kicked;

	kicked = false;
	for (uint32_t i = 0; i < nfns; i++) {
		if (all || (due[i] && now >= due[i]))
			due[i] = fns[i](now);
		if (due[i] && (!next || due[i] < next))
			next = due[i];
	}
	return next;
}
