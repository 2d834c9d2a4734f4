// SPDX-License-Identifier: MIT
/*
 * Unit tests for the vLAPIC's register page (issue 14, part 3): TPR, ISR,
 * TMR and IRR live at their xAPIC offsets in the page the model is given
 * (SDM 3A 11.4.1, 3C 30.1), so changes the CPU makes there under virtual-
 * interrupt delivery are the model's; intr_gen moves exactly when the
 * model itself moves an IRR/ISR bit (RVI/SVI must be rewritten), gen only
 * when a register published outside the page changes.
 * Environment: hosted unit tests (cmocka, ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "arch/x86/vdev/vlapic.h"
#include "tests/unit/fake_console.h"

#define T0 1000000ull

static uint32_t page[VLAPIC_PAGE_WORDS] __attribute__((aligned(4096)));
static uint8_t level_eois[8];
static int nlevel_eoi;

static void level_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	if (nlevel_eoi < 8)
		level_eois[nlevel_eoi] = vector;
	nlevel_eoi++;
}

static const struct vlapic_ops ops = { .level_eoi = level_eoi };

/* Software-enabled xAPIC-mode vLAPIC on the static page, which starts dirty. */
static void setup(struct vlapic *a)
{
	memset(page, 0xa5, sizeof(page));
	vlapic_init(a, page, 3, 0, &ops);
	assert_int_equal(vlapic_write(a, VLAPIC_REG_SVR, 0x1ff, T0), 0);
	nlevel_eoi = 0;
	console_capture_reset();
}

/* The word of the page at xAPIC offset `off`. */
static uint32_t at(uint32_t off)
{
	return page[off / 4];
}

static void test_init_clears_the_page(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a);
	assert_ptr_equal(a.regs, page);
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(at(VLAPIC_REG_IRR0 + 16 * i), 0);
		assert_int_equal(at(VLAPIC_REG_ISR0 + 16 * i), 0);
		assert_int_equal(at(VLAPIC_REG_TMR0 + 16 * i), 0);
	}
	assert_int_equal(at(VLAPIC_REG_TPR), 0);
	assert_int_equal(vlapic_intr_status(&a), 0);
}

static void test_layout_is_the_xapic_page(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a);
	/* Vector 0x41: word 2 (vectors 0x40-0x5f), bit 1. */
	vlapic_accept(&a, 0x41, true);
	assert_int_equal(at(0x200 + 0x20), 1u << 1);
	assert_int_equal(at(0x180 + 0x20), 1u << 1);
	vlapic_accept(&a, 0xfe, false);
	assert_int_equal(at(0x200 + 0x70), 1u << 30);
	vlapic_ack(&a, 0xfe);
	assert_int_equal(at(0x200 + 0x70), 0);
	assert_int_equal(at(0x100 + 0x70), 1u << 30);
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_TPR, 0x31, T0), 0);
	assert_int_equal(at(0x80), 0x31);
	/* What the guest reads is the page. */
	uint32_t v;
	assert_int_equal(vlapic_read(&a, VLAPIC_REG_ISR0 + 0x70, T0, &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(vlapic_intr_status(&a), 0xfe41);
}

static void test_cpu_changes_are_the_models(void **state)
{
	struct vlapic a;
	uint32_t gen;

	(void)state;
	setup(&a);
	vlapic_accept(&a, 0x50, false);
	vlapic_accept(&a, 0x60, false);
	assert_int_equal(vlapic_pending(&a), 0x60);
	gen = a.intr_gen;
	/* The CPU delivers 0x60 (SDM 3C 30.2.2): IRR -> ISR in the page. */
	page[(VLAPIC_REG_IRR0 + 0x30) / 4] &= ~1u;
	page[(VLAPIC_REG_ISR0 + 0x30) / 4] |= 1u;
	assert_int_equal(vlapic_ppr(&a), 0x60);
	assert_int_equal(vlapic_pending(&a), -1); /* 0x50 is below the in-service class */
	assert_int_equal(vlapic_intr_status(&a), 0x6050);
	/* The guest moves its TPR through the page (MOV to CR8, a virtualized write). */
	page[VLAPIC_REG_TPR / 4] = 0x70;
	assert_int_equal(vlapic_ppr(&a), 0x70);
	/* A virtualized EOI clears 0x60, then the exit for it (EOI-exit bitmap). */
	page[(VLAPIC_REG_ISR0 + 0x30) / 4] = 0;
	vlapic_eoi_done(&a, 0x60);
	assert_int_equal(a.intr_gen, gen); /* the CPU already moved SVI */
	page[VLAPIC_REG_TPR / 4] = 0;
	assert_int_equal(vlapic_pending(&a), 0x50);
}

static void test_intr_gen_moves_with_the_model(void **state)
{
	struct vlapic a;
	uint32_t g;

	(void)state;
	setup(&a);
	g = a.intr_gen;
	vlapic_accept(&a, 0x40, false);
	assert_int_equal(a.intr_gen, g + 1);
	vlapic_accept(&a, 0x40, false); /* already requested: RVI cannot move */
	assert_int_equal(a.intr_gen, g + 1);
	vlapic_ack(&a, 0x40);
	assert_int_equal(a.intr_gen, g + 2);
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_TPR, 0x20, T0), 0);
	assert_int_equal(a.intr_gen, g + 2); /* the CPU re-evaluates PPR at entry */
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_EOI, 0, T0), 0);
	assert_int_equal(a.intr_gen, g + 3);
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_EOI, 0, T0), 0); /* nothing in service */
	assert_int_equal(a.intr_gen, g + 3);
	/* A level vector the model completes: its EOI reaches the IOAPIC. */
	vlapic_accept(&a, 0x44, true);
	vlapic_ack(&a, 0x44);
	g = a.intr_gen;
	vlapic_eoi_done(&a, 0x44);
	assert_int_equal(a.intr_gen, g + 1);
	assert_int_equal(nlevel_eoi, 1);
	assert_int_equal(level_eois[0], 0x44);
	g = a.intr_gen;
	vlapic_init_signal(&a);
	assert_int_not_equal(a.intr_gen, g);
	assert_int_equal(vlapic_intr_status(&a), 0);
}

static void test_gen_only_for_published_registers(void **state)
{
	struct vlapic a;
	uint32_t g;

	(void)state;
	setup(&a);
	g = a.gen;
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_TPR, 0x10, T0), 0);
	vlapic_accept(&a, 0x40, false);
	vlapic_ack(&a, 0x40);
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_EOI, 0, T0), 0);
	assert_int_equal(a.gen, g);
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_LVT_TIMER, 0x10040, T0), 0);
	assert_int_not_equal(a.gen, g);
	/* x2APIC mode: the page publishes none of them, so no write moves gen. */
	assert_int_equal(
		vlapic_set_apic_base(&a, VLAPIC_BASE_ADDR | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD), 0);
	g = a.gen;
	assert_int_equal(vlapic_msr_write(&a, 0x832, 0x10041, T0), 0);
	assert_int_equal(vlapic_msr_write(&a, 0x808, 0x20, T0), 0);
	assert_int_equal(a.gen, g);
}

static void test_publish_keeps_the_storage(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a);
	vlapic_accept(&a, 0x41, true);
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_TPR, 0x10, T0), 0);
	assert_int_equal(vlapic_write(&a, VLAPIC_REG_LVT_TIMER, 0x10040, T0), 0);
	vlapic_page_publish(&a, true);
	assert_int_equal(at(VLAPIC_REG_ID), 3u << 24);
	assert_int_equal(at(VLAPIC_REG_VERSION), VLAPIC_VERSION);
	assert_int_equal(at(VLAPIC_REG_SVR), 0x1ff);
	assert_int_equal(at(VLAPIC_REG_LVT_TIMER), 0x10040);
	assert_int_equal(at(VLAPIC_REG_PPR), 0x10);
	assert_int_equal(at(VLAPIC_REG_EOI), 0);
	/* x2APIC mode: published registers read as zeros, the storage stays. */
	assert_int_equal(
		vlapic_set_apic_base(&a, VLAPIC_BASE_ADDR | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD), 0);
	vlapic_page_publish(&a, true);
	assert_int_equal(at(VLAPIC_REG_ID), 0);
	assert_int_equal(at(VLAPIC_REG_SVR), 0);
	assert_int_equal(at(VLAPIC_REG_PPR), 0);
	assert_int_equal(at(VLAPIC_REG_TPR), 0x10);
	assert_int_equal(at(VLAPIC_REG_IRR0 + 0x20), 1u << 1);
	assert_int_equal(at(VLAPIC_REG_TMR0 + 0x20), 1u << 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_clears_the_page),
		cmocka_unit_test(test_layout_is_the_xapic_page),
		cmocka_unit_test(test_cpu_changes_are_the_models),
		cmocka_unit_test(test_intr_gen_moves_with_the_model),
		cmocka_unit_test(test_gen_only_for_published_registers),
		cmocka_unit_test(test_publish_keeps_the_storage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
