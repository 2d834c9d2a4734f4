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

#ifdef __KERNEL__
#include <linux/types.h> /* a Linux module (guest-abi/linux/): no <stdint.h> there */
#else
#include <stdint.h>
#endif

#define CYPRESS_ABI_VERSION 1003 /* 1.3: the papers' mechanisms */

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
/* 1.3: the shared area, leases, core exchange, VT-ASOS requests, ballooning
 * and scheduler activations (docs/guest-abi.md, one section each). */
#define CYPRESS_HC_SHARED_SET	 17 /* (gpa of CY_SHARED_SIZE bytes, 4 KiB aligned; 0 = off) -> 0 */
#define CYPRESS_HC_LEASE_REQUEST 18 /* (vcpu, term in ms) -> CY_LEASE_GRANTED or CY_LEASE_QUEUED */
#define CYPRESS_HC_LEASE_RENEW	 19 /* (vcpu, term in ms) -> 0 */
#define CYPRESS_HC_LEASE_RELEASE 20 /* (vcpu) -> 0 */
#define CYPRESS_HC_CORE_EXCHANGE \
	21 /* (mask of core indices to give, cores wanted, CY_CLASS_*) -> vCPU cores now */
#define CYPRESS_HC_REQUEST 22 /* (gpa of struct cy_request) -> CY_REQ_* (answer filled in) */
#define CYPRESS_HC_VCPU_OFFLINE \
	23 /* () -> the calling vCPU goes offline (INIT/SIPI brings it back) */
#define CYPRESS_HC_BALLOON_ACK 24 /* (balloon_seq seen) -> 0 */
#define CYPRESS_HC_SA_REGISTER 25 /* (vector 32..255 or 0 = off, hard limit in us) -> 0 */
#define CYPRESS_HC_SA_ACK      26 /* (CY_SA_YIELD or CY_SA_BLOCK) -> 0 once the vCPU runs again */
#define CYPRESS_HC_COUNT       27

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

/*
 * 1.3: the shared area (SHARED_SET). The hypervisor writes it, the guest
 * reads it without an exit; the guest only clears `events` bits. A record
 * with an odd `seq` is being written: read seq, the fields, seq again, and
 * retry unless both are the same even value.
 */
#define CY_SHARED_SIZE	8192u
#define CY_SHARED_VCPUS 64u

struct cy_shared_vcpu {	 /* 64 bytes, one per vCPU */
	uint32_t seq;	 /* odd while the hypervisor writes this record */
	uint32_t events; /* CY_EV_* for this vCPU: set by the hypervisor, cleared by the guest */
	struct cy_core_desc core; /* what CORE_INFO would say of this vCPU now */
	uint32_t sa_pending;	  /* 1 from an SA upcall until its ack or the cut-off */
	uint32_t lease_cpu;	  /* its leased fast core, CY_NO_CPU for none */
	uint64_t lease_end_tsc;	  /* TSC at which that lease ends (0: none) */
};

struct cy_shared {
	uint32_t abi;		  /* CYPRESS_ABI_VERSION */
	uint32_t nvcpus;	  /* the partition's vCPUs */
	uint32_t events;	  /* CY_EV_* for the whole partition (vCPU 0 gets the interrupt) */
	uint32_t balloon_target;  /* vCPUs the hypervisor wants online; 0 = not ballooned */
	uint32_t balloon_seq;	  /* grows with every new target; BALLOON_ACK names it */
	uint32_t balloon_wait_ms; /* how long the hypervisor waits for the ack */
	uint32_t sa_vector;	  /* SA_REGISTER's vector, 0 = none */
	uint32_t sa_limit_us;	  /* the hard limit on an SA ack */
	uint32_t reserved[8];
	struct cy_shared_vcpu vcpu[CY_SHARED_VCPUS];
	uint8_t unused[CY_SHARED_SIZE - 64 - 64 * CY_SHARED_VCPUS]; /* sizeof == CY_SHARED_SIZE */
};

/* Event bits (cy_shared.events and cy_shared_vcpu.events), announced by the
 * CORE_NOTIFY vector. */
#define CY_EV_CORE	    (1u << 0) /* vCPU: it arrived on another core */
#define CY_EV_LEASE_GRANTED (1u << 1) /* vCPU: a queued lease request was granted */
#define CY_EV_LEASE_ENDING  (1u << 2) /* vCPU: its lease ends within CY_LEASE_WARN_MS */
#define CY_EV_LEASE_ENDED   (1u << 3) /* vCPU: its lease ended; it is on a slow core again */
#define CY_EV_BALLOON	    (1u << 4) /* partition: a new balloon_target */
#define CY_EV_EXCHANGE	    (1u << 5) /* partition: its cores changed (CORE_EXCHANGE, REQUEST) */

#define CY_NO_CPU	 0xffffffffu
#define CY_LEASE_WARN_MS 10u /* CY_EV_LEASE_ENDING comes this long before the end */
#define CY_LEASE_GRANTED 0   /* LEASE_REQUEST: the vCPU moves to the fast core */
#define CY_LEASE_QUEUED	 1   /* LEASE_REQUEST: no core free now; CY_EV_LEASE_GRANTED later */

/* SA_ACK argument. */
#define CY_SA_YIELD 0 /* the vCPU still has work: it waits for its next turn */
#define CY_SA_BLOCK 1 /* nothing to run: it sleeps until an interrupt (as HLT) */

/* CYPRESS_HC_REQUEST (VT-ASOS): what the guest asks, and the answer. */
#define CY_REQ_MAX_GROUPS 8
struct cy_request {
	uint32_t what;	     /* CY_WANT_* bits: the parts of the request */
	uint32_t vcpus;	     /* CY_WANT_VCPUS: vCPUs, each with a core of its own */
	uint32_t gang;	     /* CY_WANT_GANG: 1 = gang-schedule the vCPUs, 0 = not */
	uint32_t latency_us; /* CY_WANT_LATENCY: longest wait of a runnable vCPU */
	uint32_t ngroups;    /* CY_WANT_COLOCATE: co-location ranges in groups[] */
	struct {
		uint16_t first, count; /* vCPUs first..first+count-1 share a package */
	} groups[CY_REQ_MAX_GROUPS];
	/* The answer (written by the hypervisor). */
	uint32_t status;	 /* CY_REQ_* as returned */
	uint32_t granted;	 /* CY_WANT_* bits granted in full */
	uint32_t reason;	 /* CY_REASON_* for the first part not granted in full */
	uint32_t got_vcpus;	 /* vCPU cores the partition has now */
	uint32_t got_latency_us; /* the latency bound it has now (0: none) */
	uint32_t reserved;
};
#define CY_WANT_VCPUS	   (1u << 0)
#define CY_WANT_GANG	   (1u << 1)
#define CY_WANT_LATENCY	   (1u << 2)
#define CY_WANT_COLOCATE   (1u << 3)
#define CY_REQ_GRANTED	   0
#define CY_REQ_PARTIAL	   1
#define CY_REQ_REFUSED	   2
#define CY_REASON_NONE	   0
#define CY_REASON_NO_CORES 1 /* not enough free cores (or power budget) */
#define CY_REASON_GANG	   2 /* gang needs as many cores as vCPUs */
#define CY_REASON_LATENCY  3 /* below the shortest slice the hypervisor gives */
#define CY_REASON_TOPOLOGY 4 /* no package has enough cores for a group */
#define CY_REASON_STARTED  5 /* fewer vCPUs would remove vCPUs that are online */
#define CY_REASON_POWER	   6 /* the power budget does not allow it */

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

/* 1.3: the shared area at guest-physical `gpa` (CY_SHARED_SIZE bytes, 4 KiB aligned; 0 = none). */
static inline int32_t cypress_shared_set(uint32_t gpa)
{
	return cypress_hypercall(CYPRESS_HC_SHARED_SET, gpa, 0, 0);
}

/* 1.3: a fast core for vCPU `vcpu` for `term_ms`: CY_LEASE_GRANTED, CY_LEASE_QUEUED or CY_E*. */
static inline int32_t cypress_lease_request(uint32_t vcpu, uint32_t term_ms)
{
	return cypress_hypercall(CYPRESS_HC_LEASE_REQUEST, vcpu, term_ms, 0);
}

/* 1.3: the lease of `vcpu` ends `term_ms` from now instead. */
static inline int32_t cypress_lease_renew(uint32_t vcpu, uint32_t term_ms)
{
	return cypress_hypercall(CYPRESS_HC_LEASE_RENEW, vcpu, term_ms, 0);
}

/* 1.3: give the fast core of `vcpu` back now (or withdraw a queued request). */
static inline int32_t cypress_lease_release(uint32_t vcpu)
{
	return cypress_hypercall(CYPRESS_HC_LEASE_RELEASE, vcpu, 0, 0);
}

/* 1.3: give the cores whose indices are set in `give_mask`, take `want` cores of class `cls`. */
static inline int32_t cypress_core_exchange(uint32_t give_mask, uint32_t want, uint32_t cls)
{
	return cypress_hypercall(CYPRESS_HC_CORE_EXCHANGE, give_mask, want, cls);
}

/* 1.3: a VT-ASOS request; the answer is written into *r too. */
static inline int32_t cypress_request(struct cy_request *r)
{
	return cypress_hypercall(CYPRESS_HC_REQUEST, (uint32_t)(uintptr_t)r, 0, 0);
}

/* 1.3: take the calling vCPU offline; returns only with an error. */
static inline int32_t cypress_vcpu_offline(void)
{
	return cypress_hypercall(CYPRESS_HC_VCPU_OFFLINE, 0, 0, 0);
}

/* 1.3: the guest has as many vCPUs online as balloon target `seq` asked. */
static inline int32_t cypress_balloon_ack(uint32_t seq)
{
	return cypress_hypercall(CYPRESS_HC_BALLOON_ACK, seq, 0, 0);
}

/* 1.3: scheduler-activation upcalls on `vector`, acked within `limit_us`. */
static inline int32_t cypress_sa_register(uint32_t vector, uint32_t limit_us)
{
	return cypress_hypercall(CYPRESS_HC_SA_REGISTER, vector, limit_us, 0);
}

/* 1.3: the upcall's thread has moved away: CY_SA_YIELD or CY_SA_BLOCK. */
static inline int32_t cypress_sa_ack(uint32_t how)
{
	return cypress_hypercall(CYPRESS_HC_SA_ACK, how, 0, 0);
}

#endif
