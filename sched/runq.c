// SPDX-License-Identifier: MIT
/*
 * Per-core runqueue: binary min-heap keyed by (key, seq) with index tracking.
 * Environment: freestanding hypervisor, owning core only, interrupts either
 * way (no locks, no allocation); also built hosted for unit tests.
 *
 * Heap layout: heap[0] is the minimum; the children of i are 2i+1 and 2i+2.
 * Every move of an entry also rewrites its pos, so heap[e->pos] == e holds
 * for every queued entry; that is what makes remove/update O(log n).
 */
#include "sched/runq.h"

#include "lib/errno.h"
#include "lib/printf.h"

/* Strict (key, seq) order; counts each call for the complexity tests. */
static bool before(struct runq *q, const struct runq_entry *a, const struct runq_entry *b)
{
	q->cmps++;
	if (a->key != b->key)
		return a->key < b->key;
	return a->seq < b->seq;
}

static void place(struct runq *q, struct runq_entry *e, uint32_t i)
{
	q->heap[i] = e;
	e->pos = i;
}

/* Move the entry at i towards the root while it beats its parent. */
static void sift_up(struct runq *q, uint32_t i)
{
	struct runq_entry *e = q->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!before(q, e, q->heap[parent]))
			break;
		place(q, q->heap[parent], i);
		i = parent;
	}
	place(q, e, i);
}

/* Move the entry at i towards the leaves while a child beats it. */
static void sift_down(struct runq *q, uint32_t i)
{
	struct runq_entry *e = q->heap[i];

	for (;;) {
		uint64_t l = 2 * (uint64_t)i + 1;
		uint32_t c;

		if (l >= q->count)
			break;
		c = (uint32_t)l;
		if (l + 1 < q->count && before(q, q->heap[l + 1], q->heap[l]))
			c = (uint32_t)(l + 1);
		if (!before(q, q->heap[c], e))
			break;
		place(q, q->heap[c], i);
		i = c;
	}
	place(q, e, i);
}

/* Take heap[i] out: fill the hole with the last entry and fix order around it. */
static void take(struct runq *q, uint32_t i)
{
	struct runq_entry *e = q->heap[i];
	uint32_t last = --q->count;

	e->pos = RUNQ_NOT_QUEUED;
	if (i == last)
		return;
	place(q, q->heap[last], i);
	/* The moved entry may beat its new parent or lose to its new children. */
	if (i > 0 && before(q, q->heap[i], q->heap[(i - 1) / 2]))
		sift_up(q, i);
	else
		sift_down(q, i);
}

int runq_init(struct runq *q, struct runq_entry **storage, uint32_t cap)
{
	if (!q || !storage || cap == 0 || cap == UINT32_MAX) {
		kprintf("runq: init with %s, refused\n",
			(!q || !storage) ? "NULL queue or storage" : "bad capacity");
		return -E_INVAL;
	}
	q->heap = storage;
	q->cap = cap;
	q->count = 0;
	q->next_seq = 0;
	q->cmps = 0;
	return 0;
}

void runq_entry_init(struct runq_entry *e, uint32_t id, uint64_t key)
{
	e->key = key;
	e->id = id;
	e->pos = RUNQ_NOT_QUEUED;
	e->seq = 0;
}

bool runq_contains(const struct runq *q, const struct runq_entry *e)
{
	return q && e && e->pos < q->count && q->heap[e->pos] == e;
}

int runq_push(struct runq *q, struct runq_entry *e)
{
	if (!q || !e) {
		kprintf("runq: push with NULL queue or entry, refused\n");
		return -E_INVAL;
	}
	if (runq_contains(q, e)) {
		kprintf("runq: push of entry %u already queued, refused\n", e->id);
		return -E_EXIST;
	}
	if (q->count >= q->cap) {
		kprintf("runq: push of entry %u into full queue (cap %u), refused\n", e->id,
			q->cap);
		return -E_FULL;
	}
	e->seq = q->next_seq++;
	place(q, e, q->count++);
	sift_up(q, e->pos);
	return 0;
}

struct runq_entry *runq_peek_min(const struct runq *q)
{
	return (q && q->count) ? q->heap[0] : NULL;
}

struct runq_entry *runq_pop_min(struct runq *q)
{
	struct runq_entry *e;

	if (!q || q->count == 0)
		return NULL;
	e = q->heap[0];
	take(q, 0);
	return e;
}

int runq_remove(struct runq *q, struct runq_entry *e)
{
	if (!q || !e) {
		kprintf("runq: remove with NULL queue or entry, refused\n");
		return -E_INVAL;
	}
	if (!runq_contains(q, e)) {
		kprintf("runq: remove of entry %u not in queue, ignored\n", e->id);
		return -E_NOENT;
	}
	take(q, e->pos);
	return 0;
}

int runq_update(struct runq *q, struct runq_entry *e, uint64_t new_key)
{
	uint32_t i;

	if (!q || !e) {
		kprintf("runq: update with NULL queue or entry, refused\n");
		return -E_INVAL;
	}
	if (!runq_contains(q, e)) {
		kprintf("runq: update of entry %u not in queue, ignored\n", e->id);
		return -E_NOENT;
	}
	i = e->pos;
	e->key = new_key;
	e->seq = q->next_seq++;
	/* A smaller key may need to rise, a larger key (or the same key with
	 * its fresh, later seq) may need to sink; at most one of the two moves. */
	if (i > 0 && before(q, e, q->heap[(i - 1) / 2]))
		sift_up(q, i);
	else
		sift_down(q, i);
	return 0;
}
