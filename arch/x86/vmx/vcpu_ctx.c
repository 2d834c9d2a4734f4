// SPDX-License-Identifier: MIT
/*
 * What a core must do when it changes which vCPU it runs: the VMCS (made
 * current by VMPTRLD; a vCPU that arrives from another core is VMCLEARed
 * there first and gets this core's host state and fresh TLB tags here),
 * and the guest registers the VMCS does not hold: CR2, DR0-3 and DR6, the
 * syscall MSRs the MSR bitmap passes through, IA32_TSC_AUX (which RDTSCP
 * reads), and the x87/SSE/AVX state.
 * Those are switched lazily: a core keeps the last vCPU's registers
 * loaded until another vCPU needs the core (core/vcore.c tracks whose
 * they are).
 * Environment: VMX root, the owner core of every vCPU passed, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/xapic.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/frame.h"

#define MSR_STAR       0xc0000081
#define MSR_LSTAR      0xc0000082
#define MSR_CSTAR      0xc0000083
#define MSR_SFMASK     0xc0000084
#define MSR_KERNEL_GS  0xc0000102
#define XSAVE_X87_SSE  3ULL
#define FPU_MXCSR_OFF  24     /* legacy area (SDM 1 10.5.1 table 10-2) */
#define FPU_FCW_INIT   0x37f  /* x87 control word after FNINIT */
#define FPU_MXCSR_INIT 0x1f80 /* MXCSR after reset (SDM 1 10.2.3) */

uint32_t vmx_preempt_shift; /* IA32_VMX_MISC[4:0]: TSC ticks per timer tick, as a shift */

uint32_t vcpu_preempt_ticks(const struct pcpu *p)
{
	if (!p->slice_end)
		return VCPU_PREEMPT_TICKS;
	uint64_t now = rdtsc();
	uint64_t left = p->slice_end > now ? (p->slice_end - now) >> vmx_preempt_shift : 0;
	return left ? (left < VCPU_PREEMPT_TICKS ? (uint32_t)left : VCPU_PREEMPT_TICKS) : 1;
}

/* Everything a guest may have in the extended-state registers: x87 and
 * SSE always (legacy FXSAVE state exists whatever XCR0 says), plus what
 * guests may enable. Saving under the guest's own XCR0 would drop XMM
 * state of a guest that never ran XSETBV. */
static uint64_t xsave_all(void)
{
	return guest_caps.xcr0_allowed | XSAVE_X87_SSE;
}

static void xcr0_set(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
	this_cpu()->xcr0 = v;
}

static size_t fpu_area_size(void)
{
	if (!guest_caps.xcr0_allowed)
		return 512;	  /* FXSAVE */
	return cpuid(0xd, 0).ecx; /* XSAVE area for every supported component */
}

int vcpu_ctx_init(struct vcpu *v)
{
	size_t n = (fpu_area_size() + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t pa = frame_alloc_zeroed(n, PAGE_SIZE, UINT64_MAX);

	if (!pa)
		return -E_NOMEM;
	uint8_t *a = (uint8_t *)(uintptr_t)pa;
	/* An image of the reset state: XRSTOR with XSTATE_BV 0 initialises
	 * each component but still loads MXCSR; FXRSTOR takes all of it. */
	a[0] = FPU_FCW_INIT & 0xff;
	a[1] = FPU_FCW_INIT >> 8;
	*(uint32_t *)(a + FPU_MXCSR_OFF) = FPU_MXCSR_INIT;
	v->ctx.fpu = a;
	msr_state_reset(&v->msr);
	/* The vLAPIC's register page (arch/x86/vdev/vlapic.h), which is also
	 * the VMCS's virtual-APIC page: allocated with the vCPU, before
	 * vcpu_lapic_init(), so the model always has its storage. */
	if (!v->vapic_pa)
		v->vapic_pa = frame_alloc_zeroed(1, PAGE_SIZE, UINT64_MAX);
	if (!v->vapic_pa) {
		vcpu_ctx_fini(v);
		return -E_NOMEM;
	}
	return 0;
}

/* Where a released vCPU's vLAPIC points: nothing reads it once its VM has
 * ended, but a stray access must not reach a freed frame. */
static uint32_t dead_page[VLAPIC_PAGE_WORDS] __attribute__((aligned(PAGE_SIZE)));

void vcpu_ctx_fini(struct vcpu *v)
{
	if (v->ctx.fpu)
		frame_free((uint64_t)(uintptr_t)v->ctx.fpu,
			   (fpu_area_size() + PAGE_SIZE - 1) / PAGE_SIZE);
	v->ctx.fpu = NULL;
	/* release_pages() (core/partition.c) may have freed it already. */
	if (v->vapic_pa)
		frame_free(v->vapic_pa, 1);
	v->vapic_pa = 0;
	if (v->lapic.regs)
		v->lapic.regs = dead_page;
	/* vCPU 0 holds the VM's x2APIC pages (vcpu_lapic_init()). */
	if (v->id == 0 && v->vm)
		xapic_vm_fini(v->vm);
}

void vcpu_ctx_save(struct vcpu *v)
{
	struct vcpu_ctx *c = &v->ctx;

	c->cr2 = read_cr2();
	__asm__ volatile("mov %%dr0, %0" : "=r"(c->dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(c->dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(c->dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(c->dr[3]));
	__asm__ volatile("mov %%dr6, %0" : "=r"(c->dr6));
	c->star = rdmsr(MSR_STAR);
	c->lstar = rdmsr(MSR_LSTAR);
	c->cstar = rdmsr(MSR_CSTAR);
	c->sfmask = rdmsr(MSR_SFMASK);
	c->kernel_gs = rdmsr(MSR_KERNEL_GS);
	if (!guest_caps.xcr0_allowed) {
		__asm__ volatile("fxsave64 (%0)" : : "r"(c->fpu) : "memory");
		return;
	}
	uint64_t all = xsave_all();
	if (this_cpu()->xcr0 != all)
		xcr0_set(all);
	__asm__ volatile("xsave64 (%0)"
			 :
			 : "r"(c->fpu), "a"((uint32_t)all), "d"((uint32_t)(all >> 32))
			 : "memory");
}

void vcpu_ctx_load(struct vcpu *v)
{
	const struct vcpu_ctx *c = &v->ctx;

	write_cr2(c->cr2);
	__asm__ volatile("mov %0, %%dr0" : : "r"(c->dr[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(c->dr[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(c->dr[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(c->dr[3]));
	__asm__ volatile("mov %0, %%dr6" : : "r"(c->dr6 | 0xffff0ff0ULL));
	wrmsr(MSR_STAR, c->star);
	wrmsr(MSR_LSTAR, c->lstar);
	wrmsr(MSR_CSTAR, c->cstar);
	wrmsr(MSR_SFMASK, c->sfmask);
	wrmsr(MSR_KERNEL_GS, c->kernel_gs);
	/* IA32_TSC_AUX: RDTSCP/RDPID read it without an exit (exit_msr.c). */
	if (guest_caps.tsc_aux && (vmx_controls.proc2 & VMX_PROC2_RDTSCP))
		wrmsr(MSR_TSC_AUX, v->msr.tsc_aux);
	if (!guest_caps.xcr0_allowed) {
		__asm__ volatile("fxrstor64 (%0)" : : "r"(c->fpu) : "memory");
		return;
	}
	uint64_t all = xsave_all();
	if (this_cpu()->xcr0 != all)
		xcr0_set(all);
	__asm__ volatile("xrstor64 (%0)"
			 :
			 : "r"(c->fpu), "a"((uint32_t)all), "d"((uint32_t)(all >> 32))
			 : "memory");
	vcpu_xcr0_load(v); /* then the guest's own XCR0 */
}

/* INVVPID / INVEPT single context, or all contexts where only that exists. */
static void flush_tags(const struct vcpu *v)
{
	struct {
		uint64_t a, b;
	} d;
	uint64_t type;

	if ((vmx_controls.proc2 & VMX_PROC2_VPID) &&
	    (vmx_cap_invvpid_single(&vmx_caps) || vmx_cap_invvpid_all(&vmx_caps))) {
		d.a = v->vpid;
		d.b = 0;
		type = vmx_cap_invvpid_single(&vmx_caps) ? 1 : 2;
		__asm__ volatile("invvpid %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
	}
	if (vmx_cap_invept_single(&vmx_caps) || vmx_cap_invept_all(&vmx_caps)) {
		d.a = v->vm->eptp;
		d.b = 0;
		type = vmx_cap_invept_single(&vmx_caps) ? 1 : 2;
		__asm__ volatile("invept %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
	}
}

bool vcpu_vmcs_load(struct vcpu *v)
{
	if (!vmptrld(v->vmcs_pa))
		return false;
	if (v->moved) {
		/* SDM 3C 25.11.1: a VMCS goes to another core only after
		 * VMCLEAR on the old one, and its next entry is a VMLAUNCH. The
		 * host-state area names this core's GS base, TSS, GDT and IDT.
		 * Translations this core cached for the VPID (or, for a reused
		 * EPT, the EPTP) in an earlier stay may be stale: flush them
		 * (SDM 3C 29.4.3). */
		vcpu_vmcs_host_state();
		v->launched = false;
		v->moved = false;
		flush_tags(v);
	}
	return true;
}

void vcpu_vmcs_unload(struct vcpu *v)
{
	if (v->vmcs_pa)
		vmclear(v->vmcs_pa);
	v->launched = false;
}
