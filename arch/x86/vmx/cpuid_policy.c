// SPDX-License-Identifier: MIT
/*
 * The CPUID a guest sees; cpuid_policy.h numbers the rules.
 * Environment: pure code, any core; also built hosted for unit tests.
 */
#include "arch/x86/vmx/cpuid_policy.h"
#include "arch/x86/vmx/msr_policy.h"
#include "arch/x86/vmx/vmx_ctl.h"

#define BIT		CPUID_BIT
#define CR4_OSXSAVE_BIT (1ULL << 18)
#define CR4_PKE_BIT	(1ULL << 22)

static uint32_t width(uint32_t n)
{
	uint32_t w = 0;

	while ((1U << w) < n && w < 31)
		w++;
	return w;
}

static void zero(struct cpuid_out *r)
{
	r->eax = r->ebx = r->ecx = r->edx = 0;
}

static void leaf1(const struct cpuid_view *s, struct cpuid_out *r)
{
	r->ecx &= ~HIDE_1_ECX;
	r->edx &= ~HIDE_1_EDX;
	/* EIST (ECX 7): IA32_PERF_CTL writes are hints (exit_msr.c). */
	/* 24: TSC-deadline mode, which the vLAPIC emulates (exit_msr.c). */
	r->ecx |= BIT(7) | BIT(24) | BIT(31); /* 31: hypervisor present */
	r->edx |= BIT(12) | BIT(28);	      /* MTRR (emulated); HTT: EBX[23:16] is meaningful */
	/* Mirrors (SDM 2A CPUID, tables 3-10/3-11; 3A 11.4.3). MONITOR (ECX 3)
	 * would follow MISC_ENABLE[18], which stays 0 (msr_policy.h rule 3). */
	r->ecx &= ~BIT(27);
	if (s->cr4 & CR4_OSXSAVE_BIT)
		r->ecx |= BIT(27);
	if (!s->pat)
		r->edx &= ~BIT(16);
	r->edx &= ~BIT(9);
	if (s->apic_enabled)
		r->edx |= BIT(9);
	r->ebx = (r->ebx & 0xffff) | ((s->nvcpus & 0xff) << 16) | (s->apic_id << 24);
}

static void leaf7(const struct cpuid_view *s, uint32_t sub, struct cpuid_out *r)
{
	if (sub == 1) {
		r->eax &= ~HIDE_7_1_EAX;
		return;
	}
	if (sub != 0)
		return;
	r->ebx &= ~HIDE_7_EBX;
	r->ebx |= CPUID_7_EBX_TSC_ADJUST; /* emulated through the TSC offset */
	r->ecx &= ~HIDE_7_ECX;
	r->edx &= ~HIDE_7_EDX;
	/* INVPCID and RDPID raise #UD unless their controls are on (SDM 3C 26.3). */
	if (!(s->proc2 & VMX_PROC2_INVPCID))
		r->ebx &= ~BIT(10);
	if (!(s->proc2 & VMX_PROC2_RDTSCP))
		r->ecx &= ~CPUID_7_ECX_RDPID;
	r->ecx &= ~CPUID_7_ECX_OSPKE;
	if ((r->ecx & CPUID_7_ECX_PKU) && (s->cr4 & CR4_PKE_BIT))
		r->ecx |= CPUID_7_ECX_OSPKE;
}

/* XSAVE area size for components `mask` (SDM 1 13.4.3): the legacy area
 * and header (576 bytes), then in the standard format up to the end of the
 * last component, in the compacted format each in turn, some 64-aligned. */
static uint32_t xsave_size(const struct cpuid_view *s, uint64_t mask, bool compacted)
{
	const struct xsave_layout *x = s->xsave;
	uint32_t end = 576;

	for (uint32_t i = 2; i < 64 && x; i++) {
		if (!((mask >> i) & 1))
			continue;
		if (!compacted) {
			end = MAX(end, (uint32_t)x->off[i] + x->len[i]);
			continue;
		}
		if ((x->align64 >> i) & 1)
			end = ALIGN_UP(end, 64u);
		end += x->len[i];
	}
	return end;
}

static void leafd(const struct cpuid_view *s, uint32_t sub, struct cpuid_out *r)
{
	if (sub == 0) {
		r->eax = (uint32_t)s->xcr0_allowed;
		r->edx = (uint32_t)(s->xcr0_allowed >> 32);
		r->ebx = xsave_size(s, s->xcr0 & s->xcr0_allowed, false);
		r->ecx = xsave_size(s, s->xcr0_allowed, false);
	} else if (sub == 1) {
		r->eax &= ~HIDE_D_1_EAX;
		/* XSAVES raises #UD unless its control is on (SDM 3C 25.6.2). */
		if (!(s->proc2 & VMX_PROC2_XSAVES))
			r->eax &= ~BIT(3);
		r->ecx = r->edx = 0; /* no supervisor state: IA32_XSS is 0 only */
		r->ebx = xsave_size(s, s->xcr0 & s->xcr0_allowed, true);
	} else if (sub < 64 && !((s->xcr0_allowed >> sub) & 1)) {
		zero(r); /* a component the guest cannot enable */
	}
}

static void topology(const struct cpuid_view *s, uint32_t sub, struct cpuid_out *r)
{
	/* One package of n cores, one thread each: SMT level (shift 0), then
	 * core level (shift = bits for n), then invalid. */
	if (sub == 0) {
		r->eax = 0;
		r->ebx = 1;
		r->ecx = (1U << 8) | sub;
	} else if (sub == 1) {
		r->eax = width(s->nvcpus);
		r->ebx = s->nvcpus;
		r->ecx = (2U << 8) | sub;
	} else {
		r->eax = r->ebx = 0;
		r->ecx = sub;
	}
	r->edx = s->apic_id;
}

void cpuid_policy_filter(const struct cpuid_view *s, uint32_t leaf, uint32_t sub,
			 struct cpuid_out *r)
{
	switch (leaf) {
	case 0:
		/* SDM 4 table 2-2, IA32_MISC_ENABLE[22]. */
		if ((s->misc_enable & MISC_LIMIT_CPUID) && r->eax > 2)
			r->eax = 2;
		break;
	case 1:
		leaf1(s, r);
		break;
	case 4: /* cores per package - 1 in EAX[31:26] */
		if (r->eax & 0x1f)
			r->eax = (r->eax & 0x03ffffff) | (((s->nvcpus - 1) & 0x3f) << 26);
		break;
	case 6: /* thermal and power management: not ours to give, but ARAT (rule 4) */
		zero(r);
		r->eax = CPUID_6_EAX_ARAT;
		break;
	case 5:	   /* MONITOR/MWAIT */
	case 0xa:  /* architectural performance monitoring */
	case 0xf:  /* RDT monitoring */
	case 0x10: /* RDT allocation */
	case 0x12: /* SGX */
	case 0x14: /* processor trace */
		zero(r);
		break;
	case 7:
		leaf7(s, sub, r);
		break;
	case 0xb:
	case 0x1f:
		topology(s, sub, r);
		break;
	case 0xd:
		leafd(s, sub, r);
		break;
	case 0x80000001:
		/* RDTSCP raises #UD unless its control is on (SDM 3C 26.3). */
		if (!(s->proc2 & VMX_PROC2_RDTSCP))
			r->edx &= ~BIT(27);
		if (s->misc_enable & MISC_XD_DISABLE)
			r->edx &= ~BIT(20); /* SDM 4 table 2-2, IA32_MISC_ENABLE[34] */
		break;
	case 0x80000008:
		r->ebx &= ~HIDE_80000008_EBX;
		break;
	default:
		break;
	}
}
