/* SPDX-License-Identifier: MIT */
/*
 * The Global Partition Manager's boot-time job: turn the manifest into
 * running VMs, wait for them all to end, and report.
 * Environment: freestanding hypervisor, boot core (cpu 0), after SMP.
 */
#ifndef CORE_PARTITION_H
#define CORE_PARTITION_H

#include "boot/mb2.h"

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

#endif
