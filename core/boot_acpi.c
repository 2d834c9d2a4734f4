// SPDX-License-Identifier: MIT
/*
 * Finding and reading the ACPI tables at boot.
 * Environment: freestanding hypervisor, boot core, early page tables.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/power.h"
#include "core/boot.h"
#include "lib/errno.h"
#include "lib/printf.h"

struct acpi_info boot_acpi;

static uint64_t scan_bios_areas(void)
{
	uint64_t rsdp = 0;
	/* ACPI 6.x, 5.2.5.1: the first KiB of the EBDA (segment at BDA 0x40e),
	 * then the BIOS read-only area 0xe0000-0xfffff. */
	uint64_t ebda = (uint64_t)(*(volatile uint16_t *)phys_ptr(0x40e)) << 4;

	if (ebda >= 0x80000 && ebda < 0xa0000 &&
	    acpi_find_rsdp_in((const void *)(uintptr_t)ebda, ebda, 1024, &rsdp) == 0)
		return rsdp;
	if (acpi_find_rsdp_in((const void *)(uintptr_t)0xe0000, 0xe0000, 0x20000, &rsdp) == 0)
		return rsdp;
	return 0;
}

void boot_discover_acpi(const struct boot_info *bi, bool verbose)
{
	static uint64_t limit = 0x100000000ULL; /* early tables map the low 4 GiB */
	int rc;

	if (bi->rsdp) {
		rc = acpi_parse_rsdp_copy(bi->rsdp, bi->rsdp_len, acpi_map_identity, &limit,
					  CONFIG_MAX_CPUS, &boot_acpi);
	} else {
		uint64_t rsdp = scan_bios_areas();
		if (!rsdp) {
			kprintf("acpi: no RSDP in the boot info or the BIOS areas; no ACPI tables, "
				"so only the boot cpu will run\n");
			return;
		}
		rc = acpi_parse(rsdp, acpi_map_identity, &limit, CONFIG_MAX_CPUS, &boot_acpi);
	}
	if (rc < 0) {
		kprintf("acpi: tables unusable (%s); only the boot cpu will run\n", err_name(rc));
		boot_acpi.have_madt = false;
		return;
	}
	kprintf("acpi: %s, %u cpus (%u listed, %u disabled), %u ioapics, lapic 0x%llx%s\n",
		boot_acpi.xsdt ? "XSDT" : "RSDT", boot_acpi.ncpus, boot_acpi.ncpus_listed,
		boot_acpi.ncpus_disabled, boot_acpi.nioapics,
		(unsigned long long)boot_acpi.lapic_addr, boot_acpi.have_s5 ? ", S5" : "");
	for (uint32_t i = 0; verbose && i < boot_acpi.nioapics; i++)
		kprintf("acpi: ioapic %u at 0x%x gsi %u\n", boot_acpi.ioapics[i].id,
			boot_acpi.ioapics[i].addr, boot_acpi.ioapics[i].gsi_base);

	struct power_acpi pa = {
		.pm1a_cnt = boot_acpi.pm1a_cnt,
		.pm1b_cnt = boot_acpi.pm1b_cnt,
		.smi_cmd = boot_acpi.smi_cmd,
		.acpi_enable = boot_acpi.acpi_enable,
		.slp_typa = boot_acpi.slp_typa,
		.slp_typb = boot_acpi.slp_typb,
		.have_s5 = boot_acpi.have_s5 && !boot_acpi.hw_reduced,
	};
	power_set_acpi(&pa);
}
