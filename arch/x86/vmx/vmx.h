/* SPDX-License-Identifier: MIT */
/*
 * VMX root mode: feature checks, capability MSRs and VMXON per core.
 * SDM Vol. 3C, chapter 24 ("Introduction to VMX Operation") and
 * appendix A ("VMX Capability Reporting Facility").
 * Environment: freestanding hypervisor, each core for itself, interrupts off.
 */
#ifndef ARCH_X86_VMX_H
#define ARCH_X86_VMX_H

#include "arch/x86/pcpu.h"

#define MSR_IA32_VMX_BASIC		 0x480
#define MSR_IA32_VMX_PINBASED_CTLS	 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS	 0x482
#define MSR_IA32_VMX_EXIT_CTLS		 0x483
#define MSR_IA32_VMX_ENTRY_CTLS		 0x484
#define MSR_IA32_VMX_MISC		 0x485
#define MSR_IA32_VMX_CR0_FIXED0		 0x486
#define MSR_IA32_VMX_CR0_FIXED1		 0x487
#define MSR_IA32_VMX_CR4_FIXED0		 0x488
#define MSR_IA32_VMX_CR4_FIXED1		 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2	 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP	 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	 0x490

#define FEATURE_CONTROL_LOCK		  (1ULL << 0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1ULL << 2)

/* Capability MSRs as read on the boot core (later used to compute controls). */
struct vmx_caps {
	uint64_t basic, pinbased, procbased, exit, entry, misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t procbased2, ept_vpid;
	uint64_t true_pin, true_proc, true_exit, true_entry; /* 0 if not reported */
};

extern struct vmx_caps vmx_caps;

/*
 * Enter VMX root operation on the calling core, or record why not in
 * p->vmx_reason. `disabled` forces the "disabled on the command line"
 * answer. Prints `vmx N on` or `vmx N unavailable: <reason>`.
 * Returns true when VMXON succeeded.
 */
bool vmx_enable_cpu(struct pcpu *p, bool disabled);

#endif
