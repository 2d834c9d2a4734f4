// SPDX-License-Identifier: MIT
/*
 * panic() (lib/panic.h): one line, then this core stops; its state says
 * STOPPED so messages to it fail with -E_NOENT instead of piling up.
 * Environment: freestanding hypervisor, any core.
 */
#include <stdarg.h>

#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "lib/panic.h"
#include "lib/printf.h"

__noreturn void panic(const char *fmt, ...)
{
	char why[160];
	va_list ap;

	irq_disable();
	va_start(ap, fmt);
	kvsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	kprintf("PANIC cpu %u: %s\n", this_cpu_id(), why);
	__atomic_store_n(&this_cpu()->shared.state, PCPU_STOPPED, __ATOMIC_RELEASE);
	cpu_stop();
}
