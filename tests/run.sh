#!/bin/sh
# tests/run.sh: runs every C test program (build/tests/test_*) and CLI test script
# (tests/cli/test_*.sh), shows their output, and ends with the total "N passed, N failed".
# Exit status is non-zero on any failure, including a test program that crashed.
# SRM_BUILD=DIR runs DIR/tests/test_* instead of build/tests/test_* (make sanitize: build-sanitize);
# the CLI tests take the binary from SRM (tests/cli/lib.sh; default ./srm).
# SRM_JOBS=N runs the tests in N lanes at once (default 1); the output keeps the list's order.
cd "$(dirname "$0")/.." || exit 1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
BUILD=${SRM_BUILD:-build}
JOBS=${SRM_JOBS:-1}
work=$(mktemp -d) || exit 1
lanes=""
trap 'rm -rf "$work"' EXIT
trap '[ -z "$lanes" ] || kill $lanes 2>/dev/null; rm -rf "$work"; exit 130' INT TERM
n=0
for t in "$BUILD"/tests/test_* tests/cli/test_*.sh; do
    [ -e "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    n=$((n + 1))
    echo "$t" >"$work/$n.name"
done

# run_one I: runs test I; leaves I.log, I.sec and, last, I.rc (its exit status).
run_one() {
    t=$(cat "$work/$1.name")
    start=$(date +%s)
    case "$t" in
        *.sh) sh "$t" >"$work/$1.log" 2>&1 </dev/null ;;
        *) "$t" >"$work/$1.log" 2>&1 </dev/null ;;
    esac
    rc=$?
    echo $(( $(date +%s) - start )) >"$work/$1.sec"
    echo "$rc" >"$work/$1.rc.tmp" && mv "$work/$1.rc.tmp" "$work/$1.rc"
}
# lane L: tests L, L + JOBS, L + 2 JOBS, ...
lane() {
    i=$1
    while [ "$i" -le "$n" ]; do run_one "$i"; i=$((i + JOBS)); done
}
l=1
while [ "$l" -le "$JOBS" ]; do
    lane "$l" &
    lanes="$lanes $!"
    l=$((l + 1))
done

total_pass=0
total_fail=0
i=1
while [ "$i" -le "$n" ]; do
    t=$(cat "$work/$i.name")
    echo "== $t"
    while [ ! -e "$work/$i.rc" ]; do sleep 1; done
    rc=$(cat "$work/$i.rc")
    log=$work/$i.log
    cat "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    [ -n "$p" ] || p=0
    [ -n "$f" ] || f=0
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $t exited with status $rc"
        f=1
    fi
    echo "   ($t: $p passed, $f failed, $(cat "$work/$i.sec") s)"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    i=$((i + 1))
done
wait
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
