/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: multiboot v1 boot modules (Multiboot 0.6.96 section
 * 3.3, "mods") and the environment-file convention on top of them.
 *
 * A module's string is "NAME args" (Cypress: the manifest's `module = NAME
 * args`; QEMU: the -initrd text "path args", so NAME may carry a path).
 * mbmod_name() gives NAME without any directory, so a test reads the same
 * name under both.
 *
 * Environment files (docs/guest-abi.md, "Boot modules"): a module is one if
 * its NAME ends in ".env" or one of its args is the word "env". It holds
 * lines "KEY=VALUE": KEY is [A-Za-z_][A-Za-z0-9_]*, VALUE the rest of the
 * line as written (no quoting, no trimming; a CR before the LF is dropped).
 * Blank lines and lines starting with '#' are comments; other lines are
 * ignored. The last definition wins, over all env modules in order.
 * Environment: guest test kernel, 32-bit protected mode, paging off (module
 * addresses are physical), any CPU, after mb_init().
 */
#ifndef GUEST_MBMOD_H
#define GUEST_MBMOD_H

#include <stdint.h>
#include <stdbool.h>

#define MB_INFO_MODS (1u << 3)
#define MBMOD_MAX    16 /* modules this library reads (the rest are counted) */

struct mbmod {
	uint32_t start, end; /* guest-physical, end exclusive */
	const char *string;  /* NUL-terminated, in the loader's info area */
};

/*
 * Read the module list of the info block mb_init() was given. Returns the
 * loader's mods_count (0 when flags bit 3 is clear); entries past
 * MBMOD_MAX are not read. Prints one "mbmod: ..." line per problem (list
 * or a string inside the test image). BSP, once, before the test writes
 * memory outside its image.
 */
uint32_t mbmod_init(void);

/* Module i (< min(count, MBMOD_MAX)) or NULL. */
const struct mbmod *mbmod_get(uint32_t i);

/* NAME of module i without a directory, into buf[size] (NUL-terminated). */
const char *mbmod_name(uint32_t i, char *buf, uint32_t size);

/* The args of module i: its string after NAME and the blanks after it. */
const char *mbmod_args(uint32_t i);

/* True if module i is an environment file (see above). */
bool mbmod_is_env(uint32_t i);

/*
 * The value of key in the environment modules, copied into buf[size]
 * (NUL-terminated, cut to size - 1). Returns the value's full length, or -1
 * if no env module defines key.
 */
int env_get(const char *key, char *buf, uint32_t size);

#endif
