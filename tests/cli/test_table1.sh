# tests/cli/test_table1.sh: `srm table1` on tiny slices of ATIS and JSB: the run folders are what
# `srm train` makes with the same settings (same test metric), table1.tsv/.md hold every metric
# and gap = stable - unstable, finished runs are skipped, a run without result.json is resumed
# from its checkpoint, later subsets add rows, and a folder of another configuration or a bad
# option is an error (one line, exit 2).
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z
# at FILE KEYCOL KEY NAME: column NAME of the first row whose column KEYCOL equals KEY
at() { awk -F'\t' -v kc="$2" -v k="$3" -v n="$4" '/^#/ {next} !h {for (i = 1; i <= NF; i++) {if ($i == n) c = i; if ($i == kc) kk = i}; h = 1; next} $kk == k {print $c; exit}' "$1"; }
rows() { grep -v '^#' "$1" | tail -n +2; }

D="$TMP/t1"
ok "dry run of the full quick table" "$SRM" table1 --config quick --out "$D" --dry-run
expect "dry run: 16 runs, all to train, in DIR/<task>-<cell>-<stable|unstable>" sh -c "[ \$(grep -c '	train	' '$TMP/out') -eq 16 ] && grep -q '^wikitext2-lstm-stable	train	128	1	$D/wikitext2-lstm-stable$' '$TMP/out' && grep -q '^atis-rnn-unstable	train	128	40	' '$TMP/out'"
expect "dry run creates nothing" [ ! -e "$D" ]
ok "dry run --json" "$SRM" table1 --config quick --out "$D" --dry-run --json
expect "is one JSON object with the 16 runs" sh -c "[ \$(wc -l <'$TMP/out') -eq 1 ] && grep -q '^{\"runs\": \[' '$TMP/out' && [ \$(grep -o '\"do\": \"train\"' '$TMP/out' | wc -l) -eq 16 ] && grep -q '\"run\": \"wikitext2-lstm-stable\", \"do\": \"train\", \"hidden\": 128, \"epochs\": 1' '$TMP/out'"

# big enough that ATIS finds slots (F1 ~57), so no comparison below is 0 = 0; under 1 s in all
TINY="--max-train 1000 --max-valid 40 --max-test 60 --hidden 24 --embedding 16 --batch 16 --epochs 3 --quiet"
ok "table1 on atis and jsb, rnn only (4 tiny runs)" "$SRM" table1 $TINY --tasks atis,jsb --cells rnn --out "$D"
expect "report: 4 runs, 4 trained" sh -c "grep -q '^runs: *4$' '$TMP/out' && grep -q '^trained: *4$' '$TMP/out'"
for r in atis-rnn-unstable atis-rnn-stable jsb-rnn-unstable jsb-rnn-stable; do
    expect "$r: model, log, checkpoint, result" sh -c "[ -s '$D/$r/model.safetensors' ] && [ -s '$D/$r/log.tsv' ] && [ -s '$D/$r/checkpoint.safetensors' ] && [ -s '$D/$r/result.json' ]"
done
expect "stable runs are projected, unstable ones not" sh -c "grep -q '\"stable\": true' '$D/atis-rnn-stable/result.json' && grep -q '\"stable\": false' '$D/atis-rnn-unstable/result.json'"
# the same run by srm train directly: identical test metric (same seed, data, arithmetic)
ok "srm train with the same settings" "$SRM" train --task atis --cell rnn --stable $TINY --out "$TMP/direct"
expect "table1's atis-rnn-stable = srm train's (test metric, loss)" sh -c "[ '$(json_get test_metric "$TMP/direct/result.json")' = '$(json_get test_metric "$D/atis-rnn-stable/result.json")' ] && [ '$(json_get test_loss "$TMP/direct/result.json")' = '$(json_get test_loss "$D/atis-rnn-stable/result.json")' ]"

T="$D/table1.tsv"
expect "table1.tsv: provenance lines" sh -c "head -n 1 '$T' | grep -q '^# srm ' && grep -q '^# command: .*table1' '$T' && grep -q '^# seed: 1$' '$T'"
expect "table1.tsv: header" [ "$(grep -v '^#' "$T" | head -n 1)" = "$(printf 'task\tcell\tmetric\thigher_is_better\tmetric_unstable\tmetric_stable\tgap\tseconds_unstable\tseconds_stable')" ]
expect "table1.tsv: one row per (task, cell): jsb rnn, atis rnn" [ "$(rows "$T" | cut -f 1-4 | tr '\t\n' ' |')" = "jsb rnn nll_per_frame 0|atis rnn f1 1|" ]
expect "atis: both models find slots (F1 > 10), so the checks below are not 0 = 0" awk -v u="$(at "$T" task atis metric_unstable)" -v s="$(at "$T" task atis metric_stable)" 'BEGIN {exit !(u > 10 && s > 10)}'
for task in atis jsb; do
    u=$(at "$T" task $task metric_unstable); s=$(at "$T" task $task metric_stable)
    num_close "$task: unstable metric = the run's test metric" "$u" "$(json_get test_metric "$D/$task-rnn-unstable/result.json")" 0
    num_close "$task: stable metric = the run's test metric" "$s" "$(json_get test_metric "$D/$task-rnn-stable/result.json")" 0
    num_close "$task: gap = stable - unstable" "$(at "$T" task $task gap)" "$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.17g", s - u}')" 1e-12
    expect "$task: seconds are the runs' training times" sh -c "awk -v a='$(at "$T" task $task seconds_stable)' -v b='$(json_get seconds "$D/$task-rnn-stable/result.json")' 'BEGIN {d = a - b; exit !(d < 1e-5 * b + 1e-9 && -d < 1e-5 * b + 1e-9)}'"
done
M="$D/table1.md"
expect "table1.md: a Markdown table with the gap column and both metric directions" sh -c "grep -q '^| task | metric | cell | unstable | stable | gap (stable - unstable) |' '$M' && grep -q '^| atis | f1 (higher is better) | rnn |' '$M' && grep -q '^| jsb | nll_per_frame (lower is better) | rnn |' '$M'"

# rerun: nothing to do; a run without result.json is resumed (re-evaluated: it had finished)
cksum "$D"/*/log.tsv >"$TMP/logs"
before=$(at "$T" task jsb metric_stable)
ok "rerun" "$SRM" table1 $TINY --tasks atis,jsb --cells rnn --out "$D"
expect "rerun: 0 trained, 4 skipped, logs untouched" sh -c "grep -q '^trained: *0$' '$TMP/out' && grep -q '^skipped (done before): *4$' '$TMP/out' && cksum '$D'/*/log.tsv | cmp -s - '$TMP/logs'"
rm "$D/jsb-rnn-stable/result.json"
ok "dry run after losing a result" "$SRM" table1 $TINY --tasks atis,jsb --cells rnn --out "$D" --dry-run
expect "dry run: jsb-rnn-stable is resumed, the others are done" sh -c "grep -q '^jsb-rnn-stable	resume	' '$TMP/out' && [ \$(grep -c '	done	' '$TMP/out') -eq 3 ]"
ok "resume" "$SRM" table1 $TINY --tasks atis,jsb --cells rnn --out "$D"
expect "resume: 1 trained, same jsb stable metric ($before)" sh -c "grep -q '^trained: *1$' '$TMP/out' && [ '$(at "$T" task jsb metric_stable)' = '$before' ]"

# a later subset adds its rows to the table
ok "table1 --tasks atis --cells lstm" "$SRM" table1 $TINY --tasks atis --cells lstm --out "$D"
expect "the table now has jsb rnn, atis rnn, atis lstm" [ "$(rows "$T" | cut -f 1,2 | tr '\t\n' ' |')" = "jsb rnn|atis rnn|atis lstm|" ]

# --projection both: a third run per row (the authors' projection, in DIR/<task>-<cell>-stable-paper)
# and three more columns; the certified runs already there are reused
ok "table1 --projection both (atis lstm: adds the paper run)" "$SRM" table1 $TINY --tasks atis --cells lstm --projection both --out "$D"
expect "report: 3 runs, 1 trained (the certified and unstable ones were done)" sh -c "grep -q '^runs: *3$' '$TMP/out' && grep -q '^trained: *1$' '$TMP/out'"
expect "the paper run is projected by the authors' rule with their initialisation" sh -c "grep -q '\"projection\": \"paper\"' '$D/atis-lstm-stable-paper/result.json' && grep -q '\"init\": \"paper\"' '$D/atis-lstm-stable-paper/result.json'"
expect "table1.tsv: the header gains metric_stable_paper, gap_paper, seconds_stable_paper" [ "$(grep -v '^#' "$T" | head -n 1)" = "$(printf 'task\tcell\tmetric\thigher_is_better\tmetric_unstable\tmetric_stable\tgap\tseconds_unstable\tseconds_stable\tmetric_stable_paper\tgap_paper\tseconds_stable_paper')" ]
lstm_row() { awk -F'\t' '/^#/ {next} $1 == "atis" && $2 == "lstm"' "$T"; }
expect "atis lstm: metric_stable_paper is the paper run's test metric, gap_paper = it - unstable" awk -v p="$(lstm_row | cut -f 10)" -v r="$(json_get test_metric "$D/atis-lstm-stable-paper/result.json")" -v g="$(lstm_row | awk -F'\t' '{print $11 - ($10 - $5)}')" 'BEGIN {d = p - r; exit !(p > 10 && d < 1e-9 && -d < 1e-9 && g < 1e-9 && -g < 1e-9)}'
expect "table1.md: eleven columns with the paper ones" sh -c "grep -q '| stable (paper) | gap (paper) |' '$D/table1.md' && [ \$(grep '^| atis | f1' '$D/table1.md' | tail -n 1 | tr -cd '|' | wc -c) -eq 12 ]"
status 2 "--projection rows is refused" "$SRM" table1 $TINY --tasks atis --projection rows --out "$D"

ok "table1 --help" "$SRM" table1 --help
expect "table1 help: every hyper-parameter flag, with the quick presets per task" sh -c "grep -q -- '--lr LR .*\[wikitext2 2/20, ptbchar 0.5/20, jsb 0.05/2, atis 2/10\]$' '$TMP/out' && grep -q -- '--dropout P ' '$TMP/out' && grep -q -- '--lstm-a A ' '$TMP/out' && grep -q -- '--precision P ' '$TMP/out'"
ok "table1 --config=paper -h" "$SRM" table1 --config=paper -h
expect "table1 -h with --config=paper shows the paper presets" grep -q -- '--hidden N .*\[wikitext2 256/1024, ptbchar 768/1024, jsb 1024, atis 128\]$' "$TMP/out"
# the table's other flags reach the runs they apply to: --dropout every run, --radius the
# stable RNNs only, --embedding not jsb (whose input is the 88 keys)
ok "dry run with --dropout, --radius and --embedding" "$SRM" table1 --config quick --dropout 0.3 --radius 0.7 --embedding 32 --tasks atis,jsb --cells rnn --dry-run --out "$TMP/flags"
ok "table1 --dropout 0.25 --radius 0.75 (jsb rnn)" "$SRM" table1 $TINY --dropout 0.25 --radius 0.75 --tasks jsb --cells rnn --out "$TMP/fl"
expect "result.json: dropout 0.25 in both, radius 0.75 only in the stable run, jsb embedding 88" sh -c "grep -q '\"dropout\": 0.25,' '$TMP/fl/jsb-rnn-unstable/result.json' && grep -q '\"radius\": 0.75,' '$TMP/fl/jsb-rnn-stable/result.json' && grep -q '\"radius\": 1.0,' '$TMP/fl/jsb-rnn-unstable/result.json' && grep -q '\"embedding\": 88,' '$TMP/fl/jsb-rnn-stable/result.json'"
status 2 "same folder, another configuration" "$SRM" table1 $TINY --hidden 17 --tasks atis --cells rnn --out "$D"
status 2 "--out missing" "$SRM" table1 --config quick
status 2 "unknown task" "$SRM" table1 --tasks atis,mnist --out "$TMP/x"
status 2 "unknown cell" "$SRM" table1 --cells gru --out "$TMP/x"
status 2 "unknown preset" "$SRM" table1 --config huge --out "$TMP/x"
status 2 "--lr 0" "$SRM" table1 $TINY --tasks atis --cells rnn --lr 0 --out "$TMP/x"
# --lr and --clip reach every run's configuration
ok "table1 --lr 0.5 --clip 0.25 (atis rnn)" "$SRM" table1 $TINY --tasks atis --cells rnn --lr 0.5 --clip 0.25 --out "$TMP/lr"
expect "result.json records lr 0.5 and clip 0.25" sh -c "grep -q '\"lr\": 0.5,' '$TMP/lr/atis-rnn-stable/result.json' && grep -q '\"clip\": 0.25' '$TMP/lr/atis-rnn-unstable/result.json'"
finish
