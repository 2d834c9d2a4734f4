/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: test parameters from the multiboot command line, as
 * whitespace-separated words ("escape") and key=value pairs ("rounds=50").
 * Under QEMU the first word is the kernel's file name; it is just a word.
 * Environment: guest test kernel, any CPU, after mb_init().
 */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdint.h>
#include <stdbool.h>

/* True if word appears as a whole word on the command line. */
bool cmdline_has(const char *word);

/*
 * The value of key=N (decimal or 0x-hex) or def when key is absent. A value
 * that does not parse or exceeds 32 bits prints one "cmdline: ..." line and
 * gives def.
 */
uint32_t cmdline_uint(const char *key, uint32_t def);

#endif
