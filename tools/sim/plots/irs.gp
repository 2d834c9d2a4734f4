# SPDX-License-Identifier: MIT
# Chart for the irs scenario: slowdown and improvement against the number of CPU hogs.
# Environment: gnuplot 5 script run by tools/sim-plot (sets term, dat, out, src).
#
# dat holds <metric>_<workload>.dat (rows: hogs; columns: the simulated value per config,
# then the paper's), <metric>_<workload>.gp (ns, pcols) and vars.gp (panels, in the order
# slowdown spin/block, improve_pct spin/block). Lines are simulated; open circles of the
# same colour are the paper's figures (IRS §5.2; they are maxima or worst cases, see
# docs/sim-papers.md).
load dat.'/vars.gp'
np = words(panels)
eval sprintf("set terminal %s size %d,%d font 'DejaVu Sans,11'", term, np > 1 ? 1400 : 800, np > 2 ? 1000 : 560)
set output out
set datafile missing '?'
set key outside right top noenhanced
set grid
set logscale x 2
set xrange [0.8:5]
set xtics (1, 2, 4)
set xlabel 'CPU hogs, each sharing a pCPU with one vCPU of the 4-vCPU VM'
array C[6] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9']
col(c) = C[(c - 2) % ns % 6 + 1]
label(p) = strstrt(p, 'slowdown') ? 'slowdown (time / time alone), '.p[10:] : \
	   'improvement over vanilla (%), '.p[13:]
set multiplot layout (np + 1) / 2, (np > 1 ? 2 : 1) title \
	"irs: 4-vCPU VM against CPU hogs (lines: simulated, bars: 1 sd over seeds; open circles: paper)" noenhanced
do for [p in panels] {
	f = dat.'/'.p
	load f.'.gp'
	set title label(p) noenhanced
	unset arrow
	if (strstrt(p, 'improve')) {
		set arrow from graph 0, first 0 to graph 1, first 0 nohead dt 2 lc rgb 'gray40'
	}
	# gnuplot evaluates an empty "for [s in pcols]" once, so add the paper part only if any.
	cmd = "plot for [i=2:ns + 1] f.'.dat' using 1:i:(column(i + 2 * ns)) title columnhead(i)" . \
	      " with yerrorlines lw 2 pt 7 lc rgb col(i)"
	if (words(pcols) > 0) {
		cmd = cmd . ", for [s in pcols] f.'.dat' using 1:(column(int(s)))" . \
		      " title columnhead(int(s)) with points pt 6 ps 2.5 lw 2 lc rgb col(int(s))"
	}
	eval cmd
}
unset multiplot
