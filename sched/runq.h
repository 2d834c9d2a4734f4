/* SPDX-License-Identifier: MIT */
/*
 * Per-core runqueue: a binary min-heap of entries keyed by (key, seq).
 * Environment: freestanding hypervisor, owning core only (no locks: a core's
 * runqueue lives in its own per-CPU block and no other core touches it; other
 * cores ask by message); also built hosted for unit tests and the simulator.
 *
 * Why a heap: the time-shared cases (the micro-sliced pool, oversubscribed
 * partitions, and accelerator cores once they are scheduled) need "who has the smallest key" per decision in
 * O(log n) with no allocation. Each entry remembers its index in the heap
 * (pos), so removal and key changes anywhere are O(log n) too.
 *
 * Ordering: smaller key first; equal keys come out in the order they were
 * pushed (or last had their key updated), via a 64-bit sequence number that
 * never wraps in practice, so ties are FIFO.
 *
 * Storage: the caller passes an array of cap entry pointers; entries are owned
 * by the caller (typically embedded in a vCPU) and must stay alive while queued.
 */
#ifndef SCHED_RUNQ_H
#define SCHED_RUNQ_H

#include "lib/types.h"

/* pos value of an entry that is in no heap. */
#define RUNQ_NOT_QUEUED UINT32_MAX

struct runq_entry {
	uint64_t key; /* ordering key, e.g. virtual runtime */
	uint32_t id;  /* caller's identifier, for diagnostics */
	uint32_t pos; /* index in heap, for O(log n) removal; RUNQ_NOT_QUEUED if none */
	uint64_t seq; /* FIFO tie-break, assigned by push/update */
};

struct runq {
	struct runq_entry **heap; /* caller storage, cap slots */
	uint32_t cap;
	uint32_t count;
	uint64_t next_seq;
	/* Instrumentation: key comparisons made so far (tests check the log2 bound). */
	uint64_t cmps;
};

/*
 * Initialise q as empty over storage[0..cap-1].
 * Preconditions: storage holds cap pointers and outlives q; 0 < cap < UINT32_MAX.
 * Returns 0, or -E_INVAL (one console line) for NULL arguments or a bad cap.
 */
int runq_init(struct runq *q, struct runq_entry **storage, uint32_t cap);

/*
 * Prepare an entry for use: sets id and key, marks it not queued.
 * Preconditions: e is not in any runqueue.
 */
void runq_entry_init(struct runq_entry *e, uint32_t id, uint64_t key);

/*
 * Insert e with its current e->key. O(log n).
 * Returns 0, -E_EXIST if e is already in q, -E_FULL if q holds cap entries,
 * -E_INVAL for NULL arguments (each error prints one console line).
 */
int runq_push(struct runq *q, struct runq_entry *e);

/* Smallest (key, seq) entry without removing it, or NULL if empty. O(1). */
struct runq_entry *runq_peek_min(const struct runq *q);

/*
 * Remove and return the smallest (key, seq) entry, or NULL if q is empty.
 * O(log n): at most 2 * floor(log2(count)) key comparisons.
 */
struct runq_entry *runq_pop_min(struct runq *q);

/*
 * Remove e from anywhere in q. O(log n).
 * Returns 0, -E_NOENT if e is not in q, -E_INVAL for NULL arguments.
 */
int runq_remove(struct runq *q, struct runq_entry *e);

/*
 * Change a queued entry's key to new_key and restore heap order. O(log n).
 * The entry gets a fresh sequence number, so among equal keys it now goes last.
 * Returns 0, -E_NOENT if e is not in q, -E_INVAL for NULL arguments.
 */
int runq_update(struct runq *q, struct runq_entry *e, uint64_t new_key);

/* True if e is currently in q (checked against the heap, not just e->pos). */
bool runq_contains(const struct runq *q, const struct runq_entry *e);

/* Number of queued entries. */
static inline uint32_t runq_count(const struct runq *q)
{
	return q->count;
}

#endif
