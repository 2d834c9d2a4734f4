// SPDX-License-Identifier: MIT
/*
 * The xAPIC page: APIC virtualization, or decoding (see arch/x86/vmx/xapic.h).
 * SDM Vol. 3C chapter 30 ("APIC Virtualization and Virtual Interrupts").
 * Environment: VMX root; controls on the boot core, the rest on the
 * vCPU's own core with its VMCS current, interrupts off.
 */
#include "arch/x86/vmx/xapic.h"

#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/mmio.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_ctl.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"

#define APICV_CTLS (VMX_PROC2_VIRT_APIC_ACCESS | VMX_PROC2_APIC_REG_VIRT)

/* APIC-access exit qualification (SDM 3C 28.2.1, Table 28-6). */
#define QUAL_OFFSET(q)	 ((uint32_t)(q)&0xfff)
#define QUAL_TYPE(q)	 (((uint32_t)(q) >> 12) & 0xf)
#define ACCESS_LIN_READ	 0
#define ACCESS_LIN_WRITE 1

bool vmx_apicv_allowed = true;

/*
 * The APIC-access page: one for all partitions. With "virtualize APIC
 * accesses" no guest access ever reaches it (each is virtualized or exits,
 * SDM 3C 30.4), so sharing it cannot let partitions see each other.
 */
static uint64_t apic_access_pa;

bool xapic_virtualized(void)
{
	return apic_access_pa != 0;
}

void xapic_controls_request(struct vmx_ctl_req *req)
{
	if (vmx_apicv_allowed && vmx_vid_allowed)
		req->proc2_opt |= APICV_CTLS;
}

void xapic_controls_done(void)
{
	/* Only the whole set: APIC-register virtualization keeps reads from
	 * exiting, and virtual-interrupt delivery completes EOIs, TPR writes
	 * and self-IPIs in the CPU (SDM 3C 30.4.3.2); without it the page's
	 * IRR/ISR would need a copy path of their own. */
	uint32_t need = APICV_CTLS | VMX_PROC2_VIRT_INTR_DELIVERY;

	if ((vmx_controls.proc2 & need) == need)
		apic_access_pa = frame_alloc_zeroed(1, PAGE_SIZE, UINT64_MAX);
	if (!apic_access_pa)
		vmx_controls.proc2 &= ~(uint32_t)APICV_CTLS;
	kprintf("vmx: guests' xAPIC page by %s\n",
		apic_access_pa ? "APIC virtualization" : "instruction decoding");
}

int xapic_ept_map(struct ept *e)
{
	if (!apic_access_pa)
		return 0;
	/* SDM 3C 30.4: an access is to the APIC-access page when EPT
	 * translates its guest-physical address to that page. */
	return ept_map(e, XAPIC_MMIO_BASE, apic_access_pa, PAGE_SIZE, EPT_R | EPT_W, EPT_MT_UC,
		       false);
}

uint64_t xapic_access_page(const struct vm *vm)
{
	return vm->apic_access_pa ? vm->apic_access_pa : apic_access_pa;
}

/* x2APIC MSRs whose writes virtual-interrupt delivery completes (SDM 3C
 * 30.5): TPR and EOI. SELF IPI (0x83f) keeps exiting, as do all reads. */
#define MSR_X2APIC_TPR 0x808u
#define MSR_X2APIC_EOI 0x80bu

/* Write bit of a low MSR (0..0x1fff) in an MSR bitmap: bytes 2048-3071 (SDM 3C 25.6.9). */
static void msr_write_pass(uint8_t *bm, uint32_t msr)
{
	bm[2048 + msr / 8] &= (uint8_t) ~(1u << (msr % 8));
}

void xapic_vm_init(struct vm *vm)
{
	/* Bit 4 of the allowed-1 half of IA32_VMX_PROCBASED_CTLS2 (SDM 3D A.3.3). */
	bool can = apic_access_pa && vm->msr_bitmap_pa &&
		   (vmx_controls.proc2 & VMX_PROC2_VIRT_INTR_DELIVERY) &&
		   ((vmx_caps.procbased2 >> 32) & VMX_PROC2_VIRT_X2APIC);

	if (!can || vm->apic_access_pa)
		return;
	uint64_t page = frame_alloc_zeroed(1, PAGE_SIZE, UINT64_MAX);
	uint64_t bm = frame_alloc(1, PAGE_SIZE, UINT64_MAX);
	if (!page || !bm)
		goto undo;
	memcpy((void *)(uintptr_t)bm, (const void *)(uintptr_t)vm->msr_bitmap_pa, PAGE_SIZE);
	msr_write_pass((uint8_t *)(uintptr_t)bm, MSR_X2APIC_TPR);
	msr_write_pass((uint8_t *)(uintptr_t)bm, MSR_X2APIC_EOI);
	/* The VM has not run: no core holds translations of its EPT yet. */
	if (ept_unmap(&vm->ept, XAPIC_MMIO_BASE, PAGE_SIZE) < 0)
		goto undo;
	if (ept_map(&vm->ept, XAPIC_MMIO_BASE, page, PAGE_SIZE, EPT_R | EPT_W, EPT_MT_UC, false) <
	    0) {
		if (xapic_ept_map(&vm->ept) < 0)
			kprintf("vm %s: xAPIC page lost from the EPT\n", vm->name);
		goto undo;
	}
	vm->apic_access_pa = page;
	vm->x2apic_msr_bitmap_pa = bm;
	return;
undo:
	if (page)
		frame_free(page, 1);
	if (bm)
		frame_free(bm, 1);
}

void xapic_vm_fini(struct vm *vm)
{
	if (vm->apic_access_pa)
		frame_free(vm->apic_access_pa, 1);
	if (vm->x2apic_msr_bitmap_pa)
		frame_free(vm->x2apic_msr_bitmap_pa, 1);
	vm->apic_access_pa = vm->x2apic_msr_bitmap_pa = 0;
}

void xapic_mode_switch(struct vcpu *v)
{
	const struct vm *vm = v->vm;

	v->vx2 = v->lapic.x2apic;
	if (!vm->x2apic_msr_bitmap_pa)
		return; /* x2APIC MSRs exit, the xAPIC page stays virtualized */
	uint64_t p2 = vmread(VMCS_PROC2_CTLS);
	if (v->vx2)
		p2 = (p2 & ~(uint64_t)VMX_PROC2_VIRT_APIC_ACCESS) | VMX_PROC2_VIRT_X2APIC;
	else
		p2 = (p2 & ~(uint64_t)VMX_PROC2_VIRT_X2APIC) | VMX_PROC2_VIRT_APIC_ACCESS;
	vmwrite(VMCS_MSR_BITMAP, v->vx2 ? vm->x2apic_msr_bitmap_pa : vm->msr_bitmap_pa);
	vmwrite(VMCS_PROC2_CTLS, p2);
}

static bool page_is_apic(const struct vcpu *v)
{
	/* In x2APIC mode or globally disabled the page is not the APIC's
	 * (SDM 3A 11.12.2): writes to it go nowhere. */
	return v->lapic.enabled_hw && !v->lapic.x2apic;
}

/*
 * ICR high is virtualized as plain storage: its writes land in the page
 * with no exit (Bochs, and KVM's reading of SDM 3C 30.4.3.2, where only
 * the ICR-low write that sends is emulated). The page holds the guest's
 * value: take it before sending and before the page is rewritten.
 */
static void pull_icr_high(struct vcpu *v, const volatile uint32_t *page)
{
	uint32_t hi = page[VLAPIC_REG_ICR_HI / 4];

	if (page_is_apic(v) && hi != v->lapic.icr_hi)
		vlapic_write(&v->lapic, VLAPIC_REG_ICR_HI, hi, 0);
}

void xapic_publish(struct vcpu *v)
{
	volatile uint32_t *page = (volatile uint32_t *)(uintptr_t)v->vapic_pa;

	if (!apic_access_pa || v->lapic.gen == v->vapic_gen)
		return;
	pull_icr_high(v, page);
	vlapic_page_publish(&v->lapic, false);
	v->vapic_gen = v->lapic.gen;
}

static uint64_t lapic_read(struct vcpu *v, uint64_t gpa, unsigned size)
{
	uint32_t val = 0;

	(void)size; /* SDM 3A 11.4.1: registers are 32-bit; other sizes read the register */
	vlapic_read(&v->lapic, (uint32_t)(gpa - XAPIC_MMIO_BASE) & ~0xfU, rdtsc(), &val);
	return val;
}

static void lapic_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	(void)size;
	vlapic_write(&v->lapic, (uint32_t)(gpa - XAPIC_MMIO_BASE) & ~0xfU, (uint32_t)val, rdtsc());
}

static const struct mmio_dev xapic_dev = { "xAPIC", lapic_read, lapic_write };

int xapic_mmio(struct vcpu *v, const struct vmexit *x, uint64_t gpa)
{
	return vcpu_mmio(v, x, gpa, &xapic_dev);
}

/*
 * An access APIC virtualization does not complete: a read of a register
 * the CPU does not virtualize (timer current count, APR, RRD), a write
 * that is not 32 bits or to a register outside the virtualized set. The
 * exit is fault-like (the instruction has not run): decode and emulate.
 */
int vmexit_apic_access(struct vcpu *v, const struct vmexit *x)
{
	uint32_t type = QUAL_TYPE(x->qual);

	if (type != ACCESS_LIN_READ && type != ACCESS_LIN_WRITE) {
		/* Instruction fetch, or the CPU itself during event delivery:
		 * nothing to emulate (SDM 3C 28.2.1). */
		vm_fail(v->vm, x->rip, "xAPIC page %s at offset 0x%x",
			type == 2 ? "instruction fetch" : "access during event delivery",
			QUAL_OFFSET(x->qual));
		return VMEXIT_STOP;
	}
	int rc = xapic_mmio(v, x, XAPIC_MMIO_BASE + QUAL_OFFSET(x->qual));
	v->vapic_gen = v->lapic.gen - 1; /* the page shows what the model holds */
	return rc;
}

/*
 * A 32-bit write the CPU virtualized into the virtual-APIC page and left
 * for us to emulate (SDM 3C 30.4.3.2): the exit is trap-like, RIP is past
 * the instruction and the value is in the page at the offset given.
 */
int vmexit_apic_write(struct vcpu *v, const struct vmexit *x)
{
	uint32_t off = QUAL_OFFSET(x->qual) & ~0xfU;
	const volatile uint32_t *page = (const volatile uint32_t *)(uintptr_t)v->vapic_pa;

	if (page_is_apic(v)) {
		if (off == VLAPIC_REG_ICR_LO)
			pull_icr_high(v, page);
		vlapic_write(&v->lapic, off, page[off / 4], rdtsc());
	}
	/* Whatever the model made of it (reserved bits, a refused write) is
	 * what a read returns next. */
	v->vapic_gen = v->lapic.gen - 1;
	return VMEXIT_RESUME;
}
