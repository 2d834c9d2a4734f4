/* SPDX-License-Identifier: MIT */
/*
 * Port I/O emulation shared by IN/OUT and INS/OUTS exits
 * (arch/x86/vmx/exit_io.c, arch/x86/vmx/exit_io_string.c).
 * Environment: VMX root, the vCPU's core, interrupts off.
 */
#ifndef ARCH_X86_VMX_IO_H
#define ARCH_X86_VMX_IO_H

#include "arch/x86/vmx/vmexit.h"

/* Read `size` bytes (1, 2 or 4) from `port`; the value is in the low bytes. */
uint32_t io_port_in(struct vcpu *v, uint16_t port, uint32_t size);

/* Write val (masked to size) to port. VMEXIT_STOP if that ended the VM
 * (isa-debug-exit, a reset), else VMEXIT_RESUME. */
int io_port_out(struct vcpu *v, uint16_t port, uint32_t size, uint32_t val);

/* An INS/OUTS exit (with or without REP). */
int vmexit_io_string(struct vcpu *v, const struct vmexit *x);

#endif
