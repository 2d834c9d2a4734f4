/* SPDX-License-Identifier: MIT */
/*
 * Micro-sliced core pool: critical-section test, pool-size adaptation
 * (Algorithm 1) and per-pool-core urgent vCPU selection.
 * Environment: pure scheduling policy; freestanding hypervisor, any core,
 * interrupts either way, each object owned and written by one core only;
 * also built hosted for unit tests and the simulator.
 *
 * Source: Ahn et al., "Flexible Micro-sliced Cores"
 * (/work/shared/seeds/004_*.txt). A vCPU preempted inside a critical guest
 * kernel function (spinlock holder, TLB shootdown, IRQ handling; the paper's
 * Table 3) is moved to a small pool of cores that run 0.1 ms slices, then
 * goes back to its normal core (Section 5, "Other considerations").
 *
 * No object here is shared between cores: the owner of a pool core owns its
 * struct msc_core; the core running the adaptation owns struct msc_adapt.
 * Other cores ask for work through messages, never by writing these.
 */
#ifndef SCHED_MICROSLICE_H
#define SCHED_MICROSLICE_H

#include "lib/types.h"

/* ---- (1) Critical-section test (paper Section 4.1) ---------------------- */

/* Value of msc_sym.critical for a function that is not critical. */
#define MSC_NOT_CRITICAL 0xffffu

/*
 * One guest kernel function from the guest's symbol table (System.map).
 * [start, start + size) is the function; critical is the index of the
 * function in the caller's list of critical functions, or MSC_NOT_CRITICAL.
 */
struct msc_sym {
	uint64_t start;
	uint32_t size;
	uint16_t critical;
};

/* A validated, sorted symbol table; storage belongs to the caller. */
struct msc_symtab {
	const struct msc_sym *syms;
	uint32_t n;
};

/*
 * Bind t to the caller's array syms[0..n). The array must already be sorted
 * by start and its functions must not overlap (each start must be at or after
 * the previous function's end; zero-size symbols are allowed and never
 * match). Returns 0, or -E_INVAL with one "msc: " console line naming the
 * first bad entry (unsorted, overlapping, end past 2^64, or NULL array with
 * n > 0); on error t is left as an empty table. n == 0 gives an empty table.
 * Precondition: t is not NULL; syms stays valid and unchanged while t is used.
 */
int msc_symtab_init(struct msc_symtab *t, const struct msc_sym *syms, uint32_t n);

/*
 * Binary search, O(log n): the critical-list index of the function holding
 * instruction pointer ip, or -E_NOENT if ip lies in no function or in a
 * function that is not critical. Precondition: t was set up by
 * msc_symtab_init.
 */
int msc_critical_index(const struct msc_symtab *t, uint64_t ip);

/* True if ip is inside a critical function (msc_critical_index() >= 0). */
bool msc_is_critical(const struct msc_symtab *t, uint64_t ip);

/* ---- (2) Pool-size adaptation: the paper's Algorithm 1 (Section 4.3) ---- */

/* Profile phase length: 10 ms (Algorithm 1 line 6). */
#define MSC_PROFILE_US 10000u
/* Run phase (epoch) length: 1 s (Algorithm 1 line 18; Section 5). */
#define MSC_EPOCH_US 1000000u
/* Largest NUM_LIMIT_uCORES this implementation keeps statistics for. */
#define MSC_MAX_LIMIT 16u

/*
 * System-wide urgent-event counters (Section 5, "Tracking critical events"):
 * yields caused by IPIs, pause-loop exits, and virtual IRQs for devices.
 * The caller passes monotonically increasing totals; the state machine takes
 * differences per 10 ms window itself.
 */
struct msc_events {
	uint64_t ipi;
	uint64_t ple;
	uint64_t irq;
};

/* State of Algorithm 1; read-only to callers except through the functions. */
struct msc_adapt {
	uint32_t limit;		/* NUM_LIMIT_uCORES, clamped to MSC_MAX_LIMIT */
	uint32_t current;	/* numuCores: pool size to use now */
	bool profiling;		/* profileMode */
	uint64_t due_us;	/* when the procedure runs next (SetTimer) */
	struct msc_events base; /* totals at the start of the window */
	/* urEvents[]: per-window events measured with i pool cores. */
	struct msc_events ur[MSC_MAX_LIMIT + 1];
};

/*
 * Start Algorithm 1 with no micro-sliced cores and profileMode False; the
 * procedure first runs at now_us. limit is the most pool cores it may pick
 * (the paper uses 6 of 12 cores, Section 6.2); values above MSC_MAX_LIMIT
 * are clamped with one "msc: " console line. limit 0 disables the pool.
 * Precondition: a is not NULL.
 */
void msc_adapt_init(struct msc_adapt *a, uint32_t limit, uint64_t now_us);

/*
 * Drive Algorithm 1: call at least every MSC_PROFILE_US with the current
 * time and the current event totals. If the timer set by the previous run of
 * the procedure has expired, runs the procedure once (the window's events are
 * totals - totals at the window start); otherwise changes nothing. Returns
 * the pool size to use now. Time going backwards is ignored; totals going
 * backwards count as zero events, with one "msc: " line.
 * Precondition: a was set up by msc_adapt_init; totals is not NULL.
 */
uint32_t msc_adapt_tick(struct msc_adapt *a, uint64_t now_us, const struct msc_events *totals);

/* ---- (3) Per-pool-core selection (Sections 4.2 and 5) ------------------- */

/* Slice on a micro-sliced core: 0.1 ms (Section 6.1). */
#define MSC_SLICE_US 100u
/* "No vCPU" in vCPU id fields and results. */
#define MSC_NO_VCPU 0xffffffffu

/* What made a vCPU urgent (Section 4.1). */
enum msc_trigger {
	MSC_TRIG_PLE,  /* pause-loop exit or yield of a vCPU */
	MSC_TRIG_IPI,  /* IPI relayed to a preempted vCPU */
	MSC_TRIG_VIRQ, /* virtual device IRQ delivered to a vCPU */
};

/*
 * Should a preempted vCPU whose instruction pointer is ip be moved to the
 * pool for this trigger? IPI and virtual IRQ recipients always are (Section
 * 4.2: the recipient is moved before the interrupt is relayed); for a pause
 * loop exit only vCPUs inside a critical function are (the spinning vCPU's
 * preempted siblings are checked the same way). Precondition: t was set up
 * by msc_symtab_init.
 */
bool msc_wants_pool(enum msc_trigger why, const struct msc_symtab *t, uint64_t ip);

/* Bounded FIFO of urgent vCPU ids; storage belongs to the caller. */
struct msc_queue {
	uint32_t *slots;
	uint32_t cap;
	uint32_t head; /* index of the oldest entry */
	uint32_t len;
};

/*
 * Bind q to slots[0..cap), empty. Returns 0, or -E_INVAL with one "msc: "
 * line if slots is NULL or cap is 0. Precondition: q is not NULL.
 */
int msc_queue_init(struct msc_queue *q, uint32_t *slots, uint32_t cap);

/*
 * Append vcpu at the tail. Returns 0; -E_EXIST if vcpu is already queued
 * (a vCPU waits at most once); -E_FULL if the queue is full (the caller
 * leaves the vCPU on its normal core); -E_INVAL for MSC_NO_VCPU.
 * O(len). Precondition: q was set up by msc_queue_init.
 */
int msc_queue_push(struct msc_queue *q, uint32_t vcpu);

/* Remove and return the oldest vCPU id, or MSC_NO_VCPU if empty. */
uint32_t msc_queue_pop(struct msc_queue *q);

/* True if vcpu is waiting in q. O(len). */
bool msc_queue_contains(const struct msc_queue *q, uint32_t vcpu);

/* One micro-sliced pool core: its urgent FIFO and the vCPU it runs. */
struct msc_core {
	struct msc_queue q;
	uint32_t running;      /* vCPU in its slice, or MSC_NO_VCPU */
	uint64_t slice_end_us; /* when the running vCPU's slice ends */
};

/* Result of msc_core_tick. */
struct msc_pick {
	uint32_t run;	       /* vCPU to run now, or MSC_NO_VCPU (idle) */
	uint32_t give_back;    /* vCPU whose slice ended: return it to its
				 normal core, or MSC_NO_VCPU */
	uint64_t slice_end_us; /* end of run's slice (valid if run is set) */
};

/*
 * Set up a pool core with an empty FIFO over slots[0..cap). Returns 0 or
 * -E_INVAL as msc_queue_init. Precondition: c is not NULL.
 */
int msc_core_init(struct msc_core *c, uint32_t *slots, uint32_t cap);

/*
 * Queue an urgent vCPU on this pool core. As msc_queue_push, and also
 * -E_EXIST if vcpu is the one running here now.
 */
int msc_core_push(struct msc_core *c, uint32_t vcpu);

/*
 * Decide what this pool core runs at now_us (call on every scheduling point
 * of the core). A running vCPU keeps the core until its 0.1 ms slice ends;
 * then it is handed back (give_back) and never re-queued here, so urgent
 * vCPUs cannot monopolise the pool (Section 5), and the oldest waiting vCPU
 * gets a fresh slice. Precondition: c was set up by msc_core_init; out is
 * not NULL.
 */
void msc_core_tick(struct msc_core *c, uint64_t now_us, struct msc_pick *out);

/*
 * The running vCPU left the core before its slice ended (blocked, halted or
 * finished its critical section): it goes back to its normal core. Returns
 * its id, or MSC_NO_VCPU if none was running. The next msc_core_tick picks
 * the next waiting vCPU.
 */
uint32_t msc_core_release(struct msc_core *c);

#endif
