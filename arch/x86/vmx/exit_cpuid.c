// SPDX-License-Identifier: MIT
/*
 * CPUID exits (unconditional in VMX non-root, SDM 3C 26.1.2). The guest
 * sees the host's values filtered: nothing it cannot use (VMX, SMX,
 * MONITOR, MTRR, machine check, thermal and performance monitoring,
 * speculation-control MSRs we do not pass through), its own APIC ID and
 * vCPU count, the hypervisor bit, and Cypress's leaves at 0x40000000.
 * Environment: VMX root, the vCPU's core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vmexit.h"
#include "guest-abi/cypress.h"

#define BIT(n) (1U << (n))

static uint32_t width(uint32_t n)
{
	uint32_t w = 0;

	while ((1U << w) < n && w < 31)
		w++;
	return w;
}

static void filter(const struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	uint32_t n = v->vm->nvcpus;

	/* RDTSCP raises #UD unless its control is on (SDM 3C 26.3): hide it then. */
	if (leaf == 0x80000001 && !(vmx_controls.proc2 & VMX_PROC2_RDTSCP))
		r->edx &= ~BIT(27);
	switch (leaf) {
	case 1:
		/* ECX: VMX 5, SMX 6, TM2 8, PDCM 15, DCA 18, MONITOR 3, x2APIC 21
		 * stays (virtual LAPIC), hypervisor 31 set. */
		r->ecx &= ~(BIT(3) | BIT(5) | BIT(6) | BIT(8) | BIT(15) | BIT(18));
		/* EIST (ECX 7) stays: IA32_PERF_CTL writes are hints (exit_msr.c). */
		r->ecx |= BIT(7);
		r->ecx |= BIT(31);
		/* EDX: MCE 7, MTRR 12, MCA 14, ACPI thermal 22, TM 29, PBE 31. */
		r->edx &= ~(BIT(7) | BIT(12) | BIT(14) | BIT(22) | BIT(29) | BIT(31));
		r->edx |= BIT(28); /* HTT: EBX[23:16] is meaningful */
		/* Bits that mirror the guest's own state (SDM 2A CPUID, table 3-10/3-11):
		 * OSXSAVE (ECX 27) is CR4.OSXSAVE, APIC (EDX 9) is IA32_APIC_BASE's
		 * enable bit (SDM 3A 11.4.3). */
		r->ecx &= ~BIT(27);
		if (vmread(VMCS_GUEST_CR4) & GC_CR4_OSXSAVE)
			r->ecx |= BIT(27);
		r->edx &= ~BIT(9);
		if (vlapic_apic_base(&v->lapic, v->id == 0) & (1ULL << 11))
			r->edx |= BIT(9);
		r->ebx = (r->ebx & 0xffff) | ((n & 0xff) << 16) | (v->id << 24);
		break;
	case 4: /* cores per package - 1 in EAX[31:26] */
		if (r->eax & 0x1f)
			r->eax = (r->eax & 0x03ffffff) | (((n - 1) & 0x3f) << 26);
		break;
	case 5:	  /* MONITOR/MWAIT: hidden */
	case 6:	  /* thermal and power management: not ours to give */
	case 0xa: /* architectural performance monitoring */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case 7:
		if (sub == 0) {
			r->ebx &= ~BIT(2); /* SGX */
			r->ecx &= ~BIT(5); /* WAITPKG */
			/* EDX: IBRS/IBPB 26, STIBP 27, L1D_FLUSH 28,
			 * ARCH_CAPABILITIES 29, CORE_CAPABILITIES 30, SSBD 31. */
			r->edx &= ~(BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(30) | BIT(31));
			/* INVPCID raises #UD unless its control is on (SDM 3C 26.3). */
			if (!(vmx_controls.proc2 & VMX_PROC2_INVPCID))
				r->ebx &= ~BIT(10);
		}
		break;
	case 0xd:
		/* XSAVES/XRSTORS likewise (SDM 3C 25.6.2). */
		if (sub == 1 && !(vmx_controls.proc2 & VMX_PROC2_XSAVES))
			r->eax &= ~BIT(3);
		break;
	case 0xb:
	case 0x1f:
		/* One package of n cores, one thread each: SMT level (shift 0),
		 * then core level (shift = bits for n), then invalid. */
		if (sub == 0) {
			r->eax = 0;
			r->ebx = 1;
			r->ecx = (1U << 8) | sub;
		} else if (sub == 1) {
			r->eax = width(n);
			r->ebx = n;
			r->ecx = (2U << 8) | sub;
		} else {
			r->eax = r->ebx = 0;
			r->ecx = sub;
		}
		r->edx = v->id;
		break;
	default:
		break;
	}
}

int vmexit_cpuid(struct vcpu *v, const struct vmexit *x)
{
	uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
	struct cpuid_regs r;

	if (leaf >= CYPRESS_CPUID_BASE && leaf <= CYPRESS_CPUID_BASE + 0xff) {
		r = (struct cpuid_regs){ 0 };
		if (leaf == CYPRESS_CPUID_BASE) {
			r.eax = CYPRESS_CPUID_MAX;
			r.ebx = CYPRESS_SIG_EBX;
			r.ecx = CYPRESS_SIG_ECX;
			r.edx = CYPRESS_SIG_EDX;
		} else if (leaf == CYPRESS_CPUID_VERSION) {
			r.eax = CYPRESS_ABI_VERSION;
		} else if (leaf == CYPRESS_CPUID_TIMING) {
			const struct pcpu *p = this_cpu();
			r.eax = (uint32_t)tsc_khz;
			r.ebx = p->timeshared		? p->slice_us :
				vm_may_timeshare(v->vm) ? vm_slice_us(v->vm) :
							  0;
		}
	} else {
		r = cpuid(leaf, sub);
		filter(v, leaf, sub, &r);
	}
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}
