// SPDX-License-Identifier: MIT
/*
 * Guest test "fuzz": helpers the ops share: fault catching with a count,
 * putting COM1, the PICs, the LAPIC and the control registers back, and the
 * identity-mapping page tables (32-bit PSE, PAE, 4-level) built once.
 * Environment: guest test kernel, 32-bit protected mode, BSP, interrupts off.
 */
#include "tests/guests/fuzz/fuzz.h"

#define MSR_APIC_BASE  0x1b
#define APIC_BASE_BSP  (1u << 8)
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN   (1u << 11)
#define XAPIC_BASE     0xfee00000u

int fz_try(void (*fn)(void *arg), void *arg)
{
	int v = catch_fault(fn, arg, NULL);

	if (v >= 0)
		fz.faults++;
	return v;
}

void fz_serial_reset(void)
{
	serial_init();
	/* The 8259s too: a guest write may have re-initialised them (ICW1
	 * clears the mask register). */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	serial_putc('\n');
}

void fz_apic_sane(void)
{
	uint64_t base;
	uint64_t want = XAPIC_BASE | APIC_BASE_EN | (fz.x2apic ? APIC_BASE_EXTD : 0);

	if (rdmsr_safe(MSR_APIC_BASE, &base) < 0 && (base & ~(uint64_t)APIC_BASE_BSP) != want) {
		/* x2APIC -> xAPIC or a moved base: through disabled (SDM 3A
		 * 11.12.5, figure 11-27), then xAPIC, then x2APIC if wanted. */
		uint64_t bsp = base & APIC_BASE_BSP;
		wrmsr_safe(MSR_APIC_BASE, bsp | XAPIC_BASE);
		wrmsr_safe(MSR_APIC_BASE, bsp | XAPIC_BASE | APIC_BASE_EN);
		if (fz.x2apic)
			wrmsr_safe(MSR_APIC_BASE, bsp | want);
	}
	lapic_enable();
	/* Empty the in-service register: a vector the guest took without an
	 * EOI (0xff, or 16..31 through an exception stub) blocks lower ones. */
	for (int n = 0; n < 64; n++) {
		uint32_t any = 0;
		for (uint32_t r = 0x100; r < 0x180; r += 0x10)
			any |= lapic_read(r);
		if (!any)
			break;
		lapic_eoi();
	}
}

void fz_restore_crs(uint32_t cr0, uint32_t cr3, uint32_t cr4)
{
	uint32_t now = read_cr0();

	if (now & CR0_PG)
		write_cr0(now & ~CR0_PG);
	write_cr4(cr4);
	write_cr3(cr3);
	write_cr0(cr0);
}

/* Identity maps of the whole 4 GiB (SDM 3A 4.3, 4.4, 4.5). */
static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint64_t pd_pae[4][512] __attribute__((aligned(4096)));
static uint64_t pdpt_pae[4] __attribute__((aligned(32)));
static uint64_t pdpt64[512] __attribute__((aligned(4096)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static bool built;

static void build(void)
{
	if (built)
		return;
	for (uint32_t i = 0; i < 1024; i++)
		pd32[i] = (i << 22) | 0x83; /* P, RW, PS */
	for (uint32_t t = 0; t < 4; t++) {
		for (uint32_t i = 0; i < 512; i++)
			pd_pae[t][i] = ((uint64_t)t << 30) | ((uint64_t)i << 21) | 0x83;
		pdpt_pae[t] = (uint32_t)(uintptr_t)pd_pae[t] | 1; /* P only: 4.4.1 */
		pdpt64[t] = (uint32_t)(uintptr_t)pd_pae[t] | 3;
	}
	pml4[0] = (uint32_t)(uintptr_t)pdpt64 | 3;
	built = true;
}

uint32_t fz_pd32(void)
{
	build();
	return (uint32_t)(uintptr_t)pd32;
}

uint32_t fz_pdpt_pae(void)
{
	build();
	return (uint32_t)(uintptr_t)pdpt_pae;
}

uint32_t fz_pml4(void)
{
	build();
	return (uint32_t)(uintptr_t)pml4;
}
