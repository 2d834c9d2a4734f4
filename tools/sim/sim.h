/* SPDX-License-Identifier: MIT */
/*
 * Cypress many-core simulator: shared types of the discrete-time model.
 * Environment: host program (tools/sim), single-threaded, deterministic.
 *
 * The model advances in fixed quanta (sim.q_ns, 1..10 us). Each quantum:
 * messages sent in the previous quantum are delivered to their cores, every
 * physical core's hypervisor scheduler decides what runs (hv_schedule), then
 * every running vCPU's guest executes one quantum of its threads
 * (guest_run). Cores are visited in index order, so a seed fixes the whole run.
 *
 * Ownership by construction, as in the hypervisor: the hypervisor-side state
 * of a core (struct pcore_hv: its runqueue, current vCPU, counters) and of a
 * vCPU (struct vcpu_hv, owned by its home core or the pool core running it)
 * are const members, so the only way to write them is PH()/VH()/SC()/SV(),
 * and every such write by a core other than the owner (or by a device while
 * the clock runs) is counted in sim.xwrites. sched/ receives mutable state
 * only through SC() and SV(), so its writes are checked too: a runqueue holds
 * only vCPUs its core owns (checked at each end of quantum in the sanitizer
 * build, SIM_CHECK). Work on another core's state goes through sim_send(); a
 * vCPU changes owner only by a handoff message (vc_release, vc_claim).
 * Cypress must report 0; the shared-runqueue baselines report what they do.
 */
#ifndef TOOLS_SIM_SIM_H
#define TOOLS_SIM_SIM_H

#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "sched/ops.h"
#include "sched/irs.h"
#include "sched/microslice.h"
#include "sched/gpm.h"

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull

/* ---- workload model ----------------------------------------------------- */

enum op_kind {
	OP_CPU,	    /* compute; speed follows the core's speed */
	OP_MEM,	    /* memory-bound compute; speed barely follows the core's */
	OP_SPIN,    /* user-level spin lock: acquire, hold ns of CPU work, release */
	OP_KSPIN,   /* guest-kernel spin lock (critical: not preemptible by the guest) */
	OP_MUTEX,   /* blocking lock: acquire or sleep, hold ns, release */
	OP_BARRIER, /* all threads of the VM; spins or blocks per program */
	OP_TLB,	    /* TLB shootdown: IPI every busy sibling vCPU, spin for the acks */
	OP_IO,	    /* block on I/O for ns; a virtual IRQ wakes the thread */
};

struct op {
	uint8_t kind;
	uint8_t obj; /* lock number (0..SIM_LOCKS-1) */
	uint32_t ns; /* work (at speed 100), hold time, or I/O latency */
};

struct program {
	const char *name;
	const struct op *ops;
	uint32_t n;
	bool spin_barrier;	  /* barrier waiters spin (else block) */
	uint64_t barrier_spin_ns; /* spin this long first, then block (0 = never block if spin_barrier) */
};

enum thr_state {
	T_READY,
	T_RUNNING,
	T_BLOCKED
};

struct vm;
struct cypress;

struct thread {
	uint32_t id;   /* index in its VM */
	uint32_t gidx; /* index over all VMs (the I/O queue's entry) */
	struct vm *vm;
	const struct program *prog;
	uint32_t pc;   /* current op */
	uint64_t left; /* work left in the current op, ns at speed 100 */
	bool started;  /* current op's entry action done (lock taken, IPIs sent) */
	enum thr_state st;
	int32_t vcpu;	   /* guest vCPU it is on (queued or running) */
	int32_t next;	   /* FIFO link in a guest runqueue or wait list */
	uint64_t spun;	   /* ns spent spinning in the current op */
	uint32_t tlb_wait; /* acks still missing for this thread's shootdown */
	uint64_t loops;	   /* times the program completed */
	uint64_t io_due;   /* when the pending I/O completes */
};

/* Intrusive FIFO of thread indices within a VM. */
struct tfifo {
	int32_t head, tail;
	uint32_t n;
};

#define SIM_LOCKS 8

struct vlock {
	int32_t holder; /* thread, -1 free */
	struct tfifo waiters;
};

/* Hypervisor-side vCPU state. */
enum vc_state {
	VC_RUNNING, /* on pcore */
	VC_READY,   /* queued on home core (or the micro-sliced pool) */
	VC_BLOCKED, /* halted in the guest, not queued */
	VC_OFFLINE, /* ballooned out */
};

/* Owner value of a vCPU handed from one core to another by a message. */
#define OWNER_TRANSIT (-2)

/*
 * The hypervisor-side state of a vCPU. It has exactly one owner core (h.owner):
 * its home core, or the pool core running it, or nobody while a handoff
 * message is in flight (OWNER_TRANSIT). The member is const in struct vcpu,
 * so the compiler refuses every write except through VH(), which counts the
 * write in sim.xwrites when the executing core is not the owner.
 */
struct vcpu_hv {
	int32_t owner; /* core that may write this, or OWNER_TRANSIT */
	enum vc_state st;
	int32_t home;  /* pcore whose queue it belongs to */
	int32_t pcore; /* pcore running it, -1 */
	struct sched_vcpu sv;
	struct irs_vcpu irs;
	bool boost;	     /* credit: woke up, runs ahead of others */
	bool in_pool;	     /* queued on or running in the micro-sliced pool */
	uint64_t slice_used; /* ns in the current turn */
	uint64_t ran;	     /* total ns on a core */
	int64_t credit;	     /* credit baseline: ns of entitlement left this period */
	bool costop;	     /* co-scheduling: stopped until its siblings catch up */
	bool yielded;	     /* PLE yield: the policy puts it behind a lower-priority peer */
};

struct vcpu {
	uint32_t gid; /* global index */
	uint32_t idx; /* index in its VM */
	struct vm *vm;
	int32_t home0;		/* home core at placement (set-up only; the GPM's plan) */
	const struct vcpu_hv h; /* hypervisor side: write only through VH() */
	/* guest side (the guest's memory and virtual interrupt state) */
	bool online;
	int32_t cur; /* running thread, -1 idle */
	struct tfifo rq;
	uint64_t gslice;   /* guest time slice used by cur */
	uint32_t pend_tlb; /* shootdown IPIs to ack (each names a thread below) */
	int32_t tlb_from[8];
	uint32_t pend_irq; /* device IRQs to handle */
	bool pend_sa;	   /* scheduler-activation upcall pending */
	bool in_irq;	   /* handling an interrupt this quantum (ip = do_IRQ) */
	uint64_t spin_run; /* consecutive spin ns (pause-loop exit window) */
	struct tfifo irqq; /* threads whose I/O completion IRQ this vCPU handles */
};

struct vm_stats {
	uint64_t work;	    /* useful ns at speed 100 completed */
	uint64_t insns;	    /* work weighted for IPS (same units) */
	uint64_t spin;	    /* ns spent spinning */
	uint64_t loops;	    /* program iterations completed */
	uint64_t energy_pj; /* energy of the cores while they ran this VM */
	uint64_t sa_sent, sa_acked, sa_forced;
	uint64_t ple, ple_self, pool_moves; /* ple_self: a PLE yield picked the yielder */
	uint64_t loops_mid;		    /* loops at the dynamic-balloon point */
	uint32_t online_mid;		    /* vCPUs online then */
	uint64_t fast_ns;		    /* vCPU time on fast cores */
	uint32_t lease_granted, lease_denied, lease_expired, lease_released;
	uint64_t loops_up, loops_down; /* loops at the two P-state requests */
	uint32_t exchanges;
	uint64_t loops_rel, loops_replan; /* loops at the core release / the GPM re-plan */
	uint32_t used_w_before, used_w_after, released; /* power budget around the release */
	uint32_t replan_moves, lpm_moves;		/* what the re-plan moved */
	uint64_t outside_q;	 /* quanta a gang vCPU ran outside its slot (watch_split) */
	uint64_t run_q, split_q; /* quanta with some vCPU running; of those, with one
				    runnable but not running (hv_conf.watch_split) */
};

struct vm {
	uint32_t id;
	const char *name;
	uint32_t nvcpus, nthreads;
	struct vcpu *vcpus;
	struct thread *thr;
	uint32_t weight;
	bool pv;	    /* paravirtual: SA upcalls and ballooning */
	bool hog;	    /* interference: never counted as the VM under test */
	bool adapt_threads; /* spawns one thread per online vCPU (PARSEC-like) */
	uint32_t balloon_target;
	struct vlock lock[SIM_LOCKS];
	uint32_t bar_arrived, bar_gen;
	struct tfifo bar_wait;
	struct vm_stats st;
	struct gpm_request
		req;	  /* Cypress: what the guest asks the GPM for (vcpus set at placement) */
	uint32_t power_w; /* Cypress: power budget in watts, 0 = none */
	bool wants_fast;  /* Cypress: a core-discovering guest asks for fast cores */
	int32_t part;	  /* Cypress partition, -1 */
	bool rejected;
	const char *reject_why;
};

/* ---- physical cores and messages ---------------------------------------- */

struct msg {
	uint32_t type, from, a, b;
};

/*
 * The hypervisor-side state of a physical core, owned by that core: const in
 * struct pcore, written only through PH() (or SC() for the sched/ policy's
 * state), which count any write by another core.
 */
struct pcore_hv {
	struct vcpu *cur;
	/* queue of vCPUs homed here (hv.c: fair policy or credit FIFO) */
	struct sched_core sc;
	struct msc_core msc;
	uint64_t busy, idle, switches;
	uint64_t msgs_in;
	uint64_t energy_pj;   /* energy drawn, busy and idle */
	struct msc_events ev; /* micro-sliced pool triggers seen on this core */
	uint32_t pool_rr;     /* next pool core this core sends a vCPU to */
};

struct pcore {
	uint32_t id;
	uint32_t speed;	  /* percent of the slowest class */
	uint32_t mw;	  /* power while busy, milliwatts (static + dynamic) */
	uint32_t idle_mw; /* power while idle, milliwatts (static + idle) */
	uint32_t socket;
	uint8_t cls;		      /* GPM_CLS_* */
	bool lpm;		      /* runs a Local Partition Manager, no vCPUs */
	bool lpm_fresh;		      /* a new LPM: take load snapshots before reporting */
	int32_t lpm_part;	      /* the partition this LPM core manages, -1 */
	bool pool;		      /* member of the micro-sliced pool */
	struct runq_entry **rq_store; /* sc's runqueue slots (written only via sc) */
	uint32_t *msc_slots;	      /* msc's FIFO slots (written only via msc) */
	const struct pcore_hv h;      /* write only through PH() / SC() */
	/* The mailbox: the one part of a core other cores write (sim_send). */
	struct msg *inbox; /* messages to handle at the next quantum */
	uint32_t ninbox, capinbox;
};

/* ---- hypervisor configuration -------------------------------------------- */

/* Per-core queue policy: sched_ops tables (sched/ for Cypress, tools/sim for credit). */
enum hv_queue {
	HVQ_CREDIT,
	HVQ_FAIR,
	HVQ_NOOP,
	HVQ_GANG /* sched_gang_ops on every core: fair plus gang slots */
};

struct hv_conf {
	const char *name;
	enum hv_queue queue;
	uint64_t slice_ns;	/* time-sharing slice */
	bool boost;		/* credit BOOST: a waking vCPU preempts */
	bool steal;		/* idle cores steal from peers (shared balancing) */
	bool ple;		/* pause-loop exit yields the vCPU */
	uint64_t ple_window_ns; /* spinning this long causes a PLE exit */
	bool cosched;		/* relaxed co-scheduling */
	uint64_t skew_ns;	/* co-stop a vCPU this far ahead of a stopped sibling */
	bool irs;		/* scheduler-activation notification before preemption */
	uint64_t irs_limit_ns;	/* hard limit on waiting for the ack */
	uint32_t msc_static;	/* micro-sliced pool size, fixed */
	bool msc_adaptive;	/* Algorithm 1 picks the size (msc_static = limit) */
	bool partition;		/* Cypress: GPM partitions, LPM cores, balloon */
	bool lpm_cores;		/* each partition gets a dedicated LPM core */
	bool balloon;		/* VCPU-Bal: guests online target vCPUs only */
	bool hetaware;		/* fast cores leased to CPU-bound vCPUs */
	const uint32_t *pin;	/* fixed home core per global vCPU, or NULL */
	bool msg_wake;		/* wakes travel as messages (Cypress), else direct writes */
	/* Dynamic ballooning (VCPU-Bal without LPM cores): at dyn_at_ns the GPM
	 * sets VM dyn_vm's weight to dyn_weight, recomputes the targets and
	 * sends MSG_BALLOON (and MSG_MOVE for vCPUs that come online). */
	uint64_t dyn_at_ns;
	uint32_t dyn_vm, dyn_weight;
	/* Fast-core leases: from lease_drop_at_ns on, VM lease_drop_vm no longer
	 * wants fast cores and the GPM releases its leases early (0 = never). */
	uint64_t lease_drop_at_ns;
	uint32_t lease_drop_vm;
	/* GPM under load: at gpm_destroy_at_ns the GPM destroys VM gpm_destroy_vm's
	 * partition; at gpm_grow_at_ns it resizes VM gpm_grow_vm's to all its vCPUs. */
	uint64_t gpm_destroy_at_ns, gpm_grow_at_ns;
	uint32_t gpm_destroy_vm, gpm_grow_vm;
	/* At gpm_replan_at_ns the GPM re-packs every live partition
	 * (gpm_replan) and moves the vCPUs and LPM cores that moved. 0 = never. */
	uint64_t gpm_replan_at_ns;
	/* At release_at_ns VM release_vm's guest gives back its last online
	 * vCPU's core: it offlines that vCPU (MSG_BALLOON) and the GPM returns
	 * the core to the inventory (power_release). 0 = never. */
	uint64_t release_at_ns;
	uint32_t release_vm;
	/* Legacy P-state hints: at exch_up_at_ns VM exch_vm's guest asks for P0,
	 * at exch_down_at_ns for the lowest P-state; the GPM turns each into a
	 * core-class hint (pstate_hint) and exchanges cores (power_exchange).
	 * Fast cores then stay out of the lease pool. 0 = never. */
	uint64_t exch_up_at_ns, exch_down_at_ns;
	uint32_t exch_vm;
	/* Gang slots (HVQ_GANG): at time 0 the coordinating core (gpm_core, in
	 * the LPM's role) sends every core that runs a gang vCPU the same slot,
	 * gang_period_ns long, shared by weight (MSG_GANG). */
	uint64_t gang_period_ns;
	bool watch_split; /* count vm_stats.run_q / split_q (the observer's) */
};

/* ---- the simulation ----------------------------------------------------- */

struct sim {
	uint64_t seed, rng;
	uint64_t now, end, q_ns;
	uint32_t ncores, nvms, nvcpus;
	struct pcore *cores;
	struct vm *vms;
	struct vcpu **vcpu; /* by global index */
	struct hv_conf hv;
	int32_t cur_core; /* core executing now; -1 = the simulator itself */
	bool running;	  /* the clock runs: a write from cur_core -1 is a device's */
	/* The observer's counters (not model state, no core owns them). */
	uint64_t xwrites;    /* writes to another core's state outside messages */
	uint64_t msgs;	     /* cross-core messages */
	uint64_t decisions;  /* every choice of what a core runs next */
	uint64_t dispatches; /* every time a vCPU is put on a core (<= decisions) */
	enum {
		SIM_FAULT_NONE,
		SIM_FAULT_VCPU,
		SIM_FAULT_SCHED
	} xw_fault; /* test hook */
	uint32_t rejected;
	/* I/O completions pending: a heap keyed by due time */
	struct runq io;
	struct runq_entry **io_store;
	struct runq_entry *io_ent; /* one per thread, by global thread index */
	struct thread **io_thr;
	uint32_t nthr_total;
	/* micro-sliced pool */
	struct msc_symtab syms;
	struct msc_adapt adapt; /* owned by gpm_core, which runs Algorithm 1 */
	uint32_t pool_size;	/* written by gpm_core only (sim_own) */
	uint32_t gpm_core;	/* core running the Global Partition Manager */
	struct cypress *cy;	/* hv_cypress.c state, NULL for the baselines */
	FILE *log;		/* sched/ console lines and rejected requests */
};

/*
 * Record a write to state owned by core `owner` (or OWNER_TRANSIT): counted
 * when the executing core is another one, and when a device (cur_core -1)
 * writes while the clock runs. Set-up (before the clock) writes freely.
 */
static inline void sim_own(struct sim *s, int32_t owner)
{
	if (s->cur_core >= 0 ? s->cur_core != owner : s->running)
		s->xwrites++;
}

/* The writable hypervisor side of v, after checking the writer owns it. */
static inline struct vcpu_hv *VH(struct sim *s, struct vcpu *v)
{
	sim_own(s, v->h.owner);
	return (struct vcpu_hv *)&v->h;
}

/* The writable hypervisor side of core p, after checking the writer is p. */
static inline struct pcore_hv *PH(struct sim *s, struct pcore *p)
{
	sim_own(s, (int32_t)p->id);
	return (struct pcore_hv *)&p->h;
}

/* p's sched/ state for a sched_ops call (everything sched/ writes is behind it). */
static inline struct sched_core *SC(struct sim *s, struct pcore *p)
{
	return &PH(s, p)->sc;
}

/* v's sched/ state for a sched_ops call. */
static inline struct sched_vcpu *SV(struct sim *s, struct vcpu *v)
{
	return &VH(s, v)->sv;
}

/*
 * Take v over as the receiving half of a handoff: v was released
 * (OWNER_TRANSIT) by the core that sent the message being handled. Any other
 * take-over is a foreign write and is counted.
 */
static inline struct vcpu_hv *vc_claim(struct sim *s, struct vcpu *v)
{
	struct vcpu_hv *h = (struct vcpu_hv *)&v->h;

	if (h->owner != OWNER_TRANSIT)
		sim_own(s, h->owner);
	h->owner = s->cur_core;
	return h;
}

/* Give v up for a handoff message: the caller must own it. */
static inline void vc_release(struct sim *s, struct vcpu *v)
{
	VH(s, v)->owner = OWNER_TRANSIT;
}

/* Message types between cores. */
enum {
	MSG_WAKE = 1,
	MSG_POOL,
	MSG_POOL_RUN,
	MSG_RETURN,
	MSG_BALLOON,
	MSG_LOAD,
	MSG_MOVE,
	MSG_ONLINE,  /* to the home core: a ballooned-out vCPU comes back */
	MSG_LPM_OFF, /* to an LPM core: its partition is gone, it runs vCPUs again */
	MSG_LPM_ON,  /* to a core: it becomes partition a's LPM (a re-plan moved it) */
	MSG_GANG     /* a gang slot: a = start (us), b = length (us) */
};

/* Synthetic guest kernel symbols (engine.c builds the table, guest.c the IPs). */
#define SYM_USER 0x100000ull /* user code: not critical */
#define SYM_IDLE 0x200000ull /* idle loop: not critical */
#define SYM_SPIN 0x300000ull /* _raw_spin_lock and the held section: critical */
#define SYM_TLB	 0x400000ull /* flush_tlb_others: critical */
#define SYM_IRQ	 0x500000ull /* do_IRQ: critical */
#define SYM_SIZE 0x10000u

/* engine.c */
uint64_t sim_rand(struct sim *s);
/* calloc that never returns NULL: out of memory ends the program (status 2). */
void *sim_zalloc(size_t n, size_t size);
void sim_send(struct sim *s, uint32_t to, uint32_t type, uint32_t a, uint32_t b);
void sim_io_start(struct sim *s, struct thread *t, uint64_t due);
int sim_run(struct sim *s);
void sim_free(struct sim *s);

/* guest.c: the guest kernel model */
void guest_init_vm(struct sim *s, struct vm *vm);
void guest_run(struct sim *s, struct vcpu *v, struct pcore *p, uint64_t ns);
void guest_io_done(struct sim *s, struct thread *t);
void guest_set_online(struct sim *s, struct vm *vm, uint32_t target);
uint64_t guest_ip(const struct vcpu *v);
bool guest_wants_cpu(const struct vcpu *v);
void tfifo_push(struct vm *vm, struct tfifo *f, int32_t t);
int32_t tfifo_pop(struct vm *vm, struct tfifo *f);

/* hv.c: the hypervisor scheduler model */
int hv_init(struct sim *s);
void hv_schedule(struct sim *s, struct pcore *p);
void hv_block(struct sim *s, struct vcpu *v);
void hv_kick(struct sim *s, struct vcpu *v, enum msc_trigger why);
void hv_ple(struct sim *s, struct vcpu *v);
void hv_sa_ack(struct sim *s, struct vcpu *v, bool block);
void hv_msg(struct sim *s, struct pcore *p, const struct msg *m);
void hv_offline(struct sim *s, struct vcpu *v);
void hv_online(struct sim *s, struct vcpu *v);
void hv_periodic(struct sim *s);

/* hv_cypress.c: GPM partitioning, ballooning and fast-core leases */
int cypress_place(struct sim *s);
void cypress_free(struct sim *s);
void cypress_report(const struct sim *s, FILE *f);
void cypress_periodic(struct sim *s);
void cypress_lpm(struct sim *s, struct pcore *p);
void cypress_load(struct sim *s, uint32_t part, uint32_t load_pct);

/* policy_credit.c: the Xen-credit-like baseline as a sched_ops policy */
extern const struct sched_ops sim_credit_ops;
void credit_account(struct sim *s);

#endif
