// SPDX-License-Identifier: MIT
/*
 * Guest test "crwrite": regression test for control-register and EFER
 * writes the hypervisor must check (a MOV to CR4 with VMXE used to stop the
 * VM with "VM entry rejected: invalid guest state"). Each refused write
 * must raise #GP(0) as the CPU does (SDM 2B "MOV-Move to/from Control
 * Registers", "WRMSR"; 3A 2.5, 10.8.5) and the VM must keep running:
 *  - CR4: VMXE (bit 13, VMX hidden: CPUID.1:ECX[5] = 0), SMXE (bit 14, SMX
 *    hidden), reserved bits 31 and 25 (25 only without CPUID.7:EDX[5]);
 *  - CR0: PG without PE, NW without CD;
 *  - EFER: SVME (bit 12); LME changed while 32-bit paging is on.
 * Accepted: CR0 with NE flipped reads back as written; a long-mode round
 * trip: identity PAE tables for the first 4 MiB, CR4.PAE, EFER.LME, CR0 |=
 * PG|NE (an exit) gives EFER.LMA = 1; a far jump to a 64-bit code segment,
 * CPUID there, back to compatibility mode; clearing PG gives LMA = 0.
 * Outside Cypress, rows plain QEMU TCG does not enforce are notes.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP
 * only, interrupts off throughout.
 */
#include "tests/guests/lib/guest.h"
#include "tests/guests/crwrite/lm.h"

const char guest_test_name[] = "crwrite";

#define CR0_PE	 (1u << 0)
#define CR0_NE	 (1u << 5)
#define CR0_NW	 (1u << 29)
#define CR0_CD	 (1u << 30)
#define CR0_PG	 (1u << 31)
#define CR4_PSE	 (1u << 4)
#define CR4_PAE	 (1u << 5)
#define CR4_VMXE (1u << 13)
#define CR4_SMXE (1u << 14)

#define MSR_EFER  0xc0000080u
#define EFER_LME  (1ULL << 8)
#define EFER_LMA  (1ULL << 10)
#define EFER_SVME (1ULL << 12)

#define PTE_P  0x1u
#define PTE_RW 0x2u
#define PTE_PS 0x80u /* 2 MiB (PAE/4-level PDE) or 4 MiB (32-bit PDE) page */

struct lm_result lm_result;

/* 4-level tables for the round trip, and a 32-bit page directory. */
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint32_t pd32[1024] __attribute__((aligned(4096)));

/* Null, the library's flat code (0x08) and data (0x10), and 64-bit code (0x18). */
static const uint64_t gdt[4] __attribute__((aligned(8))) = {
	0,
	0x00CF9A000000FFFFULL,
	0x00CF92000000FFFFULL,
	0x00AF9A000000FFFFULL,
};

static bool cypress;
static unsigned int checks;

static uint32_t read_cr0(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint32_t read_cr3(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static uint32_t read_cr4(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr0(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static void write_cr3(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static void write_cr4(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void do_cr0(void *arg)
{
	write_cr0(*(uint32_t *)arg);
}

static void do_cr4(void *arg)
{
	write_cr4(*(uint32_t *)arg);
}

/*
 * Run a write that must raise #GP(0). strict: a write that goes through is a
 * failure; otherwise (a platform that does not enforce it) only a note.
 * Returns true if the write went through (the caller undoes it).
 */
static bool must_gp(void (*fn)(void *), void *arg, const char *what, bool strict)
{
	struct fault_info fi = { 0, 0, 0 };
	int v = catch_fault(fn, arg, &fi);

	checks++;
	if (v == VEC_GP && fi.error == 0) {
		gprintf("crwrite: %s raised #GP(0) as expected\n", what);
		return false;
	}
	if (v == VEC_GP)
		fail("%s raised #GP(0x%x), want #GP(0)", what, fi.error);
	else if (v >= 0)
		fail("%s raised %s, want #GP(0)", what, exception_name((unsigned int)v));
	else if (strict)
		fail("%s did not fault, want #GP(0)", what);
	else
		gprintf("crwrite: note: %s did not fault; allowed outside Cypress\n", what);
	return v < 0;
}

static void cr4_rows(void)
{
	uint32_t cr4 = read_cr4(), ecx, edx7 = 0, max, val;

	if (!cypress) {
		/* QEMU 7.2 TCG loops on a MOV to CR4 of a bit it refuses
		 * instead of raising #GP, so these rows need Cypress. */
		gprintf("crwrite: not under Cypress: CR4 rows not run\n");
		return;
	}
	cpuid(0, 0, &max, NULL, NULL, NULL);
	cpuid(1, 0, NULL, NULL, &ecx, NULL);
	if (max >= 7)
		cpuid(7, 0, NULL, NULL, NULL, &edx7);
	if (ecx & (1u << 5)) {
		if (cypress)
			fail("CPUID.1:ECX.VMX (bit 5) is set: VMX must be hidden");
		gprintf("crwrite: VMX offered: CR4.VMXE row not run\n");
	} else {
		val = cr4 | CR4_VMXE;
		if (must_gp(do_cr4, &val, "MOV CR4 with VMXE (bit 13)", true))
			write_cr4(cr4);
	}
	if (ecx & (1u << 6)) {
		if (cypress)
			fail("CPUID.1:ECX.SMX (bit 6) is set: SMX must be hidden");
		gprintf("crwrite: SMX offered: CR4.SMXE row not run\n");
	} else {
		val = cr4 | CR4_SMXE;
		if (must_gp(do_cr4, &val, "MOV CR4 with SMXE (bit 14)", true))
			write_cr4(cr4);
	}
	val = cr4 | (1u << 31);
	if (must_gp(do_cr4, &val, "MOV CR4 with reserved bit 31", true))
		write_cr4(cr4);
	if (edx7 & (1u << 5)) {
		gprintf("crwrite: CPUID.7:EDX[5] (UINTR) set: CR4 bit 25 is not reserved here\n");
	} else {
		val = cr4 | (1u << 25);
		if (must_gp(do_cr4, &val, "MOV CR4 with reserved bit 25", true))
			write_cr4(cr4);
	}
	if (read_cr4() != cr4)
		fail("CR4 reads 0x%x after the refused writes, want 0x%x", read_cr4(), cr4);
}

static void cr0_rows(void)
{
	uint32_t cr0 = read_cr0(), val;

	/* If this went through the CPU would be in real mode with paging and
	 * the test is lost; QEMU 7.2 TCG does that, so only under Cypress. */
	val = (cr0 | CR0_PG) & ~CR0_PE;
	if (cypress)
		must_gp(do_cr0, &val, "MOV CR0 with PG set and PE clear", true);
	else
		gprintf("crwrite: not under Cypress: CR0 PG-without-PE row not run\n");
	val = (cr0 | CR0_NW) & ~CR0_CD;
	if (must_gp(do_cr0, &val, "MOV CR0 with NW set and CD clear", cypress))
		write_cr0(cr0);

	/* NE is the hypervisor's (VMX needs it set); the guest sees its shadow. */
	val = cr0 ^ CR0_NE;
	checks++;
	if (catch_fault(do_cr0, &val, NULL) >= 0) {
		fail("MOV CR0 <- 0x%x (NE flipped) faulted", val);
	} else {
		uint32_t now = read_cr0();

		if (now != val)
			fail("CR0 reads 0x%x after writing 0x%x (NE flipped)", now, val);
		else
			gprintf("crwrite: CR0 <- 0x%x (NE %s) reads back\n", val,
				val & CR0_NE ? "set" : "clear");
		write_cr0(cr0);
	}
	/* CD and NW are the guest's to read back (the hypervisor keeps the
	 * real ones clear, or they would outlive the VM exit on its core):
	 * set both, then CD alone, then neither. */
	static const uint32_t cache[] = { CR0_CD | CR0_NW, CR0_CD, 0 };
	for (unsigned int i = 0; i < sizeof(cache) / sizeof(cache[0]); i++) {
		val = (cr0 & ~(CR0_CD | CR0_NW)) | cache[i];
		checks++;
		if (catch_fault(do_cr0, &val, NULL) >= 0)
			fail("MOV CR0 <- 0x%x (CD/NW) faulted", val);
		else if (read_cr0() != val)
			fail("CR0 reads 0x%x after writing 0x%x (CD/NW)", read_cr0(), val);
	}
	write_cr0(cr0);
	if (read_cr0() != cr0)
		fail("CR0 reads 0x%x after the tests, want 0x%x", read_cr0(), cr0);
}

static void efer_rows(uint64_t efer, uint32_t ext_ecx)
{
	/* SVM belongs to the other vendor; Cypress must hide it. */
	if (ext_ecx & (1u << 2)) {
		if (cypress)
			fail("CPUID.80000001H:ECX.SVM (bit 2) is set under Cypress");
		gprintf("crwrite: SVM offered (not Cypress): EFER.SVME row not run\n");
		return;
	}
	checks++;
	int v = wrmsr_safe(MSR_EFER, efer | EFER_SVME);
	if (v < 0) {
		fail("WRMSR EFER <- 0x%llx (SVME) did not fault, want #GP", efer | EFER_SVME);
		wrmsr(MSR_EFER, efer);
	} else if (v != VEC_GP) {
		fail("WRMSR EFER <- 0x%llx (SVME) raised %s, want #GP", efer | EFER_SVME,
		     exception_name((unsigned int)v));
	} else {
		gprintf("crwrite: WRMSR EFER with SVME (bit 12) raised #GP as expected\n");
	}
}

/* 32-bit paging (one identity 4 MiB page): LME may not change now. */
static void lme_under_paging(uint64_t efer, uint32_t edx1)
{
	uint32_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();

	if (!(edx1 & (1u << 3))) {
		gprintf("crwrite: no PSE (CPUID.1:EDX[3]): LME-under-paging row not run\n");
		return;
	}
	pd32[0] = PTE_P | PTE_RW | PTE_PS;
	write_cr3((uint32_t)(uintptr_t)pd32);
	write_cr4(cr4 | CR4_PSE);
	write_cr0(cr0 | CR0_PG);
	checks++;
	int v = wrmsr_safe(MSR_EFER, efer | EFER_LME);
	uint64_t after = rdmsr(MSR_EFER);
	write_cr0(cr0);
	write_cr4(cr4);
	write_cr3(cr3);
	if (v < 0 && !cypress) {
		gprintf("crwrite: note: WRMSR EFER <- LME with 32-bit paging on did not fault; "
			"allowed outside Cypress\n");
		wrmsr(MSR_EFER, efer);
		return;
	} else if (v < 0) {
		fail("WRMSR EFER <- LME with 32-bit paging on did not fault, want #GP");
		wrmsr(MSR_EFER, efer);
	} else if (v != VEC_GP) {
		fail("WRMSR EFER <- LME with paging on raised %s, want #GP",
		     exception_name((unsigned int)v));
	} else {
		gprintf("crwrite: WRMSR EFER <- LME with 32-bit paging on raised #GP as expected\n");
	}
	if (after & (EFER_LME | EFER_LMA))
		fail("EFER reads 0x%llx after the refused LME write under paging", after);
}

static void long_mode_round_trip(uint64_t efer, uint32_t ext_edx)
{
	uint32_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
	uint64_t efer_on, efer_off;
	uint32_t leaf0_eax;

	if (!(ext_edx & (1u << 29))) {
		gprintf("crwrite: no long mode (CPUID.80000001H:EDX[29]): round trip not run\n");
		return;
	}
	if ((uint32_t)(uintptr_t)__image_end > 0x400000)
		verdict(VERDICT_ERROR, "image ends at 0x%x, above the 4 MiB mapped",
			(uint32_t)(uintptr_t)__image_end);
	cpuid(0, 0, &leaf0_eax, NULL, NULL, NULL);
	pml4[0] = (uint32_t)(uintptr_t)pdpt | PTE_P | PTE_RW;
	pdpt[0] = (uint32_t)(uintptr_t)pd | PTE_P | PTE_RW;
	pd[0] = 0x000000 | PTE_P | PTE_RW | PTE_PS;
	pd[1] = 0x200000 | PTE_P | PTE_RW | PTE_PS;
	/* Same 0x08 and 0x10 descriptors as the library's GDT: no reload needed. */
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	write_cr3((uint32_t)(uintptr_t)pml4);
	write_cr4(cr4 | CR4_PAE);
	checks++;
	if (wrmsr_safe(MSR_EFER, efer | EFER_LME) >= 0) {
		fail("WRMSR EFER <- LME with paging off faulted");
		write_cr4(cr4);
		write_cr3(cr3);
		return;
	}
	/* PG is the hypervisor's, and NE too: this write always exits. From
	 * here to paging off again no exception may happen (32-bit IDT). */
	write_cr0(cr0 | CR0_PG | CR0_NE);
	efer_on = rdmsr(MSR_EFER);
	lm_result.leaf = 0;
	if (efer_on & EFER_LMA)
		lm_visit64();
	write_cr0(cr0);
	efer_off = rdmsr(MSR_EFER);
	wrmsr(MSR_EFER, efer);
	write_cr4(cr4);
	write_cr3(cr3);

	checks += 3;
	gprintf("crwrite: EFER 0x%llx with paging on, 0x%llx after paging off\n", efer_on,
		efer_off);
	if (!(efer_on & EFER_LMA)) {
		fail("EFER.LMA reads 0 after CR0.PG with EFER.LME and CR4.PAE (EFER 0x%llx)",
		     efer_on);
	} else if (lm_result.wide != 1 || lm_result.eax != leaf0_eax) {
		fail("64-bit visit: wide %u, CPUID.0 EAX 0x%x (want 1, 0x%x)", lm_result.wide,
		     lm_result.eax, leaf0_eax);
	} else {
		gprintf("crwrite: ran 64-bit code: CPUID.0 there gave EAX 0x%x, vendor %.4s%.4s%.4s\n",
			lm_result.eax, (const char *)&lm_result.ebx, (const char *)&lm_result.edx,
			(const char *)&lm_result.ecx);
	}
	if (efer_off & EFER_LMA)
		fail("EFER.LMA still reads 1 after clearing CR0.PG (EFER 0x%llx)", efer_off);
	if (rdmsr(MSR_EFER) != efer)
		fail("EFER reads 0x%llx at the end, want 0x%llx", rdmsr(MSR_EFER), efer);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t edx1, ext_max, ext_ecx = 0, ext_edx = 0;
	uint64_t efer;

	(void)magic;
	(void)mbi;
	uint32_t cr0_at_entry = read_cr0();

	cypress = hv_is_cypress();
	/* Cypress's cores run with their caches on; CD/NW at entry used to leak
	 * from a host core that kept CR0's reset value (0x60000010). */
	checks++;
	if (cypress && (cr0_at_entry & (CR0_CD | CR0_NW)))
		fail("CR0 reads 0x%x at entry: CD/NW set (the host's caches are off)",
		     cr0_at_entry);
	gprintf("crwrite: %s\n", cypress ?
					 "under Cypress: every row is strict" :
					 "not under Cypress: rows TCG does not enforce are notes");
	cpuid(1, 0, NULL, NULL, NULL, &edx1);
	cpuid(0x80000000u, 0, &ext_max, NULL, NULL, NULL);
	if (ext_max >= 0x80000001u)
		cpuid(0x80000001u, 0, NULL, NULL, &ext_ecx, &ext_edx);
	if (rdmsr_safe(MSR_EFER, &efer) >= 0)
		verdict(VERDICT_ERROR, "RDMSR EFER faulted");

	cr4_rows();
	cr0_rows();
	efer_rows(efer, ext_ecx);
	lme_under_paging(efer, edx1);
	long_mode_round_trip(efer, ext_edx);
	report("%u checks, long-mode round trip %s", checks,
	       lm_result.wide == 1 ? "done" : "not run");
}
