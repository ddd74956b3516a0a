# tests/cli/test_analyze.sh: `srm analyze` on tiny models trained on slices of the real data:
# the TSV columns and provenance, numbers that must hold whatever the model (Proposition 1(a) of
# data-dependent-stability.md: no r-step rate exceeds the largest one-step rate; raw = rate^r;
# window counts; the truncated metric with k >= T and k = all equal srm eval's full metric), the
# language-model path (one trajectory cut into carried windows), figures, and the error paths
# (one line on stderr, exit 2 for bad input, 1 otherwise; existing outputs left intact).
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z
# col FILE NAME: the values of column NAME of an srm TSV, one per line
col() { awk -F'\t' -v n="$2" '/^#/ {next} !h {for (i = 1; i <= NF; i++) if ($i == n) c = i; h = 1; next} {print $c}' "$1"; }
# at FILE KEYCOL KEY NAME: column NAME of the row whose column KEYCOL equals KEY
at() { awk -F'\t' -v kc="$2" -v k="$3" -v n="$4" '/^#/ {next} !h {for (i = 1; i <= NF; i++) {if ($i == n) c = i; if ($i == kc) kk = i}; h = 1; next} $kk == k {print $c}' "$1"; }

A="$TMP/atis"
# 3 epochs on 1000 utterances find some slots (test F1 ~48), so the F1 comparisons below mean something
ok "train a tiny atis lstm" "$SRM" train --task atis --cell lstm --max-train 1000 --max-valid 50 --max-test 100 --hidden 24 --embedding 16 --batch 16 --epochs 3 --quiet --out "$A"
O="$TMP/an"
ok "analyze atis lstm (300 steps, 100 test utterances for trunc)" "$SRM" analyze "$A/model.safetensors" --task atis --out "$O" --max-tokens 300 --max-eval 100 --json
cp "$TMP/out" "$TMP/an.json"
expect "one JSON object with the summary keys" sh -c "grep -q '\"state_size\": 48' '$TMP/an.json' && grep -q '\"rate_r20_max\":' '$TMP/an.json' && grep -q '\"gradient_rate\":' '$TMP/an.json' && grep -q '\"trunc_metric\": \[' '$TMP/an.json'"
for f in jacobian jacobian-quantiles gradient trunc; do
    expect "$f.tsv starts with provenance (# srm, command, seed 1)" sh -c "head -n 1 '$O/$f.tsv' | grep -q '^# srm ' && grep -q '^# command: .*analyze' '$O/$f.tsv' && grep -q '^# seed: 1$' '$O/$f.tsv'"
done
header() { grep -v '^#' "$1" | head -n 1; }
expect "jacobian.tsv columns" [ "$(header "$O/jacobian.tsv")" = "$(printf 'r\tmax\tp99\tmedian\tmean\tmin\tcount\traw_max\traw_p99\traw_mean')" ]
expect "gradient.tsv columns" [ "$(header "$O/gradient.tsv")" = "$(printf 'j\tmean_norm\tmax_norm\tmean_relative\tcount')" ]
expect "trunc.tsv columns" [ "$(header "$O/trunc.tsv")" = "$(printf 'k\tmetric\tloss\tcount\tfull')" ]
expect "jacobian-quantiles.tsv: q and one column per r, 101 rows" sh -c "[ \"\$(grep -v '^#' '$O/jacobian-quantiles.tsv' | head -n 1)\" = \"\$(printf 'q\tr_1\tr_5\tr_20')\" ] && [ \$(grep -v '^#' '$O/jacobian-quantiles.tsv' | wc -l) -eq 102 ]"
expect "jacobian.tsv rows r = 1, 5, 20" [ "$(col "$O/jacobian.tsv" r | tr '\n' ' ')" = "1 5 20 " ]
steps=$(json_get steps "$TMP/an.json"); nseq=$(json_get sequences "$TMP/an.json")
expect "r = 1: one window per analysed step ($steps, whole utterances, at most 300 + one)" sh -c "[ '$(at "$O/jacobian.tsv" r 1 count)' = '$steps' ] && [ '$steps' -le 330 ] && [ '$steps' -ge 250 ]"
# Proposition 1(a): rho^(r)_t <= geometric mean of the window's one-step rates <= max_t rho_t.
r1=$(at "$O/jacobian.tsv" r 1 max)
for r in 5 20; do
    m=$(at "$O/jacobian.tsv" r $r max)
    if [ "$m" = nan ]; then echo "SKIP r = $r: no window of $r steps in this slice"; continue; fi
    num_le "max rate over $r-step windows <= max one-step rate (Proposition 1(a))" "$m" "$r1" 1e-12
    num_close "raw_max = max^$r for r = $r" "$(at "$O/jacobian.tsv" r $r raw_max)" "$(awk -v m="$m" -v r=$r 'BEGIN {printf "%.17g", m ^ r}')" 1e-12
done
expect "p99 <= max and mean <= max for every r" sh -c "grep -v '^#' '$O/jacobian.tsv' | awk -F'\t' 'NR > 1 && \$2 != \"nan\" && (\$3 > \$2 || \$5 > \$2) {exit 1}'"
consecutive() { col "$1" j | awk '$1 != NR - 1 {exit 1}'; }
expect "gradient: j = 0, 1, ... consecutive" consecutive "$O/gradient.tsv"
expect "gradient: j = 0 counts every utterance ($nseq) with relative norm 1" sh -c "[ '$(at "$O/gradient.tsv" j 0 count)' = '$nseq' ] && [ '$(at "$O/gradient.tsv" j 0 mean_relative)' = 1 ]"
nonincreasing() { col "$1" count | awk 'NR > 1 && $1 > p {exit 1} {p = $1}'; }
expect "gradient: counts never grow with j (shorter utterances drop out)" nonincreasing "$O/gradient.tsv"
expect "trunc.tsv: k = 1 2 4 8 16 32 and the full model (k = 0, full = 1)" sh -c "[ '$(col "$O/trunc.tsv" k | tr '\n' ' ')' = '1 2 4 8 16 32 0 ' ] && [ '$(col "$O/trunc.tsv" full | tr '\n' ' ')' = '0 0 0 0 0 0 1 ' ]"
# ATIS test utterances have at most 30 words, so k = 32 is the full model: same F1 exactly, and
# the same loss up to summation order (1e-12), both equal to srm eval's.
ok "srm eval on the same 100 test utterances" "$SRM" eval --task atis --max-eval 100 "$A/model.safetensors" --json
f1=$(json_get metric "$TMP/out")
expect "the model finds slots (F1 $f1 > 10), so the comparisons below are not 0 = 0" awk -v f="$f1" 'BEGIN {exit !(f > 10)}'
num_close "trunc: full-model F1 = srm eval's F1 exactly" "$(at "$O/trunc.tsv" full 1 metric)" "$f1" 0
expect "trunc: k = 32 >= T gives the full F1 exactly" [ "$(at "$O/trunc.tsv" k 32 metric)" = "$(at "$O/trunc.tsv" k 0 metric)" ]
num_close "trunc: k = 32 loss = full loss" "$(at "$O/trunc.tsv" k 32 loss)" "$(json_get loss "$TMP/out")" 1e-12
ok "srm eval --trunc 2 on the same utterances" "$SRM" eval --task atis --max-eval 100 --trunc 2 "$A/model.safetensors" --json
expect "trunc: k = 2 row = srm eval --trunc 2" [ "$(at "$O/trunc.tsv" k 2 loss)" = "$(json_get loss "$TMP/out")" ]
if command -v gnuplot >/dev/null 2>&1; then
    expect "figures: jacobian, gradient, trunc as PNG and SVG" sh -c "for f in jacobian gradient trunc; do for t in png svg; do [ -s '$O/fig-analyze-'\$f.\$t ] || exit 1; done; done"
    expect "no temporary files left" sh -c "! ls -a '$O' | grep -q 'tmp\|gnuplot-err'"
else
    echo "SKIP figures: gnuplot is not installed"
fi

# a language model: the test stream as one trajectory in carried windows of 50 steps
P="$TMP/ptb"
ok "train a tiny ptbchar rnn" "$SRM" train --task ptbchar --cell rnn --max-train 4000 --max-valid 500 --max-test 500 --hidden 10 --embedding 6 --batch 10 --bptt 20 --epochs 1 --precision float64 --quiet --out "$P"
ok "analyze ptbchar rnn (200 tokens, windows of 50)" "$SRM" analyze "$P/model.safetensors" --task ptbchar --out "$TMP/anp" --max-tokens 200 --window 50 --max-lag 60 --max-eval 500 --trunc-k 1,3,all --no-plots --json
expect "LM: 4 windows, 200 steps, state size 10" sh -c "grep -q '\"sequences\": 4,' '$TMP/out' && grep -q '\"steps\": 200,' '$TMP/out' && grep -q '\"state_size\": 10,' '$TMP/out'"
expect "LM: windows carry the state, so r-step windows span the stream: 200, 196, 181" [ "$(col "$TMP/anp/jacobian.tsv" count | tr '\n' ' ')" = "200 196 181 " ]
expect "LM: gradient lags stop at the window (j = 0..49, 4 windows each)" sh -c "[ '$(col "$TMP/anp/gradient.tsv" j | tail -n 1)' = 49 ] && [ '$(col "$TMP/anp/gradient.tsv" count | sort -u)' = 4 ]"
expect "LM: trunc rows k = 1, 3, all" [ "$(col "$TMP/anp/trunc.tsv" k | tr '\n' ' ')" = "1 3 0 " ]
expect "--no-plots: no figure" sh -c "! ls '$TMP/anp' | grep -q fig- && grep -q 'skipped (--no-plots)' '$TMP/out'"
ok "srm eval --trunc 3 on the same 500 tokens" "$SRM" eval --task ptbchar --max-eval 500 --trunc 3 "$P/model.safetensors" --json
expect "LM: k = 3 row = srm eval --trunc 3" [ "$(at "$TMP/anp/trunc.tsv" k 3 loss)" = "$(json_get loss "$TMP/out")" ]

# errors: one line, exit 2 for bad input, 1 for files; outputs of an earlier run stay intact
cksum "$O/jacobian.tsv" "$O/trunc.tsv" >"$TMP/before"
status 2 "a missing data folder (existing outputs kept)" "$SRM" analyze "$A/model.safetensors" --task atis --out "$O" --data-dir "$TMP/nodata" --no-plots
expect "earlier outputs unchanged after the failure" sh -c "cksum '$O/jacobian.tsv' '$O/trunc.tsv' | cmp -s - '$TMP/before'"
status 2 "--task missing on a model whose metadata has no task" "$SRM" analyze "$TOP/tests/ref/torch/rnn1.safetensors" --out "$TMP/x"
ok "--task missing: srm analyze reads it from the model's metadata" "$SRM" analyze "$A/model.safetensors" --out "$TMP/notask" --max-tokens 50 --max-eval 20 --trunc-k 1 --no-plots --json
expect "and analyzes it as ATIS" grep -q '"task": "atis"' "$TMP/out"
status 2 "a model trained on another task" "$SRM" analyze "$A/model.safetensors" --task jsb --out "$TMP/x"
status 2 "a missing model" "$SRM" analyze "$TMP/none.safetensors" --task atis --out "$TMP/x"
status 2 "--r 0" "$SRM" analyze "$A/model.safetensors" --task atis --r 0 --out "$TMP/x"
status 2 "--trunc-k with a word" "$SRM" analyze "$A/model.safetensors" --task atis --trunc-k 1,two --out "$TMP/x"
status 2 "--window 0" "$SRM" analyze "$A/model.safetensors" --task atis --window 0 --out "$TMP/x"
finish
