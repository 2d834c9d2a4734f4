// SPDX-License-Identifier: MIT
/*
 * INS and OUTS (with or without REP): the string forms of port I/O, as
 * kernels use them for bulk reads of a data port (QEMU's fw_cfg data port
 * is read with REP INSB by common firmware and kernels). SDM Vol. 2B INS,
 * OUTS and REP; exit qualification SDM 3C table 28-5.
 * The memory operand is ES:rDI for INS and seg:rSI for OUTS (DS unless a
 * segment prefix says otherwise), with the address size of the code or
 * the 0x67 prefix; rDI/rSI step by the element size, down when
 * RFLAGS.DF is set; REP counts rCX down to 0. Both are taken from the
 * instruction's prefixes, fetched through the guest's paging. At most
 * IOS_BATCH elements are moved per exit: RIP then stays on the
 * instruction, which re-executes and goes on (as the CPU itself may
 * interrupt a REP string instruction, SDM 2B REP), so a huge count never
 * keeps the core from its other work. Segment limits and access rights
 * are not checked (flat segments, as every kernel of this environment
 * uses).
 * Environment: VMX root, the vCPU's core, interrupts off.
 */
#include "arch/x86/vmx/io.h"

#include "arch/x86/vmx/mmio.h"
#include "arch/x86/vmx/vcpu.h"
#include "lib/string.h"

#define IOS_BATCH 4096u
#define RFLAGS_DF (1ULL << 10)

enum {
	SEG_ES,
	SEG_CS,
	SEG_SS,
	SEG_DS,
	SEG_FS,
	SEG_GS
};

static const uint32_t seg_base_field[] = {
	VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
	VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE,
};

/* Prefixes of the instruction (SDM 2A 2.1.1): segment override, address size. */
static bool prefixes(struct gview *g, uint64_t rip, int *seg, unsigned *asize)
{
	uint8_t b[15];
	const char *why;
	size_t n = gview_fetch(g, rip, b, sizeof(b), &why);
	static const uint8_t segp[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

	bool a67 = false;

	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (int s = 0; s < 6; s++)
			if (b[i] == segp[s]) {
				*seg = s;
				seen = true;
			}
		if (b[i] == 0x67)
			seen = a67 = true; /* a repeated 0x67 is still one override */
		if (b[i] == 0x66 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0xf0)
			seen = true;
		if (g->wide && (b[i] & 0xf0) == 0x40)
			seen = true; /* REX */
		if (!seen) {
			if (a67)
				*asize = *asize == 4 ? 2 : 4; /* 16 <-> 32, 64 -> 32 */
			return true;			      /* the opcode */
		}
	}
	return false;
}

/* Replace the low asize bytes of *reg (16-bit: only them; 32-bit: zero-extend in 64-bit mode). */
static void set_idx(uint64_t *reg, uint64_t val, unsigned asize)
{
	if (asize == 2)
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
	else
		*reg = asize == 4 ? (uint32_t)val : val;
}

int vmexit_io_string(struct vcpu *v, const struct vmexit *x)
{
	uint32_t size = (uint32_t)(x->qual & 7) + 1;
	bool in = x->qual & (1 << 3), rep = x->qual & (1 << 5);
	uint16_t port = (uint16_t)(x->qual >> 16);
	unsigned asize = vcpu_addr_size();
	int seg = SEG_DS;
	const char *why = "";
	struct gview g;

	gview_init(&g, v);
	if (!prefixes(&g, x->rip, &seg, &asize)) {
		vm_fail(v->vm, x->rip, "%s on port 0x%x: cannot fetch the instruction",
			in ? "INS" : "OUTS", port);
		return VMEXIT_STOP;
	}
	if (in)
		seg = SEG_ES; /* INS always writes ES:rDI (SDM 2B INS) */
	uint64_t amask = asize == 8 ? ~0ULL : asize == 4 ? 0xffffffffULL : 0xffffULL;
	uint64_t *idx = in ? &v->regs.rdi : &v->regs.rsi;
	uint64_t count = rep ? v->regs.rcx & amask : 1;
	/* 64-bit mode: only FS and GS have a base (SDM 3A 3.4.4). */
	uint64_t base = g.wide && seg != SEG_FS && seg != SEG_GS ? 0 : vmread(seg_base_field[seg]);
	int64_t step = vmread(VMCS_GUEST_RFLAGS) & RFLAGS_DF ? -(int64_t)size : (int64_t)size;

	for (uint32_t done = 0; count && done < IOS_BATCH; done++) {
		uint64_t off = *idx & amask, lin = base + off;
		uint32_t val = 0;
		if (in) {
			val = io_port_in(v, port, size);
			if (!gview_copy(&g, lin, &val, size, true, &why))
				goto fault;
		} else {
			if (!gview_copy(&g, lin, &val, size, false, &why))
				goto fault;
			if (io_port_out(v, port, size, val) == VMEXIT_STOP)
				return VMEXIT_STOP;
		}
		set_idx(idx, off + (uint64_t)step, asize);
		count--;
		if (rep)
			set_idx(&v->regs.rcx, count, asize);
	}
	if (!count)
		vmexit_skip_insn(x);
	return VMEXIT_RESUME;
fault:
	/* Hardware would raise #PF or #GP here; no guest of this environment
	 * does string I/O to unmapped memory, so it is stopped with the reason. */
	vm_fail(v->vm, x->rip, "%s on port 0x%x: buffer at %s:0x%llx not accessible (%s)",
		in ? "INS" : "OUTS", port,
		(const char *[]){ "es", "cs", "ss", "ds", "fs", "gs" }[seg],
		(unsigned long long)(*idx & amask), why);
	return VMEXIT_STOP;
}
