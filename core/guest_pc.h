/* SPDX-License-Identifier: MIT */
/*
 * The firmware side of the PC a partition sees (issue 12): its ACPI tables
 * written into its memory, its fw_cfg device with the manifest's files, its
 * ACPI PM timer started. docs/guest-abi.md, "The environment a guest sees".
 * Environment: freestanding hypervisor, cpu 0 (the GPM) while creating a
 * VM that does not run yet.
 */
#ifndef CORE_GUEST_PC_H
#define CORE_GUEST_PC_H

#include "core/guest_load.h"
#include "core/manifest.h"
#include "core/vm.h"

/*
 * Set up vm (memory mapped, vm->nvcpus and mem_size set, its kernel loaded
 * as gb says) for the partition mp: ACPI tables on the first 4 KiB page of
 * 0xF0000-0xFFFFF (then 0xE0000-0xEFFFF) that the kernel image leaves
 * free, fw_cfg with RAM size, vCPU count and mp's files, the PM timer at 0.
 * Returns 0, or -E_NOENT after one "partition 'NAME' refused: ..." line if
 * a fwcfg module is missing or unusable. No room for the tables is not an
 * error: one line says the partition has no ACPI tables.
 */
int guest_pc_setup(struct vm *vm, const struct manifest_part *mp, const struct guest_boot *gb);

#endif
