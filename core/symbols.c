// SPDX-License-Identifier: MIT
/*
 * System.map parser for the micro-sliced pool (core/symbols.h).
 * Environment: freestanding hypervisor (GPM core) or hosted unit tests; pure
 * code: no allocation, no globals written.
 *
 * The module is untrusted: every byte is read through a bounds check
 * against len, each line is copied into a bounded buffer before it is
 * looked at, and the first problem ends the parse with its line number.
 * Two passes over the same text (count, then fill) give the same answer,
 * so the caller can allocate exactly what the second needs.
 */
#include "core/symbols.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

const char *const symbols_critical_names[] = {
	"cy_crit_", /* prefix only: test guests */
	"spin_lock", "spin_unlock", "_raw_spin", "read_lock",	      "write_lock",
	"rwlock",    "mutex_spin",  "flush_tlb", "smp_call_function", NULL,
};

static bool contains(const char *s, const char *pat)
{
	size_t n = strlen(pat);

	for (; *s; s++)
		if (!strncmp(s, pat, n))
			return true;
	return false;
}

bool symbols_is_critical(const char *name, uint16_t *index)
{
	for (uint16_t i = 0; symbols_critical_names[i]; i++) {
		const char *p = symbols_critical_names[i];
		if (i == 0 ? !strncmp(name, p, strlen(p)) : contains(name, p)) {
			if (index)
				*index = i;
			return true;
		}
	}
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One parsed line. */
struct sym_line {
	uint64_t addr;
	char type;
	char name[SYMBOLS_NAME_MAX];
};

/* Parse NUL-terminated line s; false with the reason in why. */
static bool parse_line(const char *s, struct sym_line *l, char *why, size_t n)
{
	uint32_t digits = 0;

	l->addr = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; hexval(*s) >= 0; s++) {
		if (++digits > 16) {
			ksnprintf(why, n, "address longer than 16 hex digits");
			return false;
		}
		l->addr = l->addr << 4 | (uint64_t)hexval(*s);
	}
	if (!digits || !is_blank(*s)) {
		ksnprintf(why, n, "not 'ADDRESS TYPE NAME' (a hex address first)");
		return false;
	}
	while (is_blank(*s))
		s++;
	char t = *s;
	if (!((t >= 'a' && t <= 'z') || (t >= 'A' && t <= 'Z')) || !is_blank(s[1])) {
		ksnprintf(why, n, "the type is one letter");
		return false;
	}
	l->type = t;
	s += 2;
	while (is_blank(*s))
		s++;
	size_t len = 0;
	for (; s[len] && !is_blank(s[len]); len++) {
		unsigned char c = (unsigned char)s[len];
		if (c < 0x21 || c >= 0x7f) {
			ksnprintf(why, n, "the name has a byte 0x%x that is not printable ASCII",
				  c);
			return false;
		}
		if (len + 1 >= SYMBOLS_NAME_MAX) {
			ksnprintf(why, n, "name longer than %u characters", SYMBOLS_NAME_MAX - 1);
			return false;
		}
	}
	if (!len) {
		ksnprintf(why, n, "no name after the type");
		return false;
	}
	const char *rest = s + len;
	while (is_blank(*rest))
		rest++;
	if (*rest) {
		ksnprintf(why, n, "text after the name");
		return false;
	}
	memcpy(l->name, s, len);
	l->name[len] = '\0';
	return true;
}

/* Close the open function (if any) where the next, higher address starts. */
static void close_fn(struct msc_sym *out, uint32_t nfn, bool open, uint64_t end)
{
	if (out && open && nfn) {
		uint64_t size = end - out[nfn - 1].start;
		/* A function larger than 4 GiB is not one: keep it empty. */
		out[nfn - 1].size = size > UINT32_MAX ? 0 : (uint32_t)size;
	}
}

int symbols_parse(const char *text, size_t len, struct msc_sym *out, uint32_t cap, uint32_t *n,
		  char *why, size_t why_size)
{
	char buf[SYMBOLS_LINE_MAX + 1];
	struct sym_line l;
	char r[96];
	uint32_t line = 0, nfn = 0, limit = out ? cap : SYMBOLS_MAX;
	uint64_t prev = 0;
	bool have_prev = false, open = false; /* open: the last function's end is unknown */
	size_t i = 0;

	why[0] = '\0';
	if (limit > SYMBOLS_MAX)
		limit = SYMBOLS_MAX;
	*n = 0;
	if (!text && len) {
		ksnprintf(why, why_size, "no text");
		return -E_INVAL;
	}
	while (len && text[len - 1] == '\0')
		len--; /* NUL padding at the end of the module */
	while (i < len) {
		size_t k = 0;
		line++;
		for (; i < len && text[i] != '\n'; i++) {
			if (text[i] == '\0') {
				ksnprintf(why, why_size, "line %u: a NUL byte", line);
				return -E_INVAL;
			}
			if (k == SYMBOLS_LINE_MAX) {
				ksnprintf(why, why_size, "line %u: longer than %u characters", line,
					  SYMBOLS_LINE_MAX);
				return -E_INVAL;
			}
			buf[k++] = text[i];
		}
		i++; /* the '\n' (or past the end) */
		buf[k] = '\0';
		const char *s = buf;
		while (is_blank(*s))
			s++;
		if (!*s)
			continue;
		if (!parse_line(s, &l, r, sizeof(r))) {
			ksnprintf(why, why_size, "line %u: %s", line, r);
			return -E_INVAL;
		}
		if (have_prev && l.addr < prev) {
			ksnprintf(why, why_size,
				  "line %u: address 0x%llx below the previous 0x%llx "
				  "(not sorted)",
				  line, (unsigned long long)l.addr, (unsigned long long)prev);
			return -E_INVAL;
		}
		bool text_sym = l.type == 't' || l.type == 'T';
		uint16_t crit = MSC_NOT_CRITICAL;
		bool is_crit = text_sym && symbols_is_critical(l.name, &crit);
		if (have_prev && l.addr == prev) {
			/* An alias of the open function: one function, critical if any name is. */
			if (open && is_crit && out && out[nfn - 1].critical == MSC_NOT_CRITICAL)
				out[nfn - 1].critical = crit;
			if (open || !text_sym)
				continue;
		} else {
			close_fn(out, nfn, open, l.addr);
			open = false;
		}
		have_prev = true;
		prev = l.addr;
		if (!text_sym)
			continue;
		if (nfn == limit) {
			ksnprintf(why, why_size, "line %u: more than %u text symbols", line, limit);
			return -E_RANGE;
		}
		if (out)
			out[nfn] = (struct msc_sym){ .start = l.addr, .size = 0, .critical = crit };
		nfn++;
		open = true;
	}
	if (!nfn) {
		ksnprintf(why, why_size, "no text symbols (type t or T)");
		return -E_RANGE;
	}
	*n = nfn;
	return 0;
}
