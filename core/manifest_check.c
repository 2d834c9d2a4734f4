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

int manifest_parse_u64(const char **sp, uint64_t *out, bool hex)
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
	int r = manifest_parse_u64(&s, &v, false);

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
	int r = manifest_parse_u64(sp, &v, false);

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
	int r = manifest_parse_u64(&s, &v, true);

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

/* Why cpu c of an explicit list cannot go to p, into why; false if it can. */
static bool list_cpu_bad(const struct manifest *m, uint32_t i, const struct pool *pl, uint32_t c,
			 char *why, size_t n)
{
	bool accel = mask_test(m->machine.accel, c);

	if (c == 0)
		ksnprintf(why, n, "core 0 is reserved for the hypervisor");
	else if (!cpu_usable(pl, c))
		ksnprintf(why, n, "core %u does not exist or is not online", c);
	else if (m->part[i].cls == MANIFEST_CLASS_ACCEL && !accel)
		ksnprintf(why, n, "core %u is not a [machine] accel cpu", c);
	else if (m->part[i].cls != MANIFEST_CLASS_ACCEL && accel)
		ksnprintf(why, n, "core %u is an accel cpu (only for class = accel)", c);
	else if (m->part[i].cls != MANIFEST_CLASS_ACCEL && mask_test(pl->taken, c))
		ksnprintf(why, n, "core %u is already in partition '%s'", c, owner_of(m, i, c));
	else
		return false;
	return true;
}

/*
 * Cores of a count. Accel partitions share the accel cpus, so they take
 * the first usable ones whatever earlier accel partitions took; the others
 * take free cpus that are not accel. Under plan_cores only accel counts
 * are filled: the planner places the rest.
 */
static bool take_count(const struct manifest *m, struct manifest_part *p, const struct pool *pl,
		       char *why, size_t n)
{
	bool accel = p->cls == MANIFEST_CLASS_ACCEL;
	uint32_t free = 0;

	if (pl->r->plan_cores && !accel)
		return true;
	for (uint32_t c = 0; c < pl->ncpus; c++) {
		if (!cpu_usable(pl, c) || mask_test(m->machine.accel, c) != accel)
			continue;
		if (!accel && mask_test(pl->taken, c))
			continue;
		if (free < p->ncores_req)
			mask_set(p->core_mask, c);
		free++;
	}
	if (free >= p->ncores_req)
		return true;
	if (accel)
		ksnprintf(why, n, "asks for %u accel core%s, only %u %s usable", p->ncores_req,
			  p->ncores_req == 1 ? "" : "s", free, free == 1 ? "is" : "are");
	else
		ksnprintf(why, n, "asks for %u core%s, only %u %s free", p->ncores_req,
			  p->ncores_req == 1 ? "" : "s", free, free == 1 ? "is" : "are");
	return false;
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
	if (p->symbols[0] && !pl->r->module_exists(p->symbols, pl->r->ctx)) {
		ksnprintf(why, sizeof(why), "symbols module '%s' not found among the boot modules",
			  p->symbols);
		refuse(p, why);
		return false;
	}
	if (p->initrd[0] && !pl->r->module_exists(p->initrd, pl->r->ctx)) {
		ksnprintf(why, sizeof(why), "initrd module '%s' not found among the boot modules",
			  p->initrd);
		refuse(p, why);
		return false;
	}
	for (uint32_t m_i = 0; m_i < p->nmods; m_i++) {
		char name[MANIFEST_MODULE_MAX];

		if (pl->r->module_exists(manifest_module_name(p, m_i, name), pl->r->ctx))
			continue;
		ksnprintf(why, sizeof(why), "module '%s' not found among the boot modules", name);
		refuse(p, why);
		return false;
	}
	for (uint32_t f = 0; f < p->nfwcfg && f < MANIFEST_FWCFG_MAX; f++) {
		if (!pl->r->module_exists(p->fwcfg[f].module, pl->r->ctx)) {
			ksnprintf(why, sizeof(why),
				  "fwcfg module '%s' not found among the boot modules",
				  p->fwcfg[f].module);
			refuse(p, why);
			return false;
		}
	}
	if (p->ncores_req == 0) {
		refuse(p, "asks for no cores");
		return false;
	}
	if (p->cores_listed) {
		for (uint32_t c = 0; c < CONFIG_MAX_CPUS; c++) {
			if (!mask_test(p->core_list, c))
				continue;
			if (list_cpu_bad(m, i, pl, c, why, sizeof(why))) {
				refuse(p, why);
				return false;
			}
			mask_set(p->core_mask, c);
		}
	} else if (!take_count(m, p, pl, why, sizeof(why))) {
		refuse(p, why);
		return false;
	}
	if (p->mem_bytes > pl->mem_left) {
		ksnprintf(why, sizeof(why), "asks for %llu MiB, only %llu MiB left",
			  (unsigned long long)(p->mem_bytes >> 20),
			  (unsigned long long)(pl->mem_left >> 20));
		refuse(p, why);
		return false;
	}
	/* Commit only now, so a refused partition consumes nothing; accel
	 * cores stay shared, so they are never marked taken. */
	if (p->cls != MANIFEST_CLASS_ACCEL)
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

static const char *const class_names[] = { "slow", "fast", "any", "accel" };
static const char *const level_names[] = { "none", "socket", "node", "core" };

/* Append to buf at *pos, always NUL-terminated; a full buffer drops the rest. */
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...) __printf(4, 5);
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (*pos >= size - 1)
		return;
	va_start(ap, fmt);
	len = kvsnprintf(buf + *pos, size - *pos, fmt, ap);
	va_end(ap);
	if (len > 0)
		*pos = MIN(*pos + (size_t)len, size - 1);
}

/*
 * The issue-10 keys that differ from their defaults, each " key=value",
 * so a manifest without them prints exactly what it printed before.
 */
static void format_extras(const struct manifest_part *p, char *buf, size_t size)
{
	size_t pos = 0;
	char t[16];

	buf[0] = '\0';
	if (p->weight != 1)
		append(buf, size, &pos, " weight=%u", p->weight);
	if (p->cls != MANIFEST_CLASS_SLOW && p->cls < ARRAY_SIZE(class_names))
		append(buf, size, &pos, " class=%s", class_names[p->cls]);
	if (p->power_w)
		append(buf, size, &pos, " power=%uW", p->power_w);
	if (p->gang)
		append(buf, size, &pos, " gang=yes");
	if (p->latency_us) {
		manifest_format_us(p->latency_us, t, sizeof(t));
		append(buf, size, &pos, " latency=%s", t);
	}
	if (p->colocate != MANIFEST_COLOC_NONE && p->colocate < ARRAY_SIZE(level_names))
		append(buf, size, &pos, " colocate=%s", level_names[p->colocate]);
	for (uint32_t g = 0; g < MIN(p->naff, (uint32_t)MANIFEST_AFF_MAX); g++) {
		const struct manifest_affinity *a = &p->aff[g];
		const char *lvl = a->level < ARRAY_SIZE(level_names) ? level_names[a->level] : "?";

		append(buf, size, &pos, "%s%u", g ? "," : " affinity=", a->first);
		if (a->count > 1)
			append(buf, size, &pos, "-%u", a->first + a->count - 1);
		append(buf, size, &pos, ":%s", lvl);
	}
	if (p->lpm_dedicated)
		append(buf, size, &pos, " lpm=dedicated");
	if (p->control)
		append(buf, size, &pos, " control=yes");
	if (p->slice_us) {
		manifest_format_us(p->slice_us, t, sizeof(t));
		append(buf, size, &pos, " slice=%s", t);
	}
	if (p->nmods)
		append(buf, size, &pos, " modules=%u", p->nmods);
	if (p->symbols[0]) {
		char sym[MANIFEST_MODULE_MAX];
		memcpy(sym, p->symbols, sizeof(sym));
		append(buf, size, &pos, " symbols=%s", manifest_printable(sym));
	}
	if (p->initrd[0]) {
		char rd[MANIFEST_MODULE_MAX];
		memcpy(rd, p->initrd, sizeof(rd));
		append(buf, size, &pos, " initrd=%s", manifest_printable(rd));
	}
	for (uint32_t f = 0; f < p->nfwcfg && f < MANIFEST_FWCFG_MAX; f++) {
		char nm[MANIFEST_FWCFG_NAME], mod[MANIFEST_MODULE_MAX];
		memcpy(nm, p->fwcfg[f].name, sizeof(nm));
		memcpy(mod, p->fwcfg[f].module, sizeof(mod));
		append(buf, size, &pos, " fwcfg=%s:%s", manifest_printable(nm),
		       manifest_printable(mod));
	}
	if (p->balloon)
		append(buf, size, &pos, " balloon=yes");
	if (p->vcpus_min)
		append(buf, size, &pos, " vcpus_min=%u", p->vcpus_min);
	if (p->balloon_wait_ms)
		append(buf, size, &pos, " balloon_wait=%ums", p->balloon_wait_ms);
}

/* "manifest: machine fast=1-2 accel=5-6 watts slow=5 fast=15" */
static void print_machine(const struct manifest_machine *mc)
{
	char fast[64], accel[64], watts[64];
	size_t pos = 0;

	manifest_format_cpus(mc->fast, fast, sizeof(fast));
	manifest_format_cpus(mc->accel, accel, sizeof(accel));
	watts[0] = '\0';
	for (uint32_t c = 0; c < ARRAY_SIZE(mc->watts); c++)
		if (mc->watts[c])
			append(watts, sizeof(watts), &pos, "%s %s=%u", pos ? "" : " watts",
			       class_names[c], mc->watts[c]);
	if (mc->pool)
		append(watts, sizeof(watts), &pos, " pool=%u", mc->pool);
	kprintf("manifest: machine fast=%s accel=%s%s\n", fast, accel, watts);
}

void manifest_print(const struct manifest *m)
{
	if (!m)
		return;
	if (m->machine.present)
		print_machine(&m->machine);
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
		char kernel[MANIFEST_MODULE_MAX], cmdline[MANIFEST_CMDLINE_MAX], extras[1280];
		memcpy(kernel, p->kernel, sizeof(kernel));
		memcpy(cmdline, p->cmdline, sizeof(cmdline));
		format_extras(p, extras, sizeof(extras));
		kprintf("manifest: partition '%s' cores=%s memory=%llu MiB kernel=%s vcpus=%u%s "
			"cmdline=\"%s\"\n",
			p->name, cores, (unsigned long long)(p->mem_bytes >> 20),
			manifest_printable(kernel), p->vcpus, extras, manifest_printable(cmdline));
	}
}
