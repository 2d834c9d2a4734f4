// SPDX-License-Identifier: MIT
/*
 * Guest test library: command-line words and key=value parameters.
 * Environment: guest test kernel, any CPU, after mb_init().
 */
#include "tests/guests/lib/cmdline.h"
#include "tests/guests/lib/mb.h"
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/rt.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Find the next word from *p: returns its start and sets *len; NULL at the end. */
static const char *next_word(const char **p, size_t *len)
{
	const char *s = *p, *w;

	while (*s && is_space(*s))
		s++;
	if (!*s)
		return NULL;
	w = s;
	while (*s && !is_space(*s))
		s++;
	*len = (size_t)(s - w);
	*p = s;
	return w;
}

bool cmdline_has(const char *word)
{
	const char *p = mb_cmdline(), *w;
	size_t len, wl = strlen(word);

	while ((w = next_word(&p, &len)))
		if (len == wl && !strncmp(w, word, len))
			return true;
	return false;
}

static int digit(char c, unsigned int base)
{
	int d = -1;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d >= 0 && (unsigned int)d < base ? d : -1;
}

/* Parse [s, s + len) as a 32-bit number; false if it is not one. */
static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return false;
	for (; len; len--, s++) {
		int d = digit(*s, base);

		if (d < 0)
			return false;
		v = v * base + (unsigned int)d;
		if (v > 0xffffffffull)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

uint32_t cmdline_uint(const char *key, uint32_t def)
{
	const char *p = mb_cmdline(), *w;
	size_t len, kl = strlen(key);
	uint32_t v;

	while ((w = next_word(&p, &len))) {
		if (len <= kl || w[kl] != '=' || strncmp(w, key, kl))
			continue;
		if (parse_u32(w + kl + 1, len - kl - 1, &v))
			return v;
		gprintf("cmdline: bad value '%.*s' for %s, using %u\n", (int)(len - kl - 1),
			w + kl + 1, key, def);
		return def;
	}
	return def;
}
