/* SPDX-License-Identifier: MIT */
/*
 * pvos: the paravirtual test OS's kernel interfaces. A vCPU ("cpu" here) is
 * indexed by its APIC ID, which is its Cypress vCPU index. Each cpu runs a
 * scheduler loop on its boot stack (xv6 style: a thread switches to its cpu's
 * scheduler context, which picks the next one), takes threads from its own
 * run queue, steals from the longest other one when its own is empty, and
 * HLTs when there is nothing to steal either; a kick IPI wakes it.
 * Rules:
 *   1. A thread on a run queue or a lock's wait queue is on no cpu: a thread
 *      is enqueued only by the scheduler context after it switched away from
 *      it, or by a waker that took it off a wait queue (whose lock the
 *      scheduler context released after the switch).
 *   2. Kernel spin locks (struct spinlock) are taken with interrupts off;
 *      they guard run queues and wait queues, also from interrupt handlers.
 *   3. An interrupt handler may switch threads only after its EOI (the SA
 *      upcall does); the library's second EOI on return then finds no
 *      interrupt in service and does nothing (SDM Vol 3A 11.8.5).
 *   4. The online set changes only under `shoot_lock` (a blocking lock), so a
 *      shootdown's target set is stable while it waits for acks.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), ring 0.
 */
#ifndef PVOS_KERN_H
#define PVOS_KERN_H

#include "tests/guests/lib/guest.h"
#include "guest-abi/libcypress.h"

#define NCPU	     GUEST_MAX_CPUS
#define NTHREAD	     12
#define THREAD_STACK GUEST_STACK_SIZE /* this_cpu() masks %esp with it */
#define VEC_KICK     0x40	      /* wake an idle cpu */
#define VEC_SHOOT    0x41	      /* run the shootdown function */
#define VEC_EVENT    0x42	      /* CORE_NOTIFY: Cypress events */
#define VEC_SA	     0x43	      /* scheduler-activation upcall */
#define NO_TARGET    (-1)
#define WAIT_FOREVER 0

enum tstate {
	T_FREE,
	T_RUNNABLE,
	T_RUNNING,
	T_BLOCKED,
	T_DONE
};

struct spinlock {
	volatile uint32_t v;
};

struct thread {
	uint32_t esp; /* saved by ctx_switch */
	uint32_t id;
	volatile uint32_t state; /* enum tstate */
	int32_t cpu;		 /* where it runs or last ran */
	int32_t migrate_to;	 /* NO_TARGET, or where the scheduler sends it next */
	struct thread *next;	 /* run queue or wait queue link */
	void (*fn)(void *arg);
	void *arg;
	const char *name;
	struct spinlock *unlock_after; /* released by the scheduler after the switch */
	uint64_t last_tsc;	       /* compute threads: the last TSC they saw */
	uint32_t migrations;	       /* arrivals on another cpu */
	uint32_t ops;		       /* workload operations done */
};

struct cpu {
	uint32_t id;		  /* APIC ID = vCPU index */
	volatile uint32_t online; /* in the kernel's online set (rule 4) */
	uint32_t boot_slot;	  /* its guest_stacks slot, reused after an offline */
	struct spinlock rq_lock;
	struct thread *rq_head, *rq_tail;
	volatile uint32_t rq_len;
	struct thread *current; /* NULL in the scheduler context */
	uint32_t sched_esp;
	volatile uint32_t offline_req;
	volatile int32_t offline_rc;
	volatile uint32_t sa_due; /* upcalls to ack from the scheduler context */
	uint64_t sa_entry_tsc;
	volatile uint32_t shoot_gen, tlb_gen;
	/* counters */
	volatile uint32_t switches, halts, kicks, steals, sa_upcalls, sa_acks, sa_moved, shoot_acks;
	volatile uint32_t sa_pending_seen, sa_ack_errors;
	uint64_t sa_ack_ticks, sa_gap_ticks;
	uint32_t sa_gap_samples;
};

extern struct cpu cpus[NCPU];
extern uint32_t ncpus;

/* ---- lock.c ---- */
uint32_t spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, uint32_t flags);
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);

/* A kernel spin lock for workload code: spins with interrupts on, yields after a while. */
struct ylock {
	volatile uint32_t v;
	volatile uint32_t contended;
};
void ylock_lock(struct ylock *l);
void ylock_unlock(struct ylock *l);

/* A blocking lock: waiters sleep on its wait queue. */
struct mutex {
	struct spinlock lk;
	volatile uint32_t locked;
	struct thread *owner;
	struct thread *wq_head, *wq_tail;
	volatile uint32_t blocked; /* times a thread slept on it */
};
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

/* ---- sched.c ---- */
/* The cpu we run on: stable only with interrupts off (a thread may move). */
struct cpu *cur_cpu(void);
/* The running thread (NULL in a scheduler context): stable everywhere. */
struct thread *cur_thread(void);
/* Create a runnable thread on cpu `on`: NULL if the pool is exhausted. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, uint32_t on);
/* Put t (off any cpu, rule 1) on cpu `to`'s queue, or another online cpu's; kicks it. */
void thread_enqueue(struct thread *t, uint32_t to);
void yield(void);
/* From an interrupt handler, after its EOI: switch away from the current thread. */
void sched_preempt_from_irq(void);
/* Block the current thread; the scheduler releases `lk` (held, interrupts off) after the switch. */
void sched_block(struct spinlock *lk);
/* The scheduler loop of the calling cpu (its boot stack). Never returns. */
void sched_loop(void) __attribute__((noreturn));
void kick(uint32_t cpu);
void sleep_ms(uint32_t ms);
/* An online cpu other than `not` with the shortest queue, or NO_TARGET. */
int32_t pick_other_cpu(uint32_t not );
uint32_t online_count(void);
uint32_t runnable_count(void);
/* Threads in each state, for the census. */
void thread_census(uint32_t counts[5]);
extern struct thread threads[NTHREAD];
void sched_init(void);

/* ---- shootdown.c ---- */
extern struct mutex shoot_lock;
/* Run a TLB-flush-like function on every online cpu and wait for all acks: true if all acked. */
bool shootdown(void);
void shootdown_init(void);
extern volatile uint32_t shoot_done, shoot_missed;

/* ---- work.c ---- */
void work_start(uint32_t per_kind);
/* Stop the workload, wait for every thread to end, check the invariants: true if they held. */
bool work_stop(char *summary, size_t len);

/* ---- pv.c ---- */
extern struct cy_shared pv_area;
/* TSC at which the event handler last took CY_EV_CORE for each vCPU (on the vCPU that arrived). */
extern volatile uint64_t ev_core_tsc[NCPU];
extern volatile uint32_t ev_core[NCPU], ev_lease_granted[NCPU], ev_lease_ending[NCPU],
	ev_lease_ended[NCPU], ev_balloon, ev_exchange;
void pv_init(void);
void sa_handler(struct irq_frame *f);
/* Where upcalls landed: no thread (the scheduler context), or a thread by name. */
#define SA_KINDS 6
extern const char *const sa_kinds[SA_KINDS];
extern volatile uint32_t sa_landed[SA_KINDS];
/* SA_REGISTER worked: acks go to the hypervisor (else upcalls are simulated IPIs). */
extern volatile uint32_t sa_registered;
/* Scheduler context: ack the pending upcall (rq decides yield or block). */
void sa_ack_now(struct cpu *c);
/* Scheduler context on cpu c: drain its queue and VCPU_OFFLINE; returns if that failed. */
void cpu_go_offline(struct cpu *c);
/*
 * Take cpu v offline (a thread, under shoot_lock): 0, or the VCPU_OFFLINE
 * error. *ticks: request to the cpu calling VCPU_OFFLINE. Success has no
 * answer (the call does not return), so after the call is made this waits
 * grace_ms for an error before it says 0; with 0 it says 0 at once (the
 * balloon path, whose BALLOON_ACK tells the truth anyway).
 */
int32_t cpu_offline(uint32_t v, uint64_t *ticks, uint32_t grace_ms);
/* INIT/SIPI cpu v back (a thread, under shoot_lock): true once it checked in. */
bool cpu_online(uint32_t v, uint64_t *ticks);
extern uint32_t init_delay_us;
void ap_main(unsigned int slot);

/* ---- balloon.c ---- */
extern volatile uint32_t balloon_followed, balloon_failed, balloon_stop;
extern uint64_t balloon_down_ticks;
extern uint32_t balloon_downs;
extern volatile uint64_t balloon_event_tsc;
/* Start balloond on cpu 0: false if no thread was left. */
bool balloon_start(void);
/* Wake balloond to look at balloon_seq (event handler, init thread, stop). */
void balloon_kick(void);
/* Bring the online set to target vCPUs (1..ncpus) under shoot_lock: true if it got there. */
bool balloon_apply(uint32_t target);

#endif
