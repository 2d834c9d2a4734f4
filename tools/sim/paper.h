/* SPDX-License-Identifier: MIT */
/*
 * The papers' own figures for the scheduling simulator, keyed like its results.
 * Environment: host tool (hosted gnu11, libc); never linked into the hypervisor.
 *
 * Each entry is a number the paper's text states (figures whose bars are not quoted in
 * the text are not here). Keys are the simulator's: scenario, config, workload, x and
 * metric, exactly as it prints them; docs/sim-papers.md explains each mapping and what
 * the simulator cannot reproduce.
 */
#ifndef TOOLS_SIM_PAPER_H
#define TOOLS_SIM_PAPER_H

/*
 * One published number. value is in the simulator's unit for metric (a ratio, or a
 * percentage for improve_pct). source names the paper, section and sentence, and says
 * when the number is a bound ("up to", "more than"), a range end or a unit conversion.
 */
struct paper_fig {
	const char *scenario, *config, *workload, *x, *metric;
	double value;
	const char *source;
};

/* The table, paper_nfigs entries; at most one entry per key. */
extern const struct paper_fig paper_figs[];
extern const unsigned paper_nfigs;

/*
 * paper_find() - the paper's figure for one simulator result.
 * All five keys are compared exactly (case-sensitive); x is "-" where the scenario has
 * no x. Returns the entry, or NULL when the paper gives no number for that key or when
 * any argument is NULL.
 */
const struct paper_fig *paper_find(const char *scenario, const char *config, const char *workload,
				   const char *x, const char *metric);

#endif /* TOOLS_SIM_PAPER_H */
