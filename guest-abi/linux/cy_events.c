// SPDX-License-Identifier: GPL-2.0
/*
 * cypress.ko: Cypress's notices (CORE_NOTIFY vector, shared-area events).
 * Environment: Linux 6.1 x86-64 kernel module; cy_events_irq in hard IRQ context
 * on the CPU that got the vector, cy_events_work in a workqueue.
 *
 * Rules:
 *  1. The IRQ takes this vCPU's and the partition's event bits with one atomic
 *     exchange each (the hypervisor ORs them in) and leaves all work that may
 *     sleep (CPU hotplug, logging) to one work item.
 *  2. Core facts are not cached: sysfs reads the shared record each time, so a
 *     notice makes the next read current; the work item only counts and logs it.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include "cy.h"

static atomic_long_t cy_ev_count[8]; /* per CY_EV_* bit, as seen by the IRQ */

void cy_events_irq(void)
{
	unsigned int cpu = smp_processor_id();
	u32 vcpu = cy_vcpu_of(cpu), ev = 0;
	int bit;

	this_cpu_inc(cy_pcpu.notifies);
	if (vcpu < CY_SHARED_VCPUS)
		ev |= xchg(&cy.shared->vcpu[vcpu].events, 0);
	ev |= xchg(&cy.shared->events, 0);
	if (!ev)
		return;
	for (bit = 0; bit < 8; bit++)
		if (ev & (1u << bit))
			atomic_long_inc(&cy_ev_count[bit]);
	set_mask_bits(&cy.ev_pending, 0, ev);
	schedule_work(&cy.event_work);
}

unsigned long cy_events_count(int bit)
{
	return bit >= 0 && bit < 8 ? (unsigned long)atomic_long_read(&cy_ev_count[bit]) : 0;
}

void cy_events_work(struct work_struct *w)
{
	unsigned long ev = xchg(&cy.ev_pending, 0);

	if (ev & CY_EV_CORE)
		pr_info(CY_NAME ": core change noticed (sysfs shows the new cores)\n");
	if (ev & (CY_EV_LEASE_GRANTED | CY_EV_LEASE_ENDING | CY_EV_LEASE_ENDED))
		pr_info(CY_NAME ": lease event%s%s%s\n", ev & CY_EV_LEASE_GRANTED ? " granted" : "",
			ev & CY_EV_LEASE_ENDING ? " ending" : "",
			ev & CY_EV_LEASE_ENDED ? " ended" : "");
	if (ev & CY_EV_EXCHANGE)
		pr_info(CY_NAME ": the partition's cores changed\n");
	if (ev & CY_EV_BALLOON)
		cy_balloon_kick();
}
