// SPDX-License-Identifier: MIT
/*
 * Virtual local APIC registers: the xAPIC/x2APIC access rules, IRR/ISR/TMR
 * with TPR/PPR priority and EOI, ESR, ICR decoding and IA32_APIC_BASE mode
 * transitions. The timer lives in vlapic_timer.c. SDM Vol. 3A chapter 11.
 * Environment: pure (hosted tests too); the core running the vLAPIC's vCPU.
 */
#include <stdarg.h>

#include "arch/x86/vdev/vlapic.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Access rights per register index (offset / 16): Table 11-1 (xAPIC), Table 11-6 (x2APIC). */
#define XR  0x1 /* readable in xAPIC mode; writes ignored unless XW */
#define XW  0x2
#define X2R 0x4
#define X2W 0x8

struct reg_desc {
	uint8_t acc;
	uint32_t wmask;	   /* bits a write stores (xAPIC ignores the rest) */
	uint32_t x2_valid; /* x2APIC: writing any other bit is #GP (11.12.1.3) */
};

#define ICR_LO_BITS 0x000ccfffu /* vector, mode, dest mode, level, trigger, shorthand */

static const struct reg_desc regs[64] = {
	[0x02] = { XR | X2R, 0, 0 },			/* ID */
	[0x03] = { XR | X2R, 0, 0 },			/* version */
	[0x08] = { XR | XW | X2R | X2W, 0xff, 0xff },	/* TPR */
	[0x09] = { XR, 0, 0 },				/* APR: xAPIC only */
	[0x0a] = { XR | X2R, 0, 0 },			/* PPR */
	[0x0b] = { XW | X2W, 0, 0 },			/* EOI: x2APIC value must be 0 */
	[0x0c] = { XR, 0, 0 },				/* RRD: xAPIC only */
	[0x0d] = { XR | XW | X2R, 0xff000000u, 0 },	/* LDR: x2APIC read-only */
	[0x0e] = { XR | XW, 0xf0000000u, 0 },		/* DFR: xAPIC only */
	[0x0f] = { XR | XW | X2R | X2W, 0x3ff, 0x3ff }, /* SVR, bit 12 unsupported */
	[0x10 ... 0x27] = { XR | X2R, 0, 0 },		/* ISR, TMR, IRR */
	[0x28] = { XR | XW | X2R | X2W, 0, 0 },		/* ESR: x2APIC value must be 0 */
	[0x30] = { XR | XW | X2R | X2W, ICR_LO_BITS, ICR_LO_BITS }, /* ICR (x2APIC: 64-bit MSR) */
	[0x31] = { XR | XW, 0xff000000u, 0 },			    /* ICR high: xAPIC only */
	[0x32] = { XR | XW | X2R | X2W, 0x000700ffu, 0x000710ffu }, /* LVT timer */
	[0x33] = { XR | XW | X2R | X2W, 0x000107ffu, 0x000117ffu }, /* LVT thermal */
	[0x34] = { XR | XW | X2R | X2W, 0x000107ffu, 0x000117ffu }, /* LVT perf */
	[0x35] = { XR | XW | X2R | X2W, 0x0001a7ffu, 0x0001f7ffu }, /* LVT LINT0 */
	[0x36] = { XR | XW | X2R | X2W, 0x0001a7ffu, 0x0001f7ffu }, /* LVT LINT1 */
	[0x37] = { XR | XW | X2R | X2W, 0x000100ffu, 0x000110ffu }, /* LVT error */
	[0x38] = { XR | XW | X2R | X2W, 0xffffffffu, 0xffffffffu }, /* timer initial count */
	[0x39] = { XR | X2R, 0, 0 },				    /* timer current count */
	[0x3e] = { XR | XW | X2R | X2W, 0xb, 0xb },		    /* timer divide */
	[0x3f] = { X2W, 0xff, 0xff },				    /* SELF IPI: x2APIC only */
};

void vlapic_warn_once(struct vlapic *a, uint32_t kind, const char *fmt, ...)
{
	va_list ap;

	if (a->warned & kind)
		return;
	a->warned |= kind;
	/* A guest caused this line: say whose (the line is assembled per core). */
	if (a->owner)
		kprintf("vm %s: ", a->owner);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/*
 * The 256-bit maps live in the register page as 8 words 16 bytes apart
 * (vlapic.h): `map` points at word 0, word i is map[4 * i].
 */
static uint32_t *irr_map(const struct vlapic *a)
{
	return &VLAPIC_IRR(a, 0);
}

static uint32_t *isr_map(const struct vlapic *a)
{
	return &VLAPIC_ISR(a, 0);
}

static uint32_t *tmr_map(const struct vlapic *a)
{
	return &VLAPIC_TMR(a, 0);
}

static bool vec_test(const uint32_t *map, uint8_t v)
{
	return map[(v >> 5) * 4] & (1u << (v & 31));
}

static void vec_set(uint32_t *map, uint8_t v)
{
	map[(v >> 5) * 4] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *map, uint8_t v)
{
	map[(v >> 5) * 4] &= ~(1u << (v & 31));
}

static int vec_highest(const uint32_t *map)
{
	/* The words sit 16 bytes apart in the page (no wider loads), and
	 * the usual vectors are low: look at which half holds the highest
	 * first, then at the four words of that half (an entry computes
	 * RVI and SVI this way, so this is on every interrupt's path). */
	const uint32_t *half;
	int base;

	if (map[16] | map[20] | map[24] | map[28])
		half = map + 16, base = 128;
	else if (map[0] | map[4] | map[8] | map[12])
		half = map, base = 0;
	else
		return -1;
	int i = half[12] ? 3 : half[8] ? 2 : half[4] ? 1 : 0;
	return base + i * 32 + 31 - __builtin_clz(half[4 * i]);
}

/* Power-up register values (SDM 11.4.7.1); ID, mode and diagnostics are kept. */
static void reset_regs(struct vlapic *a)
{
	a->gen++;
	a->intr_gen++;
	for (int i = 0; i < 8; i++)
		VLAPIC_IRR(a, i) = VLAPIC_ISR(a, i) = VLAPIC_TMR(a, i) = 0;
	VLAPIC_TPR(a) = 0;
	a->ldr = 0;
	a->dfr = 0xffffffffu;
	a->svr = 0xff;
	for (int i = 0; i < VLAPIC_NR_LVT; i++)
		a->lvt[i] = VLAPIC_LVT_MASKED;
	a->esr = a->esr_pending = 0;
	a->icr_lo = a->icr_hi = 0;
	vlapic_timer_reset(a);
}

void vlapic_init(struct vlapic *a, uint32_t *page, uint32_t id, uint64_t tsc_khz,
		 const struct vlapic_ops *ops)
{
	memset(a, 0, sizeof(*a));
	memset(page, 0, VLAPIC_PAGE_SIZE);
	a->regs = page;
	a->id = id;
	a->ops = ops;
	a->enabled_hw = true;
	a->tsc_per_tick = VLAPIC_TSC_PER_BUS_TICK;
	a->bus_khz = tsc_khz / VLAPIC_TSC_PER_BUS_TICK;
	reset_regs(a);
}

void vlapic_init_signal(struct vlapic *a)
{
	reset_regs(a);
}

/*
 * An error the APIC detects: remember it for the next ESR write and raise
 * the LVT error vector (11.5.3). An illegal error vector only adds its own
 * error bit, so this cannot recurse.
 */
static void set_error(struct vlapic *a, uint32_t bit)
{
	uint32_t lvt = a->lvt[VLAPIC_LVT_ERROR];
	uint8_t v = lvt & 0xff;

	a->esr_pending |= bit;
	a->gen++;
	if (lvt & VLAPIC_LVT_MASKED)
		return;
	if (v < 16) {
		a->esr_pending |= VLAPIC_ESR_RECV_ILLEGAL;
		return;
	}
	if (!vec_test(irr_map(a), v)) {
		vec_set(irr_map(a), v);
		a->intr_gen++;
	}
	vec_clear(tmr_map(a), v);
}

void vlapic_accept(struct vlapic *a, uint8_t vector, bool level)
{
	if (!a->enabled_hw || !(a->svr & VLAPIC_SVR_ENABLE)) {
		vlapic_warn_once(a, VLAPIC_W_DROPPED,
				 "vlapic: id %u: vector 0x%x dropped, APIC %s disabled\n", a->id,
				 vector, a->enabled_hw ? "software" : "globally");
		return;
	}
	if (vector < 16) {
		vlapic_warn_once(a, VLAPIC_W_ILLEGAL,
				 "vlapic: id %u: received illegal vector 0x%x, ESR bit 6 set\n",
				 a->id, vector);
		set_error(a, VLAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	/* A vector already requested changes nothing (RVI is at least it). */
	if (!vec_test(irr_map(a), vector)) {
		vec_set(irr_map(a), vector);
		a->intr_gen++;
	}
	if (vec_test(tmr_map(a), vector) != level) {
		a->gen++;
		if (level)
			vec_set(tmr_map(a), vector);
		else
			vec_clear(tmr_map(a), vector);
	}
}

uint8_t vlapic_ppr(const struct vlapic *a)
{
	int isrv = vec_highest(isr_map(a));
	uint32_t cls = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	uint32_t tpr = VLAPIC_TPR(a) & 0xff;

	return (tpr & 0xf0) >= cls ? (uint8_t)tpr : (uint8_t)cls;
}

uint16_t vlapic_intr_status(const struct vlapic *a)
{
	int rvi = vec_highest(irr_map(a)), svi = vec_highest(isr_map(a));

	return (uint16_t)((svi < 0 ? 0 : (uint32_t)svi << 8) | (rvi < 0 ? 0 : (uint32_t)rvi));
}

int vlapic_pending(const struct vlapic *a)
{
	int irrv = vec_highest(irr_map(a));

	if (!a->enabled_hw || irrv < 0)
		return -1;
	return ((uint32_t)irrv & 0xf0) > (vlapic_ppr(a) & 0xf0u) ? irrv : -1;
}

void vlapic_ack(struct vlapic *a, uint8_t vector)
{
	if (!vec_test(irr_map(a), vector)) {
		vlapic_warn_once(a, VLAPIC_W_ACK,
				 "vlapic: id %u: ack of vector 0x%x that is not pending, ignored\n",
				 a->id, vector);
		return;
	}
	vec_clear(irr_map(a), vector);
	vec_set(isr_map(a), vector);
	a->intr_gen++;
}

void vlapic_eoi(struct vlapic *a)
{
	int v = vec_highest(isr_map(a));

	if (v < 0)
		return; /* EOI with nothing in service: no effect */
	vec_clear(isr_map(a), (uint8_t)v);
	a->intr_gen++;
	if (vec_test(tmr_map(a), (uint8_t)v) && a->ops && a->ops->level_eoi)
		a->ops->level_eoi(a->ops->ctx, (uint8_t)v);
}

void vlapic_eoi_done(struct vlapic *a, uint8_t vector)
{
	/* Normally the CPU already cleared it, and moved SVI itself. */
	if (vec_test(isr_map(a), vector)) {
		vec_clear(isr_map(a), vector);
		a->intr_gen++;
	}
	if (vec_test(tmr_map(a), vector) && a->ops && a->ops->level_eoi)
		a->ops->level_eoi(a->ops->ctx, vector);
}

uint32_t vlapic_x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* Vectors 0-15 cannot be sent: ESR "send illegal vector" (11.5.3). True if refused. */
static bool send_illegal(struct vlapic *a, uint8_t vector)
{
	if (vector >= 16)
		return false;
	vlapic_warn_once(a, VLAPIC_W_ILLEGAL,
			 "vlapic: id %u: sent illegal vector 0x%x, ESR bit 5 set\n", a->id, vector);
	set_error(a, VLAPIC_ESR_SEND_ILLEGAL);
	return true;
}

/* ICR bits that make an IPI other than fixed, physical, edge, no shorthand:
 * delivery mode (10:8), destination mode (11), trigger mode (15), shorthand
 * (19:18). */
#define ICR_NOT_PLAIN 0x000c8f00u

/*
 * Decode an ICR write into an IPI request (11.6.1, Table 11-3 valid
 * combinations). Level-triggered messages with level 0 (INIT de-assert) are
 * ignored, other level-triggered ones act as edge (Table 11-3 note).
 */
static void icr_send(struct vlapic *a, uint32_t lo, uint32_t dest)
{
	uint8_t vector = lo & 0xff, dm = (lo >> 8) & 7, dest_mode = (lo >> 11) & 1;
	uint8_t sh = (lo >> 18) & 3;
	bool level = lo & (1u << 14), trig_level = lo & (1u << 15);

	/* The IPI guests send most, decoded in one test: fixed, physical,
	 * edge, no shorthand, a legal vector (what the checks below would
	 * let through unchanged; it is on every IPI's path). */
	if (!(lo & ICR_NOT_PLAIN) && vector >= 16 && a->ops && a->ops->send_ipi) {
		a->ops->send_ipi(a->ops->ctx, dest, 0, VLAPIC_SH_NONE, VLAPIC_DM_FIXED, vector,
				 true);
		return;
	}
	if (dm == 3 || dm == 7) {
		vlapic_warn_once(
			a, VLAPIC_W_ICR,
			"vlapic: id %u: ICR 0x%x has reserved delivery mode %u, not sent\n", a->id,
			lo, dm);
		return;
	}
	if (trig_level && !level)
		return;
	if ((sh == VLAPIC_SH_SELF || sh == VLAPIC_SH_ALL) && dm != VLAPIC_DM_FIXED) {
		vlapic_warn_once(
			a, VLAPIC_W_ICR,
			"vlapic: id %u: ICR 0x%x: delivery mode %u invalid with shorthand %u, not sent\n",
			a->id, lo, dm, sh);
		return;
	}
	if ((dm == VLAPIC_DM_FIXED || dm == VLAPIC_DM_LOWEST) && send_illegal(a, vector))
		return;
	if (dm != VLAPIC_DM_FIXED && dm != VLAPIC_DM_LOWEST && dm != VLAPIC_DM_SIPI)
		vector = 0;
	if (sh == VLAPIC_SH_SELF) {
		dest = a->id;
		dest_mode = 0;
	} else if (sh != VLAPIC_SH_NONE) {
		dest = a->x2apic ? 0xffffffffu : 0xffu;
		dest_mode = 0;
	}
	if (!a->ops || !a->ops->send_ipi) {
		vlapic_warn_once(a, VLAPIC_W_ICR,
				 "vlapic: id %u: no send_ipi callback, IPI dropped\n", a->id);
		return;
	}
	a->ops->send_ipi(a->ops->ctx, dest, dest_mode, sh, dm, vector, true);
}

static void svr_write(struct vlapic *a, uint32_t val)
{
	a->svr = val & regs[0x0f].wmask;
	/* Software disable masks every LVT entry (11.4.7.2). */
	if (!(a->svr & VLAPIC_SVR_ENABLE))
		for (int i = 0; i < VLAPIC_NR_LVT; i++)
			a->lvt[i] |= VLAPIC_LVT_MASKED;
}

/* Where a plainly stored register lives, or NULL for computed and absent ones. */
static uint32_t *slot(struct vlapic *a, uint32_t idx)
{
	switch (idx) {
	case 0x08:			  /* TPR */
	case 0x10 ... 0x27:		  /* ISR, TMR, IRR */
		return &a->regs[idx * 4]; /* the register page (vlapic.h) */
	case 0x0d:
		return &a->ldr;
	case 0x0e:
		return &a->dfr;
	case 0x0f:
		return &a->svr;
	case 0x28:
		return &a->esr;
	case 0x30: /* delivery status (bit 12) stays 0: IPIs go out at once */
		return &a->icr_lo;
	case 0x31:
		return &a->icr_hi;
	case 0x32 ... 0x37:
		return &a->lvt[idx - 0x32];
	case 0x38:
		return &a->timer_init;
	case 0x3e:
		return &a->timer_dcr;
	}
	return NULL;
}

static int reg_read(struct vlapic *a, uint32_t idx, bool x2, uint64_t now, uint32_t *val)
{
	const uint32_t *p;

	if (idx >= ARRAY_SIZE(regs) || !(regs[idx].acc & (x2 ? X2R : XR)))
		return -E_INVAL;
	if (idx == 0x02)
		*val = x2 ? a->id : (a->id & 0xff) << 24;
	else if (idx == 0x03)
		*val = VLAPIC_VERSION;
	else if (idx == 0x0a)
		*val = vlapic_ppr(a);
	else if (idx == 0x0d && x2)
		*val = vlapic_x2apic_ldr(a->id);
	else if (idx == 0x39)
		*val = vlapic_timer_current(a, now);
	else /* APR and RRD read 0: arbitration and remote read are not modelled */
		*val = (p = slot(a, idx)) ? *p : 0;
	return 0;
}

static int reg_write(struct vlapic *a, uint32_t idx, bool x2, uint32_t val, uint64_t now)
{
	const struct reg_desc *r = idx < ARRAY_SIZE(regs) ? &regs[idx] : NULL;

	if (!r || !(r->acc & (x2 ? X2W : XW)))
		return !x2 && r && (r->acc & XR) ? 0 : -E_INVAL; /* xAPIC: RO writes ignored */
	if (x2 && (val & ~r->x2_valid))
		return -E_INVAL;
	/* Only registers outside the page are published (xapic_publish()):
	 * TPR and EOI change the page's own, and in x2APIC mode the page shows
	 * none of them (vlapic_page_publish()), so those writes, the frequent
	 * ones, leave the publish alone. */
	if (!x2 && idx != 0x08 && idx != 0x0b)
		a->gen++;
	val &= r->wmask;
	if (idx >= 0x32 && idx <= 0x37 && !(a->svr & VLAPIC_SVR_ENABLE))
		val |= VLAPIC_LVT_MASKED; /* cannot unmask while software disabled */
	switch (idx) {
	case 0x0b:
		vlapic_eoi(a);
		break;
	case 0x0e:
		a->dfr = val | 0x0fffffffu; /* bits 27:0 read as ones (11.6.2.2) */
		break;
	case 0x0f:
		svr_write(a, val);
		break;
	case 0x28: /* ESR reads what was latched by its last write (11.5.3) */
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case 0x30:
		a->icr_lo = val;
		icr_send(a, val, a->icr_hi >> 24);
		break;
	case 0x32:
		vlapic_timer_set_lvt(a, val);
		break;
	case 0x38:
		vlapic_timer_set_initial(a, val, now);
		break;
	case 0x3e:
		vlapic_timer_set_dcr(a, val, now);
		break;
	case 0x3f: /* SELF IPI = fixed, edge, self shorthand (11.12.11) */
		if (!send_illegal(a, (uint8_t)val))
			vlapic_accept(a, (uint8_t)val, false);
		break;
	default: /* TPR, LDR, ICR high, the other LVTs: stored as written */
		*slot(a, idx) = val;
		break;
	}
	return 0;
}

/* Common checks of vlapic_read/vlapic_write; false means -E_INVAL. */
static bool mmio_ok(struct vlapic *a, uint32_t offset, const char *what)
{
	if ((offset & 0xf) || offset > 0x3f0) {
		vlapic_warn_once(
			a, VLAPIC_W_OFFSET,
			"vlapic: id %u: %s at unaligned or out-of-page offset 0x%x refused\n",
			a->id, what, offset);
		return false;
	}
	if (!a->enabled_hw) {
		vlapic_warn_once(a, VLAPIC_W_DISABLED,
				 "vlapic: id %u: %s of 0x%x while the APIC is globally disabled\n",
				 a->id, what, offset);
		return false;
	}
	return true;
}

static void xapic_refused(struct vlapic *a, uint32_t offset, const char *what)
{
	/* Only addresses reserved in xAPIC mode count as illegal (11.5.3, ESR bit 7). */
	if (!(regs[offset >> 4].acc & (XR | XW)))
		set_error(a, VLAPIC_ESR_ILLEGAL_REG);
	vlapic_warn_once(
		a, VLAPIC_W_XAPIC_RSVD,
		"vlapic: id %u: xAPIC %s of reserved or write-only register 0x%x ignored\n", a->id,
		what, offset);
}

int vlapic_read(struct vlapic *a, uint32_t offset, uint64_t now_tsc, uint32_t *val)
{
	uint64_t v64;
	int err;

	*val = 0;
	if (!mmio_ok(a, offset, "read"))
		return -E_INVAL;
	if (a->x2apic) {
		err = vlapic_msr_read(a, VLAPIC_MSR_BASE + (offset >> 4), now_tsc, &v64);
		*val = (uint32_t)v64;
		return err;
	}
	err = reg_read(a, offset >> 4, false, now_tsc, val);
	if (err)
		xapic_refused(a, offset, "read");
	return err;
}

int vlapic_write(struct vlapic *a, uint32_t offset, uint32_t val, uint64_t now_tsc)
{
	int err;

	if (!mmio_ok(a, offset, "write"))
		return -E_INVAL;
	if (a->x2apic)
		return vlapic_msr_write(a, VLAPIC_MSR_BASE + (offset >> 4), val, now_tsc);
	err = reg_write(a, offset >> 4, false, val, now_tsc);
	if (err)
		xapic_refused(a, offset, "write");
	return err;
}

/* `val` is the value written, or NULL for RDMSR. */
static int msr_refused(struct vlapic *a, uint32_t msr, const uint64_t *val)
{
	const char *why = !a->enabled_hw || !a->x2apic ? "not in x2APIC mode" :
							 "reserved register or bits";

	if (val)
		vlapic_warn_once(a, VLAPIC_W_GP,
				 "vlapic: id %u: WRMSR 0x%x <- 0x%llx refused: %s; #GP\n", a->id,
				 msr, (unsigned long long)*val, why);
	else
		vlapic_warn_once(a, VLAPIC_W_GP, "vlapic: id %u: RDMSR 0x%x refused: %s; #GP\n",
				 a->id, msr, why);
	return -E_INVAL;
}

int vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t now_tsc, uint64_t *val)
{
	uint32_t v = 0;

	*val = 0;
	if (!a->enabled_hw || !a->x2apic || msr < VLAPIC_MSR_BASE || msr > VLAPIC_MSR_LAST)
		return msr_refused(a, msr, NULL);
	if (msr == VLAPIC_MSR_ICR) {
		*val = (uint64_t)a->icr_hi << 32 | a->icr_lo;
		return 0;
	}
	if (reg_read(a, msr - VLAPIC_MSR_BASE, true, now_tsc, &v))
		return msr_refused(a, msr, NULL);
	*val = v;
	return 0;
}

int vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t val, uint64_t now_tsc)
{
	uint32_t lo = (uint32_t)val;

	if (!a->enabled_hw || !a->x2apic || msr < VLAPIC_MSR_BASE || msr > VLAPIC_MSR_LAST)
		return msr_refused(a, msr, &val);
	if (msr == VLAPIC_MSR_ICR) {
		/* One 64-bit write sends; destination in bits 63:32 (11.12.9). */
		if (lo & ~ICR_LO_BITS)
			return msr_refused(a, msr, &val);
		a->icr_lo = lo;
		a->icr_hi = (uint32_t)(val >> 32);
		icr_send(a, lo, a->icr_hi);
		return 0;
	}
	if ((val >> 32) || reg_write(a, msr - VLAPIC_MSR_BASE, true, lo, now_tsc))
		return msr_refused(a, msr, &val);
	return 0;
}

uint64_t vlapic_apic_base(const struct vlapic *a, bool bsp)
{
	return VLAPIC_BASE_ADDR | (bsp ? VLAPIC_BASE_BSP : 0) | (a->x2apic ? VLAPIC_BASE_EXTD : 0) |
	       (a->enabled_hw ? VLAPIC_BASE_EN : 0);
}

static int base_refused(struct vlapic *a, uint64_t val, const char *why)
{
	vlapic_warn_once(a, VLAPIC_W_BASE, "vlapic: id %u: IA32_APIC_BASE <- 0x%llx refused: %s\n",
			 a->id, (unsigned long long)val, why);
	return -E_INVAL;
}

int vlapic_set_apic_base(struct vlapic *a, uint64_t val)
{
	bool en = val & VLAPIC_BASE_EN, extd = val & VLAPIC_BASE_EXTD;

	if ((val & ~0xfffull) != VLAPIC_BASE_ADDR)
		return base_refused(a, val, "the APIC cannot be moved from 0xfee00000");
	if (val & 0xfffull & ~(VLAPIC_BASE_BSP | VLAPIC_BASE_EXTD | VLAPIC_BASE_EN))
		return base_refused(a, val, "reserved bits set");
	/* SDM 11.12.5: EXTD without EN is invalid; leaving x2APIC goes through disabled. */
	if (extd && !en)
		return base_refused(a, val, "x2APIC enable without APIC enable");
	if (en == a->enabled_hw && extd == a->x2apic)
		return 0;
	a->gen++;
	if (!en) {
		/* 11.4.3: a globally disabled APIC returns to its power-up state. */
		reset_regs(a);
		a->enabled_hw = false;
		a->x2apic = false;
		return 0;
	}
	if (a->x2apic)
		return base_refused(a, val, "x2APIC to xAPIC must go through disabled");
	if (extd && !a->enabled_hw)
		return base_refused(a, val, "disabled to x2APIC must go through xAPIC");
	if (extd) {
		/* xAPIC -> x2APIC: ID kept, LDR derived from it, ICR destination re-formed. */
		a->x2apic = true;
		a->icr_hi = 0;
	}
	a->enabled_hw = true;
	return 0;
}

void vlapic_page_publish(struct vlapic *a, bool with_ppr)
{
	/* Offsets whose reads APIC-register virtualization serves from the
	 * page (SDM 3C 30.4.2) and that the page does not store itself. */
	static const uint8_t virt[] = { 0x02, 0x03, 0x0b, 0x0d, 0x0e, 0x0f, 0x28, 0x30, 0x31,
					0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x3e };
	bool live = a->enabled_hw && !a->x2apic;
	uint32_t v;

	for (size_t i = 0; i < ARRAY_SIZE(virt); i++) {
		v = 0;
		/* EOI is write-only: reads of it give 0 on a real xAPIC too. */
		if (live && virt[i] != 0x0b)
			reg_read(a, virt[i], false, 0, &v);
		a->regs[virt[i] * 4] = v;
	}
	if (with_ppr)
		a->regs[VLAPIC_REG_PPR / 4] = live ? vlapic_ppr(a) : 0;
}

bool vlapic_match_dest(const struct vlapic *target, uint32_t dest, uint8_t dest_mode,
		       bool x2apic_sender)
{
	uint32_t ldr8, d8;

	if (!target->enabled_hw)
		return false;
	if (dest == (x2apic_sender ? 0xffffffffu : 0xffu))
		return true;
	if (!dest_mode)
		return vlapic_match_phys(target, dest);
	if (target->x2apic) {
		uint32_t ldr = vlapic_x2apic_ldr(target->id);

		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	if (dest > 0xff)
		return false;
	/* xAPIC logical: flat or cluster model from DFR[31:28] (11.6.2.2). */
	ldr8 = target->ldr >> 24;
	d8 = dest;
	if ((target->dfr >> 28) == 0xf)
		return d8 & ldr8;
	if ((target->dfr >> 28) == 0)
		return (d8 >> 4) == (ldr8 >> 4) && (d8 & ldr8 & 0xf);
	return false;
}
