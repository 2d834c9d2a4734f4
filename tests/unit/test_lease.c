// SPDX-License-Identifier: MIT
/*
 * Unit tests for fast-core leases: grant/renew/release/expire, -E_BUSY and
 * -E_EXIST, the fair-share and waiting rules, exact charging, bad arguments,
 * and random operation storms checked against a shadow model.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/errno.h"
#include "sched/lease.h"
#include "tests/unit/fake_console.h"

#define TERM 1000000ULL

static struct lease_core cores[8];
static uint64_t charge[80], held[80];
static struct lease_table tab;

/* n cores with ids 100.. and watts 10, 20, 30, ...; nv VMs. */
static void setup_table(uint32_t n, uint32_t nv, uint64_t term)
{
	memset(cores, 0xa5, sizeof(cores)); /* lease_init must clear owner state */
	for (uint32_t i = 0; i < n; i++) {
		cores[i].core = 100 + i;
		cores[i].watts = 10 * (i + 1);
	}
	memset(charge, 0xa5, sizeof(charge));
	memset(held, 0xa5, sizeof(held));
	console_capture_reset();
	lease_init(&tab, cores, n, term, charge, held, nv);
}

static void test_grant_and_fields(void **state)
{
	uint32_t core = 0;

	(void)state;
	setup_table(2, 2, TERM);
	assert_int_equal(charge[0], 0);
	assert_int_equal(held[1], 0);
	assert_int_equal(cores[0].owner_vm, -1);
	assert_int_equal(lease_request(&tab, 1, 3, 50, &core), 0);
	assert_int_equal(core, 100);
	assert_int_equal(cores[0].owner_vm, 1);
	assert_int_equal(cores[0].vcpu, 3);
	assert_int_equal(cores[0].expires_us, 50 + TERM);
	assert_int_equal(lease_request(&tab, 1, 4, 60, &core), 0);
	assert_int_equal(core, 101);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_double_request_exist(void **state)
{
	uint32_t core = 77;

	(void)state;
	setup_table(3, 1, TERM);
	assert_int_equal(lease_request(&tab, 0, 0, 0, &core), 0);
	core = 77;
	assert_int_equal(lease_request(&tab, 0, 0, 10, &core), -E_EXIST);
	assert_int_equal(core, 77);
	assert_int_equal(cores[1].owner_vm, -1); /* no second core taken */
	/* Still -E_EXIST after the term passed but before lease_expire() ran. */
	assert_int_equal(lease_request(&tab, 0, 0, 2 * TERM, NULL), -E_EXIST);
}

static void test_no_free_core_busy(void **state)
{
	(void)state;
	setup_table(1, 2, TERM);
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), 0);
	assert_int_equal(lease_request(&tab, 1, 0, 5, NULL), -E_BUSY);
	assert_int_equal(cores[0].owner_vm, 0);
	/* Zero fast cores: always busy. */
	setup_table(0, 2, TERM);
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), -E_BUSY);
}

static void test_unknown_vm(void **state)
{
	(void)state;
	setup_table(2, 2, TERM);
	assert_int_equal(lease_request(&tab, 2, 0, 0, NULL), -E_INVAL);
	assert_true(console_capture_has("lease: request from unknown vm 2"));
	assert_int_equal(console_capture_lines(), 1);
	assert_int_equal(lease_renew(&tab, 5, 0, 0), -E_NOENT);
	assert_int_equal(lease_release(&tab, 5, 0, 0), -E_NOENT);
	assert_int_equal(cores[0].owner_vm, -1);
}

static void test_expire_exactly_at_end(void **state)
{
	struct lease_event ev[4];

	(void)state;
	setup_table(2, 2, TERM);
	assert_int_equal(lease_request(&tab, 1, 2, 1000, NULL), 0);
	assert_int_equal(lease_expire(&tab, 1000 + TERM - 1, ev, 4), 0);
	assert_int_equal(cores[0].owner_vm, 1);
	assert_int_equal(lease_renew(&tab, 1, 2, 1000 + TERM), -E_NOENT);
	assert_int_equal(lease_expire(&tab, 1000 + TERM, ev, 4), 1);
	assert_int_equal(ev[0].vm, 1);
	assert_int_equal(ev[0].vcpu, 2);
	assert_int_equal(ev[0].core, 100);
	assert_int_equal(cores[0].owner_vm, -1);
	assert_int_equal(held[1], TERM);
	assert_int_equal(charge[1], 10 * TERM / 1000); /* 10 W for 1 s = 10000 mWs */
	assert_int_equal(charge[0], 0);
	assert_int_equal(lease_expire(&tab, 5 * TERM, ev, 4), 0); /* reported once */
	/* Late expiry charges up to expires_us, not to now. */
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), 0);
	assert_int_equal(lease_expire(&tab, 9 * TERM, ev, 4), 1);
	assert_int_equal(held[0], TERM);
}

static void test_renew(void **state)
{
	struct lease_event ev[2];

	(void)state;
	setup_table(1, 1, TERM);
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), 0);
	assert_int_equal(lease_renew(&tab, 0, 0, 400000), 0);
	assert_int_equal(cores[0].expires_us, 400000 + TERM);
	/* Renewing again at once does not stockpile a second term. */
	assert_int_equal(lease_renew(&tab, 0, 0, 400000), 0);
	assert_int_equal(cores[0].expires_us, 400000 + TERM);
	assert_int_equal(lease_renew(&tab, 0, 1, 400000), -E_NOENT);
	assert_int_equal(lease_expire(&tab, TERM, ev, 2), 0);
	assert_int_equal(lease_expire(&tab, 400000 + TERM, ev, 2), 1);
	assert_int_equal(held[0], 400000 + TERM);
	assert_int_equal(charge[0], 10 * (400000 + TERM) / 1000);
}

static void test_renew_refused_while_other_vm_waits(void **state)
{
	struct lease_event ev[2];

	(void)state;
	setup_table(1, 2, TERM);
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), 0);
	assert_int_equal(lease_renew(&tab, 0, 0, 100), 0); /* nobody waits yet */
	assert_int_equal(lease_request(&tab, 1, 0, 200, NULL), -E_BUSY);
	assert_int_equal(lease_renew(&tab, 0, 0, 300), -E_BUSY);
	assert_int_equal(cores[0].expires_us, 100 + TERM); /* unchanged */
	assert_int_equal(lease_expire(&tab, 100 + TERM, ev, 2), 1);
	assert_int_equal(lease_request(&tab, 1, 0, 100 + TERM, NULL), 0);
	/* vm 1 was granted, so it no longer waits and may renew. */
	assert_int_equal(lease_renew(&tab, 1, 0, 200 + TERM), 0);
	/* A refusal older than one term no longer blocks renewals. */
	setup_table(3, 2, TERM);
	for (uint32_t c = 0; c < 3; c++)
		assert_int_equal(lease_request(&tab, 0, c, 0, NULL), 0);
	assert_int_equal(lease_request(&tab, 1, 0, 10, NULL), -E_BUSY); /* share 2, none free */
	assert_int_equal(lease_release(&tab, 0, 1, 20), 0);
	assert_int_equal(lease_release(&tab, 0, 2, 20), 0);
	assert_int_equal(lease_request(&tab, 0, 1, 30, NULL), 0); /* vm 1 never came back */
	assert_int_equal(lease_renew(&tab, 0, 1, 9 + TERM), -E_BUSY);
	assert_int_equal(lease_renew(&tab, 0, 1, 10 + TERM), 0);
	assert_int_equal(cores[1].expires_us, 10 + 2 * TERM);
}

static void test_waiting_only_blocks_other_vms(void **state)
{
	(void)state;
	setup_table(4, 2, TERM);
	for (uint32_t c = 0; c < 3; c++)
		assert_int_equal(lease_request(&tab, 0, c, 0, NULL), 0);
	assert_int_equal(lease_request(&tab, 1, 0, 0, NULL), 0);
	/* vm 1 is under its share of 2 and nothing is free: it waits. */
	assert_int_equal(lease_request(&tab, 1, 1, 10, NULL), -E_BUSY);
	/* Its own wait never blocks its own renewals; vm 0's are refused. */
	assert_int_equal(lease_renew(&tab, 1, 0, 20), 0);
	assert_int_equal(lease_renew(&tab, 0, 0, 20), -E_BUSY);
	/* Once vm 1 is granted a core it no longer waits, so vm 0 may renew. */
	assert_int_equal(lease_release(&tab, 0, 2, 30), 0);
	assert_int_equal(lease_request(&tab, 1, 1, 40, NULL), 0);
	assert_int_equal(lease_renew(&tab, 0, 0, 50), 0);
	assert_int_equal(cores[0].expires_us, 50 + TERM);
}

static void test_fair_share(void **state)
{
	(void)state;
	setup_table(4, 3, TERM);
	/* Alone, vm 0 may take every core. */
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), 0);
	assert_int_equal(lease_request(&tab, 0, 1, 0, NULL), 0);
	assert_int_equal(lease_request(&tab, 1, 0, 10, NULL), 0); /* 2 active: share 2 */
	/* vm 0 holds its share of 2 though a core is free. */
	assert_int_equal(lease_request(&tab, 0, 2, 20, NULL), -E_BUSY);
	assert_int_equal(cores[3].owner_vm, -1);
	/* A share-cap refusal is not waiting: vm 1 may still renew. */
	assert_int_equal(lease_renew(&tab, 1, 0, 30), 0);
	assert_int_equal(lease_request(&tab, 1, 1, 40, NULL), 0);
	assert_int_equal(lease_request(&tab, 1, 2, 40, NULL), -E_BUSY); /* no core left */
	/* Three active VMs: share ceil(4/3) = 2. vm 2 gets nothing, nothing free. */
	assert_int_equal(lease_request(&tab, 2, 0, 50, NULL), -E_BUSY);
	assert_int_equal(lease_renew(&tab, 0, 0, 60), -E_BUSY); /* vm 2 waits */
	assert_int_equal(lease_release(&tab, 0, 0, 70), 0);
	assert_int_equal(lease_request(&tab, 2, 0, 80, NULL), 0);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_share_window_is_one_term(void **state)
{
	(void)state;
	setup_table(4, 2, TERM);
	/* vm 1 asks once and lets go: it still counts as active for one term. */
	assert_int_equal(lease_request(&tab, 1, 0, 0, NULL), 0);
	assert_int_equal(lease_release(&tab, 1, 0, 5), 0);
	assert_int_equal(lease_request(&tab, 0, 0, 10, NULL), 0);
	assert_int_equal(lease_request(&tab, 0, 1, 10, NULL), 0);
	assert_int_equal(lease_request(&tab, 0, 2, TERM - 1, NULL), -E_BUSY);
	/* At exactly one term after vm 1's request it is no longer active. */
	assert_int_equal(lease_request(&tab, 0, 2, TERM, NULL), 0);
	assert_int_equal(lease_request(&tab, 0, 3, TERM, NULL), 0);
}

static void test_release_charges_exactly(void **state)
{
	(void)state;
	setup_table(3, 2, TERM);
	assert_int_equal(lease_request(&tab, 0, 0, 1000, NULL), 0); /* 10 W */
	assert_int_equal(lease_request(&tab, 0, 1, 1000, NULL), 0); /* 20 W */
	assert_int_equal(lease_request(&tab, 1, 0, 1000, NULL), 0); /* 30 W */
	assert_int_equal(lease_release(&tab, 0, 0, 1000 + 333), 0);
	assert_int_equal(charge[0], 3); /* 10 W * 333 us = 3.33 mWs, rounded down */
	assert_int_equal(lease_release(&tab, 0, 1, 1000 + 250000), 0);
	assert_int_equal(charge[0], 3 + 5000);
	assert_int_equal(held[0], 333 + 250000);
	assert_int_equal(lease_release(&tab, 0, 1, 1000 + 250000), -E_NOENT);
	/* Released after its term but before lease_expire(): charged to the end. */
	assert_int_equal(lease_release(&tab, 1, 0, 7 * TERM), 0);
	assert_int_equal(held[1], TERM);
	assert_int_equal(charge[1], 30 * TERM / 1000);
	/* Clock going backwards charges nothing rather than wrapping. */
	assert_int_equal(lease_request(&tab, 1, 0, 5000, NULL), 0);
	assert_int_equal(lease_release(&tab, 1, 0, 4000), 0);
	assert_int_equal(held[1], TERM);
	assert_int_equal(charge[1], 30 * TERM / 1000);
}

static void test_charge_saturates(void **state)
{
	struct lease_event ev;

	(void)state;
	setup_table(1, 1, UINT64_MAX / 2);
	cores[0].watts = UINT32_MAX;
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), 0);
	assert_int_equal(lease_expire(&tab, UINT64_MAX, &ev, 1), 1);
	assert_true(charge[0] == UINT64_MAX);
	assert_true(held[0] == UINT64_MAX / 2);
	/* Expiry time itself saturates instead of wrapping into the past. */
	assert_int_equal(lease_request(&tab, 0, 0, UINT64_MAX - 5, NULL), 0);
	assert_true(cores[0].expires_us == UINT64_MAX);
}

static void test_expire_respects_max(void **state)
{
	struct lease_event ev[3];
	uint32_t seen = 0;

	(void)state;
	setup_table(3, 3, TERM);
	for (uint32_t v = 0; v < 3; v++)
		assert_int_equal(lease_request(&tab, v, 9, v, NULL), 0);
	assert_int_equal(lease_expire(&tab, 10 * TERM, ev, 2), 2);
	seen |= 1u << ev[0].vm | 1u << ev[1].vm;
	assert_int_equal(lease_expire(&tab, 10 * TERM, ev, 0), 0);
	assert_int_equal(lease_expire(&tab, 10 * TERM, ev, 3), 1);
	seen |= 1u << ev[0].vm;
	assert_int_equal(seen, 7);
	assert_int_equal(ev[0].vcpu, 9);
}

static void test_bad_init(void **state)
{
	(void)state;
	setup_table(2, 2, 0);
	assert_true(console_capture_has("lease: term 0 us invalid"));
	assert_int_equal(console_capture_lines(), 1);
	assert_int_equal(tab.term_us, 1000000);
	console_capture_reset();
	lease_init(&tab, NULL, 4, TERM, charge, held, 2);
	assert_true(console_capture_has("lease: 4 cores but no core array"));
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), -E_BUSY);
	console_capture_reset();
	lease_init(&tab, cores, 2, TERM, NULL, held, 2);
	assert_true(console_capture_has("lease: 2 VMs but no charge/held arrays"));
	assert_int_equal(lease_request(&tab, 0, 0, 0, NULL), -E_INVAL);
	assert_int_equal(console_capture_lines(), 2);
}

static void test_request_log_full(void **state)
{
	(void)state;
	setup_table(1, 80, TERM);
	for (uint32_t v = 0; v < LEASE_RECENT_MAX; v++)
		lease_request(&tab, v, 0, v, NULL);
	assert_int_equal(console_capture_lines(), 0);
	assert_int_equal(lease_request(&tab, LEASE_RECENT_MAX, 0, 100, NULL), -E_BUSY);
	assert_true(console_capture_has("lease: request log full, forgetting vm 0"));
	assert_int_equal(console_capture_lines(), 1);
	/* Stale entries are reused silently. */
	assert_int_equal(lease_request(&tab, LEASE_RECENT_MAX + 1, 0, 5 * TERM, NULL), -E_BUSY);
	assert_int_equal(console_capture_lines(), 1);
}

/* ---- random storms against a shadow model ---- */

struct shadow {
	int32_t core;	/* index into cores[], -1 none */
	uint64_t start; /* grant time */
	uint64_t end;	/* expiry time */
};

#define S_VMS	6
#define S_VCPUS 4

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void shadow_end(struct shadow *sh, uint32_t vm, uint64_t end, uint64_t *want_charge,
		       uint64_t *want_held)
{
	uint64_t dur = end > sh->start ? end - sh->start : 0;

	/* Independent arithmetic: 128-bit product, rounded down once per lease. */
	want_charge[vm] += (uint64_t)((unsigned __int128)cores[sh->core].watts * dur / 1000);
	want_held[vm] += dur;
	sh->core = -1;
}

/* Table and shadow agree; every core has one owner or none; counts add up. */
static void check_invariants(uint32_t nc, uint32_t nv, struct shadow sh[S_VMS][S_VCPUS],
			     const uint64_t *want_charge, const uint64_t *want_held)
{
	uint32_t owned = 0, shadow_owned = 0;

	for (uint32_t i = 0; i < nc; i++) {
		int32_t o = cores[i].owner_vm;

		if (o < 0)
			continue;
		owned++;
		assert_true((uint32_t)o < nv && cores[i].vcpu < S_VCPUS);
		/* The core's owner's shadow points back at this core, so no core has two owners. */
		assert_int_equal(sh[o][cores[i].vcpu].core, (int32_t)i);
		assert_true(cores[i].expires_us == sh[o][cores[i].vcpu].end);
		for (uint32_t j = i + 1; j < nc; j++)
			assert_false(cores[j].owner_vm == o && cores[j].vcpu == cores[i].vcpu);
	}
	for (uint32_t v = 0; v < nv; v++) {
		for (uint32_t c = 0; c < S_VCPUS; c++) {
			if (sh[v][c].core < 0)
				continue;
			shadow_owned++;
			assert_int_equal(cores[sh[v][c].core].owner_vm, (int32_t)v);
			assert_int_equal(cores[sh[v][c].core].vcpu, c);
		}
		assert_true(charge[v] == want_charge[v]);
		assert_true(held[v] == want_held[v]);
	}
	assert_int_equal(owned, shadow_owned);
	assert_true(owned <= nc);
}

static uint32_t distinct_holders(uint32_t nc)
{
	uint32_t mask = 0;

	for (uint32_t i = 0; i < nc; i++)
		if (cores[i].owner_vm >= 0)
			mask |= 1u << cores[i].owner_vm;
	return (uint32_t)__builtin_popcount(mask);
}

static uint32_t held_by(uint32_t nc, uint32_t vm)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < nc; i++)
		n += cores[i].owner_vm == (int32_t)vm;
	return n;
}

static uint64_t storm_grants, storm_expiries, storm_renew_busy, storm_cap_busy;

static void storm_one(uint64_t seed, uint32_t ops)
{
	struct shadow sh[S_VMS][S_VCPUS];
	uint64_t want_charge[S_VMS] = { 0 }, want_held[S_VMS] = { 0 };
	uint32_t nc, nv, grants = 0, expiries = 0;
	uint64_t now, term;
	struct lease_event ev[8];

	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	nc = 1 + rnd(8);
	nv = 1 + rnd(S_VMS);
	term = 50 + rnd(1000);
	now = rnd(1000);
	setup_table(nc, nv, term);
	for (uint32_t v = 0; v < S_VMS; v++)
		for (uint32_t c = 0; c < S_VCPUS; c++)
			sh[v][c].core = -1;

	for (uint32_t op = 0; op < ops; op++) {
		uint32_t vm = rnd(nv + (rnd(50) == 0)); /* now and then an unknown VM */
		uint32_t vcpu = rnd(S_VCPUS);
		struct shadow *s = vm < nv ? &sh[vm][vcpu] : NULL;
		uint32_t kind = rnd(10), core = 0xffffffff;
		int ret;

		now += rnd(term / 4 + 1);
		if (kind < 4) {
			bool any_free = held_by(nc, (uint32_t)-1) > 0;

			ret = lease_request(&tab, vm, vcpu, now, &core);
			if (!s) {
				assert_int_equal(ret, -E_INVAL);
			} else if (s->core >= 0) {
				assert_int_equal(ret, -E_EXIST);
			} else if (ret == 0) {
				grants++;
				assert_true(any_free);
				assert_true(core >= 100 && core < 100 + nc);
				s->core = (int32_t)(core - 100);
				s->start = now;
				s->end = now + term;
				/* Never above the share of the VMs holding cores right now. */
				uint32_t h = distinct_holders(nc);
				assert_true(held_by(nc, vm) <= (nc + h - 1) / h);
			} else {
				assert_int_equal(ret, -E_BUSY);
				/* With a core free, only the share cap refuses: vm holds >= 1. */
				if (any_free) {
					assert_true(held_by(nc, vm) >= 1);
					storm_cap_busy++;
				}
			}
		} else if (kind < 6) {
			uint64_t old = s && s->core >= 0 ? s->end : 0;

			ret = lease_renew(&tab, vm, vcpu, now);
			if (!s || s->core < 0 || now >= s->end) {
				assert_int_equal(ret, -E_NOENT);
			} else if (ret == 0) {
				s->end = now + term;
			} else {
				assert_int_equal(ret, -E_BUSY);
				assert_true(cores[s->core].expires_us == old);
				storm_renew_busy++;
			}
		} else if (kind < 8) {
			ret = lease_release(&tab, vm, vcpu, now);
			if (!s || s->core < 0) {
				assert_int_equal(ret, -E_NOENT);
			} else {
				assert_int_equal(ret, 0);
				shadow_end(s, vm, now < s->end ? now : s->end, want_charge,
					   want_held);
			}
		} else {
			uint32_t max = rnd(4), n;

			n = lease_expire(&tab, now, ev, max);
			assert_true(n <= max);
			expiries += n;
			for (uint32_t e = 0; e < n; e++) {
				struct shadow *x = &sh[ev[e].vm][ev[e].vcpu];

				assert_true(ev[e].vm < nv);
				assert_int_equal(x->core, (int32_t)(ev[e].core - 100));
				assert_true(x->end <= now);
				shadow_end(x, ev[e].vm, x->end, want_charge, want_held);
			}
			/* With room to spare, nothing past its term is left behind. */
			if (n < max)
				for (uint32_t i = 0; i < nc; i++)
					assert_false(cores[i].owner_vm >= 0 &&
						     cores[i].expires_us <= now);
		}
		check_invariants(nc, nv, sh, want_charge, want_held);
	}
	storm_grants += grants;
	storm_expiries += expiries;
}

static void test_storm(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 200; seed++)
		storm_one(seed, 10000);
	/* The storms reached every interesting path, not just the easy ones. */
	assert_true(storm_grants > 10000);
	assert_true(storm_expiries > 10000);
	assert_true(storm_renew_busy > 1000);
	assert_true(storm_cap_busy > 1000);
	print_message("storm: %llu grants, %llu expiries, %llu renewals refused, %llu share-cap "
		      "refusals\n",
		      (unsigned long long)storm_grants, (unsigned long long)storm_expiries,
		      (unsigned long long)storm_renew_busy, (unsigned long long)storm_cap_busy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_and_fields),
		cmocka_unit_test(test_double_request_exist),
		cmocka_unit_test(test_no_free_core_busy),
		cmocka_unit_test(test_unknown_vm),
		cmocka_unit_test(test_expire_exactly_at_end),
		cmocka_unit_test(test_renew),
		cmocka_unit_test(test_renew_refused_while_other_vm_waits),
		cmocka_unit_test(test_waiting_only_blocks_other_vms),
		cmocka_unit_test(test_fair_share),
		cmocka_unit_test(test_share_window_is_one_term),
		cmocka_unit_test(test_release_charges_exactly),
		cmocka_unit_test(test_charge_saturates),
		cmocka_unit_test(test_expire_respects_max),
		cmocka_unit_test(test_bad_init),
		cmocka_unit_test(test_request_log_full),
		cmocka_unit_test(test_storm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
