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
static void view(const struct vcpu *v, uint32_t leaf, struct cpuid_view *s)
{
	*s = (struct cpuid_view){
		.nvcpus = v->vm->nvcpus,
		.apic_id = v->id,
		.misc_enable = v->msr.misc_enable,
		.proc2 = vmx_controls.proc2,
		.xcr0_allowed = guest_caps.xcr0_allowed,
		.xcr0 = v->xcr0,
		.xsave = &guest_caps.xsave,
	};
	if (cpuid_leaf_reads_vcpu_state(leaf)) {
		struct guest_cr_state cr;

		guest_cr_state_read(v, &cr); /* VMREADs: only for the leaves that mirror them */
		s->cr4 = cr.cr4;
		s->apic_enabled = vlapic_apic_base(&v->lapic, v->id == 0) & (1ULL << 11);
		s->pat = vcpu_pat_switched();
	}
}

/*
 * A leaf's answer depends on the host's CPUID on this core and on the view
 * (cpuid_policy.h). For leaves that do not read the vCPU's mirrored state,
 * the view is the partition's size and the guest's MISC_ENABLE and XCR0
 * (the rest is fixed at boot): an answer kept with those, the core and
 * (leaf, sub) is the answer again while they match. It saves the host
 * CPUID, which is slow on hardware and a VM exit of its own when Cypress
 * runs nested, and the filter. Cypress's own leaves are computed each time.
 */
static struct cpuid_memo *memo_slot(struct vcpu *v, uint32_t leaf, uint32_t sub)
{
	return &v->cpuid_memo[(leaf ^ (leaf >> 29) ^ sub) % ARRAY_SIZE(v->cpuid_memo)];
}

static bool memo_hit(const struct cpuid_memo *m, const struct vcpu *v, uint32_t leaf, uint32_t sub,
		     uint32_t cpu)
{
	/* nvcpus 0 marks an empty slot: a partition has at least one vCPU. */
	return m->nvcpus && m->leaf == leaf && m->sub == sub && m->cpu == cpu &&
	       m->nvcpus == v->vm->nvcpus && m->misc_enable == v->msr.misc_enable &&
	       m->xcr0 == v->xcr0;
}

/* The answer to (leaf, sub) worked out: Cypress's leaves, or the host's filtered. */
static __attribute__((noinline)) struct cpuid_regs
answer(struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_memo *m, uint32_t cpu)
{
	struct cpuid_regs r = { 0 };

	if (leaf >= CYPRESS_CPUID_BASE && leaf <= CYPRESS_CPUID_BASE + 0xff) {
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
		return r;
	}
	struct cpuid_view s;
	struct cpuid_out o;
	r = cpuid(leaf, sub);
	o = (struct cpuid_out){ r.eax, r.ebx, r.ecx, r.edx };
	view(v, leaf, &s);
	cpuid_policy_filter(&s, leaf, sub, &o);
	if (!cpuid_leaf_reads_vcpu_state(leaf))
		*m = (struct cpuid_memo){ leaf,	  sub,	 cpu,	s.nvcpus, s.misc_enable,
					  s.xcr0, o.eax, o.ebx, o.ecx,	  o.edx };
	return (struct cpuid_regs){ o.eax, o.ebx, o.ecx, o.edx };
}

int vmexit_cpuid(struct vcpu *v, const struct vmexit *x)
{
	uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
	uint32_t cpu = this_cpu()->id;
	struct cpuid_memo *m = memo_slot(v, leaf, sub);

	if (memo_hit(m, v, leaf, sub, cpu)) {
		v->regs.rax = m->eax;
		v->regs.rbx = m->ebx;
		v->regs.rcx = m->ecx;
		v->regs.rdx = m->edx;
	} else {
		struct cpuid_regs r = answer(v, leaf, sub, m, cpu);
		v->regs.rax = r.eax;
		v->regs.rbx = r.ebx;
		v->regs.rcx = r.ecx;
		v->regs.rdx = r.edx;
	}
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}
