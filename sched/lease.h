/* SPDX-License-Identifier: MIT */
/*
 * Fast-core leases: the anonymous partition's fast cores lent to VMs for terms.
 * Environment: freestanding hypervisor, Global Partition Manager core only (the
 * table is never touched by another core; requests arrive as messages); also
 * built hosted for unit tests and the simulator.
 *
 * Cypress paper section 3 ("fast cores ... are given to VMs on short-term
 * leases ... When a VM's lease for a fast core expires, the virtual CPU that was
 * mapped to the fast core is re-mapped to a slow core") and its pricing section
 * (processing time is charged by the core's power draw).
 *
 * Time is whatever microsecond clock the caller passes; it should not go
 * backwards, but nothing breaks if it does (durations clamp at zero).
 *
 * Rules (the whole policy, so callers and tests can rely on them):
 *  - A core is free (owner_vm == -1) or owned by exactly one (vm, vcpu); a
 *    (vm, vcpu) holds at most one core.
 *  - State changes only inside these calls. A lease whose term has passed stays
 *    in the table until lease_expire() ends it and reports it, so the caller
 *    always learns which vCPU to move back to a slow core. Call lease_expire()
 *    before serving requests at a given time.
 *  - A lease ends at exactly expires_us: lease_expire(now >= expires_us) ends it,
 *    and lease_renew() at now >= expires_us fails with -E_NOENT.
 *  - Fairness: a VM is "active" if it holds a fast core now or has made a
 *    request (granted or not) within the last term (now - t < term_us). A VM may
 *    hold at most ceil(ncores / active VMs) cores; the requester counts itself.
 *    Recent requests are remembered in a fixed log of LEASE_RECENT_MAX VMs; if
 *    more VMs than that request within one term the oldest entry is forgotten
 *    (one console line), which can only make the share larger, never zero.
 *  - A VM is "waiting" if, within the last term, one of its requests was refused
 *    because no core was free while it held less than its share, and it has not
 *    been granted a core since. A refusal by the share cap is not waiting. lease_renew() is refused while
 *    some other VM is waiting, so fast cores rotate.
 *  - A renewal sets the end to now + term_us (one term from now), so repeated
 *    renewals cannot stockpile terms.
 *  - Charging happens when a lease ends: watts * (end - start) microseconds,
 *    converted to milliwatt-seconds and rounded down once per lease, where end is
 *    the release time, or expires_us when the term ran out (a late
 *    lease_expire() is the hypervisor's delay, not the VM's use). held_us gets
 *    end - start. Both saturate rather than wrap.
 */
#ifndef SCHED_LEASE_H
#define SCHED_LEASE_H

#include "lib/types.h"

/* How many distinct VMs' recent requests the fairness rule remembers. */
#define LEASE_RECENT_MAX 64

/* One fast core of the anonymous partition. The caller fills core and watts. */
struct lease_core {
	uint32_t core;	     /* physical core id */
	uint32_t watts;	     /* power draw used for charging */
	int32_t owner_vm;    /* -1 free */
	uint32_t vcpu;	     /* valid when owned */
	uint64_t expires_us; /* valid when owned: lease ends at this time */
	uint64_t start_us;   /* valid when owned: when the lease was granted */
};

/* One remembered request, for the fairness and waiting rules. */
struct lease_recent {
	int32_t vm;	    /* -1 unused slot */
	bool denied;	    /* a request was refused and none granted since */
	uint64_t req_us;    /* time of the most recent request */
	uint64_t denied_us; /* time of the most recent refusal */
};

/* The lease table, owned by the Global Partition Manager. Storage is the caller's. */
struct lease_table {
	struct lease_core *cores;
	uint32_t ncores;
	uint64_t term_us;     /* default term */
	uint64_t *charge_mws; /* per VM, milliwatt-seconds charged */
	uint32_t nvms;
	uint64_t *held_us; /* per VM total lease time, for fairness */
	struct lease_recent recent[LEASE_RECENT_MAX];
};

/* One ended lease: move vCPU `vcpu` of VM `vm` off fast core `core`. */
struct lease_event {
	uint32_t vm;
	uint32_t vcpu;
	uint32_t core;
};

/*
 * Set up a lease table over `cores` (core and watts filled in by the caller;
 * every core is marked free) for VMs 0..nvms-1, zeroing charge[] and held[].
 * Preconditions: t non-NULL; cores has ncores entries; charge and held have nvms
 * entries each. Bad arguments (NULL arrays with a non-zero count, term_us 0,
 * nvms above INT32_MAX) print one "lease: " line and are replaced by safe values
 * (no cores / no VMs / a one-second term).
 */
void lease_init(struct lease_table *t, struct lease_core *cores, uint32_t ncores, uint64_t term_us,
		uint64_t *charge, uint64_t *held, uint32_t nvms);

/*
 * Grant vCPU `vcpu` of VM `vm` a free fast core for one term from now_us and
 * store its id in *core_out (if core_out is non-NULL).
 * Returns 0; -E_INVAL if vm >= nvms (one console line); -E_EXIST if that vCPU
 * already holds a lease; -E_BUSY if no core is free or the VM already holds its
 * fair share (see the rules above). Every call counts as a request for fairness.
 * Precondition: t initialised by lease_init().
 */
int lease_request(struct lease_table *t, uint32_t vm, uint32_t vcpu, uint64_t now_us,
		  uint32_t *core_out);

/*
 * Extend the lease held by (vm, vcpu) so it ends one term after now_us.
 * Returns 0; -E_NOENT if it holds no lease or its term already ended
 * (now_us >= expires_us; lease_expire() will report it); -E_BUSY if another VM
 * is waiting for a fast core (the lease keeps its old end).
 * Precondition: t initialised by lease_init().
 */
int lease_renew(struct lease_table *t, uint32_t vm, uint32_t vcpu, uint64_t now_us);

/*
 * End the lease held by (vm, vcpu) early at now_us, charging the VM for the time
 * held, and free the core. The caller has already moved (or will move) the vCPU.
 * Returns 0, or -E_NOENT if (vm, vcpu) holds no lease.
 * Precondition: t initialised by lease_init().
 */
int lease_release(struct lease_table *t, uint32_t vm, uint32_t vcpu, uint64_t now_us);

/*
 * End every lease whose term has passed (expires_us <= now_us), charging each
 * VM, and write one event per ended lease into out[] so the caller moves that
 * vCPU back to a slow core of its own partition. At most `max` leases are ended
 * per call; any others stay in the table for the next call (none is ever ended
 * without being reported). Returns the number of events written.
 * Precondition: t initialised by lease_init(); out has max entries (may be NULL
 * if max is 0).
 */
uint32_t lease_expire(struct lease_table *t, uint64_t now_us, struct lease_event *out,
		      uint32_t max);

#endif
