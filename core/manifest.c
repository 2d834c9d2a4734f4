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
	SEC_NONE, /* before the first section header */
	SEC_PART, /* inside a recorded partition: st->cur */
	SEC_SKIP, /* inside a section refused at its header: lines skipped */
};

struct pstate {
	struct manifest *m;
	uint32_t line; /* current line, 1-based */
	enum sec_state sec;
	struct manifest_part *cur; /* SEC_PART only */
	uint32_t seen;		   /* keys present in this section, bit per key */
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
	return manifest_parse_size(val, &p->mem_bytes, why, n) == 0;
}

static bool set_kernel(struct manifest_part *p, const char *val, char *why, size_t n)
{
	size_t len = strlen(val);

	if (len >= sizeof(p->kernel)) {
		ksnprintf(why, n, "longer than %zu characters", sizeof(p->kernel) - 1);
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
	memcpy(p->kernel, val, len + 1);
	return true;
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
	return manifest_parse_count(val, &p->vcpus, "vcpus", why, n) == 0;
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
	K_TIMEOUT
};
static const struct key_desc keys[] = {
	[K_CORES] = { "cores", set_cores, true },
	[K_MEMORY] = { "memory", set_memory, true },
	[K_KERNEL] = { "kernel", set_kernel, true },
	[K_CMDLINE] = { "cmdline", set_cmdline, false },
	[K_VCPUS] = { "vcpus", set_vcpus, false },
	[K_TIMEOUT] = { "timeout", set_timeout, false },
};

/* One line for a problem on the current line; refuses the current partition. */
static void line_problem(struct pstate *st, const char *what)
{
	if (st->sec == SEC_PART) {
		kprintf("manifest: line %u: %s; partition '%s' refused\n", st->line, what,
			st->cur->name);
		st->cur->valid = false;
	} else {
		kprintf("manifest: line %u: %s (ignored)\n", st->line, what);
	}
}

/* Close the current section: required keys, and vcpus against cores. */
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
		if ((st->good & (1U << K_CORES)) && (st->good & (1U << K_VCPUS)) &&
		    p->vcpus > p->ncores_req) {
			kprintf("manifest: partition '%s' (line %u): vcpus = %u but only %u core%s; "
				"partition refused\n",
				p->name, p->line, p->vcpus, p->ncores_req,
				p->ncores_req == 1 ? "" : "s");
			p->valid = false;
		}
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

/* s: a trimmed, comment-free line starting with '['. */
static void section_header(struct pstate *st, char *s)
{
	struct manifest *m = st->m;
	char shown[SHOW_MAX + 1];
	char *close = strchr(s, ']'), *in, *name;

	end_section(st);
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
		kprintf("manifest: line %u: unknown section type '%s' (only [partition NAME]); "
			"section ignored\n",
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
	if (st->seen & (1U << i)) {
		kprintf("manifest: line %u: key '%s' given twice in partition '%s'; partition "
			"refused\n",
			st->line, key, st->cur->name);
		st->cur->valid = false;
		return;
	}
	st->seen |= 1U << i;

	/* Show the value as written (quotes included) in any message. */
	show(val, shown2);
	why[0] = '\0';
	if (val[0] == '"') {
		char *close = strchr(val + 1, '"');

		if (!close)
			ksnprintf(why, sizeof(why), "unterminated double quote");
		else if (*skip_blank(close + 1) != '\0')
			ksnprintf(why, sizeof(why), "text after the closing quote");
		else
			*close = '\0';
		val++;
	} else if (strchr(val, '"')) {
		ksnprintf(why, sizeof(why), "stray double quote (quote the whole value)");
	}
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
