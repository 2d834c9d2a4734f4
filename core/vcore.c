// SPDX-License-Identifier: MIT
/*
 * The per-core vCPU loop (core/vcore.h). Read top to bottom: the owner
 * checks, hosting and the policy choice, the timer each core multiplexes
 * over its vCPUs, arrivals and departures (adopt, migrate, drop), waking
 * blocked vCPUs, and the loop itself.
 * Environment: freestanding hypervisor, VMX root, the owning core,
 * interrupts off except inside safe_halt().
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/vmx.h"
#include "core/lpm.h"
#include "core/msg.h"
#include "core/pool.h"
#include "core/sa.h"
#include "core/shared.h"
#include "core/trace.h"
#include "core/vcore.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/heap.h"

struct vcore {
	uint32_t owner; /* the cpu this belongs to: every mutation checks it */
	struct sched_core sc;
	struct runq_entry *slots[VCORE_MAX];
	struct vcpu *hosted[VCORE_MAX];
	uint32_t nhosted;
	uint32_t nparked;	   /* of them, offline by VCPU_OFFLINE: they never run, nor count */
	struct vcpu *ctx_owner;	   /* whose CR2/DRs/MSRs/FPU the core's registers hold */
	struct vcpu *vmcs_current; /* whose VMCS is current (VMPTRLD) */
	struct vcpu *running;	   /* inside vcpu_enter() now */
	struct vcpu *traced;	   /* last `run` event recorded */
	uint64_t turn_start;	   /* TSC when `running` entered the guest */
	uint64_t slice;		   /* TSC ticks per turn when shared */
	uint64_t timer_armed;	   /* the host timer's deadline, 0 = off */
	volatile bool timer_check; /* the host timer fired: look at the deadlines */
	/* Statistics (read by cpu 0 at the end of the run). */
	struct vcpu *last_ran;
	uint64_t last_exit; /* TSC when last_ran left the guest; 0 after idling */
	struct vcore_stats st;
};

static uint64_t owner_violations;

/* ---- owner checks: the only writer of a core's runqueue and vCPUs is that core ---- */

static bool own(const struct vcore *c, const char *what)
{
	if (__builtin_expect(c->owner == this_cpu_id(), 1))
		return true;
	__atomic_fetch_add(&owner_violations, 1, __ATOMIC_RELAXED);
	kprintf("BUG: cpu %u tried to %s on cpu %u's runqueue; refused\n", this_cpu_id(), what,
		c->owner);
	return false;
}

static bool own_vcpu(const struct vcpu *v, const char *what)
{
	uint32_t o = __atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE);

	if (__builtin_expect(o == this_cpu_id(), 1))
		return true;
	__atomic_fetch_add(&owner_violations, 1, __ATOMIC_RELAXED);
	kprintf("BUG: cpu %u tried to %s vm %s vcpu %u, which cpu %u owns; refused\n",
		this_cpu_id(), what, v->vm->name, v->id, o);
	return false;
}

uint64_t vcore_owner_violations(void)
{
	return __atomic_load_n(&owner_violations, __ATOMIC_RELAXED);
}

/* This core's vcore, made on first use by the core itself. */
static struct vcore *this_vcore(void)
{
	struct pcpu *p = this_cpu();

	if (__builtin_expect(!p->vcore, 0)) {
		struct vcore *c = kzalloc(sizeof(*c));
		if (!c)
			panic("cpu %u: no memory for its runqueue", p->id);
		c->owner = p->id;
		c->slice = tsc_from_us(VCORE_SLICE_US_DEFAULT);
		sched_noop_ops.init(&c->sc, NULL, 0, 0);
		p->vcore = c;
	}
	return p->vcore;
}

uint32_t vcore_hosted(uint32_t cpu)
{
	struct pcpu *p = cpu < CONFIG_MAX_CPUS ? pcpu_by_id[cpu] : NULL;
	struct vcore *c = p ? __atomic_load_n(&p->vcore, __ATOMIC_ACQUIRE) : NULL;

	/* Offline vCPUs (VCPU_OFFLINE) are parked: they never run, so they
	 * share nothing with the vCPU that runs here. */
	return c ? __atomic_load_n(&c->nhosted, __ATOMIC_RELAXED) -
			       __atomic_load_n(&c->nparked, __ATOMIC_RELAXED) :
		   0;
}

/* ---- the runqueue through sched/ ---- */

static void rq_add(struct vcore *c, struct vcpu *v, bool wakeup)
{
	if (!own(c, "enqueue") || v->sv.runnable)
		return;
	v->sv.id = v->vm->id * VM_MAX_VCPUS + v->id;
	v->sv.weight = v->vm->weight * SCHED_WEIGHT_DEFAULT;
	v->wait_since = rdtsc();
	int rc = c->sc.ops->enqueue(&c->sc, &v->sv, wakeup);
	if (rc < 0)
		vm_fail(v->vm, 0, "vcpu %u: cpu %u's runqueue refused it (%s)", v->id, c->owner,
			err_name(rc));
	/* The vCPU in the guest now may have a turn without a slice end (it
	 * was alone): it yields at its next exit and the policy decides. */
	if (c->running && c->running != v)
		pcpu_resched(this_cpu());
}

/* Take v out of the runqueue, and out of `current` if it was: it may be
 * runnable somewhere else next (sched/ops.h, enqueue's precondition). */
static void rq_del(struct vcore *c, struct vcpu *v)
{
	if (!own(c, "dequeue"))
		return;
	if (v->sv.runnable)
		c->sc.ops->dequeue(&c->sc, &v->sv);
	v->wait_since = 0; /* not runnable: not waiting */
	if (c->sc.curr == &v->sv) {
		if (c->sc.ops == &sched_fair_ops)
			sched_fair_put_prev(&c->sc); /* not runnable: only clears curr */
		else
			c->sc.curr = NULL;
	}
}

/* noop while one vCPU lives here, fair with the shortest slice of its
 * partitions when several do. The runnable vCPUs carry over. */
static void repolicy(struct vcore *c)
{
	struct pcpu *p = this_cpu();
	uint32_t active = c->nhosted - c->nparked;
	const struct sched_ops *want = active > 1 ? &sched_fair_ops : &sched_noop_ops;
	uint32_t us = 0;

	for (uint32_t i = 0; i < c->nhosted; i++) {
		if (c->hosted[i]->offline)
			continue;
		uint32_t s = c->hosted[i]->vm->slice_us ? c->hosted[i]->vm->slice_us :
							  VCORE_SLICE_US_DEFAULT;
		if (!us || s < us)
			us = s;
	}
	us = us ? us : VCORE_SLICE_US_DEFAULT;
	uint64_t slice = tsc_from_us(us);
	/* Read by senders on other cores as hints (notice_unneeded()). */
	__atomic_store_n(&p->timeshared, active > 1, __ATOMIC_RELAXED);
	__atomic_store_n(&p->vcore_parked, c->nparked != 0, __ATOMIC_RELAXED);
	p->slice_us = us;
	if (c->sc.ops == want && (want != &sched_fair_ops || c->sc.slice == slice))
		return;
	c->slice = slice;
	struct vcpu *run[VCORE_MAX];
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nhosted; i++)
		if (c->hosted[i]->sv.runnable)
			run[n++] = c->hosted[i];
	want->init(&c->sc, c->slots, VCORE_MAX, slice);
	for (uint32_t i = 0; i < n; i++) {
		run[i]->sv.runnable = false;
		rq_add(c, run[i], false);
	}
}

/* ---- the host timer, shared by the vLAPIC timers of the vCPUs here ---- */

static void timer_fired(void *arg);

static void timer_update(struct vcore *c)
{
	uint64_t next = 0;

	for (uint32_t i = 0; i < c->nhosted; i++) {
		uint64_t d = c->hosted[i]->timer_deadline;
		if (d && (!next || d < next))
			next = d;
	}
	if (next == c->timer_armed)
		return;
	c->timer_armed = next;
	if (!next) {
		timer_cancel();
		return;
	}
	uint64_t now = rdtsc();
	uint64_t us = next > now ? (next - now) * 1000 / tsc_khz : 0;
	timer_oneshot_us(us ? us : 1, timer_fired, c);
}

/* In the timer interrupt, on this core: mark the vCPUs whose deadline
 * passed; a blocked one may wake, so the running one yields if shared. */
static void timer_fired(void *arg)
{
	struct vcore *c = arg;
	uint64_t now = rdtsc();
	bool wake = false;

	c->timer_armed = 0;
	for (uint32_t i = 0; i < c->nhosted; i++) {
		struct vcpu *v = c->hosted[i];
		if (v->timer_deadline && v->timer_deadline <= now) {
			v->timer_deadline = 0;
			v->timer_due = true;
			wake |= v->blocked;
		}
	}
	c->timer_check = true;
	if (wake && c->running)
		pcpu_resched(this_cpu());
	timer_update(c);
}

void vcore_timer_set(struct vcpu *v, uint64_t deadline)
{
	v->timer_deadline = deadline;
	if (__atomic_load_n(&v->pcpu, __ATOMIC_RELAXED) == this_cpu_id())
		timer_update(this_vcore());
}

/* ---- hosting ---- */

static bool host_add(struct vcore *c, struct vcpu *v)
{
	if (!own(c, "host a vCPU") || !own_vcpu(v, "host"))
		return false;
	if (c->nhosted == VCORE_MAX) {
		vm_fail(v->vm, 0, "vcpu %u: cpu %u already hosts %u vCPUs", v->id, c->owner,
			VCORE_MAX);
		return false;
	}
	c->hosted[c->nhosted] = v;
	if (v->offline)
		__atomic_store_n(&c->nparked, c->nparked + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->nhosted, c->nhosted + 1, __ATOMIC_RELAXED);
	repolicy(c);
	timer_update(c);
	return true;
}

static void host_remove(struct vcore *c, struct vcpu *v)
{
	for (uint32_t i = 0; i < c->nhosted; i++) {
		if (c->hosted[i] != v)
			continue;
		c->hosted[i] = c->hosted[c->nhosted - 1];
		if (v->offline)
			__atomic_store_n(&c->nparked, c->nparked - 1, __ATOMIC_RELAXED);
		__atomic_store_n(&c->nhosted, c->nhosted - 1, __ATOMIC_RELAXED);
		break;
	}
	if (c->ctx_owner == v)
		c->ctx_owner = NULL;
	if (c->last_ran == v)
		c->last_ran = NULL;
	if (c->vmcs_current == v)
		c->vmcs_current = NULL;
	if (c->traced == v)
		c->traced = NULL;
	repolicy(c);
	timer_update(c);
}

static bool startable(const struct vcpu *v)
{
	return v->state == VCPU_RUNNING ? !v->blocked : v->start_boot || v->start_sipi;
}

/* A vCPU handed to this core by its LPM (placement) or its old core (migration). */
static void adopt_handler(const struct mbox_msg *m)
{
	struct vcpu *v = (struct vcpu *)(uintptr_t)m->arg[0];
	struct vcore *c = this_vcore();

	if (!host_add(c, v))
		return;
	if (pool_adopted(v, m->arg[1])) {
		/* A micro-slice trip (core/pool.h): no LPM news, no CORE_NOTIFY. */
		trace_event(TR_MIG_IN, v, (uint32_t)m->arg[2]);
	} else if (m->arg[1] == VCORE_ADOPT_MOVED) {
		trace_event(TR_MIG_IN, v, (uint32_t)m->arg[2]);
		__atomic_store_n(&v->moves, v->moves + 1, __ATOMIC_RELAXED);
		/* CORE_NOTIFY: the guest learns its core changed (a fixed interrupt,
		 * posted like any other; it reads CORE_INFO or its shared area). */
		shared_vcpu_update(v);
		if (!v->offline) /* an offline vCPU takes no interrupt until INIT/SIPI */
			shared_event(v->vm, (int32_t)v->id, CY_EV_CORE);
		lpm_moved(v, c->owner);
	} else {
		shared_vcpu_update(v);
	}
	if (startable(v))
		rq_add(c, v, v->state == VCPU_RUNNING);
	/* Interrupts posted while it travelled: the loop looks at them next. */
}

/* v leaves this core for v->migrate_to. Not running: called from the loop. */
static void migrate_out(struct vcore *c, struct vcpu *v)
{
	uint32_t to = v->migrate_to;

	v->migrate_to = NO_CPU;
	if (!own(c, "migrate from") || !own_vcpu(v, "migrate"))
		return;
	rq_del(c, v);
	if (c->ctx_owner == v)
		vcpu_ctx_save(v);
	if (v->vmcs_pa) {
		/* SDM 3C 25.11.1: VMCLEAR writes the VMCS back to memory before
		 * another core may VMPTRLD it. */
		vcpu_vmcs_unload(v);
		v->moved = true;
	}
	host_remove(c, v);
	trace_event(TR_MIG_OUT, v, to);
	v->mig_tsc = rdtsc();
	uint64_t kind = pool_adopt_kind(v); /* an LPM's move, or a micro-slice trip */
	/* The hand-over: from this store on, `to` owns v. */
	__atomic_store_n(&v->pcpu, to, __ATOMIC_RELEASE);
	if (msg_send_sure(to, MSG_VCPU_ADOPT, (uint64_t)(uintptr_t)v, kind, c->owner) < 0)
		vm_fail(v->vm, 0, "vcpu %u: cpu %u went offline while it moved there", v->id, to);
}

/* Its VM ended (or its LPM dropped a vCPU that never started): let it go for good. */
static void drop(struct vcore *c, struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (!own(c, "drop from") || !own_vcpu(v, "drop"))
		return;
	if (v->migrate_to != NO_CPU) {
		v->migrate_to = NO_CPU;
		if (!pool_cancel(v))
			lpm_moved(v, NO_CPU); /* the move its LPM waits for is off */
	}
	rq_del(c, v);
	if (v->vmcs_pa)
		vcpu_vmcs_unload(v);
	host_remove(c, v);
	v->state = VCPU_DONE;
	trace_event(TR_EXIT, v, 0);
	__atomic_fetch_sub(&vm->vcpus_running, 1, __ATOMIC_ACQ_REL);
	msg_send_sure(0, MSG_VCPU_DONE, vm->id, v->id, 0);
}

static void migrate_handler(const struct mbox_msg *m)
{
	struct vcpu *v = (struct vcpu *)(uintptr_t)m->arg[0];
	uint32_t to = (uint32_t)m->arg[1];

	if (!vm_ended(v->vm) && pool_forward(v, to))
		return; /* away on a micro-slice: the move reaches it there */
	if (__atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE) != this_cpu_id() || vm_ended(v->vm)) {
		lpm_moved(v, NO_CPU); /* it is not here (its VM ended): the move is off */
		return;
	}
	/* A second request before the first was carried out (a resize beside a
	 * guest's VCPU_MOVE): the last one wins, and the LPM hears that the
	 * first is off, so it still gets one answer per request. */
	if (v->migrate_to != NO_CPU && !pool_cancel(v))
		lpm_moved(v, NO_CPU);
	v->migrate_to = to;
	pcpu_resched(this_cpu()); /* if it is the one running, it leaves the guest */
}

static void drop_handler(const struct mbox_msg *m)
{
	struct vcpu *v = (struct vcpu *)(uintptr_t)m->arg[0];

	if (__atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE) == this_cpu_id() && v->state == VCPU_IDLE &&
	    !v->start_sipi)
		drop(this_vcore(), v);
}

/* ---- interrupts for vCPUs ---- */

/*
 * Whether a posted vector needs no notice beyond the owner's IPI: the
 * vCPU is started, online and alone (with nothing parked beside it) on a
 * core that is not time-shared. Every path it can be on there takes its
 * posts when the IPI arrives: its next VM entry, the halt loop it sleeps
 * in (vmexit_hlt), or its core's loop (wake()). The notice is for the
 * rest: a vCPU waiting behind another (the core must decide again, the
 * micro-sliced pool may rescue it), a parked or unstarted one, a moved
 * one (the old owner passes it on). The fields are the owner's, read as
 * hints: if the core turns time-shared after this look, the vector is
 * still taken at that core's next decision, a slice later at most.
 */
static bool notice_unneeded(const struct vcpu *to, uint8_t delivery, uint32_t cpu)
{
	const struct pcpu *t = cpu < CONFIG_MAX_CPUS ? pcpu_by_id[cpu] : NULL;

	return (delivery == VLAPIC_DM_FIXED || delivery == VLAPIC_DM_LOWEST) && t &&
	       !__atomic_load_n(&t->timeshared, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&t->vcore_parked, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&to->state, __ATOMIC_RELAXED) == VCPU_RUNNING &&
	       !__atomic_load_n(&to->offline, __ATOMIC_RELAXED);
}

static void post(struct vcpu *to, uint8_t delivery, uint8_t vector, uint32_t why)
{
	vcpu_post(to, delivery, vector);
	uint32_t cpu = __atomic_load_n(&to->pcpu, __ATOMIC_ACQUIRE);
	if (notice_unneeded(to, delivery, cpu)) {
		msg_kick(cpu); /* the IPI alone: about 200 ticks less each way */
		return;
	}
	/* With the owner's mailbox full, the bare IPI still makes it look:
	 * the loop and every VM entry check the posts themselves. */
	if (msg_send(cpu, MSG_VCPU_NOTIFY, (uint64_t)(uintptr_t)to, why, 0) == -E_FULL)
		msg_kick(cpu);
}

void vcore_post(struct vcpu *to, uint8_t delivery, uint8_t vector)
{
	post(to, delivery, vector, POOL_TRIG_IRQ);
}

void vcore_post_ipi(struct vcpu *to, uint8_t delivery, uint8_t vector)
{
	post(to, delivery, vector, POOL_TRIG_IPI);
}

void vcore_post_level(struct vcpu *to, uint8_t vector)
{
	/* Before the irr bit: the owner takes the two together (vcpu_post_take). */
	__atomic_fetch_or(&to->post.tmr[vector / 32], 1u << (vector % 32), __ATOMIC_RELEASE);
	post(to, VLAPIC_DM_FIXED, vector, POOL_TRIG_IRQ);
}

static void notify_handler(const struct mbox_msg *m)
{
	struct vcpu *v = (struct vcpu *)(uintptr_t)m->arg[0];
	struct vcore *c = this_vcore();
	uint32_t o = __atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE);

	if (vm_ended(v->vm))
		return;
	if (o != c->owner) {
		/* It moved on before the notice came: pass it on. */
		if (msg_send(o, MSG_VCPU_NOTIFY, m->arg[0], m->arg[1], 0) == -E_FULL)
			msg_kick(o);
		return;
	}
	pool_posted(v, (uint32_t)m->arg[1]); /* waiting here? maybe urgent */
	if (c->running && c->running != v)
		pcpu_resched(this_cpu()); /* the loop decides whether v wakes */
}

void vcore_repolicy(void)
{
	repolicy(this_vcore());
}

static void kick_handler(const struct mbox_msg *m)
{
	(void)m; /* the running vCPU leaves the guest; the loop drops what ended */
	pcpu_resched(this_cpu());
}

/* Take v's posted interrupts; make it runnable if they start or wake it. */
static void wake(struct vcore *c, struct vcpu *v)
{
	if (__atomic_load_n(&v->post.pending, __ATOMIC_ACQUIRE) &&
	    vcpu_post_take(v) == VLAPIC_START_SIPI && v->state == VCPU_IDLE) {
		if (v->offline) { /* back from VCPU_OFFLINE: it counts again */
			v->offline = false;
			__atomic_store_n(&c->nparked, c->nparked - 1, __ATOMIC_RELAXED);
			repolicy(c);
			shared_vcpu_update(v);
		}
		v->start_sipi = true;
		rq_add(c, v, false);
	}
	if (v->blocked && vcpu_lapic_wakeup(v)) {
		v->blocked = false;
		v->halted = false;
		trace_event(TR_WAKE, v, 0);
		rq_add(c, v, true);
	}
}

/* Before each decision: drop what ended, send off what must move, take
 * posted interrupts, wake what can. */
static void service(struct vcore *c)
{
	c->timer_check = false;
	for (uint32_t i = 0; i < c->nhosted; i++) {
		struct vcpu *v = c->hosted[i];
		if (vm_ended(v->vm)) {
			drop(c, v);
			i--;
			continue;
		}
		if (v->migrate_to != NO_CPU) {
			migrate_out(c, v);
			i--;
			continue;
		}
		wake(c, v);
	}
}

/* Make v the vCPU this core runs: its VMCS current (created on its first
 * run) and its registers loaded. False if v cannot run (its VM failed). */
static bool switch_to(struct vcore *c, struct vcpu *v)
{
	if (!own_vcpu(v, "run"))
		return false;
	if (c->ctx_owner != v) {
		if (c->ctx_owner)
			vcpu_ctx_save(c->ctx_owner);
		vcpu_ctx_load(v);
		c->ctx_owner = v;
	}
	if (!v->vmcs_pa) {
		bool sipi = v->start_sipi;
		int rc = sipi ? vcpu_vmcs_init_sipi(v, v->sipi_vec) :
				vcpu_vmcs_init(v, v->boot_entry, v->boot_mbi);
		v->start_sipi = v->start_boot = false;
		c->vmcs_current = v;
		if (rc < 0) {
			vm_fail(v->vm, v->boot_entry, "vcpu %u: VMCS set-up failed (%s)", v->id,
				err_name(rc));
			return false;
		}
		v->state = VCPU_RUNNING;
		v->moved = false;
		__atomic_fetch_add(&v->vm->vcpus_online, 1, __ATOMIC_ACQ_REL);
		if (sipi)
			kprintf("vm %s: vcpu %u started by STARTUP IPI at 0x%x on cpu %u\n",
				v->vm->name, v->id, v->sipi_vec << 12, c->owner);
	} else if (c->vmcs_current != v) {
		if (!vcpu_vmcs_load(v)) {
			vm_fail(v->vm, 0, "VMPTRLD of vcpu %u's VMCS failed", v->id);
			return false;
		}
		c->vmcs_current = v;
	}
	vcpu_xcr0_load(v);
	return true;
}

/*
 * VCPU_OFFLINE took v out of the guest (Linux's play_dead): it becomes an
 * AP that never started, parked on this core until INIT + STARTUP from a
 * sibling (service()) restarts it with a new VMCS (switch_to()).
 */
static void go_offline(struct vcore *c, struct vcpu *v)
{
	if (!own(c, "take offline") || !own_vcpu(v, "take offline"))
		return;
	v->offline_req = false;
	rq_del(c, v);
	if (c->vmcs_current == v)
		c->vmcs_current = NULL;
	vcpu_vmcs_discard(v);
	vlapic_init_signal(&v->lapic); /* its vLAPIC as after INIT */
	v->blocked = v->halted = false;
	v->start_sipi = false;
	__atomic_store_n(&v->state, VCPU_IDLE, __ATOMIC_RELEASE);
	v->offline = true;
	__atomic_store_n(&c->nparked, c->nparked + 1, __ATOMIC_RELAXED);
	c->traced = NULL;
	repolicy(c);
	timer_update(c);
	shared_vcpu_update(v);
	kprintf("vm %s: vcpu %u offline on cpu %u\n", v->vm->name, v->id, c->owner);
}

void vcore_request_offline(struct vcpu *v)
{
	v->offline_req = true;
	pcpu_resched(this_cpu()); /* vcpu_enter() returns after this exit */
}

/* One decision and, if something is runnable, one turn of it. */
static void run_next(struct vcore *c, struct pcpu *p)
{
	struct sched_vcpu *s = c->sc.ops->pick_next(&c->sc);

	if (!s) {
		c->last_exit = 0; /* a switch after idling is not a switch */
		if (c->traced) {
			trace_event(TR_IDLE, NULL, 0);
			c->traced = NULL;
		}
		if (mbox_empty(&p->shared.mbox) && !c->timer_check)
			safe_halt(); /* an IPI or the timer ends it */
		irq_disable();
		return;
	}
	struct vcpu *v = container_of(s, struct vcpu, sv);
	uint64_t t_sw = rdtsc();
	/* A first run builds the VMCS (and prints): not a switch. */
	bool counted = v->vmcs_pa && c->last_ran && c->last_ran != v && c->last_exit;
	if (!switch_to(c, v))
		return; /* its VM failed: service() drops it */
	if (counted)
		c->st.load_ticks += rdtsc() - t_sw;
	p->resched = false;
	p->slice_end = p->timeshared && c->sc.nr_runnable > 1 ? rdtsc() + c->slice : 0;
	pool_turn_begin(v, p); /* a micro-slice on a pool core */
	if (vmx_controls.pin & VMX_PIN_PREEMPTION_TIMER)
		vmwrite(VMCS_PREEMPTION_TIMER, vcpu_preempt_ticks(p));
	if (c->traced != v) {
		trace_event(TR_RUN, v, 0);
		c->traced = v;
	}
	c->running = v;
	uint64_t t = rdtsc();
	c->turn_start = t;
	if (counted) {
		c->st.switches++;
		c->st.switch_ticks += t - c->last_exit;
	}
	if (v->mig_tsc) {
		c->st.migrations++;
		c->st.migrate_ticks += t - v->mig_tsc;
		v->mig_tsc = 0;
	}
	c->st.turns++;
	if (v->wait_since) {
		v->steal_ticks += t - v->wait_since;
		v->wait_since = 0;
	}
	sa_turn(v);
	__atomic_store_n(&v->turn_tsc, t, __ATOMIC_RELEASE);
	int r = vcpu_enter(v);
	uint64_t now = rdtsc();
	sa_left(v, r);
	/* The turn joins the sum under run_seq, so LOAD_GET (core/control.c)
	 * neither counts it twice nor drops it: its readings only grow. */
	__atomic_store_n(&v->run_seq, v->run_seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&v->run_ticks, v->run_ticks + (now - t), __ATOMIC_RELAXED);
	__atomic_store_n(&v->turn_tsc, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&v->run_seq, v->run_seq + 1, __ATOMIC_RELEASE);
	if (v->sv.runnable)
		v->wait_since = now; /* back in the runqueue until its next turn */
	c->running = NULL;
	c->last_ran = v;
	c->last_exit = now;
	bool expired = p->slice_end > 1 && !p->resched && now >= p->slice_end;
	p->slice_end = 0;
	c->sc.ops->tick(&c->sc, now - t);
	pool_turn_end(v, r);
	if (v->offline_req && r != VMEXIT_STOP) {
		go_offline(c, v);
	} else if (r == VMEXIT_BLOCK) {
		rq_del(c, v);
		v->blocked = true;
		trace_event(TR_BLOCK, v, 0);
		c->traced = NULL;
	} else if (r == VMEXIT_YIELD && expired && c->sc.nr_runnable > 1) {
		trace_event(TR_PREEMPT, v, 0);
		c->traced = NULL;
		pool_preempted(v); /* inside a critical function: off to the pool */
	}
}

__noreturn void vcore_loop(void)
{
	struct pcpu *p = this_cpu();
	struct vcore *c = this_vcore();

	for (;;) {
		irq_disable();
		msg_poll();
		service(c);
		run_next(c, p);
	}
}

bool vcore_stats(uint32_t cpu, struct vcore_stats *out)
{
	struct pcpu *p = cpu < CONFIG_MAX_CPUS ? pcpu_by_id[cpu] : NULL;
	struct vcore *c = p ? __atomic_load_n(&p->vcore, __ATOMIC_ACQUIRE) : NULL;

	if (!c)
		return false;
	*out = c->st;
	return true;
}

bool vcore_slice_renew(struct vcpu *v)
{
	struct vcore *c = this_vcore();

	if (!own_vcpu(v, "renew the slice of") || c->running != v || v->migrate_to != NO_CPU)
		return false;
	/* A request to decide again (slice_end 1) may be a wake-up: the
	 * others wake first, as service() would, so the answer is the loop's. */
	struct pcpu *p = this_cpu();
	bool resched = p->slice_end == 1;
	if (resched)
		for (uint32_t i = 0; i < c->nhosted; i++)
			if (c->hosted[i] != v && !vm_ended(c->hosted[i]->vm))
				wake(c, c->hosted[i]);
	uint64_t now = rdtsc();
	if (c->sc.ops == &sched_fair_ops) {
		/* What fair_pick_next would do after charging this turn: the
		 * smallest key wins, ties going to the other vCPU. */
		const struct runq_entry *e = runq_peek_min(&c->sc.rq);
		uint64_t vr = v->sv.vruntime +
			      (now - c->turn_start) * SCHED_WEIGHT_DEFAULT / v->sv.weight;
		if (e && e->key <= vr)
			return false;
	}
	/* A re-decision keeps the turn's slice; an ended slice starts another. */
	uint64_t end = c->turn_start + c->slice;
	p->slice_end = resched && end > now ? end : now + c->slice;
	p->resched = false;
	return true;
}

void vcore_prepare(void)
{
	this_vcore();
}

int vcore_test_foreign_enqueue(uint32_t cpu)
{
	struct pcpu *t = cpu < CONFIG_MAX_CPUS ? pcpu_by_id[cpu] : NULL;
	struct vcore *c = t ? __atomic_load_n(&t->vcore, __ATOMIC_ACQUIRE) : NULL;
	static struct vcpu fake;

	if (!c)
		return -E_NOENT;
	uint64_t before = vcore_owner_violations();
	rq_add(c, &fake, false);
	return vcore_owner_violations() == before + 1 && !fake.sv.runnable ? 0 : -E_INVAL;
}

void vcore_register(void)
{
	msg_register(MSG_VCPU_ADOPT, adopt_handler);
	msg_register(MSG_VCPU_MIGRATE, migrate_handler);
	msg_register(MSG_VCPU_NOTIFY, notify_handler);
	msg_register(MSG_VCPU_DROP, drop_handler);
	msg_register(MSG_VM_KICK, kick_handler);
}
