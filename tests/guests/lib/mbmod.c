// SPDX-License-Identifier: MIT
/*
 * Guest test library: multiboot v1 boot modules and environment files (see
 * mbmod.h for the convention).
 * Environment: guest test kernel, 32-bit protected mode, paging off, BSP
 * (mbmod_init); accessors on any CPU afterwards.
 */
#include "tests/guests/lib/mbmod.h"
#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/mb.h"
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/rt.h"

/* The head of multiboot_info up to mods_addr (section 3.3). */
struct mb_info_head {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
} __attribute__((packed));

/* One module entry (section 3.3). */
struct mb_mod_entry {
	uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));

static struct mbmod mods[MBMOD_MAX];
static uint32_t nmods;

static bool in_image(uint32_t base, uint32_t len)
{
	uint32_t s = (uint32_t)(uintptr_t)__image_start, e = (uint32_t)(uintptr_t)__image_end;

	return base < e && s < base + len;
}

uint32_t mbmod_init(void)
{
	const struct mb_info_head *mi = (const void *)(uintptr_t)mb_info_addr();
	const struct mb_mod_entry *e;
	uint32_t count;

	nmods = 0;
	if (!mi || mb_magic() != MB_BOOT_MAGIC || !(mi->flags & MB_INFO_MODS))
		return 0;
	count = mi->mods_count;
	e = (const void *)(uintptr_t)mi->mods_addr;
	if (count && in_image(mi->mods_addr, count * (uint32_t)sizeof(*e))) {
		gprintf("mbmod: module list at 0x%x is inside the image, ignored\n", mi->mods_addr);
		return count;
	}
	for (uint32_t i = 0; i < count && i < MBMOD_MAX; i++) {
		if (in_image(e[i].string, 1)) {
			gprintf("mbmod: module %u's string at 0x%x is inside the image\n", i,
				e[i].string);
			return count;
		}
		mods[i] = (struct mbmod){ e[i].mod_start, e[i].mod_end,
					  (const char *)(uintptr_t)e[i].string };
		nmods = i + 1;
	}
	return count;
}

const struct mbmod *mbmod_get(uint32_t i)
{
	return i < nmods ? &mods[i] : NULL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* NAME of module i: *len bytes from the returned pointer, directory dropped. */
static const char *name_of(uint32_t i, uint32_t *len)
{
	const char *s = i < nmods && mods[i].string ? mods[i].string : "", *base = s;
	uint32_t n = 0;

	while (s[n] && !blank(s[n])) {
		if (s[n] == '/')
			base = s + n + 1;
		n++;
	}
	*len = (uint32_t)(s + n - base);
	return base;
}

const char *mbmod_name(uint32_t i, char *buf, uint32_t size)
{
	uint32_t len;
	const char *n = name_of(i, &len);

	if (len >= size)
		len = size - 1;
	memcpy(buf, n, len);
	buf[len] = '\0';
	return buf;
}

const char *mbmod_args(uint32_t i)
{
	uint32_t len;
	const char *s = name_of(i, &len) + len;

	while (blank(*s))
		s++;
	return s;
}

bool mbmod_is_env(uint32_t i)
{
	uint32_t len;
	const char *n = name_of(i, &len), *a = mbmod_args(i);

	if (len >= 4 && !memcmp(n + len - 4, ".env", 4))
		return true;
	while (*a) {
		uint32_t w = 0;

		while (a[w] && !blank(a[w]))
			w++;
		if (w == 3 && !memcmp(a, "env", 3))
			return true;
		a += w;
		while (blank(*a))
			a++;
	}
	return false;
}

/* If line [p, p + n) is "key=...", the value's start, else NULL. */
static const char *match(const char *p, uint32_t n, const char *key, uint32_t klen)
{
	if (n <= klen || p[klen] != '=' || memcmp(p, key, klen))
		return NULL;
	return p + klen + 1;
}

static bool valid_key(const char *k, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		char c = k[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';

		if (!alpha && !(i && c >= '0' && c <= '9'))
			return false;
	}
	return len > 0;
}

int env_get(const char *key, char *buf, uint32_t size)
{
	uint32_t klen = (uint32_t)strlen(key);
	const char *val = NULL;
	uint32_t vlen = 0;

	if (!valid_key(key, klen))
		return -1;
	for (uint32_t i = 0; i < nmods; i++) {
		const char *p = (const char *)(uintptr_t)mods[i].start;
		const char *end = (const char *)(uintptr_t)mods[i].end;

		if (!mbmod_is_env(i) || mods[i].end < mods[i].start)
			continue;
		while (p < end) {
			const char *eol = p, *v;
			uint32_t n;

			while (eol < end && *eol != '\n')
				eol++;
			n = (uint32_t)(eol - p);
			if (n && p[n - 1] == '\r' && eol < end)
				n--; /* CRLF */
			v = n && p[0] == '#' ? NULL : match(p, n, key, klen);
			if (v) {
				val = v;
				vlen = (uint32_t)(p + n - v);
			}
			p = eol < end ? eol + 1 : end;
		}
	}
	if (!val)
		return -1;
	if (size) {
		uint32_t c = vlen < size ? vlen : size - 1;

		memcpy(buf, val, c);
		buf[c] = '\0';
	}
	return (int)vlen;
}
