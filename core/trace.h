/* SPDX-License-Identifier: MIT */
/*
 * Scheduling event trace: each core records what it runs in a ring of its
 * own (no ring is shared, no lock), and with `trace=on` every core prints
 * its ring at the end of the run, one core after another, in the text
 * format of docs/trace.md, which tools/trace-plot draws.
 * Environment: freestanding hypervisor; trace_event() on the recording
 * core, interrupts off.
 */
#ifndef CORE_TRACE_H
#define CORE_TRACE_H

#include "lib/types.h"

enum trace_ev {
	TR_RUN = 0,	/* a vCPU starts running here */
	TR_PREEMPT = 1, /* its slice ended; back to the runqueue */
	TR_BLOCK = 2,	/* guest HLT: off the runqueue */
	TR_WAKE = 3,	/* a blocked vCPU became runnable */
	TR_MIG_OUT = 4, /* arg = destination cpu */
	TR_MIG_IN = 5,	/* arg = source cpu */
	TR_EXIT = 6,	/* the vCPU left this core for good */
	TR_LPM = 7,	/* a Local Partition Manager decision; arg = the cpu it chose */
	TR_LEASE = 8,	/* reserved for fast-core leases */
	TR_IDLE = 9,	/* nothing to run */
	TR_EVENTS,
};

struct vcpu;

/* Turn tracing on (the `trace=on` option). Boot core, before any vCPU runs. */
void trace_enable(void);
bool trace_enabled(void);

/* Record one event on the calling core for vCPU v (NULL: none). */
void trace_event(enum trace_ev ev, const struct vcpu *v, uint32_t arg);
/* Same, naming a VM by name and vCPU number (the LPM's decisions). */
void trace_event_named(enum trace_ev ev, const char *vm, uint32_t vcpu, uint32_t arg);

/*
 * With tracing on: print every online core's ring (each core prints its
 * own, in turn, by message) between "trace: begin" and "trace: end".
 * Boot core, at the end of the run.
 */
void trace_dump_all(void);

/* Register the dump message. Boot core, before SMP. */
void trace_register(void);

#endif
