/* SPDX-License-Identifier: MIT */
/*
 * Control hypercalls (guest ABI 1.1, docs/guest-abi.md): a partition
 * marked `control = yes` creates, resizes, destroys and lists partitions.
 * The calling vCPU's core checks the arguments against the caller's
 * memory, sends the call to the GPM (cpu 0) and waits for the answer,
 * serving its own messages meanwhile; the GPM runs calls one at a time.
 * Also VCPU_MOVE / VCPU_WHERE, which every partition may call.
 * Environment: freestanding hypervisor; control_hypercall() on the
 * caller's core, the rest on cpu 0.
 */
#ifndef CORE_CONTROL_H
#define CORE_CONTROL_H

#include "core/vm.h"

/*
 * A call the GPM answers, from vCPU v: CYPRESS_HC_PART_CREATE..RESOURCES
 * (control partitions only) or POWER_GET/POWER_SET (any partition, about
 * itself). Returns the result or -E_*.
 */
int64_t control_hypercall(struct vcpu *v, uint32_t nr, uint64_t a1, uint64_t a2, uint64_t a3);

/* VCPU_MOVE and VCPU_WHERE for the caller's own partition. */
int64_t control_vcpu_move(struct vcpu *v, uint64_t vcpu, uint64_t k);
int64_t control_vcpu_where(struct vcpu *v, uint64_t vcpu);

/* CORE_INFO and CORE_NOTIFY (ABI 1.2) for the caller's own partition. */
int64_t control_core_info(struct vcpu *v, uint64_t vcpu, uint64_t gpa);
int64_t control_core_notify(struct vcpu *v, uint64_t vector);

/* LOAD_GET and LOAD_REPORT (ABI 1.2, VT-ASOS) for the caller's own partition. */
int64_t control_load_get(struct vcpu *v, uint64_t gpa, uint64_t count);
int64_t control_load_report(struct vcpu *v, uint64_t threads);

/*
 * A call the GPM answers on behalf of another module (leases, exchange,
 * requests, ballooning: ABI 1.3). `rec` bytes at guest-physical a1 are
 * checked against the caller's memory before the call is queued and
 * passed as `buf` (rec 0: buf is NULL). `fn` runs on cpu 0, one call at a
 * time, and returns the answer, or CONTROL_LATER and then calls
 * control_done(done_arg, answer) once it has one. Any partition may make
 * these (permission is the handler's). Boot core, before SMP.
 */
#define CONTROL_LATER INT64_MIN
typedef int64_t (*control_fn)(struct vm *caller, uint64_t a1, uint64_t a2, uint64_t a3, void *buf,
			      uint64_t done_arg);
void control_ext_register(uint32_t nr, control_fn fn, uint32_t rec);

/* cpu 0: the call `arg` finished with `ret`; the next queued call runs. */
void control_done(uint64_t arg, int64_t ret);

/*
 * cpu 0, for a control_fn that must answer its caller before its LPM is
 * done (the caller's own core has to let vCPUs go, as for a resize of its
 * own partition): control_placeholder() makes a done_arg to give the LPM
 * (0: out of memory; control_placeholder_free() if unused);
 * control_answer(done_arg, ret) answers the caller now; the fn then
 * returns CONTROL_LATER, and the next call waits for the placeholder's
 * MSG_GPM_DONE.
 */
uint64_t control_placeholder(void);
void control_placeholder_free(uint64_t p);
void control_answer(uint64_t arg, int64_t ret);

/*
 * cpu 0: queue the GPM's own work (ballooning) behind the guests' calls,
 * so it never runs beside a resize or a destroy: fn runs as a control_fn
 * with caller NULL and buf NULL; done(answer) is called once it answered
 * (at once, or at control_done()). 0, or -E_BUSY (queue full: try later).
 */
int control_submit(control_fn fn, uint64_t a1, void (*done)(int64_t ret));

/* cpu 0: a call is under way or queued. */
bool control_busy(void);

/* Register MSG_GPM_CALL and MSG_GPM_DONE. Boot core, before SMP. */
void control_register(void);

#endif
