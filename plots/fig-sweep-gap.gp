# plots/fig-sweep-gap.gp: a k sweep across seeds (`srm sweep collect` of srm lockstep, truncate
# or trajectory runs): per grid point the mean gap against k, with the band from the smallest to
# the largest seed's gap, on a log scale.
# Usage: gnuplot -e "data='SWEEP/fig-sweep.tsv'; labels='a b ...'; ylabel='...'; title='...';
#                    out='fig.png'; term='png'" plots/fig-sweep-gap.gp
# data: one block per word of `labels` (gnuplot index), columns k mean min max.
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
set datafile missing "nan"
colors = "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666"
set title "Across seeds: mean gap, band min..max\n".title noenhanced
set xlabel "k"
set ylabel ylabel noenhanced
set logscale y
set format y "10^{%T}"
set grid xtics ytics lc rgb "#dddddd"
set key outside right font ",11" noenhanced
n = words(labels)
pos(v) = v > 0 ? v : 1/0
plot for [i = 1:n] data index (i - 1) using 1:(pos($3)):(pos($4)) with filledcurves \
         lc rgb word(colors, (i - 1) % 8 + 1) fs transparent solid 0.2 notitle, \
     for [i = 1:n] data index (i - 1) using 1:(pos($2)) with linespoints lw 2 pt 7 \
         lc rgb word(colors, (i - 1) % 8 + 1) title word(labels, i)
