# tests/cli/test_sim.sh: `srm run`, `srm grad` and `srm truncate` end to end, against the
# PyTorch fixtures of tests/ref/ (states 1e-10, losses and gradient norms 1e-8: both are
# double precision, see tests/test_reference.c) and the truncation bounds of
# proofs-notes/inference.md.
. "$(dirname "$0")/lib.sh"
REF=$TOP/tests/ref
export SRM_DATE=2000-01-01T00:00:00Z # byte-comparable provenance

# data rows of a text matrix / TSV (no `#` lines)
rows() { grep -v '^#' "$1"; }
# max |a - b| / max(1, |b|) over two numeric files of the same shape (comments skipped)
max_rel_diff() {
    rows "$1" >"$TMP/a"; rows "$2" >"$TMP/b"
    paste -d'|' "$TMP/a" "$TMP/b" | awk -F'|' '{
        na = split($1, a, " "); nb = split($2, b, " "); if (na != nb) { bad = 1 }
        for (i = 1; i <= na; i++) { d = a[i] - b[i]; if (d < 0) d = -d; s = b[i] < 0 ? -b[i] : b[i]
            if (s < 1) s = 1; if (d / s > m) m = d / s } n++ }
        END { if (bad || n == 0) print "inf"; else printf "%.3g\n", m }'
}
loss_of() { awk -v m="$1" -v k="$2" -v c="$3" '$1 == m && $2 == k { print $c }' "$REF/losses.txt"; }

# ---- srm run
ok "run --help" "$SRM" run --help
expect "run --help shows the default of --trunc" grep -q -- '--trunc k.*\[0\]' "$TMP/out"
for model in rnn_tanh lstm; do
    ok "$model: run" "$SRM" run "$REF/$model.safetensors" --input "$REF/input.txt" --out "$TMP/h.txt"
    expect "$model: run output starts with provenance and names the columns" \
        sh -c "head -n 1 '$TMP/h.txt' | grep -q '^# srm ' && grep -q '^# h_1 h_2 h_3 h_4 h_5 y_1 y_2\$' '$TMP/h.txt'"
    num_le "$model: run = torch states and outputs (max rel diff)" "$(max_rel_diff "$TMP/h.txt" "$REF/$model.run.txt")" 1e-10
    ok "$model: run --trunc 3" "$SRM" run "$REF/$model.safetensors" --input "$REF/input.txt" --trunc 3 --out "$TMP/h3.txt"
    num_le "$model: run --trunc 3 = torch truncated states" "$(max_rel_diff "$TMP/h3.txt" "$REF/$model.run_trunc3.txt")" 1e-10
    ok "$model: run --trunc 7 (= T)" "$SRM" run "$REF/$model.safetensors" --input "$REF/input.txt" --trunc 7 --out "$TMP/h7.txt"
    rows "$TMP/h7.txt" >"$TMP/r7"; rows "$TMP/h.txt" >"$TMP/r0"; rows "$TMP/h3.txt" >"$TMP/r3"
    expect "$model: --trunc T is the recurrent model (same data rows)" cmp -s "$TMP/r7" "$TMP/r0"
    head -n 3 "$TMP/r0" >"$TMP/p0"; head -n 3 "$TMP/r3" >"$TMP/p3"
    sed -n 4p "$TMP/r0" >"$TMP/q0"; sed -n 4p "$TMP/r3" >"$TMP/q3"
    expect "$model: rows t <= 3 of --trunc 3 equal the recurrent rows" cmp -s "$TMP/p0" "$TMP/p3"
    expect "$model: row 4 of --trunc 3 differs" sh -c "! cmp -s '$TMP/q0' '$TMP/q3'"
done
ok "lstm: run --full-state" "$SRM" run "$REF/lstm.safetensors" --input "$REF/input.txt" --full-state --out "$TMP/hf.txt"
expect "lstm --full-state writes c_t, h_t, y_t (12 columns)" sh -c "grep -q '^# c_1 .* c_5 h_1 .* y_2\$' '$TMP/hf.txt' && [ \$(grep -v '^#' '$TMP/hf.txt' | head -n 1 | wc -w) -eq 12 ]"
ok "lstm: run --json" "$SRM" run "$REF/lstm.safetensors" --input "$REF/input.txt" --full-state --out "$TMP/hj.txt" --json
expect "reports the rows and the 12 columns written" sh -c "grep -q '\"cols\": 12' '$TMP/out' && [ \"\$(grep -o '\"rows\": [0-9]*' '$TMP/out' | cut -d' ' -f2)\" -eq \$(grep -vc '^#' '$TMP/hj.txt') ]"
expect "and writes the same numbers as without it" sh -c "grep -v '^# srm\|^# command\|^# date\|^# seed' '$TMP/hj.txt' >'$TMP/a' && grep -v '^# srm\|^# command\|^# date\|^# seed' '$TMP/hf.txt' >'$TMP/b' && cmp -s '$TMP/a' '$TMP/b'"
status 2 "run: --json with --out - is refused" "$SRM" run "$REF/lstm.safetensors" --input "$REF/input.txt" --out - --json
printf '1 2\n3 4\n' >"$TMP/bad_x.txt"
status 2 "run: input of the wrong width names the file" "$SRM" run "$REF/rnn_tanh.safetensors" --input "$TMP/bad_x.txt" --out "$TMP/h.txt"
expect "  ... and the message says so" grep -q "bad_x.txt: input has 2 columns; the model's input size is 3" "$TMP/err"
status 2 "run: --out is required" "$SRM" run "$REF/rnn_tanh.safetensors" --input "$REF/input.txt"
status 2 "run: a missing model file" "$SRM" run "$TMP/nope.safetensors" --input "$REF/input.txt" --out "$TMP/h.txt"

# ---- srm grad
ok "grad --help" "$SRM" grad --help
for model in rnn_tanh lstm; do
    for k in 0 3; do
        ok "$model k=$k: grad --json" "$SRM" grad "$REF/$model.safetensors" --input "$REF/input.txt" --target "$REF/target.txt" --trunc $k --json --out "$TMP/g.safetensors"
        cp "$TMP/out" "$TMP/g.json"
        num_close "$model k=$k: loss = torch" "$(json_get loss "$TMP/g.json")" "$(loss_of $model $k 3)" 1e-8
        num_close "$model k=$k: gradient norm = torch" "$(json_get grad_norm "$TMP/g.json")" "$(loss_of $model $k 4)" 1e-8
    done
done
# The gradient file has the model's tensor names and cell metadata, so it loads as a model.
ok "gradient file loads with the model's tensor names" "$SRM" run "$TMP/g.safetensors" --input "$REF/input.txt" --out "$TMP/gh.txt"
expect "gradient file records loss, loss_at and trunc" sh -c "head -c 600 '$TMP/g.safetensors' | grep -q '\"loss\":\"mse\"' && head -c 600 '$TMP/g.safetensors' | grep -q '\"trunc\":\"3\"'"
# Loss formulas end to end, from the outputs y_t that `srm run` prints (columns 6, 7).
"$SRM" run "$REF/lstm.safetensors" --input "$REF/input.txt" --out "$TMP/hl.txt" 2>/dev/null
printf '0\n1\n1\n0\n1\n0\n1\n' >"$TMP/cls.txt"
ok "grad: xent with class indices, loss at last" "$SRM" grad "$REF/lstm.safetensors" --input "$REF/input.txt" --target "$TMP/cls.txt" --loss xent --loss-at last --json --out "$TMP/g2.safetensors"
want=$(rows "$TMP/hl.txt" | tail -n 1 | awk '{ printf "%.17g\n", log(exp($6) + exp($7)) - $7 }')
num_close "xent at last = log(e^y1 + e^y2) - y_class(T) from srm run" "$(json_get loss "$TMP/out")" "$want" 1e-9
rows "$REF/target.txt" | awk '{ print ($1 + 1) / 2.5, ($2 + 1) / 2.5 }' >"$TMP/p.txt"
ok "grad: bce with targets in [0, 1]" "$SRM" grad "$REF/lstm.safetensors" --input "$REF/input.txt" --target "$TMP/p.txt" --loss bce --json --out "$TMP/g3.safetensors"
rows "$TMP/hl.txt" | paste -d' ' - "$TMP/p.txt" >"$TMP/yz"
want=$(awk '{ for (j = 6; j <= 7; j++) { y = $j; z = $(j + 2); s += log(1 + exp(y)) - z * y } } END { printf "%.17g\n", s }' "$TMP/yz")
num_close "bce = sum softplus(y) - z y over all steps, from srm run" "$(json_get loss "$TMP/out")" "$want" 1e-9
printf '# classes\n0\n1\n2\n0\n1\n0\n0\n' >"$TMP/cls_bad.txt"
status 2 "grad: class index out of range names the file and row" "$SRM" grad "$REF/lstm.safetensors" --input "$REF/input.txt" --target "$TMP/cls_bad.txt" --loss xent --out "$TMP/g4.safetensors"
expect "  ... cls_bad.txt:4 (file line)" grep -q "cls_bad.txt:4: class 2 is not in 0..1" "$TMP/err"
head -n 4 "$REF/target.txt" >"$TMP/short.txt"
status 2 "grad: fewer target rows than inputs" "$SRM" grad "$REF/lstm.safetensors" --input "$REF/input.txt" --target "$TMP/short.txt" --out "$TMP/g4.safetensors"
status 2 "grad: unknown loss" "$SRM" grad "$REF/lstm.safetensors" --input "$REF/input.txt" --target "$REF/target.txt" --loss l1 --out "$TMP/g4.safetensors"
status 2 "grad: unknown --loss-at" "$SRM" grad "$REF/lstm.safetensors" --input "$REF/input.txt" --target "$REF/target.txt" --loss-at first --out "$TMP/g4.safetensors"
expect "failed grads wrote no file" test ! -e "$TMP/g4.safetensors"

# ---- srm truncate
ok "truncate --help" "$SRM" truncate --help
# check_gaps NAME TSV LF: every row has gap <= bound_traj (+ 1e-14 rounding), <= bound, and
# output gap <= L_f bound_traj; K rows; the header names the six columns.
check_gaps() {
    expect "$1: header names the columns" grep -q "$(printf '^k\tmax_state_gap\tmean_state_gap\tmax_output_gap\tbound_traj\tbound$')" "$2"
    bad=$(rows "$2" | awk -F'\t' -v lf="$3" 'NR > 1 && ($2 > $5 + 1e-14 || $2 > $6 || $4 > lf * $5 + 1e-14 || $5 == "nan") { n++ } END { print n + 0 }')
    expect "$1: gaps <= bound_traj <= ... and <= bound on every row ($bad bad rows)" test "$bad" -eq 0
}
ok "rnn_tanh: truncate on random inputs" "$SRM" truncate "$REF/rnn_tanh.safetensors" --random-input 400 --input-bound 2 --seed 7 --kmax 25 --json --out "$TMP/gap.tsv"
cp "$TMP/out" "$TMP/t.json"
expect "rnn_tanh: certified stable (lambda 0.9)" grep -q '"stable": true' "$TMP/t.json"
num_close "rnn_tanh: lambda = ||W_hh||_2 = 0.9" "$(json_get lambda "$TMP/t.json")" 0.9 1e-12
check_gaps rnn_tanh "$TMP/gap.tsv" "$(json_get output_lipschitz "$TMP/t.json")"
expect "rnn_tanh: 25 data rows, k = 1..25" sh -c "[ \$(grep -v '^#' '$TMP/gap.tsv' | wc -l) -eq 26 ] && grep -v '^#' '$TMP/gap.tsv' | tail -n 1 | grep -q '^25	'"
expect "rnn_tanh: provenance records the seed" grep -q '^# seed: 7$' "$TMP/gap.tsv"
"$SRM" truncate "$REF/rnn_tanh.safetensors" --random-input 400 --input-bound 2 --seed 7 --kmax 25 --out "$TMP/gap2.tsv" >/dev/null 2>&1
expect "same seed, same file (SRM_DATE fixed)" sh -c "sed 1,2d '$TMP/gap.tsv' >'$TMP/s1'; sed 1,2d '$TMP/gap2.tsv' >'$TMP/s2'; cmp -s '$TMP/s1' '$TMP/s2'"
"$SRM" truncate "$REF/rnn_tanh.safetensors" --random-input 400 --input-bound 2 --seed 8 --kmax 25 --out "$TMP/gap3.tsv" >/dev/null 2>&1
expect "another seed, other gaps" sh -c "! cmp -s '$TMP/gap.tsv' '$TMP/gap3.tsv'"
ok "rnn_tanh: truncate on the fixture input" "$SRM" truncate "$REF/rnn_tanh.safetensors" --input "$REF/input.txt" --kmax 9 --out "$TMP/gapx.tsv"
check_gaps "rnn_tanh fixture input" "$TMP/gapx.tsv" 1e300
expect "k >= T = 7: no gap" sh -c "grep -v '^#' '$TMP/gapx.tsv' | sed 1d | awk -F'\t' '\$1 >= 7 && \$2 != 0 { bad = 1 } END { exit bad }'"

ok "stable LSTM from srm init" "$SRM" init --cell lstm --hidden 6 --input 3 --output 2 --stable --seed 3 --out "$TMP/lstm_stable.safetensors"
ok "stable LSTM: truncate" "$SRM" truncate "$TMP/lstm_stable.safetensors" --random-input 300 --kmax 30 --json --out "$TMP/gapl.tsv"
cp "$TMP/out" "$TMP/l.json"
expect "stable LSTM: certified in the max norm" sh -c "grep -q '\"stable\": true' '$TMP/l.json' && grep -q '\"norm\": \"inf\"' '$TMP/l.json' && grep -q '^# norm: inf' '$TMP/gapl.tsv'"
check_gaps "stable LSTM" "$TMP/gapl.tsv" "$(json_get output_lipschitz "$TMP/l.json")"

ok "PyTorch-init LSTM: truncate" "$SRM" truncate "$REF/lstm.safetensors" --random-input 100 --kmax 5 --json --out "$TMP/gapu.tsv"
expect "PyTorch-init LSTM: not certified, bounds are nan (null in JSON)" sh -c "grep -q '\"state_bound\": null' '$TMP/out' && grep -v '^#' '$TMP/gapu.tsv' | sed 1d | awk -F'\t' '\$5 != \"nan\" || \$6 != \"nan\" { exit 1 }'"

# Necessity (proofs-notes/necessity.md): h_t = h_{t-1} + x_t; the gap does not decay with k.
ok "unstable linear (a = 1): truncate" "$SRM" truncate "$REF/unstable_linear.safetensors" --random-input 200 --kmax 50 --out "$TMP/gapn.tsv"
g1=$(rows "$TMP/gapn.tsv" | awk -F'\t' '$1 == 1 { print $2 }')
g50=$(rows "$TMP/gapn.tsv" | awk -F'\t' '$1 == 50 { print $2 }')
num_le "unstable linear: gap at k=50 is still half the gap at k=1 (x2)" "$g1" "$(awk -v g="$g50" 'BEGIN { print 2 * g }')"

status 2 "truncate: --input and --random-input together" "$SRM" truncate "$REF/rnn_tanh.safetensors" --input "$REF/input.txt" --random-input 5 --kmax 3 --out "$TMP/x.tsv"
status 2 "truncate: --kmax is required" "$SRM" truncate "$REF/rnn_tanh.safetensors" --input "$REF/input.txt" --out "$TMP/x.tsv"
status 2 "truncate: --seed only with --random-input" "$SRM" truncate "$REF/rnn_tanh.safetensors" --input "$REF/input.txt" --seed 3 --kmax 3 --out "$TMP/x.tsv"
cp "$TMP/gap.tsv" "$TMP/keep.tsv"
status 2 "truncate: input of the wrong width" "$SRM" truncate "$REF/rnn_tanh.safetensors" --input "$TMP/bad_x.txt" --kmax 3 --out "$TMP/gap.tsv"
expect "a failed truncate leaves the existing output intact" cmp -s "$TMP/gap.tsv" "$TMP/keep.tsv"
finish
