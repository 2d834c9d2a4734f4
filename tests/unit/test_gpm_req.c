// SPDX-License-Identifier: MIT
/*
 * Unit tests for the Global Partition Manager request fields added after
 * affinity groups: ncores (time-shared cores) and gpm_resize_cores(), cls
 * (slow / fast / any), lpm_shared, pin, and per-class watts; each with its
 * exact cores, its error lines and untouched state on failure.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/errno.h"
#include "sched/gpm.h"
#include "tests/unit/fake_console.h"

#define MAXC 256
#define MAXP 8

static struct gpm_core cores[MAXC], cores_before[MAXC];
static struct gpm_part parts[MAXP], parts_before[MAXP];
static struct gpm g;

/* nsock sockets of per cores each, node = socket / 2, all slow. */
static void setup(uint32_t nsock, uint32_t per, uint32_t watts)
{
	memset(cores, 0, sizeof(cores));
	memset(parts, 0, sizeof(parts));
	for (uint32_t i = 0; i < nsock * per; i++) {
		cores[i].id = i;
		cores[i].socket = i / per;
		cores[i].node = i / per / 2;
		cores[i].owner = -1;
	}
	g = (struct gpm){ .cores = cores,
			  .ncores = nsock * per,
			  .parts = parts,
			  .nparts_max = MAXP,
			  .core_watts = watts };
	console_capture_reset();
}

static struct gpm_request req(uint32_t vcpus)
{
	return (struct gpm_request){ .vcpus = vcpus, .weight = 1 };
}

static uint32_t vcore(uint32_t p, uint32_t v)
{
	uint32_t ci = 0xdead;
	assert_int_equal(gpm_vcpu_core(&g, p, v, &ci), 0);
	return ci;
}

static uint32_t create(const struct gpm_request *r)
{
	uint32_t p = 0xdead;
	assert_int_equal(gpm_create(&g, r, &p), 0);
	return p;
}

/* Every core of part in array order (LPM included), as a string "1 2 3". */
static const char *owned(uint32_t part)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < g.ncores; i++)
		if (cores[i].owner == (int32_t)part)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%u", n ? " " : "", i);
	return buf;
}

static void snap(void)
{
	memcpy(cores_before, cores, sizeof(cores));
	memcpy(parts_before, parts, sizeof(parts));
	console_capture_reset();
}

/* call fails with err and exactly line; every core and slot byte-for-byte as before. */
#define EXPECT_REFUSED(call, err, line)                                  \
	do {                                                             \
		snap();                                                  \
		assert_int_equal((call), (err));                         \
		assert_string_equal(console_capture(), (line));          \
		assert_memory_equal(cores_before, cores, sizeof(cores)); \
		assert_memory_equal(parts_before, parts, sizeof(parts)); \
	} while (0)

static int create_fails(const struct gpm_request *r)
{
	uint32_t p = 0xdead;
	int err = gpm_create(&g, r, &p);
	assert_int_equal(p, 0xdead);
	return err;
}

static void test_ncores_time_share(void **state)
{
	(void)state;
	setup(1, 8, 0);
	struct gpm_request r = req(5);
	r.ncores = 2;
	uint32_t p = create(&r);
	assert_string_equal(owned(p), "0 1 2");
	assert_int_equal(parts[p].lpm_core, 0);
	assert_int_equal(parts[p].ncores, 2);
	for (uint32_t v = 0; v < 5; v++)
		assert_int_equal(vcore(p, v), 1 + v % 2);
	/* gpm_resize changes only the vCPU count: the cores stay. */
	assert_int_equal(gpm_resize(&g, p, 7), 0);
	assert_string_equal(owned(p), "0 1 2");
	assert_int_equal(vcore(p, 6), 1);
	assert_int_equal(gpm_resize(&g, p, 1), 0);
	assert_int_equal(parts[p].req.vcpus, 1);
	assert_string_equal(owned(p), "0 1 2");
	assert_int_equal(gpm_destroy(&g, p), 0);

	/* Groups keep their cores; the ungrouped vCPUs share the rest. */
	r = req(6);
	r.ncores = 4;
	r.groups[0] = (struct gpm_affinity){ 0, 2, GPM_COLOC_SOCKET };
	r.ngroups = 1;
	p = create(&r);
	assert_int_equal(vcore(p, 0), 0);
	assert_int_equal(vcore(p, 1), 1);
	assert_int_equal(parts[p].lpm_core, 2);
	assert_int_equal(vcore(p, 2), 3);
	assert_int_equal(vcore(p, 3), 4);
	assert_int_equal(vcore(p, 4), 3);
	assert_int_equal(vcore(p, 5), 4);
	assert_int_equal(console_capture_lines(), 0);

	/* More cores than vCPUs is allowed; a gang needs a core per vCPU. */
	setup(1, 8, 0);
	r = req(3);
	r.gang = true;
	r.ncores = 3;
	p = create(&r);
	assert_string_equal(owned(p), "0 1 2 3");
	EXPECT_REFUSED(gpm_resize(&g, p, 4), -E_INVAL,
		       "gpm: partition 0: 4 vCPUs on 3 cores: gang needs a core per vCPU\n");
	r.ncores = 2;
	EXPECT_REFUSED(
		create_fails(&r), -E_INVAL,
		"gpm: request for 3 vCPUs: 3 vCPUs on 2 cores: gang needs a core per vCPU\n");
	r = req(2);
	r.ncores = 1;
	r.share_core = true;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 2 vCPUs asks for 1 cores and shared cores\n");
	r = req(3);
	r.ncores = 2;
	r.groups[0] = (struct gpm_affinity){ 0, 2, GPM_COLOC_NODE };
	r.ngroups = 1;
	EXPECT_REFUSED(
		create_fails(&r), -E_INVAL,
		"gpm: request for 3 vCPUs: 2 cores leave its 1 ungrouped vCPUs no core (groups "
		"use 2)\n");
	r.ncores = 1;
	EXPECT_REFUSED(
		create_fails(&r), -E_INVAL,
		"gpm: request for 3 vCPUs: 1 cores leave its 1 ungrouped vCPUs no core (groups "
		"use 2)\n");
	/* Not enough free cores for the fixed count. */
	r = req(2);
	r.ncores = 5;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: request for 2 vCPUs needs 6 slow cores (5 + LPM), 4 are free\n");
}

static void test_resize_cores(void **state)
{
	(void)state;
	setup(2, 4, 10);
	struct gpm_request r = req(4);
	r.ncores = 1;
	r.colocate = GPM_COLOC_SOCKET;
	r.power_w = 40;
	uint32_t p = create(&r);
	assert_string_equal(owned(p), "0 1");
	assert_int_equal(gpm_resize_cores(&g, p, 3), 0);
	assert_string_equal(owned(p), "0 1 2 3");
	assert_int_equal(parts[p].ncores, 3);
	assert_int_equal(parts[p].req.ncores, 3);
	assert_int_equal(vcore(p, 3), 1);
	/* Power (3 + 1 cores at 10 W = 40 W) and then the socket stop it. */
	EXPECT_REFUSED(gpm_resize_cores(&g, p, 4), -E_RANGE,
		       "gpm: 4 vCPUs need 50 W (4 cores + LPM at 10 W), budget is 40 W\n");
	parts[p].req.power_w = 0;
	EXPECT_REFUSED(gpm_resize_cores(&g, p, 4), -E_RANGE,
		       "gpm: cannot grow partition 0 to 4 cores: needs 1 more slow cores on "
		       "its socket, 0 are free\n");
	/* Shrinking drops the highest ungrouped cores, never the LPM core. */
	assert_int_equal(gpm_resize_cores(&g, p, 1), 0);
	assert_string_equal(owned(p), "0 1");
	assert_int_equal(vcore(p, 3), 1);
	EXPECT_REFUSED(gpm_resize_cores(&g, p, 0), -E_INVAL,
		       "gpm: partition 0: 0 cores leave its 4 ungrouped vCPUs no core (groups "
		       "use 0)\n");
	EXPECT_REFUSED(gpm_resize_cores(&g, 5, 1), -E_INVAL,
		       "gpm: resize of partition 5, which is not live\n");
	uint32_t q = create(&(struct gpm_request){ .vcpus = 1 });
	EXPECT_REFUSED(gpm_resize_cores(&g, q, 2), -E_INVAL,
		       "gpm: partition 1 was created without ncores: resize its vCPUs\n");
	assert_int_equal(gpm_destroy(&g, q), 0);

	/* Group cores stay: only ungrouped cores come and go. */
	setup(1, 8, 0);
	r = req(3);
	r.ncores = 3;
	r.groups[0] = (struct gpm_affinity){ 1, 2, GPM_COLOC_SOCKET };
	r.ngroups = 1;
	p = create(&r);
	assert_string_equal(owned(p), "0 1 2 3"); /* group 0-1, LPM 2, vCPU 0 on 3 */
	assert_int_equal(gpm_resize_cores(&g, p, 4), 0);
	assert_string_equal(owned(p), "0 1 2 3 4");
	assert_int_equal(cores[4].aff, 0);
	EXPECT_REFUSED(gpm_resize_cores(&g, p, 2), -E_INVAL,
		       "gpm: partition 0: 2 cores leave its 1 ungrouped vCPUs no core (groups "
		       "use 2)\n");
	assert_int_equal(gpm_resize_cores(&g, p, 3), 0);
	assert_string_equal(owned(p), "0 1 2 3");
	/* A gang keeps a core per vCPU. */
	r = req(2);
	r.ncores = 2;
	r.gang = true;
	q = create(&r);
	EXPECT_REFUSED(gpm_resize_cores(&g, q, 1), -E_INVAL,
		       "gpm: partition 1: 2 vCPUs on 1 cores: gang needs a core per vCPU\n");
}

static void test_classes(void **state)
{
	(void)state;
	/* Cores 0-3 slow, 4-7 fast, 8 accelerator. */
	setup(1, 9, 0);
	for (uint32_t i = 4; i < 8; i++)
		cores[i].cls = GPM_CLS_FAST;
	cores[8].cls = GPM_CLS_ACCEL;
	struct gpm_request r = req(2);
	r.cls = GPM_CLS_FAST;
	uint32_t a = create(&r);
	assert_int_equal(parts[a].lpm_core, 0); /* the LPM core is slow while one is free */
	assert_int_equal(vcore(a, 0), 4);
	assert_int_equal(vcore(a, 1), 5);
	/* Any: slow cores first, then fast. */
	r = req(4);
	r.cls = GPM_REQ_ANY;
	uint32_t b = create(&r);
	assert_string_equal(owned(b), "1 2 3 6 7");
	assert_int_equal(parts[b].lpm_core, 1);
	assert_int_equal(vcore(b, 2), 6);
	assert_int_equal(console_capture_lines(), 0);
	/* Nothing slow or fast is left; the accelerator is never handed out. */
	r = req(1);
	r.cls = GPM_REQ_ANY;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: request for 1 vCPUs needs 1 slow or fast cores + LPM, 0 slow and 0 "
		       "fast are free\n");
	r.cls = GPM_CLS_ACCEL;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 1 vCPUs asks for core class 2 (slow, fast or any)\n");
	r.cls = 4;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 1 vCPUs asks for core class 4 (slow, fast or any)\n");

	/* No slow core free: a fast request's LPM core is fast. */
	assert_int_equal(gpm_destroy(&g, a), 0);
	cores[0].cls = GPM_CLS_FAST;
	r = req(1);
	r.cls = GPM_CLS_FAST;
	a = create(&r);
	assert_string_equal(owned(a), "0 4");
	assert_int_equal(parts[a].lpm_core, 0);
	assert_int_equal(vcore(a, 0), 4);
	/* A slow request never falls back: its LPM core must be slow. */
	assert_int_equal(gpm_destroy(&g, a), 0);
	r = req(1);
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: request for 1 vCPUs needs 2 slow cores (1 + LPM), 0 are free\n");
	/* A fast request needs its cores fast, LPM included when no slow one is free. */
	r.cls = GPM_CLS_FAST;
	r.vcpus = 3;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: request for 3 vCPUs needs 3 fast cores + LPM, 0 slow and 3 fast "
		       "are free\n");

	/* Co-located fast partition: LPM and vCPU cores on one socket. */
	setup(2, 4, 0);
	cores[1].cls = cores[2].cls = cores[3].cls = GPM_CLS_FAST;
	cores[5].cls = cores[6].cls = GPM_CLS_FAST;
	r = req(3);
	r.cls = GPM_CLS_FAST;
	r.colocate = GPM_COLOC_SOCKET;
	a = create(&r);
	assert_string_equal(owned(a), "0 1 2 3");
	assert_int_equal(parts[a].lpm_core, 0);
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: request for 3 vCPUs needs 3 fast cores + LPM, 2 slow and 2 fast are "
		       "free\n");
	r.vcpus = 2;
	a = create(&r);
	assert_string_equal(owned(a), "4 5 6");

	/*
	 * Socket 0 holds 3 cores but only one fast one beside its slow LPM
	 * core; socket 1 has two fast cores and no third core: no socket fits.
	 */
	setup(2, 3, 0);
	cores[2].cls = GPM_CLS_FAST;
	cores[3].cls = cores[4].cls = GPM_CLS_FAST;
	cores[5].cls = GPM_CLS_ACCEL;
	r = req(2);
	r.cls = GPM_CLS_FAST;
	r.colocate = GPM_COLOC_SOCKET;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: request for 2 vCPUs: no socket has room for its 2 fast cores and LPM "
		       "core\n");
	/* One fast vCPU fits on socket 0 beside its slow LPM core. */
	r.vcpus = 1;
	a = create(&r);
	assert_string_equal(owned(a), "0 2");
}

static void test_lpm_shared(void **state)
{
	(void)state;
	setup(2, 4, 10);
	struct gpm_request r = req(2);
	r.lpm_shared = true;
	r.power_w = 20; /* 2 cores x 10 W: no LPM core to pay for */
	uint32_t a = create(&r);
	assert_string_equal(owned(a), "0 1");
	assert_int_equal(parts[a].lpm_core, GPM_NO_CORE);
	assert_false(cores[0].lpm);
	assert_int_equal(vcore(a, 0), 0);
	r.vcpus = 3;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: 3 vCPUs need 30 W (3 cores at 10 W, LPM shared), budget is 20 W\n");
	EXPECT_REFUSED(gpm_resize(&g, a, 3), -E_RANGE,
		       "gpm: 3 vCPUs need 30 W (3 cores at 10 W, LPM shared), budget is 20 W\n");
	/* Co-located with no LPM core: growth stays on the socket of its cores. */
	r = req(1);
	r.lpm_shared = true;
	r.colocate = GPM_COLOC_SOCKET;
	uint32_t b = create(&r);
	assert_string_equal(owned(b), "2");
	assert_int_equal(gpm_resize(&g, b, 2), 0);
	assert_string_equal(owned(b), "2 3");
	EXPECT_REFUSED(gpm_resize(&g, b, 3), -E_RANGE,
		       "gpm: cannot grow partition 1 to 3 vCPUs: needs 1 more slow cores on its "
		       "socket, 0 are free\n");
	/* Re-plan keeps it without an LPM core. */
	assert_int_equal(gpm_destroy(&g, a), 0);
	assert_int_equal(gpm_replan(&g), 0);
	assert_string_equal(owned(b), "0 1");
	assert_int_equal(parts[b].lpm_core, GPM_NO_CORE);
	/* Its re-plan failure line counts no LPM core. */
	for (uint32_t i = 0; i < 8; i++)
		cores[i].cls = i == 7 ? GPM_CLS_SLOW : GPM_CLS_FAST;
	snap();
	assert_int_equal(gpm_replan(&g), -E_RANGE);
	assert_string_equal(console_capture(),
			    "gpm: replan failed: partition 1 (2 cores) no longer "
			    "fits, previous plan kept\n");
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(cores[i].owner, cores_before[i].owner);
		cores[i].cls = GPM_CLS_SLOW;
	}
	r = req(4);
	r.lpm_shared = true;
	r.colocate = GPM_COLOC_SOCKET;
	a = create(&r); /* exactly one socket, no room needed for an LPM core */
	assert_string_equal(owned(a), "4 5 6 7");
}

static void test_pin(void **state)
{
	(void)state;
	setup(2, 64, 0); /* 128 cores: two bitmap words */
	uint64_t pin[2] = { 1ull << 3 | 1ull << 5, 1ull << 2 };
	struct gpm_request r = req(4);
	r.pin = pin;
	uint32_t a = create(&r);
	assert_int_equal(parts[a].ncores, 3);
	assert_int_equal(parts[a].req.ncores, 3);
	assert_null(parts[a].req.pin);
	assert_true(parts[a].pinned);
	assert_string_equal(owned(a), "0 3 5 66");
	assert_int_equal(parts[a].lpm_core, 0);
	assert_int_equal(vcore(a, 0), 3);
	assert_int_equal(vcore(a, 1), 5);
	assert_int_equal(vcore(a, 2), 66);
	assert_int_equal(vcore(a, 3), 3);
	assert_true(cores[66].pinned);
	assert_false(cores[0].pinned);
	memset(pin, 0xff, sizeof(pin)); /* the bitmap is not kept */

	/* Errors name the core. */
	uint64_t bad[2] = { 1ull << 5, 0 };
	r = req(1);
	r.pin = bad;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: pinned core 5 is not free (partition 0 has it)\n");
	bad[0] = 1ull << 7;
	cores[7].cls = GPM_CLS_FAST;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: pinned core 7 is of class 1, the request takes slow cores\n");
	r.cls = GPM_REQ_ANY;
	uint32_t b = create(&r); /* any takes it */
	assert_string_equal(owned(b), "1 7");
	assert_int_equal(gpm_destroy(&g, b), 0);
	g.ncores = 100;
	bad[0] = 0;
	bad[1] = 1ull << 40;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: pinned core 104 does not exist (100 cores)\n");
	g.ncores = 128;
	bad[1] = 0;
	bad[0] = 1ull << 8 | 1ull << 9;
	r.ncores = 3;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 1 vCPUs pins 2 cores, ncores is 3\n");
	bad[0] = 0;
	r.ncores = 0;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 1 vCPUs pins 0 cores, ncores is 0\n");
	r.share_core = true;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 1 vCPUs: pin with shared cores is not supported\n");
	r.share_core = false;
	r.colocate = GPM_COLOC_NODE;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 1 vCPUs: pin with colocate is not supported\n");
	r.colocate = 0;
	r.groups[0] = (struct gpm_affinity){ 0, 1, GPM_AFF_CORE };
	r.ngroups = 1;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 1 vCPUs: pin with affinity groups is not supported\n");
	EXPECT_REFUSED(gpm_resize_cores(&g, a, 4), -E_INVAL,
		       "gpm: cannot resize the cores of partition 0: it is pinned\n");
	/* A pinned gang needs a pinned core per vCPU. */
	bad[0] = 1ull << 8 | 1ull << 9;
	r = req(3);
	r.gang = true;
	r.pin = bad;
	EXPECT_REFUSED(create_fails(&r), -E_INVAL,
		       "gpm: request for 3 vCPUs: 3 vCPUs on 2 cores: gang needs a core per "
		       "vCPU\n");

	/*
	 * Re-plan: pinned cores stay, even when an earlier partition would have
	 * packed onto them; only the LPM core moves.
	 */
	assert_int_equal(gpm_destroy(&g, a), 0);
	struct gpm_request two = req(2), one = req(1);
	uint32_t c = create(&two); /* 0 1 2 */
	uint64_t pin2[2] = { 1ull << 3 | 1ull << 4, 0 };
	r = req(2);
	r.pin = pin2;
	b = create(&r);
	assert_string_equal(owned(b), "3 4 5");
	assert_int_equal(parts[b].lpm_core, 5);
	assert_int_equal(gpm_destroy(&g, c), 0);
	c = create(&one); /* 0 1, created after b */
	assert_int_equal(gpm_replan(&g), 0);
	assert_string_equal(owned(b), "0 3 4");
	assert_int_equal(parts[b].lpm_core, 0);
	assert_string_equal(owned(c), "1 2");
	/* A pinned core that turned fast fails the re-plan; nothing moves. */
	cores[4].cls = GPM_CLS_FAST;
	snap();
	assert_int_equal(gpm_replan(&g), -E_RANGE);
	assert_string_equal(console_capture(), "gpm: replan failed: partition 1 (2 cores + LPM) "
					       "no longer fits, previous plan kept\n");
	for (uint32_t i = 0; i < g.ncores; i++) {
		assert_int_equal(cores[i].owner, cores_before[i].owner);
		assert_int_equal(cores[i].lpm, cores_before[i].lpm);
		assert_int_equal(cores[i].aff, cores_before[i].aff);
		assert_int_equal(cores[i].pinned, cores_before[i].pinned);
	}
	for (uint32_t i = 0; i < MAXP; i++) {
		assert_int_equal(parts[i].lpm_core, parts_before[i].lpm_core);
		assert_int_equal(parts[i].ncores, parts_before[i].ncores);
	}
}

static void test_class_watts(void **state)
{
	(void)state;
	setup(1, 8, 10);
	g.class_watts[GPM_CLS_FAST] = 30;
	for (uint32_t i = 4; i < 8; i++)
		cores[i].cls = GPM_CLS_FAST;
	/* Slow LPM core (10 W, core_watts) + two fast cores (30 W each). */
	struct gpm_request r = req(2);
	r.cls = GPM_CLS_FAST;
	r.power_w = 69;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: partition 0 would draw 70 W, its budget is 69 W\n");
	r.power_w = 70;
	uint32_t a = create(&r);
	assert_string_equal(owned(a), "0 4 5");
	/* Any: slow first; the fast core tips it over the budget. */
	r = req(4);
	r.cls = GPM_REQ_ANY;
	r.power_w = 50;
	EXPECT_REFUSED(create_fails(&r), -E_RANGE,
		       "gpm: partition 1 would draw 90 W, its budget is 50 W\n");
	/* class_watts[SLOW] overrides core_watts for slow cores. */
	g.class_watts[GPM_CLS_SLOW] = 5;
	r.vcpus = 2;
	r.power_w = 20;
	uint32_t b = create(&r);
	assert_string_equal(owned(b), "1 2 3");
	/* Growing would add fast core 6: 15 + 30 W. */
	EXPECT_REFUSED(gpm_resize(&g, b, 3), -E_RANGE,
		       "gpm: partition 1 would draw 45 W, its budget is 20 W\n");
	parts[b].req.power_w = 45;
	assert_int_equal(gpm_resize(&g, b, 3), 0);
	assert_string_equal(owned(b), "1 2 3 6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ncores_time_share),
		cmocka_unit_test(test_resize_cores),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_lpm_shared),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_class_watts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
