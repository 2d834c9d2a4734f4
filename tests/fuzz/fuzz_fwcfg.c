// SPDX-License-Identifier: MIT
/*
 * Fuzz harness for the guest-driven PC devices of issue 12: QEMU's fw_cfg
 * (arch/x86/vdev/fwcfg.c, port and DMA interfaces) and the ACPI PM block
 * (arch/x86/vdev/acpi_pm.c). The input is a program of operations a guest
 * could issue; guest memory is an exact-size heap block, so ASan sees any
 * access the device makes outside it.
 * Environment: hosted fuzz harness (clang -fsanitize=fuzzer,address,undefined).
 *
 * Operations (first byte mod 5, then their arguments, little-endian):
 *   0 select  u16 key
 *   1 read    u8 n: n data-port reads
 *   2 dma     u32 control, u32 length, u64 address (stored at the request
 *             slot in guest memory), u64 gpa of the request to run
 *   3 pm rd   u8 offset (mod 12), u8 size (1, 2 or 4), u32 TSC step
 *   4 pm wr   u8 offset (mod 12), u8 size, u32 value
 * Invariants: the offset never passes the selected file's end; reads past
 * an item's end are 0; DMA returns 0, ERROR or ERROR|0x100 and, when the
 * request was reachable, the control word in memory says the same; the PM
 * timer never exceeds 24 bits and never goes back by less than a wrap;
 * soft-off only for a write that sets SLP_EN with SLP_TYP 5.
 */
#include <stdbool.h>
#include <string.h>

#include "arch/x86/vdev/acpi_pm.h"
#include "arch/x86/vdev/fwcfg.h"
#include "tests/fuzz/fuzz.h"

#define GMEM 8192

static uint8_t *gmem;

static void *gmap(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa >= GMEM || len > GMEM - gpa)
		return NULL;
	return gmem + gpa;
}

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static void put_be32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t f0[] = "opt/a contents";
	static const uint8_t f1[1] = { 0x5a };
	struct in in = { data, size };
	struct fwcfg f;
	struct acpi_pm pm;
	uint64_t now = 1000; /* the timer's origin: it reads 0 here */
	uint32_t last_tmr = 0;

	gmem = malloc(GMEM);
	FUZZ_CHECK(gmem != NULL);
	memset(gmem, 0, GMEM);
	fwcfg_init(&f, 1ull << 30, 4);
	FUZZ_CHECK(fwcfg_add_file(&f, "opt/a", f0, sizeof(f0) - 1) == 0);
	FUZZ_CHECK(fwcfg_add_file(&f, "opt/b", f1, sizeof(f1)) == 0);
	acpi_pm_init(&pm, 1000, 2000000000ull);
	while (in.n) {
		switch (take(&in, 1) % 5) {
		case 0:
			fwcfg_select(&f, (uint16_t)take(&in, 2));
			break;
		case 1: {
			uint32_t n = (uint32_t)take(&in, 1);
			for (uint32_t i = 0; i < n; i++) {
				uint32_t before = f.off;
				uint8_t b = fwcfg_read(&f);
				if (f.off == before)
					FUZZ_CHECK(b == 0); /* past the end: 0, offset kept */
			}
			break;
		}
		case 2: {
			uint32_t control = (uint32_t)take(&in, 4), len = (uint32_t)take(&in, 4);
			uint64_t addr = take(&in, 8), gpa = take(&in, 8) % (GMEM + 64);
			bool reachable = gpa + 16 <= GMEM;
			if (reachable) {
				put_be32(gmem + gpa, control);
				put_be32(gmem + gpa + 4, len);
				put_be32(gmem + gpa + 8, (uint32_t)(addr >> 32));
				put_be32(gmem + gpa + 12, (uint32_t)addr);
			}
			uint32_t r = fwcfg_dma(&f, gpa, gmap, NULL);
			FUZZ_CHECK(r == 0 || r == FWCFG_DMA_ERROR ||
				   r == (FWCFG_DMA_ERROR | 0x100));
			FUZZ_CHECK(reachable == (r != (FWCFG_DMA_ERROR | 0x100)));
			if (reachable)
				FUZZ_CHECK(get_be32(gmem + gpa) == r);
			break;
		}
		case 3: {
			uint32_t off = (uint32_t)(take(&in, 1) % 12), sz = 1u << (take(&in, 1) % 3);
			uint64_t step = take(&in, 4);
			now += step;
			(void)acpi_pm_read(&pm, off, sz, now);
			uint32_t t = acpi_pm_timer(&pm, now);
			FUZZ_CHECK(t <= ACPI_PM_TMR_MASK);
			/* A step is below 2^32 TSC ticks (2.1 s at 2 GHz), less than a
			 * wrap (4.69 s): the timer went forward, by at most the step's
			 * worth of 3.579545 MHz ticks. */
			uint64_t fwd = (t - last_tmr) & ACPI_PM_TMR_MASK;
			FUZZ_CHECK(fwd <= step * 3579545ull / 2000000000ull + 1);
			last_tmr = t;
			break;
		}
		default: {
			uint32_t off = (uint32_t)(take(&in, 1) % 12), sz = 1u << (take(&in, 1) % 3);
			uint32_t val = (uint32_t)take(&in, 4), cnt = 0;
			bool any = false;
			for (uint32_t i = 0; i < sz; i++)
				if (off + i == 4 || off + i == 5) {
					cnt |= ((val >> (8 * i)) & 0xff) << (8 * (off + i - 4));
					any = true;
				}
			uint32_t old = (uint32_t)acpi_pm_read(&pm, 4, 2, now) & ~1u;
			if (any && !(off <= 4 && off + sz > 4))
				cnt |= old & 0xff; /* the byte not written keeps its value */
			if (any && !(off <= 5 && off + sz > 5))
				cnt |= old & 0xff00;
			enum acpi_pm_action a = acpi_pm_write(&pm, off, sz, val);
			bool off_wanted = any && (cnt & ACPI_PM1_SLP_EN) &&
					  ACPI_PM1_SLP_TYP(cnt) == 5;
			FUZZ_CHECK((a == ACPI_PM_SOFT_OFF) == off_wanted);
			break;
		}
		}
		if (f.sel >= FWCFG_FILE_FIRST && f.sel < FWCFG_FILE_FIRST + f.nfiles)
			FUZZ_CHECK(f.off <= f.files[f.sel - FWCFG_FILE_FIRST].size);
		FUZZ_CHECK(f.nfiles == 2);
	}
	free(gmem);
	return 0;
}
