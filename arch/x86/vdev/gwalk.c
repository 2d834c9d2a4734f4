// SPDX-License-Identifier: MIT
/*
 * Guest page walk (see arch/x86/vdev/gwalk.h). SDM Vol. 3A chapter 4.
 * Environment: pure code, any core, interrupts either way; hosted tests too.
 */
#include "arch/x86/vdev/gwalk.h"

#include "lib/errno.h"

#define PTE_P  (1ULL << 0)
#define PTE_PS (1ULL << 7)
/* Bits 51:12 of a 64-bit entry (the architectural maximum; SDM 3A 4.5). */
#define PTE_ADDR      0x000ffffffffff000ULL
#define PDPTE_ADDR_1G 0x000fffffc0000000ULL
#define PDE_ADDR_2M   0x000fffffffe00000ULL

static int fail(const char **why, const char *what)
{
	*why = what;
	return -E_NOENT;
}

static bool rd64(const struct gwalk *w, uint64_t gpa, uint64_t *e)
{
	return w->read(w->ctx, gpa, e, 8);
}

/* 32-bit paging (SDM 3A 4.3): 4-byte entries, 4 MiB pages under CR4.PSE. */
static int walk32(const struct gwalk *w, uint64_t lin, uint64_t *gpa, const char **why)
{
	uint32_t pde, pte;

	if (!w->read(w->ctx, (w->cr3 & 0xfffff000u) + ((lin >> 22) & 0x3ff) * 4, &pde, 4))
		return fail(why, "page directory outside guest memory");
	if (!(pde & PTE_P))
		return fail(why, "PDE not present");
	if ((pde & PTE_PS) && (w->cr4 & GWALK_CR4_PSE)) {
		/* Table 4-4: bits 20:13 of a 4 MiB PDE are physical bits 39:32. */
		*gpa = (pde & 0xffc00000u) | ((uint64_t)((pde >> 13) & 0xff) << 32) |
		       (lin & 0x3fffff);
		return 0;
	}
	if (!w->read(w->ctx, (pde & 0xfffff000u) + ((lin >> 12) & 0x3ff) * 4, &pte, 4))
		return fail(why, "page table outside guest memory");
	if (!(pte & PTE_P))
		return fail(why, "PTE not present");
	*gpa = (pte & 0xfffff000u) | (lin & 0xfff);
	return 0;
}

/* The PD and PT levels shared by PAE and 4/5-level paging. */
static int walk_pd(const struct gwalk *w, uint64_t pd, uint64_t lin, uint64_t *gpa,
		   const char **why)
{
	uint64_t pde, pte;

	if (!rd64(w, (pd & PTE_ADDR) + ((lin >> 21) & 0x1ff) * 8, &pde))
		return fail(why, "page directory outside guest memory");
	if (!(pde & PTE_P))
		return fail(why, "PDE not present");
	if (pde & PTE_PS) {
		*gpa = (pde & PDE_ADDR_2M) | (lin & 0x1fffff);
		return 0;
	}
	if (!rd64(w, (pde & PTE_ADDR) + ((lin >> 12) & 0x1ff) * 8, &pte))
		return fail(why, "page table outside guest memory");
	if (!(pte & PTE_P))
		return fail(why, "PTE not present");
	*gpa = (pte & PTE_ADDR) | (lin & 0xfff);
	return 0;
}

/* 4-level and 5-level paging (SDM 3A 4.5). */
static int walk_long(const struct gwalk *w, uint64_t lin, uint64_t *gpa, const char **why)
{
	uint64_t table = w->cr3 & PTE_ADDR, e;
	static const char *const outside[] = { "PML5 table outside guest memory",
					       "PML4 table outside guest memory" };
	static const char *const absent[] = { "PML5E not present", "PML4E not present" };

	for (int level = (w->cr4 & GWALK_CR4_LA57) ? 0 : 1; level < 2; level++) {
		unsigned shift = level == 0 ? 48 : 39;
		if (!rd64(w, table + ((lin >> shift) & 0x1ff) * 8, &e))
			return fail(why, outside[level]);
		if (!(e & PTE_P))
			return fail(why, absent[level]);
		table = e & PTE_ADDR;
	}
	if (!rd64(w, table + ((lin >> 30) & 0x1ff) * 8, &e))
		return fail(why, "PDPT outside guest memory");
	if (!(e & PTE_P))
		return fail(why, "PDPTE not present");
	if (e & PTE_PS) {
		*gpa = (e & PDPTE_ADDR_1G) | (lin & 0x3fffffff);
		return 0;
	}
	return walk_pd(w, e, lin, gpa, why);
}

int gwalk_translate(const struct gwalk *w, uint64_t lin, uint64_t *gpa, const char **why)
{
	if (!(w->cr0 & GWALK_CR0_PG)) {
		*gpa = lin;
		return 0;
	}
	if (w->efer & GWALK_EFER_LMA)
		return walk_long(w, lin, gpa, why);
	lin &= 0xffffffffu;
	if (!(w->cr4 & GWALK_CR4_PAE))
		return walk32(w, lin, gpa, why);
	/* PAE paging (SDM 3A 4.4): the PDPTE registers, then PD and PT. */
	uint64_t pdpte = w->pdpte[(lin >> 30) & 3];
	if (!(pdpte & PTE_P))
		return fail(why, "PDPTE not present");
	return walk_pd(w, pdpte, lin, gpa, why);
}
