/* SPDX-License-Identifier: MIT */
/*
 * libcypress: the guest side of the Cypress ABI (guest-abi/cypress.h,
 * docs/guest-abi.md) for a paravirtual guest kernel. One function per
 * hypercall (0-26), the shared area read by its sequence protocol, the
 * CORE_NOTIFY event words taken atomically, and the scheduler-activation
 * (SA) helpers. docs/pv-port.md says what each mechanism asks of the guest
 * kernel; tests/guests/pvos is the reference port.
 * Rules: freestanding (<stdint.h>, <stddef.h> only; no libc, no allocation,
 * no locks), the same source for 32- and 64-bit guests; every function may
 * run on any vCPU, the event and shared-area readers also in interrupt
 * handlers. Buffers handed to the hypervisor are guest-physical: the
 * library translates pointers with the hook cyl_set_translate() installs
 * (identity by default, right for a guest with paging off or identity-mapped
 * memory) and refuses, with CY_ERANGE, an address at or above 4 GiB, which a
 * 32-bit hypercall argument cannot name.
 * Environment: guest kernel, ring 0, any vCPU; host unit tests (pure parts).
 */
#ifndef CYPRESS_LIBCYPRESS_H
#define CYPRESS_LIBCYPRESS_H

#include <stddef.h>
#include <stdint.h>
#include "guest-abi/cypress.h"

/* ---- setup ---- */

/*
 * Pointer to guest-physical address, for guests with paging. NULL restores
 * the identity. Set once at boot, before any call with a buffer.
 */
typedef uint64_t (*cyl_translate_fn)(const void *p);
void cyl_set_translate(cyl_translate_fn fn);

/*
 * True if CPUID leaf 0x40000000 names Cypress ("CypressHyper"); only then
 * may the guest use VMCALL (elsewhere it raises #UD). Any CPL 0 context.
 */
int cyl_detect(void);

/* Name of a hypercall result: "CY_EPERM", ... for errors, "ok" for >= 0. */
const char *cyl_strerror(int32_t ret);

/* ---- calls 0-2 (1.0) ---- */

/* CYPRESS_ABI_VERSION of the running hypervisor (1003 for 1.3). */
int32_t cyl_abi_version(void);
/* Bytes written to the partition's console (len <= 4096), or CY_EINVAL / CY_ERANGE. */
int32_t cyl_console_write(const void *buf, uint32_t len);
/* End the partition with `status`. Does not return (halts if the call fails). */
void cyl_exit(uint32_t status) __attribute__((noreturn));

/* ---- calls 3-8 (1.1, `control = yes` partitions; CY_EPERM otherwise) ---- */

/* Create a partition from manifest text (len <= 4096): its id, or CY_E*. */
int32_t cyl_part_create(const char *text, uint32_t len);
/* Resize partition id (0 = unchanged): 0, CY_ENOENT, CY_ERANGE (power), CY_EBUSY. */
int32_t cyl_part_resize(uint32_t id, uint32_t cores, uint32_t vcpus);
/* Destroy partition id: 0 once its resources are free, CY_ENOENT. */
int32_t cyl_part_destroy(uint32_t id);
/* Fill up to count records: the number of partitions, or CY_ERANGE. */
int32_t cyl_part_list(struct cy_part_info *info, uint32_t count);
/* Fill up to count records, one per logical cpu: the cpu count, or CY_ERANGE. */
int32_t cyl_core_list(struct cy_core_info *info, uint32_t count);
/* Free frames and cores, partitions alive: 0 or CY_ERANGE. */
int32_t cyl_resources(struct cy_resources *res);

/* ---- calls 9-10 (1.1): vCPU placement ---- */

/* Move vCPU vcpu to the partition's core index k: 0 once sent, CY_ENOENT, CY_EBUSY. */
int32_t cyl_vcpu_move(uint32_t vcpu, uint32_t k);
/* The logical cpu vCPU vcpu lives on, CY_ENOENT, or CY_EBUSY (not placed yet). */
int32_t cyl_vcpu_where(uint32_t vcpu);

/* ---- calls 11-16 (1.2): discovery, power, load ---- */

/* Fill *out with the core vCPU vcpu runs on: 0, CY_ENOENT, CY_ERANGE, CY_EBUSY. */
int32_t cyl_core_info(uint32_t vcpu, struct cy_core_desc *out);
/* The event vector (32..255, 0 = off) for CORE_NOTIFY and the 1.3 events: 0 or CY_EINVAL. */
int32_t cyl_core_notify(uint32_t vector);
/* The partition's budget, limit and draw: 0 or CY_ERANGE. */
int32_t cyl_power_get(struct cy_power *out);
/* A new budget: 0; CY_EINVAL for 0, CY_ERANGE below the draw or above the limit. */
int32_t cyl_power_set(uint32_t watts);
/* Fill up to count load records (vCPU 0 first): the vCPU count, or CY_ERANGE. */
int32_t cyl_load_get(struct cy_vcpu_load *out, uint32_t count);
/* The guest's runnable threads now (<= 1000000): 0 or CY_ERANGE. */
int32_t cyl_load_report(uint32_t runnable);

/* ---- calls 17-26 (1.3) ---- */

/*
 * Register the shared area: CY_SHARED_SIZE bytes, 4 KiB aligned, that the
 * hypervisor fills at once and keeps current (NULL = stop). 0, CY_EINVAL
 * (not aligned), CY_ERANGE (outside the partition's memory or above 4 GiB).
 */
int32_t cyl_shared_set(struct cy_shared *area);
/*
 * A fast core for vCPU vcpu for term_ms: CY_LEASE_GRANTED (the vCPU moves
 * now; CY_EV_CORE on arrival), CY_LEASE_QUEUED (CY_EV_LEASE_GRANTED later),
 * or CY_E*. CY_EV_LEASE_ENDING comes CY_LEASE_WARN_MS before the end,
 * CY_EV_LEASE_ENDED once the vCPU is back on a slow core.
 */
int32_t cyl_lease_request(uint32_t vcpu, uint32_t term_ms);
/* The lease of vcpu ends term_ms from now instead: 0 or CY_E* (no lease: CY_ENOENT). */
int32_t cyl_lease_renew(uint32_t vcpu, uint32_t term_ms);
/* Give vcpu's fast core back now, or withdraw its queued request: 0 or CY_E*. */
int32_t cyl_lease_release(uint32_t vcpu);
/*
 * Give the cores whose indices are set in give_mask for `want` cores of
 * class cls (all or nothing): the partition's vCPU cores now, or CY_E*.
 * CY_EV_EXCHANGE follows when the cores changed.
 */
int32_t cyl_core_exchange(uint32_t give_mask, uint32_t want, uint32_t cls);
/* A VT-ASOS request: CY_REQ_GRANTED/PARTIAL/REFUSED with the answer in *r, or CY_E*. */
int32_t cyl_request(struct cy_request *r);
/*
 * Take the calling vCPU offline: on success it does not return; the vCPU
 * waits for INIT/SIPI as an AP that never started, and comes back through
 * the guest's AP start-up path. Returns only with an error (CY_EBUSY: the
 * last online vCPU, CY_ENOSYS on a hypervisor without ballooning).
 */
int32_t cyl_vcpu_offline(void);
/* The guest has balloon_target vCPUs online for balloon_seq seq: 0 or CY_E*. */
int32_t cyl_balloon_ack(uint32_t seq);
/*
 * Scheduler-activation upcalls on `vector` (32..255, 0 = off), to be acked
 * within limit_us: 0, CY_EINVAL, CY_ERANGE (limit out of the hypervisor's range).
 */
int32_t cyl_sa_register(uint32_t vector, uint32_t limit_us);
/*
 * The upcall's thread has moved away: CY_SA_YIELD (more work here) or
 * CY_SA_BLOCK (idle). Returns 0 once the vCPU runs again (it is preempted
 * inside the call), CY_EINVAL for another `how`, CY_E* without an upcall.
 */
int32_t cyl_sa_ack(uint32_t how);

/* ---- the shared area, read without an exit ---- */

/* One vCPU's record as a consistent snapshot (what the seq protected). */
struct cyl_vcpu_view {
	struct cy_core_desc core; /* what CORE_INFO would say */
	uint32_t sa_pending;	  /* 1 from an SA upcall until its ack or the cut-off */
	uint32_t lease_cpu;	  /* CY_NO_CPU: no lease */
	uint64_t lease_end_tsc;	  /* 0: no lease */
	uint32_t seq;		  /* the even seq of the snapshot */
	uint32_t retries;	  /* reads that saw the record change */
};

#define CYL_SEQ_TRIES 100000u /* reads before cyl_shared_read_vcpu gives up */

/*
 * Copy vCPU vcpu's record consistently: read seq, the fields, seq again;
 * retry while seq is odd (being written) or changed. 0; CY_ENOENT if vcpu is
 * not below the area's nvcpus and CY_SHARED_VCPUS; CY_EBUSY if no consistent
 * copy came in CYL_SEQ_TRIES reads (a hypervisor stuck mid-write, or a guest
 * that scribbled on seq). Any context.
 */
int32_t cyl_shared_read_vcpu(const struct cy_shared *sh, uint32_t vcpu, struct cyl_vcpu_view *out);

/*
 * The balloon fields, consistently (balloon_seq is written last by the
 * hypervisor: seq, target, wait, seq again). target 0 = not ballooned.
 */
struct cyl_balloon {
	uint32_t target, seq, wait_ms;
};
void cyl_balloon_read(const struct cy_shared *sh, struct cyl_balloon *out);

/* Atomically take (read and clear) the partition's event bits (CY_EV_BALLOON, _EXCHANGE). */
uint32_t cyl_events_take_partition(struct cy_shared *sh);
/* Atomically take vCPU vcpu's event bits (CY_EV_CORE, CY_EV_LEASE_*); 0 past CY_SHARED_VCPUS. */
uint32_t cyl_events_take_vcpu(struct cy_shared *sh, uint32_t vcpu);

/* What one call of the event dispatcher took. */
struct cyl_events {
	uint32_t partition;		/* CY_EV_* of the header */
	uint32_t any;			/* OR of everything taken */
	uint32_t vcpu[CY_SHARED_VCPUS]; /* CY_EV_* per vCPU */
};

/*
 * For the CORE_NOTIFY interrupt handler (on any vCPU): take every event bit
 * of the header and of vCPUs 0..min(nvcpus, area's nvcpus, 64)-1 into *out
 * (zeroed first) and return out->any. Bits the hypervisor sets while this
 * runs are either taken now or left for the next interrupt, never lost:
 * each word is exchanged with 0 atomically. Any context; the caller sends
 * the EOI and acts on the bits (outside the handler if the action may block).
 */
uint32_t cyl_events_dispatch(struct cy_shared *sh, uint32_t nvcpus, struct cyl_events *out);

/* SA_REGISTER's vector and limit as the hypervisor published them (0: none). */
uint32_t cyl_sa_vector(const struct cy_shared *sh);
uint32_t cyl_sa_limit_us(const struct cy_shared *sh);
/* True while vCPU vcpu has an upcall not yet acked (its record's sa_pending). */
int cyl_sa_pending(const struct cy_shared *sh, uint32_t vcpu);

#endif
