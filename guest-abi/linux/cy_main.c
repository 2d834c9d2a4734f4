// SPDX-License-Identifier: GPL-2.0
/*
 * cypress.ko: detection, then the start and stop of every part, in order.
 * Environment: Linux 6.1 x86-64 kernel module; module load and unload (process context).
 *
 * Rules:
 *  1. Nothing runs a VMCALL before CPUID says "CypressHyper" with ABI >= 1.3:
 *     elsewhere VMCALL raises #UD. Anything else is -ENODEV with one pr_err line.
 *  2. Parts start in dependency order (the shared area before the vector that
 *     reads it, the vector before the registrations that name it) and stop in
 *     reverse, except that the balloon stops first (its CPU hotplug must not run
 *     while the vector's hotplug state is removed); a part that fails undoes the
 *     ones before it.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/processor.h>
#include "cy.h"

struct cy_state cy;
DEFINE_PER_CPU(struct cy_pcpu, cy_pcpu);

/* CPUID 0x40000000 says Cypress and 0x40000001 gives an ABI we can use (rule 1). */
static int cy_detect(void)
{
	u32 eax, ebx, ecx, edx;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR)) {
		pr_err(CY_NAME ": not running on a hypervisor (CPUID.1:ECX[31] = 0)\n");
		return -ENODEV;
	}
	cpuid(CYPRESS_CPUID_BASE, &eax, &ebx, &ecx, &edx);
	if (ebx != CYPRESS_SIG_EBX || ecx != CYPRESS_SIG_ECX || edx != CYPRESS_SIG_EDX) {
		pr_err(CY_NAME ": hypervisor is not Cypress (CPUID 0x40000000 = %.4s%.4s%.4s)\n",
		       (char *)&ebx, (char *)&ecx, (char *)&edx);
		return -ENODEV;
	}
	cpuid(CYPRESS_CPUID_VERSION, &eax, &ebx, &ecx, &edx);
	if (eax < 1003 || eax / 1000 != CYPRESS_ABI_VERSION / 1000) {
		pr_err(CY_NAME ": Cypress ABI %u, this module needs 1.3 (1003) or a later 1.x\n",
		       eax);
		return -ENODEV;
	}
	cy.abi = eax;
	return 0;
}

static int __init cy_init(void)
{
	int err = cy_detect();

	if (err)
		return err;
	mutex_init(&cy.scratch_lock);
	INIT_WORK(&cy.event_work, cy_events_work);
	err = cy_shared_init();
	if (err)
		return err;
	err = cy_sysfs_hv_init();
	if (err)
		goto out_shared;
	err = cy_sysfs_cpu_init();
	if (err)
		goto out_hv;
	err = cy_balloon_init();
	if (err)
		goto out_cpu;
	err = cy_sa_init();
	if (err)
		goto out_balloon;
	err = cy_vector_init();
	if (err)
		goto out_sa;
	pr_info(CY_NAME ": ABI %u, %u vCPUs, vector %u for notices%s\n", cy.abi, cy.shared->nvcpus,
		cy.vector, cy.sa_on ? " and SA upcalls" : "");
	cy_balloon_kick(); /* the first target may predate SHARED_SET (no event then) */
	return 0;

out_sa:
	cy_sa_exit();
out_balloon:
	cy_balloon_exit();
out_cpu:
	cy_sysfs_cpu_exit();
out_hv:
	cy_sysfs_hv_exit();
out_shared:
	cy_shared_exit();
	return err;
}

static void __exit cy_exit(void)
{
	/* Hotplug first: no remove_cpu may race the vector's hotplug state going away. */
	cy_balloon_exit();
	cy_vector_exit();
	cancel_work_sync(&cy.event_work);
	cy_sa_exit();
	cy_sysfs_cpu_exit();
	cy_sysfs_hv_exit();
	cy_shared_exit();
	pr_info(CY_NAME ": unloaded\n");
}

module_init(cy_init);
module_exit(cy_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Cypress hypervisor paravirtual guest support");
