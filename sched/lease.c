// SPDX-License-Identifier: MIT
/*
 * Fast-core leases: grant, renew, release and expire terms on fast cores, with a
 * fair-share cap and power-based charging. The policy is documented in lease.h.
 * Environment: freestanding hypervisor, Global Partition Manager core only; also
 * built hosted for unit tests and the simulator.
 */
#include "sched/lease.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LEASE_DEFAULT_TERM_US 1000000ULL

/* True if something that happened at `at` lies within the last term before now. */
static bool within_term(const struct lease_table *t, uint64_t at, uint64_t now)
{
	return now < at || now - at < t->term_us;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * floor(watts * us / 1000) without a 128-bit divide (the kernel links no
 * libgcc): split us = q * 1000 + r, so the result is watts * q + watts * r / 1000
 * exactly; watts * r < 2^42 cannot overflow. Saturates.
 */
static uint64_t charge_of(uint32_t watts, uint64_t us)
{
	uint64_t q = us / 1000, r = us % 1000;
	uint64_t whole;

	if (watts != 0 && q > UINT64_MAX / watts)
		return UINT64_MAX;
	whole = q * watts;
	return sat_add(whole, (uint64_t)watts * r / 1000);
}

static struct lease_core *find_held(struct lease_table *t, uint32_t vm, uint32_t vcpu)
{
	for (uint32_t i = 0; i < t->ncores; i++) {
		struct lease_core *c = &t->cores[i];

		if (c->owner_vm == (int32_t)vm && c->vcpu == vcpu)
			return c;
	}
	return NULL;
}

static uint32_t count_held(const struct lease_table *t, int32_t vm)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->ncores; i++)
		n += t->cores[i].owner_vm == vm;
	return n;
}

/* Number of distinct VMs that hold a core or requested within the last term. */
static uint32_t count_active(const struct lease_table *t, uint64_t now)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->ncores; i++) {
		int32_t vm = t->cores[i].owner_vm;
		uint32_t j;

		if (vm < 0)
			continue;
		for (j = 0; j < i && t->cores[j].owner_vm != vm; j++)
			;
		n += j == i; /* first core of this owner */
	}
	for (uint32_t k = 0; k < LEASE_RECENT_MAX; k++) {
		const struct lease_recent *r = &t->recent[k];

		if (r->vm >= 0 && within_term(t, r->req_us, now) && count_held(t, r->vm) == 0)
			n++;
	}
	return n;
}

/* Log entry for vm, taking a free, stale or (as a last resort) the oldest slot. */
static struct lease_recent *recent_slot(struct lease_table *t, uint32_t vm, uint64_t now)
{
	struct lease_recent *spare = NULL, *oldest = &t->recent[0];

	for (uint32_t k = 0; k < LEASE_RECENT_MAX; k++) {
		struct lease_recent *r = &t->recent[k];

		if (r->vm == (int32_t)vm)
			return r;
		if (!spare && (r->vm < 0 || !within_term(t, r->req_us, now)))
			spare = r;
		if (r->req_us < oldest->req_us)
			oldest = r;
	}
	if (!spare) {
		kprintf("lease: request log full, forgetting vm %d\n", oldest->vm);
		spare = oldest;
	}
	spare->vm = (int32_t)vm;
	spare->denied = false;
	spare->req_us = now;
	spare->denied_us = now;
	return spare;
}

/* Charge the owner for [start, end) and free the core. */
static void end_lease(struct lease_table *t, struct lease_core *c, uint64_t end)
{
	uint32_t vm = (uint32_t)c->owner_vm;
	uint64_t dur = end > c->start_us ? end - c->start_us : 0;

	t->charge_mws[vm] = sat_add(t->charge_mws[vm], charge_of(c->watts, dur));
	t->held_us[vm] = sat_add(t->held_us[vm], dur);
	c->owner_vm = -1;
	c->vcpu = 0;
	c->expires_us = 0;
	c->start_us = 0;
}

void lease_init(struct lease_table *t, struct lease_core *cores, uint32_t ncores, uint64_t term_us,
		uint64_t *charge, uint64_t *held, uint32_t nvms)
{
	memset(t, 0, sizeof(*t));
	if (!cores && ncores) {
		kprintf("lease: %u cores but no core array, no fast cores leased\n", ncores);
		ncores = 0;
	}
	if ((!charge || !held) && nvms) {
		kprintf("lease: %u VMs but no charge/held arrays, no VM may lease\n", nvms);
		nvms = 0;
	}
	if (nvms > (uint32_t)INT32_MAX) {
		kprintf("lease: %u VMs exceeds the owner field, limited to %d\n", nvms, INT32_MAX);
		nvms = (uint32_t)INT32_MAX;
	}
	if (term_us == 0) {
		kprintf("lease: term 0 us invalid, using %llu us\n",
			(unsigned long long)LEASE_DEFAULT_TERM_US);
		term_us = LEASE_DEFAULT_TERM_US;
	}
	t->cores = cores;
	t->ncores = ncores;
	t->term_us = term_us;
	t->charge_mws = charge;
	t->held_us = held;
	t->nvms = nvms;
	for (uint32_t i = 0; i < ncores; i++) {
		cores[i].owner_vm = -1;
		cores[i].vcpu = 0;
		cores[i].expires_us = 0;
		cores[i].start_us = 0;
	}
	for (uint32_t v = 0; v < nvms; v++) {
		charge[v] = 0;
		held[v] = 0;
	}
	for (uint32_t k = 0; k < LEASE_RECENT_MAX; k++)
		t->recent[k].vm = -1;
}

int lease_request(struct lease_table *t, uint32_t vm, uint32_t vcpu, uint64_t now_us,
		  uint32_t *core_out)
{
	struct lease_recent *r;
	struct lease_core *c = NULL;
	uint32_t active, share;

	if (vm >= t->nvms) {
		kprintf("lease: request from unknown vm %u (have %u), refused\n", vm, t->nvms);
		return -E_INVAL;
	}
	if (find_held(t, vm, vcpu))
		return -E_EXIST;

	r = recent_slot(t, vm, now_us);
	r->req_us = now_us;

	/* The requester is recorded above, so active >= 1. */
	active = count_active(t, now_us);
	share = (t->ncores + active - 1) / active;
	if (count_held(t, (int32_t)vm) >= share)
		return -E_BUSY; /* over its share: not "waiting", others may renew */
	for (uint32_t i = 0; i < t->ncores && !c; i++)
		if (t->cores[i].owner_vm < 0)
			c = &t->cores[i];
	if (!c) {
		/* Under its share but nothing free: waiting, so holders stop renewing. */
		r->denied = true;
		r->denied_us = now_us;
		return -E_BUSY;
	}
	r->denied = false;
	c->owner_vm = (int32_t)vm;
	c->vcpu = vcpu;
	c->start_us = now_us;
	c->expires_us = sat_add(now_us, t->term_us);
	if (core_out)
		*core_out = c->core;
	return 0;
}

int lease_renew(struct lease_table *t, uint32_t vm, uint32_t vcpu, uint64_t now_us)
{
	struct lease_core *c = vm < t->nvms ? find_held(t, vm, vcpu) : NULL;

	if (!c || now_us >= c->expires_us)
		return -E_NOENT;
	for (uint32_t k = 0; k < LEASE_RECENT_MAX; k++) {
		const struct lease_recent *r = &t->recent[k];

		if (r->vm >= 0 && r->vm != (int32_t)vm && r->denied &&
		    within_term(t, r->denied_us, now_us))
			return -E_BUSY;
	}
	c->expires_us = sat_add(now_us, t->term_us);
	return 0;
}

int lease_release(struct lease_table *t, uint32_t vm, uint32_t vcpu, uint64_t now_us)
{
	struct lease_core *c = vm < t->nvms ? find_held(t, vm, vcpu) : NULL;

	if (!c)
		return -E_NOENT;
	end_lease(t, c, MIN(now_us, c->expires_us));
	return 0;
}

uint32_t lease_expire(struct lease_table *t, uint64_t now_us, struct lease_event *out, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->ncores && n < max; i++) {
		struct lease_core *c = &t->cores[i];

		if (c->owner_vm < 0 || c->expires_us > now_us)
			continue;
		out[n].vm = (uint32_t)c->owner_vm;
		out[n].vcpu = c->vcpu;
		out[n].core = c->core;
		n++;
		end_lease(t, c, c->expires_us);
	}
	return n;
}
