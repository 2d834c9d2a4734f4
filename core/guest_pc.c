// SPDX-License-Identifier: MIT
/*
 * A partition's PC firmware view: ACPI tables, fw_cfg, PM timer, CMOS
 * clock (core/guest_pc.h).
 * Environment: freestanding hypervisor, cpu 0 while creating a VM.
 *
 * Where the tables go: the RSDP must be on a 16-byte boundary in
 * 0xE0000-0xFFFFF for a guest to find it without a boot-loader hint (ACPI
 * 6.5 section 5.2.5.1). The guest's multiboot memory map (core/guest_load.c)
 * marks 0xF0000-0xFFFFF reserved and does not list 0xA0000-0xEFFFF at
 * all, so no guest takes either for RAM. A kernel image may have segments
 * there (GNU ld's header segment at 0xFF000 is common), so the first page
 * clear of the image's span [load_start, load_end) is used
 * (acpi_build_where(), host-tested).
 */
#include "core/guest_pc.h"
#include "arch/x86/cmos.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vdev/acpi_build.h"
#include "core/partition.h"
#include "lib/errno.h"
#include "lib/printf.h"

static void place_acpi(struct vm *vm, const struct guest_boot *gb)
{
	uint32_t at = acpi_build_where(gb->load_start, gb->load_end);
	void *dst = at ? vm_gpa_to_host(vm, at, ACPI_BUILD_MAX) : NULL;
	size_t used;

	_Static_assert(ACPI_BUILD_MAX <= 0x1000, "the tables fit one page");
	if (!dst || acpi_build(dst, ACPI_BUILD_MAX, at, vm->nvcpus, &used) < 0) {
		kprintf("partition '%s': its kernel image covers 0xE0000-0xFFFFF; it gets no ACPI "
			"tables\n",
			vm->name);
		return;
	}
	vm->acpi_gpa = at;
}

int guest_pc_setup(struct vm *vm, const struct manifest_part *mp, const struct guest_boot *gb)
{
	place_acpi(vm, gb);
	uint64_t now = rdtsc(), hz = tsc_khz * 1000;
	acpi_pm_init(&vm->pm, now, hz);
	rtc_init(&vm->rtc, host_rtc_epoch + (now - host_rtc_tsc) / hz, now, hz);
	fwcfg_init(&vm->fwcfg, vm->mem_size, (uint16_t)vm->nvcpus);
	for (uint32_t i = 0; i < mp->nfwcfg && i < MANIFEST_FWCFG_MAX; i++) {
		const struct manifest_fwcfg *f = &mp->fwcfg[i];
		const struct mb2_module *mod = partition_module(f->module);
		if (!mod) {
			kprintf("partition '%s' refused: its fwcfg module '%s' is missing\n",
				mp->name, f->module);
			return -E_NOENT;
		}
		if (fwcfg_add_file(&vm->fwcfg, f->name, (const void *)(uintptr_t)mod->start,
				   mod->end - mod->start) < 0) {
			kprintf("partition '%s' refused: fwcfg file '%s' (module '%s', %llu "
				"bytes) cannot be offered\n",
				mp->name, f->name, f->module,
				(unsigned long long)(mod->end - mod->start));
			return -E_NOENT;
		}
	}
	return 0;
}
