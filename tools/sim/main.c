// SPDX-License-Identifier: MIT
/*
 * cypress-sim: run the scheduling scenarios on simulated many-core machines,
 * linking sched/ unchanged, and print each result beside the paper's figure.
 * Environment: host program; deterministic (same seed, same bytes out).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/sim/console.h"
#include "tools/sim/scen.h"

static const struct {
	const char *name;
	int (*run)(struct ctx *c);
	const char *what;
} scens[] = {
	{ "het", scen_het, "Cypress 3.3: heterogeneity-aware placement, EPI and IPS" },
	{ "balloon", scen_balloon, "VCPU-Bal: credit vs pinned vs ballooned (and full Cypress)" },
	{ "irs", scen_irs, "IRS: 4-vCPU VM with CPU hogs, vanilla/PLE/co-scheduling/IRS" },
	{ "msc", scen_msc, "micro-sliced cores: pool 0..6 static and adaptive" },
	{ "scale", scen_scale, "the mix at 64..4096 cores: Cypress vs credit" },
	{ "reject", scen_reject, "requests the GPM cannot meet" },
	{ "dyn", scen_dyn, "dynamic ballooning: a weight change re-balloons two VMs at run time" },
	{ "lease", scen_lease, "fast-core leases: two VMs compete (expiry, denial, release)" },
	{ "gpm", scen_gpm, "the GPM under load: a partition destroyed, one resized, a group" },
	{ "exch", scen_exch, "legacy P-state hints become core exchanges" },
	{ "gang", scen_gang, "VT-ASOS gang slots vs fair sharing: a synchronising VM with hogs" },
	{ "own", scen_own, "the ownership check catches one deliberate foreign write" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cypress-sim [--scale test|paper|full] [--seed N] [--seeds K]\n"
		   "                   [--out DIR] [--only SCENARIO] [--log FILE]\n"
		   "Runs every scenario (or one) with seeds N..N+K-1 (K: 1 at --scale test,\n"
		   "else 5), prints each result's mean and standard deviation over the seeds\n"
		   "beside the papers' figures and writes DIR/<scenario>.tsv (default DIR\n"
		   "build/sim). Scenarios:\n");
	for (size_t i = 0; i < ARRAY_SIZE(scens); i++)
		fprintf(f, "  %-8s %s\n", scens[i].name, scens[i].what);
}

static int parse_args(int argc, char **argv, struct ctx *c, const char **out, const char **only,
		      const char **logpath, unsigned *seeds)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "cypress-sim: %s needs a value (see -h)\n", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--scale")) {
			if (!strcmp(v, "test"))
				c->scale = SCALE_TEST;
			else if (!strcmp(v, "paper"))
				c->scale = SCALE_PAPER;
			else if (!strcmp(v, "full"))
				c->scale = SCALE_FULL;
			else {
				fprintf(stderr,
					"cypress-sim: --scale %s: want test, paper or full\n", v);
				return -1;
			}
		} else if (!strcmp(a, "--seed")) {
			char *end;
			errno = 0;
			c->seed = strtoull(v, &end, 0);
			if (errno || *end || !*v) {
				fprintf(stderr, "cypress-sim: --seed %s: not a number\n", v);
				return -1;
			}
		} else if (!strcmp(a, "--seeds")) {
			char *end;
			unsigned long k = strtoul(v, &end, 10);
			if (*end || !*v || k < 1 || k > 100) {
				fprintf(stderr, "cypress-sim: --seeds %s: want 1..100\n", v);
				return -1;
			}
			*seeds = (unsigned)k;
		} else if (!strcmp(a, "--out")) {
			*out = v;
		} else if (!strcmp(a, "--only")) {
			*only = v;
		} else if (!strcmp(a, "--log")) {
			*logpath = v;
		} else {
			fprintf(stderr, "cypress-sim: unknown option %s (see -h)\n", a);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct results r = { 0 };
	struct ctx c = { .r = &r, .scale = SCALE_PAPER, .seed = 1 };
	const char *out = "build/sim", *only = NULL, *logpath = NULL;
	int ran = 0, rc = 0;
	unsigned seeds = 0;

	if (parse_args(argc, argv, &c, &out, &only, &logpath, &seeds) < 0)
		return 2;
	if (!seeds)
		seeds = c.scale == SCALE_TEST ? 1 : 5;
	if (mkdir(out, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "cypress-sim: cannot create %s: %s\n", out, strerror(errno));
		return 2;
	}
	c.log = logpath ? fopen(logpath, "w") : stdout;
	if (!c.log) {
		fprintf(stderr, "cypress-sim: cannot write %s: %s\n", logpath, strerror(errno));
		return 2;
	}
	sim_console_to(c.log);
	for (size_t i = 0; i < ARRAY_SIZE(scens); i++) {
		if (only && strcmp(only, scens[i].name))
			continue;
		ran++;
		unsigned from = r.n, per = 0;
		uint64_t seed0 = c.seed;
		printf("== %s: %s (seeds %llu..%llu)\n", scens[i].name, scens[i].what,
		       (unsigned long long)seed0, (unsigned long long)(seed0 + seeds - 1));
		fflush(stdout);
		for (unsigned k = 0; k < seeds && !rc; k++) {
			c.seed = seed0 + k;
			if (scens[i].run(&c) < 0)
				rc = 1;
			if (k == 0)
				per = r.n - from;
		}
		c.seed = seed0;
		if (rc || res_fold_seeds(&r, from, per, seeds) < 0 ||
		    res_emit(&r, scens[i].name, out, stdout) < 0)
			rc = 1;
		fflush(stdout);
	}
	if (!ran) {
		fprintf(stderr, "cypress-sim: no scenario named %s (see -h)\n", only);
		rc = 2;
	}
	if (logpath)
		fclose(c.log);
	res_free(&r);
	return rc;
}
