/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the manifest unit tests (test_manifest.c,
 * test_manifest_keys.c, test_symbols_keys.c, ...): parse a text into the
 * file's `m` and check what it printed; the module lookup and resources
 * assignment takes. Include once per test file, after cmocka and
 * fake_console.h.
 * Environment: host unit tests.
 */
#ifndef TESTS_UNIT_MANIFEST_TEST_H
#define TESTS_UNIT_MANIFEST_TEST_H

static struct manifest m;

/* Parse text (exactly strlen bytes, copied so ASan sees any overread). */
static int parse(const char *text)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int n;

	assert_non_null(copy);
	memcpy(copy, text, len);
	console_capture_reset();
	memset(&m, 0xa5, sizeof(m)); /* parse must not rely on a clean struct */
	n = manifest_parse(copy, len, &m);
	free(copy);
	return n;
}

/* text must give nvalid valid partitions and print exactly want. */
static void expect(const char *text, int nvalid, const char *want)
{
	int n = parse(text);

	if (n != nvalid || strcmp(console_capture(), want) != 0)
		print_error("text:\n%s\nwant (%d):\n%sgot (%d):\n%s", text, nvalid, want, n,
			    console_capture());
	assert_int_equal(n, nvalid);
	assert_string_equal(console_capture(), want);
	assert_int_equal(m.nvalid, (uint32_t)nvalid);
}

/* manifest_resources.module_exists over a NULL-ended list of names (ctx). */
static bool have_module(const char *name, void *ctx)
{
	for (const char *const *p = ctx; *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

/* Assignment resources: CPUs 0-3 usable, 2 GiB free, the modules named in
 * `mods` (a NULL-ended list that must outlive the result). */
static uint64_t usable4[CONFIG_MAX_CPUS / 64];

static __attribute__((unused)) struct manifest_resources res4(const char *const *mods)
{
	struct manifest_resources r = { .ncpus = 4,
					.cpu_usable_mask = usable4,
					.mem_free_bytes = 2ull << 30,
					.module_exists = have_module,
					.ctx = (void *)mods };
	memset(usable4, 0, sizeof(usable4));
	usable4[0] = 0xf;
	return r;
}

/* Parse text (which must be clean), assign, check the return and output. */
static void expect_assign(const char *text, const struct manifest_resources *r, int nvalid,
			  const char *want)
{
	int n;

	parse(text);
	assert_string_equal(console_capture(), "");
	console_capture_reset();
	n = manifest_assign(&m, r);
	if (n != nvalid || strcmp(console_capture(), want) != 0)
		print_error("want (%d):\n%sgot (%d):\n%s", nvalid, want, n, console_capture());
	assert_int_equal(n, nvalid);
	assert_string_equal(console_capture(), want);
	assert_int_equal(m.nvalid, (uint32_t)nvalid);
}

#endif
