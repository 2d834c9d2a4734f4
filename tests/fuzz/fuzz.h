/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for the libFuzzer harnesses in tests/fuzz/: the entry point
 * prototype and FUZZ_CHECK, which turns a broken invariant into a crash that
 * libFuzzer records (the input is saved as a crash file).
 * Environment: hosted fuzz harnesses only (clang -fsanitize=fuzzer).
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer calls this once per input; it must return 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A parser invariant that must hold for every input. abort() rather than
 * assert(): the check must stay on whatever NDEBUG says, and libFuzzer
 * saves the input on SIGABRT like on any sanitizer report.
 */
#define FUZZ_CHECK(cond)                                                                     \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                      \
			abort();                                                             \
		}                                                                            \
	} while (0)

#endif
