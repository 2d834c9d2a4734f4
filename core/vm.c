// SPDX-License-Identifier: MIT
/*
 * VM life cycle verbs shared by every exit handler: vm_fail() for a guest
 * that misbehaves, vm_exit_request() for one that asks to stop. Both end
 * only that VM: its cores are told by message and every other partition
 * runs on.
 * Environment: freestanding hypervisor, any core running a vCPU of the VM.
 */
#include <stdarg.h>

#include "arch/x86/pcpu.h"
#include "core/msg.h"
#include "core/vm.h"
#include "lib/printf.h"

struct vm *vm_table[VM_MAX];
uint32_t vm_count;

/* Wake every other core of the VM so its vCPU sees the VM has ended. */
static void kick_vcpus(struct vm *vm)
{
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		uint32_t cpu = v ? __atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE) : NO_CPU;
		/* A vCPU in flight is dropped by the core that adopts it. */
		if (cpu != NO_CPU && cpu != this_cpu_id())
			msg_send_sure(cpu, MSG_VM_KICK, vm->id, 0, 0);
	}
}

/* First ending wins; returns true for the caller that ended the VM. */
static bool end_vm(struct vm *vm, uint32_t state, uint32_t status)
{
	bool won = false;

	spin_lock(&vm->lock);
	if (vm->state == VM_RUNNING) {
		/* Only the winner's status counts: a later exit request must not
		 * change what "exited with status N" already said. */
		vm->exit_status = status;
		__atomic_store_n(&vm->state, state, __ATOMIC_RELEASE);
		won = true;
	}
	spin_unlock(&vm->lock);
	return won;
}

/* The VM just ended: its console output first, then the line, then its cores. */
static void ended(struct vm *vm, const char *line)
{
	spin_lock(&vm->uart_lock);
	vuart_flush(&vm->uart);
	spin_unlock(&vm->uart_lock);
	kprintf("vm %s: %s\n", vm->name, line);
	kick_vcpus(vm);
}

void vm_fail(struct vm *vm, uint64_t rip, const char *fmt, ...)
{
	va_list ap;
	char why[sizeof(vm->fail_reason)];

	va_start(ap, fmt);
	kvsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	spin_lock(&vm->lock);
	bool first = vm->state == VM_RUNNING;
	if (first) {
		ksnprintf(vm->fail_reason, sizeof(vm->fail_reason), "%s", why);
		vm->fail_rip = rip;
		__atomic_store_n(&vm->state, VM_FAILED, __ATOMIC_RELEASE);
	}
	spin_unlock(&vm->lock);
	if (!first)
		return;
	char line[sizeof(why) + 40];
	ksnprintf(line, sizeof(line), "FAILED: %s (rip 0x%llx)", why, (unsigned long long)rip);
	ended(vm, line);
}

void vm_exit_request(struct vm *vm, uint32_t status)
{
	char line[40];

	if (!end_vm(vm, VM_EXITED, status))
		return;
	ksnprintf(line, sizeof(line), "exited with status %u", status);
	ended(vm, line);
}

void vm_reset_request(struct vm *vm, const char *how)
{
	char line[80];

	if (!end_vm(vm, VM_EXITED, 0))
		return;
	ksnprintf(line, sizeof(line), "reset by the guest (%s); a partition is not restarted", how);
	ended(vm, line);
}

void vm_poweroff_request(struct vm *vm)
{
	if (end_vm(vm, VM_EXITED, 0))
		ended(vm, "powered off by the guest (ACPI S5)");
}

void vm_destroy_request(struct vm *vm, const char *by)
{
	char line[64];

	if (!end_vm(vm, VM_EXITED, 0))
		return;
	ksnprintf(line, sizeof(line), "destroyed by partition '%s'", by);
	ended(vm, line);
}

void *vm_gpa_to_host(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return (void *)(uintptr_t)(vm->mem_hpa + gpa);
}

static const char *const unsup_kind[] = {
	[VM_UNSUP_PORT_IN] = "read of I/O port",
	[VM_UNSUP_PORT_OUT] = "write to I/O port",
	[VM_UNSUP_RDMSR] = "RDMSR of",
	[VM_UNSUP_WRMSR] = "WRMSR to",
};

void vm_unsupported(struct vm *vm, enum vm_unsup_kind kind, uint32_t id, const char *detail)
{
	uint64_t key = (uint64_t)kind << 32 | id;
	uint32_t kept;
	bool seen = false;

	/* unsup_n counts the reported keys, and one more once the table is full. */
	spin_lock(&vm->pc_lock);
	kept = MIN(vm->unsup_n, (uint32_t)VM_UNSUP_MAX);
	for (uint32_t i = 0; i < kept && !seen; i++)
		seen = vm->unsup_seen[i] == key;
	uint32_t n = seen || vm->unsup_n > VM_UNSUP_MAX ? 0 : ++vm->unsup_n;
	if (n && n <= VM_UNSUP_MAX)
		vm->unsup_seen[n - 1] = key;
	spin_unlock(&vm->pc_lock);
	if (n > VM_UNSUP_MAX)
		kprintf("vm %s: unsupported: more than %u kinds of operation; further ones are not "
			"reported\n",
			vm->name, VM_UNSUP_MAX);
	else if (n)
		kprintf("vm %s: unsupported: %s 0x%x (%s)\n", vm->name, unsup_kind[kind], id,
			detail);
}
