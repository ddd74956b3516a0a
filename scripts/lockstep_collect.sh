#!/bin/sh
# scripts/lockstep_collect.sh: copies the results of scripts/lockstep_all.sh into the
# repository (the tables, figures, state and each run's log.tsv and result.json; not the model
# files), and writes DEST/table.md with one row per finished run:
#   scripts/lockstep_collect.sh OUT results/lockstep
set -e
OUT=${1:?usage: scripts/lockstep_collect.sh OUT DEST}
DEST=${2:?usage: scripts/lockstep_collect.sh OUT DEST}
mkdir -p "$DEST"
table="$DEST/table.md"
{
    echo "| run | k | final gap, all parameters (k = first .. last) | fitted rate | lambda | test metric: recurrent / truncated (k = first .. last) |"
    echo "|---|---|---|---|---|---|"
} >"$table.tmp"
for dir in "$OUT"/*/; do
    name=$(basename "$dir")
    [ -f "$dir/summary.tsv" ] || continue
    mkdir -p "$DEST/$name"
    cp "$dir"/gaps.tsv "$dir"/epochs.tsv "$dir"/summary.tsv "$dir"/lockstep.json "$DEST/$name/"
    cp "$dir"/fig-lockstep-*.png "$dir"/fig-lockstep-*.svg "$DEST/$name/" 2>/dev/null || true
    [ -f "$OUT/$name.report.txt" ] && cp "$OUT/$name.report.txt" "$DEST/$name/report.txt"
    for run in "$dir"/rec "$dir"/k*; do
        mkdir -p "$DEST/$name/$(basename "$run")"
        cp "$run/log.tsv" "$run/result.json" "$DEST/$name/$(basename "$run")/"
    done
    awk -F'\t' -v name="$name" '
        /^# fit/ { for (i = 1; i <= NF; i++) line = line $i; rate = $0; sub(/.*rate /, "", rate);
                   sub(/,.*/, "", rate); lam = $0; sub(/.*lambda /, "", lam); sub(/;.*/, "", lam);
                   rec = $0; sub(/.*recurrent test metric /, "", rec); sub(/;.*/, "", rec) }
        /^#/ || /^k\t/ { next }
        { ks = ks sep $1; gaps = gaps sep sprintf("%.3g", $2); tm = tm sep sprintf("%.4g", $6);
          sep = ", " }
        END { printf "| %s | %s | %s | %s | %s | %.4g / %s |\n", name, ks, gaps, rate, lam,
              rec, tm }' "$dir/summary.tsv" >>"$table.tmp"
done
mv "$table.tmp" "$table"
echo "wrote $table"
