// SPDX-License-Identifier: MIT
/*
 * libcypress (guest-abi/libcypress.h): hypercall wrappers, shared-area
 * readers, event taking, SA helpers.
 * Rules:
 *   1. Every buffer goes through gpa(): translated by the hook, refused with
 *      CY_ERANGE at or above 4 GiB, never truncated.
 *   2. The shared area is written by the hypervisor at any time: every load
 *      from it is volatile (acquire for seq), and no field is trusted beyond
 *      a bound check (vcpu indices against CY_SHARED_VCPUS).
 *   3. Event words are taken with one atomic exchange each, so a bit the
 *      hypervisor ORs in concurrently is seen exactly once.
 *   4. No libc: the two copies below are field by field.
 * Environment: guest kernel, ring 0, any vCPU, any context; host unit tests.
 */
#include "guest-abi/libcypress.h"

static cyl_translate_fn translate;

void cyl_set_translate(cyl_translate_fn fn)
{
	__atomic_store_n(&translate, fn, __ATOMIC_RELEASE);
}

/* Guest-physical address of p in *out, or CY_ERANGE (rule 1). NULL is 0. */
static int32_t gpa(const void *p, uint32_t *out)
{
	cyl_translate_fn fn = __atomic_load_n(&translate, __ATOMIC_ACQUIRE);
	uint64_t a = fn && p ? fn(p) : (uint64_t)(uintptr_t)p;

	if (a >> 32)
		return CY_ERANGE;
	*out = (uint32_t)a;
	return 0;
}

/* Calls with one buffer argument in EBX. */
static int32_t call_buf(uint32_t nr, const void *buf, uint32_t a2, uint32_t a3)
{
	uint32_t g;
	int32_t rc = gpa(buf, &g);

	return rc ? rc : cypress_hypercall(nr, g, a2, a3);
}

int cyl_detect(void)
{
	uint32_t a, b, c, d;

	/* CPUID.1:ECX[31]: a hypervisor is present; only then is leaf
	 * 0x40000000 defined (elsewhere it echoes the highest basic leaf). */
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1u), "c"(0u));
	if (!(c & (1u << 31)))
		return 0;
	__asm__ volatile("cpuid"
			 : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(CYPRESS_CPUID_BASE), "c"(0u));
	return b == CYPRESS_SIG_EBX && c == CYPRESS_SIG_ECX && d == CYPRESS_SIG_EDX;
}

const char *cyl_strerror(int32_t ret)
{
	switch (ret) {
	case CY_EINVAL:
		return "CY_EINVAL";
	case CY_ENOMEM:
		return "CY_ENOMEM";
	case CY_ENOENT:
		return "CY_ENOENT";
	case CY_EFULL:
		return "CY_EFULL";
	case CY_ERANGE:
		return "CY_ERANGE";
	case CY_EBUSY:
		return "CY_EBUSY";
	case CY_EEXIST:
		return "CY_EEXIST";
	case CY_EPERM:
		return "CY_EPERM";
	case CY_ENOSYS:
		return "CY_ENOSYS";
	}
	return ret >= 0 ? "ok" : "an undefined error";
}

int32_t cyl_abi_version(void)
{
	return cypress_hypercall(CYPRESS_HC_ABI_VERSION, 0, 0, 0);
}

int32_t cyl_console_write(const void *buf, uint32_t len)
{
	return call_buf(CYPRESS_HC_CONSOLE_WRITE, buf, len, 0);
}

void cyl_exit(uint32_t status)
{
	cypress_hypercall(CYPRESS_HC_EXIT, status, 0, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

int32_t cyl_part_create(const char *text, uint32_t len)
{
	return call_buf(CYPRESS_HC_PART_CREATE, text, len, 0);
}

int32_t cyl_part_resize(uint32_t id, uint32_t cores, uint32_t vcpus)
{
	return cypress_hypercall(CYPRESS_HC_PART_RESIZE, id, cores, vcpus);
}

int32_t cyl_part_destroy(uint32_t id)
{
	return cypress_hypercall(CYPRESS_HC_PART_DESTROY, id, 0, 0);
}

int32_t cyl_part_list(struct cy_part_info *info, uint32_t count)
{
	return call_buf(CYPRESS_HC_PART_LIST, info, count, 0);
}

int32_t cyl_core_list(struct cy_core_info *info, uint32_t count)
{
	return call_buf(CYPRESS_HC_CORE_LIST, info, count, 0);
}

int32_t cyl_resources(struct cy_resources *res)
{
	return call_buf(CYPRESS_HC_RESOURCES, res, 0, 0);
}

int32_t cyl_vcpu_move(uint32_t vcpu, uint32_t k)
{
	return cypress_hypercall(CYPRESS_HC_VCPU_MOVE, vcpu, k, 0);
}

int32_t cyl_vcpu_where(uint32_t vcpu)
{
	return cypress_hypercall(CYPRESS_HC_VCPU_WHERE, vcpu, 0, 0);
}

int32_t cyl_core_info(uint32_t vcpu, struct cy_core_desc *out)
{
	uint32_t g;
	int32_t rc = gpa(out, &g);

	return rc ? rc : cypress_hypercall(CYPRESS_HC_CORE_INFO, vcpu, g, 0);
}

int32_t cyl_core_notify(uint32_t vector)
{
	return cypress_hypercall(CYPRESS_HC_CORE_NOTIFY, vector, 0, 0);
}

int32_t cyl_power_get(struct cy_power *out)
{
	return call_buf(CYPRESS_HC_POWER_GET, out, 0, 0);
}

int32_t cyl_power_set(uint32_t watts)
{
	return cypress_hypercall(CYPRESS_HC_POWER_SET, watts, 0, 0);
}

int32_t cyl_load_get(struct cy_vcpu_load *out, uint32_t count)
{
	return call_buf(CYPRESS_HC_LOAD_GET, out, count, 0);
}

int32_t cyl_load_report(uint32_t runnable)
{
	return cypress_hypercall(CYPRESS_HC_LOAD_REPORT, runnable, 0, 0);
}

int32_t cyl_shared_set(struct cy_shared *area)
{
	return call_buf(CYPRESS_HC_SHARED_SET, area, 0, 0);
}

int32_t cyl_lease_request(uint32_t vcpu, uint32_t term_ms)
{
	return cypress_hypercall(CYPRESS_HC_LEASE_REQUEST, vcpu, term_ms, 0);
}

int32_t cyl_lease_renew(uint32_t vcpu, uint32_t term_ms)
{
	return cypress_hypercall(CYPRESS_HC_LEASE_RENEW, vcpu, term_ms, 0);
}

int32_t cyl_lease_release(uint32_t vcpu)
{
	return cypress_hypercall(CYPRESS_HC_LEASE_RELEASE, vcpu, 0, 0);
}

int32_t cyl_core_exchange(uint32_t give_mask, uint32_t want, uint32_t cls)
{
	return cypress_hypercall(CYPRESS_HC_CORE_EXCHANGE, give_mask, want, cls);
}

int32_t cyl_request(struct cy_request *r)
{
	return call_buf(CYPRESS_HC_REQUEST, r, 0, 0);
}

int32_t cyl_vcpu_offline(void)
{
	return cypress_hypercall(CYPRESS_HC_VCPU_OFFLINE, 0, 0, 0);
}

int32_t cyl_balloon_ack(uint32_t seq)
{
	return cypress_hypercall(CYPRESS_HC_BALLOON_ACK, seq, 0, 0);
}

int32_t cyl_sa_register(uint32_t vector, uint32_t limit_us)
{
	return cypress_hypercall(CYPRESS_HC_SA_REGISTER, vector, limit_us, 0);
}

int32_t cyl_sa_ack(uint32_t how)
{
	return cypress_hypercall(CYPRESS_HC_SA_ACK, how, 0, 0);
}

/* ---- shared area (rule 2) ---- */

static uint32_t ld32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint32_t ld32_acq(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

static uint32_t area_vcpus(const struct cy_shared *sh)
{
	uint32_t n = ld32(&sh->nvcpus);

	return n < CY_SHARED_VCPUS ? n : CY_SHARED_VCPUS;
}

static void copy_record(const struct cy_shared_vcpu *r, struct cyl_vcpu_view *out)
{
	const struct cy_core_desc *c = &r->core;

	out->core.cpu = ld32(&c->cpu);
	out->core.cls = ld32(&c->cls);
	out->core.capacity = ld32(&c->capacity);
	out->core.freq_mhz = ld32(&c->freq_mhz);
	out->core.watts = ld32(&c->watts);
	out->core.package = ld32(&c->package);
	out->core.core = ld32(&c->core);
	out->core.thread = ld32(&c->thread);
	out->core.sharing = ld32(&c->sharing);
	out->core.moves = ld32(&c->moves);
	out->sa_pending = ld32(&r->sa_pending);
	out->lease_cpu = ld32(&r->lease_cpu);
	/* Two halves: a 32-bit guest cannot load 8 bytes atomically; the seq
	 * check makes the pair consistent. */
	const uint32_t *end = (const uint32_t *)&r->lease_end_tsc;
	out->lease_end_tsc = (uint64_t)ld32(&end[0]) | (uint64_t)ld32(&end[1]) << 32;
}

int32_t cyl_shared_read_vcpu(const struct cy_shared *sh, uint32_t vcpu, struct cyl_vcpu_view *out)
{
	const struct cy_shared_vcpu *r;

	if (vcpu >= area_vcpus(sh))
		return CY_ENOENT;
	r = &sh->vcpu[vcpu];
	out->retries = 0;
	for (uint32_t i = 0; i < CYL_SEQ_TRIES; i++) {
		uint32_t s1 = ld32_acq(&r->seq);

		if (!(s1 & 1)) {
			copy_record(r, out);
			/* Order the field loads before the second seq load. */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (ld32(&r->seq) == s1) {
				out->seq = s1;
				return 0;
			}
		}
		out->retries++;
		relax();
	}
	return CY_EBUSY;
}

void cyl_balloon_read(const struct cy_shared *sh, struct cyl_balloon *out)
{
	uint32_t s;

	do {
		s = ld32_acq(&sh->balloon_seq);
		out->target = ld32(&sh->balloon_target);
		out->wait_ms = ld32(&sh->balloon_wait_ms);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (ld32(&sh->balloon_seq) != s);
	out->seq = s;
}

/* ---- events (rule 3) ---- */

uint32_t cyl_events_take_partition(struct cy_shared *sh)
{
	return __atomic_exchange_n(&sh->events, 0u, __ATOMIC_ACQ_REL);
}

uint32_t cyl_events_take_vcpu(struct cy_shared *sh, uint32_t vcpu)
{
	if (vcpu >= CY_SHARED_VCPUS)
		return 0;
	return __atomic_exchange_n(&sh->vcpu[vcpu].events, 0u, __ATOMIC_ACQ_REL);
}

uint32_t cyl_events_dispatch(struct cy_shared *sh, uint32_t nvcpus, struct cyl_events *out)
{
	uint32_t n = area_vcpus(sh);

	if (nvcpus < n)
		n = nvcpus;
	out->partition = cyl_events_take_partition(sh);
	out->any = out->partition;
	for (uint32_t i = 0; i < CY_SHARED_VCPUS; i++) {
		out->vcpu[i] = i < n ? cyl_events_take_vcpu(sh, i) : 0;
		out->any |= out->vcpu[i];
	}
	return out->any;
}

/* ---- scheduler activations ---- */

uint32_t cyl_sa_vector(const struct cy_shared *sh)
{
	return ld32(&sh->sa_vector);
}

uint32_t cyl_sa_limit_us(const struct cy_shared *sh)
{
	return ld32(&sh->sa_limit_us);
}

int cyl_sa_pending(const struct cy_shared *sh, uint32_t vcpu)
{
	return vcpu < CY_SHARED_VCPUS && ld32_acq(&sh->vcpu[vcpu].sa_pending) != 0;
}
