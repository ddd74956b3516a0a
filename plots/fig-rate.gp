# plots/fig-rate.gp: the RNN condition (proofs-notes/rnn-condition.md) seen through the decay of
# the truncation gap: the fitted rate exp(slope) of a least-squares line through (k, log gap)
# (`srm fit`, with its 95% interval) against lambda = ||W_hh||_2. Stability predicts rate <= lambda
# (on or below the diagonal).
# Usage: gnuplot -e "f1='rate-rnn.tsv'; f2='rate-linear.tsv'; f3='rate-scalar.tsv'; n=32;
#                    out='fig-rate.png'; term='png'" plots/fig-rate.gp
# data columns (by name, `srm fit`): lambda rate rate_lo rate_hi
set encoding utf8
if (!exists("term")) term = "png"
if (term eq "svg") {
    set terminal svg size 800,600 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 800,600 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set title "Fitted decay rate of the truncation gap against the stability constant"
set xlabel "λ = L_ρ ||W_{hh}||_2"
set ylabel "fitted decay rate exp(slope)"
set xrange [0:1]
set yrange [0:1]
set grid xtics ytics lc rgb "#dddddd"
set key top left font ",11" box opaque
plot x with lines lw 2 dt 2 lc rgb "#444444" title "bound: rate = λ", \
     f3 using "lambda":"rate":"rate_lo":"rate_hi" with yerrorlines pt 9 ps 1.0 lw 1.5 lc rgb "#d95f02" \
         title "linear, n = 1 (rate = |w| exactly)", \
     f2 using "lambda":"rate":"rate_lo":"rate_hi" with yerrorlines pt 5 ps 0.8 lw 1.5 lc rgb "#7570b3" \
         title sprintf("linear, n = %d", n), \
     f1 using "lambda":"rate":"rate_lo":"rate_hi" with yerrorlines pt 7 ps 0.8 lw 1.5 lc rgb "#1b9e77" \
         title sprintf("tanh, n = %d", n)
