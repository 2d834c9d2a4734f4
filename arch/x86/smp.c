// SPDX-License-Identifier: MIT
/*
 * AP start-up (SDM Vol. 3A, 9.4 "Multiple-Processor (MP) Initialization").
 * All cores are started together: INIT to every AP, a single 10 ms wait,
 * then STARTUP IPIs to every AP, so bring-up time is one fixed wait plus a
 * short per-core IPI loop instead of 10 ms per core.
 * Environment: freestanding hypervisor, boot core, interrupts off.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "lib/printf.h"
#include "lib/string.h"

struct ap_boot_entry {
	uint32_t apic_id;
	uint32_t pad;
	struct pcpu *pcpu;
};

/* Read by boot/trampoline.S. */
struct ap_boot_entry ap_boot_table[CONFIG_MAX_CPUS];
uint32_t ap_boot_count;
uint32_t ap_boot_cr3;
uint32_t ap_boot_efer;

extern const char tramp_start[], tramp_end[];
extern const uint32_t tramp_off_gdtr, tramp_off_far32, tramp_off_far64, tramp_off_pm32,
	tramp_off_lm64, tramp_off_gdt;

static void patch32(uint64_t page, uint32_t off, uint32_t val)
{
	memcpy((void *)(uintptr_t)(page + off), &val, sizeof(val));
}

uint64_t smp_trampoline_install(const struct mem_region *map, size_t n)
{
	/* The EBDA (BDA word at 0x40e) and everything from 0x9f000 up are
	 * firmware's; page 0 holds the real-mode IVT and BDA. */
	uint64_t ebda = (uint64_t)(*(volatile uint16_t *)phys_ptr(0x40e)) << 4;
	uint64_t limit = (ebda >= 0x80000 && ebda < 0x9f000) ? ebda : 0x9f000;

	for (uint64_t pg = 0x8000; pg + PAGE_SIZE <= limit; pg += PAGE_SIZE) {
		bool ok = false;
		for (size_t i = 0; i < n; i++) {
			if (map[i].type != MEM_AVAILABLE)
				continue;
			if (map[i].base <= pg && pg + PAGE_SIZE <= map[i].base + map[i].len)
				ok = true;
		}
		for (size_t i = 0; ok && i < n; i++) {
			if (map[i].type != MEM_AVAILABLE && map[i].len &&
			    map[i].base < pg + PAGE_SIZE && pg < map[i].base + map[i].len)
				ok = false;
		}
		if (!ok)
			continue;
		memcpy((void *)(uintptr_t)pg, tramp_start, (size_t)(tramp_end - tramp_start));
		patch32(pg, tramp_off_gdtr, (uint32_t)pg + tramp_off_gdt);
		patch32(pg, tramp_off_far32, (uint32_t)pg + tramp_off_pm32);
		patch32(pg, tramp_off_far64, (uint32_t)pg + tramp_off_lm64);
		return pg;
	}
	kprintf("smp: no free page below 1 MiB for the AP trampoline; APs will not start\n");
	return 0;
}

/*
 * Progress of the started cores: one point for reaching C, one more for
 * coming online. Any change means bring-up is still moving.
 */
static uint32_t progress(uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t st =
			__atomic_load_n(&ap_boot_table[i].pcpu->shared.state, __ATOMIC_ACQUIRE);
		k += st == PCPU_ALIVE ? 1 : st == PCPU_STARTING ? 0 : 2;
	}
	return k;
}

uint32_t smp_start(uint64_t tramp, const struct smp_target *t, uint32_t n, uint64_t timeout_us)
{
	uint32_t online = 1;

	ap_boot_cr3 = (uint32_t)paging_cr3;
	ap_boot_efer = (uint32_t)(EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE));
	ap_boot_count = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct pcpu *p = pcpu_by_id[i + 1];
		if (!p)
			continue;
		p->shared.state = PCPU_STARTING;
		ap_boot_table[ap_boot_count++] = (struct ap_boot_entry){ t[i].apic_id, 0, p };
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (ap_boot_count == 0)
		return online;
	uint8_t vec = (uint8_t)(tramp >> 12);
	for (uint32_t i = 0; i < ap_boot_count; i++)
		apic_send_init(ap_boot_table[i].apic_id);
	udelay(10000); /* SDM 9.4.4.1: 10 ms after INIT */
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < ap_boot_count; i++) {
			struct pcpu *p = ap_boot_table[i].pcpu;
			if (t[p->id - 1].skip_sipi)
				continue;
			if (__atomic_load_n(&p->shared.state, __ATOMIC_ACQUIRE) == PCPU_STARTING)
				apic_send_sipi(ap_boot_table[i].apic_id, vec);
		}
		udelay(200); /* SDM 9.4.4.1: 200 us between STARTUP IPIs */
	}

	/* The deadline moves with progress: give up only after `timeout_us`
	 * without a single new arrival, so a slow emulator with many cores
	 * is not mistaken for dead cores, and a dead core costs one timeout. */
	uint32_t seen = 0;
	uint64_t deadline = rdtsc() + tsc_from_us(timeout_us);
	while ((int64_t)(rdtsc() - deadline) < 0) {
		uint32_t now = progress(ap_boot_count);
		if (now == 2 * ap_boot_count)
			break;
		if (now != seen) {
			seen = now;
			deadline = rdtsc() + tsc_from_us(timeout_us);
		}
		cpu_relax();
	}

	for (uint32_t i = 0; i < ap_boot_count; i++) {
		struct pcpu *p = ap_boot_table[i].pcpu;
		uint32_t st = __atomic_load_n(&p->shared.state, __ATOMIC_ACQUIRE);
		/* Claim the stragglers: a late AP then finds ABSENT and parks. */
		if ((st == PCPU_STARTING || st == PCPU_ALIVE) &&
		    __atomic_compare_exchange_n(&p->shared.state, &st, PCPU_ABSENT, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			kprintf("smp: cpu %u apic=%u %s (no progress for %llu ms); skipped\n",
				p->id, p->apic_id,
				st == PCPU_STARTING ? "did not answer SIPI" :
						      "started but did not finish initialising",
				(unsigned long long)(timeout_us / 1000));
		} else if (st == PCPU_ONLINE) {
			online++;
		}
	}
	return online;
}
