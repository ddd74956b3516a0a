# plots/fig-gap.gp: the inference proposition (proofs-notes/inference.md). For four models, the
# state and output gaps of the k-step truncation against k on a log scale, with the proposition's
# bounds: bound_traj = lambda^k max ||s_{t-k}|| (along the trajectory) and bound = lambda^k H.
# Usage: gnuplot -e "f1='gap-a.tsv'; t1='title a'; ... f4=...; t4=...; out='fig-gap.png';
#                    term='png'" plots/fig-gap.gp
# data columns (by name, `srm truncate`): k max_state_gap max_output_gap bound_traj bound
set encoding utf8
if (!exists("term")) term = "png"
if (term eq "svg") {
    set terminal svg size 1000,860 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 1000,860 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set logscale y
set format y "10^{%T}"
set yrange [1e-18:*]
# Gaps of exactly 0 (s^k_t = s_t in floating point) cannot be drawn on a log scale; gaps near
# 1e-16 are the rounding floor of a difference of two states.
set grid xtics ytics lc rgb "#dddddd"
set xlabel "truncation length k"
set ylabel "gap (log scale)"
set multiplot layout 2,2 title "Truncation gap against k, with the inference bounds (log scale)" \
    font ",14" margins 0.1, 0.97, 0.2, 0.9 spacing 0.1, 0.13
# One legend for all four panels, below them.
set key at screen 0.5, 0.075 center horizontal maxrows 2 font ",11" box
do for [i = 1:4] {
    file = value("f".i)
    set title value("t".i)
    stats file using "max_state_gap" nooutput
    rounding = 1e-15 * STATS_max
    plot rounding with lines lw 1 dt 3 lc rgb "#888888" title "rounding level 10^{-15} max gap", \
         file using "k":"max_state_gap" with lines lw 2 lc rgb "#1b9e77" title "state gap max_t ||s_t - s^k_t||", \
         file using "k":"max_output_gap" with lines lw 2 dt 3 lc rgb "#7570b3" title "output gap max_t ||y_t - y^k_t||", \
         file using "k":"bound_traj" with lines lw 2 dt 2 lc rgb "#d95f02" title "bound_{traj} = λ^k max_t ||s_{t-k}||", \
         file using "k":"bound" with lines lw 2 dt 4 lc rgb "#e7298a" title "bound = λ^k H"
    if (i == 1) { unset key }
}
unset multiplot
