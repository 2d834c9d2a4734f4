/* SPDX-License-Identifier: MIT */
/*
 * The rules for the MSRs Cypress emulates itself (not the ones that are
 * VMCS fields or vLAPIC registers): IA32_TSC and IA32_TSC_ADJUST through
 * the VMCS TSC offset, IA32_TSC_DEADLINE's conversion between guest and
 * host TSC, IA32_MISC_ENABLE's writable, read-only and reserved bits,
 * IA32_DS_AREA, IA32_TSC_AUX and IA32_XSS. Pure code: the exit handler
 * (exit_msr.c) reads the VMCS and calls these, so host unit tests cover
 * every rule (tests/unit/test_msr_policy.c).
 * Rules (docs/guest-abi.md, "MSRs", lists the same as a table):
 *  1. Guest TSC = host TSC + tsc_adjust (mod 2^64). Both start at 0, and
 *     the SDM (3B 18.17.3) moves them together: WRMSR IA32_TSC adds the
 *     TSC's change to IA32_TSC_ADJUST, WRMSR IA32_TSC_ADJUST adds its
 *     change to the TSC. So one number is both IA32_TSC_ADJUST and the
 *     VMCS TSC offset (SDM 3C 25.6.5).
 *  2. The vLAPIC model counts in host TSC. IA32_TSC_DEADLINE is in guest
 *     TSC: a deadline the guest TSC has reached fires now; a later one is
 *     the same distance ahead in host TSC.
 *  3. IA32_MISC_ENABLE: bits in MISC_RW stick; MISC_RO bits keep their
 *     values whatever is written; anything else written as 1 raises #GP.
 *     XD disable (34) is writable only where the host has NX, and not
 *     while EFER.NXE is 1.
 *  4. Addresses (DS_AREA) must be canonical; IA32_TSC_AUX bits 63:32 and
 *     every IA32_XSS bit are reserved (CPUID.(EAX=0DH,ECX=1):ECX/EDX
 *     report no supervisor state to the guest).
 *  5. MTRRs (SDM 3A 13.11) are per-vCPU storage with the SDM's #GP rules:
 *     IA32_MTRRCAP is read-only (8 variable ranges, fixed ranges, WC, no
 *     SMRR); a memory type other than UC, WC, WT, WP, WB, a reserved bit,
 *     or an address bit at or above MAXPHYADDR raises #GP. They change no
 *     memory type: under EPT the guest's effective type comes from the EPT
 *     entry and its PAT (SDM 3C 29.3.7), so they only have to read back.
 * Environment: pure code, any core; also built hosted for unit tests.
 */
#ifndef ARCH_X86_VMX_MSR_POLICY_H
#define ARCH_X86_VMX_MSR_POLICY_H

#include "lib/types.h"

#define MSR_TSC		 0x10
#define MSR_PLATFORM_ID	 0x17
#define MSR_TSC_ADJUST	 0x3b
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_SYSENTER_CS	 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PERF_STATUS	 0x198
#define MSR_PERF_CTL	 0x199
#define MSR_DEBUGCTL	 0x1d9
#define MSR_PAT		 0x277
#define MSR_DS_AREA	 0x600
#define MSR_XSS		 0xda0
#define MSR_TSC_AUX	 0xc0000103u

/* IA32_MISC_ENABLE bits (SDM 4, table 2-2). */
#define MISC_FAST_STRINGS (1ULL << 0)
#define MISC_PERFMON	  (1ULL << 7)  /* R/O: performance monitoring available */
#define MISC_BTS_UNAVAIL  (1ULL << 11) /* R/O */
#define MISC_PEBS_UNAVAIL (1ULL << 12) /* R/O */
#define MISC_EIST	  (1ULL << 16) /* Enhanced Intel SpeedStep enable */
#define MISC_MONITOR	  (1ULL << 18) /* MONITOR FSM enable: CPUID.1:ECX.MONITOR */
#define MISC_LIMIT_CPUID  (1ULL << 22) /* CPUID.0:EAX reports at most 2 */
#define MISC_XTPR_DISABLE (1ULL << 23)
#define MISC_XD_DISABLE	  (1ULL << 34) /* CPUID.80000001H:EDX.NX reads 0, EFER.NXE #GPs */
#define MISC_RW		  (MISC_FAST_STRINGS | MISC_EIST | MISC_LIMIT_CPUID | MISC_XTPR_DISABLE)
#define MISC_RO		  (MISC_PERFMON | MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL)
/* Power-on value: fast strings and SpeedStep on (as firmware leaves them),
 * no performance monitoring (CPUID leaf 0xA is empty), no BTS, no PEBS. */
#define MISC_RESET (MISC_FAST_STRINGS | MISC_EIST | MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL)

#define MSR_MTRRCAP	   0xfe
#define MSR_MTRR_PHYSBASE0 0x200
#define MSR_MTRR_FIX64K	   0x250
#define MSR_MTRR_FIX16K_80 0x258
#define MSR_MTRR_FIX16K_A0 0x259
#define MSR_MTRR_FIX4K_C0  0x268
#define MSR_MTRR_FIX4K_F8  0x26f
#define MSR_MTRR_DEF_TYPE  0x2ff
#define MTRR_VCNT	   8
/* IA32_MTRRCAP: VCNT, FIX (8), WC (10); no SMRR (11). */
#define MTRRCAP_VALUE (MTRR_VCNT | (1ULL << 8) | (1ULL << 10))
/* Storage slots: 0 DEF_TYPE, 1-11 the fixed ranges, 12.. PHYSBASE0, PHYSMASK0, ... */
#define MTRR_SLOTS (12 + 2 * MTRR_VCNT)
/* Power-on DEF_TYPE as firmware leaves it: enabled (11), default type WB,
 * fixed ranges off; the memory really is WB (EPT). */
#define MTRR_DEF_RESET 0x806ULL

/* The MSR state Cypress keeps for one vCPU; written on its owner core only. */
struct vcpu_msrs {
	uint64_t mtrr[MTRR_SLOTS]; /* rule 5, by msr_mtrr_slot() */
	uint64_t tsc_adjust;	   /* IA32_TSC_ADJUST = VMCS TSC offset (rule 1) */
	uint64_t misc_enable;	   /* IA32_MISC_ENABLE */
	uint64_t ds_area;	   /* IA32_DS_AREA (storage: BTS and PEBS are unavailable) */
	uint32_t tsc_aux;	   /* IA32_TSC_AUX, what RDTSCP/RDPID return in ECX */
};

/* What the host lets the MSR rules offer (filled by the caller from guest_caps). */
struct msr_host {
	bool nx; /* EFER.NXE exists: MISC_ENABLE.XD disable is writable */
};

/* Power-on state (SDM 3A 9.1.1: TSC_ADJUST 0). INIT keeps it (SDM 3A table 9-1). */
void msr_state_reset(struct vcpu_msrs *m);

/* SDM 2B WRMSR: a linear address is canonical (48-bit). */
bool msr_canonical(uint64_t addr);

/* WRMSR IA32_TSC <- val at host TSC host_now: the new IA32_TSC_ADJUST (rule 1). */
uint64_t msr_tsc_write(uint64_t host_now, uint64_t val);

/*
 * IA32_TSC_DEADLINE in guest TSC -> the host TSC the vLAPIC model arms
 * (rule 2): 0 stays 0 (disarm); a deadline at or before the guest's TSC
 * now gives host_now (due: the model fires it at once).
 */
uint64_t msr_tscdl_to_host(uint64_t deadline, uint64_t tsc_adjust, uint64_t host_now);

/* An armed host deadline as the guest reads it (0 stays 0). */
uint64_t msr_tscdl_to_guest(uint64_t host_deadline, uint64_t tsc_adjust);

/*
 * WRMSR IA32_MISC_ENABLE <- val (rule 3), with EFER.NXE as the guest has it
 * now. True and *out = the new value, or false for #GP(0).
 */
bool msr_misc_enable_write(const struct msr_host *h, uint64_t old, uint64_t val, bool efer_nxe,
			   uint64_t *out);

/* The storage slot of MTRR msr (not MTRRCAP), or -1 if msr is none. */
int msr_mtrr_slot(uint32_t msr);

/* WRMSR of an MTRR (rule 5) with MAXPHYADDR maxphyaddr: false for #GP(0). */
bool msr_mtrr_valid(uint32_t msr, uint64_t val, uint32_t maxphyaddr);

/* WRMSR IA32_TSC_AUX / IA32_XSS: false for #GP(0) (rule 4). */
bool msr_tsc_aux_valid(uint64_t val);
bool msr_xss_valid(uint64_t val);

#endif
