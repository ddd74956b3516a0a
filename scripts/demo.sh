#!/bin/sh
# scripts/demo.sh: `make demo`. Runs the experiments of the notes in proofs-notes/ on built-in
# synthetic models with fixed seeds, writes their TSVs, the gnuplot figures (PNG and SVG) and a
# self-contained report.html into one folder (default demo-out/), prints a summary, and exits
# non-zero if a step fails or a section of the report FAILs.
#   usage: sh scripts/demo.sh [DIR]
#   env:   SRM (binary, default ./srm), SRM_DEMO_QUICK=1 (smaller sizes, for tests/cli),
#          SRM_DATE (fixed provenance date, for byte-identical reruns)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-demo-out}
SRM=${SRM:-$TOP/srm}
PLOTS=$TOP/plots
# One thread each: nested BLAS threading on 2 cores is slower, and results stay reproducible.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

if [ "${SRM_DEMO_QUICK:-0}" = 1 ]; then
    HIDDEN=16 LENGTH=160 KMAX=80 STEPS=40 KS=1,2,4,8 SWEEP="0.3 0.6 0.9 0.99"
else
    HIDDEN=32 LENGTH=600 KMAX=200 STEPS=200 KS=1,2,3,4,6,8,12,16 SWEEP="0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 0.95 0.99"
fi
INPUT=4 OUTPUT=2 SEED=1 BX=1
# Rows whose gap is below FLOOR times the largest gap are dominated by rounding (relative error
# of a difference of states ~1e-16 ||h|| / gap, so ~1e-8 at the floor): excluded from the fits.
FLOOR=1e-8

START=$(date +%s)
mkdir -p "$DIR/models" "$DIR/stability" "$DIR/sweep"
LOG=$DIR/commands.log
: >"$LOG"
die() { echo "demo: $*" >&2; exit 1; }
# run CMD...: log the command, run it with stdout to the log; stop the demo on failure.
run() {
    echo "$*" >>"$LOG"
    "$@" >>"$LOG" 2>"$DIR/.err" || die "failed: $* ($(cat "$DIR/.err"))"
}
json_get() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p" "$2" | head -n 1 | tr -d '"'; }
VERSION=$("$SRM" --version) || die "cannot run $SRM (build it with make)"
DATE=${SRM_DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
# provenance TSV_NAME WHAT: the `#` lines of a TSV this script assembles itself.
provenance() {
    echo "# scripts/demo.sh ($VERSION): $1"
    echo "# command: $2"
    echo "# date: $DATE"
}
echo "demo: writing into $DIR ($VERSION)"

# ---- issue 2: required truncation length against lambda, eps in {1e-2, 1e-4, 1e-8} ----
{
    provenance "inference bound, L_f = L_x = B_x = 1" \
        "for each lambda and E: $SRM bound inference --lambda lambda --eps E --json (key k)"
    printf 'lambda\tk_1e-2\tk_1e-4\tk_1e-8\n'
    for l in 0.05 0.1 0.15 0.2 0.3 0.4 0.5 0.6 0.7 0.75 0.8 0.85 0.9 0.93 0.95 0.97 0.98 0.99 \
        0.993 0.995 0.997 0.998 0.999; do
        printf '%s' "$l"
        for e in 1e-2 1e-4 1e-8; do
            "$SRM" bound inference --lambda "$l" --eps "$e" --json >"$DIR/.json" ||
                die "srm bound inference --lambda $l --eps $e failed"
            printf '\t%s' "$(json_get k "$DIR/.json")"
        done
        printf '\n'
    done
} >"$DIR/bound-k.tsv.tmp"
mv "$DIR/bound-k.tsv.tmp" "$DIR/bound-k.tsv"

# ---- built-in models and their `srm stability` table ----
# name cell hidden input lambda extra-flags
MODELS="rnn-0.5 rnn $HIDDEN $INPUT 0.5 -
rnn-0.9 rnn $HIDDEN $INPUT 0.9 -
rnn-0.99 rnn $HIDDEN $INPUT 0.99 -
relu-0.9 rnn_relu $HIDDEN $INPUT 0.9 -
linear-0.9 linear $HIDDEN $INPUT 0.9 -
lstm-stable lstm $HIDDEN $INPUT 0 --stable
lstm-default lstm $HIDDEN $INPUT 0 -
rnn-unstable-2 rnn $HIDDEN $INPUT 2.0 -
scalar-1 linear 1 1 1.0 -"
echo "$MODELS" | while read -r name cell n d lambda extra; do
    set -- --cell "$cell" --hidden "$n" --input "$d" --output "$OUTPUT" --seed "$SEED"
    [ "$cell" = lstm ] || set -- "$@" --lambda "$lambda"
    [ "$extra" = - ] || set -- "$@" "$extra"
    run "$SRM" init "$@" --out "$DIR/models/$name.safetensors"
    "$SRM" stability "$DIR/models/$name.safetensors" --input-bound "$BX" --json \
        >"$DIR/stability/$name.json" || die "srm stability $name failed"
done
{
    provenance "srm stability of the built-in models (one JSON per model in stability/)" \
        "$SRM stability models/NAME.safetensors --input-bound $BX --json"
    printf 'model\tcell\thidden\tlambda\tstable\n'
    echo "$MODELS" | while read -r name cell n d lambda extra; do
        j=$DIR/stability/$name.json
        l=$(json_get lambda "$j")
        [ -n "$l" ] || l=$(json_get lambda_inf "$j")
        printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(json_get cell "$j")" "$n" "$l" \
            "$(json_get stable "$j")"
    done
} >"$DIR/stability.tsv"

# ---- truncation gaps (inference proposition, LSTM conditions, necessity) ----
truncate_model() { # name length kmax
    run "$SRM" truncate "$DIR/models/$1.safetensors" --random-input "$2" --input-bound "$BX" \
        --seed "$SEED" --kmax "$3" --out "$DIR/gap-$1.tsv"
}
for m in rnn-0.5 rnn-0.9 rnn-0.99 lstm-stable rnn-unstable-2; do
    truncate_model "$m" "$LENGTH" "$KMAX"
done
# The counter-example's gap is max over t of |a^k h_{t-k}|: with a bias its states drift, so
# give it a long sequence (T = 10 K) lest the window t - k <= T - K shrink the gap by itself.
truncate_model scalar-1 $((10 * KMAX)) "$KMAX"

# ---- decay-rate sweep (RNN condition): tanh and linear n = HIDDEN, linear n = 1 ----
for series in rnn:rnn:$HIDDEN linear:linear:$HIDDEN scalar:linear:1; do
    s=${series%%:*} rest=${series#*:}
    cell=${rest%%:*} n=${rest#*:}
    d=$INPUT
    [ "$n" = 1 ] && d=1
    files="" lambdas=""
    for l in $SWEEP; do
        base=$DIR/sweep/$s-$l
        run "$SRM" init --cell "$cell" --hidden "$n" --input "$d" --lambda "$l" --seed "$SEED" \
            --out "$base.safetensors"
        "$SRM" stability "$base.safetensors" --json >"$base.json" || die "srm stability $base"
        run "$SRM" truncate "$base.safetensors" --random-input "$LENGTH" --input-bound "$BX" \
            --seed "$SEED" --kmax "$KMAX" --out "$base.tsv"
        files="$files $base.tsv"
        lambdas="$lambdas${lambdas:+,}$(json_get lambda "$base.json")"
    done
    # shellcheck disable=SC2086
    run "$SRM" fit $files --floor "$FLOOR" --lambda "$lambdas" --out "$DIR/rate-$s.tsv"
done

# ---- training theorem: recurrent vs truncated students, both schedules ----
for sched in inv const; do
    "$SRM" trajectory --cell rnn --lambda 0.5 --ks "$KS" --steps "$STEPS" --alpha 1 \
        --schedule "$sched" --seed "$SEED" --out "$DIR/traj-$sched.tsv" --json \
        >"$DIR/traj-$sched.json" || die "srm trajectory --schedule $sched failed"
    echo "$SRM trajectory ... --schedule $sched (see traj-$sched.tsv)" >>"$LOG"
done

{
    provenance "observed and analytic gamma (gradient gap) and beta (smoothness)" \
        "keys gamma, gamma_analytic, beta, beta_analytic of traj-inv.json and traj-const.json"
    printf 'quantity\tschedule\tobserved\tanalytic\n'
    s=1
    for sched in inv const; do
        j=$DIR/traj-$sched.json
        printf '1\t%s\t%s\t%s\n' $s "$(json_get gamma "$j")" "$(json_get gamma_analytic "$j")"
        printf '2\t%s\t%s\t%s\n' $s "$(json_get beta "$j")" "$(json_get beta_analytic "$j")"
        s=2
    done
} | sed 's/null/nan/g' >"$DIR/constants.tsv"

# ---- figures ----
plot() { # script args...
    gp=$1
    shift
    for t in png svg; do
        gnuplot -e "$*; out='$DIR/$gp.$t'; term='$t'" "$PLOTS/$gp.gp" 2>"$DIR/.err" ||
            die "gnuplot $gp ($t) failed: $(cat "$DIR/.err")"
    done
}
command -v gnuplot >/dev/null 2>&1 || die "gnuplot not found (make deps)"
plot fig-bound-k "data='$DIR/bound-k.tsv'"
GAPS="f1='$DIR/gap-rnn-0.5.tsv'; f2='$DIR/gap-rnn-0.9.tsv'; f3='$DIR/gap-rnn-0.99.tsv';
    f4='$DIR/gap-lstm-stable.tsv'; t1='tanh RNN, ||W_{hh}||_2 = 0.5';
    t2='tanh RNN, ||W_{hh}||_2 = 0.9'; t3='tanh RNN, ||W_{hh}||_2 = 0.99';
    t4='stable LSTM (infinity norm on (c, h))'"
plot fig-gap "$GAPS"
plot fig-stability "$GAPS; floor=$FLOOR;" \
    "l1=$(json_get lambda "$DIR/stability/rnn-0.5.json");" \
    "l2=$(json_get lambda "$DIR/stability/rnn-0.9.json");" \
    "l3=$(json_get lambda "$DIR/stability/rnn-0.99.json");" \
    "l4=$(json_get lambda_inf "$DIR/stability/lstm-stable.json")"
plot fig-rate "f1='$DIR/rate-rnn.tsv'; f2='$DIR/rate-linear.tsv'; f3='$DIR/rate-scalar.tsv'; n=$HIDDEN"
plot fig-constants "data='$DIR/constants.tsv'"
plot fig-trajectory "inv='$DIR/traj-inv.tsv'; const='$DIR/traj-const.tsv'; ks='$(echo "$KS" | tr , ' ')'"
plot fig-unstable "f1='$DIR/gap-scalar-1.tsv'; f2='$DIR/gap-rnn-unstable-2.tsv'; f3='$DIR/gap-rnn-0.9.tsv'"

# ---- report ----
"$SRM" report "$DIR" --out "$DIR/report.html" --json >"$DIR/report.json" ||
    die "srm report failed"
rm -f "$DIR/.err" "$DIR/.json"
pass=$(json_get pass "$DIR/report.json")
fail=$(json_get fail "$DIR/report.json")
total=$(json_get sections "$DIR/report.json")
"$SRM" report "$DIR" --out "$DIR/report.html" | grep -E 'PASS$|FAIL$|MEASURED$' | grep -v '^[A-Z ]*:' |
    sed 's/^/demo:   /'
echo "demo: report: $DIR/report.html"
echo "demo: $pass of $total sections PASS, $fail FAIL ($(($(date +%s) - START)) s)"
[ "$fail" = 0 ] && [ "$pass" = "$total" ] || exit 1
