/* SPDX-License-Identifier: MIT */
/*
 * VT-ASOS requests (guest ABI 1.3, CYPRESS_HC_REQUEST): a partition asks
 * for a vCPU count with a core per vCPU, gang scheduling, a latency bound
 * and co-location of vCPU ranges on one package; the GPM grants each part
 * in full, in part or not at all and says why (docs/guest-abi.md,
 * "VT-ASOS requests").
 * Environment: freestanding hypervisor; the call runs on cpu 0 (a control
 * call), MSG_REQ_SLICE on the partition's vCPU cores.
 */
#ifndef CORE_REQUEST_H
#define CORE_REQUEST_H

/* The shortest slice LATENCY sets: below it a switch costs more than the turn. */
#define REQ_SLICE_MIN_US 100
/* The longest (the manifest's `slice` limit). */
#define REQ_SLICE_MAX_US 100000

/* Register REQUEST and MSG_REQ_SLICE. Boot core, before SMP. */
void request_register(void);

#endif
