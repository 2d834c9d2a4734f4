// SPDX-License-Identifier: GPL-2.0
/*
 * cypress.ko: /sys/hypervisor/cypress/: the machine, power, balloon and SA state.
 * Environment: Linux 6.1 x86-64 kernel module; sysfs show/store (process context).
 *
 * Rules:
 *  1. `machine` is what this partition may know of the machine: each vCPU's core
 *     (class, capacity, frequency, watts, topology, sharing), the power budget,
 *     the balloon and SA settings; CORE_LIST (the machine's every core, what the
 *     manifest's [machine] section made of them) is control-only, so its lines
 *     appear for a `control = yes` partition and say "not permitted" otherwise.
 *  2. `power` reads POWER_GET; writing watts calls POWER_SET.
 *  3. `load_report` takes a runnable-thread count for LOAD_REPORT: the module does
 *     not sample nr_running (not exported); user space reports it.
 *  4. `part_create` takes one `[partition NAME]` section (PART_CREATE) and
 *     `part_destroy` a partition id (PART_DESTROY), for a `control = yes`
 *     partition (tests/linux/pv.sh makes a ballooned peer arrive and leave);
 *     `part_last` shows the last result (the new id, or the CY_E* error).
 */
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "cy.h"

#define CY_CORES_MAX 64

static const char *cy_role_name(u32 role)
{
	static const char *const names[] = { "anon", "gpm", "lpm", "vcpu", "off" };

	return role < ARRAY_SIZE(names) ? names[role] : "unknown";
}

static ssize_t abi_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", cy.abi);
}
static struct kobj_attribute abi_attr = __ATTR_RO(abi);

static ssize_t vector_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", cy.vector);
}
static struct kobj_attribute vector_attr = __ATTR_RO(vector);

static ssize_t machine_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	struct cy_core_info *cores;
	struct cy_power pw;
	ssize_t n = 0;
	u32 i, nv = READ_ONCE(cy.shared->nvcpus);
	int rc;

	n += sysfs_emit_at(buf, n, "abi %u vcpus %u vector %u\n", cy.abi, nv, cy.vector);
	for (i = 0; i < nv && i < CY_SHARED_VCPUS; i++) {
		struct cy_shared_vcpu r;

		if (!cy_shared_vcpu(i, &r))
			continue;
		n += sysfs_emit_at(buf, n,
				   "vcpu %u cpu %d class %s capacity %u freq_mhz %u watts %u "
				   "package %u core %u thread %u sharing %u\n",
				   i, r.core.cpu == CY_NO_CPU ? -1 : (int)r.core.cpu,
				   cy_class_name(r.core.cls), r.core.capacity, r.core.freq_mhz,
				   r.core.watts, r.core.package, r.core.core, r.core.thread,
				   r.core.sharing);
	}
	rc = cy_hc_record(CYPRESS_HC_POWER_GET, 0, &pw, sizeof(pw), 0, false);
	if (rc == 0)
		n += sysfs_emit_at(buf, n, "power budget_w %u limit_w %u draw_w %u\n", pw.budget_w,
				   pw.limit_w, pw.draw_w);
	n += sysfs_emit_at(buf, n, "balloon target %u seq %u wait_ms %u\n",
			   READ_ONCE(cy.shared->balloon_target), READ_ONCE(cy.shared->balloon_seq),
			   READ_ONCE(cy.shared->balloon_wait_ms));
	n += sysfs_emit_at(buf, n, "sa vector %u limit_us %u\n", READ_ONCE(cy.shared->sa_vector),
			   READ_ONCE(cy.shared->sa_limit_us));
	cores = kcalloc(CY_CORES_MAX, sizeof(*cores), GFP_KERNEL);
	if (!cores)
		return n;
	rc = cy_hc_record(CYPRESS_HC_CORE_LIST, CY_CORES_MAX, cores, CY_CORES_MAX * sizeof(*cores),
			  0, false);
	if (rc == CY_EPERM)
		n += sysfs_emit_at(buf, n, "cores not permitted (control = no)\n");
	else if (rc < 0)
		n += sysfs_emit_at(buf, n, "cores error %d\n", rc);
	else
		n += sysfs_emit_at(buf, n, "cores %d\n", rc);
	for (i = 0; rc > 0 && i < (u32)rc && i < CY_CORES_MAX; i++)
		n += sysfs_emit_at(buf, n, "core %u role %s part %d vcpus %u\n", cores[i].cpu,
				   cy_role_name(cores[i].role), cores[i].part, cores[i].nvcpus);
	kfree(cores);
	return n;
}
static struct kobj_attribute machine_attr = __ATTR_RO(machine);

static ssize_t power_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	struct cy_power pw;
	int rc = cy_hc_record(CYPRESS_HC_POWER_GET, 0, &pw, sizeof(pw), 0, false);

	if (rc < 0)
		return cy_errno(rc);
	return sysfs_emit(buf, "budget_w %u limit_w %u draw_w %u\n", pw.budget_w, pw.limit_w,
			  pw.draw_w);
}

static ssize_t power_store(struct kobject *k, struct kobj_attribute *a, const char *buf, size_t len)
{
	unsigned int w;
	int rc;

	if (kstrtouint(buf, 0, &w))
		return -EINVAL;
	rc = cy_hc(CYPRESS_HC_POWER_SET, w, 0, 0);
	pr_info(CY_NAME ": power budget %u W: %d\n", w, rc);
	return rc < 0 ? cy_errno(rc) : (ssize_t)len;
}
static struct kobj_attribute power_attr = __ATTR_RW(power);

static ssize_t balloon_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return cy_balloon_show(buf);
}
static struct kobj_attribute balloon_attr = __ATTR_RO(balloon);

static ssize_t sa_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	unsigned long up, acks, moved, stuck;

	cy_sa_totals(&up, &acks, &moved, &stuck);
	return sysfs_emit(buf,
			  "registered %d vector %u limit_us %u upcalls %lu acks %lu moved %lu "
			  "stuck %lu\n",
			  cy.sa_on, cy.vector, cy.sa_limit_us, up, acks, moved, stuck);
}
static struct kobj_attribute sa_attr = __ATTR_RO(sa);

static ssize_t events_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf,
			  "core %lu lease_granted %lu lease_ending %lu lease_ended %lu "
			  "balloon %lu exchange %lu\n",
			  cy_events_count(0), cy_events_count(1), cy_events_count(2),
			  cy_events_count(3), cy_events_count(4), cy_events_count(5));
}
static struct kobj_attribute events_attr = __ATTR_RO(events);

static ssize_t load_report_store(struct kobject *k, struct kobj_attribute *a, const char *buf,
				 size_t len)
{
	unsigned int threads;
	int rc;

	if (kstrtouint(buf, 0, &threads))
		return -EINVAL;
	rc = cy_hc(CYPRESS_HC_LOAD_REPORT, threads, 0, 0);
	return rc < 0 ? cy_errno(rc) : (ssize_t)len;
}
static struct kobj_attribute load_report_attr = __ATTR_WO(load_report);

static int cy_part_last = CY_ENOENT;

static ssize_t part_create_store(struct kobject *k, struct kobj_attribute *a, const char *buf,
				 size_t len)
{
	int rc;

	if (!len || len > 4096)
		return -EINVAL;
	rc = cy_hc_record(CYPRESS_HC_PART_CREATE, (u32)len, (void *)buf, len, 0, true);
	cy_part_last = rc;
	pr_info(CY_NAME ": PART_CREATE: %d\n", rc);
	return rc < 0 ? cy_errno(rc) : (ssize_t)len;
}
static struct kobj_attribute part_create_attr = __ATTR_WO(part_create);

static ssize_t part_destroy_store(struct kobject *k, struct kobj_attribute *a, const char *buf,
				  size_t len)
{
	unsigned int id;
	int rc;

	if (kstrtouint(buf, 0, &id))
		return -EINVAL;
	rc = cy_hc(CYPRESS_HC_PART_DESTROY, id, 0, 0);
	cy_part_last = rc;
	pr_info(CY_NAME ": PART_DESTROY(%u): %d\n", id, rc);
	return rc < 0 ? cy_errno(rc) : (ssize_t)len;
}
static struct kobj_attribute part_destroy_attr = __ATTR_WO(part_destroy);

static ssize_t part_last_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", cy_part_last);
}
static struct kobj_attribute part_last_attr = __ATTR_RO(part_last);

static struct attribute *cy_hv_attrs[] = {
	&part_create_attr.attr, &part_destroy_attr.attr, &part_last_attr.attr,	 &abi_attr.attr,
	&vector_attr.attr,	&machine_attr.attr,	 &power_attr.attr,	 &balloon_attr.attr,
	&sa_attr.attr,		&events_attr.attr,	 &load_report_attr.attr, NULL,
};
static const struct attribute_group cy_hv_group = { .attrs = cy_hv_attrs };

int cy_sysfs_hv_init(void)
{
	cy.hv_kobj = kobject_create_and_add(CY_NAME, hypervisor_kobj);
	if (!cy.hv_kobj || sysfs_create_group(cy.hv_kobj, &cy_hv_group)) {
		kobject_put(cy.hv_kobj);
		cy.hv_kobj = NULL;
		return -ENOMEM;
	}
	return 0;
}

void cy_sysfs_hv_exit(void)
{
	kobject_put(cy.hv_kobj);
	cy.hv_kobj = NULL;
}
