// SPDX-License-Identifier: MIT
/*
 * Guest test "tsc": the MSRs of the features CPUID reports behave as the
 * SDM says (issue 12: TSC_ADJUST was advertised but raised #GP, IA32_TSC
 * and IA32_MISC_ENABLE writes raised #GP, DS_AREA reads raised #GP).
 *  - IA32_TSC (0x10) write: RDTSC continues from the value written, and
 *    IA32_TSC_ADJUST (0x3b, CPUID.7.0:EBX[1]) moves by the same amount
 *    (SDM 3B 18.17.3), forwards and backwards; a TSC_ADJUST write moves
 *    RDTSC by its change; RDTSC stays monotonic and keeps running.
 *  - The TSC-deadline timer (CPUID.1:ECX[24]) fires at a deadline in the
 *    moved TSC, never early, after moves forward and backward, and fires
 *    when a TSC_ADJUST write carries the TSC past an armed deadline.
 *  - IA32_MISC_ENABLE (0x1a0): writable bits stick, read-only ones keep
 *    their values, reserved bits and MONITOR (when CPUID.1:ECX.MONITOR is
 *    clear) raise #GP; LIMIT_CPUID caps CPUID.0:EAX at 2, XD disable
 *    clears CPUID.80000001H:EDX.NX.
 *  - MTRRs (CPUID.1:EDX[12]): IA32_MTRRCAP reads, DEF_TYPE and a variable
 *    range write back, memory type 2 and a reserved bit #GP.
 *  - IA32_DS_AREA (0x600) reads and writes back with DS (CPUID.1:EDX[21]),
 *    #GP for a non-canonical address; IA32_TSC_AUX (0xc0000103) is what
 *    RDTSCP returns (CPUID.80000001H:EDX[27]).
 * Under Cypress every row is strict. Elsewhere (plain QEMU TCG) rows for
 * behaviour QEMU does not model (TCG ignores IA32_TSC writes, reserved-bit
 * #GP, CPUID following MISC_ENABLE) print notes, and features the CPU does not report are
 * skipped with a line saying so (docs/guest-tests.md).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "tsc";

#define MSR_TSC		 0x10
#define MSR_TSC_ADJUST	 0x3b
#define MSR_MISC_ENABLE	 0x1a0
#define MSR_DS_AREA	 0x600
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_TSC_AUX	 0xc0000103u

#define MISC_FAST_STRINGS (1ull << 0)
#define MISC_BTS_UNAVAIL  (1ull << 11)
#define MISC_MONITOR	  (1ull << 18)
#define MISC_LIMIT_CPUID  (1ull << 22)
#define MISC_XD_DISABLE	  (1ull << 34)

#define VEC_DEADLINE 0x40

static bool cypress;
static unsigned int checks, notes;
static uint64_t slack; /* TSC ticks an MSR exit may take: 50 ms */
static uint32_t c1, d1, b7, de1, max_leaf;

static volatile unsigned int fired;
static volatile uint64_t fired_tsc;

/* A check only Cypress promises: fail under Cypress, note elsewhere. */
static void strict(bool ok, const char *what)
{
	checks++;
	if (ok)
		return;
	if (cypress) {
		fail("%s", what);
	} else {
		notes++;
		gprintf("tsc: note: %s (allowed outside Cypress)\n", what);
	}
}

static uint64_t rd(uint32_t msr)
{
	uint64_t v = 0;
	int e = rdmsr_safe(msr, &v);

	if (e >= 0)
		verdict(VERDICT_FAILURE, "rdmsr 0x%x raised %s", msr,
			exception_name((unsigned int)e));
	return v;
}

static void wr(uint32_t msr, uint64_t v)
{
	int e = wrmsr_safe(msr, v);

	if (e >= 0)
		verdict(VERDICT_FAILURE, "wrmsr 0x%x <- 0x%llx raised %s", msr, v,
			exception_name((unsigned int)e));
}

/* WRMSR that must raise #GP (strict under Cypress) and leave the MSR as it was. */
static void wr_gp(uint32_t msr, uint64_t v, const char *why)
{
	uint64_t before = rd(msr);
	int e = wrmsr_safe(msr, v);
	char line[120];

	gsnprintf(line, sizeof(line), "wrmsr 0x%x <- 0x%llx (%s) %s, want #GP", msr, v, why,
		  e < 0 ? "did not fault" : exception_name((unsigned int)e));
	strict(e == VEC_GP, line);
	if (e < 0) {
		(void)wrmsr_safe(msr, before);
		return;
	}
	checks++;
	if (rd(msr) != before)
		fail("0x%x changed by a faulting write", msr);
}

static void tsc_write(void)
{
	bool adj = b7 & (1u << 1);
	uint64_t a0 = adj ? rd(MSR_TSC_ADJUST) : 0, t0, t1, a1, x;
	char line[120];

	/* Forwards by 2^44 ticks. */
	t0 = rdtsc();
	x = t0 + (1ull << 44);
	wr(MSR_TSC, x);
	t1 = rdtsc();
	gsnprintf(line, sizeof(line), "RDTSC 0x%llx after writing IA32_TSC 0x%llx (before: 0x%llx)",
		  t1, x, t0);
	strict(t1 >= x && t1 - x <= slack, line); /* QEMU TCG ignores the write */
	if (adj) {
		a1 = rd(MSR_TSC_ADJUST);
		checks++;
		/* The TSC at the write was x - (a1 - a0): after t0, before t0 + slack. */
		if (x - (a1 - a0) < t0 || x - (a1 - a0) - t0 > slack)
			fail("TSC_ADJUST 0x%llx -> 0x%llx after TSC 0x%llx -> 0x%llx", a0, a1, t0,
			     x);
		gprintf("tsc: IA32_TSC +2^44: TSC_ADJUST moved by 0x%llx\n", a1 - a0);
		a0 = a1;
	}
	/* Backwards, to 2^20. */
	t0 = rdtsc();
	x = 1ull << 20;
	wr(MSR_TSC, x);
	t1 = rdtsc();
	gsnprintf(line, sizeof(line), "RDTSC 0x%llx after writing IA32_TSC 0x%llx", t1, x);
	strict(t1 >= x && t1 - x <= slack, line);
	if (adj) {
		a1 = rd(MSR_TSC_ADJUST);
		checks++;
		if (a0 - a1 < t0 - x || a0 - a1 - (t0 - x) > slack)
			fail("TSC_ADJUST 0x%llx -> 0x%llx after TSC 0x%llx -> 0x%llx", a0, a1, t0,
			     x);
		gprintf("tsc: IA32_TSC back to 2^20: TSC_ADJUST moved by -0x%llx\n", a0 - a1);
	}
}

static void tsc_adjust_write(void)
{
	uint64_t a0, a1, t0, t1, j = 1ull << 36;

	if (!(b7 & (1u << 1))) {
		strict(false, "CPUID.7.0:EBX[1] (TSC_ADJUST) not reported");
		gprintf("tsc: no TSC_ADJUST: its rows are not tested\n");
		return;
	}
	a0 = rd(MSR_TSC_ADJUST);
	t0 = rdtsc();
	wr(MSR_TSC_ADJUST, a0 + j);
	t1 = rdtsc();
	a1 = rd(MSR_TSC_ADJUST);
	checks += 2;
	if (a1 != a0 + j)
		fail("TSC_ADJUST reads 0x%llx after writing 0x%llx", a1, a0 + j);
	if (t1 - t0 < j || t1 - t0 - j > slack)
		fail("TSC_ADJUST += 2^36 moved RDTSC by 0x%llx", t1 - t0);
	gprintf("tsc: TSC_ADJUST +2^36: RDTSC moved by 0x%llx\n", t1 - t0);
}

static void monotonic(void)
{
	uint64_t first = rdtsc(), prev = first, t = first;

	for (unsigned int i = 0; i < 2000; i++) {
		t = rdtsc();
		if (t < prev)
			fail("RDTSC went back: 0x%llx after 0x%llx", t, prev);
		prev = t;
	}
	delay_us(1000);
	t = rdtsc();
	checks += 2;
	if (t <= first)
		fail("RDTSC does not run: 0x%llx then 0x%llx", first, t);
}

static void deadline_handler(struct irq_frame *f)
{
	(void)f;
	fired_tsc = rdtsc();
	fired++;
	lapic_eoi();
}

/* Arm a deadline `ahead` ticks into the guest's TSC; it must fire, not early. */
static void deadline_after_move(const char *how)
{
	uint64_t dl, give_up;

	fired = 0;
	dl = rdtsc() + tsc_per_ms() * 10;
	lapic_timer_deadline(VEC_DEADLINE, dl);
	give_up = rdtsc() + tsc_per_ms() * 300ull;
	while (!fired && rdtsc() < give_up)
		cpu_relax();
	checks += 2;
	if (!fired)
		fail("TSC-deadline timer (%s) did not fire within 300 ms", how);
	else if (fired_tsc < dl)
		fail("TSC-deadline timer (%s) fired early: TSC 0x%llx < deadline 0x%llx", how,
		     fired_tsc, dl);
	else
		gprintf("tsc: deadline (%s) fired %llu us after it\n", how,
			tsc_to_us(fired_tsc - dl));
	lapic_timer_stop();
}

static void deadline_timer(void)
{
	uint64_t give_up;

	if (!lapic_has_tsc_deadline()) {
		strict(false, "CPUID.1:ECX[24] (TSC-deadline) not reported");
		gprintf("tsc: no TSC-deadline mode: its rows are not tested\n");
		return;
	}
	lapic_setup(true);
	lapic_enable();
	irq_register(VEC_DEADLINE, deadline_handler);
	irq_enable();
	wr(MSR_TSC, rdtsc() + (1ull << 50));
	deadline_after_move("TSC moved forward 2^50");
	wr(MSR_TSC, 1ull << 24);
	deadline_after_move("TSC moved back to 2^24");
	if (!(b7 & (1u << 1)))
		return;
	/* Armed 2^40 ahead; TSC_ADJUST += 2^40 makes it due now (SDM 11.5.4.1). */
	fired = 0;
	lapic_timer_deadline(VEC_DEADLINE, rdtsc() + (1ull << 40));
	delay_us(2000);
	checks += 2;
	if (fired)
		fail("TSC-deadline 2^40 ahead fired before the TSC moved");
	wr(MSR_TSC_ADJUST, rd(MSR_TSC_ADJUST) + (1ull << 40));
	give_up = rdtsc() + tsc_per_ms() * 300ull;
	while (!fired && rdtsc() < give_up)
		cpu_relax();
	if (!fired)
		fail("TSC_ADJUST carried the TSC past an armed deadline; no interrupt in 300 ms");
	else
		gprintf("tsc: armed deadline fired when TSC_ADJUST moved the TSC past it\n");
	lapic_timer_stop();
	irq_disable();
}

static uint32_t cpuid_reg(uint32_t leaf, int reg)
{
	uint32_t r[4];

	cpuid(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
	return r[reg];
}

static void misc_enable(void)
{
	uint64_t m0 = rd(MSR_MISC_ENABLE), m;

	gprintf("tsc: IA32_MISC_ENABLE = 0x%llx\n", m0);
	/* Fast strings (0) is writable: clear it, set it. */
	wr(MSR_MISC_ENABLE, m0 ^ MISC_FAST_STRINGS);
	m = rd(MSR_MISC_ENABLE);
	checks++;
	if (m != (m0 ^ MISC_FAST_STRINGS))
		fail("MISC_ENABLE reads 0x%llx after writing 0x%llx", m, m0 ^ MISC_FAST_STRINGS);
	wr(MSR_MISC_ENABLE, m0);
	/* LIMIT_CPUID (22): CPUID.0:EAX <= 2 while set. */
	wr(MSR_MISC_ENABLE, m0 | MISC_LIMIT_CPUID);
	m = rd(MSR_MISC_ENABLE);
	checks++;
	if (!(m & MISC_LIMIT_CPUID))
		fail("MISC_ENABLE.LIMIT_CPUID did not stick (0x%llx)", m);
	strict(cpuid_reg(0, 0) <= 2, "CPUID.0:EAX > 2 under MISC_ENABLE.LIMIT_CPUID");
	wr(MSR_MISC_ENABLE, m0 & ~MISC_LIMIT_CPUID);
	strict(cpuid_reg(0, 0) == max_leaf, "CPUID.0:EAX did not come back after LIMIT_CPUID");
	/* XD disable (34) hides NX where the CPU has it. */
	if (de1 & (1u << 20)) {
		wr(MSR_MISC_ENABLE, m0 | MISC_XD_DISABLE);
		strict(!(cpuid_reg(0x80000001, 3) & (1u << 20)),
		       "CPUID.80000001H:EDX.NX still set under MISC_ENABLE.XD_DISABLE");
		wr(MSR_MISC_ENABLE, m0 & ~MISC_XD_DISABLE);
		strict(cpuid_reg(0x80000001, 3) & (1u << 20),
		       "CPUID.80000001H:EDX.NX not back after clearing XD_DISABLE");
	}
	/* Read-only BTS unavailable (11) keeps its value. */
	(void)wrmsr_safe(MSR_MISC_ENABLE, m0 ^ MISC_BTS_UNAVAIL);
	m = rd(MSR_MISC_ENABLE);
	strict(!((m ^ m0) & MISC_BTS_UNAVAIL), "MISC_ENABLE bit 11 (read-only) changed");
	if ((m ^ m0) & MISC_BTS_UNAVAIL)
		(void)wrmsr_safe(MSR_MISC_ENABLE, m0);
	/* Reserved bits #GP; MONITOR FSM (18) too while MONITOR is not reported. */
	wr_gp(MSR_MISC_ENABLE, m0 | (1ull << 1), "reserved bit 1");
	wr_gp(MSR_MISC_ENABLE, m0 | (1ull << 63), "reserved bit 63");
	if (!(c1 & (1u << 3)) && !(m0 & MISC_MONITOR))
		wr_gp(MSR_MISC_ENABLE, m0 | MISC_MONITOR, "MONITOR while CPUID.1:ECX.MONITOR = 0");
	m = rd(MSR_MISC_ENABLE);
	checks++;
	if (m != m0)
		fail("MISC_ENABLE 0x%llx at the end, was 0x%llx", m, m0);
}

static void ds_area(void)
{
	uint64_t v, old;

	if (!(d1 & (1u << 21))) {
		uint64_t junk;
		strict(rdmsr_safe(MSR_DS_AREA, &junk) == VEC_GP, "DS_AREA readable without DS");
		gprintf("tsc: no DS (CPUID.1:EDX[21]): DS_AREA not tested\n");
		return;
	}
	old = rd(MSR_DS_AREA);
	wr(MSR_DS_AREA, 0x12345000ull);
	v = rd(MSR_DS_AREA);
	checks++;
	if (v != 0x12345000ull)
		fail("DS_AREA reads 0x%llx after writing 0x12345000", v);
	wr_gp(MSR_DS_AREA, 0x0000800000000000ull, "non-canonical");
	wr(MSR_DS_AREA, old);
	gprintf("tsc: DS_AREA read and written\n");
}

static void mtrrs(void)
{
	uint64_t cap, def, base, mask, v;

	if (!(d1 & (1u << 12))) {
		strict(false, "CPUID.1:EDX[12] (MTRR) not reported");
		return;
	}
	cap = rd(0xfe);
	def = rd(0x2ff);
	gprintf("tsc: MTRRCAP 0x%llx, DEF_TYPE 0x%llx\n", cap, def);
	checks++;
	if (!(cap & 0xff))
		fail("IA32_MTRRCAP reports no variable range (0x%llx)", cap);
	wr(0x2ff, def);
	base = rd(0x200);
	mask = rd(0x201);
	wr(0x200, 0x00100006ull);  /* 1 MiB, WB */
	wr(0x201, 0x0fff00800ull); /* 1 MiB long, valid (36-bit MAXPHYADDR or more) */
	checks += 2;
	if ((v = rd(0x200)) != 0x00100006ull)
		fail("MTRR_PHYSBASE0 reads 0x%llx after writing 0x100006", v);
	if ((v = rd(0x201)) != 0x0fff00800ull)
		fail("MTRR_PHYSMASK0 reads 0x%llx after writing 0xfff00800", v);
	wr_gp(0x200, 0x00100002ull, "memory type 2");
	wr_gp(0x2ff, def | (1ull << 9), "DEF_TYPE reserved bit 9");
	wr(0x201, mask);
	wr(0x200, base);
	gprintf("tsc: MTRRs read and written\n");
}

static void tsc_aux(void)
{
	uint32_t lo, hi, aux;

	if (!(de1 & (1u << 27))) {
		gprintf("tsc: no RDTSCP (CPUID.80000001H:EDX[27]): TSC_AUX not tested\n");
		return;
	}
	wr(MSR_TSC_AUX, 0x5a5a1234);
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	checks += 2;
	if (aux != 0x5a5a1234)
		fail("RDTSCP ECX 0x%x after TSC_AUX <- 0x5a5a1234", aux);
	if (rd(MSR_TSC_AUX) != 0x5a5a1234)
		fail("TSC_AUX does not read back");
	wr_gp(MSR_TSC_AUX, 1ull << 32, "reserved bit 32");
	wr(MSR_TSC_AUX, 0);
	gprintf("tsc: RDTSCP returns TSC_AUX\n");
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t emax;

	(void)magic;
	(void)mbi;
	cypress = hv_is_cypress();
	cpuid(0, 0, &max_leaf, NULL, NULL, NULL);
	cpuid(1, 0, NULL, NULL, &c1, &d1);
	if (max_leaf >= 7)
		cpuid(7, 0, NULL, &b7, NULL, NULL);
	cpuid(0x80000000, 0, &emax, NULL, NULL, NULL);
	if (emax >= 0x80000001)
		cpuid(0x80000001, 0, NULL, NULL, NULL, &de1);
	gprintf("tsc: %s; CPUID.1 ECX 0x%08x EDX 0x%08x, 7.0 EBX 0x%08x, 80000001H EDX 0x%08x\n",
		cypress ? "under Cypress: every row is strict" : "not under Cypress", c1, d1, b7,
		de1);
	if (!(d1 & (1u << 4)))
		verdict(VERDICT_SKIP, "no TSC (CPUID.1:EDX[4])");
	slack = (uint64_t)tsc_per_ms() * 50;
	tsc_write();
	tsc_adjust_write();
	monotonic();
	deadline_timer();
	misc_enable();
	mtrrs();
	ds_area();
	tsc_aux();
	report("%u checks%s%s", checks, cypress ? "" : " (not under Cypress)",
	       notes ? ", with notes" : "");
}
