/* SPDX-License-Identifier: MIT */
/*
 * vCPU ballooning (VCPU-Bal, guest ABI 1.3: VCPU_OFFLINE, BALLOON_ACK; the
 * shared area's balloon fields). The GPM (cpu 0) gives each partition with
 * `balloon = yes` a target vCPU count, N = W * T / sum(W) over the balloon
 * partitions (sched/balloon.c), bent by their load reports; the guest
 * takes vCPUs offline or online until it has that many and acknowledges;
 * then the partition's vCPU cores follow, one per online vCPU. A guest
 * that does not acknowledge a lower target in time loses the cores anyway
 * and its vCPUs time-share what is left (docs/guest-abi.md, "vCPU
 * ballooning").
 * Environment: freestanding hypervisor; balloon_ack(), balloon_vcpu_offline()
 * and balloon_load_reported() on the calling vCPU's core, the rest on cpu 0.
 */
#ifndef CORE_BALLOON_H
#define CORE_BALLOON_H

#include "core/vm.h"

/* How long the GPM waits for BALLOON_ACK of a lower target (manifest `balloon_wait`). */
#define BALLOON_WAIT_MS_DEFAULT 200

/* Register the timer and MSG_BALLOON_KICK. Boot core, before SMP. */
void balloon_register(void);

/* cpu 0: partitions changed (created, ended, resized): recompute the targets soon. */
void balloon_changed(void);

/*
 * BALLOON_ACK(seq) from v, on v's core: 0, -E_NOENT (not ballooned),
 * -E_INVAL (not the current seq), -E_RANGE (more vCPUs online than the target).
 */
int64_t balloon_ack(struct vcpu *v, uint64_t seq);

/* VCPU_OFFLINE from v: 0 (v goes offline after this exit) or -E_BUSY (its last online vCPU). */

int64_t balloon_vcpu_offline(struct vcpu *v);

/* LOAD_REPORT of vm changed from `old` to its guest_load: the GPM recomputes. v's core. */
void balloon_load_reported(struct vm *vm, uint32_t old);

/* cpu 0, end of run: "summary: vm NAME: balloon target T (seq S), N acks, M fallbacks". */
void balloon_report(const struct vm *vm);

#endif
