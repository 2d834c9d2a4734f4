// SPDX-License-Identifier: MIT
/*
 * What guests may load into CR0, CR4, XCR0 and EFER on this host, read once
 * from CPUID and the VMX fixed-bit MSRs, and the per-vCPU reading of the
 * guest state the checks in guest_check.c need. A CR4 bit is allowed only
 * where the CPUID a guest sees (exit_cpuid.c) reports its feature, so the
 * two cannot disagree: VMXE and SMXE stay reserved because VMX and SMX are
 * hidden, MCE because machine checks are not the guest's, CET because its
 * MSRs are not offered; XCR0 likewise without MPX (cpuid_policy.h).
 * Environment: VMX root; guest_caps_init on the boot core before any vCPU
 * runs, guest_cr_state_read on a vCPU's core with its VMCS current.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/cpuid_policy.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmexit.h"

struct guest_caps guest_caps;

/* One CR4 bit and the CPUID feature flag that makes it exist (SDM 3A 2.5). */
struct cr4_feature {
	uint8_t bit;
	uint8_t reg; /* 0: leaf 1 EDX, 1: leaf 1 ECX, 2: leaf 7 EBX, 3: leaf 7 ECX, 4: always */
	uint8_t flag;
};

static const struct cr4_feature cr4_features[] = {
	{ 0, 0, 1 },   /* VME: VME */
	{ 1, 0, 1 },   /* PVI: VME */
	{ 2, 0, 4 },   /* TSD: TSC */
	{ 3, 0, 2 },   /* DE */
	{ 4, 0, 3 },   /* PSE */
	{ 5, 0, 6 },   /* PAE */
	{ 7, 0, 13 },  /* PGE */
	{ 8, 4, 0 },   /* PCE */
	{ 9, 0, 24 },  /* OSFXSR: FXSR */
	{ 10, 0, 25 }, /* OSXMMEXCPT: SSE */
	{ 11, 3, 2 },  /* UMIP */
	{ 12, 3, 16 }, /* LA57 */
	{ 16, 2, 0 },  /* FSGSBASE */
	{ 17, 1, 17 }, /* PCIDE: PCID */
	{ 18, 1, 26 }, /* OSXSAVE: XSAVE */
	{ 20, 2, 7 },  /* SMEP */
	{ 21, 2, 20 }, /* SMAP */
	{ 22, 3, 3 },  /* PKE: PKU */
	{ 23, 3, 7 },  /* CET: CET_SS */
};

void guest_caps_init(void)
{
	struct cpuid_regs l1 = cpuid(1, 0), l7 = { 0 }, e1 = { 0 }, e8 = { 0 };
	uint32_t max = cpuid(0, 0).eax, emax = cpuid(0x80000000, 0).eax;
	struct guest_caps *c = &guest_caps;

	if (max >= 7)
		l7 = cpuid(7, 0);
	if (emax >= 0x80000001)
		e1 = cpuid(0x80000001, 0);
	if (emax >= 0x80000008)
		e8 = cpuid(0x80000008, 0);
	/* Features exit_cpuid.c hides have no CR4 bit either (CET). */
	uint32_t regs[5] = { l1.edx & ~HIDE_1_EDX, l1.ecx & ~HIDE_1_ECX, l7.ebx & ~HIDE_7_EBX,
			     l7.ecx & ~HIDE_7_ECX, 1 };
	c->cr4_allowed = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		if ((regs[f->reg] >> f->flag) & 1)
			c->cr4_allowed |= 1ULL << f->bit;
	}
	c->cr0_fixed0 = vmx_caps.cr0_fixed0;
	c->cr0_fixed1 = vmx_caps.cr0_fixed1;
	c->cr4_fixed0 = vmx_caps.cr4_fixed0;
	c->cr4_fixed1 = vmx_caps.cr4_fixed1;
	c->cr4_allowed &= c->cr4_fixed1;
	c->xcr0_allowed = 0;
	if (((l1.ecx >> 26) & 1) && max >= 0xd) {
		struct cpuid_regs d = cpuid(0xd, 0);
		c->xcr0_allowed = (((uint64_t)d.edx << 32) | d.eax) & ~HIDE_XCR0;
	}
	c->xsave = (struct xsave_layout){ 0 };
	for (uint32_t i = 2; i < 64; i++) {
		if (!((c->xcr0_allowed >> i) & 1))
			continue;
		struct cpuid_regs d = cpuid(0xd, i);
		c->xsave.off[i] = (uint16_t)MIN(d.ebx, 0xffffu);
		c->xsave.len[i] = (uint16_t)MIN(d.eax, 0xffffu);
		c->xsave.align64 |= (uint64_t)((d.ecx >> 1) & 1) << i;
	}
	/* EFER: SCE with SYSCALL (80000001H:EDX[11]), LME/LMA with LM (29), NXE with NX (20). */
	c->efer_allowed = 0;
	if ((e1.edx >> 11) & 1)
		c->efer_allowed |= GC_EFER_SCE;
	if ((e1.edx >> 29) & 1)
		c->efer_allowed |= GC_EFER_LME | GC_EFER_LMA;
	if ((e1.edx >> 20) & 1)
		c->efer_allowed |= GC_EFER_NXE;
	c->maxphyaddr = e8.eax & 0xff ? e8.eax & 0xff : 36;
	c->ds = (l1.edx >> 21) & 1;
	c->tsc_aux = ((e1.edx >> 27) & 1) || ((l7.ecx >> 22) & 1);
	c->xsaves = max >= 0xd && ((cpuid(0xd, 1).eax >> 3) & 1);
}

void guest_cr_state_read(const struct vcpu *v, struct guest_cr_state *s)
{
	(void)v;
	/* Bits the host owns read as their shadow; the rest are the guest's (SDM 3C 25.6.6). */
	uint64_t m0 = vmread(VMCS_CR0_MASK), m4 = vmread(VMCS_CR4_MASK);
	s->cr0 = (vmread(VMCS_GUEST_CR0) & ~m0) | (vmread(VMCS_CR0_SHADOW) & m0);
	s->cr4 = (vmread(VMCS_GUEST_CR4) & ~m4) | (vmread(VMCS_CR4_SHADOW) & m4);
	s->cr3 = vmread(VMCS_GUEST_CR3);
	s->efer = vmread(VMCS_GUEST_EFER);
	s->cs_l = (vmread(VMCS_GUEST_CS_AR) >> 13) & 1;
	/* The CPL is SS.DPL (SDM 3C 27.3.1.2 on guest segment checks). */
	s->cpl = (uint32_t)(vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
}
