// SPDX-License-Identifier: MIT
/*
 * Gang time slots (sched/gang.h): validation, "may the gang run now", the next
 * switch time and the weighted share of a period.
 * Environment: freestanding hypervisor, any core, pure arithmetic; also built
 * hosted for unit tests and the simulator.
 */
#include "sched/gang.h"

#include "lib/errno.h"
#include "lib/printf.h"

int gang_slot_check(const struct gang_slot *s)
{
	if (!s) {
		kprintf("gang: NULL slot, refused\n");
		return -E_INVAL;
	}
	if (s->period == 0 || s->len > s->period) {
		kprintf("gang: slot of %llu in a period of %llu, refused\n",
			(unsigned long long)s->len, (unsigned long long)s->period);
		return -E_INVAL;
	}
	return 0;
}

bool gang_in_slot(const struct gang_slot *s, uint64_t now)
{
	return s->len > 0 && now >= s->start && (now - s->start) % s->period < s->len;
}

uint64_t gang_next_switch(const struct gang_slot *s, uint64_t now)
{
	uint64_t phase, base, t;

	if (s->len == 0)
		return GANG_NEVER;
	if (now < s->start)
		return s->start;
	if (s->len == s->period)
		return GANG_NEVER;
	phase = (now - s->start) % s->period;
	base = now - phase; /* start of the current period, >= start */
	t = phase < s->len ? base + s->len : base + s->period;
	return t < now ? GANG_NEVER : t; /* wrapped past the end of time */
}

uint64_t gang_slot_len(uint64_t period, uint32_t gang_w, uint32_t other_w)
{
	uint64_t sum = (uint64_t)gang_w + other_w;

	if (sum > UINT32_MAX) { /* keep r * gang_w below 2^64 (see gang.h) */
		gang_w >>= 1;
		other_w >>= 1;
		sum = (uint64_t)gang_w + other_w;
	}
	if (gang_w == 0)
		return 0;
	/* period = q * sum + r, so period * gang_w / sum = q * gang_w + r * gang_w / sum,
	 * and r * gang_w < sum * sum <= 2^64 cannot overflow. */
	return (period / sum) * gang_w + (period % sum) * gang_w / sum;
}
