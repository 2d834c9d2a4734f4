/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own page tables: identity map of all RAM and the low
 * 4 GiB, W^X (no page both writable and executable), MMIO holes uncached.
 * Environment: freestanding hypervisor, boot core builds, every core loads.
 */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include "mm/frame.h"

#define PTE_P	 (1ULL << 0)
#define PTE_W	 (1ULL << 1)
#define PTE_PWT	 (1ULL << 3)
#define PTE_PCD	 (1ULL << 4)
#define PTE_PS	 (1ULL << 7)
#define PTE_G	 (1ULL << 8)
#define PTE_NX	 (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* CR3 value of the hypervisor tables; 0 before paging_init(). Below 4 GiB. */
extern uint64_t paging_cr3;

/*
 * Build the tables from the firmware memory map, with the AP trampoline
 * page `tramp` mapped read+execute, and switch the boot core to them.
 * Needs frame_init(). Boot core, interrupts off. Returns 0 or -E_NOMEM
 * (then the boot core keeps running on the early tables and says so).
 */
int paging_init(const struct mem_region *map, size_t n, uint64_t tramp);

/*
 * Walk the tables and count leaf pages by permission; returns the number
 * of pages both writable and executable (0 when W^X holds).
 */
uint64_t paging_check_wx(uint64_t *rx_pages, uint64_t *rw_pages);

#endif
