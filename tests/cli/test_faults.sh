# tests/cli/test_faults.sh: faults inside long runs (issue 14): damaged checkpoints (the two
# heap-overflow reproducers of tests/repro/), divergence caught at the step it happens (exit 3,
# no non-finite model written), run folders (another configuration refused without --force, a
# lock against a second process, no empty folder after a failure, writability before training),
# SIGKILL at random moments then --resume equals an uninterrupted run, a full disk, and bad
# input paths (folders, missing files) exiting 2.
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z
export SRM_DATA="$TOP/data"

# --- the reproducers: checkpoint bytes, FF FE, log.tsv bytes (the last FF FE: the log is text)
sep=$(printf '\377\376')
for r in negative nan; do
    f="$TOP/tests/repro/checkpoint-$r-epoch-heap-overflow"
    off=$(LC_ALL=C grep -obUa "$sep" "$f" | tail -n 1 | cut -d: -f1)
    mkdir -p "$TMP/r$r"
    head -c "$off" "$f" >"$TMP/r$r/checkpoint.safetensors"
    tail -c +$((off + 3)) "$f" >"$TMP/r$r/log.tsv"
    status 2 "reproducer $r epoch: resume refuses the checkpoint" "$SRM" train --resume "$TMP/r$r" --quiet
    expect "naming the file and the key 'epoch'" grep -q "r$r/checkpoint.safetensors: checkpoint metadata 'epoch'" "$TMP/err"
done
# the resume fuzzer's finds (tests/fuzz/crashes/resume-*, same format): refused, not crashed
for f in "$TOP"/tests/fuzz/crashes/resume-*; do
    [ -f "$f" ] || continue
    n=$(basename "$f")
    off=$(LC_ALL=C grep -obUa "$sep" "$f" | tail -n 1 | cut -d: -f1)
    mkdir -p "$TMP/$n"
    head -c "$off" "$f" >"$TMP/$n/checkpoint.safetensors"
    tail -c +$((off + 3)) "$f" >"$TMP/$n/log.tsv"
    status 2 "fuzzer find $n: resume refuses the checkpoint, naming it" "$SRM" train --resume "$TMP/$n" --quiet
done

# --- damaged scalars of a real checkpoint (same length, so the header stays valid)
K="--task jsb --cell rnn --max-train 4 --max-valid 2 --max-test 2 --hidden 8 --quiet"
ok "a 3-epoch tiny run" "$SRM" train $K --epochs 3 --out "$TMP/k"
lr=$(LC_ALL=C sed -n 's/.*,"lr":"\([^"]*\)".*/\1/p' "$TMP/k/checkpoint.safetensors" | head -n 1)
rm -rf "$TMP/kb" && cp -r "$TMP/k" "$TMP/kb" && rm "$TMP/kb/result.json"
LC_ALL=C sed "s/,\"lr\":\"$lr\",/,\"lr\":\"-$(printf '%s' "$lr" | cut -c2-)\",/" "$TMP/k/checkpoint.safetensors" >"$TMP/kb/checkpoint.safetensors"
expect "checkpoint edited to a negative lr (same length)" sh -c "[ \$(wc -c <'$TMP/kb/checkpoint.safetensors') -eq \$(wc -c <'$TMP/k/checkpoint.safetensors') ] && ! cmp -s '$TMP/kb/checkpoint.safetensors' '$TMP/k/checkpoint.safetensors'"
status 2 "a checkpoint with a negative lr" "$SRM" train --resume "$TMP/kb" --epochs 4 --quiet
expect "names the key" grep -q "checkpoint metadata 'lr' is out of range" "$TMP/err"

# --- divergence: caught at the step, exit 3, nothing non-finite written, no empty folder
status 3 "lr 1e300: the weights overflow" "$SRM" train $K --epochs 3 --lr 1e300 --out "$TMP/d1"
expect "says the step made the weights non-finite" grep -q "the step made the weights non-finite" "$TMP/err"
expect "and leaves no folder behind" test ! -e "$TMP/d1"
status 3 "lr 1.7e308 (Inf on a step)" "$SRM" train $K --epochs 3 --lr 1.7e308 --out "$TMP/d2"
expect "no model of Inf written" test ! -e "$TMP/d2/model.safetensors"
A="--task atis --max-train 200 --max-valid 50 --max-test 50 --hidden 16 --embedding 8 --quiet"
status 3 "atis rnn lr 1e3: the loss passes 100 times the initial loss" "$SRM" train $A --cell rnn --lr 1e3 --epochs 3 --out "$TMP/d3"
expect "says so" grep -q "the batch loss passed 100 times the initial loss" "$TMP/err"
ok "with --allow-divergence it keeps going" "$SRM" train $A --cell rnn --lr 1e3 --epochs 3 --allow-divergence --out "$TMP/d3" --json
expect "result.json: diverged, from epoch 1" sh -c "grep -q '\"diverged\": true' '$TMP/d3/result.json' && grep -q '\"diverged_epoch\": 1' '$TMP/d3/result.json'"
ok "a normal run" "$SRM" train $A --cell rnn --epochs 2 --out "$TMP/n1"
expect "is not marked diverged" grep -q '"diverged": false' "$TMP/n1/result.json"
mkdir -p "$TMP/d4" && echo keep >"$TMP/d4/notes.txt"
status 3 "a diverging run in a folder that held other files" "$SRM" train $K --epochs 3 --lr 1e300 --out "$TMP/d4"
expect "keeps the folder and its files, and no lock file" sh -c "[ -f '$TMP/d4/notes.txt' ] && [ ! -e '$TMP/d4/.srm.lock' ]"

# --- run folders
cp "$TMP/n1/result.json" "$TMP/n1.result"
status 2 "--out onto a finished run of another configuration" "$SRM" train $A --cell rnn --epochs 2 --lr 0.5 --out "$TMP/n1"
expect "says --force starts over" grep -q "another configuration.*--force to start over" "$TMP/err"
expect "and leaves the finished run intact" cmp -s "$TMP/n1/result.json" "$TMP/n1.result"
ok "--force starts over" "$SRM" train $A --cell rnn --epochs 2 --lr 0.5 --force --out "$TMP/n1"
expect "the new run's result replaces the old" sh -c "grep -q '\"lr\": 0.5' '$TMP/n1/result.json'"
expect "with a new run id" [ "$(json_get run "$TMP/n1.result")" != "$(json_get run "$TMP/n1/result.json")" ]
status 2 "--force with --resume" "$SRM" train --resume "$TMP/n1" --force
: >"$TMP/plain"
status 2 "--out naming a file" "$SRM" train $A --cell rnn --epochs 2 --out "$TMP/plain"
expect "says it is not a folder" grep -q "plain: not a folder" "$TMP/err"
status 2 "--out under a file (cannot be created)" "$SRM" train $A --cell rnn --epochs 2 --out "$TMP/plain/x"
# a second process on the folder of a running one
"$SRM" train --task jsb --cell lstm --max-train 0 --max-valid 10 --max-test 10 --hidden 128 --epochs 40 --quiet --out "$TMP/busy" >/dev/null 2>&1 &
busy=$!
i=0; while [ ! -s "$TMP/busy/.srm.lock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
status 2 "a second srm train on a running run's folder" "$SRM" train --task jsb --cell lstm --max-train 0 --max-valid 10 --max-test 10 --hidden 128 --epochs 40 --quiet --out "$TMP/busy"
expect "names the holder's pid" grep -q "is in use: pid $busy: " "$TMP/err"
status 2 "and so does --resume" "$SRM" train --resume "$TMP/busy"
kill -9 $busy 2>/dev/null; wait $busy 2>/dev/null
# analyze: a failure inside leaves no empty folder
status 2 "srm analyze with a missing data folder" "$SRM" analyze "$TMP/n1/model.safetensors" --data-dir "$TMP/nodata" --out "$TMP/an"
expect "leaves no empty folder" test ! -e "$TMP/an"

# --- SIGKILL at random moments, then --resume: identical to an uninterrupted run
J="--task jsb --cell lstm --max-train 0 --max-valid 10 --max-test 10 --hidden 96 --epochs 5 --precision float64 --quiet"
ok "the uninterrupted run" "$SRM" train $J --out "$TMP/u"
# tensors: the data section after the header (metadata holds the command and times)
data_sum() { n=$(od -An -tu8 -N8 "$1" | tr -d ' '); tail -c +$((9 + n)) "$1" | cksum; }
moments=$(awk -v s="$$" 'BEGIN { srand(s); for (i = 0; i < 4; i++) printf "%.2f ", 0.05 + 2.5 * rand() }')
for t in $moments; do
    if [ -f "$TMP/kill/checkpoint.safetensors" ]; then "$SRM" train --resume "$TMP/kill" >/dev/null 2>&1 &
    else "$SRM" train $J --out "$TMP/kill" >/dev/null 2>&1 &
    fi
    pid=$!; sleep "$t"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done
if [ -f "$TMP/kill/checkpoint.safetensors" ]; then ok "resume after SIGKILL at $moments s" "$SRM" train --resume "$TMP/kill"
else ok "start over after SIGKILL at $moments s (no checkpoint yet)" "$SRM" train $J --out "$TMP/kill"; fi
expect "the final model's tensors are the uninterrupted run's" [ "$(data_sum "$TMP/kill/model.safetensors")" = "$(data_sum "$TMP/u/model.safetensors")" ]
expect "and the checkpoint's" [ "$(data_sum "$TMP/kill/checkpoint.safetensors")" = "$(data_sum "$TMP/u/checkpoint.safetensors")" ]
expect "log.tsv the same but for the timing columns" sh -c "cut -f1-5,8-13 '$TMP/kill/log.tsv' | grep -v '^#' >'$TMP/k.log' && cut -f1-5,8-13 '$TMP/u/log.tsv' | grep -v '^#' >'$TMP/u.log' && cmp -s '$TMP/k.log' '$TMP/u.log'"
for key in test_metric test_loss valid_metric best_epoch epochs_done; do
    expect "result.json $key the same" [ "$(json_get $key "$TMP/kill/result.json")" = "$(json_get $key "$TMP/u/result.json")" ]
done
expect "no temporary or lock files left" sh -c "! ls -a '$TMP/kill' | grep -q 'tmp\\|lock\\|probe'"
# every file names the run it belongs to: one id across the kills and resumes
run_of() { LC_ALL=C grep -ao '"srm_run":"[^"]*"' "$1" | head -n 1 | cut -d'"' -f4; }
rid=$(json_get run "$TMP/kill/result.json")
expect "one run id ($rid) in result.json, log.tsv, model and checkpoint" sh -c "[ -n '$rid' ] && grep -qx '# run: $rid' '$TMP/kill/log.tsv' && [ '$(run_of "$TMP/kill/model.safetensors")' = '$rid' ] && [ '$(run_of "$TMP/kill/checkpoint.safetensors")' = '$rid' ]"
expect "and another for the uninterrupted run" sh -c "[ '$(json_get run "$TMP/u/result.json")' != '$rid' ]"

# --- a full disk: a small tmpfs (root only)
mkdir -p "$TMP/small"
if mount -t tmpfs -o size=520k tmpfs "$TMP/small" 2>/dev/null; then
    S="--task jsb --cell lstm --max-train 4 --max-valid 2 --max-test 2 --hidden 32 --epochs 4 --quiet"
    "$SRM" train $S --out "$TMP/small/run" >"$TMP/out" 2>"$TMP/err"; got=$?
    expect "ENOSPC: srm train fails (exit $got) with a clear error" sh -c "[ $got -ne 0 ] && grep -q 'No space left on device' '$TMP/err'"
    expect "the last good checkpoint is intact and no temporary file is left" sh -c "[ -s '$TMP/small/run/checkpoint.safetensors' ] && ! ls '$TMP/small/run' | grep -q tmp"
    mount -o remount,size=4m "$TMP/small"
    ok "after making room, --resume finishes the run" "$SRM" train --resume "$TMP/small/run"
    ok "the same run on a roomy disk" "$SRM" train $S --out "$TMP/roomy"
    expect "equals it" [ "$(data_sum "$TMP/small/run/model.safetensors")" = "$(data_sum "$TMP/roomy/model.safetensors")" ]
    umount "$TMP/small"
else
    fail "ENOSPC checks need a small tmpfs (mount -t tmpfs): not permitted here"
fi

# --- degenerate data: named, not trained on with a NaN loss
mkdir -p "$TMP/dj/jsb-chorales" "$TMP/da/atis" "$TMP/dw/wikitext-2"
printf '1\n1\n4 60 72 79 88\n' >"$TMP/dj/jsb-chorales/jsb_train.txt"
cp "$SRM_DATA/jsb-chorales/jsb_valid.txt" "$SRM_DATA/jsb-chorales/jsb_test.txt" "$TMP/dj/jsb-chorales/"
status 2 "a JSB training split whose only chorale has one frame" "$SRM" train --task jsb --cell rnn --hidden 8 --epochs 1 --max-valid 2 --max-test 2 --data-dir "$TMP/dj" --out "$TMP/o"
expect "names the file and says why" grep -q "jsb_train.txt: the training split (1 chorales in use) has nothing to predict" "$TMP/err"
cp "$SRM_DATA"/atis/* "$TMP/da/atis/"
printf 'BOS EOS\tO atis_flight\n' >"$TMP/da/atis/atis-2.train.w-intent.iob"
status 2 "an ATIS training split of one empty utterance" "$SRM" train --task atis --cell rnn --hidden 8 --epochs 1 --max-valid 5 --max-test 5 --data-dir "$TMP/da" --out "$TMP/o"
expect "names the file" grep -q "atis-2.train.w-intent.iob: the training split (1 utterances in use) has nothing to predict" "$TMP/err"
cp "$SRM_DATA/atis/atis-2.train.w-intent.iob" "$TMP/da/atis/" && printf '\n  \n' >>"$TMP/da/atis/atis-2.train.w-intent.iob"
ok "ATIS: trailing blank lines are skipped, as in JSB" "$SRM" data stats --task atis --data-dir "$TMP/da" --json
expect "and the 4478 utterances are counted as before" grep -q '"atis2_train_utterances": 4478,' "$TMP/out"
: >"$TMP/dw/wikitext-2/train.txt"; printf 'a b\n' >"$TMP/dw/wikitext-2/valid.txt"; printf 'a\n' >"$TMP/dw/wikitext-2/test.txt"
status 2 "an empty train.txt" "$SRM" data stats --task wikitext2 --data-dir "$TMP/dw"
expect "is named itself, not valid.txt" grep -q "wikitext-2/train.txt: empty" "$TMP/err"

# --- the lines a run prints: --log-interval, and the live line never glued to the others
ok "--log-interval 4 on 10 batches per epoch, 2 epochs" "$SRM" train --task jsb --cell rnn --max-train 20 --max-valid 2 --max-test 2 --hidden 8 --epochs 2 --batch 2 --log-interval 4 --out "$TMP/li"
expect "5 batch lines, then each epoch line" sh -c "[ \$(grep -c '^batch [0-9]*: mean loss .* over 4 batches, lr 0.05, ' '$TMP/err') -eq 5 ] && [ \$(grep -c '^epoch [12]/2: ' '$TMP/err') -eq 2 ]"
SRM_PROGRESS=1 "$SRM" train --task jsb --cell lstm --max-train 0 --max-valid 10 --max-test 10 --hidden 128 --epochs 6 --precision float64 --out "$TMP/pl" >/dev/null 2>"$TMP/err"
expect "SRM_PROGRESS=1 into a file: whole lines, none glued to an epoch line" sh -c "grep -q '^train: [0-9]*/[0-9]* tok' '$TMP/err' && ! grep -v '^train: \|^epoch [1-6]/6: ' '$TMP/err' | grep -q . && ! grep -q \"\$(printf '\\r')\" '$TMP/err'"

# --- input paths: folders and missing files are bad input (exit 2), named
status 2 "a folder as a matrix" "$SRM" norm "$TMP"
expect "says it is a directory" grep -q "is a directory" "$TMP/err"
status 2 "a folder as a model" "$SRM" certify "$TMP"
status 2 "a missing matrix" "$SRM" norm "$TMP/none.txt"
status 2 "a missing model" "$SRM" stability "$TMP/none.safetensors"

# --- result.json names the BLAS kernels and threads (float32 results can depend on them)
OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1 "$SRM" train $K --epochs 1 --out "$TMP/blas" >/dev/null 2>&1
expect "result.json: blas names OpenBLAS, the core OPENBLAS_CORETYPE chose, 1 thread" grep -q '"blas": "OpenBLAS [^"]*; core Haswell; 1 thread"' "$TMP/blas/result.json"

# --- tests/fuzz/run.sh (make fuzz, CI's last part) counts a crashing harness as a failure
mkdir -p "$TMP/fz/fuzz"
printf '#!/bin/sh\necho "stat::number_of_executed_units: 7"\n' >"$TMP/fz/fuzz/good"
printf '#!/bin/sh\necho "SUMMARY: AddressSanitizer: heap-buffer-overflow"\nexit 1\n' >"$TMP/fz/fuzz/bad"
chmod +x "$TMP/fz/fuzz/good" "$TMP/fz/fuzz/bad"
(cd "$TOP" && FUZZ_BUILD="$TMP/fz" sh tests/fuzz/run.sh 1 good bad) >"$TMP/out" 2>"$TMP/err"
expect "fuzz run.sh: a crashing harness exits 1" [ $? -eq 1 ]
expect "its summary line counts it: 1 passed, 1 failed" sh -c "tail -n 1 '$TMP/out' | grep -qx '1 passed, 1 failed' && grep -q 'good  *7 executions, 0 crashes' '$TMP/out' && grep -q 'heap-buffer-overflow' '$TMP/out'"
(cd "$TOP" && FUZZ_BUILD="$TMP/fz" FUZZ_JOBS=2 sh tests/fuzz/run.sh 1 bad good) >"$TMP/out" 2>"$TMP/err"
expect "FUZZ_JOBS=2: exit 1, the lines in the order given, the same counts" sh -c "[ $? -eq 1 ] && head -n 1 '$TMP/out' | grep -q '^fuzz: bad ' && sed -n 4p '$TMP/out' | grep -q '^fuzz: good ' && tail -n 1 '$TMP/out' | grep -qx '1 passed, 1 failed'"
status_of() { (cd "$TOP" && FUZZ_BUILD="$TMP/fz" FUZZ_JOBS="$1" sh tests/fuzz/run.sh 1 good) >"$TMP/out" 2>"$TMP/err"; echo $?; }
expect "FUZZ_JOBS=0 is refused (exit 2)" [ "$(status_of 0)" -eq 2 ]
(cd "$TOP" && FUZZ_BUILD="$TMP/fz" sh tests/fuzz/run.sh 1 good) >"$TMP/out" 2>&1
expect "fuzz run.sh: no crash, exit 0, 1 passed, 0 failed" sh -c "[ $? -eq 0 ] && tail -n 1 '$TMP/out' | grep -qx '1 passed, 0 failed'"
finish
