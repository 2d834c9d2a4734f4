// SPDX-License-Identifier: MIT
/*
 * INSB from fw_cfg's data port (0x511), REP or not: what Linux's and
 * SeaBIOS's fw_cfg readers do without DMA (ioread8_rep, `rep insb`). Any
 * other string I/O stays refused (arch/x86/vmx/exit_io.c).
 * Environment: VMX root, the vCPU's own core with its VMCS current,
 * interrupts off.
 *
 * Rules (SDM Vol. 2B "INS/INSB", Vol. 3C 28.2.1 for the exit):
 * 1. The destination is ES:[(E/R)DI], ES's base ignored in 64-bit mode;
 *    the address size is the code's (64, 32 or 16 bits) toggled by a 0x67
 *    prefix, read from the instruction bytes (the exit's instruction
 *    information for INS/OUTS is optional, IA32_VMX_BASIC[54]).
 * 2. One byte per iteration, DI moves by RFLAGS.DF; with REP, (E/R)CX
 *    counts down, and 0 does nothing. Only the address-size part of DI
 *    and CX changes (a 32-bit write zero-extends in 64-bit mode).
 * 3. At most INS_CHUNK bytes per exit: if CX is still nonzero, RIP stays,
 *    the guest executes the INSB again and continues (REP is restartable,
 *    SDM 2B "REP"), so one exit is bounded whatever CX says.
 * 4. Every byte's linear address is translated through the guest's page
 *    tables (arch/x86/vdev/gwalk.h) and must land in partition memory;
 *    otherwise the bytes so far stay written, DI and CX say how far it
 *    went, and the VM is stopped with the reason (no #PF is injected).
 */
#include "arch/x86/vdev/decode.h"
#include "arch/x86/vdev/fwcfg.h"
#include "arch/x86/vdev/gwalk.h"
#include "arch/x86/vmx/exit_pc.h"
#include "arch/x86/vmx/mmio.h"
#include "arch/x86/vmx/vcpu.h"
#include "lib/string.h"

#define INS_CHUNK 4096u
#define AR_CS_L	  (1ULL << 13)
#define AR_CS_DB  (1ULL << 14)
#define RFLAGS_DF (1ULL << 10)

static bool guest_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = vm_gpa_to_host(ctx, gpa, len);

	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

/* Address size in bits of the INSB at the exit's RIP, or 0 if unreadable. */
static uint32_t addr_bits(struct vcpu *v, const struct vmexit *x, bool lm)
{
	uint8_t b[DECODE_MAX_LEN];
	const char *why;
	size_t n = vcpu_fetch_insn(v, x->rip, b, sizeof(b), &why);
	uint32_t bits = lm ? 64 : (vmread(VMCS_GUEST_CS_AR) & AR_CS_DB) ? 32 : 16;
	bool a67 = false;

	for (size_t i = 0; i < n; i++) {
		if (b[i] == 0x67)
			a67 = true;
		else if (b[i] == 0x6c)
			return a67 ? (bits == 32 ? 16 : 32) : bits;
		else if (!(b[i] == 0xf3 || b[i] == 0xf2 || b[i] == 0x66 || b[i] == 0x26 ||
			   b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x64 ||
			   b[i] == 0x65 || (lm && (b[i] & 0xf0) == 0x40)))
			return 0; /* not INSB as the exit said: do not guess */
	}
	return 0;
}

/* Write the low `bits` of val into *reg as the CPU would (rule 2). */
static void put_reg(uint64_t *reg, uint64_t val, uint32_t bits)
{
	if (bits == 64)
		*reg = val;
	else if (bits == 32)
		*reg = (uint32_t)val;
	else
		*reg = (*reg & ~0xffffull) | (val & 0xffff);
}

int pc_fwcfg_ins(struct vcpu *v, const struct vmexit *x)
{
	struct vm *vm = v->vm;
	bool lm = (vmread(VMCS_GUEST_EFER) & GWALK_EFER_LMA) &&
		  (vmread(VMCS_GUEST_CS_AR) & AR_CS_L);
	bool rep = x->qual & (1 << 5);
	uint32_t bits = addr_bits(v, x, lm);
	struct gwalk w = {
		.cr0 = vmread(VMCS_GUEST_CR0),
		.cr3 = vmread(VMCS_GUEST_CR3),
		.cr4 = vmread(VMCS_GUEST_CR4),
		.efer = vmread(VMCS_GUEST_EFER),
		.read = guest_read,
		.ctx = vm,
	};

	if (!bits) {
		vm_fail(vm, x->rip, "INSB from port 0x%x: cannot read the instruction",
			FWCFG_PORT_DATA);
		return VMEXIT_STOP;
	}
	if ((w.cr0 & GWALK_CR0_PG) && (w.cr4 & GWALK_CR4_PAE) && !(w.efer & GWALK_EFER_LMA))
		for (int i = 0; i < 4; i++)
			w.pdpte[i] = vmread(VMCS_GUEST_PDPTE0 + 2 * i);
	uint64_t mask = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
	uint64_t base = lm ? 0 : vmread(VMCS_GUEST_ES_BASE);
	uint64_t di = v->regs.rdi & mask, cx = rep ? v->regs.rcx & mask : 1;
	uint64_t step = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_DF) ? mask : 1; /* -1 or +1 */
	uint64_t page_lin = 1, page_gpa = 0; /* the last page translated (1: none) */
	const char *why = NULL;
	uint32_t done = 0;

	spin_lock(&vm->pc_lock);
	while (cx && done < INS_CHUNK) {
		uint64_t lin = base + di;
		uint8_t *dst;
		if (!lm)
			lin = (uint32_t)lin;
		if ((lin & ~0xfffull) != page_lin) {
			if (gwalk_translate(&w, lin & ~0xfffull, &page_gpa, &why) < 0)
				break;
			page_lin = lin & ~0xfffull;
		}
		dst = vm_gpa_to_host(vm, page_gpa + (lin & 0xfff), 1);
		if (!dst) {
			why = "destination outside guest memory";
			break;
		}
		*dst = fwcfg_read(&vm->fwcfg);
		di = (di + step) & mask;
		cx--;
		done++;
	}
	spin_unlock(&vm->pc_lock);
	put_reg(&v->regs.rdi, di, bits);
	if (rep)
		put_reg(&v->regs.rcx, cx, bits);
	if (why) {
		vm_fail(vm, x->rip, "INSB from port 0x%x to 0x%llx: %s", FWCFG_PORT_DATA,
			(unsigned long long)(base + di), why);
		return VMEXIT_STOP;
	}
	if (!rep || cx == 0)
		vmexit_skip_insn(x);
	return VMEXIT_RESUME;
}
