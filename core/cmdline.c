// SPDX-License-Identifier: MIT
/*
 * Hypervisor command-line parser: splits the line into words and applies
 * each through one table of option descriptions (see core/cmdline.h).
 * Environment: freestanding hypervisor, boot CPU at early boot, interrupts
 * either way; pure code, also built hosted for unit tests.
 *
 * The line comes from the boot loader (Multiboot2 spec section 3.6.3, boot
 * command line tag) and is untrusted: nothing is copied wholesale, every
 * length is bounded, and a bad word costs one console line, never a panic.
 */
#include "core/cmdline.h"

#include "lib/duration.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

enum opt_kind {
	OPT_FLAG,     /* bare word; sets a bool */
	OPT_UINT,     /* uint32_t within [min, max] */
	OPT_STRING,   /* NUL-terminated text that fits the field */
	OPT_ENUM,     /* one of the '|'-separated words in `choices` */
	OPT_DURATION, /* uint32_t milliseconds, lib/duration.h syntax */
};

struct opt_desc {
	const char *name;
	enum opt_kind kind;
	size_t off;	     /* field in struct cmdline_opts */
	size_t size;	     /* its size (string and enum: buffer incl. NUL) */
	uint32_t min, max;   /* OPT_UINT bounds, inclusive */
	const char *choices; /* OPT_ENUM: "com1|e9|both" */
	const char *def;     /* OPT_STRING / OPT_ENUM default */
	bool has_present;    /* also set the bool at `present` when given */
	size_t present;
	const char *arg; /* value placeholder for help ("<n>") */
	const char *help;
};

#define FIELD(f) \
	.off = offsetof(struct cmdline_opts, f), .size = sizeof(((struct cmdline_opts *)0)->f)

static const struct opt_desc opts[] = {
	{ .name = "maxcpus",
	  .kind = OPT_UINT,
	  FIELD(maxcpus),
	  .min = 1,
	  .max = CONFIG_MAX_CPUS,
	  .arg = "<n>",
	  .help = "use at most n CPUs (default: all)" },
	{ .name = "novmx", .kind = OPT_FLAG, FIELD(novmx), .help = "do not enable VMX" },
	{ .name = "console",
	  .kind = OPT_ENUM,
	  FIELD(console),
	  .choices = "com1|e9|both",
	  .def = "both",
	  .help = "console output: serial COM1, port 0xe9, or both" },
	{ .name = "exit",
	  .kind = OPT_ENUM,
	  FIELD(exit_mode),
	  .choices = "off|idle",
	  .def = "off",
	  .help = "after boot: power off, or idle forever" },
	{ .name = "test",
	  .kind = OPT_STRING,
	  FIELD(test),
	  .def = "",
	  .arg = "<name>",
	  .help = "run the named boot self-test" },
	{ .name = "testhook.hang_apic",
	  .kind = OPT_UINT,
	  FIELD(test_hang_apic),
	  .min = 0,
	  .max = UINT32_MAX,
	  .has_present = true,
	  .present = offsetof(struct cmdline_opts, have_test_hang_apic),
	  .arg = "<apic-id>",
	  .help = "testing hook: this APIC id never answers SIPI" },
	{ .name = "verbose", .kind = OPT_FLAG, FIELD(verbose), .help = "more boot output" },
	{ .name = "novid",
	  .kind = OPT_FLAG,
	  FIELD(novid),
	  .help = "do not use virtual-interrupt delivery; inject guest interrupts as events" },
	{ .name = "noapicv",
	  .kind = OPT_FLAG,
	  FIELD(noapicv),
	  .help = "do not virtualize xAPIC accesses; emulate them by decoding instructions" },
	{ .name = "testhook.bad_entry",
	  .kind = OPT_STRING,
	  FIELD(bad_entry),
	  .def = "",
	  .arg = "<partition>",
	  .help = "testing hook: corrupt this partition's guest state so VM entry fails" },
	{ .name = "vmtimeout",
	  .kind = OPT_DURATION,
	  FIELD(vm_timeout_ms),
	  .arg = "<duration>",
	  .help = "stop a VM still running after this long (30s, 500ms, 2m; default none); "
		  "a partition's own timeout key wins" },
	{ .name = "trace",
	  .kind = OPT_ENUM,
	  FIELD(trace),
	  .choices = "off|on",
	  .def = "off",
	  .help = "record scheduling events per core and print them at the end (docs/trace.md)" },
	{ .name = "testhook.mboxcap",
	  .kind = OPT_UINT,
	  FIELD(mbox_cap),
	  .min = 1,
	  .max = 64,
	  .arg = "<n>",
	  .help = "testing hook: mailboxes hold at most n messages (default 64)" },
	{ .name = "testhook.poweroff",
	  .kind = OPT_ENUM,
	  FIELD(poweroff),
	  .choices = "auto|acpi",
	  .def = "auto",
	  .help = "testing hook: power off through ACPI S5 only, skipping emulator ports" },
};

/* A piece of the line, not NUL-terminated; may still contain '"'. */
struct span {
	const char *p;
	size_t n;
};

/* Longest word text shown in a diagnostic before it is cut with "...". */
#define SHOW_MAX 40

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Copy s without its quote characters into buf (cap bytes, NUL-terminated,
 * cut if needed). Returns the full unquoted length, so a result >= cap
 * means the text did not fit.
 */
static size_t unquote(struct span s, char *buf, size_t cap)
{
	size_t len = 0;

	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '"')
			continue;
		if (len + 1 < cap)
			buf[len] = s.p[i];
		len++;
	}
	buf[len < cap ? len : cap - 1] = '\0';
	return len;
}

/* True if s holds nothing but quote characters. */
static bool span_blank(struct span s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] != '"')
			return false;
	return true;
}

/*
 * Printable form of s for a diagnostic: quotes removed unless raw, control
 * and non-ASCII bytes shown as '?', cut to SHOW_MAX characters plus "...".
 */
static const char *show(struct span s, bool raw, char buf[SHOW_MAX + 4])
{
	size_t len = 0;

	for (size_t i = 0; i < s.n && len < SHOW_MAX + 1; i++) {
		char c = s.p[i];

		if (c == '"' && !raw)
			continue;
		buf[len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	if (len > SHOW_MAX)
		memcpy(buf + SHOW_MAX, "...", 4);
	else
		buf[len] = '\0';
	return buf;
}

/*
 * Parse a decimal or 0x-hexadecimal number, ignoring quote characters.
 * Returns 0, -E_INVAL if it is not a number, or -E_RANGE if it does not
 * fit 64 bits (checked before every step, so it never wraps).
 */
static int parse_u64(struct span s, uint64_t *out)
{
	unsigned int base = 10, ndigits = 0;
	size_t seen = 0; /* characters so far, quotes not counted */
	bool lead_zero = false;
	uint64_t val = 0;
	bool overflow = false;

	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		unsigned int d;

		if (c == '"')
			continue;
		seen++;
		if (seen == 2 && lead_zero && (c == 'x' || c == 'X')) {
			base = 16; /* the '0' was the prefix, not a digit */
			ndigits = 0;
			continue;
		}
		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a') + 10;
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A') + 10;
		else
			return -E_INVAL;
		if (d >= base)
			return -E_INVAL;
		if (seen == 1 && d == 0)
			lead_zero = true;
		ndigits++;
		/* Keep scanning after an overflow: "1...9x" is still not a number. */
		if (val > (UINT64_MAX - d) / base)
			overflow = true;
		else
			val = val * base + d;
	}
	if (ndigits == 0)
		return -E_INVAL;
	if (overflow)
		return -E_RANGE;
	*out = val;
	return 0;
}

/* True if v (NUL-terminated) is one of the '|'-separated words in choices. */
static bool enum_match(const char *choices, const char *v)
{
	size_t vlen = strlen(v);
	const char *c = choices;

	while (*c) {
		const char *bar = strchr(c, '|');
		size_t n = bar ? (size_t)(bar - c) : strlen(c);

		if (n == vlen && strncmp(c, v, n) == 0)
			return true;
		if (!bar)
			break;
		c = bar + 1;
	}
	return false;
}

static const struct opt_desc *find_opt(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].name, key) == 0)
			return &opts[i];
	return NULL;
}

/* Apply one option with a value. Returns 1 on a problem (line printed). */
static int apply_value(const struct opt_desc *d, struct span val, struct cmdline_opts *out)
{
	char *field = (char *)out + d->off;
	char shown[SHOW_MAX + 4];
	char buf[64];
	uint64_t num = 0;
	size_t len;
	int rc;

	switch (d->kind) {
	case OPT_UINT:
		rc = parse_u64(val, &num);
		if (rc == -E_INVAL) {
			kprintf("cmdline: %s='%s' is not a number (ignored)\n", d->name,
				show(val, false, shown));
			return 1;
		}
		if (rc == -E_RANGE || num < d->min || num > d->max) {
			kprintf("cmdline: %s='%s' is out of range %u..%u (ignored)\n", d->name,
				show(val, false, shown), d->min, d->max);
			return 1;
		}
		*(uint32_t *)(void *)field = (uint32_t)num;
		if (d->has_present)
			*(bool *)(void *)((char *)out + d->present) = true;
		return 0;
	case OPT_STRING:
		len = unquote(val, buf, sizeof(buf));
		if (len >= d->size) {
			kprintf("cmdline: %s='%s' is too long (max %zu characters) (ignored)\n",
				d->name, show(val, false, shown), d->size - 1);
			return 1;
		}
		memcpy(field, buf, len + 1);
		return 0;
	case OPT_ENUM:
		len = unquote(val, buf, sizeof(buf));
		if (len >= sizeof(buf) || len >= d->size || !enum_match(d->choices, buf)) {
			kprintf("cmdline: %s='%s' is not one of %s (ignored)\n", d->name,
				show(val, false, shown), d->choices);
			return 1;
		}
		memcpy(field, buf, len + 1);
		return 0;
	case OPT_DURATION: {
		char why[80];
		len = unquote(val, buf, sizeof(buf));
		if (len >= sizeof(buf) ||
		    duration_parse(buf, (uint32_t *)(void *)field, why, sizeof(why)) < 0) {
			kprintf("cmdline: %s='%s' is %s (ignored)\n", d->name,
				show(val, false, shown), len >= sizeof(buf) ? "too long" : why);
			return 1;
		}
		return 0;
	}
	case OPT_FLAG:
		break;
	}
	return 0;
}

/*
 * Apply one word. eq points at its first '=' or is NULL.
 * Returns the number of problems (0 or 1).
 */
static int apply_word(struct span word, const char *eq, struct cmdline_opts *out)
{
	struct span key = { word.p, eq ? (size_t)(eq - word.p) : word.n };
	struct span val = { eq ? eq + 1 : NULL, eq ? word.n - key.n - 1 : 0 };
	const struct opt_desc *d = NULL;
	char shown[SHOW_MAX + 4];
	char name[32];
	size_t klen;

	klen = unquote(key, name, sizeof(name));
	if (klen == 0) {
		kprintf("cmdline: option with no name in '%s' (ignored)\n",
			show(word, true, shown));
		return 1;
	}
	if (klen < sizeof(name))
		d = find_opt(name);
	if (!d) {
		kprintf("cmdline: unknown option '%s' (ignored)\n", show(key, false, shown));
		return 1;
	}
	if (d->kind == OPT_FLAG) {
		if (eq) {
			kprintf("cmdline: %s takes no value, got '%s' (ignored)\n", d->name,
				show(word, true, shown));
			return 1;
		}
		*(bool *)(void *)((char *)out + d->off) = true;
		return 0;
	}
	if (!eq || span_blank(val)) {
		kprintf("cmdline: %s needs a value (ignored)\n", d->name);
		return 1;
	}
	return apply_value(d, val, out);
}

static void set_defaults(struct cmdline_opts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		const struct opt_desc *d = &opts[i];

		if (d->def)
			memcpy((char *)out + d->off, d->def, strlen(d->def) + 1);
	}
}

int cmdline_parse(const char *line, struct cmdline_opts *out)
{
	const char *s = line;
	int problems = 0;

	if (!out) {
		kprintf("cmdline: no place to store options (line ignored)\n");
		return 1;
	}
	set_defaults(out);
	if (!s)
		return 0;

	while (*s) {
		const char *start, *eq = NULL;
		bool quoted = false;

		while (is_space(*s))
			s++;
		if (!*s)
			break;
		/* A word runs to the next space outside quotes. */
		start = s;
		for (; *s && (quoted || !is_space(*s)); s++) {
			if (*s == '"')
				quoted = !quoted;
			else if (*s == '=' && !eq)
				eq = s;
		}
		struct span word = { start, (size_t)(s - start) };
		if (quoted) {
			char shown[SHOW_MAX + 4];

			kprintf("cmdline: unterminated quote in '%s' (ignored)\n",
				show(word, true, shown));
			problems++;
			continue;
		}
		problems += apply_word(word, eq, out);
	}
	return problems;
}

/* Decimal text of v into buf (at least 11 bytes). */
static const char *u32_text(uint32_t v, char *buf)
{
	char tmp[10];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

void cmdline_print(const struct cmdline_opts *o)
{
	char cpus[11], apic[11];

	if (!o)
		return;
	kprintf("cmdline: maxcpus=%s console=%s exit=%s test=%s novmx=%d verbose=%d "
		"testhook.hang_apic=%s\n",
		o->maxcpus ? u32_text(o->maxcpus, cpus) : "all", o->console, o->exit_mode,
		o->test[0] ? o->test : "none", o->novmx, o->verbose,
		o->have_test_hang_apic ? u32_text(o->test_hang_apic, apic) : "none");
}

void cmdline_help(void)
{
	kprintf("cmdline: options (numbers are decimal or 0x hex):\n");
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		const struct opt_desc *d = &opts[i];
		const char *arg = d->kind == OPT_ENUM ? d->choices : d->arg;
		char syntax[48];
		size_t n = strlen(d->name);

		/* All names and placeholders are short constants from the table. */
		memcpy(syntax, d->name, n + 1);
		if (d->kind != OPT_FLAG && n + 1 + strlen(arg) < sizeof(syntax)) {
			syntax[n] = '=';
			memcpy(syntax + n + 1, arg, strlen(arg) + 1);
		}
		if (d->kind == OPT_UINT)
			kprintf("cmdline:   %-30s %s [%u..%u]\n", syntax, d->help, d->min, d->max);
		else if (d->def && d->def[0])
			kprintf("cmdline:   %-30s %s (default %s)\n", syntax, d->help, d->def);
		else
			kprintf("cmdline:   %-30s %s\n", syntax, d->help);
	}
}
