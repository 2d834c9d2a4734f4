/* SPDX-License-Identifier: MIT */
/*
 * Local APIC access in x2APIC mode (MSRs) where the CPU has it, else xAPIC
 * (MMIO). SDM Vol. 3A, chapter 11 (APIC) and 11.12 (x2APIC).
 * Environment: freestanding hypervisor, any core, after apic_init_local().
 */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include "lib/types.h"

/* Interrupt vectors the hypervisor uses. */
#define VEC_TIMER      0x20
#define VEC_MAILBOX    0x21
#define VEC_APIC_ERROR 0xfe
#define VEC_SPURIOUS   0xff

/* Register offsets (xAPIC MMIO; x2APIC MSR = 0x800 + off/16). */
#define APIC_ID		0x20
#define APIC_VERSION	0x30
#define APIC_TPR	0x80
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_ESR	0x280
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR	0x390
#define APIC_TIMER_DIV	0x3e0

/* True once the boot core chose x2APIC mode (all cores follow). */
extern bool apic_x2;

/*
 * Decide the mode from CPUID (x2APIC unless `force_xapic`), and set up the
 * xAPIC MMIO base. Boot core, before any apic_* call.
 */
void apic_setup_mode(bool force_xapic);

/* Enable this core's LAPIC in the chosen mode, mask LINTs, set vectors. */
void apic_init_local(void);

/* This core's APIC ID as the APIC reports it (32-bit in x2APIC mode). */
uint32_t apic_read_id(void);

uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t val);
void apic_eoi(void);

/* Fixed-delivery IPI with `vector` to physical APIC ID `dest`. */
void apic_send_ipi(uint32_t dest, uint8_t vector);
/* INIT and STARTUP IPIs (SDM Vol. 3A, 9.4.4.1) to one core. */
void apic_send_init(uint32_t dest);
void apic_send_sipi(uint32_t dest, uint8_t page);

#endif
