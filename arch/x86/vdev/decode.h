/* SPDX-License-Identifier: MIT */
/*
 * Decoder for the few x86 instruction forms guests use to touch MMIO
 * (e.g. the xAPIC page): MOV to/from memory, MOV of an immediate to memory,
 * MOV with the accumulator and a direct offset, MOVZX and MOVSX loads.
 * An EPT violation or APIC-access exit (SDM Vol. 3C 28.2.1, "Basic VM-Exit
 * Information") gives the guest-physical address but not the
 * value or the register; the exit handler fetches the bytes at guest RIP
 * and asks this decoder what the access was.
 * Environment: pure code (no hardware access), any core, interrupts either
 * way; also built hosted for unit tests.
 *
 * Instruction format references: SDM Vol. 2A chapter 2 (2.1.1 prefixes,
 * 2.1.5 ModR/M and SIB tables 2-1..2-3, 2.2.1 REX, 2.2.1.6 RIP-relative)
 * and the MOV / MOVZX / MOVSX pages of Vol. 2B chapter 4.
 */
#ifndef ARCH_X86_DECODE_H
#define ARCH_X86_DECODE_H

#include "lib/types.h"

/* Architectural instruction length limit (SDM Vol. 2A 2.3.11; #GP beyond it). */
#define DECODE_MAX_LEN 15

/*
 * Guest code size, computed by the caller from CR0.PE, EFER.LMA and CS.L /
 * CS.D (SDM Vol. 3A 5.2.1): it sets the default operand and address sizes.
 */
enum decode_mode {
	DECODE_16,
	DECODE_32,
	DECODE_64,
};

/* One decoded MMIO access. */
struct mmio_insn {
	uint8_t len;	  /* total instruction length in bytes (RIP advance) */
	bool write;	  /* store to memory (true) or load from memory (false) */
	uint8_t size;	  /* bytes accessed in memory: 1, 2, 4 or 8 */
	int8_t reg;	  /* GPR number 0-15 (rax=0 .. r15=15), or -1 for an immediate */
	bool high_byte;	  /* reg 0-3 names AH, CH, DH, BH (byte op without REX) */
	uint64_t imm;	  /* stored immediate (reg == -1); 64-bit stores hold it sign-extended */
	bool zero_extend; /* MOVZX load */
	bool sign_extend; /* MOVSX load */
	uint8_t dst_size; /* size of the register written by a load (== size unless MOVZX/MOVSX) */
};

/*
 * Decode the instruction at bytes[0 .. n-1] (only the first DECODE_MAX_LEN
 * bytes are ever looked at) as a guest in the given mode would execute it.
 * Returns 0 and fills *out; -E_NOTSUP for an opcode, prefix (LOCK, REP) or
 * register operand (ModR/M mod == 3) that is not a supported memory access;
 * -E_INVAL when the instruction needs more than n bytes or more than 15, or
 * for a bad mode / NULL pointer. Every failure prints one "decode: " line.
 * Preconditions: bytes points to n readable bytes (may be NULL if n == 0);
 * out is writable. *out is zeroed on failure.
 */
int decode_mmio(const uint8_t *bytes, size_t n, enum decode_mode mode, struct mmio_insn *out);

/*
 * Write a loaded value into the destination register with x86 semantics:
 * 32-bit destinations zero-extend into the whole 64-bit register, 8- and
 * 16-bit destinations merge into the low bits, AH..BH write bits 15:8 of
 * rax..rbx, MOVZX/MOVSX extend from size to dst_size first. Bits of value
 * above in->size are ignored. regs[] holds the 16 GPRs in encoding order;
 * slot 4 is RSP, which the caller moves to/from the VMCS itself.
 * Returns 0, or -E_INVAL (one "decode: " line) if *in is not a valid load.
 * Preconditions: in came from decode_mmio; regs has 16 entries.
 */
int decode_apply_load(const struct mmio_insn *in, uint64_t value, uint64_t *regs);

/*
 * The value a decoded store writes to memory, masked to in->size: the
 * immediate, a GPR, or bits 15:8 of rax..rbx for AH..BH.
 * Returns 0 (and prints one "decode: " line) if *in is not a valid store.
 * Preconditions: in came from decode_mmio; regs has 16 entries.
 */
uint64_t decode_store_value(const struct mmio_insn *in, const uint64_t *regs);

#endif
