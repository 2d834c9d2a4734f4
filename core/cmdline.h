/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor command line: parses the multiboot2 command-line string into
 * the known options, driven by one table of option descriptions.
 * Environment: freestanding hypervisor, boot CPU at early boot, interrupts
 * either way; pure code, also built hosted for unit tests.
 *
 * Syntax: words separated by spaces or tabs (newlines and carriage returns
 * count as spaces too). A word is `key=value` or a bare `key` (a flag).
 * Double quotes group text containing spaces into one word and are removed:
 * test="a b" and "test=a b" both give test the value `a b`. GRUB 2 passes
 * only the arguments (no image name), so every word is an option. When an
 * option is given twice the last valid occurrence wins.
 *
 * Options:
 *   maxcpus=<n>              use at most n CPUs, 1..CONFIG_MAX_CPUS
 *   novmx                    do not enable VMX (bring-up debugging)
 *   console=com1|e9|both     where console output goes (default both)
 *   exit=off|idle            after boot: power off (default) or idle
 *   test=<name>              run a boot self-test (at most 31 characters)
 *   testhook.hang_apic=<n>   testing hook: this APIC id never answers SIPI
 *   verbose                  more boot output
 *   vmtimeout=<duration>     default VM watchdog (30s, 500ms, 2m, none)
 *   trace=on|off             record scheduling events, print them at the end
 *   testhook.mboxcap=<n>     testing hook: mailboxes hold at most n messages
 * Numbers are decimal or 0x-prefixed hexadecimal.
 *
 * Every problem prints exactly one "cmdline: ..." line naming the word and
 * what is wrong; the option is then ignored and keeps its default.
 */
#ifndef CORE_CMDLINE_H
#define CORE_CMDLINE_H

#include "lib/types.h"

struct cmdline_opts {
	uint32_t maxcpus;	  /* 0 = no limit */
	bool novmx;		  /* leave VMX off */
	char console[8];	  /* "both" (default), "com1", "e9" */
	char exit_mode[8];	  /* "off" (default: power off after boot), "idle" */
	char test[32];		  /* "" or a boot self-test name such as "mailbox" */
	uint32_t test_hang_apic;  /* testing hook: this APIC id never answers SIPI */
	bool have_test_hang_apic; /* test_hang_apic was given */
	bool verbose;		  /* more boot output */
	char poweroff[8];	  /* testing hook: "auto" (default) or "acpi" (S5 only) */
	bool novid;		  /* deliver guest interrupts by event injection only */
	bool noapicv;		  /* emulate the xAPIC page by decoding only */
	char bad_entry[16];	  /* testing hook: partition whose first VM entry is corrupted */
	uint32_t vm_timeout_ms;	  /* default VM watchdog, 0 = none (manifest `timeout` wins) */
	char trace[4]; /* "off" (default) or "on": per-core scheduling event rings, dumped at the end */
	uint32_t mbox_cap; /* testing hook: mailbox capacity, 0 = MBOX_SLOTS */
};

/*
 * Fill *out with the defaults, then apply every option in line.
 * line may be NULL or empty (defaults only); it is not modified and need not
 * outlive the call. Returns the number of problems found (0 = all fine);
 * each problem has printed one console line. out must not be NULL (if it
 * is, one line is printed and 1 is returned).
 */
int cmdline_parse(const char *line, struct cmdline_opts *out);

/*
 * Print one console line with the effective settings:
 * "cmdline: maxcpus=... novmx=... console=... exit=... test=... ...".
 * Precondition: o was filled by cmdline_parse().
 */
void cmdline_print(const struct cmdline_opts *o);

/* Print the option table (syntax and help text), one line per option. */
void cmdline_help(void);

#endif
