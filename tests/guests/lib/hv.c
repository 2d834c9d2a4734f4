// SPDX-License-Identifier: MIT
/*
 * Guest test library: hypervisor detection through CPUID, the ABI 1.1
 * timing leaf and the ABI 1.1 hypercall wrappers.
 * Environment: guest test kernel, any CPU.
 */
#include "tests/guests/lib/hv.h"
#include "guest-abi/libcypress.h"
#include "guest-abi/cypress.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/rt.h"
#include "tests/guests/lib/verdict.h"

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

bool cy_timing(uint32_t *tsc_khz, uint32_t *slice_us)
{
	uint32_t max, b, c, d;

	*tsc_khz = 0;
	*slice_us = 0;
	if (!hv_is_cypress())
		return false;
	cpuid(CYPRESS_CPUID_BASE, 0, &max, &b, &c, &d);
	if (max < CYPRESS_CPUID_TIMING)
		return false;
	cpuid(CYPRESS_CPUID_TIMING, 0, tsc_khz, slice_us, NULL, NULL);
	return true;
}

int32_t cy_part_create(const char *text, uint32_t len)
{
	return cypress_hypercall(CYPRESS_HC_PART_CREATE, (uint32_t)(uintptr_t)text, len, 0);
}

int32_t cy_part_resize(uint32_t id, uint32_t cores, uint32_t vcpus)
{
	return cypress_hypercall(CYPRESS_HC_PART_RESIZE, id, cores, vcpus);
}

int32_t cy_part_destroy(uint32_t id)
{
	return cypress_hypercall(CYPRESS_HC_PART_DESTROY, id, 0, 0);
}

int32_t cy_part_list(struct cy_part_info *info, uint32_t count)
{
	return cypress_hypercall(CYPRESS_HC_PART_LIST, (uint32_t)(uintptr_t)info, count, 0);
}

int32_t cy_core_list(struct cy_core_info *info, uint32_t count)
{
	return cypress_hypercall(CYPRESS_HC_CORE_LIST, (uint32_t)(uintptr_t)info, count, 0);
}

int32_t cy_resources(struct cy_resources *res)
{
	return cypress_hypercall(CYPRESS_HC_RESOURCES, (uint32_t)(uintptr_t)res, 0, 0);
}

int32_t cy_vcpu_move(uint32_t vcpu, uint32_t core_index)
{
	return cypress_hypercall(CYPRESS_HC_VCPU_MOVE, vcpu, core_index, 0);
}

int32_t cy_vcpu_where(uint32_t vcpu)
{
	return cypress_hypercall(CYPRESS_HC_VCPU_WHERE, vcpu, 0, 0);
}

const char *cy_errname(int32_t ret)
{
	return cyl_strerror(ret); /* the guest library's names (guest-abi/libcypress.c) */
}

void cy_require_abi(int32_t min)
{
	if (!hv_is_cypress())
		verdict(VERDICT_SKIP, "not running under Cypress");
	if (cypress_abi_version() < min)
		verdict(VERDICT_FAILURE, "ABI version %d, want >= %d", cypress_abi_version(), min);
}

bool cy_events_setup(struct cy_shared *area, uint8_t vector, void (*handler)(struct irq_frame *))
{
	lapic_setup(true);
	lapic_enable();
	irq_register(vector, handler);
	int32_t s = cypress_shared_set((uint32_t)(uintptr_t)area);
	int32_t n = cypress_core_notify(vector);
	expect_rc("SHARED_SET", s, 0);
	expect_rc("CORE_NOTIFY", n, 0);
	return s == 0 && n == 0;
}

void expect_rc(const char *what, int32_t rc, int32_t want)
{
	if (rc != want)
		fail("%s = %d (%s), want %d (%s)", what, rc, cy_errname(rc), want,
		     cy_errname(want));
}
