/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cypress.ko: what the module's files share (state, the hypercall, the helpers).
 * Environment: Linux 6.1 x86-64 kernel module, guest of Cypress (docs/linux-pv.md).
 *
 * The module is GPL because everything it needs from the kernel (the x86 vector
 * domain, smp_ops, CPU hotplug, kprobes) is exported GPL-only; the ABI header it
 * includes is MIT and shared verbatim with the other guests.
 */
#ifndef CYPRESS_KO_H
#define CYPRESS_KO_H

#include <linux/types.h>
#include <linux/cpumask.h>
#include <linux/kobject.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <asm/smp.h>
#include "cypress.h"

#define CY_NAME "cypress"

/*
 * One hypercall, 64-bit: VMCALL with EAX = number, EBX, ECX, EDX = arguments
 * (docs/guest-abi.md "Hypercalls"). The hypervisor preserves every register
 * but RAX; the result is a signed 32-bit value in EAX. The header's own
 * wrappers pass virtual addresses as guest-physical ones, which is right only
 * for identity-mapped guests, so the module uses this one and virt_to_phys().
 */
static inline int cy_hc(u32 nr, u32 a1, u32 a2, u32 a3)
{
	u64 ret;

	asm volatile("vmcall"
		     : "=a"(ret)
		     : "a"((u64)nr), "b"((u64)a1), "c"((u64)a2), "d"((u64)a3)
		     : "memory");
	return (s32)ret;
}

/* Per-CPU counters, written by their own CPU (IRQ or its SA thread). */
struct cy_pcpu {
	unsigned long notifies;	  /* CORE_NOTIFY interrupts taken here */
	unsigned long sa_upcalls; /* SA upcalls taken here */
	unsigned long sa_acks;	  /* SA_ACK calls that returned 0 */
	unsigned long sa_moved;	  /* upcalls whose task was pushed to another CPU */
	unsigned long sa_stuck;	  /* upcalls whose task could not move (pinned, exiting) */
	int lease_last;		  /* result of the last LEASE_* call for this vCPU */
	bool vec_ok;		  /* this CPU has the common vector */
};
DECLARE_PER_CPU(struct cy_pcpu, cy_pcpu);

struct cy_state {
	struct cy_shared *shared; /* the shared area (2 pages, below 4 GiB) */
	void *scratch;		  /* one page below 4 GiB for hypercall records */
	struct mutex scratch_lock;
	u32 abi;
	u32 vector;		 /* the one vector every CPU has for notices and upcalls */
	u32 sa_limit_us;	 /* SA_REGISTER's hard limit */
	bool sa_on;		 /* SA_REGISTER succeeded */
	struct kobject *hv_kobj; /* /sys/hypervisor/cypress */
	struct work_struct event_work;
	unsigned long ev_pending; /* CY_EV_* bits seen by the IRQ, not yet handled */
};
extern struct cy_state cy;

/* The Cypress vCPU index of a Linux CPU: its APIC ID (docs/guest-abi.md, CPUID). */
static inline u32 cy_vcpu_of(unsigned int cpu)
{
	return (u32)per_cpu(x86_cpu_to_apicid, cpu);
}

/* cy_shared.c */
int cy_shared_init(void);
void cy_shared_exit(void);
bool cy_shared_vcpu(u32 vcpu, struct cy_shared_vcpu *out);
void cy_shared_balloon(u32 *target, u32 *seq);
int cy_hc_record(u32 nr, u32 a1, void *rec, size_t len, u32 a3, bool in);

/* cy_vector.c */
int cy_vector_init(void);
void cy_vector_exit(void);

/* cy_events.c: the handler behind the vector */
void cy_events_irq(void);
void cy_events_work(struct work_struct *w);
unsigned long cy_events_count(int bit);

/* cy_sa.c */
int cy_sa_init(void);
void cy_sa_exit(void);
void cy_sa_upcall(void);
void cy_sa_totals(unsigned long *up, unsigned long *acks, unsigned long *moved,
		  unsigned long *stuck);

/* cy_balloon.c */
int cy_balloon_init(void);
void cy_balloon_exit(void);
void cy_balloon_kick(void);
ssize_t cy_balloon_show(char *buf);

/* cy_sysfs_cpu.c, cy_sysfs_hv.c */
int cy_sysfs_cpu_init(void);
void cy_sysfs_cpu_exit(void);
int cy_sysfs_hv_init(void);
void cy_sysfs_hv_exit(void);
const char *cy_class_name(u32 cls);
int cy_errno(int rc); /* a CY_E* result as an errno */

#endif
