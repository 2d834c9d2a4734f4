// SPDX-License-Identifier: MIT
/*
 * Hypervisor page tables (SDM Vol. 3A, 5.5 "4-Level Paging"). Memory is
 * identity mapped with 2 MiB pages, non-executable; the 2 MiB regions that
 * hold the image or the AP trampoline are split into 4 KiB pages so text is
 * RX, rodata R and data RW. Page 0 is left unmapped to catch NULL pointers.
 * Environment: freestanding hypervisor, boot core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __image_start[], __image_end[];

uint64_t paging_cr3;
static uint64_t nx_bit;

#define LOW4G	   0x100000000ULL
#define MAX_MAPPED GiB(1024)

static uint64_t *table_alloc(void)
{
	/* Below 4 GiB: the early tables only reach that far, and APs load
	 * CR3 from 32-bit code (arch/x86/trampoline.S). */
	uint64_t pa = frame_alloc_zeroed(1, PAGE_SIZE, LOW4G - 1);
	return pa ? (uint64_t *)(uintptr_t)pa : NULL;
}

static bool range_has_ram(const struct mem_region *map, size_t n, uint64_t base, uint64_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (map[i].type == MEM_RESERVED || map[i].type == MEM_BAD || !map[i].len)
			continue;
		if (map[i].base < base + len && base < map[i].base + map[i].len)
			return true;
	}
	return false;
}

/* Permission of the 4 KiB page at `pa` when it lies in a split region. */
static uint64_t small_page_flags(uint64_t pa, uint64_t tramp)
{
	uint64_t t0 = (uint64_t)__text_start, t1 = (uint64_t)__text_end;
	uint64_t r0 = (uint64_t)__rodata_start, r1 = (uint64_t)__rodata_end;

	if (pa == 0)
		return 0; /* not present: NULL dereferences fault */
	if ((pa >= t0 && pa < t1) || (tramp && pa == tramp))
		return PTE_P; /* read + execute */
	if (pa >= r0 && pa < r1)
		return PTE_P | nx_bit; /* read only */
	return PTE_P | PTE_W | nx_bit;
}

static bool needs_split(uint64_t base, uint64_t tramp)
{
	uint64_t end = base + MiB(2);

	if (base == 0)
		return true;
	if (tramp && tramp >= base && tramp < end)
		return true;
	return (uint64_t)__image_start < end && base < (uint64_t)__image_end;
}

int paging_init(const struct mem_region *map, size_t n, uint64_t tramp)
{
	uint64_t top = LOW4G;

	nx_bit = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t end = map[i].base + map[i].len;
		if (map[i].type != MEM_RESERVED && end > top && end > map[i].base)
			top = end;
	}
	if (top > MAX_MAPPED) {
		kprintf("paging: RAM above %llu GiB is not mapped\n",
			(unsigned long long)(MAX_MAPPED >> 30));
		top = MAX_MAPPED;
	}
	top = ALIGN_UP(top, GiB(1));

	uint64_t *pml4 = table_alloc();
	if (!pml4)
		goto nomem;
	for (uint64_t gb = 0; gb < top; gb += GiB(1)) {
		uint64_t *pdpt, *pd;
		uint64_t *e4 = &pml4[(gb >> 39) & 511];
		if (!(*e4 & PTE_P)) {
			if (!(pdpt = table_alloc()))
				goto nomem;
			*e4 = (uint64_t)pdpt | PTE_P | PTE_W;
		}
		pdpt = (uint64_t *)(uintptr_t)(*e4 & PTE_ADDR);
		if (!(pd = table_alloc()))
			goto nomem;
		pdpt[(gb >> 30) & 511] = (uint64_t)pd | PTE_P | PTE_W;
		for (int i = 0; i < 512; i++) {
			uint64_t base = gb + (uint64_t)i * MiB(2);
			if (needs_split(base, tramp)) {
				uint64_t *pt = table_alloc();
				if (!pt)
					goto nomem;
				for (int j = 0; j < 512; j++) {
					uint64_t pa = base + (uint64_t)j * PAGE_SIZE;
					uint64_t fl = small_page_flags(pa, tramp);
					pt[j] = fl ? pa | fl : 0;
				}
				pd[i] = (uint64_t)pt | PTE_P | PTE_W;
				continue;
			}
			uint64_t fl = PTE_P | PTE_W | PTE_PS | nx_bit;
			/* Holes below 4 GiB are device memory: never cache them,
			 * whatever the MTRRs say (SDM 3A, 13.5.2.2). */
			if (base < LOW4G && !range_has_ram(map, n, base, MiB(2)))
				fl |= PTE_PCD | PTE_PWT;
			pd[i] = base | fl;
		}
	}
	paging_cr3 = (uint64_t)pml4;
	write_cr3(paging_cr3);
	return 0;
nomem:
	kprintf("paging: out of memory building page tables; staying on boot tables\n");
	return -E_NOMEM;
}

uint64_t paging_check_wx(uint64_t *rx_pages, uint64_t *rw_pages)
{
	const uint64_t *pml4 = (const uint64_t *)(uintptr_t)paging_cr3;
	uint64_t wx = 0, rx = 0, rw = 0;

	if (!pml4)
		return UINT64_MAX;
	for (int a = 0; a < 512; a++) {
		if (!(pml4[a] & PTE_P))
			continue;
		const uint64_t *pdpt = (const uint64_t *)(uintptr_t)(pml4[a] & PTE_ADDR);
		for (int b = 0; b < 512; b++) {
			if (!(pdpt[b] & PTE_P))
				continue;
			const uint64_t *pd = (const uint64_t *)(uintptr_t)(pdpt[b] & PTE_ADDR);
			for (int c = 0; c < 512; c++) {
				uint64_t e = pd[c];
				if (!(e & PTE_P))
					continue;
				uint64_t cnt = 512;
				const uint64_t *leaves = &e;
				if (!(e & PTE_PS)) {
					leaves = (const uint64_t *)(uintptr_t)(e & PTE_ADDR);
					cnt = 1;
				}
				for (int d = 0; d < (e & PTE_PS ? 1 : 512); d++) {
					uint64_t l = leaves[d];
					if (!(l & PTE_P))
						continue;
					bool w = l & PTE_W, x = !(l & PTE_NX);
					if (w && x)
						wx += cnt;
					else if (x)
						rx += cnt;
					else if (w)
						rw += cnt;
				}
			}
		}
	}
	*rx_pages = rx;
	*rw_pages = rw;
	return wx;
}
