// SPDX-License-Identifier: MIT
/*
 * Guest test "fuzz": MSRs, CPUID, XSETBV/XGETBV, and single instructions
 * that exit or fault (INVLPG, WBINVD, INVD, CLFLUSH, PAUSE, RDTSC(P),
 * RDPID, RDRAND, VMX instructions, UD2, ...), plus MONITOR/MWAIT.
 * Rules: a successful WRMSR is undone by writing the old value back (the
 * x2APIC ICR is never written here: IPIs are op_ipi's); the APIC is put
 * back after touching IA32_APIC_BASE.
 * Environment: guest test kernel, 32-bit protected mode, BSP, interrupts off.
 */
#include "tests/guests/fuzz/fuzz.h"
#include "guest-abi/cypress.h"

/* ---- MSRs ---- */

static uint32_t rnd_msr(void)
{
	static const uint32_t named[] = {
		0x10,	    0x1b,	0x3a,	    0x6e0,	0x277,	    0xfe,	0x2ff,
		0x17,	    0x8b,	0x1a0,	    0x174,	0x175,	    0x176,	0xc0000080,
		0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102,
		0xc0010000, 0x12345678, 0x48b,	    0x198,	0x199,	    0x3b,	0x600,
		0xda0,	    0xc0000103, 0x1d9
	};

	switch (rnd_below(10)) {
	case 0:
	case 1:
		return 0x800 + rnd_below(0x100); /* x2APIC */
	case 2:
		return 0x200 + rnd_below(0x100); /* MTRRs */
	case 3:
		return 0x480 + rnd_below(0x12); /* VMX capabilities */
	case 4:
	case 5:
	case 6:
		return PICK(named);
	case 7:
		return rnd_below(0x2000);
	case 8:
		return 0xc0000000u + rnd_below(0x200);
	default:
		return rnd();
	}
}

/* CPUID bit (leaf, sub, register 0-3 = EAX-EDX, bit) as the guest sees it. */
static bool feat(uint32_t leaf, uint32_t sub, int reg, int bit)
{
	uint32_t r[4];

	cpuid(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
	return (r[reg] >> bit) & 1;
}

/* MSRs docs/guest-abi.md lets a guest read (plus the x2APIC range and
 * TSC_DEADLINE, which the LAPIC CPUID offers imply). Issue 12: TSC_ADJUST
 * and DEBUGCTL always; DS_AREA with DS, TSC_AUX with RDTSCP or RDPID, XSS
 * with XSAVES, the MTRRs with MTRR, as CPUID reports them. */
static bool abi_readable(uint32_t m)
{
	if (m == 0x600)
		return feat(1, 0, 3, 21);
	if (m == 0xc0000103)
		return feat(0x80000001, 0, 3, 27) || feat(7, 0, 2, 22);
	if (m == 0xda0)
		return feat(0xd, 1, 0, 3);
	if (m == 0xfe || m == 0x2ff || (m >= 0x200 && m <= 0x20f) || m == 0x250 || m == 0x258 ||
	    m == 0x259 || (m >= 0x268 && m <= 0x26f))
		return feat(1, 0, 3, 12); /* MTRRs: 8 variable ranges (MTRRCAP.VCNT) */
	return m == 0x10 || m == 0x1b || m == 0x1a0 || m == 0x277 || m == 0xc0000080 ||
	       (m >= 0x174 && m <= 0x176) || (m >= 0xc0000081 && m <= 0xc0000084) ||
	       (m >= 0xc0000100 && m <= 0xc0000102) || m == 0x8b || m == 0x17 || m == 0x6e0 ||
	       m == 0x198 || m == 0x199 || /* 1.2: PERF_STATUS, PERF_CTL (a hint) */
	       m == 0x3b || m == 0x1d9;	   /* issue 12: TSC_ADJUST, DEBUGCTL */
}

/* Issue 12: IA32_TSC and IA32_MISC_ENABLE are writable too. */
static bool abi_writable(uint32_t m)
{
	return abi_readable(m) && m != 0x17 && m != 0x198 && m != 0xfe;
}

struct msrop {
	uint32_t msr;
	uint64_t val;
};

static void do_rd(void *arg)
{
	struct msrop *o = arg;

	o->val = rdmsr(o->msr);
}

static void do_wr(void *arg)
{
	struct msrop *o = arg;

	wrmsr(o->msr, o->val);
}

void op_msr(void)
{
	struct msrop o = { rnd_msr(), 0 };
	bool write = one_in(2);
	uint64_t old = 0;

	if (o.msr == 0x830)
		write = false;
	/* IA32_APIC_BASE: the mode transitions, valid and not (SDM 3A 11.12.5). */
	uint32_t apic_mode = rnd_below(8);
	if (o.msr == 0x1b && write && apic_mode < 5)
		o.val = 0xfee00000u | (apic_mode == 4 ? 0x100000u : 0) |
			((const uint32_t[]){ 0, 0x800, 0xc00, 0x400, 0x800 })[apic_mode];
	if (write) {
		o.val = rnd_value64();
		/* Half the time a near miss of the current value: one bit flipped
		 * (both numbers drawn first: fuzz.h rule 1). */
		bool near = one_in(2);
		uint64_t bit = 1ULL << rnd_below(64);
		if (near && rdmsr_safe(o.msr, &old) < 0)
			o.val = old ^ bit;
	}
	opline("%s 0x%x 0x%llx", write ? "wrmsr" : "rdmsr", o.msr, (unsigned long long)o.val);
	bool readable = rdmsr_safe(o.msr, &old) < 0;
	int v = fz_try(write ? do_wr : do_rd, &o);
	if (write && v < 0 && readable)
		wrmsr_safe(o.msr, old);
	if (write && o.msr == 0x1b)
		fz_apic_sane();
	if (!fz.cypress)
		return;
	bool x2 = o.msr >= 0x800 && o.msr <= 0x8ff;
	if (v < 0 && !x2 && !(write ? abi_writable(o.msr) : abi_readable(o.msr)))
		fail("%s 0x%x did not raise #GP (docs/guest-abi.md: only listed MSRs)",
		     write ? "wrmsr" : "rdmsr", o.msr);
	if (v >= 0 && v != VEC_GP)
		fail("%s 0x%x raised vector %d, want #GP", write ? "wrmsr" : "rdmsr", o.msr, v);
	if (!write && v >= 0 && abi_readable(o.msr) && o.msr != 0xc0000083)
		fail("rdmsr 0x%x raised #GP; docs/guest-abi.md lists it", o.msr);
}

/* ---- CPUID ---- */

void op_cpuid(void)
{
	uint32_t leaf, sub = one_in(2) ? rnd_below(4) : rnd_value32();
	uint32_t a, b, c, d;

	switch (rnd_below(6)) {
	case 0:
	case 1:
		leaf = rnd_below(0x21);
		break;
	case 2:
		leaf = 0x40000000u + rnd_below(0x100);
		break;
	case 3:
		leaf = 0x80000000u + rnd_below(9);
		break;
	case 4:
		leaf = rnd_value32();
		break;
	default:
		leaf = one_in(2) ? 0x40000000u : one_in(2) ? 0x40000001u : 1;
		break;
	}
	opline("0x%x 0x%x", leaf, sub);
	cpuid(leaf, sub, &a, &b, &c, &d);
	if (!fz.cypress)
		return;
	if (leaf == CYPRESS_CPUID_BASE && (a < CYPRESS_CPUID_MAX || b != CYPRESS_SIG_EBX ||
					   c != CYPRESS_SIG_ECX || d != CYPRESS_SIG_EDX))
		fail("cpuid 0x40000000 sub 0x%x = %x %x %x %x", sub, a, b, c, d);
	if (leaf == CYPRESS_CPUID_VERSION && (a != CYPRESS_ABI_VERSION || b || c || d))
		fail("cpuid 0x40000001 = %x %x %x %x, want %x 0 0 0", a, b, c, d,
		     CYPRESS_ABI_VERSION);
	/* docs/guest-abi.md: hypervisor bit set; no VMX, SMX, MONITOR,
	 * MCE/MCA, thermal (ACPI 22, TM 29, TM2 8) or PDCM (15). */
	/* Issue 12: MTRR (EDX 12) is reported, the MTRRs being emulated. */
	if (leaf == 1 && (!(c & (1u << 31)) || !(d & (1u << 12)) ||
			  (c & ((1u << 5) | (1u << 6) | (1u << 3) | (1u << 8) | (1u << 15))) ||
			  (d & ((1u << 7) | (1u << 14) | (1u << 22) | (1u << 29)))))
		fail("cpuid 1 ecx=0x%x edx=0x%x offers a feature docs/guest-abi.md filters", c, d);
}

/* ---- XSETBV / XGETBV ---- */

struct xcr {
	uint32_t index;
	uint64_t val;
};

static void do_xsetbv(void *arg)
{
	struct xcr *x = arg;

	__asm__ volatile("xsetbv"
			 :
			 : "c"(x->index), "a"((uint32_t)x->val), "d"((uint32_t)(x->val >> 32))
			 : "memory");
}

static void do_xgetbv(void *arg)
{
	struct xcr *x = arg;
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(x->index));
	x->val = ((uint64_t)hi << 32) | lo;
}

void op_xcr(void)
{
	uint32_t c1, a, d;
	struct xcr x, old = { 0, 0 };

	cpuid(1, 0, NULL, NULL, &c1, NULL);
	if (!(c1 & (1u << 26))) {
		opline("no XSAVE in CPUID.1:ECX, xgetbv only");
		x.index = 0;
		fz_try(do_xgetbv, &x);
		return;
	}
	cpuid(0xd, 0, &a, NULL, NULL, &d);
	uint64_t supported = ((uint64_t)d << 32) | a;
	x.index = one_in(4) ? rnd_value32() : 0;
	switch (rnd_below(4)) {
	case 0:
		x.val = rnd_value64();
		break;
	case 1:
		x.val = (rnd64() & supported) | 1;
		break;
	default:
		/* Each supported bit on or off, bit 0 nearly always. */
		x.val = (rnd64() & supported) | (one_in(8) ? 0 : 1);
		if (one_in(4))
			x.val |= 1ULL << rnd_below(64);
		break;
	}
	bool get = one_in(4);
	uint32_t cr4 = read_cr4();
	write_cr4(cr4 | CR4_OSXSAVE);
	fz_try(do_xgetbv, &old);
	opline("%s ecx=0x%x 0x%llx (supported 0x%llx)", get ? "xgetbv" : "xsetbv", x.index,
	       (unsigned long long)x.val, (unsigned long long)supported);
	int v = fz_try(get ? do_xgetbv : do_xsetbv, &x);
	if (!get && v < 0) {
		struct xcr now = { 0, 0 };
		fz_try(do_xgetbv, &now);
		if (fz.cypress && x.index == 0 && now.val != x.val)
			fail("xgetbv after xsetbv 0x%llx read 0x%llx", (unsigned long long)x.val,
			     (unsigned long long)now.val);
		if (fz.cypress && (x.index != 0 || !(x.val & 1)))
			fail("xsetbv ecx=0x%x 0x%llx did not raise #GP (SDM 2D XSETBV)", x.index,
			     (unsigned long long)x.val);
		old.index = 0;
		fz_try(do_xsetbv, &old);
	}
	write_cr4(cr4);
}

/* ---- single instructions ---- */

static uint32_t insn_sel, insn_arg;

static void do_insn(void *arg)
{
	uint32_t a = insn_arg, b = 0, c = 0, d = 0;

	(void)arg;
	switch (insn_sel) {
	case 0:
		__asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
		break;
	case 1:
		__asm__ volatile("wbinvd" ::: "memory");
		break;
	case 2:
		__asm__ volatile("invd" ::: "memory");
		break;
	case 3:
		__asm__ volatile("clflush (%0)" : : "r"(a) : "memory");
		break;
	case 4:
		for (uint32_t i = 0; i < (a & 1023); i++)
			__asm__ volatile("pause");
		break;
	case 5:
		__asm__ volatile("rdtsc" : "=a"(a), "=d"(d));
		break;
	case 6:
		__asm__ volatile("rdtscp" : "=a"(a), "=c"(c), "=d"(d));
		break;
	case 7:
		__asm__ volatile("rdpid %0" : "=r"(a));
		break;
	case 8:
		__asm__ volatile("rdrand %0" : "=r"(a) : : "cc");
		break;
	case 9:
		__asm__ volatile("rdseed %0" : "=r"(a) : : "cc");
		break;
	case 10:
		__asm__ volatile("rdpmc" : "=a"(a), "=d"(d) : "c"(a));
		break;
	case 11:
		__asm__ volatile("ud2");
		break;
	case 12:
		__asm__ volatile("int3");
		break;
	case 13:
		__asm__ volatile("vmread %1, %0" : "=r"(b) : "r"(a) : "cc");
		break;
	case 14:
		__asm__ volatile("vmxoff" ::: "cc");
		break;
	case 15:
		__asm__ volatile("getsec" : "+a"(a) : : "ebx", "ecx", "edx");
		break;
	case 16:
		__asm__ volatile("divl %2" : "+a"(a), "+d"(d) : "r"(b) : "cc");
		break;
	case 17: {
		uint64_t desc[2] = { 0, 0 };
		__asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"(a & 3) : "memory");
		break;
	}
	case 18:
		__asm__ volatile("vmcall; vmcall" : "+a"(a) : : "memory");
		break;
	case 19: {
		uint32_t dr7 = a & ~0xffu; /* no breakpoint enabled */
		__asm__ volatile("mov %0, %%dr7; mov %%dr7, %0; mov %1, %%dr7"
				 : "+r"(dr7)
				 : "r"(0x400u));
		break;
	}
	case 20:
		__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
		break;
	case 21:
		__asm__ volatile("vmfunc" : : "a"(a & 3), "c"(0));
		break;
	default: {
		uint16_t msw;
		__asm__ volatile("smsw %0; lmsw %0" : "=r"(msw));
		break;
	}
	}
	(void)b;
	(void)c;
	(void)d;
}

void op_insn(void)
{
	static const char *const names[] = { "invlpg", "wbinvd", "invd",    "clflush", "pause",
					     "rdtsc",  "rdtscp", "rdpid",   "rdrand",  "rdseed",
					     "rdpmc",  "ud2",	 "int3",    "vmread",  "vmxoff",
					     "getsec", "div0",	 "invpcid", "vmcall2", "dr7",
					     "xgetbv", "vmfunc", "lmsw" };
	insn_sel = rnd_below(sizeof(names) / sizeof(names[0]));
	insn_arg = rnd_value32();
	if (insn_sel == 3 || insn_sel == 0)
		insn_arg = one_in(2) ? rnd_below(fz.ram_top) : insn_arg;
	/* CLFLUSH of an address outside the VM's memory is an access there. */
	if (insn_sel == 3 && insn_arg >= fz.ram_top)
		insn_arg = rnd_below(fz.ram_top);
	/* Two VMCALLs: only the harmless ABI-version number (2 would exit). */
	if (insn_sel == 18)
		insn_arg = CYPRESS_HC_ABI_VERSION;
	opline("%s 0x%x", names[insn_sel], insn_arg);
	fz_try(do_insn, NULL);
}

/* ---- MONITOR / MWAIT (CPUID says no MONITOR under Cypress) ---- */

static void do_mwait(void *arg)
{
	uint32_t *addr = arg;

	__asm__ volatile("monitor" : : "a"(addr), "c"(0), "d"(0));
	__asm__ volatile("mwait" : : "a"(0), "c"(0));
}

void op_mwait(void)
{
	static uint32_t line[16] __attribute__((aligned(64)));

	opline("monitor 0x%x; mwait", (uint32_t)(uintptr_t)line);
	fz_try(do_mwait, line);
}
