#!/bin/sh
# scripts/lockstep_all.sh: the lockstep runs of results/lockstep/ (issue 12): every task x
# {rnn, lstm} x {unstable, stable (certified)} at the quick preset, sized to about 2 hours on
# 2 cores (float64, one BLAS thread per run). Usage:
#   scripts/lockstep_all.sh OUT QUEUE [SRM]   QUEUE: a (atis, wikitext2) or b (jsb, ptbchar)
# Each run resumes where it stopped when started again (srm lockstep). Then
#   scripts/lockstep_collect.sh OUT results/lockstep
# copies the tables, figures and per-run logs (not the models) into the repository.
OUT=${1:?usage: scripts/lockstep_all.sh OUT a|b [SRM]}
QUEUE=${2:?usage: scripts/lockstep_all.sh OUT a|b [SRM]}
SRM=${3:-srm}
export OPENBLAS_NUM_THREADS=1
# task: truncation lengths and the slices that fit the budget (measured per epoch, float64)
flags() {
    case $1 in
    atis) echo "--trunc 1,2,4,8,16,32 --epochs 10 --every 5" ;;
    jsb) echo "--trunc 1,2,4,8,16,32 --epochs 5 --max-train 100 --every 5" ;;
    ptbchar) echo "--trunc 1,2,4,8 --max-train 300000 --every 2" ;;
    # the truncated models are evaluated in float64 (every epoch, on test too): a slice of test
    wikitext2) echo "--trunc 1,2,4,8 --max-train 100000 --max-test 50000 --every 2" ;;
    esac
}
case $QUEUE in
a) tasks="atis wikitext2" ;;
b) tasks="jsb ptbchar" ;;
*) echo "scripts/lockstep_all.sh: QUEUE must be a or b" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
failed=""
for task in $tasks; do
    for cell in rnn lstm; do
        for variant in unstable stable; do
            stable=""; [ "$variant" = stable ] && stable="--stable"
            dir="$OUT/$task-$cell-$variant"
            mkdir -p "$dir"
            echo "== $dir" >&2
            # shellcheck disable=SC2046
            "$SRM" lockstep --task "$task" --cell "$cell" $stable --config quick $(flags "$task") \
                --out "$dir" --quiet >"$dir.report.txt" || failed="$failed $dir"
        done
    done
done
[ -z "$failed" ] || { echo "scripts/lockstep_all.sh: failed:$failed" >&2; exit 1; }
