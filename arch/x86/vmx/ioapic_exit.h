/* SPDX-License-Identifier: MIT */
/*
 * Wiring a VM's virtual IOAPIC (arch/x86/vdev/ioapic.c, a pure model) to the
 * machine: its MMIO page, its messages to the vLAPICs, level-triggered EOIs
 * (from the vLAPIC model, the IOAPIC's EOI register, or the CPU's
 * virtualized-EOI exit) and the EOI-exit bitmap, and COM1's IRQ 4.
 * Environment: VMX root, the core of the vCPU that exited, interrupts off.
 */
#ifndef ARCH_X86_VMX_IOAPIC_EXIT_H
#define ARCH_X86_VMX_IOAPIC_EXIT_H

#include "arch/x86/vmx/vmexit.h"

#define IOAPIC_IRQ_COM1 4 /* ISA IRQ 4 = GSI 4: QEMU's MADT has no override for it */

/* Reset vm's IOAPIC (all entries masked, ID 0 as QEMU's). cpu 0, before the VM runs. */
void vm_ioapic_init(struct vm *vm);

/* An access of v to the IOAPIC page (an EPT violation at guest-physical gpa). */
int vcpu_ioapic_mmio(struct vcpu *v, const struct vmexit *x, uint64_t gpa);

/* The vlapic_ops.level_eoi callback (ctx = the vCPU): v's core, in v's exit. */
void vcpu_ioapic_level_eoi(void *ctx, uint8_t vector);

/*
 * Before entering v (virtual-interrupt delivery on): if the VM's
 * level-triggered vectors changed since v last looked, write them into v's
 * EOI-exit bitmap, so the CPU exits on their EOIs (SDM 3C 30.1.4).
 */
void vcpu_ioapic_eoi_exits_update(struct vcpu *v);

static inline void vcpu_ioapic_eoi_exits(struct vcpu *v)
{
	/* Inline: one compare on every entry (vcpu_lapic_prepare_entry). */
	if (__builtin_expect(__atomic_load_n(&v->vm->ioapic_gen, __ATOMIC_ACQUIRE) != v->eoi_gen,
			     0))
		vcpu_ioapic_eoi_exits_update(v);
}

/* Virtualized EOI of a vector whose EOI-exit bit is set (basic reason 45). */
int vmexit_virt_eoi(struct vcpu *v, const struct vmexit *x);

/* Guest IN from COM1 + off (0..7): the register, and IRQ 4 follows. */
uint8_t vcpu_com1_read(struct vcpu *v, uint32_t off);

/* Guest OUT to COM1 + off (0..7): the register, and IRQ 4 follows. */
void vcpu_com1_write(struct vcpu *v, uint32_t off, uint8_t val);

#endif
