/* SPDX-License-Identifier: MIT */
/*
 * The VM model shared by the partition managers (core/) and the VMX exit
 * handlers (arch/x86/vmx/): a VM is one partition; each vCPU lives on one
 * core at a time (its owner, vcpu.pcpu), which alone touches its state.
 * The few fields other cores may touch are grouped and say so
 * (docs/runtime.md lists them and why each is safe).
 * Environment: freestanding hypervisor.
 */
#ifndef CORE_VM_H
#define CORE_VM_H

#include "arch/x86/vmx/ept.h"
#include "arch/x86/vdev/ioapic.h"
#include "arch/x86/vdev/acpi_pm.h"
#include "arch/x86/vdev/fwcfg.h"
#include "arch/x86/vdev/rtc.h"
#include "arch/x86/vdev/vlapic.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/msr_policy.h"
#include "core/vuart.h"
#include "lib/spinlock.h"
#include "lib/types.h"
#include "sched/irs.h"
#include "sched/ops.h"

#define VM_MAX	     64
#define VM_MAX_VCPUS 64
#define VM_NAME_MAX  16
#define VM_UNSUP_MAX 48 /* distinct unsupported operations reported (vm_unsupported()) */

/* Guest general registers in x86 encoding order, so decoders index by
 * register number. RSP lives in the VMCS; its slot here is unused. The
 * layout is shared with arch/x86/vmx/entry.S (asm-offsets). */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	/* Not a guest register: the HOST_RSP entry.S last wrote into this
	 * vCPU's VMCS, so an entry from the same stack skips the VMWRITE. */
	uint64_t host_rsp;
};

enum vcpu_state {
	VCPU_IDLE = 0,	  /* not started (APs wait for a SIPI) */
	VCPU_RUNNING = 1, /* started: runnable, running or blocked on its core */
	VCPU_DONE = 2,	  /* dropped by its core for good */
};

#define NO_CPU UINT32_MAX

/*
 * Interrupts posted to a vCPU by other cores (the only part of a vCPU any
 * core may write, always with atomic read-modify-write): its owner core
 * takes them with an atomic exchange before the vCPU's next entry, or when
 * deciding whether a blocked vCPU wakes. A message (MSG_VCPU_NOTIFY) or,
 * with the owner's mailbox full, a bare IPI tells the owner to look, so a
 * full mailbox delays nothing and loses nothing.
 */
struct vcpu_post {
	uint32_t irr[8];  /* fixed and lowest-priority vectors */
	uint32_t tmr[8];  /* of those, level-triggered (vIOAPIC): set before the irr bit */
	uint32_t flags;	  /* VCPU_POST_* */
	uint32_t pending; /* nonzero: something was posted since the owner last looked */
};
#define VCPU_POST_NMI	   (1u << 0)
#define VCPU_POST_INIT	   (1u << 1)
#define VCPU_POST_SIPI	   (1u << 2) /* vector in bits 15:8 */
#define VCPU_POST_SIPI_VEC 8

/* Registers outside the VMCS that a guest changes without exits: kept in
 * the vCPU while another vCPU runs on its core (arch/x86/vmx/vcpu_ctx.c). */
struct vcpu_ctx {
	uint64_t cr2, dr[4], dr6;
	uint64_t star, lstar, cstar, sfmask, kernel_gs;
	void *fpu; /* XSAVE (or FXSAVE) area, 64-byte aligned; NULL until first saved */
};

struct vm;
struct lpm;
struct msc_symtab;

struct vcpu {
	struct guest_regs regs; /* first: entry.S gets &vcpu->regs */
	struct vm *vm;
	uint32_t id;   /* index within the VM, 0 = bootstrap vCPU */
	uint32_t pcpu; /* its owner core; changes only at a migration, written by the
			* old owner before it hands the vCPU over (read by senders to route) */
	uint32_t state;
	uint16_t vpid;
	bool launched;
	uint64_t vmcs_pa;
	uint32_t boot_entry, boot_mbi; /* entry state (vCPU 0): EIP, and EBX or ESI */
	bool boot_linux;	       /* Linux 32-bit boot protocol: boot_mbi is ESI */
	bool bad_entry;		       /* testing hook: make the first VM entry fail */
	uint64_t xcr0;		       /* the guest's XCR0, 0 without XSAVE */
	struct vlapic lapic;	       /* its virtual local APIC */
	struct vlapic_ops lapic_ops;   /* callbacks with ctx = this vCPU */
	volatile bool timer_due;       /* the host timer for the vLAPIC fired */
	bool nmi_pending;	       /* an NMI IPI waits for injection */
	bool nmi_window;	       /* NMI-window exiting is on in its VMCS */
	bool intr_window;	       /* interrupt-window exiting is on in its VMCS */
	volatile bool halted;	       /* in HLT waiting for an interrupt (for the watchdog line) */
	uint64_t vapic_pa;  /* lapic's register page; the VMCS's virtual-APIC page (TPR shadow) */
	uint32_t eoi_gen;   /* vm->ioapic_gen its EOI-exit bitmap holds (0: bitmap all 0) */
	uint32_t vid_gen;   /* lapic.intr_gen when RVI/SVI were last written to the VMCS */
	bool vx2;	    /* its VMCS's controls are for x2APIC mode (xapic_mode_switch()) */
	uint32_t vapic_gen; /* lapic.gen when its registers were last published to the page */
	bool init_seen;	    /* INIT arrived while idle: a STARTUP may start it */
	bool offline_req;   /* VCPU_OFFLINE: its core takes it offline after this exit */
	bool offline;	    /* went offline by VCPU_OFFLINE, not restarted yet (owner writes) */
	/* Scheduling (core/vcore.c), owned by the core in pcpu. */
	struct sched_vcpu sv; /* runqueue entry, weight, vruntime */
	bool blocked;	      /* in HLT, off the runqueue until an interrupt wakes it */
	bool halt_if;	      /* RFLAGS.IF at its HLT (its VMCS may not be current later) */
	bool moved;	      /* came from another core: host state and TLB tags to redo */
	bool start_boot;      /* vCPU 0: enter at the multiboot entry on its first run */
	bool start_sipi;      /* an AP released by INIT + STARTUP: real mode at sipi_vec */
	uint8_t sipi_vec;
	uint32_t migrate_to;	 /* NO_CPU, or the cpu its LPM asked it to move to */
	uint64_t mig_tsc;	 /* TSC when its last migration began (statistics), 0 = none */
	uint64_t timer_deadline; /* its vLAPIC timer (TSC), 0 = none; the core multiplexes */
	struct vcpu_ctx ctx;
	struct vcpu_post post; /* cross-core: see struct vcpu_post */
	uint32_t move_busy;    /* cross-core: a VCPU_MOVE hypercall is in flight (CAS 0->1) */
	uint32_t moves;	      /* times it arrived on another core (owner writes; CORE_INFO reads) */
	uint64_t perf_ctl;    /* the guest's IA32_PERF_CTL: a hint, never the hardware's */
	struct vcpu_msrs msr; /* TSC_ADJUST (= TSC offset), MISC_ENABLE, ...: owner writes */
	/* Answers to CPUID leaves that do not mirror the guest's state,
	 * keyed by everything they depend on (arch/x86/vmx/exit_cpuid.c). */
	struct cpuid_memo {
		uint32_t leaf, sub, cpu, nvcpus;
		uint64_t misc_enable, xcr0;
		uint32_t eax, ebx, ecx, edx;
	} cpuid_memo[8];
	/* Scheduler activations (core/sa.c), owned by the core in pcpu. */
	struct irs_vcpu irs;
	uint32_t sa_gen;	  /* vm->sa_gen irs was set up for */
	uint64_t sa_ack_ticks;	  /* sum of upcall-to-ack times of acks in time */
	uint64_t sa_notified_tsc; /* when the pending upcall went in */
	uint64_t sa_limit_ticks;  /* the limit in TSC ticks, as set up */
	uint32_t lease_cpu;	  /* its leased fast core (NO_CPU: none); written by the GPM */
	uint64_t lease_end_tsc;	  /* when that lease ends; written by the GPM */
	/* Load (LOAD_GET): written by the owner core, read by any as statistics. */
	uint64_t run_ticks;	      /* TSC it spent in vcpu_enter(), turns that ended */
	uint64_t turn_tsc;	      /* TSC its current turn began, 0 = not in one */
	uint32_t run_seq;	      /* odd while the two above change (LOAD_GET retries) */
	uint64_t steal_ticks;	      /* TSC it spent runnable while another vCPU ran */
	uint64_t wait_since;	      /* TSC it became runnable and not running, 0 = not waiting */
	uint64_t exits[EXIT_REASONS]; /* by basic reason */
	uint64_t exits_other;	      /* reasons beyond the table */
#ifdef VMCS_COUNT
	uint64_t vmcs_hist[EXIT_REASONS][24]; /* arch/x86/vmx/vmcs_count.h */
#endif
	/* The micro-sliced pool (core/pool.c). Owner writes; others read the
	 * ones marked "hint" without a lock and the owner checks again. */
	uint64_t last_rip;   /* guest RIP at its last exit (hint) */
	uint32_t pool_home;  /* NO_CPU, or the core it returns to after its micro-slice
			     * (atomic: written before the hand-over, read to pass moves on) */
	uint8_t pool_go;     /* POOL_GO_*: what migrate_to means */
	uint8_t pool_why;    /* POOL_TRIG_* of the trip under way */
	uint32_t pool_asked; /* cross-core: a rescue message is in flight (CAS 0->1) */
	uint64_t pool_t0;    /* TSC of the trigger, until it runs on the pool core */
};

enum vm_state {
	VM_RUNNING = 0,
	VM_EXITED = 1, /* the guest asked to stop (isa-debug-exit or hypercall) */
	VM_FAILED = 2, /* vm_fail(): the guest did something we stop it for */
};

struct vm {
	char name[VM_NAME_MAX];
	char tag[VM_NAME_MAX + 8]; /* "vm NAME: ", for console_tag() */
	uint32_t id;
	uint32_t state;	 /* enum vm_state, written once with the lock held */
	spinlock_t lock; /* guards state, status, reason */
	uint32_t exit_status;
	char fail_reason[128];
	uint64_t fail_rip;

	uint64_t mem_hpa; /* guest-physical 0 is host-physical mem_hpa */
	uint64_t mem_size;
	uint64_t eptp;
	struct ept ept; /* owned by cpu 0: built before the VM runs, freed after it ended */

	uint32_t timeout_ms;   /* watchdog: 0 = none */
	uint64_t deadline_tsc; /* when the watchdog stops it; 0 = never */
	bool released;	       /* memory and cores handed back (cpu 0) */
	bool destroying;       /* a control call destroys it: freed once released (cpu 0) */
	uint64_t destroy_arg;  /* the call to answer then */

	uint64_t msr_bitmap_pa;
	uint64_t io_bitmap_pa[2];
	/* x2APIC virtualization (arch/x86/vmx/xapic.h), 0 without: the VM's own
	 * APIC-access page, and msr_bitmap_pa's copy that lets the x2APIC TPR
	 * and EOI writes through to virtual-interrupt delivery. */
	uint64_t apic_access_pa;
	uint64_t x2apic_msr_bitmap_pa;

	/* Planning (core/partition.c, the GPM on cpu 0). */
	uint32_t weight;	 /* manifest weight: each vCPU's share on a time-shared core */
	uint32_t slice_us;	 /* time slice on time-shared cores */
	bool control;		 /* may make the control hypercalls */
	uint32_t guest_load;	 /* LOAD_REPORT: runnable threads the guest said it has */
	uint8_t core_notify_vec; /* CORE_NOTIFY: interrupt a vCPU gets on a new core, 0 = none */
	/* The shared area (core/shared.c): gpa written by SHARED_SET, the rest
	 * under shared_lock by whichever core publishes. */
	uint64_t shared_gpa; /* 0 = none */
	spinlock_t shared_lock;
	uint32_t shared_seq[VM_MAX_VCPUS]; /* each record's seq, kept here, not in the guest */
	uint32_t balloon_target, balloon_seq, balloon_wait_ms; /* published in the header */
	uint8_t sa_vector;    /* SA_REGISTER: the upcall vector, 0 = none */
	uint32_t sa_limit_us; /* SA_REGISTER: the hard limit on an ack */
	uint64_t sa_conf;     /* vector | limit_us << 8 | generation << 32 (core/sa.c) */
	bool sa_ever;	      /* some vCPU registered once: the summary has its line */
	/* Ballooning (core/balloon.c, the GPM) and VT-ASOS requests (core/request.c). */
	bool balloon;		   /* manifest `balloon = yes` */
	uint32_t vcpus_min;	   /* manifest `vcpus_min`: the lowest balloon target */
	uint32_t vcpus_online;	   /* atomic: vCPUs started and not taken offline */
	uint32_t balloon_want;	   /* the GPM's last computed target (cpu 0) */
	uint64_t balloon_deadline; /* TSC: shrink without an ack from then on; 0 = none */
	bool balloon_acked;	   /* the current balloon_seq was acknowledged (cpu 0) */
	uint32_t balloon_kick;	   /* atomic: a MSG_BALLOON_KICK for it is in flight */
	uint32_t balloon_ack_seq;  /* atomic: the last BALLOON_ACK accepted (its caller's core) */
	uint32_t balloon_acks, balloon_fallbacks; /* for the summary (cpu 0) */
	bool gang;	  /* REQUEST granted gang: a core per vCPU is kept */
	bool boot;	  /* from the boot manifest (kept for the summary), not a control call's */
	int32_t gpm_part; /* its slot in the GPM's plan, -1 for none */
	bool accel;	  /* class = accel: its vCPU cores are shared, outside the plan */
	struct lpm *lpm;  /* its Local Partition Manager (core/lpm.c) */
	uint32_t ncores;  /* its vCPU cores now (written by its LPM, read by hypercalls) */
	struct msc_symtab *symtab; /* `symbols`: its guest's functions (core/pool.c), NULL = none;
				    * written before it runs, read-only after */

	uint32_t nvcpus;
	uint32_t vcpus_running; /* atomic: vCPUs held by some core (placed, not yet dropped) */
	struct vcpu *vcpu[VM_MAX_VCPUS];

	uint8_t rcr; /* port 0xCF9, the reset control register: bits 1 and 3 as last written */
	spinlock_t uart_lock; /* vCPUs on several cores may print */
	struct vuart uart;    /* emulated COM1 and port 0xE9 */
	/* The virtual IOAPIC (arch/x86/vmx/ioapic_exit.c): its vCPUs on any core
	 * use it, under ioapic_lock (taken inside uart_lock, never around it).
	 * Messages it sends under the lock wait in ioapic_out and are posted
	 * after the lock is released. */
	spinlock_t ioapic_lock;
	struct ioapic ioapic;
	struct ioapic_ops ioapic_ops;
	uint32_t ioapic_nout;
	struct ioapic_msg ioapic_out[IOAPIC_PINS];
	uint32_t ioapic_gen; /* atomic: ioapic.level_gen as last published */
	/* fw_cfg (0x510) and the ACPI PM registers (0x600): set up before the
	 * VM runs, then touched by its vCPUs on any core under pc_lock. */
	spinlock_t pc_lock;
	struct fwcfg fwcfg;
	struct acpi_pm pm;
	struct rtc rtc;
	uint32_t acpi_gpa; /* where its ACPI tables (RSDP first) are, 0 = none */
	/* What the guest did that Cypress does not emulate, each reported on
	 * the console once (vm_unsupported()); under pc_lock. */
	uint64_t unsup_seen[VM_UNSUP_MAX];
	uint32_t unsup_n;
};

/*
 * Operations a guest performs that Cypress does not emulate (docs/guest-abi.md,
 * "What is not emulated"): the guest gets what hardware without the device
 * gives (all-ones port reads, #GP for an MSR), never silently: the first time
 * each (kind, id) happens the console says so, as
 * "vm NAME: unsupported: <what> (<detail>)". After VM_UNSUP_MAX distinct ones
 * a last line says further ones go unreported.
 */
enum vm_unsup_kind {
	VM_UNSUP_PORT_IN,
	VM_UNSUP_PORT_OUT,
	VM_UNSUP_RDMSR,
	VM_UNSUP_WRMSR,
};
void vm_unsupported(struct vm *vm, enum vm_unsup_kind kind, uint32_t id, const char *detail);

/* The slice a vCPU of vm gets on a shared core when vm alone decides it. */
#define VM_SLICE_US_DEFAULT 1000
static inline uint32_t vm_slice_us(const struct vm *vm)
{
	return vm->slice_us ? vm->slice_us : VM_SLICE_US_DEFAULT;
}

/* True if vm's vCPUs can share cores: more vCPUs than cores, or accelerator
 * cores. A ballooned partition keeps only its target online: that counts. */
static inline bool vm_may_timeshare(const struct vm *vm)
{
	uint32_t n = vm->balloon && vm->balloon_target ? vm->balloon_target : vm->nvcpus;

	return vm->accel || n > vm->ncores;
}

/* All VMs, by id; set up by core/partition.c before any vCPU runs. */
extern struct vm *vm_table[VM_MAX];
extern uint32_t vm_count;

/*
 * Stop `vm` because the guest misbehaved: record why (first reason wins),
 * print one line "vm NAME: FAILED: <why> (rip 0x...)", and make every
 * vCPU of the VM leave its run loop. Never returns to the guest. Any
 * core running a vCPU of `vm`, or cpu 0 (the watchdog).
 */
void vm_fail(struct vm *vm, uint64_t rip, const char *fmt, ...) __printf(3, 4);

/* The guest asked to end with `status` (isa-debug-exit or hypercall). */
void vm_exit_request(struct vm *vm, uint32_t status);

/*
 * The guest asked for a platform reset (`how`: the port and command). Cypress
 * does not restart a partition: it ends with status 0, as QEMU run with
 * -no-reboot exits (docs/guest-abi.md). Any core running a vCPU of vm.
 */
void vm_reset_request(struct vm *vm, const char *how);

/* The guest powered off (ACPI S5 through PM1a_CNT): it ends with status 0.
 * Any core running a vCPU of vm. */
void vm_poweroff_request(struct vm *vm);

/* A control partition named `by` destroys vm: it ends with status 0. cpu 0. */
void vm_destroy_request(struct vm *vm, const char *by);

/* True once the VM is no longer RUNNING. */
static inline bool vm_ended(const struct vm *vm)
{
	return __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING;
}

/*
 * Guest-physical range [gpa, gpa + len) as a host pointer, or NULL if any
 * byte lies outside the VM's memory.
 */
void *vm_gpa_to_host(const struct vm *vm, uint64_t gpa, uint64_t len);

#endif
