# plots/fig-sweep-metric.gp: a sweep across seeds (`srm sweep collect`, cli/sweep_collect.c):
# per grid point the mean of its metric (a point) with the sample sd as error bars, the stable
# model beside the unstable one when the grid has --stable; one panel per metric (a train sweep
# over tasks has several: perplexity, bpc, NLL per frame, F1).
# Usage: gnuplot -e "data='SWEEP/fig-sweep.tsv'; labels='f1 nll_per_frame'; ylabel='...';
#                    stable=1; title='...'; out='fig.png'; term='png'" plots/fig-sweep-metric.gp
# data: one block per word of `labels` (gnuplot index), rows: label mean sd, or with stable=1:
# label unstable sd_unstable stable sd_stable.
set encoding utf8
if (!exists("term")) term = "png"
if (!exists("title")) title = ""
if (!exists("stable")) stable = 0
n = words(labels)
w = n > 1 ? 420 * n : 800
if (term eq "svg") {
    set terminal svg size w,520 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size w,520 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile missing "nan"
# points with error bars, not bars from zero: the differences between seeds are the point
set xtics rotate by -30 left noenhanced
set grid ytics lc rgb "#dddddd"
set key outside top center horizontal
set offsets 0.5, 0.5, 0, 0
set bars 2
set multiplot layout 1, n title "Across seeds: mean ± sd\n".title noenhanced
do for [i = 1:n] {
    set title word(labels, i) noenhanced
    set ylabel (n > 1 ? word(labels, i) : ylabel) noenhanced
    if (stable) {
        plot data index (i - 1) using ($0 - 0.12):2:3:xtic(1) with yerrorbars pt 7 ps 1.2 \
                 lw 1.5 lc rgb "#d95f02" title "unstable", \
             '' index (i - 1) using ($0 + 0.12):4:5 with yerrorbars pt 5 ps 1.2 lw 1.5 \
                 lc rgb "#1b9e77" title "stable"
    } else {
        plot data index (i - 1) using 0:2:3:xtic(1) with yerrorbars pt 7 ps 1.2 lw 1.5 \
             lc rgb "#7570b3" title "mean ± sd"
    }
}
unset multiplot
