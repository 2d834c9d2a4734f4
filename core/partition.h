/* SPDX-License-Identifier: MIT */
/*
 * The Global Partition Manager's boot-time job: turn the manifest into
 * running VMs, wait for them all to end, and report.
 * Environment: freestanding hypervisor, boot core (cpu 0), after SMP.
 */
#ifndef CORE_PARTITION_H
#define CORE_PARTITION_H

#include "boot/mb2.h"
#include "core/guest_load.h"
#include "core/manifest.h"
#include "core/vm.h"
#include "guest-abi/cypress.h"

/* Register the message handlers vCPU cores use. Boot core, before SMP. */
void partition_register(void);

/*
 * Find the manifest module, create every valid partition (memory, EPT,
 * guest image, vCPUs) and start vCPU 0 of each on its first core.
 * `bad_entry` names a partition whose vCPU 0 gets an invalid guest state
 * (testing hook, "" for none). `vm_timeout_ms` is the watchdog of every
 * partition without its own `timeout` key (0: none). Returns the number of
 * partitions the manifest declared, started or refused (0 when there is
 * no manifest).
 */
uint32_t partition_boot(const struct boot_info *bi, const char *bad_entry, uint32_t vm_timeout_ms);

/*
 * Wait until every started VM has ended, stopping those past their
 * watchdog deadline ("vm NAME: FAILED: timeout after N s (vcpu 0 halted,
 * ...)") and giving back each ended VM's memory and cores as it ends
 * ("partition 'NAME': ended; cpus ... are free again"); then print the
 * summary (per VM: exit status or failure reason, exits by reason) and
 * return the run status:
 * 0 if every VM exited with status 0 and no partition was refused, else 1.
 */
int partition_wait_and_report(void);

/*
 * Run time (the GPM's side of the control hypercalls, core/control.c),
 * all on cpu 0.
 */

/* Plan, create and start partition mp; NULL with *err (-E_*) and one line. */
struct vm *partition_create(const struct manifest_part *mp, int *err);

/*
 * What manifest_assign() may hand out now: online cores with VMX (not cpu
 * 0), free memory less what the hypervisor keeps, the boot modules; the GPM
 * plans the cores of counts. Returns how many online cores lack VMX. cpu 0.
 */
uint32_t partition_manifest_resources(struct manifest_resources *r);

/* The boot module whose command line starts with `name`, or NULL. */
const struct mb2_module *partition_module(const char *name);

/*
 * The boot modules mp's `module =` lines name, in order, as the loader
 * takes them, and its `initrd =` module: entries in
 * mods[MANIFEST_MODS_MAX + 1] (the initrd last), *gm pointing at them; each
 * string is mp's, so mp must outlive *gm. Returns 0, or -E_NOENT when a
 * module is not among the boot modules, with its name in
 * missing[MANIFEST_MODULE_MAX] (nothing printed).
 */
int partition_guest_mods(const struct manifest_part *mp, struct guest_module *mods,
			 struct guest_mods *gm, char *missing);

/* The live partition with this id (not being destroyed), or NULL. */
struct vm *partition_find(uint32_t id);

/*
 * Stop vm (on behalf of partition `by`) and free it; control_done(done_arg,
 * 0) once its cores and memory are back and no message names it.
 */
void partition_destroy(struct vm *vm, struct vm *by, uint64_t done_arg);

/*
 * Change vm's vCPU cores and vCPU count (0 = unchanged). 0: its LPM moves
 * the vCPUs, then control_done(done_arg, 0) (MSG_GPM_DONE). Else -E_*:
 * -E_BUSY (removing started vCPUs), -E_RANGE/-E_INVAL from the plan,
 * -E_NOENT (ended), and nothing changed.
 */
int partition_resize(struct vm *vm, uint32_t ncores, uint32_t nvcpus, uint64_t done_arg);

/*
 * For calls that change the vCPU count their own way (core/exchange.c):
 * make vCPUs old..n-1 as a resize's growth would (not started, not placed,
 * not counted in vm->nvcpus yet). A slot whose vCPU an earlier shrink
 * dropped gets a fresh one; one still being dropped: -E_BUSY. -E_NOMEM.
 * All or nothing. partition_unmake_vcpus() undoes it before any core saw
 * them. cpu 0.
 */
int partition_make_vcpus(struct vm *vm, uint32_t old, uint32_t n);
void partition_unmake_vcpus(struct vm *vm, uint32_t old, uint32_t n);

/* Fill the RESOURCES record; list up to max partitions, returning how many exist. */
void partition_resources(struct cy_resources *r);
uint32_t partition_list(struct cy_part_info *out, uint32_t max);

#endif
