// SPDX-License-Identifier: MIT
/*
 * Hypercall table. Numbers are the ABI and never reused; every handler
 * validates its decoded arguments and answers a defined error code.
 * Environment: VMX root, the calling vCPU's core, interrupts off.
 */
#include "core/balloon.h"
#include "arch/x86/vmx/vmexit.h"
#include "core/control.h"
#include "core/hypercall.h"
#include "core/sa.h"
#include "core/shared.h"
#include "guest-abi/cypress.h"
#include "lib/errno.h"

#define HC_CONSOLE_MAX 4096

typedef struct hc_result (*hc_fn)(struct vcpu *v, const struct hc_args *a);

enum hc_perm {
	HC_ANY = 0,	/* every partition may call it */
	HC_CONTROL = 1, /* only a partition with `control = yes` (else CY_EPERM) */
};

struct hc_desc {
	hc_fn fn;
	enum hc_perm perm;
	const char *name;
};

static struct hc_result ok(int64_t r)
{
	return (struct hc_result){ r, false, 0 };
}

static struct hc_result hc_abi_version(struct vcpu *v, const struct hc_args *a)
{
	(void)v;
	(void)a;
	return ok(CYPRESS_ABI_VERSION);
}

static struct hc_result hc_console_write(struct vcpu *v, const struct hc_args *a)
{
	struct vm *vm = v->vm;

	if (a->a2 > HC_CONSOLE_MAX)
		return ok(-E_INVAL);
	const uint8_t *buf = vm_gpa_to_host(vm, a->a1, a->a2);
	if (!buf && a->a2)
		return ok(-E_RANGE);
	spin_lock(&vm->uart_lock);
	for (uint64_t i = 0; i < a->a2; i++)
		vuart_putc(&vm->uart, buf[i]);
	spin_unlock(&vm->uart_lock);
	return ok((int64_t)a->a2);
}

static struct hc_result hc_exit(struct vcpu *v, const struct hc_args *a)
{
	vm_exit_request(v->vm, (uint32_t)a->a1);
	return (struct hc_result){ 0, true, 0 };
}

static struct hc_result hc_control(struct vcpu *v, const struct hc_args *a)
{
	return ok(control_hypercall(v, a->nr, a->a1, a->a2, a->a3));
}

static struct hc_result hc_vcpu_move(struct vcpu *v, const struct hc_args *a)
{
	return ok(control_vcpu_move(v, a->a1, a->a2));
}

static struct hc_result hc_vcpu_where(struct vcpu *v, const struct hc_args *a)
{
	return ok(control_vcpu_where(v, a->a1));
}

static struct hc_result hc_core_info(struct vcpu *v, const struct hc_args *a)
{
	return ok(control_core_info(v, a->a1, a->a2));
}

static struct hc_result hc_core_notify(struct vcpu *v, const struct hc_args *a)
{
	return ok(control_core_notify(v, a->a1));
}

static struct hc_result hc_load_get(struct vcpu *v, const struct hc_args *a)
{
	return ok(control_load_get(v, a->a1, a->a2));
}

static struct hc_result hc_load_report(struct vcpu *v, const struct hc_args *a)
{
	uint32_t old = __atomic_load_n(&v->vm->guest_load, __ATOMIC_ACQUIRE);
	int64_t r = control_load_report(v, a->a1);

	if (r == 0)
		balloon_load_reported(v->vm, old); /* the GPM's targets use it */
	return ok(r);
}

static struct hc_result hc_balloon_ack(struct vcpu *v, const struct hc_args *a)
{
	return ok(balloon_ack(v, a->a1));
}

static struct hc_result hc_vcpu_offline(struct vcpu *v, const struct hc_args *a)
{
	(void)a;
	struct hc_result r = ok(balloon_vcpu_offline(v));
	/* Leave the guest at once: an exit that resumed it (say, a slice
	 * renewed by the SA path) would hand the guest a 0 it must never see. */
	if (r.ret == 0)
		r.sched = VMEXIT_YIELD;
	return r;
}

static struct hc_result hc_shared_set(struct vcpu *v, const struct hc_args *a)
{
	return ok(shared_set(v, a->a1));
}

static struct hc_result hc_sa_register(struct vcpu *v, const struct hc_args *a)
{
	return ok(sa_register(v, a->a1, a->a2));
}

static struct hc_result hc_sa_ack(struct vcpu *v, const struct hc_args *a)
{
	struct hc_result r = { 0, false, 0 };

	r.ret = sa_ack(v, a->a1, &r.sched);
	return r;
}

static const struct hc_desc table[CYPRESS_HC_COUNT] = {
	[CYPRESS_HC_ABI_VERSION] = { hc_abi_version, HC_ANY, "abi_version" },
	[CYPRESS_HC_CONSOLE_WRITE] = { hc_console_write, HC_ANY, "console_write" },
	[CYPRESS_HC_EXIT] = { hc_exit, HC_ANY, "exit" },
	[CYPRESS_HC_PART_CREATE] = { hc_control, HC_CONTROL, "part_create" },
	[CYPRESS_HC_PART_RESIZE] = { hc_control, HC_CONTROL, "part_resize" },
	[CYPRESS_HC_PART_DESTROY] = { hc_control, HC_CONTROL, "part_destroy" },
	[CYPRESS_HC_PART_LIST] = { hc_control, HC_CONTROL, "part_list" },
	[CYPRESS_HC_CORE_LIST] = { hc_control, HC_CONTROL, "core_list" },
	[CYPRESS_HC_RESOURCES] = { hc_control, HC_CONTROL, "resources" },
	[CYPRESS_HC_VCPU_MOVE] = { hc_vcpu_move, HC_ANY, "vcpu_move" },
	[CYPRESS_HC_VCPU_WHERE] = { hc_vcpu_where, HC_ANY, "vcpu_where" },
	[CYPRESS_HC_CORE_INFO] = { hc_core_info, HC_ANY, "core_info" },
	[CYPRESS_HC_CORE_NOTIFY] = { hc_core_notify, HC_ANY, "core_notify" },
	[CYPRESS_HC_POWER_GET] = { hc_control, HC_ANY, "power_get" },
	[CYPRESS_HC_POWER_SET] = { hc_control, HC_ANY, "power_set" },
	[CYPRESS_HC_LOAD_GET] = { hc_load_get, HC_ANY, "load_get" },
	[CYPRESS_HC_LOAD_REPORT] = { hc_load_report, HC_ANY, "load_report" },
	[CYPRESS_HC_SHARED_SET] = { hc_shared_set, HC_ANY, "shared_set" },
	[CYPRESS_HC_SA_REGISTER] = { hc_sa_register, HC_ANY, "sa_register" },
	[CYPRESS_HC_SA_ACK] = { hc_sa_ack, HC_ANY, "sa_ack" },
	[CYPRESS_HC_LEASE_REQUEST] = { hc_control, HC_ANY, "lease_request" },
	[CYPRESS_HC_LEASE_RENEW] = { hc_control, HC_ANY, "lease_renew" },
	[CYPRESS_HC_LEASE_RELEASE] = { hc_control, HC_ANY, "lease_release" },
	[CYPRESS_HC_CORE_EXCHANGE] = { hc_control, HC_ANY, "core_exchange" },
	[CYPRESS_HC_REQUEST] = { hc_control, HC_ANY, "request" },
	[CYPRESS_HC_VCPU_OFFLINE] = { hc_vcpu_offline, HC_ANY, "vcpu_offline" },
	[CYPRESS_HC_BALLOON_ACK] = { hc_balloon_ack, HC_ANY, "balloon_ack" },
};

struct hc_result hypercall_dispatch(struct vcpu *v, const struct hc_args *a)
{
	if (a->nr >= CYPRESS_HC_COUNT || !table[a->nr].fn)
		return ok(-E_NOSYS);
	if (table[a->nr].perm == HC_CONTROL && !v->vm->control)
		return ok(-E_PERM);
	return table[a->nr].fn(v, a);
}
