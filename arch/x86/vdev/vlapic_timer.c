// SPDX-License-Identifier: MIT
/*
 * Virtual local APIC timer: one-shot, periodic and TSC-deadline modes (SDM
 * Vol. 3A 11.5.4, 11.5.4.1) as arithmetic on TSC values. The count is not
 * stored: it follows from the TSC deadline at which it reaches 0, so a
 * current-count read needs no state change and periodic mode cannot drift.
 * Environment: pure (hosted tests too); the core running the vLAPIC's vCPU.
 */
#include "arch/x86/vdev/vlapic.h"

static uint32_t timer_mode(const struct vlapic *a)
{
	return a->lvt[VLAPIC_LVT_TIMER] & VLAPIC_LVT_TIMER_MODE;
}

/* Mode 3 is reserved (Table 11-2); it behaves as one-shot here. */
static bool is_periodic(const struct vlapic *a)
{
	return timer_mode(a) == VLAPIC_LVT_TIMER_PERIOD;
}

static bool is_tscdl(const struct vlapic *a)
{
	return timer_mode(a) == VLAPIC_LVT_TIMER_TSCDL;
}

/*
 * TSC ticks per count: the bus tick times the DCR divisor. DCR bits 3,1,0
 * form a 3-bit value v; v = 7 divides by 1, else by 2^(v+1) (Figure 11-10).
 */
static uint64_t tick_len(const struct vlapic *a)
{
	uint32_t v = ((a->timer_dcr & 8) >> 1) | (a->timer_dcr & 3);

	return a->tsc_per_tick << ((v + 1) & 7);
}

static void arm(struct vlapic *a, uint64_t deadline)
{
	if (a->ops && a->ops->arm_timer)
		a->ops->arm_timer(a->ops->ctx, deadline);
}

/* now + d, saturating: a deadline past the end of time is never reached (and never 0). */
static uint64_t add_sat(uint64_t now, uint64_t d)
{
	return now + d < now ? UINT64_MAX : now + d;
}

/* The timer reached zero: the LVT vector, unless masked; a masked timer still counts. */
static void fire(struct vlapic *a)
{
	uint32_t lvt = a->lvt[VLAPIC_LVT_TIMER];

	if (!(lvt & VLAPIC_LVT_MASKED))
		vlapic_accept(a, (uint8_t)(lvt & 0xff), false);
}

/* Stop whatever runs; arm_timer(0) only if something was armed. */
static void disarm(struct vlapic *a)
{
	bool armed = a->timer_running || a->tsc_deadline;

	a->timer_running = false;
	a->tsc_deadline = 0;
	if (armed)
		arm(a, 0);
}

void vlapic_timer_reset(struct vlapic *a)
{
	disarm(a);
	a->timer_deadline = 0;
	a->timer_init = 0;
	a->timer_dcr = 0;
}

uint32_t vlapic_timer_current(const struct vlapic *a, uint64_t now_tsc)
{
	uint64_t tick, period, remaining;

	if (!a->timer_running || is_tscdl(a))
		return 0; /* TSC-deadline mode: current count always reads 0 (11.5.4.1) */
	tick = tick_len(a);
	period = (uint64_t)a->timer_init * tick;
	if (now_tsc < a->timer_deadline) {
		remaining = a->timer_deadline - now_tsc;
		if (remaining > period)
			return a->timer_init; /* a time before the count was loaded */
	} else if (is_periodic(a)) {
		/* Expiry not handled yet: the count has already reloaded. */
		remaining = period - (now_tsc - a->timer_deadline) % period;
	} else {
		return 0;
	}
	/* init - floor(elapsed / tick) == ceil(remaining / tick). */
	return (uint32_t)((remaining + tick - 1) / tick);
}

void vlapic_timer_set_lvt(struct vlapic *a, uint32_t val)
{
	uint32_t old = timer_mode(a);

	a->lvt[VLAPIC_LVT_TIMER] = val;
	if ((val & VLAPIC_LVT_TIMER_MODE) == VLAPIC_LVT_TIMER_MODE)
		vlapic_warn_once(
			a, VLAPIC_W_TIMER_MODE,
			"vlapic: id %u: LVT timer 0x%x uses reserved mode 3, run as one-shot\n",
			a->id, val);
	/* 11.5.4.1: a write that changes the timer mode disarms the timer. */
	if (timer_mode(a) != old)
		disarm(a);
}

void vlapic_timer_set_initial(struct vlapic *a, uint32_t val, uint64_t now_tsc)
{
	if (is_tscdl(a))
		return; /* ignored in TSC-deadline mode (11.5.4.1) */
	a->timer_init = val;
	if (!val) {
		disarm(a); /* a write of 0 stops the timer (11.5.4) */
		return;
	}
	a->timer_deadline = add_sat(now_tsc, (uint64_t)val * tick_len(a));
	a->timer_running = true;
	arm(a, a->timer_deadline);
}

void vlapic_timer_set_dcr(struct vlapic *a, uint32_t val, uint64_t now_tsc)
{
	uint32_t cur;

	if (a->timer_running && !is_tscdl(a) && (now_tsc < a->timer_deadline || is_periodic(a))) {
		/* Keep the count where it is; it goes on at the new rate. */
		cur = vlapic_timer_current(a, now_tsc);
		a->timer_dcr = val;
		a->timer_deadline = add_sat(now_tsc, (uint64_t)cur * tick_len(a));
		arm(a, a->timer_deadline);
		return;
	}
	a->timer_dcr = val;
}

void vlapic_timer_expired(struct vlapic *a, uint64_t now_tsc)
{
	uint64_t period, missed;

	if (is_tscdl(a)) {
		if (!a->tsc_deadline)
			return; /* stale: disarmed since */
		if (now_tsc < a->tsc_deadline) {
			arm(a, a->tsc_deadline);
			return;
		}
		a->tsc_deadline = 0; /* firing disarms and clears the MSR (11.5.4.1) */
		fire(a);
		return;
	}
	if (!a->timer_running)
		return;
	if (now_tsc < a->timer_deadline) {
		arm(a, a->timer_deadline);
		return;
	}
	fire(a);
	if (!is_periodic(a)) {
		a->timer_running = false;
		return;
	}
	/* Next deadline = previous + period; skip whole periods that were missed. */
	period = (uint64_t)a->timer_init * tick_len(a);
	missed = (now_tsc - a->timer_deadline) / period;
	a->timer_deadline = add_sat(a->timer_deadline, (missed + 1) * period);
	arm(a, a->timer_deadline);
}

void vlapic_tsc_deadline_write(struct vlapic *a, uint64_t deadline, uint64_t now_tsc)
{
	if (!a->enabled_hw || !is_tscdl(a))
		return; /* writes are ignored outside TSC-deadline mode (11.5.4.1) */
	a->tsc_deadline = deadline;
	if (!deadline) {
		arm(a, 0);
		return;
	}
	if (deadline <= now_tsc) {
		/* Already due: fire now rather than arm a past deadline. */
		a->tsc_deadline = 0;
		arm(a, 0);
		fire(a);
		return;
	}
	arm(a, deadline);
}

uint64_t vlapic_tsc_deadline_read(const struct vlapic *a)
{
	return is_tscdl(a) ? a->tsc_deadline : 0;
}
