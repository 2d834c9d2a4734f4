/* SPDX-License-Identifier: MIT */
/*
 * Simulator results: rows keyed like the papers' figures (tools/sim/paper.h),
 * printed as a table beside the paper's number and written as TSV for plots.
 * Environment: host simulator.
 */
#ifndef TOOLS_SIM_REPORT_H
#define TOOLS_SIM_REPORT_H

#include <stdio.h>

struct row {
	char scenario[16], config[16], workload[16], x[16], metric[32];
	double value;
};

struct results {
	struct row *rows;
	unsigned n, cap;
};

/* Append one result; the keys are copied (a key too long for its field exits 2). */
void res_add(struct results *r, const char *scenario, const char *config, const char *workload,
	     const char *x, const char *metric, double value);

/* The value of an earlier row with these keys, or `dflt` if there is none. */
double res_get(const struct results *r, const char *scenario, const char *config,
	       const char *workload, const char *x, const char *metric, double dflt);

/*
 * Print every row of `scenario` to f as an aligned table with the paper's
 * figure beside it (paper_find), and write dir/<scenario>.tsv (header
 * `scenario config workload x metric value paper`). Returns 0, or -1 with a
 * message on stderr if the file cannot be written.
 */
int res_emit(const struct results *r, const char *scenario, const char *dir, FILE *f);

void res_free(struct results *r);

#endif
