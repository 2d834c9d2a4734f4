// SPDX-License-Identifier: MIT
/*
 * The rules for the MSRs Cypress emulates itself; msr_policy.h numbers
 * them. Environment: pure code, any core; also built hosted for unit tests.
 */
#include "arch/x86/vmx/msr_policy.h"

void msr_state_reset(struct vcpu_msrs *m)
{
	m->tsc_adjust = 0;
	m->misc_enable = MISC_RESET;
	m->ds_area = 0;
	m->tsc_aux = 0;
	for (int i = 0; i < MTRR_SLOTS; i++)
		m->mtrr[i] = 0;
	m->mtrr[0] = MTRR_DEF_RESET;
}

bool msr_canonical(uint64_t addr)
{
	return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

uint64_t msr_tsc_write(uint64_t host_now, uint64_t val)
{
	/* Guest TSC = host + adjust, so adjust = val - host now. The change
	 * of adjust equals the change of the TSC (SDM 3B 18.17.3). */
	return val - host_now;
}

uint64_t msr_tscdl_to_host(uint64_t deadline, uint64_t tsc_adjust, uint64_t host_now)
{
	uint64_t guest_now = host_now + tsc_adjust;

	if (!deadline)
		return 0;
	/* SDM 3A 11.5.4.1: the timer fires when the TSC is >= the deadline,
	 * compared unsigned in the guest's own TSC. Comparing in host TSC
	 * would wrap wrongly once the guest moved its TSC far from the host's. */
	if (deadline <= guest_now)
		return host_now ? host_now : 1; /* 0 would mean "disarm" */
	return host_now + (deadline - guest_now);
}

uint64_t msr_tscdl_to_guest(uint64_t host_deadline, uint64_t tsc_adjust)
{
	return host_deadline ? host_deadline + tsc_adjust : 0;
}

bool msr_misc_enable_write(const struct msr_host *h, uint64_t old, uint64_t val, bool efer_nxe,
			   uint64_t *out)
{
	uint64_t rw = MISC_RW | (h->nx ? MISC_XD_DISABLE : 0);

	/* Reserved bits, including MONITOR FSM (18): MONITOR/MWAIT are not
	 * offered, so the bit stays 0 and CPUID.1:ECX.MONITOR with it. */
	if (val & ~(rw | MISC_RO))
		return false;
	/* Disabling XD under EFER.NXE = 1 would leave the guest with a
	 * feature CPUID no longer reports: refused, the SDM does not define it. */
	if ((val & MISC_XD_DISABLE) && !(old & MISC_XD_DISABLE) && efer_nxe)
		return false;
	*out = (val & rw) | (old & ~rw);
	return true;
}

bool msr_tsc_aux_valid(uint64_t val)
{
	return !(val >> 32); /* SDM 4 table 2-2: IA32_TSC_AUX bits 63:32 reserved */
}

bool msr_xss_valid(uint64_t val)
{
	/* SDM 1 13.3: bits of IA32_XSS that CPUID.(EAX=0DH,ECX=1):EDX:ECX
	 * does not report are reserved; the guest is told of none. */
	return val == 0;
}

int msr_mtrr_slot(uint32_t msr)
{
	if (msr == MSR_MTRR_DEF_TYPE)
		return 0;
	if (msr == MSR_MTRR_FIX64K)
		return 1;
	if (msr == MSR_MTRR_FIX16K_80 || msr == MSR_MTRR_FIX16K_A0)
		return 2 + (int)(msr - MSR_MTRR_FIX16K_80);
	if (msr >= MSR_MTRR_FIX4K_C0 && msr <= MSR_MTRR_FIX4K_F8)
		return 4 + (int)(msr - MSR_MTRR_FIX4K_C0);
	if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * MTRR_VCNT)
		return 12 + (int)(msr - MSR_MTRR_PHYSBASE0);
	return -1;
}

/* UC 0, WC 1, WT 4, WP 5, WB 6 (SDM 3A table 13-8); 2, 3 and 7+ are reserved. */
static bool mtrr_type_valid(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

bool msr_mtrr_valid(uint32_t msr, uint64_t val, uint32_t maxphyaddr)
{
	int slot = msr_mtrr_slot(msr);
	uint64_t above = maxphyaddr >= 64 ? 0 : ~0ULL << maxphyaddr;

	if (slot < 0)
		return false;
	if (slot == 0) /* SDM 3A 13.11.2.1: type 7:0, FE 10, E 11 */
		return !(val & ~0xcffULL) && mtrr_type_valid(val & 0xff);
	if (slot < 12) { /* 13.11.2.2: eight types, one per byte */
		for (int i = 0; i < 8; i++)
			if (!mtrr_type_valid((val >> (i * 8)) & 0xff))
				return false;
		return true;
	}
	if ((slot - 12) % 2 == 0) /* PHYSBASE: type 7:0, 11:8 reserved (13.11.2.3) */
		return !(val & (above | 0xf00ULL)) && mtrr_type_valid(val & 0xff);
	return !(val & (above | 0x7ffULL)); /* PHYSMASK: valid 11, 10:0 reserved */
}
