# plots/fig-sweep-metric.gp: a sweep across seeds (`srm sweep collect`, cli/sweep_collect.c):
# per grid point the mean of its metric with the sample sd as error bars, the stable model beside
# the unstable one when the grid has --stable; one panel per metric (a train sweep over tasks
# has several: perplexity, bpc, NLL per frame, F1).
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
set style data histograms
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.75 border -1
set boxwidth 0.9
set xtics rotate by -30 left noenhanced
set grid ytics lc rgb "#dddddd"
set key top right
set yrange [0:*] # bars start at zero
set multiplot layout 1, n title "Across seeds: mean ± sd\n".title noenhanced
do for [i = 1:n] {
    set title word(labels, i) noenhanced
    set ylabel (n > 1 ? word(labels, i) : ylabel) noenhanced
    if (stable) {
        plot data index (i - 1) using 2:3:xtic(1) lc rgb "#d95f02" title "unstable", \
             '' index (i - 1) using 4:5 lc rgb "#1b9e77" title "stable"
    } else {
        plot data index (i - 1) using 2:3:xtic(1) lc rgb "#7570b3" title "mean ± sd"
    }
}
unset multiplot
