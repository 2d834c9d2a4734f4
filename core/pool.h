/* SPDX-License-Identifier: MIT */
/*
 * The micro-sliced core pool (Ahn et al., "Flexible Micro-sliced Cores";
 * policy in sched/microslice.h, sched/msc_adapt.c). `[machine] pool = N`
 * reserves up to N free cores at boot; Algorithm 1, on the GPM's timer,
 * decides how many of them are active. A vCPU of a partition with a symbol
 * table (`symbols = NAME`) that waits on a time-shared core while it is
 * urgent - preempted inside a critical guest kernel function, a preempted
 * lock holder its spinning sibling PAUSE-loops on, or the target of an IPI
 * or virtual interrupt - goes to an active pool core for one 0.1 ms slice
 * (or until it halts) and then back to its home core.
 *
 * Ownership (docs/runtime.md): the pool cores are the GPM's (one GPM slot of
 * pinned cores, never handed to partitions); each is an ordinary vCPU core
 * and alone decides what it runs. A trip is two migrations through the
 * vCPU cores' usual path (VMCLEAR here, VMPTRLD there): the home core sends
 * the vCPU (it owns it), the pool core sends it back. Its LPM is not told of
 * trips: the LPM's view is the vCPU's home core, and a move the LPM asks
 * for while the vCPU is away reaches it there (the home core passes it on)
 * and replaces the way back.
 * Environment: freestanding hypervisor; each function says its core.
 */
#ifndef CORE_POOL_H
#define CORE_POOL_H

#include "arch/x86/pcpu.h"
#include "core/manifest.h"
#include "core/vm.h"

/* What migrate_to means (vcpu.pool_go). */
#define POOL_GO_NONE 0 /* its LPM's move (or nothing) */
#define POOL_GO_OUT  1 /* to a pool core for a micro-slice */
#define POOL_GO_HOME 2 /* back to its home core after one */

/* Why a vCPU was sent (vcpu.pool_why); also the rescue counters' index. */
#define POOL_TRIG_PLE	  0 /* a sibling's PAUSE-loop exit */
#define POOL_TRIG_IPI	  1 /* an IPI from another vCPU reached it while it waited */
#define POOL_TRIG_IRQ	  2 /* a virtual interrupt from the hypervisor, likewise */
#define POOL_TRIG_PREEMPT 3 /* its slice ended inside a critical function */
#define POOL_TRIGS	  4

/* Register the pool's message and timer. Boot core, before SMP. */
void pool_register(void);

/*
 * Reserve the pool (mm->pool cores at most, fewer if fewer are free) from
 * the anonymous partition and start Algorithm 1. GPM core, after the boot
 * manifest's partitions were planned; prints one "pool:" line.
 */
void pool_start(const struct manifest_machine *mm);

/* True if cpu is a reserved pool core. Any core (written once at boot). */
bool pool_is_core(uint32_t cpu);

/*
 * Parse module `name` (bytes [text, text+len)) into vm->symtab. Returns 0
 * or -E_* with "partition 'P' refused: its symbols 'NAME': ..." printed.
 * GPM core, while creating vm.
 */
int pool_symbols_load(struct vm *vm, const char *name, const char *text, size_t len);

/* Free vm's symbol table. GPM core, once no vCPU of vm runs. */
void pool_symbols_free(struct vm *vm);

/* The end-of-run lines ("pool: ..."; docs/boot-log.md). GPM core. */
void pool_report(void);

/* ---- hooks on the vCPU's owner core (core/vcore.c, arch/x86/vmx) ---- */

/* v's slice ended while it was in the guest and others wait: send it if critical. */
void pool_preempted_slow(struct vcpu *v);
static inline void pool_preempted(struct vcpu *v)
{
	if (__builtin_expect(v->vm->symtab != NULL, 0))
		pool_preempted_slow(v);
}

/* v left the guest by a PAUSE-loop exit: count it, rescue critical waiting
 * siblings; returns the VMEXIT_* the exit handler returns. */
int pool_pause_loop(struct vcpu *v);

/* An interrupt was posted to v (why: POOL_TRIG_IPI or _IRQ); v's owner core. */
void pool_posted(struct vcpu *v, uint32_t why);

/* Before v enters the guest on this core: a micro-slice on a pool core.
 * Inline tests first: every turn of every vCPU passes these hooks. */
void pool_turn_begin_slow(struct vcpu *v, struct pcpu *p);
static inline void pool_turn_begin(struct vcpu *v, struct pcpu *p)
{
	if (__builtin_expect(__atomic_load_n(&v->pool_home, __ATOMIC_ACQUIRE) != NO_CPU, 0))
		pool_turn_begin_slow(v, p);
}

/* After v's turn ended with VMEXIT_* r: on a pool core, it goes home next. */
void pool_turn_end_slow(struct vcpu *v, int r);
static inline void pool_turn_end(struct vcpu *v, int r)
{
	if (__builtin_expect(__atomic_load_n(&v->pool_home, __ATOMIC_ACQUIRE) != NO_CPU, 0))
		pool_turn_end_slow(v, r);
}

/* migrate_out: the VCORE_ADOPT_* kind of v's departure (records its home). */
uint64_t pool_adopt_kind(struct vcpu *v);

/* adopt_handler: v arrived with `kind`; true if that was a trip (no LPM news). */
bool pool_adopted(struct vcpu *v, uint64_t kind);

/* A pool move was pending on v (migrate_to): drop it, true. Else false. */
bool pool_cancel(struct vcpu *v);

/* migrate_handler on a core that no longer holds v: pass the LPM's move on
 * to the core v is visiting; false if v is on no trip. */
bool pool_forward(struct vcpu *v, uint32_t to);

#endif
