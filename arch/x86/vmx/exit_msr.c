// SPDX-License-Identifier: MIT
/*
 * RDMSR/WRMSR exits. Every MSR access exits (the MSR bitmap is all ones
 * except the syscall MSRs, which the hypervisor never uses on a partition's
 * dedicated core). Only the MSRs in `allow` below are emulated; anything
 * else raises #GP in the guest, as a CPU does for an MSR it lacks
 * (SDM Vol. 2B, RDMSR: "#GP(0) if ECX specifies a reserved or
 * unimplemented MSR address"). Rules:
 *  1. Every MSR of a feature CPUID reports to the guest (cpuid_policy.h)
 *     is here and behaves as the SDM says; an MSR of a feature the guest
 *     does not see (DS_AREA without DS, TSC_AUX without RDTSCP/RDPID, XSS
 *     without XSAVES) raises #GP like any other.
 *  2. The rules for the MSRs Cypress keeps itself are pure code in
 *     msr_policy.c; here they meet the VMCS and the vLAPIC.
 *  3. Guest TSC values (IA32_TSC, IA32_TSC_DEADLINE) are converted with
 *     the vCPU's TSC_ADJUST, which is also the VMCS TSC offset (SDM 3C
 *     25.6.5), so RDTSC, RDTSCP and RDMSR agree; the vLAPIC counts in host
 *     TSC, and its x2APIC and MMIO registers never hold TSC values.
 * Environment: VMX root, the vCPU's core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/msr_policy.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vmexit.h"
#include "core/lpm.h"

struct msr_desc;
typedef bool (*msr_read_t)(struct vcpu *v, const struct msr_desc *d, uint64_t *val);
typedef bool (*msr_write_t)(struct vcpu *v, const struct msr_desc *d, uint64_t val);

struct msr_desc {
	uint32_t msr;
	msr_read_t read;   /* NULL: reads #GP */
	msr_write_t write; /* NULL: writes #GP */
	enum vmcs_field field;
};

static bool rd_zero(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)v;
	(void)d;
	*val = 0;
	return true;
}

static bool wr_ignore(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)v;
	(void)d;
	(void)val;
	return true;
}

/* ---- TSC (msr_policy.h rules 1 and 2) ---- */

static bool rd_tsc(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = rdtsc() + v->msr.tsc_adjust;
	return true;
}

/*
 * Make adj the vCPU's TSC_ADJUST and TSC offset. An armed TSC deadline
 * keeps its guest value, so it moves in host time with the TSC (SDM 3A
 * 11.5.4.1: the timer compares the deadline with the TSC).
 */
static void set_tsc_adjust(struct vcpu *v, uint64_t adj)
{
	uint64_t due = msr_tscdl_to_guest(vlapic_tsc_deadline_read(&v->lapic), v->msr.tsc_adjust);

	/* Atomic: core/shared.c reads it from other cores for lease_end_tsc. */
	__atomic_store_n(&v->msr.tsc_adjust, adj, __ATOMIC_RELAXED);
	vmwrite(VMCS_TSC_OFFSET, adj);
	if (due) {
		uint64_t now = rdtsc();
		vlapic_tsc_deadline_write(&v->lapic, msr_tscdl_to_host(due, adj, now), now);
	}
}

static bool wr_tsc(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)d;
	set_tsc_adjust(v, msr_tsc_write(rdtsc(), val));
	return true;
}

static bool rd_tsc_adjust(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = v->msr.tsc_adjust;
	return true;
}

static bool wr_tsc_adjust(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)d;
	set_tsc_adjust(v, val);
	return true;
}

static bool rd_apic_base(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = vlapic_apic_base(&v->lapic, v->id == 0);
	return true;
}

static bool wr_apic_base(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)d;
	/* SDM 3A 11.12.5: the model refuses invalid mode transitions and
	 * moving the base; those raise #GP. */
	return vlapic_set_apic_base(&v->lapic, val) == 0;
}

static bool rd_tsc_deadline(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = msr_tscdl_to_guest(vlapic_tsc_deadline_read(&v->lapic), v->msr.tsc_adjust);
	return true;
}

static bool wr_tsc_deadline(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)d;
	uint64_t now = rdtsc();

	vlapic_tsc_deadline_write(&v->lapic, msr_tscdl_to_host(val, v->msr.tsc_adjust, now), now);
	return true;
}

/* ---- IA32_MISC_ENABLE (msr_policy.h rule 3) ---- */

static bool rd_misc_enable(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = v->msr.misc_enable;
	return true;
}

static bool wr_misc_enable(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	struct msr_host h = { .nx = guest_caps.efer_allowed & GC_EFER_NXE };
	bool nxe = vmread(VMCS_GUEST_EFER) & GC_EFER_NXE;

	(void)d;
	return msr_misc_enable_write(&h, v->msr.misc_enable, val, nxe, &v->msr.misc_enable);
}

/* ---- MSRs of optional features (rule 1) ---- */

static bool rd_ds_area(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = v->msr.ds_area;
	return guest_caps.ds;
}

static bool wr_ds_area(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)d;
	if (!guest_caps.ds || !msr_canonical(val))
		return false;
	v->msr.ds_area = val; /* storage: BTS and PEBS are unavailable (MISC_ENABLE) */
	return true;
}

static bool has_tsc_aux(void)
{
	return guest_caps.tsc_aux && (vmx_controls.proc2 & VMX_PROC2_RDTSCP);
}

static bool rd_tsc_aux(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = v->msr.tsc_aux;
	return has_tsc_aux();
}

/* RDTSCP and RDPID read the hardware register in VMX non-root (SDM 3C
 * 26.3): it holds the running vCPU's value (vcpu_ctx_load loads it). */
static bool wr_tsc_aux(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)d;
	if (!has_tsc_aux() || !msr_tsc_aux_valid(val))
		return false;
	v->msr.tsc_aux = (uint32_t)val;
	wrmsr(MSR_TSC_AUX, val);
	return true;
}

static bool has_xss(void)
{
	return guest_caps.xsaves && (vmx_controls.proc2 & VMX_PROC2_XSAVES);
}

/* IA32_XSS stays 0 in hardware: XSAVES/XRSTORS in the guest then touch
 * user components only, as the guest's CPUID.(0DH,1):ECX/EDX say. */
static bool rd_xss(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)v;
	(void)d;
	*val = 0;
	return has_xss();
}

static bool wr_xss(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)v;
	(void)d;
	return has_xss() && msr_xss_valid(val);
}

/* ---- MTRRs (msr_policy.h rule 5): per-vCPU storage ---- */

static bool rd_mtrrcap(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)v;
	(void)d;
	*val = MTRRCAP_VALUE;
	return true;
}

static bool rd_mtrr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int slot = msr_mtrr_slot(msr);

	if (slot < 0)
		return false;
	*val = v->msr.mtrr[slot];
	return true;
}

static bool wr_mtrr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	int slot = msr_mtrr_slot(msr);

	if (slot < 0 || !msr_mtrr_valid(msr, val, guest_caps.maxphyaddr))
		return false;
	v->msr.mtrr[slot] = val;
	return true;
}

/* IA32_DEBUGCTL: LBR, BTF and the rest are not offered; 0 is the only value. */
static bool wr_debugctl(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)v;
	(void)d;
	return val == 0;
}

/* PAT entries must be UC, WC, WT, WP, WB or UC- (SDM 3A 13.12.2). */
static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (i * 8));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/*
 * DVFS requests are hints (Cypress paper 3.1): IA32_PERF_CTL (SDM 4, table
 * 2-2: bits 15:0 the target performance state, bit 32 IDA disengage) is
 * never written to the hardware; a target above the base ratio asks the
 * partition's LPM for a fast core, one at or below it for a slow core
 * (core/lpm.c). IA32_PERF_STATUS reads as the ratio of the class the vCPU
 * runs on: the base ratio on slow cores, twice it on fast ones.
 */
static bool rd_perf_ctl(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = v->perf_ctl;
	return true;
}

static bool wr_perf_ctl(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	(void)d;
	if (val & ~(0xffffULL | (1ULL << 32)))
		return false; /* reserved bits: #GP(0) */
	v->perf_ctl = val;
	lpm_dvfs_hint(v, (uint32_t)(val >> 8) & 0xff);
	return true;
}

static bool rd_perf_status(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)d;
	*val = (uint64_t)lpm_perf_ratio(v) << 8;
	return true;
}

static bool rd_field(struct vcpu *v, const struct msr_desc *d, uint64_t *val);
static bool wr_field(struct vcpu *v, const struct msr_desc *d, uint64_t val);

static const struct msr_desc allow[] = {
	{ MSR_TSC, rd_tsc, wr_tsc, 0 },
	{ MSR_PLATFORM_ID, rd_zero, NULL, 0 },
	{ MSR_TSC_ADJUST, rd_tsc_adjust, wr_tsc_adjust, 0 },
	{ MSR_MTRRCAP, rd_mtrrcap, NULL, 0 },
	{ MSR_PERF_STATUS, rd_perf_status, NULL, 0 },
	{ MSR_PERF_CTL, rd_perf_ctl, wr_perf_ctl, 0 },
	{ MSR_IA32_APIC_BASE, rd_apic_base, wr_apic_base, 0 },
	{ MSR_IA32_TSC_DEADLINE, rd_tsc_deadline, wr_tsc_deadline, 0 },
	{ MSR_BIOS_SIGN_ID, rd_zero, wr_ignore, 0 },
	{ MSR_IA32_MISC_ENABLE, rd_misc_enable, wr_misc_enable, 0 },
	{ MSR_DEBUGCTL, rd_zero, wr_debugctl, 0 },
	{ MSR_DS_AREA, rd_ds_area, wr_ds_area, 0 },
	{ MSR_XSS, rd_xss, wr_xss, 0 },
	{ MSR_TSC_AUX, rd_tsc_aux, wr_tsc_aux, 0 },
	{ MSR_SYSENTER_CS, rd_field, wr_field, VMCS_GUEST_SYSENTER_CS },
	{ MSR_SYSENTER_ESP, rd_field, wr_field, VMCS_GUEST_SYSENTER_ESP },
	{ MSR_SYSENTER_EIP, rd_field, wr_field, VMCS_GUEST_SYSENTER_EIP },
	{ MSR_PAT, rd_field, wr_field, VMCS_GUEST_PAT },
	{ MSR_EFER, rd_field, wr_field, VMCS_GUEST_EFER },
	{ MSR_FS_BASE, rd_field, wr_field, VMCS_GUEST_FS_BASE },
	{ MSR_GS_BASE, rd_field, wr_field, VMCS_GUEST_GS_BASE },
};

static bool rd_field(struct vcpu *v, const struct msr_desc *d, uint64_t *val)
{
	(void)v;
	if (d->msr == MSR_PAT && !vcpu_pat_switched())
		return false; /* CPUID.1:EDX.PAT is clear then (cpuid_policy.c) */
	*val = vmread(d->field);
	return true;
}

static bool wr_field(struct vcpu *v, const struct msr_desc *d, uint64_t val)
{
	switch (d->msr) {
	case MSR_PAT:
		if (!vcpu_pat_switched() || !pat_valid(val))
			return false;
		break;
	case MSR_EFER: {
		/* Only bits this CPU has; LME not under paging; LMA kept (guest_check.c). */
		struct guest_cr_state s;
		guest_cr_state_read(v, &s);
		if (guest_check_efer(&guest_caps, &s, val, &val) != GCHECK_OK)
			return false;
		/* MISC_ENABLE.XD_DISABLE hides NX (SDM 4 table 2-2, bit 34). */
		if ((val & GC_EFER_NXE) && (v->msr.misc_enable & MISC_XD_DISABLE))
			return false;
		break;
	}
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
		/* Must be canonical (SDM 2B WRMSR). */
		if (!msr_canonical(val))
			return false;
		break;
	default:
		break;
	}
	vmwrite(d->field, val);
	return true;
}

static const struct msr_desc *find(uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(allow); i++)
		if (allow[i].msr == msr)
			return &allow[i];
	return NULL;
}

/* x2APIC registers (SDM 3A 11.12.1): MSRs 0x800-0x8ff, handled by the model. */
static bool is_x2apic_msr(uint32_t msr)
{
	return msr >= 0x800 && msr <= 0x8ff;
}

/* One RDMSR: the x2APIC range goes to the vLAPIC model, the MTRRs to their
 * storage, the rest to `allow`. */
static bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	/* The x2APIC range first: ICR, EOI and timer writes are most of an
	 * x2APIC guest's MSR exits, and the `allow` search costs ~180 ticks. */
	if (is_x2apic_msr(msr))
		return vlapic_msr_read(&v->lapic, msr, rdtsc(), val) == 0;
	if (msr_mtrr_slot(msr) >= 0)
		return rd_mtrr(v, msr, val);
	const struct msr_desc *d = find(msr);
	return d && d->read && d->read(v, d, val);
}

static bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (is_x2apic_msr(msr)) /* first, as in msr_read() */
		return vlapic_msr_write(&v->lapic, msr, val, rdtsc()) == 0;
	if (msr_mtrr_slot(msr) >= 0)
		return wr_mtrr(v, msr, val);
	const struct msr_desc *d = find(msr);
	return d && d->write && d->write(v, d, val);
}

int vmexit_rdmsr(struct vcpu *v, const struct vmexit *x)
{
	uint64_t val;

	if (!msr_read(v, (uint32_t)v->regs.rcx, &val)) {
		vm_unsupported(v->vm, VM_UNSUP_RDMSR, (uint32_t)v->regs.rcx,
			       find((uint32_t)v->regs.rcx) ? "refused: #GP" : "not emulated: #GP");
		vmexit_inject_exception(13, true, 0);
		return VMEXIT_RESUME;
	}
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}

int vmexit_wrmsr(struct vcpu *v, const struct vmexit *x)
{
	uint64_t val = ((v->regs.rdx & 0xffffffff) << 32) | (v->regs.rax & 0xffffffff);

	if (!msr_write(v, (uint32_t)v->regs.rcx, val)) {
		vm_unsupported(v->vm, VM_UNSUP_WRMSR, (uint32_t)v->regs.rcx,
			       find((uint32_t)v->regs.rcx) ? "value refused: #GP" :
							     "not emulated: #GP");
		vmexit_inject_exception(13, true, 0);
		return VMEXIT_RESUME;
	}
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}
