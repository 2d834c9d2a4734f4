// SPDX-License-Identifier: MIT
/*
 * Fuzz harness for the MMIO instruction decoder: decode_mmio() of the input
 * bytes in the mode byte 0 names, then the promises of arch/x86/vdev/decode.h:
 * the length fits what was given and the 15-byte limit, the register and
 * sizes are in range, the decoded access can be applied (loads) or its
 * value computed (stores), and the decoder never looks past the length it
 * reports.
 * Environment: hosted fuzz harness (clang -fsanitize=fuzzer,address,undefined).
 *
 * Input: byte 0 bits 0-1 are the mode (3 is an invalid mode the decoder must
 * refuse); the rest are the instruction bytes as fetched at guest RIP.
 */
#include <stdbool.h>
#include <string.h>

#include "arch/x86/vdev/decode.h"
#include "lib/errno.h"
#include "tests/fuzz/fuzz.h"

static bool valid_size(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

static void check_insn(const struct mmio_insn *in, size_t n)
{
	FUZZ_CHECK(in->len >= 1 && in->len <= n && in->len <= DECODE_MAX_LEN);
	FUZZ_CHECK(valid_size(in->size) && valid_size(in->dst_size) && in->dst_size >= in->size);
	FUZZ_CHECK(in->reg >= -1 && in->reg <= 15);
	FUZZ_CHECK(!in->high_byte || (in->reg >= 0 && in->reg <= 3 && in->size == 1));
	FUZZ_CHECK(!(in->zero_extend && in->sign_extend));
	if (in->write) {
		/* Stores never extend; an immediate fits its size (sign-extended at 8). */
		FUZZ_CHECK(!in->zero_extend && !in->sign_extend && in->dst_size == in->size);
		if (in->reg < 0 && in->size < 8)
			FUZZ_CHECK(in->imm >> (in->size * 8) == 0);
	} else {
		FUZZ_CHECK(in->reg >= 0 && in->imm == 0);
		/* Only MOVZX / MOVSX widen: a plain load fills a register of its size. */
		FUZZ_CHECK(in->zero_extend || in->sign_extend || in->dst_size == in->size);
	}
}

/* The register-file side must accept whatever decode_mmio() produced. */
static void check_apply(const struct mmio_insn *in)
{
	uint64_t regs[16], before[16];

	for (int i = 0; i < 16; i++)
		regs[i] = before[i] = 0x0123456789abcdefull * (uint64_t)(i + 1);
	if (in->write) {
		uint64_t v = decode_store_value(in, regs);

		FUZZ_CHECK(in->size == 8 || v >> (in->size * 8) == 0);
		return;
	}
	FUZZ_CHECK(decode_apply_load(in, 0xfedcba9876543210ull, regs) == 0);
	/* Only the destination register changes. */
	for (int i = 0; i < 16; i++)
		FUZZ_CHECK(i == in->reg || regs[i] == before[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmio_insn in, again;
	enum decode_mode mode;
	uint8_t *bytes;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	mode = (enum decode_mode)(data[0] & 3);
	n = size - 1;
	/* An exact-size copy, so ASan sees any read past the n bytes given. */
	bytes = malloc(n ? n : 1);
	FUZZ_CHECK(bytes != NULL);
	memcpy(bytes, data + 1, n);

	rc = decode_mmio(n ? bytes : NULL, n, mode, &in);
	if (rc == 0) {
		FUZZ_CHECK(mode <= DECODE_64);
		check_insn(&in, n);
		check_apply(&in);
		/* Given exactly len bytes, the same instruction decodes the same way. */
		FUZZ_CHECK(decode_mmio(bytes, in.len, mode, &again) == 0);
		FUZZ_CHECK(memcmp(&in, &again, sizeof(in)) == 0);
	} else {
		static const struct mmio_insn zero;

		FUZZ_CHECK(rc == -E_INVAL || rc == -E_NOTSUP);
		FUZZ_CHECK(memcmp(&in, &zero, sizeof(in)) == 0);
	}
	free(bytes);
	return 0;
}
