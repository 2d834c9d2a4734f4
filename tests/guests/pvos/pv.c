// SPDX-License-Identifier: MIT
/*
 * pvos: the paravirtual glue, what docs/pv-port.md asks of a guest kernel.
 *   - The event vector (CORE_NOTIFY): the handler takes every event bit with
 *     cyl_events_dispatch() and only counts them; the init thread acts
 *     (balloon, lease) outside interrupt context.
 *   - The SA upcall: the handler notes the entry TSC, sends its EOI, marks
 *     the running thread to move to the least loaded other online cpu and
 *     switches to the scheduler context, which requeues the thread there and
 *     then acks (sa_ack_now): CY_SA_YIELD if its own queue has work,
 *     CY_SA_BLOCK if not. The vCPU is preempted inside SA_ACK.
 *   - Offline: the cpu leaves the online set under its run-queue lock, hands
 *     its queue to the others and calls VCPU_OFFLINE from its scheduler
 *     context; online: INIT-SIPI-SIPI through the library's trampoline,
 *     reusing the cpu's boot stack slot, back into ap_main.
 * Environment: pvos kernel; handlers with interrupts off.
 */
#include "tests/guests/pvos/kern.h"

struct cy_shared pv_area __attribute__((aligned(4096)));

volatile uint64_t ev_core_tsc[NCPU];
volatile uint32_t ev_core[NCPU], ev_lease_granted[NCPU], ev_lease_ending[NCPU],
	ev_lease_ended[NCPU], ev_balloon, ev_exchange;

extern char ap_trampoline_start[], ap_trampoline_end[];

static void event_handler(struct irq_frame *f)
{
	struct cyl_events e;
	uint64_t now = rdtsc();

	(void)f;
	if (!cyl_events_dispatch(&pv_area, ncpus, &e))
		return;
	for (uint32_t i = 0; i < ncpus && i < NCPU; i++) {
		if (e.vcpu[i] & CY_EV_CORE) {
			ev_core[i]++;
			ev_core_tsc[i] = now;
		}
		if (e.vcpu[i] & CY_EV_LEASE_GRANTED)
			ev_lease_granted[i]++;
		if (e.vcpu[i] & CY_EV_LEASE_ENDING)
			ev_lease_ending[i]++;
		if (e.vcpu[i] & CY_EV_LEASE_ENDED)
			ev_lease_ended[i]++;
	}
	if (e.partition & CY_EV_BALLOON) {
		ev_balloon++;
		balloon_event_tsc = rdtsc();
		balloon_kick();
	}
	if (e.partition & CY_EV_EXCHANGE)
		ev_exchange++;
}

const char *const sa_kinds[SA_KINDS] = { "idle", "init", "spin", "block", "compute", "other" };
volatile uint32_t sa_landed[SA_KINDS];

static uint32_t kind_of(const struct thread *t)
{
	if (!t)
		return 0;
	for (uint32_t k = 1; k < SA_KINDS - 1; k++)
		if (!strncmp(t->name, sa_kinds[k], 8))
			return k;
	return SA_KINDS - 1;
}

void sa_handler(struct irq_frame *f)
{
	struct cpu *c = cur_cpu();
	struct thread *t = c->current;

	(void)f;
	c->sa_entry_tsc = rdtsc();
	c->sa_upcalls++;
	__atomic_fetch_add(&sa_landed[kind_of(t)], 1, __ATOMIC_RELAXED);
	if (sa_registered && cyl_sa_pending(&pv_area, c->id))
		c->sa_pending_seen++;
	if (t && t->last_tsc && t->last_tsc < c->sa_entry_tsc) {
		c->sa_gap_ticks += c->sa_entry_tsc - t->last_tsc;
		c->sa_gap_samples++;
	}
	c->sa_due++;
	lapic_eoi(); /* before switching away (kern.h rule 3) */
	if (!t)
		return; /* the scheduler context: it acks at its loop's top */
	int32_t to = pick_other_cpu(c->id);
	if (to != NO_TARGET) {
		t->migrate_to = to;
		c->sa_moved++;
	}
	sched_preempt_from_irq();
	/* Resumed later, wherever the thread was sent: return into it. */
}

volatile uint32_t sa_registered;

void sa_ack_now(struct cpu *c)
{
	uint32_t how = c->rq_len ? CY_SA_YIELD : CY_SA_BLOCK;
	uint64_t now = rdtsc();

	/* Two upcalls may meet here (the second taken between the scheduler's
	 * HLT and its CLI): one ack answers both, as the hypervisor sends no
	 * second upcall while one is pending. */
	c->sa_ack_ticks += now - c->sa_entry_tsc;
	c->sa_acks += c->sa_due;
	c->sa_due = 0;
	/* A simulated upcall (an IPI pvos sent itself) has nobody to ack to. */
	if (sa_registered && cyl_sa_ack(how) != 0)
		c->sa_ack_errors++;
}

void pv_init(void)
{
	irq_register(VEC_EVENT, event_handler);
	irq_register(VEC_SA, sa_handler);
}

/* ---- offline / online ---- */

void cpu_go_offline(struct cpu *c)
{
	struct thread *list;
	uint32_t n = 0;

	spin_lock(&c->rq_lock);
	__atomic_store_n(&c->online, 0, __ATOMIC_RELEASE);
	list = c->rq_head;
	c->rq_head = c->rq_tail = NULL;
	c->rq_len = 0;
	spin_unlock(&c->rq_lock);
	while (list) {
		struct thread *t = list;

		list = t->next;
		int32_t to = pick_other_cpu(c->id);
		thread_enqueue(t, to == NO_TARGET ? 0 : (uint32_t)to);
		n++;
	}
	gprintf("pvos: cpu %u: %u threads moved away, going offline\n", c->id, n);
	__atomic_store_n(&c->offline_req, 0, __ATOMIC_RELEASE);
	int32_t rc = cyl_vcpu_offline(); /* on success: INIT/SIPI brings it back to ap_main */
	c->offline_rc = rc;
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
}

int32_t cpu_offline(uint32_t v, uint64_t *ticks, uint32_t grace_ms)
{
	struct cpu *c = &cpus[v];
	uint64_t t0 = rdtsc(), end = tsc_after_us(200 * 1000);

	if (v == 0 || v >= ncpus || !c->online)
		return CY_EINVAL;
	c->offline_rc = 1; /* "no answer yet" */
	__atomic_store_n(&c->offline_req, 1, __ATOMIC_RELEASE);
	kick(v);
	/* It either leaves the online set for good (VCPU_OFFLINE worked) or
	 * comes back with an error in offline_rc. */
	while (rdtsc() < end) {
		if (c->offline_rc != 1)
			return c->offline_rc;
		if (!c->online && !c->offline_req) {
			/* It left the online set and called VCPU_OFFLINE: an error
			 * comes back at once (unless the vCPU is descheduled right
			 * then), success never does. */
			*ticks = rdtsc() - t0;
			uint64_t grace = tsc_after_us(grace_ms * 1000);
			while (c->offline_rc == 1 && rdtsc() < grace)
				yield();
			return c->offline_rc == 1 ? 0 : c->offline_rc;
		}
		yield();
	}
	return CY_EBUSY;
}

static bool page_ok(uint32_t page)
{
	for (unsigned int i = 0; i < mb_region_count(); i++) {
		const struct mb_region *r = mb_region(i);

		if (r->type == MB_MMAP_RAM && r->base <= page && page + 4096 <= r->base + r->len)
			return !mb_boot_data_overlaps(page, 4096);
	}
	return false;
}

/*
 * SDM Vol 3A 9.4.4.1 asks 10 ms between INIT and STARTUP for real
 * processors; Cypress handles INIT when it is sent (docs/pv-port.md), so a
 * paravirtual kernel may wait less: init_delay_us, 10000 unless set.
 */
uint32_t init_delay_us = 10000;

bool cpu_online(uint32_t v, uint64_t *ticks)
{
	struct cpu *c = &cpus[v];
	uint32_t page = 0;
	uint64_t t0 = rdtsc();

	for (uint32_t p = 0x7000; p < 0x9f000 && !page; p += 4096)
		if (page_ok(p))
			page = p;
	if (!page)
		return false;
	memcpy((void *)(uintptr_t)page, ap_trampoline_start,
	       (size_t)(ap_trampoline_end - ap_trampoline_start));
	/* ap_entry32 takes its stack slot from ap_next_slot: hand it the slot
	 * this cpu had, whose scheduler context died with the offline. */
	__atomic_store_n(&ap_next_slot, c->boot_slot, __ATOMIC_SEQ_CST);
	lapic_send_init(v);
	delay_us(init_delay_us);
	lapic_send_sipi(v, (uint8_t)(page >> 12));
	delay_us(200);
	if (!c->online)
		lapic_send_sipi(v, (uint8_t)(page >> 12));
	uint64_t end = tsc_after_us(500 * 1000);
	while (!c->online && rdtsc() < end)
		yield();
	*ticks = rdtsc() - t0;
	return c->online;
}

void ap_main(unsigned int slot)
{
	struct cpu_local *cl = this_cpu();
	struct cpu *c = &cpus[cl->apic_id % NCPU];

	cl->index = cl->apic_id;
	c->boot_slot = slot;
	c->offline_req = 0;
	c->sa_due = 0; /* an upcall taken before VCPU_OFFLINE died with it */
	c->current = NULL;
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
	sched_loop();
}
