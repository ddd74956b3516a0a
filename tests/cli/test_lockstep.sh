# tests/cli/test_lockstep.sh: `srm lockstep` on an ATIS slice: the files and their columns, the
# control (k at least the longest sentence: the truncated run is the recurrent one, gap at
# rounding level on every record), that its runs are exactly srm train's (recurrent and
# --trunc), resuming for more epochs equals the uninterrupted run, a finished run is reported
# again, and the error paths (one stderr line, exit 2, nothing overwritten).
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z OPENBLAS_NUM_THREADS=1
small="--task atis --cell lstm --hidden 6 --embedding 5 --batch 8 --max-train 48 --max-valid 12 --max-test 12 --data-dir $TOP/data"
D="$TMP/ls"

ok "lockstep, 2 epochs, k 1,2,64, every 2" "$SRM" lockstep $small --epochs 2 --trunc 1,2,64 --every 2 --out "$D" --json
cp "$TMP/out" "$TMP/report.json"
for f in gaps.tsv epochs.tsv summary.tsv lockstep.json rec/result.json k1/result.json k2/result.json k64/result.json; do
    expect "writes $f" [ -s "$D/$f" ]
done
expect "gaps.tsv: provenance, then the columns" sh -c "head -n 1 '$D/gaps.tsv' | grep -q '^# srm ' && grep -v '^#' '$D/gaps.tsv' | head -n 1 | grep -qx 'step	epoch	k	lr	loss_rec	loss_trunc	gap_all	gap_hh	grad_gap	beta	bound'"
expect "gaps.tsv says the constants are estimated" grep -q 'ESTIMATED' "$D/gaps.tsv"
expect "epochs.tsv columns" sh -c "grep -v '^#' '$D/epochs.tsv' | head -n 1 | grep -qx 'epoch	k	train_loss	valid_metric	test_metric'"
# 48 sentences / 8 = 6 steps per epoch, 12 steps: records at steps 1 2 4 .. 12, 3 ks each
rows=$(grep -v '^#' "$D/gaps.tsv" | tail -n +2 | wc -l)
expect "records at step 1 and every 2nd step, 3 ks: 21 rows (got $rows)" [ "$rows" -eq 21 ]
erows=$(grep -v '^#' "$D/epochs.tsv" | tail -n +2 | wc -l)
expect "2 epochs x 4 models in epochs.tsv (got $erows)" [ "$erows" -eq 8 ]
worst=$(awk -F'\t' '!/^#/ && $3 == 64 {if ($7 > w) w = $7} END {printf "%.3g", w}' "$D/gaps.tsv")
num_le "k 64 >= every sentence: the gap stays at rounding level" "$worst" 1e-9
gap1=$(awk -F'\t' '!/^#/ && $3 == 1 && $1 == 12 {print $7}' "$D/gaps.tsv")
expect "k 1 drifts away ($gap1 > 1e-3)" awk -v v="$gap1" 'BEGIN {exit !(v > 1e-3)}'
expect "json report: ks, gap_all, rate, lambda" sh -c "grep -q '\"ks\": \[1' '$TMP/report.json' && grep -q '\"gap_all\": \[' '$TMP/report.json' && grep -q '\"rate\"' '$TMP/report.json' && grep -q '\"lambda\"' '$TMP/report.json'"
if command -v gnuplot >/dev/null; then
    for f in fig-lockstep-gap fig-lockstep-rate fig-lockstep-metric; do
        expect "draws $f.png and .svg" sh -c "[ -s '$D/$f.png' ] && [ -s '$D/$f.svg' ]"
    done
fi

# the lockstep runs are srm train's own (float64, the same seed)
ok "srm train, the same recurrent run" "$SRM" train $small --epochs 2 --precision float64 --out "$TMP/rec" --json
a=$(json_get test_loss "$D/rec/result.json"); b=$(json_get test_loss "$TMP/out")
expect "recurrent test loss equal to srm train's ($a, $b)" [ "$a" = "$b" ]
ok "srm train --trunc 2" "$SRM" train $small --epochs 2 --precision float64 --trunc 2 --out "$TMP/k2" --json
a=$(json_get test_loss "$D/k2/result.json"); b=$(json_get test_loss "$TMP/out")
expect "k 2 test loss equal to srm train --trunc 2's ($a, $b)" [ "$a" = "$b" ]
ok "srm eval evaluates the k 2 model at its k" "$SRM" eval --task atis "$D/k2/model.safetensors" --data-dir "$TOP/data" --json
expect "srm eval says trunc 2" grep -q '"trunc": 2' "$TMP/out"

# resume: 1 epoch, then the same flags with 2 epochs = the 2-epoch run
ok "1 epoch" "$SRM" lockstep $small --epochs 1 --trunc 1,2,64 --every 2 --out "$TMP/r"
ok "continued to 2 epochs" "$SRM" lockstep $small --epochs 2 --trunc 1,2,64 --every 2 --out "$TMP/r"
grep -v '^# \(command\|date\|run\)' "$D/gaps.tsv" >"$TMP/a.body"
grep -v '^# \(command\|date\|run\)' "$TMP/r/gaps.tsv" >"$TMP/b.body"
expect "resumed gaps.tsv = uninterrupted, byte for byte (but the command line and run id)" cmp -s "$TMP/a.body" "$TMP/b.body"
expect "and the resumed run keeps its run id" sh -c "grep '^# run: ' '$TMP/r/gaps.tsv' | sort -u | wc -l | grep -qx 1"
# killed inside the first epoch: lockstep.json at epoch 0 and no checkpoints yet (made from a
# finished copy: the state rewound, the run folders emptied); a restart runs from the start
cp -r "$D" "$TMP/k0"
sed -i 's/"epoch": [0-9]*/"epoch": 0/; s/"step": [0-9]*/"step": 0/; s/"done": true/"done": false/' "$TMP/k0/lockstep.json"
rm -f "$TMP"/k0/rec/* "$TMP"/k0/k*/*
ok "restarted after a kill in the first epoch" "$SRM" lockstep $small --epochs 2 --trunc 1,2,64 --every 2 --out "$TMP/k0"
grep -v '^# \(command\|date\|run\)' "$TMP/k0/gaps.tsv" >"$TMP/c.body"
expect "... and ends as the uninterrupted run" cmp -s "$TMP/a.body" "$TMP/c.body"
ok "--resume of a finished run reports it again" "$SRM" lockstep --resume "$D" --json
grep -A4 '"gap_all"' "$TMP/out" >"$TMP/g1"; grep -A4 '"gap_all"' "$TMP/report.json" >"$TMP/g2"
expect "the same final gaps" sh -c "[ -s '$TMP/g1' ] && cmp -s '$TMP/g1' '$TMP/g2'"

# errors: exit 2, one line, nothing overwritten
cp "$D/gaps.tsv" "$TMP/gaps.keep"
status 2 "another configuration in the same folder" "$SRM" lockstep $small --epochs 2 --trunc 1,2,64 --every 2 --lr 3 --out "$D"
status 2 "another k list in the same folder" "$SRM" lockstep $small --epochs 2 --trunc 1,2 --every 2 --out "$D"
expect "the finished run is untouched" cmp -s "$D/gaps.tsv" "$TMP/gaps.keep"
status 2 "--trunc 0" "$SRM" lockstep $small --trunc 0,2 --out "$TMP/e1"
status 2 "--trunc decreasing" "$SRM" lockstep $small --trunc 4,2 --out "$TMP/e1"
status 2 "--trunc not a number" "$SRM" lockstep $small --trunc x --out "$TMP/e1"
status 2 "--trunc missing" "$SRM" lockstep $small --out "$TMP/e1"
status 2 "--resume with --trunc" "$SRM" lockstep --resume "$D" --trunc 1
status 2 "--resume of a folder without a lockstep run" "$SRM" lockstep --resume "$TMP/e2"
ok "--help" "$SRM" lockstep --help
expect "--help names the files and says ESTIMATED" sh -c "grep -q 'gaps.tsv' '$TMP/out' && grep -q 'ESTIMATED' '$TMP/out'"
finish
