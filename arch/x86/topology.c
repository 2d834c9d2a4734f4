// SPDX-License-Identifier: MIT
/*
 * Topology enumeration (SDM Vol. 3A, 10.9 "Programming Considerations for
 * Hardware Multi-Threading Capable Processors"): the x2APIC ID splits into
 * SMT, core and package fields whose widths CPUID leaf 0x1F/0xB reports.
 * Environment: freestanding hypervisor, each core for itself.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/topology.h"
#include "lib/printf.h"
#include "lib/string.h"

const char *core_type_name(uint8_t t)
{
	return t == CORE_TYPE_CORE ? "core" : t == CORE_TYPE_ATOM ? "atom" : "-";
}

/* Bits needed to hold values 0..n-1 (n >= 1). */
static uint32_t width(uint32_t n)
{
	uint32_t w = 0;

	while ((1U << w) < n && w < 31)
		w++;
	return w;
}

/*
 * Shifts from leaf 0x1F/0xB (SDM Vol. 2A, CPUID leaf 0BH): level type in
 * ECX[15:8] (1 SMT, 2 core, 3+ module/tile/die), shift to the next level
 * in EAX[4:0]. Returns false when the leaf is absent or its first level is
 * invalid (type 0), which some emulators report.
 */
static bool shifts_from_leaf(uint32_t leaf, uint32_t *smt, uint32_t *pkg, uint32_t *x2id)
{
	bool any = false;

	*smt = 0;
	for (uint32_t sub = 0; sub < 8; sub++) {
		struct cpuid_regs r = cpuid(leaf, sub);
		uint32_t type = (r.ecx >> 8) & 0xff;
		if (type == 0)
			break;
		if (type == 1)
			*smt = r.eax & 0x1f;
		*pkg = r.eax & 0x1f; /* the last valid level's shift covers the package */
		*x2id = r.edx;
		any = true;
	}
	return any;
}

/*
 * Legacy rule (SDM Vol. 3A, 10.9.1): CPUID.1:EBX[23:16] logical IDs per
 * package (when EDX.HTT), CPUID.4:EAX[31:26] + 1 cores per package.
 */
static void shifts_from_legacy(uint32_t max, uint32_t *smt, uint32_t *pkg)
{
	struct cpuid_regs r = cpuid(1, 0);
	uint32_t logical = (r.edx & (1U << 28)) ? (r.ebx >> 16) & 0xff : 1;
	uint32_t cores = max >= 4 ? (cpuid(4, 0).eax >> 26) + 1 : 1;

	if (logical < cores)
		logical = cores;
	*smt = width(logical / cores);
	*pkg = *smt + width(cores);
}

void topology_detect(struct pcpu *p)
{
	uint32_t max = cpuid(0, 0).eax;
	uint32_t smt = 0, pkg = 0, x2id = p->apic_id;

	if (!(max >= 0x1f && shifts_from_leaf(0x1f, &smt, &pkg, &x2id)) &&
	    !(max >= 0xb && shifts_from_leaf(0xb, &smt, &pkg, &x2id)))
		shifts_from_legacy(max, &smt, &pkg);
	if (pkg < smt)
		pkg = smt;
	p->smt_id = x2id & ((1U << smt) - 1);
	p->core_id = (x2id >> smt) & ((1U << (pkg - smt)) - 1);
	p->pkg_id = pkg < 32 ? x2id >> pkg : 0;
	p->hybrid_type = 0;
	if (max >= 0x1a && (cpuid(7, 0).edx & (1U << 15)))
		p->hybrid_type = (uint8_t)(cpuid(0x1a, 0).eax >> 24);
}

void cpu_features_print(void)
{
	struct cpuid_regs v = cpuid(0, 0);
	char vendor[13];
	memcpy(vendor, &v.ebx, 4);
	memcpy(vendor + 4, &v.edx, 4);
	memcpy(vendor + 8, &v.ecx, 4);
	vendor[12] = 0;
	struct cpuid_regs f = cpuid(1, 0);
	uint32_t fam = (f.eax >> 8) & 0xf, model = (f.eax >> 4) & 0xf;
	if (fam == 0xf)
		fam += (f.eax >> 20) & 0xff;
	if (fam == 6 || fam >= 0xf)
		model |= ((f.eax >> 16) & 0xf) << 4;
	/* Each extended leaf exists only up to the maximum in 0x80000000:EAX. */
	uint32_t ext_max = cpuid(0x80000000, 0).eax;
	struct cpuid_regs e = ext_max >= 0x80000001 ? cpuid(0x80000001, 0) :
						      (struct cpuid_regs){ 0 };
	uint32_t inv = ext_max >= 0x80000007 ? cpuid(0x80000007, 0).edx : 0;
	struct cpuid_regs l7 = v.eax >= 7 ? cpuid(7, 0) : (struct cpuid_regs){ 0 };

	kprintf("cpuid: %s family 0x%x model 0x%x max leaf 0x%x:%s%s%s%s%s%s%s%s%s\n", vendor, fam,
		model, v.eax, f.ecx & (1U << 5) ? " vmx" : "", f.ecx & (1U << 21) ? " x2apic" : "",
		f.ecx & (1U << 24) ? " tsc-deadline" : "", f.ecx & (1U << 31) ? " hypervisor" : "",
		e.edx & (1U << 20) ? " nx" : "", e.edx & (1U << 26) ? " pdpe1gb" : "",
		inv & (1U << 8) ? " invariant-tsc" : "", l7.edx & (1U << 15) ? " hybrid" : "",
		e.ecx & (1U << 2) ? " svm" : "");
}
