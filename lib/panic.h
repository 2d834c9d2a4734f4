/* SPDX-License-Identifier: MIT */
/*
 * panic(): the hypervisor found itself wrong (never for anything a guest,
 * a hypercall argument or a manifest line did: those get vm_fail() or an
 * error). Prints "PANIC cpu N: ..." and stops the calling core alone; the
 * others run on.
 * Environment: freestanding hypervisor, any core.
 */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

#include "lib/types.h"

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#endif
