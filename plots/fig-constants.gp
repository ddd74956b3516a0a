# plots/fig-constants.gp: the gradient-gap and smoothness lemmas (proofs-notes/gradient-gap.md,
# proofs-notes/smoothness.md). The largest ratios srm trajectory observed,
# ||grad p - grad p^k|| / (k lambda^k) for gamma and ||grad p(w) - grad p(w')|| / ||w - w'|| for
# beta, next to the analytic constants of those notes (log scale: observed must stay below
# analytic).
# Usage: gnuplot -e "data='constants.tsv'; out='fig-constants.png'; term='png'" plots/fig-constants.gp
# data columns (by name): quantity (1 gamma, 2 beta) schedule (1 inv, 2 const) observed analytic
set encoding utf8
if (!exists("term")) term = "png"
if (term eq "svg") {
    set terminal svg size 800,480 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 800,480 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set title "Gradient-gap and smoothness constants: observed maximum vs analytic"
set ylabel "constant (log scale)"
set logscale y
set format y "10^{%T}"
set xrange [0.4:4.6]
set xtics ("γ, step α/t" 1, "γ, constant step" 2, "β, step α/t" 3, "β, constant step" 4)
set grid ytics lc rgb "#dddddd"
set boxwidth 0.35
set style fill solid 0.8 border lc rgb "#333333"
set key top left font ",11" box opaque
x(q, s) = 2 * (q - 1) + s
plot data using (x(column("quantity"), column("schedule")) - 0.18):"observed" with boxes \
         lc rgb "#1b9e77" title "observed maximum along the run", \
     data using (x(column("quantity"), column("schedule")) + 0.18):"analytic" with boxes \
         lc rgb "#d95f02" title "analytic (proofs-notes)"
