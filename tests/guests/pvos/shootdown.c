// SPDX-License-Identifier: MIT
/*
 * pvos: a TLB-shootdown-like broadcast. A thread (holding shoot_lock, so the
 * online set is stable: kern.h rule 4) bumps the generation, "flushes" on its
 * own cpu, sends VEC_SHOOT to every other online cpu and waits, interrupts on
 * (a cpu waiting with them off while another shoots at it would deadlock),
 * until each has flushed: its tlb_gen equals the generation. A target that
 * is a preempted vCPU answers when it next runs; the wait is bounded
 * (SHOOT_WAIT_MS) and a miss is counted, never waited out.
 * Environment: pvos kernel, threads (shootdown), interrupt handler (the IPI).
 */
#include "tests/guests/pvos/kern.h"

#define SHOOT_WAIT_MS 200

struct mutex shoot_lock;
static volatile uint32_t gen;
volatile uint32_t shoot_done, shoot_missed;

static void flush(struct cpu *c)
{
	uint32_t g = __atomic_load_n(&gen, __ATOMIC_ACQUIRE);

	if (c->tlb_gen != g) {
		c->tlb_gen = g;
		c->shoot_acks++;
	}
}

static void shoot_handler(struct irq_frame *f)
{
	(void)f;
	flush(cur_cpu());
}

void shootdown_init(void)
{
	irq_register(VEC_SHOOT, shoot_handler);
}

bool shootdown(void)
{
	uint32_t targets = 0, g, flags;
	bool ok = true;

	mutex_lock(&shoot_lock);
	flags = read_eflags();
	irq_disable();
	g = __atomic_add_fetch(&gen, 1, __ATOMIC_ACQ_REL);
	struct cpu *me = cur_cpu();
	for (uint32_t i = 0; i < ncpus; i++)
		if (cpus[i].online)
			targets |= 1u << i;
	flush(me);
	for (uint32_t i = 0; i < ncpus; i++)
		if ((targets >> i & 1) && i != me->id)
			lapic_send_fixed(i, VEC_SHOOT);
	if (flags & (1u << 9))
		irq_enable();
	uint64_t end = tsc_after_us(SHOOT_WAIT_MS * 1000);
	for (uint32_t i = 0; i < ncpus; i++) {
		if (!(targets >> i & 1))
			continue;
		uint64_t now;
		/* The thread's last_tsc: an SA upcall during the wait measures its gap. */
		while (__atomic_load_n(&cpus[i].tlb_gen, __ATOMIC_ACQUIRE) != g &&
		       (now = rdtsc()) < end)
			cur_thread()->last_tsc = now;
		cur_thread()->last_tsc = 0;
		if (cpus[i].tlb_gen != g) {
			ok = false;
			__atomic_fetch_add(&shoot_missed, 1, __ATOMIC_RELAXED);
			fail("shootdown %u: cpu %u did not ack within %u ms", g, i, SHOOT_WAIT_MS);
		}
	}
	__atomic_fetch_add(&shoot_done, 1, __ATOMIC_RELAXED);
	mutex_unlock(&shoot_lock);
	return ok;
}
