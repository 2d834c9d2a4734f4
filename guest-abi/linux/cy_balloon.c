// SPDX-License-Identifier: GPL-2.0
/*
 * cypress.ko: VCPU-Bal: follow the balloon target with Linux CPU hotplug.
 * Environment: Linux 6.1 x86-64 kernel module; the balloon work item (process
 * context, may sleep for seconds); cy_play_dead on a dying CPU, IRQs off.
 *
 * Rules:
 *  1. On CY_EV_BALLOON (and at load) one work item offlines CPUs (remove_cpu,
 *     highest first, never CPU 0) or onlines them (add_cpu, lowest first) until
 *     num_online_cpus() == balloon_target, then calls BALLOON_ACK(seq), retrying
 *     on CY_ERANGE: the hypervisor counts a vCPU online until it left the guest.
 *     A newer seq seen meanwhile restarts the loop; a stale ack (CY_EINVAL) too.
 *  2. A dying CPU must leave with VCPU_OFFLINE, not HLT, or Cypress still counts
 *     it online. smp_ops.play_dead is wrapped: it runs play_dead_common() (what
 *     native_play_dead does first: idle_task_exit, report the death to the CPU
 *     waiting in cpu_die, IRQs off) and then VMCALLs VCPU_OFFLINE. The rest of
 *     native_play_dead (spec-ctrl, tboot, MWAIT) does not apply under Cypress,
 *     which hides SPEC_CTRL and MWAIT. play_dead_common is not exported: its
 *     address comes from kallsyms_lookup_name, itself found through a kprobe
 *     (the one way left to a module since 5.7). Without it, balloon shrinking
 *     is off (logged) and the module still loads.
 *  3. Onlining is Linux's own INIT-SIPI-SIPI, which restarts the offlined vCPU.
 *  4. Each hotplug is timed (ktime); the last times and totals are in sysfs
 *     (/sys/hypervisor/cypress/balloon) and each makes one dmesg line.
 */
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <asm/smp.h>
#include "cy.h"

static void (*cy_play_dead_common)(void);
static void (*cy_orig_play_dead)(void);
static DEFINE_MUTEX(cy_bal_lock); /* the statistics below */
static struct work_struct cy_bal_work;
static bool cy_bal_live;

static struct {
	u32 seq_acked, target;
	unsigned long acks, ack_retries, offlines, onlines, failures;
	s64 last_off_us, last_on_us, total_off_us, total_on_us;
	int last_err;
} cy_bal;

/* Rule 2: runs on the dying CPU with IRQs off; does not return. */
static void cy_play_dead(void)
{
	int rc;

	cy_play_dead_common();
	rc = cy_hc(CYPRESS_HC_VCPU_OFFLINE, 0, 0, 0);
	/* Only the last online vCPU gets CY_EBUSY, and Linux never offlines that one. */
	pr_emerg(CY_NAME ": VCPU_OFFLINE returned %d: halting instead\n", rc);
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

static unsigned long cy_lookup(const char *name)
{
	static unsigned long (*lookup)(const char *);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup) {
		if (register_kprobe(&kp) < 0)
			return 0;
		lookup = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup ? lookup(name) : 0;
}

/* Take cpu offline (up false) or bring it online, timed: the figure VCPU-Bal
 * compares with (tens of ms on hardware), in the statistics and in dmesg. */
static int cy_hotplug(unsigned int cpu, bool up)
{
	ktime_t t0 = ktime_get();
	int err = up ? add_cpu(cpu) : remove_cpu(cpu);
	s64 us = ktime_us_delta(ktime_get(), t0);

	mutex_lock(&cy_bal_lock);
	if (err) {
		cy_bal.failures++;
		cy_bal.last_err = err;
	} else if (up) {
		cy_bal.onlines++;
		cy_bal.last_on_us = us;
		cy_bal.total_on_us += us;
	} else {
		cy_bal.offlines++;
		cy_bal.last_off_us = us;
		cy_bal.total_off_us += us;
	}
	mutex_unlock(&cy_bal_lock);
	pr_info(CY_NAME ": balloon: cpu %u %s in %lld us (%d)\n", cpu, up ? "online" : "offline",
		us, err);
	return err;
}

static int cy_offline_one(void)
{
	unsigned int cpu, victim = nr_cpu_ids;

	for_each_online_cpu(cpu)
		if (cpu != 0)
			victim = cpu;
	if (victim >= nr_cpu_ids)
		return -EBUSY;
	return cy_hotplug(victim, false);
}

static int cy_online_one(void)
{
	unsigned int cpu;

	for_each_present_cpu(cpu) if (!cpu_online(cpu)) break;
	if (cpu >= nr_cpu_ids)
		return -ENOENT;
	return cy_hotplug(cpu, true);
}

/* Rule 1. */
static void cy_balloon_work(struct work_struct *w)
{
	u32 target, seq, now_seq;
	int rc, tries, steps = 0;

again:
	cy_shared_balloon(&target, &seq);
	if (!target || !seq)
		return; /* not ballooned */
	mutex_lock(&cy_bal_lock);
	cy_bal.target = target;
	mutex_unlock(&cy_bal_lock);
	while (num_online_cpus() != target && steps++ < 2 * NR_CPUS) {
		if (num_online_cpus() > target) {
			if (!cy_play_dead_common || cy_offline_one())
				break;
		} else if (cy_online_one()) {
			break;
		}
		cy_shared_balloon(&target, &now_seq);
		if (now_seq != seq)
			goto again;
	}
	for (tries = 0; tries < 200; tries++) {
		rc = cy_hc(CYPRESS_HC_BALLOON_ACK, seq, 0, 0);
		if (rc != CY_ERANGE)
			break;
		mutex_lock(&cy_bal_lock);
		cy_bal.ack_retries++;
		mutex_unlock(&cy_bal_lock);
		usleep_range(500, 1000);
	}
	cy_shared_balloon(&target, &now_seq);
	if (rc == CY_EINVAL && now_seq != seq)
		goto again; /* a newer target came while we worked */
	mutex_lock(&cy_bal_lock);
	if (rc == 0) {
		cy_bal.acks++;
		cy_bal.seq_acked = seq;
	} else {
		cy_bal.last_err = rc;
	}
	mutex_unlock(&cy_bal_lock);
	pr_info(CY_NAME ": balloon: target %u (seq %u), %u online, ack %d\n", target, seq,
		num_online_cpus(), rc);
}

void cy_balloon_kick(void)
{
	if (cy_bal_live)
		queue_work(system_unbound_wq, &cy_bal_work);
}

ssize_t cy_balloon_show(char *buf)
{
	u32 target, seq;
	ssize_t n;

	cy_shared_balloon(&target, &seq);
	mutex_lock(&cy_bal_lock);
	n = sysfs_emit(buf,
		       "target %u seq %u wait_ms %u online %u acked_seq %u acks %lu "
		       "ack_retries %lu\noffline %lu last_us %lld total_us %lld\n"
		       "online %lu last_us %lld total_us %lld\nfailures %lu last_err %d "
		       "shrink %s\n",
		       target, seq, READ_ONCE(cy.shared->balloon_wait_ms), num_online_cpus(),
		       cy_bal.seq_acked, cy_bal.acks, cy_bal.ack_retries, cy_bal.offlines,
		       cy_bal.last_off_us, cy_bal.total_off_us, cy_bal.onlines, cy_bal.last_on_us,
		       cy_bal.total_on_us, cy_bal.failures, cy_bal.last_err,
		       cy_play_dead_common ? "yes" : "no (play_dead_common not found)");
	mutex_unlock(&cy_bal_lock);
	return n;
}

int cy_balloon_init(void)
{
	INIT_WORK(&cy_bal_work, cy_balloon_work);
	cy_play_dead_common = (void (*)(void))cy_lookup("play_dead_common");
	if (cy_play_dead_common) {
		cy_orig_play_dead = smp_ops.play_dead;
		WRITE_ONCE(smp_ops.play_dead, cy_play_dead);
	} else {
		pr_warn(CY_NAME ": play_dead_common not found: balloon will not offline CPUs\n");
	}
	cy_bal_live = true;
	return 0;
}

void cy_balloon_exit(void)
{
	cy_bal_live = false;
	cancel_work_sync(&cy_bal_work);
	if (cy_orig_play_dead)
		WRITE_ONCE(smp_ops.play_dead, cy_orig_play_dead);
	cy_orig_play_dead = NULL;
}
