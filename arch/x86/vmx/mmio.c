// SPDX-License-Identifier: MIT
/*
 * MMIO emulation: fetch through the guest's paging, decode, carry out
 * (see arch/x86/vmx/mmio.h).
 * Environment: VMX root, the vCPU's own core with its VMCS current,
 * interrupts off.
 */
#include "arch/x86/vmx/mmio.h"

#include "arch/x86/vdev/decode.h"
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

void gview_init(struct gview *g, struct vcpu *v)
{
	struct gwalk *w = &g->w;

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
	g->v = v;
	g->wide = long_mode_code();
	g->page = 1;
	g->host = NULL;
}

static uint8_t *byte_at(struct gview *g, uint64_t lin, const char **why)
{
	uint64_t page = lin & ~(uint64_t)(PAGE_SIZE - 1), gpa;

	if (page != g->page) {
		if (gwalk_translate(&g->w, page, &gpa, why) < 0)
			return NULL;
		/* Partition memory is whole 2 MiB units: a page is in or out. */
		g->host = vm_gpa_to_host(g->v->vm, gpa, PAGE_SIZE);
		if (!g->host) {
			*why = "outside guest memory";
			return NULL;
		}
		g->page = page;
	}
	return g->host + (lin & (PAGE_SIZE - 1));
}

bool gview_copy(struct gview *g, uint64_t lin, void *buf, size_t len, bool to_guest,
		const char **why)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t *p = byte_at(g, g->wide ? lin + i : (uint32_t)(lin + i), why);
		if (!p)
			return false;
		if (to_guest)
			*p = ((uint8_t *)buf)[i];
		else
			((uint8_t *)buf)[i] = *p;
	}
	return true;
}

unsigned vcpu_addr_size(void)
{
	enum decode_mode m = code_mode();

	return m == DECODE_64 ? 8 : m == DECODE_32 ? 4 : 2;
}

size_t gview_fetch(struct gview *g, uint64_t rip, uint8_t *bytes, size_t max, const char **why)
{
	/* In 64-bit mode the CS base is ignored (SDM 3A 3.4.4); elsewhere the
	 * linear address is CS.base + EIP in 32 bits. */
	uint64_t lin = g->wide ? rip : vmread(VMCS_GUEST_CS_BASE) + rip;
	size_t n = 0;

	*why = "";
	while (n < max && gview_copy(g, lin + n, bytes + n, 1, false, why))
		n++;
	return n;
}

size_t vcpu_fetch_insn(struct vcpu *v, uint64_t rip, uint8_t *bytes, size_t max, const char **why)
{
	struct gview g;

	gview_init(&g, v);
	return gview_fetch(&g, rip, bytes, max, why);
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
