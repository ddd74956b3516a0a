# plots/fig-unstable.gp: necessity of stability (proofs-notes/necessity.md) and data-dependent
# stability (proofs-notes/data-dependent-stability.md). The scalar linear system
# h_t = a h_{t-1} + x_t + b with |a| = 1 keeps h_t - h^k_t = a^k h_{t-k}: its truncation gap does
# not decay with k. A tanh RNN with ||W_hh||_2 = 2 violates the sufficient condition yet
# contracts on the states it visits.
# Usage: gnuplot -e "f1='gap-scalar-1.tsv'; f2='gap-rnn-unstable-2.tsv'; f3='gap-rnn-0.9.tsv';
#                    out='fig-unstable.png'; term='png'" plots/fig-unstable.gp
# data columns (by name, `srm truncate`): k max_state_gap
set encoding utf8
if (!exists("term")) term = "png"
if (term eq "svg") {
    set terminal svg size 800,560 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 800,560 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set title "Without stability, truncation need not converge"
set xlabel "truncation length k"
set ylabel "state gap max_t ||h_t - h^k_t|| (log scale)"
set logscale y
set format y "10^{%T}"
set yrange [1e-18:*]
set grid xtics ytics lc rgb "#dddddd"
set key bottom left font ",11" box opaque
plot f1 using "k":"max_state_gap" with lines lw 3 lc rgb "#d95f02" \
         title "linear scalar, |a| = 1 (unstable): no decay", \
     f2 using "k":"max_state_gap" with lines lw 2 lc rgb "#7570b3" \
         title "tanh, ||W_{hh}||_2 = 2 (nominally unstable): decays on data", \
     f3 using "k":"max_state_gap" with lines lw 2 dt 2 lc rgb "#1b9e77" \
         title "tanh, ||W_{hh}||_2 = 0.9 (stable), for reference"
