# tests/cli/test_trajectory.sh: `srm trajectory`: the TSV's provenance, columns and rows, the
# issue's check (final distance decreases with k under the inv schedule), dist <= bound, the
# report keys, reproducibility, and the error paths (one stderr line, exit 2 or 1).
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z
small="--hidden 8 --input 3 --seqs 4 --length 12 --steps 30 --ks 1,2,4,8,12"
T="$TMP/t.tsv"

ok "rnn run" "$SRM" trajectory $small --out "$T"
cp "$TMP/out" "$TMP/report.txt"
expect "starts with provenance # lines" sh -c "head -n 1 '$T' | grep -q '^# srm ' && grep -q '^# seed: 1$' '$T' && grep -q '^# command: .*trajectory' '$T'"
expect "header names the columns" sh -c "grep -v '^#' '$T' | head -n 1 | grep -qx 'step	k	dist	loss_recurr	loss_trunc	bound	bound_analytic'"
expect "header lines say which bound is estimated and which analytic" sh -c "grep -q '^# bound: .*ESTIMATED' '$T' && grep -q '^# bound_analytic: .*ANALYTIC' '$T'"
rows=$(grep -v '^#' "$T" | tail -n +2 | wc -l)
expect "31 steps x 5 ks = 155 rows (got $rows)" [ "$rows" -eq 155 ]
expect "every row has 7 fields" sh -c "grep -v '^#' '$T' | awk -F'\t' 'NF != 7 {bad=1} END {exit bad}'"
# final step: dist strictly decreasing over k < T = 12, zero at k = T
final=$(awk -F'\t' '!/^#/ && $1 == 30 {printf "%s ", $3}' "$T")
expect "inv: final dist decreases with k ($final)" sh -c "echo '$final' | awk '{for (i = 2; i <= 4; i++) if (!(\$i < \$(i-1))) exit 1; exit !(\$5 == 0)}'"
expect "dist <= bound on every row" sh -c "grep -v '^#' '$T' | awk -F'\t' 'NR > 1 && \$3 > \$6 {bad=1} END {exit bad}'"
expect "text report prints both kinds of constants" sh -c "grep -q '^gamma (estimated)' '$TMP/report.txt' && grep -q '^beta (analytic)' '$TMP/report.txt'"

ok "json report" "$SRM" trajectory $small --out "$TMP/j.tsv" --json
for key in gamma beta gamma_analytic beta_analytic; do
    v=$(json_get "$key" "$TMP/out")
    expect "json $key is a positive number ($v)" awk -v v="$v" 'BEGIN {exit !(v + 0 > 0)}'
done
expect "json has final_dist and ks arrays" sh -c "grep -q '\"final_dist\": \[' '$TMP/out' && grep -q '\"ks\": \[1' '$TMP/out'"
grep -v '^# command' "$T" >"$TMP/a.body"
grep -v '^# command' "$TMP/j.tsv" >"$TMP/b.body"
expect "same seed, same file byte for byte (but the command line)" cmp -s "$TMP/a.body" "$TMP/b.body"
ok "seed 2 run" "$SRM" trajectory $small --seed 2 --out "$TMP/s2.tsv"
expect "another seed, other distances" sh -c "! cmp -s '$T' '$TMP/s2.tsv'"

ok "const schedule, loss at all, every 7" "$SRM" trajectory $small --schedule const --alpha 0.3 --loss-at all --every 7 --out "$TMP/c.tsv"
steps=$(awk -F'\t' '!/^#/ && NR > 1 && $2 == 1 {printf "%s ", $1}' "$TMP/c.tsv")
expect "--every 7 of 30 writes steps 0 7 14 21 28 30 ($steps)" [ "$steps" = "0 7 14 21 28 30 " ]
ok "lstm run" "$SRM" trajectory --cell lstm $small --out "$TMP/l.tsv" --json
expect "lstm: bound_analytic is nan, gamma_analytic null" sh -c "awk -F'\t' '!/^#/ && NR > 1 && \$1 == 30' '$TMP/l.tsv' | grep -q 'nan$' && grep -q '\"gamma_analytic\": null' '$TMP/out'"
ok "TSV on stdout" "$SRM" trajectory $small --steps 2 --out -
expect "stdout holds only the TSV" sh -c "grep -v '^#' '$TMP/out' | head -n 1 | grep -q '^step	k'"
ok "--help" "$SRM" trajectory --help
expect "--help shows defaults" grep -q 'ks K,K,...*\[1,2,4,8,16\]' "$TMP/out"

# errors: exit 2 (bad input) or 1 (I/O), one line on stderr, existing output untouched
echo keep >"$TMP/keep.tsv"
status 2 "missing --out" "$SRM" trajectory $small
status 2 "lambda 1" "$SRM" trajectory $small --lambda 1 --out "$TMP/keep.tsv"
status 2 "lambda not a number" "$SRM" trajectory $small --lambda x --out "$TMP/keep.tsv"
status 2 "k = 0" "$SRM" trajectory $small --ks 1,0 --out "$TMP/keep.tsv"
status 2 "ks with an empty item" "$SRM" trajectory $small --ks 1,,2 --out "$TMP/keep.tsv"
status 2 "unknown schedule" "$SRM" trajectory $small --schedule cosine --out "$TMP/keep.tsv"
status 2 "unknown loss position" "$SRM" trajectory $small --loss-at first --out "$TMP/keep.tsv"
status 2 "relu cell" "$SRM" trajectory $small --cell relu --out "$TMP/keep.tsv"
status 2 "lstm with --lambda" "$SRM" trajectory $small --cell lstm --lambda 0.5 --out "$TMP/keep.tsv"
status 2 "zero steps" "$SRM" trajectory $small --steps 0 --out "$TMP/keep.tsv"
status 2 "negative alpha" "$SRM" trajectory $small --alpha -1 --out "$TMP/keep.tsv"
status 2 "unknown option" "$SRM" trajectory $small --bogus 1 --out "$TMP/keep.tsv"
status 2 "positional argument" "$SRM" trajectory $small extra --out "$TMP/keep.tsv"
expect "existing output untouched by failed runs" sh -c "[ \"\$(cat '$TMP/keep.tsv')\" = keep ]"
status 1 "unwritable output folder" "$SRM" trajectory $small --out "$TMP/no/such/dir/t.tsv"
expect "no temporary file left behind" sh -c "! ls '$TMP' | grep -q '\.tmp\.'"
finish
