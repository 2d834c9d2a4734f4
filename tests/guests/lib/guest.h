/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: everything a test's main.c needs. A test defines
 *   const char guest_test_name[] = "<name>";
 *   void guest_main(uint32_t magic, uint32_t mbi) { ...; report(...); }
 * Environment: guest test kernel, 32-bit protected mode, paging off, ring 0.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/cmdline.h"
#include "tests/guests/lib/hv.h"
#include "tests/guests/lib/idt.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/mb.h"
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/ram.h"
#include "tests/guests/lib/rt.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/smp.h"
#include "tests/guests/lib/time.h"
#include "tests/guests/lib/verdict.h"

#endif
