/* SPDX-License-Identifier: MIT */
/*
 * Thin inline wrappers for the x86 instructions C cannot express: port I/O,
 * MSRs, control registers, CPUID, TSC, interrupts. Nothing here has policy.
 * Environment: freestanding hypervisor, ring 0, any core.
 */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include "lib/spinlock.h" /* cpu_relax() */
#include "lib/types.h"

#define CR0_PE	    (1UL << 0)
#define CR0_NE	    (1UL << 5)
#define CR0_WP	    (1UL << 16)
#define CR0_PG	    (1UL << 31)
#define CR4_PAE	    (1UL << 5)
#define CR4_PGE	    (1UL << 7)
#define CR4_VMXE    (1UL << 13)
#define CR4_OSXSAVE (1UL << 18)
#define CR4_SMEP    (1UL << 20)

#define MSR_IA32_APIC_BASE	 0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC_DEADLINE	 0x6e0
#define MSR_IA32_MISC_ENABLE	 0x1a0
#define MSR_EFER		 0xc0000080
#define MSR_FS_BASE		 0xc0000100
#define MSR_GS_BASE		 0xc0000101
#define MSR_KERNEL_GS_BASE	 0xc0000102
#define EFER_LME		 (1UL << 8)
#define EFER_NXE		 (1UL << 11)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(sub));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                       \
	static inline uint64_t read_cr##n(void)                            \
	{                                                                  \
		uint64_t v;                                                \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                                  \
	}                                                                  \
	static inline void write_cr##n(uint64_t v)                         \
	{                                                                  \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline bool irq_enabled(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return (f & (1UL << 9)) != 0;
}

static inline void halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

/* Atomically enable interrupts and halt: the sti shadow covers the hlt, so
 * an interrupt that arrives in between still wakes the core. */
static inline void safe_halt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

/*
 * Pointer to identity-mapped physical memory. The empty asm hides the
 * constant from the compiler, which otherwise warns about (and may
 * miscompile) accesses to small fixed addresses such as the BIOS data area.
 */
static inline void *phys_ptr(uint64_t pa)
{
	void *p = (void *)(uintptr_t)pa;
	__asm__("" : "+r"(p));
	return p;
}

static inline void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

/* Stop this core for good (NMIs included: they return into the loop). */
static inline __noreturn void cpu_stop(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
