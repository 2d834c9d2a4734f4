// SPDX-License-Identifier: MIT
/*
 * Partition manifest, the checks: the value grammar (counts, cpu lists,
 * sizes), then the machine (boot modules, online cores, free memory),
 * handing out cores and memory strictly in manifest order; and printing.
 * Environment: freestanding hypervisor, boot CPU at early boot, interrupts
 * either way; pure code, also built hosted for unit tests.
 *
 * Why manifest order and not "explicit lists first": the rule fits in one
 * sentence, an operator can predict the outcome by reading the file top to
 * bottom, and adding a partition at the end never changes earlier ones.
 */
#include "core/manifest.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/*
 * Parse an unsigned number at *sp (decimal, or 0x hexadecimal if hex),
 * advancing *sp past every digit even on overflow. Returns 0, -E_INVAL (no
 * digits) or -E_RANGE (does not fit in 64 bits).
 */
static int parse_num(const char **sp, uint64_t *out, bool hex)
{
	const char *s = *sp;
	unsigned base = 10;
	uint64_t v = 0;
	bool over = false, any = false;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, any = true) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			over = true;
		else
			v = v * base + d;
	}
	*sp = s;
	*out = v;
	if (!any)
		return -E_INVAL;
	return over ? -E_RANGE : 0;
}

int manifest_parse_count(const char *val, uint32_t *out, const char *what, char *why, size_t n)
{
	const char *s = val;
	uint64_t v;
	int r = parse_num(&s, &v, false);

	if (r == -E_INVAL || *s != '\0') {
		ksnprintf(why, n, "not a number of %s", what);
		return -E_INVAL;
	}
	if (r == -E_RANGE || v > CONFIG_MAX_CPUS) {
		ksnprintf(why, n, "more than %u %s", CONFIG_MAX_CPUS, what);
		return -E_RANGE;
	}
	if (v == 0) {
		ksnprintf(why, n, "at least 1 needed");
		return -E_RANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

/* One cpu id of a list at *sp; item is the list item, for messages. */
static bool parse_cpu_id(const char **sp, uint32_t *out, const char *item, size_t item_len,
			 char *why, size_t n)
{
	const char *start = *sp;
	uint64_t v;
	int r = parse_num(sp, &v, false);

	if (r == -E_INVAL) {
		ksnprintf(why, n, "'%.*s' is not a cpu number or range", (int)MIN(item_len, 20),
			  item);
		return false;
	}
	if (r == -E_RANGE || v >= CONFIG_MAX_CPUS) {
		ksnprintf(why, n, "cpu %.*s is beyond the limit of %u cpus",
			  (int)MIN((size_t)(*sp - start), 20), start, CONFIG_MAX_CPUS);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

int manifest_parse_cpus(const char *val, uint64_t *mask, uint32_t *count, char *why, size_t n)
{
	const char *s = val;

	memset(mask, 0, MANIFEST_MASK_WORDS * sizeof(*mask));
	*count = 0;

	for (;;) {
		const char *item;
		size_t item_len;
		uint32_t a, b;

		s = skip_blank(s);
		item = s;
		item_len = (size_t)((strchr(s, ',') ? strchr(s, ',') : s + strlen(s)) - s);
		if (*s == ',' || *s == '\0') {
			ksnprintf(why, n, "empty item in the cpu list");
			return -E_INVAL;
		}
		if (!parse_cpu_id(&s, &a, item, item_len, why, n))
			return -E_INVAL;
		s = skip_blank(s);
		b = a;
		if (*s == '-') {
			s = skip_blank(s + 1);
			if (!parse_cpu_id(&s, &b, item, item_len, why, n))
				return -E_INVAL;
			s = skip_blank(s);
		}
		if (*s != ',' && *s != '\0') {
			ksnprintf(why, n, "'%.*s' is not a cpu number or range",
				  (int)MIN(item_len, 20), item);
			return -E_INVAL;
		}
		if (b < a) {
			ksnprintf(why, n, "range %u-%u is backwards", a, b);
			return -E_INVAL;
		}
		for (uint32_t c = a; c <= b; c++) {
			if (mask[c / 64] & (1ULL << (c % 64))) {
				ksnprintf(why, n, "cpu %u listed twice", c);
				return -E_INVAL;
			}
			mask[c / 64] |= 1ULL << (c % 64);
			(*count)++;
		}
		if (*s == '\0')
			break;
		s++; /* the ',' */
	}
	return 0;
}

int manifest_parse_size(const char *val, uint64_t *bytes, char *why, size_t n)
{
	const char *s = val;
	unsigned shift = 0;
	uint64_t v;
	int r = parse_num(&s, &v, true);

	if (r != -E_INVAL && *s != '\0') {
		if (*s == 'K' || *s == 'k')
			shift = 10;
		else if (*s == 'M' || *s == 'm')
			shift = 20;
		else if (*s == 'G' || *s == 'g')
			shift = 30;
		else
			r = -E_INVAL;
		s++;
	}
	if (r == -E_INVAL || *s != '\0') {
		ksnprintf(why, n, "not a size (use K, M or G)");
		return -E_INVAL;
	}
	if (r == -E_RANGE || v > (UINT64_MAX >> shift)) {
		ksnprintf(why, n, "too large");
		return -E_RANGE;
	}
	v <<= shift;
	if (v < MiB(2)) {
		ksnprintf(why, n, "less than 2 MiB");
		return -E_RANGE;
	}
	if (!IS_ALIGNED(v, MiB(2))) {
		ksnprintf(why, n, "not a multiple of 2 MiB");
		return -E_RANGE;
	}
	*bytes = v;
	return 0;
}

static bool mask_test(const uint64_t *mask, uint32_t cpu)
{
	return (mask[cpu / 64] >> (cpu % 64)) & 1;
}

static void mask_set(uint64_t *mask, uint32_t cpu)
{
	mask[cpu / 64] |= 1ULL << (cpu % 64);
}

static bool mask_empty(const uint64_t *mask)
{
	for (uint32_t w = 0; w < MANIFEST_MASK_WORDS; w++)
		if (mask[w])
			return false;
	return true;
}

struct pool {
	const struct manifest_resources *r;
	uint32_t ncpus;			     /* r->ncpus, clamped */
	uint64_t taken[MANIFEST_MASK_WORDS]; /* cores of earlier valid partitions */
	uint64_t mem_left;
};

/* Cpu 0 runs the Global Partition Manager, so it is never usable. */
static bool cpu_usable(const struct pool *pl, uint32_t cpu)
{
	return cpu != 0 && cpu < pl->ncpus && mask_test(pl->r->cpu_usable_mask, cpu);
}

/* Name of the earlier valid partition that holds cpu. */
static const char *owner_of(const struct manifest *m, uint32_t before, uint32_t cpu)
{
	for (uint32_t i = 0; i < before; i++)
		if (m->part[i].valid && mask_test(m->part[i].core_mask, cpu))
			return m->part[i].name;
	return "?";
}

static void refuse(struct manifest_part *p, const char *why)
{
	kprintf("manifest: partition '%s' (line %u): %s; partition refused\n", p->name, p->line,
		why);
	p->valid = false;
	memset(p->core_mask, 0, sizeof(p->core_mask));
}

/* Check and give partition i what it asks for; false: refused (line printed). */
static bool assign_one(struct manifest *m, uint32_t i, struct pool *pl)
{
	struct manifest_part *p = &m->part[i];
	char why[96 + MANIFEST_MODULE_MAX];

	if (!pl->r->module_exists(p->kernel, pl->r->ctx)) {
		ksnprintf(why, sizeof(why), "kernel module '%s' not found among the boot modules",
			  p->kernel);
		refuse(p, why);
		return false;
	}
	if (p->ncores_req == 0) {
		refuse(p, "asks for no cores");
		return false;
	}
	if (p->cores_listed) {
		for (uint32_t c = 0; c < CONFIG_MAX_CPUS; c++) {
			if (!mask_test(p->core_list, c))
				continue;
			if (c == 0)
				ksnprintf(why, sizeof(why),
					  "core 0 is reserved for the hypervisor");
			else if (!cpu_usable(pl, c))
				ksnprintf(why, sizeof(why),
					  "core %u does not exist or is not online", c);
			else if (mask_test(pl->taken, c))
				ksnprintf(why, sizeof(why), "core %u is already in partition '%s'",
					  c, owner_of(m, i, c));
			else {
				mask_set(p->core_mask, c);
				continue;
			}
			refuse(p, why);
			return false;
		}
	} else {
		uint32_t free = 0;

		for (uint32_t c = 0; c < pl->ncpus; c++)
			free += cpu_usable(pl, c) && !mask_test(pl->taken, c);
		if (free < p->ncores_req) {
			ksnprintf(why, sizeof(why), "asks for %u core%s, only %u %s free",
				  p->ncores_req, p->ncores_req == 1 ? "" : "s", free,
				  free == 1 ? "is" : "are");
			refuse(p, why);
			return false;
		}
		for (uint32_t c = 0, got = 0; c < pl->ncpus && got < p->ncores_req; c++) {
			if (cpu_usable(pl, c) && !mask_test(pl->taken, c)) {
				mask_set(p->core_mask, c);
				got++;
			}
		}
	}
	if (p->mem_bytes > pl->mem_left) {
		ksnprintf(why, sizeof(why), "asks for %llu MiB, only %llu MiB left",
			  (unsigned long long)(p->mem_bytes >> 20),
			  (unsigned long long)(pl->mem_left >> 20));
		refuse(p, why);
		return false;
	}
	/* Commit only now, so a refused partition consumes nothing. */
	for (uint32_t w = 0; w < MANIFEST_MASK_WORDS; w++)
		pl->taken[w] |= p->core_mask[w];
	pl->mem_left -= p->mem_bytes;
	return true;
}

int manifest_assign(struct manifest *m, const struct manifest_resources *r)
{
	struct pool pl;
	uint32_t nparts, nvalid = 0;

	if (!m || !r || !r->cpu_usable_mask || !r->module_exists) {
		kprintf("manifest: cannot assign resources: manifest or resource description "
			"missing\n");
		return -E_INVAL;
	}
	memset(&pl, 0, sizeof(pl));
	pl.r = r;
	pl.ncpus = MIN(r->ncpus, (uint32_t)CONFIG_MAX_CPUS);
	pl.mem_left = r->mem_free_bytes;
	nparts = MIN(m->nparts, (uint32_t)MANIFEST_MAX_PARTS);

	for (uint32_t i = 0; i < nparts; i++)
		memset(m->part[i].core_mask, 0, sizeof(m->part[i].core_mask));
	for (uint32_t i = 0; i < nparts; i++) {
		if (m->part[i].valid && assign_one(m, i, &pl))
			nvalid++;
	}
	m->nvalid = nvalid;
	return (int)nvalid;
}

void manifest_format_cpus(const uint64_t *mask, char *buf, size_t buf_size)
{
	size_t pos = 0;
	uint32_t c = 0;

	buf[0] = '\0';
	while (c < CONFIG_MAX_CPUS) {
		uint32_t end;
		char item[24];
		size_t len;

		if (!mask_test(mask, c)) {
			c++;
			continue;
		}
		for (end = c; end + 1 < CONFIG_MAX_CPUS && mask_test(mask, end + 1); end++)
			;
		if (end == c)
			len = (size_t)ksnprintf(item, sizeof(item), "%s%u", pos ? "," : "", c);
		else
			len = (size_t)ksnprintf(item, sizeof(item), "%s%u-%u", pos ? "," : "", c,
						end);
		/* Keep room for a final "..." so a cut list says so. */
		if (pos + len + 4 > buf_size) {
			memcpy(buf + MIN(pos, buf_size - 4), "...", 4);
			return;
		}
		memcpy(buf + pos, item, len + 1);
		pos += len;
		c = end + 1;
	}
	if (pos == 0)
		memcpy(buf, "none", 5);
}

void manifest_print(const struct manifest *m)
{
	if (!m)
		return;
	if (m->nvalid == 0) {
		kprintf("manifest: no valid partitions\n");
		return;
	}
	for (uint32_t i = 0; i < MIN(m->nparts, (uint32_t)MANIFEST_MAX_PARTS); i++) {
		const struct manifest_part *p = &m->part[i];
		char cores[80];

		if (!p->valid)
			continue;
		if (!mask_empty(p->core_mask)) {
			manifest_format_cpus(p->core_mask, cores, sizeof(cores));
		} else if (p->cores_listed) {
			manifest_format_cpus(p->core_list, cores, sizeof(cores) - 16);
			memcpy(cores + strlen(cores), " (unassigned)", 14);
		} else {
			ksnprintf(cores, sizeof(cores), "%u (unassigned)", p->ncores_req);
		}
		char kernel[MANIFEST_MODULE_MAX], cmdline[MANIFEST_CMDLINE_MAX];
		memcpy(kernel, p->kernel, sizeof(kernel));
		memcpy(cmdline, p->cmdline, sizeof(cmdline));
		kprintf("manifest: partition '%s' cores=%s memory=%llu MiB kernel=%s vcpus=%u "
			"cmdline=\"%s\"\n",
			p->name, cores, (unsigned long long)(p->mem_bytes >> 20),
			manifest_printable(kernel), p->vcpus, manifest_printable(cmdline));
	}
}
