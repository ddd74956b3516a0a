# plots/fig-analyze-gradient.gp: data-dependent stability, measurement (M3) of
# proofs-notes/data-dependent-stability.md as `srm analyze` records it: how the gradient of the
# loss at the last step T reaches back to the inputs, ||d loss_T / d x_{T-j}||_2 against j.
# Left: mean and max over sequences; right: the mean ratio to the same sequence's j = 0 norm,
# with the fitted geometric decay c rate^j (log scales: a straight line is geometric decay).
# Usage: gnuplot -e "data='DIR/gradient.tsv'; rate=0.8; c=0.9; title='...'; out='fig.png';
#                    term='png'" plots/fig-analyze-gradient.gp
# data columns (by name): j mean_norm max_norm mean_relative count
set encoding utf8
if (!exists("term")) term = "png"
if (!exists("title")) title = ""
if (!exists("rate")) rate = NaN
if (!exists("c")) c = 1
if (term eq "svg") {
    set terminal svg size 1100,520 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 1100,520 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set logscale y
set format y "10^{%T}"
set grid xtics ytics lc rgb "#dddddd"
set xlabel "lag j (steps before the loss)"
set key top right font ",11" box opaque
set multiplot layout 1,2 title "Gradient of the last loss with respect to earlier inputs\n".title noenhanced
set title "||d loss_T / d x_{T-j}||_2 over sequences"
plot data using "j":"mean_norm" with linespoints pt 7 ps 0.5 lw 2 lc rgb "#1b9e77" title "mean", \
     data using "j":"max_norm" with lines lw 1 dt 2 lc rgb "#7570b3" title "max"
set title "relative to j = 0"
fitted = rate == rate ? sprintf("least-squares fit %.3g {/Symbol \264} %.4f^j", c, rate) : "fit: none"
plot data using "j":"mean_relative" with linespoints pt 7 ps 0.5 lw 2 lc rgb "#1b9e77" \
         title "mean ratio ||g_j|| / ||g_0||", \
     (rate == rate ? c * rate**x : 1/0) with lines lw 2 dt 2 lc rgb "#d95f02" title fitted
unset multiplot
