/* SPDX-License-Identifier: MIT */
/*
 * Boot self-tests chosen with `test=<name>` on the command line; each
 * prints one verdict line `selftest <name>: PASS|FAIL <details>`.
 * Environment: freestanding hypervisor, boot core after SMP bring-up.
 */
#ifndef CORE_SELFTEST_H
#define CORE_SELFTEST_H

#include "lib/types.h"

/* Register the message handlers the tests use. Boot core, before SMP. */
void selftest_register(void);

/*
 * Run the comma-separated tests in `names` ("mailbox", "timer", "fault",
 * "all" = mailbox,timer) on `online` cores. Returns 0 if all passed, else 1.
 */
int selftest_run(const char *names, uint32_t online);

#endif
