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
	MSG_VCPU_RUN = 7,	  /* run vCPU arg[0] (struct vcpu *) on this core */
	MSG_VM_KICK = 8,	  /* VM arg[0] ended: a vCPU here must leave its loop */
	MSG_VLAPIC_DELIVER = 10,  /* interrupt for vCPU arg[0]: delivery arg[1], vector arg[2] */
	MSG_VCPU_DONE = 9,	  /* to the GPM: vCPU arg[1] of VM arg[0] left its loop */
	MSG_TYPES = 16,
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

/* Run the handlers of every message queued for this core. Returns how many. */
unsigned int msg_poll(void);

/* Register the mailbox IPI vector. Boot core, before SMP. */
void msg_init(void);

#endif
