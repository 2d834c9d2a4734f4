// SPDX-License-Identifier: MIT
/*
 * Guest test "fuzz": control-register writes. `cr` flips bits the CPU
 * offers (so the write is valid), `crbad` writes what the SDM says raises
 * #GP (reserved bits, PG without PE, NW without CD, PCIDE outside long mode)
 * or drops to real mode and back, `paging` turns 32-bit and PAE paging on
 * with identity maps and off again. Most writes flip CR0.NE or CR4.VMXE, the
 * bits Cypress owns, so they take its emulation path (a VM exit) rather than
 * the CPU's.
 * Rules: CR0, CR3 and CR4 are saved first and restored afterwards, fault or
 * not (fuzz.h rule 3).
 * Environment: guest test kernel, 32-bit protected mode, BSP, interrupts off.
 */
#include "tests/guests/fuzz/fuzz.h"
#include "guest-abi/cypress.h"

struct crw {
	uint32_t which; /* 0, 3, 4, or 2 */
	uint32_t val;
	uint32_t back; /* read back after the write */
};

static void do_crw(void *arg)
{
	struct crw *w = arg;

	switch (w->which) {
	case 0:
		write_cr0(w->val);
		w->back = read_cr0();
		break;
	case 2:
		__asm__ volatile("mov %0, %%cr2" : : "r"(w->val));
		break;
	case 3:
		write_cr3(w->val);
		w->back = read_cr3();
		break;
	default:
		write_cr4(w->val);
		w->back = read_cr4();
		break;
	}
}

/* CR4 bits whose CPUID feature flag the guest sees (SDM 3A 2.5). */
static uint32_t cr4_offered(void)
{
	uint32_t c1, d1, b7 = 0, c7 = 0, max;
	uint32_t m = 1u << 2; /* TSD: always */

	cpuid(0, 0, &max, NULL, NULL, NULL);
	cpuid(1, 0, NULL, NULL, &c1, &d1);
	if (max >= 7)
		cpuid(7, 0, NULL, &b7, &c7, NULL);
	if (d1 & (1u << 1))
		m |= 3u; /* VME, PVI */
	if (d1 & (1u << 2))
		m |= 1u << 3; /* DE */
	if (d1 & (1u << 3))
		m |= CR4_PSE;
	if (d1 & (1u << 6))
		m |= CR4_PAE;
	if (d1 & (1u << 13))
		m |= 1u << 7; /* PGE */
	if (d1 & (1u << 24))
		m |= 3u << 9; /* OSFXSR, OSXMMEXCPT */
	if (c1 & (1u << 26))
		m |= CR4_OSXSAVE;
	if (c7 & (1u << 2))
		m |= 1u << 11; /* UMIP */
	if (b7 & (1u << 0))
		m |= 1u << 16; /* FSGSBASE */
	if (b7 & (1u << 7))
		m |= 1u << 20; /* SMEP */
	if (b7 & (1u << 20))
		m |= 1u << 21; /* SMAP */
	if (c7 & (1u << 3))
		m |= 1u << 22; /* PKE */
	/* PAE and PSE only matter with paging, which is off here. */
	return m;
}

#define CR0_CDNW (3u << 29)
#define CR0_RSVD 0x1ffaffc0u /* 6-15, 17, 19-28: writes ignored (SDM 3A 2.5) */

static void check_back(const struct crw *w, int v)
{
	static bool cdnw_noted;

	if (!fz.cypress || v >= 0 || w->which == 2 || w->which == 3)
		return;
	uint32_t want = w->which == 0 ? (w->val & ~CR0_RSVD) | (1u << 4) : w->val; /* ET is 1 */
	/* CD/NW: VM entry keeps the host's (SDM 3C 27.3.2.1), so a write
	 * Cypress emulates may not stick. Noted once, not failed: it would
	 * fail nearly every seed and hide everything else. */
	if (w->which == 0 && ((w->back ^ want) & ~CR0_CDNW) == 0 && w->back != want) {
		if (!cdnw_noted)
			fzprint("fuzz: note: mov cr0 0x%x read back 0x%x (CD/NW did not change)\n",
				w->val, w->back);
		cdnw_noted = true;
		return;
	}
	if (w->back != want)
		fail("mov cr%u 0x%x read back 0x%x", w->which, w->val, w->back);
}

void op_cr(void)
{
	uint32_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	struct crw w = { 0, 0, 0 };

	switch (rnd_below(3)) {
	case 0: {
		static const uint32_t cdnw[] = { 0, 1u << 30, 3u << 29 };
		w.which = 0;
		/* MP, EM, TS, WP, AM are free to flip with paging off. */
		w.val = (cr0 & ~((3u << 29) | 0x5000eu)) | (rnd() & 0x5000eu) | PICK(cdnw);
		if (!one_in(4))
			w.val ^= CR0_NE;
		break;
	}
	case 1:
		w.which = 4;
		w.val = cr4 ^ (rnd() & cr4_offered());
		if (!one_in(3))
			w.val ^= CR4_VMXE;
		break;
	default:
		w.which = 3;
		w.val = rnd_value32();
		break;
	}
	if (w.which == 4 && !fz.cypress)
		w.val &= ~CR4_VMXE; /* see op_crbad */
	opline("cr%u 0x%x (was 0x%x)", w.which, w.val,
	       w.which == 0 ? cr0 :
	       w.which == 3 ? cr3 :
			      cr4);
	int v = fz_try(do_crw, &w);
	fz_restore_crs(cr0, cr3, cr4);
	/* VMXE is not a feature the guest sees, so only CR0 and the plain CR4
	 * flips must read back exactly. */
	if (!(w.which == 4 && (w.val & CR4_VMXE)))
		check_back(&w, v);
}

void op_crbad(void)
{
	uint32_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	struct crw w = { 0, 0, 0 };
	bool must_gp = true;
	uint32_t sel = rnd_below(8);

	switch (sel) {
	case 0: /* a reserved CR0 bit: ignored, reads back 0 (SDM 3A 2.5) */
		w.val = cr0 | (1u << (6 + rnd_below(23)));
		w.val &= ~(1u << 16 | 1u << 18); /* keep only reserved */
		if (!(w.val & ~cr0))
			w.val |= 1u << 7;
		must_gp = false;
		break;
	case 1: /* PG without PE */
		w.val = (cr0 | CR0_PG) & ~CR0_PE;
		break;
	case 2: /* NW without CD */
		w.val = (cr0 | (1u << 29)) & ~(1u << 30);
		break;
	case 3: /* a random CR4 bit the CPU may not have, or PCIDE (17) */
		w.which = 4;
		w.val = cr4 | (one_in(3) ? 1u << 17 : 1u << rnd_below(32));
		/* PCIDE outside long mode, or a bit no CPU defines (15, 26,
		 * 27, 29-31); hidden features (MCE, PCE, SMXE) may still
		 * be settable, as with any hypervisor that does not trap CR4. */
		must_gp = (w.val & ((1u << 17) | (1u << 15) | (3u << 26) | (7u << 29))) != 0;
		break;
	case 4: /* random CR0 */
		w.val = rnd_value32();
		must_gp = false;
		break;
	case 5: /* CR2: no effect, no exit */
		w.which = 2;
		w.val = rnd();
		must_gp = false;
		break;
	case 6: /* random CR4 */
		w.which = 4;
		w.val = rnd_value32();
		must_gp = false;
		break;
	default: /* PE off (real mode with a 32-bit code segment cached) */
		w.val = cr0 & ~CR0_PE;
		must_gp = false;
		break;
	}
	if (w.which == 0 && !one_in(4))
		w.val ^= CR0_NE;
	if (w.which == 4 && one_in(2))
		w.val ^= CR4_VMXE;
	/* QEMU 7.2 TCG spins forever on a MOV to CR4 that sets VMXE. */
	if (w.which == 4 && !fz.cypress)
		w.val &= ~CR4_VMXE;
	opline("cr%u 0x%x (was 0x%x)", w.which, w.val, w.which == 0 ? cr0 : w.which == 2 ? 0 : cr4);
	int v;
	if (sel == 7) {
		/* Both writes back to back: nothing may run in between. */
		uint32_t pe_off = w.val, back = cr0;
		__asm__ volatile("mov %0, %%cr0; mov %1, %%cr0"
				 :
				 : "r"(pe_off), "r"(back)
				 : "memory");
		v = -1;
	} else {
		v = fz_try(do_crw, &w);
	}
	fz_restore_crs(cr0, cr3, cr4);
	if (sel == 0)
		check_back(&w, v);
	if (fz.cypress && must_gp && v < 0)
		fail("mov cr%u 0x%x did not raise #GP (SDM 2B MOV to CR)", w.which, w.val);
}

/* ---- paging on and off ---- */

struct pg {
	uint32_t cr0, cr3, cr4; /* paging-on values */
	uint32_t cr0_off;
	int32_t abi;
	uint32_t probe;
};

static volatile uint32_t probe_word = 0x600df00d;

static void do_paging(void *arg)
{
	struct pg *p = arg;
	uint32_t a, b, c, d;

	write_cr4(p->cr4);
	write_cr3(p->cr3);
	write_cr0(p->cr0);
	/* With paging on: a CPUID, a hypercall, a memory round trip. */
	cpuid(0, 0, &a, &b, &c, &d);
	if (fz.cypress)
		p->abi = cypress_abi_version();
	probe_word ^= 0xffffffffu;
	p->probe = probe_word;
	probe_word ^= 0xffffffffu;
	write_cr0(p->cr0_off);
}

void op_paging(void)
{
	uint32_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	struct pg p;
	bool pae = one_in(2);

	p.cr4 = cr4 | CR4_PSE | (pae ? CR4_PAE : 0);
	if (one_in(3))
		p.cr4 |= 1u << 7; /* PGE */
	p.cr3 = pae ? fz_pdpt_pae() : fz_pd32();
	p.cr0 = cr0 | CR0_PG | (one_in(2) ? 1u << 16 : 0);
	if (!one_in(3))
		p.cr0 ^= CR0_NE;
	p.cr0_off = one_in(2) ? cr0 : p.cr0 & ~CR0_PG;
	p.abi = CYPRESS_ABI_VERSION;
	p.probe = 0;
	opline("%s cr0=0x%x cr3=0x%x cr4=0x%x", pae ? "pae" : "pse32", p.cr0, p.cr3, p.cr4);
	int v = fz_try(do_paging, &p);
	fz_restore_crs(cr0, cr3, cr4);
	if (!fz.cypress)
		return;
	if (v >= 0)
		fail("%s paging with identity maps raised vector %d", pae ? "PAE" : "32-bit", v);
	else if (p.abi != CYPRESS_ABI_VERSION || p.probe != ~0x600df00du)
		fail("with paging on: abi_version %d, memory probe 0x%x", p.abi, p.probe);
}
