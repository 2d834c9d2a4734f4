/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: which hypervisor runs us, from CPUID leaf 0x40000000.
 * Environment: guest test kernel, any CPU.
 */
#ifndef GUEST_HV_H
#define GUEST_HV_H

#include <stdint.h>
#include <stdbool.h>

/*
 * The hypervisor signature (12 chars + NUL) and highest hypervisor leaf, or
 * "" and 0 when CPUID.1:ECX[31] (hypervisor present) is clear.
 */
void hv_signature(char sig[13], uint32_t *max_leaf);

/* True if the signature is Cypress's ("CypressHyper", guest-abi/cypress.h). */
bool hv_is_cypress(void);

#endif
