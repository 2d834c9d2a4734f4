// SPDX-License-Identifier: MIT
/*
 * Guest test "msr": the hypervisor's MSR policy as a guest sees it. MSRs an
 * ordinary kernel needs must work without a fault; VMX, feature-control,
 * AMD and nonexistent MSRs must raise #GP. First it checks that a caught
 * fault really comes back (UD2 -> #UD). Outside Cypress the "must #GP" rows
 * are strict only where the platform faults on a nonexistent MSR at all
 * (QEMU KVM does; QEMU 7.2 TCG reads 0 instead), and the rows marked
 * cypress_only are notes there (docs/guest-tests.md). Boundary probes:
 * EFER written with each reserved bit set alone (1-7, 9, 12-63; 12 is AMD's
 * SVME) must #GP and leave EFER unchanged, and every VMX capability MSR
 * (0x480-0x491) must #GP on read and on write; both are notes outside
 * Cypress (TCG accepts SVME and reads 0 from the VMX MSRs). Issue 12, MSRs
 * that match CPUID: for each feature in `gated` the MSR must be readable
 * when CPUID reports the feature (rows marked so) and must #GP when it does
 * not (a note outside Cypress, where TCG reads 0 from MSRs it lacks).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "msr";

#define MSR_TSC		    0x10
#define MSR_APIC_BASE	    0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_MISC_ENABLE	    0x1a0
#define MSR_PAT		    0x277
#define MSR_VMX_BASIC	    0x480
#define MSR_VMX_LAST	    0x491 /* IA32_VMX_VMFUNC, the last capability MSR */
#define MSR_EFER	    0xc0000080u
#define MSR_AMD_PERFEVTSEL0 0xc0010000u /* AMD PerfEvtSel0 (K7 legacy) */
#define MSR_NONEXISTENT	    0x12345678u

static bool cypress;
static bool platform_gps; /* the platform faults on a nonexistent MSR */
static unsigned int checks;

static void must_read(uint32_t msr, const char *name, uint64_t *val)
{
	int v = rdmsr_safe(msr, val);

	checks++;
	if (v >= 0)
		fail("rdmsr 0x%x (%s) raised %s", msr, name, exception_name((unsigned int)v));
	else
		gprintf("msr: rdmsr 0x%x (%s) = 0x%llx\n", msr, name, *val);
}

static void must_write(uint32_t msr, const char *name, uint64_t val)
{
	int v = wrmsr_safe(msr, val);

	checks++;
	if (v >= 0)
		fail("wrmsr 0x%x (%s) <- 0x%llx raised %s", msr, name, val,
		     exception_name((unsigned int)v));
}

/* Expect #GP; outside Cypress a cypress_only row only prints a note. */
static void must_gp(bool write, uint32_t msr, const char *name, bool cypress_only)
{
	uint64_t val = 0;
	int v = write ? wrmsr_safe(msr, 0) : rdmsr_safe(msr, &val);
	const char *op = write ? "wrmsr" : "rdmsr";

	checks++;
	if (v == VEC_GP) {
		gprintf("msr: %s 0x%x (%s) raised #GP as expected\n", op, msr, name);
		return;
	}
	if (v >= 0) {
		fail("%s 0x%x (%s) raised %s, want #GP", op, msr, name,
		     exception_name((unsigned int)v));
		return;
	}
	if (!cypress && (cypress_only || !platform_gps))
		gprintf("msr: note: %s 0x%x (%s) did not fault (value 0x%llx); allowed outside Cypress\n",
			op, msr, name, val);
	else
		fail("%s 0x%x (%s) did not raise #GP (value 0x%llx)", op, msr, name, val);
}

/* SDM 3A 2.2.1 (Figure 2-4): EFER bits other than SCE 0, LME 8, LMA 10, NXE 11 are reserved. */
static bool efer_reserved(unsigned int bit)
{
	return bit != 0 && bit != 8 && bit != 10 && bit != 11;
}

/* Each reserved EFER bit alone must #GP and leave EFER as it was. */
static void efer_reserved_bits(uint64_t efer)
{
	unsigned int bad = 0, notes = 0, probed = 0;

	for (unsigned int bit = 1; bit < 64; bit++) {
		uint64_t val = efer | (1ull << bit), after = 0;
		int v;

		if (!efer_reserved(bit) || (efer >> bit) & 1)
			continue;
		v = wrmsr_safe(MSR_EFER, val);
		checks++;
		probed++;
		if (rdmsr_safe(MSR_EFER, &after) >= 0)
			verdict(VERDICT_ERROR, "EFER no longer readable after setting bit %u", bit);
		if (after != efer && v != VEC_GP) {
			/* Put it back so the next probes start from the same value. */
			(void)wrmsr_safe(MSR_EFER, efer);
		}
		if (v == VEC_GP && after == efer)
			continue;
		if (!cypress && v < 0) {
			notes++;
			gprintf("msr: note: wrmsr EFER bit %u (0x%llx) did not fault, EFER now 0x%llx; "
				"allowed outside Cypress\n",
				bit, val, after);
			continue;
		}
		bad++;
		if (v != VEC_GP)
			fail("wrmsr EFER <- 0x%llx (reserved bit %u%s) %s, want #GP", val, bit,
			     bit == 12 ? ", AMD SVME" : "",
			     v < 0 ? "did not fault" : exception_name((unsigned int)v));
		if (after != efer)
			fail("EFER reads 0x%llx after writing reserved bit %u, was 0x%llx", after,
			     bit, efer);
	}
	gprintf("msr: EFER 0x%llx: %u reserved bits probed one at a time, %u wrong, %u notes\n",
		efer, probed, bad, notes);
}

/* SDM 3A 13.12.2: memory types 2 and 3 are reserved; WRMSR of such a PAT raises #GP. */
static void pat_reserved_type(uint64_t pat)
{
	uint64_t bad = (pat & ~0xffull) | 0x02, after = 0;
	int v = wrmsr_safe(MSR_PAT, bad);

	checks++;
	(void)rdmsr_safe(MSR_PAT, &after);
	if (v == VEC_GP && after == pat) {
		gprintf("msr: wrmsr IA32_PAT <- 0x%llx (reserved type 2) raised #GP as expected\n",
			bad);
		return;
	}
	if (after != pat)
		(void)wrmsr_safe(MSR_PAT, pat);
	if (!cypress && v < 0)
		gprintf("msr: note: wrmsr IA32_PAT <- 0x%llx (reserved type 2) did not fault; allowed "
			"outside Cypress\n",
			bad);
	else
		fail("wrmsr IA32_PAT <- 0x%llx (reserved type 2) %s, PAT now 0x%llx; want #GP and "
		     "0x%llx",
		     bad, v < 0 ? "did not fault" : exception_name((unsigned int)v), after, pat);
}

/* An MSR that exists only with a CPUID feature (SDM 4, chapter 2's tables). */
struct gated {
	uint32_t msr;
	const char *name;
	uint32_t leaf, sub;
	uint8_t reg, bit; /* reg: 0-3 = EAX-EDX */
	bool must_read;	  /* readable wherever the feature is reported */
};

static const struct gated gated[] = {
	{ 0xfe, "IA32_MTRRCAP (MTRR)", 1, 0, 3, 12, true },
	{ 0x2ff, "IA32_MTRR_DEF_TYPE (MTRR)", 1, 0, 3, 12, true },
	{ 0x179, "IA32_MCG_CAP (MCA)", 1, 0, 3, 14, true },
	{ 0x3b, "IA32_TSC_ADJUST", 7, 0, 1, 1, true },
	{ 0x600, "IA32_DS_AREA (DS)", 1, 0, 3, 21, true },
	{ 0x345, "IA32_PERF_CAPABILITIES (PDCM)", 1, 0, 2, 15, false },
	{ 0x48, "IA32_SPEC_CTRL", 7, 0, 3, 26, false },
	{ 0x10a, "IA32_ARCH_CAPABILITIES", 7, 0, 3, 29, false },
	{ 0xd90, "IA32_BNDCFGS (MPX)", 7, 0, 1, 14, false },
	{ 0x570, "IA32_RTIT_CTL (PT)", 7, 0, 1, 25, false },
	{ 0x6a2, "IA32_S_CET (CET_SS)", 7, 0, 2, 7, false },
	{ 0xe1, "IA32_UMWAIT_CONTROL (WAITPKG)", 7, 0, 2, 5, false },
	{ 0x1c4, "IA32_XFD", 0xd, 1, 0, 4, false },
	{ 0xe8, "IA32_APERF (leaf 6)", 6, 0, 2, 0, false },
};

static bool reported(const struct gated *g)
{
	uint32_t r[4] = { 0, 0, 0, 0 }, max;

	cpuid(g->leaf >= 0x80000000u ? 0x80000000u : 0, 0, &max, NULL, NULL, NULL);
	if (g->leaf > max)
		return false;
	cpuid(g->leaf, g->sub, &r[0], &r[1], &r[2], &r[3]);
	return (r[g->reg] >> g->bit) & 1;
}

static void gated_msrs(void)
{
	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++) {
		const struct gated *g = &gated[i];
		uint64_t val;

		if (!reported(g)) {
			must_gp(false, g->msr, g->name, true);
		} else if (g->must_read) {
			must_read(g->msr, g->name, &val);
		} else {
			gprintf("msr: %s reported by CPUID: not probed\n", g->name);
		}
	}
}

static void do_ud2(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint64_t apic_base, tsc, misc, pat, pat2 = 0, efer, junk;
	struct fault_info fi;
	int v;

	(void)magic;
	(void)mbi;
	v = catch_fault(do_ud2, NULL, &fi);
	if (v != VEC_UD || fi.vector != VEC_UD)
		verdict(VERDICT_ERROR, "fault catcher broken: UD2 gave %d (want %d)", v, VEC_UD);
	cypress = hv_is_cypress();
	platform_gps = rdmsr_safe(MSR_NONEXISTENT, &junk) == VEC_GP;
	gprintf("msr: %s\n", cypress ? "under Cypress: every row is strict" :
			     platform_gps ?
				       "not under Cypress: Cypress-only #GP rows are notes" :
				       "platform does not #GP on unknown MSRs: #GP rows are notes");

	/* The allow list: what a simple kernel touches. */
	must_read(MSR_APIC_BASE, "IA32_APIC_BASE", &apic_base);
	if (verdict_level_now() == VERDICT_SUCCESS)
		must_write(MSR_APIC_BASE, "IA32_APIC_BASE", apic_base);
	must_read(MSR_TSC, "IA32_TSC", &tsc);
	must_read(MSR_MISC_ENABLE, "IA32_MISC_ENABLE", &misc);
	if (rdmsr_safe(MSR_PAT, &pat) < 0) {
		gprintf("msr: rdmsr 0x%x (IA32_PAT) = 0x%llx\n", MSR_PAT, pat);
		must_write(MSR_PAT, "IA32_PAT", pat);
		checks++;
		if (rdmsr_safe(MSR_PAT, &pat2) >= 0 || pat2 != pat)
			fail("IA32_PAT reads back 0x%llx after writing 0x%llx", pat2, pat);
		else
			pat_reserved_type(pat);
	} else {
		fail("rdmsr 0x%x (IA32_PAT) faulted", MSR_PAT);
	}
	must_read(MSR_EFER, "EFER", &efer);
	if (verdict_level_now() == VERDICT_SUCCESS)
		efer_reserved_bits(efer);

	/* Never for a guest: VMX and feature control, other vendors, nonsense. */
	must_gp(false, MSR_FEATURE_CONTROL, "IA32_FEATURE_CONTROL", true);
	must_gp(true, MSR_FEATURE_CONTROL, "IA32_FEATURE_CONTROL", true);
	for (uint32_t m = MSR_VMX_BASIC; m <= MSR_VMX_LAST; m++) {
		must_gp(false, m, m == MSR_VMX_BASIC ? "IA32_VMX_BASIC" : "VMX capability",
			m != MSR_VMX_BASIC);
		must_gp(true, m, "VMX capability", true);
	}
	must_gp(false, MSR_AMD_PERFEVTSEL0, "AMD K7 PerfEvtSel0", true);
	must_gp(false, MSR_NONEXISTENT, "nonexistent", false);
	gated_msrs();

	report("%u MSR checks%s", checks, cypress ? "" : " (not under Cypress)");
}
