// SPDX-License-Identifier: MIT
/*
 * Port I/O glue for fw_cfg and the ACPI PM block (arch/x86/vmx/exit_pc.h).
 * Environment: VMX root, the core running a vCPU of vm, interrupts off.
 *
 * Rules:
 * 1. fw_cfg: a 1- or 2-byte write to 0x510 selects (the low 16 bits; a
 *    1-byte write selects that byte's value); a 1-byte read of 0x511 is
 *    the next data byte. Every other access at 0x510-0x513 reads all ones
 *    and ignores writes (QEMU ignores data writes since 2.4 too).
 * 2. fw_cfg DMA (QEMU's big-endian "fwcfg.dma" region, 0x514-0x51b): a
 *    4-byte write to 0x514 sets the address's high half, one to 0x518 its
 *    low half and runs the request; the value is big-endian, so a guest's
 *    OUTL of cpu_to_be32(x) arrives byte-swapped. Reads give the bytes of
 *    "QEMU CFG". Every guest address goes through vm_gpa_to_host().
 * 3. The models are shared by all vCPUs of the VM: every access holds
 *    vm->pc_lock, whose holder touches nothing else, so it is held for a
 *    few hundred instructions at most.
 */
#include "arch/x86/vmx/exit_pc.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vdev/acpi_build.h"

uint32_t pc_fwcfg_in(struct vm *vm, uint16_t port, uint32_t size)
{
	static const char sig[8] = FWCFG_DMA_SIG;
	uint32_t r = 0xffffffffu;

	if (port == FWCFG_PORT_DATA && size == 1) {
		spin_lock(&vm->pc_lock);
		r = fwcfg_read(&vm->fwcfg);
		spin_unlock(&vm->pc_lock);
	} else if (port >= FWCFG_PORT_DMA) {
		r = 0;
		for (uint32_t i = 0; i < size; i++) {
			uint32_t o = port - FWCFG_PORT_DMA + i;
			r |= (uint32_t)(o < sizeof(sig) ? (uint8_t)sig[o] : 0xff) << (8 * i);
		}
	}
	return r;
}

static void *map_gpa(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_gpa_to_host(ctx, gpa, len);
}

void pc_fwcfg_out(struct vm *vm, uint16_t port, uint32_t size, uint32_t val)
{
	if (port == FWCFG_PORT_SEL && size <= 2) {
		spin_lock(&vm->pc_lock);
		fwcfg_select(&vm->fwcfg, (uint16_t)val);
		spin_unlock(&vm->pc_lock);
	} else if (port == FWCFG_PORT_DMA && size == 4) {
		spin_lock(&vm->pc_lock);
		vm->fwcfg.dma_hi = __builtin_bswap32(val);
		spin_unlock(&vm->pc_lock);
	} else if (port == FWCFG_PORT_DMA + 4 && size == 4) {
		spin_lock(&vm->pc_lock);
		uint64_t gpa = (uint64_t)vm->fwcfg.dma_hi << 32 | __builtin_bswap32(val);
		fwcfg_dma(&vm->fwcfg, gpa, map_gpa, vm);
		spin_unlock(&vm->pc_lock);
	}
}

uint32_t pc_pm_in(struct vm *vm, uint16_t port, uint32_t size)
{
	uint32_t r;

	spin_lock(&vm->pc_lock);
	r = acpi_pm_read(&vm->pm, port - ACPI_PM_BASE, size, rdtsc());
	spin_unlock(&vm->pc_lock);
	return r;
}

bool pc_pm_out(struct vm *vm, uint16_t port, uint32_t size, uint32_t val)
{
	enum acpi_pm_action a;

	spin_lock(&vm->pc_lock);
	a = acpi_pm_write(&vm->pm, port - ACPI_PM_BASE, size, val);
	spin_unlock(&vm->pc_lock);
	if (a != ACPI_PM_SOFT_OFF)
		return false;
	vm_poweroff_request(vm);
	return true;
}

uint8_t pc_rtc_in(struct vm *vm, uint16_t port)
{
	uint8_t r;

	spin_lock(&vm->pc_lock);
	r = rtc_read(&vm->rtc, port, rdtsc());
	spin_unlock(&vm->pc_lock);
	return r;
}

void pc_rtc_out(struct vm *vm, uint16_t port, uint8_t val)
{
	spin_lock(&vm->pc_lock);
	rtc_write(&vm->rtc, port, val, rdtsc());
	spin_unlock(&vm->pc_lock);
}
