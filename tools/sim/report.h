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
	double sd;  /* sample standard deviation over seeds (0 with one seed) */
	unsigned n; /* seeds the value is the mean of */
};

struct results {
	struct row *rows;
	unsigned n, cap;
};

/* Append one result; the keys are copied (a key too long for its field exits 2). */
void res_add(struct results *r, const char *scenario, const char *config, const char *workload,
	     const char *x, const char *metric, double value);

/*
 * Fold the rows r->rows[from + k * per .. from + (k + 1) * per) for k = 1..runs-1
 * (the same scenario run again with other seeds, so the same rows in the same
 * order) into the first run's rows as mean and sample standard deviation, and
 * drop them. Returns 0, or -1 with a message if the runs' keys differ.
 */
int res_fold_seeds(struct results *r, unsigned from, unsigned per, unsigned runs);

/* The value of an earlier row with these keys, or `dflt` if there is none. */
double res_get(const struct results *r, const char *scenario, const char *config,
	       const char *workload, const char *x, const char *metric, double dflt);

/*
 * Print every row of `scenario` to f as an aligned table with the paper's
 * figure beside it (paper_find) and the standard deviation over seeds, and
 * write dir/<scenario>.tsv (header `scenario config workload x metric value
 * paper sd`). Returns 0, or -1 with a message on stderr if the file cannot
 * be written.
 */
int res_emit(const struct results *r, const char *scenario, const char *dir, FILE *f);

void res_free(struct results *r);

#endif
