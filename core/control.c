// SPDX-License-Identifier: MIT
/*
 * Control hypercalls (core/control.h): the caller's side checks and copies
 * what the guest gave, the GPM's side (cpu 0) does the work with
 * core/partition.c. A refused call changes nothing.
 * Environment: freestanding hypervisor, see core/control.h.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/tsc.h"
#include "core/control.h"
#include "core/guest_load.h"
#include "core/lpm.h"
#include "core/manifest.h"
#include "core/msg.h"
#include "core/partition.h"
#include "core/plan.h"
#include "core/vcore.h"
#include "guest-abi/cypress.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define TEXT_MAX  4096
#define QUEUE_MAX 16
#define CALL_WAIT 0
#define CALL_DONE 1
#define CALL_GONE 2 /* the caller's VM ended while it waited: the GPM frees the call */

struct gpm_call {
	uint32_t nr;
	uint64_t a1, a2, a3;
	struct vm *caller;
	void *buf;    /* the guest's output buffer (checked), or NULL */
	uint32_t max; /* records it holds */
	int64_t ret;
	uint32_t state;			    /* CALL_*: caller and GPM each exchange it once */
	uint32_t len;			    /* text bytes */
	control_fn internal;		    /* control_submit(): the GPM's own work, no caller */
	void (*internal_done)(int64_t ret); /* told its answer; then the call is freed */
	char text[TEXT_MAX + 1];
};

/* Written at boot (control_ext_register), read-only after. */
static struct {
	control_fn fn;
	uint32_t rec;
} ext[CYPRESS_HC_COUNT];

void control_ext_register(uint32_t nr, control_fn fn, uint32_t rec)
{
	if (nr >= CYPRESS_HC_COUNT || ext[nr].fn)
		panic("control: hypercall %u registered twice or out of range", nr);
	ext[nr].fn = fn;
	ext[nr].rec = rec;
}

/* cpu 0 */
static struct gpm_call *queue[QUEUE_MAX];
static uint32_t q_head, q_len;
static bool running;
static struct manifest req; /* one call's manifest text, parsed */

static void finish(struct gpm_call *c, int64_t ret)
{
	if (c->internal) { /* nobody waits on a core: answer here and free it */
		if (c->internal_done)
			c->internal_done(ret);
		kfree(c);
		return;
	}
	c->ret = ret;
	if (__atomic_exchange_n(&c->state, CALL_DONE, __ATOMIC_ACQ_REL) == CALL_GONE)
		kfree(c);
}

static int64_t do_create(struct gpm_call *c)
{
	struct manifest_resources r;

	c->text[c->len] = '\0';
	if (manifest_parse(c->text, c->len, &req) < 0 || req.nparts != 1 || req.ndropped ||
	    !req.part[0].valid) {
		kprintf("gpm: create from '%s': not one valid [partition] section\n",
			c->caller->name);
		return -E_INVAL;
	}
	struct manifest_part *mp = &req.part[0];
	if (req.machine.present) {
		kprintf("gpm: create from '%s': [machine] belongs to the boot manifest\n",
			c->caller->name);
		return -E_INVAL;
	}
	for (uint32_t i = 0; i < VM_MAX; i++) {
		struct vm *o = partition_find(i);
		if (o && !strcmp(o->name, mp->name)) {
			kprintf("gpm: create from '%s': partition '%s' exists\n", c->caller->name,
				mp->name);
			return -E_EXIST;
		}
	}
	const struct mb2_module *mod = partition_module(mp->kernel);
	if (!mod) {
		kprintf("gpm: create from '%s': no boot module '%s'\n", c->caller->name,
			mp->kernel);
		return -E_NOENT;
	}
	partition_manifest_resources(&r);
	uint64_t free_bytes = r.mem_free_bytes;
	if (mp->mem_bytes > free_bytes) {
		kprintf("gpm: create from '%s': %llu MiB asked, %llu MiB free\n", c->caller->name,
			(unsigned long long)(mp->mem_bytes >> 20),
			(unsigned long long)(free_bytes >> 20));
		return -E_RANGE;
	}
	struct guest_image img = { (const uint8_t *)(uintptr_t)mod->start, mod->end - mod->start,
				   mp->kernel };
	struct guest_module mods[MANIFEST_MODS_MAX + 1];
	struct guest_mods gmods;
	char missing[MANIFEST_MODULE_MAX];
	if (partition_guest_mods(mp, mods, &gmods, missing) < 0) {
		kprintf("gpm: create from '%s': no boot module '%s'\n", c->caller->name, missing);
		return -E_NOENT;
	}
	for (uint32_t f = 0; f < mp->nfwcfg && f < MANIFEST_FWCFG_MAX; f++) {
		if (!partition_module(mp->fwcfg[f].module)) {
			kprintf("gpm: create from '%s': no boot module '%s'\n", c->caller->name,
				mp->fwcfg[f].module);
			return -E_NOENT;
		}
	}
	if (guest_check(&img, mp->mem_bytes, mp->cmdline, &gmods) < 0)
		return -E_INVAL;
	req.machine = *plan_machine();
	if (manifest_assign(&req, &r) < 1)
		return -E_RANGE;
	int err = 0;
	struct vm *vm = partition_create(mp, &err);
	return vm ? (int64_t)vm->id : err;
}

/* Run call c on cpu 0. True: answered now; false: core/partition.c answers later. */
static bool run(struct gpm_call *c)
{
	struct vm *vm;
	int rc;

	if (c->internal) {
		int64_t r = c->internal(NULL, c->a1, c->a2, c->a3, NULL, (uint64_t)(uintptr_t)c);
		if (r == CONTROL_LATER)
			return false;
		finish(c, r);
		return true;
	}
	switch (c->nr) {
	case CYPRESS_HC_PART_CREATE:
		finish(c, do_create(c));
		return true;
	case CYPRESS_HC_PART_RESIZE:
		if (!c->a2 && !c->a3) {
			finish(c, -E_INVAL);
			return true;
		}
		if (!(vm = partition_find((uint32_t)c->a1))) {
			finish(c, -E_NOENT);
			return true;
		}
		rc = partition_resize(vm, (uint32_t)c->a2, (uint32_t)c->a3, (uint64_t)(uintptr_t)c);
		if (rc < 0) {
			finish(c, rc);
			return true;
		}
		return false;
	case CYPRESS_HC_PART_DESTROY:
		if (!(vm = partition_find((uint32_t)c->a1))) {
			finish(c, -E_NOENT);
			return true;
		}
		if (vm == c->caller) {
			finish(c, -E_INVAL);
			return true;
		}
		partition_destroy(vm, c->caller, (uint64_t)(uintptr_t)c);
		return false;
	case CYPRESS_HC_PART_LIST:
		finish(c, partition_list(c->buf, c->max));
		return true;
	case CYPRESS_HC_CORE_LIST:
		for (uint32_t i = 0; i < c->max; i++)
			plan_core_info(i, (struct cy_core_info *)c->buf + i);
		finish(c, pcpu_count);
		return true;
	case CYPRESS_HC_RESOURCES:
		partition_resources(c->buf);
		finish(c, 0);
		return true;
	case CYPRESS_HC_POWER_GET:
		finish(c, plan_power_get(c->caller->gpm_part, c->buf));
		return true;
	case CYPRESS_HC_POWER_SET:
		finish(c, plan_power_set(c->caller->gpm_part, c->a1));
		return true;
	default:
		if (c->nr < CYPRESS_HC_COUNT && ext[c->nr].fn) {
			int64_t r = ext[c->nr].fn(c->caller, c->a1, c->a2, c->a3, c->buf,
						  (uint64_t)(uintptr_t)c);
			if (r == CONTROL_LATER)
				return false;
			finish(c, r);
			return true;
		}
		finish(c, -E_NOSYS);
		return true;
	}
}

static void run_queued(void)
{
	while (!running && q_len) {
		struct gpm_call *c = queue[q_head];
		q_head = (q_head + 1) % QUEUE_MAX;
		q_len--;
		running = !run(c);
	}
}

void control_done(uint64_t arg, int64_t ret)
{
	finish((struct gpm_call *)(uintptr_t)arg, ret);
	running = false;
	run_queued();
}

bool control_busy(void)
{
	return running || q_len;
}

static void call_handler(const struct mbox_msg *m)
{
	struct gpm_call *c = (struct gpm_call *)(uintptr_t)m->arg[0];

	if (q_len == QUEUE_MAX) {
		finish(c, -E_BUSY);
		return;
	}
	queue[(q_head + q_len++) % QUEUE_MAX] = c;
	run_queued();
}

static int64_t never_run(struct vm *caller, uint64_t a1, uint64_t a2, uint64_t a3, void *buf,
			 uint64_t done_arg)
{
	(void)caller, (void)a1, (void)a2, (void)a3, (void)buf, (void)done_arg;
	return 0;
}

uint64_t control_placeholder(void)
{
	struct gpm_call *c = kzalloc(sizeof(*c));

	if (c)
		c->internal = never_run; /* only finished: by control_done() */
	return (uint64_t)(uintptr_t)c;
}

void control_placeholder_free(uint64_t p)
{
	kfree((void *)(uintptr_t)p);
}

void control_answer(uint64_t arg, int64_t ret)
{
	finish((struct gpm_call *)(uintptr_t)arg, ret);
}

int control_submit(control_fn fn, uint64_t a1, void (*done)(int64_t ret))
{
	struct gpm_call *c;

	if (this_cpu_id() != 0)
		panic("control: work submitted from cpu %u", this_cpu_id());
	if (q_len == QUEUE_MAX || !(c = kzalloc(sizeof(*c))))
		return -E_BUSY;
	c->internal = fn;
	c->internal_done = done;
	c->a1 = a1;
	queue[(q_head + q_len++) % QUEUE_MAX] = c;
	run_queued();
	return 0;
}

static void done_handler(const struct mbox_msg *m)
{
	control_done(m->arg[0], 0);
}

void control_register(void)
{
	msg_register(MSG_GPM_CALL, call_handler);
	msg_register(MSG_GPM_DONE, done_handler);
}

/* ---- the caller's side ---- */

int64_t control_hypercall(struct vcpu *v, uint32_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct gpm_call *c;
	size_t rec = 0;

	bool ctl = nr >= CYPRESS_HC_PART_CREATE && nr <= CYPRESS_HC_RESOURCES;
	if (ctl && !v->vm->control)
		return -E_PERM;
	if (!(c = kzalloc(sizeof(*c))))
		return -E_NOMEM;
	c->nr = nr;
	c->a1 = a1;
	c->a2 = a2;
	c->a3 = a3;
	c->caller = v->vm;
	switch (nr) {
	case CYPRESS_HC_PART_CREATE: {
		const char *t = a2 <= TEXT_MAX ? vm_gpa_to_host(v->vm, a1, a2) : NULL;
		if (!t || !a2) {
			kfree(c);
			return a2 > TEXT_MAX || !t ? -E_RANGE : -E_INVAL;
		}
		memcpy(c->text, t, a2); /* a copy: the guest may change its buffer meanwhile */
		c->len = (uint32_t)a2;
		break;
	}
	case CYPRESS_HC_PART_LIST:
		rec = sizeof(struct cy_part_info);
		c->max = a2 < VM_MAX ? (uint32_t)a2 : VM_MAX;
		break;
	case CYPRESS_HC_CORE_LIST:
		rec = sizeof(struct cy_core_info);
		c->max = a2 < pcpu_count ? (uint32_t)a2 : pcpu_count;
		break;
	case CYPRESS_HC_RESOURCES:
		rec = sizeof(struct cy_resources);
		c->max = 1;
		break;
	case CYPRESS_HC_POWER_GET:
		rec = sizeof(struct cy_power);
		c->max = 1;
		break;
	default:
		if (nr < CYPRESS_HC_COUNT && ext[nr].rec) {
			rec = ext[nr].rec;
			c->max = 1;
		}
		break;
	}
	if (rec && c->max) {
		c->buf = vm_gpa_to_host(v->vm, a1, (uint64_t)rec * c->max);
		if (!c->buf) {
			kfree(c);
			return -E_RANGE;
		}
	}
	if (msg_send_sure(0, MSG_GPM_CALL, (uint64_t)(uintptr_t)c, 0, 0) < 0) {
		kfree(c);
		return -E_NOENT;
	}
	/* The answer comes from cpu 0; this core keeps serving its messages. */
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CALL_DONE) {
		if (vm_ended(v->vm) &&
		    __atomic_exchange_n(&c->state, CALL_GONE, __ATOMIC_ACQ_REL) == CALL_WAIT)
			return -E_BUSY; /* nobody reads it: the GPM frees the call */
		msg_poll();
		cpu_relax();
	}
	int64_t ret = c->ret;
	kfree(c);
	return ret;
}

int64_t control_vcpu_move(struct vcpu *v, uint64_t vcpu, uint64_t k)
{
	return lpm_request_move(v->vm, vcpu > UINT32_MAX ? UINT32_MAX : (uint32_t)vcpu,
				k > UINT32_MAX ? UINT32_MAX : (uint32_t)k);
}

int64_t control_vcpu_where(struct vcpu *v, uint64_t vcpu)
{
	struct vm *vm = v->vm;

	if (vcpu >= __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE))
		return -E_NOENT;
	uint32_t cpu = __atomic_load_n(&vm->vcpu[vcpu]->pcpu, __ATOMIC_ACQUIRE);
	return cpu == NO_CPU ? (int64_t)-E_BUSY :
			       (int64_t)cpu; /* added by a resize, not placed yet */
}

int64_t control_core_info(struct vcpu *v, uint64_t vcpu, uint64_t gpa)
{
	struct vm *vm = v->vm;
	struct cy_core_desc d;

	if (vcpu >= __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE))
		return -E_NOENT;
	struct cy_core_desc *out = vm_gpa_to_host(vm, gpa, sizeof(*out));
	if (!out)
		return -E_RANGE;
	const struct vcpu *t = vm->vcpu[vcpu];
	uint32_t cpu = __atomic_load_n(&t->pcpu, __ATOMIC_ACQUIRE);
	if (cpu == NO_CPU)
		return -E_BUSY; /* added by a resize, not placed yet */
	plan_core_desc(cpu, &d);
	d.moves = __atomic_load_n(&t->moves, __ATOMIC_RELAXED);
	memcpy(out, &d, sizeof(d));
	return 0;
}

int64_t control_core_notify(struct vcpu *v, uint64_t vector)
{
	/* Vectors 0-31 are exceptions (SDM 3A 6.2); an IPI with one is illegal. */
	if (vector && (vector < 32 || vector > 255))
		return -E_INVAL;
	__atomic_store_n(&v->vm->core_notify_vec, (uint8_t)vector, __ATOMIC_RELEASE);
	return 0;
}

static uint64_t ticks_to_us(uint64_t t)
{
	return tsc_khz ? t / tsc_khz * 1000 + t % tsc_khz * 1000 / tsc_khz : 0;
}

/* Its run time including the turn it is in now: a vCPU alone on its core
 * may stay in one turn for its whole life. */
static uint64_t run_now(const struct vcpu *t)
{
	uint64_t sum, since;
	uint32_t seq;

	/* The owner core holds run_seq odd for a few stores, never waiting on
	 * anything: a bounded retry (the last reading stands after that). */
	for (int tries = 0; tries < 1000; tries++) {
		seq = __atomic_load_n(&t->run_seq, __ATOMIC_ACQUIRE);
		sum = __atomic_load_n(&t->run_ticks, __ATOMIC_RELAXED);
		since = __atomic_load_n(&t->turn_tsc, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == __atomic_load_n(&t->run_seq, __ATOMIC_RELAXED))
			break;
		cpu_relax();
	}
	uint64_t now = rdtsc();
	return sum + (since && now > since ? now - since : 0);
}

int64_t control_load_get(struct vcpu *v, uint64_t gpa, uint64_t count)
{
	struct vm *vm = v->vm;
	uint32_t n = __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE);
	uint32_t max = count < n ? (uint32_t)count : n;
	struct cy_vcpu_load *out = max ? vm_gpa_to_host(vm, gpa, (uint64_t)max * sizeof(*out)) :
					 NULL;

	if (max && !out)
		return -E_RANGE;
	for (uint32_t i = 0; i < max; i++) {
		const struct vcpu *t = vm->vcpu[i];
		uint32_t cpu = __atomic_load_n(&t->pcpu, __ATOMIC_ACQUIRE);
		/* Statistics another core writes: a value may be one turn old. */
		struct cy_vcpu_load l = {
			.cpu = cpu,
			.sharing = cpu == NO_CPU ? 0 : vcore_hosted(cpu),
			.run_us = ticks_to_us(run_now(t)),
			.steal_us = ticks_to_us(__atomic_load_n(&t->steal_ticks, __ATOMIC_RELAXED)),
		};
		memcpy(&out[i], &l, sizeof(l));
	}
	return n;
}

int64_t control_load_report(struct vcpu *v, uint64_t threads)
{
	if (threads > 1000000)
		return -E_RANGE;
	__atomic_store_n(&v->vm->guest_load, (uint32_t)threads, __ATOMIC_RELEASE);
	return 0;
}
