// SPDX-License-Identifier: MIT
/*
 * Unit tests for the issue-10 manifest keys (weight, class, power, gang,
 * latency, colocate, affinity, lpm, control, slice), the rules between
 * them, the [machine] section, accel cpus, plan_cores, and that a manifest
 * without any of them assigns and prints exactly as before.
 * Environment: hosted unit tests only (cmocka, ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/manifest.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"
#include "tests/unit/manifest_test.h"

#define P_OK "[partition p]\ncores = 1\nmemory = 2M\nkernel = k\n"
/* The line a bad value of an extra key (on line 5 after P_OK) prints. */
#define BAD5(kv, why) "manifest: line 5: " kv ": " why "; partition 'p' refused\n"

/* P_OK plus one line: must be accepted silently. */
static const struct manifest_part *ok(const char *line)
{
	char text[256];

	snprintf(text, sizeof(text), P_OK "%s\n", line);
	expect(text, 1, "");
	return &m.part[0];
}

/* P_OK plus one line: must print exactly want and refuse p. */
static void bad(const char *line, const char *want)
{
	char text[256];

	snprintf(text, sizeof(text), P_OK "%s\n", line);
	expect(text, 0, want);
	assert_false(m.part[0].valid);
}

static void test_defaults(void **state)
{
	(void)state;
	const struct manifest_part *p = ok("");

	assert_int_equal(p->weight, 1);
	assert_int_equal(p->cls, MANIFEST_CLASS_SLOW);
	assert_int_equal(p->power_w, 0);
	assert_false(p->gang);
	assert_int_equal(p->latency_us, 0);
	assert_int_equal(p->colocate, MANIFEST_COLOC_NONE);
	assert_int_equal(p->naff, 0);
	assert_false(p->lpm_dedicated);
	assert_false(p->control);
	assert_int_equal(p->slice_us, 0);
	assert_false(m.machine.present);
}

static void test_weight(void **state)
{
	(void)state;
	assert_int_equal(ok("weight = 1")->weight, 1);
	assert_int_equal(ok("weight = 2")->weight, 2);
	assert_int_equal(ok("weight = 256")->weight, 256);
	bad("weight = 0", BAD5("weight = '0'", "outside 1..256"));
	bad("weight = 257", BAD5("weight = '257'", "outside 1..256"));
	bad("weight = 99999999999999999999999",
	    BAD5("weight = '99999999999999999999999'", "outside 1..256"));
	bad("weight = two", BAD5("weight = 'two'", "not a whole number"));
	bad("weight = 2W", BAD5("weight = '2W'", "not a whole number"));
	bad("weight = -1", BAD5("weight = '-1'", "not a whole number"));
	bad("weight =", BAD5("weight = ''", "empty value"));
}

static void test_class(void **state)
{
	(void)state;
	assert_int_equal(ok("class = slow")->cls, MANIFEST_CLASS_SLOW);
	assert_int_equal(ok("class = fast")->cls, MANIFEST_CLASS_FAST);
	assert_int_equal(ok("class = any")->cls, MANIFEST_CLASS_ANY);
	assert_int_equal(ok("class = accel")->cls, MANIFEST_CLASS_ACCEL);
	assert_int_equal(ok("class = \"fast\"")->cls, MANIFEST_CLASS_FAST);
	bad("class = Fast", BAD5("class = 'Fast'", "want slow, fast, any or accel"));
	bad("class = medium", BAD5("class = 'medium'", "want slow, fast, any or accel"));
	bad("class = fast slow", BAD5("class = 'fast slow'", "want slow, fast, any or accel"));
}

static void test_power(void **state)
{
	(void)state;
	assert_int_equal(ok("power = 35")->power_w, 35);
	assert_int_equal(ok("power = 35W")->power_w, 35);
	assert_int_equal(ok("power = 1")->power_w, 1);
	assert_int_equal(ok("power = 100000W")->power_w, 100000);
	bad("power = 0", BAD5("power = '0'", "outside 1..100000"));
	bad("power = 0W", BAD5("power = '0W'", "outside 1..100000"));
	bad("power = 100001", BAD5("power = '100001'", "outside 1..100000"));
	bad("power = W", BAD5("power = 'W'", "not a whole number"));
	bad("power = 35 W", BAD5("power = '35 W'", "not a whole number"));
	bad("power = 35WW", BAD5("power = '35WW'", "not a whole number"));
	bad("power = 35kW", BAD5("power = '35kW'", "not a whole number"));
}

static void test_yes_no_keys(void **state)
{
	(void)state;
	assert_true(ok("gang = yes")->gang);
	assert_false(ok("gang = no")->gang);
	assert_true(ok("control = yes")->control);
	assert_false(ok("control = no")->control);
	bad("gang = true", BAD5("gang = 'true'", "want yes or no"));
	bad("gang = YES", BAD5("gang = 'YES'", "want yes or no"));
	bad("control = 1", BAD5("control = '1'", "want yes or no"));
	bad("control = yes no", BAD5("control = 'yes no'", "want yes or no"));
}

static void test_latency(void **state)
{
	(void)state;
	assert_int_equal(ok("latency = 500us")->latency_us, 500);
	assert_int_equal(ok("latency = 2ms")->latency_us, 2000);
	assert_int_equal(ok("latency = 1s")->latency_us, 1000000);
	assert_int_equal(ok("latency = 1us")->latency_us, 1);
	assert_int_equal(ok("latency = 10s")->latency_us, 10000000);
	assert_int_equal(ok("latency = 10000ms")->latency_us, 10000000);
	bad("latency = 0us", BAD5("latency = '0us'", "outside 1us..10s"));
	bad("latency = 11s", BAD5("latency = '11s'", "outside 1us..10s"));
	bad("latency = 10001ms", BAD5("latency = '10001ms'", "outside 1us..10s"));
	bad("latency = 99999999999999999999999s",
	    BAD5("latency = '99999999999999999999999s'", "outside 1us..10s"));
	bad("latency = 2", BAD5("latency = '2'", "not a time: want a number with us, ms or s"));
	bad("latency = 2 ms",
	    BAD5("latency = '2 ms'", "not a time: want a number with us, ms or s"));
	bad("latency = 2m", BAD5("latency = '2m'", "not a time: want a number with us, ms or s"));
	bad("latency = ms", BAD5("latency = 'ms'", "not a time: want a number with us, ms or s"));
	bad("latency = none",
	    BAD5("latency = 'none'", "not a time: want a number with us, ms or s"));
}

static void test_slice(void **state)
{
	(void)state;
	assert_int_equal(ok("slice = 1ms")->slice_us, 1000);
	assert_int_equal(ok("slice = 500us")->slice_us, 500);
	assert_int_equal(ok("slice = 50us")->slice_us, 50);
	assert_int_equal(ok("slice = 100ms")->slice_us, 100000);
	bad("slice = 49us", BAD5("slice = '49us'", "outside 50us..100ms"));
	bad("slice = 100001us", BAD5("slice = '100001us'", "outside 50us..100ms"));
	bad("slice = 1s", BAD5("slice = '1s'", "outside 50us..100ms"));
	bad("slice = 0ms", BAD5("slice = '0ms'", "outside 50us..100ms"));
	bad("slice = 1 ms", BAD5("slice = '1 ms'", "not a time: want a number with us, ms or s"));
}

static void test_colocate_and_lpm(void **state)
{
	(void)state;
	assert_int_equal(ok("colocate = none")->colocate, MANIFEST_COLOC_NONE);
	assert_int_equal(ok("colocate = socket")->colocate, MANIFEST_COLOC_SOCKET);
	assert_int_equal(ok("colocate = node")->colocate, MANIFEST_COLOC_NODE);
	bad("colocate = core", BAD5("colocate = 'core'", "want none, socket or node"));
	assert_true(ok("lpm = dedicated")->lpm_dedicated);
	assert_false(ok("lpm = shared")->lpm_dedicated);
	bad("lpm = own", BAD5("lpm = 'own'", "want shared or dedicated"));
}

static void test_affinity(void **state)
{
	(void)state;
	expect(P_OK "vcpus = 5\naffinity = 0-1:core, 2-3:socket, 4:node\n", 1, "");
	assert_int_equal(m.part[0].naff, 3);
	assert_int_equal(m.part[0].aff[0].first, 0);
	assert_int_equal(m.part[0].aff[0].count, 2);
	assert_int_equal(m.part[0].aff[0].level, MANIFEST_AFF_CORE);
	assert_int_equal(m.part[0].aff[1].first, 2);
	assert_int_equal(m.part[0].aff[1].count, 2);
	assert_int_equal(m.part[0].aff[1].level, MANIFEST_COLOC_SOCKET);
	assert_int_equal(m.part[0].aff[2].first, 4);
	assert_int_equal(m.part[0].aff[2].count, 1);
	assert_int_equal(m.part[0].aff[2].level, MANIFEST_COLOC_NODE);
	/* vcpus may come after affinity: checked when the section ends. */
	expect(P_OK "affinity = 63 : node\nvcpus = 64\n", 1, "");
	assert_int_equal(m.part[0].naff, 1);
	assert_int_equal(m.part[0].aff[0].first, 63);
	/* Eight groups are fine, nine are not. */
	expect(P_OK
	       "vcpus = 8\naffinity = 0:core,1:core,2:core,3:core,4:core,5:core,6:core,7:core\n",
	       1, "");
	assert_int_equal(m.part[0].naff, 8);
	bad("affinity = 0:core,1:core,2:core,3:core,4:core,5:core,6:core,7:core,8:core",
	    BAD5("affinity = '0:core,1:core,2:core,3:core,4:core,5:...'", "more than 8 groups"));

	bad("affinity = 0-1:core,1:node",
	    BAD5("affinity = '0-1:core,1:node'", "vCPU 1 is in two groups"));
	bad("affinity = 0-1", BAD5("affinity = '0-1'", "'0-1' is not vCPUS:LEVEL (0-1:core)"));
	bad("affinity = 0,1:core",
	    BAD5("affinity = '0,1:core'", "'0' is not vCPUS:LEVEL (0-1:core)"));
	bad("affinity = x:core",
	    BAD5("affinity = 'x:core'", "'x:core' is not vCPUS:LEVEL (0-1:core)"));
	bad("affinity = 0:core x",
	    BAD5("affinity = '0:core x'", "'0:core x' is not vCPUS:LEVEL (0-1:core)"));
	bad("affinity = 0:rack",
	    BAD5("affinity = '0:rack'", "level 'rack' is not core, socket or node"));
	bad("affinity = 0:", BAD5("affinity = '0:'", "level '' is not core, socket or node"));
	bad("affinity = 3-1:core", BAD5("affinity = '3-1:core'", "range 3-1 is backwards"));
	bad("affinity = 64:core",
	    BAD5("affinity = '64:core'", "vCPU 64 is beyond the limit of 64 vCPUs"));
	bad("affinity = 0:core,", BAD5("affinity = '0:core,'", "empty item in the affinity list"));
	bad("affinity = ,0:core", BAD5("affinity = ',0:core'", "empty item in the affinity list"));

	/* A range beyond vcpus - 1 is named, once, when the section ends. */
	expect(P_OK "vcpus = 2\naffinity = 0-1:core, 2-3:socket, 5:node\n", 0,
	       "manifest: partition 'p' (line 1): affinity names vCPUs 2-3 but vcpus = 2; "
	       "partition refused\n");
	expect(P_OK "affinity = 1:node\n", 0,
	       "manifest: partition 'p' (line 1): affinity names vCPU 1 but vcpus = 1; "
	       "partition refused\n");
	/* A bad vcpus value is reported by its own line only. */
	expect(P_OK "vcpus = 0\naffinity = 1:node\n", 0, BAD5("vcpus = '0'", "outside 1..64"));
}

static void test_gang_rules(void **state)
{
	(void)state;
	expect("[partition g]\ncores = 2\nmemory = 2M\nkernel = k\nvcpus = 2\ngang = yes\n", 1, "");
	expect("[partition g]\ncores = 1-2\nmemory = 2M\nkernel = k\ngang = yes\nvcpus = 3\n", 0,
	       "manifest: partition 'g' (line 1): gang scheduling needs a core per vCPU; vcpus 3 "
	       "> cores 2; partition refused\n");
	/* Without gang the extra vCPUs just time-share. */
	expect("[partition g]\ncores = 2\nmemory = 2M\nkernel = k\ngang = no\nvcpus = 3\n", 1, "");
	expect(P_OK "class = accel\ngang = yes\n", 0,
	       "manifest: partition 'p' (line 1): gang = yes with class = accel: accel cores "
	       "are time-shared; partition refused\n");
	/* Accel: one line, about the class, even with vcpus > cores. */
	expect(P_OK "class = accel\ngang = yes\nvcpus = 4\n", 0,
	       "manifest: partition 'p' (line 1): gang = yes with class = accel: accel cores "
	       "are time-shared; partition refused\n");
	expect(P_OK "class = accel\nlpm = dedicated\n", 1, "");
	assert_int_equal(m.part[0].cls, MANIFEST_CLASS_ACCEL);
	assert_true(m.part[0].lpm_dedicated);
	/* A refused value takes no part in the rules. */
	expect(P_OK "vcpus = 99\ngang = yes\n", 0, BAD5("vcpus = '99'", "outside 1..64"));
	expect(P_OK "gang = maybe\nvcpus = 3\n", 0, BAD5("gang = 'maybe'", "want yes or no"));
}

/* Issue 11: balloon, vcpus_min, balloon_wait and the rules between them. */
static void test_balloon_keys(void **state)
{
	(void)state;
	const struct manifest_part *p = ok("balloon = no");
	assert_false(p->balloon);
	assert_int_equal(p->vcpus_min, 0);
	assert_int_equal(p->balloon_wait_ms, 0);
	assert_true(ok("balloon = yes")->balloon);
	expect(P_OK "vcpus = 4\nballoon = yes\nvcpus_min = 2\nballoon_wait = 50ms\n", 1, "");
	assert_int_equal(m.part[0].vcpus_min, 2);
	assert_int_equal(m.part[0].balloon_wait_ms, 50);
	expect(P_OK "balloon = yes\nballoon_wait = 2s\n", 1, "");
	assert_int_equal(m.part[0].balloon_wait_ms, 2000);
	bad("balloon = maybe", BAD5("balloon = 'maybe'", "want yes or no"));
	bad("vcpus_min = 0", BAD5("vcpus_min = '0'", "outside 1..64"));
	bad("vcpus_min = 65", BAD5("vcpus_min = '65'", "outside 1..64"));
	bad("balloon_wait = 999us", BAD5("balloon_wait = '999us'", "outside 1ms..10s"));
	bad("balloon_wait = 11s", BAD5("balloon_wait = '11s'", "outside 1ms..10s"));
	/* Rules between keys. */
	expect(P_OK "vcpus = 2\nballoon = yes\nvcpus_min = 3\n", 0,
	       "manifest: partition 'p' (line 1): vcpus_min 3 > vcpus 2; partition refused\n");
	expect(P_OK "vcpus_min = 1\n", 0,
	       "manifest: partition 'p' (line 1): vcpus_min and balloon_wait need balloon = yes; "
	       "partition refused\n");
	expect(P_OK "balloon_wait = 10ms\nballoon = no\n", 0,
	       "manifest: partition 'p' (line 1): vcpus_min and balloon_wait need balloon = yes; "
	       "partition refused\n");
	expect("[partition p]\ncores = 1-2\nmemory = 2M\nkernel = k\nballoon = yes\n", 0,
	       "manifest: partition 'p' (line 1): balloon = yes needs a core count, not a list "
	       "(its cores change); partition refused\n");
	expect(P_OK "class = accel\nballoon = yes\n", 0,
	       "manifest: partition 'p' (line 1): balloon = yes with class = accel: accel cores "
	       "are time-shared; partition refused\n");
}

static void test_unknown_and_twice(void **state)
{
	(void)state;
	bad("priority = 3",
	    "manifest: line 5: unknown key 'priority' in partition 'p'; partition refused\n");
	bad("Weight = 3",
	    "manifest: line 5: unknown key 'Weight' in partition 'p'; partition refused\n");
	expect(P_OK "slice = 1ms\nslice = 2ms\n", 0,
	       "manifest: line 6: key 'slice' given twice in partition 'p'; partition refused\n");
	/* [machine] keys are not partition keys, and the other way round. */
	bad("fast = 1",
	    "manifest: line 5: unknown key 'fast' in partition 'p'; partition refused\n");
	expect("[machine]\nweight = 2\n" P_OK, 1,
	       "manifest: line 2: unknown key 'weight' in [machine] (ignored)\n");
	/* Problems in one partition leave the next alone. */
	expect("[partition a]\ncores = 1\nmemory = 2M\nkernel = k\nclass = huge\n" P_OK
	       "class = fast\n",
	       1,
	       "manifest: line 5: class = 'huge': want slow, fast, any or accel; partition 'a' "
	       "refused\n");
	assert_int_equal(m.part[1].cls, MANIFEST_CLASS_FAST);
}

static void test_machine(void **state)
{
	(void)state;
	expect("# the board\n[machine]\nfast = 1-2\naccel = 5-6\nslow_watts = 5\nfast_watts = 15\n"
	       "accel_watts = 10000\n" P_OK,
	       1, "");
	assert_true(m.machine.present);
	assert_int_equal(m.machine.line, 2);
	assert_int_equal(m.machine.fast[0], 0x06);
	assert_int_equal(m.machine.accel[0], 0x60);
	for (int w = 1; w < MANIFEST_MASK_WORDS; w++)
		assert_int_equal(m.machine.fast[w] | m.machine.accel[w], 0);
	assert_int_equal(m.machine.watts[MANIFEST_CLASS_SLOW], 5);
	assert_int_equal(m.machine.watts[MANIFEST_CLASS_FAST], 15);
	assert_int_equal(m.machine.watts[MANIFEST_CLASS_ACCEL], 10000);
	assert_int_equal(m.machine.watts[MANIFEST_CLASS_ANY], 0);
	/* After the partitions, with blanks in the header, cpus past 64. */
	expect(P_OK "[ machine ]\naccel = 64-65, 1023\n", 1, "");
	assert_int_equal(m.machine.line, 5);
	assert_int_equal(m.machine.accel[0], 0);
	assert_int_equal(m.machine.accel[1], 0x3);
	assert_int_equal(m.machine.accel[15], 1ull << 63);
	/* Only [machine]: still no partitions. */
	expect("[machine]\nfast = 1\n", 0, "manifest: no partitions declared\n");
	assert_true(m.machine.present);
}

static void test_machine_errors(void **state)
{
	(void)state;
	/* Each costs its key only; the partition and the other keys stand. */
	expect("[machine]\n"
	       "fast = 0-2\n"
	       "accel = 2-3\n"
	       "fast = 2\n"
	       "slow_watts = 0\n"
	       "fast_watts = 10001\n"
	       "accel_watts = 9W\n"
	       "colour = red\n"
	       "junk\n"
	       "accel = 4\n" P_OK,
	       1,
	       "manifest: line 2: fast = '0-2': cpu 0 runs the Global Partition Manager "
	       "(ignored)\n"
	       "manifest: line 4: key 'fast' given twice in [machine] (ignored)\n"
	       "manifest: line 5: slow_watts = '0': outside 1..10000 (ignored)\n"
	       "manifest: line 6: fast_watts = '10001': outside 1..10000 (ignored)\n"
	       "manifest: line 7: accel_watts = '9W': not a whole number (ignored)\n"
	       "manifest: line 8: unknown key 'colour' in [machine] (ignored)\n"
	       "manifest: line 9: expected 'key = value', got 'junk' (ignored)\n"
	       "manifest: line 10: key 'accel' given twice in [machine] (ignored)\n");
	assert_true(m.machine.present);
	assert_int_equal(m.machine.fast[0], 0);
	assert_int_equal(m.machine.accel[0], 0x0c);
	assert_int_equal(m.machine.watts[MANIFEST_CLASS_SLOW], 0);
	assert_true(m.part[0].valid);
	/* The same cpu in both lists, either order. */
	expect("[machine]\nfast = 1-3\naccel = 3-4\n" P_OK, 1,
	       "manifest: line 3: accel = '3-4': cpu 3 is also in fast (ignored)\n");
	assert_int_equal(m.machine.fast[0], 0x0e);
	assert_int_equal(m.machine.accel[0], 0);
	expect("[machine]\naccel = 70\nfast = 1,70\n" P_OK, 1,
	       "manifest: line 3: fast = '1,70': cpu 70 is also in accel (ignored)\n");
	assert_int_equal(m.machine.accel[1], 1ull << 6);
	assert_int_equal(m.machine.fast[0], 0);
	expect("[machine]\nfast = 3-1\naccel =\n" P_OK, 1,
	       "manifest: line 2: fast = '3-1': range 3-1 is backwards (ignored)\n"
	       "manifest: line 3: accel = '': empty value (ignored)\n");
	/* A second [machine] is ignored with its keys; the first one stands. */
	expect("[machine]\nfast = 1\n" P_OK "[machine]\nfast = 2\nbogus\n", 1,
	       "manifest: line 7: second [machine] section (the first is on line 1); section "
	       "ignored\n");
	assert_int_equal(m.machine.fast[0], 0x02);
	expect("[machine big]\nfast = 2\n" P_OK, 1,
	       "manifest: line 1: [machine] takes no name, got 'big'; section ignored\n");
	assert_false(m.machine.present);
	/* "[machines]" is not [machine]. */
	expect("[machines]\n" P_OK, 1,
	       "manifest: line 1: unknown section type 'machines' (only [partition NAME] or "
	       "[machine]); section ignored\n");
	/* A [machine] after 64 partitions is still read. */
	static char text[70 * 64];
	size_t pos = 0;
	for (int i = 0; i < 65; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos,
					"[partition p%d]\ncores = 1\nmemory = 2M\nkernel = k\n", i);
	snprintf(text + pos, sizeof(text) - pos, "[machine]\nfast = 9\n");
	expect(text, 64,
	       "manifest: line 257: partition 'p64' refused: more than 64 partitions (it and "
	       "any later ones are ignored)\n");
	assert_true(m.machine.present);
	assert_int_equal(m.machine.fast[0], 1ull << 9);
}

/* ---- assignment ---- */

static const char *const mods[] = { "a.elf", "b.elf", "c.elf", NULL };
static uint64_t usable[CONFIG_MAX_CPUS / 64];

static struct manifest_resources res(uint32_t ncpus, bool plan)
{
	struct manifest_resources r = { .ncpus = ncpus,
					.cpu_usable_mask = usable,
					.mem_free_bytes = 2ull << 30,
					.module_exists = have_module,
					.ctx = (void *)mods,
					.plan_cores = plan };
	memset(usable, 0, sizeof(usable));
	for (uint32_t c = 0; c < ncpus; c++)
		usable[c / 64] |= 1ull << (c % 64);
	return r;
}

#define PART(name, cores, kernel) \
	"[partition " name "]\ncores = " cores "\nmemory = 2M\nkernel = " kernel "\n"
#define MACHINE "[machine]\nfast = 1-2\naccel = 5-6\n"

/* Today's rules, unchanged: counts take the lowest free cores, in order. */
static void test_assign_as_before(void **state)
{
	static const char *const heads[] = { "", "[machine]\nslow_watts = 4\nfast = 1-2\n" };
	static const char base[] = PART("a", "2", "a.elf") PART("b", "3-4", "b.elf")
		PART("c", "2", "c.elf") "vcpus = 3\n" PART("d", "1", "a.elf");
	char text[512], want[128];

	(void)state;
	/* No [machine], or one without accel cpus: bit for bit the same. */
	for (size_t h = 0; h < 2; h++) {
		struct manifest_resources r = res(8, false);
		uint32_t d_line = 14 + 3 * (uint32_t)h; /* the [machine] head is 3 lines */

		snprintf(text, sizeof(text), "%s%s", heads[h], base);
		expect_assign(text, &r, 4, "");
		assert_int_equal(m.part[0].core_mask[0], 0x06);
		assert_int_equal(m.part[1].core_mask[0], 0x18);
		assert_int_equal(m.part[2].core_mask[0], 0x60);
		assert_int_equal(m.part[3].core_mask[0], 0x80);
		for (uint32_t i = 0; i < 4; i++)
			for (int w = 1; w < MANIFEST_MASK_WORDS; w++)
				assert_int_equal(m.part[i].core_mask[w], 0);
		r = res(7, false);
		snprintf(want, sizeof(want),
			 "manifest: partition 'd' (line %u): asks for 1 core, only 0 are free; "
			 "partition refused\n",
			 d_line);
		expect_assign(text, &r, 3, want);
	}
	/* The partition lines print as before: no new keys, no machine line. */
	struct manifest_resources r = res(8, false);
	expect_assign(base, &r, 4, "");
	manifest_print(&m);
	assert_string_equal(console_capture(),
			    "manifest: partition 'a' cores=1-2 memory=2 MiB kernel=a.elf vcpus=1 "
			    "cmdline=\"\"\n"
			    "manifest: partition 'b' cores=3-4 memory=2 MiB kernel=b.elf vcpus=1 "
			    "cmdline=\"\"\n"
			    "manifest: partition 'c' cores=5-6 memory=2 MiB kernel=c.elf vcpus=3 "
			    "cmdline=\"\"\n"
			    "manifest: partition 'd' cores=7 memory=2 MiB kernel=a.elf vcpus=1 "
			    "cmdline=\"\"\n");
}

static void test_assign_skips_accel(void **state)
{
	struct manifest_resources r = res(8, false);

	(void)state;
	/* Counts step over the accel cpus 5-6; a list may not name them. */
	expect_assign(MACHINE PART("a", "3", "a.elf") PART("b", "1", "b.elf")
			      PART("c", "6-7", "c.elf") PART("d", "1", "a.elf")
				      PART("e", "1", "b.elf"),
		      &r, 3,
		      "manifest: partition 'c' (line 12): core 6 is an accel cpu (only for class = "
		      "accel); partition refused\n"
		      "manifest: partition 'e' (line 20): asks for 1 core, only 0 are free; "
		      "partition refused\n");
	assert_int_equal(m.part[0].core_mask[0], 0x0e);
	assert_int_equal(m.part[1].core_mask[0], 0x10);
	assert_int_equal(m.part[3].core_mask[0], 0x80);
}

static void test_assign_accel_shared(void **state)
{
	struct manifest_resources r = res(8, false);

	(void)state;
	/* Two accel partitions share 5-6; slow ones still get 1, 2, ... */
	expect_assign(MACHINE PART("x", "2", "a.elf") "class = accel\n" PART("s", "2", "b.elf")
			      PART("y", "1", "c.elf") "class = accel\n" PART(
				      "z", "6-6", "a.elf") "class = accel\n" PART("t", "1",
										  "b.elf"),
		      &r, 5, "");
	assert_int_equal(m.part[0].core_mask[0], 0x60);
	assert_int_equal(m.part[1].core_mask[0], 0x06);
	assert_int_equal(m.part[2].core_mask[0], 0x20);
	assert_int_equal(m.part[3].core_mask[0], 0x40);
	assert_int_equal(m.part[4].core_mask[0], 0x08);
	/* Too few usable accel cpus (6 offline), a list outside accel, no accel at all. */
	usable[0] &= ~(1ull << 6);
	expect_assign(
		MACHINE PART("x", "2", "a.elf") "class = accel\n" PART(
			"y", "4-5",
			"b.elf") "class = accel\n" PART("z", "5-5",
							"c.elf") "class = accel\n" PART("w", "6-6",
											"a.elf") "class = accel\n",
		&r, 1,
		"manifest: partition 'x' (line 4): asks for 2 accel cores, only 1 is "
		"usable; partition refused\n"
		"manifest: partition 'y' (line 9): core 4 is not a [machine] accel cpu; "
		"partition refused\n"
		"manifest: partition 'w' (line 19): core 6 does not exist or is not online; "
		"partition refused\n");
	assert_int_equal(m.part[2].core_mask[0], 0x20);
	r = res(8, false);
	expect_assign(PART("x", "1", "a.elf") "class = accel\n", &r, 0,
		      "manifest: partition 'x' (line 1): asks for 1 accel core, only 0 are usable; "
		      "partition refused\n");
	/* The same holds with plan_cores: accel counts are filled either way. */
	r = res(8, true);
	expect_assign(MACHINE PART("x", "2", "a.elf") "class = accel\n" PART(
			      "y", "1", "b.elf") "class = accel\n",
		      &r, 2, "");
	assert_int_equal(m.part[0].core_mask[0], 0x60);
	assert_int_equal(m.part[1].core_mask[0], 0x20);
}

static void test_assign_plan_cores(void **state)
{
	struct manifest_resources r = res(8, true);

	(void)state;
	/* Counts stay empty for the planner, even ones larger than the machine. */
	expect_assign(MACHINE PART("a", "2", "a.elf") PART("b", "3-4", "b.elf")
			      PART("c", "20", "c.elf") "vcpus = 30\n" PART("d", "4,7", "a.elf")
				      PART("e", "0-1", "b.elf") PART("f", "5-5", "c.elf")
					      PART("g", "9-9", "a.elf") PART("h", "7-7", "b.elf"),
		      &r, 4,
		      "manifest: partition 'd' (line 17): core 4 is already in partition 'b'; "
		      "partition refused\n"
		      "manifest: partition 'e' (line 21): core 0 is reserved for the hypervisor; "
		      "partition refused\n"
		      "manifest: partition 'f' (line 25): core 5 is an accel cpu (only for class = "
		      "accel); partition refused\n"
		      "manifest: partition 'g' (line 29): core 9 does not exist or is not online; "
		      "partition refused\n");
	assert_int_equal(m.part[0].core_mask[0], 0);
	assert_int_equal(m.part[1].core_mask[0], 0x18);
	assert_int_equal(m.part[2].core_mask[0], 0);
	assert_int_equal(m.part[7].core_mask[0], 0x80);
	assert_true(m.part[7].valid);
	/* Memory and modules are still checked. */
	r.mem_free_bytes = 2ull << 20;
	expect_assign(
		PART("a", "2", "nope.elf") PART("b", "2", "b.elf") PART("c", "1", "c.elf"), &r, 1,
		"manifest: partition 'a' (line 1): kernel module 'nope.elf' not found among "
		"the boot modules; partition refused\n"
		"manifest: partition 'c' (line 9): asks for 2 MiB, only 0 MiB left; partition "
		"refused\n");
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(
		console_capture(),
		"manifest: partition 'b' cores=2 (unassigned) memory=2 MiB kernel=b.elf "
		"vcpus=1 cmdline=\"\"\n");
}

static void test_print_keys_lines(void **state)
{
	struct manifest_resources r = res(8, false);

	(void)state;
	expect_assign(
		MACHINE "slow_watts = 5\nfast_watts = 15\n" PART(
			"x", "1",
			"a.elf") "weight = 2\nclass = accel\nlpm = dedicated\ncontrol = yes\nslice = 200us\n"
				 "cmdline = go\n" PART(
					 "y", "1",
					 "b.elf") "vcpus = 4\npower = 35W\ngang = no\nlatency = 2000us\ncolocate = socket\n"
						  "affinity = 0-1:core,2:socket,3:node\nclass = fast\nslice = 1000us\n" PART(
							  "z", "1",
							  "c.elf") "weight = 1\nclass = slow\nlpm = shared\n"
								   "control = no\ngang = yes\nlatency = 1s\n",
		&r, 3, "");
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(console_capture(),
			    "manifest: machine fast=1-2 accel=5-6 watts slow=5 fast=15\n"
			    "manifest: partition 'x' cores=5 memory=2 MiB kernel=a.elf vcpus=1 "
			    "weight=2 class=accel lpm=dedicated control=yes slice=200us "
			    "cmdline=\"go\"\n"
			    "manifest: partition 'y' cores=1 memory=2 MiB kernel=b.elf vcpus=4 "
			    "class=fast power=35W latency=2ms colocate=socket "
			    "affinity=0-1:core,2:socket,3:node slice=1ms cmdline=\"\"\n"
			    "manifest: partition 'z' cores=2 memory=2 MiB kernel=c.elf vcpus=1 "
			    "gang=yes latency=1s cmdline=\"\"\n");
	/* A machine with no lists and no watts still says so; no valid partitions. */
	parse("[machine]\n");
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(console_capture(), "manifest: machine fast=none accel=none\n"
					       "manifest: no valid partitions\n");
}

/* The last example of docs/manifest.md, as written there. */
static void test_doc_example(void **state)
{
	static const char *const doc_mods[] = { "svc.elf", "train.elf", "infer.elf", NULL };
	static const char text[] =
		"[machine]\n"
		"fast = 1-2\n"
		"accel = 5-6\n"
		"slow_watts = 5\n"
		"fast_watts = 15\n"
		"accel_watts = 40\n"
		"\n"
		"[partition svc]\n"
		"cores = 1-2\n"
		"memory = 256M\n"
		"kernel = svc.elf\n"
		"vcpus = 2\n"
		"class = fast\n"
		"gang = yes                 # both vCPUs at once: 2 vCPUs on 2 cores\n"
		"latency = 500us\n"
		"lpm = dedicated            # its LPM gets one more free core of its own\n"
		"control = yes\n"
		"\n"
		"[partition train]\n"
		"cores = 2                  # the accel cpus 5 and 6, shared with 'infer'\n"
		"memory = 1G\n"
		"kernel = train.elf\n"
		"vcpus = 4                  # four vCPUs time-share two cores\n"
		"class = accel\n"
		"weight = 2\n"
		"slice = 1ms\n"
		"affinity = 0-1:core, 2-3:core\n"
		"\n"
		"[partition infer]\n"
		"cores = 1\n"
		"memory = 128M\n"
		"kernel = infer.elf\n"
		"class = accel\n"
		"power = 40W\n";
	struct manifest_resources r = res(8, false);

	(void)state;
	r.ctx = (void *)doc_mods;
	expect_assign(text, &r, 3, "");
	manifest_print(&m);
	assert_string_equal(
		console_capture(),
		"manifest: machine fast=1-2 accel=5-6 watts slow=5 fast=15 accel=40\n"
		"manifest: partition 'svc' cores=1-2 memory=256 MiB kernel=svc.elf "
		"vcpus=2 class=fast gang=yes latency=500us lpm=dedicated control=yes "
		"cmdline=\"\"\n"
		"manifest: partition 'train' cores=5-6 memory=1024 MiB kernel=train.elf "
		"vcpus=4 weight=2 class=accel affinity=0-1:core,2-3:core slice=1ms "
		"cmdline=\"\"\n"
		"manifest: partition 'infer' cores=5 memory=128 MiB kernel=infer.elf "
		"vcpus=1 class=accel power=40W cmdline=\"\"\n");
}

static void test_value_grammar_api(void **state)
{
	struct manifest_affinity aff[MANIFEST_AFF_MAX] = { { 7, 7, 7 } };
	uint8_t naff = 9;
	uint32_t v = 7;
	char why[64], buf[16];

	(void)state;
	assert_int_equal(manifest_parse_uint("12", 1, 20, 0, &v, why, sizeof(why)), 0);
	assert_int_equal(v, 12);
	assert_int_equal(manifest_parse_uint("12W", 1, 20, 0, &v, why, sizeof(why)), -E_INVAL);
	assert_int_equal(manifest_parse_uint("21", 1, 20, 0, &v, why, sizeof(why)), -E_RANGE);
	assert_string_equal(why, "outside 1..20");
	assert_int_equal(v, 12); /* untouched on failure */
	assert_int_equal(manifest_parse_us("3ms", 1, 5000, &v, why, sizeof(why)), 0);
	assert_int_equal(v, 3000);
	assert_int_equal(manifest_parse_us("6ms", 1, 5000, &v, why, sizeof(why)), -E_RANGE);
	assert_string_equal(why, "outside 1us..5ms");
	assert_int_equal(manifest_parse_us("4295s", 1, 4294000000u, &v, why, sizeof(why)),
			 -E_RANGE);
	assert_int_equal(manifest_parse_us("5", 1, 5000, &v, why, sizeof(why)), -E_INVAL);
	assert_int_equal(v, 3000);
	assert_int_equal(manifest_parse_affinity("1:core,2:x", aff, &naff, why, sizeof(why)),
			 -E_INVAL);
	assert_int_equal(naff, 9);
	assert_int_equal(aff[0].first, 7);
	assert_int_equal(manifest_parse_affinity("65:core", aff, &naff, why, sizeof(why)),
			 -E_RANGE);
	assert_int_equal(manifest_parse_affinity(" 1 - 2 : socket ", aff, &naff, why, sizeof(why)),
			 0);
	assert_int_equal(naff, 1);
	assert_int_equal(aff[0].first, 1);
	assert_int_equal(aff[0].count, 2);
	assert_int_equal(aff[0].level, MANIFEST_COLOC_SOCKET);
	manifest_format_us(0, buf, sizeof(buf));
	assert_string_equal(buf, "0us");
	manifest_format_us(1500, buf, sizeof(buf));
	assert_string_equal(buf, "1500us");
	manifest_format_us(4000000000u, buf, sizeof(buf));
	assert_string_equal(buf, "4000s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_class),
		cmocka_unit_test(test_power),
		cmocka_unit_test(test_yes_no_keys),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_slice),
		cmocka_unit_test(test_colocate_and_lpm),
		cmocka_unit_test(test_affinity),
		cmocka_unit_test(test_gang_rules),
		cmocka_unit_test(test_balloon_keys),
		cmocka_unit_test(test_unknown_and_twice),
		cmocka_unit_test(test_machine),
		cmocka_unit_test(test_machine_errors),
		cmocka_unit_test(test_assign_as_before),
		cmocka_unit_test(test_assign_skips_accel),
		cmocka_unit_test(test_assign_accel_shared),
		cmocka_unit_test(test_assign_plan_cores),
		cmocka_unit_test(test_print_keys_lines),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_value_grammar_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
