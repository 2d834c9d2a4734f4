// SPDX-License-Identifier: MIT
/*
 * I/O instruction exits (every port exits: both I/O bitmaps are all ones).
 * Emulated: COM1 (0x3f8-0x3ff, driving IOAPIC pin 4: ioapic_exit.c), the
 * debug port 0xE9, QEMU's isa-debug-exit at 0xf4, the i8042's status and
 * reset (0x60/0x64), the CMOS clock (0x70/0x71), the PIIX reset control register 0xCF9, fw_cfg
 * (0x510-0x51b) and the ACPI PM block (0x600-0x60b, both in
 * arch/x86/vmx/exit_pc.c), so guests written for QEMU's -kernel
 * environment run unmodified. Any other port reads as all ones and ignores
 * writes, as an empty ISA bus does: the 8259 PICs (0x20/0x21, 0xA0/0xA1)
 * included, on purpose (a guest that probes them, as Linux does by reading
 * back IMR, finds none and uses the IOAPIC alone: docs/guest-abi.md).
 * The first access to each such port is named on the console
 * (vm_unsupported(), with the PC device that would have been there).
 * Exit qualification: SDM 3C, table 28-5.
 * INS and OUTS go through the same two port functions
 * (arch/x86/vmx/exit_io_string.c).
 * Environment: VMX root, the vCPU's core, interrupts off.
 */
#include "arch/x86/vmx/io.h"
#include "arch/x86/vmx/ioapic_exit.h"

#include "arch/x86/vdev/acpi_build.h"
#include "arch/x86/vmx/exit_pc.h"

#define COM1	   0x3f8
#define DEBUG_PORT 0xe9
#define DEBUG_EXIT 0xf4
#define KBD_DATA   0x60
#define KBD_STATUS 0x64
#define RCR	   0xcf9

/*
 * i8042 status as a controller with nothing to say: output buffer empty
 * (bit 0), input buffer empty (bit 1: a guest may always send), system
 * flag set (bit 2: self-test passed), last write a command (bit 3),
 * keyboard not inhibited (bit 4). QEMU's controller reads the same after
 * its reset. A guest polling for "input buffer empty" goes on at once.
 */
#define KBD_STATUS_IDLE 0x1c
#define KBD_CMD_RESET	0xfe /* pulse the reset line */
#define RCR_RST_CPU	0x04 /* 0xCF9 bit 2: reset now (bit 1 picks hard or soft) */

/* The PC devices a guest may look for that Cypress does not emulate. */
static const struct {
	uint16_t first, last;
	const char *what;
} absent[] = {
	{ 0x20, 0x21, "8259 PIC: none, the IOAPIC delivers interrupts" },
	{ 0xa0, 0xa1, "8259 PIC: none, the IOAPIC delivers interrupts" },
	{ 0x40, 0x43, "8254 PIT: none, use the LAPIC or TSC-deadline timer" },
	{ 0x61, 0x61, "NMI status / PIT gate: none" },
	{ 0x2e, 0x2f, "Super I/O configuration: none" },
	{ 0x4e, 0x4f, "Super I/O configuration: none" },
	{ 0x80, 0x80, "POST code port: nothing listens" },
	{ 0x81, 0x8f, "DMA page registers: no ISA DMA" },
	{ 0x2e8, 0x2ef, "COM4: none" },
	{ 0x2f8, 0x2ff, "COM2: none" },
	{ 0x3e8, 0x3ef, "COM3: none" },
	{ 0x3b0, 0x3df, "VGA: none" },
	{ 0x4d0, 0x4d1, "ELCR: none, no 8259 PIC" },
	{ 0xcf8, 0xcff, "PCI configuration: no PCI bus" },
};

/* An access no device answers: what an empty ISA bus does, said once. */
static void unemulated(struct vcpu *v, uint16_t port, bool out)
{
	const char *what = "no device";

	for (size_t i = 0; i < ARRAY_SIZE(absent); i++)
		if (port >= absent[i].first && port <= absent[i].last)
			what = absent[i].what;
	vm_unsupported(v->vm, out ? VM_UNSUP_PORT_OUT : VM_UNSUP_PORT_IN, port, what);
}

/* A read of `size` bytes (1, 2, 4) from `port`: the value in its low bytes. */
uint32_t io_port_in(struct vcpu *v, uint16_t port, uint32_t size)
{
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	uint32_t r = mask;
	struct vm *vm = v->vm;

	if (port >= COM1 && port < COM1 + 8 && size == 1) {
		r = vcpu_com1_read(v, port - COM1);
	} else if (port == DEBUG_PORT) {
		r = DEBUG_PORT; /* what QEMU's debugcon and Bochs answer */
	} else if (port == KBD_STATUS && size == 1) {
		r = KBD_STATUS_IDLE;
	} else if (port == KBD_DATA && size == 1) {
		r = 0; /* nothing was there to read */
	} else if (port == RCR && size == 1) {
		r = __atomic_load_n(&vm->rcr, __ATOMIC_RELAXED);
	} else if (port >= FWCFG_PORT_SEL && port <= FWCFG_PORT_END) {
		r = pc_fwcfg_in(vm, port, size);
	} else if (port >= ACPI_PM_BASE && port < ACPI_PM_END) {
		r = pc_pm_in(vm, port, size);
	} else if ((port == RTC_PORT_INDEX || port == RTC_PORT_DATA) && size == 1) {
		r = pc_rtc_in(vm, port);
	} else if (!(port >= COM1 && port < COM1 + 8)) {
		unemulated(v, port, false);
	}
	return r & mask;
}

/* A write of val (already masked to size) to port: VMEXIT_STOP when it ended the VM. */
int io_port_out(struct vcpu *v, uint16_t port, uint32_t size, uint32_t val)
{
	struct vm *vm = v->vm;

	if (port >= COM1 && port < COM1 + 8) {
		vcpu_com1_write(v, port - COM1, (uint8_t)val);
	} else if (port == DEBUG_PORT) {
		spin_lock(&vm->uart_lock);
		vuart_putc(&vm->uart, (uint8_t)val);
		spin_unlock(&vm->uart_lock);
	} else if (port == DEBUG_EXIT) {
		vm_exit_request(vm, val);
		return VMEXIT_STOP;
	} else if (port == KBD_STATUS && size == 1 && val == KBD_CMD_RESET) {
		vm_reset_request(vm, "i8042 command 0xfe");
		return VMEXIT_STOP;
	} else if (port == RCR && size == 1) {
		/* PIIX4 datasheet 4.1.5: writing bit 2 resets; bits 1 and 3 are
		 * kept (hard reset, full reset) and read back. */
		if (val & RCR_RST_CPU) {
			vm_reset_request(vm, val & 0x02 ? "port 0xcf9, hard" : "port 0xcf9, soft");
			return VMEXIT_STOP;
		}
		__atomic_store_n(&vm->rcr, (uint8_t)(val & 0x0a), __ATOMIC_RELAXED);
	} else if (port >= FWCFG_PORT_SEL && port <= FWCFG_PORT_END) {
		pc_fwcfg_out(vm, port, size, val);
	} else if (port >= ACPI_PM_BASE && port < ACPI_PM_END) {
		if (pc_pm_out(vm, port, size, val))
			return VMEXIT_STOP;
	} else if ((port == RTC_PORT_INDEX || port == RTC_PORT_DATA) && size == 1) {
		pc_rtc_out(vm, port, (uint8_t)val);
	} else if (port != KBD_STATUS && port != KBD_DATA) {
		unemulated(v, port, true);
	}
	return VMEXIT_RESUME;
}

int vmexit_io(struct vcpu *v, const struct vmexit *x)
{
	uint32_t size = (uint32_t)(x->qual & 7) + 1;
	bool in = x->qual & (1 << 3);
	uint16_t port = (uint16_t)(x->qual >> 16);
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

	if (x->qual & (1 << 4))
		return vmexit_io_string(v, x);
	if (in) {
		v->regs.rax = (v->regs.rax & ~(uint64_t)mask) | io_port_in(v, port, size);
	} else if (io_port_out(v, port, size, (uint32_t)v->regs.rax & mask) == VMEXIT_STOP) {
		return VMEXIT_STOP;
	}
	vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}
