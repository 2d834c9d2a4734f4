/* SPDX-License-Identifier: MIT */
/*
 * Partition manifest: parses the plain-text manifest boot module that
 * declares the partitions (VMs), and checks it against the machine.
 * Environment: freestanding hypervisor, boot CPU at early boot, interrupts
 * either way; pure code, also built hosted for unit tests.
 *
 * Format (docs/manifest.md has the full description and examples):
 *
 *   # comment: '#' starts one anywhere outside double quotes
 *   [partition hello]        # NAME: 1..15 characters of A-Z a-z 0-9 _ -
 *   cores = 2                # a count, or a list of cpu ids: 1,3-4
 *   memory = 64M             # bytes, or K/M/G suffix; multiple of 2 MiB
 *   kernel = hello.elf       # boot module name (first word of its cmdline)
 *   cmdline = "console=ttyS0 foo"   # optional guest command line
 *   vcpus = 1                # optional, 1..64; more than cores time-share
 *   timeout = 30s            # optional watchdog: ms, s or m, or none
 *   weight = 2  class = fast  power = 35W  gang = yes  latency = 2ms
 *   colocate = socket  affinity = 0-1:core  lpm = dedicated  control = yes
 *   slice = 500us            # optional planning keys (issue 10), one a line
 *   symbols = hello.map      # optional: boot module in System.map format (the pool)
 *   module = data.txt a b    # optional, repeatable: a multiboot module for the
 *                            # guest, in order; string "data.txt a b" as QEMU's -initrd
 *   fwcfg = opt/x/cfg cfg.bin  # optional, up to 8: a fw_cfg file with a module's bytes
 *   initrd = rootfs.cpio     # optional: the initial ramdisk of a Linux (bzImage) kernel
 *
 *   [machine]                # optional, at most one: core classes and power
 *   fast = 1-2               # cpu lists; cpus in neither are slow
 *   accel = 5-6              # time-shared by class = accel partitions
 *   slow_watts = 5           # fast_watts, accel_watts likewise (1..10000)
 *   pool = 1                 # micro-sliced pool cores at most (0..16, core/pool.h)
 *
 * A single number after "cores" is a count; a list is recognised by ',' or
 * '-' (one explicit cpu is written "5-5").
 *
 * Two steps: manifest_parse() checks the text alone; manifest_assign() then
 * hands out cores and memory in manifest order. Every problem prints one
 * "manifest: ..." console line and refuses the one partition it concerns;
 * the others carry on.
 */
#ifndef CORE_MANIFEST_H
#define CORE_MANIFEST_H

#include "lib/types.h"

/* Most memory a partition may have (3 GiB: below the PC's 32-bit device hole). */
#define MANIFEST_MEM_MAX GiB(3)

#define MANIFEST_MAX_PARTS   64
#define MANIFEST_NAME_MAX    16	 /* incl. NUL: names are 1..15 characters */
#define MANIFEST_CMDLINE_MAX 256 /* incl. NUL */
#define MANIFEST_MODULE_MAX  64	 /* incl. NUL */
#define MANIFEST_LINE_MAX    512 /* longest accepted line, terminator excluded */
#define MANIFEST_MASK_WORDS  (CONFIG_MAX_CPUS / 64)
#define MANIFEST_AFF_MAX     8	  /* affinity groups per partition (GPM_AFF_MAX) */
#define MANIFEST_MAX_VCPUS   64	  /* vcpus = 1..64: VM_MAX_VCPUS in core/vm.h */
#define MANIFEST_POOL_MAX    16	  /* [machine] pool = 0..16: MSC_MAX_LIMIT in sched/microslice.h */
#define MANIFEST_MODS_MAX    16	  /* module = lines per partition (GUEST_MODS_MAX) */
#define MANIFEST_MODTEXT_MAX 1024 /* bytes of a partition's module strings, NULs included */
#define MANIFEST_FWCFG_MAX   8	  /* fwcfg lines per partition (FWCFG_FILES_MAX) */
#define MANIFEST_FWCFG_NAME  56	  /* incl. NUL: fw_cfg names are 1..55 bytes (FWCFG_NAME_MAX) */

/* `fwcfg = opt/NAME MODULE`: a file in the partition's fw_cfg directory. */
struct manifest_fwcfg {
	char name[MANIFEST_FWCFG_NAME];	  /* "opt/...", printable, no blanks */
	char module[MANIFEST_MODULE_MAX]; /* the boot module holding its bytes */
};

struct manifest_part {
	char name[MANIFEST_NAME_MAX];
	uint32_t line;	     /* line of the [partition] header (1-based) */
	uint32_t ncores_req; /* count asked for (or size of the list) */
	bool cores_listed;   /* an explicit cpu list was given */
	/* the explicit list as written (parse); empty for a count */
	uint64_t core_list[MANIFEST_MASK_WORDS];
	/* chosen logical cpus (filled by manifest_assign) */
	uint64_t core_mask[MANIFEST_MASK_WORDS];
	uint64_t mem_bytes;
	char kernel[MANIFEST_MODULE_MAX];
	char cmdline[MANIFEST_CMDLINE_MAX];
	uint32_t vcpus;	     /* default 1; may exceed the cores: the extra vCPUs time-share */
	uint32_t timeout_ms; /* watchdog: 0 = none */
	bool timeout_set;    /* a timeout key was given (else the command line's default) */
	/* Issue 10: what the Global Partition Manager plans with (docs/manifest.md). */
	uint32_t weight;     /* weight = 1..256, default 1: share of time-shared cores */
	uint8_t cls;	     /* class = slow|fast|any|accel: MANIFEST_CLASS_* (default slow) */
	uint32_t power_w;    /* power = N (watts, 1..100000), 0 = no budget */
	bool gang;	     /* gang = yes|no */
	uint32_t latency_us; /* latency = 500us|2ms (1 us..10 s), 0 = none */
	uint8_t colocate;    /* colocate = none|socket|node: MANIFEST_COLOC_* */
	uint8_t naff;	     /* affinity groups used */
	struct manifest_affinity {
		uint32_t first, count; /* vCPUs [first, first + count) */
		uint8_t level;	       /* MANIFEST_AFF_CORE|SOCKET|NODE */
	} aff[MANIFEST_AFF_MAX];       /* affinity = 0-1:core, 2-3:socket */
	bool lpm_dedicated;	       /* lpm = dedicated|shared (default shared: on cpu 0) */
	bool control;		       /* control = yes: may call the control hypercalls */
	uint32_t slice_us; /* slice = 1ms|500us: time slice on shared cores, 0 = default */
	char symbols[MANIFEST_MODULE_MAX]; /* symbols = NAME: System.map module, "" = none */
	char initrd[MANIFEST_MODULE_MAX];  /* initrd = NAME: a Linux kernel's ramdisk, "" = none */
	/* Issue 11: vCPU ballooning (VCPU-Bal, docs/manifest.md). */
	bool balloon;		  /* balloon = yes|no (default no) */
	uint32_t vcpus_min;	  /* vcpus_min = 1..64: lowest balloon target, 0 = default 1 */
	uint32_t balloon_wait_ms; /* balloon_wait = 200ms: wait for an ack, 0 = default */
	/* Issue 12: module = NAME args, in order (manifest_module() reads them). */
	uint8_t nmods;
	uint16_t mod_off[MANIFEST_MODS_MAX]; /* where each string starts in mod_text */
	char mod_text[MANIFEST_MODTEXT_MAX]; /* "NAME args\0NAME args\0..." */
	/* Issue 12: files for the guest's fw_cfg device (arch/x86/vdev/fwcfg.h). */
	uint32_t nfwcfg;
	struct manifest_fwcfg fwcfg[MANIFEST_FWCFG_MAX];
	bool valid; /* false: refused; the reason was printed */
};

/* class values */
#define MANIFEST_CLASS_SLOW  0
#define MANIFEST_CLASS_FAST  1
#define MANIFEST_CLASS_ANY   2
#define MANIFEST_CLASS_ACCEL 3 /* time-shared accelerator cores ([machine] accel) */
/* colocate values and affinity levels (the numbers of sched/gpm.h) */
#define MANIFEST_COLOC_NONE   0
#define MANIFEST_COLOC_SOCKET 1
#define MANIFEST_COLOC_NODE   2
#define MANIFEST_AFF_CORE     3

/* Optional [machine] section: core classes where the CPU does not say them. */
struct manifest_machine {
	bool present;
	uint32_t line;
	uint64_t fast[MANIFEST_MASK_WORDS]; /* fast = 1-2 */
	uint64_t accel[MANIFEST_MASK_WORDS]; /* accel = 5-6 (time-shared by class=accel partitions) */
	/* cpus in neither list are slow */
	/* slow_watts, fast_watts, accel_watts (index = MANIFEST_CLASS_*), 0 = unknown */
	uint32_t watts[4];
	uint32_t pool; /* pool = N: micro-sliced cores at most (MANIFEST_POOL_MAX), 0 = none */
};

struct manifest {
	uint32_t nparts; /* entries used in part[], valid or not */
	struct manifest_part part[MANIFEST_MAX_PARTS];
	uint32_t nvalid;   /* how many of them are valid */
	uint32_t ndropped; /* partition sections never recorded: past the limit, bad name */
	struct manifest_machine machine;
};

/* What manifest_assign() may hand out. */
struct manifest_resources {
	uint32_t ncpus; /* logical cpus 0..ncpus-1 exist (clamped to CONFIG_MAX_CPUS) */
	/*
	 * Bit i set: logical cpu i is online and may be given to a partition.
	 * Holds at least (ncpus + 63) / 64 words. Cpu 0 is never handed out
	 * whatever this says: it runs the Global Partition Manager.
	 */
	const uint64_t *cpu_usable_mask;
	uint64_t mem_free_bytes; /* memory available for partitions */
	/* True if a boot module with this name (first word of its cmdline) exists. */
	bool (*module_exists)(const char *name, void *ctx);
	void *ctx; /* passed to module_exists */
	/*
	 * True: the caller's planner (the GPM) chooses the cores of partitions
	 * that give a count; manifest_assign() then only checks explicit lists
	 * (and reserves them), memory and modules, and leaves core_mask empty
	 * for counts.
	 */
	bool plan_cores;
};

/*
 * Parse len bytes of manifest text into *out (which is cleared first).
 * The text need not be NUL-terminated: len bounds every access. Trailing
 * NUL padding is ignored; any other NUL byte is an error for its line.
 * Parses everything it can: an error refuses the partition it occurs in
 * (valid = false), never the whole manifest, and prints exactly one line
 * naming the line number and the problem. An empty manifest is valid and
 * prints "manifest: no partitions declared".
 * Returns the number of valid partitions, or -E_INVAL (one line printed)
 * if text or out is NULL. core_mask stays empty until manifest_assign().
 */
int manifest_parse(const char *text, size_t len, struct manifest *out);

/*
 * Give each valid partition of m, strictly in manifest order, its kernel
 * check, its cores and its memory from *r: explicit lists must name usable
 * cores (not 0, online, not taken by an earlier partition); counts take the
 * lowest-numbered free usable cores; memory must fit in what is left.
 * Cpus in m->machine.accel go only to class = accel partitions, which share
 * them (a count takes the first usable accel cpus, a list must be a subset)
 * and never mark them taken. With r->plan_cores, the core_mask of a
 * non-accel count stays empty for the planner; lists are still checked and
 * reserved. Without a [machine] section and plan_cores the result is the
 * same as before the issue-10 keys.
 * A partition that fails is refused with one line and consumes nothing, so
 * later partitions can still have its cores. Fills core_mask (cleared for
 * refused partitions) and m->nvalid.
 * Precondition: m was filled by manifest_parse(). Returns the number of
 * partitions still valid, or -E_INVAL (one line printed) if m, r,
 * r->cpu_usable_mask or r->module_exists is NULL.
 */
int manifest_assign(struct manifest *m, const struct manifest_resources *r);

/*
 * Print one console line per valid partition:
 * "manifest: partition 'hello' cores=1-2 memory=64 MiB kernel=hello.elf
 * vcpus=1 cmdline="..."" (cores shown as "N (unassigned)" before
 * manifest_assign() for a count, or with plan_cores). Issue-10 keys that
 * differ from their defaults come after vcpus ("weight=2 class=accel
 * lpm=dedicated"), so older manifests print what they always did. A
 * [machine] section adds one line first: "manifest: machine fast=1-2
 * accel=5-6 watts slow=5 fast=15". Prints "manifest: no valid partitions"
 * if there are none. m may be NULL (prints nothing).
 */
void manifest_print(const struct manifest *m);

/*
 * The string of module i (< p->nmods) of p: "NAME args" as written after
 * "module =" (quotes removed, blanks trimmed at both ends).
 */
const char *manifest_module(const struct manifest_part *p, uint32_t i);

/*
 * The name of module i (< p->nmods) of p, the first word of its string,
 * into name[MANIFEST_MODULE_MAX] (always NUL-terminated). Returns name.
 */
char *manifest_module_name(const struct manifest_part *p, uint32_t i, char *name);

/*
 * Make NUL-terminated s safe to print, in place: control bytes other than
 * tab, and bytes 0x7f-0xff, become '?' (as guest console output does).
 * Returns s.
 */
char *manifest_printable(char *s);

/*
 * Value grammar, used by manifest_parse() and usable on its own. Each takes
 * a NUL-terminated value without quotes or surrounding blanks, and on
 * failure writes the reason ("range 4-3 is backwards") into why (why_size
 * bytes, always NUL-terminated) and returns -E_INVAL (malformed) or
 * -E_RANGE (well-formed but outside a limit); on success it returns 0.
 */

/*
 * A decimal count in 1..CONFIG_MAX_CPUS into *out; what names the unit in
 * messages ("cores": "more than 1024 cores").
 */
int manifest_parse_count(const char *s, uint32_t *out, const char *what, char *why,
			 size_t why_size);

/*
 * An explicit cpu list ("1,3-4": items separated by ',', each a decimal cpu
 * id below CONFIG_MAX_CPUS or an inclusive range a-b; blanks around items
 * allowed; no cpu twice) into mask (MANIFEST_MASK_WORDS words, cleared
 * first) and the number of cpus into *count.
 */
int manifest_parse_cpus(const char *s, uint64_t *mask, uint32_t *count, char *why, size_t why_size);

/*
 * A memory size (decimal or 0x hexadecimal, optional K/M/G suffix, any
 * case, powers of 1024) into *bytes. Must fit in 64 bits, be at least
 * 2 MiB and a multiple of 2 MiB (the large-page size partitions are
 * mapped with, Intel SDM Vol 3C section 29.3.2, EPT translation).
 */
int manifest_parse_size(const char *s, uint64_t *bytes, char *why, size_t why_size);

/*
 * A decimal number in lo..hi into *out, optionally followed by the one
 * character suffix (0: none; power = 35W passes 'W').
 */
int manifest_parse_uint(const char *s, uint32_t lo, uint32_t hi, char suffix, uint32_t *out,
			char *why, size_t why_size);

/*
 * A time, a decimal number with us, ms or s ("500us", "2ms", "1s"), into
 * *us; it must lie in lo..hi microseconds (hi < 2^32).
 */
int manifest_parse_us(const char *s, uint32_t lo, uint32_t hi, uint32_t *us, char *why,
		      size_t why_size);

/*
 * An affinity list ("0-1:core, 2-3:socket, 4:node": comma-separated
 * groups, each a vCPU id below MANIFEST_MAX_VCPUS or a range a-b, then ':'
 * and a level) into aff (MANIFEST_AFF_MAX entries) and *naff. No vCPU may
 * be in two groups. aff and *naff are untouched on failure.
 */
int manifest_parse_affinity(const char *s, struct manifest_affinity *aff, uint8_t *naff, char *why,
			    size_t why_size);

/*
 * Format us microseconds with the largest unit that divides it exactly
 * ("2ms", "1s", "500us") into buf (always NUL-terminated).
 */
void manifest_format_us(uint32_t us, char *buf, size_t buf_size);

/*
 * An unsigned number at *sp (decimal, or 0x hexadecimal if hex), advancing
 * *sp past every digit even on overflow. Returns 0, -E_INVAL (no digits)
 * or -E_RANGE (does not fit in 64 bits). The building block of the others.
 */
int manifest_parse_u64(const char **sp, uint64_t *out, bool hex);

/*
 * Setters of the issue-10 keys, for manifest_parse()'s key tables
 * (core/manifest_keys.c). Each takes the NUL-terminated value without
 * quotes or surrounding blanks and stores it into *p (or *mc) returning
 * true, or writes the reason into why (why_size bytes) and returns false
 * with the field untouched. Rules between keys are not theirs: the parser
 * checks those when the section ends.
 */
bool manifest_key_weight(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_class(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_power(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_gang(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_latency(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_colocate(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_affinity(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_lpm(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_control(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_slice(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_balloon(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_vcpus_min(struct manifest_part *p, const char *val, char *why, size_t why_size);
bool manifest_key_balloon_wait(struct manifest_part *p, const char *val, char *why,
			       size_t why_size);
/* fwcfg = opt/NAME MODULE (may repeat, MANIFEST_FWCFG_MAX times): appends to p->fwcfg. */
bool manifest_key_fwcfg(struct manifest_part *p, const char *val, char *why, size_t why_size);
/* [machine]: fast and accel also refuse cpu 0 and a cpu in the other list. */
bool manifest_mkey_fast(struct manifest_machine *mc, const char *val, char *why, size_t why_size);
bool manifest_mkey_accel(struct manifest_machine *mc, const char *val, char *why, size_t why_size);
bool manifest_mkey_slow_watts(struct manifest_machine *mc, const char *val, char *why,
			      size_t why_size);
bool manifest_mkey_fast_watts(struct manifest_machine *mc, const char *val, char *why,
			      size_t why_size);
bool manifest_mkey_accel_watts(struct manifest_machine *mc, const char *val, char *why,
			       size_t why_size);
/* [machine] pool = 0..MANIFEST_POOL_MAX (core/pool.h). */
bool manifest_mkey_pool(struct manifest_machine *mc, const char *val, char *why, size_t why_size);

/*
 * Format the cpus set in mask (MANIFEST_MASK_WORDS words) as ranges,
 * "1-2,5,7-9", into buf (always NUL-terminated; ends in "..." if cut).
 * Writes "none" for an empty mask. Precondition: buf_size >= 8.
 */
void manifest_format_cpus(const uint64_t *mask, char *buf, size_t buf_size);

#endif
