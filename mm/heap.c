// SPDX-License-Identifier: MIT
/*
 * Kernel heap. Each page the heap holds (a slab of one size class, or the
 * first page of a large run) has a struct slab descriptor, allocated from
 * descriptor pages and found from any pointer through an open-addressing
 * hash table (linear probing, backward-shift deletion) keyed by the page's
 * virtual address. A slab tracks its objects in a bitmap, so free objects
 * hold no metadata a stray write could corrupt and double frees are exact.
 * Environment: freestanding hypervisor, any core, interrupts either way;
 * pure code, also built hosted for unit tests.
 */
#include "mm/heap.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/frame.h"

#define NCLASSES	8 /* 16, 32, ..., 2048 */
#define CLASS_LARGE	0xff
#define MAX_OBJS	(PAGE_SIZE / HEAP_MIN_OBJ)
#define TABLE_MIN_SHIFT 9 /* 512 slots: one page of pointers */

struct slab {
	uintptr_t page;		  /* virtual address of the (first) page */
	struct slab *next, *prev; /* partial list of its class / free list */
	uint32_t npages;	  /* large: length of the run */
	uint16_t nused, nobj;	  /* small: objects in use / per page */
	uint8_t cls;		  /* size class index or CLASS_LARGE */
	uint64_t used[MAX_OBJS / 64];
};

static struct {
	spinlock_t lock;
	void *(*p2v)(uint64_t phys);
	uint64_t (*v2p)(void *virt);
	struct slab *partial[NCLASSES]; /* slabs with at least one free object */
	struct slab *spare;		/* free descriptors */
	struct slab **table;
	unsigned shift; /* table has 1 << shift slots */
	uint64_t count;
	uint64_t bytes, live, pages, meta_pages;
} h = { .lock = SPINLOCK_INIT };

static size_t class_size(unsigned cls)
{
	return (size_t)HEAP_MIN_OBJ << cls;
}

/* Fibonacci hashing of the page number. */
static uint64_t home(uintptr_t page)
{
	return ((uint64_t)(page >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ULL) >> (64 - h.shift);
}

static uint64_t mask(void)
{
	return (1ULL << h.shift) - 1;
}

static uint64_t find_slot(uintptr_t page)
{
	uint64_t i = home(page);

	while (h.table[i] && h.table[i]->page != page)
		i = (i + 1) & mask();
	return i;
}

static struct slab *lookup(uintptr_t page)
{
	return h.table ? h.table[find_slot(page)] : NULL;
}

/* A run of npages, mapped contiguously, or NULL. Lock held. */
static void *get_pages(size_t npages)
{
	uint64_t phys = frame_alloc(npages, PAGE_SIZE, UINT64_MAX);

	return phys ? h.p2v(phys) : NULL;
}

static void put_pages(void *virt, size_t npages)
{
	frame_free(h.v2p(virt), npages);
}

/* Double the table once it is half full, keeping probe chains short. */
static bool table_reserve(void)
{
	struct slab **old = h.table;
	uint64_t old_slots = 1ULL << h.shift, pages = (old_slots * 2 * sizeof(*old)) / PAGE_SIZE;
	struct slab **t;

	if ((h.count + 1) * 2 <= old_slots)
		return true;
	t = get_pages(pages);
	if (!t)
		return false;
	memset(t, 0, pages * PAGE_SIZE);
	h.table = t;
	h.shift++;
	for (uint64_t i = 0; i < old_slots; i++)
		if (old[i])
			h.table[find_slot(old[i]->page)] = old[i];
	put_pages(old, pages / 2);
	h.meta_pages += pages - pages / 2;
	return true;
}

static void table_remove(struct slab *s)
{
	uint64_t i = find_slot(s->page), j = i;

	h.table[i] = NULL;
	h.count--;
	/* Backward shift: pull later entries of the chain into the hole
	 * unless their home slot lies cyclically in (i, j]. */
	for (;;) {
		uint64_t k;

		j = (j + 1) & mask();
		if (!h.table[j])
			return;
		k = home(h.table[j]->page);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		h.table[i] = h.table[j];
		h.table[j] = NULL;
		i = j;
	}
}

static struct slab *desc_alloc(void)
{
	struct slab *s;

	if (!h.spare) {
		struct slab *page = get_pages(1);

		if (!page)
			return NULL;
		for (size_t i = 0; i < PAGE_SIZE / sizeof(*page); i++) {
			page[i].next = h.spare;
			h.spare = &page[i];
		}
		h.meta_pages++;
	}
	s = h.spare;
	h.spare = s->next;
	memset(s, 0, sizeof(*s));
	return s;
}

static void desc_free(struct slab *s)
{
	s->page = 0;
	s->next = h.spare;
	h.spare = s;
}

static void list_push(struct slab **head, struct slab *s)
{
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static void list_del(struct slab **head, struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

/* A descriptor for `pages` pages at virt, entered in the table, or NULL. */
static struct slab *track(void *virt, uint8_t cls, uint32_t pages)
{
	struct slab *s;

	if (!table_reserve() || !(s = desc_alloc()))
		return NULL;
	s->page = (uintptr_t)virt;
	s->cls = cls;
	s->npages = pages;
	h.table[find_slot(s->page)] = s;
	h.count++;
	h.pages += pages;
	return s;
}

static void untrack(struct slab *s)
{
	table_remove(s);
	put_pages((void *)s->page, s->npages);
	h.pages -= s->npages;
	desc_free(s);
}

static void *small_alloc(unsigned cls)
{
	struct slab *s = h.partial[cls];
	unsigned idx = 0;

	if (!s) {
		void *page = get_pages(1);

		if (!page)
			return NULL;
		s = track(page, (uint8_t)cls, 1);
		if (!s) {
			put_pages(page, 1);
			return NULL;
		}
		s->nobj = (uint16_t)(PAGE_SIZE / class_size(cls));
		list_push(&h.partial[cls], s);
	}
	while (s->used[idx / 64] == ~0ULL)
		idx += 64;
	idx += (unsigned)__builtin_ctzll(~s->used[idx / 64]);
	s->used[idx / 64] |= 1ULL << (idx % 64);
	if (++s->nused == s->nobj)
		list_del(&h.partial[cls], s);
	h.bytes += class_size(cls);
	return (void *)(s->page + idx * class_size(cls));
}

static void *large_alloc(size_t size)
{
	size_t npages = size / PAGE_SIZE + (size % PAGE_SIZE != 0);
	void *p = get_pages(npages);

	if (!p)
		return NULL;
	if (npages > UINT32_MAX || !track(p, CLASS_LARGE, (uint32_t)npages)) {
		put_pages(p, npages);
		return NULL;
	}
	h.bytes += npages * PAGE_SIZE;
	return p;
}

void *kmalloc(size_t size)
{
	void *p = NULL;
	unsigned cls = 0;
	bool ready;

	if (size == 0)
		return NULL;
	spin_lock(&h.lock);
	ready = h.table != NULL;
	if (ready && size <= HEAP_MAX_SMALL) {
		while (class_size(cls) < size)
			cls++;
		p = small_alloc(cls);
	} else if (ready) {
		p = large_alloc(size);
	}
	h.live += p != NULL;
	spin_unlock(&h.lock);
	if (!p)
		kprintf("heap: kmalloc(%zu) failed: %s\n", size,
			ready ? "out of memory" : "heap_init not called");
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* Free object idx of small slab s. Lock held. */
static void small_free(struct slab *s, uint64_t idx)
{
	struct slab **head = &h.partial[s->cls];

	s->used[idx / 64] &= ~(1ULL << (idx % 64));
	h.bytes -= class_size(s->cls);
	if (s->nused-- == s->nobj)
		list_push(head, s);
	/* Give an empty page back unless it is the class's only partial one,
	 * so alternating kmalloc/kfree does not churn the frame allocator. */
	if (s->nused == 0 && (*head != s || s->next)) {
		list_del(head, s);
		untrack(s);
	}
}

void kfree(void *p)
{
	uintptr_t a = (uintptr_t)p, page = a & ~(uintptr_t)(PAGE_SIZE - 1);
	const char *why = NULL;
	struct slab *s;
	size_t size = 0;

	if (!p)
		return;
	spin_lock(&h.lock);
	s = lookup(page);
	if (!s) {
		why = "not from the heap, or already freed";
	} else if (s->cls == CLASS_LARGE) {
		if (a != page) {
			why = "inside a large allocation";
		} else {
			h.bytes -= (uint64_t)s->npages * PAGE_SIZE;
			h.live--;
			untrack(s);
		}
	} else {
		uint64_t idx = (a - page) / class_size(s->cls);

		size = class_size(s->cls);
		if ((a - page) % size)
			why = "not the start of an object";
		else if (!(s->used[idx / 64] & (1ULL << (idx % 64))))
			why = "double free";
		else {
			small_free(s, idx);
			h.live--;
		}
	}
	spin_unlock(&h.lock);
	if (why && size)
		kprintf("heap: bad kfree(%p): %s (%zu-byte object); ignored\n", p, why, size);
	else if (why)
		kprintf("heap: bad kfree(%p): %s; ignored\n", p, why);
}

void heap_stats(struct heap_stats *st)
{
	spin_lock(&h.lock);
	st->bytes_in_use = h.bytes;
	st->allocs_live = h.live;
	st->pages_held = h.pages;
	st->meta_pages = h.meta_pages;
	st->empty_pages = 0;
	for (unsigned c = 0; c < NCLASSES; c++)
		st->empty_pages += h.partial[c] && h.partial[c]->nused == 0;
	spin_unlock(&h.lock);
}

int heap_init(void *(*phys_to_virt)(uint64_t phys), uint64_t (*virt_to_phys)(void *virt))
{
	int rc = 0;

	spin_lock(&h.lock);
	memset(h.partial, 0, sizeof(h.partial));
	h.spare = NULL;
	h.table = NULL;
	h.count = h.bytes = h.live = h.pages = h.meta_pages = 0;
	h.shift = TABLE_MIN_SHIFT;
	h.p2v = phys_to_virt;
	h.v2p = virt_to_phys;
	if (!phys_to_virt || !virt_to_phys)
		rc = -E_INVAL;
	else if (!(h.table = get_pages(1)))
		rc = -E_NOMEM;
	else {
		memset(h.table, 0, PAGE_SIZE);
		h.meta_pages = 1;
	}
	spin_unlock(&h.lock);
	if (rc)
		kprintf("heap: heap_init failed: %s\n", err_name(rc));
	return rc;
}
