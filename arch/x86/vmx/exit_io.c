// SPDX-License-Identifier: MIT
/*
 * I/O instruction exits (every port exits: both I/O bitmaps are all ones).
 * Emulated: COM1 (0x3f8-0x3ff), the debug port 0xE9, and QEMU's
 * isa-debug-exit at 0xf4, so guests written for QEMU's -kernel environment
 * run unmodified. Any other port reads as all ones and ignores writes,
 * as an empty ISA bus does. Exit qualification: SDM 3C, table 28-5.
 * Environment: VMX root, the vCPU's core, interrupts off.
 */
#include "arch/x86/vmx/vmexit.h"

#define COM1	   0x3f8
#define DEBUG_PORT 0xe9
#define DEBUG_EXIT 0xf4

int vmexit_io(struct vcpu *v, const struct vmexit *x)
{
	uint32_t size = (uint32_t)(x->qual & 7) + 1;
	bool in = x->qual & (1 << 3);
	bool string = x->qual & (1 << 4);
	uint16_t port = (uint16_t)(x->qual >> 16);
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	struct vm *vm = v->vm;

	if (string) {
		/* INS/OUTS need guest linear-address translation; no emulated
		 * device here needs them, so a guest using them is stopped with
		 * a clear reason rather than given wrong data. */
		vm_fail(vm, x->rip, "string I/O (%s) on port 0x%x is not emulated",
			in ? "INS" : "OUTS", port);
		return VMEXIT_STOP;
	}
	uint32_t val = (uint32_t)v->regs.rax & mask;
	if (in) {
		uint32_t r = mask;
		if (port >= COM1 && port < COM1 + 8 && size == 1) {
			spin_lock(&vm->uart_lock);
			r = vuart_read(&vm->uart, port - COM1);
			spin_unlock(&vm->uart_lock);
		} else if (port == DEBUG_PORT) {
			r = DEBUG_PORT; /* what QEMU's debugcon and Bochs answer */
		}
		v->regs.rax = (v->regs.rax & ~(uint64_t)mask) | (r & mask);
	} else if (port >= COM1 && port < COM1 + 8) {
		spin_lock(&vm->uart_lock);
		vuart_write(&vm->uart, port - COM1, (uint8_t)val);
		spin_unlock(&vm->uart_lock);
	} else if (port == DEBUG_PORT) {
		spin_lock(&vm->uart_lock);
		vuart_putc(&vm->uart, (uint8_t)val);
		spin_unlock(&vm->uart_lock);
	} else if (port == DEBUG_EXIT) {
		vm_exit_request(vm, val);
		return VMEXIT_STOP;
	}
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}
