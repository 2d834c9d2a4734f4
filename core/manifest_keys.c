// SPDX-License-Identifier: MIT
/*
 * Partition manifest, the issue-10 keys: the value grammar of the planning
 * keys (whole numbers in a range, times, affinity lists), the setters that
 * store them into a partition, and the [machine] setters. manifest_parse()
 * (core/manifest.c) owns the sections, the key tables and the rules between
 * keys; each setter here sees one value and knows nothing of the others.
 * Environment: freestanding hypervisor, boot CPU at early boot, interrupts
 * either way; pure code, also built hosted for unit tests.
 *
 * Rules a reviewer can check against the code:
 * 1. A setter either stores a valid value and returns true, or writes one
 *    reason into why and leaves its field as it was.
 * 2. Words are matched exactly (case-sensitive), as key names are.
 * 3. Cpu 0 is never a fast or accel cpu: it runs the Global Partition
 *    Manager, and is never handed to a partition anyway.
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

int manifest_parse_uint(const char *val, uint32_t lo, uint32_t hi, char suffix, uint32_t *out,
			char *why, size_t n)
{
	const char *s = val;
	uint64_t v;
	int r = manifest_parse_u64(&s, &v, false);

	if (r != -E_INVAL && suffix && *s == suffix)
		s++;
	if (r == -E_INVAL || *s != '\0') {
		ksnprintf(why, n, "not a whole number");
		return -E_INVAL;
	}
	if (r == -E_RANGE || v < lo || v > hi) {
		ksnprintf(why, n, "outside %u..%u", lo, hi);
		return -E_RANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

void manifest_format_us(uint32_t us, char *buf, size_t n)
{
	/* The largest unit that divides exactly, so 2000us reads "2ms". */
	if (us != 0 && us % 1000000 == 0)
		ksnprintf(buf, n, "%us", us / 1000000);
	else if (us != 0 && us % 1000 == 0)
		ksnprintf(buf, n, "%ums", us / 1000);
	else
		ksnprintf(buf, n, "%uus", us);
}

int manifest_parse_us(const char *val, uint32_t lo, uint32_t hi, uint32_t *out, char *why, size_t n)
{
	const char *s = val;
	uint64_t v, unit;
	char a[16], b[16];
	int r = manifest_parse_u64(&s, &v, false);

	if (strcmp(s, "us") == 0)
		unit = 1;
	else if (strcmp(s, "ms") == 0)
		unit = 1000;
	else if (strcmp(s, "s") == 0)
		unit = 1000000;
	else
		r = -E_INVAL;
	if (r == -E_INVAL) {
		ksnprintf(why, n, "not a time: want a number with us, ms or s");
		return -E_INVAL;
	}
	if (r == -E_RANGE || v > hi / unit || v * unit < lo) {
		manifest_format_us(lo, a, sizeof(a));
		manifest_format_us(hi, b, sizeof(b));
		ksnprintf(why, n, "outside %s..%s", a, b);
		return -E_RANGE;
	}
	*out = (uint32_t)(v * unit);
	return 0;
}

/* "core", "socket" or "node" into an affinity level; false for anything else. */
static bool aff_level(const char *s, size_t len, uint8_t *level)
{
	static const struct {
		const char *name;
		uint8_t level;
	} levels[] = { { "core", MANIFEST_AFF_CORE },
		       { "socket", MANIFEST_COLOC_SOCKET },
		       { "node", MANIFEST_COLOC_NODE } };

	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		if (strlen(levels[i].name) == len && strncmp(levels[i].name, s, len) == 0) {
			*level = levels[i].level;
			return true;
		}
	}
	return false;
}

/* One vCPU id of an affinity group at *sp, below MANIFEST_MAX_VCPUS. */
static int aff_vcpu(const char **sp, uint32_t *out, const char *item, size_t item_len, char *why,
		    size_t n)
{
	const char *start = *sp;
	uint64_t v;
	int r = manifest_parse_u64(sp, &v, false);

	if (r == -E_INVAL) {
		ksnprintf(why, n, "'%.*s' is not vCPUS:LEVEL (0-1:core)", (int)MIN(item_len, 20),
			  item);
		return -E_INVAL;
	}
	if (r == -E_RANGE || v >= MANIFEST_MAX_VCPUS) {
		ksnprintf(why, n, "vCPU %.*s is beyond the limit of %u vCPUs",
			  (int)MIN((size_t)(*sp - start), 20), start, MANIFEST_MAX_VCPUS);
		return -E_RANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

int manifest_parse_affinity(const char *val, struct manifest_affinity *aff, uint8_t *naff,
			    char *why, size_t n)
{
	struct manifest_affinity got[MANIFEST_AFF_MAX];
	uint64_t used = 0; /* vCPUs already in a group (MANIFEST_MAX_VCPUS <= 64) */
	const char *s = val;
	uint8_t count = 0;

	for (;;) {
		const char *item, *comma, *word;
		size_t item_len;
		uint32_t a, b;
		uint8_t level;
		int r;

		s = skip_blank(s);
		item = s;
		comma = strchr(s, ',');
		item_len = (size_t)((comma ? comma : s + strlen(s)) - s);
		if (*s == ',' || *s == '\0') {
			ksnprintf(why, n, "empty item in the affinity list");
			return -E_INVAL;
		}
		if (count == MANIFEST_AFF_MAX) {
			ksnprintf(why, n, "more than %u groups", MANIFEST_AFF_MAX);
			return -E_RANGE;
		}
		r = aff_vcpu(&s, &a, item, item_len, why, n);
		if (r < 0)
			return r;
		s = skip_blank(s);
		b = a;
		if (*s == '-') {
			s = skip_blank(s + 1);
			r = aff_vcpu(&s, &b, item, item_len, why, n);
			if (r < 0)
				return r;
			s = skip_blank(s);
		}
		if (*s != ':') {
			ksnprintf(why, n, "'%.*s' is not vCPUS:LEVEL (0-1:core)",
				  (int)MIN(item_len, 20), item);
			return -E_INVAL;
		}
		word = s = skip_blank(s + 1);
		while (*s >= 'a' && *s <= 'z')
			s++;
		if (!aff_level(word, (size_t)(s - word), &level)) {
			ksnprintf(why, n, "level '%.*s' is not core, socket or node",
				  (int)MIN((size_t)(s - word), 20), word);
			return -E_INVAL;
		}
		s = skip_blank(s);
		if (*s != ',' && *s != '\0') {
			ksnprintf(why, n, "'%.*s' is not vCPUS:LEVEL (0-1:core)",
				  (int)MIN(item_len, 20), item);
			return -E_INVAL;
		}
		if (b < a) {
			ksnprintf(why, n, "range %u-%u is backwards", a, b);
			return -E_INVAL;
		}
		for (uint32_t v = a; v <= b; v++) {
			if (used & (1ULL << v)) {
				ksnprintf(why, n, "vCPU %u is in two groups", v);
				return -E_INVAL;
			}
			used |= 1ULL << v;
		}
		got[count].first = a;
		got[count].count = b - a + 1;
		got[count].level = level;
		count++;
		if (*s == '\0')
			break;
		s++; /* the ',' */
	}
	/* Only a whole, valid list replaces what was there. */
	memcpy(aff, got, count * sizeof(*aff));
	*naff = count;
	return 0;
}

/*
 * Issue-10 keys: what the Global Partition Manager plans with. Each only
 * records the value; end_section() checks how they combine.
 */

/* val as one of words[] (NULL-terminated): its index into *out. */
static bool set_word(const char *val, const char *const *words, uint8_t *out, const char *want,
		     char *why, size_t n)
{
	for (uint8_t i = 0; words[i]; i++) {
		if (strcmp(val, words[i]) == 0) {
			*out = i;
			return true;
		}
	}
	ksnprintf(why, n, "want %s", want);
	return false;
}

static bool set_yes_no(const char *val, bool *out, char *why, size_t n)
{
	static const char *const words[] = { "no", "yes", NULL };
	uint8_t v;

	if (!set_word(val, words, &v, "yes or no", why, n))
		return false;
	*out = v == 1;
	return true;
}

bool manifest_key_weight(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return manifest_parse_uint(val, 1, 256, 0, &p->weight, why, n) == 0;
}

bool manifest_key_class(struct manifest_part *p, const char *val, char *why, size_t n)
{
	/* In MANIFEST_CLASS_* order. */
	static const char *const words[] = { "slow", "fast", "any", "accel", NULL };

	return set_word(val, words, &p->cls, "slow, fast, any or accel", why, n);
}

bool manifest_key_power(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return manifest_parse_uint(val, 1, 100000, 'W', &p->power_w, why, n) == 0;
}

bool manifest_key_gang(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return set_yes_no(val, &p->gang, why, n);
}

bool manifest_key_latency(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return manifest_parse_us(val, 1, 10000000, &p->latency_us, why, n) == 0;
}

bool manifest_key_colocate(struct manifest_part *p, const char *val, char *why, size_t n)
{
	/* In MANIFEST_COLOC_* order. */
	static const char *const words[] = { "none", "socket", "node", NULL };

	return set_word(val, words, &p->colocate, "none, socket or node", why, n);
}

bool manifest_key_affinity(struct manifest_part *p, const char *val, char *why, size_t n)
{
	/* Checked against vcpus in end_section(): vcpus may come later. */
	return manifest_parse_affinity(val, p->aff, &p->naff, why, n) == 0;
}

bool manifest_key_lpm(struct manifest_part *p, const char *val, char *why, size_t n)
{
	static const char *const words[] = { "shared", "dedicated", NULL };
	uint8_t v;

	if (!set_word(val, words, &v, "shared or dedicated", why, n))
		return false;
	p->lpm_dedicated = v == 1;
	return true;
}

bool manifest_key_control(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return set_yes_no(val, &p->control, why, n);
}

bool manifest_key_slice(struct manifest_part *p, const char *val, char *why, size_t n)
{
	/* Below 50 us the switch costs more than the slice; above 100 ms a
	 * time-shared vCPU waits long enough to miss its own timer ticks. */
	return manifest_parse_us(val, 50, 100000, &p->slice_us, why, n) == 0;
}

bool manifest_key_balloon(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return set_yes_no(val, &p->balloon, why, n);
}

bool manifest_key_vcpus_min(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return manifest_parse_uint(val, 1, MANIFEST_MAX_VCPUS, 0, &p->vcpus_min, why, n) == 0;
}

bool manifest_key_balloon_wait(struct manifest_part *p, const char *val, char *why, size_t n)
{
	/* At least 1 ms: the guest must get a turn to see the target; at most
	 * 10 s: a guest that never answers holds cores no longer than that. */
	uint32_t us;

	if (manifest_parse_us(val, 1000, 10000000, &us, why, n) < 0)
		return false;
	p->balloon_wait_ms = us / 1000;
	return true;
}

/*
 * fwcfg = opt/NAME MODULE: two words. The name as QEMU's -fw_cfg wants a
 * user file's (docs/specs/fw_cfg.rst: names outside "opt/" are QEMU's own),
 * at most 55 bytes so that it fits a directory entry with its NUL,
 * printable without blanks, not given twice; the module a boot module name.
 */
bool manifest_key_fwcfg(struct manifest_part *p, const char *val, char *why, size_t n)
{
	const char *name = val, *sp = val, *mod;
	size_t nlen, mlen;

	while (*sp && *sp != ' ' && *sp != '\t')
		sp++;
	nlen = (size_t)(sp - name);
	mod = skip_blank(sp);
	mlen = strlen(mod);
	if (!*mod || strchr(mod, ' ') || strchr(mod, '\t')) {
		ksnprintf(why, n, "want 'opt/NAME MODULE' (two words)");
		return false;
	}
	if (nlen <= 4 || strncmp(name, "opt/", 4) != 0) {
		ksnprintf(why, n, "a fw_cfg file name starts with 'opt/' and goes on");
		return false;
	}
	if (nlen >= MANIFEST_FWCFG_NAME) {
		ksnprintf(why, n, "file name longer than %u characters", MANIFEST_FWCFG_NAME - 1);
		return false;
	}
	for (size_t i = 0; i < nlen; i++) {
		if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e) {
			ksnprintf(why, n, "a fw_cfg file name is printable ASCII");
			return false;
		}
	}
	for (size_t i = 0; i < mlen; i++) {
		if ((unsigned char)mod[i] < 0x21 || (unsigned char)mod[i] > 0x7e) {
			ksnprintf(why, n, "a module name is printable ASCII");
			return false;
		}
	}
	if (mlen >= MANIFEST_MODULE_MAX) {
		ksnprintf(why, n, "module name longer than %u characters", MANIFEST_MODULE_MAX - 1);
		return false;
	}
	for (uint32_t i = 0; i < p->nfwcfg && i < MANIFEST_FWCFG_MAX; i++) {
		if (strlen(p->fwcfg[i].name) == nlen && !strncmp(p->fwcfg[i].name, name, nlen)) {
			ksnprintf(why, n, "file name given twice");
			return false;
		}
	}
	if (p->nfwcfg >= MANIFEST_FWCFG_MAX) {
		ksnprintf(why, n, "more than %u fwcfg files", MANIFEST_FWCFG_MAX);
		return false;
	}
	struct manifest_fwcfg *f = &p->fwcfg[p->nfwcfg++];
	memcpy(f->name, name, nlen);
	f->name[nlen] = '\0';
	memcpy(f->module, mod, mlen + 1);
	return true;
}

/* [machine] keys. */

/* A cpu list for a class into mask; other is the other class's list. */
static bool set_class_cpus(uint64_t *mask, const uint64_t *other, const char *other_name,
			   const char *val, char *why, size_t n)
{
	uint64_t got[MANIFEST_MASK_WORDS];
	uint32_t count;

	if (manifest_parse_cpus(val, got, &count, why, n) < 0)
		return false;
	if (got[0] & 1) {
		ksnprintf(why, n, "cpu 0 runs the Global Partition Manager");
		return false;
	}
	for (uint32_t w = 0; w < MANIFEST_MASK_WORDS; w++) {
		uint64_t both = got[w] & other[w];

		if (both) {
			ksnprintf(why, n, "cpu %u is also in %s",
				  w * 64 + (uint32_t)__builtin_ctzll(both), other_name);
			return false;
		}
	}
	memcpy(mask, got, sizeof(got));
	return true;
}

bool manifest_mkey_fast(struct manifest_machine *mc, const char *val, char *why, size_t n)
{
	return set_class_cpus(mc->fast, mc->accel, "accel", val, why, n);
}

bool manifest_mkey_accel(struct manifest_machine *mc, const char *val, char *why, size_t n)
{
	return set_class_cpus(mc->accel, mc->fast, "fast", val, why, n);
}

static bool set_watts(uint32_t *out, const char *val, char *why, size_t n)
{
	return manifest_parse_uint(val, 1, 10000, 0, out, why, n) == 0;
}

bool manifest_mkey_slow_watts(struct manifest_machine *mc, const char *val, char *why, size_t n)
{
	return set_watts(&mc->watts[MANIFEST_CLASS_SLOW], val, why, n);
}

bool manifest_mkey_fast_watts(struct manifest_machine *mc, const char *val, char *why, size_t n)
{
	return set_watts(&mc->watts[MANIFEST_CLASS_FAST], val, why, n);
}

bool manifest_mkey_accel_watts(struct manifest_machine *mc, const char *val, char *why, size_t n)
{
	return set_watts(&mc->watts[MANIFEST_CLASS_ACCEL], val, why, n);
}

bool manifest_mkey_pool(struct manifest_machine *mc, const char *val, char *why, size_t n)
{
	/* Algorithm 1 keeps statistics for at most MSC_MAX_LIMIT sizes. */
	return manifest_parse_uint(val, 0, MANIFEST_POOL_MAX, 0, &mc->pool, why, n) == 0;
}
