#!/bin/sh
# scripts/sizes.sh: the size limits of STYLE.md as a report (not a test): every C function longer
# than FUNC_MAX lines (default 80, counted from the first line of its signature to its closing
# brace) and every source file longer than FILE_MAX lines (default 500), in the library, cli/ and
# tests/, longest first. Usage: sh scripts/sizes.sh [FUNC_MAX [FILE_MAX]]. Always exits 0.
cd "$(dirname "$0")/.." || exit 1
fmax=${1:-80}
lmax=${2:-500}
src=$(ls core/*.[ch] theory/*.[ch] sim/*.[ch] task/*.[ch] cli/*.[ch] tests/*.[ch] 2>/dev/null)
echo "# functions over $fmax lines (lines, file:line, name)"
# A function opens with "{" alone in column 0 after its signature and ends with "}" in column 0
# (the style of this tree); the signature starts after the last blank, comment or ";"/"}" line.
# shellcheck disable=SC2086
awk -v max="$fmax" '
    FNR == 1 { sig = 0; infn = 0 }
    !infn && /^\{/ { infn = 1; start = sig ? sig : FNR; name = proto; next }
    infn && /^\}/ {
        n = FNR - start + 1
        if (n > max) printf "%5d  %s:%d  %s\n", n, FILENAME, start, name
        infn = 0; sig = 0; next
    }
    infn { next }
    /^[A-Za-z_]/ && !/;[[:space:]]*$/ && !/^#/ {
        if (!sig) { sig = FNR; proto = $0; sub(/\(.*/, "", proto); sub(/.*[ *]/, "", proto) }
        next
    }
    /^[[:space:]]*$|^\/\*|^ \*|^#|;[[:space:]]*$|^\}/ { sig = 0 }
' $src | sort -rn
echo "# files over $lmax lines (lines, file)"
# shellcheck disable=SC2086
wc -l $src | awk -v max="$lmax" '$2 != "total" && $1 > max {printf "%5d  %s\n", $1, $2}' | sort -rn
exit 0
