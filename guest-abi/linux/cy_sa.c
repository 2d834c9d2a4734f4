// SPDX-License-Identifier: GPL-2.0
/*
 * cypress.ko: scheduler activations (IRS's guest side, as far as a module can go).
 * Environment: Linux 6.1 x86-64 kernel module; cy_sa_upcall in hard IRQ context
 * on the vCPU about to be preempted, the per-CPU "cypress_sa/N" FIFO kthread in
 * process context on that CPU.
 *
 * Rules (docs/linux-pv.md says how close this comes to IRS):
 *  1. The upcall (sa_pending = 1 in this vCPU's shared record) is taken by the
 *     IRQ. If the idle task was running, there is nothing to move: SA_ACK(BLOCK)
 *     at once, IRQs off, as the ABI intends for an idle vCPU.
 *  2. Otherwise the IRQ records the interrupted task and wakes this CPU's SA
 *     thread, SCHED_FIFO: on the way out of the IRQ (or at the next preemption
 *     point under voluntary preemption) it preempts that task, which stays
 *     queued on this CPU's runqueue, runnable and not running.
 *  3. The thread narrows the task's affinity to the other online CPUs
 *     (set_cpus_allowed_ptr): a queued task is moved at once, under the
 *     runqueue locks, without the stopper. Then SA_ACK(YIELD); it returns when
 *     the vCPU runs again. A task that cannot move (bound to this CPU, a
 *     kthread, exiting, or no other CPU online) is counted and left; the ack
 *     still goes, so the vCPU is not held to the hard limit for nothing.
 *  4. The task's own affinity comes back after CY_SA_RESTORE_MS (delayed work):
 *     Linux has no "migrate once" for a module, so for that long the task is
 *     kept off the preempted vCPU. An upcall meanwhile that finds the task on
 *     its new CPU narrows from its own affinity again (the pending restore's
 *     copy), so a narrowed task is not "pinned" for the next upcall. A user's
 *     sched_setaffinity in that window is overwritten by the restore.
 */
#include <linux/cpu.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smpboot.h>
#include "cy.h"

#define CY_SA_RESTORE_MS 20

static DEFINE_PER_CPU(struct task_struct *, cy_sa_thread);
static DEFINE_PER_CPU(struct task_struct *, cy_sa_victim); /* set by the IRQ */

struct cy_sa_restore {
	struct delayed_work dw;
	struct list_head link; /* on cy_sa_restores until reaped */
	bool done;	       /* the affinity is back: reap it */
	struct task_struct *task;
	cpumask_var_t mask;
};

static LIST_HEAD(cy_sa_restores);
static DEFINE_SPINLOCK(cy_sa_restores_lock);

static void cy_sa_restore_fn(struct work_struct *w)
{
	struct cy_sa_restore *r = container_of(to_delayed_work(w), struct cy_sa_restore, dw);

	set_cpus_allowed_ptr(r->task, r->mask);
	spin_lock(&cy_sa_restores_lock);
	r->done = true; /* freed by cy_sa_reap, never here: cancel_*_sync may still look at it */
	spin_unlock(&cy_sa_restores_lock);
	/* Not needed by cy_sa_own_mask once done (it skips done entries under the lock). */
	put_task_struct(r->task);
	free_cpumask_var(r->mask);
}

/*
 * The task's own affinity into `mask`: from a restore still pending for it (an
 * earlier upcall narrowed it: rule 4), else its current one. true if pending.
 */
static bool cy_sa_own_mask(struct task_struct *t, struct cpumask *mask)
{
	struct cy_sa_restore *r;
	bool pending = false;

	spin_lock(&cy_sa_restores_lock);
	list_for_each_entry(r, &cy_sa_restores, link)
	{
		if (r->task == t && !r->done) {
			cpumask_copy(mask, r->mask);
			pending = true;
			break;
		}
	}
	spin_unlock(&cy_sa_restores_lock);
	if (!pending)
		cpumask_copy(mask, t->cpus_ptr);
	return pending;
}

/* Free the restores that ran (process context); `all` waits for the others first. */
static void cy_sa_reap(bool all)
{
	struct cy_sa_restore *r, *n;
	LIST_HEAD(dead);

	spin_lock(&cy_sa_restores_lock);
	list_for_each_entry_safe(r, n, &cy_sa_restores, link) if (r->done || all)
		list_move(&r->link, &dead);
	spin_unlock(&cy_sa_restores_lock);
	list_for_each_entry_safe(r, n, &dead, link)
	{
		if (cancel_delayed_work_sync(&r->dw))
			cy_sa_restore_fn(&r->dw.work); /* unload: give the affinity back now */
		list_del(&r->link);
		kfree(r);
	}
}

/* Rule 1, 2: hard IRQ on the vCPU the upcall concerns. */
void cy_sa_upcall(void)
{
	unsigned int cpu = smp_processor_id();
	u32 vcpu = cy_vcpu_of(cpu);
	struct task_struct *t;

	if (!cy.sa_on || vcpu >= CY_SHARED_VCPUS || !READ_ONCE(cy.shared->vcpu[vcpu].sa_pending))
		return;
	if (this_cpu_read(cy_sa_victim))
		return; /* this upcall is already in the thread's hands */
	this_cpu_inc(cy_pcpu.sa_upcalls);
	if (is_idle_task(current) || !this_cpu_read(cy_sa_thread)) {
		if (cy_hc(CYPRESS_HC_SA_ACK, CY_SA_BLOCK, 0, 0) == 0)
			this_cpu_inc(cy_pcpu.sa_acks);
		return;
	}
	t = current;
	get_task_struct(t);
	this_cpu_write(cy_sa_victim, t);
	wake_up_process(this_cpu_read(cy_sa_thread));
}

static int cy_sa_should_run(unsigned int cpu)
{
	return this_cpu_read(cy_sa_victim) != NULL;
}

/* Rule 3, 4: the SA thread, on the preempted vCPU, the victim queued behind it. */
static void cy_sa_run(unsigned int cpu)
{
	struct task_struct *t = this_cpu_read(cy_sa_victim);
	struct cy_sa_restore *r = NULL;
	cpumask_var_t own, to;
	bool moved = false, pending = false;

	if (t != current && !(t->flags & (PF_KTHREAD | PF_EXITING)) &&
	    zalloc_cpumask_var(&own, GFP_KERNEL)) {
		if (zalloc_cpumask_var(&to, GFP_KERNEL)) {
			pending = cy_sa_own_mask(t, own);
			cpumask_and(to, own, cpu_online_mask);
			cpumask_clear_cpu(cpu, to);
			if (!pending && !cpumask_empty(to)) {
				r = kzalloc(sizeof(*r), GFP_KERNEL);
				if (r && !zalloc_cpumask_var(&r->mask, GFP_KERNEL)) {
					kfree(r);
					r = NULL;
				}
			}
			if (!cpumask_empty(to) && (pending || r))
				moved = !set_cpus_allowed_ptr(t, to);
			if (r)
				cpumask_copy(r->mask, own); /* what the restore gives back */
			free_cpumask_var(to);
		}
		free_cpumask_var(own);
	}
	if (moved)
		this_cpu_inc(cy_pcpu.sa_moved);
	else
		this_cpu_inc(cy_pcpu.sa_stuck);
	if (r && moved) {
		r->task = t; /* the reference taken by the IRQ goes with it */
		INIT_DELAYED_WORK(&r->dw, cy_sa_restore_fn);
		spin_lock(&cy_sa_restores_lock);
		list_add(&r->link, &cy_sa_restores);
		spin_unlock(&cy_sa_restores_lock);
		schedule_delayed_work(&r->dw, msecs_to_jiffies(CY_SA_RESTORE_MS));
	} else {
		/* Narrowed again under a pending restore, or not moved: no new restore. */
		if (r)
			free_cpumask_var(r->mask);
		kfree(r);
		put_task_struct(t);
	}
	this_cpu_write(cy_sa_victim, NULL);
	if (cy_hc(CYPRESS_HC_SA_ACK, CY_SA_YIELD, 0, 0) == 0)
		this_cpu_inc(cy_pcpu.sa_acks);
	cy_sa_reap(false);
}

static void cy_sa_setup(unsigned int cpu)
{
	sched_set_fifo(current);
}

static struct smp_hotplug_thread cy_sa_threads = {
	.store = &cy_sa_thread,
	.thread_should_run = cy_sa_should_run,
	.thread_fn = cy_sa_run,
	.thread_comm = "cypress_sa/%u",
	.setup = cy_sa_setup,
};

int cy_sa_init(void)
{
	int err = smpboot_register_percpu_thread(&cy_sa_threads);

	if (err)
		pr_err(CY_NAME ": SA threads: %d\n", err);
	return err;
}

void cy_sa_exit(void)
{
	unsigned int cpu;

	smpboot_unregister_percpu_thread(&cy_sa_threads);
	cy_sa_reap(true); /* the restores must not outlive the module */
	for_each_possible_cpu(cpu)
	{
		struct task_struct *t = per_cpu(cy_sa_victim, cpu);

		if (t)
			put_task_struct(t);
		per_cpu(cy_sa_victim, cpu) = NULL;
	}
}

void cy_sa_totals(unsigned long *up, unsigned long *acks, unsigned long *moved,
		  unsigned long *stuck)
{
	unsigned int cpu;

	*up = *acks = *moved = *stuck = 0;
	for_each_possible_cpu(cpu)
	{
		struct cy_pcpu *p = per_cpu_ptr(&cy_pcpu, cpu);

		*up += p->sa_upcalls;
		*acks += p->sa_acks;
		*moved += p->sa_moved;
		*stuck += p->sa_stuck;
	}
}
