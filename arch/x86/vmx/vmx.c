// SPDX-License-Identifier: MIT
/*
 * Per-core VMXON. Every step that can fail says which architectural check
 * failed, because "VMX unavailable" alone tells a user nothing about
 * whether to change a BIOS setting, a QEMU flag or the CPU.
 * Environment: freestanding hypervisor, each core for itself, interrupts off.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"
#include "lib/printf.h"
#include "lib/string.h"

struct vmx_caps vmx_caps;

static bool fail(struct pcpu *p, const char *why)
{
	ksnprintf(p->vmx_reason, sizeof(p->vmx_reason), "%s", why);
	kprintf("vmx %u unavailable: %s\n", p->id, why);
	return false;
}

static void read_caps(struct vmx_caps *c)
{
	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	c->procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* Secondary controls exist only if primary allowed-1 bit 31 is set
	 * (SDM 3D, A.3.2); EPT/VPID caps only if secondary allows EPT or VPID. */
	c->procbased2 = (c->procbased >> 63) & 1 ? rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	/* TRUE_* controls exist when IA32_VMX_BASIC bit 55 is set (SDM 3D, A.2). */
	if ((c->basic >> 55) & 1) {
		c->true_pin = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		c->true_proc = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		c->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		c->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	c->ept_vpid = (c->procbased2 >> 32) & ((1ULL << 1) | (1ULL << 5)) ?
			      rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) :
			      0;
}

bool vmx_enable_cpu(struct pcpu *p, bool disabled)
{
	struct vmx_caps c;

	if (disabled)
		return fail(p, "disabled on the command line (novmx)");
	/* SDM 3C, 24.6: VMX support is CPUID.1:ECX[5]. */
	if (!(cpuid(1, 0).ecx & (1U << 5)))
		return fail(p, "CPUID.1:ECX.VMX[bit 5] = 0: this CPU (or the hypervisor below us) "
			       "offers no VT-x");

	/* SDM 3C, 24.7: VMXON needs IA32_FEATURE_CONTROL locked with bit 2
	 * set. Firmware may leave it unlocked (we set and lock it) or lock it
	 * with VMX off (a BIOS setting only the user can change). */
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX))
			return fail(p, "disabled by firmware: IA32_FEATURE_CONTROL is locked with "
				       "VMXON-outside-SMX clear (enable VT-x in the BIOS setup)");
	} else {
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUTSIDE_SMX);
	}

	read_caps(&c);
	if (p->id == 0) {
		vmx_caps = c;
		/* Recorded in logs so host tests can replay real capability sets. */
		kprintf("vmx: caps basic=0x%llx pin=0x%llx proc=0x%llx proc2=0x%llx\n",
			(unsigned long long)c.basic, (unsigned long long)c.pinbased,
			(unsigned long long)c.procbased, (unsigned long long)c.procbased2);
		kprintf("vmx: caps exit=0x%llx entry=0x%llx misc=0x%llx ept_vpid=0x%llx\n",
			(unsigned long long)c.exit, (unsigned long long)c.entry,
			(unsigned long long)c.misc, (unsigned long long)c.ept_vpid);
		kprintf("vmx: caps cr0=0x%llx/0x%llx cr4=0x%llx/0x%llx true_pin=0x%llx "
			"true_proc=0x%llx true_exit=0x%llx true_entry=0x%llx\n",
			(unsigned long long)c.cr0_fixed0, (unsigned long long)c.cr0_fixed1,
			(unsigned long long)c.cr4_fixed0, (unsigned long long)c.cr4_fixed1,
			(unsigned long long)c.true_pin, (unsigned long long)c.true_proc,
			(unsigned long long)c.true_exit, (unsigned long long)c.true_entry);
	}
	uint32_t rev = (uint32_t)(c.basic & 0x7fffffff);
	uint32_t size = (uint32_t)((c.basic >> 32) & 0x1fff);
	uint32_t memtype = (uint32_t)((c.basic >> 50) & 0xf);
	/* SDM 3D, A.1: region size at most 4096; write-back (6) is the only
	 * type real processors report and the one our pages have. */
	if (size > PAGE_SIZE || memtype != 6)
		return fail(
			p,
			"IA32_VMX_BASIC reports an unsupported VMXON region size or memory type");

	/* SDM 3C, 24.8 and 3D, A.7/A.8: CR0 and CR4 must respect the fixed
	 * bits. CR0.NE is one of them; we set it (we use no x87 errors). */
	uint64_t cr0 = read_cr0() | CR0_NE;
	uint64_t cr4 = read_cr4() | CR4_VMXE;
	cr0 = (cr0 | c.cr0_fixed0) & c.cr0_fixed1;
	cr4 = (cr4 | c.cr4_fixed0) & c.cr4_fixed1;
	if (!(cr4 & CR4_VMXE))
		return fail(p, "IA32_VMX_CR4_FIXED1 does not allow CR4.VMXE");
	/* CR4.OSXSAVE makes XSETBV usable, so guests' XCR0 can be loaded on
	 * their core (SDM 1 13.3); the host itself uses no extended state. */
	bool xsave = (cpuid(1, 0).ecx >> 26) & 1;
	/* vCPUs sharing this core have their x87/SSE state switched with
	 * FXSAVE/XSAVE (vcpu_ctx.c): FXSAVE covers the XMM registers only with
	 * CR4.OSFXSR (SDM 2A FXSAVE), and CR0.EM/TS would fault both. */
	cr4 |= 1ULL << 9;		     /* OSFXSR */
	cr0 &= ~((1ULL << 2) | (1ULL << 3)); /* EM, TS */
	if (xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr0(cr0);
	write_cr4(cr4);
	p->xcr0 = xsave ? 1 : 0; /* XCR0's reset value: x87 only */

	memset(p->vmxon_region, 0, sizeof(p->vmxon_region));
	memcpy(p->vmxon_region, &rev, sizeof(rev));
	p->vmxon_phys = (uint64_t)p->vmxon_region; /* identity mapped */

	/* SDM 3C, 31.3 (VMXON): CF=1 VMfailInvalid, ZF=1 VMfailValid. */
	uint8_t cf, zf;
	__asm__ volatile("vmxon %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "m"(p->vmxon_phys)
			 : "cc", "memory");
	if (cf || zf) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		return fail(p, cf ? "VMXON failed (VMfailInvalid)" : "VMXON failed (VMfailValid)");
	}
	__atomic_store_n(&p->shared.vmx_on, 1, __ATOMIC_RELEASE);
	kprintf("vmx %u on revision=0x%x\n", p->id, rev);
	return true;
}
