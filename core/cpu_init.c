// SPDX-License-Identifier: MIT
/*
 * Per-core bring-up shared by the boot core and the APs.
 * Environment: freestanding hypervisor, each core for itself.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/topology.h"
#include "arch/x86/traps.h"
#include "arch/x86/vmx.h"
#include "core/cpu_init.h"
#include "core/msg.h"
#include "lib/printf.h"

struct cpu_init_cfg cpu_init_cfg;

void cpu_init_common(struct pcpu *p)
{
	traps_init_cpu(p);
	apic_init_local();
	topology_detect(p);
	vmx_enable_cpu(p, cpu_init_cfg.novmx);
	p->tsc_online = rdtsc();
	kprintf("cpu %u online apic=%u pkg=%u core=%u smt=%u type=%s\n", p->id, p->apic_id,
		p->pkg_id, p->core_id, p->smt_id, core_type_name(p->hybrid_type));
	/* Release: everything above is visible before others see ONLINE. */
	__atomic_store_n(&p->shared.state, PCPU_ONLINE, __ATOMIC_RELEASE);
}

__noreturn void cpu_idle(void)
{
	struct pcpu *p = this_cpu();

	for (;;) {
		irq_disable();
		if (mbox_empty(&p->shared.mbox)) {
			safe_halt(); /* the mailbox IPI ends the halt */
			continue;
		}
		irq_enable();
		msg_poll();
	}
}

__noreturn void ap_main(struct pcpu *p)
{
	uint32_t st = PCPU_STARTING;

	pcpu_install(p);
	/* Too late if the boot core already gave up on us: then park. */
	if (!__atomic_compare_exchange_n(&p->shared.state, &st, PCPU_ALIVE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		cpu_stop();
	cpu_init_common(p);
	cpu_idle();
}
