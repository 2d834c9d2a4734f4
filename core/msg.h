/* SPDX-License-Identifier: MIT */
/*
 * Cross-core messages: the only way one core asks another to do something.
 * A message goes into the target's mailbox (lib/mailbox.h, lock-free,
 * bounded) and an IPI wakes the target, which runs the handler registered
 * for the message type in its own context. No core writes another core's
 * private state.
 * Environment: freestanding hypervisor, any core, interrupts either way.
 */
#ifndef CORE_MSG_H
#define CORE_MSG_H

#include "lib/mailbox.h"

/* Message types; numbers are never reused. */
enum msg_type {
	MSG_NOP = 0,
	MSG_TEST_RING = 1,	  /* selftest: token passed around all cores */
	MSG_TEST_FLOOD_START = 2, /* selftest: start flooding arg[0] with arg[1] messages */
	MSG_TEST_FLOOD = 3,	  /* selftest: one flood message, arg[0] = sequence */
	MSG_TEST_DONE = 4,	  /* selftest: a core finished its part, arg[0] = result */
	MSG_TEST_TIMER = 5,	  /* selftest: arm a one-shot of arg[0] us and report the delay */
	MSG_TEST_FAULT = 6,	  /* selftest: take a page fault (the core must stop alone) */
	/* 7 (MSG_VCPU_RUN) and 10 (MSG_VLAPIC_DELIVER) are retired. */
	MSG_VM_KICK = 8,   /* VM arg[0] ended: leave the guest and drop its vCPUs */
	MSG_VCPU_DONE = 9, /* to the GPM: vCPU arg[1] of VM arg[0] was dropped for good */
	MSG_VCPU_ADOPT =
		11, /* host vCPU arg[0] (now owned here); arg[1] VCORE_ADOPT_*, arg[2] old cpu */
	MSG_VCPU_MIGRATE = 12, /* from its LPM: move vCPU arg[0] to cpu arg[1] */
	MSG_VCPU_NOTIFY = 13,  /* interrupts were posted to vCPU arg[0] */
	MSG_VCPU_DROP = 14,    /* from its LPM: drop never-started vCPU arg[0] for good */
	MSG_LPM_START = 15,    /* to an LPM core: run LPM arg[0] (struct lpm *) */
	MSG_LPM_MOVE = 16,     /* to an LPM: move vCPU arg[1] to core index arg[2] (arg[0] lpm) */
	MSG_LPM_MOVED = 17,    /* to an LPM: vCPU arg[1] now lives on cpu arg[2] (arg[0] lpm) */
	MSG_LPM_RESIZE = 18,   /* to an LPM: take the core set of request arg[1] (arg[0] lpm) */
	MSG_GPM_CALL = 19,     /* to the GPM: run control call arg[0] (struct gpm_call *) */
	MSG_GPM_DONE = 20,     /* to the GPM: an LPM finished request arg[0] */
	MSG_BARRIER = 21,      /* reply MSG_BARRIER_ACK to the sender: earlier messages are done */
	MSG_BARRIER_ACK = 22,
	MSG_TRACE_DUMP = 23, /* print this core's trace ring */
	MSG_TEST_OWNER = 24, /* selftest: make this core's runqueue, then cpu 0 tries to write it */
	MSG_PING =
		25, /* bench: GPM -> LPM arg[0] -> its first core -> GPM; arg[1] start TSC, arg[2] hop */
	MSG_LPM_HINT = 26, /* to an LPM: vCPU arg[1] wants class arg[2] (a DVFS hint; arg[0] lpm) */
	/* Issue 11 (ABI 1.3), one range per module: 27-31 leases and core
	 * exchange (core/lease.c), 32-36 ballooning and requests
	 * (core/balloon.c), 37-41 the micro-sliced pool (core/pool.c), 42-44
	 * scheduler activations (core/sa.c). */
	MSG_POOL_RESCUE =
		37, /* to vCPU arg[0]'s core: send it to the pool (POOL_TRIG_* arg[1], TSC arg[2]) */
	MSG_LPM_LEASE =
		27, /* to an LPM: vCPU arg[1] leases cpu arg[2] (NO_CPU: lease over; arg[0] lpm) */
	MSG_LEASE_BACK = 28,	/* to the GPM: vCPU arg[1] of VM arg[0] left its leased core */
	MSG_EXCHANGE_DONE = 29, /* to the GPM: an LPM finished exchange call arg[0] */
	MSG_BALLOON_KICK = 32,	/* to the GPM: VM arg[0]'s load report changed (one in flight) */
	MSG_REQ_SLICE = 33,	/* to a vCPU core: a partition's slice changed (REQUEST) */
	MSG_TYPES = 48,
};

typedef void (*msg_handler_t)(const struct mbox_msg *m);

/* Install the handler for `type` on every core. Boot core, before SMP. */
void msg_register(uint16_t type, msg_handler_t h);

/*
 * Queue a message for online core `cpu` and send it an IPI.
 * Returns 0, -E_FULL when its mailbox is full (nothing queued: retry
 * later or give up; the caller decides), or -E_NOENT when `cpu` is not
 * online. Never blocks.
 */
int msg_send(uint32_t cpu, uint16_t type, uint64_t a0, uint64_t a1, uint64_t a2);

/*
 * msg_send() for messages that must not be lost (a vCPU handed over, a
 * vCPU dropped, a reply): while the target's mailbox is full, run this
 * core's own handlers and try again, so two cores sending to each other
 * both make progress. Returns 0 or -E_NOENT (target not online).
 * Interrupts off; never from inside an interrupt handler.
 */
int msg_send_sure(uint32_t cpu, uint16_t type, uint64_t a0, uint64_t a1, uint64_t a2);

/* Only the wake-up IPI: make online core `cpu` look at its work. */
void msg_kick(uint32_t cpu);

/* Run the handlers of every message queued for this core. Returns how many. */
unsigned int msg_poll(void);

/* Testing hook (testhook.mboxcap=N): mailboxes take at most n (1..64) messages. Boot core. */
void msg_set_cap(uint32_t n);

/* Register the mailbox IPI vector. Boot core, before SMP. */
void msg_init(void);

#endif
