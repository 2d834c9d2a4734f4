// SPDX-License-Identifier: MIT
/*
 * MMIO emulation: fetch through the guest's paging, decode, carry out
 * (see arch/x86/vmx/mmio.h).
 * Environment: VMX root, the vCPU's own core with its VMCS current,
 * interrupts off.
 */
#include "arch/x86/vmx/mmio.h"

#include "arch/x86/vdev/decode.h"
#include "arch/x86/vdev/gwalk.h"
#include "arch/x86/vmx/vcpu.h"
#include "drivers/console.h"
#include "lib/string.h"

#define AR_CS_L	 (1ULL << 13)
#define AR_CS_DB (1ULL << 14)

static bool guest_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = vm_gpa_to_host(ctx, gpa, len);

	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

static bool long_mode_code(void)
{
	return (vmread(VMCS_GUEST_EFER) & GWALK_EFER_LMA) && (vmread(VMCS_GUEST_CS_AR) & AR_CS_L);
}

static enum decode_mode code_mode(void)
{
	/* SDM 3A 5.2.1: CS.L in IA-32e mode is 64-bit code, else CS.D picks 32 or 16. */
	if (long_mode_code())
		return DECODE_64;
	return vmread(VMCS_GUEST_CS_AR) & AR_CS_DB ? DECODE_32 : DECODE_16;
}

void vcpu_walker(struct vcpu *v, struct gwalk *w)
{
	*w = (struct gwalk){
		.cr0 = vmread(VMCS_GUEST_CR0),
		.cr3 = vmread(VMCS_GUEST_CR3),
		.cr4 = vmread(VMCS_GUEST_CR4),
		.efer = vmread(VMCS_GUEST_EFER),
		.read = guest_read,
		.ctx = v->vm,
	};
	if ((w->cr0 & GWALK_CR0_PG) && (w->cr4 & GWALK_CR4_PAE) && !(w->efer & GWALK_EFER_LMA))
		for (int i = 0; i < 4; i++)
			w->pdpte[i] = vmread(VMCS_GUEST_PDPTE0 + 2 * i);
}

unsigned vcpu_addr_size(void)
{
	enum decode_mode m = code_mode();

	return m == DECODE_64 ? 8 : m == DECODE_32 ? 4 : 2;
}

size_t vcpu_fetch_insn(struct vcpu *v, uint64_t rip, uint8_t *bytes, size_t max, const char **why)
{
	struct gwalk w;
	bool wide = long_mode_code();
	/* In 64-bit mode the CS base is ignored (SDM 3A 3.4.4); elsewhere the
	 * linear address is CS.base + EIP in 32 bits. */
	uint64_t lin = wide ? rip : vmread(VMCS_GUEST_CS_BASE) + rip;
	size_t n = 0;

	*why = "";
	vcpu_walker(v, &w);
	while (n < max) {
		uint64_t at = wide ? lin + n : (uint32_t)(lin + n), gpa;
		if (gwalk_translate(&w, at, &gpa, why) < 0)
			break;
		const uint8_t *p = vm_gpa_to_host(v->vm, gpa, 1);
		if (!p) {
			*why = "instruction outside guest memory";
			break;
		}
		/* The rest of this page in one go. */
		size_t run = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
		run = run < max - n ? run : max - n;
		if (!vm_gpa_to_host(v->vm, gpa, run))
			run = 1;
		memcpy(bytes + n, p, run);
		n += run;
	}
	return n;
}

int vcpu_mmio(struct vcpu *v, const struct vmexit *x, uint64_t gpa, const struct mmio_dev *dev)
{
	struct mmio_insn in;
	uint8_t bytes[DECODE_MAX_LEN];
	const char *why;
	size_t n = vcpu_fetch_insn(v, x->rip, bytes, sizeof(bytes), &why);

	if (!n) {
		vm_fail(v->vm, x->rip, "%s MMIO at 0x%llx: cannot fetch the instruction (%s)",
			dev->name, (unsigned long long)gpa, why);
		return VMEXIT_STOP;
	}
	console_tag(v->vm->tag); /* the decoder's lines name this VM */
	int rc = decode_mmio(bytes, n, code_mode(), &in);
	console_tag(NULL);
	if (rc < 0) {
		vm_fail(v->vm, x->rip, "%s MMIO at 0x%llx by an instruction Cypress cannot decode",
			dev->name, (unsigned long long)gpa);
		return VMEXIT_STOP;
	}
	uint64_t *regs = (uint64_t *)&v->regs;
	regs[4] = vmread(VMCS_GUEST_RSP);
	if (in.write) {
		dev->write(v, gpa, in.size, decode_store_value(&in, regs));
	} else {
		decode_apply_load(&in, dev->read(v, gpa, in.size), regs);
		vmwrite(VMCS_GUEST_RSP, regs[4]);
	}
	vmexit_complete_insn(x->rip + in.len);
	return VMEXIT_RESUME;
}
