/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlock: FIFO-fair, so no core starves while 1000 others contend.
 * Pure C atomics (no hardware access), usable in host tests.
 * Environment: any; never held across a wait on another core's progress.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "lib/types.h"

typedef struct {
	uint32_t next;
	uint32_t owner;
} spinlock_t;

#define SPINLOCK_INIT \
	{             \
		0, 0  \
	}

#ifdef HOST_TEST
#include <sched.h>
/*
 * Hosted tests run more threads than the machine has cores. A ticket lock
 * then hands over to a waiter that is often descheduled, and spinning
 * without yielding turns every hand-over into a scheduler tick (tests ran
 * at ~16k acquisitions per second and timed out). In the hypervisor every
 * waiter owns its core, so there a pause is right.
 */
static inline void cpu_relax(void)
{
	sched_yield();
}
#else
static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}
#endif

static inline void spin_lock(spinlock_t *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

static inline bool spin_trylock(spinlock_t *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expect = owner;
	return __atomic_compare_exchange_n(&l->next, &expect, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif
