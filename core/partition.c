// SPDX-License-Identifier: MIT
/*
 * The Global Partition Manager (cpu 0): partitions from the manifest, and
 * later from control hypercalls (core/control.c), planned by sched/gpm.c
 * (core/plan.c) onto cores of their own; memory and an EPT mapping
 * guest-physical 0..size onto it; the guest image loaded by the multiboot
 * loader; then the partition's Local Partition Manager is started
 * (core/lpm.c), which hands the vCPUs to their cores (core/vcore.c).
 * Anything wrong with one partition refuses that partition alone, with
 * one line; the others boot. When a VM ends, its memory and cores go back
 * to the anonymous partition.
 * Environment: freestanding hypervisor, boot core (cpu 0).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/ioapic_exit.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmexit.h"
#include "arch/x86/vmx/vmcs_count.h"
#include "arch/x86/vmx/xapic.h"
#include "core/balloon.h"
#include "core/control.h"
#include "core/gpm_timer.h"
#include "core/sa.h"
#include "core/guest_load.h"
#include "core/guest_pc.h"
#include "core/lease.h"
#include "core/lpm.h"
#include "core/manifest.h"
#include "core/msg.h"
#include "core/partition.h"
#include "core/plan.h"
#include "core/pool.h"
#include "core/request.h"
#include "core/trace.h"
#include "core/vcore.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define HV_RESERVE    MiB(16) /* kept back for the hypervisor's own use */
#define MSR_KERNEL_GS 0xc0000102
#define MSR_STAR      0xc0000081

static const struct boot_info *boot;
static struct manifest manifest;
static uint32_t refused;		       /* declared partitions that never started */
static uint64_t vpid_used[65536 / 64] = { 1 }; /* VPID 0 is the host's (SDM 3C 29.1.1) */
static uint32_t default_timeout_ms; /* command line vmtimeout=, for partitions without a key */

/* VPIDs are reused after a VM is released: a core that runs a vCPU
 * arriving with one flushes its tags first (vcpu_vmcs_load). */
static uint16_t vpid_alloc(void)
{
	for (uint32_t w = 0; w < ARRAY_SIZE(vpid_used); w++) {
		if (vpid_used[w] == ~0ULL)
			continue;
		uint32_t b = (uint32_t)__builtin_ctzll(~vpid_used[w]);
		vpid_used[w] |= 1ULL << b;
		return (uint16_t)(w * 64 + b);
	}
	return 0;
}

static void vpid_free(uint16_t v)
{
	if (v)
		vpid_used[v / 64] &= ~(1ULL << (v % 64));
}

static const struct mb2_module *find_module(const char *name)
{
	for (uint32_t i = 0; i < boot->nmods; i++) {
		const char *c = boot->mods[i].cmdline;
		size_t n = strlen(name);
		if (!strncmp(c, name, n) && (c[n] == '\0' || c[n] == ' '))
			return &boot->mods[i];
	}
	return NULL;
}

const struct mb2_module *partition_module(const char *name)
{
	return find_module(name);
}

int partition_guest_mods(const struct manifest_part *mp, struct guest_module *mods,
			 struct guest_mods *gm, char *missing)
{
	gm->mod = mods;
	gm->count = 0;
	gm->initrd = NULL;
	for (uint32_t i = 0; i < mp->nmods && i < MANIFEST_MODS_MAX; i++) {
		const struct mb2_module *m = find_module(manifest_module_name(mp, i, missing));

		if (!m)
			return -E_NOENT;
		mods[i].data = (const uint8_t *)(uintptr_t)m->start;
		mods[i].size = m->end - m->start;
		mods[i].string = manifest_module(mp, i);
		gm->count = i + 1;
	}
	if (mp->initrd[0]) {
		const struct mb2_module *m = find_module(mp->initrd);
		if (!m) {
			ksnprintf(missing, MANIFEST_MODULE_MAX, "%s", mp->initrd);
			return -E_NOENT;
		}
		/* the slot after the last multiboot module holds it */
		mods[MANIFEST_MODS_MAX] =
			(struct guest_module){ (const uint8_t *)(uintptr_t)m->start,
					       m->end - m->start, mp->initrd };
		gm->initrd = &mods[MANIFEST_MODS_MAX];
	}
	missing[0] = '\0';
	return 0;
}

static bool module_exists(const char *name, void *ctx)
{
	(void)ctx;
	return find_module(name) != NULL;
}

static uint64_t ept_alloc(void *ctx)
{
	(void)ctx;
	return frame_alloc_zeroed(1, PAGE_SIZE, UINT64_MAX);
}

static void ept_free(uint64_t pa, void *ctx)
{
	(void)ctx;
	frame_free(pa, 1);
}

static void *ept_p2v(uint64_t pa, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct ept_ops ept_ops = { ept_alloc, ept_free, ept_p2v, NULL };

/* SDM 3C 25.6.9: bit set = exit. Syscall MSRs pass through: the
 * hypervisor never uses them on a partition's dedicated core. */
static void msr_pass(uint8_t *bm, uint32_t msr)
{
	uint32_t base = msr >= 0xc0000000 ? 1024 : 0, bit = msr & 0x1fff;

	bm[base + bit / 8] &= (uint8_t) ~(1u << (bit % 8));	   /* read */
	bm[2048 + base + bit / 8] &= (uint8_t) ~(1u << (bit % 8)); /* write */
}

static int make_bitmaps(struct vm *vm)
{
	uint64_t msr = frame_alloc(1, PAGE_SIZE, UINT64_MAX);
	uint64_t io = frame_alloc(2, PAGE_SIZE, UINT64_MAX);

	if (!msr || !io)
		return -E_NOMEM;
	memset((void *)(uintptr_t)msr, 0xff, PAGE_SIZE);
	memset((void *)(uintptr_t)io, 0xff, 2 * PAGE_SIZE);
	for (uint32_t m = MSR_STAR; m <= MSR_STAR + 3; m++) /* STAR LSTAR CSTAR SFMASK */
		msr_pass((uint8_t *)(uintptr_t)msr, m);
	msr_pass((uint8_t *)(uintptr_t)msr, MSR_KERNEL_GS);
	vm->msr_bitmap_pa = msr;
	vm->io_bitmap_pa[0] = io;
	vm->io_bitmap_pa[1] = io + PAGE_SIZE;
	return 0;
}

/*
 * Give back a VM's memory, EPT, bitmaps and VMCS pages. Either a VM being
 * created (nothing ran) or one that ended with every vCPU out of its run
 * loop: no core can touch these pages any more. The structures themselves
 * stay for the summary and for messages still in flight. The cores may
 * still cache translations tagged with this EPTP and these VPIDs (SDM 3C
 * 29.4.1): a core flushes both for every vCPU that arrives
 * (vcpu_vmcs_load), before any entry with them.
 */
static void release_pages(struct vm *vm)
{
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		if (v && v->vmcs_pa)
			frame_free(v->vmcs_pa, 1);
		if (v && v->vapic_pa)
			frame_free(v->vapic_pa, 1);
		if (v) {
			v->vmcs_pa = v->vapic_pa = 0;
			vcpu_ctx_fini(v);
			vpid_free(v->vpid);
			v->vpid = 0;
		}
	}
	if (vm->ept.pml4_phys)
		ept_destroy(&vm->ept);
	if (vm->msr_bitmap_pa)
		frame_free(vm->msr_bitmap_pa, 1);
	if (vm->io_bitmap_pa[0])
		frame_free(vm->io_bitmap_pa[0], 2);
	if (vm->mem_hpa)
		frame_free(vm->mem_hpa, vm->mem_size / PAGE_SIZE);
	vm->msr_bitmap_pa = vm->io_bitmap_pa[0] = vm->io_bitmap_pa[1] = vm->mem_hpa = 0;
}

/* Give back what a partially created VM holds. */
static void destroy_vm(struct vm *vm)
{
	release_pages(vm);
	for (uint32_t i = 0; i < VM_MAX_VCPUS; i++)
		frame_obj_free(vm->vcpu[i], sizeof(struct vcpu));
	if (vm->lpm)
		lpm_free(vm->lpm);
	pool_symbols_free(vm); /* here, not with the pages: a rescue message may still read it */
	frame_obj_free(vm, sizeof(*vm));
}

/* Undo new_vcpu() for a vCPU no core ever saw. */
static void free_vcpu(struct vm *vm, uint32_t i)
{
	struct vcpu *v = vm->vcpu[i];

	if (!v)
		return;
	vcpu_ctx_fini(v);
	vpid_free(v->vpid);
	frame_obj_free(v, sizeof(*v));
	vm->vcpu[i] = NULL;
}

/* A vCPU as its LPM will place it: not started, owned by nobody yet. */
static struct vcpu *new_vcpu(struct vm *vm, uint32_t i)
{
	struct vcpu *v = frame_obj_zalloc(sizeof(*v));

	if (!v)
		return NULL;
	v->vm = vm;
	v->id = i;
	v->pcpu = NO_CPU;
	v->migrate_to = NO_CPU;
	v->lease_cpu = NO_CPU;
	v->pool_home = NO_CPU;
	v->vpid = vpid_alloc();
	vm->vcpu[i] = v;
	if (!v->vpid || vcpu_ctx_init(v) < 0)
		return NULL;
	vcpu_lapic_init(v);
	return v;
}

static struct vm *create_vm(const struct manifest_part *mp, const struct plan *pl)
{
	const struct mb2_module *mod = find_module(mp->kernel);
	struct vm *vm = frame_obj_zalloc(sizeof(*vm));

	if (!vm || !mod)
		goto nomem;
	ksnprintf(vm->name, sizeof(vm->name), "%s", mp->name);
	ksnprintf(vm->tag, sizeof(vm->tag), "vm %s: ", mp->name);
	vm->mem_size = mp->mem_bytes;
	vm->mem_hpa = frame_alloc_zeroed(mp->mem_bytes / PAGE_SIZE, MiB(2), UINT64_MAX);
	if (!vm->mem_hpa)
		goto nomem;
	if (ept_init(&vm->ept, &ept_ops, false) < 0 ||
	    ept_map(&vm->ept, 0, vm->mem_hpa, vm->mem_size, EPT_R | EPT_W | EPT_X, EPT_MT_WB,
		    true) < 0 ||
	    xapic_ept_map(&vm->ept) < 0)
		goto nomem;
	vm->eptp = vm->ept.eptp;
	if (make_bitmaps(vm) < 0)
		goto nomem;

	struct guest_image img = { (const uint8_t *)(uintptr_t)mod->start, mod->end - mod->start,
				   mp->kernel };
	struct guest_mem gm = { (uint8_t *)(uintptr_t)vm->mem_hpa, vm->mem_size };
	struct guest_boot gb;
	struct guest_module mods[MANIFEST_MODS_MAX + 1];
	struct guest_mods gmods;
	char missing[MANIFEST_MODULE_MAX];
	if (partition_guest_mods(mp, mods, &gmods, missing) < 0) {
		kprintf("partition '%s' refused: its module '%s' is missing\n", mp->name, missing);
		destroy_vm(vm);
		return NULL;
	}
	if (guest_load(&img, &gm, mp->cmdline, "Cypress", &gmods, &gb) < 0) {
		kprintf("partition '%s' refused: its kernel '%s'%s could not be loaded\n", mp->name,
			mp->kernel,
			mp->nmods     ? " with its modules" :
			mp->initrd[0] ? " with its initrd" :
					"");
		destroy_vm(vm);
		return NULL;
	}
	const struct mb2_module *sym = mp->symbols[0] ? find_module(mp->symbols) : NULL;
	if (mp->symbols[0] &&
	    (!sym || pool_symbols_load(vm, mp->symbols, (const char *)(uintptr_t)sym->start,
				       sym->end - sym->start) < 0)) {
		if (!sym)
			kprintf("partition '%s' refused: its symbols module '%s' is missing\n",
				mp->name, mp->symbols);
		destroy_vm(vm);
		return NULL;
	}
	vm->nvcpus = mp->vcpus;
	if (guest_pc_setup(vm, mp, &gb) < 0) {
		destroy_vm(vm);
		return NULL;
	}
	if (vm->acpi_gpa)
		guest_linux_set_rsdp(&gm, &gb, vm->acpi_gpa);
	vm->timeout_ms = mp->timeout_set ? mp->timeout_ms : default_timeout_ms;
	vm->weight = mp->weight ? mp->weight : 1;
	vm->slice_us = mp->slice_us;
	vm->control = mp->control;
	vm->balloon = mp->balloon;
	vm->vcpus_min = mp->vcpus_min;
	vm->balloon_wait_ms = mp->balloon_wait_ms ? mp->balloon_wait_ms : BALLOON_WAIT_MS_DEFAULT;
	vm->gpm_part = pl->part;
	vm->accel = pl->accel;
	vm->ncores = pl->ncores;
	vuart_init(&vm->uart, vm->name);
	vm_ioapic_init(vm);
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		if (!new_vcpu(vm, i))
			goto nomem;
	vm->lpm = lpm_create(vm, pl->lpm_cpu, pl->cores, pl->ncores, pl->place);
	if (!vm->lpm)
		goto nomem;
	vm->vcpu[0]->boot_entry = gb.entry;
	vm->vcpu[0]->boot_mbi = gb.is_linux ? gb.zero_page : gb.mbi;
	vm->vcpu[0]->boot_linux = gb.is_linux;
	vm->vcpu[0]->start_boot = true;
	return vm;
nomem:
	kprintf("partition '%s' refused: out of hypervisor memory while creating it\n", mp->name);
	if (vm)
		destroy_vm(vm);
	return NULL;
}

static volatile uint32_t done_msgs;
static void vcpu_done_handler(const struct mbox_msg *m)
{
	(void)m;
	done_msgs++;
}

static void barrier_handler(const struct mbox_msg *m);
static void barrier_ack_handler(const struct mbox_msg *m);

void partition_register(void)
{
	msg_register(MSG_VCPU_DONE, vcpu_done_handler);
	msg_register(MSG_BARRIER, barrier_handler);
	msg_register(MSG_BARRIER_ACK, barrier_ack_handler);
	vcore_register();
	lpm_register();
	pool_register();
	lease_register();
	trace_register();
	control_register();
	balloon_register();
	request_register();
}

/*
 * A partition whose kernel cannot load is refused before resources are
 * handed out (docs/manifest.md: a refused partition takes nothing), so a
 * later partition can have its cores and memory.
 */
static void check_kernels(struct manifest *m)
{
	for (uint32_t i = 0; i < m->nparts; i++) {
		struct manifest_part *mp = &m->part[i];
		const struct mb2_module *mod = mp->valid ? find_module(mp->kernel) : NULL;
		if (!mod)
			continue; /* manifest_assign() names a missing module */
		struct guest_image img = { (const uint8_t *)(uintptr_t)mod->start,
					   mod->end - mod->start, mp->kernel };
		struct guest_module mods[MANIFEST_MODS_MAX + 1];
		struct guest_mods gmods;
		char missing[MANIFEST_MODULE_MAX];
		if (partition_guest_mods(mp, mods, &gmods, missing) < 0)
			continue; /* manifest_assign() names a missing module */
		if (guest_check(&img, mp->mem_bytes, mp->cmdline, &gmods) < 0) {
			kprintf("partition '%s' refused: its kernel '%s'%s could not be loaded\n",
				mp->name, mp->kernel,
				mp->nmods     ? " with its modules" :
				mp->initrd[0] ? " with its initrd" :
						"");
			mp->valid = false;
		}
	}
}

/* vm_table slot for a new VM, or -1 when the table is full. */
static int32_t free_slot(void)
{
	for (uint32_t i = 0; i < VM_MAX; i++)
		if (!vm_table[i])
			return (int32_t)i;
	return -1;
}

/*
 * Plan, create and register one partition, printing its plan lines; not
 * started yet. NULL with *err and the refusal line printed.
 */
static struct vm *admit(const struct manifest_part *mp, int *err)
{
	static struct plan pl; /* cpu 0 only */
	char cpus[64];
	uint64_t mask[MANIFEST_MASK_WORDS] = { 0 };

	*err = plan_make(mp, &pl);
	if (*err < 0)
		return NULL;
	uint64_t ticks = plan_last_ticks;
	int32_t slot = free_slot();
	if (slot < 0) {
		plan_release(pl.part);
		kprintf("partition '%s' refused: %u partitions exist already\n", mp->name, VM_MAX);
		*err = -E_FULL;
		return NULL;
	}
	struct vm *vm = create_vm(mp, &pl);
	if (!vm) {
		plan_release(pl.part);
		*err = -E_NOMEM;
		return NULL;
	}
	vm->id = (uint32_t)slot;
	plan_bind(pl.part, vm->id);
	vm_table[slot] = vm;
	if ((uint32_t)slot >= vm_count)
		vm_count = (uint32_t)slot + 1;
	for (uint32_t c = 0; c < pl.ncores; c++)
		mask[pl.cores[c] / 64] |= 1ULL << (pl.cores[c] % 64);
	manifest_format_cpus(mask, cpus, sizeof(cpus));
	kprintf("gpm: partition '%s' gets cpus %s for %u vcpus (%s, planned in %llu ticks)\n",
		vm->name, cpus, vm->nvcpus,
		mp->cls == MANIFEST_CLASS_ACCEL ? "time-shared accelerator cores" :
		pl.ncores < vm->nvcpus		? "time-shared" :
						  "a core per vcpu",
		(unsigned long long)ticks);
	kprintf("lpm %s on cpu %u%s\n", vm->name, pl.lpm_cpu,
		pl.lpm_cpu ? "" : " (shared with the GPM)");
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		kprintf("partition '%s': vcpu %u on cpu %u vpid %u\n", vm->name, i, pl.place[i],
			vm->vcpu[i]->vpid);
	return vm;
}

/* Hand the partition to its LPM, which places the vCPUs; vCPU 0 starts. */
static void start(struct vm *vm)
{
	if (vm->nvcpus > 1)
		kprintf("partition '%s': vcpus 1-%u wait for INIT/SIPI from vcpu 0\n", vm->name,
			vm->nvcpus - 1);
	kprintf("partition '%s': starting vcpu 0 on cpu %u\n", vm->name,
		lpm_initial_core(vm->lpm, 0));
	if (vm->timeout_ms)
		vm->deadline_tsc = rdtsc() + tsc_from_us(vm->timeout_ms * 1000ULL);
	msg_send_sure(lpm_cpu(vm->lpm), MSG_LPM_START, (uint64_t)(uintptr_t)vm->lpm, 0, 0);
	balloon_changed(); /* T changed for the balloon partitions */
}

struct vm *partition_create(const struct manifest_part *mp, int *err)
{
	struct vm *vm = admit(mp, err);

	if (vm)
		start(vm);
	return vm;
}

uint32_t partition_manifest_resources(struct manifest_resources *r)
{
	static uint64_t usable[CONFIG_MAX_CPUS / 64]; /* cpu 0 only */
	struct frame_stats st;
	uint32_t novmx = 0;

	memset(usable, 0, sizeof(usable));
	for (uint32_t c = 1; c < pcpu_count; c++) {
		struct pcpu *p = pcpu_by_id[c];
		if (!p || __atomic_load_n(&p->shared.state, __ATOMIC_ACQUIRE) != PCPU_ONLINE)
			continue;
		if (__atomic_load_n(&p->shared.vmx_on, __ATOMIC_ACQUIRE))
			usable[c / 64] |= 1ULL << (c % 64);
		else
			novmx++;
	}
	frame_stats(&st);
	uint64_t free_bytes = st.free * PAGE_SIZE;
	*r = (struct manifest_resources){
		.ncpus = pcpu_count,
		.cpu_usable_mask = usable,
		.mem_free_bytes = free_bytes > HV_RESERVE ? free_bytes - HV_RESERVE : 0,
		.module_exists = module_exists,
		.plan_cores = true, /* the GPM plans counts (core/plan.c) */
	};
	return novmx;
}

uint32_t partition_boot(const struct boot_info *bi, const char *bad_entry, uint32_t vm_timeout_ms)
{
	const struct mb2_module *mf;

	boot = bi;
	default_timeout_ms = vm_timeout_ms;
	if (!(mf = find_module("manifest"))) {
		kprintf("partition: no manifest module; no guests to run\n");
		return 0;
	}
	manifest_parse((const char *)(uintptr_t)mf->start, mf->end - mf->start, &manifest);
	check_kernels(&manifest);
	struct manifest_resources r;
	uint32_t novmx = partition_manifest_resources(&r);
	if (novmx)
		kprintf("partition: %u online cores have no VMX (see the 'vmx N unavailable' lines); "
			"they cannot host partitions\n",
			novmx);
	manifest_assign(&manifest, &r);
	manifest_print(&manifest);
	refused = manifest.nparts - manifest.nvalid + manifest.ndropped;
	if (!manifest.nvalid)
		return refused;
	if (vmx_controls_init() < 0) {
		refused = manifest.nparts;
		return refused;
	}
	plan_init(&manifest.machine, r.cpu_usable_mask, pcpu_count);
	uint64_t t = rdtsc(), planned = 0;
	uint32_t started = 0;
	for (uint32_t i = 0; i < manifest.nparts; i++) {
		if (!manifest.part[i].valid)
			continue;
		int err;
		struct vm *vm = admit(&manifest.part[i], &err);
		if (!vm) {
			refused++; /* its line is printed */
			continue;
		}
		planned += plan_last_ticks;
		vm->boot = true;
		vm->vcpu[0]->bad_entry = bad_entry[0] && !strcmp(bad_entry, vm->name);
		started++;
	}
	kprintf("gpm: boot plan: %u partitions in %llu ticks (%llu in sched/gpm.c)\n", started,
		(unsigned long long)(rdtsc() - t), (unsigned long long)planned);
	pool_start(&manifest.machine); /* what the partitions left, up to [machine] pool */
	for (uint32_t i = 0; i < vm_count; i++)
		if (vm_table[i])
			start(vm_table[i]);
	return started + refused;
}

static bool all_ended(void)
{
	for (uint32_t i = 0; i < vm_count; i++) {
		struct vm *vm = vm_table[i];
		if (vm && (!vm_ended(vm) || __atomic_load_n(&vm->vcpus_running, __ATOMIC_ACQUIRE)))
			return false;
	}
	return true;
}

static void report(const struct vm *vm)
{
	uint64_t exits[EXIT_REASONS] = { 0 }, total = 0;
	char line[200];
	int n = 0;

	if (vm->state == VM_FAILED)
		kprintf("summary: vm %s: FAILED: %s (rip 0x%llx)\n", vm->name, vm->fail_reason,
			(unsigned long long)vm->fail_rip);
	else
		kprintf("summary: vm %s: exited status=%u\n", vm->name, vm->exit_status);
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		for (uint32_t r = 0; r < EXIT_REASONS; r++)
			exits[r] += vm->vcpu[i]->exits[r];
	for (uint32_t r = 0; r < EXIT_REASONS; r++) {
		total += exits[r];
		if (exits[r] && n < (int)sizeof(line) - 40)
			n += ksnprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu",
				       vmx_exit_name(r), (unsigned long long)exits[r]);
	}
	kprintf("summary: vm %s: %llu exits:%s\n", vm->name, (unsigned long long)total,
		n ? line : " none");
	vmcs_count_report(vm);
	sa_report(vm);
	lease_report(vm);
	balloon_report(vm);
}

static const char *const vcpu_state_names[] = {
	[VCPU_IDLE] = "waiting for SIPI",
	[VCPU_RUNNING] = "running",
	[VCPU_DONE] = "done",
};

/* The watchdog's verdict: one vm_fail line naming the time and what each vCPU was doing. */
static void stop_on_timeout(struct vm *vm)
{
	char states[96];
	size_t n = 0;

	states[0] = '\0';
	for (uint32_t i = 0; i < vm->nvcpus && n < sizeof(states) - 24; i++) {
		const struct vcpu *v = vm->vcpu[i];
		uint32_t st = __atomic_load_n(&v->state, __ATOMIC_ACQUIRE);
		const char *what = st == VCPU_RUNNING && v->halted   ? "halted" :
				   st < ARRAY_SIZE(vcpu_state_names) ? vcpu_state_names[st] :
								       "?";
		n += (size_t)ksnprintf(states + n, sizeof(states) - n, "%svcpu %u %s",
				       i ? ", " : "", i, what);
	}
	if (vm->timeout_ms % 1000)
		vm_fail(vm, 0, "timeout after %u ms (%s)", vm->timeout_ms, states);
	else
		vm_fail(vm, 0, "timeout after %u s (%s)", vm->timeout_ms / 1000, states);
}

static void watchdog_fired(void *arg)
{
	(void)arg; /* waking cpu 0 is all it takes: the wait loop looks at the deadlines */
}

/* Stop the VMs past their deadline; arm cpu 0's timer for the next one. */
static void watchdog(void)
{
	uint64_t now = rdtsc(), next = 0;

	for (uint32_t i = 0; i < vm_count; i++) {
		struct vm *vm = vm_table[i];
		if (!vm || !vm->deadline_tsc || vm_ended(vm))
			continue;
		if (now >= vm->deadline_tsc)
			stop_on_timeout(vm);
		else if (!next || vm->deadline_tsc < next)
			next = vm->deadline_tsc;
	}
	/* The timed work of the GPM (leases, balloon deadlines, the pool). */
	uint64_t t = gpm_timer_run(now);
	if (t && (!next || t < next))
		next = t;
	if (next)
		timer_oneshot_us(next > now ? (next - now) * 1000 / tsc_khz + 1 : 1, watchdog_fired,
				 NULL);
}

/*
 * Destroying a partition ends with a barrier: every online core answers a
 * message sent after the VM's last vCPU was dropped, so no message naming
 * its vCPUs or its LPM is still queued anywhere when they are freed
 * (mailboxes are FIFO, and a notice for a vCPU of an ended VM is never
 * passed on).
 */
static struct vm *barrier_vm;
static uint32_t barrier_want, barrier_got;

static void barrier_handler(const struct mbox_msg *m)
{
	msg_send_sure(m->from, MSG_BARRIER_ACK, m->arg[0], 0, 0);
}

static void barrier_ack_handler(const struct mbox_msg *m)
{
	(void)m;
	barrier_got++;
}

static void barrier_start(struct vm *vm)
{
	barrier_vm = vm;
	barrier_got = barrier_want = 0;
	for (uint32_t c = 0; c < pcpu_count; c++)
		if (msg_send_sure(c, MSG_BARRIER, vm->id, 0, 0) == 0)
			barrier_want++;
}

static void barrier_finish(void)
{
	struct vm *vm = barrier_vm;

	if (!vm || barrier_got < barrier_want)
		return;
	barrier_vm = NULL;
	vm_table[vm->id] = NULL;
	kprintf("partition '%s': destroyed\n", vm->name);
	uint64_t arg = vm->destroy_arg;
	destroy_vm(vm);
	control_done(arg, 0);
}

/* A VM that ended with all its vCPUs dropped gives back its pages and cores. */
static void release_ended(void)
{
	for (uint32_t i = 0; i < vm_count; i++) {
		struct vm *vm = vm_table[i];
		if (!vm || !vm_ended(vm) || __atomic_load_n(&vm->vcpus_running, __ATOMIC_ACQUIRE))
			continue;
		if (vm->released) {
			if (vm->destroying && !barrier_vm)
				barrier_start(vm);
			continue;
		}
		lease_vm_ended(vm); /* its leased cores and queued requests go first */
		release_pages(vm);
		plan_release(vm->gpm_part);
		vm->gpm_part = -1;
		vm->released = true;
		balloon_changed(); /* its cores are free: the balloon partitions share them */
		char cpus[64];
		uint64_t mask[MANIFEST_MASK_WORDS] = { 0 };
		for (uint32_t c = 0; c < vm->nvcpus; c++) {
			/* A vCPU that ended on a pool core was the home core's. */
			uint32_t h = vm->vcpu[c]->pool_home,
				 p = h != NO_CPU ? h : vm->vcpu[c]->pcpu;
			if (p != NO_CPU)
				mask[p / 64] |= 1ULL << (p % 64);
		}
		manifest_format_cpus(mask, cpus, sizeof(cpus));
		kprintf("partition '%s': ended; cpus %s and %llu MiB are free again\n", vm->name,
			cpus, (unsigned long long)(vm->mem_size >> 20));
		if (vm->destroying && !barrier_vm)
			barrier_start(vm);
	}
	barrier_finish();
}

struct vm *partition_find(uint32_t id)
{
	struct vm *vm = id < VM_MAX ? vm_table[id] : NULL;

	return vm && !vm->destroying ? vm : NULL;
}

void partition_destroy(struct vm *vm, struct vm *by, uint64_t done_arg)
{
	vm->destroying = true;
	vm->destroy_arg = done_arg;
	vm_destroy_request(vm, by->name);
	release_ended(); /* an ended VM goes at once */
}

int partition_resize(struct vm *vm, uint32_t ncores, uint32_t nvcpus, uint64_t done_arg)
{
	static struct plan pl;
	static struct lpm_resize rq; /* one control call at a time (core/control.c) */
	uint32_t old = vm->nvcpus, n = nvcpus ? nvcpus : old;

	if (vm_ended(vm))
		return -E_NOENT;
	if (n > VM_MAX_VCPUS)
		return -E_RANGE;
	for (uint32_t i = n; i < old; i++)
		if (vm->vcpu[i]->state != VCPU_IDLE || vm->vcpu[i]->start_sipi)
			return -E_BUSY; /* it started: only the guest can take it down */
	if (vm->accel && ncores && ncores != vm->ncores)
		return -E_INVAL; /* accel: the shared cores stay */
	/* New vCPUs first: they are not counted until the plan holds. */
	for (uint32_t i = old; i < n; i++) {
		if (vm->vcpu[i])
			continue;
		if (!new_vcpu(vm, i)) {
			for (uint32_t j = old; j <= i; j++)
				free_vcpu(vm, j);
			return -E_NOMEM;
		}
	}
	if (!vm->accel) {
		int rc = plan_resize(vm->gpm_part, ncores, n, &pl);
		if (rc < 0) {
			for (uint32_t j = old; j < n; j++)
				free_vcpu(vm, j);
			return rc;
		}
		rq.ncores = pl.ncores;
		memcpy(rq.cores, pl.cores, sizeof(rq.cores));
	} else {
		rq.ncores = lpm_cores(vm->lpm, rq.cores);
	}
	rq.nvcpus = n;
	rq.done_arg = done_arg;
	__atomic_store_n(&vm->nvcpus, n, __ATOMIC_RELEASE);
	kprintf("partition '%s': resized to %u cores, %u vcpus (planned in %llu ticks)\n", vm->name,
		rq.ncores, n, (unsigned long long)plan_last_ticks);
	msg_send_sure(lpm_cpu(vm->lpm), MSG_LPM_RESIZE, (uint64_t)(uintptr_t)vm->lpm,
		      (uint64_t)(uintptr_t)&rq, 0);
	balloon_changed();
	return 0;
}

int partition_make_vcpus(struct vm *vm, uint32_t old, uint32_t n)
{
	for (uint32_t i = old; i < n; i++) {
		struct vcpu *v = vm->vcpu[i];
		if (v && __atomic_load_n(&v->state, __ATOMIC_ACQUIRE) != VCPU_DONE)
			return -E_BUSY; /* its drop is still on the way */
	}
	for (uint32_t i = old; i < n; i++) {
		struct vcpu *v = vm->vcpu[i];
		if (v) {
			/* Dropped for good by an earlier shrink: no core holds it. */
			if (v->vmcs_pa)
				frame_free(v->vmcs_pa, 1);
			if (v->vapic_pa)
				frame_free(v->vapic_pa, 1);
			free_vcpu(vm, i);
		}
		if (!new_vcpu(vm, i)) {
			partition_unmake_vcpus(vm, old, i + 1);
			return -E_NOMEM;
		}
	}
	return 0;
}

void partition_unmake_vcpus(struct vm *vm, uint32_t old, uint32_t n)
{
	for (uint32_t j = old; j < n; j++)
		free_vcpu(vm, j);
}

void partition_resources(struct cy_resources *r)
{
	struct frame_stats st;

	struct heap_stats hs;

	frame_stats(&st);
	heap_stats(&hs);
	/* The heap keeps one empty page per size class for reuse: it holds
	 * nothing, so it counts as free (else the figure depends on which
	 * sizes were ever allocated). */
	r->free_frames = st.free + hs.empty_pages;
	r->free_cores = plan_free_cores();
	r->partitions = 0;
	for (uint32_t i = 0; i < vm_count; i++)
		r->partitions += vm_table[i] && !vm_table[i]->destroying;
}

uint32_t partition_list(struct cy_part_info *out, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < vm_count; i++) {
		const struct vm *vm = vm_table[i];
		if (!vm || vm->destroying)
			continue;
		if (n < max) {
			struct cy_part_info *p = &out[n];
			memset(p, 0, sizeof(*p));
			p->id = vm->id;
			p->state = vm->state == VM_RUNNING ? CY_PART_RUNNING :
				   vm->state == VM_EXITED  ? CY_PART_EXITED :
							     CY_PART_FAILED;
			p->vcpus = vm->nvcpus;
			p->cores = vm->ncores;
			p->lpm_cpu = lpm_cpu(vm->lpm);
			p->weight = vm->weight;
			ksnprintf(p->name, sizeof(p->name), "%s", vm->name);
		}
		n++;
	}
	return n;
}

static volatile uint64_t pong_ticks, pongs;

void lpm_pong(uint64_t t0)
{
	pong_ticks += rdtsc() - t0;
	pongs++;
}

/*
 * Runtime figures at the end of the run (`make bench` reads them): each
 * core's vCPU switches and migrations, and the GPM -> LPM -> core -> GPM
 * message round trip through the first partition's LPM.
 */
static void report_sched(void)
{
	struct vcore_stats st;
	uint64_t sw = 0, swt = 0, swl = 0, mg = 0, mgt = 0;

	for (uint32_t c = 1; c < pcpu_count; c++) {
		if (!vcore_stats(c, &st) || !st.turns)
			continue;
		sw += st.switches;
		swt += st.switch_ticks;
		swl += st.load_ticks;
		mg += st.migrations;
		mgt += st.migrate_ticks;
		kprintf("sched: cpu %u: %llu turns, %llu switches, %llu migrations in\n", c,
			(unsigned long long)st.turns, (unsigned long long)st.switches,
			(unsigned long long)st.migrations);
	}
	uint64_t full = 0;
	for (uint32_t c = 0; c < pcpu_count; c++)
		if (pcpu_by_id[c])
			full += __atomic_load_n(&pcpu_by_id[c]->shared.mbox.full, __ATOMIC_RELAXED);
	if (full)
		kprintf("msg: %llu sends found a full mailbox (retried or replaced by an IPI)\n",
			(unsigned long long)full);
	if (sw)
		kprintf("sched: vcpu switch on one core: %llu ticks (mean of %llu; %llu of them "
			"loading its registers and VMCS)\n",
			(unsigned long long)(swt / sw), (unsigned long long)sw,
			(unsigned long long)(swl / sw));
	if (mg)
		kprintf("sched: vcpu migration between cores: %llu ticks (mean of %llu)\n",
			(unsigned long long)(mgt / mg), (unsigned long long)mg);
	/* Through a dedicated LPM core if there is one: the path the design is about. */
	struct vm *via = NULL;
	for (uint32_t i = 0; i < vm_count; i++) {
		struct vm *vm = vm_table[i];
		if (vm && vm->lpm && vm->ncores &&
		    (!via || (!lpm_cpu(via->lpm) && lpm_cpu(vm->lpm))))
			via = vm;
	}
	for (struct vm *vm = via; vm; vm = NULL) {
		pongs = pong_ticks = 0;
		for (uint32_t k = 0; k < 8; k++) {
			uint64_t want = pongs + 1;
			msg_send_sure(lpm_cpu(vm->lpm), MSG_PING, (uint64_t)(uintptr_t)vm->lpm,
				      rdtsc(), 0);
			uint64_t give_up = rdtsc() + tsc_from_us(100000);
			while (pongs < want && rdtsc() < give_up) {
				msg_poll();
				cpu_relax();
			}
		}
		if (pongs)
			kprintf("sched: gpm->lpm->core->gpm round trip: %llu ticks (mean of %llu, "
				"lpm '%s' on cpu %u)\n",
				(unsigned long long)(pong_ticks / pongs), (unsigned long long)pongs,
				vm->name, lpm_cpu(vm->lpm));
	}
}

int partition_wait_and_report(void)
{
	uint32_t ok = 0, n = 0;

	for (;;) {
		irq_disable();
		watchdog();
		/* Look first, release second: a VM whose last vCPU leaves in
		 * between is then released before the loop ends. */
		bool done = all_ended() && !barrier_vm && !control_busy();
		release_ended();
		if (done)
			break;
		if (!msg_poll())
			safe_halt();
		irq_enable();
	}
	irq_enable();
	report_sched();
	pool_report();
	trace_dump_all();
	for (uint32_t i = 0; i < vm_count; i++) {
		if (!vm_table[i])
			continue;
		report(vm_table[i]);
		ok += vm_table[i]->state == VM_EXITED && vm_table[i]->exit_status == 0;
		n++;
	}
	kprintf("summary: %u VMs ran, %u succeeded, %u failed or exited nonzero, %u partitions "
		"refused\n",
		n, ok, n - ok, refused);
	return ok == n && !refused ? 0 : 1;
}
