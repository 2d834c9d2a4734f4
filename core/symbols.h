/* SPDX-License-Identifier: MIT */
/*
 * Guest symbol tables for the micro-sliced pool (core/pool.h): a boot module
 * in the System.map format that the manifest names with `symbols = NAME`,
 * parsed into the sorted function table sched/microslice.h searches, with
 * the critical guest kernel functions marked by name.
 * Environment: freestanding hypervisor, the GPM core (cpu 0) while it creates
 * a partition; the parser is pure code, also built hosted for unit tests.
 *
 * Format: one symbol a line, "ADDRESS TYPE NAME": ADDRESS 1..16 hex digits
 * (an optional 0x), TYPE one letter as nm(1) prints it, NAME 1..
 * SYMBOLS_NAME_MAX-1 printable characters without blanks. Blank lines are
 * allowed; anything else is refused. Addresses never decrease from one line
 * to the next (nm -n and System.map are sorted). Only text symbols (t, T)
 * become functions; a function ends where the next line with a higher
 * address starts (any type), the last one is empty and never matches.
 * Symbols at the same address are one function, critical if any of its
 * names is.
 *
 * Critical names (the paper's Table 3: lock holders, TLB shootdowns, IPI
 * senders; plus a prefix for test guests), symbols_critical_names[]: a name
 * is critical if it contains one of
 *   spin_lock spin_unlock _raw_spin read_lock write_lock rwlock mutex_spin
 *   flush_tlb smp_call_function
 * or starts with cy_crit_. msc_sym.critical is the index of the first
 * pattern that matched.
 */
#ifndef CORE_SYMBOLS_H
#define CORE_SYMBOLS_H

#include "lib/types.h"
#include "sched/microslice.h"

#define SYMBOLS_MAX	 131072 /* text symbols kept per partition (2 MiB of table) */
#define SYMBOLS_NAME_MAX 128	/* incl. NUL: longer names are refused */
#define SYMBOLS_LINE_MAX 200	/* longest line, terminator excluded */

/* The patterns, in the order msc_sym.critical counts them; NULL-terminated. */
extern const char *const symbols_critical_names[];

/* True if a function named name is critical (see above). */
bool symbols_is_critical(const char *name, uint16_t *index);

/*
 * Parse len bytes of System.map text. With out == NULL, only checks and
 * counts: *n gets the number of functions the table needs. Else writes at
 * most cap functions into out (sorted, merged, sizes set) and their number
 * into *n. Returns 0, or -E_INVAL (malformed: garbage line, overlong name,
 * unsorted addresses), -E_RANGE (more than SYMBOLS_MAX or cap functions,
 * or no text symbol at all) with the reason in why ("line 7: address
 * 0x100 below the previous 0x200"), always NUL-terminated. Never reads past
 * len; a NUL byte before len is garbage.
 */
int symbols_parse(const char *text, size_t len, struct msc_sym *out, uint32_t cap, uint32_t *n,
		  char *why, size_t why_size);

#endif
