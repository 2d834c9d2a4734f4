// SPDX-License-Identifier: MIT
/*
 * pvos: threads, per-cpu run queues and the scheduler loop (kern.h).
 * Each thread has a 16 KiB stack aligned to 16 KiB whose lowest bytes are a
 * struct cpu_local, so the library's this_cpu() (which masks %esp) works on
 * thread stacks too: the scheduler writes the cpu's id there before it
 * switches to the thread.
 * Environment: pvos kernel, any cpu.
 */
#include "tests/guests/pvos/kern.h"

struct kstack {
	struct cpu_local cl;
	struct thread *self; /* cur_thread(): stable while the thread moves */
	uint8_t rest[THREAD_STACK - sizeof(struct cpu_local) - sizeof(struct thread *)];
};

static struct kstack stacks[NTHREAD] __attribute__((aligned(THREAD_STACK)));
struct thread threads[NTHREAD];
struct cpu cpus[NCPU];
uint32_t ncpus;
static struct spinlock pool_lock;

void ctx_switch(uint32_t *save_esp, uint32_t new_esp);

struct cpu *cur_cpu(void)
{
	return &cpus[this_cpu()->index % NCPU];
}

/*
 * From the stack, not from cur_cpu()->current: with interrupts on, the
 * thread may move between reading its cpu and reading that cpu's current.
 * NULL in a scheduler context (a boot stack).
 */
struct thread *cur_thread(void)
{
	uintptr_t base = (uintptr_t)this_cpu();

	if (base < (uintptr_t)stacks || base >= (uintptr_t)(stacks + NTHREAD))
		return NULL;
	return ((struct kstack *)base)->self;
}

static void kick_handler(struct irq_frame *f)
{
	(void)f;
	cur_cpu()->kicks++;
}

void sched_init(void)
{
	for (uint32_t i = 0; i < NCPU; i++)
		cpus[i].id = i;
	irq_register(VEC_KICK, kick_handler);
}

void kick(uint32_t cpu)
{
	uint32_t flags = read_eflags();

	/* Interrupts off: the caller must not move between the test and the send. */
	irq_disable();
	if (cpu != cur_cpu()->id)
		lapic_send_fixed(cpu, VEC_KICK);
	if (flags & (1u << 9))
		irq_enable();
}

uint32_t online_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < ncpus; i++)
		n += cpus[i].online;
	return n;
}

int32_t pick_other_cpu(uint32_t not )
{
	int32_t best = NO_TARGET;

	for (uint32_t i = 0; i < ncpus; i++)
		if (i != not &&cpus[i].online &&
		    (best == NO_TARGET || cpus[i].rq_len < cpus[best].rq_len))
			best = (int32_t)i;
	return best;
}

void thread_enqueue(struct thread *t, uint32_t to)
{
	struct cpu *c;
	uint32_t flags;

	for (;;) {
		c = &cpus[to % NCPU];
		flags = spin_lock_irqsave(&c->rq_lock);
		if (c->online && to < ncpus)
			break;
		/* Went offline (or never came): another cpu takes it. */
		spin_unlock_irqrestore(&c->rq_lock, flags);
		int32_t o = pick_other_cpu(to);
		to = o == NO_TARGET ? 0 : (uint32_t)o;
	}
	if (t->cpu != (int32_t)c->id)
		t->migrations++;
	t->state = T_RUNNABLE;
	t->next = NULL;
	if (c->rq_tail)
		c->rq_tail->next = t;
	else
		c->rq_head = t;
	c->rq_tail = t;
	c->rq_len++;
	spin_unlock_irqrestore(&c->rq_lock, flags);
	kick(c->id);
}

static struct thread *rq_pop(struct cpu *c)
{
	spin_lock(&c->rq_lock);
	struct thread *t = c->rq_head;
	if (t) {
		c->rq_head = t->next;
		if (!c->rq_head)
			c->rq_tail = NULL;
		c->rq_len--;
		t->next = NULL;
	}
	spin_unlock(&c->rq_lock);
	return t;
}

/*
 * An idle cpu takes the head of the longest other queue holding at least
 * two threads (load balancing: SA upcalls push threads off time-shared
 * vCPUs, and nothing else would bring them back).
 */
static struct thread *steal(struct cpu *c)
{
	struct cpu *victim = NULL;

	for (uint32_t i = 0; i < ncpus; i++)
		if (i != c->id && cpus[i].online && cpus[i].rq_len >= 2 &&
		    (!victim || cpus[i].rq_len > victim->rq_len))
			victim = &cpus[i];
	if (!victim)
		return NULL;
	struct thread *t = rq_pop(victim);
	if (t) {
		t->migrations++;
		c->steals++;
	}
	return t;
}

static void thread_entry(struct thread *t) __attribute__((noreturn, used));
static void thread_entry(struct thread *t)
{
	irq_enable();
	t->fn(t->arg);
	irq_disable();
	t->state = T_DONE;
	ctx_switch(&t->esp, cur_cpu()->sched_esp);
	for (;;)
		__asm__ volatile("cli; hlt");
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, uint32_t on)
{
	uint32_t flags = spin_lock_irqsave(&pool_lock);
	struct thread *t = NULL;

	for (uint32_t i = 0; i < NTHREAD && !t; i++)
		if (threads[i].state == T_FREE || threads[i].state == T_DONE)
			t = &threads[i];
	if (t)
		t->state = T_BLOCKED; /* claimed, not runnable yet */
	spin_unlock_irqrestore(&pool_lock, flags);
	if (!t)
		return NULL;
	uint32_t id = (uint32_t)(t - threads);
	uint32_t *sp = (uint32_t *)(uintptr_t)((uintptr_t)&stacks[id] + THREAD_STACK);
	memset(&stacks[id].cl, 0, sizeof(stacks[id].cl));
	stacks[id].self = t;
	*--sp = (uint32_t)(uintptr_t)t; /* thread_entry's argument */
	*--sp = 0;			/* its return address: never used */
	*--sp = (uint32_t)(uintptr_t)thread_entry;
	for (int i = 0; i < 4; i++)
		*--sp = 0; /* EBP EBX ESI EDI for ctx_switch to pop */
	t->esp = (uint32_t)(uintptr_t)sp;
	t->id = id;
	t->fn = fn;
	t->arg = arg;
	t->name = name;
	t->cpu = (int32_t)on;
	t->migrate_to = NO_TARGET;
	t->migrations = 0;
	t->ops = 0;
	t->unlock_after = NULL;
	thread_enqueue(t, on);
	return t;
}

/* Switch from the running thread to the scheduler context. Interrupts off. */
static void to_scheduler(struct thread *t)
{
	ctx_switch(&t->esp, cur_cpu()->sched_esp);
	/* Back, maybe on another cpu: the scheduler there set everything up. */
}

void yield(void)
{
	uint32_t flags = read_eflags();
	struct thread *t;

	irq_disable();
	t = cur_thread();
	if (t) {
		t->state = T_RUNNABLE;
		to_scheduler(t);
	}
	if (flags & (1u << 9))
		irq_enable();
}

void sched_preempt_from_irq(void)
{
	struct thread *t = cur_thread();

	if (t) {
		t->state = T_RUNNABLE;
		to_scheduler(t);
	}
}

void sched_block(struct spinlock *lk)
{
	struct thread *t = cur_thread();

	t->state = T_BLOCKED;
	t->unlock_after = lk;
	to_scheduler(t);
}

/* The scheduler context after thread t switched back to it (rule 1). */
static void after_switch(struct cpu *c, struct thread *t)
{
	c->current = NULL;
	if (t->unlock_after) {
		struct spinlock *lk = t->unlock_after;

		t->unlock_after = NULL;
		spin_unlock(lk);
	}
	if (t->state != T_RUNNABLE)
		return;
	int32_t to = t->migrate_to;
	t->migrate_to = NO_TARGET;
	thread_enqueue(t, to == NO_TARGET ? c->id : (uint32_t)to);
}

static void run(struct cpu *c, struct thread *t)
{
	struct cpu_local *cl = (struct cpu_local *)(uintptr_t)(t->esp & ~(THREAD_STACK - 1u));

	cl->index = c->id;
	cl->apic_id = c->id;
	t->cpu = (int32_t)c->id;
	t->state = T_RUNNING;
	t->last_tsc = 0; /* an SA gap sample needs a TSC from this turn */
	c->current = t;
	c->switches++;
	ctx_switch(&c->sched_esp, t->esp);
	after_switch(c, t);
}

void sched_loop(void)
{
	struct cpu *c = cur_cpu();

	for (;;) {
		irq_disable();
		if (c->offline_req) {
			cpu_go_offline(c);
			continue;
		}
		if (c->sa_due)
			sa_ack_now(c);
		struct thread *t = rq_pop(c);
		if (!t)
			t = steal(c);
		if (t) {
			run(c, t);
			continue;
		}
		c->halts++;
		/* STI's one-instruction shadow makes STI; HLT atomic: a kick
		 * sent after the queue looked empty wakes the HLT. */
		__asm__ volatile("sti; hlt" : : : "memory");
	}
}

void sleep_ms(uint32_t ms)
{
	uint64_t end = tsc_after_us(ms * 1000);

	while (rdtsc() < end)
		yield();
}

uint32_t runnable_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < NTHREAD; i++)
		n += threads[i].state == T_RUNNABLE || threads[i].state == T_RUNNING;
	return n;
}

void thread_census(uint32_t counts[5])
{
	for (int i = 0; i < 5; i++)
		counts[i] = 0;
	for (uint32_t i = 0; i < NTHREAD; i++)
		counts[threads[i].state % 5]++;
}
