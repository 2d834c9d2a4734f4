// SPDX-License-Identifier: MIT
/*
 * Guest test library: the C entry from boot.S. Sets up the console, the
 * IDT and the boot information, then runs the test's guest_main and reports
 * if it returns.
 * Environment: guest test kernel, BSP, 32-bit protected mode, paging off,
 * interrupts off.
 */
#include "tests/guests/lib/guest.h"

uint8_t guest_stacks[GUEST_MAX_CPUS][GUEST_STACK_SIZE] __attribute__((aligned(GUEST_STACK_SIZE)));

/* Called by boot.S only. */
void guest_start(uint32_t magic, uint32_t mbi) __attribute__((noreturn));

void guest_start(uint32_t magic, uint32_t mbi)
{
	this_cpu()->index = 0;
	serial_init();
	/* Mask both 8259s: the BIOS left the PIT on IRQ 0 at vector 8, which
	 * would look like a #DF as soon as interrupts are on. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	idt_init();
	idt_load();
	mb_init(magic, mbi);
	guest_main(magic, mbi);
	report(NULL);
}
