// SPDX-License-Identifier: MIT
/*
 * CPUID exits (unconditional in VMX non-root, SDM 3C 26.1.2). The guest
 * sees the host's values filtered by cpuid_policy.c (nothing whose MSRs or
 * instructions it cannot use, bits that mirror its own state, its own
 * APIC ID and vCPU count, the hypervisor bit), and Cypress's leaves at
 * 0x40000000.
 * Environment: VMX root, the vCPU's core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/cpuid_policy.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vmexit.h"
#include "guest-abi/cypress.h"

/* The vCPU's state the CPUID rules mirror (cpuid_policy.h rule 3). */
static void view(const struct vcpu *v, struct cpuid_view *s)
{
	struct guest_cr_state cr;

	guest_cr_state_read(v, &cr);
	s->nvcpus = v->vm->nvcpus;
	s->apic_id = v->id;
	s->cr4 = cr.cr4;
	s->apic_enabled = vlapic_apic_base(&v->lapic, v->id == 0) & (1ULL << 11);
	s->misc_enable = v->msr.misc_enable;
	s->proc2 = vmx_controls.proc2;
	s->xcr0_allowed = guest_caps.xcr0_allowed;
	s->xcr0 = v->xcr0;
	s->xsave = &guest_caps.xsave;
	s->pat = vcpu_pat_switched();
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
		struct cpuid_view s;
		struct cpuid_out o;
		r = cpuid(leaf, sub);
		o = (struct cpuid_out){ r.eax, r.ebx, r.ecx, r.edx };
		view(v, &s);
		cpuid_policy_filter(&s, leaf, sub, &o);
		r = (struct cpuid_regs){ o.eax, o.ebx, o.ecx, o.edx };
	}
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}
