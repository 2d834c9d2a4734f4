/* SPDX-License-Identifier: MIT */
/*
 * The one place where a value a guest wants loaded into a control register,
 * XCR0 or EFER is checked before the hypervisor acts on it: against the
 * SDM's architectural rules and against what this host (and the CPUID the
 * guest sees) supports. A refused value becomes the fault real hardware
 * would raise (#GP(0) or #UD), never a failed VM entry and never a host
 * fault. Pure code: no VMCS access, so host unit tests cover every rule.
 * Environment: pure code, any core; also built hosted for unit tests.
 */
#ifndef ARCH_X86_VMX_GUEST_CHECK_H
#define ARCH_X86_VMX_GUEST_CHECK_H

#include "lib/types.h"

/* Where each user state component i >= 2 sits in an XSAVE area
 * (CPUID.(0DH,i), SDM 1 13.4): standard-format offset (EBX) and size
 * (EAX), and whether a compacted area aligns it to 64 bytes (ECX[1]).
 * Zero for components a guest may not enable. */
struct xsave_layout {
	uint16_t off[64], len[64];
	uint64_t align64;
};

/* Results: 0 = accept, else the exception vector to raise in the guest. */
#define GCHECK_OK 0
#define GCHECK_UD 6
#define GCHECK_GP 13

/* Architectural bits (SDM 3A 2.5, 2.2.1). */
#define GC_CR0_PE      (1ULL << 0)
#define GC_CR0_MP      (1ULL << 1)
#define GC_CR0_EM      (1ULL << 2)
#define GC_CR0_TS      (1ULL << 3)
#define GC_CR0_ET      (1ULL << 4)
#define GC_CR0_NE      (1ULL << 5)
#define GC_CR0_WP      (1ULL << 16)
#define GC_CR0_AM      (1ULL << 18)
#define GC_CR0_NW      (1ULL << 29)
#define GC_CR0_CD      (1ULL << 30)
#define GC_CR0_PG      (1ULL << 31)
#define GC_CR4_PAE     (1ULL << 5)
#define GC_CR4_LA57    (1ULL << 12)
#define GC_CR4_VMXE    (1ULL << 13)
#define GC_CR4_PCIDE   (1ULL << 17)
#define GC_CR4_OSXSAVE (1ULL << 18)
#define GC_EFER_SCE    (1ULL << 0)
#define GC_EFER_LME    (1ULL << 8)
#define GC_EFER_LMA    (1ULL << 10)
#define GC_EFER_NXE    (1ULL << 11)

/* What a guest may use on this host; filled once by guest_caps_init(). */
struct guest_caps {
	uint64_t cr0_fixed0, cr0_fixed1; /* IA32_VMX_CR0_FIXED0/1 (SDM 3D A.7) */
	uint64_t cr4_fixed0, cr4_fixed1; /* IA32_VMX_CR4_FIXED0/1 (SDM 3D A.8) */
	uint64_t cr4_allowed;		 /* CR4 bits the guest's CPUID lets it set */
	uint64_t xcr0_allowed;		 /* CPUID.(EAX=0DH,ECX=0):EDX:EAX, 0 without XSAVE */
	uint64_t efer_allowed;		 /* SCE, LME/LMA, NXE as CPUID reports them */
	uint32_t maxphyaddr;		 /* CPUID.80000008H:EAX[7:0] */
	/* Host features whose MSRs exit_msr.c emulates where the guest sees them. */
	bool ds;      /* CPUID.1:EDX[21]: IA32_DS_AREA */
	bool tsc_aux; /* RDTSCP (80000001H:EDX[27]) or RDPID (7.0:ECX[22]): IA32_TSC_AUX */
	bool xsaves;  /* CPUID.(0DH,1):EAX[3]: IA32_XSS */
	struct xsave_layout xsave; /* the components of xcr0_allowed */
};

/* The guest's state a check depends on, as the guest believes it. */
struct guest_cr_state {
	uint64_t cr0, cr3, cr4, efer;
	bool cs_l; /* CS.L: in 64-bit mode when EFER.LMA is also set */
	uint32_t cpl;
};

/*
 * MOV to CR0 of `val` (SDM 2B "MOV-Move to/from Control Registers"
 * exceptions; 3A 10.8.5 for IA-32e transitions). On GCHECK_OK, *out holds
 * the value the guest now has: reserved bits 31:0 dropped (writes to them
 * are ignored), ET kept 1 (hard-wired on P6 and later).
 */
int guest_check_cr0(const struct guest_caps *c, const struct guest_cr_state *s, uint64_t val,
		    uint64_t *out);

/* MOV to CR4 of `val`: reserved or hidden bits, PCIDE and LA57 rules, fixed bits. */
int guest_check_cr4(const struct guest_caps *c, const struct guest_cr_state *s, uint64_t val);

/*
 * XSETBV of XCR[index] <- val (SDM 2D XSETBV; 1 13.3 "Enabling the XSAVE
 * feature set and XSAVE-enabled features"): #UD without CR4.OSXSAVE, #GP
 * at CPL > 0, for an index other than 0, without x87 (bit 0), for bits the
 * host lacks, and for the forbidden combinations (AVX without SSE, one of
 * the two MPX bits, part of AVX-512 or AVX-512 without AVX, one AMX bit).
 */
int guest_check_xsetbv(const struct guest_caps *c, const struct guest_cr_state *s, uint32_t index,
		       uint64_t val);

/*
 * WRMSR IA32_EFER <- val (SDM 4 "IA32_EFER"; 2B WRMSR; 3A 10.8.5): #GP for
 * reserved or unsupported bits and for changing LME while paging is on.
 * On GCHECK_OK, *out is the new value with LMA kept as it was (LMA is set
 * by the processor, not by WRMSR).
 */
int guest_check_efer(const struct guest_caps *c, const struct guest_cr_state *s, uint64_t val,
		     uint64_t *out);

/*
 * A PAE page-directory-pointer-table entry is valid to load (SDM 3A 4.4.1):
 * not present, or no reserved bit (2:1, 8:5, MAXPHYADDR..63) set.
 */
bool guest_pdpte_valid(const struct guest_caps *c, uint64_t pdpte);

#endif
