# plots/fig-trajectory.gp: the training theorem (proofs-notes/training-theorem.md). Top row:
# schedule alpha/t (inv); bottom row: constant alpha. Left: weight distance ||w_recurr - w_trunc||
# against the gradient step for several k; right: the final distance against k next to the
# theorem's bound (constants gamma, beta estimated along the run; `srm trajectory`).
# Usage: gnuplot -e "inv='traj-inv.tsv'; const='traj-const.tsv'; ks='1 2 4 8 16';
#                    out='fig-trajectory.png'; term='png'" plots/fig-trajectory.gp
# data columns (by name): step k dist ... bound; rows step-major with k in the order of `ks`.
set encoding utf8
if (!exists("term")) term = "png"
if (term eq "svg") {
    set terminal svg size 1000,780 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 1000,780 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
nks = words(ks)
colors = "#1b9e77 #d95f02 #7570b3 #e7298a #000000 #a6761d #e6ab02 #666666"
set logscale y
set format y "10^{%T}"
set grid xtics ytics lc rgb "#dddddd"
set multiplot layout 2,2 title "Recurrent vs truncated training: weight distance (log scale)" font ",14"

do for [s = 1:2] {
    file = (s == 1) ? inv : const
    name = (s == 1) ? "step α/t" : "constant step α"
    stats file using "step" nooutput
    nrec = STATS_records
    set title "distance during training, ".name
    set xlabel "gradient step t"
    set ylabel "||w_{recurr} - w_{trunc}||"
    set key bottom right font ",10" spacing 0.9 box opaque
    plot for [i = 1:nks] file every nks::(i - 1) using "step":"dist" with lines lw 2 \
         lc rgb word(colors, (i - 1) % 8 + 1) title "k = ".word(ks, i)
    set title "final distance vs k, ".name." {/=10 (γ, β estimated)}"
    set xlabel "truncation length k"
    if (s == 1) { set key bottom left font ",10"; growth = "N^{αβ} (α + 1/β)" }
    if (s == 2) { set key center right font ",10"; growth = "((1 + αβ)^N - 1)/β" }
    plot file every ::(nrec - nks) using "k":"dist" with linespoints pt 7 lw 2 lc rgb "#1b9e77" \
             title "measured, after the last step N", \
         file every ::(nrec - nks) using "k":"bound" with linespoints pt 5 lw 2 dt 2 \
             lc rgb "#d95f02" title "bound γ k λ^k ".growth
}
unset multiplot
