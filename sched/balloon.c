// SPDX-License-Identifier: MIT
/*
 * vCPU ballooning targets (VCPU-Bal) and the online/offline commands that
 * reach them.
 * Environment: freestanding hypervisor, any core, interrupts either way (pure
 * policy, no hardware access); also built hosted for unit tests.
 *
 * How the targets are found. With T cores to share, the paper gives VM i the
 * share q_i = w_i * T / sum(w). Limits turn this into a "water-filling"
 * problem: find the rate r with sum_i clamp(w_i * r, min_i, max_i) = T; the
 * ideal share is q_i = clamp(w_i * r, min_i, max_i). We find it iteratively:
 * share the remaining cores R among the still-free VMs at r = R / W_free; VMs
 * above their max have excess E in total, VMs below their min a deficit D.
 * If E > D the true rate can only be higher than r, so the VMs above max stay
 * above it: pin them at max. If D > E the true rate is lower: pin the VMs
 * below min. If E == D, r is the true rate: pin both. Every round pins at
 * least one VM, so there are at most n rounds. Finally the free VMs' shares
 * (all with the same denominator W_free) are rounded by largest remainder.
 *
 * All shares are kept exactly as whole + rem / W with 64-bit integers:
 * w_i * R <= (2^32 - 1)^2 and W <= n * (2^32 - 1) both fit, and we never form
 * a product with W, so nothing overflows and no floating point is needed.
 */
#include "sched/balloon.h"

#include "lib/errno.h"
#include "lib/printf.h"

/* An exact non-negative rational whole + rem / den, with rem < den. */
struct frac {
	uint64_t whole;
	uint64_t rem;
};

/* w * R / W as an exact fraction; W >= 1. */
static struct frac share(uint32_t w, uint64_t R, uint64_t W)
{
	uint64_t p = (uint64_t)w * R;
	struct frac f = { p / W, p % W };
	return f;
}

/* acc += (whole + rem / W) without overflowing rem (rem, acc->rem < W). */
static void frac_add(struct frac *acc, uint64_t whole, uint64_t rem, uint64_t W)
{
	acc->whole += whole;
	if (rem >= W - acc->rem) {
		acc->rem = rem - (W - acc->rem);
		acc->whole++;
	} else {
		acc->rem += rem;
	}
}

/* a > b, b > a or equal: returns 1, -1 or 0. */
static int frac_cmp(struct frac a, struct frac b)
{
	if (a.whole != b.whole)
		return a.whole > b.whole ? 1 : -1;
	if (a.rem != b.rem)
		return a.rem > b.rem ? 1 : -1;
	return 0;
}

static bool above_max(const struct balloon_vm *v, struct frac q)
{
	return q.whole > v->vcpus_max || (q.whole == v->vcpus_max && q.rem > 0);
}

static bool below_min(const struct balloon_vm *v, struct frac q)
{
	return q.whole < v->vcpus_min;
}

static int validate(const struct balloon_vm *vms, uint32_t n, uint32_t cores, uint64_t *sum_max)
{
	uint64_t sum_min = 0;

	if (!vms || n == 0) {
		kprintf("balloon: no VMs given (n=%u), targets unchanged\n", n);
		return -E_INVAL;
	}
	*sum_max = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct balloon_vm *v = &vms[i];

		if (v->weight == 0 || v->vcpus_min == 0 || v->vcpus_min > v->vcpus_max) {
			kprintf("balloon: VM %u has weight %u, vcpus_min %u, vcpus_max %u "
				"(need weight >= 1 and 1 <= min <= max), targets unchanged\n",
				i, v->weight, v->vcpus_min, v->vcpus_max);
			return -E_INVAL;
		}
		sum_min += v->vcpus_min;
		*sum_max += v->vcpus_max;
	}
	if (sum_min > cores) {
		kprintf("balloon: VMs need at least %llu vCPUs but only %u cores are available, "
			"targets unchanged\n",
			(unsigned long long)sum_min, cores);
		return -E_RANGE;
	}
	return 0;
}

/*
 * One round of pinning over the free VMs (target == 0) sharing R cores with
 * weight W. Returns false when no free VM is outside its limits.
 */
static bool pin_round(struct balloon_vm *vms, uint32_t n, uint64_t *R, uint64_t *W)
{
	struct frac E = { 0, 0 }, D = { 0, 0 };
	uint32_t nu = 0, nl = 0;
	uint64_t R0 = *R, W0 = *W;

	for (uint32_t i = 0; i < n; i++) {
		if (vms[i].target)
			continue;
		struct frac q = share(vms[i].weight, R0, W0);

		if (above_max(&vms[i], q)) {
			frac_add(&E, q.whole - vms[i].vcpus_max, q.rem, W0);
			nu++;
		} else if (below_min(&vms[i], q)) {
			/* min - q = (min - whole - 1) + (W - rem) / W when rem > 0 */
			if (q.rem)
				frac_add(&D, vms[i].vcpus_min - q.whole - 1, W0 - q.rem, W0);
			else
				frac_add(&D, vms[i].vcpus_min - q.whole, 0, W0);
			nl++;
		}
	}
	if (!nu && !nl)
		return false;

	int c = frac_cmp(E, D);
	bool pin_up = nu && c >= 0, pin_down = nl && c <= 0;

	for (uint32_t i = 0; i < n; i++) {
		struct balloon_vm *v = &vms[i];

		if (v->target)
			continue;
		struct frac q = share(v->weight, R0, W0);

		if (pin_up && above_max(v, q))
			v->target = v->vcpus_max;
		else if (pin_down && below_min(v, q))
			v->target = v->vcpus_min;
		else
			continue;
		*R -= v->target;
		*W -= v->weight;
	}
	return true;
}

/* True if (ra, ia) comes before (rb, ib): larger remainder first, then lower index. */
static bool ranks_before(uint64_t ra, uint32_t ia, uint64_t rb, uint32_t ib)
{
	return ra > rb || (ra == rb && ia < ib);
}

/* Round the free VMs' shares of R (weight W) by largest remainder. */
static void round_free(struct balloon_vm *vms, uint32_t n, uint64_t R, uint64_t W)
{
	uint64_t floors = 0, left;
	uint64_t cut_rem = 0;
	uint32_t cut_idx = 0;
	bool have_cut = false;

	for (uint32_t i = 0; i < n; i++)
		if (!vms[i].target)
			floors += share(vms[i].weight, R, W).whole;
	left = R - floors; /* < number of free VMs: each remainder is < 1 */

	/* Find the left-th VM in remainder order: it and all before it get one more. */
	for (uint64_t k = 0; k < left; k++) {
		bool found = false;
		uint64_t best_rem = 0;
		uint32_t best_idx = 0;

		for (uint32_t i = 0; i < n; i++) {
			if (vms[i].target)
				continue;
			uint64_t r = share(vms[i].weight, R, W).rem;

			if (have_cut && !ranks_before(cut_rem, cut_idx, r, i))
				continue;
			if (!found || ranks_before(r, i, best_rem, best_idx)) {
				found = true;
				best_rem = r;
				best_idx = i;
			}
		}
		cut_rem = best_rem;
		cut_idx = best_idx;
		have_cut = true;
	}

	for (uint32_t i = 0; i < n; i++) {
		if (vms[i].target)
			continue;
		struct frac q = share(vms[i].weight, R, W);
		bool extra = have_cut && !ranks_before(cut_rem, cut_idx, q.rem, i);

		vms[i].target = (uint32_t)q.whole + (extra ? 1 : 0);
	}
}

int balloon_compute(struct balloon_vm *vms, uint32_t n, uint32_t cores_available)
{
	uint64_t sum_max, R, W = 0;
	int err = validate(vms, n, cores_available, &sum_max);

	if (err)
		return err;

	/* Enough cores for everyone: the formula would only hand out cores nobody can use. */
	if (sum_max <= cores_available) {
		for (uint32_t i = 0; i < n; i++)
			vms[i].target = vms[i].vcpus_max;
		return 0;
	}

	/* target == 0 marks a VM still free; pinned targets are >= vcpus_min >= 1. */
	for (uint32_t i = 0; i < n; i++) {
		vms[i].target = 0;
		W += vms[i].weight;
	}
	R = cores_available;
	while (W && pin_round(vms, n, &R, &W))
		;
	if (W)
		round_free(vms, n, R, W);
	return 0;
}

uint32_t balloon_commands(const struct balloon_vm *vms, uint32_t n, struct balloon_cmd *out,
			  uint32_t max)
{
	uint32_t written = 0, dropped = 0;

	if (!vms)
		return 0;
	/* Pass 0 offlines, pass 1 onlines: cores are freed before they are handed out. */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < n; i++) {
			int64_t d = (int64_t)vms[i].target - (int64_t)vms[i].online;

			if (d == 0 || (pass == 0) != (d < 0))
				continue;
			if (written == max || !out) {
				dropped++;
				continue;
			}
			if (d > INT32_MAX)
				d = INT32_MAX;
			if (d < INT32_MIN)
				d = INT32_MIN;
			out[written].vm = i;
			out[written].delta = (int32_t)d;
			written++;
		}
	}
	if (dropped)
		kprintf("balloon: command buffer holds %u, %u more command(s) dropped\n", max,
			dropped);
	return written;
}
