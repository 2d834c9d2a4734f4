// SPDX-License-Identifier: MIT
/*
 * Guest test library: run a function and catch the exception it raises, and
 * MSR accessors built on that (for probing a hypervisor's MSR allow list).
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU.
 */
#include "tests/guests/lib/idt.h"
#include "tests/guests/lib/io.h"

int catch_fault(void (*fn)(void *arg), void *arg, struct fault_info *info)
{
	struct cpu_local *cpu = this_cpu();
	struct guest_jmpbuf jb;
	int rc;

	cpu->catch_info = info;
	rc = guest_setjmp(&jb);
	if (rc == 0) {
		cpu->catch_buf = &jb;
		fn(arg);
		cpu->catch_buf = NULL;
		return -1;
	}
	/* Back from the exception handler, which cleared catch_buf. */
	return rc - 1;
}

struct msr_op {
	uint32_t msr;
	uint64_t val;
};

static void do_rdmsr(void *arg)
{
	struct msr_op *op = arg;

	op->val = rdmsr(op->msr);
}

static void do_wrmsr(void *arg)
{
	struct msr_op *op = arg;

	wrmsr(op->msr, op->val);
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	struct msr_op op = { msr, 0 };
	int v = catch_fault(do_rdmsr, &op, NULL);

	if (v < 0)
		*val = op.val;
	return v;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	struct msr_op op = { msr, val };

	return catch_fault(do_wrmsr, &op, NULL);
}
