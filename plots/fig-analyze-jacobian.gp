# plots/fig-analyze-jacobian.gp: data-dependent stability, measurements (M1)-(M2) of
# proofs-notes/data-dependent-stability.md as `srm analyze` records them: the distribution over
# windows of r steps along test trajectories of the per-step rate ||J_{t+r} ... J_{t+1}||_2^(1/r)
# (r = 1: the one-step Jacobian norm), as an empirical CDF. Rates left of 1 contract.
# Usage: gnuplot -e "data='DIR/jacobian-quantiles.tsv'; nr=3; t1='r = 1: ...'; t2=...; t3=...;
#                    title='atis, rnn_tanh (model)'; out='fig.png'; term='png'" \
#                    plots/fig-analyze-jacobian.gp
# data columns: q, then one column of q-quantiles per window length (r_1, r_5, r_20, ...).
set encoding utf8
if (!exists("term")) term = "png"
if (!exists("title")) title = ""
if (term eq "svg") {
    set terminal svg size 900,660 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 900,660 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set title "Per-step rate of the state Jacobian along test trajectories (CDF)\n".title noenhanced
set xlabel "rate ||J_{t+r} ⋯ J_{t+1}||_2^{1/r}  (log scale; r = 1: ||J_t||_2)"
set ylabel "fraction of windows with a smaller rate"
set logscale x
# autoscaled, but always showing rate 1 with some room on both sides
set xrange [*<0.5:2<*]
set yrange [0:1]
set grid xtics ytics mxtics lc rgb "#dddddd"
set key below font ",11" box
# rate 1 separates contraction from expansion along the data
set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lw 2 lc rgb "#d95f02"
set label 1 " rate 1" at 1, graph 0.03 left tc rgb "#d95f02"
colors = "#1b9e77 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666 #1f78b4"
plot for [i = 1:nr] data using (column(i + 1)):1 with lines lw 2 lc rgb word(colors, i) \
     title value("t".i)
