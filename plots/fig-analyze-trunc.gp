# plots/fig-analyze-trunc.gp: data-dependent stability, measurement (M4) at the task level
# (proofs-notes/experiments.md): the test metric of the k-step truncated model, in which every
# prediction sees only its last k inputs, against k, with the full model as a horizontal line.
# Usage: gnuplot -e "data='DIR/trunc.tsv'; full=12.3; higher=0; metric='perplexity';
#                    title='...'; out='fig.png'; term='png'" plots/fig-analyze-trunc.gp
# data columns (by name): k metric loss count full (full = 1: the untruncated model, k = 0)
set encoding utf8
if (!exists("term")) term = "png"
if (!exists("title")) title = ""
if (!exists("higher")) higher = 0
if (term eq "svg") {
    set terminal svg size 800,560 dynamic enhanced font "DejaVu Sans,13" background "white"
} else {
    set terminal pngcairo size 800,560 enhanced font "DejaVu Sans,12"
}
set output out
set datafile separator "\t"
set datafile columnheaders
set title "Truncated model against k on the test split\n".title noenhanced
set xlabel "truncation length k (log scale)"
set ylabel metric.(higher ? " (higher is better)" : " (lower is better)") noenhanced
set logscale x 2
set grid xtics ytics lc rgb "#dddddd"
set key center right font ",11" box opaque
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
plot data using (column("full") == 0 ? column("k") : 1/0):"metric" with linespoints pt 7 \
         lw 2 lc rgb "#1b9e77" title "k-step truncated model", \
     (full == full ? full : 1/0) with lines lw 2 dt 2 lc rgb "#d95f02" \
         title sprintf("full model: %.4g", full)
