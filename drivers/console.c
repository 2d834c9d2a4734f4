// SPDX-License-Identifier: MIT
/*
 * Console: per-core line assembly, one global lock held only while a
 * finished line is written out, so lines from different cores never mix.
 * Environment: freestanding hypervisor, any core, any context.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/tsc.h"
#include "drivers/console.h"
#include "drivers/uart16550.h"
#include "lib/printf.h"

static unsigned int present = CONSOLE_E9;
static unsigned int active = CONSOLE_E9;
/*
 * The console lock is a plain test-and-set lock, not the FIFO ticket lock:
 * under an emulator that runs 64 virtual cores on 2 host threads, a ticket
 * lock hands the console to one specific waiter, which is often not
 * running, and every line then costs a host scheduling round. Fairness
 * does not matter for log lines; progress does.
 */
static volatile int32_t lock_owner = -1; /* cpu id holding the lock, -1 none */

void console_init(void)
{
	if (uart_init(COM1_PORT))
		present |= CONSOLE_COM1;
	active = present;
}

void console_select(unsigned int sinks)
{
	active = present & sinks;
	if (!active)
		active = present; /* never go silent */
}

static void sink_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (active & CONSOLE_E9)
			outb(0xe9, (uint8_t)s[i]);
		if (active & CONSOLE_COM1) {
			if (s[i] == '\n')
				uart_putc(COM1_PORT, '\r');
			uart_putc(COM1_PORT, s[i]);
		}
	}
}

/*
 * Take the lock unless this core already holds it (an exception or NMI
 * while printing): then we write anyway rather than deadlock ourselves.
 */
static bool console_lock(void)
{
	int32_t me = (int32_t)this_cpu_id();

	if (__atomic_load_n(&lock_owner, __ATOMIC_RELAXED) == me)
		return false;
	for (;;) {
		int32_t free_ = -1;
		if (__atomic_compare_exchange_n(&lock_owner, &free_, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
		while (__atomic_load_n(&lock_owner, __ATOMIC_RELAXED) != -1)
			cpu_relax();
	}
}

static void console_unlock(bool taken)
{
	if (taken)
		__atomic_store_n(&lock_owner, -1, __ATOMIC_RELEASE);
}

void console_write_raw(const char *s, size_t n)
{
	bool irq = irq_enabled();

	irq_disable();
	bool taken = console_lock();
	sink_write(s, n);
	console_unlock(taken);
	if (irq)
		irq_enable();
}

void console_tag(const char *tag)
{
	this_cpu()->line_tag = tag;
}

void console_flush(void)
{
	if (active & CONSOLE_COM1)
		uart_flush(COM1_PORT);
}

static void flush_line(const char *text, size_t n)
{
	char prefix[32];
	uint64_t us = tsc_uptime_us();
	int plen = ksnprintf(prefix, sizeof(prefix), "[%5llu.%06llu c%u] ",
			     (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000),
			     this_cpu_id());
	bool irq = irq_enabled();

	irq_disable();
	bool taken = console_lock();
	sink_write(prefix, (size_t)plen);
	sink_write(text, n);
	sink_write("\n", 1);
	console_unlock(taken);
	if (irq)
		irq_enable();
}

void kvprintf(const char *fmt, va_list ap)
{
	char buf[CONSOLE_LINE_MAX];
	struct pcpu *p = this_cpu();
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	/* Assemble lines in this core's buffer; emit each when complete. */
	for (int i = 0; i < n; i++) {
		if (p->line_len == 0 && p->line_tag)
			for (const char *t = p->line_tag; *t && p->line_len < CONSOLE_LINE_MAX - 1;)
				p->line[p->line_len++] = *t++;
		if (buf[i] == '\n' || p->line_len == CONSOLE_LINE_MAX) {
			flush_line(p->line, p->line_len);
			p->line_len = 0;
			if (buf[i] == '\n')
				continue;
		}
		p->line[p->line_len++] = buf[i];
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
