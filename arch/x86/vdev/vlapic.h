/* SPDX-License-Identifier: MIT */
/*
 * Virtual local APIC: the register model of one vCPU's LAPIC (xAPIC MMIO
 * offsets and x2APIC MSRs), interrupt acceptance/priority/EOI, the timer's
 * arithmetic and ICR decoding into IPI requests. No hardware access: time
 * comes in as TSC values, IPIs and timer (re)arming go out through
 * callbacks. SDM Vol. 3A chapter 11 (APIC).
 * Environment: pure (hosted tests too); a vLAPIC is only touched by the core
 * currently running its vCPU (callers serialise), interrupts either way.
 */
#ifndef ARCH_X86_VLAPIC_H
#define ARCH_X86_VLAPIC_H

#include "lib/types.h"

/* Register offsets in the xAPIC page (SDM Vol. 3A, Table 11-1); x2APIC MSR = 0x800 + off / 16. */
#define VLAPIC_REG_ID	     0x020
#define VLAPIC_REG_VERSION   0x030
#define VLAPIC_REG_TPR	     0x080
#define VLAPIC_REG_APR	     0x090
#define VLAPIC_REG_PPR	     0x0a0
#define VLAPIC_REG_EOI	     0x0b0
#define VLAPIC_REG_RRD	     0x0c0
#define VLAPIC_REG_LDR	     0x0d0
#define VLAPIC_REG_DFR	     0x0e0
#define VLAPIC_REG_SVR	     0x0f0
#define VLAPIC_REG_ISR0	     0x100 /* ISR0..7 at 0x100 + 0x10 * i: vectors 32i..32i+31 */
#define VLAPIC_REG_TMR0	     0x180
#define VLAPIC_REG_IRR0	     0x200
#define VLAPIC_REG_ESR	     0x280
#define VLAPIC_REG_LVT_CMCI  0x2f0 /* not implemented: max LVT entry is 5 */
#define VLAPIC_REG_ICR_LO    0x300
#define VLAPIC_REG_ICR_HI    0x310
#define VLAPIC_REG_LVT_TIMER 0x320
#define VLAPIC_REG_LVT_THERM 0x330
#define VLAPIC_REG_LVT_PERF  0x340
#define VLAPIC_REG_LVT_LINT0 0x350
#define VLAPIC_REG_LVT_LINT1 0x360
#define VLAPIC_REG_LVT_ERROR 0x370
#define VLAPIC_REG_TIMER_ICR 0x380 /* initial count */
#define VLAPIC_REG_TIMER_CCR 0x390 /* current count */
#define VLAPIC_REG_TIMER_DCR 0x3e0
#define VLAPIC_REG_SELF_IPI  0x3f0 /* x2APIC only */

#define VLAPIC_MSR_BASE	    0x800u /* SDM Vol. 3A 11.12.1.2 */
#define VLAPIC_MSR_ICR	    0x830u /* 64-bit ICR in x2APIC mode */
#define VLAPIC_MSR_SELF_IPI 0x83fu
#define VLAPIC_MSR_LAST	    0x8ffu

/* Version register: version 0x14, max LVT entry 5, no EOI-broadcast suppression (11.4.8). */
#define VLAPIC_VERSION 0x00050014u

/* IA32_APIC_BASE (SDM Vol. 3A 11.4.4, 11.12.1). The base cannot be moved. */
#define VLAPIC_BASE_ADDR 0xfee00000ull
#define VLAPIC_BASE_BSP	 (1ull << 8)
#define VLAPIC_BASE_EXTD (1ull << 10)
#define VLAPIC_BASE_EN	 (1ull << 11)

/* SVR (11.9) and LVT (11.5.1, Figure 11-8) bits. */
#define VLAPIC_SVR_ENABLE	 (1u << 8)
#define VLAPIC_LVT_MASKED	 (1u << 16)
#define VLAPIC_LVT_TIMER_ONESHOT (0u << 17)
#define VLAPIC_LVT_TIMER_PERIOD	 (1u << 17)
#define VLAPIC_LVT_TIMER_TSCDL	 (2u << 17)
#define VLAPIC_LVT_TIMER_MODE	 (3u << 17)

/* ESR bits (11.5.3, Figure 11-9). */
#define VLAPIC_ESR_SEND_ILLEGAL (1u << 5)
#define VLAPIC_ESR_RECV_ILLEGAL (1u << 6)
#define VLAPIC_ESR_ILLEGAL_REG	(1u << 7)

/* LVT slots, in register order (0x320 + 0x10 * slot). */
enum vlapic_lvt {
	VLAPIC_LVT_TIMER,
	VLAPIC_LVT_THERMAL,
	VLAPIC_LVT_PERF,
	VLAPIC_LVT_LINT0,
	VLAPIC_LVT_LINT1,
	VLAPIC_LVT_ERROR,
	VLAPIC_NR_LVT
};

/* ICR delivery modes and shorthands as passed to send_ipi (11.6.1, Figure 11-12). */
#define VLAPIC_DM_FIXED	 0
#define VLAPIC_DM_LOWEST 1
#define VLAPIC_DM_SMI	 2
#define VLAPIC_DM_NMI	 4
#define VLAPIC_DM_INIT	 5
#define VLAPIC_DM_SIPI	 6
#define VLAPIC_SH_NONE	 0
#define VLAPIC_SH_SELF	 1
#define VLAPIC_SH_ALL	 2 /* all including self */
#define VLAPIC_SH_OTHERS 3 /* all excluding self */

/*
 * The virtual LAPIC timer's input clock is the TSC divided by this fixed
 * ratio (the "bus clock" of SDM 11.5.4), before the DCR divider. Integer,
 * so every count maps to an exact number of TSC ticks and periodic mode has
 * no rounding drift. With a 2-4 GHz TSC the guest sees a 125-250 MHz bus.
 */
#define VLAPIC_TSC_PER_BUS_TICK 16u

struct vlapic_ops {
	/*
	 * Deliver an IPI the guest requested through the ICR. Already decoded
	 * and filtered: reserved delivery modes, invalid shorthand combinations
	 * (SDM Table 11-3), de-assert messages and illegal vectors never get
	 * here, so level_assert is always true. For shorthands, dest is the
	 * sender's own ID (self) or the broadcast ID (0xff in xAPIC,
	 * 0xffffffff in x2APIC mode) and dest_mode is 0 (physical); the
	 * hypervisor still has to leave the sender out for VLAPIC_SH_OTHERS.
	 * vector is the SIPI start page for VLAPIC_DM_SIPI and 0 for SMI, NMI
	 * and INIT. Fixed/lowest-priority vectors are to be handed to the
	 * targets' vlapic_accept(), which may be this same vLAPIC (self and
	 * all-including-self): the model does nothing after the call.
	 */
	void (*send_ipi)(void *ctx, uint32_t dest, uint8_t dest_mode, uint8_t shorthand,
			 uint8_t delivery, uint8_t vector, bool level_assert);
	/* At TSC >= deadline_tsc call vlapic_timer_expired(); replaces, 0 cancels. */
	void (*arm_timer)(void *ctx, uint64_t deadline_tsc);
	/* Optional (may be NULL): EOI of a level-triggered vector (for a vIOAPIC). */
	void (*level_eoi)(void *ctx, uint8_t vector);
	void *ctx;
};

/*
 * The register page: 4 KiB, laid out as the xAPIC page (SDM 3A 11.4.1,
 * Table 11-1), which is also the virtual-APIC page's layout (SDM 3C 30.1).
 * The model keeps TPR, ISR, TMR and IRR there and nowhere else, so with
 * virtual-interrupt delivery the VMCS's virtual-APIC page is the model's
 * own storage: what the CPU changes (an interrupt delivered moves an IRR
 * bit to ISR, a virtualized EOI clears one, a MOV to CR8 sets TPR) the
 * model sees without a copy, and what the model changes the CPU sees at the
 * next VM entry. Each 256-bit map is 8 words 16 bytes apart.
 */
#define VLAPIC_PAGE_SIZE  4096u
#define VLAPIC_PAGE_WORDS (VLAPIC_PAGE_SIZE / 4)

/* Word i (vectors 32i..32i+31) of the 256-bit map at xAPIC offset `base`. */
#define VLAPIC_MAP(a, base, i) ((a)->regs[(base) / 4 + 4 * (i)])
#define VLAPIC_IRR(a, i)       VLAPIC_MAP(a, VLAPIC_REG_IRR0, i)
#define VLAPIC_ISR(a, i)       VLAPIC_MAP(a, VLAPIC_REG_ISR0, i)
#define VLAPIC_TMR(a, i)       VLAPIC_MAP(a, VLAPIC_REG_TMR0, i)
#define VLAPIC_TPR(a)	       ((a)->regs[VLAPIC_REG_TPR / 4])

struct vlapic {
	uint32_t id;	 /* x2APIC ID; the xAPIC ID is its low 8 bits (read-only) */
	bool x2apic;	 /* IA32_APIC_BASE.EXTD */
	bool enabled_hw; /* IA32_APIC_BASE.EN (bit 11) */
	const struct vlapic_ops *ops;
	const char *owner; /* names the VM in warnings ("vm NAME: vlapic: ..."); may be NULL */

	/* The register page (TPR, ISR, TMR, IRR: see above), 4 KiB aligned. */
	uint32_t *regs;
	uint32_t svr, ldr, dfr; /* ldr/dfr: xAPIC values; x2APIC LDR is derived */
	uint32_t lvt[VLAPIC_NR_LVT];
	uint32_t esr;	      /* what ESR reads: errors latched by the last ESR write */
	uint32_t esr_pending; /* errors seen since the last ESR write */
	uint32_t icr_lo, icr_hi;

	/* Timer (SDM 11.5.4); see vlapic_timer.c. */
	uint64_t tsc_per_tick; /* TSC ticks per bus-clock tick (VLAPIC_TSC_PER_BUS_TICK) */
	uint64_t bus_khz;      /* resulting timer input clock, for CPUID/reporting */
	uint32_t timer_init, timer_dcr;
	bool timer_running;	 /* one-shot/periodic count in progress */
	uint64_t timer_deadline; /* TSC at which the current count reaches 0 */
	uint64_t tsc_deadline;	 /* IA32_TSC_DEADLINE, 0 = disarmed */

	uint32_t warned; /* diagnostic kinds already printed (each once per vLAPIC) */
	/*
	 * Bumped on every change a copy of the registers outside the page must
	 * see (any register write, the APIC base, INIT, TMR, ESR): the xAPIC
	 * registers the page does not store are published into it on change
	 * (arch/x86/vmx/xapic.c).
	 */
	uint32_t gen;
	/*
	 * Bumped when the model itself sets or clears an IRR or ISR bit (a
	 * vector accepted, injected or EOIed, a reset): the highest IRR and
	 * ISR vectors (RVI/SVI, SDM 3C 30.1.2) may have moved. The CPU's own
	 * changes under virtual-interrupt delivery do not bump it: it keeps
	 * RVI/SVI itself.
	 */
	uint32_t intr_gen;
};

/*
 * Reset `a` to the power-up state (SDM 11.4.7.1): globally enabled, xAPIC
 * mode, software-disabled, all LVTs masked. `page` is the register page
 * (VLAPIC_PAGE_SIZE bytes, 4 KiB aligned, cleared here), owned by the
 * caller for the vLAPIC's life. `id` is the (x2)APIC ID; tsc_khz (0 if
 * unknown) only sets bus_khz = tsc_khz / VLAPIC_TSC_PER_BUS_TICK. `ops`
 * must stay valid for the vLAPIC's life; it or any callback may be NULL
 * (that action is then dropped). Does not call arm_timer.
 */
void vlapic_init(struct vlapic *a, uint32_t *page, uint32_t id, uint64_t tsc_khz,
		 const struct vlapic_ops *ops);

/*
 * The vCPU received INIT: registers return to the power-up values but the
 * ID and the mode (xAPIC/x2APIC/disabled) are kept (SDM 11.4.7.3, 11.12.5.1).
 * Cancels a running timer through arm_timer(0).
 */
void vlapic_init_signal(struct vlapic *a);

/*
 * Guest read of the register at xAPIC `offset` (16-byte aligned, 0..0x3f0)
 * at time now_tsc. In x2APIC mode this behaves as vlapic_msr_read() of the
 * matching MSR truncated to 32 bits. Returns 0, or -E_INVAL (and *val = 0)
 * for a reserved register, a write-only one (EOI, SELF IPI), a bad offset,
 * or when the APIC is globally disabled; in xAPIC mode a reserved register
 * also sets ESR "illegal register address". xAPIC callers read 0 then.
 */
int vlapic_read(struct vlapic *a, uint32_t offset, uint64_t now_tsc, uint32_t *val);

/*
 * Guest write of `val` to the register at xAPIC `offset` at time now_tsc.
 * xAPIC mode: reserved bits are ignored, writes to read-only registers are
 * ignored (0), reserved registers and bad offsets give -E_INVAL (ESR bit 7
 * set), a write to ICR low sends the IPI. In x2APIC mode this is
 * vlapic_msr_write() of the matching MSR (upper half 0). -E_INVAL also when
 * the APIC is globally disabled.
 */
int vlapic_write(struct vlapic *a, uint32_t offset, uint32_t val, uint64_t now_tsc);

/*
 * RDMSR of an x2APIC MSR (0x800..0x8ff; 0x830 is the whole 64-bit ICR).
 * -E_INVAL (caller injects #GP, *val = 0) unless the vLAPIC is in x2APIC
 * mode and the MSR is a readable register (SDM 11.12.1.2, Table 11-6).
 */
int vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t now_tsc, uint64_t *val);

/*
 * WRMSR of an x2APIC MSR. -E_INVAL (caller injects #GP) unless in x2APIC
 * mode, the MSR is writable and no reserved bit is set (11.12.1.3), which
 * includes bits 63:32 of everything but the ICR and any non-zero value
 * written to EOI or ESR. A write to 0x830 sends the IPI; SELF IPI (0x83f)
 * is accepted locally at once (no callback).
 */
int vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t val, uint64_t now_tsc);

/*
 * WRMSR IA32_APIC_BASE. Valid: any state to itself, disabled -> xAPIC,
 * xAPIC -> x2APIC, xAPIC or x2APIC -> disabled (SDM 11.12.5);
 * disabling resets every register but the ID (11.4.3). The BSP flag
 * is ignored. -E_INVAL (caller injects #GP) for x2APIC -> xAPIC, disabled ->
 * x2APIC, EXTD without EN, reserved bits, or a base other than 0xfee00000.
 */
int vlapic_set_apic_base(struct vlapic *a, uint64_t val);

/* RDMSR IA32_APIC_BASE: base, EN, EXTD, and BSP if `bsp`. */
uint64_t vlapic_apic_base(const struct vlapic *a, bool bsp);

/*
 * A fixed or lowest-priority interrupt with `vector` arrives (IPI, timer,
 * later a vIOAPIC): set IRR, and TMR if `level`. Vectors 0-15 are illegal:
 * ESR "received illegal vector" is set (and the LVT error interrupt raised)
 * and nothing is queued (11.5.3). Dropped while the APIC is globally or
 * software disabled (11.4.7.2 lists only NMI/SMI/INIT/SIPI as handled).
 * NMI, SMI, INIT and SIPI never come here: the hypervisor acts on them.
 */
void vlapic_accept(struct vlapic *a, uint8_t vector, bool level);

/*
 * Highest vector that may be injected now: the highest IRR bit whose
 * priority class is above PPR's (11.8.3.1), else -1 (also when globally
 * disabled). Interrupts already in IRR stay deliverable while software
 * disabled (11.4.7.2).
 */
int vlapic_pending(const struct vlapic *a);

/*
 * The hypervisor injected `vector` into the guest: move it from IRR to ISR
 * (11.8.4). Precondition: vector is in IRR (normally vlapic_pending()'s
 * result); otherwise one line is printed and nothing changes.
 */
void vlapic_ack(struct vlapic *a, uint8_t vector);

/* EOI (also a write to the EOI register): clear the highest ISR bit (11.8.5). */
void vlapic_eoi(struct vlapic *a);

/*
 * The CPU completed an EOI of `vector` itself (virtual-interrupt delivery,
 * SDM 3C 30.1.4) and exited because its EOI-exit bit is set: clear it from
 * ISR if the model still has it there, and call level_eoi if its TMR bit
 * is set, as vlapic_eoi() does for the highest in-service vector.
 */
void vlapic_eoi_done(struct vlapic *a, uint8_t vector);

/*
 * Guest interrupt status for virtual-interrupt delivery (SDM 3C 30.1.2):
 * SVI (the highest ISR vector, 0 if none) in bits 15:8, RVI (the highest
 * IRR vector, 0 if none) in bits 7:0, from the register page.
 */
uint16_t vlapic_intr_status(const struct vlapic *a);

/* Processor priority: TPR, or the class of the highest in-service vector if higher (11.8.3.1). */
uint8_t vlapic_ppr(const struct vlapic *a);

/*
 * The timer armed through arm_timer() fired, now_tsc >= the deadline asked
 * for. Raises the LVT timer vector unless masked; periodic mode re-arms at
 * previous deadline + period (periods that were missed entirely are
 * skipped, the phase is kept); TSC-deadline mode clears the MSR. Early or
 * stale calls only re-arm the real deadline or do nothing.
 */
void vlapic_timer_expired(struct vlapic *a, uint64_t now_tsc);

/*
 * WRMSR IA32_TSC_DEADLINE. Ignored unless the LVT timer is in TSC-deadline
 * mode (11.5.4.1). 0 disarms; a deadline not after now_tsc fires at once.
 */
void vlapic_tsc_deadline_write(struct vlapic *a, uint64_t deadline, uint64_t now_tsc);

/* RDMSR IA32_TSC_DEADLINE: the armed deadline, 0 if none or not in TSC-deadline mode. */
uint64_t vlapic_tsc_deadline_read(const struct vlapic *a);

/*
 * Write into the register page every xAPIC register the CPU may read from
 * it without an exit under APIC-register virtualization (SDM 3C 30.4.2)
 * that the page does not already store: ID, version, LDR, DFR, SVR, ESR,
 * ICR, the LVTs, the timer's initial count and divider (EOI reads 0), as a
 * guest read of the xAPIC page returns them. With `with_ppr` also PPR
 * (virtual-interrupt delivery keeps it itself, SDM 3C 30.1.3). In x2APIC
 * mode or globally disabled the page is not the APIC's (SDM 3A 11.12.2):
 * those registers then read as zeros (TPR, ISR, TMR and IRR stay: they
 * are the model's storage).
 */
void vlapic_page_publish(struct vlapic *a, bool with_ppr);

/* The x2APIC logical ID of `id`: cluster id[31:4] in 31:16, bit id[3:0] in 15:0 (11.12.10.2). */
uint32_t vlapic_x2apic_ldr(uint32_t id);

/*
 * Whether `target` is addressed by an IPI to `dest` in `dest_mode` (0
 * physical, 1 logical) from a sender in x2APIC (x2apic_sender) or xAPIC
 * mode (SDM 11.6.2, 11.12.10). Broadcast is 0xffffffff from x2APIC
 * senders, 0xff from xAPIC ones. Logical mode uses the target's LDR: x2APIC
 * cluster, or xAPIC flat/cluster per DFR. A globally disabled target
 * matches nothing. Lowest-priority arbitration among matches is the
 * caller's (compare vlapic_ppr()).
 */
bool vlapic_match_dest(const struct vlapic *target, uint32_t dest, uint8_t dest_mode,
		       bool x2apic_sender);

/* vlapic_match_dest() for a physical `dest` that is not the broadcast:
 * the target's APIC ID, all 32 bits in x2APIC mode, 8 in xAPIC mode. */
static inline bool vlapic_match_phys(const struct vlapic *target, uint32_t dest)
{
	return target->enabled_hw && dest == (target->x2apic ? target->id : target->id & 0xff);
}

/* ---- Internal to vlapic.c / vlapic_timer.c; not for other callers. ---- */

/* Diagnostic kinds for vlapic_warn_once(). */
#define VLAPIC_W_OFFSET	    (1u << 0)
#define VLAPIC_W_XAPIC_RSVD (1u << 1)
#define VLAPIC_W_GP	    (1u << 2)
#define VLAPIC_W_BASE	    (1u << 3)
#define VLAPIC_W_ICR	    (1u << 4)
#define VLAPIC_W_ILLEGAL    (1u << 5)
#define VLAPIC_W_DROPPED    (1u << 6)
#define VLAPIC_W_ACK	    (1u << 7)
#define VLAPIC_W_TIMER_MODE (1u << 8)
#define VLAPIC_W_DISABLED   (1u << 9)

/* Print one console line for `kind` unless this vLAPIC already printed that kind. */
void vlapic_warn_once(struct vlapic *a, uint32_t kind, const char *fmt, ...) __printf(3, 4);

/* Stop the count-down and TSC-deadline timers (arm_timer(0) if one ran); DCR, counts 0. */
void vlapic_timer_reset(struct vlapic *a);
/* Current-count register value at now_tsc (0 when stopped or in TSC-deadline mode). */
uint32_t vlapic_timer_current(const struct vlapic *a, uint64_t now_tsc);
/*
 * LVT timer write (`val` already reduced to writable bits, mask forced if
 * software disabled); a mode change disarms the timer (11.5.4.1).
 */
void vlapic_timer_set_lvt(struct vlapic *a, uint32_t val);
/* Initial-count write: (re)start the count, or stop it for 0. */
void vlapic_timer_set_initial(struct vlapic *a, uint32_t val, uint64_t now_tsc);
/* Divide-configuration write; a running count continues at the new rate. */
void vlapic_timer_set_dcr(struct vlapic *a, uint32_t val, uint64_t now_tsc);

#endif
