# plots/fig-lockstep-metric.gp: the test metric of each k-step truncated counterpart trained
# in lockstep (`srm lockstep`, evaluated truncated, at the last epoch) against k, with the
# recurrent model as a horizontal line.
# Usage: gnuplot -e "data='DIR/summary.tsv'; rec=91.2; metric='f1'; title='...';
#                    out='fig.png'; term='png'" plots/fig-lockstep-metric.gp
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
set title "Truncated counterparts trained in lockstep: test metric\n".title noenhanced
set xlabel "truncation length k (log scale)"
set ylabel metric noenhanced
set logscale x 2
set grid xtics ytics lc rgb "#dddddd"
set key center right font ",11" box opaque
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
plot data using "k":"test_metric" with linespoints pt 7 lw 2 lc rgb "#1b9e77" \
         title "k-step truncated, trained truncated", \
     (rec == rec ? rec : 1/0) with lines lw 2 dt 2 lc rgb "#d95f02" \
         title sprintf("recurrent: %.4g", rec)
