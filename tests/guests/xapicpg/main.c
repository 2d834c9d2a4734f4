// SPDX-License-Identifier: MIT
/*
 * Guest test "xapicpg": the xAPIC page used with paging on, as kernel
 * start-up code does after it enables paging (issue 12, item 1). The guest
 * turns on paging (mode=32: 32-bit paging, 4 MiB pages plus one 4 KiB page
 * table; mode=pae: PAE paging, 2 MiB pages plus a page table), maps the
 * xAPIC page a second time at linear 0x80000000 and its own image again at
 * 0x40000000, jumps into that alias, and only then touches the APIC, at
 * the alias: so an emulator must translate both the instruction's address
 * and not assume the data address is physical. Checks:
 *   - the ID register's bits 31:24 equal CPUID.1:EBX[31:24], the version
 *     register reads a plausible integrated-APIC version (0x10-0x15) with
 *     at least 4 LVT entries;
 *   - TPR, the LVT error entry, ICR high and the timer divider read back
 *     what was written (each written with a different instruction form:
 *     MOV r32 to memory, MOV imm32 to memory, and read with MOV from a
 *     direct offset and with a SIB byte; 32-bit accesses only, as SDM 3A
 *     11.4.1 asks and QEMU implements);
 *   - the timer's current count (a register APIC virtualization leaves to
 *     the hypervisor) is below the initial count and falls between reads;
 *   - a one-shot timer interrupt, a self-IPI by shorthand and one by
 *     destination ID each arrive once and are EOId through the alias; an
 *     IPI to an APIC ID nobody has does not arrive.
 * Parameters: mode=32|pae (32).
 * Environment: guest test kernel (multiboot v1, 32-bit, starts with paging
 * off and turns it on), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "xapicpg";

#define CODE_ALIAS 0x40000000u /* the image again: linear = physical + 1 GiB */
#define APIC_ALIAS 0x80000000u /* the xAPIC page again */
#define XAPIC_PHYS 0xfee00000u
#define PTE_P	   0x001u
#define PTE_RW	   0x002u
#define PTE_PCD	   0x010u
#define PTE_PS	   0x080u
#define CR0_PG	   (1u << 31)
#define CR4_PSE	   (1u << 4)
#define CR4_PAE	   (1u << 5)
#define VEC_TIMER  0x40
#define VEC_SELF   0x41
#define VEC_DEST   0x42
#define ICR_SELF   (1u << 18) /* destination shorthand 01: self */

/* 32-bit paging: one page directory, one page table for the APIC alias. */
static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint32_t pt32[1024] __attribute__((aligned(4096)));
/* PAE paging: the PDPT and four page directories, one page table. */
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pdpae[4][512] __attribute__((aligned(4096)));
static uint64_t ptpae[512] __attribute__((aligned(4096)));

static volatile unsigned int got[3];

static void map32(void)
{
	/* Identity for all 4 GiB in 4 MiB pages (the device pages uncached),
	 * then the two aliases. */
	for (uint32_t i = 0; i < 1024; i++)
		pd32[i] = (i << 22) | PTE_P | PTE_RW | PTE_PS | (i >= 0x3f8 ? PTE_PCD : 0);
	pd32[CODE_ALIAS >> 22] = 0 | PTE_P | PTE_RW | PTE_PS;
	pd32[APIC_ALIAS >> 22] = (uint32_t)(uintptr_t)pt32 | PTE_P | PTE_RW;
	pt32[0] = XAPIC_PHYS | PTE_P | PTE_RW | PTE_PCD;
	__asm__ volatile("mov %0, %%cr3" : : "r"(pd32) : "memory");
	uint32_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PSE));
}

static void mappae(void)
{
	for (uint32_t d = 0; d < 4; d++) {
		for (uint32_t i = 0; i < 512; i++) {
			uint64_t phys = ((uint64_t)d << 30) | ((uint64_t)i << 21);
			pdpae[d][i] = phys | PTE_P | PTE_RW | PTE_PS | (d == 3 ? PTE_PCD : 0);
		}
		pdpt[d] = (uint32_t)(uintptr_t)pdpae[d] | PTE_P;
	}
	pdpae[1][0] = 0 | PTE_P | PTE_RW | PTE_PS; /* 0x40000000 -> 0, 2 MiB */
	pdpae[2][0] = (uint32_t)(uintptr_t)ptpae | PTE_P | PTE_RW;
	ptpae[0] = XAPIC_PHYS | PTE_P | PTE_RW | PTE_PCD;
	uint32_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PAE));
	__asm__ volatile("mov %0, %%cr3" : : "r"(pdpt) : "memory");
}

static void paging_on(void)
{
	uint32_t cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");
}

static void on_irq(struct irq_frame *f)
{
	got[f->vector - VEC_TIMER]++;
}

static inline uint32_t here(void)
{
	uint32_t eip;

	__asm__ volatile("call 1f\n1: pop %0" : "=r"(eip));
	return eip;
}

static volatile uint32_t *reg(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(APIC_ALIAS + off);
}

static bool wait_for(unsigned int i)
{
	for (int n = 0; n < 1000 && !got[i]; n++) {
		irq_enable();
		delay_us(100);
		irq_disable();
	}
	return got[i] == 1;
}

/* Runs at the code alias; everything it calls too (near calls are relative). */
static void __attribute__((noinline)) checks(void)
{
	uint32_t eip = here(), v, id_cpuid;

	if (eip < CODE_ALIAS)
		fail("checks run at 0x%x, not at the alias", eip);
	cpuid(1, 0, NULL, &id_cpuid, NULL, NULL);
	id_cpuid >>= 24;
	lapic_set_mmio(APIC_ALIAS);
	lapic_enable();
	v = *reg(LAPIC_ID);
	if (v >> 24 != id_cpuid)
		fail("ID register 0x%x, CPUID says APIC ID %u", v, id_cpuid);
	v = *reg(LAPIC_VERSION);
	if ((v & 0xff) < 0x10 || (v & 0xff) > 0x15 || ((v >> 16) & 0xff) < 3)
		fail("version register 0x%x", v);
	/* MOV r32 to memory, then MOV from a direct offset (opcode A1). */
	__asm__ volatile("movl %1, (%0)" : : "r"(reg(LAPIC_TPR)), "r"(0x20u) : "memory");
	__asm__ volatile("movl %c1, %0" : "=a"(v) : "i"(APIC_ALIAS + LAPIC_TPR) : "memory");
	if ((v & 0xff) != 0x20)
		fail("TPR read 0x%x after writing 0x20", v);
	*reg(LAPIC_TPR) = 0;
	/* MOV imm32 to memory; the error LVT keeps vector and mask. */
	__asm__ volatile("movl $0x000100fe, (%0)" : : "r"(reg(0x370)) : "memory");
	if ((v = *reg(0x370)) != 0x000100fe)
		fail("LVT error read 0x%x after writing 0x100fe", v);
	*reg(LAPIC_ICR_HI) = 0x5a000000u;
	if ((v = *reg(LAPIC_ICR_HI)) != 0x5a000000u)
		fail("ICR high read 0x%x after writing 0x5a000000", v);
	*reg(LAPIC_TIMER_DIV) = 0xb; /* divide by 1 */
	/* Base + index * 4 + displacement (a SIB byte). */
	__asm__ volatile("movl 0x3e0(%1,%2,4), %0" : "=r"(v) : "r"(APIC_ALIAS), "r"(0u) : "memory");
	if ((v & 0xb) != 0xb)
		fail("divide configuration read 0x%x after writing 0xb", v);

	/* One-shot timer: the current count runs down from the initial one. */
	*reg(LAPIC_LVT_TIMER) = VEC_TIMER;
	*reg(LAPIC_TIMER_INIT) = 50000000;
	uint32_t c1 = *reg(LAPIC_TIMER_CUR);
	delay_us(200);
	uint32_t c2 = *reg(LAPIC_TIMER_CUR);
	gprintf("xapicpg: timer current count %u then %u (initial 50000000)\n", c1, c2);
	if (c1 == 0 || c1 > 50000000 || c2 >= c1)
		fail("timer current count %u then %u: not counting down", c1, c2);
	*reg(LAPIC_TIMER_INIT) = 1000;
	if (!wait_for(0))
		fail("one-shot timer interrupt arrived %u times, want 1", got[0]);

	/* Self-IPI by shorthand (fixed, edge), then by destination ID. */
	*reg(LAPIC_ICR_HI) = 0;
	*reg(LAPIC_ICR_LO) = ICR_SELF | (1u << 14) | VEC_SELF;
	if (!wait_for(1))
		fail("self-IPI by shorthand arrived %u times, want 1", got[1]);
	/* An IPI to an APIC ID nobody has goes nowhere (ICR high must be
	 * what the guest wrote, not a stale copy), then one to its own ID. */
	*reg(LAPIC_ICR_HI) = 0x5au << 24;
	*reg(LAPIC_ICR_LO) = (1u << 14) | VEC_DEST;
	irq_enable();
	delay_us(1000);
	irq_disable();
	if (got[2])
		fail("IPI to APIC ID 0x5a arrived here (APIC ID %u)", id_cpuid);
	*reg(LAPIC_ICR_HI) = id_cpuid << 24;
	*reg(LAPIC_ICR_LO) = (1u << 14) | VEC_DEST;
	if (!wait_for(2))
		fail("IPI to own ID %u arrived %u times, want 1", id_cpuid, got[2]);
	if ((v = *reg(LAPIC_ICR_HI)) != id_cpuid << 24)
		fail("ICR high read 0x%x after the IPI", v);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	bool pae = cmdline_has("mode=pae");

	(void)magic;
	(void)mbi;
	if (lapic_setup(false))
		verdict(VERDICT_SKIP, "the APIC is already in x2APIC mode");
	irq_register(VEC_TIMER, on_irq);
	irq_register(VEC_SELF, on_irq);
	irq_register(VEC_DEST, on_irq);
	if (pae)
		mappae();
	else
		map32();
	paging_on();
	void (*alias)(void) = (void (*)(void))((uintptr_t)checks + CODE_ALIAS);
	alias();
	report("xAPIC page at linear 0x%x with %s paging, code at +0x%x: registers, timer, "
	       "self-IPIs",
	       APIC_ALIAS, pae ? "PAE" : "32-bit", CODE_ALIAS);
}
