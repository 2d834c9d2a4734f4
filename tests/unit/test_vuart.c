// SPDX-License-Identifier: MIT
/*
 * The emulated COM1: register behaviour a polled driver and a probing
 * driver rely on, and line assembly onto the console with the prefix.
 * Environment: hosted unit test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/vuart.h"
#include "tests/unit/fake_console.h"

static void send(struct vuart *u, const char *s)
{
	while (*s)
		vuart_write(u, 0, (uint8_t)*s++);
}

static void test_lines(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, "hello");
	console_capture_reset();
	send(&u, "first line\r\nsecond");
	assert_string_equal(console_capture(), "[hello] first line\n");
	send(&u, " part\n");
	assert_true(console_capture_has("[hello] second part\n"));
	assert_int_equal(console_capture_lines(), 2);
	send(&u, "tail");
	vuart_flush(&u);
	assert_true(console_capture_has("[hello] tail\n"));
	vuart_flush(&u); /* nothing pending: no empty line */
	assert_int_equal(console_capture_lines(), 3);
	assert_int_equal(u.bytes, strlen("first line\r\nsecond part\ntail"));
}

static void test_control_bytes_and_long_lines(void **state)
{
	struct vuart u;
	char big[VUART_LINE_MAX + 11];

	(void)state;
	vuart_init(&u, "p");
	console_capture_reset();
	send(&u, "a\x1b[31mb\x7f\n");
	assert_true(console_capture_has("[p] a?[31mb?\n"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	console_capture_reset();
	send(&u, big);
	vuart_flush(&u);
	/* Split at VUART_LINE_MAX, nothing lost. */
	assert_int_equal(console_capture_lines(), 2);
	assert_int_equal(strlen(console_capture()), sizeof(big) - 1 + 2 * strlen("[p] \n"));
}

static void test_registers(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, "r");
	/* Scratch register holds a value (the presence probe). */
	vuart_write(&u, 7, 0x5a);
	assert_int_equal(vuart_read(&u, 7), 0x5a);
	/* Transmitter always empty. */
	assert_int_equal(vuart_read(&u, 5) & 0x60, 0x60);
	/* Divisor latch: DLAB routes offsets 0/1 to DLL/DLM, no output. */
	console_capture_reset();
	vuart_write(&u, 3, 0x80);
	vuart_write(&u, 0, 0x01);
	vuart_write(&u, 1, 0x00);
	assert_int_equal(vuart_read(&u, 0), 0x01);
	vuart_write(&u, 3, 0x03);
	assert_int_equal(vuart_read(&u, 3), 0x03);
	assert_int_equal(u.bytes, 0);
	/* IER keeps only its 4 defined bits; IIR says THR empty once, then none. */
	vuart_write(&u, 1, 0xff);
	assert_int_equal(vuart_read(&u, 1), 0x0f);
	assert_int_equal(vuart_read(&u, 2), 0x02);
	assert_int_equal(vuart_read(&u, 2), 0x01);
	/* Loopback: bytes do not reach the console, MSR mirrors MCR. */
	vuart_write(&u, 4, 0x10 | 0x0f);
	assert_int_equal(vuart_read(&u, 6), 0xf0);
	send(&u, "hidden\n");
	assert_int_equal(console_capture_lines(), 0);
	vuart_write(&u, 4, 0x03);
	assert_int_equal(vuart_read(&u, 6), 0xb0);
}

/* The interrupt output, rule by rule (core/vuart.c). */
static void test_irq(void **state)
{
	struct vuart u;
	bool pulsed;

	(void)state;
	vuart_init(&u, "i");
	console_capture_reset();
	assert_false(vuart_irq_take(&u, &pulsed));
	assert_int_equal(vuart_read(&u, 2), 0x01); /* reset: none, FIFO bits clear */
	/* Rule 1: RDA, RLS and MS enabled raise nothing. */
	vuart_write(&u, 1, 0x0d);
	assert_false(vuart_irq_take(&u, &pulsed));
	send(&u, "x");
	assert_false(vuart_irq_take(&u, &pulsed));
	assert_false(pulsed);
	/* Rule 2: enabling THRI raises it; OUT2 plays no part (rule 4). */
	vuart_write(&u, 4, 0x00);
	vuart_write(&u, 1, 0x02);
	assert_true(vuart_irq_take(&u, &pulsed));
	assert_false(pulsed);
	/* Rule 3: FIFO bits follow FCR bit 0. */
	vuart_write(&u, 2, 0x07);
	assert_int_equal(vuart_read(&u, 2), 0xc2); /* reading acknowledges... */
	assert_false(vuart_irq_take(&u, &pulsed));
	assert_int_equal(vuart_read(&u, 2), 0xc1);
	/* ...a THR write makes it pending again: a pulse, whatever the level was. */
	send(&u, "y");
	assert_true(vuart_irq_take(&u, &pulsed));
	assert_true(pulsed);
	send(&u, "z");
	assert_true(vuart_irq_take(&u, &pulsed));
	assert_true(pulsed);
	assert_false(vuart_irq_take(&u, &pulsed) && pulsed); /* taken: no second pulse */
	/* Writing IER with THRI unchanged keeps the state; clearing it lowers the line. */
	vuart_write(&u, 1, 0x03);
	assert_true(vuart_irq_take(&u, &pulsed));
	vuart_write(&u, 1, 0x00);
	assert_false(vuart_irq_take(&u, &pulsed));
	assert_int_equal(vuart_read(&u, 2), 0xc1);
	send(&u, "w\n"); /* THRI off: no pulse */
	assert_false(vuart_irq_take(&u, &pulsed));
	assert_false(pulsed);
	/* DLAB: offsets 0/1 are the divisor, no interrupt change. */
	vuart_write(&u, 3, 0x80);
	vuart_write(&u, 1, 0x02);
	vuart_write(&u, 0, 0x01);
	assert_false(vuart_irq_take(&u, &pulsed));
	assert_false(pulsed);
	vuart_write(&u, 2, 0x00);
	assert_int_equal(vuart_read(&u, 2), 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_control_bytes_and_long_lines),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_irq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
