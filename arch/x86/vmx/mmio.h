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

#include "arch/x86/vdev/gwalk.h"
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

/*
 * Guest memory as the running code sees it: guest-linear addresses through
 * v's current paging mode (its VMCS must be current), with the last page
 * translated kept (most accesses of one exit share a page).
 */
struct gview {
	struct vcpu *v;
	struct gwalk w;
	bool wide;     /* 64-bit code: linear addresses are not truncated to 32 bits */
	uint64_t page; /* guest-linear page cached, or 1 for none */
	uint8_t *host; /* where that page is in host memory */
};

/* Set up g for v's current paging mode and code size. */
void gview_init(struct gview *g, struct vcpu *v);

/*
 * Copy len bytes between buf and guest-linear lin (across pages as
 * needed): into the guest if to_guest, else out of it. False, with *why
 * naming the failure (a level of the walk, "outside guest memory"), at
 * the first byte that is not mapped; the bytes before it were copied.
 */
bool gview_copy(struct gview *g, uint64_t lin, void *buf, size_t len, bool to_guest,
		const char **why);

/* The default address size of the code v runs now: 2, 4 or 8 bytes. */
unsigned vcpu_addr_size(void);

/*
 * Copy up to max instruction bytes at guest RIP `rip` (CS-relative; the
 * current VMCS gives CS and the paging mode) into bytes. Returns the count
 * fetched (fewer when the next byte is not mapped), and *why the reason
 * if 0 were.
 */
size_t vcpu_fetch_insn(struct vcpu *v, uint64_t rip, uint8_t *bytes, size_t max, const char **why);

/* The same through a view already set up for this exit. */
size_t gview_fetch(struct gview *g, uint64_t rip, uint8_t *bytes, size_t max, const char **why);

#endif
