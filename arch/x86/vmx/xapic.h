/* SPDX-License-Identifier: MIT */
/*
 * The xAPIC page (guest-physical 0xFEE00000) of every vCPU. Two ways in:
 * - APIC virtualization (SDM 3C chapter 30), used where the CPU has
 *   "virtualize APIC accesses", APIC-register virtualization and
 *   virtual-interrupt delivery: reads come from the vCPU's virtual-APIC
 *   page without an exit (the model publishes its registers there, as
 *   vlapic_page_publish() describes), writes land in that page and exit as
 *   APIC-write exits naming the offset (trap-like, no decoding), TPR and
 *   EOI writes and self-IPIs complete in the CPU; the rest (timer current
 *   count, odd sizes) are APIC-access exits, emulated by decoding.
 * - In x2APIC mode the same vCPU's VMCS switches to "virtualize x2APIC
 *   mode" (SDM 3C 30.5), which excludes "virtualize APIC accesses" (SDM 3C
 *   26.2.1.1): x2APIC TPR and EOI writes (WRMSR 0x808, 0x80b) complete in
 *   the CPU without an exit, through an MSR bitmap that lets just those two
 *   through; every other x2APIC MSR still exits to the model. The xAPIC
 *   page is then plain memory of the guest's own, so each VM gets its own
 *   APIC-access page (a shared one would be a channel between partitions).
 * - Without them (or with the `noapicv` command-line option) the page is
 *   not mapped in the EPT and every access is an EPT violation, emulated
 *   by decoding the instruction (arch/x86/vmx/mmio.h), with or without
 *   guest paging.
 * Environment: VMX root, the vCPU's own core, interrupts off.
 */
#ifndef ARCH_X86_VMX_XAPIC_H
#define ARCH_X86_VMX_XAPIC_H

#include "arch/x86/vmx/vmexit.h"

struct ept;
struct vmx_ctl_req;

/* False (command line `noapicv`): emulate the xAPIC page by decoding only. */
extern bool vmx_apicv_allowed;

/* Whether APIC virtualization is in use (set by vmx_controls_init()). */
bool xapic_virtualized(void);

/*
 * Called by vmx_controls_init() with the request being built: ask for the
 * APIC-virtualization controls; after the controls are computed,
 * xapic_controls_done() keeps them only as the complete set and allocates
 * the APIC-access page (without one, APIC virtualization stays off).
 */
void xapic_controls_request(struct vmx_ctl_req *req);
void xapic_controls_done(void);

/* Map the APIC-access page at 0xFEE00000 in a new partition's EPT (no-op
 * without APIC virtualization). 0 or ept_map()'s error. */
int xapic_ept_map(struct ept *e);

/* The APIC-access page's address for vm's VMCSs, 0 without APIC virtualization. */
uint64_t xapic_access_page(const struct vm *vm);

/*
 * Give vm its own APIC-access page (remapped at 0xFEE00000 in its EPT) and
 * the x2APIC MSR bitmap, when the CPU has x2APIC virtualization. Before
 * the VM runs, after its EPT and MSR bitmap exist (vcpu_lapic_init() of
 * vCPU 0). On failure the VM keeps the shared page and x2APIC MSR exits.
 */
void xapic_vm_init(struct vm *vm);

/* Free what xapic_vm_init() allocated (the VM runs nowhere any more). */
void xapic_vm_fini(struct vm *vm);

/*
 * v's vLAPIC changed mode (v->lapic.x2apic != v->vx2): switch its VMCS
 * between the xAPIC controls (virtualize APIC accesses, the VM's MSR
 * bitmap) and the x2APIC ones. Its own core, VMCS current.
 */
void xapic_mode_switch(struct vcpu *v);

/* Before entry: publish v's vLAPIC registers to its virtual-APIC page if
 * the model changed since the last time. */
void xapic_publish(struct vcpu *v);

/* EPT violation inside the xAPIC page (no APIC virtualization): decode and emulate. */
int xapic_mmio(struct vcpu *v, const struct vmexit *x, uint64_t gpa);

int vmexit_apic_access(struct vcpu *v, const struct vmexit *x);
int vmexit_apic_write(struct vcpu *v, const struct vmexit *x);

#endif
