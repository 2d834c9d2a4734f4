// SPDX-License-Identifier: MIT
/*
 * Guest test "hang": a guest that never ends by itself, for the
 * hypervisor's per-partition watchdog (manifest key `timeout`, command line
 * `vmtimeout=`). By default it prints "hang: cli; hlt forever" and halts
 * with interrupts off in a loop (every HLT exits, the vCPU is halted). With
 * "spin" it loops with interrupts off and makes no exits at all (the vCPU is
 * running). It prints no verdict: the watchdog must stop it with
 * "timeout after N s (vcpu 0 halted|running)" and free its cores.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "hang";

void guest_main(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	irq_disable();
	if (cmdline_has("spin")) {
		gprintf("hang: spin: tight loop, interrupts off, no exits\n");
		for (;;)
			__asm__ volatile("" : : : "memory");
	}
	gprintf("hang: cli; hlt forever\n");
	for (;;)
		__asm__ volatile("cli; hlt" : : : "memory");
}
