// SPDX-License-Identifier: MIT
/*
 * Unit tests for the Global Partition Manager planning policy: every error
 * case with its exact line and untouched state, socket / node co-location,
 * shared cores, resize, destroy, replan with rollback, random operation
 * storms checked against the invariants, a 4096-core scale run, and VT-ASOS
 * affinity groups (placement, validation lines, resize / replan rules, and a
 * randomized property run).
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "sched/gpm.h"
#include "tests/unit/fake_console.h"

#define MAXC 4096
#define MAXP 1024

static struct gpm_core cores[MAXC];
static struct gpm_part parts[MAXP];
static struct gpm g;

/* Snapshot of the public plan (private saved_* scratch excluded). */
struct snap {
	uint32_t nc, np; /* only these prefixes are recorded and compared */
	int32_t owner[MAXC];
	bool lpm[MAXC];
	uint8_t aff[MAXC];
	struct gpm_part parts[MAXP];
};
static struct snap before, after;

/* nsock sockets of per cores each, node = socket / 2, all slow. */
static void setup(uint32_t nsock, uint32_t per, uint32_t nparts, uint32_t watts)
{
	memset(cores, 0, sizeof(cores));
	memset(parts, 0, sizeof(parts));
	for (uint32_t i = 0; i < nsock * per; i++) {
		cores[i].id = 100 + i;
		cores[i].socket = i / per;
		cores[i].node = i / per / 2;
		cores[i].cls = GPM_CLS_SLOW;
		cores[i].owner = -1;
	}
	g = (struct gpm){ .cores = cores,
			  .ncores = nsock * per,
			  .parts = parts,
			  .nparts_max = nparts,
			  .core_watts = watts };
	console_capture_reset();
}

static void take_snap(struct snap *s)
{
	s->nc = g.ncores;
	s->np = g.nparts_max;
	for (uint32_t i = 0; i < g.ncores; i++) {
		s->owner[i] = cores[i].owner;
		s->lpm[i] = cores[i].lpm;
		s->aff[i] = cores[i].owner >= 0 ? cores[i].aff : 0;
	}
	for (uint32_t i = 0; i < g.nparts_max; i++) {
		memcpy(&s->parts[i], &parts[i], sizeof(parts[i]));
		s->parts[i].saved_ncores = 0;
		s->parts[i].saved_lpm_core = 0;
	}
}

static void assert_unchanged(void)
{
	take_snap(&after);
	assert_int_equal(before.nc, after.nc);
	assert_int_equal(before.np, after.np);
	assert_memory_equal(before.owner, after.owner, before.nc * sizeof(before.owner[0]));
	assert_memory_equal(before.lpm, after.lpm, before.nc * sizeof(before.lpm[0]));
	assert_memory_equal(before.aff, after.aff, before.nc * sizeof(before.aff[0]));
	assert_memory_equal(before.parts, after.parts, before.np * sizeof(before.parts[0]));
}

static struct gpm_request req(uint32_t vcpus)
{
	return (struct gpm_request){ .vcpus = vcpus, .weight = 1 };
}

static uint32_t cores_for(const struct gpm_request *r, uint32_t vcpus)
{
	return r->share_core ? (vcpus + 1) / 2 : vcpus;
}

/* Each affinity group and the ungrouped rest get their own cores. */
static uint32_t needed(const struct gpm_request *r)
{
	uint32_t n = 0, grouped = 0;

	for (uint32_t k = 0; k < r->ngroups; k++) {
		n += cores_for(r, r->groups[k].count);
		grouped += r->groups[k].count;
	}
	return n + cores_for(r, r->vcpus - grouped);
}

/* The group vCPU v of r is in, or -1. */
static int group_of_vcpu(const struct gpm_request *r, uint32_t v)
{
	for (uint32_t k = 0; k < r->ngroups; k++)
		if (v >= r->groups[k].first && v - r->groups[k].first < r->groups[k].count)
			return (int)k;
	return -1;
}

/* Socket, node or (core level) index of core ci. */
static uint32_t domain(uint32_t ci, uint8_t level)
{
	return level == GPM_COLOC_SOCKET ? cores[ci].socket :
	       level == GPM_COLOC_NODE	 ? cores[ci].node :
					   ci;
}

/*
 * The vCPU-to-core map as gpm_vcpu_core() reports it: every vCPU of a live
 * partition on a core its partition owns (not the LPM), at most one (two
 * when sharing) vCPUs per core, all from one partition and one group, and
 * each group on one core / socket / node.
 */
static void check_vcpu_map(void)
{
	static int32_t user[MAXC];
	static int grp[MAXC];
	static uint32_t nusers[MAXC];

	memset(nusers, 0, sizeof(nusers));
	for (uint32_t p = 0; p < g.nparts_max; p++) {
		const struct gpm_part *pp = &parts[p];

		if (!pp->live)
			continue;
		uint32_t dom[GPM_AFF_MAX];
		for (uint32_t v = 0; v < pp->req.vcpus; v++) {
			uint32_t ci;
			int k = group_of_vcpu(&pp->req, v);

			assert_int_equal(gpm_vcpu_core(&g, p, v, &ci), 0);
			assert_true(ci < g.ncores);
			assert_int_equal(cores[ci].owner, (int32_t)p);
			assert_false(cores[ci].lpm);
			assert_int_equal(cores[ci].aff, k + 1);
			if (nusers[ci]++) {
				assert_int_equal(user[ci], (int32_t)p);
				assert_int_equal(grp[ci], k);
			}
			user[ci] = (int32_t)p;
			grp[ci] = k;
			assert_true(nusers[ci] <= (pp->req.share_core ? 2u : 1u));
			if (k < 0)
				continue;
			uint8_t level = pp->req.groups[k].level;
			if (v == pp->req.groups[k].first)
				dom[k] = domain(ci, level);
			else
				assert_int_equal(domain(ci, level), dom[k]);
		}
		/* Exactly the cores each group (and the ungrouped rest) needs. */
		for (uint32_t k = 0; k < pp->req.ngroups; k++) {
			uint32_t n = 0;
			for (uint32_t i = 0; i < g.ncores; i++)
				n += cores[i].owner == (int32_t)p && !cores[i].lpm &&
				     cores[i].aff == k + 1;
			assert_int_equal(n, cores_for(&pp->req, pp->req.groups[k].count));
		}
	}
}

/* Every rule from sched/gpm.h that can be checked from the outside. */
static void check_invariants(void)
{
	static uint32_t owned[MAXP], nlpm[MAXP];

	memset(owned, 0, sizeof(owned));
	memset(nlpm, 0, sizeof(nlpm));
	for (uint32_t i = 0; i < g.ncores; i++) {
		const struct gpm_core *c = &cores[i];

		if (c->owner < 0) {
			assert_int_equal(c->owner, -1);
			assert_false(c->lpm);
			continue;
		}
		assert_true((uint32_t)c->owner < g.nparts_max);
		assert_true(parts[c->owner].live);
		assert_int_equal(c->cls, GPM_CLS_SLOW);
		owned[c->owner]++;
		if (c->lpm) {
			nlpm[c->owner]++;
			assert_int_equal(parts[c->owner].lpm_core, i);
		}
	}
	for (uint32_t p = 0; p < g.nparts_max; p++) {
		const struct gpm_part *pp = &parts[p];

		if (!pp->live) {
			assert_int_equal(owned[p], 0);
			continue;
		}
		assert_int_equal(nlpm[p], 1);
		assert_int_equal(pp->ncores, needed(&pp->req));
		assert_int_equal(owned[p], pp->ncores + 1);
		if (pp->req.colocate) {
			const struct gpm_core *l = &cores[pp->lpm_core];
			for (uint32_t i = 0; i < g.ncores; i++) {
				if (cores[i].owner != (int32_t)p)
					continue;
				if (pp->req.colocate == GPM_COLOC_SOCKET)
					assert_int_equal(cores[i].socket, l->socket);
				else
					assert_int_equal(cores[i].node, l->node);
			}
		}
	}
	check_vcpu_map();
}

/*
 * call must fail with err, print exactly line, and leave every core and
 * partition as it was. A macro so the snapshot is taken before call runs.
 */
#define EXPECT_REFUSED(call, err, line)                         \
	do {                                                    \
		take_snap(&before);                             \
		console_capture_reset();                        \
		assert_int_equal((call), (err));                \
		assert_string_equal(console_capture(), (line)); \
		assert_unchanged();                             \
	} while (0)

/* Expect err and exactly one console line equal to line; state untouched. */
static void expect_create_fails(const struct gpm_request *r, int err, const char *line)
{
	uint32_t part = 0xdead;

	take_snap(&before);
	console_capture_reset();
	assert_int_equal(gpm_create(&g, r, &part), err);
	assert_string_equal(console_capture(), line);
	assert_int_equal(console_capture_lines(), 1);
	assert_int_equal(part, 0xdead);
	assert_unchanged();
}

static void test_create_basic(void **state)
{
	(void)state;
	setup(2, 4, 4, 0);
	struct gpm_request r = req(2);
	r.latency_us = 50;
	uint32_t p;
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(p, 0);
	assert_true(parts[0].live);
	assert_int_equal(parts[0].ncores, 2);
	assert_int_equal(parts[0].lpm_core, 0);
	assert_int_equal(parts[0].req.latency_us, 50);
	assert_true(cores[0].lpm);
	assert_int_equal(cores[1].owner, 0);
	assert_int_equal(cores[2].owner, 0);
	assert_int_equal(cores[3].owner, -1);
	uint32_t ci;
	assert_int_equal(gpm_vcpu_core(&g, 0, 1, &ci), 0);
	assert_int_equal(ci, 2);
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(parts[1].lpm_core, 3);
	assert_int_equal(console_capture_lines(), 0);
	check_invariants();
}

static void test_create_errors(void **state)
{
	(void)state;
	setup(2, 4, 2, 10);
	/* Take 3 of 8 cores so 5 are free. */
	uint32_t p;
	struct gpm_request r = req(2);
	assert_int_equal(gpm_create(&g, &r, &p), 0);

	r = req(8);
	expect_create_fails(&r, -E_RANGE,
			    "gpm: request for 8 vCPUs needs 9 slow cores (8 + LPM), 5 are free\n");
	r = req(0);
	expect_create_fails(&r, -E_INVAL, "gpm: request for 0 vCPUs\n");
	r = req(2);
	r.gang = true;
	r.share_core = true;
	expect_create_fails(&r, -E_INVAL,
			    "gpm: request for 2 vCPUs asks for gang scheduling and shared cores\n");
	r = req(1);
	r.power_w = 19;
	expect_create_fails(&r, -E_RANGE,
			    "gpm: power budget 19 W too small for one core + LPM (2 x 10 W)\n");
	r = req(3);
	r.power_w = 30;
	expect_create_fails(&r, -E_RANGE,
			    "gpm: 3 vCPUs need 40 W (3 cores + LPM at 10 W), budget is 30 W\n");
	r = req(1);
	r.colocate = 3;
	expect_create_fails(&r, -E_INVAL, "gpm: request for 1 vCPUs has unknown colocate 3\n");
	/* Sockets have 4 cores: 4 vCPUs + LPM can never fit on one. */
	r = req(4);
	r.colocate = GPM_COLOC_SOCKET;
	expect_create_fails(&r, -E_INVAL,
			    "gpm: request for 4 vCPUs needs 5 slow cores on one socket, the "
			    "largest socket has 4\n");
	/* Socket 0 has 1 free, socket 1 has 4: 4 cores fit on socket 1 only if free. */
	r = req(3);
	r.colocate = GPM_COLOC_SOCKET;
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(parts[1].lpm_core, 4);
	/* Both slots used now. */
	r = req(1);
	expect_create_fails(&r, -E_FULL, "gpm: no free partition slot (2 in use)\n");
	assert_int_equal(gpm_destroy(&g, 1), 0);
	/* Socket 1 free again but one of its cores becomes fast: 3 slow there. */
	cores[5].cls = GPM_CLS_FAST;
	r = req(3);
	r.colocate = GPM_COLOC_SOCKET;
	expect_create_fails(&r, -E_RANGE,
			    "gpm: request for 3 vCPUs needs 4 free slow cores on one socket, "
			    "at most 3 are free\n");
	check_invariants();
}

static void test_create_null(void **state)
{
	(void)state;
	setup(1, 4, 1, 0);
	struct gpm_request r = req(1);
	uint32_t p;
	take_snap(&before);
	assert_int_equal(gpm_create(&g, &r, NULL), -E_INVAL);
	assert_int_equal(gpm_create(&g, NULL, &p), -E_INVAL);
	assert_int_equal(gpm_create(NULL, &r, &p), -E_INVAL);
	assert_int_equal(console_capture_lines(), 3);
	assert_true(console_capture_has("gpm: create with a NULL argument\n"));
	assert_unchanged();
	uint32_t ci;
	console_capture_reset();
	assert_int_equal(gpm_vcpu_core(&g, 0, 0, NULL), -E_INVAL);
	assert_int_equal(gpm_vcpu_core(&g, 0, 0, &ci), -E_INVAL);
	assert_int_equal(gpm_replan(NULL), -E_INVAL);
	assert_string_equal(console_capture(),
			    "gpm: vCPU lookup with a NULL result pointer\n"
			    "gpm: vCPU lookup in partition 0, which is not live\n"
			    "gpm: replan with a NULL argument\n");
	/* No partition slots at all: replan is a no-op, create is -E_FULL. */
	struct gpm empty = { .cores = cores, .ncores = 4 };
	console_capture_reset();
	assert_int_equal(gpm_replan(&empty), 0);
	assert_int_equal(gpm_create(&empty, &r, &p), -E_FULL);
	assert_string_equal(console_capture(), "gpm: no free partition slot (0 in use)\n");
	assert_unchanged();
	/* No cores at all: the free-core line, not a crash. */
	g.ncores = 0;
	console_capture_reset();
	assert_int_equal(gpm_create(&g, &r, &p), -E_RANGE);
	assert_string_equal(console_capture(),
			    "gpm: request for 1 vCPUs needs 2 slow cores (1 + LPM), 0 are free\n");
}

/* Fast and accelerator cores are never handed out, even when interleaved. */
static void test_classes(void **state)
{
	(void)state;
	setup(1, 8, 2, 0);
	cores[0].cls = GPM_CLS_FAST;
	cores[2].cls = GPM_CLS_ACCEL;
	cores[3].cls = GPM_CLS_FAST;
	uint32_t p;
	struct gpm_request r = req(3);
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(parts[p].lpm_core, 1);
	assert_int_equal(cores[4].owner, 0);
	assert_int_equal(cores[5].owner, 0);
	assert_int_equal(cores[6].owner, 0);
	assert_int_equal(cores[7].owner, -1);
	check_invariants();
	r = req(1);
	expect_create_fails(&r, -E_RANGE,
			    "gpm: request for 1 vCPUs needs 2 slow cores (1 + LPM), 1 are free\n");
}

static void test_colocate_socket_and_node(void **state)
{
	(void)state;
	/* 4 sockets x 4 cores; nodes 0 = sockets 0-1, 1 = sockets 2-3. */
	setup(4, 4, 8, 0);
	uint32_t a, b, c, d;
	struct gpm_request r = req(1);
	assert_int_equal(gpm_create(&g, &r, &a), 0); /* cores 0,1 */
	r = req(3);
	r.colocate = GPM_COLOC_SOCKET;
	assert_int_equal(gpm_create(&g, &r, &b), 0); /* socket 0 has 2 free: socket 1 */
	assert_int_equal(parts[b].lpm_core, 4);
	assert_int_equal(cores[4].socket, 1);
	r = req(1);
	r.colocate = GPM_COLOC_SOCKET;
	assert_int_equal(gpm_create(&g, &r, &c), 0); /* lowest socket that fits: 0 */
	assert_int_equal(parts[c].lpm_core, 2);
	/* Node 0 has 0 free now; 6 vCPUs + LPM = 7 fit on node 1 (8 cores). */
	r = req(6);
	r.colocate = GPM_COLOC_NODE;
	assert_int_equal(gpm_create(&g, &r, &d), 0);
	assert_int_equal(parts[d].lpm_core, 8);
	for (uint32_t i = 8; i < 15; i++)
		assert_int_equal(cores[i].owner, (int32_t)d);
	check_invariants();
	/* A node could hold 8, but only one core is free anywhere now. */
	r = req(7);
	r.colocate = GPM_COLOC_NODE;
	expect_create_fails(&r, -E_RANGE,
			    "gpm: request for 7 vCPUs needs 8 slow cores (7 + LPM), 1 are free\n");
	assert_int_equal(gpm_destroy(&g, a), 0);
	/* 3 free: cores 0,1 (socket 0) and 15 (socket 3); node needs 3 on one node. */
	r = req(2);
	r.colocate = GPM_COLOC_NODE;
	expect_create_fails(&r, -E_RANGE,
			    "gpm: request for 2 vCPUs needs 3 free slow cores on one node, at "
			    "most 2 are free\n");
	r.colocate = GPM_COLOC_NONE;
	assert_int_equal(gpm_create(&g, &r, &a), 0);
	assert_int_equal(cores[15].owner, (int32_t)a);
	check_invariants();
}

static void test_share_core(void **state)
{
	(void)state;
	setup(1, 8, 2, 0);
	struct gpm_request r = req(5);
	r.share_core = true;
	uint32_t p, c0, c1, c4;
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(parts[p].ncores, 3);
	assert_int_equal(gpm_vcpu_core(&g, p, 0, &c0), 0);
	assert_int_equal(gpm_vcpu_core(&g, p, 1, &c1), 0);
	assert_int_equal(gpm_vcpu_core(&g, p, 4, &c4), 0);
	assert_int_equal(c0, c1);
	assert_int_equal(c0, 1);
	assert_int_equal(c4, 3);
	console_capture_reset();
	assert_int_equal(gpm_vcpu_core(&g, p, 5, &c4), -E_RANGE);
	assert_string_equal(console_capture(), "gpm: partition 0 has no vCPU 5 (5 vCPUs)\n");
	check_invariants();
	/* 8 vCPUs shared need 4 + LPM; only 4 free. */
	r = req(8);
	r.share_core = true;
	expect_create_fails(&r, -E_RANGE,
			    "gpm: request for 8 vCPUs needs 5 slow cores (4 + LPM), 4 are free\n");
	r = req(6);
	r.share_core = true;
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	check_invariants();
}

static void test_resize(void **state)
{
	(void)state;
	setup(2, 4, 4, 10);
	uint32_t a, b;
	struct gpm_request r = req(1);
	r.colocate = GPM_COLOC_SOCKET;
	r.power_w = 40;
	assert_int_equal(gpm_create(&g, &r, &a), 0); /* cores 0,1 */
	assert_int_equal(gpm_resize(&g, a, 3), 0);   /* + cores 2,3 */
	assert_int_equal(parts[a].ncores, 3);
	assert_int_equal(parts[a].req.vcpus, 3);
	assert_int_equal(cores[3].owner, (int32_t)a);
	check_invariants();
	/* Power 40 W caps at 3 cores + LPM. */
	EXPECT_REFUSED(gpm_resize(&g, a, 4), -E_RANGE,
		       "gpm: 4 vCPUs need 50 W (4 cores + LPM at 10 W), budget is 40 W\n");
	parts[a].req.power_w = 0;
	/* Socket 0 is full; socket 1 has 4 free but co-location forbids it. */
	EXPECT_REFUSED(gpm_resize(&g, a, 4), -E_RANGE,
		       "gpm: cannot grow partition 0 to 4 vCPUs: needs "
		       "1 more slow cores on its socket, 0 are free\n");
	/* Shrink releases the highest cores, keeps the LPM. */
	assert_int_equal(gpm_resize(&g, a, 1), 0);
	assert_int_equal(cores[0].owner, (int32_t)a);
	assert_true(cores[0].lpm);
	assert_int_equal(cores[1].owner, (int32_t)a);
	assert_int_equal(cores[2].owner, -1);
	assert_int_equal(cores[3].owner, -1);
	check_invariants();
	/* A non-co-located partition grows across sockets, lowest cores first. */
	r = req(1);
	assert_int_equal(gpm_create(&g, &r, &b), 0); /* cores 2,3 */
	assert_int_equal(gpm_resize(&g, b, 3), 0);   /* + cores 4,5 */
	assert_int_equal(cores[5].owner, (int32_t)b);
	assert_int_equal(gpm_resize(&g, b, 3), 0); /* same size: no-op */
	check_invariants();
	take_snap(&before);
	console_capture_reset();
	assert_int_equal(gpm_resize(&g, b, 6), -E_RANGE);
	assert_string_equal(console_capture(), "gpm: cannot grow partition 1 to 6 vCPUs: needs "
					       "3 more slow cores, 2 are free\n");
	assert_int_equal(gpm_resize(&g, b, 0), -E_INVAL);
	assert_int_equal(gpm_resize(&g, 3, 1), -E_INVAL);
	assert_int_equal(gpm_resize(&g, 99, 1), -E_INVAL);
	assert_true(console_capture_has("gpm: resize of partition 1 to 0 vCPUs (use destroy)\n"));
	assert_true(console_capture_has("gpm: resize of partition 3, which is not live\n"));
	assert_int_equal(console_capture_lines(), 4);
	assert_unchanged();
	/* Shared cores: 2 -> 3 vCPUs needs one more core, 3 -> 4 none. */
	assert_int_equal(gpm_destroy(&g, b), 0);
	r = req(2);
	r.share_core = true;
	assert_int_equal(gpm_create(&g, &r, &b), 0);
	assert_int_equal(parts[b].ncores, 1);
	assert_int_equal(gpm_resize(&g, b, 3), 0);
	assert_int_equal(parts[b].ncores, 2);
	assert_int_equal(gpm_resize(&g, b, 4), 0);
	assert_int_equal(parts[b].ncores, 2);
	check_invariants();
}

static void test_destroy_and_load(void **state)
{
	(void)state;
	setup(1, 8, 2, 0);
	uint32_t a, b;
	struct gpm_request r = req(3);
	assert_int_equal(gpm_create(&g, &r, &a), 0);
	assert_int_equal(gpm_create(&g, &r, &b), 0);
	gpm_report_load(&g, a, 70);
	assert_int_equal(gpm_load(&g, a), 70);
	console_capture_reset();
	gpm_report_load(&g, b, 250);
	assert_string_equal(console_capture(), "gpm: load 250% for partition 1 clamped to 100%\n");
	assert_int_equal(gpm_load(&g, b), 100);
	assert_int_equal(gpm_destroy(&g, a), 0);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(cores[i].owner, -1);
		assert_false(cores[i].lpm);
	}
	assert_false(parts[a].live);
	assert_int_equal(gpm_load(&g, a), 0);
	assert_int_equal(gpm_load(&g, 7), 0);
	take_snap(&before);
	console_capture_reset();
	assert_int_equal(gpm_destroy(&g, a), -E_INVAL);
	gpm_report_load(&g, a, 5);
	assert_string_equal(console_capture(),
			    "gpm: destroy of partition 0, which is not live\n"
			    "gpm: load report for partition 0, which is not live, ignored\n");
	assert_unchanged();
	check_invariants();
	/* The freed cores are reused. */
	assert_int_equal(gpm_create(&g, &r, &a), 0);
	assert_int_equal(parts[a].lpm_core, 0);
	check_invariants();
}

static void test_replan(void **state)
{
	(void)state;
	setup(2, 8, 4, 0);
	uint32_t a, b, c;
	struct gpm_request r = req(2);
	assert_int_equal(gpm_create(&g, &r, &a), 0); /* slot 0: cores 0-2 */
	assert_int_equal(gpm_create(&g, &r, &b), 0); /* slot 1: cores 3-5 */
	assert_int_equal(gpm_destroy(&g, a), 0);
	r = req(3);
	r.colocate = GPM_COLOC_SOCKET;
	assert_int_equal(gpm_create(&g, &r, &c), 0); /* slot 0 again, created last */
	assert_int_equal(c, 0);
	assert_int_equal(parts[c].lpm_core, 0); /* socket 0 holes: cores 0, 1, 2, 6 */
	assert_int_equal(cores[6].owner, (int32_t)c);
	/* Core 1 turns fast: replan packs b first (creation order), then c. */
	cores[1].cls = GPM_CLS_FAST;
	assert_int_equal(gpm_replan(&g), 0);
	assert_int_equal(console_capture_lines(), 0);
	assert_int_equal(parts[b].lpm_core, 0);
	assert_int_equal(cores[2].owner, (int32_t)b);
	assert_int_equal(cores[3].owner, (int32_t)b);
	assert_int_equal(cores[1].owner, -1);
	/* c: 4 cores on one socket; socket 0 has 4 free slow (4-7). */
	assert_int_equal(parts[c].lpm_core, 4);
	assert_int_equal(cores[7].owner, (int32_t)c);
	check_invariants();

	/* Socket 0 loses three cores: c no longer fits there but fits on socket 1. */
	cores[5].cls = GPM_CLS_ACCEL;
	assert_int_equal(gpm_replan(&g), 0);
	assert_int_equal(parts[c].lpm_core, 8);
	check_invariants();

	/* Too many cores gone: rollback, exact previous plan, one line. */
	for (uint32_t i = 8; i <= 12; i++)
		cores[i].cls = GPM_CLS_FAST;
	EXPECT_REFUSED(gpm_replan(&g), -E_RANGE,
		       "gpm: replan failed: partition 0 (3 cores + LPM) "
		       "no longer fits, previous plan kept\n");
	/* Nothing live: trivially fine. */
	assert_int_equal(gpm_destroy(&g, b), 0);
	assert_int_equal(gpm_destroy(&g, c), 0);
	assert_int_equal(gpm_replan(&g), 0);
	check_invariants();
}

static uint32_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static struct gpm_request random_req(void)
{
	struct gpm_request r = req(rnd(10));
	r.share_core = rnd(3) == 0;
	r.gang = rnd(5) == 0;
	r.colocate = (uint8_t)rnd(4); /* 3 is invalid on purpose */
	r.power_w = rnd(3) == 0 ? rnd(100) : 0;
	r.latency_us = rnd(1000);
	return r;
}

static void test_random_ops(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 200; seed++) {
		rnd_state = seed;
		uint32_t nsock = 1 + rnd(4), per = 1 + rnd(8);
		setup(nsock, per, 1 + rnd(6), rnd(2) ? 10 : 0);
		for (uint32_t i = 0; i < g.ncores; i++) {
			uint32_t k = rnd(6);
			cores[i].cls = k == 0 ? GPM_CLS_FAST :
				       k == 1 ? GPM_CLS_ACCEL :
						GPM_CLS_SLOW;
		}
		for (int step = 0; step < 300; step++) {
			uint32_t op = rnd(10), p = rnd(g.nparts_max + 1), out;
			struct gpm_request r;
			int err;

			take_snap(&before);
			console_capture_reset();
			if (op < 4) {
				r = random_req();
				err = gpm_create(&g, &r, &out);
				if (!err) {
					assert_true(out < g.nparts_max);
					assert_int_equal(parts[out].req.vcpus, r.vcpus);
				}
			} else if (op < 7) {
				err = gpm_resize(&g, p, rnd(10));
			} else if (op < 9) {
				err = gpm_destroy(&g, p);
			} else {
				/* Cores change class, then replan. */
				uint32_t i = rnd(g.ncores);
				uint8_t old = cores[i].cls;
				cores[i].cls = (uint8_t)rnd(3);
				take_snap(&before);
				err = gpm_replan(&g);
				if (err)
					cores[i].cls = old;
			}
			if (err) {
				assert_int_equal(console_capture_lines(), 1);
				assert_unchanged();
			} else {
				assert_int_equal(console_capture_lines(), 0);
			}
			if (op == 9 && !err) {
				check_invariants();
			} else if (op != 9) {
				/* A reclassified core may still be held until replan;
				 * otherwise all invariants hold. */
				bool any_bad = false;
				for (uint32_t i = 0; i < g.ncores; i++)
					any_bad |= cores[i].owner >= 0 && cores[i].cls != 0;
				if (!any_bad)
					check_invariants();
			}
		}
	}
}

static void test_scale(void **state)
{
	(void)state;
	setup(64, 64, MAXP, 5);
	for (uint32_t i = 0; i < MAXP; i++) {
		struct gpm_request r = req(2);
		uint32_t p;

		r.colocate = (uint8_t)(i % 3);
		r.share_core = i % 4 == 1;
		r.power_w = 15;
		assert_int_equal(gpm_create(&g, &r, &p), 0);
		assert_int_equal(p, i);
	}
	check_invariants();
	/* Free some room then reclassify a few cores and re-pack everything. */
	for (uint32_t i = 0; i < MAXP; i += 7)
		assert_int_equal(gpm_destroy(&g, i), 0);
	for (uint32_t i = 0; i < g.ncores; i += 97)
		cores[i].cls = GPM_CLS_FAST;
	assert_int_equal(gpm_replan(&g), 0);
	assert_int_equal(console_capture_lines(), 0);
	check_invariants();
}

/* Append affinity group [first, first + count) at level to r. */
static void add_group(struct gpm_request *r, uint32_t first, uint32_t count, uint8_t level)
{
	r->groups[r->ngroups++] = (struct gpm_affinity){ first, count, level };
}

static uint32_t vcore(uint32_t p, uint32_t v)
{
	uint32_t ci = 0xdead;
	assert_int_equal(gpm_vcpu_core(&g, p, v, &ci), 0);
	return ci;
}

/* A whole-array copy, private fields included, for "nothing changed at all". */
static struct gpm_core cores_before[MAXC];

static void test_aff_groups_one_socket_each(void **state)
{
	(void)state;
	/* 4 sockets x 4 cores. Two 3-vCPU socket groups cannot share socket 0. */
	setup(4, 4, 4, 0);
	struct gpm_request r = req(6);
	add_group(&r, 0, 3, GPM_COLOC_SOCKET);
	add_group(&r, 3, 3, GPM_COLOC_SOCKET);
	uint32_t p;
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(console_capture_lines(), 0);
	assert_int_equal(parts[p].ncores, 6);
	for (uint32_t v = 0; v < 3; v++) {
		assert_int_equal(vcore(p, v), v); /* socket 0: cores 0-2 */
		assert_int_equal(cores[vcore(p, v)].socket, 0);
		assert_int_equal(cores[vcore(p, v + 3)].socket, 1);
		assert_int_equal(vcore(p, v + 3), 4 + v);
	}
	/* Groups first, then the LPM on the lowest core left. */
	assert_int_equal(parts[p].lpm_core, 3);
	check_invariants();

	/* Both groups fit on one socket: they share it (groups are independent). */
	setup(2, 8, 4, 0);
	r = req(5);
	add_group(&r, 0, 2, GPM_COLOC_SOCKET);
	add_group(&r, 2, 3, GPM_COLOC_NODE);
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	for (uint32_t v = 0; v < 5; v++)
		assert_int_equal(vcore(p, v), v);
	assert_int_equal(parts[p].lpm_core, 5);
	check_invariants();

	/* Ungrouped vCPUs around a group keep their order on their own cores. */
	setup(2, 4, 4, 0);
	struct gpm_request one = req(1);
	uint32_t a;
	assert_int_equal(gpm_create(&g, &one, &a), 0); /* cores 0, 1 */
	r = req(5);
	add_group(&r, 1, 3, GPM_COLOC_SOCKET); /* socket 0 has 2 free: socket 1 */
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(vcore(p, 1), 4);
	assert_int_equal(vcore(p, 2), 5);
	assert_int_equal(vcore(p, 3), 6);
	assert_int_equal(parts[p].lpm_core, 2);
	assert_int_equal(vcore(p, 0), 3);
	assert_int_equal(vcore(p, 4), 7);
	assert_int_equal(cores[4].aff, 1);
	assert_int_equal(cores[3].aff, 0);
	check_invariants();

	/*
	 * Co-located on a node: node 0 (sockets 0-1) has room for the partition
	 * but no socket there holds the group, so node 1 is tried next.
	 */
	setup(4, 4, 4, 0);
	cores[2].cls = cores[3].cls = GPM_CLS_FAST;
	cores[6].cls = cores[7].cls = GPM_CLS_FAST;
	r = req(3);
	r.colocate = GPM_COLOC_NODE;
	add_group(&r, 0, 3, GPM_COLOC_SOCKET);
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	for (uint32_t v = 0; v < 3; v++)
		assert_int_equal(vcore(p, v), 8 + v);
	assert_int_equal(parts[p].lpm_core, 11);
	check_invariants();
}

static void test_aff_core_level_and_sharing(void **state)
{
	(void)state;
	setup(1, 12, 4, 0);
	/* vCPUs 1 and 2 on one core; without the group they would not share. */
	struct gpm_request r = req(4);
	r.share_core = true;
	add_group(&r, 1, 2, GPM_AFF_CORE);
	uint32_t p;
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(parts[p].ncores, 2);
	assert_int_equal(vcore(p, 1), 0);
	assert_int_equal(vcore(p, 2), 0);
	assert_int_equal(parts[p].lpm_core, 1);
	assert_int_equal(vcore(p, 0), 2);
	assert_int_equal(vcore(p, 3), 2);
	check_invariants();
	/* Sharing never crosses a group: 2 vCPUs, one grouped, need 2 cores. */
	r = req(2);
	r.share_core = true;
	add_group(&r, 0, 1, GPM_COLOC_NODE);
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(parts[p].ncores, 2);
	assert_int_not_equal(vcore(p, 0), vcore(p, 1));
	/* A single-vCPU core group without sharing is trivially fine. */
	r = req(2);
	add_group(&r, 1, 1, GPM_AFF_CORE);
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(console_capture_lines(), 0);
	check_invariants();
}

/* Expect err with exactly line; cores[] (every field) and parts[] untouched. */
static void expect_create_fails_whole(const struct gpm_request *r, int err, const char *line)
{
	uint32_t p = 0xdead;

	memcpy(cores_before, cores, sizeof(cores));
	take_snap(&before);
	console_capture_reset();
	assert_int_equal(gpm_create(&g, r, &p), err);
	assert_string_equal(console_capture(), line);
	assert_int_equal(console_capture_lines(), 1);
	assert_int_equal(p, 0xdead);
	assert_memory_equal(cores_before, cores, sizeof(cores));
	assert_unchanged();
}

static void test_aff_no_room(void **state)
{
	(void)state;
	/* 3 sockets x 4, node = socket / 2. */
	setup(3, 4, 8, 0);
	uint32_t a, b, c, d, p;
	struct gpm_request r = req(1);
	assert_int_equal(gpm_create(&g, &r, &a), 0); /* 0, 1 */
	r = req(4);
	assert_int_equal(gpm_create(&g, &r, &b), 0); /* 2-6 */
	r = req(1);
	assert_int_equal(gpm_create(&g, &r, &c), 0); /* 7, 8 */
	assert_int_equal(gpm_create(&g, &r, &d), 0); /* 9, 10 */
	assert_int_equal(gpm_destroy(&g, b), 0);
	/* Free: socket 0 {2,3}, socket 1 {4,5,6}, socket 2 {11}. */

	r = req(4);
	add_group(&r, 0, 4, GPM_COLOC_SOCKET);
	expect_create_fails_whole(&r, -E_RANGE,
				  "gpm: request for 4 vCPUs: affinity group 0 needs 4 free slow "
				  "cores on one socket, none has that many left\n");

	/* Co-located on a node: node 0 has 5 free but no socket in it has 4. */
	r.colocate = GPM_COLOC_NODE;
	expect_create_fails_whole(&r, -E_RANGE,
				  "gpm: request for 4 vCPUs: affinity group 0 (4 cores on one "
				  "socket) fits on no node with room for the partition\n");

	/* Node 0 holds it with a 2-vCPU socket group: group on socket 0. */
	r = req(3);
	r.colocate = GPM_COLOC_NODE;
	add_group(&r, 1, 2, GPM_COLOC_SOCKET);
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(vcore(p, 1), 2);
	assert_int_equal(vcore(p, 2), 3);
	assert_int_equal(parts[p].lpm_core, 4);
	assert_int_equal(vcore(p, 0), 5);
	check_invariants();
	assert_int_equal(gpm_destroy(&g, p), 0);

	/* Two groups, each on the lowest socket that still has room. */
	r = req(5);
	add_group(&r, 0, 2, GPM_COLOC_SOCKET);
	add_group(&r, 2, 3, GPM_COLOC_SOCKET);
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(vcore(p, 0), 2);
	assert_int_equal(vcore(p, 1), 3);
	for (uint32_t v = 2; v < 5; v++)
		assert_int_equal(vcore(p, v), v + 2);
	assert_int_equal(parts[p].lpm_core, 11);
	check_invariants();
	assert_int_equal(gpm_destroy(&g, p), 0);

	/*
	 * Free {2-8, 11}: group 0 takes {2,3,4} on node 0, then group 1 finds
	 * no socket with 4 free; group 0's cores are given back.
	 */
	assert_int_equal(gpm_destroy(&g, c), 0);
	r = req(7);
	add_group(&r, 0, 3, GPM_COLOC_NODE);
	add_group(&r, 3, 4, GPM_COLOC_SOCKET);
	expect_create_fails_whole(&r, -E_RANGE,
				  "gpm: request for 7 vCPUs: affinity group 1 needs 4 free slow "
				  "cores on one socket, none has that many left\n");

	/* A group larger than any socket can ever hold is -E_INVAL. */
	r = req(5);
	add_group(&r, 0, 5, GPM_COLOC_SOCKET);
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 5 vCPUs: affinity group 0 needs 5 slow cores "
				  "on one socket, the largest socket has 4\n");
	check_invariants();
	(void)a;
	(void)d;
}

static void test_aff_malformed(void **state)
{
	(void)state;
	setup(2, 4, 2, 10);
	uint32_t p;
	struct gpm_request r = req(1);
	assert_int_equal(gpm_create(&g, &r, &p), 0); /* something to leave untouched */

	r = req(4);
	r.ngroups = GPM_AFF_MAX + 1;
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 4 vCPUs has 9 affinity groups, at most 8\n");
	r = req(4);
	r.power_w = 1; /* groups are checked before the power budget */
	add_group(&r, 0, 2, GPM_COLOC_SOCKET);
	add_group(&r, 2, 0, GPM_COLOC_SOCKET);
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 4 vCPUs: affinity group 1 is empty\n");
	r = req(4);
	add_group(&r, 0, 1, GPM_COLOC_NONE);
	expect_create_fails_whole(
		&r, -E_INVAL, "gpm: request for 4 vCPUs: affinity group 0 has unknown level 0\n");
	r = req(4);
	add_group(&r, 0, 1, GPM_COLOC_NODE);
	add_group(&r, 1, 1, 4);
	expect_create_fails_whole(
		&r, -E_INVAL, "gpm: request for 4 vCPUs: affinity group 1 has unknown level 4\n");
	r = req(4);
	add_group(&r, 3, 2, GPM_COLOC_SOCKET);
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 4 vCPUs: affinity group 0 (vCPUs 3..4) is "
				  "outside the partition\n");
	r = req(4);
	add_group(&r, 0xffffffffu, 2, GPM_COLOC_SOCKET); /* first + count wraps 32 bits */
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 4 vCPUs: affinity group 0 (vCPUs "
				  "4294967295..4294967296) is outside the partition\n");
	r = req(4);
	add_group(&r, 0, 2, GPM_COLOC_SOCKET);
	add_group(&r, 1, 2, GPM_COLOC_NODE);
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 4 vCPUs: affinity group 1 overlaps group 0\n");
	r = req(4);
	add_group(&r, 1, 1, GPM_COLOC_SOCKET);
	add_group(&r, 3, 1, GPM_COLOC_SOCKET);
	add_group(&r, 0, 4, GPM_COLOC_SOCKET); /* contains both */
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 4 vCPUs: affinity group 2 overlaps group 0\n");
	r = req(4);
	add_group(&r, 0, 2, GPM_AFF_CORE);
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 4 vCPUs: affinity group 0 puts 2 vCPUs on one "
				  "core, at most 1 may share one\n");
	r.share_core = true;
	r.groups[0].count = 3;
	expect_create_fails_whole(&r, -E_INVAL,
				  "gpm: request for 4 vCPUs: affinity group 0 puts 3 vCPUs on one "
				  "core, at most 2 may share one\n");
	/* Group cores count against the power budget: 2 groups + 1 rest + LPM. */
	r = req(3);
	r.share_core = true;
	r.power_w = 30;
	add_group(&r, 0, 1, GPM_COLOC_SOCKET);
	add_group(&r, 1, 1, GPM_COLOC_SOCKET);
	expect_create_fails_whole(
		&r, -E_RANGE, "gpm: 3 vCPUs need 40 W (3 cores + LPM at 10 W), budget is 30 W\n");
	/* A group at the partition's own colocate level is redundant, not wrong. */
	r = req(2);
	r.colocate = GPM_COLOC_SOCKET;
	add_group(&r, 0, 2, GPM_COLOC_SOCKET);
	console_capture_reset();
	assert_int_equal(gpm_create(&g, &r, &p), 0);
	assert_int_equal(console_capture_lines(), 0);
	check_invariants();
}

static void test_aff_resize(void **state)
{
	(void)state;
	setup(2, 4, 4, 10);
	uint32_t a, b;
	struct gpm_request r = req(1);
	assert_int_equal(gpm_create(&g, &r, &a), 0); /* 0, 1 */
	r = req(4);
	add_group(&r, 1, 3, GPM_COLOC_SOCKET); /* socket 1: 4-6; LPM 2, vCPU 0 on 3 */
	assert_int_equal(gpm_create(&g, &r, &b), 0);
	assert_int_equal(parts[b].lpm_core, 2);
	assert_int_equal(vcore(b, 0), 3);

	EXPECT_REFUSED(gpm_resize(&g, b, 3), -E_INVAL,
		       "gpm: cannot shrink partition 1 to 3 vCPUs: its "
		       "affinity groups cover vCPUs up to 3\n");

	/* Growth appends ungrouped vCPUs; grouped ones stay where they were. */
	assert_int_equal(gpm_resize(&g, b, 5), 0);
	assert_int_equal(vcore(b, 4), 7);
	assert_int_equal(cores[7].aff, 0);
	for (uint32_t v = 1; v < 4; v++)
		assert_int_equal(vcore(b, v), v + 3);
	check_invariants();

	/* Group cores count against the power budget too. */
	parts[b].req.power_w = 60;
	EXPECT_REFUSED(gpm_resize(&g, b, 6), -E_RANGE,
		       "gpm: 6 vCPUs need 70 W (6 cores + LPM at 10 W), budget is 60 W\n");
	parts[b].req.power_w = 0;
	EXPECT_REFUSED(gpm_resize(&g, b, 6), -E_RANGE,
		       "gpm: cannot grow partition 1 to 6 vCPUs: needs "
		       "1 more slow cores, 0 are free\n");

	/* Shrinking drops the highest ungrouped core (7), never group cores. */
	assert_int_equal(gpm_resize(&g, b, 4), 0);
	assert_int_equal(cores[7].owner, -1);
	assert_int_equal(cores[6].owner, (int32_t)b);
	assert_int_equal(cores[3].owner, (int32_t)b);
	check_invariants();

	/* Shared cores: the group keeps its core, ungrouped vCPUs pair up. */
	setup(1, 8, 2, 0);
	r = req(3);
	r.share_core = true;
	add_group(&r, 0, 2, GPM_COLOC_SOCKET);
	assert_int_equal(gpm_create(&g, &r, &b), 0);
	assert_int_equal(parts[b].ncores, 2);
	assert_int_equal(gpm_resize(&g, b, 4), 0);
	assert_int_equal(parts[b].ncores, 2);
	assert_int_equal(vcore(b, 3), vcore(b, 2));
	assert_int_equal(gpm_resize(&g, b, 5), 0);
	assert_int_equal(parts[b].ncores, 3);
	check_invariants();
	assert_int_equal(gpm_resize(&g, b, 2), 0); /* only the group is left */
	assert_int_equal(parts[b].ncores, 1);
	assert_int_equal(vcore(b, 0), vcore(b, 1));
	check_invariants();
	console_capture_reset();
	assert_int_equal(gpm_resize(&g, b, 1), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
}

static void test_aff_replan(void **state)
{
	(void)state;
	setup(3, 4, 4, 0);
	uint32_t a, b;
	struct gpm_request r = req(1);
	assert_int_equal(gpm_create(&g, &r, &a), 0); /* 0, 1 */
	r = req(4);
	add_group(&r, 0, 3, GPM_COLOC_SOCKET); /* socket 1: 4-6; LPM 2, vCPU 3 on 3 */
	assert_int_equal(gpm_create(&g, &r, &b), 0);
	assert_int_equal(vcore(b, 0), 4);
	assert_int_equal(vcore(b, 3), 3);
	assert_int_equal(gpm_destroy(&g, a), 0);

	/* Re-packed from scratch: the group moves to socket 0 as a whole. */
	assert_int_equal(gpm_replan(&g), 0);
	for (uint32_t v = 0; v < 3; v++)
		assert_int_equal(vcore(b, v), v);
	assert_int_equal(parts[b].lpm_core, 3);
	assert_int_equal(vcore(b, 3), 4);
	check_invariants();

	/* Core 1 turns fast: socket 0 still has three slow cores for the group. */
	cores[1].cls = GPM_CLS_FAST;
	assert_int_equal(gpm_replan(&g), 0);
	assert_int_equal(vcore(b, 0), 0);
	assert_int_equal(vcore(b, 1), 2);
	assert_int_equal(vcore(b, 2), 3);
	assert_int_equal(parts[b].lpm_core, 4);
	check_invariants();

	/* Two slow cores per socket: 6 would do for 4 + LPM, not for the group. */
	cores[2].cls = GPM_CLS_FAST;
	cores[6].cls = GPM_CLS_FAST;
	cores[7].cls = GPM_CLS_FAST;
	cores[10].cls = GPM_CLS_FAST;
	cores[11].cls = GPM_CLS_FAST;
	EXPECT_REFUSED(gpm_replan(&g), -E_RANGE,
		       "gpm: replan failed: partition 1 (4 cores + LPM) "
		       "no longer fits, previous plan kept\n");
	assert_int_equal(vcore(b, 1), 2);
	assert_int_equal(cores[2].aff, 1);
	/* Socket 2 gets its cores back: the group moves there. */
	cores[10].cls = GPM_CLS_SLOW;
	assert_int_equal(gpm_replan(&g), 0);
	for (uint32_t v = 0; v < 3; v++)
		assert_int_equal(cores[vcore(b, v)].socket, 2);
	check_invariants();
}

/* Mostly valid random groups (sometimes out of order, sometimes broken). */
static struct gpm_request random_aff_req(void)
{
	struct gpm_request r = req(1 + rnd(12));
	r.share_core = rnd(3) == 0;
	r.colocate = (uint8_t)rnd(3);
	r.power_w = rnd(4) == 0 ? 20 + rnd(100) : 0;
	for (uint32_t cur = 0; r.ngroups < GPM_AFF_MAX && rnd(4);) {
		uint32_t first = cur + rnd(2), count = 1 + rnd(4);
		uint8_t level = (uint8_t)(1 + rnd(3));

		if (level == GPM_AFF_CORE)
			count = r.share_core ? 1 + rnd(2) : 1;
		if (first + count > r.vcpus)
			break;
		add_group(&r, first, count, level);
		cur = first + count;
	}
	if (r.ngroups > 1 && rnd(2)) {
		struct gpm_affinity t = r.groups[0];
		r.groups[0] = r.groups[r.ngroups - 1];
		r.groups[r.ngroups - 1] = t;
	}
	if (r.ngroups && rnd(12) == 0) {
		struct gpm_affinity *a = &r.groups[rnd(r.ngroups)];
		switch (rnd(4)) {
		case 0:
			a->count = 0;
			break;
		case 1:
			a->level = (uint8_t)(4 + rnd(250));
			break;
		case 2:
			a->first = r.vcpus;
			break;
		default:
			*a = r.groups[0];
			a->count += r.ngroups == 1; /* overlap, or too long */
			break;
		}
	}
	return r;
}

/*
 * Property: whatever happens (create / resize / destroy / reclassify +
 * replan, with random topologies and groups), every live partition's groups
 * are each on one core / socket / node, no core has two owners, and a failed
 * call changes nothing.
 */
static void test_aff_random_property(void **state)
{
	(void)state;
	uint32_t grouped_ok = 0;

	for (uint32_t seed = 1; seed <= 400; seed++) {
		rnd_state = seed * 7919u + 13u;
		uint32_t nsock = 1 + rnd(5), per = 1 + rnd(8), div = 1 + rnd(3);
		setup(nsock, per, 1 + rnd(6), rnd(2) ? 10 : 0);
		for (uint32_t i = 0; i < g.ncores; i++) {
			cores[i].node = cores[i].socket / div;
			cores[i].cls = rnd(8) == 0 ? GPM_CLS_FAST : GPM_CLS_SLOW;
		}
		for (int step = 0; step < 200; step++) {
			uint32_t op = rnd(10), p = rnd(g.nparts_max + 1), out;
			int err;

			take_snap(&before);
			console_capture_reset();
			if (op < 4) {
				struct gpm_request r = random_aff_req();
				err = gpm_create(&g, &r, &out);
				if (!err) {
					assert_memory_equal(&parts[out].req, &r, sizeof(r));
					grouped_ok += r.ngroups > 0;
				}
			} else if (op < 7) {
				err = gpm_resize(&g, p, rnd(14));
			} else if (op < 9) {
				err = gpm_destroy(&g, p);
			} else {
				uint32_t i = rnd(g.ncores);
				uint8_t old = cores[i].cls;
				cores[i].cls = rnd(3) ? GPM_CLS_SLOW : GPM_CLS_FAST;
				take_snap(&before);
				err = gpm_replan(&g);
				if (err)
					cores[i].cls = old;
			}
			if (err) {
				assert_int_equal(console_capture_lines(), 1);
				assert_true(strncmp(console_capture(), "gpm: ", 5) == 0);
				assert_unchanged();
			} else {
				assert_int_equal(console_capture_lines(), 0);
			}
			check_vcpu_map();
			bool stale = false;
			for (uint32_t i = 0; i < g.ncores; i++)
				stale |= cores[i].owner >= 0 && cores[i].cls != GPM_CLS_SLOW;
			if (!stale)
				check_invariants();
		}
	}
	/* The run must really exercise groups, not just reject them. */
	assert_true(grouped_ok > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_basic),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_create_null),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_colocate_socket_and_node),
		cmocka_unit_test(test_share_core),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_destroy_and_load),
		cmocka_unit_test(test_replan),
		cmocka_unit_test(test_random_ops),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_aff_groups_one_socket_each),
		cmocka_unit_test(test_aff_core_level_and_sharing),
		cmocka_unit_test(test_aff_no_room),
		cmocka_unit_test(test_aff_malformed),
		cmocka_unit_test(test_aff_resize),
		cmocka_unit_test(test_aff_replan),
		cmocka_unit_test(test_aff_random_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
