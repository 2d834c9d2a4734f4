// SPDX-License-Identifier: MIT
/*
 * LAPIC timer in one-shot mode (SDM Vol. 3A, 11.5.4 "APIC Timer").
 * Environment: freestanding hypervisor, each core for itself.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/traps.h"
#include "arch/x86/tsc.h"
#include "lib/printf.h"

#define DIV_16	   0x3 /* divide configuration register encoding for /16 */
#define LVT_MASKED 0x10000

uint32_t lapic_ticks_per_ms;

void timer_calibrate(void)
{
	apic_write(APIC_TIMER_DIV, DIV_16);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = rdtsc();
	udelay(10000);
	uint32_t left = apic_read(APIC_TIMER_CUR);
	uint64_t dt = rdtsc() - t0;
	apic_write(APIC_TIMER_INIT, 0);
	uint64_t ticks = 0xffffffffULL - left;
	/* Scale by the TSC actually elapsed, not the nominal 10 ms. */
	uint64_t per_ms = dt ? ticks * tsc_khz / dt : 0;
	lapic_ticks_per_ms = per_ms ? (uint32_t)per_ms : 1;
	kprintf("timer: LAPIC timer %llu kHz (divide by 16)\n", (unsigned long long)per_ms);
}

static void timer_irq(struct trap_frame *f)
{
	struct pcpu *p = this_cpu();
	void (*fn)(void *) = p->timer_fn;

	(void)f;
	p->timer_fn = NULL;
	p->timer_fires++;
	if (fn)
		fn(p->timer_arg);
}

void timer_init(void)
{
	irq_register(VEC_TIMER, timer_irq);
}

void timer_oneshot_us(uint64_t us, void (*fn)(void *), void *arg)
{
	struct pcpu *p = this_cpu();
	uint64_t ticks = us * lapic_ticks_per_ms / 1000;

	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffff)
		ticks = 0xffffffff;
	p->timer_fn = fn;
	p->timer_arg = arg;
	apic_write(APIC_TIMER_DIV, DIV_16);
	apic_write(APIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
	apic_write(APIC_TIMER_INIT, (uint32_t)ticks);
}

void timer_cancel(void)
{
	apic_write(APIC_TIMER_INIT, 0);
	this_cpu()->timer_fn = NULL;
}
