// SPDX-License-Identifier: MIT
/*
 * Extended page tables: build, query and tear down one guest's 4-level EPT
 * (SDM Vol. 3C, 29.3 "The Extended Page Table Mechanism"; EPTP 25.6.11).
 * Environment: pure code, any core, caller serialises calls on one struct
 * ept; also built hosted for unit tests.
 *
 * Levels are numbered 3 (PML4, bits 47:39) down to 0 (PT, bits 20:12).
 * Range operations recurse once per level, skipping a whole non-present
 * entry at a time, so their cost follows what is mapped, not the range size.
 */
#include "arch/x86/vmx/ept.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define EPT_ENTRIES   512
#define EPT_TOP_LEVEL 3
/* Bits 51:12 hold the next table or the page frame (SDM 3C 29.3.2). */
#define EPT_ADDR_MASK 0x000ffffffffff000ULL
/* Bit 7 of a PDE (PDPTE) maps a 2 MiB (1 GiB) page (SDM 3C 29.3.2). */
#define EPT_LARGE (1ULL << 7)
/* Non-leaf entries allow everything so the leaf alone decides (29.3.3). */
#define EPT_NONLEAF EPT_RWX
/* EPTP: walk length minus one in bits 5:3, A/D enable in bit 6 (25.6.11). */
#define EPTP_WALK_4 (3ULL << 3)
#define EPTP_AD	    (1ULL << 6)

static unsigned int level_shift(int level)
{
	return 12u + 9u * (unsigned int)level;
}

static uint64_t level_size(int level)
{
	return 1ULL << level_shift(level);
}

static uint64_t *slot_of(uint64_t *t, uint64_t gpa, int level)
{
	return &t[(gpa >> level_shift(level)) & (EPT_ENTRIES - 1)];
}

static uint64_t *table(const struct ept *e, uint64_t phys)
{
	return e->ops->phys_to_virt(phys, e->ops->ctx);
}

/* An entry with none of R/W/X is not present (SDM 3C 29.3.2). */
static bool present(uint64_t v)
{
	return (v & EPT_RWX) != 0;
}

static bool is_leaf(uint64_t v, int level)
{
	return level == 0 || (level <= 2 && (v & EPT_LARGE));
}

/* Single 64-bit stores, so a core walking a live EPT never sees a torn entry. */
static void set_entry(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static uint64_t table_alloc(struct ept *e)
{
	uint64_t phys = e->ops->alloc_page(e->ops->ctx);
	void *virt;

	if (!phys)
		return 0;
	virt = (phys & (PAGE_SIZE - 1)) || phys >= EPT_HPA_LIMIT ? NULL : table(e, phys);
	if (!virt) {
		kprintf("ept: allocator returned unusable page 0x%llx, given back\n",
			(unsigned long long)phys);
		e->ops->free_page(phys, e->ops->ctx);
		return 0;
	}
	memset(virt, 0, PAGE_SIZE); /* stale entries would become live mappings */
	e->pages++;
	return phys;
}

static void table_free(struct ept *e, uint64_t phys)
{
	e->ops->free_page(phys, e->ops->ctx);
	e->pages--;
}

static bool table_empty(const struct ept *e, uint64_t phys)
{
	const uint64_t *t = table(e, phys);

	for (unsigned int i = 0; i < EPT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

/* First mapped address in [gpa, end), if any. */
static bool range_find(const struct ept *e, uint64_t tphys, int level, uint64_t gpa, uint64_t end,
		       uint64_t *found)
{
	uint64_t *t = table(e, tphys);
	uint64_t size = level_size(level);

	while (gpa < end) {
		uint64_t stop = MIN(ALIGN_DOWN(gpa, size) + size, end);
		uint64_t v = *slot_of(t, gpa, level);

		if (present(v)) {
			if (is_leaf(v, level)) {
				*found = gpa;
				return true;
			}
			if (range_find(e, v & EPT_ADDR_MASK, level - 1, gpa, stop, found))
				return true;
		}
		gpa = stop;
	}
	return false;
}

/* Build leaves for [gpa, end) -> gpa + delta. Precondition: range unmapped. */
static int map_range(struct ept *e, uint64_t tphys, int level, uint64_t gpa, uint64_t end,
		     uint64_t delta, uint64_t bits, bool allow_2m)
{
	uint64_t *t = table(e, tphys);
	uint64_t size = level_size(level);

	while (gpa < end) {
		uint64_t stop = MIN(ALIGN_DOWN(gpa, size) + size, end);
		uint64_t *slot = slot_of(t, gpa, level);
		uint64_t hpa = gpa + delta;
		uint64_t child;
		int rc;

		if (level == 0) {
			set_entry(slot, hpa | bits);
		} else if (level == 1 && allow_2m && stop - gpa == size && IS_ALIGNED(hpa, size)) {
			set_entry(slot, hpa | bits | EPT_LARGE);
		} else {
			if (present(*slot)) {
				if (is_leaf(*slot, level))
					return -E_EXIST; /* excluded by the caller's check */
				child = *slot & EPT_ADDR_MASK;
			} else {
				child = table_alloc(e);
				if (!child)
					return -E_NOMEM;
				set_entry(slot, child | EPT_NONLEAF);
			}
			rc = map_range(e, child, level - 1, gpa, stop, delta, bits, allow_2m);
			if (rc)
				return rc;
		}
		gpa = stop;
	}
	return 0;
}

/*
 * Remove the leaves inside [gpa, end) and free tables left empty. A large
 * leaf only partly inside is left alone: ept_unmap splits those first, and
 * ept_map's rollback never meets one.
 */
static void clear_range(struct ept *e, uint64_t tphys, int level, uint64_t gpa, uint64_t end)
{
	uint64_t *t = table(e, tphys);
	uint64_t size = level_size(level);

	while (gpa < end) {
		uint64_t stop = MIN(ALIGN_DOWN(gpa, size) + size, end);
		uint64_t *slot = slot_of(t, gpa, level);
		uint64_t v = *slot;

		if (present(v)) {
			if (is_leaf(v, level)) {
				if (stop - gpa == size)
					set_entry(slot, 0);
			} else {
				uint64_t child = v & EPT_ADDR_MASK;

				clear_range(e, child, level - 1, gpa, stop);
				if (table_empty(e, child)) {
					set_entry(slot, 0);
					table_free(e, child);
				}
			}
		}
		gpa = stop;
	}
}

static void free_tables(struct ept *e, uint64_t tphys, int level)
{
	uint64_t *t = table(e, tphys);

	for (unsigned int i = 0; level > 0 && i < EPT_ENTRIES; i++)
		if (present(t[i]) && !is_leaf(t[i], level))
			free_tables(e, t[i] & EPT_ADDR_MASK, level - 1);
	table_free(e, tphys);
}

int ept_init(struct ept *e, const struct ept_ops *ops, bool ad_flags)
{
	if (!e) {
		kprintf("ept: init without a struct ept\n");
		return -E_INVAL;
	}
	memset(e, 0, sizeof(*e));
	if (!ops || !ops->alloc_page || !ops->free_page || !ops->phys_to_virt) {
		kprintf("ept: init without page allocator callbacks\n");
		return -E_INVAL;
	}
	e->ops = ops;
	e->pml4_phys = table_alloc(e);
	if (!e->pml4_phys) {
		kprintf("ept: no page for the PML4\n");
		return -E_NOMEM;
	}
	e->eptp = e->pml4_phys | EPT_MT_WB | EPTP_WALK_4 | (ad_flags ? EPTP_AD : 0);
	return 0;
}

/* Shared argument checks; prints the one diagnostic line on failure. */
static int check_range(const struct ept *e, const char *op, uint64_t gpa, uint64_t len)
{
	if (!e || !e->pml4_phys) {
		kprintf("ept: %s on an uninitialised EPT\n", op);
		return -E_INVAL;
	}
	if (!len || !IS_ALIGNED(gpa | len, PAGE_SIZE)) {
		kprintf("ept: %s gpa 0x%llx len 0x%llx: not a non-empty 4 KiB-aligned range\n", op,
			(unsigned long long)gpa, (unsigned long long)len);
		return -E_INVAL;
	}
	if (gpa >= EPT_GPA_LIMIT || len > EPT_GPA_LIMIT - gpa) {
		kprintf("ept: %s gpa 0x%llx len 0x%llx: beyond the 48-bit guest-physical space\n",
			op, (unsigned long long)gpa, (unsigned long long)len);
		return -E_RANGE;
	}
	return 0;
}

/* SDM 3C 29.3.3.1: write without read is a misconfiguration, as are the
 * reserved memory types 2, 3 and 7. */
static bool perms_ok(uint32_t perms)
{
	return perms && !(perms & ~EPT_RWX) && !((perms & EPT_W) && !(perms & EPT_R));
}

static bool memtype_ok(uint32_t mt)
{
	return mt == EPT_MT_UC || mt == EPT_MT_WC || mt == EPT_MT_WT || mt == EPT_MT_WP ||
	       mt == EPT_MT_WB;
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t len, uint32_t perms,
	    uint32_t memtype, bool allow_2m)
{
	uint64_t found;
	int rc = check_range(e, "map", gpa, len);

	if (rc)
		return rc;
	if (!IS_ALIGNED(hpa, PAGE_SIZE)) {
		kprintf("ept: map hpa 0x%llx not 4 KiB aligned\n", (unsigned long long)hpa);
		return -E_INVAL;
	}
	if (!perms_ok(perms) || !memtype_ok(memtype)) {
		kprintf("ept: map gpa 0x%llx: bad permissions 0x%x or memory type %u\n",
			(unsigned long long)gpa, perms, memtype);
		return -E_INVAL;
	}
	if (hpa >= EPT_HPA_LIMIT || len > EPT_HPA_LIMIT - hpa) {
		kprintf("ept: map hpa 0x%llx len 0x%llx: beyond the 52-bit host-physical space\n",
			(unsigned long long)hpa, (unsigned long long)len);
		return -E_RANGE;
	}
	if (range_find(e, e->pml4_phys, EPT_TOP_LEVEL, gpa, gpa + len, &found)) {
		kprintf("ept: map gpa 0x%llx len 0x%llx overlaps the mapping at 0x%llx, nothing "
			"changed\n",
			(unsigned long long)gpa, (unsigned long long)len,
			(unsigned long long)found);
		return -E_EXIST;
	}
	rc = map_range(e, e->pml4_phys, EPT_TOP_LEVEL, gpa, gpa + len, hpa - gpa,
		       perms | (memtype << 3), allow_2m);
	if (rc) {
		/* The range was empty before, so clearing all of it is the exact undo;
		 * tables this call added end up empty and are freed. */
		clear_range(e, e->pml4_phys, EPT_TOP_LEVEL, gpa, gpa + len);
		kprintf("ept: map gpa 0x%llx len 0x%llx failed (%s), rolled back\n",
			(unsigned long long)gpa, (unsigned long long)len,
			rc == -E_NOMEM ? "out of table pages" : "table changed underneath");
	}
	return rc;
}

/* The PD entry covering gpa, or NULL when no PD exists there. */
static uint64_t *pde_of(const struct ept *e, uint64_t gpa)
{
	uint64_t phys = e->pml4_phys;

	for (int level = EPT_TOP_LEVEL; level > 1; level--) {
		uint64_t v = *slot_of(table(e, phys), gpa, level);

		if (!present(v) || is_leaf(v, level))
			return NULL;
		phys = v & EPT_ADDR_MASK;
	}
	return slot_of(table(e, phys), gpa, 1);
}

/* Replace a 2 MiB leaf by a PT of 512 equivalent 4 KiB leaves (same
 * permissions and memory type). The PT is complete before it goes live. */
static void split_2m(struct ept *e, uint64_t *pde, uint64_t pt_phys)
{
	uint64_t v = *pde;
	uint64_t attrs = v & ~(EPT_ADDR_MASK | EPT_LARGE);
	uint64_t base = v & EPT_ADDR_MASK;
	uint64_t *pt = table(e, pt_phys);

	for (unsigned int i = 0; i < EPT_ENTRIES; i++)
		pt[i] = (base + (uint64_t)i * PAGE_SIZE) | attrs;
	set_entry(pde, pt_phys | EPT_NONLEAF);
}

int ept_unmap(struct ept *e, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len, region[2], pt[2] = { 0, 0 };
	uint64_t *pde[2] = { NULL, NULL };
	int rc = check_range(e, "unmap", gpa, len);

	if (rc)
		return rc;
	/* Only the 2 MiB regions holding the first and the last page can be
	 * partly covered; get their PT pages before changing anything. */
	region[0] = ALIGN_DOWN(gpa, level_size(1));
	region[1] = ALIGN_DOWN(end - 1, level_size(1));
	for (int i = 0; i < 2; i++) {
		uint64_t *d;

		if (i == 1 && region[1] == region[0])
			break;
		if (region[i] >= gpa && region[i] + level_size(1) <= end)
			continue; /* wholly inside: the leaf just goes */
		d = pde_of(e, region[i]);
		if (!d || !present(*d) || !(*d & EPT_LARGE))
			continue;
		pt[i] = table_alloc(e);
		if (!pt[i]) {
			if (i == 1 && pt[0])
				table_free(e, pt[0]);
			kprintf("ept: unmap gpa 0x%llx len 0x%llx: no page to split the 2 MiB "
				"page at 0x%llx, nothing changed\n",
				(unsigned long long)gpa, (unsigned long long)len,
				(unsigned long long)region[i]);
			return -E_NOMEM;
		}
		pde[i] = d;
	}
	for (int i = 0; i < 2; i++)
		if (pde[i])
			split_2m(e, pde[i], pt[i]);
	clear_range(e, e->pml4_phys, EPT_TOP_LEVEL, gpa, end);
	return 0;
}

int ept_lookup(const struct ept *e, uint64_t gpa, struct ept_leaf *out)
{
	uint64_t phys;

	if (!e || !e->pml4_phys || !out) {
		kprintf("ept: lookup on an uninitialised EPT or without a result\n");
		return -E_INVAL;
	}
	if (gpa >= EPT_GPA_LIMIT)
		return -E_RANGE;
	phys = e->pml4_phys;
	for (int level = EPT_TOP_LEVEL; level >= 0; level--) {
		uint64_t v = *slot_of(table(e, phys), gpa, level);
		uint64_t size = level_size(level);

		if (!present(v))
			return -E_NOENT;
		if (is_leaf(v, level)) {
			out->hpa = (v & EPT_ADDR_MASK & ~(size - 1)) + (gpa & (size - 1));
			out->perms = (uint32_t)(v & EPT_RWX);
			out->memtype = (uint32_t)((v >> 3) & 7);
			out->size = size;
			return 0;
		}
		phys = v & EPT_ADDR_MASK;
	}
	return -E_NOENT; /* not reached: level 0 entries are always leaves */
}

int ept_translate(const struct ept *e, uint64_t gpa, uint64_t *hpa, uint32_t *perms)
{
	struct ept_leaf leaf;
	int rc = ept_lookup(e, gpa, &leaf);

	if (rc)
		return rc;
	if (hpa)
		*hpa = leaf.hpa;
	if (perms)
		*perms = leaf.perms;
	return 0;
}

void ept_destroy(struct ept *e)
{
	if (!e || !e->pml4_phys || !e->ops)
		return;
	free_tables(e, e->pml4_phys, EPT_TOP_LEVEL);
	e->pml4_phys = 0;
	e->eptp = 0;
}
