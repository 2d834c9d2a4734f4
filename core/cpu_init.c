// SPDX-License-Identifier: MIT
/*
 * Per-core bring-up shared by the boot core and the APs.
 * Environment: freestanding hypervisor, each core for itself.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/topology.h"
#include "arch/x86/traps.h"
#include "arch/x86/vmx/vmx.h"
#include "core/cpu_init.h"
#include "core/vcore.h"
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
	/* The line comes before the state change: once the boot core sees
	 * ONLINE it may finish the boot and power off, and the log must
	 * already say so. */
	kprintf("cpu %u online apic=%u pkg=%u core=%u smt=%u type=%s\n", p->id, p->apic_id,
		p->pkg_id, p->core_id, p->smt_id, core_type_name(p->hybrid_type));
	/* Release: everything above is visible before others see ONLINE. An
	 * AP the boot core gave up on (state no longer ALIVE) parks instead. */
	uint32_t st = p->id == 0 ? p->shared.state : PCPU_ALIVE;
	if (!__atomic_compare_exchange_n(&p->shared.state, &st, PCPU_ONLINE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		kprintf("cpu %u parked: came online after the boot cpu gave up on it\n", p->id);
		cpu_stop();
	}
}

__noreturn void cpu_idle(void)
{
	struct pcpu *p = this_cpu();

	/* A core with VMX hosts vCPUs: its idle loop is the vCPU loop. */
	if (__atomic_load_n(&p->shared.vmx_on, __ATOMIC_ACQUIRE) && p->id != 0)
		vcore_loop();
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
	if (!__atomic_compare_exchange_n(&p->shared.state, &st, PCPU_ALIVE, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		cpu_stop();
	cpu_init_common(p);
	cpu_idle();
}
