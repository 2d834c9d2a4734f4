// SPDX-License-Identifier: MIT
/*
 * boot_main: the boot, in order. Each step is one call; read this file as
 * the table of contents of how Cypress comes up.
 * Environment: freestanding hypervisor, boot core, interrupts off until
 * every core is up.
 */
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/cmos.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/pic.h"
#include "arch/x86/power.h"
#include "arch/x86/smp.h"
#include "arch/x86/timer.h"
#include "arch/x86/topology.h"
#include "arch/x86/traps.h"
#include "arch/x86/tsc.h"
#include "boot/mb2.h"
#include "core/boot.h"
#include "core/cmdline.h"
#include "core/cpu_init.h"
#include "core/msg.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/xapic.h"
#include "core/partition.h"
#include "core/selftest.h"
#include "core/trace.h"
#include "drivers/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MB2_LOADER_MAGIC 0x36d76289 /* Multiboot2 spec 3.3: EAX at entry */

static struct boot_info bi;
static struct cmdline_opts opts;

__noreturn void boot_main(uint32_t magic, uint32_t info_phys);

__noreturn void boot_main(uint32_t magic, uint32_t info_phys)
{
	struct pcpu *bsp = pcpu_bsp();

	pcpu_prepare(bsp, 0, 0); /* APIC ID filled in once the APIC is set up */
	pcpu_install(bsp);
	pcpu_by_id[0] = bsp;
	pcpu_count = 1;
	console_init();
	traps_init_cpu(bsp);
	kprintf("Cypress hypervisor " CYPRESS_VERSION "\n");
	if (magic != MB2_LOADER_MAGIC) {
		kprintf("boot: EAX=0x%x is not the multiboot2 loader magic; was Cypress booted "
			"with 'multiboot2'?\n",
			magic);
		power_off(BOOT_STATUS_BAD_BOOT);
	}

	mb2_parse((const void *)(uintptr_t)info_phys, info_phys, &bi);
	cmdline_parse(bi.cmdline, &opts);
	console_select(!strcmp(opts.console, "com1") ? CONSOLE_COM1 :
		       !strcmp(opts.console, "e9")   ? CONSOLE_E9 :
						       CONSOLE_BOTH);
	cmdline_print(&opts);
	if (!strcmp(opts.poweroff, "acpi"))
		power_force_acpi();
	mb2_print(&bi);
	if (!bi.have_mmap) {
		kprintf("boot: no usable memory map; cannot continue\n");
		power_off(BOOT_STATUS_BAD_BOOT);
	}

	boot_discover_acpi(&bi, opts.verbose);
	uint64_t tramp = smp_trampoline_install(bi.mmap, bi.nmmap);
	boot_memory_init(&bi, tramp);
	cpu_features_print();
	pic_disable();
	apic_setup_mode(false);
	tsc_calibrate();
	cmos_read_time();
	timer_init();
	msg_init();
	if (opts.mbox_cap)
		msg_set_cap(opts.mbox_cap);
	selftest_register();
	partition_register();

	cpu_init_cfg.novmx = opts.novmx;
	bsp->apic_id = boot_cpu_apic_id();
	cpu_init_common(bsp);
	timer_calibrate();

	uint32_t online = boot_start_aps(tramp, &opts);
	irq_enable();

	int status = 0;
	if (opts.test[0])
		status = selftest_run(opts.test, online);
	kprintf("boot complete cpus=%u\n", online);
	kprintf("boot ticks=%llu\n", (unsigned long long)(rdtsc() - boot_tsc));
	vmx_vid_allowed = !opts.novid;
	vmx_apicv_allowed = !opts.noapicv;
	if (!strcmp(opts.trace, "on"))
		trace_enable();
	if (partition_boot(&bi, opts.bad_entry, opts.vm_timeout_ms))
		status |= partition_wait_and_report();
	if (!strcmp(opts.exit_mode, "idle"))
		cpu_idle();
	power_off((uint8_t)status);
}
