#!/bin/sh
# tests/fuzz/run.sh SECONDS NAME...: runs each harness build-fuzz/fuzz/NAME for SECONDS seconds
# on a fresh copy of tests/fuzz/corpus/NAME (build-fuzz/corpus-work/NAME; the corpus in the tree
# is never written), prints one line per harness (executions, crashes), in the order given, and
# exits 1 when any harness crashed; the last line is "N passed, N failed" (a harness that ran
# its time without a crash passes), as make check's is. Crash inputs land in
# build-fuzz/artifacts/NAME/, logs in build-fuzz/logs/. FUZZ_BUILD (default build-fuzz),
# FUZZ_FLAGS (extra libFuzzer flags) and FUZZ_JOBS (harnesses run at once, default 1; each is
# one process on one core) come from the environment.
seconds=$1
shift
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-1}
case $jobs in
'' | *[!0-9]*) jobs=0 ;;
esac
if [ "$jobs" -lt 1 ]; then
    echo "fuzz: FUZZ_JOBS=${FUZZ_JOBS} is not a positive count" >&2
    exit 2
fi
# UBSan reports with their stack, as ASan does
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
mkdir -p "$build/logs" || exit 1

# one NAME: its lines into logs/NAME.line, its crash count into logs/NAME.crashes
run_one() {
    name=$1
    work="$build/corpus-work/$name" art="$build/artifacts/$name/" log="$build/logs/$name.log"
    rm -rf "$work" && mkdir -p "$work" "$art"
    [ -d "tests/fuzz/corpus/$name" ] && cp "tests/fuzz/corpus/$name"/* "$work"/ 2>/dev/null
    shm=/dev/shm
    [ -d "$shm" ] || shm=${TMPDIR:-/tmp}
    scratch=$(mktemp -d "$shm/srm-fuzz-$name.XXXXXX") || return 1
    start=$(date +%s)
    # shellcheck disable=SC2086
    FUZZ_SCRATCH_BASE=$scratch "$build/fuzz/$name" -max_total_time="$seconds" -timeout=25 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" $FUZZ_FLAGS "$work" \
        >"$log" 2>&1
    rc=$?
    rm -rf "$scratch"
    secs=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    crashes=0
    [ $rc -ne 0 ] && crashes=1
    {
        printf 'fuzz: %-12s %10s executions, %d crashes (%ss)\n' "$name" "${execs:-0}" $crashes \
            "$secs"
        if [ $crashes -ne 0 ]; then
            summary=$(grep -m 1 '^SUMMARY:\|fuzz property failed\|ERROR: libFuzzer' "$log")
            input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
            echo "fuzz:   ${summary:-exit status $rc}"
            echo "fuzz:   input ${input:-none}, log $log"
        fi
    } >"$build/logs/$name.line"
    echo $crashes >"$build/logs/$name.crashes"
}

# FUZZ_JOBS queues, harness i in queue i mod FUZZ_JOBS, each queue one after the other
for name in "$@"; do rm -f "$build/logs/$name.crashes" "$build/logs/$name.line"; done
# one queue runs in the foreground, as before; several in the background, all stopped with
# run.sh on Ctrl-C (background lists start with SIGINT ignored)
queue() {
    i=0
    for name in "$@"; do
        [ $((i % jobs)) -eq $q ] && run_one "$name"
        i=$((i + 1))
    done
}
q=0
[ "$jobs" -gt 1 ] && trap 'trap - INT TERM; kill 0' INT TERM
if [ "$jobs" -eq 1 ]; then
    queue "$@"
    q=1
fi
while [ $q -lt "$jobs" ]; do
    queue "$@" &
    q=$((q + 1))
done
wait

failed=""
npass=0
nfail=0
for name in "$@"; do
    cat "$build/logs/$name.line" 2>/dev/null || echo "fuzz: $name did not run"
    if [ "$(cat "$build/logs/$name.crashes" 2>/dev/null)" = 0 ]; then npass=$((npass + 1))
    else nfail=$((nfail + 1)) failed="$failed $name"
    fi
done
[ -n "$failed" ] && echo "fuzz: crashed:$failed" >&2
echo "$npass passed, $nfail failed"
[ -z "$failed" ]
