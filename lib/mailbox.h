/* SPDX-License-Identifier: MIT */
/*
 * Cross-core mailbox: the only way one core asks another to do something.
 * Environment: freestanding hypervisor, any core, interrupts either way
 * (mbox_recv: owning core only, never re-entered); also built hosted for
 * unit tests.
 *
 * Each core owns one mailbox in the shared part of its per-CPU block. Any
 * number of cores send into it concurrently; only the owner receives. It is a
 * bounded, lock-free, multi-producer single-consumer ring in which every
 * cell carries its own sequence number, so ownership of a cell is handed
 * back and forth between senders and the owner without a lock.
 *
 * Guarantees:
 *  - Every message for which mbox_send() returned 0 is received exactly once.
 *  - Messages from one sender arrive in the order that sender sent them
 *    (nothing is promised about the interleaving of different senders).
 *  - mbox_send() never blocks and never overwrites: on a full mailbox it
 *    returns -E_FULL at once and bumps `full`; the caller decides whether to
 *    retry later, drop or report.
 *  - mbox_send() never waits for another sender. It retries only when its
 *    compare-and-swap lost against another sender, and every such loss means
 *    that other sender claimed a cell, so the system as a whole progresses.
 *  - The owner never reads a half-written message.
 *
 * Stalled senders: a send first claims a cell, then writes the message and
 * publishes it. If a sender is held up between those two steps (an NMI, an
 * SMI, a long VM exit on that core), the owner's mbox_recv() returns false
 * when it reaches that cell, even if later cells are already published; the
 * messages behind it are delivered, in order, once the stalled sender
 * publishes. The owner simply retries on its next IPI or poll: every sender
 * raises the IPI after publishing, so the owner is always woken again. Other
 * senders are not held up; they claim the following cells and only see
 * -E_FULL if the ring wraps round to the stalled cell.
 *
 * A mailbox filled with zero bytes is a valid empty mailbox, so messages
 * sent to a core whose zeroed per-CPU block has not yet been set up by
 * mbox_init() are not lost or corrupted.
 */
#ifndef LIB_MAILBOX_H
#define LIB_MAILBOX_H

#include "lib/types.h"

/* Cells per mailbox; must be a power of two so a position maps to a cell by masking. */
#define MBOX_SLOTS 64
_Static_assert(MBOX_SLOTS >= 2 && (MBOX_SLOTS & (MBOX_SLOTS - 1)) == 0,
	       "MBOX_SLOTS must be a power of two");

/* Separates the fields written by senders from those written by the owner. */
#define MBOX_CACHELINE 64

/* One request. `type` and the meaning of `arg` belong to the caller's protocol. */
struct mbox_msg {
	uint16_t type;	 /* request kind, defined by the user of the mailbox */
	uint16_t flags;	 /* request modifiers, defined by the user */
	uint32_t from;	 /* sender's CPU index (set by the sender) */
	uint64_t arg[3]; /* request arguments */
};
_Static_assert(sizeof(struct mbox_msg) == 32, "struct mbox_msg must be 32 bytes");

/*
 * A cell: `seq` says whose turn it is (see mailbox.c) and is accessed only
 * with atomics; `msg` is plain memory whose ownership `seq` hands over.
 */
struct mbox_cell {
	uint64_t seq;
	struct mbox_msg msg;
};

struct mailbox {
	/* Written by every sender: kept on its own cache line(s). */
	uint64_t send_pos __aligned(MBOX_CACHELINE); /* next position to claim */
	uint64_t sent;				     /* successful sends */
	uint64_t full;				     /* sends refused with -E_FULL */

	/* Written by the owner only. */
	uint64_t recv_pos __aligned(MBOX_CACHELINE); /* next position to read */
	uint64_t received;			     /* messages received */

	struct mbox_cell cell[MBOX_SLOTS] __aligned(MBOX_CACHELINE);
} __aligned(MBOX_CACHELINE);

/*
 * Reset mb to empty with all counters zero.
 * Precondition: nobody else is using mb (normally the owner at bring-up).
 * Zero-filled memory is already a valid empty mailbox; this is for reuse.
 */
void mbox_init(struct mailbox *mb);

/*
 * Copy *msg into mb. Returns 0 on success, -E_FULL (and counts it in
 * mb->full) when every cell is occupied, -E_INVAL if mb or msg is NULL.
 * Never blocks. Safe from any number of cores concurrently, including the
 * owner itself. The caller raises the wake-up IPI after a successful send.
 */
int mbox_send(struct mailbox *mb, const struct mbox_msg *msg);

/*
 * Take the oldest published message from mb into *out. Returns false if
 * there is none: the mailbox is empty, or the oldest claimed cell is still
 * being written by a sender (retry on the next IPI or poll).
 * Precondition: called only by the owning core (single consumer).
 */
bool mbox_recv(struct mailbox *mb, struct mbox_msg *out);

/*
 * True if mbox_recv() would currently find nothing. Approximate when other
 * cores are sending: use it for idle decisions only, never as a promise.
 * May be called from any core.
 */
bool mbox_empty(const struct mailbox *mb);

/* !mbox_empty(mb) for a mailbox that exists, inline: two loads on the
 * owner's VM-exit path. */
static inline bool mbox_has_mail(const struct mailbox *mb)
{
	uint64_t pos = __atomic_load_n(&mb->recv_pos, __ATOMIC_RELAXED);
	uint64_t seq = __atomic_load_n(&mb->cell[pos & (MBOX_SLOTS - 1)].seq, __ATOMIC_RELAXED);

	return seq == (pos & ~(uint64_t)(MBOX_SLOTS - 1)) + 1;
}

#endif
