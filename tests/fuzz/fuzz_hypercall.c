// SPDX-License-Identifier: MIT
/*
 * Fuzz harness for hypercall argument decoding and dispatch: a sequence of
 * (nr, a1, a2, a3) calls from one vCPU of a VM with a small guest memory,
 * through hypercall_dispatch() and the real core/vm.c and core/vuart.c,
 * checking that every answer is one guest-abi/cypress.h defines and that
 * the guest memory read is exactly the buffer named.
 * Environment: hosted fuzz harness (clang -fsanitize=fuzzer,address,undefined).
 *
 * Input: byte 0 bits 0-1 pick the guest memory size (64 KiB, 4 KiB, 1 byte
 * or none), bit 2 makes the VM a control partition; then up to MAX_CALLS records of 28 bytes: nr (u32), a1, a2, a3
 * (u64 each), little-endian. Guest memory is an exact-size malloc, so ASan
 * catches a read outside it; vm_gpa_to_host() is the real one.
 *
 * The fakes stand in for the per-CPU block and the cross-core messages that
 * vm.c uses to stop the VM's other vCPUs; they only count.
 */
#include <stdbool.h>
#include <string.h>

#include "core/control.h"
#include "core/hypercall.h"
#include "arch/x86/vmx/vmexit.h"
#include "core/balloon.h"
#include "core/msg.h"
#include "guest-abi/cypress.h"
#include "lib/errno.h"
#include "tests/fuzz/fuzz.h"

#define MAX_CALLS  64
#define RECORD	   28
#define CONSOLE_HC 4096 /* CYPRESS_HC_CONSOLE_WRITE limit, docs/guest-abi.md */

_Static_assert(CY_EINVAL == -E_INVAL && CY_ERANGE == -E_RANGE && CY_ENOSYS == -E_NOSYS &&
		       CY_ENOMEM == -E_NOMEM && CY_ENOENT == -E_NOENT && CY_EFULL == -E_FULL &&
		       CY_EBUSY == -E_BUSY && CY_EEXIST == -E_EXIST && CY_EPERM == -E_PERM,
	       "guest ABI errors match the hypervisor's");

static uint32_t kicks;

/* Fake: the harness runs as cpu 0, the VM's vCPU 0. */
uint32_t this_cpu_id(void)
{
	return 0;
}

/* Fake: kick messages to the VM's other cores are only counted. */
int msg_send(uint32_t cpu, uint16_t type, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a1;
	(void)a2;
	FUZZ_CHECK(cpu == 1 && type == MSG_VM_KICK && a0 == 7);
	kicks++;
	return 0;
}

int msg_send_sure(uint32_t cpu, uint16_t type, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return msg_send(cpu, type, a0, a1, a2);
}

/* Fakes for core/control.c (the GPM side is tested by the vmx suites):
 * reached only as the dispatch table says, with the arguments unchanged. */
static uint32_t control_calls;
static struct hc_args last;

int64_t control_hypercall(struct vcpu *v, uint32_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	bool ctl = nr >= CYPRESS_HC_PART_CREATE && nr <= CYPRESS_HC_RESOURCES;
	FUZZ_CHECK((v->vm->control || !ctl) && nr == last.nr && a1 == last.a1 && a2 == last.a2 &&
		   a3 == last.a3);
	control_calls++;
	return 1000 + nr;
}

int64_t control_vcpu_move(struct vcpu *v, uint64_t vcpu, uint64_t k)
{
	(void)v;
	FUZZ_CHECK(vcpu == last.a1 && k == last.a2);
	return -E_NOENT;
}

int64_t control_vcpu_where(struct vcpu *v, uint64_t vcpu)
{
	(void)v;
	FUZZ_CHECK(vcpu == last.a1);
	return 3;
}

int64_t control_core_info(struct vcpu *v, uint64_t vcpu, uint64_t gpa)
{
	(void)v;
	FUZZ_CHECK(vcpu == last.a1 && gpa == last.a2);
	return -E_RANGE;
}

int64_t control_core_notify(struct vcpu *v, uint64_t vector)
{
	(void)v;
	FUZZ_CHECK(vector == last.a1);
	return -E_INVAL;
}

int64_t control_load_get(struct vcpu *v, uint64_t gpa, uint64_t count)
{
	(void)v;
	FUZZ_CHECK(gpa == last.a1 && count == last.a2);
	return 2;
}

int64_t control_load_report(struct vcpu *v, uint64_t threads)
{
	FUZZ_CHECK(threads == last.a1);
	v->vm->guest_load = (uint32_t)threads; /* what the real one keeps */
	return 0;
}

/* Fakes for what core/shared.c (linked for real: it writes guest memory) asks. */
void plan_core_desc(uint32_t cpu, struct cy_core_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->cpu = cpu;
}

static uint32_t posts;
void vcore_post(struct vcpu *to, uint8_t delivery, uint8_t vector)
{
	(void)to;
	(void)delivery;
	(void)vector;
	posts++;
}

/* Fakes for core/sa.c (the sa suite runs it on VMX): arguments unchanged. */
int64_t sa_register(struct vcpu *v, uint64_t vector, uint64_t limit_us)
{
	(void)v;
	FUZZ_CHECK(vector == last.a1 && limit_us == last.a2);
	return -E_RANGE;
}

int64_t sa_ack(struct vcpu *v, uint64_t how, int *sched)
{
	(void)v;
	FUZZ_CHECK(how == last.a1 && *sched == 0);
	return -E_INVAL;
}

/* Fakes for core/balloon.c (the balloon suites run it on VMX). */
static uint32_t load_kicks;
void balloon_load_reported(struct vm *vm, uint32_t old)
{
	(void)old;
	FUZZ_CHECK(vm->guest_load == (uint32_t)last.a1);
	load_kicks++;
}

int64_t balloon_ack(struct vcpu *v, uint64_t seq)
{
	(void)v;
	FUZZ_CHECK(seq == last.a1);
	return -E_NOENT;
}

/* Alternates: a refusal stays in the guest, a success leaves it. */
static uint32_t offline_calls;
int64_t balloon_vcpu_offline(struct vcpu *v)
{
	(void)v;
	return offline_calls++ & 1 ? 0 : -E_BUSY;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[4] = { KiB(64), KiB(4), 1, 0 };
	static struct vm vm;
	static struct vcpu v0, v1;
	static uint8_t pattern[KiB(64)];
	uint8_t *mem;
	uint64_t mem_size;
	bool exited = false;

	if (size < 1)
		return 0;
	mem_size = sizes[data[0] & 3];
	if (!pattern[0])
		for (size_t i = 0; i < sizeof(pattern); i++)
			pattern[i] = (uint8_t)(i * 7 + 1);
	mem = malloc(mem_size ? mem_size : 1);
	FUZZ_CHECK(mem != NULL);
	memcpy(mem, pattern, mem_size);

	memset(&vm, 0, sizeof(vm));
	memset(&v0, 0, sizeof(v0));
	memset(&v1, 0, sizeof(v1));
	memcpy(vm.name, "fuzz", 5);
	vm.id = 7;
	vm.mem_hpa = (uint64_t)(uintptr_t)mem;
	vm.mem_size = mem_size;
	vm.nvcpus = 2;
	vm.control = data[0] & 4; /* byte 0 bit 2: a control partition */
	vm.vcpu[0] = &v0;
	vm.vcpu[1] = &v1;
	v0.vm = v1.vm = &vm;
	v1.id = v1.pcpu = 1;
	vuart_init(&vm.uart, vm.name);
	kicks = 0;

	uint32_t first_status = 0;

	for (size_t off = 1, k = 0; off + RECORD <= size && k < MAX_CALLS; off += RECORD, k++) {
		struct hc_args a;
		struct hc_result r;
		uint64_t sent = vm.uart.bytes;

		memcpy(&a.nr, data + off, 4);
		a.a1 = rd64(data + off + 4);
		a.a2 = rd64(data + off + 12);
		a.a3 = rd64(data + off + 20);
		last = a;
		r = hypercall_dispatch(&v0, &a);

		switch (a.nr) {
		case CYPRESS_HC_ABI_VERSION:
			FUZZ_CHECK(r.ret == CYPRESS_ABI_VERSION && !r.stop);
			break;
		case CYPRESS_HC_CONSOLE_WRITE:
			FUZZ_CHECK(!r.stop);
			if (a.a2 > CONSOLE_HC) {
				FUZZ_CHECK(r.ret == CY_EINVAL);
			} else if (a.a2 && (a.a1 >= mem_size || a.a2 > mem_size - a.a1)) {
				FUZZ_CHECK(r.ret == CY_ERANGE);
			} else {
				/* Exactly the named bytes went to the UART. */
				FUZZ_CHECK(r.ret == (int64_t)a.a2 && vm.uart.bytes == sent + a.a2);
				break;
			}
			FUZZ_CHECK(vm.uart.bytes == sent);
			break;
		case CYPRESS_HC_EXIT:
			FUZZ_CHECK(r.ret == 0 && r.stop);
			FUZZ_CHECK(vm.state == VM_EXITED && vm_ended(&vm));
			/* The other vCPU is told once, by the call that ended the VM. */
			FUZZ_CHECK(kicks == 1);
			/* The first exit's status stays: later calls do not rewrite it. */
			if (!exited)
				first_status = (uint32_t)a.a1;
			FUZZ_CHECK(vm.exit_status == first_status);
			exited = true;
			break;
		case CYPRESS_HC_PART_CREATE:
		case CYPRESS_HC_PART_RESIZE:
		case CYPRESS_HC_PART_DESTROY:
		case CYPRESS_HC_PART_LIST:
		case CYPRESS_HC_CORE_LIST:
		case CYPRESS_HC_RESOURCES:
			/* Only a control partition gets past the table's permission. */
			FUZZ_CHECK(!r.stop &&
				   r.ret == (vm.control ? 1000 + (int64_t)a.nr : CY_EPERM));
			break;
		case CYPRESS_HC_VCPU_MOVE:
			FUZZ_CHECK(!r.stop && r.ret == CY_ENOENT);
			break;
		case CYPRESS_HC_VCPU_WHERE:
			FUZZ_CHECK(!r.stop && r.ret == 3);
			break;
		case CYPRESS_HC_CORE_INFO:
			FUZZ_CHECK(!r.stop && r.ret == CY_ERANGE);
			break;
		case CYPRESS_HC_LOAD_GET:
			FUZZ_CHECK(!r.stop && r.ret == 2);
			break;
		case CYPRESS_HC_LOAD_REPORT:
			FUZZ_CHECK(!r.stop && r.ret == 0);
			break;
		case CYPRESS_HC_LEASE_REQUEST:
		case CYPRESS_HC_LEASE_RENEW:
		case CYPRESS_HC_LEASE_RELEASE:
		case CYPRESS_HC_CORE_EXCHANGE:
		case CYPRESS_HC_REQUEST:
			/* Any partition, through the GPM's call path, unchanged. */
			FUZZ_CHECK(!r.stop && r.ret == 1000 + (int64_t)a.nr && r.sched == 0);
			break;
		case CYPRESS_HC_BALLOON_ACK:
			FUZZ_CHECK(!r.stop && r.ret == CY_ENOENT && r.sched == 0);
			break;
		case CYPRESS_HC_VCPU_OFFLINE:
			/* Gone from the guest exactly when the call succeeded. */
			FUZZ_CHECK(!r.stop && (r.ret == 0 ? r.sched == VMEXIT_YIELD :
							    r.ret == CY_EBUSY && r.sched == 0));
			break;
		case CYPRESS_HC_POWER_GET:
		case CYPRESS_HC_POWER_SET:
			/* Any partition, through the GPM's call path. */
			FUZZ_CHECK(!r.stop && r.ret == 1000 + (int64_t)a.nr);
			break;
		case CYPRESS_HC_CORE_NOTIFY:
			FUZZ_CHECK(!r.stop && r.ret == CY_EINVAL);
			break;
		case CYPRESS_HC_SHARED_SET:
			/* The real one: 8 KiB at a 4 KiB-aligned address inside memory. */
			FUZZ_CHECK(!r.stop);
			if (a.a1 & 4095)
				FUZZ_CHECK(r.ret == CY_EINVAL);
			else if (a.a1 && (a.a1 >= mem_size || CY_SHARED_SIZE > mem_size - a.a1))
				FUZZ_CHECK(r.ret == CY_ERANGE);
			else
				FUZZ_CHECK(r.ret == 0 && vm.shared_gpa == a.a1);
			if (r.ret == 0 && a.a1) {
				const struct cy_shared *sh = (const void *)(mem + a.a1);
				FUZZ_CHECK(sh->abi == CYPRESS_ABI_VERSION && sh->nvcpus == 2 &&
					   sh->vcpu[1].core.cpu == 1 && sh->vcpu[1].seq &&
					   !(sh->vcpu[1].seq & 1));
			}
			break;
		case CYPRESS_HC_SA_REGISTER:
			FUZZ_CHECK(!r.stop && r.ret == CY_ERANGE && r.sched == 0);
			break;
		case CYPRESS_HC_SA_ACK:
			FUZZ_CHECK(!r.stop && r.ret == CY_EINVAL && r.sched == 0);
			break;
		default:
			FUZZ_CHECK(r.ret == CY_ENOSYS && !r.stop);
			break;
		}
		FUZZ_CHECK(exited == (vm.state == VM_EXITED));
	}
	vuart_flush(&vm.uart);
	free(mem);
	return 0;
}
