// SPDX-License-Identifier: MIT
/*
 * Results table: collect rows, print them beside the papers' figures, write TSV.
 * Environment: host simulator.
 */
#include <stdlib.h>
#include <stdbool.h>
#include <math.h>
#include <string.h>

#include "tools/sim/paper.h"
#include "tools/sim/report.h"

/* Keys longer than their field are a bug in the caller: refuse, never cut. */
static void copy(char *dst, size_t n, const char *src)
{
	if (strlen(src) >= n) {
		fprintf(stderr, "sim: bug: result key '%s' longer than %zu bytes\n", src, n - 1);
		exit(2);
	}
	snprintf(dst, n, "%s", src);
}

static bool match(const struct row *w, const char *scenario, const char *config,
		  const char *workload, const char *x, const char *metric)
{
	return !strcmp(w->scenario, scenario) && !strcmp(w->config, config) &&
	       !strcmp(w->workload, workload) && !strcmp(w->x, x) && !strcmp(w->metric, metric);
}

void res_add(struct results *r, const char *scenario, const char *config, const char *workload,
	     const char *x, const char *metric, double value)
{
	struct row *w;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->rows = realloc(r->rows, r->cap * sizeof(*r->rows));
		if (!r->rows) {
			fprintf(stderr, "sim: out of memory\n");
			exit(2);
		}
	}
	w = &r->rows[r->n++];
	copy(w->scenario, sizeof(w->scenario), scenario);
	copy(w->config, sizeof(w->config), config);
	copy(w->workload, sizeof(w->workload), workload);
	copy(w->x, sizeof(w->x), x);
	copy(w->metric, sizeof(w->metric), metric);
	w->value = value;
	w->sd = 0;
	w->n = 1;
}

int res_fold_seeds(struct results *r, unsigned from, unsigned per, unsigned runs)
{
	if (runs < 2)
		return 0;
	if (r->n != from + per * runs) {
		fprintf(stderr, "sim: seeds gave different numbers of rows\n");
		return -1;
	}
	for (unsigned i = 0; i < per; i++) {
		struct row *w = &r->rows[from + i];
		double sum = 0, sq = 0, mean;
		for (unsigned k = 0; k < runs; k++) {
			const struct row *o = &r->rows[from + k * per + i];
			if (!match(o, w->scenario, w->config, w->workload, w->x, w->metric)) {
				fprintf(stderr, "sim: seeds gave different rows\n");
				return -1;
			}
			sum += o->value;
		}
		mean = sum / runs;
		for (unsigned k = 0; k < runs; k++) {
			double d = r->rows[from + k * per + i].value - mean;
			sq += d * d;
		}
		w->value = mean;
		w->sd = sqrt(sq / (runs - 1));
		w->n = runs;
	}
	r->n = from + per;
	return 0;
}

double res_get(const struct results *r, const char *scenario, const char *config,
	       const char *workload, const char *x, const char *metric, double dflt)
{
	for (unsigned i = r->n; i-- > 0;)
		if (match(&r->rows[i], scenario, config, workload, x, metric))
			return r->rows[i].value;
	return dflt;
}

int res_emit(const struct results *r, const char *scenario, const char *dir, FILE *f)
{
	char path[512];
	FILE *t;

	snprintf(path, sizeof(path), "%s/%s.tsv", dir, scenario);
	t = fopen(path, "w");
	if (!t) {
		fprintf(stderr, "sim: cannot write %s\n", path);
		return -1;
	}
	fprintf(t, "scenario\tconfig\tworkload\tx\tmetric\tvalue\tpaper\tsd\n");
	fprintf(f, "%-11s %-9s %-5s %-24s %12s %10s %10s\n", "config", "workload", "x", "metric",
		"simulated", "+-sd", "paper");
	for (unsigned i = 0; i < r->n; i++) {
		const struct row *w = &r->rows[i];
		const struct paper_fig *pf;
		char pv[32] = "-";
		if (strcmp(w->scenario, scenario))
			continue;
		pf = paper_find(w->scenario, w->config, w->workload, w->x, w->metric);
		if (pf)
			snprintf(pv, sizeof(pv), "%.3f", pf->value);
		fprintf(f, "%-11s %-9s %-5s %-24s %12.3f %10.3f %10s\n", w->config, w->workload,
			w->x, w->metric, w->value, w->sd, pv);
		fprintf(t, "%s\t%s\t%s\t%s\t%s\t%.4f\t%s\t%.4f\n", w->scenario, w->config,
			w->workload, w->x, w->metric, w->value, pv, w->sd);
	}
	fclose(t);
	return 0;
}

void res_free(struct results *r)
{
	free(r->rows);
	r->rows = NULL;
	r->n = r->cap = 0;
}
