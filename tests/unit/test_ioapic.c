// SPDX-License-Identifier: MIT
/*
 * Unit tests for the virtual IOAPIC: the rules numbered in
 * arch/x86/vdev/ioapic.h, one test per rule group, with every message the
 * model sends recorded and checked.
 * Environment: hosted unit tests (cmocka, ASan/UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vdev/ioapic.h"

static struct rec {
	struct ioapic_msg m[64];
	int n;
} rec;

static void rec_deliver(void *ctx, const struct ioapic_msg *m)
{
	struct rec *r = ctx;

	assert_ptr_equal(r, &rec);
	r->m[r->n % 64] = *m;
	r->n++;
}

static const struct ioapic_ops ops = { .deliver = rec_deliver, .ctx = &rec };

static void setup(struct ioapic *io)
{
	memset(&rec, 0, sizeof(rec));
	ioapic_init(io, 0, &ops);
}

static uint32_t rd(struct ioapic *io, uint8_t reg)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, 4, reg);
	return ioapic_mmio_read(io, IOAPIC_IOWIN, 4);
}

static void wr(struct ioapic *io, uint8_t reg, uint32_t val)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, 4, reg);
	ioapic_mmio_write(io, IOAPIC_IOWIN, 4, val);
}

static void set_rte(struct ioapic *io, unsigned pin, uint64_t e)
{
	wr(io, (uint8_t)(IOAPIC_REG_RTE0 + 2 * pin + 1), (uint32_t)(e >> 32));
	wr(io, (uint8_t)(IOAPIC_REG_RTE0 + 2 * pin), (uint32_t)e);
}

static uint64_t get_rte(struct ioapic *io, unsigned pin)
{
	return rd(io, (uint8_t)(IOAPIC_REG_RTE0 + 2 * pin)) |
	       (uint64_t)rd(io, (uint8_t)(IOAPIC_REG_RTE0 + 2 * pin + 1)) << 32;
}

/* Rule 1 and 3: reset values, ID/VER/ARB. */
static void test_reset_and_ids(void **state)
{
	struct ioapic io;

	(void)state;
	setup(&io);
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		assert_int_equal(get_rte(&io, i), IOAPIC_RTE_MASKED);
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_REGSEL, 4), 0x11 + 2 * 23);
	assert_int_equal(rd(&io, IOAPIC_REG_VER), 0x00170020);
	assert_int_equal(rd(&io, IOAPIC_REG_ID), 0);
	wr(&io, IOAPIC_REG_ID, 0xffffffff);
	assert_int_equal(rd(&io, IOAPIC_REG_ID), 0x0f000000);
	assert_int_equal(rd(&io, IOAPIC_REG_ARB), 0x0f000000);
	wr(&io, IOAPIC_REG_VER, 0);
	wr(&io, IOAPIC_REG_ARB, 0);
	assert_int_equal(rd(&io, IOAPIC_REG_VER), 0x00170020);
	assert_int_equal(rd(&io, IOAPIC_REG_ARB), 0x0f000000);
	/* Past the table and the gap between ARB and the table: 0, writes dropped. */
	wr(&io, 0x40, 0x1234);
	assert_int_equal(rd(&io, 0x40), 0);
	assert_int_equal(rd(&io, 0x03), 0);
	assert_int_equal(rd(&io, 0xff), 0);
	assert_int_equal(rec.n, 0);
}

/* Rule 2: access sizes and offsets. */
static void test_access_sizes(void **state)
{
	struct ioapic io;

	(void)state;
	setup(&io);
	ioapic_mmio_write(&io, IOAPIC_REGSEL, 1, 0x101); /* 8 bits kept */
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_REGSEL, 1), 0x01);
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 2), 0); /* not 32-bit: 0 */
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 8), 0);
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4), 0x00170020);
	ioapic_mmio_write(&io, IOAPIC_REGSEL, 4, IOAPIC_REG_ID);
	ioapic_mmio_write(&io, IOAPIC_IOWIN, 1, 0x05000000);
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4), 0);
	/* The page repeats every 256 bytes; unknown offsets read 0. */
	ioapic_mmio_write(&io, 0x100 + IOAPIC_REGSEL, 4, IOAPIC_REG_VER);
	assert_int_equal(ioapic_mmio_read(&io, 0xf10, 4), 0x00170020);
	assert_int_equal(ioapic_mmio_read(&io, 0x20, 4), 0);
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_EOI, 4), 0);
	assert_int_equal(ioapic_mmio_read(&io, 0x11, 4), 0);
	ioapic_mmio_write(&io, 0x30, 4, 0xffffffff);
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_REGSEL, 4), IOAPIC_REG_VER);
}

/* Rule 4: writable bits; delivery status and Remote IRR are read-only. */
static void test_rte_bits(void **state)
{
	struct ioapic io;

	(void)state;
	setup(&io);
	set_rte(&io, 3, ~0ull);
	assert_int_equal(get_rte(&io, 3), IOAPIC_RTE_WRITABLE);
	assert_int_equal(get_rte(&io, 3) & IOAPIC_RTE_RO, 0);
	set_rte(&io, 3, 0x0300000000007931ull); /* lowest, logical, active low, +RO bits */
	assert_int_equal(get_rte(&io, 3), 0x0300000000002931ull);
	/* The high dword alone changes only the destination. */
	wr(&io, IOAPIC_REG_RTE0 + 7, 0xabcdef12);
	assert_int_equal(get_rte(&io, 3), 0xab00000000002931ull);
	assert_int_equal(rec.n, 0);
}

/* Rule 5: edges. */
static void test_edge(void **state)
{
	struct ioapic io;

	(void)state;
	setup(&io);
	ioapic_set_irq(&io, 4, true); /* masked: dropped */
	ioapic_set_irq(&io, 4, false);
	set_rte(&io, 4, 0x0200000000000024ull);
	assert_int_equal(rec.n, 0); /* unmasking after a dropped edge delivers nothing */
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.m[0].vector, 0x24);
	assert_int_equal(rec.m[0].dest, 2);
	assert_int_equal(rec.m[0].dest_mode, 0);
	assert_int_equal(rec.m[0].delivery, 0);
	assert_false(rec.m[0].level);
	assert_int_equal(rec.m[0].pin, 4);
	ioapic_set_irq(&io, 4, true); /* still high: no new edge */
	assert_int_equal(rec.n, 1);
	ioapic_set_irq(&io, 4, false);
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(rec.n, 2);
	assert_int_equal(get_rte(&io, 4) & IOAPIC_RTE_REMOTE_IRR, 0);
	ioapic_eoi(&io, 0x24); /* EOI of an edge vector: nothing */
	assert_int_equal(rec.n, 2);
	set_rte(&io, 4, 0x0200000000010024ull);
	ioapic_set_irq(&io, 4, false);
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(rec.n, 2);
	ioapic_set_irq(&io, 99, true); /* no such pin */
	assert_int_equal(rec.n, 2);
}

/* Rule 6: level, Remote IRR, EOI by broadcast and by register. */
static void test_level(void **state)
{
	struct ioapic io;

	(void)state;
	setup(&io);
	set_rte(&io, 9, 0x0100000000018030ull); /* level, masked, vector 0x30 */
	assert_true(ioapic_level_vector(&io, 0x30));
	assert_false(ioapic_level_vector(&io, 0x31));
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(rec.n, 0);
	set_rte(&io, 9, 0x0100000000008030ull); /* unmask while asserted: delivers */
	assert_int_equal(rec.n, 1);
	assert_true(rec.m[0].level);
	assert_true(get_rte(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 9, false);
	ioapic_set_irq(&io, 9, true); /* Remote IRR still set: nothing */
	assert_int_equal(rec.n, 1);
	set_rte(&io, 9, 0x0100000000008030ull); /* rewriting keeps Remote IRR */
	assert_true(get_rte(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(rec.n, 1);
	ioapic_eoi(&io, 0x31); /* another vector: nothing */
	assert_int_equal(rec.n, 1);
	ioapic_eoi(&io, 0x30); /* still asserted: again */
	assert_int_equal(rec.n, 2);
	assert_true(get_rte(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 9, false);
	ioapic_mmio_write(&io, IOAPIC_EOI, 2, 0x30); /* not 32-bit: ignored */
	assert_true(get_rte(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_mmio_write(&io, IOAPIC_EOI, 4, 0x30); /* EOI register */
	assert_false(get_rte(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(rec.n, 2); /* deasserted: no redelivery */
	/* Switching the entry to edge drops Remote IRR and the level vector. */
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(rec.n, 3);
	uint32_t gen = io.level_gen;
	set_rte(&io, 9, 0x0100000000000030ull);
	assert_false(get_rte(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	assert_false(ioapic_level_vector(&io, 0x30));
	assert_true(io.level_gen != gen);
	gen = io.level_gen;
	set_rte(&io, 9, 0x0100000000000030ull); /* same map: same generation */
	assert_int_equal(io.level_gen, gen);
}

/* Two level pins sharing a vector: one EOI serves both. */
static void test_shared_vector(void **state)
{
	struct ioapic io;

	(void)state;
	setup(&io);
	set_rte(&io, 10, 0x0000000000008040ull);
	set_rte(&io, 11, 0x0000000000008040ull);
	ioapic_set_irq(&io, 10, true);
	ioapic_set_irq(&io, 11, true);
	assert_int_equal(rec.n, 2);
	ioapic_set_irq(&io, 10, false);
	ioapic_eoi(&io, 0x40);
	assert_int_equal(rec.n, 3);
	assert_int_equal(rec.m[2].pin, 11);
	assert_false(get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR);
}

/* Rules 7 and 8: polarity ignored; delivery modes. */
static void test_modes(void **state)
{
	struct ioapic io;

	(void)state;
	setup(&io);
	set_rte(&io, 1, 0x0000000000002050ull); /* active low: still asserted = 1 */
	ioapic_set_irq(&io, 1, true);
	assert_int_equal(rec.n, 1);
	static const uint8_t none[] = { 2, 3, 6, 7 };
	for (unsigned i = 0; i < sizeof(none); i++) {
		ioapic_set_irq(&io, 2, false);
		set_rte(&io, 2, (uint64_t)none[i] << 8 | 0x51);
		ioapic_set_irq(&io, 2, true);
		assert_int_equal(rec.n, 1);
	}
	/* Level NMI goes as an edge message and sets no Remote IRR. */
	ioapic_set_irq(&io, 2, false);
	set_rte(&io, 2, 0x0000000000008400ull);
	ioapic_set_irq(&io, 2, true);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.m[1].delivery, 4);
	assert_false(rec.m[1].level);
	assert_false(get_rte(&io, 2) & IOAPIC_RTE_REMOTE_IRR);
	/* A NULL callback delivers nothing but keeps the state. */
	ioapic_init(&io, 0, NULL);
	set_rte(&io, 5, 0x0000000000008060ull);
	ioapic_set_irq(&io, 5, true);
	assert_true(get_rte(&io, 5) & IOAPIC_RTE_REMOTE_IRR);
}

/* Random register traffic never breaks the invariants. */
static void test_fuzz(void **state)
{
	struct ioapic io;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	setup(&io);
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		static const unsigned sizes[] = { 1, 2, 4, 8 };
		uint32_t off = (uint32_t)(x >> 8) & 0xfff;
		switch (x & 3) {
		case 0:
			ioapic_mmio_write(&io, off & 0x1f0, sizes[(x >> 4) & 3],
					  (uint32_t)(x >> 32));
			break;
		case 1:
			(void)ioapic_mmio_read(&io, off, sizes[(x >> 4) & 3]);
			break;
		case 2:
			ioapic_set_irq(&io, (unsigned)(x >> 40) % 30, (x >> 50) & 1);
			break;
		default:
			ioapic_eoi(&io, (uint8_t)(x >> 24));
			break;
		}
		for (unsigned p = 0; p < IOAPIC_PINS; p++) {
			assert_int_equal(io.rte[p] & IOAPIC_RTE_DELIVS, 0);
			if (!(io.rte[p] & IOAPIC_RTE_LEVEL))
				assert_int_equal(io.rte[p] & IOAPIC_RTE_REMOTE_IRR, 0);
		}
		assert_true(io.id < 16);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_and_ids), cmocka_unit_test(test_access_sizes),
		cmocka_unit_test(test_rte_bits),      cmocka_unit_test(test_edge),
		cmocka_unit_test(test_level),	      cmocka_unit_test(test_shared_vector),
		cmocka_unit_test(test_modes),	      cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
