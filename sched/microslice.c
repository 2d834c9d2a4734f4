// SPDX-License-Identifier: MIT
/*
 * Micro-sliced core pool: critical-function lookup and per-pool-core FIFO of
 * urgent vCPUs with 0.1 ms slices (Ahn et al., Sections 4.1, 4.2, 5).
 * Environment: pure scheduling policy; freestanding hypervisor, owning core
 * only, interrupts either way; also built hosted for unit tests.
 */
#include "sched/microslice.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/types.h"

int msc_symtab_init(struct msc_symtab *t, const struct msc_sym *syms, uint32_t n)
{
	uint64_t prev_end = 0;

	t->syms = NULL;
	t->n = 0;
	if (n > 0 && syms == NULL) {
		kprintf("msc: symbol table of %u entries has no storage, "
			"table ignored\n",
			n);
		return -E_INVAL;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t start = syms[i].start;

		/*
		 * A function ending exactly at 2^64 would need a 65-bit end;
		 * no x86-64 kernel text lies there, so reject it rather than
		 * wrap.
		 */
		if (start + syms[i].size < start) {
			kprintf("msc: symbol %u at 0x%llx size 0x%x runs past "
				"the address space, table ignored\n",
				i, (unsigned long long)start, syms[i].size);
			return -E_INVAL;
		}
		if (i > 0 && start < prev_end) {
			kprintf("msc: symbol %u at 0x%llx %s symbol %u "
				"(ends 0x%llx), table ignored\n",
				i, (unsigned long long)start,
				start < syms[i - 1].start ? "is before" : "overlaps", i - 1,
				(unsigned long long)prev_end);
			return -E_INVAL;
		}
		/* start >= prev_end here, so the end never moves back. */
		prev_end = start + syms[i].size;
	}
	t->syms = syms;
	t->n = n;
	return 0;
}

int msc_critical_index(const struct msc_symtab *t, uint64_t ip)
{
	uint32_t lo = 0, hi = t->n;

	/* Find the last symbol whose start is <= ip: lo ends as its index+1. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -E_NOENT;
	const struct msc_sym *s = &t->syms[lo - 1];
	/* ip - start < size avoids computing an end that may not fit. */
	if (ip - s->start >= s->size || s->critical == MSC_NOT_CRITICAL)
		return -E_NOENT;
	return s->critical;
}

bool msc_is_critical(const struct msc_symtab *t, uint64_t ip)
{
	return msc_critical_index(t, ip) >= 0;
}

bool msc_wants_pool(enum msc_trigger why, const struct msc_symtab *t, uint64_t ip)
{
	switch (why) {
	case MSC_TRIG_IPI:
	case MSC_TRIG_VIRQ:
		return true;
	case MSC_TRIG_PLE:
		return msc_is_critical(t, ip);
	}
	kprintf("msc: unknown trigger %d, vCPU not accelerated\n", (int)why);
	return false;
}

int msc_queue_init(struct msc_queue *q, uint32_t *slots, uint32_t cap)
{
	q->slots = NULL;
	q->cap = 0;
	q->head = 0;
	q->len = 0;
	if (slots == NULL || cap == 0) {
		kprintf("msc: urgent queue needs storage (slots %s, cap %u)\n",
			slots ? "set" : "NULL", cap);
		return -E_INVAL;
	}
	q->slots = slots;
	q->cap = cap;
	return 0;
}

bool msc_queue_contains(const struct msc_queue *q, uint32_t vcpu)
{
	uint32_t idx = q->head;

	for (uint32_t i = 0; i < q->len; i++) {
		if (q->slots[idx] == vcpu)
			return true;
		idx = idx + 1 == q->cap ? 0 : idx + 1;
	}
	return false;
}

int msc_queue_push(struct msc_queue *q, uint32_t vcpu)
{
	if (vcpu == MSC_NO_VCPU)
		return -E_INVAL;
	if (msc_queue_contains(q, vcpu))
		return -E_EXIST;
	if (q->len == q->cap)
		return -E_FULL;
	/* head < cap and len < cap, so one conditional subtract wraps. */
	uint32_t tail = q->head + q->len;
	if (tail >= q->cap)
		tail -= q->cap;
	q->slots[tail] = vcpu;
	q->len++;
	return 0;
}

uint32_t msc_queue_pop(struct msc_queue *q)
{
	if (q->len == 0)
		return MSC_NO_VCPU;
	uint32_t v = q->slots[q->head];
	q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
	q->len--;
	return v;
}

int msc_core_init(struct msc_core *c, uint32_t *slots, uint32_t cap)
{
	c->running = MSC_NO_VCPU;
	c->slice_end_us = 0;
	return msc_queue_init(&c->q, slots, cap);
}

int msc_core_push(struct msc_core *c, uint32_t vcpu)
{
	if (vcpu != MSC_NO_VCPU && vcpu == c->running)
		return -E_EXIST;
	return msc_queue_push(&c->q, vcpu);
}

void msc_core_tick(struct msc_core *c, uint64_t now_us, struct msc_pick *out)
{
	out->give_back = MSC_NO_VCPU;
	if (c->running != MSC_NO_VCPU && now_us < c->slice_end_us) {
		out->run = c->running;
		out->slice_end_us = c->slice_end_us;
		return;
	}
	/*
	 * Slice over: the vCPU always returns to the normal pool, even if it
	 * is still in its critical section, so one vCPU cannot hold the pool
	 * (Section 5, "Other considerations").
	 */
	if (c->running != MSC_NO_VCPU)
		out->give_back = c->running;
	c->running = msc_queue_pop(&c->q);
	if (c->running != MSC_NO_VCPU)
		c->slice_end_us = now_us + MSC_SLICE_US;
	out->run = c->running;
	out->slice_end_us = c->slice_end_us;
}

uint32_t msc_core_release(struct msc_core *c)
{
	uint32_t v = c->running;

	c->running = MSC_NO_VCPU;
	return v;
}
