#!/bin/sh
# tests/browser/check.sh PAGE...: loads each HTML page in headless Chromium at two window widths
# (1280 and 480 pixels) with tests/browser/layout.js appended to a copy of it (beside the page,
# so its relative links still resolve), and fails the check of that page and width if any element
# reaches outside the viewport without a scrolling box around it, if the page scrolls sideways,
# or if an image is missing. One PASS/FAIL line per page and width (a failure lists what the
# script found), then "N passed, N failed". CHROMIUM names the browser (default chromium).
# Each load uses a fresh profile folder and no network (--disable-background-networking).
here=$(cd "$(dirname "$0")" && pwd)
browser=${CHROMIUM:-chromium}
npass=0
nfail=0
prof=$(mktemp -d) || exit 1
trap 'rm -rf "$prof"' EXIT
for page in "$@"; do
    copy="$(dirname "$page")/.srm-layout-$(basename "$page")"
    { cat "$page"; printf '<script>\n'; cat "$here/layout.js"; printf '</script>\n'; } >"$copy"
    url="file://$(cd "$(dirname "$copy")" && pwd)/$(basename "$copy")"
    for width in 1280 480; do
        rm -rf "$prof/p" && mkdir "$prof/p"
        timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-extensions \
            --disable-background-networking --no-first-run --user-data-dir="$prof/p" \
            --window-size="$width,900" --virtual-time-budget=5000 --dump-dom "$url" \
            >"$prof/dom" 2>"$prof/err"
        rc=$?
        sed -n '/<pre id="srm-layout">SRM-LAYOUT /,/SRM-LAYOUT-END/p' "$prof/dom" |
            sed 's/<pre id="srm-layout">//; s/<\/pre>.*//; s/&gt;/>/g; s/&lt;/</g; s/&amp;/\&/g' \
            >"$prof/report"
        head=$(head -n 1 "$prof/report")
        found=$(sed '1d; /^SRM-LAYOUT-END/d' "$prof/report")
        if [ $rc -ne 0 ] || [ -z "$head" ] || ! tail -n 1 "$prof/report" | grep -q END; then
            echo "FAIL $page at $width px: no report from $browser (exit $rc)"
            head -n 3 "$prof/err" | sed 's/^/    /'
            nfail=$((nfail + 1))
        elif [ -n "$found" ]; then
            echo "FAIL $page at $width px (${head#SRM-LAYOUT }):"
            echo "$found" | head -n 10 | sed 's/^/    /'
            nfail=$((nfail + 1))
        else
            echo "PASS $page at $width px (${head#SRM-LAYOUT })"
            npass=$((npass + 1))
        fi
    done
    rm -f "$copy"
done
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
