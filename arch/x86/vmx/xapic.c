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
#include "lib/errno.h"
#include "lib/printf.h"
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

uint64_t xapic_access_page(void)
{
	return apic_access_pa;
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
