/* SPDX-License-Identifier: MIT */
/*
 * The vCPU core: what every core that hosts vCPUs runs. Each core keeps
 * its own runqueue (sched/) of the vCPUs it hosts and picks among them
 * with the partition's policy: `noop` while it hosts one vCPU, `fair`
 * (weighted virtual runtime, VMX-preemption-timer slices) when several
 * share it. A vCPU lives on exactly one core at a time; it arrives by
 * MSG_VCPU_ADOPT and leaves by migration (VMCLEAR here, VMPTRLD there) or
 * when its VM ends. Nothing here is ever written by another core: each
 * mutation checks the owner (docs/runtime.md).
 * Environment: freestanding hypervisor, VMX root, the owning core,
 * interrupts off (except where the loop halts).
 */
#ifndef CORE_VCORE_H
#define CORE_VCORE_H

#include "core/vm.h"

#define VCORE_MAX 64 /* vCPUs one core can host */
#define VCORE_SLICE_US_DEFAULT \
	VM_SLICE_US_DEFAULT /* time slice on a shared core without a `slice` key */

/* MSG_VCPU_ADOPT arg[1] */
#define VCORE_ADOPT_PLACE 0 /* first placement by its LPM */
#define VCORE_ADOPT_MOVED 1 /* migrated from cpu arg[2] */
#define VCORE_ADOPT_POOL  2 /* a micro-slice on this pool core, from home cpu arg[2] */
#define VCORE_ADOPT_HOME  3 /* back from a micro-slice on pool cpu arg[2] */

/* Register the vCPU-core messages. Boot core, before SMP. */
void vcore_register(void);

/*
 * The loop of every core other than cpu 0: poll messages, wake vCPUs
 * whose interrupts arrived, pick the next vCPU and enter it until it
 * blocks, yields or its VM ends; halt when nothing is runnable.
 */
__noreturn void vcore_loop(void);

/* v's vLAPIC timer is now due at TSC `deadline` (0: none). v's owner core. */
void vcore_timer_set(struct vcpu *v, uint64_t deadline);

/* Post an interrupt to vCPU `to` of the caller's VM and tell its owner. Any core. */
void vcore_post(struct vcpu *to, uint8_t delivery, uint8_t vector);

/* The same for an IPI one vCPU sends another (the pool counts them apart). */
void vcore_post_ipi(struct vcpu *to, uint8_t delivery, uint8_t vector);

/* A level-triggered fixed interrupt (the vIOAPIC's): TMR is set, its EOI comes back. Any core. */
void vcore_post_level(struct vcpu *to, uint8_t vector);

/* vCPUs hosted by online core `cpu` (a statistic: read without a lock). */
/*
 * VCPU_OFFLINE from v (v's core, in its exit): after this exit v leaves the
 * guest and goes offline (docs/guest-abi.md, vCPU ballooning).
 */
void vcore_request_offline(struct vcpu *v);

/* A partition's slice_us changed: the calling core re-reads its vCPUs' slices. */
void vcore_repolicy(void);

/* vCPUs hosted by online core `cpu`, offline ones (VCPU_OFFLINE) not
 * counted (a statistic: read without a lock). */
uint32_t vcore_hosted(uint32_t cpu);

/* What a core counted (core/vcore.c); read by cpu 0 once no vCPU runs. */
struct vcore_stats {
	uint64_t turns;		/* vCPU turns (entries from the loop) */
	uint64_t switches;	/* turns of another vCPU than the last, without idling between */
	uint64_t switch_ticks;	/* TSC from the last one's exit to the next one's entry */
	uint64_t load_ticks;	/* of which switch_to(): registers and VMCS */
	uint64_t migrations;	/* vCPUs that arrived by migration and ran */
	uint64_t migrate_ticks; /* TSC from the old core letting go to the first entry here */
};
bool vcore_stats(uint32_t cpu, struct vcore_stats *out);

/* Foreign mutations refused so far (the owner checks). */
uint64_t vcore_owner_violations(void);

/*
 * v's slice ended on this core (its owner's), v still in the guest: if the
 * policy would pick v again now anyway (no other runnable vCPU has run
 * less, weighted, and v is not leaving), give it a new slice (pcpu
 * slice_end) and return true; false if taking the core now is a real
 * preemption. Scheduler activations ask this before they notify.
 */
bool vcore_slice_renew(struct vcpu *v);

/* Make the calling core's runqueue now (else on first use). */
void vcore_prepare(void);

/* Selftest: try to enqueue on core `cpu`'s runqueue from the calling core. */
int vcore_test_foreign_enqueue(uint32_t cpu);

#endif
