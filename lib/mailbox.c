// SPDX-License-Identifier: MIT
/*
 * Lock-free multi-producer single-consumer mailbox (see lib/mailbox.h).
 * Environment: freestanding hypervisor, any core, interrupts either way
 * (mbox_recv: owning core only); also built hosted for unit tests.
 *
 * Positions count up forever (64 bits never wrap in practice). Position p
 * lives in cell p % MBOX_SLOTS; lap(p) = p rounded down to a multiple of
 * MBOX_SLOTS. A cell's `seq` encodes whose turn it is, relative to lap(p):
 *
 *   seq == lap(p)                 free: the sender that claims p may write it
 *   seq == lap(p) + 1             published: holds p's message for the owner
 *   seq == lap(p) + MBOX_SLOTS    consumed: free for position p + MBOX_SLOTS
 *
 * (This is the classic per-cell sequence scheme with the cell index
 * subtracted, which makes all-zero memory a valid empty mailbox.)
 *
 * A sender claims p by moving send_pos from p to p + 1 with a CAS while the
 * cell says "free for p", copies the message in, then publishes with a
 * release store of lap(p) + 1. The owner reads the cell at recv_pos once it
 * says "published", then hands it back with a release store of
 * lap(p) + MBOX_SLOTS. Each cell thus alternates strictly between one sender
 * and the owner, and `seq` is the only word they both touch.
 */
#include "lib/mailbox.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MBOX_MASK ((uint64_t)MBOX_SLOTS - 1)

static inline uint64_t lap_of(uint64_t pos)
{
	return pos & ~MBOX_MASK;
}

void mbox_init(struct mailbox *mb)
{
	if (!mb)
		return;
	/* No concurrent users by precondition, so plain stores suffice. */
	memset(mb, 0, sizeof(*mb));
}

int mbox_send(struct mailbox *mb, const struct mbox_msg *msg)
{
	struct mbox_cell *c;
	uint64_t pos, lap, seq;

	if (!mb || !msg) {
		kprintf("mbox: send with NULL %s (ignored)\n", mb ? "message" : "mailbox");
		return -E_INVAL;
	}

	/*
	 * Relaxed: send_pos is only a hint of where to try. The CAS below
	 * decides, and a stale value is caught by the cell check or the CAS.
	 */
	pos = __atomic_load_n(&mb->send_pos, __ATOMIC_RELAXED);
	for (;;) {
		int64_t diff;

		c = &mb->cell[pos & MBOX_MASK];
		lap = lap_of(pos);
		/*
		 * Acquire: pairs with the owner's release when it handed the
		 * cell back, so the owner's read of the previous message
		 * happens before our overwrite of it.
		 */
		seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		diff = (int64_t)(seq - lap);
		if (diff == 0) {
			/*
			 * The cell is free for pos: try to claim pos. Relaxed
			 * on both paths: the CAS only arbitrates between
			 * senders; the data handover is ordered by `seq`.
			 * On failure pos is refreshed with the current value.
			 */
			if (__atomic_compare_exchange_n(&mb->send_pos, &pos, pos + 1, true,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		} else if (diff < 0) {
			/*
			 * The cell still belongs to the previous lap: the owner
			 * has not consumed it (or its sender has not published).
			 * Only report full if send_pos has not moved meanwhile;
			 * if it has, we were looking at stale state.
			 */
			uint64_t now = __atomic_load_n(&mb->send_pos, __ATOMIC_RELAXED);

			if (now == pos) {
				/* Relaxed: a statistic, ordered with nothing. */
				__atomic_fetch_add(&mb->full, 1, __ATOMIC_RELAXED);
				return -E_FULL;
			}
			pos = now;
		} else {
			/* Another sender already claimed pos: catch up. */
			pos = __atomic_load_n(&mb->send_pos, __ATOMIC_RELAXED);
		}
	}

	/* pos is ours alone until we publish; nobody else reads c->msg. */
	c->msg = *msg;
	/*
	 * Release: the message bytes become visible before (or with) the
	 * "published" state, pairing with the owner's acquire in mbox_recv.
	 */
	__atomic_store_n(&c->seq, lap + 1, __ATOMIC_RELEASE);
	/* Relaxed: a statistic; several senders add concurrently. */
	__atomic_fetch_add(&mb->sent, 1, __ATOMIC_RELAXED);
	return 0;
}

bool mbox_recv(struct mailbox *mb, struct mbox_msg *out)
{
	struct mbox_cell *c;
	uint64_t pos, lap, seq;

	if (!mb || !out) {
		kprintf("mbox: recv with NULL %s (ignored)\n", mb ? "output" : "mailbox");
		return false;
	}

	/* Relaxed: only the owner (this core) ever writes recv_pos. */
	pos = __atomic_load_n(&mb->recv_pos, __ATOMIC_RELAXED);
	c = &mb->cell[pos & MBOX_MASK];
	lap = lap_of(pos);
	/*
	 * Acquire: pairs with the sender's release publish, so every byte of
	 * the message is visible before we copy it. Any other state means
	 * empty, or claimed but not yet published: report nothing and let the
	 * owner retry on its next IPI or poll. A half-written message is
	 * never read because its cell is not yet "published".
	 */
	seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
	if (seq != lap + 1)
		return false;

	*out = c->msg;
	/* Relaxed: other cores read recv_pos only in mbox_empty (a hint). */
	__atomic_store_n(&mb->recv_pos, pos + 1, __ATOMIC_RELAXED);
	/*
	 * Release: our copy of the message completes before the cell is
	 * seen free, pairing with the acquire in mbox_send, so the next
	 * sender cannot overwrite it under us.
	 */
	__atomic_store_n(&c->seq, lap + MBOX_SLOTS, __ATOMIC_RELEASE);
	/* Single writer (the owner): load+store, no locked add needed. */
	__atomic_store_n(&mb->received, __atomic_load_n(&mb->received, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	return true;
}

bool mbox_empty(const struct mailbox *mb)
{
	uint64_t pos, seq;

	if (!mb)
		return true;
	/*
	 * Relaxed throughout: no message data is read, and the answer may be
	 * stale the moment it is computed anyway. A missed message is caught
	 * by the sender's wake-up IPI.
	 */
	pos = __atomic_load_n(&mb->recv_pos, __ATOMIC_RELAXED);
	seq = __atomic_load_n(&mb->cell[pos & MBOX_MASK].seq, __ATOMIC_RELAXED);
	return seq != lap_of(pos) + 1;
}
