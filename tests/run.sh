#!/bin/sh
# tests/run.sh: runs every C test program (build/tests/test_*) and CLI test script
# (tests/cli/test_*.sh), shows their output, and ends with the total "N passed, N failed".
# Exit status is non-zero on any failure, including a test program that crashed.
# SRM_BUILD=DIR runs DIR/tests/test_* instead of build/tests/test_* (make sanitize: build-sanitize);
# the CLI tests take the binary from SRM (tests/cli/lib.sh; default ./srm).
cd "$(dirname "$0")/.." || exit 1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
BUILD=${SRM_BUILD:-build}
total_pass=0
total_fail=0
log=$(mktemp)
for t in "$BUILD"/tests/test_* tests/cli/test_*.sh; do
    [ -e "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    echo "== $t"
    start=$(date +%s)
    case "$t" in
        *.sh) sh "$t" >"$log" 2>&1 ;;
        *) "$t" >"$log" 2>&1 ;;
    esac
    rc=$?
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
    echo "   ($t: $p passed, $f failed, $(( $(date +%s) - start )) s)"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
done
rm -f "$log"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
