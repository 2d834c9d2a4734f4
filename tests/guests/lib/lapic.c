// SPDX-License-Identifier: MIT
/*
 * Guest test library: local APIC driver, xAPIC and x2APIC (SDM Vol 3A
 * chapter 11; x2APIC in 11.12).
 * Environment: guest test kernel, 32-bit protected mode, paging off (the
 * xAPIC page is addressed physically) or the page mapped where
 * lapic_set_mmio() says, ring 0, any CPU after lapic_enable().
 */
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/idt.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/printf.h"

#define MSR_APIC_BASE	    0x1b
#define APIC_BASE_EXTD	    (1u << 10) /* x2APIC mode */
#define APIC_BASE_EN	    (1u << 11) /* APIC global enable */
#define MSR_X2APIC_BASE	    0x800
#define MSR_X2APIC_ICR	    0x830
#define MSR_TSC_DEADLINE    0x6e0
#define CPUID1_ECX_X2APIC   (1u << 21)
#define CPUID1_ECX_TSC_DL   (1u << 24)
#define SVR_ENABLE	    (1u << 8)
#define LVT_MASKED	    (1u << 16)
#define ICR_DELIVERY_STATUS (1u << 12) /* xAPIC only: send pending */
#define ICR_ASSERT	    (1u << 14)
#define ICR_FIXED	    (0u << 8)
#define ICR_INIT	    (5u << 8)
#define ICR_STARTUP	    (6u << 8)

static bool x2apic;
/* Where the xAPIC page is in the linear address space: physical with paging
 * off, wherever a test mapped it otherwise (lapic_set_mmio()). */
static uint32_t xapic_mmio = 0xfee00000u;

void lapic_set_mmio(uint32_t linear)
{
	xapic_mmio = linear;
}

static uint32_t cpuid1_ecx(void)
{
	uint32_t ecx;

	cpuid(1, 0, NULL, NULL, &ecx, NULL);
	return ecx;
}

bool lapic_setup(bool allow_x2apic)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	x2apic = (base & APIC_BASE_EXTD) || (allow_x2apic && (cpuid1_ecx() & CPUID1_ECX_X2APIC));
	return x2apic;
}

bool lapic_is_x2apic(void)
{
	return x2apic;
}

uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return mmio_read32(xapic_mmio + reg);
}

void lapic_write(uint32_t reg, uint32_t val)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
	else
		mmio_write32(xapic_mmio + reg, val);
}

void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* Disabled -> xAPIC -> x2APIC: going straight from disabled to
	 * x2APIC is an invalid transition (SDM 11.12.5, figure 11-27). */
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_APIC_BASE, base);
	}
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	this_cpu()->apic_id = lapic_id();
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void xapic_wait_idle(void)
{
	for (unsigned int i = 0; i < 1000000; i++) {
		if (!(mmio_read32(xapic_mmio + LAPIC_ICR_LO) & ICR_DELIVERY_STATUS))
			return;
		cpu_relax();
	}
	gprintf("lapic: ICR still busy after 1000000 polls, sending anyway\n");
}

/* SDM 11.6.1 (xAPIC: write the high half first, the low write sends) and
 * 11.12.9 (x2APIC: one 64-bit WRMSR, destination in bits 63:32). */
static void send_icr(uint32_t dest, uint32_t lo)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)dest << 32) | lo);
		return;
	}
	xapic_wait_idle();
	mmio_write32(xapic_mmio + LAPIC_ICR_HI, dest << 24);
	mmio_write32(xapic_mmio + LAPIC_ICR_LO, lo);
	xapic_wait_idle();
}

void lapic_send_fixed(uint32_t dest, uint8_t vector)
{
	send_icr(dest, ICR_ASSERT | ICR_FIXED | vector);
}

void lapic_send_init(uint32_t dest)
{
	send_icr(dest, ICR_ASSERT | ICR_INIT);
}

void lapic_send_sipi(uint32_t dest, uint8_t page)
{
	send_icr(dest, ICR_ASSERT | ICR_STARTUP | page);
}

/* Divide configuration register encoding, bits 3 and 1:0 (SDM figure 11-10). */
static uint32_t divide_bits(uint32_t divide)
{
	switch (divide) {
	case 1:
		return 0xb;
	case 2:
		return 0x0;
	case 4:
		return 0x1;
	case 8:
		return 0x2;
	case 16:
		return 0x3;
	case 32:
		return 0x8;
	case 64:
		return 0x9;
	case 128:
		return 0xa;
	}
	gprintf("lapic: timer divide %u is not a power of two up to 128, using 1\n", divide);
	return 0xb;
}

void lapic_timer_start(uint8_t vector, enum lapic_timer_mode mode, uint32_t count, uint32_t divide)
{
	uint32_t lvt = ((uint32_t)mode << 17) | (vector ? vector : LVT_MASKED);

	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_DIV, divide_bits(divide));
	lapic_write(LAPIC_LVT_TIMER, lvt);
	lapic_write(LAPIC_TIMER_INIT, count); /* writing the count starts it */
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

bool lapic_has_tsc_deadline(void)
{
	return cpuid1_ecx() & CPUID1_ECX_TSC_DL;
}

void lapic_timer_deadline(uint8_t vector, uint64_t deadline)
{
	lapic_write(LAPIC_LVT_TIMER, ((uint32_t)LAPIC_TIMER_TSC_DEADLINE << 17) | vector);
	/* The LVT write must be ordered before the deadline write, or the
	 * deadline may be taken in the old mode (SDM 11.5.4.1): MFENCE. */
	__asm__ volatile("mfence" : : : "memory");
	wrmsr(MSR_TSC_DEADLINE, deadline);
}
