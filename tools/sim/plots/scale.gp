# SPDX-License-Identifier: MIT
# Chart for the scale scenario: per-core throughput and scheduler messages against core count.
# Environment: gnuplot 5 script run by tools/sim-plot (sets term, dat, out, src).
#
# dat holds <metric>.dat (rows: cores; columns: the simulated value per config, then the
# paper's, always empty: the Cypress paper argues scale only qualitatively, §2.2) and
# vars.gp (panels: throughput_per_core, msgs_per_core_s).
load dat.'/vars.gp'
np = words(panels)
eval sprintf("set terminal %s size %d,560 font 'DejaVu Sans,11'", term, np > 1 ? 1400 : 800)
set output out
set datafile missing '?'
set key top left noenhanced
set grid
set logscale x 2
set xlabel 'cores'
array C[6] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9']
col(c) = C[(c - 2) % ns % 6 + 1]
label(m) = m eq 'throughput_per_core' ? 'guest throughput per core' : \
	   m eq 'msgs_per_core_s' ? 'scheduler messages per core per second (log)' : m
set multiplot layout 1, np title "scale: the same VM mixes on 64..4096 cores (no paper figures)" noenhanced
do for [m in panels] {
	f = dat.'/'.m
	load f.'.gp'
	set title label(m) noenhanced
	if (m eq 'msgs_per_core_s') {
		set logscale y 10
		set yrange [*:*]
	} else {
		unset logscale y
		set yrange [0:*]
	}
	plot for [i=2:ns + 1] f.'.dat' using 1:i title columnhead(i) with linespoints lw 2 pt 7 lc rgb col(i)
}
unset multiplot
