// SPDX-License-Identifier: MIT
/*
 * ACPI PM1a registers and PM timer (arch/x86/vdev/acpi_pm.h).
 * Environment: pure (hosted tests too); callers serialise.
 *
 * Rules:
 * 1. The block is 12 bytes: PM1_STS (0-1), PM1_EN (2-3), PM1_CNT (4-5),
 *    two bytes that read 0 (6-7), PM_TMR (8-11). An access is split into
 *    bytes, so any size at any offset reads and writes what those bytes
 *    hold; bytes past the block read 0xff and ignore writes.
 * 2. PM1_STS is write-1-to-clear and nothing ever sets it: reads 0.
 * 3. PM1_CNT: SCI_EN (bit 0) reads 1 (no SMI_CMD, always ACPI mode);
 *    SLP_EN (bit 13) is write-only and reads 0; GBL_RLS (bit 2) is
 *    write-only. SLP_TYP (bits 12:10) and BM_RLD (bit 1) read back.
 * 4. PM_TMR = floor((now - tsc0) * 3579545 / tsc_hz) mod 2^24, computed
 *    without 64-bit overflow, so it is monotonic modulo its wrap (every
 *    4.69 s, ACPI 6.5 section 4.8.3.3). Writes are ignored.
 */
#include "arch/x86/vdev/acpi_pm.h"
#include "arch/x86/vdev/acpi_build.h"

#define BLOCK_LEN   12
#define CNT_RW_BITS 0x1c02u /* SLP_TYP, BM_RLD */

void acpi_pm_init(struct acpi_pm *pm, uint64_t tsc0, uint64_t tsc_hz)
{
	pm->en = 0;
	pm->cnt = 0;
	pm->tsc0 = tsc0;
	pm->tsc_hz = tsc_hz ? tsc_hz : 1;
}

uint32_t acpi_pm_timer(const struct acpi_pm *pm, uint64_t now)
{
	uint64_t d = now > pm->tsc0 ? now - pm->tsc0 : 0, hz = pm->tsc_hz;
	/* Whole seconds, then the remainder: (d % hz) * 3579545 < 2^64 for
	 * any hz below 5 THz. */
	uint64_t t = (d / hz) * ACPI_PM_TMR_HZ + (d % hz) * ACPI_PM_TMR_HZ / hz;

	return (uint32_t)t & ACPI_PM_TMR_MASK;
}

static uint8_t read_byte(const struct acpi_pm *pm, uint32_t off, uint64_t now)
{
	uint32_t v;

	switch (off) {
	case 0:
	case 1:
		return 0; /* rule 2 */
	case 2:
	case 3:
		return (uint8_t)(pm->en >> (8 * (off - 2)));
	case 4:
	case 5:
		v = (pm->cnt & CNT_RW_BITS) | ACPI_PM1_SCI_EN;
		return (uint8_t)(v >> (8 * (off - 4)));
	case 6:
	case 7:
		return 0;
	case 8:
	case 9:
	case 10:
	case 11:
		return (uint8_t)(acpi_pm_timer(pm, now) >> (8 * (off - 8)));
	}
	return 0xff;
}

uint32_t acpi_pm_read(const struct acpi_pm *pm, uint32_t off, uint32_t size, uint64_t now)
{
	uint32_t v = 0;

	/* One timer value for the whole access, so a 32-bit read is coherent. */
	for (uint32_t i = 0; i < size && i < 4; i++)
		v |= (uint32_t)read_byte(pm, off + i, now) << (8 * i);
	return v;
}

enum acpi_pm_action acpi_pm_write(struct acpi_pm *pm, uint32_t off, uint32_t size, uint32_t val)
{
	uint32_t cnt = pm->cnt;
	bool cnt_written = false;

	for (uint32_t i = 0; i < size && i < 4; i++) {
		uint32_t o = off + i, b = (val >> (8 * i)) & 0xff;
		if (o == 2 || o == 3) {
			uint32_t sh = 8 * (o - 2);
			pm->en = (uint16_t)((pm->en & ~(0xffu << sh)) | (b << sh));
		} else if (o == 4 || o == 5) {
			uint32_t sh = 8 * (o - 4);
			cnt = (cnt & ~(0xffu << sh)) | (b << sh);
			cnt_written = true;
		}
	}
	if (!cnt_written)
		return ACPI_PM_NOTHING;
	pm->cnt = (uint16_t)(cnt & CNT_RW_BITS);
	if ((cnt & ACPI_PM1_SLP_EN) && ACPI_PM1_SLP_TYP(cnt) == ACPI_S5_SLP_TYP)
		return ACPI_PM_SOFT_OFF;
	return ACPI_PM_NOTHING;
}
