#!/bin/sh
# tests/browser/run.sh: make browser. Renders what a reader opens in a browser, the course notes
# site (scripts/notes.sh) and report.html (scripts/demo.sh, the quick demo: the same page with
# other numbers), into BROWSER_DIR (default build/browser), and checks every page with
# tests/browser/check.sh in headless Chromium: no element wider than the viewport unless it
# scrolls inside its box, no missing image. First it checks the checker: tests/browser/bad.html
# must fail at both widths, naming its wide paragraph and its missing image, and nothing else.
# Installs chromium and pandoc (apt-get) when missing. Ends "N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${BROWSER_DIR:-$TOP/build/browser}
cd "$TOP" || exit 1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
die() { echo "browser: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 ||
    sh scripts/apt_install.sh browser chromium || die "cannot install chromium"
rm -rf "$OUT" && mkdir -p "$OUT" || die "cannot create $OUT"

cp tests/browser/bad.html "$OUT/bad.html"
sh tests/browser/check.sh "$OUT/bad.html" >"$OUT/bad.log" 2>&1
rc=$?
selftest=0
if [ $rc -eq 1 ] && tail -n 1 "$OUT/bad.log" | grep -qx '0 passed, 2 failed' &&
    [ "$(grep -c '^    wide p 8\.\.3008 > [0-9]*: a paragraph 3000' "$OUT/bad.log")" -eq 2 ] &&
    [ "$(grep -c '^    page 3008 > [0-9]*$' "$OUT/bad.log")" -eq 2 ] &&
    [ "$(grep -c '^    image no-such-figure\.png$' "$OUT/bad.log")" -eq 2 ] &&
    [ "$(grep -c '^    ' "$OUT/bad.log")" -eq 6 ]; then
    echo "PASS the checker rejects tests/browser/bad.html (wide paragraph, missing image, only)"
else
    echo "FAIL the checker on tests/browser/bad.html (exit $rc):"
    sed 's/^/    /' "$OUT/bad.log"
    selftest=1
fi

SRM_DEMO_QUICK=1 SRM=${SRM:-$TOP/srm} sh scripts/demo.sh "$OUT/demo" >"$OUT/demo.log" 2>&1 ||
    die "scripts/demo.sh failed ($OUT/demo.log)"
DEMO_DIR="$OUT/demo" sh scripts/notes.sh "$OUT/site" >"$OUT/notes.log" 2>&1 ||
    die "scripts/notes.sh failed: $(tail -n 3 "$OUT/notes.log" | tr '\n' ' ')"
# shellcheck disable=SC2046
sh tests/browser/check.sh $(find "$OUT/site" -name '*.html' | sort) "$OUT/demo/report.html" |
    tee "$OUT/pages.log" | grep -v '^[0-9]* passed, [0-9]* failed$'
line=$(tail -n 1 "$OUT/pages.log")
p=${line%% passed*}
f=${line#*passed, }
f=${f%% failed*}
case "$p$f" in *[!0-9]*|'') die "no summary from tests/browser/check.sh" ;; esac
echo "$((p + 1 - selftest)) passed, $((f + selftest)) failed"
[ "$((f + selftest))" -eq 0 ]
