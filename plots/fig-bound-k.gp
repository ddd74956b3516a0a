# plots/fig-bound-k.gp: truncation length k required by the inference bound
# (proofs-notes/inference.md section 5) against lambda, for eps = 1e-2, 1e-4, 1e-8
# (L_f = L_x = B_x = 1).
# Usage: gnuplot -e "data='bound-k.tsv'; out='fig-bound-k.png'; term='png'" plots/fig-bound-k.gp
# data columns: lambda k_1e-2 k_1e-4 k_1e-8 (from `srm bound inference`); term: png or svg.
set encoding utf8
if (!exists("term")) term = "png"
if (term eq "svg") {
    set terminal svg size 800,520 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 800,520 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set title "Truncation length required by the inference bound"
set xlabel "stability constant λ"
set ylabel "required truncation length k (log scale)"
set logscale y
set format y "10^{%T}"
set xrange [0:1]
set grid xtics ytics mytics lc rgb "#dddddd"
set key top left box opaque
set label 1 "k = log(1/((1-λ) ε)) / log(1/λ),  L_f = L_x = B_x = 1" \
    at graph 0.03, graph 0.62 font ",11"
plot data using "lambda":"k_1e-2" with linespoints pt 7 ps 0.6 lw 2 title "ε = 10^{-2}", \
     data using "lambda":"k_1e-4" with linespoints pt 5 ps 0.6 lw 2 title "ε = 10^{-4}", \
     data using "lambda":"k_1e-8" with linespoints pt 9 ps 0.7 lw 2 title "ε = 10^{-8}"
