// SPDX-License-Identifier: MIT
/*
 * Fuzz harness for the partition manifest: manifest_parse() on the input
 * bytes as the manifest text, then manifest_assign() of the result against
 * three machines, checking after each step the promises core/manifest.h
 * makes about what a valid partition looks like.
 * Environment: hosted fuzz harness (clang -fsanitize=fuzzer,address,undefined).
 *
 * The input is plain manifest text, so the seeds are ordinary manifests.
 * The machines are fixed rather than read from the input for the same
 * reason, and they cover what the assignment code branches on: more cpus
 * than CONFIG_MAX_CPUS (clamping), a small machine with an offline cpu and
 * a missing module, and a machine with nothing to give.
 */
#include <stdbool.h>
#include <string.h>

#include "core/manifest.h"
#include "tests/fuzz/fuzz.h"

#define BIG_CPUS   2048 /* above CONFIG_MAX_CPUS: manifest_assign must clamp */
#define BIG_WORDS  (BIG_CPUS / 64)
#define SMALL_MASK 0xbeull /* cpus 1-5 and 7 online; 6 offline (0 never given) */

struct machine {
	uint32_t ncpus;
	const uint64_t *usable;
	uint64_t mem;
	int modules; /* 0: none exist, 1: all exist, 2: all but names starting "no" */
};

static uint64_t all_ones[BIG_WORDS];
static const uint64_t small_mask[1] = { SMALL_MASK };
static const uint64_t no_cpu[1] = { 0 };

static bool module_exists(const char *name, void *ctx)
{
	const struct machine *mc = ctx;

	FUZZ_CHECK(name != NULL && strlen(name) < MANIFEST_MODULE_MAX);
	if (mc->modules == 2)
		return strncmp(name, "no", 2) != 0;
	return mc->modules == 1;
}

static uint32_t popcount(const uint64_t *mask)
{
	uint32_t n = 0;

	for (uint32_t w = 0; w < MANIFEST_MASK_WORDS; w++)
		n += (uint32_t)__builtin_popcountll(mask[w]);
	return n;
}

static bool mask_test(const uint64_t *mask, uint32_t cpu)
{
	return (mask[cpu / 64] >> (cpu % 64)) & 1;
}

static bool str_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

/* What manifest_parse() promises for every entry and every valid one. */
static void check_parsed(const struct manifest *m, int rc)
{
	uint32_t nvalid = 0;

	FUZZ_CHECK(rc >= 0 && m->nparts <= MANIFEST_MAX_PARTS);
	for (uint32_t i = 0; i < m->nparts; i++) {
		const struct manifest_part *p = &m->part[i];
		size_t n;

		FUZZ_CHECK(str_ok(p->name, sizeof(p->name)) &&
			   str_ok(p->kernel, sizeof(p->kernel)) &&
			   str_ok(p->cmdline, sizeof(p->cmdline)));
		n = strlen(p->name);
		FUZZ_CHECK(n >= 1 && n < MANIFEST_NAME_MAX && p->line >= 1);
		FUZZ_CHECK(popcount(p->core_mask) == 0);
		/* module = lines: packed strings, each a non-empty first word. */
		FUZZ_CHECK(p->nmods <= MANIFEST_MODS_MAX);
		for (uint32_t k = 0, at = 0; k < p->nmods; k++) {
			char name[MANIFEST_MODULE_MAX];

			FUZZ_CHECK(p->mod_off[k] == at && at < MANIFEST_MODTEXT_MAX);
			FUZZ_CHECK(str_ok(p->mod_text + at, MANIFEST_MODTEXT_MAX - at));
			FUZZ_CHECK(manifest_module_name(p, k, name)[0] > ' ');
			at += (uint32_t)strlen(p->mod_text + at) + 1;
		}
		if (!p->valid)
			continue;
		nvalid++;
		FUZZ_CHECK(p->ncores_req >= 1 && p->ncores_req <= CONFIG_MAX_CPUS);
		FUZZ_CHECK(p->vcpus >= 1 && p->vcpus <= MANIFEST_MAX_VCPUS);
		FUZZ_CHECK(!p->gang || p->vcpus <= p->ncores_req);
		FUZZ_CHECK(p->mem_bytes >= MiB(2) && p->mem_bytes % MiB(2) == 0);
		FUZZ_CHECK(p->kernel[0] != '\0' && !strpbrk(p->kernel, " \t\r"));
		if (p->cores_listed)
			FUZZ_CHECK(popcount(p->core_list) == p->ncores_req);
		else
			FUZZ_CHECK(popcount(p->core_list) == 0);
		/* Valid names are unique: a duplicate is refused. */
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(!m->part[j].valid || strcmp(m->part[j].name, p->name) != 0);
	}
	FUZZ_CHECK(nvalid == m->nvalid && (int)nvalid == rc);
}

/* What manifest_assign() promises: disjoint usable cores, memory that fits. */
static void check_assigned(const struct manifest *before, const struct manifest *m,
			   const struct machine *mc, int rc)
{
	uint64_t taken[MANIFEST_MASK_WORDS] = { 0 }, mem = 0;
	uint32_t ncpus = mc->ncpus < CONFIG_MAX_CPUS ? mc->ncpus : CONFIG_MAX_CPUS, nvalid = 0;

	FUZZ_CHECK(rc >= 0 && m->nparts == before->nparts);
	for (uint32_t i = 0; i < m->nparts; i++) {
		const struct manifest_part *p = &m->part[i];

		/* Assignment can refuse a partition, never revive one. */
		FUZZ_CHECK(!p->valid || before->part[i].valid);
		if (!p->valid) {
			FUZZ_CHECK(popcount(p->core_mask) == 0);
			continue;
		}
		nvalid++;
		FUZZ_CHECK(popcount(p->core_mask) == p->ncores_req);
		for (uint32_t c = 0; c < CONFIG_MAX_CPUS; c++) {
			if (!mask_test(p->core_mask, c))
				continue;
			FUZZ_CHECK(c != 0 && c < ncpus && mask_test(mc->usable, c));
			FUZZ_CHECK(!mask_test(taken, c));
			FUZZ_CHECK(!p->cores_listed || mask_test(p->core_list, c));
		}
		for (uint32_t w = 0; w < MANIFEST_MASK_WORDS; w++)
			taken[w] |= p->core_mask[w];
		FUZZ_CHECK(!__builtin_add_overflow(mem, p->mem_bytes, &mem) && mem <= mc->mem);
	}
	FUZZ_CHECK(nvalid == m->nvalid && (int)nvalid == rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct manifest parsed, m;
	const struct machine machines[] = {
		{ BIG_CPUS, all_ones, UINT64_MAX, 1 },
		{ 8, small_mask, MiB(256), 2 },
		{ 1, no_cpu, 0, 0 },
	};
	char *text;
	int rc;

	if (!all_ones[0])
		memset(all_ones, 0xff, sizeof(all_ones));
	/* An exact-size copy, so ASan sees any read past len. */
	text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	rc = manifest_parse(text, size, &parsed);
	check_parsed(&parsed, rc);
	manifest_print(&parsed);
	for (size_t k = 0; k < sizeof(machines) / sizeof(machines[0]); k++) {
		struct manifest_resources r = {
			.ncpus = machines[k].ncpus,
			.cpu_usable_mask = machines[k].usable,
			.mem_free_bytes = machines[k].mem,
			.module_exists = module_exists,
			.ctx = (void *)&machines[k],
		};

		memcpy(&m, &parsed, sizeof(m));
		rc = manifest_assign(&m, &r);
		check_assigned(&parsed, &m, &machines[k], rc);
		manifest_print(&m);
	}
	free(text);
	return 0;
}
