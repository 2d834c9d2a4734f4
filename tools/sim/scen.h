/* SPDX-License-Identifier: MIT */
/*
 * The simulator's scenarios (the papers' experiments, scale, bad requests) and
 * the guest programs they run.
 * Environment: host simulator.
 */
#ifndef TOOLS_SIM_SCEN_H
#define TOOLS_SIM_SCEN_H

#include <stdio.h>

#include "tools/sim/build.h"
#include "tools/sim/report.h"

enum scale {
	SCALE_TEST,
	SCALE_PAPER,
	SCALE_FULL
};

struct ctx {
	struct results *r;
	FILE *log; /* sched/ lines, rejections, per-run notes */
	enum scale scale;
	uint64_t seed;
};

/* Guest programs (programs.c). */
extern const struct program prog_cpu, prog_mem, prog_spin, prog_spinbar, prog_block, prog_klock,
	prog_tlb, prog_io;

/* Hypervisor configurations shared by scenarios (programs.c). */
struct hv_conf hv_credit(void);
struct hv_conf hv_cypress_part(bool lpm_cores);

/* Each adds its rows to c->r under its scenario name; returns 0 or -1. */
int scen_het(struct ctx *c);
int scen_balloon(struct ctx *c);
int scen_irs(struct ctx *c);
int scen_msc(struct ctx *c);
int scen_scale(struct ctx *c);
int scen_reject(struct ctx *c);
int scen_own(struct ctx *c);
int scen_dyn(struct ctx *c);
int scen_lease(struct ctx *c);
int scen_gpm(struct ctx *c);
int scen_exch(struct ctx *c);
int scen_gang(struct ctx *c);

/* Run one built simulation, failing loudly on a set-up error. */
int scen_run(struct sim *s);

#endif
