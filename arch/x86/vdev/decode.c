// SPDX-License-Identifier: MIT
/*
 * Decoder for guest MMIO instructions (MOV, MOV imm, MOV moffs, MOVZX,
 * MOVSX with a memory operand) and the register-file side of emulating them.
 * Environment: pure code (no hardware access), any core, interrupts either
 * way; also built hosted for unit tests.
 *
 * Everything here follows SDM Vol. 2A chapter 2: legacy prefixes (2.1.1),
 * REX (2.2.1), ModR/M and SIB with their displacement rules (2.1.5, tables
 * 2-1 to 2-3), RIP-relative addressing (2.2.1.6), and the operand/address
 * size attributes of each mode (Vol. 1 3.6 and 3.6.1).
 */
#include "arch/x86/vdev/decode.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

/* REX bits (SDM Vol. 2A 2.2.1, table 2-4). */
#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

/* Decoder state for one instruction. */
struct dstate {
	const uint8_t *bytes;
	size_t n;   /* bytes the caller gave us */
	size_t pos; /* next byte to consume */
	enum decode_mode mode;
	uint8_t rex;	   /* REX byte in effect, 0 if none */
	bool opsize_pfx;   /* 0x66 seen */
	bool addrsize_pfx; /* 0x67 seen */
};

/*
 * Consume k bytes and point *p at them. Fails if the instruction would be
 * longer than 15 bytes or than what the caller fetched.
 */
static int take(struct dstate *s, size_t k, const uint8_t **p)
{
	if (s->pos + k > DECODE_MAX_LEN) {
		kprintf("decode: instruction longer than %d bytes\n", DECODE_MAX_LEN);
		return -E_INVAL;
	}
	if (s->pos + k > s->n) {
		kprintf("decode: instruction truncated: needs at least %zu bytes, have %zu\n",
			s->pos + k, s->n);
		return -E_INVAL;
	}
	*p = s->bytes + s->pos;
	s->pos += k;
	return 0;
}

/* Little-endian value of k (<= 8) bytes. */
static uint64_t le_value(const uint8_t *p, size_t k)
{
	uint64_t v = 0;

	for (size_t i = k; i > 0; i--)
		v = (v << 8) | p[i - 1];
	return v;
}

/*
 * Effective operand size in bytes: REX.W forces 64 bits and wins over 0x66;
 * otherwise 0x66 toggles the mode's default (SDM Vol. 1 3.6.1, table 3-4).
 */
static uint8_t operand_size(const struct dstate *s)
{
	if (s->rex & REX_W)
		return 8;
	if (s->mode == DECODE_16)
		return s->opsize_pfx ? 4 : 2;
	return s->opsize_pfx ? 2 : 4;
}

/* Effective address size in bytes: 0x67 toggles the mode's default. */
static uint8_t address_size(const struct dstate *s)
{
	switch (s->mode) {
	case DECODE_16:
		return s->addrsize_pfx ? 4 : 2;
	case DECODE_32:
		return s->addrsize_pfx ? 2 : 4;
	default:
		return s->addrsize_pfx ? 4 : 8;
	}
}

/*
 * Consume the legacy and REX prefixes and return the first opcode byte in
 * *op. A REX byte counts only when it immediately precedes the opcode
 * (SDM Vol. 2A 2.2.1): a legacy prefix after it cancels it.
 */
static int take_prefixes(struct dstate *s, uint8_t *op)
{
	const uint8_t *p;
	int rc;

	for (;;) {
		rc = take(s, 1, &p);
		if (rc)
			return rc;
		switch (*p) {
		case 0x66:
			s->opsize_pfx = true;
			s->rex = 0;
			continue;
		case 0x67:
			s->addrsize_pfx = true;
			s->rex = 0;
			continue;
		case 0x26: /* ES, CS, SS, DS, FS, GS: the caller has the GPA already */
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
			s->rex = 0;
			continue;
		case 0xf0:
			kprintf("decode: LOCK prefix on an MMIO access is not supported\n");
			return -E_NOTSUP;
		case 0xf2:
		case 0xf3:
			kprintf("decode: REP/REPNE prefix 0x%02x on an MMIO access is not supported\n",
				*p);
			return -E_NOTSUP;
		default:
			break;
		}
		/* 40-4F are INC/DEC outside 64-bit mode, REX inside it. */
		if (s->mode == DECODE_64 && (*p & 0xf0) == 0x40) {
			s->rex = *p;
			continue;
		}
		*op = *p;
		return 0;
	}
}

/*
 * Consume ModR/M, SIB and displacement; return ModR/M.reg (REX.R applied)
 * in *reg. A register operand (mod == 3) is not a memory access.
 */
static int take_modrm(struct dstate *s, unsigned op, unsigned *reg)
{
	const uint8_t *p;
	unsigned mod, rm;
	size_t disp = 0;
	int rc;

	rc = take(s, 1, &p);
	if (rc)
		return rc;
	mod = *p >> 6;
	rm = *p & 7;
	*reg = ((*p >> 3) & 7) | ((s->rex & REX_R) ? 8 : 0);
	if (mod == 3) {
		kprintf("decode: opcode 0x%02x with ModR/M 0x%02x has a register operand, not memory\n",
			op, *p);
		return -E_NOTSUP;
	}

	if (address_size(s) == 2) {
		/* 16-bit addressing (table 2-1): no SIB; mod 0 rm 6 is disp16. */
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 6)
			disp = 2;
	} else {
		/*
		 * 32/64-bit addressing (tables 2-2, 2-3): rm 4 means a SIB
		 * follows; mod 0 with rm 5 is disp32 (RIP/EIP-relative in
		 * 64-bit mode), mod 0 with SIB base 5 is disp32 and no base.
		 * REX.B does not change either rule (SDM Vol. 2A 2.2.1.2).
		 */
		bool no_base = mod == 0 && rm == 5;

		if (rm == 4) {
			rc = take(s, 1, &p);
			if (rc)
				return rc;
			no_base = mod == 0 && (*p & 7) == 5;
		}
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || no_base)
			disp = 4;
	}
	if (disp)
		return take(s, disp, &p);
	return 0;
}

/*
 * Name a byte register: without any REX prefix, numbers 4-7 are AH, CH,
 * DH, BH (SDM Vol. 2A 2.2.1.2 / Vol. 1 3.4.1.1); with one, SPL..DIL.
 */
static void set_byte_reg(const struct dstate *s, struct mmio_insn *out, unsigned reg)
{
	if (!s->rex && reg >= 4 && reg <= 7) {
		out->reg = (int8_t)(reg - 4);
		out->high_byte = true;
	} else {
		out->reg = (int8_t)reg;
	}
}

/* MOV between a register and memory: 88, 89, 8A, 8B. */
static int decode_mov_rm(struct dstate *s, uint8_t op, struct mmio_insn *out)
{
	unsigned reg;
	int rc = take_modrm(s, op, &reg);

	if (rc)
		return rc;
	out->write = !(op & 2);
	if (op & 1) {
		out->size = operand_size(s);
		out->reg = (int8_t)reg;
	} else {
		out->size = 1;
		set_byte_reg(s, out, reg);
	}
	out->dst_size = out->size;
	return 0;
}

/* MOV of an immediate to memory: C6 /0 ib, C7 /0 iw/id. */
static int decode_mov_imm(struct dstate *s, uint8_t op, struct mmio_insn *out)
{
	const uint8_t *p;
	unsigned reg;
	size_t imm_len;
	int rc = take_modrm(s, op, &reg);

	if (rc)
		return rc;
	if (reg & 7) {
		kprintf("decode: opcode 0x%02x /%u is not supported\n", op, reg & 7);
		return -E_NOTSUP;
	}
	out->write = true;
	out->reg = -1;
	out->size = op == 0xc6 ? 1 : operand_size(s);
	out->dst_size = out->size;
	/* C7 with REX.W takes an imm32 and sign-extends it to 64 bits. */
	imm_len = out->size == 8 ? 4 : out->size;
	rc = take(s, imm_len, &p);
	if (rc)
		return rc;
	out->imm = le_value(p, imm_len);
	if (out->size == 8 && (out->imm & 0x80000000u))
		out->imm |= 0xffffffff00000000ULL;
	return 0;
}

/* MOV between the accumulator and a direct offset: A0-A3 (moffs). */
static int decode_mov_moffs(struct dstate *s, uint8_t op, struct mmio_insn *out)
{
	const uint8_t *p;

	out->write = (op & 2) != 0;
	out->size = (op & 1) ? operand_size(s) : 1;
	out->dst_size = out->size;
	out->reg = 0; /* AL/AX/EAX/RAX; REX.B does not apply */
	/* The offset is as wide as the address size (8 bytes in 64-bit mode). */
	return take(s, address_size(s), &p);
}

/* MOVZX / MOVSX loads: 0F B6, B7, BE, BF. */
static int decode_movx(struct dstate *s, uint8_t op2, struct mmio_insn *out)
{
	unsigned reg;
	int rc = take_modrm(s, op2, &reg);

	if (rc)
		return rc;
	out->write = false;
	out->size = (op2 & 1) ? 2 : 1;
	out->dst_size = operand_size(s);
	out->reg = (int8_t)reg;
	out->zero_extend = op2 < 0xb8;
	out->sign_extend = !out->zero_extend;
	return 0;
}

/* Dispatch on the opcode (one- and two-byte maps, SDM Vol. 2D tables ). */
static int decode_opcode(struct dstate *s, uint8_t op, struct mmio_insn *out)
{
	const uint8_t *p;
	int rc;

	switch (op) {
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
		return decode_mov_rm(s, op, out);
	case 0xc6:
	case 0xc7:
		return decode_mov_imm(s, op, out);
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		return decode_mov_moffs(s, op, out);
	case 0x0f:
		rc = take(s, 1, &p);
		if (rc)
			return rc;
		switch (*p) {
		case 0xb6:
		case 0xb7:
		case 0xbe:
		case 0xbf:
			return decode_movx(s, *p, out);
		default:
			kprintf("decode: unsupported opcode 0x0f 0x%02x for an MMIO access\n", *p);
			return -E_NOTSUP;
		}
	default:
		kprintf("decode: unsupported opcode 0x%02x for an MMIO access\n", op);
		return -E_NOTSUP;
	}
}

int decode_mmio(const uint8_t *bytes, size_t n, enum decode_mode mode, struct mmio_insn *out)
{
	struct dstate s = { .bytes = bytes, .n = n, .mode = mode };
	uint8_t op;
	int rc;

	if (!out) {
		kprintf("decode: no output structure\n");
		return -E_INVAL;
	}
	memset(out, 0, sizeof(*out));
	if ((!bytes && n) || (mode != DECODE_16 && mode != DECODE_32 && mode != DECODE_64)) {
		kprintf("decode: bad arguments (bytes %p, mode %d)\n", (const void *)bytes,
			(int)mode);
		return -E_INVAL;
	}

	rc = take_prefixes(&s, &op);
	if (!rc)
		rc = decode_opcode(&s, op, out);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->len = (uint8_t)s.pos;
	return 0;
}

/* All-ones in the low size bytes. */
static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static bool valid_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

int decode_apply_load(const struct mmio_insn *in, uint64_t value, uint64_t *regs)
{
	unsigned dst;
	uint64_t v, *r;

	if (!in || !regs || in->write || in->reg < 0 || in->reg > 15 || !valid_size(in->size)) {
		kprintf("decode: apply_load given something that is not a register load\n");
		return -E_INVAL;
	}
	/* A hand-built plain load may leave dst_size 0: it means "== size". */
	dst = in->dst_size ? in->dst_size : in->size;
	if (!valid_size(dst) || dst < in->size || (in->zero_extend && in->sign_extend) ||
	    (in->high_byte && (in->reg > 3 || dst != 1))) {
		kprintf("decode: apply_load: inconsistent load (size %u, dst_size %u, reg %d)\n",
			in->size, in->dst_size, in->reg);
		return -E_INVAL;
	}

	v = value & size_mask(in->size);
	if (in->sign_extend && in->size < 8 && (v >> (in->size * 8 - 1)) & 1)
		v |= ~size_mask(in->size);

	/* Register write rules: SDM Vol. 1 3.4.1.1. */
	r = &regs[in->reg];
	if (dst == 8)
		*r = v;
	else if (dst == 4)
		*r = v & 0xffffffffULL; /* 32-bit results zero the upper half */
	else if (in->high_byte)
		*r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
	else
		*r = (*r & ~size_mask(dst)) | (v & size_mask(dst));
	return 0;
}

uint64_t decode_store_value(const struct mmio_insn *in, const uint64_t *regs)
{
	if (!in || !regs || !in->write || !valid_size(in->size) || in->reg < -1 || in->reg > 15 ||
	    (in->high_byte && (in->reg < 0 || in->reg > 3 || in->size != 1))) {
		kprintf("decode: store_value given something that is not a valid store\n");
		return 0;
	}
	if (in->reg < 0)
		return in->imm & size_mask(in->size);
	if (in->high_byte)
		return (regs[in->reg] >> 8) & 0xff;
	return regs[in->reg] & size_mask(in->size);
}
