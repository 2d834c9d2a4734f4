// SPDX-License-Identifier: MIT
/*
 * Guest test library: hypervisor detection through CPUID.
 * Environment: guest test kernel, any CPU.
 */
#include "tests/guests/lib/hv.h"
#include "guest-abi/cypress.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/rt.h"

#define CPUID1_ECX_HYPERVISOR (1u << 31)

void hv_signature(char sig[13], uint32_t *max_leaf)
{
	uint32_t ecx, r[3];

	memset(sig, 0, 13);
	*max_leaf = 0;
	cpuid(1, 0, NULL, NULL, &ecx, NULL);
	if (!(ecx & CPUID1_ECX_HYPERVISOR))
		return;
	cpuid(CYPRESS_CPUID_BASE, 0, max_leaf, &r[0], &r[1], &r[2]);
	memcpy(sig, r, 12);
}

bool hv_is_cypress(void)
{
	uint32_t max, b, c, d;

	cpuid(CYPRESS_CPUID_BASE, 0, &max, &b, &c, &d);
	return b == CYPRESS_SIG_EBX && c == CYPRESS_SIG_ECX && d == CYPRESS_SIG_EDX;
}
