// SPDX-License-Identifier: MIT
/*
 * The checking build's VMCS-access counts (vmcs_count.h). Only exits that
 * went straight back into the guest are filed: they are the exit path the
 * budget in tools/vmcs-budget bounds. Exits that leave to the scheduler
 * (a slice end, a halt, a stop) are counted apart, as "slow".
 * Environment: VMX root, the vCPU's own core; the report runs when the VM ended.
 */
#ifdef VMCS_COUNT
#include "arch/x86/vmx/vmcs_count.h"
#include "arch/x86/vmx/vmexit.h"
#include "lib/printf.h"

void vmcs_count_access(void);
void vmcs_count_access(void)
{
	this_cpu()->vmcs_accesses++;
}

void vmcs_count_exit_end(struct vcpu *v, struct pcpu *p, uint32_t reason)
{
	uint32_t n = p->vmcs_accesses;

	if (reason >= EXIT_REASONS)
		return;
	v->vmcs_hist[reason][n < VMCS_COUNT_BUCKETS ? n : VMCS_COUNT_BUCKETS - 1]++;
}

void vmcs_count_report(const struct vm *vm)
{
	for (uint32_t r = 0; r < EXIT_REASONS; r++) {
		uint64_t h[VMCS_COUNT_BUCKETS] = { 0 }, n = 0, seen = 0;
		uint32_t median = 0, max = 0;

		for (uint32_t i = 0; i < vm->nvcpus; i++)
			for (uint32_t b = 0; b < VMCS_COUNT_BUCKETS; b++)
				h[b] += vm->vcpu[i]->vmcs_hist[r][b];
		for (uint32_t b = 0; b < VMCS_COUNT_BUCKETS; b++) {
			n += h[b];
			if (h[b])
				max = b;
		}
		if (!n)
			continue;
		for (uint32_t b = 0; b < VMCS_COUNT_BUCKETS; b++) {
			seen += h[b];
			if (2 * seen >= n) {
				median = b;
				break;
			}
		}
		kprintf("vmcs: vm %s: %s exits %llu accesses median %u max %u%s\n", vm->name,
			vmx_exit_name(r), (unsigned long long)n, median, max,
			max == VMCS_COUNT_BUCKETS - 1 ? "+" : "");
	}
}
#endif
