#!/bin/sh
# tests/fuzz/run.sh SECONDS NAME...: runs each harness build-fuzz/fuzz/NAME for SECONDS seconds
# on a fresh copy of tests/fuzz/corpus/NAME (build-fuzz/corpus-work/NAME; the corpus in the tree
# is never written), prints one line per harness (executions, crashes) and exits 1 when any
# harness crashed; the last line is "N passed, N failed" (a harness that ran its time without a
# crash passes), as make check's is. Crash inputs land in build-fuzz/artifacts/NAME/, logs in build-fuzz/logs/.
# FUZZ_BUILD (default build-fuzz) and FUZZ_FLAGS (extra libFuzzer flags) come from the
# environment.
seconds=$1
shift
build=${FUZZ_BUILD:-build-fuzz}
# UBSan reports with their stack, as ASan does
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=""
npass=0
nfail=0
for name in "$@"; do
    work="$build/corpus-work/$name" art="$build/artifacts/$name/" log="$build/logs/$name.log"
    rm -rf "$work" && mkdir -p "$work" "$art" "$build/logs"
    [ -d "tests/fuzz/corpus/$name" ] && cp "tests/fuzz/corpus/$name"/* "$work"/ 2>/dev/null
    shm=/dev/shm
    [ -d "$shm" ] || shm=${TMPDIR:-/tmp}
    FUZZ_SCRATCH_BASE=$(mktemp -d "$shm/srm-fuzz-$name.XXXXXX") || exit 1
    export FUZZ_SCRATCH_BASE
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$build/fuzz/$name" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$art" $FUZZ_FLAGS "$work" >"$log" 2>&1
    rc=$?
    rm -rf "$FUZZ_SCRATCH_BASE"
    secs=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    crashes=0
    if [ $rc -ne 0 ]; then
        crashes=1
        failed="$failed $name"
        summary=$(grep -m 1 '^SUMMARY:\|fuzz property failed\|ERROR: libFuzzer' "$log")
        input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    fi
    if [ $crashes -eq 0 ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
    printf 'fuzz: %-12s %10s executions, %d crashes (%ss)\n' "$name" "${execs:-0}" $crashes "$secs"
    if [ $crashes -ne 0 ]; then
        echo "fuzz:   ${summary:-exit status $rc}"
        echo "fuzz:   input ${input:-none}, log $log"
    fi
done
[ -n "$failed" ] && echo "fuzz: crashed:$failed" >&2
echo "$npass passed, $nfail failed"
[ -z "$failed" ]
