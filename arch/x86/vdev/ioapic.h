/* SPDX-License-Identifier: MIT */
/*
 * Virtual I/O APIC: the register model of an 82093AA-style IOAPIC as QEMU's
 * PC offers it (version 0x20, 24 pins, the EOI register at offset 0x40),
 * its pins' edge and level semantics and Remote IRR. Interrupts leave
 * through a callback; the model never touches a vLAPIC.
 * Environment: pure (hosted tests too); callers serialise every call (the
 * hypervisor holds the VM's IOAPIC lock) and the callback runs inside it.
 *
 * Rules (each checked by tests/unit/test_ioapic.c):
 * 1. Reset: every redirection entry masked (0x10000), ID as given, IOREGSEL 0.
 * 2. IOREGSEL (offset 0x00) takes any access size, keeps 8 bits; IOWIN
 *    (0x10) and EOI (0x40) act only on 32-bit accesses (others read 0 and
 *    write nothing); other offsets read 0. Offsets repeat every 256 bytes.
 *    This is what QEMU's IOAPIC does.
 * 3. ID (0x00) keeps bits 27:24; VER (0x01) reads 0x00170020; ARB (0x02)
 *    reads like ID; both are read-only. Indexes past the table read 0.
 * 4. RTE writes keep delivery status (always 0: delivery is immediate) and
 *    Remote IRR; an entry written as edge-triggered loses its Remote IRR.
 * 5. Edge: a rising edge on an unmasked pin delivers once; a masked pin's
 *    edges are dropped (82093AA datasheet 3.2.4; QEMU instead latches one
 *    and delivers it on unmask).
 * 6. Level: an asserted, unmasked pin without Remote IRR delivers and sets
 *    Remote IRR; the EOI of its vector (broadcast or the EOI register)
 *    clears Remote IRR and delivers again if the pin is still asserted.
 *    Unmasking an asserted level pin delivers.
 * 7. Polarity is stored and read back but does not invert the pin, as in
 *    QEMU: the pin level callers give is the asserted state.
 * 8. ExtINT, SMI and the reserved delivery modes deliver nothing (there is
 *    no 8259 to take ExtINT from, no SMM in guests).
 */
#ifndef ARCH_X86_IOAPIC_H
#define ARCH_X86_IOAPIC_H

#include "lib/types.h"

#define IOAPIC_BASE	0xfec00000ull /* where PCs put it; the MADT says so too */
#define IOAPIC_PINS	24
#define IOAPIC_VERSION	0x20
#define IOAPIC_REGSEL	0x00 /* MMIO offsets */
#define IOAPIC_IOWIN	0x10
#define IOAPIC_EOI	0x40
#define IOAPIC_REG_ID	0x00 /* register indexes through IOREGSEL */
#define IOAPIC_REG_VER	0x01
#define IOAPIC_REG_ARB	0x02
#define IOAPIC_REG_RTE0 0x10 /* entry n: low dword 0x10 + 2n, high 0x11 + 2n */

/* Redirection-entry bits (82093AA datasheet 3.2.4). */
#define IOAPIC_RTE_VECTOR     0xffull
#define IOAPIC_RTE_DELMODE(e) (((e) >> 8) & 7)
#define IOAPIC_RTE_DESTMODE   (1ull << 11) /* 1 = logical */
#define IOAPIC_RTE_DELIVS     (1ull << 12) /* read-only, always 0 here */
#define IOAPIC_RTE_POLARITY   (1ull << 13) /* 1 = active low (stored only) */
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14) /* read-only */
#define IOAPIC_RTE_LEVEL      (1ull << 15) /* trigger mode: 1 = level */
#define IOAPIC_RTE_MASKED     (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT 56
#define IOAPIC_RTE_RO	      (IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR)
/* Writable bits: 16:0 but the read-only ones, and the destination 63:56. */
#define IOAPIC_RTE_WRITABLE ((0x1ffffull & ~IOAPIC_RTE_RO) | (0xffull << IOAPIC_RTE_DEST_SHIFT))

/* One interrupt message, as the IOAPIC sends it to the local APICs. */
struct ioapic_msg {
	uint8_t vector;
	uint8_t delivery;  /* VLAPIC_DM_FIXED, _LOWEST, _NMI or _INIT */
	uint8_t dest_mode; /* 0 physical, 1 logical */
	uint8_t dest;	   /* 8-bit APIC ID or logical mask; 0xff broadcast */
	bool level;	   /* level-triggered: the target sets TMR, its EOI comes back */
	uint8_t pin;
};

struct ioapic_ops {
	/* Deliver m to the local APICs it names. Runs inside the caller's lock. */
	void (*deliver)(void *ctx, const struct ioapic_msg *m);
	void *ctx;
};

struct ioapic {
	uint8_t id;	       /* bits 27:24 of the ID register */
	uint8_t sel;	       /* IOREGSEL */
	uint32_t lines;	       /* pin i asserted = bit i */
	uint32_t level_map[8]; /* vectors some level-triggered entry routes to */
	uint32_t level_gen;    /* bumped whenever level_map changes */
	uint64_t rte[IOAPIC_PINS];
	const struct ioapic_ops *ops;
};

/* Reset (rule 1). `ops` (or its callback) may be NULL: nothing is delivered. */
void ioapic_init(struct ioapic *io, uint8_t id, const struct ioapic_ops *ops);

/* Guest read at page offset `off` of `size` bytes (1, 2, 4 or 8) (rule 2). */
uint32_t ioapic_mmio_read(struct ioapic *io, uint32_t off, unsigned size);

/* Guest write at page offset `off` of `size` bytes (rule 2); may deliver. */
void ioapic_mmio_write(struct ioapic *io, uint32_t off, unsigned size, uint32_t val);

/* Pin `pin` is now asserted (true) or not (rules 5-7). Pins >= 24 are ignored. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool asserted);

/* A local APIC completed `vector` of a level-triggered interrupt (rule 6). */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* Whether some level-triggered entry routes `vector` (its EOI must come back). */
bool ioapic_level_vector(const struct ioapic *io, uint8_t vector);

#endif
