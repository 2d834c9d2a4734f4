/* SPDX-License-Identifier: MIT */
/*
 * What CPUID tells a guest: the host's values with every feature removed
 * whose MSRs or instructions Cypress does not give the guest, the bits
 * that mirror the guest's own state set from that state, and the
 * topology of its partition. Pure code: the exit handler (exit_cpuid.c)
 * gathers a struct cpuid_view and calls cpuid_policy_filter(), so host
 * unit tests check every rule (tests/unit/test_msr_policy.c).
 * Rules:
 *  1. A feature with MSRs is reported only if every one of its MSRs
 *     behaves as the SDM says (exit_msr.c; docs/guest-abi.md, "MSRs").
 *     Hidden: MONITOR, VMX, SMX, TM2, SDBG, PDCM, DCA (leaf 1 ECX); MCE,
 *     MCA, PSN, ACPI, TM, PBE (leaf 1 EDX); SGX, PQM, MPX, PQE, PT
 *     (leaf 7 EBX); WAITPKG, CET_SS, SGX_LC, PKS (leaf 7 ECX); CET_IBT and
 *     the speculation-control MSRs (leaf 7 EDX 26-31); FRED (leaf 7.1
 *     EAX); XFD and every supervisor state component (leaf 0xD); leaves
 *     5, 6, 0xA, 0xF, 0x10, 0x12, 0x14 entirely; AMD's speculation bits
 *     of 0x80000008 EBX. Reported because emulated: TSC_ADJUST (leaf 7
 *     EBX 1), EIST (leaf 1 ECX 7), TSC-deadline (leaf 1 ECX 24), MTRR
 *     (leaf 1 EDX 12), the hypervisor bit.
 *  2. Instructions that raise #UD unless a VMX control is on are reported
 *     only with the control on: RDTSCP and RDPID, INVPCID, XSAVES; PAT
 *     only where the VMCS loads and saves the guest's IA32_PAT.
 *  3. Mirrors of guest state: OSXSAVE = CR4.OSXSAVE, OSPKE = CR4.PKE,
 *     APIC = IA32_APIC_BASE.EN, NX = !MISC_ENABLE.XD_DISABLE, leaf 0 EAX
 *     <= 2 under MISC_ENABLE.LIMIT_CPUID, initial APIC IDs (leaf 1 EBX
 *     31:24, leaves 0xB/0x1F EDX) = the vCPU's; the XSAVE area sizes
 *     (leaf 0xD.0 EBX for the guest's XCR0, ECX for every component it
 *     may enable; 0xD.1 EBX, compacted, for its XCR0 since IA32_XSS is 0)
 *     computed from the components' offsets, sizes and alignment, not
 *     taken from the CPU, whose XCR0 is the host's during the exit (and
 *     Bochs 2.7 gets both wrong: it sums the standard sizes and reports
 *     the standard size as the compacted one).
 *  4. Leaf 6 reports ARAT only (EAX[2]): the virtual LAPIC timer runs in
 *     every idle state, so a guest needs no broadcast timer (Linux then
 *     needs no PIT, apic_needs_pit()).
 * Environment: pure code, any core; also built hosted for unit tests.
 */
#ifndef ARCH_X86_VMX_CPUID_POLICY_H
#define ARCH_X86_VMX_CPUID_POLICY_H

#include "arch/x86/vmx/guest_check.h"
#include "lib/types.h"

#define CPUID_BIT(n) (1U << (n))

/* Rule 1, as masks of hidden bits. guest_caps.c uses the leaf 7 ones too,
 * so CR4 bits of hidden features (CET) stay reserved. */
#define HIDE_1_ECX                                                                   \
	(CPUID_BIT(3) | CPUID_BIT(5) | CPUID_BIT(6) | CPUID_BIT(8) | CPUID_BIT(11) | \
	 CPUID_BIT(15) | CPUID_BIT(18))
#define HIDE_1_EDX                                                                      \
	(CPUID_BIT(7) | CPUID_BIT(14) | CPUID_BIT(18) | CPUID_BIT(22) | CPUID_BIT(29) | \
	 CPUID_BIT(31))
#define HIDE_7_EBX (CPUID_BIT(2) | CPUID_BIT(12) | CPUID_BIT(14) | CPUID_BIT(15) | CPUID_BIT(25))
#define HIDE_7_ECX (CPUID_BIT(5) | CPUID_BIT(7) | CPUID_BIT(30) | CPUID_BIT(31))
#define HIDE_7_EDX                                                                       \
	(CPUID_BIT(20) | CPUID_BIT(26) | CPUID_BIT(27) | CPUID_BIT(28) | CPUID_BIT(29) | \
	 CPUID_BIT(30) | CPUID_BIT(31))
#define HIDE_7_1_EAX	  CPUID_BIT(17)
#define HIDE_D_1_EAX	  CPUID_BIT(4)
#define HIDE_80000008_EBX 0x0707f000U /* AMD IBPB..SSBD, 12-18 and 24-26 */
/* XCR0 components of hidden features: MPX's BNDREGS and BNDCSR (SDM 1 13.1). */
#define HIDE_XCR0 0x18ULL

#define CPUID_7_EBX_TSC_ADJUST CPUID_BIT(1)
#define CPUID_7_ECX_PKU	       CPUID_BIT(3)
#define CPUID_6_EAX_ARAT       CPUID_BIT(2)
#define CPUID_7_ECX_OSPKE      CPUID_BIT(4)
#define CPUID_7_ECX_RDPID      CPUID_BIT(22)

/* The leaf registers (same layout as struct cpuid_regs in arch/x86/cpu.h). */
struct cpuid_out {
	uint32_t eax, ebx, ecx, edx;
};

/* What the filter needs to know of the vCPU asking. */
struct cpuid_view {
	uint32_t nvcpus;		  /* vCPUs of its partition */
	uint32_t apic_id;		  /* its APIC ID (= its index) */
	uint64_t cr4;			  /* CR4 as the guest believes it */
	bool apic_enabled;		  /* IA32_APIC_BASE[11] */
	uint64_t misc_enable;		  /* its IA32_MISC_ENABLE */
	uint32_t proc2;			  /* the secondary processor-based controls in use */
	uint64_t xcr0_allowed;		  /* guest_caps.xcr0_allowed */
	uint64_t xcr0;			  /* the guest's XCR0 */
	const struct xsave_layout *xsave; /* &guest_caps.xsave */
	bool pat;			  /* the VMCS loads and saves the guest's IA32_PAT */
};

/* Only these leaves read cr4, apic_enabled and pat; for the others the
 * exit handler leaves them 0 and saves reading the guest's state. */
static inline bool cpuid_leaf_reads_vcpu_state(uint32_t leaf)
{
	return leaf == 1 || leaf == 7;
}

/* Turn the host's answer r for (leaf, sub) into the guest's (rules 1-3). */
void cpuid_policy_filter(const struct cpuid_view *s, uint32_t leaf, uint32_t sub,
			 struct cpuid_out *r);

#endif
