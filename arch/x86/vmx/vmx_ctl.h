/* SPDX-License-Identifier: MIT */
/*
 * VMX control-field computation from the capability MSRs, and capability
 * queries (activity states, preemption timer, EPT/VPID).
 * Environment: pure code, any core, interrupts either way; also built hosted
 * for unit tests.
 *
 * Nothing here hard-codes a control value: every field is derived from the
 * capability MSRs recorded in struct vmx_caps, following SDM Vol. 3D
 * appendix A.3-A.5 and the algorithm in SDM Vol. 3C 31.5.1 ("Algorithms for
 * Determining VMX Capabilities").
 */
#ifndef ARCH_X86_VMX_CTL_H
#define ARCH_X86_VMX_CTL_H

#include "arch/x86/vmx/vmx.h"
#include "lib/types.h"

/*
 * Pin-based VM-execution controls: SDM Vol. 3C 25.6.1, table "Definitions
 * of Pin-Based VM-Execution Controls"; capabilities in SDM 3D A.3.1.
 */
#define VMX_PIN_EXT_INTR_EXIT	  (1u << 0)
#define VMX_PIN_NMI_EXIT	  (1u << 3)
#define VMX_PIN_VIRTUAL_NMIS	  (1u << 5)
#define VMX_PIN_PREEMPTION_TIMER  (1u << 6)
#define VMX_PIN_POSTED_INTERRUPTS (1u << 7)

/*
 * Primary processor-based VM-execution controls: SDM Vol. 3C 25.6.2, table
 * "Definitions of Primary Processor-Based VM-Execution Controls"; SDM 3D
 * A.3.2.
 */
#define VMX_PROC_INTR_WINDOW_EXIT   (1u << 2)
#define VMX_PROC_TSC_OFFSETTING	    (1u << 3)
#define VMX_PROC_HLT_EXIT	    (1u << 7)
#define VMX_PROC_INVLPG_EXIT	    (1u << 9)
#define VMX_PROC_MWAIT_EXIT	    (1u << 10)
#define VMX_PROC_RDPMC_EXIT	    (1u << 11)
#define VMX_PROC_RDTSC_EXIT	    (1u << 12)
#define VMX_PROC_CR3_LOAD_EXIT	    (1u << 15)
#define VMX_PROC_CR3_STORE_EXIT	    (1u << 16)
#define VMX_PROC_CR8_LOAD_EXIT	    (1u << 19)
#define VMX_PROC_CR8_STORE_EXIT	    (1u << 20)
#define VMX_PROC_TPR_SHADOW	    (1u << 21)
#define VMX_PROC_NMI_WINDOW_EXIT    (1u << 22)
#define VMX_PROC_MOV_DR_EXIT	    (1u << 23)
#define VMX_PROC_UNCOND_IO_EXIT	    (1u << 24)
#define VMX_PROC_USE_IO_BITMAPS	    (1u << 25)
#define VMX_PROC_MONITOR_TRAP_FLAG  (1u << 27)
#define VMX_PROC_USE_MSR_BITMAPS    (1u << 28)
#define VMX_PROC_MONITOR_EXIT	    (1u << 29)
#define VMX_PROC_PAUSE_EXIT	    (1u << 30)
#define VMX_PROC_ACTIVATE_SECONDARY (1u << 31)

/*
 * Secondary processor-based VM-execution controls: SDM Vol. 3C 25.6.2,
 * table "Definitions of Secondary Processor-Based VM-Execution Controls";
 * SDM 3D A.3.3.
 */
#define VMX_PROC2_VIRT_APIC_ACCESS   (1u << 0)
#define VMX_PROC2_EPT		     (1u << 1)
#define VMX_PROC2_DESC_TABLE_EXIT    (1u << 2)
#define VMX_PROC2_RDTSCP	     (1u << 3)
#define VMX_PROC2_VIRT_X2APIC	     (1u << 4)
#define VMX_PROC2_VPID		     (1u << 5)
#define VMX_PROC2_WBINVD_EXIT	     (1u << 6)
#define VMX_PROC2_UNRESTRICTED	     (1u << 7)
#define VMX_PROC2_APIC_REG_VIRT	     (1u << 8)
#define VMX_PROC2_VIRT_INTR_DELIVERY (1u << 9)
#define VMX_PROC2_PAUSE_LOOP_EXIT    (1u << 10)
#define VMX_PROC2_RDRAND_EXIT	     (1u << 11)
#define VMX_PROC2_INVPCID	     (1u << 12)
#define VMX_PROC2_VMFUNC	     (1u << 13)
#define VMX_PROC2_VMCS_SHADOWING     (1u << 14)
#define VMX_PROC2_RDSEED_EXIT	     (1u << 16)
#define VMX_PROC2_PML		     (1u << 17)
#define VMX_PROC2_EPT_VIOLATION_VE   (1u << 18)
#define VMX_PROC2_XSAVES	     (1u << 20)

/*
 * VM-exit controls: SDM Vol. 3C 25.7.1, table "Definitions of VM-Exit
 * Controls"; SDM 3D A.4.
 */
#define VMX_EXIT_SAVE_DEBUG	    (1u << 2)
#define VMX_EXIT_HOST_ADDR_SPACE    (1u << 9)
#define VMX_EXIT_LOAD_PERF_GLOBAL   (1u << 12)
#define VMX_EXIT_ACK_INTR	    (1u << 15)
#define VMX_EXIT_SAVE_PAT	    (1u << 18)
#define VMX_EXIT_LOAD_PAT	    (1u << 19)
#define VMX_EXIT_SAVE_EFER	    (1u << 20)
#define VMX_EXIT_LOAD_EFER	    (1u << 21)
#define VMX_EXIT_SAVE_PREEMPT_TIMER (1u << 22)

/*
 * VM-entry controls: SDM Vol. 3C 25.8.1, table "Definitions of VM-Entry
 * Controls"; SDM 3D A.5.
 */
#define VMX_ENTRY_LOAD_DEBUG	   (1u << 2)
#define VMX_ENTRY_IA32E_GUEST	   (1u << 9)
#define VMX_ENTRY_SMM		   (1u << 10)
#define VMX_ENTRY_LOAD_PERF_GLOBAL (1u << 13)
#define VMX_ENTRY_LOAD_PAT	   (1u << 14)
#define VMX_ENTRY_LOAD_EFER	   (1u << 15)

/* IA32_VMX_BASIC bit 55: the TRUE_* capability MSRs exist (SDM 3D A.1). */
#define VMX_BASIC_TRUE_CTLS (1ULL << 55)

/*
 * What a caller wants in each control field: *_req bits must be 1 (the
 * computation fails otherwise), *_opt bits are set when the CPU allows them.
 */
struct vmx_ctl_req {
	uint32_t pin_req, pin_opt;
	uint32_t proc_req, proc_opt;
	uint32_t proc2_req, proc2_opt;
	uint32_t exit_req, exit_opt;
	uint32_t entry_req, entry_opt;
};

/* The five 32-bit control fields, ready to be written to the VMCS. */
struct vmx_ctls {
	uint32_t pin, proc, proc2, exit, entry;
};

/*
 * Compute the five control fields from the capability MSRs in `c` and the
 * request `r`. Per field: allowed-0 settings (bits that must be 1) are the
 * low 32 bits of the capability MSR, allowed-1 settings (bits that may be 1)
 * the high 32 bits; the TRUE_* MSRs are used for pin/proc/exit/entry when
 * IA32_VMX_BASIC bit 55 is set (falling back, with one console line, to the
 * plain MSR when the TRUE value was not recorded). Bits not requested are 0
 * unless the CPU forces them to 1; following SDM 3C 31.5.1, a default1
 * reserved bit Cypress has no name for (and that the caller did not mention)
 * stays 1 even when the TRUE MSR would allow 0.
 * Secondary controls are used only if primary allowed-1 bit 31 is set; when
 * any secondary bit is required, or optional and allowed, primary bit 31 is
 * added automatically (failing cleanly when the CPU does not allow it).
 * Returns 0 with `out` filled, -E_NOTSUP when a required bit is not allowed
 * (`why` names the first missing bit of the first failing field, e.g.
 * "secondary control 'unrestricted guest' (bit 7) not supported by this
 * CPU"), -E_INVAL when a capability MSR forces a bit it does not allow, or
 * when c/r/out is NULL. On failure one "vmx: <why>" console line is printed
 * and `out` is zeroed.
 * Preconditions: none; `why` may be NULL or why_len 0 when not wanted.
 */
int vmx_ctl_compute(const struct vmx_caps *c, const struct vmx_ctl_req *r, struct vmx_ctls *out,
		    char *why, size_t why_len);

/*
 * Fill `r` with the controls Cypress needs (shared by the hypervisor and the
 * host tests so both check the same request).
 */
void vmx_ctl_cypress_request(struct vmx_ctl_req *r);

/* Print "vmx: controls pin=0x.. proc=0x.. proc2=0x.. exit=0x.. entry=0x..". */
void vmx_ctl_print(const struct vmx_ctls *c);

/* IA32_VMX_MISC queries (SDM 3D A.6). Precondition for all: c is non-NULL. */
/* True if the HLT activity state is supported (MISC bit 6). */
bool vmx_cap_activity_hlt(const struct vmx_caps *c);
/* True if the shutdown activity state is supported (MISC bit 7). */
bool vmx_cap_activity_shutdown(const struct vmx_caps *c);
/* True if the wait-for-SIPI activity state is supported (MISC bit 8). */
bool vmx_cap_activity_wait_sipi(const struct vmx_caps *c);
/* The preemption timer counts down once every 2^N TSC ticks: N (MISC 4:0). */
uint32_t vmx_preemption_timer_shift(const struct vmx_caps *c);

/*
 * IA32_VMX_EPT_VPID_CAP queries (SDM 3D A.10): each is true when the bit
 * named beside it is set: execute-only translations, 4-level walk, UC and
 * WB paging-structure memory types, 2 MiB and 1 GiB pages, INVEPT,
 * accessed/dirty flags, single- and all-context INVEPT, INVVPID, and its
 * individual-address, single- and all-context types. All are false when
 * the MSR was not recorded (caps.ept_vpid == 0: no EPT and no VPID).
 * Precondition for all: c is non-NULL.
 */
bool vmx_cap_ept_exec_only(const struct vmx_caps *c);  /* bit 0 */
bool vmx_cap_ept_4level(const struct vmx_caps *c);     /* bit 6 */
bool vmx_cap_ept_uc(const struct vmx_caps *c);	       /* bit 8 */
bool vmx_cap_ept_wb(const struct vmx_caps *c);	       /* bit 14 */
bool vmx_cap_ept_2m(const struct vmx_caps *c);	       /* bit 16 */
bool vmx_cap_ept_1g(const struct vmx_caps *c);	       /* bit 17 */
bool vmx_cap_invept(const struct vmx_caps *c);	       /* bit 20 */
bool vmx_cap_ept_ad(const struct vmx_caps *c);	       /* bit 21 */
bool vmx_cap_invept_single(const struct vmx_caps *c);  /* bit 25 */
bool vmx_cap_invept_all(const struct vmx_caps *c);     /* bit 26 */
bool vmx_cap_invvpid(const struct vmx_caps *c);	       /* bit 32 */
bool vmx_cap_invvpid_addr(const struct vmx_caps *c);   /* bit 40 */
bool vmx_cap_invvpid_single(const struct vmx_caps *c); /* bit 41 */
bool vmx_cap_invvpid_all(const struct vmx_caps *c);    /* bit 42 */

#endif
