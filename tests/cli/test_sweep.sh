# tests/cli/test_sweep.sh: srm sweep (issue 15) on GNU parallel. Planning (the jobs of a grid,
# stable ids, a plan again adds only what is missing, positional arguments, grid files, bad
# input with exit 2 and the sweep left as it was), srm train --reuse, srm sweep slurm's script,
# collect's statistics against an independent awk computation, and a 6-job sweep killed
# (SIGKILL to its whole process group) midway and resumed, whose summary equals that of an
# uninterrupted sweep. The Slurm engine is tests/cli/test_slurm.sh.
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z SRM_DATA="$TOP/data" OPENBLAS_NUM_THREADS=1
T="--max-train 8 --max-valid 4 --max-test 4 --hidden 8 --epochs 2"

# --- plan
ok "plan a 2 x 2 x 3 train grid" "$SRM" sweep plan "$TMP/a" train --task jsb,atis --cell rnn --stable off,on --seed 1-3 $T
expect "12 jobs, one complete srm command per line" [ "$(wc -l <"$TMP/a/jobs.txt")" -eq 12 ]
expect "first axis outermost, the last fastest (seed 1 2 3, then stable)" sh -c "sed -n '1p;2p;4p;7p' '$TMP/a/jobs.txt' | grep -o -- '--task [a-z]* --cell rnn\\( --stable\\)\\{0,1\\} --seed [0-9]' | tr '\\n' ';' | grep -qx -- '--task jsb --cell rnn --seed 1;--task jsb --cell rnn --seed 2;--task jsb --cell rnn --stable --seed 1;--task atis --cell rnn --seed 1;'"
expect "each job: --out runs/ID, --reuse --quiet, output into logs/ID.log (in the sweep folder)" sh -c "head -n 1 '$TMP/a/jobs.txt' | grep -q -- \"^$SRM train .* --out runs/jsb-unstable-seed1-[0-9a-f]\\{8\\} --reuse --quiet >logs/jsb-unstable-seed1-[0-9a-f]\\{8\\}.log 2>&1\$\""
expect "the manifest: version, command line, ids, parameters" sh -c "grep -q '\"srm_version\"' '$TMP/a/sweep.json' && grep -q '\"command\": \"train\"' '$TMP/a/sweep.json' && grep -q 'sweep plan' '$TMP/a/sweep.json' && [ \$(grep -c '\"hash\"' '$TMP/a/sweep.json') -eq 12 ]"
ok "the same grid in another folder" "$SRM" sweep plan "$TMP/b" train --task jsb,atis --cell rnn --stable off,on --seed 1-3 $T
expect "plans the same ids" sh -c "sed 's|$TMP/a|X|g' '$TMP/a/jobs.txt' >'$TMP/ja' && sed 's|$TMP/b|X|g' '$TMP/b/jobs.txt' >'$TMP/jb' && cmp -s '$TMP/ja' '$TMP/jb'"
"$SRM" sweep plan "$TMP/a" train --seed 1-3 --stable off,on --cell rnn --task jsb,atis $T --json >"$TMP/out"
expect "the flags in another order are the same points: nothing added" grep -q '"added": 0' "$TMP/out"
cp "$TMP/a/jobs.txt" "$TMP/a.jobs"
"$SRM" sweep plan "$TMP/a" train --task jsb,atis --cell rnn --stable off,on --seed 1-5 $T --json >"$TMP/out"
expect "planning seeds 1-5 again adds only the 8 missing jobs" sh -c "grep -q '\"added\": 8' '$TMP/out' && grep -q '\"kept\": 12' '$TMP/out' && [ \$(wc -l <'$TMP/a/jobs.txt') -eq 20 ]"
expect "and keeps the old lines first, in order" sh -c "head -n 12 '$TMP/a/jobs.txt' | cmp -s - '$TMP/a.jobs'"
"$SRM" sweep plan "$TMP/a" train --task jsb --cell rnn --seed 1 $T --json >"$TMP/out"
expect "a point already planned is not added again (seed 1 fixed, stable absent = off)" sh -c "grep -q '\"added\": 0' '$TMP/out'" 
printf '# a grid file\n--task jsb\ncell rnn lstm # two cells\nseed 1-2\n' >"$TMP/grid"
ok "a grid file" "$SRM" sweep plan "$TMP/g" train --grid "$TMP/grid" $T
expect "its axes: 2 cells x 2 seeds" [ "$(wc -l <"$TMP/g/jobs.txt")" -eq 4 ]
printf 'trunc 1,2 1,2,4\n' >"$TMP/gl"
ok "lockstep: --trunc lists as values of a grid file" "$SRM" sweep plan "$TMP/l" lockstep --grid "$TMP/gl" --task atis --cell rnn
expect "2 jobs: --trunc 1,2 and --trunc 1,2,4" sh -c "[ \$(grep -c -- '--trunc 1,2 ' '$TMP/l/jobs.txt') -eq 1 ] && [ \$(grep -c -- '--trunc 1,2,4 ' '$TMP/l/jobs.txt') -eq 1 ]"
ok "lockstep --trunc 1,2,4 on the command line is one value" "$SRM" sweep plan "$TMP/l2" lockstep --task atis --cell rnn --trunc 1,2,4 --seed 1-2
expect "2 jobs, each with --trunc 1,2,4" sh -c "[ \$(grep -c -- '--trunc 1,2,4 ' '$TMP/l2/jobs.txt') -eq 2 ]"
"$SRM" init --cell rnn --hidden 4 --input 2 --lambda 0.6 --out "$TMP/m.safetensors" >/dev/null
(cd "$TMP" && "$SRM" sweep plan p truncate m.safetensors --random-input 20 --kmax 4 --seed 1-2) >/dev/null 2>&1
expect "truncate: the model (positional) first, made absolute; --out runs/ID.tsv" sh -c "grep -q \"truncate $TMP/m.safetensors --random-input 20 --kmax 4 --seed 1 --out runs/seed1-[0-9a-f]*.tsv\" '$TMP/p/jobs.txt'"

# --- bad input: exit 2, one line, the sweep left as it was
cp "$TMP/a/jobs.txt" "$TMP/a.before"
status 2 "a command srm sweep cannot sweep" "$SRM" sweep plan "$TMP/a" norm --seed 1
status 2 "a flag the command does not have" "$SRM" sweep plan "$TMP/a" train --task jsb --cell rnn --lamda 1,2
expect "names it" grep -q "srm train has no --lamda" "$TMP/err"
status 2 "a range N-M with N > M" "$SRM" sweep plan "$TMP/a" train --task jsb --cell rnn --seed 5-1
ok "=TEXT: a value shaped like a range, as written" "$SRM" sweep plan "$TMP/lit" train --task jsb --cell rnn --data-dir =2020-01,=2021-02 --seed 1-2
expect "two literal values times two seeds: 4 jobs" sh -c "[ \$(grep -c -- '--data-dir 2020-01 ' '$TMP/lit/jobs.txt') -eq 2 ] && [ \$(grep -c -- '--data-dir 2021-02 ' '$TMP/lit/jobs.txt') -eq 2 ] && [ \$(wc -l <'$TMP/lit/jobs.txt') -eq 4 ] && ! grep -q -- '=20' '$TMP/lit/jobs.txt'"
status 2 "an empty value in a list" "$SRM" sweep plan "$TMP/a" train --task jsb,,atis --cell rnn
status 2 "on/off mixed with other values" "$SRM" sweep plan "$TMP/a" train --task jsb --cell rnn --stable on,maybe
status 2 "--out is srm sweep's" "$SRM" sweep plan "$TMP/a" train --task jsb --cell rnn --out x
status 2 "a sweep of another command in the same folder" "$SRM" sweep plan "$TMP/a" lockstep --task jsb --cell rnn --trunc 1
expect "the sweep's jobs untouched by the failed plans" cmp -s "$TMP/a/jobs.txt" "$TMP/a.before"
printf 'task jsb\ncell\n' >"$TMP/bad.grid"
status 2 "a grid file line without values" "$SRM" sweep plan "$TMP/x" train --grid "$TMP/bad.grid"
expect "names file and line" grep -q "bad.grid:2: --cell: no value" "$TMP/err"
status 2 "a missing grid file" "$SRM" sweep plan "$TMP/x" train --grid "$TMP/none.grid"
status 2 "no command" "$SRM" sweep plan "$TMP/x"
status 2 "an unknown action" "$SRM" sweep launch "$TMP/a"
status 2 "run without a plan" "$SRM" sweep run "$TMP/none"
status 2 "collect without a plan" "$SRM" sweep collect "$TMP/none"
status 2 "collect before any job finished" "$SRM" sweep collect "$TMP/b"
status 2 "slurm: a bad --time" "$SRM" sweep slurm "$TMP/b" --time '1:00;rm'

# --- srm sweep slurm: the job array script
ok "srm sweep slurm" "$SRM" sweep slurm "$TMP/b" --time 00:10:00 --mem 512M --cpus 2 --max-running 3 --partition short
S=$TMP/b/sweep.sbatch
expect "an array of 12 tasks, at most 3 at once, with the requests" sh -c "grep -qx '#SBATCH --array=0-11%3' '$S' && grep -qx '#SBATCH --time=00:10:00' '$S' && grep -qx '#SBATCH --mem=512M' '$S' && grep -qx '#SBATCH --cpus-per-task=2' '$S' && grep -qx '#SBATCH --partition=short' '$S'"
expect "task i runs line i + 1 of jobs.txt" grep -q 'sed -n "$((SLURM_ARRAY_TASK_ID + 1))p"' "$S"
expect "the script is valid sh" sh -n "$S"
SLURM_ARRAY_TASK_ID=0 sh -c "sed 's|^exec sh -c \"\$line\"|echo \"\$line\" >$TMP/line0|' '$S' | sh"
expect "task 0 of the script picks jobs.txt's first line" sh -c "head -n 1 '$TMP/b/jobs.txt' | cmp -s - '$TMP/line0'"
SLURM_ARRAY_TASK_ID=99 sh "$S" >/dev/null 2>"$TMP/err"
expect "a task past the end: exit 2, naming the line" sh -c "[ $? -eq 2 ] && grep -q 'no line 100 in' '$TMP/err'"

mkdir -p "$TMP/sp ace"
"$SRM" sweep plan "$TMP/sp ace/s" train --task jsb --cell rnn --seed 1-2 >/dev/null
status 2 "slurm: a sweep folder whose path has a space (#SBATCH lines are not shell)" "$SRM" sweep slurm "$TMP/sp ace/s"

# --- bad grids and damaged manifests: one line, exit 2
status 2 "a value with a newline (jobs.txt is one job per line)" "$SRM" sweep plan "$TMP/nl" train --task jsb --cell rnn --data-dir "$(printf '/tmp/a\nb')"
status 2 "a grid of more than 100000 jobs (no overflow to 0)" "$SRM" sweep plan "$TMP/ov" train --task jsb --cell rnn --hidden 1-256 --embedding 1-256 --batch 1-256 --bptt 1-256 --epochs 1-256 --eval-batch 1-256 --max-train 1-256 --max-valid 1-256
expect "and leaves no folder" test ! -e "$TMP/ov"
for damage in 's/"hash": "[0-9a-f]*"/"hash": 5/' 's/"params": \[/"params": [5, /' 's/"plans"/"plants"/' \
    's/"line": 2,/"line": 7,/' 's/"id": "[^"]*"/"id": "same"/' 's/ --out runs\// \\n--out runs\//'; do
    rm -rf "$TMP/dm" && cp -r "$TMP/b" "$TMP/dm"
    sed "$damage" "$TMP/b/sweep.json" >"$TMP/dm/sweep.json"
    status 2 "a damaged sweep.json ($damage): collect" "$SRM" sweep collect "$TMP/dm"
    status 2 "and plan" "$SRM" sweep plan "$TMP/dm" train --task jsb --cell rnn --seed 1
done

# --- collect on hand-written results: pairing, a moved folder, a diverged run
"$SRM" sweep plan "$TMP/h" train --task atis --cell rnn --stable off,on --seed 1-2 >/dev/null
"$SRM" sweep plan "$TMP/h" train --task atis --cell rnn --stable off,on --seed 1-2 --lr 0.5 >/dev/null
"$SRM" sweep plan "$TMP/h" train --task atis --cell rnn --stable on --projection paper --seed 1-2 >/dev/null
fake() { mkdir -p "$TMP/h/runs/$1" && printf '{"metric_name": "f1", "test_metric": %s}\n' "$2" >"$TMP/h/runs/$1/result.json"; }
for id in $(sed -n 's/.*--out runs\/\([^ ]*\) .*/\1/p' "$TMP/h/jobs.txt"); do
    line=$(grep -- "--out runs/$id " "$TMP/h/jobs.txt")
    base=10
    case "$line" in *"--lr 0.5"*) base=1000 ;; esac
    case "$line" in *--projection*) base=$((base + 500)) ;; *--stable*) base=$((base + 1)) ;; esac
    case "$line" in *"--seed 2"*) v=$((base + 1)) ;; *) v=$base ;; esac
    fake "$id" "$v"
done
ok "collect 10 hand-written results" "$SRM" sweep collect "$TMP/h"
# row STABLE LR PROJECTION FIELDS: those fields of that row of $TMP/h/summary.tsv
row() { awk -F'\t' -v s="$1" -v l="$2" -v p="$3" '!/^#/ && $1 == s && $2 == l && $3 == p' "${F:-$TMP/h/summary.tsv}" | cut -f"$4"; }
tab=$(printf '\t')
expect "the header: stable lr projection n mean sd min max diff se nonfinite" sh -c "grep -v '^#' '$TMP/h/summary.tsv' | head -n 1 | grep -qx 'stable${tab}lr${tab}projection${tab}n${tab}mean${tab}sd${tab}min${tab}max${tab}diff${tab}se${tab}nonfinite'"
expect "lr 0.5, stable: paired with the lr 0.5 unstable runs (diff 1, not 991)" [ "$(row on 0.5 none 4-6,9)" = "2${tab}1001.5${tab}0.70710678118654757${tab}1" ]
expect "default lr, stable: diff 1" [ "$(row on none none 9)" = 1 ]
expect "the authors' projection: paired with the default-lr unstable runs (diff 500, se 0.707)" [ "$(row on none paper 9,10)" = "500${tab}0.70710678118654757" ]
cp -r "$TMP/h" "$TMP/h2"
for d in "$TMP"/h/runs/unstable-seed1-*; do mkdir -p "$TMP/h2/runs/$(basename "$d")"; printf '{"metric_name": "f1", "test_metric": null}\n' >"$TMP/h2/runs/$(basename "$d")/result.json"; done
cp "$TMP/h/summary.tsv" "$TMP/h.summary"
ok "collect a copy of the sweep, one result made null (a diverged run)" "$SRM" sweep collect "$TMP/h2"
expect "the copy is read where it is: the original's summary untouched" cmp -s "$TMP/h/summary.tsv" "$TMP/h.summary"
expect "and the copy's says so: unstable default lr n 1, mean 11, nonfinite 1" [ "$(F=$TMP/h2/summary.tsv row off none none 4,5,11)" = "1${tab}11${tab}1" ]

# --- certify: exit 1 (not certified) is a verdict, not a failed job
"$SRM" init --cell rnn --hidden 4 --input 2 --lambda 0.6 --out "$TMP/c06.safetensors" >/dev/null
"$SRM" init --cell rnn --hidden 4 --input 2 --lambda 1.5 --out "$TMP/c15.safetensors" >/dev/null
"$SRM" sweep plan "$TMP/ce" certify "$TMP/c06.safetensors,$TMP/c15.safetensors" >/dev/null
ok "a certify sweep over a stable and an unstable model succeeds" "$SRM" sweep run "$TMP/ce"
expect "both reports whole, no temporary file left" sh -c "[ \$(ls '$TMP'/ce/runs/*.json | wc -l) -eq 2 ] && ! ls '$TMP'/ce/runs/ | grep -q tmp"
ok "and collects" "$SRM" sweep collect "$TMP/ce" --value output_lipschitz

# --- srm train --reuse
K="--task jsb --cell rnn --max-train 8 --max-valid 4 --max-test 4 --hidden 8 --quiet"
ok "train --reuse into a new folder trains" "$SRM" train $K --epochs 2 --out "$TMP/r" --reuse
cp "$TMP/r/result.json" "$TMP/r.result"
ok "again: the finished run is kept" "$SRM" train $K --epochs 2 --out "$TMP/r" --reuse
expect "says so, result.json untouched" sh -c "grep -q 'finished run of this configuration kept (--reuse)' '$TMP/out' && cmp -s '$TMP/r/result.json' '$TMP/r.result'"
ok "with --epochs 3 it continues from the checkpoint" "$SRM" train $K --epochs 3 --out "$TMP/r" --reuse
expect "3 epochs logged, one run id" sh -c "[ \$(grep -vc '^#\\|^epoch' '$TMP/r/log.tsv') -eq 3 ] && [ \$(grep -c '^# run:' '$TMP/r/log.tsv') -eq 1 ]"
status 2 "--reuse on another configuration is refused" "$SRM" train $K --epochs 3 --lr 0.5 --out "$TMP/r" --reuse
status 2 "--reuse with --resume" "$SRM" train --resume "$TMP/r" --reuse

# --- GNU parallel: 6 jobs, uninterrupted and killed midway then resumed
J="--task jsb --cell rnn --stable off,on --seed 1-3 --max-train 40 --max-valid 8 --max-test 8 --hidden 64 --epochs 30 --precision float64"
"$SRM" sweep plan "$TMP/u" train $J >/dev/null && "$SRM" sweep plan "$TMP/k" train $J >/dev/null
ok "srm sweep run: the uninterrupted sweep" "$SRM" sweep run "$TMP/u" --jobs 2
expect "6 succeeded" grep -q '^succeeded: *6$' "$TMP/out"
setsid "$SRM" sweep run "$TMP/k" --jobs 2 >/dev/null 2>&1 &
pg=$!
# kill once a job has finished and another has a checkpoint but no result yet, 10 or more of
# its 30 epochs still to go (so that it cannot finish before the kill lands)
cut_run() {
    for d in "$TMP"/k/runs/*; do
        [ -f "$d/checkpoint.safetensors" ] && [ ! -f "$d/result.json" ] &&
            [ "$(grep -c '^[0-9]' "$d/log.tsv" 2>/dev/null)" -le 20 ] && return 0
    done
    return 1
}
i=0
while ! { [ "$(cat "$TMP/k/joblog.tsv" 2>/dev/null | wc -l)" -ge 2 ] && cut_run; } && [ $i -lt 600 ]; do
    sleep 0.05; i=$((i + 1))
done
# the whole session: srm sweep, parallel and every job, again until none is left (parallel can
# start a job between two of pkill's kills)
i=0
while pkill -KILL -s $pg 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
wait $pg 2>/dev/null
done_before=$(($(grep -c . "$TMP/k/joblog.tsv") - 1))
expect "killed midway: $done_before of 6 jobs in the joblog" [ "$done_before" -ge 1 -a "$done_before" -lt 6 ]
ck=$(ls "$TMP"/k/runs/*/checkpoint.safetensors 2>/dev/null | wc -l)
res=$(ls "$TMP"/k/runs/*/result.json 2>/dev/null | wc -l)
expect "a run was cut between its checkpoints ($ck checkpoints, $res results)" [ "$ck" -gt "$res" ]
status 0 "collect on the killed sweep: what finished, and a line naming the rest" "$SRM" sweep collect "$TMP/k"
expect "lists them" grep -q "jobs have no result yet: " "$TMP/err"
ok "srm sweep run again: resumes" "$SRM" sweep run "$TMP/k" --jobs 2
expect "6 succeeded" grep -q '^succeeded: *6$' "$TMP/out"
expect "the finished jobs were not run again" sh -c "[ \$(grep -c . '$TMP/k/joblog.tsv') -eq 7 ]"
ok "collect the resumed sweep" "$SRM" sweep collect "$TMP/k"
ok "collect the uninterrupted one" "$SRM" sweep collect "$TMP/u" --json
expect "the same summary" sh -c "grep -v '^#' '$TMP/k/summary.tsv' >'$TMP/sk' && grep -v '^#' '$TMP/u/summary.tsv' >'$TMP/su' && cmp -s '$TMP/sk' '$TMP/su'"
expect "the figure drawn" sh -c "[ -s '$TMP/u/fig-sweep-metric.png' ] && [ -s '$TMP/u/fig-sweep-metric.svg' ]"
expect "collect --json: 6 finished, 2 rows" sh -c "grep -q '\"finished\": 6' '$TMP/out' && grep -q '\"rows\": 2' '$TMP/out'"

# --- collect's numbers, computed again from the result.json files by awk
for st in unstable stable; do
    cat "$TMP"/u/runs/$st-seed*/result.json | sed -n 's/.*"test_metric": *\([^,]*\),.*/\1/p' >"$TMP/v.$st"
done
want=$(awk 'FNR == 1 { f++ } { x[f, ++n[f]] = $1; s[f] += $1 }
  END { for (g = 1; g <= 2; g++) { m[g] = s[g] / n[g]; for (i = 1; i <= n[g]; i++) v[g] += (x[g, i] - m[g]) ^ 2; v[g] /= n[g] - 1 }
        printf "%.10g %.10g %.10g %.10g %.10g", m[1], sqrt(v[1]), m[2], sqrt(v[2]), m[2] - m[1]; printf " %.10g", sqrt(v[1] / n[1] + v[2] / n[2]) }' "$TMP/v.unstable" "$TMP/v.stable")
got=$(awk -F'\t' '!/^#/ && $1 == "off" { mu = $3; su = $4 } !/^#/ && $1 == "on" { ms = $3; ss = $4; d = $7; se = $8 }
  END { printf "%.10g %.10g %.10g %.10g %.10g %.10g", mu, su, ms, ss, d, se }' "$TMP/u/summary.tsv")
expect "mean, sd, diff and its se match an awk computation from the result.json files ($got)" [ "$got" = "$want" ]
expect "3 seeds a side" sh -c "[ \$(awk -F'\\t' '!/^#/ && \$2 == 3' '$TMP/u/summary.tsv' | wc -l) -eq 2 ]"

# --- k sweeps: lockstep (summary.tsv's gap_all) and trajectory (dist at the last step)
"$SRM" sweep plan "$TMP/ls" lockstep --task jsb --cell rnn --trunc 1,2,4 --max-train 8 --max-valid 4 --max-test 4 --hidden 8 --epochs 1 --every 2 --seed 1-2 >/dev/null
ok "a lockstep sweep runs" "$SRM" sweep run "$TMP/ls" --jobs 2
ok "and collects" "$SRM" sweep collect "$TMP/ls"
expect "one row per k (1, 2, 4), 2 seeds each, and the gap figure" sh -c "[ \"\$(awk -F'\\t' '!/^#/ && \$2 == 2' '$TMP/ls/summary.tsv' | cut -f1 | tr '\n' ' ')\" = '1 2 4 ' ] && [ -s '$TMP/ls/fig-sweep-gap.png' ]"
"$SRM" sweep plan "$TMP/tj" trajectory --steps 30 --ks 1,2,4 --lambda 0.5,0.9 --seed 1-3 >/dev/null
ok "a trajectory sweep over lambda and seeds" "$SRM" sweep run "$TMP/tj" --jobs 2
ok "collects" "$SRM" sweep collect "$TMP/tj"
want=$(cat "$TMP"/tj/runs/lambda0.9-seed*.tsv | awk -F'\t' '!/^#/ && $1 == 30 && $2 == 4 { s += $3; n++ } END { printf "%.10g", s / n }')
got=$(awk -F'\t' '!/^#/ && $1 == 0.9 && $2 == 4 { printf "%.10g", $4 }' "$TMP/tj/summary.tsv")
expect "lambda 0.9, k 4: the mean of the three runs' last-step dist ($want)" [ -n "$want" -a "$got" = "$want" ]

# --- srm table1 --seeds: a sweep underneath
S1="--config quick --tasks jsb --cells rnn,lstm --seeds 1-2 --projection both $T --quiet"
ok "srm table1 --seeds 1-2 --projection both" "$SRM" table1 $S1 --out "$TMP/t1"
expect "12 runs in DIR/sweep (2 cells x 3 variants x 2 seeds)" [ "$(wc -l <"$TMP/t1/sweep/jobs.txt")" -eq 12 ]
expect "every job has the table's hyper-parameters" sh -c "[ \$(grep -c -- '--config quick .*--max-train 8 --max-valid 4 --max-test 4 --hidden 8 --epochs 2 ' '$TMP/t1/sweep/jobs.txt') -eq 12 ]"
expect "table1-seeds.md: a row per cell, mean ± sd and the gaps" sh -c "grep -q '^| jsb | nll_per_frame | rnn | 2 | [0-9.]* ± [0-9.]* |' '$TMP/t1/table1-seeds.md' && grep -q '^| jsb | nll_per_frame | lstm | 2 |' '$TMP/t1/table1-seeds.md' && grep -q 'stable (paper) | gap |' '$TMP/t1/table1-seeds.md'"
lstm_u=$(ls -d "$TMP"/t1/sweep/runs/lstm-unstable-seed*)
m=$(for d in $lstm_u; do json_get test_metric "$d/result.json"; done | awk '{ s += $1 } END { printf "%.10g", s / NR }')
got=$(awk -F'\t' '!/^#/ && $3 == "lstm" { printf "%.10g", $5 }' "$TMP/t1/table1-seeds.tsv")
expect "its unstable LSTM mean is the mean of the two runs' result.json ($m)" [ -n "$m" -a "$got" = "$m" ]
expect "it prints the table: mean ± sd per cell" grep -q '^| jsb | nll_per_frame | lstm | 2 | [0-9.]* ± ' "$TMP/out"
cp "$TMP/t1/table1-seeds.tsv" "$TMP/t1.tsv"
ok "the same command again (--json)" "$SRM" table1 $S1 --out "$TMP/t1" --json
expect "--json: a row per cell with each variant's mean, sd, n, gap and se" sh -c "grep -q '\"rows\": \[{\"task\": \"jsb\", \"cell\": \"rnn\", \"metric\": \"nll_per_frame\", \"unstable\": {\"mean\": [0-9.]*, \"sd\": [0-9.]*, \"n\": 2}, \"stable\": {\"mean\": [0-9.]*, \"sd\": [0-9.]*, \"n\": 2, \"gap\": [-0-9.e]*, \"se\": [0-9.e-]*}, \"stable_paper\"' '$TMP/out'"
grep -v '^#' "$TMP/t1.tsv" >"$TMP/t1.a"
grep -v '^#' "$TMP/t1/table1-seeds.tsv" >"$TMP/t1.b"
expect "trains nothing (12 jobs in the joblog) and gives the same table" sh -c "[ \$(grep -vc '^Seq' '$TMP/t1/sweep/joblog.tsv') -eq 12 ] && cmp -s '$TMP/t1.a' '$TMP/t1.b'"
ok "the same table at 3 epochs into the same folder" "$SRM" table1 $S1 --epochs 3 --out "$TMP/t1"
lstm3=$(for d in "$TMP"/t1/sweep/runs/lstm-unstable-seed*; do grep -q '"epochs": 3' "$d/result.json" && json_get test_metric "$d/result.json"; done | awk '{ s += $1 } END { printf "%.10g", s / NR }')
got3=$(awk -F'\t' '!/^#/ && $3 == "lstm" { printf "%s %.10g", $4, $5 }' "$TMP/t1/table1-seeds.tsv")
expect "its table holds its own runs only (n 2, the 3-epoch mean $lstm3), not the 2-epoch ones" [ "$got3" = "2 $lstm3" -a "$lstm3" != "$m" ]
status 2 "a grid in a forwarded flag" "$SRM" table1 $S1 --lr 0.1,0.2 --out "$TMP/t1"
status 2 "--seed and --seeds" "$SRM" table1 $S1 --seed 3 --out "$TMP/t1"
status 2 "--engine other than parallel or slurm" "$SRM" table1 $S1 --engine local --out "$TMP/t1"
finish
