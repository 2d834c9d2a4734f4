// SPDX-License-Identifier: MIT
/*
 * Guest test "cpuid": what Cypress's CPUID shows a guest. Leaf 0x40000000
 * carries the "CypressHyper" signature with EAX >= 0x40000001, leaf
 * 0x40000001 the ABI version (guest-abi/cypress.h); CPUID.1:ECX[5] (VMX) is
 * hidden and CPUID.1:ECX[31] (hypervisor present) is set. SKIP elsewhere.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"
#include "guest-abi/cypress.h"

const char guest_test_name[] = "cpuid";

#define CPUID1_ECX_VMX	      (1u << 5)	 /* SDM Vol 2A, CPUID, table 3-10 */
#define CPUID1_ECX_HYPERVISOR (1u << 31) /* reserved for hypervisor use */

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
	report("CypressHyper, max leaf 0x%x, ABI %u, VMX hidden", max, ver);
}
