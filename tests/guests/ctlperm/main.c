// SPDX-License-Identifier: MIT
/*
 * Guest test "ctlperm": a partition without `control = yes` may not use
 * the ABI 1.1 control hypercalls. Each of PART_CREATE (with a well-formed
 * one-section text), PART_RESIZE, PART_DESTROY, PART_LIST, CORE_LIST and
 * RESOURCES (with buffers inside guest memory, so CY_EPERM is the only
 * right answer) must return CY_EPERM and leave the buffers untouched. The
 * placement calls are for every partition: VCPU_WHERE(0) must return a cpu
 * (>= 0) and VCPU_MOVE(5, 0) CY_ENOENT (this partition has one vCPU).
 * Parameters: none.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "ctlperm";

#define FILL 0xa5

static const char child[] = "[partition sneaky]\ncores = 1\nmemory = 2M\nkernel = ctlperm.elf\n";
static struct cy_part_info parts[4];
static struct cy_core_info cores[4];
static struct cy_resources res;

static void expect(const char *call, int32_t r, int32_t want)
{
	if (r != want)
		fail("%s = %d (%s), want %d (%s)", call, r, cy_errname(r), want, cy_errname(want));
	else
		gprintf("ctlperm: %s = %s\n", call, cy_errname(r));
}

static bool untouched(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != FILL)
			return false;
	return true;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	int32_t where;

	(void)magic;
	(void)mbi;
	if (!hv_is_cypress())
		verdict(VERDICT_SKIP, "not running under Cypress (the calls are Cypress's)");
	memset(parts, FILL, sizeof(parts));
	memset(cores, FILL, sizeof(cores));
	memset(&res, FILL, sizeof(res));
	expect("PART_CREATE", cy_part_create(child, sizeof(child) - 1), CY_EPERM);
	expect("PART_RESIZE(0, 1, 0)", cy_part_resize(0, 1, 0), CY_EPERM);
	expect("PART_DESTROY(0)", cy_part_destroy(0), CY_EPERM);
	expect("PART_LIST", cy_part_list(parts, 4), CY_EPERM);
	expect("CORE_LIST", cy_core_list(cores, 4), CY_EPERM);
	expect("RESOURCES", cy_resources(&res), CY_EPERM);
	if (!untouched(parts, sizeof(parts)) || !untouched(cores, sizeof(cores)) ||
	    !untouched(&res, sizeof(res)))
		fail("a refused call wrote into its buffer");
	where = cy_vcpu_where(0);
	if (where < 0)
		fail("VCPU_WHERE(0) = %d (%s), want a cpu number", where, cy_errname(where));
	else
		gprintf("ctlperm: VCPU_WHERE(0) = cpu %d\n", where);
	expect("VCPU_MOVE(5, 0)", cy_vcpu_move(5, 0), CY_ENOENT);
	report("6 control calls refused with CY_EPERM, VCPU_WHERE(0) = %d, VCPU_MOVE(5, 0) = "
	       "CY_ENOENT",
	       where);
}
