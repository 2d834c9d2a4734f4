// SPDX-License-Identifier: MIT
/*
 * Property test for gpm_replan()'s index: on random topologies and
 * workloads (groups, colocate, classes, shared LPM, ncores, pins, destroys,
 * cores changing class), its result must equal a straightforward reference
 * kept here: the old re-plan's shape (pinned cores reserved, then the next
 * partition by creation order found by scanning every slot, O(P^2)), each
 * partition placed by gpm_create() on a fresh copy of the cores, which scans
 * the whole core array for every pick and uses none of the index.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "sched/gpm.h"
#include "tests/unit/fake_console.h"

#define MAXC	 192
#define MAXP	 24
#define RESERVED INT32_MAX

static struct gpm_core cores[MAXC], ref_cores[MAXC];
static struct gpm_part parts[MAXP], ref_parts[MAXP];
static struct gpm g, ref;

static uint32_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* The reference plan of g's live partitions in ref / ref_cores / ref_parts. */
static int reference(void)
{
	bool tmp[MAXP];

	memcpy(ref_cores, cores, sizeof(cores));
	memset(ref_parts, 0, sizeof(ref_parts));
	ref = g;
	ref.cores = ref_cores;
	ref.parts = ref_parts;
	ref.first = ref.last = 0;
	for (uint32_t i = 0; i < g.ncores; i++) {
		struct gpm_core *c = &ref_cores[i];
		bool pinned = c->pinned;

		if (c->owner >= 0 && (uint32_t)c->owner < g.nparts_max) {
			c->owner = pinned ? RESERVED : -1;
			c->lpm = false;
			c->aff = 0;
			c->pinned = false;
		}
	}
	for (bool have_prev = false, more = true; more;) {
		static uint64_t prev;
		uint32_t s = 0;

		more = false;
		for (uint32_t i = 0; i < g.nparts_max; i++) {
			if (!parts[i].live || (have_prev && parts[i].seq <= prev))
				continue;
			if (!more || parts[i].seq < parts[s].seq)
				s = i;
			more = true;
		}
		if (!more)
			break;
		have_prev = true;
		prev = parts[s].seq;

		struct gpm_request r = parts[s].req;
		uint64_t pin[(MAXC + 63) / 64] = { 0 };
		if (parts[s].pinned) {
			for (uint32_t i = 0; i < g.ncores; i++) {
				if (cores[i].pinned && cores[i].owner == (int32_t)s) {
					pin[i / 64] |= 1ull << (i % 64);
					ref_cores[i].owner = -1;
				}
			}
			r.pin = pin;
		}
		for (uint32_t j = 0; j < s; j++) {
			tmp[j] = !ref_parts[j].live;
			ref_parts[j].live = true;
		}
		uint32_t out = 0xdead;
		int err = gpm_create(&ref, &r, &out);
		for (uint32_t j = 0; j < s; j++)
			ref_parts[j].live = !tmp[j];
		if (err)
			return err;
		assert_int_equal(out, s);
	}
	return 0;
}

static struct gpm_request random_req(void)
{
	struct gpm_request r = { .vcpus = 1 + rnd(6), .weight = 1 };

	r.colocate = (uint8_t)rnd(3);
	r.cls = (uint8_t)(rnd(3) ? 0 : rnd(2) ? GPM_CLS_FAST : GPM_REQ_ANY);
	r.lpm_shared = rnd(5) == 0;
	r.share_core = rnd(6) == 0;
	r.power_w = rnd(5) == 0 ? 20 + rnd(80) : 0;
	if (!r.share_core && rnd(4) == 0)
		r.ncores = 1 + rnd(r.vcpus + 1);
	for (uint32_t cur = 0; r.ngroups < 3 && rnd(3) == 0;) {
		uint32_t first = cur + rnd(2), count = 1 + rnd(3);
		uint8_t level = (uint8_t)(1 + rnd(3));

		if (level == GPM_AFF_CORE)
			count = r.share_core ? 1 + rnd(2) : 1;
		if (first + count > r.vcpus)
			break;
		r.groups[r.ngroups++] = (struct gpm_affinity){ first, count, level };
		cur = first + count;
	}
	return r;
}

static void compare(void)
{
	for (uint32_t i = 0; i < g.ncores; i++) {
		assert_int_equal(cores[i].owner, ref_cores[i].owner);
		assert_int_equal(cores[i].lpm, ref_cores[i].lpm);
		assert_int_equal(cores[i].aff, ref_cores[i].aff);
		assert_int_equal(cores[i].pinned, ref_cores[i].pinned);
	}
	for (uint32_t p = 0; p < g.nparts_max; p++) {
		if (!parts[p].live)
			continue;
		assert_int_equal(parts[p].lpm_core, ref_parts[p].lpm_core);
		assert_int_equal(parts[p].ncores, ref_parts[p].ncores);
	}
}

static void test_replan_matches_reference(void **state)
{
	(void)state;
	uint32_t replans = 0, agreed_fail = 0, pinned_seen = 0;

	for (uint32_t seed = 1; seed <= 300; seed++) {
		rnd_state = seed * 2654435761u;
		uint32_t nsock = 1 + rnd(6), per = 1 + rnd(24), div = 1 + rnd(3);
		bool odd_nodes = rnd(4) == 0; /* sockets spanning nodes */
		if (nsock * per > MAXC)
			per = MAXC / nsock;
		memset(cores, 0, sizeof(cores));
		memset(parts, 0, sizeof(parts));
		for (uint32_t i = 0; i < nsock * per; i++) {
			/* Sockets interleaved sometimes: runs are not index ranges. */
			cores[i].socket = rnd(4) == 0 ? i % nsock : i / per;
			cores[i].node = odd_nodes ? rnd(3) : cores[i].socket / div;
			cores[i].cls = (uint8_t)(rnd(5) == 0 ? GPM_CLS_FAST : rnd(12) == 0 ? 2 : 0);
			cores[i].owner = -1;
		}
		g = (struct gpm){ .cores = cores,
				  .ncores = nsock * per,
				  .parts = parts,
				  .nparts_max = 1 + rnd(MAXP),
				  .core_watts = rnd(2) ? 10 : 0 };
		g.class_watts[GPM_CLS_FAST] = rnd(2) ? 25 : 0;
		for (int step = 0; step < 60; step++) {
			uint32_t op = rnd(10), out;

			console_capture_reset();
			if (op < 5) {
				struct gpm_request r = random_req();
				uint64_t pin[(MAXC + 63) / 64] = { 0 };
				if (rnd(3) == 0 && !r.ngroups && !r.colocate && !r.share_core) {
					for (uint32_t k = 1 + rnd(3); k-- > 0;) {
						uint32_t i = rnd(g.ncores);
						pin[i / 64] |= 1ull << (i % 64);
					}
					r.ncores = 0;
					r.pin = pin;
				}
				if (gpm_create(&g, &r, &out) == 0)
					pinned_seen += r.pin != NULL;
			} else if (op < 7) {
				gpm_destroy(&g, rnd(g.nparts_max));
			} else if (op < 8) {
				uint32_t p = rnd(g.nparts_max);
				if (rnd(2))
					gpm_resize(&g, p, 1 + rnd(8));
				else
					gpm_resize_cores(&g, p, rnd(8));
			} else {
				for (uint32_t k = rnd(4); k-- > 0;)
					cores[rnd(g.ncores)].cls = (uint8_t)(rnd(4) ? 0 : rnd(3));
				int want = reference();
				if (getenv("GPM_DEBUG"))
					fprintf(stderr, "seed %u step %d ref %d: %s", seed, step,
						want, console_capture());
				console_capture_reset();
				int got = gpm_replan(&g);
				assert_int_equal(got, want ? -E_RANGE : 0);
				if (got == 0)
					compare();
				else
					agreed_fail++;
				replans++;
			}
		}
	}
	if (getenv("GPM_DEBUG"))
		fprintf(stderr, "replans %u failed %u pinned %u\n", replans, agreed_fail,
			pinned_seen);
	/* The run must exercise both outcomes and pins. */
	assert_true(replans > 1500);
	assert_true(agreed_fail > 100);
	assert_true(replans - agreed_fail > 1000);
	assert_true(pinned_seen > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replan_matches_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
