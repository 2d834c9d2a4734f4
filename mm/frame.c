// SPDX-License-Identifier: MIT
/*
 * Physical 4 KiB frame allocator. A bitmap (bit set = frame not free)
 * covers [0, highest usable byte); a sorted table of usable runs lets
 * frame_free reject frames the allocator never managed. Both live in the
 * first usable run big enough, found with interval arithmetic so init costs
 * O(map entries^2 * runs), never O(pages) per map entry.
 * Environment: freestanding hypervisor, any core, interrupts either way;
 * pure code, also built hosted for unit tests.
 */
#include "mm/frame.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* A usable run of frame numbers [start, end). */
struct run {
	uint64_t start, end;
};

static struct {
	spinlock_t lock;
	uint64_t *bitmap;
	uint64_t nframes; /* frames covered by the bitmap */
	uint64_t nwords;
	uint64_t hint; /* every bitmap word below this index is full */
	struct run *runs;
	uint64_t nruns;
	uint64_t meta_start, meta_end; /* frames holding bitmap + run table */
	uint64_t total, nfree, reserved_pages;
	void *(*p2v)(uint64_t phys);
} fa = { .lock = SPINLOCK_INIT };

/* The map and reserved list seen as one list of "holes" for region i. */
struct map_view {
	const struct mem_region *map;
	size_t n;
	const struct mem_region *res;
	size_t nres;
};

typedef void run_fn(void *arg, uint64_t start, uint64_t end);

static uint64_t region_end(const struct mem_region *r)
{
	return r->len > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->len;
}

/* Every page touching r, as a page-aligned [*hs, *he). */
static void hole_of(const struct mem_region *r, uint64_t *hs, uint64_t *he)
{
	uint64_t e = region_end(r);

	*hs = ALIGN_DOWN(r->base, PAGE_SIZE);
	*he = e > UINT64_MAX - PAGE_SIZE ? ALIGN_DOWN(UINT64_MAX, PAGE_SIZE) :
					   ALIGN_UP(e, PAGE_SIZE);
}

/* Whole pages of available region r inside [LOW_LIMIT, HIGH_CAP). */
static bool avail_bounds(const struct mem_region *r, uint64_t *lo, uint64_t *hi)
{
	uint64_t b = MAX(r->base, FRAME_LOW_LIMIT);
	uint64_t e = MIN(region_end(r), FRAME_HIGH_CAP);

	if (r->type != MEM_AVAILABLE || r->len == 0 || b >= e)
		return false;
	*lo = ALIGN_UP(b, PAGE_SIZE);
	*hi = ALIGN_DOWN(e, PAGE_SIZE);
	return *lo < *hi;
}

/*
 * Call fn on each maximal usable byte range of available map entry i, in
 * address order: its whole pages minus every page touching another map
 * entry (whatever its type: that is how overlaps become reserved) or a
 * reserved range. Returns the number of pages emitted. Runs of different
 * entries are disjoint because a shared page touches both entries.
 */
static uint64_t region_runs(const struct map_view *v, size_t i, run_fn *fn, void *arg)
{
	uint64_t lo, hi, p, emitted = 0;

	if (!avail_bounds(&v->map[i], &lo, &hi))
		return 0;
	for (p = lo; p < hi;) {
		uint64_t next = hi;
		bool inside = false;

		for (size_t k = 0; k < v->n + v->nres; k++) {
			const struct mem_region *h = k < v->n ? &v->map[k] : &v->res[k - v->n];
			uint64_t hs, he;

			if (k == i || h->len == 0)
				continue;
			hole_of(h, &hs, &he);
			if (hs <= p && p < he) {
				p = he;
				inside = true;
				break;
			}
			if (hs > p && hs < next)
				next = hs;
		}
		if (inside)
			continue;
		fn(arg, p, next);
		emitted += (next - p) >> PAGE_SHIFT;
		p = next;
	}
	return emitted;
}

/* One summary line per kind of map damage; the pages are excluded anyway. */
static void report_map(const struct map_view *v)
{
	uint64_t zero = 0, overlap = 0, above = 0;

	for (size_t i = 0; i < v->n; i++) {
		const struct mem_region *r = &v->map[i];

		if (r->len == 0) {
			zero++;
			continue;
		}
		if (r->type == MEM_AVAILABLE && region_end(r) > FRAME_HIGH_CAP)
			above += region_end(r) - MAX(r->base, FRAME_HIGH_CAP);
		for (size_t j = 0; j < v->n; j++) {
			const struct mem_region *o = &v->map[j];

			if (j != i && o->len && o->base < region_end(r) &&
			    r->base < region_end(o)) {
				overlap++;
				break;
			}
		}
	}
	if (zero)
		kprintf("frame: memory map has %llu zero-length regions; ignored\n",
			(unsigned long long)zero);
	if (overlap)
		kprintf("frame: memory map has %llu overlapping regions; overlaps treated as reserved\n",
			(unsigned long long)overlap);
	if (above)
		kprintf("frame: ignoring %llu MiB of available memory above the 1 TiB cap\n",
			(unsigned long long)(above >> 20));
}

/* Pass state shared by the three walks over the usable runs. */
struct scan {
	uint64_t nruns, pages, highest;
	uint64_t need, best; /* pass 2: bytes wanted, lowest fitting start */
	struct run *out;     /* pass 3: where runs are recorded */
};

static void count_run(void *arg, uint64_t start, uint64_t end)
{
	struct scan *s = arg;

	s->nruns++;
	s->pages += (end - start) >> PAGE_SHIFT;
	s->highest = MAX(s->highest, end);
}

static void fit_run(void *arg, uint64_t start, uint64_t end)
{
	struct scan *s = arg;

	if (end - start >= s->need && (s->best == 0 || start < s->best))
		s->best = start;
}

static void record_run(void *arg, uint64_t start, uint64_t end)
{
	struct scan *s = arg;

	s->out[s->nruns].start = start >> PAGE_SHIFT;
	s->out[s->nruns].end = end >> PAGE_SHIFT;
	s->nruns++;
}

static uint64_t walk(const struct map_view *v, run_fn *fn, struct scan *s)
{
	uint64_t pages = 0;

	for (size_t i = 0; i < v->n; i++)
		pages += region_runs(v, i, fn, s);
	return pages;
}

/* Set (used) or clear (free) bits [from, to). */
static void mark(uint64_t from, uint64_t to, bool used)
{
	while (from < to) {
		uint64_t bit = from % 64, n = MIN(64 - bit, to - from);
		uint64_t mask = (n == 64 ? ~0ULL : (1ULL << n) - 1) << bit;

		if (used)
			fa.bitmap[from / 64] |= mask;
		else
			fa.bitmap[from / 64] &= ~mask;
		from += n;
	}
}

/* First frame in [from, limit) whose bit equals `used`, else limit. */
static uint64_t find_bit(uint64_t from, uint64_t limit, bool used)
{
	while (from < limit) {
		uint64_t w = used ? fa.bitmap[from / 64] : ~fa.bitmap[from / 64];

		w &= ~0ULL << (from % 64);
		if (w)
			return MIN((from & ~63ULL) + (uint64_t)__builtin_ctzll(w), limit);
		from = (from | 63) + 1;
	}
	return limit;
}

/* Sort runs by start and merge touching neighbours (entries may abut). */
static uint64_t sort_runs(struct run *r, uint64_t n)
{
	uint64_t out = 0;

	for (uint64_t i = 1; i < n; i++) {
		struct run x = r[i];
		uint64_t j = i;

		for (; j > 0 && r[j - 1].start > x.start; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (out && r[out - 1].end == r[i].start)
			r[out - 1].end = r[i].end;
		else
			r[out++] = r[i];
	}
	return out;
}

int frame_init(const struct mem_region *map, size_t n, const struct mem_region *reserved,
	       size_t nres, void *(*phys_to_virt)(uint64_t phys))
{
	struct map_view v = { map, n, reserved, nres };
	struct scan s = { 0 };
	uint64_t meta_pages, lost = 0, lo, hi;

	fa.bitmap = NULL;
	fa.runs = NULL;
	fa.nframes = fa.nwords = fa.hint = fa.nruns = 0;
	fa.meta_start = fa.meta_end = 0;
	fa.total = fa.nfree = fa.reserved_pages = 0;
	fa.p2v = phys_to_virt;
	if ((!map && n) || (!reserved && nres) || !phys_to_virt) {
		kprintf("frame: frame_init called without a map or phys_to_virt\n");
		return -E_INVAL;
	}
	report_map(&v);

	for (size_t i = 0; i < n; i++)
		if (avail_bounds(&map[i], &lo, &hi))
			lost += (hi - lo) >> PAGE_SHIFT;
	walk(&v, count_run, &s);
	if (s.pages == 0) {
		kprintf("frame: no usable memory above 1 MiB in the memory map\n");
		return -E_NOMEM;
	}

	fa.nframes = s.highest >> PAGE_SHIFT;
	fa.nwords = (fa.nframes + 63) / 64;
	meta_pages = ALIGN_UP(fa.nwords * 8 + s.nruns * sizeof(struct run), PAGE_SIZE) >>
		     PAGE_SHIFT;
	s.need = meta_pages << PAGE_SHIFT;
	walk(&v, fit_run, &s);
	if (s.best == 0 || !(fa.bitmap = phys_to_virt(s.best))) {
		kprintf("frame: no usable run of %llu pages for the frame bitmap\n",
			(unsigned long long)meta_pages);
		fa.nframes = fa.nwords = 0;
		fa.bitmap = NULL;
		return -E_NOMEM;
	}
	fa.runs = (struct run *)(fa.bitmap + fa.nwords);
	fa.meta_start = s.best >> PAGE_SHIFT;
	fa.meta_end = fa.meta_start + meta_pages;

	s.nruns = 0;
	s.out = fa.runs;
	walk(&v, record_run, &s);
	fa.nruns = sort_runs(fa.runs, s.nruns);

	memset(fa.bitmap, 0xff, fa.nwords * 8);
	for (uint64_t i = 0; i < fa.nruns; i++)
		mark(fa.runs[i].start, fa.runs[i].end, false);
	mark(fa.meta_start, fa.meta_end, true);
	fa.total = fa.nfree = s.pages - meta_pages;
	fa.reserved_pages = lost - s.pages;
	while (fa.hint < fa.nwords && fa.bitmap[fa.hint] == ~0ULL)
		fa.hint++;
	return 0;
}

uint64_t frame_alloc(size_t npages, uint64_t align, uint64_t max_phys)
{
	uint64_t step, limit, f, u, phys = 0;

	if (npages == 0)
		return 0;
	if (align & (align - 1)) {
		kprintf("frame: alloc alignment 0x%llx is not a power of two\n",
			(unsigned long long)align);
		return 0;
	}
	step = align < PAGE_SIZE ? 1 : align >> PAGE_SHIFT;

	spin_lock(&fa.lock);
	limit = fa.nframes;
	if (max_phys != UINT64_MAX)
		limit = MIN(limit, (max_phys + 1) >> PAGE_SHIFT);
	/* Skip to the first free frame, align, then check the whole run;
	 * on a used frame u restart after it. Each round moves forward. */
	for (f = fa.hint * 64;;) {
		f = find_bit(f, limit, false);
		f = ALIGN_UP(f, step);
		if (f >= limit || npages > limit - f)
			break;
		u = find_bit(f, f + npages, true);
		if (u == f + npages) {
			mark(f, f + npages, true);
			fa.nfree -= npages;
			while (fa.hint < fa.nwords && fa.bitmap[fa.hint] == ~0ULL)
				fa.hint++;
			phys = f << PAGE_SHIFT;
			break;
		}
		f = u + 1;
	}
	spin_unlock(&fa.lock);
	return phys;
}

uint64_t frame_alloc_zeroed(size_t npages, uint64_t align, uint64_t max_phys)
{
	uint64_t phys = frame_alloc(npages, align, max_phys);

	/* Page by page: phys_to_virt need not map the run contiguously. */
	for (size_t i = 0; phys && i < npages; i++)
		memset(fa.p2v(phys + i * PAGE_SIZE), 0, PAGE_SIZE);
	return phys;
}

/* True if frames [f, end) lie inside one usable run. Lock held. */
static bool managed(uint64_t f, uint64_t end)
{
	uint64_t lo = 0, hi = fa.nruns;

	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (fa.runs[mid].start <= f)
			lo = mid;
		else
			hi = mid;
	}
	return fa.nruns && fa.runs[lo].start <= f && end <= fa.runs[lo].end;
}

void frame_free(uint64_t phys, size_t npages)
{
	uint64_t f = phys >> PAGE_SHIFT;
	const char *why = NULL;

	spin_lock(&fa.lock);
	if (npages == 0)
		why = "zero pages";
	else if (phys & (PAGE_SIZE - 1))
		why = "not page aligned";
	else if (f >= fa.nframes || npages > fa.nframes - f || !managed(f, f + npages))
		why = "not managed by the frame allocator";
	else if (f < fa.meta_end && f + npages > fa.meta_start)
		why = "frame allocator metadata";
	else if (find_bit(f, f + npages, false) != f + npages)
		why = "not allocated";
	else {
		mark(f, f + npages, false);
		fa.nfree += npages;
		fa.hint = MIN(fa.hint, f / 64);
	}
	spin_unlock(&fa.lock);
	if (why)
		kprintf("frame: bad free of 0x%llx (%zu pages): %s; ignored\n",
			(unsigned long long)phys, npages, why);
}

void frame_stats(struct frame_stats *st)
{
	spin_lock(&fa.lock);
	st->total = fa.total;
	st->free = fa.nfree;
	st->used = fa.total - fa.nfree;
	st->reserved_pages = fa.reserved_pages;
	st->bitmap_pages = fa.meta_end - fa.meta_start;
	st->highest = fa.nframes << PAGE_SHIFT;
	spin_unlock(&fa.lock);
}

void *frame_obj_zalloc(size_t size)
{
	uint64_t pa = frame_alloc_zeroed((size + PAGE_SIZE - 1) / PAGE_SIZE, PAGE_SIZE, UINT64_MAX);

	return pa ? (void *)(uintptr_t)pa : NULL;
}

void frame_obj_free(void *p, size_t size)
{
	if (p)
		frame_free((uint64_t)(uintptr_t)p, (size + PAGE_SIZE - 1) / PAGE_SIZE);
}
