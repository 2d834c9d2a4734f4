/* SPDX-License-Identifier: MIT */
/*
 * VMCS accesses per exit, counted by the checking build (make VMCS_COUNT=1,
 * tools/vmcs-budget). Every VMREAD and VMWRITE of the build bumps a per-core
 * count; the exit path takes it from the exit to the next entry and files
 * it, per vCPU, under the exit's basic reason. The ordinary build compiles
 * all of it away.
 * Environment: VMX root, the vCPU's own core, interrupts off.
 */
#ifndef ARCH_X86_VMX_VMCS_COUNT_H
#define ARCH_X86_VMX_VMCS_COUNT_H

#include "arch/x86/pcpu.h"
#include "core/vm.h"

#ifdef VMCS_COUNT
/* The histogram's last bucket holds every count from it up. */
#define VMCS_COUNT_BUCKETS 24

static inline void vmcs_count_exit_begin(struct pcpu *p)
{
	p->vmcs_accesses = 0;
}

/* The exit went back into the guest from the exit path; filed under `reason`. */
void vmcs_count_exit_end(struct vcpu *v, struct pcpu *p, uint32_t reason);

/* One console line per exit reason the VM's vCPUs took: "vmcs: vm NAME: ...". */
void vmcs_count_report(const struct vm *vm);
#else
static inline void vmcs_count_exit_begin(struct pcpu *p)
{
	(void)p;
}

static inline void vmcs_count_exit_end(struct vcpu *v, struct pcpu *p, uint32_t reason)
{
	(void)v;
	(void)p;
	(void)reason;
}

static inline void vmcs_count_report(const struct vm *vm)
{
	(void)vm;
}
#endif

#endif
