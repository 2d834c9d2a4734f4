// SPDX-License-Identifier: MIT
/*
 * Guest test "fuzz": a hostile guest. Seeds xorshift32 with seed=N and
 * performs ops=M random operations (hypercalls, port and string I/O, MSRs,
 * CPUID, XSETBV, control registers, paging, xAPIC MMIO, IPIs, HLT, writes
 * outside its memory, long mode), surviving its own faults. The verdict is
 * SUCCESS whenever it survives; FAILURE only for answers it can see are
 * wrong (fuzz.h rule 4) or its own memory changing under it.
 * Command line: seed=N (1) ops=M (2000) rare=R (2000: a K_RARE op is drawn
 * with probability 1/R per op) skip=a,b (kinds off) only=a,b (only these)
 * on=a,b (kinds that are off by default). See docs/guest-tests.md.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include <stdarg.h>
#include "tests/guests/fuzz/fuzz.h"
#include "guest-abi/cypress.h"

const char guest_test_name[] = "fuzz";

struct fz_state fz;
static const char *cur_kind = "";

struct kind {
	const char *name;
	void (*run)(void);
	uint32_t weight; /* among the ordinary kinds; K_RARE kinds ignore it */
	uint32_t flags;
	bool on;
};

static struct kind kinds[] = {
	{ "vmcall", op_vmcall, 10, 0, false },
	{ "io", op_io, 14, 0, false },
	{ "msr", op_msr, 14, 0, false },
	{ "cpuid", op_cpuid, 10, 0, false },
	{ "xcr", op_xcr, 4, 0, false },
	{ "cr", op_cr, 6, 0, false },
	{ "paging", op_paging, 3, 0, false },
	{ "crbad", op_crbad, 2, K_CYPRESS, false },
	{ "insn", op_insn, 8, 0, false },
	{ "apic", op_apic, 8, 0, false },
	{ "ipi", op_ipi, 5, K_CYPRESS, false },
	{ "hlt", op_hlt, 3, 0, false },
	{ "strio", op_strio, 0, K_RARE, false },
	{ "apicodd", op_apicodd, 0, K_RARE, false },
	{ "mwait", op_mwait, 0, K_RARE, false },
	{ "escape", op_escape, 0, K_RARE | K_CYPRESS, false },
	{ "longmode", op_longmode, 0, K_RARE, false },
	{ "ipiinit", op_ipiinit, 0, K_RARE | K_CYPRESS | K_OFF, false },
	{ "hltoff", op_hltoff, 0, K_RARE | K_CYPRESS | K_OFF, false },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* True if name is an element of the comma list after "key=" on the command line. */
static bool listed(const char *key, const char *name)
{
	const char *c = mb_cmdline();
	size_t kl = strlen(key), nl = strlen(name);

	for (; *c; c++) {
		if ((c != mb_cmdline() && c[-1] != ' ') || strncmp(c, key, kl) != 0 || c[kl] != '=')
			continue;
		const char *p = c + kl + 1;
		while (*p && *p != ' ') {
			if (strncmp(p, name, nl) == 0 && (p[nl] == ',' || p[nl] == ' ' || !p[nl]))
				return true;
			while (*p && *p != ' ' && *p != ',')
				p++;
			if (*p == ',')
				p++;
		}
	}
	return false;
}

static bool has_key(const char *key)
{
	const char *c = mb_cmdline();
	size_t kl = strlen(key);

	for (; *c; c++)
		if ((c == mb_cmdline() || c[-1] == ' ') && strncmp(c, key, kl) == 0 && c[kl] == '=')
			return true;
	return false;
}

static void choose_kinds(void)
{
	bool only = has_key("only");
	char line[200];
	size_t n = 0;

	for (size_t i = 0; i < NKINDS; i++) {
		struct kind *k = &kinds[i];

		k->on = only ? listed("only", k->name) :
			       !(k->flags & K_OFF) || listed("on", k->name);
		if (listed("skip", k->name))
			k->on = false;
		if ((k->flags & K_CYPRESS) && !fz.cypress)
			k->on = false;
		if (k->on && n < sizeof(line) - 16)
			n += (size_t)gsnprintf(line + n, sizeof(line) - n, " %s", k->name);
	}
	line[n] = '\0';
	fzprint("fuzz: kinds%s\n", n ? line : " (none)");
}

/* One kind per op: a rare one with probability 1/rare, else by weight. */
static struct kind *draw(uint32_t rare)
{
	uint32_t total = 0, nrare = 0;

	for (size_t i = 0; i < NKINDS; i++) {
		if (!kinds[i].on)
			continue;
		if (kinds[i].flags & K_RARE)
			nrare++;
		else
			total += kinds[i].weight;
	}
	/* Always draw both numbers so the sequence does not depend on the
	 * enabled set more than it must. */
	uint32_t r1 = rnd(), r2 = rnd();
	if (nrare && (r1 % rare == 0 || !total)) {
		uint32_t pick = r2 % nrare;
		for (size_t i = 0; i < NKINDS; i++)
			if (kinds[i].on && (kinds[i].flags & K_RARE) && pick-- == 0)
				return &kinds[i];
	}
	if (!total)
		return NULL;
	uint32_t w = r2 % total;
	for (size_t i = 0; i < NKINDS; i++) {
		if (!kinds[i].on || (kinds[i].flags & K_RARE))
			continue;
		if (w < kinds[i].weight)
			return &kinds[i];
		w -= kinds[i].weight;
	}
	return NULL;
}

/* Own memory the guest watches: a patterned area and its code checksum. */
#define WATCH_WORDS 4096
static uint32_t watch[WATCH_WORDS];
static uint32_t text_sum;
extern char __data_start[];

static uint32_t checksum_image(void)
{
	uint32_t s = 0;

	/* Text and read-only data: from the image start to .data (guest.ld). */
	for (const uint32_t *p = (const uint32_t *)(uintptr_t)__image_start;
	     p < (const uint32_t *)(uintptr_t)__data_start; p++)
		s = (s << 5 | s >> 27) ^ *p;
	return s;
}

static void watch_fill(void)
{
	for (uint32_t i = 0; i < WATCH_WORDS; i++)
		watch[i] = 0x5a5a0000u ^ (i * 0x9e3779b9u);
	text_sum = checksum_image();
}

static void watch_check(void)
{
	for (uint32_t i = 0; i < WATCH_WORDS; i++) {
		if (watch[i] != (0x5a5a0000u ^ (i * 0x9e3779b9u))) {
			fail("own memory changed at %p: 0x%x (after op %u)", (void *)&watch[i],
			     watch[i], fz.index);
			watch_fill();
			return;
		}
	}
	if (checksum_image() != text_sum) {
		fail("own code or read-only data changed (after op %u)", fz.index);
		text_sum = checksum_image();
	}
}

/*
 * The last act: leave by another door now and then (the console hypercall
 * exit, or a wider write to port 0xf4). The verdict line is already out.
 */
static uint32_t exit_way;
static void exit_other_way(uint32_t code)
{
	switch (exit_way) {
	case 1:
		cypress_exit(code);
		break;
	case 2:
		outw(DEBUG_EXIT_PORT, (uint16_t)code);
		break;
	case 3:
		outl(DEBUG_EXIT_PORT, code);
		break;
	default:
		break;
	}
}

static bool nmi_hook(struct irq_frame *f)
{
	if (f->vector != 2)
		return false;
	fz.nmis++;
	return true;
}

static void count_irq(struct irq_frame *f)
{
	(void)f;
	fz.irqs++;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	fz.seed = cmdline_uint("seed", 1);
	fz.ops = cmdline_uint("ops", 2000);
	uint32_t rare = cmdline_uint("rare", 2000);
	if (!rare)
		rare = 1;
	fz.rng = fz.seed * 0x9e3779b9u ^ 0x6a09e667u;
	if (!fz.rng)
		fz.rng = 1;
	fz.cypress = hv_is_cypress();
	fz.ram_top = mb_ram_top();
	fz.x2apic = lapic_setup(true);
	lapic_enable();
	exception_hook_set(nmi_hook);
	for (unsigned int v = VEC_FIRST_IRQ; v < VEC_SPURIOUS; v++)
		irq_register(v, count_irq);
	watch_fill();
	fzprint("fuzz: seed=%u ops=%u rare=%u cypress=%s apic=%s ram_top=0x%x\n", fz.seed, fz.ops,
		rare, fz.cypress ? "yes" : "no", fz.x2apic ? "x2apic" : "xapic", fz.ram_top);
	choose_kinds();

	for (fz.index = 0; fz.index < fz.ops; fz.index++) {
		struct kind *k = draw(rare);

		if (!k)
			break;
		cur_kind = k->name;
		k->run();
		if ((fz.index & 63) == 63)
			watch_check();
	}
	watch_check();
	fzprint("fuzz: done faults=%u irqs=%u nmis=%u\n", fz.faults, fz.irqs, fz.nmis);
	if (fz.cypress && one_in(8)) {
		exit_way = 1 + rnd_below(3);
		guest_exit_hook_set(exit_other_way);
	}
	report("seed=%u ops=%u", fz.seed, fz.ops);
}

/* ---- helpers shared by the ops ---- */

uint32_t rnd_value32(void)
{
	switch (rnd_below(8)) {
	case 0:
		return 0;
	case 1:
		return 0xffffffffu;
	case 2:
		return 1u << rnd_below(32);
	case 3:
		return rnd_below(256);
	case 4:
		return 0x80000000u | rnd_below(16);
	default:
		return rnd();
	}
}

uint64_t rnd_value64(void)
{
	switch (rnd_below(6)) {
	case 0:
		return (uint64_t)rnd_value32();
	case 1:
		return 1ULL << rnd_below(64);
	case 2:
		return ~0ULL;
	case 3:
		return ((uint64_t)rnd_value32() << 32) | rnd_value32();
	default:
		return rnd64();
	}
}

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
	char buf[160];
	int n = 0;

	if (prefix)
		n = gsnprintf(buf, sizeof(buf), "%s", prefix);
	n += gvsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	if (prefix)
		buf[n++] = '\n';
	buf[n] = '\0';
	if (fz.cypress)
		cypress_console_write(buf, (uint32_t)n);
	else
		gprintf("%s", buf);
}

void opline(const char *fmt, ...)
{
	char prefix[40];
	va_list ap;

	gsnprintf(prefix, sizeof(prefix), "fuzz: op %u %s ", fz.index, cur_kind);
	va_start(ap, fmt);
	vprint(prefix, fmt, ap);
	va_end(ap);
}

void fzprint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(NULL, fmt, ap);
	va_end(ap);
}
