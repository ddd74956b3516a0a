#!/bin/sh
# scripts/notes.sh: `make notes`. Renders the course kit into a static site that works offline:
# proofs-notes/README.md becomes SITE/index.html, every other note SITE/proofs-notes/NAME.html,
# every lab and answer key SITE/labs/[answers/]NAME.html. Math goes through Debian's pandoc with
# --mathml (Chromium and Firefox display MathML natively; no JavaScript, no network); the
# demo figures a note or answer key mentions (demo-out/fig-*.png) are embedded in its page as
# data URIs (pandoc --self-contained), after the paragraph that first mentions them. Lab sheets
# get no figures: students draw their own.
#   usage: sh scripts/notes.sh [SITE_DIR]          (default notes-site, gitignored)
#   env:   DEMO_DIR (figures, default demo-out; made with scripts/demo.sh when missing),
#          SRM (binary for that demo, default ./srm), STUDENT=1 (the student edition: no
#          answer keys, no solutions; scripts/notes_student.awk)
# A pandoc warning (TeX math it cannot convert, which it would show as raw TeX) fails the build.
# Installs pandoc (apt-get, through sudo when not root) if it is missing, as scripts/deps.sh does.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
SITE=${1:-$TOP/notes-site}
DEMO=${DEMO_DIR:-$TOP/demo-out}
case "$DEMO" in /*) ;; *) DEMO=$(pwd)/$DEMO ;; esac
die() { echo "notes: $*" >&2; exit 1; }

command -v pandoc >/dev/null 2>&1 || sh "$TOP/scripts/apt_install.sh" notes pandoc

# The figures the pages mention; run the demo once if any is missing.
figs=$(cat "$TOP"/proofs-notes/*.md "$TOP"/labs/answers/*.md 2>/dev/null |
    grep -o 'fig-[a-z0-9-]*\.png' | grep -v '^fig-analyze-' | sort -u)
missing=""
for f in $figs; do [ -f "$DEMO/$f" ] || missing="$missing $f"; done
if [ -n "$missing" ]; then
    echo "notes: figures missing in $DEMO ($missing ); running scripts/demo.sh"
    [ -x "${SRM:-$TOP/srm}" ] || die "no srm binary to run the demo with (run make first)"
    sh "$TOP/scripts/demo.sh" "$DEMO" >/dev/null || die "scripts/demo.sh failed"
fi

TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
# One style for every page: wider than pandoc's default (the notes have wide tables), and
# display math that scrolls instead of overflowing.
cat >"$TMPD/style.html" <<'EOF'
<style>
  body { max-width: 52em; margin: 0 auto; padding: 1em 2em 4em; font-family: "DejaVu Serif", Georgia, serif;
         line-height: 1.45; color: #1a1a1a; background: #fff; hyphens: none; }
  nav.srm { font-family: "DejaVu Sans", sans-serif; font-size: 0.9em; border-bottom: 1px solid #ccc;
            padding-bottom: 0.4em; margin-bottom: 1.5em; }
  nav.srm a { margin-right: 1.2em; }
  h1, h2, h3 { font-family: "DejaVu Sans", sans-serif; line-height: 1.2; }
  h1 { font-size: 1.7em; }
  code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.88em; }
  pre { background: #f6f6f4; border: 1px solid #e2e2dc; padding: 0.7em 1em; overflow-x: auto; }
  table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; display: block;
          max-width: 100%; overflow-x: auto; }
  th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top; }
  th { background: #f0f0ec; }
  /* An OpenType MATH font: without one Chromium draws the math-italic n of \sqrt n like a pi. */
  math { font-family: "DejaVu Math TeX Gyre", "Latin Modern Math", "STIX Two Math", math; }
  math[display="block"] { overflow-x: auto; overflow-y: hidden; padding: 0.3em 0; }
  /* MathML does not break lines: a long inline formula scrolls inside its own box, as a wide
     table does (above), instead of widening the page (tests/browser/check.sh, at 480 px). */
  math:not([display="block"]) { display: inline-block; max-width: 100%; overflow-x: auto;
                                overflow-y: hidden; vertical-align: middle; }
  figure { margin: 1.5em 0; text-align: center; }
  figure img { max-width: 100%; border: 1px solid #ddd; }
  figcaption { font-size: 0.88em; color: #555; }
</style>
EOF

# add_figures SRC: SRC's markdown with each figure it mentions embedded after the paragraph
# (or code block, or table) that first mentions it.
add_figures() {
    awk -v demo="$DEMO" '
    function flush(   i) {
        for (i = 1; i <= npend; i++)
            printf "\n![`demo-out/%s` (from `make demo`)](%s/%s)\n\n", pend[i], demo, pend[i]
        npend = 0
    }
    function collect(line,   f) {
        while (match(line, /fig-[a-z0-9-]*\.png/)) {
            f = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
            # fig-analyze-* come from a student run of srm analyze, not from make demo
            if (!(f in done) && f !~ /^fig-analyze-/) { done[f] = 1; pend[++npend] = f }
        }
    }
    /^```/ { print; fence = !fence; if (!fence) flush(); next }
    fence { collect($0); print; next }
    /^[[:space:]]*$/ { flush(); print; next }
    { collect($0); print }
    END { flush() }
    ' "$1"
}

# render SRC DEST TO_INDEX MODE: one page. TO_INDEX is the relative path from DEST to index.html;
# MODE figures embeds figures, index rewrites README's links for the site root.
render() {
    src=$1 dest=$2 up=$3 mode=$4
    title=$(sed -n 's/^# //p' "$src" | head -n 1)
    case "$mode" in
        figures) add_figures "$src" ;;
        # the root page is proofs-notes/README.md moved up one folder
        index) sed -e 's#](\([A-Za-z0-9_-]*\.md\)#](proofs-notes/\1#g' -e 's#](\.\./#](#g' "$src" ;;
        *) cat "$src" ;;
    esac >"$TMPD/page.raw.md"
    if [ "${STUDENT:-0}" = 1 ]; then awk -f "$TOP/scripts/notes_student.awk" "$TMPD/page.raw.md"
    else cat "$TMPD/page.raw.md"; fi >"$TMPD/page.md"
    printf '<nav class="srm"><a href="%s">srm course notes: index</a><a href="%s#labs">labs</a></nav>\n' \
        "$up" "$up" >"$TMPD/nav.html"
    mkdir -p "$(dirname "$dest")"
    (cd "$(dirname "$src")" && pandoc -f markdown -t html5 -s --mathml --self-contained \
        --fail-if-warnings --metadata pagetitle="$title" -H "$TMPD/style.html" -B "$TMPD/nav.html" \
        "$TMPD/page.md" -o "$TMPD/page.html") || die "pandoc failed on $src"
    # Links between pages: NAME.md -> NAME.html; the proofs-notes index is the site's root.
    sed -e 's#href="\([^":]*\)\.md\(\#[^"]*\)\{0,1\}"#href="\1.html\2"#g' \
        -e 's#href="README\.html#href="'"$up"'#g' -e 's#href="\.\./proofs-notes/README\.html#href="'"$up"'#g' \
        "$TMPD/page.html" >"$dest.tmp"
    mv "$dest.tmp" "$dest"
    n=$((n + 1))
}

rm -rf "$SITE.tmp"
mkdir -p "$SITE.tmp"
n=0
render "$TOP/proofs-notes/README.md" "$SITE.tmp/index.html" index.html index
for f in "$TOP"/proofs-notes/*.md; do
    [ "$(basename "$f")" = README.md ] && continue
    render "$f" "$SITE.tmp/proofs-notes/$(basename "$f" .md).html" ../index.html figures
done
for f in "$TOP"/labs/*.md; do
    render "$f" "$SITE.tmp/labs/$(basename "$f" .md).html" ../index.html plain
done
for f in "$TOP"/labs/answers/*.md; do
    [ "${STUDENT:-0}" = 1 ] && continue # the student edition has no answer keys
    render "$f" "$SITE.tmp/labs/answers/$(basename "$f" .md).html" ../../index.html figures
done
# Replace the old site only once the new one is complete.
rm -rf "$SITE"
mv "$SITE.tmp" "$SITE"
echo "notes: $n pages in $SITE (open $SITE/index.html)"
