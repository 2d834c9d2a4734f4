// SPDX-License-Identifier: MIT
/*
 * Per-CPU blocks: the boot core's lives in the image (section .pcpu, whose
 * size linker.ld asserts); the others are allocated by arch/x86/smp.c.
 * Environment: freestanding hypervisor.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"

/* Referenced by boot/entry.S for the boot stack. */
union pcpu_block bsp_pcpu_block __section(".pcpu") __aligned(4096);
static bool gs_ready;

uint32_t pcpu_count;
struct pcpu *pcpu_by_id[CONFIG_MAX_CPUS];

struct pcpu *pcpu_bsp(void)
{
	return &bsp_pcpu_block.cpu;
}

void pcpu_prepare(struct pcpu *p, uint32_t id, uint32_t apic_id)
{
	p->self = p;
	p->stack_top = (uint64_t)(p->stack + sizeof(p->stack));
	p->id = id;
	p->apic_id = apic_id;
}

void pcpu_install(struct pcpu *p)
{
	/* SDM Vol. 3A, 3.4.4: in 64-bit mode the GS base comes from this MSR. */
	wrmsr(MSR_GS_BASE, (uint64_t)p);
	gs_ready = true;
}

uint32_t this_cpu_id(void)
{
	return gs_ready ? this_cpu()->id : 0;
}
