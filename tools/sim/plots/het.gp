# SPDX-License-Identifier: MIT
# Chart for the het scenario: bars per scheduler and taskset, one panel per metric.
# Environment: gnuplot 5 script run by tools/sim-plot (sets term, dat, out, src).
#
# dat holds, per metric, <metric>.dat (rows: config; columns: the simulated value per
# workload, then the paper's) and <metric>.gp (ns, pcols, order), plus vars.gp (panels).
# Filled bars are simulated; the hollow bar of the same colour is the paper's figure
# (Cypress §3.3, text under Figs. 2-3).
load dat.'/vars.gp'
np = words(panels)
eval sprintf("set terminal %s size %d,%d font 'DejaVu Sans,11'", term, np > 1 ? 1400 : 800, np > 2 ? 1000 : 560)
set output out
set datafile missing '?'
set style data histograms
set style histogram errorbars gap 1 lw 1
set key top left horizontal noenhanced width 2
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.18, 0
# One colour per workload, simulated and paper alike (Okabe-Ito, colour-blind safe).
array C[6] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9']
col(c) = C[(c - 2) % ns % 6 + 1]
pat(c) = c <= ns + 1 ? 3 : 0
label(m) = m eq 'ips_norm' ? 'IPS / highest IPS of all runs' : \
	   m eq 'epi_norm' ? 'EPI / highest EPI of all runs' : \
	   m eq 'ips_vs_default' ? 'IPS / IPS under default' : \
	   m eq 'epi_vs_default' ? 'EPI / EPI under default' : m
set multiplot layout (np + 1) / 2, (np > 1 ? 2 : 1) title \
	"het: 4 cores at 3.0/2.7/2.3/2.0 GHz; cpu = sixtrack x2, mem = mcf x2 (filled: simulated, hollow: paper)" noenhanced
do for [m in panels] {
	f = dat.'/'.m
	load f.'.gp'
	set title label(m) noenhanced
	unset arrow
	if (strstrt(m, '_vs_')) {
		set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'gray40'
	}
	plot for [s in order] f.'.dat' using (column(int(s))):(int(s) <= ns + 1 ? column(int(s) + 2 * ns) : 0):xtic(1) \
		title columnhead(int(s)) \
		lc rgb col(int(s)) lw 2 fs pattern pat(int(s)) border lc rgb col(int(s))
}
unset multiplot
