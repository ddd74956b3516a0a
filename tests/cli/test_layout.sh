#!/bin/sh
# tests/cli/test_layout.sh: the structure of the repository (issue 10).
#   - The include graph: core/ includes no other srm folder, theory/ only core/, sim/ only
#     theory/ and core/, task/ only sim/, theory/ and core/ (cli/ and tests/ anything), and no
#     two files include each other, directly or through others. A violation names the file, the
#     line and the include.
#   - Paths: every tracked file (code, comments, docs, scripts, tests, labs, plots; not data/ and
#     not the data files of results/) that mentions a repository path (a top-level folder
#     followed by /, with or without a :LINE suffix; in Markdown also relative links) names one
#     that exists, and none mentions the theory file or the shared folder that lived outside
#     the repository.
# Both checkers also run on planted copies with a bad include, a cycle and a stale path, so a
# checker that finds nothing cannot pass this test.
. "$(dirname "$0")/lib.sh"

# includes.pl ROOT: "FILE:LINE: ..." per layer violation, "cycle: A -> B -> A" per cycle.
cat >"$TMP/includes.pl" <<'EOF'
use strict; use warnings;
my $root = shift;
my %allow = (core => [qw(core)], theory => [qw(core theory)], sim => [qw(core theory sim)],
             task => [qw(core theory sim task)]);
my (%edges, %where);
for my $dir (qw(core theory sim task cli tests)) {
    opendir(my $dh, "$root/$dir") or next;
    for my $name (sort grep { /\.[ch]$/ } readdir $dh) {
        my $f = "$dir/$name";
        open(my $fh, '<', "$root/$f") or die "includes: $f: $!";
        while (my $line = <$fh>) {
            next unless $line =~ /^\s*#\s*include\s*"([^"]+)"/;
            my $inc = $1;
            my $to = $inc =~ m{/} ? $inc : "$dir/$inc"; # -I. for a/b.h, else beside the file
            next unless -e "$root/$to";
            my ($folder) = $to =~ m{^([^/]+)/};
            if ($allow{$dir} && !grep { $_ eq $folder } @{$allow{$dir}}) {
                print "$f:$.: #include \"$inc\": $dir/ may include only ",
                      join(', ', map { "$_/" } @{$allow{$dir}}), "\n";
            }
            push @{$edges{$f}}, $to;
            $where{"$f $to"} //= "$f:$.";
        }
        close $fh;
    }
}
# Depth-first search; a grey node reached again closes a cycle (reported once per node set).
my (%color, @stack, %seen);
sub visit {
    my $n = shift;
    $color{$n} = 1;
    push @stack, $n;
    for my $m (@{$edges{$n} || []}) {
        if (($color{$m} // 0) == 1) {
            my @cyc = (@stack[(grep { $stack[$_] eq $m } 0..$#stack)[0] .. $#stack], $m);
            my $key = join ' ', sort @cyc[0..$#cyc - 1];
            print "cycle: ", join(' -> ', @cyc), " (", $where{"$n $m"}, ")\n" unless $seen{$key}++;
        } elsif (!$color{$m}) {
            visit($m);
        }
    }
    pop @stack;
    $color{$n} = 2;
}
visit($_) for sort keys %edges;
EOF

# refs.pl ROOT ALL FILE...: "FILE:LINE: PATH does not exist" per mention of a missing repository
# path, "FILE:LINE: mentions X" per forbidden mention. A mention is a top-level folder (of a
# path listed in the file ALL: the tracked ones, so build/ or demo-out/ do not count) then / and
# path characters; not a path: a glob or template (followed by * { < $ % [ ? \), a
# placeholder component in capitals (NAME, DIR), a word pair without a dot ("task/config").
# In Markdown files a relative link [text](target) is a mention too, relative to the file.
cat >"$TMP/refs.pl" <<'EOF'
use strict; use warnings;
my ($root, $all, @files) = @ARGV;
open(my $lh, '<', $all) or die "refs: $all: $!";
my %top = map { m{^([^/]+)/} ? ($1 => 1) : () } <$lh>;
close $lh;
my @top = keys %top;
my $alt = join '|', map { quotemeta } sort { length $b <=> length $a } @top;
my $forbid = join '|', map { quotemeta } ('THEORY' . '.md', '..' . '/shared');
for my $f (@files) {
    my $p = "$root/$f";
    next if -d $p || -B $p;
    open(my $fh, '<', $p) or next;
    while (my $line = <$fh>) {
        while ($line =~ /($forbid)/g) { print "$f:$.: mentions $1\n"; }
        if ($f =~ /\.md$/) {
            while ($line =~ /\]\(([^)#\s]+)/g) {
                my $t = $1;
                next if $t =~ /^[a-z][a-z0-9+.-]*:/; # http:, mailto:
                (my $dir = $f) =~ s{[^/]*$}{};
                print "$f:$.: link $t does not exist\n" unless -e "$root/$dir$t";
            }
        }
        while ($line =~ m{(?<![\w./\-~])(?:\$TOP/|\$\{TOP\}/|\$SRM_HOME/|\./)?((?:$alt)/[\w.+\-]*(?:/[\w.+\-]+)*/?)(?=(.?))}g) {
            my ($path, $next) = ($1, $2);
            next if $next =~ /[*{<\$%\[?\\]/;
            $path =~ s/\.+$//;
            next if $path =~ m{/[A-Z][A-Z0-9_]*(?:\.\w+)?(?:/|$)};
            next if $path =~ m{^[^/]+/[^/.]+$};
            next if -e "$root/$path";
            print "$f:$.: $path does not exist\n";
        }
    }
    close $fh;
}
EOF

# tracked ROOT: the tracked files (git's list; without git every file but the builds).
tracked() {
    if git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$1" ls-files
    else
        (cd "$1" && find . -type f ! -path './.git/*' ! -path './build*' ! -path './*-out/*' \
            ! -name srm | sed 's#^\./##')
    fi
}

# report NAME FILE: pass when FILE is empty, else fail and list its lines.
report() {
    if [ -s "$2" ]; then
        fail "$1: $(wc -l <"$2") found"
        sed 's/^/    /' "$2"
    else
        pass "$1"
    fi
}

# ---- the repository itself
perl "$TMP/includes.pl" "$TOP" >"$TMP/inc.out" 2>&1
report "include graph: layers (core <- theory <- sim <- task <- cli) and no cycle" "$TMP/inc.out"
tracked "$TOP" >"$TMP/all"
# what the path check reads: not data/, not the data files of results/
grep -v '^data/' "$TMP/all" | grep -Ev '^results/.*\.(tsv|json|safetensors|txt|log|png|csv)$' >"$TMP/files"
expect "path check: reads the tracked files ($(wc -l <"$TMP/files"))" [ "$(wc -l <"$TMP/files")" -gt 100 ]
(cd "$TOP" && xargs perl "$TMP/refs.pl" "$TOP" "$TMP/all" <"$TMP/files") >"$TMP/refs.out" 2>&1
grep -v ': mentions ' "$TMP/refs.out" >"$TMP/stale.out"
grep ': mentions ' "$TMP/refs.out" >"$TMP/forbid.out"
report "every repository path mentioned or linked (Markdown) in a tracked file exists" "$TMP/stale.out"
report "no tracked file mentions the outside theory file or shared folder" "$TMP/forbid.out"

# ---- planted copies: the checkers must catch each kind of violation
P=$TMP/plant
mkdir -p "$P"
for d in core theory sim task cli; do cp -R "$TOP/$d" "$P/$d"; done
perl "$TMP/includes.pl" "$P" >"$TMP/p0.out" 2>&1
expect "planted: the unmodified copy is clean" [ ! -s "$TMP/p0.out" ]
sed '1a\
#include "task/net.h"' "$TOP/theory/norm.c" >"$P/theory/norm.c"
perl "$TMP/includes.pl" "$P" >"$TMP/p1.out" 2>&1
expect "planted: theory/norm.c:2 including task/net.h is named with file and line" \
    grep -q '^theory/norm\.c:2: #include "task/net\.h": theory/ may include only core/, theory/$' "$TMP/p1.out"
cp "$TOP/theory/norm.c" "$P/theory/norm.c"
sed '1a\
#include "sim/rnn.h"' "$TOP/core/error.h" >"$P/core/error.h"
perl "$TMP/includes.pl" "$P" >"$TMP/p2.out" 2>&1
expect "planted: core/error.h:2 including sim/rnn.h is named with file and line" \
    grep -q '^core/error\.h:2: #include "sim/rnn\.h": core/ may include only core/$' "$TMP/p2.out"
cp "$TOP/core/error.h" "$P/core/error.h"
# (planted names go through $Z and $G so that this file itself mentions no missing path)
Z=z G=gone pg=page.md
printf '#include "core/%sb.h"\n' "$Z" >"$P/core/za.h"
printf '/* b */\n#include "za.h"\n' >"$P/core/zb.h"
perl "$TMP/includes.pl" "$P" >"$TMP/p3.out" 2>&1
expect "planted: a cycle of two headers in one layer is named" \
    grep -Eq '^cycle: core/z(a|b)\.h -> core/z(a|b)\.h -> core/z(a|b)\.h \(core/z(a|b)\.h:[12]\)$' "$TMP/p3.out"
mkdir -p "$P/labs"
printf 'ok: core/%sa.h and `core/%sb.h:2`, the folder cli/ and core/*.c, [a](../core/%sa.h)\nstale: see sim/%s.c:12.\nTHEORY%s section 3, [b](%s.md#part-2)\n' \
    "$Z" "$Z" "$Z" "$G" '.md' "$G" >"$P/labs/page.md"
tracked "$P" >"$TMP/pall"
(cd "$P" && perl "$TMP/refs.pl" "$P" "$TMP/pall" "labs/$pg") >"$TMP/p4.out" 2>&1
expect "planted: a stale path is named with file and line (and only it)" \
    sh -c "grep -q '^labs/page\.md:2: sim/$G\.c does not exist$' '$TMP/p4.out' &&
           [ \$(grep -v ': link ' '$TMP/p4.out' | grep -c 'does not exist') -eq 1 ]"
expect "planted: the outside theory file is named with file and line" \
    grep -q '^labs/page\.md:3: mentions THEORY\.md$' "$TMP/p4.out"
expect "planted: a Markdown link to a missing file is named (and only it)" \
    sh -c "grep -q '^labs/page\.md:3: link $G\.md does not exist$' '$TMP/p4.out' &&
           [ \$(grep -c ': link ' '$TMP/p4.out') -eq 1 ]"
finish
