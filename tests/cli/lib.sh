# tests/cli/lib.sh: helpers for CLI tests (sourced). Each check prints PASS/FAIL; `finish`
# prints "N passed, N failed" and exits non-zero on any failure.
# SRM is the binary under test; TMP is a fresh scratch folder removed at exit.
SRM=${SRM:-$(cd "$(dirname "$0")/../.." && pwd)/srm}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "PASS $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
# ok NAME CMD...: the command exits 0
ok() { name=$1; shift; if "$@" >"$TMP/out" 2>"$TMP/err"; then pass "$name"; else fail "$name (exit $?): $(head -c 300 "$TMP/err")"; fi; }
# status N NAME CMD...: the command exits with status N and prints exactly one line on stderr
status() {
    want=$1; name=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; got=$?
    lines=$(wc -l <"$TMP/err")
    if [ "$got" -eq "$want" ] && [ "$lines" -eq 1 ]; then pass "$name: $(cat "$TMP/err")"
    else fail "$name: exit $got (want $want), $lines stderr lines: $(head -c 300 "$TMP/err")"; fi
}
# expect NAME COND-CMD...: a shell condition (e.g. test, grep) holds
expect() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# num_le NAME A B [TOL]: A <= B*(1+TOL) numerically (awk)
num_le() { if awk -v a="$2" -v b="$3" -v t="${4:-0}" 'BEGIN{exit !(a <= b + t*(b<0?-b:b))}'; then pass "$1: $2 <= $3"; else fail "$1: $2 > $3"; fi; }
num_close() { if awk -v a="$2" -v b="$3" -v t="$4" 'BEGIN{d=a-b; if(d<0)d=-d; s=(b<0?-b:b); if(s<1)s=1; exit !(d<=t*s)}'; then pass "$1: $2 ~ $3"; else fail "$1: $2 != $3 (tol $4)"; fi; }
# json_get KEY FILE: prints the value of a top-level scalar key of a one-object JSON file
json_get() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p" "$2" | head -n 1 | tr -d '"'; }
finish() { echo "$npass passed, $nfail failed"; [ "$nfail" -eq 0 ]; }
