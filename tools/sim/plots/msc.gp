# SPDX-License-Identifier: MIT
# Chart for the msc scenario: speedup against the static micro-sliced pool size, per workload.
# Environment: gnuplot 5 script run by tools/sim-plot (sets term, dat, out, src).
#
# dat holds <workload>.dat (rows: pool size 0..6 from the staticN configs; columns: the
# simulated speedup and corunner_norm, then the paper's), <workload>.gp (ns, pcols) and
# vars.gp (panels; ad_sp_<w>, ad_co_<w>: the adaptive pool's simulated values; adp_*:
# the paper's). Lines are simulated, open circles the paper's figures (MSC §6.2), the
# horizontal lines the adaptive pool (dashed: simulated, dotted: paper).
load dat.'/vars.gp'
np = words(panels)
eval sprintf("set terminal %s size %d,%d font 'DejaVu Sans,11'", term, np > 1 ? 1400 : 800, np > 2 ? 1000 : 560)
set output out
set datafile missing '?'
set key inside bottom right noenhanced
set grid
set xrange [-0.3:6.3]
set xtics 1
set xlabel 'micro-sliced cores (static pool, of 12)'
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
# speedup in blue, the co-runner in orange, simulated and paper alike.
cn(name) = strstrt(name, 'speedup') ? '#0072B2' : '#D55E00'
got(v) = exists(v) ? value(v) : NaN
set multiplot layout (np + 1) / 2, (np > 1 ? 2 : 1) title \
	"msc: 12 cores, two 12-vCPU VMs (2:1 overcommit, equal weights), co-runner CPU-bound; speedup vs static0 (lines: simulated +-1 sd, circles: paper)" noenhanced
do for [w in panels] {
	f = dat.'/'.w
	load f.'.gp'
	hdr = system(sprintf("head -n 1 '%s.dat'", f))
	set title w noenhanced
	unset arrow
	unset label
	set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb 'gray60'
	do for [m in "sp co"] {
		c = m eq 'sp' ? '#0072B2' : '#D55E00'
		dy = m eq 'sp' ? 0.6 : -0.7  # speedup labels above their line, co-runner below
		v = got(sprintf("ad_%s_%s", m, w))
		if (v == v) {
			set arrow from graph 0, first v to graph 1, first v nohead dt 2 lw 2 lc rgb c
			set label sprintf("adaptive %.2f", v) at graph 0.02, first v offset 0, dy tc rgb c
		}
		v = got(sprintf("adp_%s_%s", m, w))
		if (v == v) {
			set arrow from graph 0, first v to graph 1, first v nohead dt 3 lw 2 lc rgb c
			set label sprintf("paper adaptive %.2f", v) at graph 0.98, first v right offset 0, dy tc rgb c
		}
	}
	# gnuplot evaluates an empty "for [s in pcols]" once, so add the paper part only if any.
	cmd = "plot for [i=2:ns + 1] f.'.dat' using 1:i:(column(i + 2 * ns)) title columnhead(i)" . \
	      " with yerrorlines lw 2 pt 7 lc rgb cn(word(hdr, i))"
	if (words(pcols) > 0) {
		cmd = cmd . ", for [s in pcols] f.'.dat' using 1:(column(int(s))) title columnhead(int(s))" . \
		      " with points pt 6 ps 2.5 lw 2 lc rgb cn(word(hdr, int(s)))"
	}
	eval cmd
}
unset multiplot
