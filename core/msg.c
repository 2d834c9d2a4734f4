// SPDX-License-Identifier: MIT
/*
 * Cross-core messages over per-core mailboxes and a wake-up IPI. Handlers
 * run in the receiving core's normal context (its idle loop or a wait loop
 * that polls), never inside the interrupt: the IPI only ends a `hlt`.
 * Environment: freestanding hypervisor, any core.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/traps.h"
#include "core/msg.h"
#include "lib/errno.h"
#include "lib/printf.h"

static msg_handler_t handlers[MSG_TYPES];
static uint32_t cap = MBOX_SLOTS; /* testing hook: testhook.mboxcap */

void msg_set_cap(uint32_t n)
{
	if (n >= 1 && n <= MBOX_SLOTS)
		cap = n;
}

void msg_register(uint16_t type, msg_handler_t h)
{
	if (type < MSG_TYPES)
		handlers[type] = h;
}

int msg_send(uint32_t cpu, uint16_t type, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct pcpu *t = cpu < CONFIG_MAX_CPUS ? pcpu_by_id[cpu] : NULL;

	if (!t || __atomic_load_n(&t->shared.state, __ATOMIC_ACQUIRE) != PCPU_ONLINE)
		return -E_NOENT;
	struct mbox_msg m = { .type = type, .from = this_cpu_id(), .arg = { a0, a1, a2 } };
	/* The testing hook makes mailboxes look full early (a racy look is
	 * enough: it only has to make -E_FULL common). */
	if (__builtin_expect(cap < MBOX_SLOTS, 0) &&
	    __atomic_load_n(&t->shared.mbox.send_pos, __ATOMIC_RELAXED) -
			    __atomic_load_n(&t->shared.mbox.recv_pos, __ATOMIC_RELAXED) >=
		    cap) {
		__atomic_fetch_add(&t->shared.mbox.full, 1, __ATOMIC_RELAXED);
		return -E_FULL;
	}
	int rc = mbox_send(&t->shared.mbox, &m);
	if (rc == 0 && t != this_cpu())
		apic_send_ipi(t->apic_id, VEC_MAILBOX);
	return rc;
}

int msg_send_sure(uint32_t cpu, uint16_t type, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int rc;

	while ((rc = msg_send(cpu, type, a0, a1, a2)) == -E_FULL) {
		msg_poll();
		cpu_relax();
	}
	return rc;
}

void msg_kick(uint32_t cpu)
{
	struct pcpu *t = cpu < CONFIG_MAX_CPUS ? pcpu_by_id[cpu] : NULL;

	if (t && t != this_cpu() &&
	    __atomic_load_n(&t->shared.state, __ATOMIC_ACQUIRE) == PCPU_ONLINE)
		apic_send_ipi(t->apic_id, VEC_MAILBOX);
}

unsigned int msg_poll(void)
{
	struct pcpu *p = this_cpu();
	struct mbox_msg m;
	unsigned int n = 0;

	while (mbox_recv(&p->shared.mbox, &m)) {
		msg_handler_t h = m.type < MSG_TYPES ? handlers[m.type] : NULL;
		if (h)
			h(&m);
		else
			kprintf("msg: type %u from cpu %u has no handler; dropped\n", m.type,
				m.from);
		n++;
	}
	if (n)
		__atomic_fetch_add(&p->shared.msgs_handled, n, __ATOMIC_RELAXED);
	return n;
}

static void mailbox_irq(struct trap_frame *f)
{
	(void)f; /* the wake-up is the whole job; msg_poll() runs the handlers */
}

void msg_init(void)
{
	irq_register(VEC_MAILBOX, mailbox_irq);
}
