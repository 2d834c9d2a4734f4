/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: which hypervisor runs us, from CPUID leaf 0x40000000;
 * Cypress ABI 1.1 timing leaf and hypercall wrappers.
 * Environment: guest test kernel, any CPU.
 */
#ifndef GUEST_HV_H
#define GUEST_HV_H

#include <stdint.h>
#include <stdbool.h>
#include "guest-abi/cypress.h"
#include "tests/guests/lib/idt.h"

/*
 * The hypervisor signature (12 chars + NUL) and highest hypervisor leaf, or
 * "" and 0 when CPUID.1:ECX[31] (hypervisor present) is clear.
 */
void hv_signature(char sig[13], uint32_t *max_leaf);

/* True if the signature is Cypress's ("CypressHyper", guest-abi/cypress.h). */
bool hv_is_cypress(void);

/*
 * ABI 1.1 timing leaf (CYPRESS_CPUID_TIMING): the TSC rate in kHz and the
 * time slice in us of the calling vCPU's core (0: not time-shared). Returns
 * false, with both 0, when the hypervisor is not Cypress or its highest
 * leaf is below CYPRESS_CPUID_TIMING (an ABI 1.0 hypervisor).
 */
bool cy_timing(uint32_t *tsc_khz, uint32_t *slice_us);

/*
 * ABI 1.1 hypercall wrappers (docs/guest-abi.md). Each returns the hypercall's
 * EAX: >= 0 success, < 0 a CY_E* error. Buffers are guest-physical, which
 * with paging off is the pointer. Precondition: hv_is_cypress() (VMCALL
 * raises #UD elsewhere). Control calls (PART_*, CORE_LIST, RESOURCES) need
 * `control = yes`; VCPU_MOVE/WHERE work in every partition.
 */
int32_t cy_part_create(const char *text, uint32_t len);
int32_t cy_part_resize(uint32_t id, uint32_t cores, uint32_t vcpus);
int32_t cy_part_destroy(uint32_t id);
int32_t cy_part_list(struct cy_part_info *info, uint32_t count);
int32_t cy_core_list(struct cy_core_info *info, uint32_t count);
int32_t cy_resources(struct cy_resources *res);
int32_t cy_vcpu_move(uint32_t vcpu, uint32_t core_index);
int32_t cy_vcpu_where(uint32_t vcpu);

/* Name of a hypercall result for messages: "CY_EPERM", "CY_ENOSYS", ..., or "ok" for >= 0. */
const char *cy_errname(int32_t ret);

/* A test of ABI `min` or later: SKIP unless under Cypress, FAILURE if its ABI is older. */
void cy_require_abi(int32_t min);

/*
 * The paravirtual set-up the ABI 1.3 tests share: the local APIC on,
 * `handler` on `vector`, `area` as the shared area (SHARED_SET) and
 * `vector` as the event vector (CORE_NOTIFY). Each refusal is a fail();
 * returns true if both calls answered 0. Interrupts stay as they were.
 */
bool cy_events_setup(struct cy_shared *area, uint8_t vector, void (*handler)(struct irq_frame *));

/* fail() unless a call returned `want`: "<what> = <rc> (<name>), want ...". */
void expect_rc(const char *what, int32_t rc, int32_t want);

#endif
