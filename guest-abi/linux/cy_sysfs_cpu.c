// SPDX-License-Identifier: GPL-2.0
/*
 * cypress.ko: /sys/devices/system/cpu/cpuN/cypress/: each CPU's Cypress core and lease.
 * Environment: Linux 6.1 x86-64 kernel module; sysfs show/store (process context).
 *
 * Rules:
 *  1. Core facts come from the vCPU's shared record at each read (no cache), so
 *     they are as current as Cypress's last notice (CY_EV_CORE).
 *  2. `lease` takes "request MS", "renew MS" or "release" for this CPU's vCPU
 *     (LEASE_REQUEST/RENEW/RELEASE); the store fails with the call's error
 *     mapped to an errno, and `lease` shows the state and the time left.
 *  3. `move` takes k, the index of one of the partition's vCPU cores, and asks
 *     VCPU_MOVE for this CPU's vCPU: the move brings an SA upcall (before) and
 *     a core notice (after), which tests/linux/pv.sh uses.
 *  4. Directories exist for every present CPU, online or not (an offline vCPU's
 *     record keeps its last core; its `online` file says 0).
 */
#include <linux/cpu.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <asm/tsc.h>
#include "cy.h"

static DEFINE_PER_CPU(struct kobject *, cy_cpu_kobj);

const char *cy_class_name(u32 cls)
{
	switch (cls) {
	case CY_CLASS_SLOW:
		return "slow";
	case CY_CLASS_FAST:
		return "fast";
	case CY_CLASS_ACCEL:
		return "accel";
	}
	return "unknown";
}

static unsigned int cy_kobj_cpu(struct kobject *kobj)
{
	return kobj_to_dev(kobj->parent)->id;
}

static bool cy_rec(struct kobject *kobj, struct cy_shared_vcpu *r)
{
	return cy_shared_vcpu(cy_vcpu_of(cy_kobj_cpu(kobj)), r);
}

#define CY_CORE_ATTR(field)                                                                    \
	static ssize_t field##_show(struct kobject *kobj, struct kobj_attribute *a, char *buf) \
	{                                                                                      \
		struct cy_shared_vcpu r;                                                       \
		if (!cy_rec(kobj, &r))                                                         \
			return -ENODATA;                                                       \
		return sysfs_emit(buf, "%u\n", r.core.field);                                  \
	}                                                                                      \
	static struct kobj_attribute field##_attr = __ATTR_RO(field)

CY_CORE_ATTR(cpu);
CY_CORE_ATTR(capacity);
CY_CORE_ATTR(freq_mhz);
CY_CORE_ATTR(watts);
CY_CORE_ATTR(package);
CY_CORE_ATTR(core);
CY_CORE_ATTR(thread);
CY_CORE_ATTR(sharing);
CY_CORE_ATTR(moves);

static ssize_t class_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	struct cy_shared_vcpu r;

	if (!cy_rec(kobj, &r))
		return -ENODATA;
	return sysfs_emit(buf, "%s\n", cy_class_name(r.core.cls));
}
static struct kobj_attribute class_attr = __ATTR_RO(class);

static ssize_t vcpu_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", cy_vcpu_of(cy_kobj_cpu(kobj)));
}
static struct kobj_attribute vcpu_attr = __ATTR_RO(vcpu);

static ssize_t counters_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	unsigned int cpu = cy_kobj_cpu(kobj);
	struct cy_pcpu *p = per_cpu_ptr(&cy_pcpu, cpu);
	struct cy_shared_vcpu r;
	bool ok = cy_rec(kobj, &r);

	return sysfs_emit(buf,
			  "online %d vector %s notices %lu sa_upcalls %lu sa_acks %lu "
			  "sa_moved %lu sa_stuck %lu sa_pending %u\n",
			  cpu_online(cpu), p->vec_ok ? "yes" : "no", p->notifies, p->sa_upcalls,
			  p->sa_acks, p->sa_moved, p->sa_stuck, ok ? r.sa_pending : 0);
}
static struct kobj_attribute counters_attr = __ATTR_RO(counters);

/* Rule 2: the lease, as the shared record says, and the last call's answer. */
static ssize_t lease_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	unsigned int cpu = cy_kobj_cpu(kobj);
	int last = per_cpu(cy_pcpu, cpu).lease_last;
	struct cy_shared_vcpu r;
	u64 now, left_ms = 0;

	if (!cy_rec(kobj, &r))
		return -ENODATA;
	if (r.lease_cpu == CY_NO_CPU)
		return sysfs_emit(buf, "%s last %d\n", last == CY_LEASE_QUEUED ? "queued" : "none",
				  last);
	now = rdtsc(); /* the same TSC as lease_end_tsc: every vCPU's, unless one wrote it */
	if (r.lease_end_tsc > now && tsc_khz)
		left_ms = div64_u64(r.lease_end_tsc - now, tsc_khz);
	return sysfs_emit(buf, "held cpu %u end_tsc %llu left_ms %llu last %d\n", r.lease_cpu,
			  r.lease_end_tsc, left_ms, last);
}

int cy_errno(int rc)
{
	switch (rc) {
	case CY_ENOENT:
		return -ENOENT;
	case CY_ERANGE:
		return -ERANGE;
	case CY_EEXIST:
		return -EEXIST;
	case CY_EBUSY:
		return -EBUSY;
	case CY_EFULL:
		return -ENOSPC;
	case CY_EPERM:
		return -EPERM;
	case CY_ENOSYS:
		return -ENOSYS;
	}
	return rc < 0 ? -EINVAL : 0;
}

static ssize_t lease_store(struct kobject *kobj, struct kobj_attribute *a, const char *buf,
			   size_t len)
{
	unsigned int cpu = cy_kobj_cpu(kobj), ms = 0;
	u32 vcpu = cy_vcpu_of(cpu);
	char verb[16];
	int rc;

	if (sscanf(buf, "%15s %u", verb, &ms) < 1)
		return -EINVAL;
	if (!strcmp(verb, "request"))
		rc = cy_hc(CYPRESS_HC_LEASE_REQUEST, vcpu, ms, 0);
	else if (!strcmp(verb, "renew"))
		rc = cy_hc(CYPRESS_HC_LEASE_RENEW, vcpu, ms, 0);
	else if (!strcmp(verb, "release"))
		rc = cy_hc(CYPRESS_HC_LEASE_RELEASE, vcpu, 0, 0);
	else
		return -EINVAL;
	per_cpu(cy_pcpu, cpu).lease_last = rc;
	pr_info(CY_NAME ": cpu %u (vcpu %u): lease %s %u: %d\n", cpu, vcpu, verb, ms, rc);
	return rc < 0 ? cy_errno(rc) : (ssize_t)len;
}
static struct kobj_attribute lease_attr = __ATTR_RW(lease);

static ssize_t move_store(struct kobject *kobj, struct kobj_attribute *a, const char *buf,
			  size_t len)
{
	unsigned int cpu = cy_kobj_cpu(kobj), k;
	int rc;

	if (kstrtouint(buf, 0, &k))
		return -EINVAL;
	rc = cy_hc(CYPRESS_HC_VCPU_MOVE, cy_vcpu_of(cpu), k, 0);
	pr_info(CY_NAME ": cpu %u (vcpu %u): VCPU_MOVE to core index %u: %d\n", cpu,
		cy_vcpu_of(cpu), k, rc);
	return rc < 0 ? cy_errno(rc) : (ssize_t)len;
}
static struct kobj_attribute move_attr = __ATTR_WO(move);

static struct attribute *cy_cpu_attrs[] = {
	&move_attr.attr,   &vcpu_attr.attr,	&cpu_attr.attr,
	&class_attr.attr,  &capacity_attr.attr, &freq_mhz_attr.attr,
	&watts_attr.attr,  &package_attr.attr,	&core_attr.attr,
	&thread_attr.attr, &sharing_attr.attr,	&moves_attr.attr,
	&lease_attr.attr,  &counters_attr.attr, NULL,
};
static const struct attribute_group cy_cpu_group = { .attrs = cy_cpu_attrs };

int cy_sysfs_cpu_init(void)
{
	unsigned int cpu;

	for_each_present_cpu(cpu)
	{
		struct device *dev = get_cpu_device(cpu);
		struct kobject *k;

		if (!dev)
			continue;
		k = kobject_create_and_add("cypress", &dev->kobj);
		if (!k || sysfs_create_group(k, &cy_cpu_group)) {
			kobject_put(k);
			cy_sysfs_cpu_exit();
			return -ENOMEM;
		}
		per_cpu(cy_cpu_kobj, cpu) = k;
	}
	return 0;
}

void cy_sysfs_cpu_exit(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
	{
		kobject_put(per_cpu(cy_cpu_kobj, cpu));
		per_cpu(cy_cpu_kobj, cpu) = NULL;
	}
}
