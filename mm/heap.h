/* SPDX-License-Identifier: MIT */
/*
 * Kernel heap: kmalloc/kzalloc/kfree on top of the frame allocator.
 * Sizes up to 2048 bytes come from power-of-two size classes (16..2048)
 * carved out of single pages; larger sizes get whole, page-aligned runs.
 * Every page the heap holds has an out-of-line descriptor found through a
 * hash table keyed by page address, so objects carry no header, kmalloc(4096)
 * is exactly one aligned page, and kfree can reject pointers it never
 * returned and double frees of live slab pages.
 * Environment: freestanding hypervisor, any core, interrupts either way
 * (one spinlock, taken before the frame allocator's); also built hosted for
 * unit tests.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include "lib/types.h"

#define HEAP_MIN_OBJ   16   /* smallest class; also the minimum alignment */
#define HEAP_MAX_SMALL 2048 /* largest class; bigger requests get pages */

struct heap_stats {
	uint64_t bytes_in_use; /* sum of live allocations, rounded up to their
				* class size or to whole pages */
	uint64_t allocs_live;  /* kmalloc results not yet freed */
	uint64_t pages_held;   /* pages backing objects (slabs + large runs) */
	uint64_t meta_pages;   /* pages holding descriptors and the hash table */
	uint64_t empty_pages;  /* slab pages kept with no live object (one per class at most) */
};

/*
 * Set up an empty heap. phys_to_virt must map each physical run the frame
 * allocator returns to one contiguous virtual range (a direct map does);
 * virt_to_phys is its inverse for addresses the heap handed out. Forgets
 * any previous heap state without freeing its frames (tests re-init).
 * Returns 0, -E_INVAL for NULL callbacks, -E_NOMEM if no frame is free.
 * Preconditions: frame_init succeeded; no other core uses the heap.
 */
int heap_init(void *(*phys_to_virt)(uint64_t phys), uint64_t (*virt_to_phys)(void *virt));

/*
 * Allocate size bytes, aligned to 16 bytes; sizes above HEAP_MAX_SMALL are
 * page aligned. Returns NULL for size 0 and, with one console line, when
 * memory runs out or before heap_init. Contents are undefined.
 * Safe from any core.
 */
void *kmalloc(size_t size);

/* As kmalloc, with the memory zeroed. */
void *kzalloc(size_t size);

/*
 * Free memory from kmalloc/kzalloc. kfree(NULL) does nothing. A pointer the
 * heap did not return, or a double free, is reported with one line and
 * ignored where detectable (always for large allocations and for objects
 * whose page is still held). Safe from any core.
 */
void kfree(void *p);

/* Fill *st with a consistent snapshot of the heap counters. */
void heap_stats(struct heap_stats *st);

#endif
