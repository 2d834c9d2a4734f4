/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: the local APIC in xAPIC mode (MMIO at 0xFEE00000,
 * paging off) or x2APIC mode (MSRs 0x800+), SDM Vol 3A chapter 11: IDs,
 * EOI, IPIs (fixed, INIT, STARTUP) and the timer (one-shot, periodic,
 * TSC-deadline).
 * Environment: guest test kernel, 32-bit protected mode, ring 0; the mode is
 * chosen once on the BSP, every CPU then enables its own LAPIC.
 */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <stdint.h>
#include <stdbool.h>

/* Register offsets (xAPIC MMIO offset; x2APIC MSR = 0x800 + offset / 16), SDM table 11-1. */
#define LAPIC_ID	 0x020
#define LAPIC_VERSION	 0x030
#define LAPIC_TPR	 0x080
#define LAPIC_EOI	 0x0b0
#define LAPIC_SVR	 0x0f0
#define LAPIC_ESR	 0x280
#define LAPIC_ICR_LO	 0x300
#define LAPIC_ICR_HI	 0x310
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	 0x390
#define LAPIC_TIMER_DIV	 0x3e0

/* LVT timer modes, bits 18:17 (SDM 11.5.1, figure 11-8). */
enum lapic_timer_mode {
	LAPIC_TIMER_ONESHOT = 0,
	LAPIC_TIMER_PERIODIC = 1,
	LAPIC_TIMER_TSC_DEADLINE = 2,
};

/*
 * Choose the mode for all CPUs: x2APIC if CPUID.1:ECX[21] says so and
 * allow_x2apic, or if the APIC is already in x2APIC mode (it cannot go back
 * without being disabled). BSP, once, before lapic_enable() anywhere.
 * Returns true for x2APIC.
 */
bool lapic_setup(bool allow_x2apic);

/* True once lapic_setup() chose x2APIC. */
bool lapic_is_x2apic(void);

/*
 * Enable the calling CPU's LAPIC in the chosen mode (IA32_APIC_BASE, SDM
 * 11.4.4 and 11.12.1), spurious vector 0xFF, TPR 0, timer masked; records the
 * ID in this_cpu()->apic_id. Each CPU, once, after lapic_setup().
 */
void lapic_enable(void);

/* Paging on: the xAPIC page is at this linear address (default 0xFEE00000). */
void lapic_set_mmio(uint32_t linear);

/* Raw register access by xAPIC offset (mapped to the x2APIC MSR as needed). */
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t val);

/* This CPU's APIC ID: bits 31:24 of the ID register in xAPIC mode, all 32 in x2APIC. */
uint32_t lapic_id(void);

/* Signal end of interrupt (SDM 11.8.5). */
void lapic_eoi(void);

/* Fixed-delivery IPI with vector to physical APIC ID dest (self allowed). */
void lapic_send_fixed(uint32_t dest, uint8_t vector);

/* INIT IPI (assert, edge) to dest (SDM 11.6.1). */
void lapic_send_init(uint32_t dest);

/* STARTUP IPI to dest: the AP starts in real mode at page << 12. Precondition: page < 0x100. */
void lapic_send_sipi(uint32_t dest, uint8_t page);

/*
 * Start the timer: vector, one-shot or periodic, initial count and divide
 * (1, 2, 4, ..., 128; other values print a line and use 1) (SDM 11.5.4).
 * vector 0 arms it masked (for calibration).
 */
void lapic_timer_start(uint8_t vector, enum lapic_timer_mode mode, uint32_t count, uint32_t divide);

/* Mask the timer and zero its count. */
void lapic_timer_stop(void);

/* Current count register. */
uint32_t lapic_timer_current(void);

/* CPUID.1:ECX[24]: TSC-deadline mode exists (SDM 11.5.4.1). */
bool lapic_has_tsc_deadline(void);

/*
 * Arm a TSC-deadline interrupt with vector at absolute TSC value deadline.
 * Precondition: lapic_has_tsc_deadline().
 */
void lapic_timer_deadline(uint8_t vector, uint64_t deadline);

#endif
