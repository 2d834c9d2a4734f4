/* SPDX-License-Identifier: MIT */
/*
 * Cypress guest ABI: CPUID identification and hypercalls. Self-contained
 * (fixed-width types only, no other Cypress header), shared verbatim by the
 * hypervisor and by guests, 32- and 64-bit. Documented register by register
 * in docs/guest-abi.md. Numbers are never reused; the ABI version is
 * major * 1000 + minor.
 * Environment: any guest kernel (ring 0), or the hypervisor.
 */
#ifndef CYPRESS_GUEST_ABI_H
#define CYPRESS_GUEST_ABI_H

#include <stdint.h>

#define CYPRESS_ABI_VERSION 1002 /* 1.2: core discovery */

/*
 * CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX ECX EDX =
 * "CypressHyper". Leaf 0x40000001: EAX = CYPRESS_ABI_VERSION.
 */
#define CYPRESS_CPUID_BASE    0x40000000u
#define CYPRESS_CPUID_VERSION 0x40000001u
#define CYPRESS_CPUID_TIMING \
	0x40000002u /* 1.1: EAX = TSC kHz, EBX = time slice in us when the
		     * vCPU shares a core, 0 when it has one of its own */
#define CYPRESS_CPUID_MAX 0x40000002u
#define CYPRESS_SIG_EBX	  0x72707943u /* "Cypr" */
#define CYPRESS_SIG_ECX	  0x48737365u /* "essH" */
#define CYPRESS_SIG_EDX	  0x72657079u /* "yper" */

/*
 * Hypercalls: VMCALL with EAX = number, EBX, ECX, EDX = arguments 1-3.
 * The result comes back in EAX: >= 0 success, < 0 a CY_E* error.
 * Other registers are preserved.
 */
#define CYPRESS_HC_ABI_VERSION	 0 /* () -> CYPRESS_ABI_VERSION */
#define CYPRESS_HC_CONSOLE_WRITE 1 /* (guest-physical buf, len <= 4096) -> bytes written */
#define CYPRESS_HC_EXIT		 2 /* (status) -> does not return */
/* 1.1: partition control; only a partition with `control = yes` in the
 * manifest may call these (others get CY_EPERM). */
#define CYPRESS_HC_PART_CREATE	3 /* (gpa of manifest text, len <= 4096) -> partition id */
#define CYPRESS_HC_PART_RESIZE	4 /* (id, cores, vcpus; 0 = unchanged) -> 0 */
#define CYPRESS_HC_PART_DESTROY 5 /* (id) -> 0, once its cores and memory are free */
#define CYPRESS_HC_PART_LIST	6 /* (gpa of struct cy_part_info[], count) -> partitions */
#define CYPRESS_HC_CORE_LIST	7 /* (gpa of struct cy_core_info[], count) -> cores */
#define CYPRESS_HC_RESOURCES	8 /* (gpa of struct cy_resources) -> 0 */
/* 1.1: vCPU placement within the caller's own partition (any partition). */
#define CYPRESS_HC_VCPU_MOVE \
	9			 /* (vcpu, index of a core of the partition) -> 0 once sent
				     * to its LPM; poll VCPU_WHERE */
#define CYPRESS_HC_VCPU_WHERE 10 /* (vcpu) -> logical cpu it runs on */
/* 1.2: core discovery (Cypress paper: the guest learns what its cores are). */
#define CYPRESS_HC_CORE_INFO   11 /* (vcpu, gpa of struct cy_core_desc) -> 0 */
#define CYPRESS_HC_CORE_NOTIFY 12 /* (vector 32..255, or 0 = off) -> 0 */
/* 1.2: the partition's power budget (Cypress paper 3.1), within its manifest `power`. */
#define CYPRESS_HC_POWER_GET 13 /* (gpa of struct cy_power) -> 0 */
#define CYPRESS_HC_POWER_SET 14 /* (budget in watts) -> 0 */
/* 1.2: VT-ASOS load reports, both ways. */
#define CYPRESS_HC_LOAD_GET    15 /* (gpa of struct cy_vcpu_load[], count) -> vCPUs */
#define CYPRESS_HC_LOAD_REPORT 16 /* (runnable threads) -> 0 */
#define CYPRESS_HC_COUNT       17

/* CYPRESS_HC_PART_LIST record. */
struct cy_part_info {
	uint32_t id;	  /* what PART_RESIZE / PART_DESTROY take */
	uint32_t state;	  /* CY_PART_* */
	uint32_t vcpus;	  /* vCPUs */
	uint32_t cores;	  /* vCPU cores (LPM core not counted) */
	uint32_t lpm_cpu; /* logical cpu of its Local Partition Manager */
	uint32_t weight;  /* manifest weight */
	char name[16];	  /* NUL-terminated */
};
#define CY_PART_RUNNING 0
#define CY_PART_EXITED	1
#define CY_PART_FAILED	2

/* CYPRESS_HC_CORE_LIST record: one per logical cpu, in cpu order. */
struct cy_core_info {
	uint32_t cpu;
	uint32_t role;	 /* CY_CORE_* */
	int32_t part;	 /* owning partition id, -1 for none (anonymous, GPM) */
	uint32_t nvcpus; /* vCPUs placed on it */
};
#define CY_CORE_ANON 0 /* free: the anonymous partition */
#define CY_CORE_GPM  1 /* cpu 0: the Global Partition Manager (and shared LPMs) */
#define CY_CORE_LPM  2 /* a partition's dedicated Local Partition Manager */
#define CY_CORE_VCPU 3 /* runs vCPUs of `part` */
#define CY_CORE_OFF  4 /* offline or without VMX */

/* CYPRESS_HC_CORE_INFO record: the core a vCPU of the caller's partition runs on now. */
struct cy_core_desc {
	uint32_t cpu;			/* logical cpu */
	uint32_t cls;			/* CY_CLASS_* */
	uint32_t capacity;		/* relative speed, 100 = the slowest class */
	uint32_t freq_mhz;		/* nominal frequency */
	uint32_t watts;			/* what the core draws, charged to power budgets */
	uint32_t package, core, thread; /* topology (CPUID 0xB/0x1F) */
	uint32_t sharing;		/* vCPUs living on that core now (itself included) */
	uint32_t moves;			/* times this vCPU moved to another core so far */
};
/* CYPRESS_HC_POWER_GET record. */
struct cy_power {
	uint32_t budget_w; /* the budget now (0: none) */
	uint32_t limit_w;  /* the most POWER_SET may ask: the manifest's `power` (0: none) */
	uint32_t draw_w;   /* what the partition's cores draw now */
	uint32_t reserved; /* 0 */
};

/* CYPRESS_HC_LOAD_GET record, one per vCPU of the caller's partition. */
struct cy_vcpu_load {
	uint32_t cpu;	   /* where it lives now */
	uint32_t sharing;  /* vCPUs living on that core */
	uint64_t run_us;   /* time it ran (in the guest or in its exits), since it started */
	uint64_t steal_us; /* time it was runnable but another vCPU had its core */
};

#define CY_CLASS_SLOW  0
#define CY_CLASS_FAST  1
#define CY_CLASS_ACCEL 2

/* CYPRESS_HC_RESOURCES record. */
struct cy_resources {
	uint64_t free_frames; /* free 4 KiB host frames */
	uint32_t free_cores;  /* cores of the anonymous partition */
	uint32_t partitions;  /* partitions alive (running or not yet released) */
};

/* Errors (EAX, as a signed 32-bit value). Values match the hypervisor's E_*. */
#define CY_EINVAL (-1)	/* malformed argument */
#define CY_ERANGE (-5)	/* argument out of range (e.g. buffer outside guest memory) */
#define CY_ENOMEM (-2)	/* out of hypervisor memory */
#define CY_ENOENT (-3)	/* no such partition, vCPU or core */
#define CY_EFULL  (-4)	/* a table or queue is full */
#define CY_EBUSY  (-9)	/* busy (e.g. a vCPU that already started cannot go) */
#define CY_EEXIST (-10) /* a partition with that name exists */
#define CY_EPERM  (-11) /* the caller may not make this call */
#define CY_ENOSYS (-12) /* no such hypercall */

static inline int32_t cypress_hypercall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
	uint32_t ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2), "d"(a3) : "memory");
	return (int32_t)ret;
}

static inline int32_t cypress_abi_version(void)
{
	return cypress_hypercall(CYPRESS_HC_ABI_VERSION, 0, 0, 0);
}

static inline int32_t cypress_console_write(const void *buf, uint32_t len)
{
	return cypress_hypercall(CYPRESS_HC_CONSOLE_WRITE, (uint32_t)(uintptr_t)buf, len, 0);
}

static inline void cypress_exit(uint32_t status)
{
	cypress_hypercall(CYPRESS_HC_EXIT, status, 0, 0);
}

/* 1.2: what vCPU `vcpu` of this partition runs on now. 0 or CY_E*. */
static inline int32_t cypress_core_info(uint32_t vcpu, struct cy_core_desc *out)
{
	return cypress_hypercall(CYPRESS_HC_CORE_INFO, vcpu, (uint32_t)(uintptr_t)out, 0);
}

/* 1.2: the partition's power budget, its limit and its cores' draw. */
static inline int32_t cypress_power_get(struct cy_power *out)
{
	return cypress_hypercall(CYPRESS_HC_POWER_GET, (uint32_t)(uintptr_t)out, 0, 0);
}

/* 1.2: a new budget, at least the draw and at most the limit. */
static inline int32_t cypress_power_set(uint32_t watts)
{
	return cypress_hypercall(CYPRESS_HC_POWER_SET, watts, 0, 0);
}

/* 1.2: interrupt `vector` (32..255, 0 = none) on a vCPU that arrived on another core. */
static inline int32_t cypress_core_notify(uint32_t vector)
{
	return cypress_hypercall(CYPRESS_HC_CORE_NOTIFY, vector, 0, 0);
}

#endif
