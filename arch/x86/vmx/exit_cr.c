// SPDX-License-Identifier: MIT
/*
 * Exits that load a control register or XCR0 for the guest: MOV to CR0 and
 * CR4 of a bit the hypervisor owns (the guest/host masks, SDM 3C 25.6.6),
 * and XSETBV (which always exits, SDM 3C 26.1.2). Every value is checked
 * by guest_check.c first; a refused one raises the guest's #GP/#UD, exactly
 * as the CPU would, and never reaches a VMWRITE or the host's XSETBV.
 *
 * The hypervisor owns CR0.NE (VMX needs it set, SDM 3C 24.8), CR0.PG
 * (turning paging on or off changes IA-32e mode, the PAE PDPTEs and the
 * TLB, which VM entry checks: SDM 3C 27.3.1.1, 27.3.1.6), CR0.CD/NW (they
 * would outlive the VM exit on the host core), and every CR4 bit the
 * guest's CPUID does not report. The guest owns the rest and changes it
 * without exits.
 * Environment: VMX root, the vCPU's core, interrupts off, its VMCS current.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/vmx_ctl.h"

#define AR_TYPE_MASK	   0xfULL
#define AR_TSS64_BUSY_TYPE 0xbULL

static int fault(int vec)
{
	vmexit_inject_exception((uint8_t)vec, vec == GCHECK_GP, 0);
	return VMEXIT_RESUME;
}

/*
 * SDM 3C 28.3.3.1 / 29.4.3.1: after an emulated change of paging, drop
 * the vCPU's cached translations; without VPID every entry already does.
 */
static void flush_guest_tlb(const struct vcpu *v)
{
	struct {
		uint64_t vpid, addr;
	} desc = { v->vpid, 0 };
	uint64_t type;

	if (!(vmx_controls.proc2 & VMX_PROC2_VPID))
		return;
	if (vmx_cap_invvpid_single(&vmx_caps))
		type = 1;
	else if (vmx_cap_invvpid_all(&vmx_caps))
		type = 2;
	else
		return;
	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

/* PAE paging: the four PDPTEs come from CR3 (SDM 3A 4.4.1, 3C 27.3.2.4). */
static bool load_pdptes(const struct vcpu *v, uint64_t cr3)
{
	const uint64_t *p = vm_gpa_to_host(v->vm, cr3 & 0xffffffe0ULL, 32);
	static const enum vmcs_field f[4] = { VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE1,
					      VMCS_GUEST_PDPTE2, VMCS_GUEST_PDPTE3 };
	uint64_t e[4];

	/* Outside guest memory reads as all ones, which has reserved bits set. */
	if (!p)
		return false;
	for (int i = 0; i < 4; i++) {
		e[i] = __atomic_load_n(&p[i], __ATOMIC_RELAXED);
		if (!guest_pdpte_valid(&guest_caps, e[i]))
			return false;
	}
	for (int i = 0; i < 4; i++)
		vmwrite(f[i], e[i]);
	return true;
}

static int emulate_cr0(struct vcpu *v, const struct vmexit *x, const struct guest_cr_state *s,
		       uint64_t val)
{
	uint64_t cr0;
	int vec = guest_check_cr0(&guest_caps, s, val, &cr0);

	if (vec)
		return fault(vec);
	uint64_t efer = s->efer, entry = vmread(VMCS_ENTRY_CTLS);
	bool pg_on = (cr0 & GC_CR0_PG) && !(s->cr0 & GC_CR0_PG);
	bool pg_off = !(cr0 & GC_CR0_PG) && (s->cr0 & GC_CR0_PG);

	if (pg_on && (efer & GC_EFER_LME)) {
		/* IA-32e mode activation (SDM 3A 10.8.5): LMA and the entry
		 * control follow; TR must then be a busy 64-bit TSS (SDM 3C
		 * 27.3.1.2), which the processor does not check on its own. */
		efer |= GC_EFER_LMA;
		entry |= VMX_ENTRY_IA32E_GUEST;
		uint64_t ar = vmread(VMCS_GUEST_TR_AR);
		if ((ar & AR_TYPE_MASK) != AR_TSS64_BUSY_TYPE)
			vmwrite(VMCS_GUEST_TR_AR, (ar & ~AR_TYPE_MASK) | AR_TSS64_BUSY_TYPE);
	} else if (pg_off && (efer & GC_EFER_LMA)) {
		efer &= ~GC_EFER_LMA;
		entry &= ~(uint64_t)VMX_ENTRY_IA32E_GUEST;
	}
	if ((cr0 & GC_CR0_PG) && (s->cr4 & GC_CR4_PAE) && !(efer & GC_EFER_LMA) &&
	    (pg_on || ((cr0 ^ s->cr0) & (GC_CR0_CD | GC_CR0_NW))) && !load_pdptes(v, s->cr3))
		return fault(GCHECK_GP);
	vmwrite(VMCS_CR0_SHADOW, cr0);
	/* CD and NW stay clear in the real CR0: VM exits keep them, so a
	 * guest's would disable the core's caches for the hypervisor and any
	 * other vCPU (SDM 3C 27.3.2.1, 28.5.1). With EPT write-back memory the
	 * guest loses only the cache-disable it asked for; it reads its value. */
	vmwrite(VMCS_GUEST_CR0, (cr0 & ~(GC_CR0_CD | GC_CR0_NW)) | GC_CR0_NE);
	vmwrite(VMCS_GUEST_EFER, efer);
	vmwrite(VMCS_ENTRY_CTLS, entry);
	if ((cr0 ^ s->cr0) & (GC_CR0_PG | GC_CR0_WP | GC_CR0_CD))
		flush_guest_tlb(v);
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}

static int emulate_cr4(struct vcpu *v, const struct vmexit *x, const struct guest_cr_state *s,
		       uint64_t val)
{
	int vec = guest_check_cr4(&guest_caps, s, val);

	if (vec)
		return fault(vec);
	/* An allowed bit never exits, so only an unchanged masked part gets
	 * here; load the value the same way the CPU would have. */
	vmwrite(VMCS_CR4_SHADOW, val);
	vmwrite(VMCS_GUEST_CR4, val | GC_CR4_VMXE);
	flush_guest_tlb(v);
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}

int vmexit_cr_access(struct vcpu *v, const struct vmexit *x)
{
	/* Exit qualification (SDM 3C table 28-3): CR 3:0, type 5:4, GPR 11:8. */
	uint32_t cr = x->qual & 0xf, type = (x->qual >> 4) & 3, reg = (x->qual >> 8) & 0xf;
	struct guest_cr_state s;

	if (type != 0 || (cr != 0 && cr != 4)) {
		/* CLTS, LMSW and MOV from CR never exit with our masks and
		 * controls: reaching here is a hypervisor bug, contained to this VM. */
		vm_fail(v->vm, x->rip, "control-register access type %u to CR%u not emulated", type,
			cr);
		return VMEXIT_STOP;
	}
	guest_cr_state_read(v, &s);
	uint64_t val = reg == 4 ? vmread(VMCS_GUEST_RSP) : ((uint64_t *)&v->regs)[reg];
	/* Outside 64-bit mode the source is a 32-bit register. */
	if (!((s.efer & GC_EFER_LMA) && s.cs_l))
		val = (uint32_t)val;
	return cr == 0 ? emulate_cr0(v, x, &s, val) : emulate_cr4(v, x, &s, val);
}

int vmexit_xsetbv(struct vcpu *v, const struct vmexit *x)
{
	uint64_t val = ((v->regs.rdx & 0xffffffff) << 32) | (v->regs.rax & 0xffffffff);
	struct guest_cr_state s;

	guest_cr_state_read(v, &s);
	int vec = guest_check_xsetbv(&guest_caps, &s, (uint32_t)v->regs.rcx, val);
	if (vec)
		return fault(vec);
	/* The guest's XCR0 is loaded on its core before each entry
	 * (vcpu_xcr0_load); the host itself uses no extended state. */
	v->xcr0 = val;
	vcpu_xcr0_load(v);
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}
