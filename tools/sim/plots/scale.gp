# SPDX-License-Identifier: MIT
# Chart for the scale scenario: per-core throughput, messages, cross-core writes and decisions against core count.
# Environment: gnuplot 5 script run by tools/sim-plot (sets term, dat, out, src).
#
# dat holds <metric>.dat (rows: cores; columns: the simulated value per config, then the
# paper's, always empty: the Cypress paper argues scale only qualitatively, §2.2, then the
# standard deviation over seeds) and vars.gp (panels: throughput_per_core,
# msgs_per_core_s, xcore_writes, decisions_per_core_s). On the log panels a zero cannot
# be drawn: it is drawn at 0.5, on the axis floor, and labelled so (credit sends no
# messages; Cypress makes no cross-core writes).
load dat.'/vars.gp'
np = words(panels)
eval sprintf("set terminal %s size %d,%d font 'DejaVu Sans,11'", term, np > 1 ? 1400 : 800, np > 2 ? 1000 : 560)
set output out
set datafile missing '?'
set key top left noenhanced
set grid
set logscale x 2
set xlabel 'cores'
array C[6] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9']
col(c) = C[(c - 2) % ns % 6 + 1]
label(m) = m eq 'throughput_per_core' ? 'guest throughput per core' : \
	   m eq 'msgs_per_core_s' ? 'scheduler messages per core per second (log)' : \
	   m eq 'xcore_writes' ? 'writes to another core''s state outside messages (log)' : \
	   m eq 'decisions_per_core_s' ? 'scheduling decisions per core per second' : m
islog(m) = m eq 'msgs_per_core_s' || m eq 'xcore_writes'
floor0(v) = v > 0 ? v : 0.5
set multiplot layout (np + 1) / 2, (np > 1 ? 2 : 1) title \
	"scale: the same VM mixes on 64..4096 cores (no paper figures; bars: 1 sd over seeds)" noenhanced
do for [m in panels] {
	f = dat.'/'.m
	load f.'.gp'
	set title label(m) noenhanced
	unset label
	if (islog(m)) {
		set logscale y 10
		set yrange [0.3:*]
		set label 1 'a zero is drawn at 0.5' at graph 0.98, graph 0.05 right tc rgb 'gray40'
		plot for [i=2:ns + 1] f.'.dat' using 1:(floor0(column(i))) title columnhead(i) \
			with linespoints lw 2 pt 7 lc rgb col(i)
	} else {
		unset logscale y
		set yrange [0:*]
		plot for [i=2:ns + 1] f.'.dat' using 1:i:(column(i + 2 * ns)) title columnhead(i) \
			with yerrorlines lw 2 pt 7 lc rgb col(i)
	}
}
unset multiplot
