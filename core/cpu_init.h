/* SPDX-License-Identifier: MIT */
/*
 * What every core does to come online, and its idle loop.
 * Environment: freestanding hypervisor, each core for itself.
 */
#ifndef CORE_CPU_INIT_H
#define CORE_CPU_INIT_H

#include "arch/x86/pcpu.h"

/* Settings every core applies while coming online (from the command line). */
struct cpu_init_cfg {
	bool novmx;
};

extern struct cpu_init_cfg cpu_init_cfg;

/*
 * Descriptor tables, LAPIC, topology, VMX root, then mark the core online
 * and print `cpu N online apic=A`. Calling core, interrupts off,
 * pcpu_install(p) done.
 */
void cpu_init_common(struct pcpu *p);

/* Serve messages forever, halting while there are none. */
__noreturn void cpu_idle(void);

/* C entry of every AP (from boot/trampoline.S). */
__noreturn void ap_main(struct pcpu *p);

#endif
