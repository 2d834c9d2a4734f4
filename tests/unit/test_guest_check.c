// SPDX-License-Identifier: MIT
/*
 * The checks on guest values for CR0, CR4, XCR0, EFER and PAE PDPTEs
 * (arch/x86/vmx/guest_check.c) against the SDM's rules, including the
 * values of the issue-8 host crash (XSETBV with XCR0 = 1 and forbidden
 * XCR0 combinations) and the CR4 write that made VM entry fail.
 * Environment: hosted unit test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86/vmx/guest_check.h"

/* A Skylake-like host as Bochs reports it: CR0/CR4 fixed bits, x87..AVX-512 + PKRU. */
static const struct guest_caps caps = {
	.cr0_fixed0 = 0x80000021,
	.cr0_fixed1 = 0xffffffff,
	.cr4_fixed0 = 0x2000,
	.cr4_fixed1 = 0x3727ff,
	.cr4_allowed = 0x3707ff & ~0x2000ULL & ~(1ULL << 6),
	.xcr0_allowed = 0x2ff,
	.efer_allowed = GC_EFER_SCE | GC_EFER_LME | GC_EFER_LMA | GC_EFER_NXE,
	.maxphyaddr = 40,
};

/* Multiboot entry: protected mode, paging off, CPL 0. */
static struct guest_cr_state pm(void)
{
	return (struct guest_cr_state){ .cr0 = GC_CR0_PE | GC_CR0_ET, .cr4 = GC_CR4_OSXSAVE };
}

static void test_xsetbv(void **state)
{
	struct guest_cr_state s = pm();

	(void)state;
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 1), GCHECK_OK); /* the crash value */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0x7), GCHECK_OK);
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0xe7), GCHECK_OK);
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0x207), GCHECK_OK);
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0), GCHECK_GP);    /* no x87 */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0x5), GCHECK_GP);  /* AVX, no SSE */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0x27), GCHECK_GP); /* AVX-512 part */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0x67), GCHECK_GP); /* AVX-512 part */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0xe3), GCHECK_GP); /* AVX-512 no AVX */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0x9), GCHECK_GP);  /* BNDREGS alone */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0x11), GCHECK_GP); /* BNDCSR alone */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 0x19), GCHECK_OK); /* both MPX */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 1ULL << 62 | 1), GCHECK_GP);
	assert_int_equal(guest_check_xsetbv(&caps, &s, 1, 1), GCHECK_GP); /* XCR1 */
	struct guest_caps amx = caps;
	amx.xcr0_allowed |= 3ULL << 17;
	assert_int_equal(guest_check_xsetbv(&amx, &s, 0, 0x20007), GCHECK_GP); /* XTILECFG alone */
	assert_int_equal(guest_check_xsetbv(&amx, &s, 0, 0x40007), GCHECK_GP); /* XTILEDATA alone */
	assert_int_equal(guest_check_xsetbv(&amx, &s, 0, 0x60007), GCHECK_OK);
	s.cpl = 3;
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 1), GCHECK_GP);
	s = pm();
	s.cr4 = 0; /* CR4.OSXSAVE clear */
	assert_int_equal(guest_check_xsetbv(&caps, &s, 0, 1), GCHECK_UD);
	struct guest_caps none = caps;
	none.xcr0_allowed = 0; /* host without XSAVE */
	s = pm();
	assert_int_equal(guest_check_xsetbv(&none, &s, 0, 1), GCHECK_UD);
}

static void test_cr0(void **state)
{
	struct guest_cr_state s = pm();
	uint64_t out;

	(void)state;
	assert_int_equal(guest_check_cr0(&caps, &s, 0x80050033, &out), GCHECK_OK); /* Linux's */
	assert_int_equal(out, 0x80050033);
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PG, &out), GCHECK_GP); /* PG no PE */
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE | GC_CR0_NW, &out), GCHECK_GP);
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE | GC_CR0_NW | GC_CR0_CD, &out),
			 GCHECK_OK);
	assert_int_equal(guest_check_cr0(&caps, &s, 1ULL << 32 | GC_CR0_PE, &out), GCHECK_GP);
	/* Reserved bits 31:0 are ignored, ET reads 1. */
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE | 0x0ff80fc0, &out), GCHECK_OK);
	assert_int_equal(out, GC_CR0_PE | GC_CR0_ET);
	assert_int_equal(guest_check_cr0(&caps, &s, 0, &out), GCHECK_OK); /* real mode */
	/* Long mode needs PAE when paging turns on with LME. */
	s.efer = GC_EFER_LME;
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE | GC_CR0_PG, &out), GCHECK_GP);
	s.cr4 |= GC_CR4_PAE;
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE | GC_CR0_PG, &out), GCHECK_OK);
	/* Paging off from 64-bit mode: #GP; from compatibility mode: fine. */
	s.cr0 |= GC_CR0_PG;
	s.efer |= GC_EFER_LMA;
	s.cs_l = true;
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE, &out), GCHECK_GP);
	s.cs_l = false;
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE, &out), GCHECK_OK);
	s.cr4 |= GC_CR4_PCIDE;
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE, &out), GCHECK_GP);
	s = pm();
	s.cpl = 1;
	assert_int_equal(guest_check_cr0(&caps, &s, GC_CR0_PE, &out), GCHECK_GP);
}

static void test_cr4(void **state)
{
	struct guest_cr_state s = pm();

	(void)state;
	/* The issue-8 write: VMXE plus reserved bits. */
	assert_int_equal(guest_check_cr4(&caps, &s, GC_CR4_VMXE | (1ULL << 25)), GCHECK_GP);
	assert_int_equal(guest_check_cr4(&caps, &s, GC_CR4_VMXE), GCHECK_GP); /* VMX hidden */
	assert_int_equal(guest_check_cr4(&caps, &s, 1ULL << 14), GCHECK_GP);  /* SMXE hidden */
	assert_int_equal(guest_check_cr4(&caps, &s, 1ULL << 6), GCHECK_GP);   /* MCE hidden */
	assert_int_equal(guest_check_cr4(&caps, &s, 1ULL << 40), GCHECK_GP);
	assert_int_equal(guest_check_cr4(&caps, &s, GC_CR4_PAE | GC_CR4_OSXSAVE), GCHECK_OK);
	/* PCIDE only in IA-32e mode with CR3[11:0] = 0. */
	assert_int_equal(guest_check_cr4(&caps, &s, GC_CR4_PAE | GC_CR4_PCIDE), GCHECK_GP);
	s.efer = GC_EFER_LME | GC_EFER_LMA;
	s.cr4 = GC_CR4_PAE;
	s.cr3 = 0x1000;
	assert_int_equal(guest_check_cr4(&caps, &s, GC_CR4_PAE | GC_CR4_PCIDE), GCHECK_OK);
	s.cr3 = 0x1001;
	assert_int_equal(guest_check_cr4(&caps, &s, GC_CR4_PAE | GC_CR4_PCIDE), GCHECK_GP);
	/* In IA-32e mode PAE stays and LA57 does not change. */
	assert_int_equal(guest_check_cr4(&caps, &s, 0), GCHECK_GP);
	assert_int_equal(guest_check_cr4(&caps, &s, GC_CR4_PAE | GC_CR4_LA57), GCHECK_GP);
}

static void test_efer(void **state)
{
	struct guest_cr_state s = pm();
	uint64_t out;

	(void)state;
	assert_int_equal(guest_check_efer(&caps, &s, GC_EFER_LME | GC_EFER_NXE, &out), GCHECK_OK);
	assert_int_equal(out, GC_EFER_LME | GC_EFER_NXE);
	for (int bit = 0; bit < 64; bit++) {
		uint64_t v = 1ULL << bit;
		int want = v & (caps.efer_allowed | GC_EFER_LMA) ? GCHECK_OK : GCHECK_GP;
		assert_int_equal(guest_check_efer(&caps, &s, v, &out),
				 want); /* SVME (12) refused */
	}
	/* LMA is the processor's: a write neither sets nor clears it. */
	assert_int_equal(guest_check_efer(&caps, &s, GC_EFER_LMA, &out), GCHECK_OK);
	assert_int_equal(out, 0);
	/* LME does not change under paging. */
	s.cr0 |= GC_CR0_PG;
	assert_int_equal(guest_check_efer(&caps, &s, GC_EFER_LME, &out), GCHECK_GP);
	assert_int_equal(guest_check_efer(&caps, &s, GC_EFER_NXE, &out), GCHECK_OK);
	struct guest_caps nonx = caps;
	nonx.efer_allowed &= ~GC_EFER_NXE;
	s = pm();
	assert_int_equal(guest_check_efer(&nonx, &s, GC_EFER_NXE, &out), GCHECK_GP);
}

static void test_pdpte(void **state)
{
	(void)state;
	assert_true(guest_pdpte_valid(&caps, 0));
	assert_true(guest_pdpte_valid(&caps, 0xfffffffffffffffeULL)); /* not present */
	assert_true(guest_pdpte_valid(&caps, 0x12345001));
	assert_false(guest_pdpte_valid(&caps, 0x12345003)); /* bit 1 */
	assert_false(guest_pdpte_valid(&caps, 0x12345021)); /* bit 5 */
	assert_false(guest_pdpte_valid(&caps, 1ULL << 40 | 1));
	assert_true(guest_pdpte_valid(&caps, 1ULL << 39 | 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xsetbv), cmocka_unit_test(test_cr0),
		cmocka_unit_test(test_cr4),    cmocka_unit_test(test_efer),
		cmocka_unit_test(test_pdpte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
