// SPDX-License-Identifier: MIT
/*
 * Guest test "fuzz": the long-mode round trip (longmode.S). CR0.PG is
 * written with CR0.NE flipped two times in three, so the switch into and
 * out of IA-32e mode goes through Cypress's CR0 emulation rather than the
 * CPU's own MOV to CR0.
 * Rules: CR0/CR3/CR4, EFER and the GDT are the caller's again afterwards.
 * Environment: guest test kernel, 32-bit protected mode, paging off, BSP,
 * interrupts off.
 */
#include "tests/guests/fuzz/fuzz.h"
#include "guest-abi/cypress.h"

#define MSR_EFER 0xc0000080u

struct lm {
	uint32_t pml4, cr0_on, cr0_off, vmcall;
	uint32_t sig_ebx, abi;
};

void fz_longmode(struct lm *p);

static void do_lm(void *arg)
{
	fz_longmode(arg);
}

void op_longmode(void)
{
	uint32_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	uint64_t efer = 0;
	struct lm p = { fz_pml4(), cr0 | CR0_PG, cr0, fz.cypress, 0, 0xdead };
	struct {
		uint16_t pad, limit;
		uint32_t base;
	} __attribute__((packed)) gdt;

	if (!one_in(3))
		p.cr0_on ^= CR0_NE;
	if (one_in(2))
		p.cr0_off = p.cr0_on & ~CR0_PG;
	__asm__ volatile("sgdt %0" : "=m"(gdt.limit));
	rdmsr_safe(MSR_EFER, &efer);
	opline("cr0 on=0x%x off=0x%x pml4=0x%x", p.cr0_on, p.cr0_off, p.pml4);
	int v = fz_try(do_lm, &p);
	__asm__ volatile("lgdt %0" : : "m"(gdt.limit));
	fz_restore_crs(cr0, cr3, cr4);
	wrmsr_safe(MSR_EFER, efer);
	if (!fz.cypress)
		return;
	if (v >= 0)
		fail("long-mode round trip raised vector %d", v);
	else if (p.sig_ebx != CYPRESS_SIG_EBX || p.abi != CYPRESS_ABI_VERSION)
		fail("in 64-bit mode: cpuid 0x40000000 ebx=0x%x, abi_version %d", p.sig_ebx,
		     (int32_t)p.abi);
}
