/* SPDX-License-Identifier: MIT */
/*
 * Extended page tables: build, query and tear down the 4-level EPT paging
 * structures of one guest (SDM Vol. 3C, 29.3 "The Extended Page Table
 * Mechanism"; EPTP format in 25.6.11).
 * Environment: pure code (no hardware access; table memory comes through
 * struct ept_ops), any core; one struct ept is not internally locked, so the
 * caller serialises map/unmap/destroy on it. Also built hosted for unit tests.
 *
 * Changing a live EPT does not flush cached translations (SDM 3C 29.4):
 * after ept_unmap the caller runs INVEPT before relying on the old mapping
 * being gone, and before a table page handed to ops->free_page is reused
 * (a core's paging-structure cache may still point at it).
 *
 * Invariant kept by every call: no table page other than the PML4 is ever
 * left without a present entry, so e->pages counts exactly the pages
 * reachable from the PML4.
 */
#ifndef ARCH_X86_EPT_H
#define ARCH_X86_EPT_H

#include "lib/types.h"

/* Leaf permissions (SDM 3C 29.3.2, EPT entry bits 2:0). */
#define EPT_R	(1u << 0)
#define EPT_W	(1u << 1)
#define EPT_X	(1u << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)

/* EPT memory types (SDM 3C 29.3.7, bits 5:3 of a leaf; EPTP bits 2:0). */
#define EPT_MT_UC 0
#define EPT_MT_WC 1
#define EPT_MT_WT 4
#define EPT_MT_WP 5
#define EPT_MT_WB 6

/* Highest guest-physical address + 1 a 4-level EPT translates. */
#define EPT_GPA_LIMIT (1ULL << 48)
/* Host-physical addresses are at most 52 bits (SDM 3C 29.3.2). */
#define EPT_HPA_LIMIT (1ULL << 52)

/* Where table pages come from; all three callbacks are required. */
struct ept_ops {
	/* A zeroed, 4 KiB-aligned 4 KiB page: its host-physical address, or 0. */
	uint64_t (*alloc_page)(void *ctx);
	/* Give back a page obtained from alloc_page. */
	void (*free_page)(uint64_t phys, void *ctx);
	/* Where the hypervisor can read and write the page at `phys`. */
	void *(*phys_to_virt)(uint64_t phys, void *ctx);
	void *ctx;
};

struct ept {
	uint64_t pml4_phys; /* 0 when not initialised / destroyed */
	uint64_t eptp;	    /* value for the VMCS EPT-pointer field */
	const struct ept_ops *ops;
	uint64_t pages; /* table pages in use, PML4 included */
};

/* What one translation found. */
struct ept_leaf {
	uint64_t hpa;	  /* host-physical address of the byte asked for */
	uint32_t perms;	  /* EPT_R | EPT_W | EPT_X */
	uint32_t memtype; /* EPT_MT_* */
	uint64_t size;	  /* size of the leaf: 4 KiB, 2 MiB (or 1 GiB) */
};

/*
 * Allocate an empty PML4 and compute the EPTP (SDM 3C 25.6.11): PML4
 * address | WB (6) in bits 2:0 | page-walk length 4-1 in bits 5:3 |
 * bit 6 set when `ad_flags` (caller checked vmx_cap_ept_ad()).
 * Returns 0, -E_INVAL (missing ops), -E_NOMEM.
 * Precondition: `e` is not in use (its old contents are overwritten).
 */
int ept_init(struct ept *e, const struct ept_ops *ops, bool ad_flags);

/*
 * Map [gpa, gpa+len) to [hpa, hpa+len) with `perms` (EPT_R/W/X) and
 * `memtype` (EPT_MT_*; ignore-PAT is 0, so the guest PAT combines with it).
 * Uses 2 MiB leaves where gpa, hpa and the remaining length allow and
 * `allow_2m` is set, 4 KiB leaves elsewhere.
 * Returns 0; -E_INVAL for unaligned gpa/hpa/len (4 KiB), len 0, perms that
 * would be an EPT misconfiguration (none, write without read, unknown bits)
 * or a reserved memory type; -E_RANGE when the range leaves the 48-bit guest
 * or 52-bit host space; -E_EXIST when any page in the range is already
 * mapped (nothing changed); -E_NOMEM when a table page could not be had
 * (everything built so far is rolled back: the EPT translates exactly what
 * it did before and holds the same pages). Execute-only (EPT_X alone) is
 * accepted; the caller checks vmx_cap_ept_exec_only() first.
 * Precondition: ept_init() succeeded on `e`.
 */
int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t len, uint32_t perms,
	    uint32_t memtype, bool allow_2m);

/*
 * Remove every mapping in [gpa, gpa+len); holes in the range are fine.
 * A 2 MiB leaf only partly inside the range is first split into 4 KiB
 * leaves (which needs a table page: -E_NOMEM leaves everything unchanged).
 * Table pages left empty are freed. Returns 0, -E_INVAL (unaligned, len 0),
 * -E_RANGE, -E_NOMEM.
 * Precondition: ept_init() succeeded on `e`.
 */
int ept_unmap(struct ept *e, uint64_t gpa, uint64_t len);

/*
 * Walk the tables for `gpa` (any alignment). Returns 0 and fills `out`,
 * -E_NOENT when nothing is mapped there, -E_RANGE for gpa >= 2^48,
 * -E_INVAL when `e` is not initialised.
 */
int ept_lookup(const struct ept *e, uint64_t gpa, struct ept_leaf *out);

/*
 * Like ept_lookup, returning only the host-physical address and the
 * permissions; either pointer may be NULL.
 */
int ept_translate(const struct ept *e, uint64_t gpa, uint64_t *hpa, uint32_t *perms);

/*
 * Free every table page (PML4 included) and mark `e` uninitialised.
 * Safe on an uninitialised or already destroyed `e`.
 * Precondition: no core runs a guest with e->eptp any more.
 */
void ept_destroy(struct ept *e);

#endif
