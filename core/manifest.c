// SPDX-License-Identifier: MIT
/*
 * Partition manifest parser: splits the manifest text into lines, turns
 * [partition NAME] sections into struct manifest_part entries and checks
 * every key through one table (format: core/manifest.h, docs/manifest.md).
 * Environment: freestanding hypervisor, boot CPU at early boot, interrupts
 * either way; pure code, also built hosted for unit tests.
 *
 * The text is a boot module (Multiboot2 spec section 3.6.6, "Modules") and
 * is untrusted: len bounds every read, each line is copied into a bounded
 * buffer before it is looked at, and a problem costs one console line and
 * the partition it occurs in, never the rest of the manifest.
 */
#include "core/manifest.h"

#include "lib/duration.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SHOW_MAX 40 /* user text quoted in a message is cut to this */
#define WHY_MAX	 96

enum sec_state {
	SEC_NONE,    /* before the first section header */
	SEC_PART,    /* inside a recorded partition: st->cur */
	SEC_SKIP,    /* inside a section refused at its header: lines skipped */
	SEC_MACHINE, /* inside the [machine] section */
};

struct pstate {
	struct manifest *m;
	uint32_t line; /* current line, 1-based */
	enum sec_state sec;
	struct manifest_part *cur; /* SEC_PART only */
	uint32_t seen;		   /* keys present in this section, bit per key (table) */
	uint32_t good;		   /* keys whose value was accepted */
	uint32_t headers;	   /* section headers met, good or bad */
	bool full_said;		   /* the "too many partitions" line was printed */
	bool unreadable;	   /* a line of this section could not be read */
};

/* Key handler: store val into p; on error write the reason into why. */
typedef bool (*key_fn)(struct manifest_part *p, const char *val, char *why, size_t why_size);

struct key_desc {
	const char *name;
	key_fn set;
	bool required;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static const char *skip_blank(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* Strip blanks at both ends of s, in place. */
static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

char *manifest_printable(char *s)
{
	/* As guest output is (core/vuart.c), so manifest text cannot put
	 * raw bytes on the console. */
	for (char *c = s; *c; c++)
		*c = console_char((unsigned char)*c);
	return s;
}

/* Copy s into buf for a message, cut to SHOW_MAX characters with "...". */
static const char *show(const char *s, char *buf)
{
	size_t n = strnlen(s, SHOW_MAX + 1);

	if (n <= SHOW_MAX) {
		memcpy(buf, s, n + 1);
	} else {
		memcpy(buf, s, SHOW_MAX - 3);
		memcpy(buf + SHOW_MAX - 3, "...", 4);
	}
	return manifest_printable(buf);
}

static bool set_cores(struct manifest_part *p, const char *val, char *why, size_t n)
{
	/* A value with ',' or '-' is a list; a lone number is a count. */
	if (strchr(val, ',') || strchr(val, '-')) {
		p->cores_listed = true;
		return manifest_parse_cpus(val, p->core_list, &p->ncores_req, why, n) == 0;
	}
	return manifest_parse_count(val, &p->ncores_req, "cores", why, n) == 0;
}

static bool set_memory(struct manifest_part *p, const char *val, char *why, size_t n)
{
	if (manifest_parse_size(val, &p->mem_bytes, why, n) < 0)
		return false;
	/* Guest-physical memory is one range from 0; the PC's devices sit
	 * below 4 GiB (IOAPIC 0xFEC00000, local APIC 0xFEE00000), so it ends
	 * where QEMU's pc machine starts its 32-bit hole. */
	if (p->mem_bytes > MANIFEST_MEM_MAX) {
		ksnprintf(why, n,
			  "more than 3 GiB (guest memory lies below the 32-bit device hole)");
		return false;
	}
	return true;
}

/* A boot module name (first word of a module's cmdline) into dst[size]. */
static bool set_module(char *dst, size_t size, const char *val, char *why, size_t n)
{
	size_t len = strlen(val);

	if (len >= size) {
		ksnprintf(why, n, "longer than %zu characters", size - 1);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (is_blank(val[i])) {
			ksnprintf(why, n, "a module name is one word");
			return false;
		}
		if ((unsigned char)val[i] >= 0x7f) {
			ksnprintf(why, n, "a module name is printable ASCII");
			return false;
		}
	}
	memcpy(dst, val, len + 1);
	return true;
}

static bool set_kernel(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return set_module(p->kernel, sizeof(p->kernel), val, why, n);
}

static bool set_symbols(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return set_module(p->symbols, sizeof(p->symbols), val, why, n);
}

/* initrd = NAME: the initial ramdisk of a Linux kernel (core/guest_linux.c). */
static bool set_initrd(struct manifest_part *p, const char *val, char *why, size_t n)
{
	return set_module(p->initrd, sizeof(p->initrd), val, why, n);
}

/*
 * module = NAME args: NAME as for kernel, args the rest of the value as
 * written. The whole value becomes the module's multiboot string, as QEMU's
 * -initrd "file args" does.
 */
static bool set_guest_module(struct manifest_part *p, const char *val, char *why, size_t n)
{
	char word[MANIFEST_MODULE_MAX], name[MANIFEST_MODULE_MAX];
	size_t len = strlen(val), nlen = 0, used = 0;

	if (p->nmods >= MANIFEST_MODS_MAX) {
		ksnprintf(why, n, "more than %u modules", MANIFEST_MODS_MAX);
		return false;
	}
	while (nlen < len && !is_blank(val[nlen]))
		nlen++;
	if (nlen == 0) { /* a quoted value may start with a blank */
		ksnprintf(why, n, "the module name must come first");
		return false;
	}
	if (nlen >= sizeof(word)) {
		ksnprintf(why, n, "module name longer than %u characters", MANIFEST_MODULE_MAX - 1);
		return false;
	}
	memcpy(word, val, nlen);
	word[nlen] = '\0';
	if (!set_module(name, sizeof(name), word, why, n)) /* printable ASCII */
		return false;
	if (p->nmods)
		used = p->mod_off[p->nmods - 1] + strlen(manifest_module(p, p->nmods - 1u)) + 1;
	if (len + 1 > sizeof(p->mod_text) - used) {
		ksnprintf(why, n, "the module strings take more than %u bytes",
			  MANIFEST_MODTEXT_MAX);
		return false;
	}
	memcpy(p->mod_text + used, val, len + 1);
	p->mod_off[p->nmods++] = (uint16_t)used;
	return true;
}

const char *manifest_module(const struct manifest_part *p, uint32_t i)
{
	return i < p->nmods && i < MANIFEST_MODS_MAX ? p->mod_text + p->mod_off[i] : "";
}

char *manifest_module_name(const struct manifest_part *p, uint32_t i, char *name)
{
	const char *s = manifest_module(p, i);
	size_t n = 0;

	while (s[n] && !is_blank(s[n]) && n + 1 < MANIFEST_MODULE_MAX)
		n++;
	memcpy(name, s, n);
	name[n] = '\0';
	return name;
}

static bool set_cmdline(struct manifest_part *p, const char *val, char *why, size_t n)
{
	size_t len = strlen(val);

	if (len >= sizeof(p->cmdline)) {
		ksnprintf(why, n, "longer than %zu characters", sizeof(p->cmdline) - 1);
		return false;
	}
	memcpy(p->cmdline, val, len + 1);
	return true;
}

static bool set_vcpus(struct manifest_part *p, const char *val, char *why, size_t n)
{
	/* vcpus may exceed cores (the extra vCPUs time-share), so the limit
	 * is the VM's, VM_MAX_VCPUS, not the partition's core count. */
	int r = manifest_parse_uint(val, 1, MANIFEST_MAX_VCPUS, 0, &p->vcpus, why, n);

	if (r == -E_INVAL)
		ksnprintf(why, n, "not a number of vcpus");
	return r == 0;
}

static bool set_timeout(struct manifest_part *p, const char *val, char *why, size_t n)
{
	if (duration_parse(val, &p->timeout_ms, why, n) < 0)
		return false;
	p->timeout_set = true;
	return true;
}

/* Bit i of seen/good is keys[i]; the finish checks use these indices. */
enum {
	K_CORES,
	K_MEMORY,
	K_KERNEL,
	K_CMDLINE,
	K_VCPUS,
	K_TIMEOUT,
	K_WEIGHT,
	K_CLASS,
	K_POWER,
	K_GANG,
	K_LATENCY,
	K_COLOCATE,
	K_AFFINITY,
	K_LPM,
	K_CONTROL,
	K_SLICE,
	K_SYMBOLS,
	K_BALLOON,
	K_VCPUS_MIN,
	K_BALLOON_WAIT,
	K_MODULE,
	K_FWCFG,
	K_INITRD
};
static const struct key_desc keys[] = {
	[K_CORES] = { "cores", set_cores, true },
	[K_MEMORY] = { "memory", set_memory, true },
	[K_KERNEL] = { "kernel", set_kernel, true },
	[K_CMDLINE] = { "cmdline", set_cmdline, false },
	[K_VCPUS] = { "vcpus", set_vcpus, false },
	[K_TIMEOUT] = { "timeout", set_timeout, false },
	[K_WEIGHT] = { "weight", manifest_key_weight, false },
	[K_CLASS] = { "class", manifest_key_class, false },
	[K_POWER] = { "power", manifest_key_power, false },
	[K_GANG] = { "gang", manifest_key_gang, false },
	[K_LATENCY] = { "latency", manifest_key_latency, false },
	[K_COLOCATE] = { "colocate", manifest_key_colocate, false },
	[K_AFFINITY] = { "affinity", manifest_key_affinity, false },
	[K_LPM] = { "lpm", manifest_key_lpm, false },
	[K_CONTROL] = { "control", manifest_key_control, false },
	[K_SLICE] = { "slice", manifest_key_slice, false },
	[K_SYMBOLS] = { "symbols", set_symbols, false },
	[K_BALLOON] = { "balloon", manifest_key_balloon, false },
	[K_VCPUS_MIN] = { "vcpus_min", manifest_key_vcpus_min, false },
	[K_BALLOON_WAIT] = { "balloon_wait", manifest_key_balloon_wait, false },
	[K_MODULE] = { "module", set_guest_module, false }, /* repeatable, as is fwcfg */
	[K_FWCFG] = { "fwcfg", manifest_key_fwcfg, false },
	[K_INITRD] = { "initrd", set_initrd, false },
};
_Static_assert(ARRAY_SIZE(keys) <= 32, "seen and good hold a bit per key");

/*
 * [machine] keys. An error costs only its key: the machine description
 * is advice for the planner, and the partitions do not depend on it.
 */
typedef bool (*mkey_fn)(struct manifest_machine *mc, const char *val, char *why, size_t why_size);

struct mkey_desc {
	const char *name;
	mkey_fn set;
};

static const struct mkey_desc mkeys[] = {
	{ "fast", manifest_mkey_fast },
	{ "accel", manifest_mkey_accel },
	{ "slow_watts", manifest_mkey_slow_watts },
	{ "fast_watts", manifest_mkey_fast_watts },
	{ "accel_watts", manifest_mkey_accel_watts },
	{ "pool", manifest_mkey_pool },
};

/* One line for a problem on the current line; refuses the current partition. */
static void line_problem(struct pstate *st, const char *what)
{
	if (st->sec == SEC_PART) {
		kprintf("manifest: line %u: %s; partition '%s' refused\n", st->line, what,
			st->cur->name);
		st->cur->valid = false;
	} else {
		/* Before any section, or in [machine]: only this line is lost. */
		kprintf("manifest: line %u: %s (ignored)\n", st->line, what);
	}
}

/* One line for a rule between keys, found when the section ends. */
static void part_problem(struct manifest_part *p, const char *what)
{
	kprintf("manifest: partition '%s' (line %u): %s; partition refused\n", p->name, p->line,
		what);
	p->valid = false;
}

/*
 * Ballooning changes a partition's core count: it needs a count (a list is
 * pinned), slow or fast cores of its own (not accel), and vcpus_min within
 * vcpus; vcpus_min and balloon_wait mean nothing without balloon = yes.
 */
static void balloon_checks(struct pstate *st, struct manifest_part *p, bool vcpus_ok)
{
	char what[96];

	if (!p->balloon) {
		if (st->good & ((1U << K_VCPUS_MIN) | (1U << K_BALLOON_WAIT)))
			part_problem(p, "vcpus_min and balloon_wait need balloon = yes");
		return;
	}
	if ((st->good & (1U << K_CORES)) && p->cores_listed)
		part_problem(p, "balloon = yes needs a core count, not a list (its cores change)");
	else if ((st->good & (1U << K_CLASS)) && p->cls == MANIFEST_CLASS_ACCEL)
		part_problem(p, "balloon = yes with class = accel: accel cores are time-shared");
	else if (vcpus_ok && p->vcpus_min > p->vcpus) {
		ksnprintf(what, sizeof(what), "vcpus_min %u > vcpus %u", p->vcpus_min, p->vcpus);
		part_problem(p, what);
	}
}

/*
 * The rules that need the whole section: affinity against vcpus, and gang
 * against cores and class. Only keys whose value was accepted take part,
 * so a bad value is reported once, by its own line.
 */
static void cross_checks(struct pstate *st, struct manifest_part *p)
{
	bool cores_ok = st->good & (1U << K_CORES);
	bool vcpus_ok = !(st->seen & (1U << K_VCPUS)) || (st->good & (1U << K_VCPUS));
	char what[96];

	if ((st->good & (1U << K_AFFINITY)) && vcpus_ok) {
		for (uint32_t g = 0; g < p->naff; g++) {
			const struct manifest_affinity *a = &p->aff[g];

			if (a->first + a->count <= p->vcpus)
				continue;
			if (a->count == 1)
				ksnprintf(what, sizeof(what),
					  "affinity names vCPU %u but vcpus = %u", a->first,
					  p->vcpus);
			else
				ksnprintf(what, sizeof(what),
					  "affinity names vCPUs %u-%u but vcpus = %u", a->first,
					  a->first + a->count - 1, p->vcpus);
			part_problem(p, what);
			break; /* one line for the key */
		}
	}
	balloon_checks(st, p, vcpus_ok);
	if (!(st->good & (1U << K_GANG)) || !p->gang)
		return;
	/* A gang runs all its vCPUs at once, so each needs a core. */
	if (cores_ok && vcpus_ok && p->cls != MANIFEST_CLASS_ACCEL && p->vcpus > p->ncores_req) {
		ksnprintf(what, sizeof(what),
			  "gang scheduling needs a core per vCPU; vcpus %u > cores %u", p->vcpus,
			  p->ncores_req);
		part_problem(p, what);
	}
	if ((st->good & (1U << K_CLASS)) && p->cls == MANIFEST_CLASS_ACCEL)
		part_problem(p, "gang = yes with class = accel: accel cores are time-shared");
}

/* Close the current section: required keys, then the rules between keys. */
static void end_section(struct pstate *st)
{
	struct manifest_part *p = st->cur;

	if (st->sec == SEC_PART) {
		/*
		 * An unreadable line may have held the key: its one line already
		 * refused the partition, so do not add a misleading "missing".
		 */
		for (size_t i = 0; i < ARRAY_SIZE(keys) && !st->unreadable; i++) {
			if (keys[i].required && !(st->seen & (1U << i))) {
				kprintf("manifest: partition '%s' (line %u): missing required key "
					"'%s'; partition refused\n",
					p->name, p->line, keys[i].name);
				p->valid = false;
			}
		}
		if (!st->unreadable)
			cross_checks(st, p);
	}
	st->sec = SEC_SKIP;
	st->cur = NULL;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MANIFEST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/*
 * A well-formed "[machine ...]" header (in: after the '['; close: its
 * ']'). It is not a partition, so it is not counted among the headers,
 * and it is read even past the partition limit.
 */
static bool machine_header(struct pstate *st, char *in, char *close)
{
	struct manifest_machine *mc = &st->m->machine;
	char shown[SHOW_MAX + 1];
	char *rest;

	in = (char *)skip_blank(in);
	if (strncmp(in, "machine", 7) != 0 || (in[7] != ']' && !is_blank(in[7])))
		return false;
	*close = '\0';
	rest = trim(in + 7);
	if (rest[0] != '\0') {
		kprintf("manifest: line %u: [machine] takes no name, got '%s'; section ignored\n",
			st->line, show(rest, shown));
	} else if (mc->present) {
		kprintf("manifest: line %u: second [machine] section (the first is on line %u); "
			"section ignored\n",
			st->line, mc->line);
	} else {
		mc->present = true;
		mc->line = st->line;
		st->sec = SEC_MACHINE;
		st->seen = st->good = 0;
	}
	return true;
}

/* s: a trimmed, comment-free line starting with '['. */
static void section_header(struct pstate *st, char *s)
{
	struct manifest *m = st->m;
	char shown[SHOW_MAX + 1];
	char *close = strchr(s, ']'), *in, *name;

	end_section(st);
	if (close && close[1] == '\0' && machine_header(st, s + 1, close))
		return;
	st->headers++;
	if (st->full_said) {
		m->ndropped++; /* counted among the refused, not printed again */
		return;
	}
	if (!close || close[1] != '\0') {
		kprintf("manifest: line %u: malformed section header '%s' (want [partition NAME]); "
			"section ignored\n",
			st->line, show(s, shown));
		return;
	}
	*close = '\0';
	in = trim(s + 1);
	name = in;
	while (*name && !is_blank(*name))
		name++;
	if (name - in != 9 || strncmp(in, "partition", 9) != 0) {
		*name = '\0';
		kprintf("manifest: line %u: unknown section type '%s' (only [partition NAME] or "
			"[machine]); section ignored\n",
			st->line, show(in, shown));
		return;
	}
	name = trim(name);
	if (!valid_name(name)) {
		kprintf("manifest: line %u: partition name '%s' is not 1..15 characters of "
			"A-Z a-z 0-9 _ -; section ignored\n",
			st->line, show(name, shown));
		m->ndropped++;
		return;
	}
	if (m->nparts >= MANIFEST_MAX_PARTS) {
		kprintf("manifest: line %u: partition '%s' refused: more than %u partitions (it "
			"and any later ones are ignored)\n",
			st->line, name, MANIFEST_MAX_PARTS);
		st->full_said = true;
		m->ndropped++;
		return;
	}

	struct manifest_part *p = &m->part[m->nparts++];

	memcpy(p->name, name, strlen(name) + 1);
	p->line = st->line;
	p->vcpus = 1;
	p->weight = 1; /* other keys default to 0: slow, shared LPM, no budget */
	for (uint32_t i = 0; i + 1 < m->nparts; i++) {
		if (strcmp(m->part[i].name, name) == 0) {
			kprintf("manifest: line %u: duplicate partition name '%s'; second one "
				"refused\n",
				st->line, name);
			return; /* recorded as refused; its lines are skipped */
		}
	}
	p->valid = true;
	st->sec = SEC_PART;
	st->cur = p;
	st->seen = st->good = 0;
	st->unreadable = false;
}

/*
 * Strip the double quotes around val, in place; a quoting problem goes into
 * why (else why is set to ""). Returns the value without its quotes.
 */
static char *unquote(char *val, char *why, size_t n)
{
	why[0] = '\0';
	if (val[0] == '"') {
		char *close = strchr(val + 1, '"');

		if (!close)
			ksnprintf(why, n, "unterminated double quote");
		else if (*skip_blank(close + 1) != '\0')
			ksnprintf(why, n, "text after the closing quote");
		else
			*close = '\0';
		return val + 1;
	}
	if (strchr(val, '"'))
		ksnprintf(why, n, "stray double quote (quote the whole value)");
	return val;
}

/* key = val inside [machine]: a problem costs this key only. */
static void machine_key(struct pstate *st, const char *key, char *val)
{
	char what[WHY_MAX + 2 * SHOW_MAX], why[WHY_MAX], shown[SHOW_MAX + 1], shown2[SHOW_MAX + 1];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mkeys); i++)
		if (strcmp(mkeys[i].name, key) == 0)
			break;
	if (i == ARRAY_SIZE(mkeys)) {
		ksnprintf(what, sizeof(what), "unknown key '%s' in [machine]", show(key, shown));
		line_problem(st, what);
		return;
	}
	if (st->seen & (1U << i)) {
		ksnprintf(what, sizeof(what), "key '%s' given twice in [machine]", key);
		line_problem(st, what);
		return;
	}
	st->seen |= 1U << i;
	show(val, shown2);
	val = unquote(val, why, sizeof(why));
	if (!why[0] && val[0] == '\0')
		ksnprintf(why, sizeof(why), "empty value");
	if (!why[0] && !mkeys[i].set(&st->m->machine, val, why, sizeof(why)) && !why[0])
		ksnprintf(why, sizeof(why), "invalid value");
	if (why[0]) {
		ksnprintf(what, sizeof(what), "%s = '%s': %s", key, shown2, why);
		line_problem(st, what);
	}
}

/* s: a trimmed, comment-free, non-empty line that is not a header. */
static void key_value(struct pstate *st, char *s)
{
	char what[WHY_MAX + 2 * SHOW_MAX], why[WHY_MAX], shown[SHOW_MAX + 1], shown2[SHOW_MAX + 1];
	char *eq = s, *key, *val;
	const struct key_desc *k = NULL;
	size_t i;

	while (*eq && *eq != '=' && *eq != '"')
		eq++;
	if (*eq != '=' || eq == s) {
		ksnprintf(what, sizeof(what), "expected 'key = value'%s, got '%s'",
			  st->sec == SEC_NONE ? " or '[partition NAME]'" : "", show(s, shown));
		st->unreadable = true;
		line_problem(st, what);
		return;
	}
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (st->sec == SEC_NONE) {
		ksnprintf(what, sizeof(what), "key '%s' outside any [partition] section",
			  show(key, shown));
		line_problem(st, what);
		return;
	}
	if (st->sec == SEC_MACHINE) {
		machine_key(st, key, val);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strcmp(keys[i].name, key) == 0) {
			k = &keys[i];
			break;
		}
	}
	if (!k) {
		kprintf("manifest: line %u: unknown key '%s' in partition '%s'; partition refused\n",
			st->line, show(key, shown), st->cur->name);
		st->cur->valid = false;
		return;
	}
	/* module and fwcfg may repeat: their setters count and limit them. */
	if ((st->seen & (1U << i)) && i != K_MODULE && i != K_FWCFG) {
		kprintf("manifest: line %u: key '%s' given twice in partition '%s'; partition "
			"refused\n",
			st->line, key, st->cur->name);
		st->cur->valid = false;
		return;
	}
	st->seen |= 1U << i;

	/* Show the value as written (quotes included) in any message. */
	show(val, shown2);
	val = unquote(val, why, sizeof(why));
	if (!why[0] && val[0] == '\0' && i != K_CMDLINE)
		ksnprintf(why, sizeof(why), "empty value");
	if (!why[0] && !k->set(st->cur, val, why, sizeof(why)) && !why[0])
		ksnprintf(why, sizeof(why), "invalid value");
	if (why[0]) {
		ksnprintf(what, sizeof(what), "%s = '%s': %s", key, shown2, why);
		line_problem(st, what);
		return;
	}
	st->good |= 1U << i;
}

/* First non-blank character of p[0..n), or 0. */
static char first_char(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_blank(p[i]))
			return p[i];
	return 0;
}

static void do_line(struct pstate *st, const char *p, size_t n)
{
	char buf[MANIFEST_LINE_MAX + 1], bad[48];
	bool quoted = false;
	char *s;

	bad[0] = '\0';
	if (n > MANIFEST_LINE_MAX) {
		ksnprintf(bad, sizeof(bad), "longer than %u characters", MANIFEST_LINE_MAX);
	} else {
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c == 0) {
				ksnprintf(bad, sizeof(bad), "contains a NUL byte");
				break;
			}
			/* A CR only as part of CRLF: manifest_parse() strips it. */
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				ksnprintf(bad, sizeof(bad), "contains control character 0x%02x", c);
				break;
			}
		}
	}
	if (bad[0]) {
		if (first_char(p, n) == '[') {
			/* A broken header still ends the previous section. */
			end_section(st);
			st->headers++;
			if (st->full_said)
				st->m->ndropped++;
			else
				kprintf("manifest: line %u: section header %s; section ignored\n",
					st->line, bad);
		} else if (st->sec != SEC_SKIP) {
			st->unreadable = true;
			line_problem(st, bad);
		}
		return;
	}

	memcpy(buf, p, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '"')
			quoted = !quoted;
		else if (buf[i] == '#' && !quoted) {
			buf[i] = '\0';
			break;
		}
	}
	s = trim(buf);
	if (s[0] == '\0')
		return;
	if (s[0] == '[')
		section_header(st, s);
	else if (st->sec != SEC_SKIP)
		key_value(st, s);
}

int manifest_parse(const char *text, size_t len, struct manifest *out)
{
	struct pstate st = { .m = out, .sec = SEC_NONE };
	size_t pos = 0;

	if (!text || !out) {
		kprintf("manifest: no manifest text to parse\n");
		return -E_INVAL;
	}
	memset(out, 0, sizeof(*out));
	/* Loaders may pad a module with zeros: trailing NULs end the text. */
	while (len > 0 && text[len - 1] == '\0')
		len--;
	while (pos < len) {
		size_t start = pos, end;

		while (pos < len && text[pos] != '\n')
			pos++;
		end = pos;
		if (pos < len)
			pos++; /* the '\n' */
		if (st.line < UINT32_MAX)
			st.line++;
		if (end > start && text[end - 1] == '\r')
			end--; /* CRLF line endings */
		do_line(&st, text + start, end - start);
	}
	end_section(&st);

	if (st.headers == 0)
		kprintf("manifest: no partitions declared\n");
	out->nvalid = 0;
	for (uint32_t i = 0; i < out->nparts; i++)
		out->nvalid += out->part[i].valid;
	return (int)out->nvalid;
}
