// SPDX-License-Identifier: MIT
/*
 * Global Partition Manager affinity groups: validation and vCPU bookkeeping.
 * Environment: freestanding hypervisor, Global Partition Manager core only;
 * also built hosted for unit tests and the simulator.
 *
 * VT-ASOS section 2: besides per-vCPU sharing constraints, a guest "can request
 * affinities for sets of VCPUs if they desire to place them on the same core
 * or node". A group is a contiguous vCPU range so a request stays a small
 * fixed-size structure; placement itself lives in sched/gpm.c.
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "sched/gpm.h"

const char *gpm_level_name(uint8_t level)
{
	switch (level) {
	case GPM_COLOC_SOCKET:
		return "socket";
	case GPM_COLOC_NODE:
		return "node";
	case GPM_AFF_CORE:
		return "core";
	default:
		return "?";
	}
}

/* At most two vCPUs per core when sharing (sched/gpm.h rules). */
static uint32_t per_core(const struct gpm_request *r)
{
	return r->share_core ? 2 : 1;
}

static uint32_t cores_for(const struct gpm_request *r, uint32_t vcpus)
{
	return r->share_core ? vcpus / 2 + (vcpus & 1) : vcpus;
}

static uint64_t group_end(const struct gpm_affinity *a)
{
	return (uint64_t)a->first + a->count;
}

int gpm_aff_check(const struct gpm_request *r)
{
	if (r->ngroups > GPM_AFF_MAX) {
		kprintf("gpm: request for %u vCPUs has %u affinity groups, at most %u\n", r->vcpus,
			r->ngroups, GPM_AFF_MAX);
		return -E_INVAL;
	}
	for (uint32_t k = 0; k < r->ngroups; k++) {
		const struct gpm_affinity *a = &r->groups[k];

		if (a->count == 0) {
			kprintf("gpm: request for %u vCPUs: affinity group %u is empty\n", r->vcpus,
				k);
			return -E_INVAL;
		}
		if (a->level != GPM_AFF_CORE && a->level != GPM_COLOC_SOCKET &&
		    a->level != GPM_COLOC_NODE) {
			kprintf("gpm: request for %u vCPUs: affinity group %u has unknown level "
				"%u\n",
				r->vcpus, k, a->level);
			return -E_INVAL;
		}
		if (group_end(a) > r->vcpus) {
			kprintf("gpm: request for %u vCPUs: affinity group %u (vCPUs %u..%llu) is "
				"outside the partition\n",
				r->vcpus, k, a->first, (unsigned long long)(group_end(a) - 1));
			return -E_INVAL;
		}
		if (a->level == GPM_AFF_CORE && a->count > per_core(r)) {
			kprintf("gpm: request for %u vCPUs: affinity group %u puts %u vCPUs on "
				"one core, at most %u may share one\n",
				r->vcpus, k, a->count, per_core(r));
			return -E_INVAL;
		}
		for (uint32_t j = 0; j < k; j++) {
			const struct gpm_affinity *b = &r->groups[j];

			if (a->first < group_end(b) && b->first < group_end(a)) {
				kprintf("gpm: request for %u vCPUs: affinity group %u overlaps "
					"group %u\n",
					r->vcpus, k, j);
				return -E_INVAL;
			}
		}
	}
	return 0;
}

uint32_t gpm_aff_cores(const struct gpm_request *r, uint32_t k)
{
	return cores_for(r, r->groups[k].count);
}

uint32_t gpm_aff_group_cores(const struct gpm_request *r)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < r->ngroups; k++)
		n += gpm_aff_cores(r, k);
	return n;
}

uint32_t gpm_aff_grouped(const struct gpm_request *r)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < r->ngroups; k++)
		n += r->groups[k].count;
	return n;
}

uint32_t gpm_req_cores(const struct gpm_request *r, uint32_t vcpus)
{
	if (r->ncores)
		return r->ncores;
	return gpm_aff_group_cores(r) + cores_for(r, vcpus - gpm_aff_grouped(r));
}

uint32_t gpm_aff_end(const struct gpm_request *r)
{
	uint32_t end = 0;

	for (uint32_t k = 0; k < r->ngroups; k++)
		end = MAX(end, (uint32_t)group_end(&r->groups[k]));
	return end;
}

void gpm_aff_slot(const struct gpm_request *r, uint32_t vcpu, uint8_t *tag_out, uint32_t *rank_out)
{
	uint32_t below = 0; /* grouped vCPUs numbered below vcpu */

	for (uint32_t k = 0; k < r->ngroups; k++) {
		const struct gpm_affinity *a = &r->groups[k];

		if (vcpu >= a->first && vcpu < group_end(a)) {
			*tag_out = (uint8_t)(k + 1);
			*rank_out = (vcpu - a->first) / per_core(r);
			return;
		}
		if (group_end(a) <= vcpu)
			below += a->count;
	}
	*tag_out = 0;
	*rank_out = (vcpu - below) / per_core(r);
}
