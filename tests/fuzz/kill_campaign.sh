#!/bin/sh
# tests/fuzz/kill_campaign.sh ROUNDS [SEED]: the SIGKILL check of tests/cli/test_faults.sh as a
# campaign. One uninterrupted srm train (a JSB LSTM slice, float64, 5 epochs), then ROUNDS
# rounds, each in a fresh folder: KILLS (default 4) runs killed by SIGKILL at random moments in
# (0.05 s, 2.55 s), every one after the first a --resume, then a --resume to the end. A round
# passes when the final model's and checkpoint's tensors equal the uninterrupted run's and
# log.tsv equals it but for its timing columns. Prints one line per round (the moments, how many
# kills found a checkpoint to resume) and "N passed, N failed". SRM names the binary (./srm).
set -u
rounds=${1:?usage: tests/fuzz/kill_campaign.sh ROUNDS [SEED]}
seed=${2:-1}
kills=${KILLS:-4}
SRM=${SRM:-./srm}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=1
export SRM_DATE=2000-01-01T00:00:00Z SRM_DATA=${SRM_DATA:-data}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
J="--task jsb --cell lstm --max-train 0 --max-valid 10 --max-test 10 --hidden 96 --epochs 5"
J="$J --precision float64 --quiet"
data_sum() { n=$(od -An -tu8 -N8 "$1" | tr -d ' '); tail -c +$((9 + n)) "$1" | cksum; }
log_sum() { cut -f1-5,8-13 "$1" | grep -v '^#' | cksum; }
# shellcheck disable=SC2086
"$SRM" train $J --out "$T/u" >/dev/null 2>&1 || { echo "the uninterrupted run failed"; exit 1; }
npass=0 nfail=0
r=1
while [ "$r" -le "$rounds" ]; do
    d="$T/k$r"
    moments=$(awk -v s="$seed" -v r="$r" -v k="$kills" \
        'BEGIN { srand(1000 * s + r); for (i = 0; i < k; i++) printf "%.2f ", 0.05 + 2.5 * rand() }')
    resumed=0
    for t in $moments; do
        if [ -f "$d/checkpoint.safetensors" ]; then
            resumed=$((resumed + 1))
            "$SRM" train --resume "$d" >/dev/null 2>&1 &
        else
            # shellcheck disable=SC2086
            "$SRM" train $J --out "$d" >/dev/null 2>&1 &
        fi
        pid=$!
        sleep "$t"
        kill -9 $pid 2>/dev/null
        wait $pid 2>/dev/null
    done
    # shellcheck disable=SC2086
    if [ -f "$d/checkpoint.safetensors" ]; then "$SRM" train --resume "$d" >/dev/null 2>&1
    else "$SRM" train $J --out "$d" >/dev/null 2>&1; fi
    rc=$?
    if [ $rc -eq 0 ] && [ "$(data_sum "$d/model.safetensors")" = "$(data_sum "$T/u/model.safetensors")" ] &&
        [ "$(data_sum "$d/checkpoint.safetensors")" = "$(data_sum "$T/u/checkpoint.safetensors")" ] &&
        [ "$(log_sum "$d/log.tsv")" = "$(log_sum "$T/u/log.tsv")" ]; then
        npass=$((npass + 1)) verdict=identical
    else
        nfail=$((nfail + 1)) verdict="DIFFERENT (exit $rc)"
    fi
    echo "round $r: SIGKILL at ${moments}s, $resumed resumed mid-run, final --resume: $verdict"
    rm -rf "$d"
    r=$((r + 1))
done
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
