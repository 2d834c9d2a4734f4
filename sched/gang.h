/* SPDX-License-Identifier: MIT */
/*
 * Gang time slots: when the one gang of a time-shared core may run.
 * Environment: freestanding hypervisor, pure arithmetic (no state, no locks);
 * also built hosted for unit tests and the simulator.
 *
 * VT-ASOS (Back & Nikolopoulos, seeds/001, sections 1.2 and 3): a guest may ask
 * that all its vCPUs be gang scheduled, that is, run at the same time or not at
 * all. Cypress cores never write each other's state, so no core can stop or
 * start a sibling's vCPU. Instead the gang's Local Partition Manager sends every
 * core that runs one of the gang's vCPUs the same slot (a message); each core
 * then follows it against the common clock (the TSC is synchronised across
 * cores), so the gang's vCPUs start and stop together with no further traffic.
 * The per-core policy that obeys the slot is sched_gang_ops (sched/ops.h).
 *
 * Rules (the whole arithmetic, so callers and tests can rely on them):
 *  - A slot repeats every `period` time units from `start`: the gang may run at
 *    time t exactly when len > 0, t >= start and (t - start) mod period < len.
 *  - len == 0: the gang never runs (no slot yet); len == period: always (from
 *    start on). A valid slot has period > 0 and len <= period.
 *  - gang_slot_len() shares a period between the gang and the other vCPUs of
 *    a core by weight, rounding down: period * gang_w / (gang_w + other_w),
 *    exactly while gang_w + other_w fits in 32 bits (vCPU weights are at most
 *    SCHED_WEIGHT_MAX, 2^20); above that both weights are halved first, so
 *    nothing overflows for any 64-bit period.
 * Time is whatever monotonic unit the caller uses, as long as it is the same
 * on every core of the gang.
 */
#ifndef SCHED_GANG_H
#define SCHED_GANG_H

#include "lib/types.h"

struct gang_slot {
	uint64_t period; /* the slot repeats every period */
	uint64_t start;	 /* first slot begins here */
	uint64_t len;	 /* the gang's share of each period */
};

/* gang_next_switch() when the answer of gang_in_slot() never changes again. */
#define GANG_NEVER UINT64_MAX

/* 0 for a valid slot; -E_INVAL with one "gang: " line otherwise (NULL included). */
int gang_slot_check(const struct gang_slot *s);

/* May the gang run at time now? Precondition: s passed gang_slot_check(). */
bool gang_in_slot(const struct gang_slot *s, uint64_t now);

/*
 * The first time after now at which gang_in_slot() changes (a slot begins or
 * ends), for arming the core's timer; GANG_NEVER if it never changes.
 * Precondition: s passed gang_slot_check().
 */
uint64_t gang_next_switch(const struct gang_slot *s, uint64_t now);

/*
 * The gang's share of period on a core whose other vCPUs weigh other_w in
 * total: period * gang_w / (gang_w + other_w), rounded down; period when
 * other_w is 0, 0 when gang_w is 0.
 */
uint64_t gang_slot_len(uint64_t period, uint32_t gang_w, uint32_t other_w);

#endif
