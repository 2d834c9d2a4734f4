/* SPDX-License-Identifier: MIT */
/*
 * Scheduler ops: one small interface, one policy per core, chosen at set-up.
 * Environment: freestanding hypervisor, owning core only (a core's sched_core
 * lives in its per-CPU block and only that core calls these ops); also built
 * hosted for unit tests and the simulator.
 *
 * Policies (each in its own file, picked by which ops table a core is given):
 *  - sched_noop_ops (sched/policy_noop.c): partitioned cores, one vCPU per core;
 *    pick_next always returns it (or NULL when it has been dequeued).
 *  - sched_fair_ops (sched/policy_fair.c): virtual-runtime fair sharing over the
 *    per-core runqueue (sched/runq.h).
 *  - sched_gang_ops (sched/policy_gang.c): fair sharing, except that the core's
 *    one gang vCPU (sched_vcpu.gang) runs only inside the gang's time slot
 *    (sched/gang.h), where it goes first.
 *
 * Model shared by all policies: a vCPU is "runnable" from enqueue until
 * dequeue. pick_next chooses which runnable vCPU runs next and makes it the
 * core's current vCPU; tick charges the current vCPU for time it ran and says
 * whether pick_next should be called now. Time is in whatever unit the caller
 * uses consistently (e.g. nanoseconds or ticks). A policy that follows the
 * clock (gang) reads sched_core.clock, which the caller sets to the current
 * time before pick_next and tick; the others ignore it.
 */
#ifndef SCHED_OPS_H
#define SCHED_OPS_H

#include "lib/types.h"
#include "sched/gang.h"
#include "sched/runq.h"

/* Weight of a vCPU with default share; vruntime advances 1:1 with runtime. */
#define SCHED_WEIGHT_DEFAULT 1024u
/* Largest accepted weight (keeps runtime * 1024 / weight well in range). */
#define SCHED_WEIGHT_MAX (1u << 20)

/* Per-vCPU scheduling state, embedded in the vCPU and owned by its core. */
struct sched_vcpu {
	uint32_t id;
	uint32_t weight;   /* share; 1..SCHED_WEIGHT_MAX */
	uint64_t vruntime; /* fair policy: weighted runtime */
	uint64_t vr_rem;   /* fair policy: remainder of runtime * 1024 not yet in vruntime */
	uint64_t runtime;  /* total time charged by tick, for accounting and tests */
	bool runnable;
	bool gang;	      /* gang policy: a gang member (set by the caller before enqueue) */
	struct runq_entry rq; /* fair policy: this vCPU's runqueue entry */
};

/* Per-core scheduler state; lives in the core's own per-CPU block. */
struct sched_core {
	const struct sched_ops *ops;
	struct runq rq;
	struct sched_vcpu *curr; /* chosen by the last pick_next, NULL = idle */
	uint64_t min_vruntime;	 /* fair policy: never decreases */
	uint64_t slice;		 /* fair policy: runtime per turn */
	uint64_t slice_used;	 /* fair policy: runtime of curr in this turn */
	uint32_t nr_runnable;
	uint64_t clock;		 /* the caller's time, set before pick_next and tick */
	struct sched_vcpu *gang; /* gang policy: the runnable gang vCPU, outside rq */
	struct gang_slot slot;	 /* gang policy: when it may run (len 0: not yet) */
};

struct sched_ops {
	const char *name;
	/*
	 * Set c up empty under this policy (c->ops = the table). storage/cap give
	 * the runqueue slots (ignored by noop, may be NULL there); slice is the
	 * runtime per turn (fair: must be > 0). Returns 0 or -E_INVAL.
	 */
	int (*init)(struct sched_core *c, struct runq_entry **storage, uint32_t cap,
		    uint64_t slice);
	/* Choose the next vCPU to run and make it c->curr; NULL means idle. */
	struct sched_vcpu *(*pick_next)(struct sched_core *c);
	/*
	 * Make v runnable on c. wakeup is true when v returns from sleeping (fair
	 * applies the sleeper rule). Preconditions: v->id and v->weight are set;
	 * v is not runnable on, nor the current vCPU of, another core
	 * (move a vCPU only after its old core has dequeued it and picked again). Returns 0, -E_EXIST if already
	 * runnable here, -E_BUSY (noop: core already has a vCPU), -E_FULL,
	 * -E_INVAL (bad weight).
	 */
	int (*enqueue)(struct sched_core *c, struct sched_vcpu *v, bool wakeup);
	/* Make v not runnable (it blocks or leaves). Returns 0 or -E_NOENT. */
	int (*dequeue)(struct sched_core *c, struct sched_vcpu *v);
	/*
	 * Charge c->curr for ran units of runtime. Returns true if the caller
	 * should call pick_next now (its turn is over).
	 */
	bool (*tick)(struct sched_core *c, uint64_t ran);
};

/* Partitioned cores: one vCPU per core (sched/policy_noop.c). */
extern const struct sched_ops sched_noop_ops;
/* Virtual-runtime fair sharing (sched/policy_fair.c). */
extern const struct sched_ops sched_fair_ops;
/* Fair sharing plus one gang vCPU in a time slot (sched/policy_gang.c). */
extern const struct sched_ops sched_gang_ops;

/*
 * Install the gang's slot on core c (sched_gang_ops), as the Local Partition
 * Manager's message says; from c->clock on, the gang vCPU runs exactly when
 * gang_in_slot(slot, c->clock). Returns 0, or -E_INVAL with one line for a
 * slot gang_slot_check() refuses or a core under another policy (nothing
 * changes then). The caller calls pick_next afterwards if the answer changed.
 */
int sched_gang_set_slot(struct sched_core *c, const struct gang_slot *slot);

/*
 * When core c must decide again because the gang's slot begins or ends
 * (gang_next_switch() of its slot after c->clock), for arming its timer;
 * GANG_NEVER without a gang vCPU or a slot.
 */
uint64_t sched_gang_next_event(const struct sched_core *c);

/*
 * Internal to the sched/ policies: put c->curr back into the fair runqueue if
 * it is runnable (keyed by its vruntime) and leave c with no current vCPU.
 */
void sched_fair_put_prev(struct sched_core *c);

#endif
