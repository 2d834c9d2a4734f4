// SPDX-License-Identifier: MIT
/*
 * Guest test "xsetbv": regression test for a guest crashing a hypervisor
 * core ("FATAL cpu N: exception #UD") with CR4.OSXSAVE and XSETBV. XSETBV
 * always exits (SDM 3C 26.1.2), so every value below reaches the
 * hypervisor, which must check it as the CPU does (SDM 2D "XSETBV", SDM 1
 * 13.3) and raise the guest's fault instead of executing it on the host.
 * Checked: XSETBV before CR4.OSXSAVE is #UD; CPUID.1:ECX.OSXSAVE (bit 27)
 * mirrors CR4.OSXSAVE both ways; XCR0 = 1, 3 (with SSE state), 7 (with AVX
 * state) and 0xe7 (with AVX-512 state) are accepted and read back by XGETBV; #GP for XCR0 = 0, 0x5 (AVX
 * without SSE), bit 63, the first unsupported bit, XCR1, 0x27 (part of
 * AVX-512) and 0x9 (one MPX bit alone), XCR0 unchanged after each.
 * SKIP when CPUID.1:ECX.XSAVE (bit 26) is clear.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "xsetbv";

#define CPUID1_ECX_XSAVE   (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CR4_OSXSAVE	   (1u << 18) /* SDM 3A 2.5 */

struct xcr_op {
	uint32_t index;
	uint64_t val;
};

static unsigned int checks;

static uint32_t read_cr4(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void do_write_cr4(void *arg)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(*(uint32_t *)arg) : "memory");
}

static void do_xsetbv(void *arg)
{
	struct xcr_op *op = arg;

	__asm__ volatile("xsetbv"
			 :
			 : "c"(op->index), "a"((uint32_t)op->val), "d"((uint32_t)(op->val >> 32))
			 : "memory");
}

static void do_xgetbv(void *arg)
{
	struct xcr_op *op = arg;
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(op->index));
	op->val = ((uint64_t)hi << 32) | lo;
}

/* Set or clear CR4.OSXSAVE; false (and a failure) if the write faulted. */
static bool set_osxsave(bool on)
{
	uint32_t cr4 = on ? read_cr4() | CR4_OSXSAVE : read_cr4() & ~CR4_OSXSAVE;
	int v = catch_fault(do_write_cr4, &cr4, NULL);

	checks++;
	if (v >= 0) {
		fail("MOV CR4 <- 0x%x (OSXSAVE %s) raised %s", cr4, on ? "set" : "clear",
		     exception_name((unsigned int)v));
		return false;
	}
	return true;
}

static void expect_osxsave_cpuid(bool want, const char *when)
{
	uint32_t ecx;

	cpuid(1, 0, NULL, NULL, &ecx, NULL);
	checks++;
	if (!!(ecx & CPUID1_ECX_OSXSAVE) != want)
		fail("CPUID.1:ECX.OSXSAVE reads %u %s, want %u", !!(ecx & CPUID1_ECX_OSXSAVE), when,
		     want);
}

/* XGETBV(0); ~0 if it faulted (printed). */
static uint64_t xcr0_now(void)
{
	struct xcr_op op = { 0, 0 };
	int v = catch_fault(do_xgetbv, &op, NULL);

	if (v >= 0) {
		fail("XGETBV(0) raised %s", exception_name((unsigned int)v));
		return ~0ULL;
	}
	return op.val;
}

/* XSETBV that must work and read back. */
static void must_accept(uint64_t val, const char *what, uint64_t *last)
{
	struct xcr_op op = { 0, val };
	int v = catch_fault(do_xsetbv, &op, NULL);
	uint64_t now;

	checks++;
	if (v >= 0) {
		fail("XSETBV XCR0 <- 0x%llx (%s) raised %s", val, what,
		     exception_name((unsigned int)v));
		return;
	}
	*last = val;
	now = xcr0_now();
	if (now != val)
		fail("XGETBV reads 0x%llx after XSETBV XCR0 <- 0x%llx (%s)", now, val, what);
	else
		gprintf("xsetbv: XCR0 <- 0x%llx (%s) accepted\n", val, what);
}

/* XSETBV that must raise want (#GP or #UD) and leave XCR0 at last. */
static void must_refuse(uint32_t index, uint64_t val, const char *what, int want, uint64_t last,
			bool xcr0_readable)
{
	struct xcr_op op = { index, val };
	struct fault_info fi = { 0, 0, 0 };
	int v = catch_fault(do_xsetbv, &op, &fi);

	checks++;
	if (v < 0)
		fail("XSETBV XCR%u <- 0x%llx (%s) did not fault, want %s", index, val, what,
		     exception_name((unsigned int)want));
	else if (v != want)
		fail("XSETBV XCR%u <- 0x%llx (%s) raised %s, want %s", index, val, what,
		     exception_name((unsigned int)v), exception_name((unsigned int)want));
	else if (want == VEC_GP && fi.error != 0)
		fail("XSETBV XCR%u <- 0x%llx (%s) raised #GP(0x%x), want #GP(0)", index, val, what,
		     fi.error);
	else
		gprintf("xsetbv: XCR%u <- 0x%llx (%s) raised %s as expected\n", index, val, what,
			exception_name((unsigned int)v));
	if (!xcr0_readable)
		return;
	uint64_t now = xcr0_now();
	if (now != last)
		fail("XCR0 reads 0x%llx after the refused XSETBV of 0x%llx (%s), want 0x%llx", now,
		     val, what, last);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t ecx, sup_lo, sup_hi;
	uint64_t sup, last = 1, unsup = 0;

	(void)magic;
	(void)mbi;
	cpuid(1, 0, NULL, NULL, &ecx, NULL);
	if (!(ecx & CPUID1_ECX_XSAVE))
		verdict(VERDICT_SKIP, "no XSAVE (CPUID.1:ECX[26] clear)");
	if (read_cr4() & CR4_OSXSAVE) {
		gprintf("xsetbv: CR4.OSXSAVE was already set; clearing it first\n");
		if (!set_osxsave(false))
			report(NULL);
	}
	expect_osxsave_cpuid(false, "with CR4.OSXSAVE clear");
	must_refuse(0, 1, "before CR4.OSXSAVE", VEC_UD, 0, false);

	if (!set_osxsave(true))
		report(NULL);
	expect_osxsave_cpuid(true, "after setting CR4.OSXSAVE");
	if (set_osxsave(false))
		expect_osxsave_cpuid(false, "after clearing CR4.OSXSAVE again");
	if (!set_osxsave(true))
		report(NULL);
	expect_osxsave_cpuid(true, "after setting CR4.OSXSAVE again");

	cpuid(0xd, 0, &sup_lo, NULL, NULL, &sup_hi);
	sup = ((uint64_t)sup_hi << 32) | sup_lo;
	gprintf("xsetbv: CPUID.(0xD,0) supported XCR0 bits 0x%llx\n", sup);
	for (unsigned int b = 2; b < 64 && !unsup; b++)
		if (!(sup >> b & 1))
			unsup = 1ULL << b;

	must_accept(1, "x87", &last);
	if (sup & 2)
		must_accept(3, "x87, SSE", &last);
	if ((sup & 6) == 6)
		must_accept(7, "x87, SSE, AVX", &last);
	if ((sup & 0xe7) == 0xe7)
		must_accept(0xe7, "x87, SSE, AVX, all of AVX-512", &last);

	must_refuse(0, 0, "no x87", VEC_GP, last, true);
	must_refuse(0, 0x5, "AVX without SSE", VEC_GP, last, true);
	must_refuse(0, 1ULL << 63 | 1, "reserved bit 63", VEC_GP, last, true);
	if (unsup)
		must_refuse(0, last | unsup, "first bit CPUID does not report", VEC_GP, last, true);
	must_refuse(1, 1, "XCR1", VEC_GP, last, true);
	must_refuse(0, 0x27, "part of AVX-512", VEC_GP, last, true);
	must_refuse(0, 0x9, "one MPX bit", VEC_GP, last, true);

	/* Leave the simplest state behind. */
	if (last != 1)
		must_accept(1, "x87 again", &last);
	report("%u checks, XCR0 bits 0x%llx", checks, sup);
}
