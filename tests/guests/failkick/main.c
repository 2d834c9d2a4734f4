// SPDX-License-Identifier: MIT
/*
 * Guest test "failkick": when one vCPU makes the hypervisor stop its VM,
 * the VM's other vCPUs must be stopped too, even one that sleeps in
 * `cli; hlt` and would never wake by itself: vm_fail() kicks their cores
 * by message. vCPU 1 halts with interrupts off; vCPU 0 then waits a moment
 * and writes outside the partition's memory (an EPT violation). The run
 * must reach its summary; without the kick, vCPU 1's core sleeps forever
 * and the run never ends. No verdict line: the harness checks the
 * "vm NAME: FAILED: EPT violation" line and the summary.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), 2 vCPUs.
 */
#include "tests/guests/lib/guest.h"
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/smp.h"

const char guest_test_name[] = "failkick";

static volatile uint32_t ap_halting;

static void ap_main(unsigned int slot)
{
	(void)slot;
	__atomic_store_n(&ap_halting, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("cli; hlt" : : : "memory");
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	lapic_setup(true);
	lapic_enable();
	if (smp_start(2, ap_main, 1000, true) < 2)
		verdict(VERDICT_ERROR, "vcpu 1 did not start");
	while (!__atomic_load_n(&ap_halting, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	for (volatile uint32_t i = 0; i < 100000; i++) /* let vCPU 1 reach its HLT */
		;
	gprintf("failkick: vcpu 1 halted with interrupts off; writing outside memory\n");
	*(volatile uint32_t *)0xC0000000u = 1;
	verdict(VERDICT_FAILURE, "a write outside partition memory succeeded");
}
