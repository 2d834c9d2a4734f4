// SPDX-License-Identifier: MIT
/*
 * Unit tests for VMX control computation and capability queries: replays
 * the capability MSRs recorded from a real Cypress boot in Bochs 2.7
 * (corei7_skylake_x) plus constructed CPUs built from the SDM's rules.
 * Environment: hosted unit tests (cmocka, ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/vmx/vmx_ctl.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"

/* Recorded from `vmx: caps ...` lines of a Cypress boot in Bochs 2.7. */
static const struct vmx_caps bochs = {
	.basic = 0xd810000000002bULL,
	.pinbased = 0x7f00000016ULL,
	.procbased = 0xf7f9fffe0401e172ULL,
	.procbased2 = 0x2177fff00000000ULL,
	.exit = 0x7fffff00036dffULL,
	.entry = 0xffff000011ffULL,
	.misc = 0x600401e0ULL,
	.ept_vpid = 0xf0106334141ULL,
	.cr0_fixed0 = 0x80000021ULL,
	.cr0_fixed1 = 0xffffffffULL,
	.cr4_fixed0 = 0x2000ULL,
	.cr4_fixed1 = 0x3727ffULL,
	.true_pin = 0x7f00000016ULL,
	.true_proc = 0xf7f9fffe04006172ULL,
	.true_exit = 0x7fffff00036dfbULL,
	.true_entry = 0xffff000011fbULL,
};

static uint64_t msr(uint32_t allowed1, uint32_t allowed0)
{
	return ((uint64_t)allowed1 << 32) | allowed0;
}

static int compute(const struct vmx_caps *c, struct vmx_ctls *o, char *why, size_t n)
{
	struct vmx_ctl_req r;

	vmx_ctl_cypress_request(&r);
	console_capture_reset();
	return vmx_ctl_compute(c, &r, o, why, n);
}

/* The values Cypress writes to the VMCS on Bochs; derived by hand from the
 * TRUE MSRs: allowed-0 | required | (optional & allowed-1). */
static void test_bochs_exact(void **state)
{
	struct vmx_ctls o;
	char why[160] = "stale";

	(void)state;
	assert_int_equal(compute(&bochs, &o, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_int_equal(console_capture_lines(), 0);
	assert_int_equal(o.pin, 0x7f);	      /* 0x16 forced | ext-int | NMI | virt NMI | timer */
	assert_int_equal(o.proc, 0x960061fa); /* CR3 load/store exiting cleared via TRUE MSR */
	assert_int_equal(o.proc2, 0x1010aa);  /* EPT, UG, VPID, RDTSCP, INVPCID, XSAVES */
	assert_int_equal(o.exit, 0x7feffb);   /* save debug controls cleared via TRUE MSR */
	assert_int_equal(o.entry, 0xd1fb);    /* load debug controls cleared via TRUE MSR */

	assert_false(o.proc & (VMX_PROC_CR3_LOAD_EXIT | VMX_PROC_CR3_STORE_EXIT));
	assert_false(o.exit & VMX_EXIT_SAVE_DEBUG);
	assert_false(o.entry & VMX_ENTRY_LOAD_DEBUG);
	assert_false(o.proc2 & VMX_PROC2_VIRT_APIC_ACCESS);

	vmx_ctl_print(&o);
	assert_string_equal(console_capture(), "vmx: controls pin=0x7f proc=0x960061fa "
					       "proc2=0x1010aa exit=0x7feffb entry=0xd1fb\n");
}

/* Every field: forced bits kept, nothing outside allowed-1. */
static void check_within(uint32_t v, uint64_t m)
{
	uint32_t a0 = (uint32_t)m, a1 = (uint32_t)(m >> 32);

	assert_int_equal(v & a0, a0);
	assert_int_equal(v & ~a1, 0);
}

static void test_bochs_within_caps(void **state)
{
	struct vmx_ctls o;

	(void)state;
	assert_int_equal(compute(&bochs, &o, NULL, 0), 0);
	check_within(o.pin, bochs.true_pin);
	check_within(o.proc, bochs.true_proc);
	check_within(o.proc2, bochs.procbased2);
	check_within(o.exit, bochs.true_exit);
	check_within(o.entry, bochs.true_entry);
}

/* Constructed: the same CPU without TRUE MSRs (IA32_VMX_BASIC bit 55 clear).
 * Then every allowed-0 bit of the plain MSRs is forced (SDM 3D A.3.2, A.4,
 * A.5), so CR3-load/store exiting and the debug-control bits stay on. */
static void test_no_true_msrs(void **state)
{
	struct vmx_caps c = bochs;
	struct vmx_ctls o;

	(void)state;
	c.basic &= ~VMX_BASIC_TRUE_CTLS;
	c.true_pin = c.true_proc = c.true_exit = c.true_entry = 0;
	assert_int_equal(compute(&c, &o, NULL, 0), 0);
	assert_int_equal(console_capture_lines(), 0);
	assert_int_equal(o.pin, 0x7f);
	assert_int_equal(o.proc, 0x9601e1fa);
	assert_int_equal(o.proc2, 0x1010aa);
	assert_int_equal(o.exit, 0x7fefff);
	assert_int_equal(o.entry, 0xd1ff);
	check_within(o.proc, c.procbased);

	/* Bit 55 clear: TRUE values present by mistake must be ignored. */
	c.true_proc = msr(0xffffffff, 0);
	assert_int_equal(compute(&c, &o, NULL, 0), 0);
	assert_int_equal(o.proc, 0x9601e1fa);
}

/* Bit 55 set but the TRUE values were never recorded: one line, plain MSRs. */
static void test_true_missing_fallback(void **state)
{
	struct vmx_caps c = bochs;
	struct vmx_ctls o;

	(void)state;
	c.true_pin = c.true_proc = c.true_exit = c.true_entry = 0;
	assert_int_equal(compute(&c, &o, NULL, 0), 0);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("vmx: IA32_VMX_BASIC bit 55 set but TRUE control MSRs "
					"not recorded"));
	assert_int_equal(o.proc, 0x9601e1fa);
	assert_int_equal(o.exit, 0x7fefff);
	assert_int_equal(o.entry, 0xd1ff);
}

/* Constructed: a CPU whose primary allowed-1 bit 31 is 0, so it has no
 * secondary controls (SDM 3D A.3.2/A.3.3); IA32_VMX_PROCBASED_CTLS2 is then
 * not read and recorded as 0. */
static struct vmx_caps no_secondary(void)
{
	struct vmx_caps c = bochs;

	c.procbased &= ~((uint64_t)VMX_PROC_ACTIVATE_SECONDARY << 32);
	c.true_proc &= ~((uint64_t)VMX_PROC_ACTIVATE_SECONDARY << 32);
	c.procbased2 = 0;
	c.ept_vpid = 0;
	return c;
}

static void test_no_secondary(void **state)
{
	struct vmx_caps c = no_secondary();
	struct vmx_ctls o;
	struct vmx_ctl_req r;
	char why[160];

	(void)state;
	o.pin = 0x1234;
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_NOTSUP);
	assert_string_equal(why, "primary control 'activate secondary controls' (bit 31) not "
				 "supported by this CPU");
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("vmx: primary control 'activate secondary controls' "
					"(bit 31) not supported by this CPU\n"));
	assert_int_equal(o.pin, 0); /* output zeroed on failure */
	assert_int_equal(o.proc2, 0);

	/* proc2 required without naming bit 31 in proc_req: bit 31 is implied. */
	vmx_ctl_cypress_request(&r);
	r.proc_req &= ~VMX_PROC_ACTIVATE_SECONDARY;
	console_capture_reset();
	assert_int_equal(vmx_ctl_compute(&c, &r, &o, why, sizeof(why)), -E_NOTSUP);
	assert_true(console_capture_has("'activate secondary controls' (bit 31)"));

	/* Only optional secondary bits: fine, no secondary controls at all. */
	r.proc2_opt |= r.proc2_req;
	r.proc2_req = 0;
	console_capture_reset();
	assert_int_equal(vmx_ctl_compute(&c, &r, &o, why, sizeof(why)), 0);
	assert_int_equal(o.proc2, 0);
	assert_false(o.proc & VMX_PROC_ACTIVATE_SECONDARY);
	assert_int_equal(o.proc, 0x160061fa);
	assert_int_equal(console_capture_lines(), 0);

	/* Even if PROCBASED_CTLS2 holds garbage, it is ignored without bit 31. */
	c.procbased2 = msr(0xffffffff, 0xffffffff);
	assert_int_equal(vmx_ctl_compute(&c, &r, &o, why, sizeof(why)), 0);
	assert_int_equal(o.proc2, 0);
}

/* Secondary bits asked only optionally: bit 31 set automatically when one
 * is allowed, and not set when none is. */
static void test_secondary_auto_bit31(void **state)
{
	struct vmx_caps c = bochs;
	struct vmx_ctl_req r;
	struct vmx_ctls o;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.proc2_opt = VMX_PROC2_VPID;
	console_capture_reset();
	assert_int_equal(vmx_ctl_compute(&c, &r, &o, NULL, 0), 0);
	assert_true(o.proc & VMX_PROC_ACTIVATE_SECONDARY);
	assert_int_equal(o.proc2, VMX_PROC2_VPID);
	assert_int_equal(o.proc, 0x04006172 | VMX_PROC_ACTIVATE_SECONDARY);

	/* Optional bit the CPU lacks: no secondary controls, bit 31 stays 0. */
	c.procbased2 &= ~((uint64_t)VMX_PROC2_VPID << 32);
	assert_int_equal(vmx_ctl_compute(&c, &r, &o, NULL, 0), 0);
	assert_false(o.proc & VMX_PROC_ACTIVATE_SECONDARY);
	assert_int_equal(o.proc2, 0);

	/* Nothing asked: no bit 31, proc2 0, only forced bits anywhere. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(vmx_ctl_compute(&bochs, &r, &o, NULL, 0), 0);
	assert_int_equal(o.pin, 0x16);
	assert_int_equal(o.proc, 0x04006172);
	assert_int_equal(o.proc2, 0);
	assert_int_equal(o.exit, 0x36dfb);
	assert_int_equal(o.entry, 0x11fb);
}

/* Constructed: EPT but no unrestricted guest (early Nehalem-like). */
static void test_no_unrestricted_guest(void **state)
{
	struct vmx_caps c = bochs;
	struct vmx_ctls o;
	char why[160];

	(void)state;
	c.procbased2 &= ~((uint64_t)VMX_PROC2_UNRESTRICTED << 32);
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_NOTSUP);
	assert_string_equal(why, "secondary control 'unrestricted guest' (bit 7) not supported "
				 "by this CPU");
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("vmx: secondary control 'unrestricted guest' (bit 7)"));
}

/* Constructed: no EPT (and hence no unrestricted guest, SDM 3C 26.2.1.1). */
static void test_no_ept(void **state)
{
	struct vmx_caps c = bochs;
	struct vmx_ctls o;
	char why[160];

	(void)state;
	c.procbased2 &= ~((uint64_t)(VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED) << 32);
	c.ept_vpid &= ~0xffffffffULL; /* only the VPID half remains */
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_NOTSUP);
	/* The lowest missing bit of the first failing field is named. */
	assert_string_equal(why, "secondary control 'enable EPT' (bit 1) not supported by this "
				 "CPU");
	assert_false(vmx_cap_ept_4level(&c));
	assert_false(vmx_cap_ept_wb(&c));
	assert_true(vmx_cap_invvpid(&c));
}

/* Constructed: missing bits in each other field, and field order. */
static void test_missing_other_fields(void **state)
{
	struct vmx_caps c;
	struct vmx_ctls o;
	char why[160];

	(void)state;
	c = bochs;
	c.true_pin &= ~((uint64_t)VMX_PIN_NMI_EXIT << 32);
	c.true_pin &= ~((uint64_t)VMX_PIN_PREEMPTION_TIMER << 32);
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_NOTSUP);
	assert_string_equal(why, "pin-based control 'NMI exiting' (bit 3) not supported by this "
				 "CPU");
	/* Pin fails before proc2 even if proc2 is also short. */
	c.procbased2 &= ~((uint64_t)VMX_PROC2_UNRESTRICTED << 32);
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_NOTSUP);
	assert_true(strstr(why, "pin-based control") == why);
	assert_int_equal(console_capture_lines(), 1);

	c = bochs;
	c.true_proc &= ~((uint64_t)VMX_PROC_USE_MSR_BITMAPS << 32);
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_NOTSUP);
	assert_string_equal(why, "primary control 'use MSR bitmaps' (bit 28) not supported by "
				 "this CPU");

	c = bochs;
	c.true_exit &= ~((uint64_t)(VMX_EXIT_LOAD_EFER | VMX_EXIT_SAVE_EFER) << 32);
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_NOTSUP);
	assert_string_equal(why, "VM-exit control 'save IA32_EFER' (bit 20) not supported by "
				 "this CPU");

	c = bochs;
	c.true_entry &= ~((uint64_t)VMX_ENTRY_LOAD_EFER << 32);
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_NOTSUP);
	assert_string_equal(why, "VM-entry control 'load IA32_EFER' (bit 15) not supported by "
				 "this CPU");

	/* Optional bits the CPU lacks are simply left out. */
	c = bochs;
	c.true_pin &= ~((uint64_t)VMX_PIN_PREEMPTION_TIMER << 32);
	c.true_exit &= ~((uint64_t)(VMX_EXIT_SAVE_PAT | VMX_EXIT_LOAD_PAT) << 32);
	c.true_entry &= ~((uint64_t)VMX_ENTRY_LOAD_PAT << 32);
	c.procbased2 &= ~((uint64_t)(VMX_PROC2_XSAVES | VMX_PROC2_INVPCID) << 32);
	assert_int_equal(compute(&c, &o, why, sizeof(why)), 0);
	assert_int_equal(o.pin, 0x3f);
	assert_int_equal(o.exit, 0x7feffb & ~(VMX_EXIT_SAVE_PAT | VMX_EXIT_LOAD_PAT));
	assert_int_equal(o.entry, 0x91fb);
	assert_int_equal(o.proc2, 0x1010aa & ~(VMX_PROC2_XSAVES | VMX_PROC2_INVPCID));
}

/* A required bit without a name is reported as unnamed. */
static void test_unnamed_bit(void **state)
{
	struct vmx_ctl_req r;
	struct vmx_ctls o;
	char why[160];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.exit_req = 1u << 31;
	console_capture_reset();
	assert_int_equal(vmx_ctl_compute(&bochs, &r, &o, why, sizeof(why)), -E_NOTSUP);
	assert_string_equal(why, "VM-exit control 'unnamed' (bit 31) not supported by this CPU");
}

/* Constructed: a CPU whose allowed-0 settings force controls Cypress did not
 * ask for (RDTSC exiting, WBINVD exiting, IA-32e mode guest, posted
 * interrupts). They must be kept; nothing outside allowed-1 appears. */
static void test_forced_bits(void **state)
{
	struct vmx_caps c = bochs;
	struct vmx_ctls o;

	(void)state;
	c.true_pin = msr(0xff, 0x16 | VMX_PIN_POSTED_INTERRUPTS);
	c.true_proc |= VMX_PROC_RDTSC_EXIT;
	c.procbased2 |= VMX_PROC2_WBINVD_EXIT;
	c.true_entry |= VMX_ENTRY_IA32E_GUEST;
	assert_int_equal(compute(&c, &o, NULL, 0), 0);
	assert_int_equal(o.pin, 0xff);
	assert_int_equal(o.proc, 0x960061fa | VMX_PROC_RDTSC_EXIT);
	assert_int_equal(o.proc2, 0x1010aa | VMX_PROC2_WBINVD_EXIT);
	assert_int_equal(o.entry, 0xd1fb | VMX_ENTRY_IA32E_GUEST);
	check_within(o.pin, c.true_pin);
	check_within(o.proc, c.true_proc);
	check_within(o.proc2, c.procbased2);
	check_within(o.entry, c.true_entry);

	/* A forced secondary bit does not by itself turn secondary controls on. */
	{
		struct vmx_ctl_req r;

		memset(&r, 0, sizeof(r));
		assert_int_equal(vmx_ctl_compute(&c, &r, &o, NULL, 0), 0);
		assert_int_equal(o.proc2, 0);
		/* But when primary forces bit 31, the forced secondary bits follow. */
		c.true_proc |= VMX_PROC_ACTIVATE_SECONDARY;
		assert_int_equal(vmx_ctl_compute(&c, &r, &o, NULL, 0), 0);
		assert_true(o.proc & VMX_PROC_ACTIVATE_SECONDARY);
		assert_int_equal(o.proc2, VMX_PROC2_WBINVD_EXIT);
	}
}

/* SDM 3C 31.5.1: a default1 bit Cypress has no name for stays 1 even when
 * the TRUE MSR allows 0; a named one (CR3-load exiting) is cleared. */
static void test_unknown_default1_kept(void **state)
{
	struct vmx_caps c = bochs;
	struct vmx_ctls o;

	(void)state;
	c.true_proc &= ~(uint64_t)((1u << 26) | (1u << 1)); /* TRUE allows 0 for 26 and 1 */
	assert_int_equal(compute(&c, &o, NULL, 0), 0);
	assert_int_equal(o.proc, 0x960061fa); /* bits 1 and 26 still set, 15/16 clear */
	assert_true(o.proc & (1u << 26));
	assert_true(o.proc & (1u << 1));
	assert_false(o.proc & VMX_PROC_CR3_LOAD_EXIT);
}

/* Broken capability MSR: a bit that must be 1 but may not be 1. */
static void test_inconsistent_msr(void **state)
{
	struct vmx_caps c = bochs;
	struct vmx_ctls o;
	char why[160];

	(void)state;
	c.true_exit = msr(0x007ffffb, 0x36dff); /* bit 2 forced yet not allowed */
	assert_int_equal(compute(&c, &o, why, sizeof(why)), -E_INVAL);
	assert_string_equal(why, "VM-exit control capability MSR 0x7ffffb00036dff forces bits "
				 "0x4 to 1 but does not allow them");
	assert_int_equal(console_capture_lines(), 1);
}

static void test_bad_args_and_why_buffer(void **state)
{
	struct vmx_ctl_req r;
	struct vmx_ctls o;
	struct vmx_caps c = bochs;
	char why[12];

	(void)state;
	vmx_ctl_cypress_request(&r);
	console_capture_reset();
	assert_int_equal(vmx_ctl_compute(NULL, &r, &o, NULL, 0), -E_INVAL);
	assert_int_equal(vmx_ctl_compute(&c, NULL, &o, NULL, 0), -E_INVAL);
	assert_int_equal(vmx_ctl_compute(&c, &r, NULL, NULL, 0), -E_INVAL);
	assert_int_equal(console_capture_lines(), 3);
	assert_true(console_capture_has("vmx: vmx_ctl_compute called without caps"));

	/* A short why buffer is truncated and terminated, never overrun. */
	c.procbased2 &= ~((uint64_t)VMX_PROC2_UNRESTRICTED << 32);
	memset(why, 'x', sizeof(why));
	assert_int_equal(vmx_ctl_compute(&c, &r, &o, why, sizeof(why)), -E_NOTSUP);
	assert_string_equal(why, "secondary c");
	why[0] = 'x';
	assert_int_equal(vmx_ctl_compute(&c, &r, &o, why, 0), -E_NOTSUP);
	assert_int_equal(why[0], 'x');
	vmx_ctl_print(NULL); /* no crash */
}

static void test_cypress_request(void **state)
{
	struct vmx_ctl_req r;

	(void)state;
	memset(&r, 0xff, sizeof(r));
	vmx_ctl_cypress_request(&r);
	assert_int_equal(r.pin_req, 0x9);
	assert_int_equal(r.pin_opt, 0x60);
	assert_int_equal(r.proc_req, 0x92000088); /* with TSC offsetting (bit 3) */
	assert_int_equal(r.proc_opt, 0);
	assert_int_equal(r.proc2_req, 0x82);
	assert_int_equal(r.proc2_opt, 0x101028);
	assert_int_equal(r.exit_req, 0x308200);
	assert_int_equal(r.exit_opt, 0x4c0000);
	assert_int_equal(r.entry_req, 0x8000);
	assert_int_equal(r.entry_opt, 0x4000);
}

/* Property check over random capability MSRs (allowed-0 within allowed-1,
 * as the SDM guarantees) and random requests. */
static void test_random_properties(void **state)
{
	(void)state;
	srand(12345);
	for (int i = 0; i < 20000; i++) {
		uint32_t a1 = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		uint32_t a0 = a1 & (uint32_t)rand() & (uint32_t)rand();
		uint32_t req = (uint32_t)rand() & (uint32_t)rand() & (uint32_t)rand();
		uint32_t opt = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		struct vmx_caps c;
		struct vmx_ctl_req r;
		struct vmx_ctls o;
		char why[160];
		int rc;

		memset(&c, 0, sizeof(c));
		memset(&r, 0, sizeof(r));
		c.exit = c.true_exit = msr(a1, a0);
		c.basic = (i & 1) ? VMX_BASIC_TRUE_CTLS : 0;
		c.pinbased = c.true_pin = c.procbased = c.true_proc = msr(~0u, 0);
		c.entry = c.true_entry = msr(~0u, 0);
		r.exit_req = req;
		r.exit_opt = opt;
		rc = vmx_ctl_compute(&c, &r, &o, why, sizeof(why));
		if (req & ~a1) {
			char expect[32];
			unsigned int bit = 0;

			while (!((req & ~a1) >> bit & 1))
				bit++;
			assert_int_equal(rc, -E_NOTSUP);
			snprintf(expect, sizeof(expect), "(bit %u)", bit);
			assert_non_null(strstr(why, expect));
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(o.exit & a0, a0);
		assert_int_equal(o.exit & ~a1, 0);
		assert_int_equal(o.exit & req, req);
		assert_int_equal(o.exit & opt & a1, opt & a1);
		assert_int_equal(o.exit & ~(a0 | req | opt), 0);
	}
	console_capture_reset();
}

static void test_misc_queries(void **state)
{
	struct vmx_caps c;

	(void)state;
	assert_true(vmx_cap_activity_hlt(&bochs));
	assert_true(vmx_cap_activity_shutdown(&bochs));
	assert_true(vmx_cap_activity_wait_sipi(&bochs));
	assert_int_equal(vmx_preemption_timer_shift(&bochs), 0);

	memset(&c, 0, sizeof(c));
	c.misc = 0x1f | (1u << 6); /* constructed: rate 2^31, HLT only */
	assert_int_equal(vmx_preemption_timer_shift(&c), 31);
	assert_true(vmx_cap_activity_hlt(&c));
	assert_false(vmx_cap_activity_shutdown(&c));
	assert_false(vmx_cap_activity_wait_sipi(&c));
	c.misc = 0x5 | (1u << 8);
	assert_int_equal(vmx_preemption_timer_shift(&c), 5);
	assert_false(vmx_cap_activity_hlt(&c));
	assert_true(vmx_cap_activity_wait_sipi(&c));
}

struct cap_query {
	bool (*fn)(const struct vmx_caps *c);
	unsigned int bit;
};

static const struct cap_query ept_queries[] = {
	{ vmx_cap_ept_exec_only, 0 },	{ vmx_cap_ept_4level, 6 },   { vmx_cap_ept_uc, 8 },
	{ vmx_cap_ept_wb, 14 },		{ vmx_cap_ept_2m, 16 },	     { vmx_cap_ept_1g, 17 },
	{ vmx_cap_invept, 20 },		{ vmx_cap_ept_ad, 21 },	     { vmx_cap_invept_single, 25 },
	{ vmx_cap_invept_all, 26 },	{ vmx_cap_invvpid, 32 },     { vmx_cap_invvpid_addr, 40 },
	{ vmx_cap_invvpid_single, 41 }, { vmx_cap_invvpid_all, 42 },
};

static void test_ept_vpid_queries(void **state)
{
	struct vmx_caps c;

	(void)state;
	/* Bochs reports every one of these. */
	for (size_t i = 0; i < ARRAY_SIZE(ept_queries); i++)
		assert_true(ept_queries[i].fn(&bochs));

	/* Each query reads exactly its own bit. */
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < ARRAY_SIZE(ept_queries); i++)
		assert_false(ept_queries[i].fn(&c));
	for (size_t i = 0; i < ARRAY_SIZE(ept_queries); i++) {
		c.ept_vpid = 1ULL << ept_queries[i].bit;
		for (size_t j = 0; j < ARRAY_SIZE(ept_queries); j++)
			assert_int_equal(ept_queries[j].fn(&c), i == j);
		c.ept_vpid = ~(1ULL << ept_queries[i].bit);
		for (size_t j = 0; j < ARRAY_SIZE(ept_queries); j++)
			assert_int_equal(ept_queries[j].fn(&c), i != j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs_exact),
		cmocka_unit_test(test_bochs_within_caps),
		cmocka_unit_test(test_no_true_msrs),
		cmocka_unit_test(test_true_missing_fallback),
		cmocka_unit_test(test_no_secondary),
		cmocka_unit_test(test_secondary_auto_bit31),
		cmocka_unit_test(test_no_unrestricted_guest),
		cmocka_unit_test(test_no_ept),
		cmocka_unit_test(test_missing_other_fields),
		cmocka_unit_test(test_unnamed_bit),
		cmocka_unit_test(test_forced_bits),
		cmocka_unit_test(test_unknown_default1_kept),
		cmocka_unit_test(test_inconsistent_msr),
		cmocka_unit_test(test_bad_args_and_why_buffer),
		cmocka_unit_test(test_cypress_request),
		cmocka_unit_test(test_random_properties),
		cmocka_unit_test(test_misc_queries),
		cmocka_unit_test(test_ept_vpid_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
