// SPDX-License-Identifier: MIT
/*
 * VMX control-field computation from the capability MSRs, and capability
 * queries (SDM Vol. 3D appendix A; SDM Vol. 3C 31.5.1).
 * Environment: pure code, any core, interrupts either way; also built hosted
 * for unit tests.
 */
#include "arch/x86/vmx/vmx_ctl.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define WHY_MAX 160

/* One control field: how it is named in messages and which bits we know. */
struct ctl_field {
	const char *label;
	const char *const *names; /* 32 entries, NULL for bits Cypress does not name */
	uint32_t known;		  /* OR of the bits named in vmx_ctl.h */
};

static const char *const pin_names[32] = {
	[0] = "external-interrupt exiting",
	[3] = "NMI exiting",
	[5] = "virtual NMIs",
	[6] = "activate VMX-preemption timer",
	[7] = "process posted interrupts",
};

static const char *const proc_names[32] = {
	[2] = "interrupt-window exiting",
	[3] = "use TSC offsetting",
	[7] = "HLT exiting",
	[9] = "INVLPG exiting",
	[10] = "MWAIT exiting",
	[11] = "RDPMC exiting",
	[12] = "RDTSC exiting",
	[15] = "CR3-load exiting",
	[16] = "CR3-store exiting",
	[19] = "CR8-load exiting",
	[20] = "CR8-store exiting",
	[21] = "use TPR shadow",
	[22] = "NMI-window exiting",
	[23] = "MOV-DR exiting",
	[24] = "unconditional I/O exiting",
	[25] = "use I/O bitmaps",
	[27] = "monitor trap flag",
	[28] = "use MSR bitmaps",
	[29] = "MONITOR exiting",
	[30] = "PAUSE exiting",
	[31] = "activate secondary controls",
};

static const char *const proc2_names[32] = {
	[0] = "virtualize APIC accesses",
	[1] = "enable EPT",
	[2] = "descriptor-table exiting",
	[3] = "enable RDTSCP",
	[4] = "virtualize x2APIC mode",
	[5] = "enable VPID",
	[6] = "WBINVD exiting",
	[7] = "unrestricted guest",
	[8] = "APIC-register virtualization",
	[9] = "virtual-interrupt delivery",
	[10] = "PAUSE-loop exiting",
	[11] = "RDRAND exiting",
	[12] = "enable INVPCID",
	[13] = "enable VM functions",
	[14] = "VMCS shadowing",
	[16] = "RDSEED exiting",
	[17] = "enable PML",
	[18] = "EPT-violation #VE",
	[20] = "enable XSAVES/XRSTORS",
};

static const char *const exit_names[32] = {
	[2] = "save debug controls",
	[9] = "host address-space size",
	[12] = "load IA32_PERF_GLOBAL_CTRL",
	[15] = "acknowledge interrupt on exit",
	[18] = "save IA32_PAT",
	[19] = "load IA32_PAT",
	[20] = "save IA32_EFER",
	[21] = "load IA32_EFER",
	[22] = "save VMX-preemption timer value",
};

static const char *const entry_names[32] = {
	[2] = "load debug controls",	     [9] = "IA-32e mode guest", [10] = "entry to SMM",
	[13] = "load IA32_PERF_GLOBAL_CTRL", [14] = "load IA32_PAT",	[15] = "load IA32_EFER",
};

static const struct ctl_field f_pin = {
	"pin-based control",
	pin_names,
	VMX_PIN_EXT_INTR_EXIT | VMX_PIN_NMI_EXIT | VMX_PIN_VIRTUAL_NMIS | VMX_PIN_PREEMPTION_TIMER |
		VMX_PIN_POSTED_INTERRUPTS,
};

static const struct ctl_field f_proc = {
	"primary control",
	proc_names,
	VMX_PROC_INTR_WINDOW_EXIT | VMX_PROC_TSC_OFFSETTING | VMX_PROC_HLT_EXIT |
		VMX_PROC_INVLPG_EXIT | VMX_PROC_MWAIT_EXIT | VMX_PROC_RDPMC_EXIT |
		VMX_PROC_RDTSC_EXIT | VMX_PROC_CR3_LOAD_EXIT | VMX_PROC_CR3_STORE_EXIT |
		VMX_PROC_CR8_LOAD_EXIT | VMX_PROC_CR8_STORE_EXIT | VMX_PROC_TPR_SHADOW |
		VMX_PROC_NMI_WINDOW_EXIT | VMX_PROC_MOV_DR_EXIT | VMX_PROC_UNCOND_IO_EXIT |
		VMX_PROC_USE_IO_BITMAPS | VMX_PROC_MONITOR_TRAP_FLAG | VMX_PROC_USE_MSR_BITMAPS |
		VMX_PROC_MONITOR_EXIT | VMX_PROC_PAUSE_EXIT | VMX_PROC_ACTIVATE_SECONDARY,
};

static const struct ctl_field f_proc2 = {
	"secondary control", proc2_names,
	0, /* no default1 bits and no TRUE MSR for the secondary controls (SDM 3D A.3.3) */
};

static const struct ctl_field f_exit = {
	"VM-exit control",
	exit_names,
	VMX_EXIT_SAVE_DEBUG | VMX_EXIT_HOST_ADDR_SPACE | VMX_EXIT_LOAD_PERF_GLOBAL |
		VMX_EXIT_ACK_INTR | VMX_EXIT_SAVE_PAT | VMX_EXIT_LOAD_PAT | VMX_EXIT_SAVE_EFER |
		VMX_EXIT_LOAD_EFER | VMX_EXIT_SAVE_PREEMPT_TIMER,
};

static const struct ctl_field f_entry = {
	"VM-entry control",
	entry_names,
	VMX_ENTRY_LOAD_DEBUG | VMX_ENTRY_IA32E_GUEST | VMX_ENTRY_SMM | VMX_ENTRY_LOAD_PERF_GLOBAL |
		VMX_ENTRY_LOAD_PAT | VMX_ENTRY_LOAD_EFER,
};

static unsigned int lowest_bit(uint32_t v)
{
	unsigned int i = 0;

	while (!(v & 1u)) {
		v >>= 1;
		i++;
	}
	return i;
}

/*
 * One field. `msr` is the capability MSR that decides (TRUE_* when used),
 * `plain` the non-TRUE MSR. SDM 3D A.3-A.5: allowed-0 settings in bits 31:0
 * (a 1 there means the control must be 1), allowed-1 settings in bits 63:32
 * (a 0 there means the control must be 0). SDM 3C 31.5.1 (algorithm 3, step
 * c.iii): a default1 control whose function software does not know is set
 * to 1 even if the TRUE MSR allows 0; those are the bits the plain MSR
 * forces, minus the ones we name or the caller mentions.
 */
static int compute_field(const struct ctl_field *f, uint64_t msr, uint64_t plain, uint32_t req,
			 uint32_t opt, uint32_t *val, char *why, size_t why_len)
{
	uint32_t a0 = (uint32_t)msr, a1 = (uint32_t)(msr >> 32);
	uint32_t default1 = (uint32_t)plain & a1 & ~(f->known | req | opt);
	uint32_t missing = req & ~a1;

	if (a0 & ~a1) {
		ksnprintf(why, why_len,
			  "%s capability MSR 0x%llx forces bits 0x%x to 1 but does not allow them",
			  f->label, (unsigned long long)msr, a0 & ~a1);
		return -E_INVAL;
	}
	if (missing) {
		unsigned int bit = lowest_bit(missing);
		const char *name = f->names[bit] ? f->names[bit] : "unnamed";

		ksnprintf(why, why_len, "%s '%s' (bit %u) not supported by this CPU", f->label,
			  name, bit);
		return -E_NOTSUP;
	}
	*val = a0 | default1 | req | (opt & a1);
	return 0;
}

/*
 * SDM 3D A.1/A.2: with IA32_VMX_BASIC bit 55 set the TRUE_* MSRs describe
 * the controls. A caps record with bit 55 but no TRUE value is incomplete;
 * the plain MSR is always a safe (more conservative) substitute.
 */
static uint64_t pick(const struct vmx_caps *c, uint64_t true_msr, uint64_t plain, bool *fallback)
{
	if (!(c->basic & VMX_BASIC_TRUE_CTLS))
		return plain;
	if (!true_msr) {
		*fallback = true;
		return plain;
	}
	return true_msr;
}

static int compute_all(const struct vmx_caps *c, const struct vmx_ctl_req *r, struct vmx_ctls *o,
		       char *why, size_t why_len)
{
	bool fallback = false;
	uint64_t pin = pick(c, c->true_pin, c->pinbased, &fallback);
	uint64_t proc = pick(c, c->true_proc, c->procbased, &fallback);
	uint64_t ex = pick(c, c->true_exit, c->exit, &fallback);
	uint64_t en = pick(c, c->true_entry, c->entry, &fallback);
	/* SDM 3D A.3.3: secondary controls exist only if primary allowed-1 bit 31 is 1. */
	bool sec_exists = (proc >> 32) & VMX_PROC_ACTIVATE_SECONDARY;
	uint64_t proc2 = sec_exists ? c->procbased2 : 0;
	uint32_t proc_req = r->proc_req;
	int rc;

	if (fallback)
		kprintf("vmx: IA32_VMX_BASIC bit 55 set but TRUE control MSRs not recorded, "
			"using the plain capability MSRs for those fields\n");

	/* Any wanted secondary control needs "activate secondary controls". */
	if (r->proc2_req || (r->proc2_opt & (uint32_t)(proc2 >> 32)))
		proc_req |= VMX_PROC_ACTIVATE_SECONDARY;

	rc = compute_field(&f_pin, pin, c->pinbased, r->pin_req, r->pin_opt, &o->pin, why, why_len);
	if (rc)
		return rc;
	rc = compute_field(&f_proc, proc, c->procbased, proc_req, r->proc_opt, &o->proc, why,
			   why_len);
	if (rc)
		return rc;
	/* SDM 3C 25.6.2: with bit 31 clear the CPU acts as if all secondary controls were 0. */
	if (o->proc & VMX_PROC_ACTIVATE_SECONDARY) {
		rc = compute_field(&f_proc2, proc2, proc2, r->proc2_req, r->proc2_opt, &o->proc2,
				   why, why_len);
		if (rc)
			return rc;
	} else {
		o->proc2 = 0;
	}
	rc = compute_field(&f_exit, ex, c->exit, r->exit_req, r->exit_opt, &o->exit, why, why_len);
	if (rc)
		return rc;
	return compute_field(&f_entry, en, c->entry, r->entry_req, r->entry_opt, &o->entry, why,
			     why_len);
}

int vmx_ctl_compute(const struct vmx_caps *c, const struct vmx_ctl_req *r, struct vmx_ctls *out,
		    char *why, size_t why_len)
{
	char buf[WHY_MAX];
	struct vmx_ctls o = { 0 };
	int rc;

	buf[0] = '\0';
	if (why && why_len)
		why[0] = '\0';
	if (!c || !r || !out) {
		ksnprintf(buf, sizeof(buf),
			  "vmx_ctl_compute called without caps, request or output");
		rc = -E_INVAL;
	} else {
		rc = compute_all(c, r, &o, buf, sizeof(buf));
	}
	if (out)
		*out = rc ? (struct vmx_ctls){ 0 } : o;
	if (rc) {
		kprintf("vmx: %s\n", buf);
		if (why && why_len)
			ksnprintf(why, why_len, "%s", buf);
	}
	return rc;
}

void vmx_ctl_cypress_request(struct vmx_ctl_req *r)
{
	memset(r, 0, sizeof(*r));
	r->pin_req = VMX_PIN_EXT_INTR_EXIT | VMX_PIN_NMI_EXIT;
	r->pin_opt = VMX_PIN_PREEMPTION_TIMER | VMX_PIN_VIRTUAL_NMIS;
	/* TSC offsetting: IA32_TSC and IA32_TSC_ADJUST writes (exit_msr.c). */
	r->proc_req = VMX_PROC_HLT_EXIT | VMX_PROC_USE_IO_BITMAPS | VMX_PROC_USE_MSR_BITMAPS |
		      VMX_PROC_ACTIVATE_SECONDARY | VMX_PROC_TSC_OFFSETTING;
	r->proc_opt = 0; /* PAUSE exiting / PAUSE-loop exiting come later */
	r->proc2_req = VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED;
	/* Virtualize APIC accesses comes with the virtual LAPIC, later. */
	r->proc2_opt = VMX_PROC2_VPID | VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES;
	r->exit_req = VMX_EXIT_HOST_ADDR_SPACE | VMX_EXIT_ACK_INTR | VMX_EXIT_SAVE_EFER |
		      VMX_EXIT_LOAD_EFER;
	r->exit_opt = VMX_EXIT_SAVE_PREEMPT_TIMER | VMX_EXIT_SAVE_PAT | VMX_EXIT_LOAD_PAT;
	r->entry_req = VMX_ENTRY_LOAD_EFER;
	r->entry_opt = VMX_ENTRY_LOAD_PAT;
}

void vmx_ctl_print(const struct vmx_ctls *c)
{
	if (!c)
		return;
	kprintf("vmx: controls pin=0x%x proc=0x%x proc2=0x%x exit=0x%x entry=0x%x\n", c->pin,
		c->proc, c->proc2, c->exit, c->entry);
}

/* ---- IA32_VMX_MISC (SDM 3D A.6) ---- */

bool vmx_cap_activity_hlt(const struct vmx_caps *c)
{
	return (c->misc >> 6) & 1;
}

bool vmx_cap_activity_shutdown(const struct vmx_caps *c)
{
	return (c->misc >> 7) & 1;
}

bool vmx_cap_activity_wait_sipi(const struct vmx_caps *c)
{
	return (c->misc >> 8) & 1;
}

uint32_t vmx_preemption_timer_shift(const struct vmx_caps *c)
{
	return (uint32_t)(c->misc & 0x1f);
}

/* ---- IA32_VMX_EPT_VPID_CAP (SDM 3D A.10) ---- */

static bool ept_vpid_bit(const struct vmx_caps *c, unsigned int bit)
{
	return (c->ept_vpid >> bit) & 1;
}

bool vmx_cap_ept_exec_only(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 0);
}

bool vmx_cap_ept_4level(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 6);
}

bool vmx_cap_ept_uc(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 8);
}

bool vmx_cap_ept_wb(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 14);
}

bool vmx_cap_ept_2m(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 16);
}

bool vmx_cap_ept_1g(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 17);
}

bool vmx_cap_invept(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 20);
}

bool vmx_cap_ept_ad(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 21);
}

bool vmx_cap_invept_single(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 25);
}

bool vmx_cap_invept_all(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 26);
}

bool vmx_cap_invvpid(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 32);
}

bool vmx_cap_invvpid_addr(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 40);
}

bool vmx_cap_invvpid_single(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 41);
}

bool vmx_cap_invvpid_all(const struct vmx_caps *c)
{
	return ept_vpid_bit(c, 42);
}
