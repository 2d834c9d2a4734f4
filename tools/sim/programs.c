// SPDX-License-Identifier: MIT
/*
 * Guest programs (the workload models) and the baseline hypervisor settings.
 * Environment: host simulator.
 *
 * Programs loop forever; a scenario measures how many loops complete. Times
 * are work at speed 100 (the slowest core class).
 */
#include "tools/sim/scen.h"

#define US NS_PER_US
#define MS NS_PER_MS

/* CPU-bound (sixtrack-like) and memory-bound (mcf-like) compute. */
static const struct op cpu_ops[] = { { OP_CPU, 0, 1 * MS } };
static const struct op mem_ops[] = { { OP_MEM, 0, 1 * MS } };
const struct program prog_cpu = { "cpu", cpu_ops, 1, false, 0 };
const struct program prog_mem = { "mem", mem_ops, 1, false, 0 };

/* Data-parallel with spin-then-block barriers (GOMP spins ~0.2 ms, then sleeps). */
static const struct op spin_ops[] = { { OP_CPU, 0, 2 * MS },
				      { OP_SPIN, 0, 20 * US },
				      { OP_BARRIER, 0, 0 } };
const struct program prog_spin = { "spin", spin_ops, 3, true, 200 * US };

/* Data-parallel with busy-waiting barriers (OpenMP's OMP_WAIT_POLICY=active). */
static const struct op spinbar_ops[] = { { OP_CPU, 0, 2 * MS }, { OP_BARRIER, 0, 0 } };
const struct program prog_spinbar = { "spinbar", spinbar_ops, 2, true, 0 };

/* Data-parallel with a mutex and blocking barriers (pthreads-like). */
static const struct op block_ops[] = { { OP_CPU, 0, 2 * MS },
				       { OP_MUTEX, 0, 20 * US },
				       { OP_BARRIER, 0, 0 } };
const struct program prog_block = { "block", block_ops, 3, false, 0 };

/* Kernel-lock heavy (exim/gmake-like): short sections under a guest spinlock. */
static const struct op klock_ops[] = { { OP_CPU, 0, 200 * US }, { OP_KSPIN, 0, 20 * US } };
const struct program prog_klock = { "lock", klock_ops, 2, false, 0 };

/* TLB-shootdown heavy (dedup/vips-like: munmap in a loop). */
static const struct op tlb_ops[] = { { OP_CPU, 0, 100 * US }, { OP_TLB, 0, 0 } };
const struct program prog_tlb = { "tlb", tlb_ops, 2, false, 0 };

/* I/O bound: short compute, then wait for a device interrupt. */
static const struct op io_ops[] = { { OP_CPU, 0, 50 * US }, { OP_IO, 0, 200 * US } };
const struct program prog_io = { "io", io_ops, 2, false, 0 };

struct hv_conf hv_credit(void)
{
	return (struct hv_conf){
		.name = "credit",
		.queue = HVQ_CREDIT,
		.slice_ns = 30 * MS,
		.boost = true,
		.steal = true,
	};
}

struct hv_conf hv_cypress_part(bool lpm_cores)
{
	return (struct hv_conf){
		.name = lpm_cores ? "cypress" : "balloon",
		.queue = HVQ_NOOP,
		.slice_ns = 30 * MS,
		.partition = true,
		.lpm_cores = lpm_cores,
		.balloon = true,
		.msg_wake = true,
	};
}

int scen_run(struct sim *s)
{
	if (sim_run(s) < 0) {
		fprintf(stderr, "sim: run set-up failed\n");
		return -1;
	}
	return 0;
}
