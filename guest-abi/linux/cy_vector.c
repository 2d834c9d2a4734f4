// SPDX-License-Identifier: GPL-2.0
/*
 * cypress.ko: one interrupt vector, the same number on every CPU, for Cypress's
 * notices (CORE_NOTIFY) and scheduler-activation upcalls (SA_REGISTER).
 * Environment: Linux 6.1 x86-64 kernel module; init/exit and CPU hotplug
 * callbacks (process context), the handler in hard IRQ context.
 *
 * Why one vector on every CPU: CORE_NOTIFY and SA_REGISTER each take one
 * vector for the whole partition, and Cypress raises it on whichever vCPU the
 * event concerns; Linux allocates vectors per CPU. A module cannot write an IDT
 * gate or vector_irq[], but it can allocate IRQs from x86_vector_domain with a
 * one-CPU mask: the matrix allocator hands out the lowest free vector of that
 * CPU, so allocating (and holding) on each CPU until every CPU's newest vector
 * is the same number V finds a vector free everywhere; the extras are freed.
 *
 * Rules:
 *  1. CPU c's IRQ is affine to c only (IRQF_NOBALANCING, affinity set before
 *     activation), so Linux never moves it to a CPU where V means something else.
 *  2. CPU hotplug: the IRQ is freed on the way down (before Linux would break its
 *     affinity and move it) and allocated again, at V, on the way up. If V is
 *     taken on that CPU meanwhile, that CPU gets no notices (logged once).
 *  3. The registrations name V only after every online CPU has it, and are
 *     withdrawn before any IRQ is freed.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#include "cy.h"

#define CY_HOLD_MAX 96 /* vectors held on one CPU during the search */

/* The SA hard limit asked for (10..10000 us, docs/guest-abi.md SA_REGISTER). */
static unsigned int sa_limit_us = 2000;
module_param(sa_limit_us, uint, 0444);
MODULE_PARM_DESC(sa_limit_us, "scheduler-activation hard limit in us (10..10000)");

static DEFINE_PER_CPU(int, cy_irq); /* CPU's IRQ at cy.vector, 0 = none */
static enum cpuhp_state cy_hp_state;

static irqreturn_t cy_vector_handler(int irq, void *dev)
{
	cy_events_irq();
	cy_sa_upcall();
	return IRQ_HANDLED;
}

/* One IRQ from the vector domain on `cpu` only; its vector in *vec. */
static int cy_irq_alloc(unsigned int cpu, u32 *vec)
{
	struct irq_alloc_info info;
	int irq;

	memset(&info, 0, sizeof(info));
	info.mask = cpumask_of(cpu);
	irq = irq_domain_alloc_irqs(x86_vector_domain, 1, cpu_to_node(cpu), &info);
	if (irq <= 0)
		return irq ? irq : -ENOSPC;
	*vec = irqd_cfg(irq_get_irq_data(irq))->vector;
	return irq;
}

/* Make the held IRQ live on `cpu` (rule 1). */
static int cy_irq_start(unsigned int cpu, int irq)
{
	int err;

	irq_set_handler(irq, handle_edge_irq);
	err = irq_set_affinity(irq, cpumask_of(cpu));
	if (!err)
		err = request_irq(irq, cy_vector_handler, IRQF_NOBALANCING, CY_NAME, NULL);
	if (err) {
		irq_dispose_mapping(irq);
		return err;
	}
	per_cpu(cy_irq, cpu) = irq;
	per_cpu(cy_pcpu, cpu).vec_ok = true;
	return 0;
}

static void cy_irq_stop(unsigned int cpu)
{
	int irq = per_cpu(cy_irq, cpu);

	if (!irq)
		return;
	per_cpu(cy_irq, cpu) = 0;
	per_cpu(cy_pcpu, cpu).vec_ok = false;
	free_irq(irq, NULL);
	irq_dispose_mapping(irq);
}

struct cy_held {
	int n;
	int irq[CY_HOLD_MAX];
	u32 vec[CY_HOLD_MAX];
};

/* Allocate on `cpu` until its newest vector is >= want; that vector, or < 0. */
static int cy_hold_upto(unsigned int cpu, struct cy_held *h, u32 want)
{
	while (h->n == 0 || h->vec[h->n - 1] < want) {
		int irq;

		if (h->n == CY_HOLD_MAX)
			return -ENOSPC;
		irq = cy_irq_alloc(cpu, &h->vec[h->n]);
		if (irq < 0)
			return irq;
		h->irq[h->n++] = irq;
	}
	return (int)h->vec[h->n - 1];
}

/* Free what `h` holds except the IRQ at `keep` (returned, 0 if none). */
static int cy_hold_release(struct cy_held *h, u32 keep)
{
	int i, kept = 0;

	for (i = 0; i < h->n; i++) {
		if (h->vec[i] == keep && !kept)
			kept = h->irq[i];
		else
			irq_dispose_mapping(h->irq[i]);
	}
	h->n = 0;
	return kept;
}

/* Hotplug, on the CPU coming up (rule 2). */
static int cy_cpu_up(unsigned int cpu)
{
	struct cy_held *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int irq, v;

	if (!h)
		return 0; /* the CPU still comes up, without notices */
	v = cy_hold_upto(cpu, h, cy.vector);
	irq = cy_hold_release(h, cy.vector);
	kfree(h);
	if (v != (int)cy.vector || !irq || cy_irq_start(cpu, irq))
		pr_warn(CY_NAME ": cpu %u: vector %u is taken there: no notices or upcalls\n", cpu,
			cy.vector);
	return 0;
}

/* Hotplug, on the CPU going down, before its IRQs are moved (rule 2). */
static int cy_cpu_down(unsigned int cpu)
{
	cy_irq_stop(cpu);
	return 0;
}

/* The common vector: the smallest V every online CPU can have. */
static int cy_vector_search(void)
{
	struct cy_held *held;
	unsigned int cpu;
	u32 want = 0;
	bool moved = false;
	int err = 0, round;

	held = kcalloc(nr_cpu_ids, sizeof(*held), GFP_KERNEL);
	if (!held)
		return -ENOMEM;
	for (round = 0; round < CY_HOLD_MAX; round++) {
		moved = false;
		for_each_online_cpu(cpu) {
			int v = cy_hold_upto(cpu, &held[cpu], want);

			if (v < 0) {
				err = v;
				goto out;
			}
			if ((u32)v > want) {
				want = (u32)v;
				moved = true;
			}
		}
		if (!moved)
			break;
	}
	if (moved)
		err = -ENOSPC;
out:
	cy.vector = err ? 0 : want;
	for_each_online_cpu(cpu) {
		int irq = cy_hold_release(&held[cpu], err ? ~0u : want);

		if (irq && !err) {
			err = cy_irq_start(cpu, irq);
			if (err)
				pr_err(CY_NAME ": cpu %u: request_irq for vector %u: %d\n", cpu,
				       want, err);
		}
	}
	kfree(held);
	return err;
}

int cy_vector_init(void)
{
	unsigned int cpu;
	int err, rc;

	cpus_read_lock(); /* the set of online CPUs holds still during the search */
	err = cy_vector_search();
	if (!err) {
		err = cpuhp_setup_state_nocalls_cpuslocked(CPUHP_AP_ONLINE_DYN, "cypress:vector",
							   cy_cpu_up, cy_cpu_down);
		if (err >= 0) {
			cy_hp_state = err;
			err = 0;
		}
	}
	if (err) {
		for_each_online_cpu(cpu)
			cy_irq_stop(cpu);
		cpus_read_unlock();
		pr_err(CY_NAME ": no vector free on every CPU: %d\n", err);
		return err;
	}
	cpus_read_unlock();
	rc = cy_hc(CYPRESS_HC_CORE_NOTIFY, cy.vector, 0, 0);
	if (rc < 0)
		pr_warn(CY_NAME ": CORE_NOTIFY(%u): %d\n", cy.vector, rc);
	cy.sa_limit_us = sa_limit_us;
	rc = cy_hc(CYPRESS_HC_SA_REGISTER, cy.vector, cy.sa_limit_us, 0);
	cy.sa_on = rc == 0;
	if (rc < 0)
		pr_warn(CY_NAME ": SA_REGISTER(%u, %u us): %d: no upcalls\n", cy.vector,
			cy.sa_limit_us, rc);
	return 0;
}

void cy_vector_exit(void)
{
	cy_hc(CYPRESS_HC_SA_REGISTER, 0, 0, 0); /* rule 3 */
	cy_hc(CYPRESS_HC_CORE_NOTIFY, 0, 0, 0);
	cy.sa_on = false;
	cpuhp_remove_state(cy_hp_state); /* runs cy_cpu_down on every online CPU */
}
