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
 *
 * Model shared by all policies: a vCPU is "runnable" from enqueue until
 * dequeue. pick_next chooses which runnable vCPU runs next and makes it the
 * core's current vCPU; tick charges the current vCPU for time it ran and says
 * whether pick_next should be called now. Time is in whatever unit the caller
 * uses consistently (e.g. nanoseconds or ticks).
 */
#ifndef SCHED_OPS_H
#define SCHED_OPS_H

#include "lib/types.h"
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

#endif
