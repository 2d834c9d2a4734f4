// SPDX-License-Identifier: MIT
/*
 * Guest test "cpuidapic": regression test for CPUID.1:EDX.APIC (bit 9),
 * which must follow the APIC's global enable IA32_APIC_BASE[11] (SDM 3A
 * 11.4.3: with the APIC disabled "the processor is functionally equivalent
 * to an IA-32 processor without an on-chip APIC" and the CPUID feature flag
 * reads 0). Checked: 1 with the APIC enabled, 0 after clearing bit 11 (from
 * whichever mode it was in: xAPIC -> disabled and x2APIC -> disabled are
 * both valid, SDM 3A 11.12.5), 1 again after setting it (xAPIC mode), and
 * IA32_APIC_BASE reads back each value written. The original mode is
 * restored (disabled -> xAPIC -> x2APIC). Outside Cypress, a platform that
 * keeps a disabled APIC off until reset (QEMU 7.2 TCG) gives SKIP.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP
 * only, interrupts off.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "cpuidapic";

#define MSR_APIC_BASE	 0x1b
#define APIC_BASE_EXTD	 (1ULL << 10)
#define APIC_BASE_EN	 (1ULL << 11)
#define CPUID1_EDX_APIC	 (1u << 9)
#define CPUID1_ECX_X2API (1u << 21)

static unsigned int checks;

static bool cpuid_apic(void)
{
	uint32_t edx;

	cpuid(1, 0, NULL, NULL, NULL, &edx);
	return edx & CPUID1_EDX_APIC;
}

static void expect_apic_bit(bool want, const char *when)
{
	checks++;
	if (cpuid_apic() != want)
		fail("CPUID.1:EDX.APIC reads %u %s, want %u", !want, when, want);
	else
		gprintf("cpuidapic: CPUID.1:EDX.APIC = %u %s\n", want, when);
}

/* WRMSR IA32_APIC_BASE that must work and read back; false if not. */
static bool set_base(uint64_t val, const char *what)
{
	uint64_t now = 0;
	int v = wrmsr_safe(MSR_APIC_BASE, val);

	checks++;
	if (v >= 0) {
		fail("WRMSR IA32_APIC_BASE <- 0x%llx (%s) raised %s", val, what,
		     exception_name((unsigned int)v));
		return false;
	}
	if (rdmsr_safe(MSR_APIC_BASE, &now) >= 0 || now != val) {
		fail("IA32_APIC_BASE reads 0x%llx after writing 0x%llx (%s)", now, val, what);
		return false;
	}
	return true;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint64_t orig, off, on;

	(void)magic;
	(void)mbi;
	irq_disable();
	if (rdmsr_safe(MSR_APIC_BASE, &orig) >= 0)
		verdict(VERDICT_ERROR, "RDMSR IA32_APIC_BASE faulted");
	gprintf("cpuidapic: IA32_APIC_BASE = 0x%llx (%s)\n", orig,
		!(orig & APIC_BASE_EN)	? "disabled" :
		(orig & APIC_BASE_EXTD) ? "x2APIC" :
					  "xAPIC");
	if (!(orig & APIC_BASE_EN)) {
		expect_apic_bit(false, "with the APIC disabled at start");
		if (!set_base(orig | APIC_BASE_EN, "enable, xAPIC"))
			report(NULL);
	}
	on = (orig | APIC_BASE_EN);
	expect_apic_bit(true, "with the APIC enabled");

	off = on & ~(APIC_BASE_EN | APIC_BASE_EXTD);
	if (set_base(off, "disable"))
		expect_apic_bit(false, "after clearing IA32_APIC_BASE[11]");
	on = off | APIC_BASE_EN;
	if (!hv_is_cypress() && wrmsr_safe(MSR_APIC_BASE, on) < 0 &&
	    !(rdmsr(MSR_APIC_BASE) & APIC_BASE_EN))
		verdict(VERDICT_SKIP, "this platform (not Cypress) cannot re-enable a disabled "
				      "APIC (QEMU TCG keeps it off until reset)");
	if (set_base(on, "enable, xAPIC"))
		expect_apic_bit(true, "after setting IA32_APIC_BASE[11] again (xAPIC)");

	/* Back to where the loader left it. */
	if ((orig & APIC_BASE_EXTD) && set_base(orig, "back to x2APIC"))
		expect_apic_bit(true, "back in x2APIC mode");
	if (!(orig & APIC_BASE_EN))
		set_base(orig, "disable as at start");
	report("%u checks", checks);
}
