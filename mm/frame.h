/* SPDX-License-Identifier: MIT */
/*
 * Physical 4 KiB frame allocator: one bitmap over [0, highest usable
 * address), built from the firmware memory map minus reserved ranges.
 * Environment: freestanding hypervisor, any core, interrupts either way
 * (one spinlock, never held across a wait); also built hosted for unit tests.
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include "lib/types.h"

/* Region types, numbered as in the Multiboot2 memory map (Multiboot2 spec
 * 1.0, 3.6.8 "Memory map"); any other value means "not usable". */
enum {
	MEM_AVAILABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIM = 3,
	MEM_NVS = 4,
	MEM_BAD = 5,
};

/* One physical range [base, base + len). */
struct mem_region {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

/* Frames below this are never handed out: real-mode IVT, BDA, EBDA, option
 * ROMs and the AP trampoline live there and the kernel manages them itself. */
#define FRAME_LOW_LIMIT MiB(1)
/* Available memory at or above this is ignored (bounds the bitmap at 32 MiB). */
#define FRAME_HIGH_CAP GiB(1024)

struct frame_stats {
	uint64_t total;		 /* pages allocatable after init (bitmap excluded) */
	uint64_t free;		 /* pages free now */
	uint64_t used;		 /* total - free */
	uint64_t reserved_pages; /* pages of available regions lost to reserved
				  * ranges, other map regions and overlaps */
	uint64_t bitmap_pages;	 /* pages holding the allocator's own metadata */
	uint64_t highest;	 /* one past the highest usable byte */
};

/*
 * Build the allocator from the firmware memory map `map` (n entries, any
 * order, may overlap, may be unaligned or empty) and the ranges in
 * `reserved` (nres entries, type ignored) that must never be handed out.
 * A page is usable iff it lies entirely inside one MEM_AVAILABLE region,
 * touches no other map region (so overlaps become reserved) and no reserved
 * range, and lies in [FRAME_LOW_LIMIT, FRAME_HIGH_CAP). The bitmap and run
 * table are placed in the lowest usable run that fits and are reached via
 * phys_to_virt, which must map all of them (and, for frame_alloc_zeroed,
 * any allocated page). Fully resets previous state, so it may be called
 * again (tests do). Returns 0, -E_INVAL on bad arguments or -E_NOMEM when
 * nothing is usable; on failure nothing can be allocated.
 * Precondition: no other core uses the allocator during the call.
 */
int frame_init(const struct mem_region *map, size_t n, const struct mem_region *reserved,
	       size_t nres, void *(*phys_to_virt)(uint64_t phys));

/*
 * Allocate npages contiguous frames whose start is aligned to `align` (a
 * power of two; values below PAGE_SIZE, including 0, mean PAGE_SIZE) and
 * whose last byte is at or below max_phys (UINT64_MAX: anywhere). The
 * memory is not zeroed. Returns the physical address, or 0 on failure
 * (0 is never a valid allocation). Safe from any core.
 */
uint64_t frame_alloc(size_t npages, uint64_t align, uint64_t max_phys);

/* As frame_alloc, then zero the pages through phys_to_virt. */
uint64_t frame_alloc_zeroed(size_t npages, uint64_t align, uint64_t max_phys);

/*
 * Return npages frames starting at phys, all previously allocated. A free
 * of anything else (unaligned, unmanaged, not allocated, partly free) is a
 * hypervisor bug: it is reported with one line and ignored, leaving the
 * allocator's state untouched. Safe from any core.
 */
void frame_free(uint64_t phys, size_t npages);

/* Fill *st with a consistent snapshot of the counters. Safe from any core. */
void frame_stats(struct frame_stats *st);

/*
 * An object of `size` bytes in whole zeroed frames (identity mapped), or
 * NULL; frame_obj_free() gives exactly those frames back. For what a
 * partition owns: destroying it returns every frame it took, whatever the
 * heap's size classes happen to cache.
 */
void *frame_obj_zalloc(size_t size);
void frame_obj_free(void *p, size_t size);

#endif
