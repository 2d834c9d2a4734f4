/* SPDX-License-Identifier: MIT */
/*
 * Guest page walk: translate a guest-linear address to guest-physical the
 * way the guest's own paging mode does (SDM Vol. 3A chapter 4: 4.3 32-bit
 * paging, 4.4 PAE paging, 4.5 4-level and 5-level paging). The MMIO
 * emulation needs it to fetch the bytes of the instruction that touched a
 * device page while the guest runs with paging on.
 * Environment: pure code (guest memory comes in through a callback), any
 * core, interrupts either way; also built hosted for unit tests.
 *
 * Only presence and page size are looked at: the walk serves instruction
 * fetches the CPU itself has just made, so access rights were already
 * checked by the hardware. A table that changed meanwhile (another vCPU
 * rewrote it) can at worst give a clean error.
 */
#ifndef ARCH_X86_GWALK_H
#define ARCH_X86_GWALK_H

#include "lib/types.h"

#define GWALK_CR0_PG   (1ULL << 31)
#define GWALK_CR4_PSE  (1ULL << 4)
#define GWALK_CR4_PAE  (1ULL << 5)
#define GWALK_CR4_LA57 (1ULL << 12)
#define GWALK_EFER_LMA (1ULL << 10)

struct gwalk {
	uint64_t cr0, cr3, cr4, efer;
	/* PAE paging outside IA-32e mode: the four PDPTEs the CPU loaded
	 * (with EPT they live in the VMCS, SDM 3C 25.4.2), not re-read from CR3. */
	uint64_t pdpte[4];
	/* Read `len` (4 or 8) bytes of guest-physical memory at gpa into buf;
	 * false if any of them is outside the guest's memory. */
	bool (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
	void *ctx;
};

/*
 * Translate guest-linear `lin` (already truncated to 32 bits outside
 * IA-32e mode). Returns 0 with *gpa set, or -E_NOENT (no mapping) with *why naming the
 * level that failed ("PDE not present", "page table outside guest
 * memory"...). Paging off: *gpa = lin.
 * Preconditions: w->read is set; gpa and why are writable.
 */
int gwalk_translate(const struct gwalk *w, uint64_t lin, uint64_t *gpa, const char **why);

#endif
