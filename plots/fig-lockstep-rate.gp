# plots/fig-lockstep-rate.gp: the final weight gap of `srm lockstep` against k (log scale),
# the least-squares fit c rate^k beside c lambda^k (lambda: the recurrent model's ||W_hh||_2,
# or the LSTM's certified lambda_inf; absent when NaN), and the theorem's bound with constants
# estimated along the run.
# Usage: gnuplot -e "data='DIR/summary.tsv'; rate=0.5; c=1; lambda=0.9; gmin=1e-6; gmax=10;
#                    bmin=1e3; bmax=1e9; title='...'; out='fig.png'; term='png'"
#                    plots/fig-lockstep-rate.gp
# gmin, gmax: the smallest and largest positive finite gap; bmin, bmax: the same of the bound
# (NaN when there is none; gnuplot's stats fails on a column without valid points).
# data columns (by name): k gap_all gap_hh grad_gap bound test_metric
set encoding utf8
if (!exists("term")) term = "png"
if (!exists("title")) title = ""
if (term eq "svg") {
    set terminal svg size 800,560 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 800,560 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set title "Final weight gap against k\n".title noenhanced
set xlabel "truncation length k"
set ylabel "||w_{rec} - w_k||_2 after the last step"
set logscale y
set format y "10^{%T}"
set grid xtics ytics lc rgb "#dddddd"
set key top right font ",11" box opaque
ok(x) = (x == x && x > 0 && x < 1e300) ? x : 1/0
stats data using "k" nooutput
kmin = STATS_min; kmax = STATS_max
set xrange [kmin - 0.03 * (kmax - kmin) - 0.5 : kmax + 0.03 * (kmax - kmin) + 0.5]
if (gmin == gmin) { yhi = gmax * 1e3; set yrange [gmin / 30 : yhi] } else { yhi = 1e300 }
if (bmin == bmin && bmin > yhi) {
    set label 1 sprintf("estimated bound above the plot: %.2g .. %.2g", bmin, bmax) \
        at graph 0.03, graph 0.06 font ",10" textcolor rgb "#7570b3"
}
if (bmin != bmin) {
    set label 1 "estimated bound: overflows (inf)" at graph 0.03, graph 0.06 font ",10" \
        textcolor rgb "#7570b3"
}
plot data using "k":(ok(column("gap_all"))) with linespoints pt 7 lw 2 lc rgb "#1b9e77" \
         title "measured", \
     data using "k":(ok(column("bound"))) with linespoints pt 5 lw 2 dt 2 lc rgb "#7570b3" \
         title "bound (γ, β estimated)", \
     (rate == rate ? ok(c * rate**x) : 1/0) with lines lw 2 lc rgb "#d95f02" \
         title sprintf("fit c·rate^k, rate = %.3g", rate), \
     (lambda == lambda ? ok(c * lambda**x) : 1/0) with lines lw 2 dt 3 lc rgb "#666666" \
         title (lambda == lambda ? sprintf("c·λ^k, λ = %.3g", lambda) \
                                 : "λ: none certified (LSTM)")
