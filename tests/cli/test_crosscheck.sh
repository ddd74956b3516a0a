# tests/cli/test_crosscheck.sh: srm against an independent reference (tests/ref/crosscheck.py,
# NumPy/mpmath/PyTorch, written from the results of proofs-notes/ and the issue texts, not from
# srm's C code).
# It only reads the committed files in tests/ref/crosscheck/ (no Python needed): norms and
# singular values, stability constants, the exact k of both bounds, projections, runs,
# truncation gaps and gradients of small tanh/ReLU/linear RNNs and LSTMs.
#
# Tolerances (|got - want| <= RTOL |want| + ATOL), and why:
# - norms, stability constants: RTOL 1e-13. The references are exact (60 digits); dgesdd and
#   the sums of at most 16 terms are backward stable, error a few ulps of the largest value.
#   Singular values: ATOL 1e-13 sigma_max (SVD error is absolute in ||A||_2).
# - power iteration: RTOL 1e-12 with --tol 1e-15, only on matrices with sigma2/sigma1 <= 0.9
#   (geometric convergence, so the stopping rule leaves < 5x the tolerance).
# - every k (inference, training, closed form) and r: exact. Cases within 1e-9 of a rounding
#   tie were left out by the generator; the dyadic ties kept are exact in double.
# - bound values: RTOL 1e-12 (one pow and a few products).
# - projected weights: RTOL 1e-13, ATOL 1e-14 (entries <= 1; SVD reconstruction error is a few
#   ulps of ||W||_2 <= 1).
# - states (srm run): RTOL 1e-12, ATOL 1e-12 (at most 13 steps of O(n) flops on values <= 3).
# - truncation gaps: ATOL 1e-13 + RTOL 1e-12 (a gap is a difference of O(1) states, so its
#   error is absolute, ~1e-15); bound_traj, bound: RTOL 1e-12.
# - losses and gradients: RTOL 1e-11, ATOL 1e-12 (torch autograd vs srm's BPTT, both double,
#   sums of a few hundred O(1) terms).
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z
REF=$TOP/tests/ref/crosscheck
TAB=$(printf '\t')

# rel NAME GOT WANT RTOL [ATOL]: |got - want| <= RTOL |want| + ATOL (no floor at 1, so tiny
# values are compared relatively); "nan"/"null" only equals "nan"/"null"; integers are exact
# with RTOL 0.
rel() {
    if awk -v a="$2" -v b="$3" -v r="$4" -v t="${5:-0}" 'BEGIN {
        na = (a ~ /nan|null/); nb = (b ~ /nan|null/)
        if (na || nb) exit !(na && nb)
        if (a == "") exit 1
        d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b
        exit !(d <= r * s + t) }'
    then pass "$1: $2"; else fail "$1: got '$2', want $3 (rtol $4, atol ${5:-0})"; fi
}
# same NAME GOT WANT: exact string equality
same() { if [ "$2" = "$3" ]; then pass "$1: $2"; else fail "$1: got '$2', want '$3'"; fi; }
# data FILE: the rows without `#` lines
data() { grep -v '^#' "$1"; }
# cmp_files NAME GOT WANT RTOL ATOL: two whitespace-separated numeric files, same shape, every
# field within tolerance (nan matches nan); prints the worst field on failure.
cmp_files() {
    if awk -v r="$4" -v t="$5" '
        function isnan(x) { return x ~ /nan|null/ }
        NR == FNR { nw = split($0, w, /[ \t]+/); for (i = 1; i <= nw; i++) want[FNR, i] = w[i]
                    wn[FNR] = nw; wl = FNR; next }
        { ng = split($0, g, /[ \t]+/); gl = FNR
          if (ng != wn[FNR]) { bad = "row " FNR ": " ng " fields, want " wn[FNR]; exit }
          for (i = 1; i <= ng; i++) {
              a = g[i]; b = want[FNR, i]
              if (isnan(a) || isnan(b)) { if (!(isnan(a) && isnan(b))) { bad = "row " FNR " col " i ": " a " vs " b; exit } continue }
              d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; e = d - r * s - t
              if (e > worst || worstpos == "") { worst = e; worstpos = "row " FNR " col " i ": " a " vs " b }
          } }
        END { if (bad == "" && gl != wl) bad = gl " rows, want " wl
              if (bad == "" && worst > 0) bad = "worst " worstpos
              if (bad != "") { print bad > "/dev/stderr"; exit 1 } }' "$3" "$2" 2>"$TMP/cmp"
    then pass "$1"; else fail "$1: $(cat "$TMP/cmp")"; fi
}
# st_tensor FILE NAME: the values of one F64 tensor of a safetensors file, one per line (od
# reads the raw little-endian doubles; -v keeps repeated lines)
st_tensor() {
    hlen=$(od -A n -t u8 -N 8 "$1" | tr -d ' ')
    ent=$(tail -c +9 "$1" | head -c "$hlen" | grep -o "\"$2\" *: *{[^}]*}")
    case "$ent" in *'"F64"'*) ;; *) echo "no F64 tensor $2" >&2; return 1 ;; esac
    set -- "$1" $(echo "$ent" | sed -n 's/.*"data_offsets" *: *\[ *\([0-9]*\) *, *\([0-9]*\) *\].*/\1 \2/p')
    [ $# -eq 3 ] || return 1
    [ "$3" -gt "$2" ] || return 0
    od -A n -v -t f8 -j $((8 + hlen + $2)) -N $(($3 - $2)) "$1" | tr -s ' \t' '\n\n' | sed '/^$/d'
}
# cmp_tensors NAME FILE WANT.tsv RTOL ATOL: every tensor listed in WANT (tensor index value)
cmp_tensors() {
    : >"$TMP/tg"; : >"$TMP/tw"
    for t in $(awk -F'\t' 'NR > 1 && !seen[$1]++ { print $1 }' "$3"); do
        st_tensor "$2" "$t" | awk -v t="$t" '{ print t, NR - 1, $1 }' >>"$TMP/tg"
        awk -F'\t' -v t="$t" '$1 == t { print $1, $2, $3 }' "$3" >>"$TMP/tw"
    done
    cut -d' ' -f1,2 "$TMP/tg" >"$TMP/tgi"; cut -d' ' -f1,2 "$TMP/tw" >"$TMP/twi"
    if ! cmp -s "$TMP/tgi" "$TMP/twi"; then fail "$1: tensor names or sizes differ"; return; fi
    cut -d' ' -f3 "$TMP/tg" >"$TMP/tgv"; cut -d' ' -f3 "$TMP/tw" >"$TMP/twv"
    cmp_files "$1" "$TMP/tgv" "$TMP/twv" "$4" "$5"
}
# tsv_rows FILE: rows of a TSV file after its header line
tsv_rows() { awk 'NR > 1' "$1"; }

# ---- srm norm: every order of every matrix, singular values, power iteration
tsv_rows "$REF/norms.tsv" >"$TMP/nc"
while IFS="$TAB" read -r m o want; do
    "$SRM" norm --ord "$o" --json "$REF/mat_$m.txt" >"$TMP/o" 2>"$TMP/e" </dev/null
    rel "norm $m --ord $o" "$(json_get norm "$TMP/o")" "$want" 1e-13
done <"$TMP/nc"
for m in $(tsv_rows "$REF/singular_values.tsv" | cut -f1 | uniq); do
    "$SRM" norm --all --json "$REF/mat_$m.txt" >"$TMP/o" 2>"$TMP/e" </dev/null
    sed -n 's/.*"singular_values": *\[\([^]]*\)\].*/\1/p' "$TMP/o" | tr ',' '\n' | tr -d ' ' | sed '/^$/d' >"$TMP/sg"
    awk -F'\t' -v m="$m" '$1 == m { print $3 }' "$REF/singular_values.tsv" >"$TMP/sw"
    smax=$(head -n 1 "$TMP/sw")
    cmp_files "norm --all $m: singular values (atol 1e-13 sigma_max)" "$TMP/sg" "$TMP/sw" 0 "$(awk -v s="$smax" 'BEGIN { printf "%.17g", 1e-13 * s }')"
done
tsv_rows "$REF/power.tsv" >"$TMP/pw"
while IFS="$TAB" read -r m want; do
    "$SRM" norm --method power --tol 1e-15 --json "$REF/mat_$m.txt" >"$TMP/o" 2>"$TMP/e" </dev/null
    rel "norm --method power $m" "$(json_get norm "$TMP/o")$(head -c 200 "$TMP/e")" "$want" 1e-12
done <"$TMP/pw"

# ---- srm stability: every JSON key of every model (LSTM at three input bounds)
for m in $(tsv_rows "$REF/stability.tsv" | cut -f1 | uniq); do
    for B in $(awk -F'\t' -v m="$m" '$1 == m { print $2 }' "$REF/stability.tsv" | uniq); do
        "$SRM" stability "$REF/$m.safetensors" --input-bound "$B" --json >"$TMP/s_${m}_$B" 2>"$TMP/e" </dev/null
        awk -F'\t' -v m="$m" -v B="$B" '$1 == m && $2 == B { print $3, $4 }' "$REF/stability.tsv" >"$TMP/keys"
        while read -r k want; do
            got=$(json_get "$k" "$TMP/s_${m}_$B")
            case "$k:$want" in
                r:* | stable:*) same "stability $m B=$B $k" "$got" "$want" ;;
                *) rel "stability $m B=$B $k" "$got" "$want" 1e-13 1e-15 ;;
            esac
        done <"$TMP/keys"
    done
done

# ---- srm bound inference / training: k exact, bound values 1e-12
tsv_rows "$REF/bound_inference.tsv" >"$TMP/bi"
while IFS="$TAB" read -r lam eps lf lx bx k bound; do
    "$SRM" bound inference --lambda "$lam" --eps "$eps" --lf "$lf" --lx "$lx" --bx "$bx" --json >"$TMP/o" 2>"$TMP/e" </dev/null
    same "bound inference lambda $lam eps $eps lf $lf lx $lx bx $bx: k" "$(json_get k "$TMP/o")" "$k"
    rel "  ... bound at k" "$(json_get bound "$TMP/o")" "$bound" 1e-12
done <"$TMP/bi"
tsv_rows "$REF/bound_training.tsv" >"$TMP/bt"
while IFS="$TAB" read -r lam eps N al be ga k kcf gap; do
    "$SRM" bound training --lambda "$lam" --eps "$eps" --steps "$N" --alpha "$al" --beta "$be" --gamma "$ga" --json >"$TMP/o" 2>"$TMP/e" </dev/null
    same "bound training lambda $lam eps $eps N $N alpha $al beta $be gamma $ga: k" "$(json_get k "$TMP/o")" "$k"
    same "  ... k_closed_form" "$(json_get k_closed_form "$TMP/o")" "$kcf"
    rel "  ... bound at k" "$(json_get gap "$TMP/o")" "$gap" 1e-12
done <"$TMP/bt"

# ---- srm project: every tensor of the result, then its stability
tsv_rows "$REF/project_cases.tsv" >"$TMP/pc"
while IFS="$TAB" read -r case m opts key want stable; do
    [ "$opts" = "-" ] && opts=
    # shellcheck disable=SC2086
    ok "project $case" "$SRM" project "$REF/$m.safetensors" "$TMP/p.st" $opts --json
    cmp_tensors "project $case: every tensor" "$TMP/p.st" "$REF/proj_$case.tsv" 1e-13 1e-14
    ib=$(echo "$opts" | sed -n 's/.*--input-bound \([^ ]*\).*/\1/p')
    "$SRM" stability "$TMP/p.st" --input-bound "${ib:-1}" --json >"$TMP/o" 2>"$TMP/e" </dev/null
    rel "project $case: $key after" "$(json_get "$key" "$TMP/o")" "$want" 1e-12
    # radius 1 puts ||W||_2 at the boundary lambda = 1, where the verdict is rounding
    [ "$want" = 1 ] || same "project $case: stable after" "$(json_get stable "$TMP/o")" "$stable"
done <"$TMP/pc"

# ---- srm run: states (and c_t with --full-state) and readouts, recurrent and truncated
tsv_rows "$REF/run_cases.tsv" >"$TMP/rc"
while IFS="$TAB" read -r case m x k full; do
    set -- --trunc "$k"
    [ "$full" = 1 ] && set -- "$@" --full-state
    if "$SRM" run "$REF/$m.safetensors" --input "$REF/$x" "$@" --out "$TMP/h.txt" 2>"$TMP/e" </dev/null; then
        data "$TMP/h.txt" >"$TMP/hd"
        cmp_files "run $case" "$TMP/hd" "$REF/run_$case.txt" 1e-12 1e-12
    else fail "run $case: $(head -c 200 "$TMP/e")"; fi
done <"$TMP/rc"

# ---- srm truncate --input X: every column of every row k = 1..kmax (kmax > T on purpose)
tsv_rows "$REF/trunc_cases.tsv" >"$TMP/tc"
while IFS="$TAB" read -r m x kmax; do
    if "$SRM" truncate "$REF/$m.safetensors" --input "$REF/$x" --kmax "$kmax" --out "$TMP/g.tsv" 2>"$TMP/e" >/dev/null </dev/null; then
        same "truncate $m: TSV header" "$(data "$TMP/g.tsv" | head -n 1)" "$(head -n 1 "$REF/trunc_$m.tsv")"
        data "$TMP/g.tsv" | awk 'NR > 1' >"$TMP/gd"; tsv_rows "$REF/trunc_$m.tsv" >"$TMP/gw"
        cut -f1-4 "$TMP/gd" >"$TMP/gd1"; cut -f1-4 "$TMP/gw" >"$TMP/gw1"
        cmp_files "truncate $m: k, max/mean state gap, max output gap" "$TMP/gd1" "$TMP/gw1" 1e-12 1e-13
        cut -f5-6 "$TMP/gd" >"$TMP/gd2"; cut -f5-6 "$TMP/gw" >"$TMP/gw2"
        cmp_files "truncate $m: bound_traj, bound" "$TMP/gd2" "$TMP/gw2" 1e-12 0
    else fail "truncate $m: $(head -c 200 "$TMP/e")"; fi
done <"$TMP/tc"

# ---- srm grad: the loss and every gradient tensor
tsv_rows "$REF/grad_cases.tsv" >"$TMP/gc"
while IFS="$TAB" read -r case m x y k loss at want; do
    if "$SRM" grad "$REF/$m.safetensors" --input "$REF/$x" --target "$REF/$y" --trunc "$k" \
        --loss "$loss" --loss-at "$at" --out "$TMP/g.st" --json >"$TMP/o" 2>"$TMP/e" </dev/null; then
        rel "grad $case: loss" "$(json_get loss "$TMP/o")" "$want" 1e-11 1e-12
        cmp_tensors "grad $case: every gradient tensor" "$TMP/g.st" "$REF/grad_$case.tsv" 1e-11 1e-12
    else fail "grad $case: $(head -c 200 "$TMP/e")"; fi
done <"$TMP/gc"

finish
