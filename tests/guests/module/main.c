// SPDX-License-Identifier: MIT
/*
 * Guest test "module": reads its multiboot modules as a kernel for QEMU's
 * -kernel -initrd does (issue 12, item 7). Checks:
 *   - the module count equals mods=N from the command line;
 *   - every module starts on a page, ends at or after its start, lies in
 *     RAM below mb_ram_top(), and overlaps neither the image, the boot
 *     information (info, command line, memory map) nor another module;
 *   - module 0 (if any) is data.txt with args "first module": its size is
 *     its "size=" line, its bytes before the "sum=" line add up to that line;
 *   - module 1 (if any) is test.env with args "env", an environment file:
 *     GREETING=hello (the last definition wins), ANSWER=42, EMPTY= (empty),
 *     SPACED="a b  c" (as written), no HIDDEN (a comment), a cut copy;
 *   - without env modules, env_get() finds nothing.
 * Prints "module: I 'STRING' at START-END (N bytes)" per module.
 * Parameters: mods=N (0).
 * Data: tests/guests/module/data.txt and test.env, copied to build/guests/.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), 1 CPU.
 */
#include "tests/guests/lib/guest.h"
#include "tests/guests/lib/mbmod.h"

const char guest_test_name[] = "module";

static bool overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Where and how big every module is, against the image, boot data and each other. */
static void check_layout(uint32_t n)
{
	uint32_t img = (uint32_t)(uintptr_t)__image_start;
	uint32_t imglen = (uint32_t)(uintptr_t)__image_end - img;

	for (uint32_t i = 0; i < n; i++) {
		const struct mbmod *m = mbmod_get(i);

		if (!m || !m->string) {
			fail("module %u: no entry or no string", i);
			continue;
		}
		gprintf("module: %u '%s' at 0x%x-0x%x (%u bytes)\n", i, m->string, m->start, m->end,
			m->end - m->start);
		if (m->start % 4096)
			fail("module %u starts at 0x%x, not on a page", i, m->start);
		if (m->end < m->start)
			fail("module %u ends at 0x%x, before its start 0x%x", i, m->end, m->start);
		if (m->end > mb_ram_top() || m->start < 0x1000)
			fail("module %u at 0x%x-0x%x is outside RAM (top 0x%x)", i, m->start,
			     m->end, mb_ram_top());
		if (overlap(m->start, m->end - m->start, img, imglen))
			fail("module %u at 0x%x-0x%x overlaps the kernel image", i, m->start,
			     m->end);
		if (m->end > m->start && mb_boot_data_overlaps(m->start, m->end - m->start))
			fail("module %u at 0x%x-0x%x overlaps the boot information", i, m->start,
			     m->end);
		for (uint32_t j = 0; j < i; j++) {
			const struct mbmod *o = mbmod_get(j);

			if (o && overlap(m->start, m->end - m->start, o->start, o->end - o->start))
				fail("modules %u and %u overlap", j, i);
		}
	}
}

/* The decimal number after "key=" at p (up to a newline). */
static uint32_t number_after(const char *p, const char *end)
{
	uint32_t v = 0;

	while (p < end && *p >= '0' && *p <= '9')
		v = v * 10 + (uint32_t)(*p++ - '0');
	return v;
}

static uint32_t hex_after(const char *p, const char *end)
{
	uint32_t v = 0;

	for (; p < end && *p != '\n'; p++) {
		char c = *p;
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0') :
			     c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10) :
						    16;
		if (d == 16)
			break;
		v = v * 16 + d;
	}
	return v;
}

/* data.txt: name, args, size line, checksum line. */
static void check_data(void)
{
	const struct mbmod *m = mbmod_get(0);
	const char *b = (const char *)(uintptr_t)m->start, *end = (const char *)(uintptr_t)m->end;
	const char *size_line = NULL, *sum_line = NULL;
	uint32_t sum = 0;
	char name[64];

	if (strcmp(mbmod_name(0, name, sizeof(name)), "data.txt") != 0 ||
	    strcmp(mbmod_args(0), "first module") != 0 || mbmod_is_env(0)) {
		fail("module 0 is '%s' (name '%s', args '%s'), want data.txt with args 'first "
		     "module', not env",
		     m->string, name, mbmod_args(0));
		return;
	}
	/* The last two lines: "size=NNNNN" and "sum=0xXXXXXXXX". */
	for (const char *p = b; p < end; p++) {
		if (p != b && p[-1] != '\n')
			continue;
		if (end - p > 5 && !memcmp(p, "size=", 5))
			size_line = p;
		if (end - p > 6 && !memcmp(p, "sum=0x", 6))
			sum_line = p;
	}
	if (!size_line || !sum_line) {
		fail("data.txt: no size= or sum= line in its %u bytes", m->end - m->start);
		return;
	}
	if (number_after(size_line + 5, end) != m->end - m->start)
		fail("data.txt is %u bytes, its size line says %u", m->end - m->start,
		     number_after(size_line + 5, end));
	for (const char *p = b; p < sum_line; p++)
		sum += (uint8_t)*p;
	if (sum != hex_after(sum_line + 6, end))
		fail("data.txt: bytes add up to 0x%x, its sum line says 0x%x", sum,
		     hex_after(sum_line + 6, end));
}

static void expect_env(const char *key, int want_len, const char *want)
{
	char buf[32];
	int len = env_get(key, buf, sizeof(buf));

	if (len != want_len || (len >= 0 && strcmp(buf, want) != 0))
		fail("env %s: got %d '%s', want %d '%s'", key, len, len >= 0 ? buf : "", want_len,
		     want);
}

/* test.env: the env-file convention through env_get(). */
static void check_env(void)
{
	char name[64], cut[3];

	if (strcmp(mbmod_name(1, name, sizeof(name)), "test.env") != 0 ||
	    strcmp(mbmod_args(1), "env") != 0 || !mbmod_is_env(1)) {
		fail("module 1 is '%s', want test.env with args 'env', an env file",
		     mbmod_get(1)->string);
		return;
	}
	expect_env("GREETING", 5, "hello");
	expect_env("ANSWER", 2, "42");
	expect_env("EMPTY", 0, "");
	expect_env("SPACED", 6, "a b  c");
	expect_env("HIDDEN", -1, "");
	expect_env("not", -1, "");
	if (env_get("GREETING", cut, sizeof(cut)) != 5 || strcmp(cut, "he") != 0)
		fail("env GREETING into 3 bytes: got '%s', want 'he'", cut);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t want = cmdline_uint("mods", 0), n;

	(void)magic;
	(void)mbi;
	n = mbmod_init();
	gprintf("module: %u modules (flags 0x%x), mods=%u asked\n", n, mb_flags(), want);
	if (n != want)
		verdict(VERDICT_FAILURE, "%u modules, want %u", n, want);
	if (n > MBMOD_MAX)
		verdict(VERDICT_ERROR, "%u modules, this test reads %u", n, MBMOD_MAX);
	check_layout(n);
	if (n >= 1)
		check_data();
	if (n >= 2)
		check_env();
	else
		expect_env("GREETING", -1, "");
	report("%u module%s checked%s", n, n == 1 ? "" : "s",
	       n >= 2 ? ": data.txt sum ok, env GREETING=hello" : "");
}
