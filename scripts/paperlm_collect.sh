#!/bin/sh
# scripts/paperlm_collect.sh: the language-model rows of Table 1 at the paper's architecture
# (issue 12, item 6), from `srm table1 --config paper --epochs E` runs split over several
# output folders (one process per core). Copies every finished run's log.tsv and result.json
# to DEST/runs/paperlm-<run>/ and merges the folders' table1.tsv into DEST/table1-paper-lm.tsv and a
# Markdown table DEST/table1-paper-lm.md, with time per epoch and how far each run is from the
# paper's epoch count (Wikitext-2: 40, PTB-char: 300):
#   scripts/paperlm_collect.sh DEST E DIR...
set -e
DEST=${1:?usage: scripts/paperlm_collect.sh DEST E DIR...}
E=${2:?usage: scripts/paperlm_collect.sh DEST E DIR...}
shift 2
mkdir -p "$DEST/runs"
tsv="$DEST/table1-paper-lm.tsv"
md="$DEST/table1-paper-lm.md"
{
    echo "# srm table1 --config paper --epochs $E, LM rows, merged by scripts/paperlm_collect.sh from: $*"
    echo "# time columns are seconds of training (E epochs); nan = not run yet"
} >"$tsv.tmp"
header=
for dir in "$@"; do
    for run in "$dir"/*/; do
        [ -f "$run/result.json" ] || continue
        mkdir -p "$DEST/runs/paperlm-$(basename "$run")"
        cp "$run/log.tsv" "$run/result.json" "$DEST/runs/paperlm-$(basename "$run")/"
    done
    # table1.tsv, and copies of earlier tables in the same folder (table1-*.tsv): a second
    # srm table1 process on the folder rewrites table1.tsv with its own rows only
    for t in "$dir"/table1*.tsv; do
        [ -f "$t" ] || continue
        grep '^# command' "$t" >>"$tsv.tmp"
        if [ -z "$header" ]; then
            header=$(grep -v '^#' "$t" | head -n 1)
            echo "$header" >>"$tsv.rows"
        fi
        grep -v '^#' "$t" | tail -n +2 >>"$tsv.rows"
    done
done
# one row per (task, cell): the last one read wins (the same run in two tables)
awk -F'\t' 'NR == 1 { print; next } { key = $1 FS $2; if (!(key in row)) order[++n] = key
                                       row[key] = $0 }
             END { for (i = 1; i <= n; i++) print row[order[i]] }' "$tsv.rows" |
    awk '!seen[$0]++' >>"$tsv.tmp"
rm -f "$tsv.rows"
mv "$tsv.tmp" "$tsv"
awk -F'\t' -v E="$E" '
    function cell(v, digits) { return v == "nan" ? "not run yet" : sprintf("%." digits "f", v) }
    function per(s) { return s == "nan" ? "-" : sprintf("%.0f min", s / E / 60) }
    /^#/ { next }
    !seen++ { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
        paper = $col["task"] == "wikitext2" ? 40 : 300
        d = $col["metric"] == "perplexity" ? 1 : 3
        printf "| %s | %s | %s | %s | %s | %s | %d of %d | %s / %s / %s |\n", $col["task"],
            $col["cell"], $col["metric"], cell($col["metric_unstable"], d),
            cell($col["metric_stable"], d), cell($col["metric_stable_paper"], d), E, paper,
            per($col["seconds_unstable"]), per($col["seconds_stable"]),
            per($col["seconds_stable_paper"])
    }' "$tsv" >"$md.rows"
{
    echo "<!-- scripts/paperlm_collect.sh $DEST $E $* -->"
    echo
    echo "Table 1's language-model rows at the paper's architecture (\`srm table1 --config paper\`), $E epoch(s) each:"
    echo "test metric of the model kept by validation (lower is better). stable (certified): srm's"
    echo "projection; stable (paper): the authors' projection and initialisation."
    echo
    echo "| task | cell | metric | unstable | stable (certified) | stable (paper) | epochs run of the paper's | time per epoch (unstable / certified / paper) |"
    echo "|---|---|---|---|---|---|---|---|"
    cat "$md.rows"
} >"$md"
rm -f "$md.rows"
echo "wrote $tsv and $md"
