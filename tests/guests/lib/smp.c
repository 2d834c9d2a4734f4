// SPDX-License-Identifier: MIT
/*
 * Guest test library: AP start-up (INIT-SIPI-SIPI) and check-in.
 * Environment: guest test kernel, 32-bit protected mode, paging off, ring 0;
 * smp_start on the BSP, ap_start on each AP.
 */
#include "tests/guests/lib/smp.h"
#include "tests/guests/lib/idt.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/mb.h"
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/rt.h"
#include "tests/guests/lib/time.h"
#include "tests/guests/lib/verdict.h"

#define TRAMPOLINE_PREFERRED 0x7000u
#define LOW_RAM_END	     0x9f000u

extern char ap_trampoline_start[], ap_trampoline_end[];

struct smp_cpu smp_cpus[GUEST_MAX_CPUS];
volatile uint32_t ap_next_slot = 1;
static uint32_t online_count = 1;
static void (*ap_entry_fn)(unsigned int slot);

unsigned int smp_online(void)
{
	return __atomic_load_n(&online_count, __ATOMIC_ACQUIRE);
}

void ap_start(uint32_t slot)
{
	struct cpu_local *cpu = this_cpu();

	cpu->index = slot;
	idt_load();
	lapic_enable();
	smp_cpus[slot].apic_id = cpu->apic_id;
	__atomic_store_n(&smp_cpus[slot].online, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&online_count, 1, __ATOMIC_ACQ_REL);
	if (ap_entry_fn)
		ap_entry_fn(slot);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* A page entirely inside a RAM region of the memory map. */
static bool page_is_ram(uint32_t page)
{
	for (unsigned int i = 0; i < mb_region_count(); i++) {
		const struct mb_region *r = mb_region(i);

		if (r->type == MB_MMAP_RAM && r->base <= page && page + 4096 <= r->base + r->len)
			return true;
	}
	return false;
}

static bool page_usable(uint32_t page)
{
	return page_is_ram(page) && !mb_boot_data_overlaps(page, 4096);
}

static uint32_t pick_trampoline(void)
{
	if (page_usable(TRAMPOLINE_PREFERRED))
		return TRAMPOLINE_PREFERRED;
	for (uint32_t p = 0x1000; p < LOW_RAM_END; p += 4096)
		if (page_usable(p))
			return p;
	return 0;
}

static bool target_online(uint32_t apic_id)
{
	for (unsigned int s = 1; s < GUEST_MAX_CPUS; s++)
		if (__atomic_load_n(&smp_cpus[s].online, __ATOMIC_ACQUIRE) &&
		    smp_cpus[s].apic_id == apic_id)
			return true;
	return false;
}

unsigned int smp_start(unsigned int ncpus, void (*ap_fn)(unsigned int slot), uint32_t timeout_ms,
		       bool required)
{
	uint32_t bsp = this_cpu()->apic_id, targets[GUEST_MAX_CPUS];
	unsigned int n = 0;

	if (ncpus > GUEST_MAX_CPUS) {
		error("%u CPUs requested, the library supports %u", ncpus, GUEST_MAX_CPUS);
		ncpus = GUEST_MAX_CPUS;
	}
	for (uint32_t id = 0; n + 1 < ncpus; id++)
		if (id != bsp)
			targets[n++] = id;
	return smp_start_ids(targets, n, ap_fn, timeout_ms, required);
}

unsigned int smp_start_ids(const uint32_t *targets, unsigned int n,
			   void (*ap_fn)(unsigned int slot), uint32_t timeout_ms, bool required)
{
	uint32_t page;
	uint64_t deadline;

	smp_cpus[0].apic_id = this_cpu()->apic_id;
	smp_cpus[0].online = 1;
	if (n >= GUEST_MAX_CPUS) {
		error("%u APs to start, the library supports %u", n, GUEST_MAX_CPUS - 1);
		n = GUEST_MAX_CPUS - 1;
	}
	if (!n)
		return smp_online();
	page = pick_trampoline();
	if (!page) {
		error("no free RAM page below 0x%x for the AP trampoline", LOW_RAM_END);
		return smp_online();
	}
	gprintf("smp: trampoline at 0x%x, starting APIC IDs 0x%x..0x%x\n", page, targets[0],
		targets[n - 1]);
	memcpy((void *)(uintptr_t)page, ap_trampoline_start,
	       (size_t)(ap_trampoline_end - ap_trampoline_start));
	ap_entry_fn = ap_fn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* SDM Vol 3A 9.4.4.1: INIT, 10 ms, STARTUP, 200 us, STARTUP again
	 * (a CPU that already left wait-for-SIPI ignores the second). */
	for (unsigned int i = 0; i < n; i++)
		lapic_send_init(targets[i]);
	delay_us(10000);
	for (unsigned int i = 0; i < n; i++)
		lapic_send_sipi(targets[i], (uint8_t)(page >> 12));
	delay_us(200);
	for (unsigned int i = 0; i < n; i++)
		if (!target_online(targets[i]))
			lapic_send_sipi(targets[i], (uint8_t)(page >> 12));

	deadline = tsc_after_us(timeout_ms * 1000);
	while (smp_online() < n + 1 && rdtsc() < deadline)
		cpu_relax();
	for (unsigned int i = 0; i < n; i++) {
		if (target_online(targets[i]))
			continue;
		if (required)
			fail("cpu with APIC ID %u did not check in within %u ms", targets[i],
			     timeout_ms);
		else
			gprintf("smp: cpu with APIC ID %u did not check in within %u ms\n",
				targets[i], timeout_ms);
	}
	return smp_online();
}
