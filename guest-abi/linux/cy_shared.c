// SPDX-License-Identifier: GPL-2.0
/*
 * cypress.ko: the shared area (SHARED_SET) and hypercalls that take a record.
 * Environment: Linux 6.1 x86-64 kernel module; readers may run in any context.
 *
 * Rules:
 *  1. Hypercall arguments are 32-bit guest-physical addresses, so the area and the
 *     scratch page come from GFP_DMA32 (below 4 GiB) and are passed by virt_to_phys.
 *  2. A vCPU record is used only when its seq was even and unchanged across the
 *     copy (docs/guest-abi.md "Shared area"); the balloon header is read target
 *     between two reads of balloon_seq that agree.
 *  3. The hypervisor trusts nothing in the area; the module only clears events.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/string.h>
#include "cy.h"

static_assert(sizeof(struct cy_shared) == CY_SHARED_SIZE);

int cy_shared_init(void)
{
	int rc;

	cy.shared = (void *)__get_free_pages(GFP_KERNEL | GFP_DMA32 | __GFP_ZERO, 1);
	cy.scratch = (void *)__get_free_page(GFP_KERNEL | GFP_DMA32 | __GFP_ZERO);
	if (!cy.shared || !cy.scratch) {
		pr_err(CY_NAME ": no memory below 4 GiB for the shared area\n");
		cy_shared_exit();
		return -ENOMEM;
	}
	rc = cy_hc(CYPRESS_HC_SHARED_SET, (u32)virt_to_phys(cy.shared), 0, 0);
	if (rc < 0) {
		pr_err(CY_NAME ": SHARED_SET at %#llx failed: %d\n",
		       (unsigned long long)virt_to_phys(cy.shared), rc);
		cy_shared_exit();
		return -EIO;
	}
	return 0;
}

void cy_shared_exit(void)
{
	if (cy.shared)
		cy_hc(CYPRESS_HC_SHARED_SET, 0, 0, 0); /* stop writing before the pages go */
	free_pages((unsigned long)cy.shared, 1);
	free_page((unsigned long)cy.scratch);
	cy.shared = NULL;
	cy.scratch = NULL;
}

/* A consistent copy of vCPU `vcpu`'s record (rule 2); false if there is none. */
bool cy_shared_vcpu(u32 vcpu, struct cy_shared_vcpu *out)
{
	struct cy_shared_vcpu *r;
	int tries;
	u32 s1;

	if (!cy.shared || vcpu >= CY_SHARED_VCPUS || vcpu >= READ_ONCE(cy.shared->nvcpus))
		return false;
	r = &cy.shared->vcpu[vcpu];
	for (tries = 0; tries < 1000; tries++) {
		s1 = READ_ONCE(r->seq);
		if (s1 & 1) {
			cpu_relax();
			continue;
		}
		smp_rmb();
		memcpy(out, r, sizeof(*out));
		smp_rmb();
		if (READ_ONCE(r->seq) == s1)
			return true;
	}
	return false;
}

/* The balloon target and its seq, consistent (rule 2). */
void cy_shared_balloon(u32 *target, u32 *seq)
{
	u32 s1, s2, t;

	do {
		s1 = READ_ONCE(cy.shared->balloon_seq);
		smp_rmb();
		t = READ_ONCE(cy.shared->balloon_target);
		smp_rmb();
		s2 = READ_ONCE(cy.shared->balloon_seq);
	} while (s1 != s2);
	*target = t;
	*seq = s1;
}

/*
 * Hypercall `nr` (a1, gpa of a record, a3) through the scratch page; `in`
 * copies `rec` in (the hypervisor reads it), else the page is zeroed and the
 * hypervisor's answer is copied out to `rec`.
 * Process context (it sleeps on the scratch lock).
 */
int cy_hc_record(u32 nr, u32 a1, void *rec, size_t len, u32 a3, bool in)
{
	int rc;

	if (len > PAGE_SIZE)
		return -EINVAL;
	mutex_lock(&cy.scratch_lock);
	if (in)
		memcpy(cy.scratch, rec, len);
	else
		memset(cy.scratch, 0, len);
	/* CORE_INFO and CORE_LIST take the record second, the rest first. */
	if (nr == CYPRESS_HC_CORE_INFO)
		rc = cy_hc(nr, a1, (u32)virt_to_phys(cy.scratch), a3);
	else
		rc = cy_hc(nr, (u32)virt_to_phys(cy.scratch), a1, a3);
	if (!in)
		memcpy(rec, cy.scratch, len);
	mutex_unlock(&cy.scratch_lock);
	return rc;
}
