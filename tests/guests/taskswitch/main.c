// SPDX-License-Identifier: MIT
/*
 * Guest test "taskswitch": a far JMP to a TSS descriptor, i.e. a hardware
 * task switch (SDM Vol 3A 8.3). Task switches always cause a VM exit and
 * Cypress does not emulate them, so it must stop the partition with
 * "hardware task switch ... is not emulated"; there is no verdict line
 * unless the guest continues (FAILURE). Cypress only: on bare QEMU the
 * switch happens and the guest runs off into the empty task.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "taskswitch";

static uint64_t gdt[4] __attribute__((aligned(8)));
static uint8_t tss[104] __attribute__((aligned(16)));

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t base = (uint32_t)(uintptr_t)tss, limit = sizeof(tss) - 1;
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };

	(void)magic;
	(void)mbi;
	gdt[1] = 0x00cf9a000000ffffULL; /* flat 32-bit code */
	gdt[2] = 0x00cf92000000ffffULL; /* flat data */
	/* 32-bit available TSS (type 9), SDM 3A 8.2.2. */
	gdt[3] = (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | (0x89ULL << 40) |
		 ((uint64_t)(base >> 24) << 56);
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "mov $0x10, %%ax\n\t"
			 "mov %%ax, %%ds\n\t"
			 "mov %%ax, %%es\n\t"
			 "mov %%ax, %%ss"
			 :
			 : "m"(gdtr)
			 : "eax", "memory");
	gprintf("taskswitch: about to jump to a TSS\n");
	__asm__ volatile("ljmp $0x18, $0" ::: "memory");
	verdict(VERDICT_FAILURE, "still running after a hardware task switch");
}
