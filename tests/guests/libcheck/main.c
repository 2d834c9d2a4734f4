// SPDX-License-Identifier: MIT
/*
 * Guest test "libcheck": checks the guest test library itself, so the other
 * tests' verdicts can be trusted. printf formatting and truncation, 64-bit
 * division, the fault catcher (#UD, #DE, no fault, EFLAGS.IF kept), and the
 * multiboot and command-line parsers on crafted good and malformed boot
 * information (asserting the one-line diagnostics they print), and the boot
 * module reader with its environment-file parser (mbmod.h) on crafted modules.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"
#include "tests/guests/lib/mbmod.h"

const char guest_test_name[] = "libcheck";

static unsigned int checks;
static char tap[1024];

#define CHECK(cond, ...)                   \
	do {                               \
		checks++;                  \
		if (!(cond))               \
			fail(__VA_ARGS__); \
	} while (0)

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return true;
	return false;
}

static void fmt_check(const char *want, const char *fmt, va_list ap)
{
	char buf[64];

	gvsnprintf(buf, sizeof(buf), fmt, ap);
	CHECK(!strncmp(buf, want, sizeof(buf)), "format \"%s\" gave \"%s\", want \"%s\"", fmt, buf,
	      want);
}

static void fmt_is(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fmt_is(const char *want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_check(want, fmt, ap);
	va_end(ap);
}

/* For what the compiler's format check rightly refuses (NULL %s, bad conversions). */
static void fmt_unchecked(const char *want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_check(want, fmt, ap);
	va_end(ap);
}

static void check_printf(void)
{
	char small[6];
	int n;

	fmt_is("-5 4294967295", "%d %u", -5, 4294967295u);
	fmt_is("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu);
	fmt_is("0000002a|42   |   42", "%08x|%-5d|%5u", 42u, 42, 42u);
	fmt_is("ab|  abc|abc  |", "%.2s|%5s|%-5s|", "abc", "abc", "abc");
	fmt_unchecked("(null)", "%s", (char *)NULL);
	fmt_is("18446744073709551615", "%llu", 18446744073709551615ull);
	fmt_is("-9223372036854775808", "%lld", (long long)(-9223372036854775807ll - 1));
	fmt_is("123456789abcdef0", "%llx", 0x123456789abcdef0ull);
	fmt_is("x % 0x1000 7", "%c %% %p %zu", 'x', (void *)0x1000, (size_t)7);
	fmt_is("  -7|-0007", "%4d|%05d", -7, -7);
	fmt_unchecked("%q|", "%q|");
	fmt_unchecked("end", "end%");
	n = gsnprintf(small, sizeof(small), "%s", "overflowing");
	CHECK(n == 11 && !strncmp(small, "overf", 6), "truncation gave %d \"%s\"", n, small);
}

static void check_division(void)
{
	volatile uint64_t a = 0xfedcba9876543210ull, b = 0x12345ull, z = 0;

	CHECK(a / b == 0xe0004fa01c4dull && a % b == 0x10a4full, "u64 %llx / %llx = %llx rem %llx",
	      a, b, a / b, a % b);
	CHECK(a / 1 == a && a % a == 0 && (a - 1) / a == 0, "u64 identities");
	CHECK(a / 0xffffffffffffffffull == 0 && 0xffffffffffffffffull / a == 1,
	      "u64 division near 2^64");
	CHECK(__udivdi3(a, z) == ~0ull && __umoddi3(a, z) == a, "u64 division by zero");
}

static void do_ud2(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
}

static void do_div0(void *arg)
{
	uint32_t zero = *(volatile uint32_t *)arg;

	__asm__ volatile("divl %2" : : "a"(1), "d"(0), "r"(zero));
}

static void do_nothing(void *arg)
{
	*(volatile int *)arg = 1;
}

static void check_faults(void)
{
	struct fault_info fi = { 0, 0, 0 };
	uint32_t zero = 0;
	int ran = 0, v;

	v = catch_fault(do_ud2, NULL, &fi);
	CHECK(v == VEC_UD && fi.vector == VEC_UD && fi.error == 0, "UD2 gave %d (vector %u)", v,
	      fi.vector);
	CHECK(*(volatile uint16_t *)(uintptr_t)fi.eip == 0x0b0f, "#UD eip 0x%x is not the UD2",
	      fi.eip);
	v = catch_fault(do_div0, &zero, &fi);
	CHECK(v == VEC_DE && fi.vector == VEC_DE, "divide by zero gave %d", v);
	v = catch_fault(do_nothing, &ran, NULL);
	CHECK(v == -1 && ran == 1, "no fault gave %d (ran %d)", v, ran);
	irq_enable();
	v = catch_fault(do_ud2, NULL, NULL);
	CHECK(v == VEC_UD && (read_eflags() & EFLAGS_IF), "EFLAGS.IF lost across a caught fault");
	irq_disable();
	CHECK(!(read_eflags() & EFLAGS_IF), "interrupts still on");
}

/* Crafted boot information in low RAM (outside the image, as mb_init wants). */
#define SCRATCH 0x20000u

struct raw_entry {
	uint32_t size;
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

static uint8_t *scratch(void)
{
	return (uint8_t *)(uintptr_t)SCRATCH;
}

/* Info at SCRATCH, cmdline at +0x100, mmap (n entries) at +0x400. */
static uint32_t craft(const char *cmdline, const struct raw_entry *e, unsigned int n)
{
	uint32_t *mi = (uint32_t *)(uintptr_t)SCRATCH;

	memset(scratch(), 0, 0x2000);
	mi[0] = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP;
	mi[1] = 639;
	mi[2] = 31 * 1024;
	mi[4] = SCRATCH + 0x100;
	memcpy(scratch() + 0x100, cmdline, strlen(cmdline) + 1);
	mi[11] = n * sizeof(*e);
	mi[12] = SCRATCH + 0x400;
	memcpy(scratch() + 0x400, e, n * sizeof(*e));
	return SCRATCH;
}

static const struct raw_entry good_map[] = {
	{ 20, 0, 0x9fc00, 1 },
	{ 20, 0x100000, 0x1f00000, 1 },
	{ 20, 0xfffc0000, 0x40000, 2 },
	{ 20, 0x100000000ull, 0x10000000, 1 },
};

static void check_mb(uint32_t magic, uint32_t mbi)
{
	struct raw_entry many[40];
	char longline[300];
	int rc;

	(void)magic;
	(void)mbi;
	if (mb_boot_data_overlaps(SCRATCH, 0x2000)) {
		error("boot information lies in the scratch area 0x%x", SCRATCH);
		return;
	}

	console_tap_start(tap, sizeof(tap));
	rc = mb_init(MB_BOOT_MAGIC,
		     craft("k escape rounds=7 hex=0x1F bad=12z big=4294967296 e=", good_map, 4));
	CHECK(rc == 0 && console_tap_stop() == 0, "good info: rc %d, printed \"%s\"", rc, tap);
	CHECK(mb_region_count() == 4 && mb_region(1)->base == 0x100000 &&
		      mb_region(3)->base == 0x100000000ull,
	      "good map: %u regions", mb_region_count());
	CHECK(mb_ram_top() == 0x2000000, "ram top 0x%x, want 0x2000000", mb_ram_top());
	CHECK(mb_mem_upper() == 31 * 1024, "mem_upper %u", mb_mem_upper());
	CHECK(mb_boot_data_overlaps(SCRATCH + 0x400, 4) && !mb_boot_data_overlaps(0x30000, 4096),
	      "boot data ranges");
	CHECK(cmdline_has("escape") && cmdline_has("k") && !cmdline_has("esc") &&
		      !cmdline_has("rounds"),
	      "cmdline_has on \"%s\"", mb_cmdline());
	CHECK(cmdline_uint("rounds", 1) == 7 && cmdline_uint("hex", 1) == 31 &&
		      cmdline_uint("absent", 9) == 9,
	      "cmdline_uint values");
	console_tap_start(tap, sizeof(tap));
	CHECK(cmdline_uint("bad", 3) == 3 && cmdline_uint("big", 4) == 4 &&
		      cmdline_uint("e", 5) == 5,
	      "bad values not defaulted");
	console_tap_stop();
	CHECK(contains(tap, "cmdline: bad value '12z' for bad, using 3\n") &&
		      contains(tap, "cmdline: bad value '4294967296' for big, using 4\n") &&
		      contains(tap, "cmdline: bad value '' for e, using 5\n"),
	      "cmdline diagnostics: \"%s\"", tap);

	console_tap_start(tap, sizeof(tap));
	rc = mb_init(0x1badb002, SCRATCH);
	console_tap_stop();
	CHECK(rc == -1 && contains(tap, "mb: bad magic 0x1badb002 (want 0x2badb002)"),
	      "bad magic: rc %d \"%s\"", rc, tap);

	console_tap_start(tap, sizeof(tap));
	rc = mb_init(MB_BOOT_MAGIC, (uint32_t)(uintptr_t)__image_start + 64);
	console_tap_stop();
	CHECK(rc == -1 && contains(tap, "inside the image, ignored"), "info in image: rc %d \"%s\"",
	      rc, tap);

	{
		struct raw_entry bad[3] = { good_map[0], good_map[1], good_map[2] };

		bad[1].size = 8;
		console_tap_start(tap, sizeof(tap));
		mb_init(MB_BOOT_MAGIC, craft("", bad, 3));
		console_tap_stop();
		CHECK(mb_region_count() == 1 &&
			      contains(tap, "mb: malformed mmap entry at 0x20418 (size 8"),
		      "malformed entry: %u regions \"%s\"", mb_region_count(), tap);
	}
	for (unsigned int i = 0; i < 40; i++)
		many[i] = (struct raw_entry){ 20, 0x100000 + i * 0x1000ull, 0x1000, 1 };
	console_tap_start(tap, sizeof(tap));
	mb_init(MB_BOOT_MAGIC, craft("", many, 40));
	console_tap_stop();
	CHECK(mb_region_count() == MB_MAX_REGIONS && contains(tap, "mb: more than 32 mmap entries"),
	      "40 entries: %u regions \"%s\"", mb_region_count(), tap);

	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	console_tap_start(tap, sizeof(tap));
	mb_init(MB_BOOT_MAGIC, craft(longline, good_map, 1));
	console_tap_stop();
	CHECK(strlen(mb_cmdline()) == MB_CMDLINE_MAX - 1 &&
		      contains(tap, "mb: command line longer than 255 bytes, truncated"),
	      "long cmdline: %u bytes \"%s\"", (unsigned int)strlen(mb_cmdline()), tap);
}

/* Module i of a crafted list at SCRATCH + 0x800: bytes at `at`, string at `str`. */
static void put_mod(uint32_t i, uint32_t at, const char *bytes, uint32_t str, const char *string)
{
	uint32_t *e = (uint32_t *)(uintptr_t)(SCRATCH + 0x800 + 16 * i);

	memcpy(scratch() + (at - SCRATCH), bytes, strlen(bytes));
	memcpy(scratch() + (str - SCRATCH), string, strlen(string) + 1);
	e[0] = at;
	e[1] = at + (uint32_t)strlen(bytes);
	e[2] = str;
	e[3] = 0;
}

static bool env_is(const char *key, int want_len, const char *want)
{
	char buf[16];
	int len = env_get(key, buf, sizeof(buf));

	return len == want_len && (len < 0 || !strcmp(buf, want));
}

/* mbmod: names without directories, the env test, env_get's line rules. */
static void check_mbmod(void)
{
	uint32_t *mi = (uint32_t *)(uintptr_t)SCRATCH;
	char name[16];
	uint32_t n;

	mb_init(MB_BOOT_MAGIC, craft("", good_map, 1));
	put_mod(0, SCRATCH + 0x1000, "A=not env\n", SCRATCH + 0x900, "dir/x.txt A=1");
	put_mod(1, SCRATCH + 0x1100,
		"# c\r\nGREETING=hi\r\nGREET\n1A=x\nA=1\r\n\nB=", SCRATCH + 0x940,
		"/etc/sub/cfg.env");
	put_mod(2, SCRATCH + 0x1200, "GREETING=hello\nC=a=b", SCRATCH + 0x980, "more  env x");
	put_mod(3, SCRATCH + 0x1300, "D=1\n", SCRATCH + 0x9c0, "data environment");
	n = mbmod_init(); /* flags bit 3 clear: no modules */
	CHECK(n == 0 && !mbmod_get(0) && env_get("A", NULL, 0) == -1, "no MODS flag: %u", n);
	mi[0] |= MB_INFO_MODS;
	mi[5] = 4;
	mi[6] = SCRATCH + 0x800;
	n = mbmod_init();
	CHECK(n == 4 && mbmod_get(3) && mbmod_get(1)->start == SCRATCH + 0x1100 && !mbmod_get(4),
	      "4 modules: %u", n);
	CHECK(!strcmp(mbmod_name(0, name, sizeof(name)), "x.txt") &&
		      !strcmp(mbmod_args(0), "A=1") && !mbmod_is_env(0),
	      "module 0: '%s' '%s'", name, mbmod_args(0));
	CHECK(!strcmp(mbmod_name(1, name, sizeof(name)), "cfg.env") && !*mbmod_args(1) &&
		      mbmod_is_env(1),
	      "module 1: '%s'", name);
	CHECK(!strcmp(mbmod_name(2, name, 4), "mor") && !strcmp(mbmod_args(2), "env x") &&
		      mbmod_is_env(2) && !mbmod_is_env(3),
	      "modules 2, 3: '%s' '%s'", name, mbmod_args(2));
	CHECK(env_is("GREETING", 5, "hello") && env_is("A", 1, "1") && env_is("B", 0, "") &&
		      env_is("C", 3, "a=b") && env_is("GREET", -1, "") && env_is("1A", -1, "") &&
		      env_is("D", -1, "") && env_is("c", -1, ""),
	      "env_get: GREETING, A, B, C, GREET, 1A, D, c");
	mi[6] = (uint32_t)(uintptr_t)__image_start + 64;
	console_tap_start(tap, sizeof(tap));
	n = mbmod_init();
	console_tap_stop();
	CHECK(n == 4 && !mbmod_get(0) && contains(tap, "is inside the image, ignored"),
	      "list in image: %u \"%s\"", n, tap);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	check_printf();
	check_division();
	check_faults();
	check_mb(magic, mbi);
	check_mbmod();
	/* Put the real boot information back for anything that reads it later. */
	mb_init(magic, mbi);
	mbmod_init();
	report("%u library checks", checks);
}
