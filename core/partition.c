// SPDX-License-Identifier: MIT
/*
 * Partitions from the manifest: exclusive cores and memory, EPT mapping
 * guest-physical 0..size onto the partition's memory, the guest image
 * loaded by the multiboot loader, and vCPU 0 started on the partition's
 * first core by message. Anything wrong with one partition refuses that
 * partition alone, with one line; the others boot.
 * Environment: freestanding hypervisor, boot core (cpu 0).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/pcpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vcpu.h"
#include "arch/x86/vmx/vlapic_exit.h"
#include "arch/x86/vmx/vmexit.h"
#include "core/guest_load.h"
#include "core/manifest.h"
#include "core/msg.h"
#include "core/partition.h"
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
static uint32_t refused; /* declared partitions that never started */
static uint16_t next_vpid = 1;
static uint32_t default_timeout_ms; /* command line vmtimeout=, for partitions without a key */

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

/* The n-th (from 0) core of the partition; vcpus <= cores is checked by the manifest. */
static uint32_t nth_core(const struct manifest_part *mp, uint32_t n)
{
	for (uint32_t c = 0; c < CONFIG_MAX_CPUS; c++)
		if ((mp->core_mask[c / 64] >> (c % 64)) & 1 && n-- == 0)
			return c;
	return 0;
}

/*
 * Give back a VM's memory, EPT, bitmaps and VMCS pages. Either a VM being
 * created (nothing ran) or one that ended with every vCPU out of its run
 * loop: no core can touch these pages any more. The structures themselves
 * stay for the summary and for messages still in flight. The cores may
 * still cache translations tagged with this EPTP (SDM 3C 29.4.1): today no
 * VM is created after boot, but whatever reuses these frames for a new EPT
 * at run time must INVEPT first.
 */
static void release_pages(struct vm *vm)
{
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		if (v && v->vmcs_pa)
			frame_free(v->vmcs_pa, 1);
		if (v && v->vapic_pa)
			frame_free(v->vapic_pa, 1);
		if (v)
			v->vmcs_pa = v->vapic_pa = 0;
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
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		kfree(vm->vcpu[i]);
	kfree(vm);
}

static struct vm *create_vm(const struct manifest_part *mp)
{
	const struct mb2_module *mod = find_module(mp->kernel);
	struct vm *vm = kzalloc(sizeof(*vm));

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
		    true) < 0)
		goto nomem;
	vm->eptp = vm->ept.eptp;
	if (make_bitmaps(vm) < 0)
		goto nomem;

	struct guest_image img = { (const uint8_t *)(uintptr_t)mod->start, mod->end - mod->start,
				   mp->kernel };
	struct guest_mem gm = { (uint8_t *)(uintptr_t)vm->mem_hpa, vm->mem_size };
	struct guest_boot gb;
	if (guest_load(&img, &gm, mp->cmdline, "Cypress", &gb) < 0) {
		kprintf("partition '%s' refused: its kernel '%s' could not be loaded\n", mp->name,
			mp->kernel);
		destroy_vm(vm);
		return NULL;
	}
	vm->nvcpus = mp->vcpus;
	vm->timeout_ms = mp->timeout_set ? mp->timeout_ms : default_timeout_ms;
	vuart_init(&vm->uart, vm->name);
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = kzalloc(sizeof(*v));
		if (!v)
			goto nomem;
		v->vm = vm;
		v->id = i;
		v->pcpu = nth_core(mp, i);
		v->vpid = next_vpid++;
		vm->vcpu[i] = v;
		vcpu_lapic_init(v);
		kprintf("partition '%s': vcpu %u on cpu %u vpid %u\n", vm->name, i, v->pcpu,
			v->vpid);
	}
	vm->vcpu[0]->boot_entry = gb.entry;
	vm->vcpu[0]->boot_mbi = gb.mbi;
	return vm;
nomem:
	kprintf("partition '%s' refused: out of hypervisor memory while creating it\n", mp->name);
	if (vm)
		destroy_vm(vm);
	return NULL;
}

/*
 * On the vCPU's own core: set up its VMCS (multiboot entry for vCPU 0, real
 * mode at the STARTUP vector for the others) and run it until the VM ends.
 */
static void run_vcpu(struct vcpu *v, bool sipi, uint8_t vec)
{
	struct vm *vm = v->vm;

	__atomic_fetch_add(&vm->vcpus_running, 1, __ATOMIC_ACQ_REL);
	irq_disable();
	int rc = sipi ? vcpu_vmcs_init_sipi(v, vec) : vcpu_vmcs_init(v, v->boot_entry, v->boot_mbi);
	if (rc < 0)
		vm_fail(vm, v->boot_entry, "vcpu %u: VMCS set-up failed (%s)", v->id, err_name(rc));
	else
		vcpu_run(v);
	__atomic_fetch_sub(&vm->vcpus_running, 1, __ATOMIC_ACQ_REL);
	while (msg_send(0, MSG_VCPU_DONE, vm->id, v->id, 0) == -E_FULL)
		cpu_relax();
	irq_enable();
}

static void vcpu_run_handler(const struct mbox_msg *m)
{
	run_vcpu((struct vcpu *)(uintptr_t)m->arg[0], false, 0);
}

/* An interrupt message from another vCPU of the same VM. */
static void vlapic_deliver_handler(const struct mbox_msg *m)
{
	struct vcpu *v = (struct vcpu *)(uintptr_t)m->arg[0];
	uint8_t vec = 0;

	if (vm_ended(v->vm))
		return;
	if (vcpu_lapic_deliver(v, (uint8_t)m->arg[1], (uint8_t)m->arg[2], &vec) ==
	    VLAPIC_START_SIPI) {
		kprintf("vm %s: vcpu %u started by STARTUP IPI at 0x%x on cpu %u\n", v->vm->name,
			v->id, vec << 12, v->pcpu);
		run_vcpu(v, true, vec);
	}
}

static void kick_handler(const struct mbox_msg *m)
{
	(void)m; /* the IPI already made the vCPU loop look at its VM's state */
}

static volatile uint32_t done_msgs;
static void vcpu_done_handler(const struct mbox_msg *m)
{
	(void)m;
	done_msgs++;
}

void partition_register(void)
{
	msg_register(MSG_VCPU_RUN, vcpu_run_handler);
	msg_register(MSG_VM_KICK, kick_handler);
	msg_register(MSG_VCPU_DONE, vcpu_done_handler);
	msg_register(MSG_VLAPIC_DELIVER, vlapic_deliver_handler);
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
		if (guest_check(&img, mp->mem_bytes, mp->cmdline) < 0) {
			kprintf("partition '%s' refused: its kernel '%s' could not be loaded\n",
				mp->name, mp->kernel);
			mp->valid = false;
		}
	}
}

uint32_t partition_boot(const struct boot_info *bi, const char *bad_entry, uint32_t vm_timeout_ms)
{
	const struct mb2_module *mf;
	static uint64_t usable[CONFIG_MAX_CPUS / 64];
	struct frame_stats st;

	boot = bi;
	default_timeout_ms = vm_timeout_ms;
	if (!(mf = find_module("manifest"))) {
		kprintf("partition: no manifest module; no guests to run\n");
		return 0;
	}
	manifest_parse((const char *)(uintptr_t)mf->start, mf->end - mf->start, &manifest);
	check_kernels(&manifest);
	uint32_t novmx = 0;
	for (uint32_t c = 1; c < pcpu_count; c++) {
		struct pcpu *p = pcpu_by_id[c];
		if (!p || __atomic_load_n(&p->shared.state, __ATOMIC_ACQUIRE) != PCPU_ONLINE)
			continue;
		if (__atomic_load_n(&p->shared.vmx_on, __ATOMIC_ACQUIRE))
			usable[c / 64] |= 1ULL << (c % 64);
		else
			novmx++;
	}
	if (novmx)
		kprintf("partition: %u online cores have no VMX (see the 'vmx N unavailable' lines); "
			"they cannot host partitions\n",
			novmx);
	frame_stats(&st);
	uint64_t free_bytes = st.free * PAGE_SIZE;
	struct manifest_resources r = {
		.ncpus = pcpu_count,
		.cpu_usable_mask = usable,
		.mem_free_bytes = free_bytes > HV_RESERVE ? free_bytes - HV_RESERVE : 0,
		.module_exists = module_exists,
	};
	manifest_assign(&manifest, &r);
	manifest_print(&manifest);
	refused = manifest.nparts - manifest.nvalid + manifest.ndropped;
	if (!manifest.nvalid)
		return refused;
	if (vmx_controls_init() < 0) {
		refused = manifest.nparts;
		return refused;
	}

	for (uint32_t i = 0; i < manifest.nparts && vm_count < VM_MAX; i++) {
		if (!manifest.part[i].valid)
			continue;
		struct vm *vm = create_vm(&manifest.part[i]);
		if (!vm) {
			refused++; /* out of hypervisor memory: its line is printed */
			continue;
		}
		vm->id = vm_count;
		vm->vcpu[0]->bad_entry = bad_entry[0] && !strcmp(bad_entry, vm->name);
		vm_table[vm_count++] = vm;
	}
	for (uint32_t i = 0; i < vm_count; i++) {
		struct vcpu *v0 = vm_table[i]->vcpu[0];
		if (vm_table[i]->nvcpus > 1)
			kprintf("partition '%s': vcpus 1-%u wait for INIT/SIPI from vcpu 0\n",
				vm_table[i]->name, vm_table[i]->nvcpus - 1);
		kprintf("partition '%s': starting vcpu 0 on cpu %u\n", vm_table[i]->name, v0->pcpu);
		if (vm_table[i]->timeout_ms)
			vm_table[i]->deadline_tsc =
				rdtsc() + tsc_from_us(vm_table[i]->timeout_ms * 1000ULL);
		msg_send(v0->pcpu, MSG_VCPU_RUN, (uint64_t)(uintptr_t)v0, 0, 0);
	}
	return vm_count + refused;
}

static bool all_ended(void)
{
	for (uint32_t i = 0; i < vm_count; i++) {
		struct vm *vm = vm_table[i];
		if (!vm_ended(vm) || __atomic_load_n(&vm->vcpus_running, __ATOMIC_ACQUIRE))
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
		if (!vm->deadline_tsc || vm_ended(vm))
			continue;
		if (now >= vm->deadline_tsc)
			stop_on_timeout(vm);
		else if (!next || vm->deadline_tsc < next)
			next = vm->deadline_tsc;
	}
	if (next)
		timer_oneshot_us((next - now) * 1000 / tsc_khz + 1, watchdog_fired, NULL);
}

/* A VM that ended with all its vCPUs out of their run loops gives back its pages. */
static void release_ended(void)
{
	for (uint32_t i = 0; i < vm_count; i++) {
		struct vm *vm = vm_table[i];
		if (vm->released || !vm_ended(vm) ||
		    __atomic_load_n(&vm->vcpus_running, __ATOMIC_ACQUIRE))
			continue;
		release_pages(vm);
		vm->released = true;
		char cpus[64];
		uint64_t mask[MANIFEST_MASK_WORDS] = { 0 };
		for (uint32_t c = 0; c < vm->nvcpus; c++)
			mask[vm->vcpu[c]->pcpu / 64] |= 1ULL << (vm->vcpu[c]->pcpu % 64);
		manifest_format_cpus(mask, cpus, sizeof(cpus));
		kprintf("partition '%s': ended; cpus %s and %llu MiB are free again\n", vm->name,
			cpus, (unsigned long long)(vm->mem_size >> 20));
	}
}

int partition_wait_and_report(void)
{
	uint32_t ok = 0;

	for (;;) {
		irq_disable();
		watchdog();
		/* Look first, release second: a VM whose last vCPU leaves in
		 * between is then released before the loop ends. */
		bool done = all_ended();
		release_ended();
		if (done)
			break;
		if (!msg_poll())
			safe_halt();
		irq_enable();
	}
	irq_enable();
	for (uint32_t i = 0; i < vm_count; i++) {
		report(vm_table[i]);
		ok += vm_table[i]->state == VM_EXITED && vm_table[i]->exit_status == 0;
	}
	kprintf("summary: %u VMs ran, %u succeeded, %u failed or exited nonzero, %u partitions "
		"refused\n",
		vm_count, ok, vm_count - ok, refused);
	return ok == vm_count && !refused ? 0 : 1;
}
