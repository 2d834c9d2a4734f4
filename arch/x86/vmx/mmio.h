/* SPDX-License-Identifier: MIT */
/*
 * MMIO emulation for devices the guest reaches through memory accesses
 * that exit (the xAPIC page without APIC virtualization, accesses APIC
 * virtualization does not handle, the IOAPIC): an EPT violation or
 * APIC-access exit gives the guest-physical address but not the value or
 * the register (SDM 3C 28.2.1), so the instruction at the guest's RIP is
 * fetched through the guest's own page tables (arch/x86/vdev/gwalk.h),
 * decoded (arch/x86/vdev/decode.h) and carried out against the device.
 * Environment: VMX root, the vCPU's own core with its VMCS current,
 * interrupts off.
 */
#ifndef ARCH_X86_VMX_MMIO_H
#define ARCH_X86_VMX_MMIO_H

#include "arch/x86/vmx/vmexit.h"

/* A device behind MMIO. size is 1, 2, 4 or 8 (the decoded access). */
struct mmio_dev {
	const char *name; /* for messages: "xAPIC", "IOAPIC" */
	uint64_t (*read)(struct vcpu *v, uint64_t gpa, unsigned size);
	void (*write)(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val);
};

/*
 * Emulate the instruction at the exit's RIP, which accessed dev at
 * guest-physical gpa: fetch, decode, call dev->read / dev->write, write
 * back a load's destination register, advance RIP. Returns VMEXIT_RESUME,
 * or VMEXIT_STOP after vm_fail() naming why (instruction bytes not
 * mapped, an instruction the decoder does not support).
 */
int vcpu_mmio(struct vcpu *v, const struct vmexit *x, uint64_t gpa, const struct mmio_dev *dev);

struct gwalk;

/*
 * Set up *w to translate guest-linear addresses through v's current paging
 * mode (its VMCS must be current), with gwalk_translate().
 */
void vcpu_walker(struct vcpu *v, struct gwalk *w);

/* The default address size of the code v runs now: 2, 4 or 8 bytes. */
unsigned vcpu_addr_size(void);

/*
 * Copy up to max instruction bytes at guest RIP `rip` (CS-relative; the
 * current VMCS gives CS and the paging mode) into bytes. Returns the count
 * fetched (fewer when the next byte is not mapped), and *why the reason
 * if 0 were.
 */
size_t vcpu_fetch_insn(struct vcpu *v, uint64_t rip, uint8_t *bytes, size_t max, const char **why);

#endif
