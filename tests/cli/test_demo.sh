#!/bin/sh
# tests/cli/test_demo.sh: `make demo` end to end, reduced (SRM_DEMO_QUICK=1): every TSV has its
# provenance and columns, the numbers in the data files satisfy the claims (not the image bytes),
# report.html is self-contained with every section PASS, a rerun is byte-identical, and the
# report does FAIL when a measurement breaks its bound.
. "$(dirname "$0")/lib.sh"
export SRM SRM_DEMO_QUICK=1 SRM_DATE=2000-01-01T00:00:00Z
D=$TMP/demo

ok "quick demo runs and exits 0" sh "$TOP/scripts/demo.sh" "$D"
expect "summary names the report and 9 of 9 PASS" \
    grep -q "demo: 9 of 9 sections PASS, 0 FAIL" "$TMP/out"
cp "$TMP/out" "$TMP/demo.out"
# Each printed section line names the note that states and proves the result.
for line in "Stability (definition, proofs-notes/stability.md)" \
    "RNN condition (proofs-notes/rnn-condition.md)" \
    "LSTM conditions (proofs-notes/lstm-conditions.md)" \
    "Data-dependent stability (proofs-notes/data-dependent-stability.md)" \
    "Inference (Proposition, proofs-notes/inference.md)" \
    "Gradient gap (Lemma, proofs-notes/gradient-gap.md)" \
    "Smoothness (Lemma, proofs-notes/smoothness.md)" \
    "Training (Theorem, proofs-notes/training-theorem.md)" \
    "Necessity (proofs-notes/necessity.md)"; do
    expect "demo prints '$line ...: PASS'" \
        grep -qF "demo:   $line (worst/bound " "$TMP/demo.out"
done

# header HEADER FILE: the first non-# line of FILE is exactly HEADER (tab-separated).
header() { [ "$(grep -v '^#' "$2" | head -n 1)" = "$(printf '%b' "$1")" ]; }
gap_cols='k\tmax_state_gap\tmean_state_gap\tmax_output_gap\tbound_traj\tbound'
for f in gap-rnn-0.5 gap-rnn-0.9 gap-rnn-0.99 gap-lstm-stable gap-rnn-unstable-2 gap-scalar-1; do
    expect "$f.tsv has the gap columns" header "$gap_cols" "$D/$f.tsv"
done
for s in rnn linear scalar; do
    expect "rate-$s.tsv has the fit columns" header \
        'file\tlambda\trate\trate_lo\trate_hi\tslope\tslope_stderr\tstep_ratio\tnpoints\tk_first\tk_last' \
        "$D/rate-$s.tsv"
done
expect "bound-k.tsv columns" header 'lambda\tk_1e-2\tk_1e-4\tk_1e-8' "$D/bound-k.tsv"
expect "constants.tsv columns" header 'quantity\tschedule\tobserved\tanalytic' "$D/constants.tsv"
expect "stability.tsv columns" header 'model\tcell\thidden\tlambda\tstable' "$D/stability.tsv"
for s in inv const; do
    expect "traj-$s.tsv starts with step k dist" grep -q '^step	k	dist	' "$D/traj-$s.tsv"
done
missing=""
for f in "$D"/*.tsv "$D"/sweep/*.tsv; do
    [ "$(head -c 1 "$f")" = "#" ] || missing="$missing $f"
done
expect "every TSV starts with # provenance lines${missing:+ (not:$missing)}" test -z "$missing"
missing=""
for fig in fig-bound-k fig-stability fig-gap fig-rate fig-constants fig-trajectory fig-unstable; do
    for ext in png svg; do [ -s "$D/$fig.$ext" ] || missing="$missing $fig.$ext"; done
done
expect "all figures exist as PNG and SVG${missing:+ (missing:$missing)}" test -z "$missing"

# ---- the claims, from the numbers (awk over columns by name) ----
# cols FILE NAME...: the named columns, tab-separated, one data row per line.
cols() {
    f=$1
    shift
    awk -F'\t' -v want="$*" 'BEGIN {OFS = "\t"; n = split(want, w, " ")} /^#/ {next}
        !h {for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next}
        {line = $c[w[1]]; for (j = 2; j <= n; j++) line = line OFS $c[w[j]]; print line}' "$f"
}
# Fitted rate <= lambda: relative slack 1e-6 for rounding of gaps near the fit floor (1e-8).
bad=$(for s in rnn linear scalar; do
    cols "$D/rate-$s.tsv" lambda rate | awk -v s="$s" '!($2 <= $1 * (1 + 1e-6)) {print s ": rate " $2 " > lambda " $1}'
done)
expect "fitted rate <= lambda in every rate file${bad:+: $bad}" test -z "$bad"
n=$(grep -vc '^#' "$D/rate-rnn.tsv")
expect "the sweep fitted $((n - 1)) tanh models (>= 4)" test "$n" -ge 5
# Gaps <= bounds for the stable models, with an absolute slack of 1e-12 times the largest gap:
# a computed gap cannot fall below the rounding level of the states while lambda^k H can.
for m in rnn-0.5 rnn-0.9 rnn-0.99 lstm-stable; do
    f=$D/gap-$m.tsv
    bad=$(awk -F'\t' '/^#/ {next} !h {h = 1; next} {g[NR] = $2; bt[NR] = $5; b[NR] = $6; if ($2 > m) m = $2}
        END {for (i in g) if (!(g[i] <= bt[i] + 1e-12 * m && bt[i] <= b[i] * (1 + 1e-12))) {print i; exit}}' "$f")
    expect "$m: state gap <= bound_traj <= bound at every k${bad:+ (line $bad)}" test -z "$bad"
done
first=$(cols "$D/gap-scalar-1.tsv" max_state_gap | head -n 1)
last=$(cols "$D/gap-scalar-1.tsv" max_state_gap | tail -n 1)
num_le "necessity: |a| = 1 gap does not decay, 0.5 gap(1) <= gap(K)" \
    "$(awk -v a="$first" 'BEGIN {print 0.5 * a}')" "$last"
"$SRM" fit "$D/gap-rnn-unstable-2.tsv" --floor 1e-8 --json >"$TMP/fit.json"
num_le "data-dependent: ||W||_2 = 2 tanh RNN still decays on data (rate_hi < 1)" \
    "$(json_get rate_hi "$TMP/fit.json" | tr -d '[]')" 0.999999
bad=$(cols "$D/traj-inv.tsv" step k dist bound | awk '$1 >= 1 && !($3 <= $4) {print $1 " " $2; exit}')
expect "training: dist <= bound at every step >= 1 and k (inv)${bad:+: step k $bad}" test -z "$bad"
bad=$(awk -F'\t' '/^#/ {next} !h {h = 1; next} !($2 >= p2 && $3 >= p3 && $4 >= p4 && $3 >= $2 && $4 >= $3) {print $1; exit} {p2 = $2; p3 = $3; p4 = $4}' \
    "$D/bound-k.tsv")
expect "bound-k: k grows with lambda and as eps shrinks${bad:+ (lambda $bad)}" test -z "$bad"

# ---- the report ----
R=$D/report.html
expect "report.html has 9 sections" test "$(grep -c '<h2 id=' "$R")" -eq 9
expect "every section says PASS" test "$(grep '<h2 id=' "$R" | grep -c '>PASS</span>')" -eq 9
expect "no section FAILs or is not measured" test "$(grep -c 'NOT MEASURED\|>FAIL<' "$R")" -eq 0
expect "figures are inlined (data URIs), nothing is fetched" \
    sh -c "grep -q 'src=\"data:image/svg+xml;base64,' '$R' && ! grep -q 'src=\"[a-z]*:/\\|src=\"fig' '$R'"
expect "report gives statement, bound, worst case, ratio per section" \
    test "$(grep -o '<dt>Worst case measured</dt>' "$R" | wc -l)" -eq 9
expect "report carries the version and the stability table" \
    sh -c "grep -q 'srm 0.1.0' '$R' && grep -q '<td>lstm-stable</td>' '$R'"
# Every section links to its note in the repository (file:// and its absolute path: a link
# relative to the report's folder breaks when that is elsewhere) and shows the note's path.
links=$(sed -n 's|.*<dt>Statement and proof</dt><dd><a href="file://\([^"]*\)"><code>\(proofs-notes/[a-z-]*\.md\)</code></a>.*|\1 \2|p' "$R")
expect "every section links to its note, the path shown in text" \
    test "$(echo "$links" | grep -c .)" -eq 9
bad=$(echo "$links" | while read -r href note; do
    [ "$href" = "$(cd "$TOP" && pwd -P)/$note" ] && [ -f "$href" ] || echo "$note"; done)
expect "each link is the note's file in this checkout${bad:+ (not:$bad)}" test -z "$bad"
expect "the report cites no theory file outside the repository" sh -c "! grep -q 'THEORY' '$R'"
# Without the repository next to the binary the report still names each note, unlinked.
cp "$SRM" "$TMP/srm-alone"
ok "a copy of srm outside the repository writes the report" \
    env -u SRM_HOME "$TMP/srm-alone" report "$D" --out "$TMP/alone.html"
expect "... naming every note without a file:// link" sh -c \
    "[ \$(grep -c '<dt>Statement and proof</dt><dd><code>proofs-notes/[a-z-]*\.md</code> (in the srm repository)' '$TMP/alone.html') -eq 9 ] && ! grep -q 'file://' '$TMP/alone.html'"

# ---- reproducible: the same seeds give the same data ----
mkdir -p "$TMP/first"
cp "$D"/*.tsv "$TMP/first/"
ok "demo reruns" sh "$TOP/scripts/demo.sh" "$D"
diffs=""
for f in "$TMP"/first/*.tsv; do cmp -s "$f" "$D/$(basename "$f")" || diffs="$diffs $(basename "$f")"; done
expect "rerun gives byte-identical TSVs${diffs:+ (differ:$diffs)}" test -z "$diffs"

# ---- the report can fail, and escapes what it prints ----
B="$TMP/bad<&>"
cp -r "$D" "$B"
awk -F'\t' 'BEGIN {OFS = "\t"} /^#/ {print; next} !h {h = 1; print; next} $1 == 3 {$2 = 100} {print}' \
    "$D/gap-rnn-0.9.tsv" >"$B/gap-rnn-0.9.tsv"
rm "$B/traj-inv.json" "$B/traj-const.json"
"$SRM" report "$B" --json >"$TMP/bad.json"
expect "a gap above its bound makes the inference section FAIL" \
    grep -q '"inference": "FAIL"' "$TMP/bad.json"
expect "missing trajectory JSON: gamma and beta NOT MEASURED, nothing invented" \
    sh -c "grep -q '\"gradient-gap\": \"NOT MEASURED\"' '$TMP/bad.json' && grep -q '\"not_measured\": 2' '$TMP/bad.json'"
expect "the command line is HTML-escaped" \
    sh -c "grep -q 'bad&lt;&amp;&gt;' '$B/report.html' && ! grep -q 'bad<&>' '$B/report.html'"
status 2 "report of a malformed TSV exits 2 naming file and line" sh -c \
    "printf 'k\tmax_state_gap\n1\tx\n' >'$B/gap-rnn-0.5.tsv'; '$SRM' report '$B'"
status 1 "report of a missing folder exits 1" "$SRM" report "$TMP/nowhere"
# ---- srm fit on hand-made data: exact geometric gaps give the exact rate ----
{ echo "# lambda: 0.7 (hand-made)"; printf 'k\tmax_state_gap\n'
  awk 'BEGIN {for (k = 1; k <= 30; k++) printf "%d\t%.17g\n", k, 3 * 0.7 ^ k}'; } >"$TMP/g.tsv"
ok "srm fit of a geometric gap file" "$SRM" fit "$TMP/g.tsv" --out "$TMP/rate.tsv" --json
num_close "fitted rate of 3 * 0.7^k is 0.7 (1e-12: log/exp rounding)" \
    "$(json_get rate "$TMP/out" | tr -d '[]')" 0.7 1e-12
expect "lambda read from the '# lambda:' line" \
    test "$(cols "$TMP/rate.tsv" lambda)" = 0.69999999999999996
status 2 "fit: --lambda count must match the files" "$SRM" fit "$TMP/g.tsv" --lambda 0.5,0.6
status 2 "fit: a missing column is named" "$SRM" fit "$TMP/g.tsv" --column bound
status 2 "fit: too few rows above the floor" "$SRM" fit "$TMP/g.tsv" --floor 0.5
status 1 "demo stops when srm fails" env SRM=/bin/false sh "$TOP/scripts/demo.sh" "$TMP/d2"
finish
