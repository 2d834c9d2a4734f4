// SPDX-License-Identifier: MIT
/*
 * Checks on values a guest asks the hypervisor to load (see guest_check.h).
 * Rules, each a fact a reviewer can hold against the SDM:
 *  1. A write the CPU would refuse raises #GP(0); nothing refused reaches a
 *     VMWRITE or a privileged instruction on the host.
 *  2. A bit the guest's CPUID does not report is reserved for the guest,
 *     even where the host has it (VMXE, SMXE: VMX and SMX are hidden).
 *  3. The VMX fixed-bit MSRs bound what can be loaded (SDM 3C 24.8), except
 *     CR0.PE and CR0.PG, which unrestricted guest frees (SDM 3C 27.3.1.1).
 * Environment: pure code, any core; also built hosted for unit tests.
 */
#include "arch/x86/vmx/guest_check.h"

/* CR0 bits that exist (SDM 3A 2.5); writes to the others in 31:0 are ignored. */
#define CR0_DEFINED                                                                          \
	(GC_CR0_PE | GC_CR0_MP | GC_CR0_EM | GC_CR0_TS | GC_CR0_ET | GC_CR0_NE | GC_CR0_WP | \
	 GC_CR0_AM | GC_CR0_NW | GC_CR0_CD | GC_CR0_PG)

/* XCR0 components (SDM 1 13.1 table 13-1). */
#define XCR0_X87    (1ULL << 0)
#define XCR0_SSE    (1ULL << 1)
#define XCR0_AVX    (1ULL << 2)
#define XCR0_MPX    (3ULL << 3)	 /* BNDREGS, BNDCSR */
#define XCR0_AVX512 (7ULL << 5)	 /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_AMX    (3ULL << 17) /* XTILECFG, XTILEDATA */

static bool long_mode(const struct guest_cr_state *s)
{
	return (s->efer & GC_EFER_LMA) != 0;
}

int guest_check_cr0(const struct guest_caps *c, const struct guest_cr_state *s, uint64_t val,
		    uint64_t *out)
{
	if (s->cpl)
		return GCHECK_GP;
	if (val >> 32)
		return GCHECK_GP; /* reserved bits 63:32 */
	val = (val & CR0_DEFINED) | GC_CR0_ET;
	if ((val & GC_CR0_PG) && !(val & GC_CR0_PE))
		return GCHECK_GP;
	if ((val & GC_CR0_NW) && !(val & GC_CR0_CD))
		return GCHECK_GP;
	bool pg_on = (val & GC_CR0_PG) && !(s->cr0 & GC_CR0_PG);
	bool pg_off = !(val & GC_CR0_PG) && (s->cr0 & GC_CR0_PG);
	/* Activating IA-32e mode needs PAE (SDM 3A 10.8.5). */
	if (pg_on && (s->efer & GC_EFER_LME) && !(s->cr4 & GC_CR4_PAE))
		return GCHECK_GP;
	/* IA-32e mode is left from compatibility mode only, and paging
	 * cannot go off under PCIDE (SDM 2B MOV CR, 64-bit mode exceptions). */
	if (pg_off && ((long_mode(s) && s->cs_l) || (s->cr4 & GC_CR4_PCIDE)))
		return GCHECK_GP;
	/* What is loaded keeps NE (VMX needs it, the guest sees its shadow). */
	uint64_t real = val | GC_CR0_NE;
	uint64_t must1 = c->cr0_fixed0 & ~(GC_CR0_PE | GC_CR0_PG);
	if ((real & must1) != must1 || (real & ~c->cr0_fixed1))
		return GCHECK_GP;
	*out = val;
	return GCHECK_OK;
}

int guest_check_cr4(const struct guest_caps *c, const struct guest_cr_state *s, uint64_t val)
{
	if (s->cpl)
		return GCHECK_GP;
	if (val & ~c->cr4_allowed)
		return GCHECK_GP;
	if (long_mode(s)) {
		if (!(val & GC_CR4_PAE))
			return GCHECK_GP; /* leaving IA-32e mode by clearing PAE */
		if ((val ^ s->cr4) & GC_CR4_LA57)
			return GCHECK_GP; /* paging levels change only outside IA-32e */
	}
	/* PCIDE may go 0 -> 1 only in IA-32e mode with CR3[11:0] = 0 (SDM 3A 4.10.1). */
	if ((val & GC_CR4_PCIDE) && !(s->cr4 & GC_CR4_PCIDE) && (!long_mode(s) || (s->cr3 & 0xfff)))
		return GCHECK_GP;
	uint64_t real = val | GC_CR4_VMXE;
	if ((real & c->cr4_fixed0) != c->cr4_fixed0 || (real & ~c->cr4_fixed1))
		return GCHECK_GP;
	return GCHECK_OK;
}

int guest_check_xsetbv(const struct guest_caps *c, const struct guest_cr_state *s, uint32_t index,
		       uint64_t val)
{
	if (!(s->cr4 & GC_CR4_OSXSAVE) || !c->xcr0_allowed)
		return GCHECK_UD;
	if (s->cpl || index != 0)
		return GCHECK_GP;
	if (!(val & XCR0_X87) || (val & ~c->xcr0_allowed))
		return GCHECK_GP;
	if ((val & XCR0_AVX) && !(val & XCR0_SSE))
		return GCHECK_GP;
	if ((val & XCR0_MPX) && (val & XCR0_MPX) != XCR0_MPX)
		return GCHECK_GP;
	if ((val & XCR0_AVX512) && ((val & XCR0_AVX512) != XCR0_AVX512 || !(val & XCR0_AVX)))
		return GCHECK_GP;
	if ((val & XCR0_AMX) && (val & XCR0_AMX) != XCR0_AMX)
		return GCHECK_GP;
	return GCHECK_OK;
}

int guest_check_efer(const struct guest_caps *c, const struct guest_cr_state *s, uint64_t val,
		     uint64_t *out)
{
	/* LMA is read-only: a write of either value is accepted and ignored. */
	if (val & ~(c->efer_allowed | GC_EFER_LMA))
		return GCHECK_GP;
	if ((s->cr0 & GC_CR0_PG) && ((val ^ s->efer) & GC_EFER_LME))
		return GCHECK_GP; /* SDM 3A 10.8.5: LME changes only with paging off */
	*out = (val & ~GC_EFER_LMA) | (s->efer & GC_EFER_LMA);
	return GCHECK_OK;
}

bool guest_pdpte_valid(const struct guest_caps *c, uint64_t pdpte)
{
	uint64_t rsvd = (0x3ULL << 1) | (0xfULL << 5);

	if (c->maxphyaddr < 64)
		rsvd |= ~0ULL << c->maxphyaddr;
	return !(pdpte & 1) || !(pdpte & rsvd);
}
