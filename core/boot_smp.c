// SPDX-License-Identifier: MIT
/*
 * Choosing which cores to start and giving each its pcpu block.
 * Environment: freestanding hypervisor, boot core, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/smp.h"
#include "core/boot.h"
#include "lib/printf.h"
#include "lib/string.h"

#define AP_TIMEOUT_US 1000000 /* generous: emulators with 64 vCPUs are slow */

uint32_t boot_cpu_apic_id(void)
{
	/* Same rule as boot/trampoline.S: x2APIC ID from leaf 0xB if valid. */
	if (cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx)
		return cpuid(0xb, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}

uint32_t boot_start_aps(uint64_t tramp, const struct cmdline_opts *o)
{
	static struct smp_target targets[CONFIG_MAX_CPUS];
	uint32_t bsp_apic = pcpu_bsp()->apic_id;
	uint32_t limit = o->maxcpus ? o->maxcpus : CONFIG_MAX_CPUS;
	uint32_t n = 0;

	if (!boot_acpi.have_madt)
		return 1;
	if (!tramp) {
		kprintf("smp: no trampoline page; running on the boot cpu only\n");
		return 1;
	}
	for (uint32_t i = 0; i < boot_acpi.ncpus; i++) {
		uint32_t apic = boot_acpi.cpus[i].apic_id;
		if (apic == bsp_apic)
			continue;
		if (n + 1 >= limit) {
			kprintf("smp: maxcpus=%u: not starting %u more cpus\n", limit,
				boot_acpi.ncpus - 1 - n);
			break;
		}
		uint64_t pa = frame_alloc_zeroed(sizeof(union pcpu_block) / PAGE_SIZE, PAGE_SIZE,
						 UINT64_MAX);
		if (!pa) {
			kprintf("smp: no memory for the block of apic %u; not starting it\n", apic);
			continue;
		}
		struct pcpu *p = (struct pcpu *)(uintptr_t)pa;
		pcpu_prepare(p, n + 1, apic);
		pcpu_by_id[n + 1] = p;
		targets[n].apic_id = apic;
		targets[n].skip_sipi = o->have_test_hang_apic && o->test_hang_apic == apic;
		n++;
	}
	pcpu_count = n + 1;
	uint64_t t0 = rdtsc();
	uint32_t online = smp_start(tramp, targets, n, AP_TIMEOUT_US);
	kprintf("smp: %u of %u cpus online; APs started in %llu ticks\n", online, n + 1,
		(unsigned long long)(rdtsc() - t0));
	return online;
}
