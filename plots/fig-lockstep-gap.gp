# plots/fig-lockstep-gap.gp: the training theorem on a task (`srm lockstep`,
# proofs-notes/training-theorem.md): the weight gap ||w_rec - w_k||_2 between the recurrent
# model and each k-step truncated counterpart, trained in lockstep, against the SGD step, one
# curve per k (log scale).
# Usage: gnuplot -e "data='DIR/gaps.tsv'; ks='1 2 4 8'; title='...'; out='fig.png';
#                    term='png'" plots/fig-lockstep-gap.gp
# data columns (by name): step epoch k lr loss_rec loss_trunc gap_all gap_hh grad_gap beta bound;
# rows step-major with k in the order of `ks`.
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
colors = "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666"
set title "Recurrent vs truncated training: weight gap\n".title noenhanced
set xlabel "SGD step"
set ylabel "||w_{rec} - w_k||_2 (all parameters)"
set logscale y
set format y "10^{%T}"
set grid xtics ytics lc rgb "#dddddd"
set key outside right font ",11"
nks = words(ks)
# the records are step-major, the ks in the order of `ks`: every nks-th row is one k's curve
plot for [i = 1:nks] data every nks::(i - 1) using "step":\
         (column("gap_all") > 0 ? column("gap_all") : 1/0) with lines lw 2 \
         lc rgb word(colors, (i - 1) % 8 + 1) title "k = ".word(ks, i)
