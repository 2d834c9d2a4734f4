# SPDX-License-Identifier: MIT
# Chart for the balloon scenario: execution time per scheduler, bars per workload.
# Environment: gnuplot 5 script run by tools/sim-plot (sets term, dat, out, src).
#
# dat holds time_norm.dat (rows: config; columns: the simulated value per workload, then
# the paper's), time_norm.gp (ns, pcols, order) and vars.gp (panels). Filled bars are
# simulated; the hollow bar of the same colour is the paper's figure (VCPU-Bal §4, Xen).
load dat.'/vars.gp'
eval sprintf("set terminal %s size 900,560 font 'DejaVu Sans,11'", term)
set output out
set datafile missing '?'
set style data histograms
set style histogram errorbars gap 1 lw 1
set key top right horizontal noenhanced width 2
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.18, 0
set ylabel 'execution time / time under credit (lower is better)'
set title "balloon: 12 cores, two 12-vCPU VMs of equal weight (filled: simulated, hollow: paper)" noenhanced
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'gray40'
array C[6] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9']
col(c) = C[(c - 2) % ns % 6 + 1]
pat(c) = c <= ns + 1 ? 3 : 0
f = dat.'/time_norm'
load f.'.gp'
plot for [s in order] f.'.dat' using (column(int(s))):(int(s) <= ns + 1 ? column(int(s) + 2 * ns) : 0):xtic(1) \
		title columnhead(int(s)) \
	lc rgb col(int(s)) lw 2 fs pattern pat(int(s)) border lc rgb col(int(s))
