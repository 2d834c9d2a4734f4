// SPDX-License-Identifier: MIT
/*
 * Local APIC driver. x2APIC is preferred: MSR access is faster, has no
 * MMIO mapping to get wrong, and APIC IDs above 255 need it.
 * Environment: freestanding hypervisor, any core.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "lib/printf.h"

#define APIC_BASE_EXTD (1ULL << 10) /* IA32_APIC_BASE bit 10: x2APIC mode */
#define APIC_BASE_EN   (1ULL << 11)
#define ICR_INIT       0x00000500
#define ICR_STARTUP    0x00000600
#define ICR_ASSERT     0x00004000
#define ICR_PENDING    0x00001000
#define LVT_MASKED     0x00010000

bool apic_x2;
static volatile uint32_t *xapic_mmio;

void apic_setup_mode(bool force_xapic)
{
	struct cpuid_regs r = cpuid(1, 0);

	apic_x2 = !force_xapic && (r.ecx & (1U << 21)); /* CPUID.1:ECX[21] x2APIC */
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE) & 0xffffff000ULL;
	xapic_mmio = (volatile uint32_t *)(uintptr_t)base;
	kprintf("apic: %s mode, base 0x%llx\n", apic_x2 ? "x2APIC" : "xAPIC",
		(unsigned long long)base);
}

uint32_t apic_read(uint32_t reg)
{
	if (apic_x2)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return xapic_mmio[reg / 4];
}

void apic_write(uint32_t reg, uint32_t val)
{
	if (apic_x2)
		wrmsr(0x800 + (reg >> 4), val);
	else
		xapic_mmio[reg / 4] = val;
}

void apic_init_local(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	/* SDM 11.12.1: enable xAPIC first, then set EXTD to enter x2APIC. */
	base |= APIC_BASE_EN;
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (apic_x2)
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	apic_write(APIC_LVT_LINT1, LVT_MASKED);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(APIC_LVT_ERROR, VEC_APIC_ERROR);
	/* SDM 11.5.3: ESR is written before read to latch errors. */
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS); /* software enable */
	apic_eoi();
}

uint32_t apic_read_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return apic_x2 ? id : id >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static void icr_send(uint32_t dest, uint32_t lo)
{
	if (apic_x2) {
		/* SDM 11.12.9: one 64-bit MSR write, no delivery-status polling. */
		wrmsr(0x830, ((uint64_t)dest << 32) | lo);
		return;
	}
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, lo);
	/* Bounded wait for the xAPIC to accept the IPI. */
	for (int i = 0; i < 100000 && (apic_read(APIC_ICR_LO) & ICR_PENDING); i++)
		__builtin_ia32_pause();
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
	icr_send(dest, ICR_ASSERT | vector);
}

void apic_send_init(uint32_t dest)
{
	icr_send(dest, ICR_INIT | ICR_ASSERT);
}

void apic_send_sipi(uint32_t dest, uint8_t page)
{
	icr_send(dest, ICR_STARTUP | ICR_ASSERT | page);
}
