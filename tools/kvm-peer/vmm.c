// SPDX-License-Identifier: MIT
/*
 * kvm-peer-vmm: the smallest KVM-API VMM that runs an unchanged Cypress guest test kernel
 * (tests/guests/<name>, multiboot v1) so tools/bench-peer can time the same guest under
 * Linux KVM. Nothing of Cypress is used: this is the peer the exit path is compared with.
 * Environment: Linux user space, /dev/kvm (Intel VMX, in-kernel irqchip), built static
 * (gcc -static -pthread). The same program is /init of the initramfs: started as PID 1 it
 * loads KVM and runs itself as the VMM once per run (tools/kvm-peer/init.c).
 *
 * Rules (each one is a fact a reviewer can check here):
 * 1. Loading follows Multiboot 0.6.96: the header is found in the first 8 KiB; an ELF is
 *    loaded by its PT_LOAD headers, an a.out-kludge image (flags bit 16) by the header's
 *    addresses; the BSP starts at the entry with EAX = 0x2BADB002, EBX = the info
 *    structure, 32-bit flat CS/DS (base 0, limit 4 GiB), paging off, interrupts off
 *    (section 3.2).
 * 2. The info structure gives mem_lower/upper, the command line and a memory map
 *    (RAM 0..0x9FC00 and 1 MiB..top, the BIOS areas reserved), all below 0x7000 so
 *    the guest library's preferred AP trampoline page (0x7000) stays free.
 * 3. The LAPICs, IOAPIC, PIC and PIT are KVM's (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2): the
 *    timer and IPI paths measured are KVM's own. APs wait for INIT/SIPI inside KVM
 *    (KVM_MP_STATE_UNINITIALIZED); vCPU i has APIC ID i, in CPUID too.
 * 4. CPUID is all KVM_GET_SUPPORTED_CPUID offers, with the hypervisor bit and the per-vCPU
 *    APIC IDs patched in (leaves 1, 0xB, 0x1F).
 * 5. User space sees only port I/O: COM1 (0x3F8..0x3FF: THR to stdout, LSR says empty,
 *    scratch register kept), port 0xF4 (isa-debug-exit: a write ends the run with that
 *    status); other ports read all ones and ignore writes, as on an empty ISA bus.
 * 6. At the end each vCPU's exit counters are printed from KVM_GET_STATS_FD, one line per
 *    vCPU: "kvm-peer-vmm: vcpu I exits N io_exits N ...", then "kvm-peer-vmm: status S
 *    wall_ms W". A triple fault, a failed entry or an emulation error ends the run with
 *    status 125 and says which.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define MAX_VCPUS	     8
#define MB_HDR_MAGIC	     0x1BADB002u
#define MB_BOOT_MAGIC	     0x2BADB002u
#define MB_HDR_AOUT_KLUDGE   (1u << 16)
#define MB_INFO_MEM	     (1u << 0)
#define MB_INFO_CMDLINE	     (1u << 2)
#define MB_INFO_MMAP	     (1u << 6)
#define MB_INFO_LOADER_NAME  (1u << 9)
#define INFO_ADDR	     0x1000u /* multiboot_info, then the strings and the map */
#define CMDLINE_ADDR	     0x1100u
#define CMDLINE_MAX	     0xe00u
#define MMAP_ADDR	     0x1f00u
#define LOADER_NAME_ADDR     0x1f80u
#define LOW_RAM_END	     0x9fc00u
#define IMAGE_LOWEST	     0x100000u /* nothing of the image goes below 1 MiB */
#define COM1		     0x3f8
#define DEBUG_EXIT	     0xf4
#define EXIT_STATUS_INTERNAL 125

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("kvm-peer-vmm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(EXIT_STATUS_INTERNAL);
}

/* ---- guest memory and the multiboot v1 loader ---- */

static uint8_t *mem;
static uint32_t mem_size;

static void *gpa(uint32_t addr, uint32_t len, const char *what)
{
	if (addr > mem_size || len > mem_size - addr)
		die("%s at 0x%x+0x%x is outside the guest's %u MiB", what, addr, len,
		    mem_size >> 20);
	return mem + addr;
}

static void put32(uint32_t addr, uint32_t v)
{
	memcpy(gpa(addr, 4, "info field"), &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Copy [file+off, +filesz) to guest address dst and zero up to memsz. */
static void load_segment(const uint8_t *file, size_t flen, uint32_t off, uint32_t filesz,
			 uint32_t dst, uint32_t memsz, const char *path)
{
	if (filesz > memsz || off > flen || filesz > flen - off)
		die("%s: a segment at file offset 0x%x+0x%x lies outside the file", path, off,
		    filesz);
	if (dst < IMAGE_LOWEST)
		die("%s: a segment at 0x%x is below 1 MiB (Multiboot kernels load above)", path,
		    dst);
	uint8_t *p = gpa(dst, memsz, "kernel segment");
	memcpy(p, file + off, filesz);
	memset(p + filesz, 0, memsz - filesz);
}

/* ELF32 by its program headers (only PT_LOAD, at p_paddr); returns e_entry. */
static uint32_t load_elf(const uint8_t *f, size_t len, const char *path)
{
	if (len < 52 || memcmp(f, "\177ELF", 4) || f[4] != 1 || f[5] != 1)
		die("%s: not a little-endian ELF32 file and no a.out kludge in its header", path);
	uint32_t phoff = get32(f + 28), entry = get32(f + 24);
	uint16_t phentsize, phnum;

	memcpy(&phentsize, f + 42, 2);
	memcpy(&phnum, f + 44, 2);
	if (phentsize < 32 || phoff > len || (size_t)phnum * phentsize > len - phoff)
		die("%s: program headers outside the file", path);
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + (size_t)i * phentsize;

		if (get32(ph) != 1) /* PT_LOAD */
			continue;
		load_segment(f, len, get32(ph + 4), get32(ph + 16), get32(ph + 12), get32(ph + 20),
			     path);
	}
	return entry;
}

/* Load the kernel file; returns the entry point. Multiboot 0.6.96 sections 3.1.1-3.1.3. */
static uint32_t load_kernel(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st))
		die("%s: cannot open: %s", path, strerror(errno));
	size_t len = (size_t)st.st_size;
	uint8_t *f = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f == MAP_FAILED)
		die("%s: cannot map: %s", path, strerror(errno));
	close(fd);

	size_t hoff = SIZE_MAX;
	for (size_t o = 0; o + 12 <= len && o < 8192; o += 4)
		if (get32(f + o) == MB_HDR_MAGIC &&
		    (uint32_t)(get32(f + o) + get32(f + o + 4) + get32(f + o + 8)) == 0) {
			hoff = o;
			break;
		}
	if (hoff == SIZE_MAX)
		die("%s: no multiboot v1 header in the first 8 KiB", path);
	uint32_t flags = get32(f + hoff + 4), entry;

	if (flags & 0xfffc)
		fprintf(stderr, "kvm-peer-vmm: header flags 0x%x: only bits 0, 1, 16 honoured\n",
			flags);
	if (flags & MB_HDR_AOUT_KLUDGE) {
		if (hoff + 32 > len)
			die("%s: a.out kludge header cut off by the end of the file", path);
		uint32_t hdr = get32(f + hoff + 12), load = get32(f + hoff + 16);
		uint32_t load_end = get32(f + hoff + 20), bss_end = get32(f + hoff + 24);

		entry = get32(f + hoff + 28);
		if (load > hdr || hdr - load > hoff)
			die("%s: a.out kludge load_addr 0x%x above header_addr 0x%x", path, load,
			    hdr);
		uint32_t off = (uint32_t)hoff - (hdr - load);
		uint32_t filesz = load_end ? load_end - load : (uint32_t)(len - off);
		uint32_t memsz = bss_end > load + filesz ? bss_end - load : filesz;

		load_segment(f, len, off, filesz, load, memsz, path);
	} else {
		entry = load_elf(f, len, path);
	}
	munmap(f, len);
	return entry;
}

/* The info structure, command line and memory map (section 3.3); returns its address. */
static uint32_t write_boot_info(const char *cmdline)
{
	static const char loader[] = "cypress kvm-peer-vmm";
	size_t n = strlen(cmdline);
	uint32_t e = MMAP_ADDR;

	if (n >= CMDLINE_MAX)
		die("command line longer than %u bytes", CMDLINE_MAX - 1);
	memset(gpa(INFO_ADDR, 0x1000, "boot info"), 0, 0x1000);
	memcpy(gpa(CMDLINE_ADDR, (uint32_t)n + 1, "command line"), cmdline, n + 1);
	memcpy(gpa(LOADER_NAME_ADDR, sizeof(loader), "loader name"), loader, sizeof(loader));
	/* Each entry: size (20, not counting itself), base (64), length (64), type. */
	const struct {
		uint64_t base, len;
		uint32_t type;
	} map[] = {
		{ 0, LOW_RAM_END, 1 },
		{ LOW_RAM_END, 0x100000 - LOW_RAM_END, 2 },
		{ 0x100000, mem_size - 0x100000u, 1 },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++, e += 24) {
		put32(e, 20);
		memcpy(gpa(e + 4, 20, "memory map"), &map[i].base, 8);
		memcpy(mem + e + 12, &map[i].len, 8);
		memcpy(mem + e + 20, &map[i].type, 4);
	}
	put32(INFO_ADDR + 0, MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_LOADER_NAME);
	put32(INFO_ADDR + 4, LOW_RAM_END / 1024);
	put32(INFO_ADDR + 8, (mem_size - 0x100000u) / 1024);
	put32(INFO_ADDR + 16, CMDLINE_ADDR);
	put32(INFO_ADDR + 44, e - MMAP_ADDR);
	put32(INFO_ADDR + 48, MMAP_ADDR);
	put32(INFO_ADDR + 64, LOADER_NAME_ADDR);
	return INFO_ADDR;
}

/* ---- devices in user space: COM1 and isa-debug-exit ---- */

static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	char line[256];
	size_t used;
} com1;

static void com1_flush(void)
{
	if (com1.used)
		fwrite(com1.line, 1, com1.used, stdout);
	com1.used = 0;
	fflush(stdout);
}

/* 16550 registers (PC16550D data sheet, table 2): what a polled driver needs. */
static uint8_t com1_io(uint16_t reg, int write, uint8_t v)
{
	int dlab = com1.lcr & 0x80;

	switch (reg) {
	case 0:
		if (dlab)
			return write ? (com1.dll = v) : com1.dll;
		if (write) {
			com1.line[com1.used++] = (char)v;
			if (v == '\n' || com1.used == sizeof(com1.line))
				com1_flush();
		}
		return 0; /* no received data */
	case 1:
		if (dlab)
			return write ? (com1.dlm = v) : com1.dlm;
		return write ? (com1.ier = v & 0x0f) : com1.ier;
	case 2:
		return 0xc1; /* IIR: FIFOs on, no interrupt pending; FCR writes ignored */
	case 3:
		return write ? (com1.lcr = v) : com1.lcr;
	case 4:
		return write ? (com1.mcr = v & 0x1f) : com1.mcr;
	case 5:
		return 0x60; /* LSR: THR empty, transmitter empty, nothing received */
	case 6:
		return 0xb0; /* MSR: CTS, DSR, DCD */
	default:
		return write ? (com1.scr = v) : com1.scr;
	}
}

/* ---- the VM and its vCPUs ---- */

struct vcpu {
	int fd, id;
	int stats_fd; /* taken before the vCPU runs: see create_vcpu() */
	struct kvm_run *run;
	pthread_t thread;
};

static int kvm_fd, vm_fd, run_size;
static struct vcpu vcpus[MAX_VCPUS];
static unsigned int nvcpus = 1;
static struct kvm_cpuid2 *cpuid;
static pthread_mutex_t end_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t end_cond = PTHREAD_COND_INITIALIZER;
static int end_status = -1;

static void end_run(int status)
{
	pthread_mutex_lock(&end_lock);
	if (end_status < 0)
		end_status = status;
	pthread_cond_signal(&end_cond);
	pthread_mutex_unlock(&end_lock);
}

/* KVM_GET_SUPPORTED_CPUID, grown until it fits (E2BIG: api.rst 4.46). */
static void get_supported_cpuid(void)
{
	for (unsigned int n = 64;; n *= 2) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("out of memory for %u CPUID entries", n);
		cpuid->nent = n;
		if (!ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
			return;
		if (errno != E2BIG || n >= 4096)
			die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		free(cpuid);
	}
}

/* The supported CPUID with vCPU id's APIC ID in leaf 1 EBX[31:24] and the x2APIC ID of
 * leaves 0xB and 0x1F (SDM Vol 2A, CPUID), and the hypervisor bit (leaf 1 ECX[31]). */
static struct kvm_cpuid2 *cpuid_for(unsigned int id)
{
	size_t size = sizeof(*cpuid) + cpuid->nent * sizeof(cpuid->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);

	if (!c)
		die("out of memory for CPUID");
	memcpy(c, cpuid, size);
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x0000ffffu) | (nvcpus << 16) | (id << 24);
			e->ecx |= 1u << 31;
			if (nvcpus > 1)
				e->edx |= 1u << 28; /* HTT: the count in EBX[23:16] is valid */
		} else if (e->function == 0xb || e->function == 0x1f) {
			e->edx = id;
		}
	}
	return c;
}

/* 32-bit flat segment (SDM Vol 3A 3.4.5): base 0, limit 4 GiB, present, DPL 0. */
static struct kvm_segment flat(uint16_t sel, uint8_t type)
{
	return (struct kvm_segment){ .base = 0,
				     .limit = 0xffffffff,
				     .selector = sel,
				     .type = type,
				     .present = 1,
				     .dpl = 0,
				     .db = 1,
				     .s = 1,
				     .l = 0,
				     .g = 1 };
}

/* Multiboot section 3.2: the machine state at the kernel's entry. */
static void setup_bsp(struct vcpu *v, uint32_t entry, uint32_t info)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		die("KVM_GET_SREGS: %s", strerror(errno));
	s.cs = flat(0x08, 0xb);				    /* execute/read, accessed */
	s.ds = s.es = s.fs = s.gs = s.ss = flat(0x10, 0x3); /* read/write, accessed */
	s.cr0 = 0x11;					    /* PE, ET; PG off */
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &s))
		die("KVM_SET_SREGS: %s", strerror(errno));
	memset(&r, 0, sizeof(r));
	r.rip = entry;
	r.rax = MB_BOOT_MAGIC;
	r.rbx = info;
	r.rflags = 0x2; /* IF off */
	if (ioctl(v->fd, KVM_SET_REGS, &r))
		die("KVM_SET_REGS: %s", strerror(errno));
}

static void create_vcpu(struct vcpu *v, unsigned int id)
{
	v->id = (int)id;
	v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		die("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
	v->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("mmap of vcpu %u's kvm_run: %s", id, strerror(errno));
	struct kvm_cpuid2 *c = cpuid_for(id);
	if (ioctl(v->fd, KVM_SET_CPUID2, c))
		die("KVM_SET_CPUID2 on vcpu %u: %s", id, strerror(errno));
	free(c);
	/* Every vCPU ioctl but a few waits for the vCPU's mutex, which KVM_RUN holds while
	 * the guest runs or halts: a vCPU parked in HLT at the end would block
	 * KVM_GET_STATS_FD forever. The fd, once open, is read without that mutex. */
	v->stats_fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	/* APs sit in wait-for-SIPI inside KVM (api.rst 4.38): the guest's INIT-SIPI-SIPI
	 * starts them with no help from here. */
	struct kvm_mp_state mp = { id ? KVM_MP_STATE_UNINITIALIZED : KVM_MP_STATE_RUNNABLE };
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp))
		die("KVM_SET_MP_STATE on vcpu %u: %s", id, strerror(errno));
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	uint8_t *data = (uint8_t *)r + r->io.data_offset;
	int write = r->io.direction == KVM_EXIT_IO_OUT;

	pthread_mutex_lock(&io_lock);
	for (uint32_t i = 0; i < r->io.count; i++, data += r->io.size) {
		uint16_t port = r->io.port;

		if (port >= COM1 && port <= COM1 + 7 && r->io.size == 1) {
			uint8_t val = com1_io((uint16_t)(port - COM1), write, *data);
			if (!write)
				*data = val;
		} else if (port == DEBUG_EXIT && write) {
			com1_flush();
			/* QEMU's isa-debug-exit ends with (value << 1) | 1; the guest
			 * library writes its verdict code, which is the status here. */
			end_run(*data);
		} else if (!write) {
			memset(data, 0xff, r->io.size);
		}
	}
	pthread_mutex_unlock(&io_lock);
}

/* Where a vCPU stopped, for the error line: RIP, CS and CR0. */
static void print_where(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (!ioctl(v->fd, KVM_GET_REGS, &r) && !ioctl(v->fd, KVM_GET_SREGS, &s))
		fprintf(stderr, " at cs 0x%x rip 0x%llx (cr0 0x%llx)", s.cs.selector,
			(unsigned long long)r.rip, (unsigned long long)s.cr0);
	fputc('\n', stderr);
}

static void *vcpu_loop(void *arg)
{
	struct vcpu *v = arg;
	cpu_set_t set;

	/* One host CPU per vCPU where there are enough, so an IPI round trip does not
	 * wait for the host scheduler. */
	CPU_ZERO(&set);
	CPU_SET((unsigned int)v->id % (unsigned int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "kvm-peer-vmm: vcpu %d: KVM_RUN: %s\n", v->id,
				strerror(errno));
			end_run(EXIT_STATUS_INTERNAL);
			return NULL;
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(v);
			break;
		case KVM_EXIT_MMIO:
			/* Nothing is mapped there: reads see an empty bus. */
			if (!v->run->mmio.is_write)
				memset(v->run->mmio.data, 0xff, sizeof(v->run->mmio.data));
			break;
		case KVM_EXIT_SHUTDOWN:
			fprintf(stderr, "kvm-peer-vmm: vcpu %d: triple fault (KVM_EXIT_SHUTDOWN)",
				v->id);
			print_where(v);
			end_run(EXIT_STATUS_INTERNAL);
			return NULL;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "kvm-peer-vmm: vcpu %d: VM entry failed, reason 0x%llx\n",
				v->id,
				(unsigned long long)
					v->run->fail_entry.hardware_entry_failure_reason);
			end_run(EXIT_STATUS_INTERNAL);
			return NULL;
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, "kvm-peer-vmm: vcpu %d: KVM internal error, suberror %u",
				v->id, v->run->internal.suberror);
			print_where(v);
			end_run(EXIT_STATUS_INTERNAL);
			return NULL;
		default:
			fprintf(stderr, "kvm-peer-vmm: vcpu %d: unexpected exit reason %u\n", v->id,
				v->run->exit_reason);
			end_run(EXIT_STATUS_INTERNAL);
			return NULL;
		}
	}
}

/* ---- exit counts: KVM's binary statistics (Documentation/virt/kvm/api.rst 4.133) ---- */

static const char *const stat_names[] = {
	"exits",	  "io_exits",	      "mmio_exits",	   "halt_exits",
	"irq_exits",	  "irq_window_exits", "request_irq_exits", "hypercalls",
	"irq_injections", "nmi_injections",   "halt_wakeup",	   "signal_exits",
};

static void print_stats(struct vcpu *v)
{
	struct kvm_stats_header h;
	int fd = v->stats_fd;

	printf("kvm-peer-vmm: vcpu %d", v->id);
	if (fd < 0 || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		printf(" stats unavailable (KVM_GET_STATS_FD failed)\n");
		return;
	}
	size_t dsize = sizeof(struct kvm_stats_desc) + h.name_size;
	uint8_t *descs = malloc(dsize * h.num_desc);

	if (!descs ||
	    pread(fd, descs, dsize * h.num_desc, h.desc_offset) != (ssize_t)(dsize * h.num_desc))
		die("cannot read vcpu %d's stats descriptors", v->id);
	for (size_t k = 0; k < sizeof(stat_names) / sizeof(stat_names[0]); k++)
		for (uint32_t i = 0; i < h.num_desc; i++) {
			struct kvm_stats_desc *d = (void *)(descs + i * dsize);
			uint64_t val;

			if (strcmp(d->name, stat_names[k]))
				continue;
			if (pread(fd, &val, 8, h.data_offset + d->offset) == 8)
				printf(" %s %llu", d->name, (unsigned long long)val);
			break;
		}
	printf("\n");
	free(descs);
}

static void usage(void)
{
	fputs("usage: kvm-peer-vmm [--cpus N] [--mem MiB] [--cmdline STR] KERNEL.ELF\n"
	      "Runs a multiboot v1 kernel under KVM with N vCPUs (default 1, at most 8) and MiB\n"
	      "of RAM (default 32); COM1 goes to stdout; a write to port 0xF4 ends the run\n"
	      "with that value as the exit status; then prints each vCPU's exit counts.\n",
	      stderr);
}

int main(int argc, char **argv)
{
	const char *cmdline = "", *path = NULL;
	unsigned long mib = 32;
	struct timespec t0, t1;

	if (getpid() == 1)
		peer_init(); /* /init of the bench-peer initramfs */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			nvcpus = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--mem") && i + 1 < argc) {
			mib = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--cmdline") && i + 1 < argc) {
			cmdline = argv[++i];
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			usage();
			die("bad argument '%s'", argv[i]);
		}
	}
	if (!path)
		die("no kernel given (see --help)");
	if (nvcpus < 1 || nvcpus > MAX_VCPUS)
		die("--cpus wants 1..%d, got %u", MAX_VCPUS, nvcpus);
	if (mib < 4 || mib > 3072)
		die("--mem wants 4..3072 MiB (below the PCI hole), got %lu", mib);
	mem_size = (uint32_t)(mib << 20);

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("/dev/kvm: %s (are kvm and kvm_intel loaded?)", strerror(errno));
	if (ioctl(kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die("KVM API version is not %d", KVM_API_VERSION);
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	/* Intel without unrestricted guest needs these three pages for real mode (api.rst
	 * 4.48); set them anyway, just below the BIOS ROM as QEMU does. */
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul))
		die("KVM_SET_TSS_ADDR: %s", strerror(errno));
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP: %s", strerror(errno));
	/* The speaker port (0x61) carries PIT channel 2's gate and output, which the guest
	 * library's TSC calibration polls: KVM emulates it only when asked. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	if (ioctl(vm_fd, KVM_CREATE_PIT2, &pit))
		die("KVM_CREATE_PIT2: %s", strerror(errno));

	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("cannot allocate %lu MiB of guest memory: %s", mib, strerror(errno));
	struct kvm_userspace_memory_region region = { .slot = 0,
						      .guest_phys_addr = 0,
						      .memory_size = mem_size,
						      .userspace_addr = (uint64_t)(uintptr_t)mem };
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

	uint32_t entry = load_kernel(path), info = write_boot_info(cmdline);

	get_supported_cpuid();
	for (unsigned int i = 0; i < nvcpus; i++)
		create_vcpu(&vcpus[i], i);
	setup_bsp(&vcpus[0], entry, info);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int i = 0; i < nvcpus; i++)
		if (pthread_create(&vcpus[i].thread, NULL, vcpu_loop, &vcpus[i]))
			die("cannot start the thread of vcpu %u", i);
	pthread_mutex_lock(&end_lock);
	while (end_status < 0)
		pthread_cond_wait(&end_cond, &end_lock);
	pthread_mutex_unlock(&end_lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	/* The other vCPUs may still run (halted, mostly): their counters are read as
	 * they stand; the process exit ends them. */
	pthread_mutex_lock(&io_lock);
	com1_flush();
	for (unsigned int i = 0; i < nvcpus; i++)
		print_stats(&vcpus[i]);
	printf("kvm-peer-vmm: status %d wall_ms %lld\n", end_status,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	fflush(stdout);
	_exit(end_status);
}
