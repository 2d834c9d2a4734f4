// SPDX-License-Identifier: MIT
/*
 * VMCS initialisation (SDM Vol. 3C, 25 "Organization of VMCS Data" and
 * 27.2-27.3, the checks VM entry applies to host and guest state).
 * Environment: VMX root, the vCPU's own core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/xapic.h"
#include "core/guest_load.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"

struct vmx_ctls vmx_controls;
bool vmx_vid_allowed = true;

#define MSR_PAT		0x277
#define MULTIBOOT_MAGIC 0x2badb002
#define AR_CODE32	0xc09b /* G, D/B, P, S, type 11 (execute/read, accessed) */
#define AR_DATA32	0xc093 /* G, D/B, P, S, type 3 (read/write, accessed) */
#define AR_TSS32_BUSY	0x008b
#define AR_UNUSABLE	0x10000

extern char vmx_exit[];

/* PAUSE-loop exiting (docs/guest-abi.md, "Micro-sliced cores"): the
 * values KVM uses by default, in TSC ticks (SDM 3C 25.6.13). */
#define VCPU_PLE_GAP	128
#define VCPU_PLE_WINDOW 4096

int vmx_controls_init(void)
{
	struct vmx_ctl_req req;
	char why[128];

	guest_caps_init();
	vmx_ctl_cypress_request(&req);
	/* Virtual-interrupt delivery (SDM 3C 30.2) where the CPU offers it:
	 * the CPU then delivers pending virtual interrupts itself, without
	 * interrupt-window exits. It needs the TPR shadow (SDM 3C 27.2.1.1). */
	if (vmx_vid_allowed) {
		req.proc_opt |= VMX_PROC_TPR_SHADOW;
		req.proc2_opt |= VMX_PROC2_VIRT_INTR_DELIVERY;
	}
	/* PAUSE-loop exiting where the CPU offers it (SDM 3C 25.6.2): the
	 * micro-sliced pool's spinning trigger (core/pool.h). */
	req.proc2_opt |= VMX_PROC2_PAUSE_LOOP_EXIT;
	xapic_controls_request(&req);
	if (vmx_ctl_compute(&vmx_caps, &req, &vmx_controls, why, sizeof(why)) < 0) {
		kprintf("vmx: cannot run guests: %s\n", why);
		return -E_NOTSUP;
	}
	if (!(vmx_controls.proc & VMX_PROC_TPR_SHADOW))
		vmx_controls.proc2 &= ~VMX_PROC2_VIRT_INTR_DELIVERY;
	xapic_controls_done();
	vmx_preempt_shift = vmx_preemption_timer_shift(&vmx_caps);
	vmx_ctl_print(&vmx_controls);
	kprintf("vmx: interrupts reach guests by %s\n",
		vmx_controls.proc2 & VMX_PROC2_VIRT_INTR_DELIVERY ? "virtual-interrupt delivery" :
								    "event injection");
	return 0;
}

void vcpu_xcr0_switch(const struct vcpu *v)
{
	struct pcpu *p = this_cpu();

	/* Lazily (vcpu_xcr0_load): most entries find the core already holding
	 * v's XCR0. guest_check_xsetbv() has validated v->xcr0 (SDM 2D XSETBV). */
	if (!v->xcr0)
		return;
	__asm__ volatile("xsetbv"
			 :
			 : "c"(0), "a"((uint32_t)v->xcr0), "d"((uint32_t)(v->xcr0 >> 32)));
	p->xcr0 = v->xcr0;
}

static bool w(enum vmcs_field f, uint64_t v, int *bad)
{
	if (!vmwrite(f, v)) {
		kprintf("vmx: VMWRITE of field 0x%x failed\n", f);
		(*bad)++;
		return false;
	}
	return true;
}

static void host_state(int *bad);

void vcpu_vmcs_host_state(void)
{
	int bad = 0;
	host_state(&bad); /* the same fields VMCS creation wrote successfully */
}

static void host_state(int *bad)
{
	struct pcpu *p = this_cpu();
	struct __packed {
		uint16_t limit;
		uint64_t base;
	} gdtr, idtr;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	w(VMCS_HOST_CR0, read_cr0(), bad);
	w(VMCS_HOST_CR3, read_cr3(), bad);
	w(VMCS_HOST_CR4, read_cr4(), bad);
	w(VMCS_HOST_CS_SEL, SEL_CODE64, bad);
	w(VMCS_HOST_SS_SEL, SEL_DATA, bad);
	w(VMCS_HOST_DS_SEL, SEL_DATA, bad);
	w(VMCS_HOST_ES_SEL, SEL_DATA, bad);
	w(VMCS_HOST_FS_SEL, 0, bad);
	w(VMCS_HOST_GS_SEL, 0, bad);
	w(VMCS_HOST_TR_SEL, SEL_TSS, bad);
	w(VMCS_HOST_FS_BASE, 0, bad);
	w(VMCS_HOST_GS_BASE, (uint64_t)p, bad);
	w(VMCS_HOST_TR_BASE, (uint64_t)&p->tss, bad);
	w(VMCS_HOST_GDTR_BASE, gdtr.base, bad);
	w(VMCS_HOST_IDTR_BASE, idtr.base, bad);
	w(VMCS_HOST_SYSENTER_CS, 0, bad);
	w(VMCS_HOST_SYSENTER_ESP, 0, bad);
	w(VMCS_HOST_SYSENTER_EIP, 0, bad);
	w(VMCS_HOST_EFER, rdmsr(MSR_EFER), bad);
	if (vmx_controls.exit & VMX_EXIT_LOAD_PAT)
		w(VMCS_HOST_PAT, rdmsr(MSR_PAT), bad);
	w(VMCS_HOST_RIP, (uint64_t)vmx_exit, bad);
	/* HOST_RSP is written by vmx_run() (entry.S) for a VMCS not launched yet. */
}

static void segment_full(enum vmcs_field sel, uint16_t s, uint64_t base, uint32_t limit,
			 uint32_t ar, int *bad)
{
	/* Selector, limit, access rights and base fields of one segment are
	 * laid out at fixed distances from the selector encoding (SDM 3D B). */
	uint32_t i = (sel - VMCS_GUEST_ES_SEL) / 2;

	w(sel, s, bad);
	w((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i), limit, bad);
	w((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * i), ar, bad);
	w((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i), base, bad);
}

/* A flat 4 GiB segment (or an unusable one) at base 0. */
static void segment(enum vmcs_field sel, uint16_t s, uint32_t ar, int *bad)
{
	segment_full(sel, s, 0, ar == AR_UNUSABLE ? 0 : 0xffffffff, ar, bad);
}

/* Multiboot 0.6.96 section 3.2: the machine state at the guest's entry. */
static void guest_state(struct vcpu *v, uint32_t entry, uint32_t mbi, int *bad)
{
	/* CR0: PE and ET. NE must be 1 in VMX operation; the guest does not
	 * see it (read shadow), and PG/PE may be 0 with unrestricted guest.
	 * The hypervisor owns NE, PG, CD and NW, and every CR4 bit the guest
	 * may not set: writes to them exit to exit_cr.c, which checks them. */
	uint64_t cr0 = CR0_PE | GC_CR0_ET;
	w(VMCS_GUEST_CR0, cr0 | CR0_NE, bad);
	w(VMCS_CR0_MASK, CR0_NE | CR0_PG | GC_CR0_CD | GC_CR0_NW, bad);
	w(VMCS_CR0_SHADOW, cr0, bad);
	w(VMCS_GUEST_CR4, CR4_VMXE, bad);
	w(VMCS_CR4_MASK, ~guest_caps.cr4_allowed, bad);
	w(VMCS_CR4_SHADOW, 0, bad);
	v->xcr0 = guest_caps.xcr0_allowed ? 1 : 0; /* XCR0 after reset and INIT */
	w(VMCS_GUEST_CR3, 0, bad);
	w(VMCS_GUEST_DR7, 0x400, bad);

	segment(VMCS_GUEST_CS_SEL, 0x08, AR_CODE32, bad);
	segment(VMCS_GUEST_DS_SEL, 0x10, AR_DATA32, bad);
	segment(VMCS_GUEST_ES_SEL, 0x10, AR_DATA32, bad);
	segment(VMCS_GUEST_FS_SEL, 0x10, AR_DATA32, bad);
	segment(VMCS_GUEST_GS_SEL, 0x10, AR_DATA32, bad);
	segment(VMCS_GUEST_SS_SEL, 0x10, AR_DATA32, bad);
	segment(VMCS_GUEST_LDTR_SEL, 0, AR_UNUSABLE, bad);
	/* TR must be usable even though the guest has no TSS yet (SDM 3C 27.3.1.2). */
	w(VMCS_GUEST_TR_SEL, 0, bad);
	w(VMCS_GUEST_TR_LIMIT, 0xff, bad);
	w(VMCS_GUEST_TR_AR, AR_TSS32_BUSY, bad);
	w(VMCS_GUEST_TR_BASE, 0, bad);
	w(VMCS_GUEST_GDTR_BASE, 0, bad);
	w(VMCS_GUEST_GDTR_LIMIT, 0, bad);
	w(VMCS_GUEST_IDTR_BASE, 0, bad);
	w(VMCS_GUEST_IDTR_LIMIT, 0, bad);

	w(VMCS_GUEST_RIP, entry, bad);
	w(VMCS_GUEST_RSP, 0, bad);
	w(VMCS_GUEST_RFLAGS, 0x2, bad);
	w(VMCS_GUEST_EFER, 0, bad);
	if (vmx_controls.entry & VMX_ENTRY_LOAD_PAT)
		w(VMCS_GUEST_PAT, 0x0007040600070406ULL, bad); /* power-on PAT */
	/* Loaded at every entry ("load debug controls" is default1, SDM 3C
	 * 27.3.2.1); the guest may only write 0 to it (exit_msr.c). */
	w(VMCS_GUEST_DEBUGCTL, 0, bad);
	w(VMCS_GUEST_SYSENTER_CS, 0, bad);
	w(VMCS_GUEST_SYSENTER_ESP, 0, bad);
	w(VMCS_GUEST_SYSENTER_EIP, 0, bad);
	w(VMCS_GUEST_INTERRUPTIBILITY, 0, bad);
	w(VMCS_GUEST_ACTIVITY, 0, bad);
	w(VMCS_GUEST_PENDING_DBG, 0, bad);
	w(VMCS_LINK_POINTER, ~0ULL, bad);
	memset(&v->regs, 0, sizeof(v->regs));
	if (v->boot_linux) {
		/* Linux 32-bit boot protocol (core/guest_load.h): __BOOT_CS and
		 * __BOOT_DS selectors, ESI = zero page, EBX = EBP = EDI = 0. */
		segment(VMCS_GUEST_CS_SEL, LX_BOOT_CS, AR_CODE32, bad);
		static const enum vmcs_field data[] = { VMCS_GUEST_DS_SEL, VMCS_GUEST_ES_SEL,
							VMCS_GUEST_FS_SEL, VMCS_GUEST_GS_SEL,
							VMCS_GUEST_SS_SEL };
		for (size_t i = 0; i < ARRAY_SIZE(data); i++)
			segment(data[i], LX_BOOT_DS, AR_DATA32, bad);
		v->regs.rsi = mbi;
		return;
	}
	v->regs.rax = MULTIBOOT_MAGIC;
	v->regs.rbx = mbi;
}

static void controls(struct vcpu *v, int *bad)
{
	struct vm *vm = v->vm;

	w(VMCS_PIN_CTLS, vmx_controls.pin, bad);
	w(VMCS_PROC_CTLS, vmx_controls.proc, bad);
	/* PAUSE-loop exiting only where a spinning vCPU may wait for one that
	 * does not run: partitions that time-share or use the micro-sliced pool.
	 * A vCPU alone on its core spins at no one's expense. */
	uint32_t proc2 = vmx_controls.proc2;
	if (!vm_may_timeshare(vm) && !vm->symtab)
		proc2 &= ~VMX_PROC2_PAUSE_LOOP_EXIT;
	w(VMCS_PROC2_CTLS, proc2, bad);
	if (proc2 & VMX_PROC2_PAUSE_LOOP_EXIT) {
		/* SDM 3C 25.1.3: PAUSEs at most PLE_Gap TSC ticks apart are one
		 * loop; a loop longer than PLE_Window ticks exits (reason 40).
		 * docs/guest-abi.md, "Micro-sliced cores", says what a guest sees. */
		w(VMCS_PLE_GAP, VCPU_PLE_GAP, bad);
		w(VMCS_PLE_WINDOW, VCPU_PLE_WINDOW, bad);
	}
	w(VMCS_EXIT_CTLS, vmx_controls.exit, bad);
	w(VMCS_ENTRY_CTLS, vmx_controls.entry, bad);
	w(VMCS_EXCEPTION_BITMAP, 0, bad);
	w(VMCS_PF_ERR_MASK, 0, bad);
	w(VMCS_PF_ERR_MATCH, 0, bad);
	w(VMCS_CR3_TARGET_COUNT, 0, bad);
	w(VMCS_EXIT_MSR_STORE_COUNT, 0, bad);
	w(VMCS_EXIT_MSR_LOAD_COUNT, 0, bad);
	w(VMCS_ENTRY_MSR_LOAD_COUNT, 0, bad);
	w(VMCS_ENTRY_INTR_INFO, 0, bad);
	w(VMCS_IO_BITMAP_A, vm->io_bitmap_pa[0], bad);
	w(VMCS_IO_BITMAP_B, vm->io_bitmap_pa[1], bad);
	w(VMCS_MSR_BITMAP, vm->msr_bitmap_pa, bad);
	w(VMCS_EPTP, vm->eptp, bad);
	if (vmx_controls.proc2 & VMX_PROC2_VPID)
		w(VMCS_VPID, v->vpid, bad);
	if (vmx_controls.pin & VMX_PIN_PREEMPTION_TIMER)
		w(VMCS_PREEMPTION_TIMER, VCPU_PREEMPT_TICKS, bad);
	/* Guest TSC = host TSC + IA32_TSC_ADJUST (SDM 3C 25.6.5; msr_policy.h
	 * rule 1); it lives in the VMCS, so it moves with the vCPU, and a
	 * rebuilt VMCS (STARTUP after VCPU_OFFLINE) gets it back from here. */
	w(VMCS_TSC_OFFSET, v->msr.tsc_adjust, bad);
	if (vmx_controls.proc & VMX_PROC_TPR_SHADOW) {
		/* The vLAPIC's own register page (vcpu_ctx_init()): the CPU reads
		 * and writes the model's TPR, IRR and ISR in place. */
		w(VMCS_VIRTUAL_APIC, v->vapic_pa, bad);
		w(VMCS_TPR_THRESHOLD, 0, bad);
		v->vapic_gen = v->lapic.gen - 1; /* publish the registers before entry */
	}
	if (xapic_virtualized())
		w(VMCS_APIC_ACCESS, xapic_access_page(vm), bad);
	v->vx2 = false;		/* xAPIC controls: xapic_mode_switch() at entry if need be */
	v->intr_window = false; /* VMX_PROC_INTR_WINDOW_EXIT is clear in vmx_controls.proc */
	if (vmx_controls.proc2 & VMX_PROC2_VIRT_INTR_DELIVERY) {
		/* Edge-triggered interrupts only: no EOI needs to exit. */
		w(VMCS_EOI_EXIT_BITMAP0, 0, bad);
		w(VMCS_EOI_EXIT_BITMAP1, 0, bad);
		w(VMCS_EOI_EXIT_BITMAP2, 0, bad);
		w(VMCS_EOI_EXIT_BITMAP3, 0, bad);
		/* RVI/SVI from the model at the first entry (vid_status_write()). */
		w(VMCS_GUEST_INTR_STATUS, 0, bad);
		v->vid_gen = v->lapic.intr_gen - 1;
	}
}

/* Allocate, clear and load a VMCS with host state and controls. */
static int vmcs_create(struct vcpu *v, int *bad)
{
	uint64_t pa = frame_alloc_zeroed(1, PAGE_SIZE, UINT64_MAX);

	if (!pa)
		return -E_NOMEM;
	/* SDM 3C 25.2: the first 31 bits hold the VMCS revision identifier. */
	*(uint32_t *)(uintptr_t)pa = (uint32_t)(vmx_caps.basic & 0x7fffffff);
	if (!vmclear(pa) || !vmptrld(pa)) {
		frame_free(pa, 1);
		return -E_INVAL;
	}
	v->vmcs_pa = pa;
	host_state(bad);
	controls(v, bad);
	return 0;
}

int vcpu_vmcs_init(struct vcpu *v, uint32_t entry, uint32_t mbi)
{
	int bad = 0;
	int rc = vmcs_create(v, &bad);

	if (rc < 0)
		return rc;
	guest_state(v, entry, mbi, &bad);
	/* Testing hook: RFLAGS bit 1 clear is invalid guest state (SDM 3C
	 * 27.3.1.4, "bit 1 must be 1"), so entry fails the way a broken VMCS
	 * would and vm_fail() must contain it. */
	if (v->bad_entry)
		w(VMCS_GUEST_RFLAGS, 0, &bad);
	return bad ? -E_INVAL : 0;
}

void vcpu_vmcs_discard(struct vcpu *v)
{
	if (v->vmcs_pa) {
		/* SDM 3C 25.11.1: VMCLEAR before the region is freed, so no
		 * processor holds cached VMCS data for it. */
		vmclear(v->vmcs_pa);
		frame_free(v->vmcs_pa, 1);
		v->vmcs_pa = 0;
	}
	/* The virtual-APIC page is the vLAPIC's storage and outlives the
	 * VMCS; the next VMCS gets its published registers and RVI/SVI anew. */
	v->vapic_gen = v->lapic.gen - 1;
	v->vid_gen = v->lapic.intr_gen - 1;
	v->eoi_gen = 0; /* a new VMCS starts with an all-zero EOI-exit bitmap */
	v->launched = v->moved = false;
	v->nmi_pending = v->nmi_window = false;
	v->init_seen = false;
	v->timer_deadline = 0;
	v->timer_due = false;
}

/*
 * State after INIT and a STARTUP IPI with vector `vec` (SDM 3A 9.1.1 table
 * 9-1, 9.4.4): real mode, CS selector vec << 8 and base vec << 12, IP 0.
 * Real mode in VMX non-root needs the unrestricted-guest control, which
 * Cypress requires.
 */
int vcpu_vmcs_init_sipi(struct vcpu *v, uint8_t vec)
{
	int bad = 0;
	int rc = vmcs_create(v, &bad);

	if (rc < 0)
		return rc;
	guest_state(v, 0, 0, &bad); /* then turn the protected-mode state into real mode */
	/* CR0 after INIT is CD | NW | ET (SDM 3A table 9-1): the guest reads
	 * that, while the real CR0 keeps the caches on (exit_cr.c). */
	w(VMCS_GUEST_CR0, GC_CR0_ET | CR0_NE, &bad);
	w(VMCS_CR0_SHADOW, GC_CR0_CD | GC_CR0_NW | GC_CR0_ET, &bad);
	static const enum vmcs_field segs[] = { VMCS_GUEST_ES_SEL, VMCS_GUEST_SS_SEL,
						VMCS_GUEST_DS_SEL, VMCS_GUEST_FS_SEL,
						VMCS_GUEST_GS_SEL };
	for (size_t i = 0; i < ARRAY_SIZE(segs); i++)
		segment_full(segs[i], 0, 0, 0xffff, 0x93, &bad);
	segment_full(VMCS_GUEST_CS_SEL, (uint16_t)(vec << 8), (uint64_t)vec << 12, 0xffff, 0x9b,
		     &bad);
	w(VMCS_GUEST_GDTR_LIMIT, 0xffff, &bad);
	w(VMCS_GUEST_IDTR_LIMIT, 0xffff, &bad);
	w(VMCS_GUEST_RIP, 0, &bad);
	memset(&v->regs, 0, sizeof(v->regs));
	return bad ? -E_INVAL : 0;
}
