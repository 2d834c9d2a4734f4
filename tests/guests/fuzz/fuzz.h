/* SPDX-License-Identifier: MIT */
/*
 * Guest test "fuzz": shared declarations. A seeded xorshift32 generator
 * draws operations from a table of kinds; each kind lives in one ops_*.c
 * file and prints its line ("fuzz: op I KIND args") before it acts, so a
 * crash or hang is attributed to (seed, op index).
 * Rules:
 *  1. Random numbers come from the generator only, never from what an
 *     operation observed, so `seed=S ops=N` replays the first N ops of a
 *     longer run exactly.
 *  2. Every instruction that may fault runs inside catch_fault(); a fault is
 *     an outcome, never a failure.
 *  3. An op that changes CPU state the guest itself relies on (CR0/CR3/CR4,
 *     XCR0, APIC mode, COM1, the PICs) restores it before it returns.
 *  4. fail() only for what the guest can itself see contradicts
 *     docs/guest-abi.md or the SDM, and only where Cypress runs (fz.cypress).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off between
 * ops), BSP only, interrupts off except inside the hlt op.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include "tests/guests/lib/guest.h"

/* Kind flags. */
#define K_RARE	  1u /* may end the VM: drawn with probability 1/rare per op */
#define K_CYPRESS 2u /* only meaningful (or only safe) under Cypress */
#define K_OFF	  4u /* off unless named in on=... */

struct fz_state {
	uint32_t rng;	    /* xorshift32 state, never 0 */
	uint32_t seed, ops; /* command line */
	uint32_t index;	    /* current op */
	uint32_t ram_top;   /* end of RAM from the memory map */
	bool cypress;	    /* CPUID signature says Cypress */
	bool x2apic;	    /* the library chose x2APIC mode */
	uint32_t faults;    /* ops that raised an exception */
	uint32_t irqs;	    /* interrupts taken (hlt op) */
	uint32_t nmis;	    /* NMIs taken */
};

extern struct fz_state fz;

/* xorshift32 (Marsaglia 2003). */
static inline uint32_t rnd(void)
{
	uint32_t x = fz.rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	fz.rng = x;
	return x;
}

/* Uniform in [0, n) (n > 0; the tiny modulo bias does not matter here). */
static inline uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

/* True with probability 1/n. */
static inline bool one_in(uint32_t n)
{
	return rnd_below(n) == 0;
}

static inline uint64_t rnd64(void)
{
	uint64_t hi = rnd();

	return (hi << 32) | rnd();
}

/* One element of a constant array. */
#define PICK(arr) ((arr)[rnd_below((uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/*
 * A 32-bit value biased to edges: 0, all ones, single bits, small numbers,
 * the sign bit, or fully random.
 */
uint32_t rnd_value32(void);

/* A 64-bit value biased to reserved-bit patterns (high half set, single bits). */
uint64_t rnd_value64(void);

/* Print "fuzz: op I KIND <fmt...>" (through the console hypercall under Cypress). */
void opline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print any "fuzz: ..." line the same way. */
void fzprint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run fn(arg) in catch_fault; count a fault. Returns the vector or -1. */
int fz_try(void (*fn)(void *arg), void *arg);

/* Re-program COM1 and end the current console line (after a guest wrote to it). */
void fz_serial_reset(void);

/* Put the LAPIC back in the library's mode, enabled, TPR 0, timer masked, ISR empty. */
void fz_apic_sane(void);

/* Read/write CR0, CR3, CR4 (no fault possible for reads). */
static inline uint32_t read_cr0(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_cr3(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_cr4(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void write_cr3(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void write_cr4(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

#define CR0_PE	    (1u << 0)
#define CR0_NE	    (1u << 5)
#define CR0_PG	    (1u << 31)
#define CR4_PSE	    (1u << 4)
#define CR4_PAE	    (1u << 5)
#define CR4_VMXE    (1u << 13)
#define CR4_OSXSAVE (1u << 18)

/* Restore CR0, CR3, CR4 to saved values (paging off first, CR4 before CR0.PG). */
void fz_restore_crs(uint32_t cr0, uint32_t cr3, uint32_t cr4);

/* Identity-mapping page directory (4 MiB PSE pages) and PAE tables, built once. */
uint32_t fz_pd32(void);
uint32_t fz_pdpt_pae(void);
uint32_t fz_pml4(void);

/* The operations, one function per kind (ops_*.c). */
void op_vmcall(void);
void op_io(void);
void op_strio(void);
void op_msr(void);
void op_cpuid(void);
void op_xcr(void);
void op_cr(void);
void op_crbad(void);
void op_paging(void);
void op_insn(void);
void op_mwait(void);
void op_apic(void);
void op_apicodd(void);
void op_ipi(void);
void op_ipiinit(void);
void op_hlt(void);
void op_hltoff(void);
void op_escape(void);
void op_longmode(void);

#endif
