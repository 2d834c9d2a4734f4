// SPDX-License-Identifier: MIT
/*
 * The MSR rules (arch/x86/vmx/msr_policy.c) and the CPUID a guest sees
 * (arch/x86/vmx/cpuid_policy.c): TSC_ADJUST arithmetic as SDM 3B 18.17.3
 * states it, TSC-deadline conversion including a guest TSC far from the
 * host's, MISC_ENABLE's bit classes, and that no feature whose MSRs are
 * not emulated is reported, while mirrored bits follow the guest's state
 * (issue 12: TSC_ADJUST advertised but #GP, MISC_ENABLE writes #GP).
 * Environment: hosted unit test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vmx/cpuid_policy.h"
#include "arch/x86/vmx/msr_policy.h"
#include "arch/x86/vmx/vmx_ctl.h"

static void test_reset(void **state)
{
	struct vcpu_msrs m;

	(void)state;
	memset(&m, 0xa5, sizeof(m));
	msr_state_reset(&m);
	assert_int_equal(m.tsc_adjust, 0);
	assert_int_equal(m.ds_area, 0);
	assert_int_equal(m.tsc_aux, 0);
	assert_int_equal(m.misc_enable, 0x11801); /* fast strings, EIST, no BTS, no PEBS */
}

/* SDM 3B 18.17.3: the TSC and TSC_ADJUST move by the same amount, both ways. */
static void test_tsc_adjust(void **state)
{
	uint64_t host = 1000000, adj = 0, tsc_before, tsc_after;

	(void)state;
	/* WRMSR IA32_TSC <- 5000 at host 1000000: TSC_ADJUST += 5000 - 1000000. */
	tsc_before = host + adj;
	adj = msr_tsc_write(host, 5000);
	assert_int_equal(host + adj, 5000);
	assert_int_equal(adj - 0, 5000 - tsc_before);
	/* Later, TSC_ADJUST <- adj + 777: the TSC moves by 777. */
	host += 123;
	tsc_before = host + adj;
	adj += 777;
	tsc_after = host + adj;
	assert_int_equal(tsc_after - tsc_before, 777);
	/* Writing a TSC above 2^63 wraps the offset, reads stay exact. */
	adj = msr_tsc_write(host, 0xfffffffffffff000ULL);
	assert_int_equal(host + adj, 0xfffffffffffff000ULL);
}

static void test_tsc_deadline(void **state)
{
	uint64_t host = 1000000;

	(void)state;
	/* No offset: the same numbers. */
	assert_int_equal(msr_tscdl_to_host(host + 50, 0, host), host + 50);
	assert_int_equal(msr_tscdl_to_host(0, 0, host), 0);
	/* Guest TSC moved back to 0 (adj = -host): deadline 500 is 500 ahead. */
	uint64_t adj = msr_tsc_write(host, 0);
	assert_int_equal(msr_tscdl_to_host(500, adj, host), host + 500);
	assert_int_equal(msr_tscdl_to_guest(host + 500, adj), 500);
	/* Past and present deadlines are due now (fire at once), never 0. */
	adj = msr_tsc_write(host, 1000);
	assert_int_equal(msr_tscdl_to_host(999, adj, host), host);
	assert_int_equal(msr_tscdl_to_host(1000, adj, host), host);
	assert_int_equal(msr_tscdl_to_host(5, adj, 0), 1);
	/* Guest TSC near 2^64: a small deadline is in the past, not 2^64 ahead. */
	adj = msr_tsc_write(host, 0xffffffffffff0000ULL);
	assert_int_equal(msr_tscdl_to_host(1, adj, host), host);
	assert_int_equal(msr_tscdl_to_host(0xffffffffffff0100ULL, adj, host), host + 0x100);
	assert_int_equal(msr_tscdl_to_guest(host + 0x100, adj), 0xffffffffffff0100ULL);
	assert_int_equal(msr_tscdl_to_guest(0, adj), 0);
}

static void test_misc_enable(void **state)
{
	struct msr_host nx = { .nx = true }, nonx = { .nx = false };
	uint64_t out = 0, reset = MISC_RESET;

	(void)state;
	/* Writable bits stick, both ways. */
	assert_true(msr_misc_enable_write(&nx, reset, reset & ~MISC_FAST_STRINGS, false, &out));
	assert_int_equal(out, reset & ~MISC_FAST_STRINGS);
	assert_true(msr_misc_enable_write(&nx, reset, reset | MISC_LIMIT_CPUID | MISC_XTPR_DISABLE,
					  false, &out));
	assert_int_equal(out, reset | MISC_LIMIT_CPUID | MISC_XTPR_DISABLE);
	assert_true(msr_misc_enable_write(&nx, reset, reset & ~MISC_EIST, false, &out));
	assert_int_equal(out, reset & ~MISC_EIST);
	/* Read-only bits keep their values whatever is written. */
	assert_true(
		msr_misc_enable_write(&nx, reset, MISC_FAST_STRINGS | MISC_PERFMON, false, &out));
	assert_int_equal(out, MISC_FAST_STRINGS | MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL);
	/* Reserved bits, MONITOR FSM (not offered) and turbo disable #GP. */
	out = 42;
	assert_false(msr_misc_enable_write(&nx, reset, reset | (1ULL << 1), false, &out));
	assert_false(msr_misc_enable_write(&nx, reset, reset | MISC_MONITOR, false, &out));
	assert_false(msr_misc_enable_write(&nx, reset, reset | (1ULL << 38), false, &out));
	assert_false(msr_misc_enable_write(&nx, reset, reset | (1ULL << 63), false, &out));
	assert_int_equal(out, 42);
	/* XD disable: only with NX, and not under EFER.NXE. */
	assert_true(msr_misc_enable_write(&nx, reset, reset | MISC_XD_DISABLE, false, &out));
	assert_int_equal(out, reset | MISC_XD_DISABLE);
	assert_false(msr_misc_enable_write(&nonx, reset, reset | MISC_XD_DISABLE, false, &out));
	assert_false(msr_misc_enable_write(&nx, reset, reset | MISC_XD_DISABLE, true, &out));
	/* Already set: writing it again under NXE is no change, allowed. */
	assert_true(msr_misc_enable_write(&nx, reset | MISC_XD_DISABLE, reset | MISC_XD_DISABLE,
					  true, &out));
}

static void test_other_msrs(void **state)
{
	(void)state;
	assert_true(msr_canonical(0));
	assert_true(msr_canonical(0x00007fffffffffffULL));
	assert_true(msr_canonical(0xffff800000000000ULL));
	assert_false(msr_canonical(0x0000800000000000ULL));
	assert_true(msr_tsc_aux_valid(0xffffffffULL));
	assert_false(msr_tsc_aux_valid(1ULL << 32));
	assert_true(msr_xss_valid(0));
	assert_false(msr_xss_valid(1ULL << 8)); /* PT: no supervisor state offered */
}

static void test_mtrr(void **state)
{
	struct vcpu_msrs m;

	(void)state;
	msr_state_reset(&m);
	assert_int_equal(m.mtrr[msr_mtrr_slot(MSR_MTRR_DEF_TYPE)], 0x806);
	assert_int_equal(msr_mtrr_slot(MSR_MTRR_FIX64K), 1);
	assert_int_equal(msr_mtrr_slot(MSR_MTRR_FIX16K_A0), 3);
	assert_int_equal(msr_mtrr_slot(MSR_MTRR_FIX4K_F8), 11);
	assert_int_equal(msr_mtrr_slot(0x200), 12);
	assert_int_equal(msr_mtrr_slot(0x20f), 27);
	assert_int_equal(msr_mtrr_slot(0x210), -1); /* only 8 variable ranges */
	assert_int_equal(msr_mtrr_slot(0x251), -1);
	assert_int_equal(msr_mtrr_slot(MSR_MTRRCAP), -1); /* read-only, not storage */
	assert_int_equal(MTRRCAP_VALUE, 0x508);
	/* DEF_TYPE: E, FE, a valid type; nothing else. */
	assert_true(msr_mtrr_valid(MSR_MTRR_DEF_TYPE, 0xc06, 40));
	assert_true(msr_mtrr_valid(MSR_MTRR_DEF_TYPE, 0, 40));
	assert_false(msr_mtrr_valid(MSR_MTRR_DEF_TYPE, 0xc02, 40)); /* type 2 */
	assert_false(msr_mtrr_valid(MSR_MTRR_DEF_TYPE, 0xc07, 40)); /* type 7 */
	assert_false(msr_mtrr_valid(MSR_MTRR_DEF_TYPE, 0x1806, 40));
	assert_false(msr_mtrr_valid(MSR_MTRR_DEF_TYPE, 0x100, 40)); /* bit 8 */
	/* Fixed: every byte a valid type. */
	assert_true(msr_mtrr_valid(MSR_MTRR_FIX64K, 0x0606060606060606ULL, 40));
	assert_true(msr_mtrr_valid(MSR_MTRR_FIX4K_C0, 0x0001040506000000ULL, 40));
	assert_false(msr_mtrr_valid(MSR_MTRR_FIX4K_C0, 0x0300000000000000ULL, 40));
	assert_false(msr_mtrr_valid(MSR_MTRR_FIX16K_80, 0x08, 40));
	/* Variable: MAXPHYADDR, reserved low bits, type. */
	assert_true(msr_mtrr_valid(0x200, 0x80000006ULL, 40));
	assert_true(msr_mtrr_valid(0x200, (1ULL << 39) | 6, 40));
	assert_false(msr_mtrr_valid(0x200, (1ULL << 40) | 6, 40));
	assert_false(msr_mtrr_valid(0x200, 0x80000106ULL, 40)); /* bit 8 */
	assert_false(msr_mtrr_valid(0x200, 0x80000003ULL, 40)); /* type 3 */
	assert_true(msr_mtrr_valid(0x201, 0xff80000800ULL, 40));
	assert_false(msr_mtrr_valid(0x201, 0xff80000801ULL, 40));  /* bit 0 */
	assert_false(msr_mtrr_valid(0x201, 0x1ff80000800ULL, 40)); /* bit 40 */
	assert_false(msr_mtrr_valid(0x210, 0, 40));
}

/* Skylake-X standard-format XSAVE layout (SDM 1 table 13-1 via CPUID 0xD):
 * AVX 576+256, MPX 960/1024 (hidden), opmask 1088+64, ZMM_Hi256 1152+512,
 * Hi16_ZMM 1664+1024, PKRU 2688+8. */
static const struct xsave_layout skx = {
	.off = { [2] = 576, [3] = 960, [4] = 1024, [5] = 1088, [6] = 1152, [7] = 1664, [9] = 2688 },
	.len = { [2] = 256, [3] = 64, [4] = 64, [5] = 64, [6] = 512, [7] = 1024, [9] = 8 },
	.align64 = 0,
};

static const struct cpuid_view base = {
	.nvcpus = 4,
	.apic_id = 2,
	.cr4 = 0,
	.apic_enabled = true,
	.misc_enable = MISC_RESET,
	.proc2 = VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES,
	.xcr0_allowed = 0x2e7, /* Bochs's 0x2ff without MPX */
	.xcr0 = 0x7,	       /* x87, SSE, AVX */
	.xsave = &skx,
	.pat = true,
};

static struct cpuid_out all_ones(void)
{
	return (struct cpuid_out){ ~0U, ~0U, ~0U, ~0U };
}

static struct cpuid_out filt(const struct cpuid_view *s, uint32_t leaf, uint32_t sub)
{
	struct cpuid_out r = all_ones();

	cpuid_policy_filter(s, leaf, sub, &r);
	return r;
}

/* The CPUID exit keeps answers of leaves that cpuid_leaf_reads_vcpu_state()
 * says ignore cr4, apic_enabled and pat (exit_cpuid.c): check that every
 * such leaf indeed gives the same answer whatever those are, and that the
 * leaves it names do depend on them (else the list would be too wide). */
static void test_cpuid_state_leaves(void **state)
{
	(void)state;
	struct cpuid_view other = base;
	other.cr4 = ~0ULL;
	other.apic_enabled = !base.apic_enabled;
	other.pat = !base.pat;
	static const uint32_t ranges[][2] = { { 0, 0x24 }, { 0x80000000, 0x80000008 } };
	for (unsigned r = 0; r < ARRAY_SIZE(ranges); r++) {
		for (uint32_t leaf = ranges[r][0]; leaf <= ranges[r][1]; leaf++) {
			bool differs = false;
			for (uint32_t sub = 0; sub < 4; sub++) {
				struct cpuid_out a = filt(&base, leaf, sub),
						 b = filt(&other, leaf, sub);
				differs |= memcmp(&a, &b, sizeof(a)) != 0;
			}
			if (cpuid_leaf_reads_vcpu_state(leaf))
				assert_true(differs);
			else
				assert_false(differs);
		}
	}
}

/* A host that reports everything: every feature without emulated MSRs is gone. */
static void test_cpuid_hidden(void **state)
{
	struct cpuid_out r;

	(void)state;
	r = filt(&base, 1, 0);
	assert_int_equal(r.ecx & HIDE_1_ECX, 0);
	assert_int_equal(r.edx & HIDE_1_EDX, 0);
	assert_true(r.ecx & CPUID_BIT(24)); /* TSC-deadline, emulated */
	assert_true(r.ecx & CPUID_BIT(31)); /* hypervisor */
	assert_true(r.edx & CPUID_BIT(21)); /* DS: DS_AREA emulated */
	assert_true(r.edx & CPUID_BIT(12)); /* MTRR: emulated storage */
	r = filt(&base, 7, 0);
	assert_true(r.ebx & CPUID_7_EBX_TSC_ADJUST);
	assert_false(r.ebx & CPUID_BIT(14)); /* MPX: no IA32_BNDCFGS */
	assert_false(r.ecx & CPUID_BIT(7));  /* CET_SS */
	assert_int_equal(r.edx >> 26, 0);    /* SPEC_CTRL, PRED_CMD, FLUSH_CMD, ARCH_CAPS, ... */
	assert_false(r.edx & CPUID_BIT(20)); /* CET_IBT */
	assert_true(r.ecx & CPUID_7_ECX_RDPID);
	r = filt(&base, 7, 1);
	assert_false(r.eax & CPUID_BIT(17)); /* FRED */
	r = filt(&base, 6, 0);		     /* ARAT only */
	assert_int_equal(r.eax, CPUID_6_EAX_ARAT);
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
	for (uint32_t leaf = 5; leaf <= 0x14; leaf++) {
		if (leaf != 5 && leaf != 0xa && leaf != 0xf && leaf != 0x10 && leaf != 0x12 &&
		    leaf != 0x14)
			continue;
		r = filt(&base, leaf, 0);
		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
	r = filt(&base, 0xd, 0);
	assert_int_equal(r.eax, 0x2e7);
	assert_int_equal(r.edx, 0);
	assert_int_equal(r.ebx, 832);  /* the guest's XCR0: x87, SSE, AVX */
	assert_int_equal(r.ecx, 2696); /* all it may enable: up to PKRU, past the MPX gap */
	struct cpuid_view z = base;
	z.xcr0 = 0xe7; /* AVX-512 on: the end of Hi16_ZMM, not the sum of sizes */
	assert_int_equal(filt(&z, 0xd, 0).ebx, 2688);
	assert_int_equal(filt(&z, 0xd, 1).ebx, 2432); /* compacted: 576+256+64+512+1024 */
	z.xcr0 = 0x2e7;
	assert_int_equal(filt(&z, 0xd, 1).ebx, 2440); /* and PKRU */
	struct xsave_layout al = skx;
	al.align64 = 1ULL << 9; /* PKRU 64-aligned: starts at 2432+0 -> stays, ends 2440 */
	al.len[7] = 1000;	/* Hi16_ZMM 1000 bytes: PKRU moves from 2408 to 2432 */
	z.xsave = &al;
	assert_int_equal(filt(&z, 0xd, 1).ebx, 2440);
	z.xsave = &skx;
	z.xcr0 = 0x3;
	assert_int_equal(filt(&z, 0xd, 0).ebx, 576);
	assert_int_equal(filt(&z, 0xd, 1).ebx, 576);
	r = filt(&base, 0xd, 1);
	assert_false(r.eax & CPUID_BIT(4)); /* XFD: no IA32_XFD */
	assert_true(r.eax & CPUID_BIT(3));  /* XSAVES with its control */
	assert_int_equal(r.ecx | r.edx, 0); /* IA32_XSS: no bit */
	r = filt(&base, 0xd, 3);	    /* BNDREGS */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = filt(&base, 0xd, 8); /* PT, supervisor */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = filt(&base, 0xd, 2); /* AVX stays */
	assert_int_equal(r.eax, ~0U);
	r = filt(&base, 0x80000008, 0);
	assert_int_equal(r.ebx & HIDE_80000008_EBX, 0);
	/* Without the VMX controls: no RDTSCP, RDPID, INVPCID, XSAVES. */
	struct cpuid_view s = base;
	s.proc2 = 0;
	assert_false(filt(&s, 0x80000001, 0).edx & CPUID_BIT(27));
	assert_false(filt(&s, 7, 0).ecx & CPUID_7_ECX_RDPID);
	assert_false(filt(&s, 7, 0).ebx & CPUID_BIT(10));
	assert_false(filt(&s, 0xd, 1).eax & CPUID_BIT(3));
	assert_true(filt(&base, 1, 0).edx & CPUID_BIT(16));
	s.pat = false; /* the VMCS does not switch IA32_PAT: no PAT */
	assert_false(filt(&s, 1, 0).edx & CPUID_BIT(16));
}

static void test_cpuid_mirrors(void **state)
{
	struct cpuid_view s = base;
	struct cpuid_out r;

	(void)state;
	r = filt(&s, 1, 0);
	assert_int_equal(r.ebx >> 24, 2);
	assert_int_equal((r.ebx >> 16) & 0xff, 4);
	assert_false(r.ecx & CPUID_BIT(27)); /* OSXSAVE: CR4.OSXSAVE = 0 */
	assert_true(r.edx & CPUID_BIT(9));   /* APIC enabled */
	assert_false(filt(&s, 7, 0).ecx & CPUID_7_ECX_OSPKE);
	assert_true(filt(&s, 0x80000001, 0).edx & CPUID_BIT(20)); /* NX */
	assert_int_equal(filt(&s, 0, 0).eax, ~0U);
	assert_int_equal(filt(&s, 0xb, 0).edx, 2);
	assert_int_equal(filt(&s, 0x1f, 1).edx, 2);
	s.cr4 = (1ULL << 18) | (1ULL << 22);
	s.apic_enabled = false;
	s.misc_enable |= MISC_XD_DISABLE | MISC_LIMIT_CPUID;
	r = filt(&s, 1, 0);
	assert_true(r.ecx & CPUID_BIT(27));
	assert_false(r.edx & CPUID_BIT(9));
	assert_true(filt(&s, 7, 0).ecx & CPUID_7_ECX_OSPKE);
	assert_false(filt(&s, 0x80000001, 0).edx & CPUID_BIT(20));
	assert_int_equal(filt(&s, 0, 0).eax, 2);
	/* OSPKE needs PKU itself. */
	r = (struct cpuid_out){ 0, 0, 0, 0 };
	cpuid_policy_filter(&s, 7, 0, &r);
	assert_false(r.ecx & CPUID_7_ECX_OSPKE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),	      cmocka_unit_test(test_tsc_adjust),
		cmocka_unit_test(test_tsc_deadline),  cmocka_unit_test(test_misc_enable),
		cmocka_unit_test(test_other_msrs),    cmocka_unit_test(test_cpuid_hidden),
		cmocka_unit_test(test_cpuid_mirrors), cmocka_unit_test(test_cpuid_state_leaves),
		cmocka_unit_test(test_mtrr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
