// SPDX-License-Identifier: MIT
/*
 * The virtual IOAPIC's side effects, and COM1's interrupt line into it.
 * Environment: VMX root, the core of the vCPU that exited, interrupts off.
 *
 * Rules:
 * 1. The IOAPIC is per VM and its vCPUs run on several cores: every call
 *    into the model holds vm->ioapic_lock. COM1 drives pin 4 while holding
 *    vm->uart_lock, so the order is uart_lock, then ioapic_lock; nothing
 *    takes uart_lock inside ioapic_lock.
 * 2. Messages the model sends are only queued under the lock (at most one
 *    per pin per call, so IOAPIC_PINS entries suffice) and delivered after
 *    it is released: the lock is held for register work only.
 * 3. Delivery resolves the destination as an xAPIC IPI does
 *    (vlapic_match_dest: physical ID or logical mask, 0xff broadcast);
 *    lowest priority takes the first match, as send_ipi() does. The
 *    exiting vCPU's own vLAPIC is written directly; every other vCPU gets
 *    the interrupt posted (vcore_post*), whichever core owns it: no core
 *    touches another's vLAPIC, and posting never waits.
 * 4. Level-triggered fixed interrupts set the target's TMR; the EOI comes
 *    back through vlapic_ops.level_eoi (the model's EOI), the IOAPIC's EOI
 *    register, or the virtualized-EOI exit (reason 45) when the CPU
 *    completes EOIs itself; each vCPU's EOI-exit bitmap holds the VM's
 *    level-triggered vectors, rewritten on its own core at its next entry
 *    after an RTE write changed them (the VMCS is current only there).
 */
#include "arch/x86/vmx/ioapic_exit.h"
#include "arch/x86/vmx/mmio.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmx_ctl.h"
#include "core/vcore.h"
#include "lib/panic.h"
#include "lib/string.h"

struct batch {
	uint32_t n;
	struct ioapic_msg m[IOAPIC_PINS];
};

/* The model's deliver callback: queue only (rule 2). Under ioapic_lock. */
static void queue(void *ctx, const struct ioapic_msg *m)
{
	struct vm *vm = ctx;

	if (vm->ioapic_nout >= ARRAY_SIZE(vm->ioapic_out))
		panic("vm %s: vioapic: more than %u messages in one call", vm->name, IOAPIC_PINS);
	vm->ioapic_out[vm->ioapic_nout++] = *m;
}

void vm_ioapic_init(struct vm *vm)
{
	vm->ioapic_ops = (struct ioapic_ops){ .deliver = queue, .ctx = vm };
	ioapic_init(&vm->ioapic, 0, &vm->ioapic_ops);
	vm->ioapic_nout = 0;
	vm->ioapic_gen = 0;
}

static void lock(struct vm *vm)
{
	spin_lock(&vm->ioapic_lock);
}

/* Take the queued messages, publish the level map's generation, unlock. */
static void unlock(struct vm *vm, struct batch *b)
{
	b->n = vm->ioapic_nout;
	memcpy(b->m, vm->ioapic_out, b->n * sizeof(b->m[0]));
	vm->ioapic_nout = 0;
	__atomic_store_n(&vm->ioapic_gen, vm->ioapic.level_gen, __ATOMIC_RELEASE);
	spin_unlock(&vm->ioapic_lock);
}

static void deliver_one(struct vcpu *self, struct vcpu *t, const struct ioapic_msg *m)
{
	uint8_t unused;

	if (t != self) {
		if (m->level)
			vcore_post_level(t, m->vector);
		else
			vcore_post(t, m->delivery, m->vector);
		return;
	}
	if (m->level)
		vlapic_accept(&t->lapic, m->vector, true);
	else
		vcpu_lapic_deliver(t, m->delivery, m->vector, &unused);
}

/* Rule 3. `self` is the vCPU whose exit this is. */
static void deliver(struct vcpu *self, const struct batch *b)
{
	struct vm *vm = self->vm;

	for (uint32_t k = 0; k < b->n; k++) {
		const struct ioapic_msg *m = &b->m[k];
		for (uint32_t i = 0; i < vm->nvcpus; i++) {
			struct vcpu *t = vm->vcpu[i];
			if (!t || !vlapic_match_dest(&t->lapic, m->dest, m->dest_mode, false))
				continue;
			deliver_one(self, t, m);
			if (m->delivery == VLAPIC_DM_LOWEST)
				break;
		}
	}
}

/* ---- MMIO ---- */

static uint64_t dev_read(struct vcpu *v, uint64_t gpa, unsigned size)
{
	struct batch b;

	lock(v->vm);
	uint32_t val = ioapic_mmio_read(&v->vm->ioapic, (uint32_t)(gpa & 0xfff), size);
	unlock(v->vm, &b);
	return val;
}

static void dev_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	struct batch b;

	lock(v->vm);
	ioapic_mmio_write(&v->vm->ioapic, (uint32_t)(gpa & 0xfff), size, (uint32_t)val);
	unlock(v->vm, &b);
	deliver(v, &b);
}

static const struct mmio_dev ioapic_dev = {
	.name = "IOAPIC",
	.read = dev_read,
	.write = dev_write,
};

int vcpu_ioapic_mmio(struct vcpu *v, const struct vmexit *x, uint64_t gpa)
{
	return vcpu_mmio(v, x, gpa, &ioapic_dev);
}

/* ---- EOIs (rule 4) ---- */

void vcpu_ioapic_level_eoi(void *ctx, uint8_t vector)
{
	struct vcpu *v = ctx;
	struct batch b;

	lock(v->vm);
	ioapic_eoi(&v->vm->ioapic, vector);
	unlock(v->vm, &b);
	deliver(v, &b);
}

void vcpu_ioapic_eoi_exits(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint32_t map[8];

	if (__builtin_expect(__atomic_load_n(&vm->ioapic_gen, __ATOMIC_ACQUIRE) == v->eoi_gen, 1))
		return;
	spin_lock(&vm->ioapic_lock);
	memcpy(map, vm->ioapic.level_map, sizeof(map));
	v->eoi_gen = vm->ioapic.level_gen;
	spin_unlock(&vm->ioapic_lock);
	/* EOI_EXIT_BITMAPn covers vectors 64n..64n+63 (SDM 3C 25.6.8). */
	static const enum vmcs_field f[4] = { VMCS_EOI_EXIT_BITMAP0, VMCS_EOI_EXIT_BITMAP1,
					      VMCS_EOI_EXIT_BITMAP2, VMCS_EOI_EXIT_BITMAP3 };
	for (int i = 0; i < 4; i++)
		vmwrite(f[i], (uint64_t)map[2 * i] | (uint64_t)map[2 * i + 1] << 32);
}

int vmexit_virt_eoi(struct vcpu *v, const struct vmexit *x)
{
	/* SDM 3C 28.2.1 table 28-1 / 30.1.4: qualification bits 7:0 = the
	 * vector; the CPU already cleared it from the virtual ISR. A trap-like
	 * exit: RIP is past the EOI write already. */
	vlapic_eoi_done(&v->lapic, (uint8_t)x->qual);
	return VMEXIT_RESUME;
}

/* ---- COM1, IRQ 4 ---- */

/* Under uart_lock: move pin 4 to the UART's output (rule 1), queue what it sends. */
static void com1_irq(struct vm *vm, struct batch *b)
{
	bool pulsed;
	bool level = vuart_irq_take(&vm->uart, &pulsed);

	lock(vm);
	if (pulsed)
		ioapic_set_irq(&vm->ioapic, IOAPIC_IRQ_COM1, false);
	ioapic_set_irq(&vm->ioapic, IOAPIC_IRQ_COM1, level);
	unlock(vm, b);
}

uint8_t vcpu_com1_read(struct vcpu *v, uint32_t off)
{
	struct vm *vm = v->vm;
	struct batch b;

	spin_lock(&vm->uart_lock);
	uint8_t r = vuart_read(&vm->uart, off);
	if (!vuart_irq_news(&vm->uart)) {
		spin_unlock(&vm->uart_lock);
		return r; /* the IOAPIC's line is as it was */
	}
	com1_irq(vm, &b);
	spin_unlock(&vm->uart_lock);
	deliver(v, &b);
	return r;
}

void vcpu_com1_write(struct vcpu *v, uint32_t off, uint8_t val)
{
	struct vm *vm = v->vm;
	struct batch b;

	spin_lock(&vm->uart_lock);
	vuart_write(&vm->uart, off, val);
	if (!vuart_irq_news(&vm->uart)) {
		spin_unlock(&vm->uart_lock);
		return; /* the IOAPIC's line is as it was */
	}
	com1_irq(vm, &b);
	spin_unlock(&vm->uart_lock);
	deliver(v, &b);
}
