// SPDX-License-Identifier: MIT
/*
 * Guest test "triplefault": loads an empty IDT (limit 0) and executes INT3.
 * The #BP cannot be delivered, nor the #GP that raises, nor the #DF: a
 * triple fault (SDM Vol 3A 6.15, interrupt 8). Cypress must stop the
 * partition with reason "triple fault", so there is no verdict line from
 * the guest unless it somehow continues (FAILURE).
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "triplefault";

void guest_main(uint32_t magic, uint32_t mbi)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	(void)magic;
	(void)mbi;
	gprintf("triplefault: about to triple-fault\n");
	__asm__ volatile("lidt %0; int3" : : "m"(empty) : "memory");
	verdict(VERDICT_FAILURE, "still running after a triple fault");
}
