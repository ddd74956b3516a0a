# plots/fig-stability.gp: the stability definition (proofs-notes/stability.md) measured along
# real trajectories. h^{k+1}_t is one step of phi from h^k_{t-1}, so a lambda-stable map gives
# gap(k+1) <= lambda gap(k): the one-step ratio gap(k+1)/gap(k) must stay below lambda (lines).
# Usage: gnuplot -e "f1='gap-a.tsv'; t1='title a'; l1=0.5; ... f4, t4, l4; floor=1e-10;
#                    out='fig-stability.png'; term='png'" plots/fig-stability.gp
# data columns (by name, `srm truncate`): k max_state_gap. Rows with a gap below floor times
# the first gap are rounding noise and are not shown.
set encoding utf8
if (!exists("term")) term = "png"
if (term eq "svg") {
    set terminal svg size 800,640 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 800,640 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set title "One-step contraction of the truncation gap, against the stability constant"
set xlabel "truncation length k"
set ylabel "gap(k+1) / gap(k)"
set yrange [0:1.1]
set offsets 0, 1, 0, 0
set grid xtics ytics lc rgb "#dddddd"
set key below maxrows 4 font ",10" nobox height 2
colors = "#1b9e77 #d95f02 #7570b3 #e7298a"
# The first row of each file resets the state: prev = previous gap, first = gap at k = 1.
reset_at_start(g) = ($0 == 0 ? (prev = 0, first = g) : 0)
ratio(g) = (r_ = (prev > floor * first && g > floor * first) ? g / prev : NaN, prev = g, r_)
plot for [i = 1:4] value("f".i) \
         using (reset_at_start(column("max_state_gap")), r = ratio(column("max_state_gap")), \
                r == r ? column("k") - 1 : NaN):(r) \
         with points pt 7 ps 0.8 lc rgb word(colors, i) title value("t".i)." (measured)", \
     for [i = 1:4] value("l".i) with lines lw 2 dt 2 lc rgb word(colors, i) \
         title sprintf("λ = %.4g", value("l".i))
