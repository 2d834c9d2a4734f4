// SPDX-License-Identifier: MIT
/*
 * Virtual I/O APIC register model and pin logic; the rules are numbered in
 * ioapic.h. References: Intel 82093AA I/O APIC datasheet (registers 3.0-3.2),
 * and QEMU's hw/intc/ioapic.c for what a -kernel guest sees there.
 * Environment: pure; the caller serialises (see ioapic.h).
 */
#include "arch/x86/vdev/ioapic.h"
#include "lib/string.h"

#define DM_FIXED  0
#define DM_LOWEST 1
#define DM_NMI	  4
#define DM_INIT	  5

/* VER: version in 7:0, maximum redirection entry (pins - 1) in 23:16. */
#define IOAPIC_VER_VALUE ((uint32_t)(IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION)

void ioapic_init(struct ioapic *io, uint8_t id, const struct ioapic_ops *ops)
{
	memset(io, 0, sizeof(*io));
	io->id = id & 0xf;
	io->ops = ops;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
}

static void rebuild_level_map(struct ioapic *io)
{
	uint32_t map[8] = { 0 };

	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		if (io->rte[i] & IOAPIC_RTE_LEVEL) {
			uint8_t v = (uint8_t)(io->rte[i] & IOAPIC_RTE_VECTOR);
			map[v / 32] |= 1u << (v % 32);
		}
	if (memcmp(map, io->level_map, sizeof(map))) {
		memcpy(io->level_map, map, sizeof(map));
		io->level_gen++;
	}
}

bool ioapic_level_vector(const struct ioapic *io, uint8_t vector)
{
	return (io->level_map[vector / 32] >> (vector % 32)) & 1;
}

/* Send pin's message: the entry is unmasked and the pin asserted (or had an edge). */
static void send(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	uint8_t dm = (uint8_t)IOAPIC_RTE_DELMODE(e);
	bool level = e & IOAPIC_RTE_LEVEL;

	if (dm != DM_FIXED && dm != DM_LOWEST && dm != DM_NMI && dm != DM_INIT)
		return; /* rule 8 */
	/* Remote IRR only has a meaning for fixed/lowest level interrupts:
	 * NMI and INIT have no EOI to clear it (datasheet 3.2.4: level NMI
	 * and INIT are not allowed; QEMU sends them as edge). */
	if (level && (dm == DM_FIXED || dm == DM_LOWEST))
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	else
		level = false;
	struct ioapic_msg m = {
		.vector = (uint8_t)(e & IOAPIC_RTE_VECTOR),
		.delivery = dm,
		.dest_mode = (e & IOAPIC_RTE_DESTMODE) ? 1 : 0,
		.dest = (uint8_t)(e >> IOAPIC_RTE_DEST_SHIFT),
		.level = level,
		.pin = (uint8_t)pin,
	};
	if (io->ops && io->ops->deliver)
		io->ops->deliver(io->ops->ctx, &m);
}

/* A level pin that can deliver now does (rule 6). */
static void service_level(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];

	if ((e & IOAPIC_RTE_LEVEL) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
	    (io->lines >> pin) & 1)
		send(io, pin);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool asserted)
{
	if (pin >= IOAPIC_PINS)
		return;
	uint32_t bit = 1u << pin;
	bool was = io->lines & bit;

	io->lines = asserted ? io->lines | bit : io->lines & ~bit;
	if (io->rte[pin] & IOAPIC_RTE_LEVEL) {
		service_level(io, pin);
		return;
	}
	if (asserted && !was && !(io->rte[pin] & IOAPIC_RTE_MASKED))
		send(io, pin); /* rule 5 */
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		uint64_t e = io->rte[i];

		if (!(e & IOAPIC_RTE_REMOTE_IRR) || (uint8_t)(e & IOAPIC_RTE_VECTOR) != vector)
			continue;
		io->rte[i] = e & ~IOAPIC_RTE_REMOTE_IRR;
		service_level(io, i);
	}
}

static uint32_t reg_read(const struct ioapic *io)
{
	uint8_t s = io->sel;

	switch (s) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB: /* QEMU answers the ID here too */
		return (uint32_t)io->id << 24;
	case IOAPIC_REG_VER:
		return IOAPIC_VER_VALUE;
	default:
		break;
	}
	if (s < IOAPIC_REG_RTE0 || s >= IOAPIC_REG_RTE0 + 2 * IOAPIC_PINS)
		return 0;
	uint64_t e = io->rte[(s - IOAPIC_REG_RTE0) / 2];
	return (s & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
}

static void reg_write(struct ioapic *io, uint32_t val)
{
	uint8_t s = io->sel;

	if (s == IOAPIC_REG_ID) {
		io->id = (uint8_t)((val >> 24) & 0xf);
		return;
	}
	if (s < IOAPIC_REG_RTE0 || s >= IOAPIC_REG_RTE0 + 2 * IOAPIC_PINS)
		return; /* VER, ARB and unused indexes are read-only */
	unsigned pin = (s - IOAPIC_REG_RTE0) / 2;
	uint64_t e = io->rte[pin];
	uint64_t w = (s & 1) ? (e & 0xffffffffull) | (uint64_t)val << 32 :
			       (e & ~0xffffffffull) | val;

	w = (w & IOAPIC_RTE_WRITABLE) | (e & IOAPIC_RTE_RO);
	if (!(w & IOAPIC_RTE_LEVEL))
		w &= ~IOAPIC_RTE_REMOTE_IRR; /* rule 4 */
	io->rte[pin] = w;
	rebuild_level_map(io);
	service_level(io, pin); /* an unmasked, asserted level pin delivers now */
}

uint32_t ioapic_mmio_read(struct ioapic *io, uint32_t off, unsigned size)
{
	switch (off & 0xff) {
	case IOAPIC_REGSEL:
		return io->sel;
	case IOAPIC_IOWIN:
		return size == 4 ? reg_read(io) : 0;
	default:
		return 0; /* the EOI register is write-only */
	}
}

void ioapic_mmio_write(struct ioapic *io, uint32_t off, unsigned size, uint32_t val)
{
	switch (off & 0xff) {
	case IOAPIC_REGSEL:
		io->sel = (uint8_t)val;
		break;
	case IOAPIC_IOWIN:
		if (size == 4)
			reg_write(io, val);
		break;
	case IOAPIC_EOI:
		if (size == 4)
			ioapic_eoi(io, (uint8_t)val);
		break;
	default:
		break;
	}
}
