// SPDX-License-Identifier: MIT
/*
 * pvos: locks. Kernel spin locks (interrupts off while held: they guard run
 * and wait queues, also taken in interrupt handlers), workload spin locks
 * (interrupts on, so an SA upcall can move a holder; a waiter yields after
 * YLOCK_SPINS so a holder queued behind it on the same cpu gets to run), and
 * blocking locks whose waiters sleep on a wait queue, FIFO (kern.h rule 1: the
 * sleeper holds the lock's spin lock until its scheduler has switched away).
 * Environment: pvos kernel, any cpu; spin locks also in interrupt handlers.
 */
#include "tests/guests/pvos/kern.h"

#define YLOCK_SPINS 2000

void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->v, __ATOMIC_RELAXED))
			cpu_relax();
}

void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

uint32_t spin_lock_irqsave(struct spinlock *l)
{
	uint32_t flags = read_eflags();

	irq_disable();
	spin_lock(l);
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *l, uint32_t flags)
{
	spin_unlock(l);
	if (flags & (1u << 9)) /* EFLAGS.IF */
		irq_enable();
}

void ylock_lock(struct ylock *l)
{
	uint32_t spins = 0;

	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE)) {
		if (spins++ == 0)
			__atomic_fetch_add(&l->contended, 1, __ATOMIC_RELAXED);
		if (spins % YLOCK_SPINS == 0)
			yield();
		cpu_relax();
	}
}

void ylock_unlock(struct ylock *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

/*
 * Ownership is handed to the first waiter at unlock (FIFO, no barging): a
 * thread that keeps re-taking the lock cannot starve a sleeper (the init
 * thread waits for shoot_lock behind a stream of shootdowns).
 */
void mutex_lock(struct mutex *m)
{
	uint32_t flags = spin_lock_irqsave(&m->lk);
	struct thread *me = cur_thread();

	if (!m->locked) {
		m->locked = 1;
		m->owner = me;
		spin_unlock_irqrestore(&m->lk, flags);
		return;
	}
	me->next = NULL;
	if (m->wq_tail)
		m->wq_tail->next = me;
	else
		m->wq_head = me;
	m->wq_tail = me;
	m->blocked++;
	sched_block(&m->lk); /* returns with interrupts off and m->lk released */
	if (m->owner != me)
		fail("mutex %p: thread %u woke without the lock", (void *)m, me->id);
	if (flags & (1u << 9))
		irq_enable();
}

void mutex_unlock(struct mutex *m)
{
	uint32_t flags = spin_lock_irqsave(&m->lk);
	struct thread *w = m->wq_head;

	if (m->owner != cur_thread())
		fail("mutex %p unlocked by thread %u, owner %u", (void *)m, cur_thread()->id,
		     m->owner ? m->owner->id : 999u);
	if (w) {
		m->wq_head = w->next;
		if (!m->wq_head)
			m->wq_tail = NULL;
		w->next = NULL;
		m->owner = w; /* still locked: handed over */
	} else {
		m->locked = 0;
		m->owner = NULL;
	}
	spin_unlock_irqrestore(&m->lk, flags);
	/* w is off every cpu (rule 1): its scheduler released m->lk after the switch. */
	if (w)
		thread_enqueue(w, (uint32_t)w->cpu);
}
