/* SPDX-License-Identifier: MIT */
/*
 * Port I/O glue for the PC devices of issue 12 that live in arch/x86/vdev:
 * fw_cfg (ports 0x510-0x51b, DMA included), the ACPI PM block (0x600-0x60b)
 * and the CMOS clock (0x70-0x71, issue 13). The
 * models are pure; this takes the VM's lock and supplies the TSC.
 * Environment: VMX root, the core running a vCPU of vm, interrupts off.
 */
#ifndef ARCH_X86_VMX_EXIT_PC_H
#define ARCH_X86_VMX_EXIT_PC_H

#include "core/vm.h"

/* IN of size bytes (1, 2, 4) at port (0x510..0x51b): the value. */
uint32_t pc_fwcfg_in(struct vm *vm, uint16_t port, uint32_t size);

/* OUT of size bytes of val at port (0x510..0x51b); may run a DMA request. */
void pc_fwcfg_out(struct vm *vm, uint16_t port, uint32_t size, uint32_t val);

/* IN of size bytes at port in ACPI_PM_BASE..ACPI_PM_END-1: the value. */
uint32_t pc_pm_in(struct vm *vm, uint16_t port, uint32_t size);

/* OUT there; returns true if the VM ended (the guest powered off). */
bool pc_pm_out(struct vm *vm, uint16_t port, uint32_t size, uint32_t val);

/* The CMOS clock (arch/x86/vdev/rtc.h), byte accesses to 0x70 and 0x71. */
uint8_t pc_rtc_in(struct vm *vm, uint16_t port);
void pc_rtc_out(struct vm *vm, uint16_t port, uint8_t val);

#endif
