// SPDX-License-Identifier: MIT
/*
 * Guest test "hypercall": the VMCALL interface of guest-abi/cypress.h.
 * ABI version, console write (returns the length), an unknown number
 * (CY_ENOSYS), a buffer outside guest memory or straddling its end
 * (CY_ERANGE) and an over-long write (an error). SKIP when not under Cypress
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
	static char big[4097];
	uint32_t top = mb_ram_top();
	int32_t r;

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
	memset(big, 'B', sizeof(big));
	r = cypress_console_write(big, sizeof(big));
	if (r >= 0)
		fail("console_write of %u bytes (limit 4096) returned %d, want an error",
		     (unsigned int)sizeof(big), r);
	else
		gprintf("hypercall: console_write of 4097 bytes -> %d\n", r);
	report("ABI %d, console write, ENOSYS and ERANGE as documented", CYPRESS_ABI_VERSION);
}
