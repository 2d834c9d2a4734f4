// SPDX-License-Identifier: MIT
/*
 * Per-core scheduling event rings (core/trace.h). A ring belongs to its
 * core: allocated by it on its first event, written and printed only by
 * it. When a ring is full the oldest events are overwritten and counted
 * as lost, so the end of a run is always there.
 * Environment: freestanding hypervisor, the owning core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/tsc.h"
#include "core/msg.h"
#include "core/trace.h"
#include "core/vm.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"

#define TRACE_RING 2048 /* events per core: 64 KiB */

struct trace_rec {
	uint64_t t;
	uint32_t arg;
	uint16_t vcpu;
	uint8_t ev;
	uint8_t pad;
	char vm[16];
};

struct trace_ring {
	uint64_t head; /* events ever recorded; the newest is at (head - 1) % TRACE_RING */
	struct trace_rec rec[TRACE_RING];
};

static bool enabled;
static uint64_t t0;
static struct trace_ring *rings[CONFIG_MAX_CPUS]; /* slot i written by cpu i only */
static volatile uint32_t dumped;

static const char *const ev_names[TR_EVENTS] = {
	[TR_RUN] = "run",
	[TR_PREEMPT] = "preempt",
	[TR_BLOCK] = "block",
	[TR_WAKE] = "wake",
	[TR_MIG_OUT] = "migrate-out",
	[TR_MIG_IN] = "migrate-in",
	[TR_EXIT] = "exit",
	[TR_LPM] = "lpm",
	[TR_LEASE] = "lease",
	[TR_IDLE] = "idle",
};

void trace_enable(void)
{
	enabled = true;
	t0 = rdtsc();
}

bool trace_enabled(void)
{
	return enabled;
}

void trace_event_named(enum trace_ev ev, const char *vm, uint32_t vcpu, uint32_t arg)
{
	if (!enabled)
		return;
	uint32_t cpu = this_cpu_id();
	struct trace_ring *r = rings[cpu];
	if (!r) {
		r = rings[cpu] = kzalloc(sizeof(*r));
		if (!r) {
			kprintf("trace: cpu %u: no memory for its ring; tracing off here\n", cpu);
			return;
		}
	}
	struct trace_rec *e = &r->rec[r->head % TRACE_RING];
	e->t = rdtsc() - t0;
	e->ev = (uint8_t)ev;
	e->vcpu = (uint16_t)vcpu;
	e->arg = arg;
	ksnprintf(e->vm, sizeof(e->vm), "%s", vm ? vm : "-");
	r->head++;
}

void trace_event(enum trace_ev ev, const struct vcpu *v, uint32_t arg)
{
	if (enabled)
		trace_event_named(ev, v ? v->vm->name : NULL, v ? v->id : 0, arg);
}

/* On each core in turn: print its own ring, then tell cpu 0. */
static void dump_handler(const struct mbox_msg *m)
{
	uint32_t cpu = this_cpu_id();
	struct trace_ring *r = rings[cpu];

	(void)m;
	if (r) {
		uint64_t n = r->head < TRACE_RING ? r->head : TRACE_RING;
		for (uint64_t i = r->head - n; i < r->head; i++) {
			const struct trace_rec *e = &r->rec[i % TRACE_RING];
			kprintf("trace: cpu=%u t=%llu ev=%s vm=%s vcpu=%u arg=%u\n", cpu,
				(unsigned long long)e->t, ev_names[e->ev], e->vm, e->vcpu, e->arg);
		}
		if (r->head > TRACE_RING)
			kprintf("trace: cpu=%u lost=%llu\n", cpu,
				(unsigned long long)(r->head - TRACE_RING));
	}
	__atomic_fetch_add(&dumped, 1, __ATOMIC_RELEASE);
}

void trace_dump_all(void)
{
	if (!enabled)
		return;
	kprintf("trace: begin cpus=%u tsc_khz=%llu t0=%llu\n", pcpu_count,
		(unsigned long long)tsc_khz, (unsigned long long)t0);
	for (uint32_t c = 0; c < pcpu_count; c++) {
		uint32_t want = __atomic_load_n(&dumped, __ATOMIC_ACQUIRE) + 1;
		if (msg_send(c, MSG_TRACE_DUMP, 0, 0, 0) < 0)
			continue; /* offline: it never recorded anything */
		uint64_t give_up = rdtsc() + tsc_from_us(2000000);
		while (__atomic_load_n(&dumped, __ATOMIC_ACQUIRE) < want && rdtsc() < give_up) {
			msg_poll();
			cpu_relax();
		}
	}
	kprintf("trace: end\n");
}

void trace_register(void)
{
	msg_register(MSG_TRACE_DUMP, dump_handler);
}
