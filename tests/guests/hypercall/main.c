// SPDX-License-Identifier: MIT
/*
 * Guest test "hypercall": the VMCALL interface of guest-abi/cypress.h.
 * ABI version, console write (returns the length), an unknown number
 * (CY_ENOSYS), a buffer outside guest memory or straddling its end
 * (CY_ERANGE), the exact boundaries: a buffer ending exactly at the top of
 * RAM (works) and one ending a byte past it (CY_ERANGE), 4096 bytes (the
 * limit, works) and 4097 (CY_EINVAL). The top of RAM comes from the multiboot
 * memory map (mem_upper without one). SKIP when not under Cypress
 * (by CPUID signature): VMCALL would raise #UD there.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"
#include "guest-abi/cypress.h"

const char guest_test_name[] = "hypercall";

static void expect(const char *what, int32_t got, int32_t want)
{
	if (got != want)
		fail("%s returned %d, want %d", what, got, want);
	else
		gprintf("hypercall: %s -> %d\n", what, got);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	static const char msg[] = "hello via hypercall\n";
	static const char edge[] = "hypercall: edge\n"; /* 16 bytes, written at the top of RAM */
	static char big[4097];
	uint32_t top = mb_ram_top();

	(void)magic;
	(void)mbi;
	if (!hv_is_cypress())
		verdict(VERDICT_SKIP, "not running under Cypress (VMCALL would #UD)");

	expect("abi_version", cypress_abi_version(), CYPRESS_ABI_VERSION);
	expect("console_write", cypress_console_write(msg, sizeof(msg) - 1),
	       (int32_t)(sizeof(msg) - 1));
	expect("unknown hypercall 0x7fffffff", cypress_hypercall(0x7fffffffu, 0, 0, 0), CY_ENOSYS);
	expect("unknown hypercall CYPRESS_HC_COUNT", cypress_hypercall(CYPRESS_HC_COUNT, 0, 0, 0),
	       CY_ENOSYS);
	expect("console_write(0xf0000000, 16)",
	       cypress_console_write((const void *)0xf0000000u, 16), CY_ERANGE);
	if (top > 0x200000) {
		memset((void *)(uintptr_t)(top - 8), 'X', 8);
		expect("console_write straddling the end of RAM",
		       cypress_console_write((const void *)(uintptr_t)(top - 8), 16), CY_ERANGE);
	}
	gprintf("hypercall: top of RAM 0x%x (mem_upper %u KiB)\n", top, mb_mem_upper());
	if (top > 0x200000) {
		uint32_t n = sizeof(edge) - 1;

		memcpy((void *)(uintptr_t)(top - n), edge, n);
		expect("console_write ending exactly at the top of RAM",
		       cypress_console_write((const void *)(uintptr_t)(top - n), n), (int32_t)n);
		expect("console_write ending one byte past the top of RAM",
		       cypress_console_write((const void *)(uintptr_t)(top - n + 1), n), CY_ERANGE);
		expect("console_write of 1 byte at the top of RAM",
		       cypress_console_write((const void *)(uintptr_t)top, 1), CY_ERANGE);
	} else {
		fail("top of RAM 0x%x from the memory map is below 2 MiB", top);
	}
	/* '\r' bytes are dropped by the console: 4096 bytes print one short line. */
	memset(big, '\r', sizeof(big));
	memcpy(big + 4096 - 22, "hypercall: 4096 bytes\n", 22);
	expect("console_write of 4096 bytes (the limit)", cypress_console_write(big, 4096), 4096);
	expect("console_write of 4097 bytes", cypress_console_write(big, sizeof(big)), CY_EINVAL);
	report("ABI %d, console write, ENOSYS, ERANGE and EINVAL at their boundaries",
	       CYPRESS_ABI_VERSION);
}
