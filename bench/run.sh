#!/bin/sh
# bench/run.sh: `make bench`. Times srm's hot paths on fixed synthetic problems (best of 3 runs,
# one OpenBLAS thread) and, when Debian's python3-torch is present, the same BPTT in PyTorch
# float64 as a peer. Writes bench-out/bench.tsv (with provenance lines) and prints it.
# Then the training speed at the paper's five shapes (bench/results.tsv, see below).
# Targets checked here, never in timed tests:
#   - all K truncations cost O(T K) cell steps: time(K=100) / time(K=50) stays near 2, not 4;
#   - exact BPTT within a small factor of PyTorch's float64 autograd on the same problem.
set -u
cd "$(dirname "$0")/.." || exit 1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 SRM_PROGRESS=0
SRM=${SRM:-./srm}
OUT=${BENCH_DIR:-bench-out}
mkdir -p "$OUT"
TSV="$OUT/bench.tsv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
# best NAME CMD...: best wall time of 3 runs, in seconds
best() {
    b=""
    for _ in 1 2 3; do
        t0=$(now)
        "$@" >/dev/null 2>"$tmp/err" || { echo "bench: '$*' failed: $(head -c 300 "$tmp/err")" >&2; exit 1; }
        t=$(echo "$(now) - $t0" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
    done
    printf '%.4f' "$b"
}

# provenance WHAT COMMAND: the # lines every bench file starts with
provenance() {
    echo "# srm bench: $1 ($("$SRM" --version))"
    echo "# command: $2"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
}
# show FILE: its # lines, then its table aligned
show() { grep '^#' "$1"; grep -v '^#' "$1" | column -t -s '	' 2>/dev/null || grep -v '^#' "$1"; }

command -v bc >/dev/null 2>&1 || { echo "bench: needs bc (apt-get install bc)" >&2; exit 1; }
rows=""
add() { rows="$rows$1	$2	$3	$4
"; }

for cell in rnn lstm; do
    "$SRM" init --cell $cell --hidden 128 --input 16 --output 4 --seed 1 \
        $( [ $cell = rnn ] && echo --lambda 0.9 || echo --stable ) --out "$tmp/$cell.st" >/dev/null
    t50=$(best "$SRM" truncate "$tmp/$cell.st" --random-input 2000 --kmax 50 --out "$tmp/g.tsv")
    t100=$(best "$SRM" truncate "$tmp/$cell.st" --random-input 2000 --kmax 100 --out "$tmp/g.tsv")
    add "truncate_${cell}_n128_T2000_K50" "$t50" s "all 50 truncations"
    add "truncate_${cell}_n128_T2000_K100" "$t100" s "all 100 truncations"
    add "truncate_${cell}_K_scaling" "$(echo "$t100 / $t50" | bc -l | cut -c1-6)" ratio \
        "time(K=100)/time(K=50): ~2 for O(T K), ~4 for O(T K^2)"
done

# Exact BPTT on one long sequence, and the peer.
awk 'BEGIN { srand(7); for (t = 0; t < 2000; t++) { for (j = 0; j < 16; j++) printf "%s%.6f", (j ? " " : ""), rand() - 0.5; printf "\n" } }' >"$tmp/x.txt"
awk 'BEGIN { srand(8); for (t = 0; t < 2000; t++) { for (j = 0; j < 4; j++) printf "%s%.6f", (j ? " " : ""), rand() - 0.5; printf "\n" } }' >"$tmp/y.txt"
for cell in rnn lstm; do
    t=$(best "$SRM" grad "$tmp/$cell.st" --input "$tmp/x.txt" --target "$tmp/y.txt" --out "$tmp/g.st")
    add "grad_${cell}_n128_T2000" "$t" s "srm grad: read, forward, BPTT, write (mse, all steps)"
done
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    for cell in rnn lstm; do
        t=$(/usr/bin/python3 bench/peer_torch.py "$cell" "$tmp/x.txt" "$tmp/y.txt" 2>"$tmp/err") ||
            { echo "bench: peer failed: $(cat "$tmp/err")" >&2; exit 1; }
        add "peer_torch_${cell}_n128_T2000" "$t" s "PyTorch float64 forward+backward, 1 thread (best of 3)"
    done
else
    echo "bench: python3-torch not found; peer timings skipped" >&2
fi

for n in 128 256 512 1024; do
    "$SRM" init --cell rnn --hidden $n --input 8 --lambda 1.5 --seed 2 --out "$tmp/p$n.st" >/dev/null
    t=$(best "$SRM" project "$tmp/p$n.st" "$tmp/q.st")
    add "project_svd_n$n" "$t" s "srm project: load, dgesdd clip at radius 1, SVD of the result, save"
    t=$(best "$SRM" project "$tmp/p$n.st" "$tmp/q.st" --method gram)
    add "project_gram_n$n" "$t" s "the same with --method gram: SYRK + dsyevr above r^2 (training's route)"
done

# Paper-size JSB training (hidden 1024, batch 1: the recurrence is a matrix-vector product per
# frame), on a 20-chorale slice when the data is found (see srm data --help).
if "$SRM" data stats --task jsb >/dev/null 2>&1; then
    for v in "lstm" "rnn --stable"; do
        name=$(echo "$v" | tr -d '-' | tr ' ' '_')
        "$SRM" train --task jsb --cell $v --config paper --epochs 1 --max-train 20 --max-valid 2 \
            --max-test 2 --quiet --out "$tmp/jsb" >/dev/null 2>"$tmp/err" ||
            { echo "bench: jsb $v failed: $(head -c 300 "$tmp/err")" >&2; exit 1; }
        fps=$(awk -F'\t' '!/^#/ && $1 == 1 { print $7 }' "$tmp/jsb/log.tsv")
        rm -rf "$tmp/jsb"
        add "train_jsb_paper_${name}_frames_per_s" "$fps" frames/s "srm train --config paper, 20 chorales, 1 epoch"
    done
else
    echo "bench: JSB data not found; paper-size training throughput skipped" >&2
fi
# ---- Training speed at the paper's five shapes (issue 11): srm float32 full SGD steps against
# PyTorch float32 (before and after each srm figure, in the same minute) and float64, at 1 and 2
# threads; the shape-aware limit (each BLAS kernel of the step timed alone at its own shape by
# OpenBLAS, summed) and the fraction of it srm reaches; peak resident memory. JSB at batch 1 is
# bound by memory: its last column is the limit from streaming W_hh twice per frame at the
# measured read bandwidth. Rows go to bench/results.tsv (SRM_BENCH_SHAPES selects shapes).
TB=${SRM_BENCH_BIN:-build/bench/train_bench}
RES=${BENCH_RESULTS:-bench/results.tsv}
SHAPES=${SRM_BENCH_SHAPES:-atis_lstm128 jsb_lstm1024 ptbchar_lstm1024 wt2_rnn256 wt2_lstm1024}
have_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=1
steps_for() { case $1 in atis*) echo 40 ;; jsb*) echo 12 ;; ptbchar*) echo 3 ;; wt2_rnn*) echo 8 ;; *) echo 3 ;; esac; }
peer() { # SHAPE PRECISION THREADS -> "tok_per_s rss" or "absent absent"
    if [ $have_torch = 1 ]; then
        OMP_NUM_THREADS=$3 /usr/bin/python3 bench/peer_torch_train.py "$1" "$2" "$(steps_for "$1")" "$3" 2>"$tmp/err" ||
            { echo "bench: peer failed: $(tail -c 300 "$tmp/err")" >&2; exit 1; }
    else
        printf 'absent\tabsent\n'
    fi
}
train_rows=""
for th in 1 2; do
    for sh in $SHAPES; do
        st=$(steps_for "$sh")
        before=$(peer "$sh" float32 $th | cut -f1)
        line=$(OPENBLAS_NUM_THREADS=$th "$TB" "$sh" float32 "$st") || { echo "bench: $TB $sh failed" >&2; exit 1; }
        after=$(peer "$sh" float32 $th | cut -f1)
        f64=$(peer "$sh" float64 $th | cut -f1)
        ratio=absent
        [ $have_torch = 1 ] && ratio=$(awk -v s="$(echo "$line" | cut -f4)" -v a="$before" -v b="$after" 'BEGIN { printf "%.2f", 2 * s / (a + b) }')
        train_rows="$train_rows$(echo "$line" | cut -f1,3)	$(echo "$line" | cut -f4)	$before	$after	$f64	$ratio	$(echo "$line" | cut -f5-8)
"
        echo "bench: $sh, $th thread(s): srm $(echo "$line" | cut -f4) tok/s, PyTorch f32 $before / $after" >&2
    done
done
{
    provenance "training speed" "make bench (bench/run.sh, bench/train_bench.c, bench/peer_torch_train.py)"
    echo "# PyTorch: $( [ $have_torch = 1 ] && /usr/bin/python3 -c 'import torch; print(torch.__version__)' || echo absent)"
    echo "# srm float32 full SGD steps (forward, backward, clip norm, SGD) on random data; torch_f32_before/after bracket each srm run; ratio = srm / mean(before, after)"
    echo "# limit_tok_s: every BLAS kernel of the step timed alone at its own shape (elementwise work counted as zero); fraction = srm / limit"
    echo "# bandwidth_limit_tok_s (jsb only): W_hh (float32) streamed twice per frame at the read bandwidth of a streaming sum over a buffer of its size"
    printf 'shape\tthreads\tsrm_tok_s\ttorch_f32_before\ttorch_f32_after\ttorch_f64\tratio_srm_torch_f32\tlimit_tok_s\tfraction_of_limit\tpeak_rss_mb\tbandwidth_limit_tok_s\n'
    printf '%s' "$train_rows"
} >"$RES.tmp" && mv "$RES.tmp" "$RES"
show "$RES"

t=$(best "$SRM" trajectory --cell rnn --hidden 16 --input 4 --ks 1,2,4,8,16 --steps 200 --alpha 1 --out "$tmp/t.tsv")
add "trajectory_demo_size" "$t" s "n16 d4 T40 S8, 200 steps, 6 students"

{
    provenance "hot paths" "sh bench/run.sh"
    echo "# OPENBLAS_NUM_THREADS=1; best of 3 wall-clock runs"
    printf 'name\tvalue\tunit\twhat\n'
    printf '%s' "$rows"
} >"$TSV.tmp" && mv "$TSV.tmp" "$TSV"
show "$TSV"
