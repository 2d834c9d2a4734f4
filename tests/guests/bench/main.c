// SPDX-License-Identifier: MIT
/*
 * Guest test "bench": exit-path micro-benchmark. Times with RDTSC, over
 * "iters=N" iterations (default 10000), the round trip of a null hypercall
 * (Cypress's ABI_VERSION; under KVM an unknown hypercall number, which KVM
 * answers with -KVM_ENOSYS), CPUID leaf 0, an OUT to the COM1 scratch
 * register, and an IPI from vCPU 0 to vCPU 1 and back (needs a second CPU).
 * Prints "bench: <name> <TSC ticks per op>" rows (the mean) and, for each,
 * "bench: <name>_med <ticks>": the median of batches of BATCH operations
 * (of single round trips for the IPI), which a host timer interrupt landing
 * in a few batches does not move. Then a SUCCESS verdict.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP and
 * one AP.
 */
#include "tests/guests/lib/guest.h"
#include "guest-abi/cypress.h"

const char guest_test_name[] = "bench";

#define VEC_PING 0x50
#define VEC_PONG 0x51
#define BATCH	 100   /* operations per timed batch (one RDTSC pair per batch) */
#define SAMPLES	 10000 /* batches (or IPI round trips) kept for the median */

/* KVM's signature at CPUID 0x40000000 (Documentation/virt/kvm/x86/cpuid.rst). */
#define KVM_SIG_EBX 0x4b4d564bu /* "KVMK" */
#define KVM_SIG_ECX 0x564b4d56u /* "VMKV" */
#define KVM_SIG_EDX 0x0000004du /* "M\0\0\0" */
/* No KVM hypercall has this number, so kvm_emulate_hypercall() does nothing
 * and answers -KVM_ENOSYS (include/uapi/linux/kvm_para.h) in EAX: the
 * shortest full round trip through KVM's hypercall path. */
#define KVM_HC_NONE   0xffffffffu
#define KVM_ENOSYS_RC (-1000)

static volatile uint32_t pongs;
static uint64_t samples[SAMPLES];

static void row(const char *name, uint64_t ticks, uint32_t iters)
{
	gprintf("bench: %-14s %llu\n", name, ticks / iters);
}

/* The k-th smallest of a[0..n) (Hoare's selection, reorders a). */
static uint64_t select_kth(uint64_t *a, uint32_t n, uint32_t k)
{
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint64_t pivot = a[lo + (hi - lo) / 2], t;
		uint32_t i = lo, j = hi;

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

/* "<name>_med": the median of n samples, each covering per_sample operations. */
static void row_median(const char *name, uint32_t n, uint32_t per_sample)
{
	char med[24];

	if (!n)
		return;
	gsnprintf(med, sizeof(med), "%s_med", name);
	gprintf("bench: %-14s %llu\n", med, select_kth(samples, n, n / 2) / per_sample);
}

/*
 * Run `op` (a statement; may use the index i_) iters times in batches of
 * BATCH, each timed with its own RDTSC pair: the mean row covers all of
 * them, the median row the full batches.
 */
#define TIME_OP(name, iters, op)                                      \
	do {                                                          \
		const uint32_t want_ = (iters);                       \
		uint64_t total_ = 0, t_;                              \
		uint32_t i_ = 0, n_ = 0, b_;                          \
		while (i_ < want_) {                                  \
			b_ = want_ - i_ < BATCH ? want_ - i_ : BATCH; \
			t_ = rdtsc();                                 \
			for (uint32_t k_ = 0; k_ < b_; k_++, i_++)    \
				op;                                   \
			t_ = rdtsc() - t_;                            \
			total_ += t_;                                 \
			if (b_ == BATCH && n_ < SAMPLES)              \
				samples[n_++] = t_;                   \
		}                                                     \
		row(name, total_, want_);                             \
		row_median(name, n_, BATCH);                          \
	} while (0)

static bool hv_is_kvm(void)
{
	uint32_t max, b, c, d;

	cpuid(0x40000000, 0, &max, &b, &c, &d);
	return b == KVM_SIG_EBX && c == KVM_SIG_ECX && d == KVM_SIG_EDX;
}

static int32_t kvm_null_hypercall(void)
{
	uint32_t ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(KVM_HC_NONE) : "memory");
	return (int32_t)ret;
}

static void ping_handler(struct irq_frame *f)
{
	(void)f;
	lapic_send_fixed(smp_cpus[0].apic_id, VEC_PONG);
}

static void pong_handler(struct irq_frame *f)
{
	(void)f;
	pongs++;
}

static void ap_idle(unsigned int slot)
{
	(void)slot;
	irq_enable();
	for (;;)
		__asm__ volatile("hlt");
}

static void bench_ipi(uint32_t iters)
{
	uint64_t t0, total = 0, end, t;
	uint32_t dest, n = 0;

	lapic_setup(!cmdline_has("xapic"));
	lapic_enable();
	irq_register(VEC_PING, ping_handler);
	irq_register(VEC_PONG, pong_handler);
	if (smp_start(2, ap_idle, 1000, false) < 2) {
		gprintf("bench: ipi_roundtrip skipped (no second CPU)\n");
		return;
	}
	dest = smp_cpus[1].apic_id;
	irq_enable();
	for (uint32_t i = 0; i < iters; i++) {
		t0 = rdtsc();
		end = t0 + (uint64_t)tsc_per_ms() * 100;
		lapic_send_fixed(dest, VEC_PING);
		while (pongs <= i && rdtsc() < end)
			cpu_relax();
		if (pongs <= i) {
			fail("ipi: no answer to ping %u within 100 ms", i);
			return;
		}
		t = rdtsc() - t0;
		total += t;
		if (n < SAMPLES)
			samples[n++] = t;
	}
	irq_disable();
	row("ipi_roundtrip", total, iters);
	row_median("ipi_roundtrip", n, 1);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t iters = cmdline_uint("iters", 10000), i;
	uint64_t t0;

	(void)magic;
	(void)mbi;
	if (!iters)
		iters = 1;
	gprintf("bench: tsc_khz %u iters %u (ticks per op below)\n", tsc_per_ms(), iters);

	t0 = rdtsc();
	for (i = 0; i < iters; i++)
		__asm__ volatile("" : : : "memory");
	row("loop", rdtsc() - t0, iters);

	if (hv_is_cypress()) {
		if (cypress_abi_version() != CYPRESS_ABI_VERSION)
			fail("null hypercall returned %d, want %d", cypress_abi_version(),
			     CYPRESS_ABI_VERSION);
		TIME_OP("hypercall", iters, cypress_abi_version());
	} else if (hv_is_kvm()) {
		if (kvm_null_hypercall() != KVM_ENOSYS_RC)
			fail("KVM hypercall 0x%x returned %d, want %d", KVM_HC_NONE,
			     kvm_null_hypercall(), KVM_ENOSYS_RC);
		TIME_OP("hypercall", iters, kvm_null_hypercall());
	} else {
		gprintf("bench: hypercall skipped (not under Cypress or KVM)\n");
	}

	TIME_OP("cpuid0", iters, cpuid(0, 0, NULL, NULL, NULL, NULL));
	TIME_OP("outb_com1_scr", iters, outb(COM1_SCR, (uint8_t)i_));

	bench_ipi(iters);
	report("%u iterations per row", iters);
}
