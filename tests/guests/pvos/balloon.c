// SPDX-License-Identifier: MIT
/*
 * pvos: vCPU ballooning (VCPU-Bal), the guest's side. A kernel thread,
 * balloond, watches the shared area's balloon_seq (CY_EV_BALLOON announces a
 * new one on vCPU 0; the thread also polls, so a missed interrupt costs one
 * period, never the target): for each new target it takes vCPUs offline
 * from the highest index down (each drains its run queue, then VCPU_OFFLINE)
 * or brings offline ones back with INIT/SIPI from the lowest up, under
 * shoot_lock (kern.h rule 4), and then acks that seq with BALLOON_ACK. vCPU 0
 * never goes: it takes the partition's events. balloond sleeps on a wait
 * flag between targets; the event handler (balloon_kick) wakes it, and so
 * does the init thread now and then, so a lost interrupt delays a target
 * but never loses it.
 * Environment: pvos kernel, threads.
 */
#include "tests/guests/pvos/kern.h"

volatile uint32_t balloon_followed, balloon_failed, balloon_stop;
/* Over the lower targets followed: event (or first sight) to acked with the vCPUs offline. */
uint64_t balloon_down_ticks;
uint32_t balloon_downs;
volatile uint64_t balloon_event_tsc;

static struct spinlock wait_lk;
static struct thread *sleeper;
static volatile uint32_t pending;

void balloon_kick(void)
{
	uint32_t flags = spin_lock_irqsave(&wait_lk);
	struct thread *t = sleeper;

	pending = 1;
	sleeper = NULL;
	spin_unlock_irqrestore(&wait_lk, flags);
	/* t is off every cpu: its scheduler released wait_lk after the switch (rule 1). */
	if (t)
		thread_enqueue(t, (uint32_t)t->cpu);
}

static void wait_kick(void)
{
	uint32_t flags = spin_lock_irqsave(&wait_lk);

	if (!pending) {
		sleeper = cur_thread();
		sched_block(&wait_lk); /* returns with interrupts off, wait_lk released */
		spin_lock(&wait_lk);
	}
	pending = 0;
	spin_unlock_irqrestore(&wait_lk, flags);
}

bool balloon_apply(uint32_t target)
{
	bool ok = true;
	uint64_t t;

	target = target < 1 ? 1 : target > ncpus ? ncpus : target;
	mutex_lock(&shoot_lock);
	for (uint32_t v = ncpus - 1; v > 0 && online_count() > target; v--)
		if (cpus[v].online && cpu_offline(v, &t, 0) != 0)
			ok = false;
	for (uint32_t v = 1; v < ncpus && online_count() < target; v++)
		if (!cpus[v].online && !cpu_online(v, &t))
			ok = false;
	mutex_unlock(&shoot_lock);
	return ok && online_count() == target;
}

static void balloond(void *arg)
{
	struct cyl_balloon b;
	uint32_t acked = 0;

	(void)arg;
	while (!__atomic_load_n(&balloon_stop, __ATOMIC_ACQUIRE)) {
		cyl_balloon_read(&pv_area, &b);
		if (b.target && b.seq != acked) {
			uint64_t t0 = balloon_event_tsc ? balloon_event_tsc : rdtsc();
			bool down = b.target < online_count();
			bool ok = balloon_apply(b.target);
			int32_t rc = cyl_balloon_ack(b.seq);
			/* A vCPU that called VCPU_OFFLINE counts as online until it
			 * has left the guest: CY_ERANGE for a moment, retry. */
			uint64_t until = tsc_after_us(50 * 1000);
			while (rc == CY_ERANGE && rdtsc() < until) {
				yield();
				rc = cyl_balloon_ack(b.seq);
			}
			uint64_t ticks = rdtsc() - t0;

			balloon_event_tsc = 0;
			gprintf("pvos: balloon: target %u (seq %u): %u vcpus online, ack %s, %llu "
				"ticks from the event\n",
				b.target, b.seq, online_count(), cyl_strerror(rc),
				(unsigned long long)ticks);
			if (!ok || rc)
				balloon_failed++;
			if (down) {
				balloon_down_ticks += ticks;
				balloon_downs++;
			}
			balloon_followed++;
			acked = b.seq;
		}
		wait_kick();
	}
}

bool balloon_start(void)
{
	return thread_create("balloond", balloond, NULL, 0) != NULL;
}
