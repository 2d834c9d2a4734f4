/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: the one verdict line a test prints, and the exit
 * through QEMU's isa-debug-exit port (Cypress emulates the same port).
 * A test calls fail()/error()/skip() any number of times and finishes with
 * report(): one line "VERDICT <name>: <LEVEL> <message>", the most severe
 * level reported (SUCCESS < SKIP < FAILURE < ERROR) with the first message
 * given at that level.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU,
 * interrupts either way (also from interrupt handlers).
 */
#ifndef GUEST_VERDICT_H
#define GUEST_VERDICT_H

#include <stdint.h>

enum verdict_level {
	VERDICT_SUCCESS = 0,
	VERDICT_SKIP = 1,
	VERDICT_FAILURE = 2,
	VERDICT_ERROR = 3, /* the test itself could not run properly */
};

/* Exit port and codes: QEMU exits with status (code << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

/* The test's name (defined by each test's main.c) and its entry point. */
extern const char guest_test_name[];
void guest_main(uint32_t magic, uint32_t mbi);

/* Record a problem at a level and print it as "<name>: <level>: <msg>". */
void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The most severe level recorded so far. */
enum verdict_level verdict_level_now(void);

/*
 * Print the verdict line and exit. success_fmt (may be NULL) gives the
 * details printed after SUCCESS when nothing worse was recorded. Only the
 * first CPU to call it prints; others halt. Never returns.
 */
void report(const char *success_fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Record (level, message) and report() at once. Never returns. */
void verdict(enum verdict_level level, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/*
 * Write code to the isa-debug-exit port (0 success, 1 skip, 2 failure,
 * 3 error); if the machine is still running after that, halt forever.
 */
void guest_exit(uint32_t code) __attribute__((noreturn));

/*
 * Exit with code instead of 0 after a SUCCESS verdict: only for tests of the
 * exit path itself (hello's status=N), never to signal a result.
 */
void verdict_set_success_exit(uint32_t code);

/*
 * Replace the isa-debug-exit write in guest_exit() with fn(code) (a test
 * that exercises another way out); NULL restores the default. If fn
 * returns, guest_exit() still writes the port and halts.
 */
void guest_exit_hook_set(void (*fn)(uint32_t code));

#endif
