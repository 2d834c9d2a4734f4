/* SPDX-License-Identifier: MIT */
/*
 * Cypress guest ABI: CPUID identification and hypercalls. Self-contained
 * (fixed-width types only, no other Cypress header), shared verbatim by the
 * hypervisor and by guests, 32- and 64-bit. Documented register by register
 * in docs/guest-abi.md. Numbers are never reused; the ABI version is
 * major * 1000 + minor.
 * Environment: any guest kernel (ring 0), or the hypervisor.
 */
#ifndef CYPRESS_GUEST_ABI_H
#define CYPRESS_GUEST_ABI_H

#include <stdint.h>

#define CYPRESS_ABI_VERSION 1000 /* 1.0 */

/*
 * CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX ECX EDX =
 * "CypressHyper". Leaf 0x40000001: EAX = CYPRESS_ABI_VERSION.
 */
#define CYPRESS_CPUID_BASE    0x40000000u
#define CYPRESS_CPUID_VERSION 0x40000001u
#define CYPRESS_CPUID_MAX     0x40000001u
#define CYPRESS_SIG_EBX	      0x72707943u /* "Cypr" */
#define CYPRESS_SIG_ECX	      0x48737365u /* "essH" */
#define CYPRESS_SIG_EDX	      0x72657079u /* "yper" */

/*
 * Hypercalls: VMCALL with EAX = number, EBX, ECX, EDX = arguments 1-3.
 * The result comes back in EAX: >= 0 success, < 0 a CY_E* error.
 * Other registers are preserved.
 */
#define CYPRESS_HC_ABI_VERSION	 0 /* () -> CYPRESS_ABI_VERSION */
#define CYPRESS_HC_CONSOLE_WRITE 1 /* (guest-physical buf, len <= 4096) -> bytes written */
#define CYPRESS_HC_EXIT		 2 /* (status) -> does not return */
#define CYPRESS_HC_COUNT	 3

/* Errors (EAX, as a signed 32-bit value). Values match the hypervisor's E_*. */
#define CY_EINVAL (-1)	/* malformed argument */
#define CY_ERANGE (-5)	/* argument out of range (e.g. buffer outside guest memory) */
#define CY_ENOSYS (-12) /* no such hypercall */

static inline int32_t cypress_hypercall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
	uint32_t ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2), "d"(a3) : "memory");
	return (int32_t)ret;
}

static inline int32_t cypress_abi_version(void)
{
	return cypress_hypercall(CYPRESS_HC_ABI_VERSION, 0, 0, 0);
}

static inline int32_t cypress_console_write(const void *buf, uint32_t len)
{
	return cypress_hypercall(CYPRESS_HC_CONSOLE_WRITE, (uint32_t)(uintptr_t)buf, len, 0);
}

static inline void cypress_exit(uint32_t status)
{
	cypress_hypercall(CYPRESS_HC_EXIT, status, 0, 0);
}

#endif
