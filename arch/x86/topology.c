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

void topology_detect(struct pcpu *p)
{
	uint32_t max = cpuid(0, 0).eax;
	uint32_t leaf = max >= 0x1f && cpuid(0x1f, 0).ebx ? 0x1f :
			max >= 0xb && cpuid(0xb, 0).ebx	  ? 0xb :
							    0;

	if (leaf) {
		uint32_t smt_shift = 0, pkg_shift = 0, x2id = 0;
		for (uint32_t sub = 0; sub < 8; sub++) {
			struct cpuid_regs r = cpuid(leaf, sub);
			uint32_t type = (r.ecx >> 8) & 0xff;
			if (type == 0)
				break; /* invalid level ends the list */
			if (type == 1)
				smt_shift = r.eax & 0x1f;
			pkg_shift = r.eax & 0x1f; /* the last level's shift covers the package */
			x2id = r.edx;
		}
		p->smt_id = x2id & ((1U << smt_shift) - 1);
		p->core_id = pkg_shift > smt_shift ?
				     (x2id >> smt_shift) & ((1U << (pkg_shift - smt_shift)) - 1) :
				     0;
		p->pkg_id = pkg_shift < 32 ? x2id >> pkg_shift : 0;
	} else {
		/* No extended leaf: treat every core as its own package. */
		p->smt_id = 0;
		p->core_id = 0;
		p->pkg_id = p->apic_id;
	}
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
	struct cpuid_regs e = cpuid(0x80000000, 0).eax >= 0x80000007 ? cpuid(0x80000001, 0) :
								       (struct cpuid_regs){ 0 };
	uint32_t inv = cpuid(0x80000000, 0).eax >= 0x80000007 ? cpuid(0x80000007, 0).edx : 0;
	struct cpuid_regs l7 = v.eax >= 7 ? cpuid(7, 0) : (struct cpuid_regs){ 0 };

	kprintf("cpuid: %s family 0x%x model 0x%x max leaf 0x%x:%s%s%s%s%s%s%s%s%s\n", vendor, fam,
		model, v.eax, f.ecx & (1U << 5) ? " vmx" : "", f.ecx & (1U << 21) ? " x2apic" : "",
		f.ecx & (1U << 24) ? " tsc-deadline" : "", f.ecx & (1U << 31) ? " hypervisor" : "",
		e.edx & (1U << 20) ? " nx" : "", e.edx & (1U << 26) ? " pdpe1gb" : "",
		inv & (1U << 8) ? " invariant-tsc" : "", l7.edx & (1U << 15) ? " hybrid" : "",
		e.ecx & (1U << 2) ? " svm" : "");
}
