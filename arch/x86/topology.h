/* SPDX-License-Identifier: MIT */
/*
 * CPU features and topology from CPUID.
 * Environment: freestanding hypervisor, each core for itself.
 */
#ifndef ARCH_X86_TOPOLOGY_H
#define ARCH_X86_TOPOLOGY_H

#include "arch/x86/pcpu.h"

/* Hybrid core types (CPUID.1A:EAX[31:24], SDM Vol. 2A CPUID leaf 1AH). */
#define CORE_TYPE_ATOM 0x20
#define CORE_TYPE_CORE 0x40

/*
 * Fill p->pkg_id/core_id/smt_id from CPUID leaf 0x1F or 0xB (x2APIC ID
 * shifts), falling back to leaf 1 when neither exists, and p->hybrid_type
 * from leaf 0x1A when CPUID.7.0:EDX[15] (hybrid) is set. Calling core only.
 */
void topology_detect(struct pcpu *p);

/* Print one line of vendor, family/model and the features Cypress uses. Boot core. */
void cpu_features_print(void);

/* Name of a hybrid core type: "core", "atom" or "-". */
const char *core_type_name(uint8_t t);

#endif
