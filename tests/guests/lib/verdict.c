// SPDX-License-Identifier: MIT
/*
 * Guest test library: collecting problems and printing the verdict line.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU,
 * interrupts either way (state is guarded by the console lock).
 */
#include <stdarg.h>
#include <stdbool.h>
#include "tests/guests/lib/verdict.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/rt.h"

static const char *const level_names[] = { "SUCCESS", "SKIP", "FAILURE", "ERROR" };
static const char *const level_tags[] = { "ok", "skip", "fail", "error" };

static enum verdict_level worst = VERDICT_SUCCESS;
static unsigned int problems;
static char first_msg[160];
static uint32_t reported;

static void note(enum verdict_level level, const char *fmt, va_list ap)
{
	char msg[sizeof(first_msg)];
	char line[sizeof(first_msg) + 48];
	uint32_t flags;
	int n;

	gvsnprintf(msg, sizeof(msg), fmt, ap);
	n = gsnprintf(line, sizeof(line), "%s: %s: %s\n", guest_test_name, level_tags[level], msg);
	if (n > (int)sizeof(line) - 1) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	flags = console_lock();
	problems++;
	if (level > worst) {
		worst = level;
		memcpy(first_msg, msg, sizeof(first_msg));
	}
	console_write(line, (size_t)n);
	console_unlock(flags);
}

void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(VERDICT_SKIP, fmt, ap);
	va_end(ap);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(VERDICT_FAILURE, fmt, ap);
	va_end(ap);
}

void error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(VERDICT_ERROR, fmt, ap);
	va_end(ap);
}

enum verdict_level verdict_level_now(void)
{
	return __atomic_load_n(&worst, __ATOMIC_ACQUIRE);
}

static void (*exit_hook)(uint32_t code);

void guest_exit_hook_set(void (*fn)(uint32_t code))
{
	exit_hook = fn;
}

void guest_exit(uint32_t code)
{
	if (exit_hook)
		exit_hook(code);
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	/* Not under QEMU or Cypress (or the port is absent): stop here. */
	for (;;)
		__asm__ volatile("cli; hlt");
}

static uint32_t success_exit_code; /* 0, unless a test asks for another */

void verdict_set_success_exit(uint32_t code)
{
	success_exit_code = code;
}

static void finish(const char *success_fmt, va_list ap)
{
	char details[sizeof(first_msg)];
	const char *msg = first_msg;
	enum verdict_level level;
	uint32_t flags;

	if (__atomic_exchange_n(&reported, 1, __ATOMIC_ACQ_REL)) {
		for (;;) /* another CPU is reporting; it ends the run */
			__asm__ volatile("cli; hlt");
	}
	flags = console_lock();
	level = worst;
	if (level == VERDICT_SUCCESS) {
		details[0] = '\0';
		if (success_fmt)
			gvsnprintf(details, sizeof(details), success_fmt, ap);
		msg = details;
	}
	console_unlock(flags);
	if (level != VERDICT_SUCCESS && problems > 1)
		gprintf("VERDICT %s: %s %s (%u problems)\n", guest_test_name, level_names[level],
			msg, problems);
	else
		gprintf("VERDICT %s: %s%s%s\n", guest_test_name, level_names[level],
			msg[0] ? " " : "", msg);
	guest_exit(level == VERDICT_SUCCESS ? success_exit_code : (uint32_t)level);
}

void report(const char *success_fmt, ...)
{
	va_list ap;

	va_start(ap, success_fmt);
	finish(success_fmt, ap);
	va_end(ap);
	__builtin_unreachable();
}

void verdict(enum verdict_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (level == VERDICT_SUCCESS) {
		finish(fmt, ap);
	} else {
		note(level, fmt, ap);
		finish(NULL, ap);
	}
	va_end(ap);
	__builtin_unreachable();
}
