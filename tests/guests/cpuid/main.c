// SPDX-License-Identifier: MIT
/*
 * Guest test "cpuid": what Cypress's CPUID shows a guest. Leaf 0x40000000
 * carries the "CypressHyper" signature with EAX >= 0x40000001, leaf
 * 0x40000001 the ABI version (guest-abi/cypress.h); CPUID.1:ECX[5] (VMX) is
 * hidden and CPUID.1:ECX[31] (hypervisor present) is set. Issue 12: features
 * whose MSRs Cypress does not offer are hidden (MCE, MCA, PDCM, MPX, PT,
 * CET, WAITPKG, the speculation-control MSRs, leaf 0xA), TSC_ADJUST and
 * MTRR are reported, and the bits mirroring the guest's state follow it: OSXSAVE
 * with CR4.OSXSAVE, OSPKE with CR4.PKE (each toggled where the feature
 * exists). SKIP elsewhere.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"
#include "guest-abi/cypress.h"

const char guest_test_name[] = "cpuid";

#define CPUID1_ECX_VMX	      (1u << 5)	 /* SDM Vol 2A, CPUID, table 3-10 */
#define CPUID1_ECX_HYPERVISOR (1u << 31) /* reserved for hypervisor use */

static uint32_t reg(uint32_t leaf, uint32_t sub, int r)
{
	uint32_t v[4];

	cpuid(leaf, sub, &v[0], &v[1], &v[2], &v[3]);
	return v[r];
}

static void cr4_set(uint32_t bit, bool on)
{
	uint32_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 = on ? cr4 | bit : cr4 & ~bit;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
}

/* One mirrored bit: clear with the CR4 bit clear, set with it set. */
static void mirror(uint32_t leaf, int r, uint32_t bit, uint32_t cr4_bit, const char *name)
{
	cr4_set(cr4_bit, false);
	if (reg(leaf, 0, r) & bit)
		fail("%s set with its CR4 bit clear", name);
	cr4_set(cr4_bit, true);
	if (!(reg(leaf, 0, r) & bit))
		fail("%s clear with its CR4 bit set", name);
	cr4_set(cr4_bit, false);
	gprintf("cpuid: %s follows CR4\n", name);
}

static void hidden_and_mirrors(void)
{
	uint32_t c1 = reg(1, 0, 2), d1 = reg(1, 0, 3), b7 = reg(7, 0, 1), c7 = reg(7, 0, 2),
		 d7 = reg(7, 0, 3);

	gprintf("cpuid: leaf 1 edx 0x%08x, leaf 7 ebx 0x%08x ecx 0x%08x edx 0x%08x\n", d1, b7, c7,
		d7);
	if (d1 & ((1u << 7) | (1u << 14)))
		fail("CPUID.1:EDX reports MCE or MCA (0x%08x): their MSRs are not offered", d1);
	if (!(d1 & (1u << 12)))
		fail("CPUID.1:EDX[12] (MTRR) clear: Cypress emulates the MTRRs");
	if (c1 & ((1u << 3) | (1u << 15)))
		fail("CPUID.1:ECX reports MONITOR or PDCM (0x%08x)", c1);
	if (!(b7 & (1u << 1)))
		fail("CPUID.7.0:EBX[1] (TSC_ADJUST) clear: Cypress emulates it");
	if (b7 & ((1u << 14) | (1u << 25)))
		fail("CPUID.7.0:EBX reports MPX or PT (0x%08x)", b7);
	if (c7 & ((1u << 5) | (1u << 7)))
		fail("CPUID.7.0:ECX reports WAITPKG or CET_SS (0x%08x)", c7);
	if (d7 & 0xfc100000u)
		fail("CPUID.7.0:EDX reports CET_IBT or speculation-control MSRs (0x%08x)", d7);
	if (reg(0xa, 0, 0) | reg(0xa, 0, 1) | reg(0xa, 0, 2) | reg(0xa, 0, 3))
		fail("CPUID leaf 0xA (performance monitoring) is not empty");
	if (c1 & (1u << 26))
		mirror(1, 2, 1u << 27, 1u << 18, "CPUID.1:ECX.OSXSAVE");
	if (c7 & (1u << 3))
		mirror(7, 2, 1u << 4, 1u << 22, "CPUID.7.0:ECX.OSPKE");
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t max, b, c, d, ecx1, ver;
	char sig[13];

	(void)magic;
	(void)mbi;
	cpuid(CYPRESS_CPUID_BASE, 0, &max, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	for (int i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '.';
	sig[12] = '\0';
	gprintf("cpuid: leaf 0x40000000: eax 0x%x signature \"%s\"\n", max, sig);
	if (b != CYPRESS_SIG_EBX || c != CYPRESS_SIG_ECX || d != CYPRESS_SIG_EDX)
		verdict(VERDICT_SKIP, "not running under Cypress (signature \"%s\")", sig);

	if (max < CYPRESS_CPUID_VERSION)
		fail("leaf 0x40000000 EAX 0x%x < 0x%x", max, CYPRESS_CPUID_VERSION);
	cpuid(CYPRESS_CPUID_VERSION, 0, &ver, NULL, NULL, NULL);
	if (ver != CYPRESS_ABI_VERSION)
		fail("leaf 0x40000001 EAX %u, want ABI version %u", ver, CYPRESS_ABI_VERSION);
	cpuid(1, 0, NULL, NULL, &ecx1, NULL);
	gprintf("cpuid: leaf 1 ecx 0x%08x\n", ecx1);
	if (ecx1 & CPUID1_ECX_VMX)
		fail("CPUID.1:ECX[5] (VMX) is visible to the guest");
	if (!(ecx1 & CPUID1_ECX_HYPERVISOR))
		fail("CPUID.1:ECX[31] (hypervisor present) is clear");
	hidden_and_mirrors();
	report("CypressHyper, max leaf 0x%x, ABI %u, VMX hidden, MSR features agree", max, ver);
}
