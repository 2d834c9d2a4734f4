// SPDX-License-Identifier: MIT
/*
 * TSC calibration and time conversion.
 * Environment: freestanding hypervisor; calibration on the boot core with
 * interrupts off, conversions anywhere.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "lib/printf.h"

uint64_t tsc_khz;

#define PIT_HZ	 1193182
#define PIT_CH2	 0x42
#define PIT_CMD	 0x43
#define PIT_GATE 0x61

void pit_delay_us(uint32_t us)
{
	/*
	 * Channel 2, mode 0 (interrupt on terminal count), gated by port 0x61
	 * bit 0; OUT2 shows in port 0x61 bit 5 once the count reaches zero.
	 */
	uint32_t count = (uint32_t)(((uint64_t)PIT_HZ * us) / 1000000);

	if (count > 0xffff)
		count = 0xffff;
	uint8_t gate = inb(PIT_GATE);
	outb(PIT_GATE, (uint8_t)((gate & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(PIT_CMD, 0xb0);				  /* ch2, lo/hi, mode 0, binary */
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	/* Bounded: a PIT that never counts down (no PIT) must not hang boot. */
	uint64_t start = rdtsc();
	while (!(inb(PIT_GATE) & 0x20)) {
		if (rdtsc() - start > (1ULL << 36))
			break;
	}
	outb(PIT_GATE, gate);
}

static uint64_t khz_from_cpuid(const char **src)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t max = r.eax;

	/* SDM Vol. 3B, 19.7.3: TSC Hz = crystal Hz * EBX / EAX (leaf 0x15). */
	if (max >= 0x15) {
		r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx) {
			*src = "CPUID 0x15";
			return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
		}
	}
	/* Leaf 0x16 EAX: processor base frequency in MHz (a close stand-in). */
	if (max >= 0x16) {
		r = cpuid(0x16, 0);
		if (r.eax & 0xffff) {
			*src = "CPUID 0x16";
			return (uint64_t)(r.eax & 0xffff) * 1000;
		}
	}
	return 0;
}

void tsc_calibrate(void)
{
	const char *src = NULL;
	uint64_t khz = khz_from_cpuid(&src);

	if (!khz) {
		/* Best of three 10 ms PIT windows: the shortest is the least disturbed. */
		uint64_t best = UINT64_MAX;
		for (int i = 0; i < 3; i++) {
			uint64_t t0 = rdtsc();
			pit_delay_us(10000);
			uint64_t d = rdtsc() - t0;
			if (d < best)
				best = d;
		}
		khz = best / 10;
		src = "PIT";
	}
	if (!khz) {
		khz = 1000000;
		src = "nothing (assuming 1 GHz)";
	}
	tsc_khz = khz;
	kprintf("tsc: %llu.%03llu MHz from %s\n", (unsigned long long)(khz / 1000),
		(unsigned long long)(khz % 1000), src);
}

uint64_t tsc_uptime_us(void)
{
	if (!tsc_khz)
		return 0;
	uint64_t d = rdtsc() - boot_tsc;
	return d / tsc_khz * 1000 + (d % tsc_khz) * 1000 / tsc_khz;
}

uint64_t tsc_from_us(uint64_t us)
{
	return us * tsc_khz / 1000;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_from_us(us);

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
