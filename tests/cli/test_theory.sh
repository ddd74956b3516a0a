# tests/cli/test_theory.sh: the theory commands (norm, init, stability, bound, project): known
# values, the JSON keys of the issue's contract, reproducibility of `srm init`, and every error
# path (one stderr line, exit 2 for bad input and 1 otherwise, existing outputs left intact).
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z
has_keys() { # has_keys FILE KEY...: every key appears in the one-object JSON file
    f=$1; shift
    for k in "$@"; do grep -q "\"$k\":" "$f" || return 1; done
}

# ---- srm norm
printf '3 0\n0 -4\n' >"$TMP/d.txt"
printf '# a comment\n1 -2 3\n\n-4 5 -6\n' >"$TMP/b.txt"
ok "norm --help" "$SRM" norm --help
expect "norm --help shows defaults in brackets" grep -q '\[svd\]' "$TMP/out"
ok "norm diag(3,-4)" "$SRM" norm "$TMP/d.txt" --json
num_close "norm diag(3,-4) = 4" "$(json_get norm "$TMP/out")" 4 1e-15
expect "norm json keys norm ord method" has_keys "$TMP/out" norm ord method
ok "norm from stdin" sh -c "\"$SRM\" norm - <'$TMP/d.txt'"
expect "stdin text output has the norm" grep -q '^norm: *4$' "$TMP/out"
ok "norm --ord 1" "$SRM" norm --ord 1 "$TMP/b.txt" --json
num_close "||B||_1 = 9" "$(json_get norm "$TMP/out")" 9 0
ok "norm --ord inf" "$SRM" norm --ord inf "$TMP/b.txt" --json
num_close "||B||_inf = 15" "$(json_get norm "$TMP/out")" 15 0
ok "norm --ord fro" "$SRM" norm --ord fro "$TMP/b.txt" --json
num_close "||B||_F = sqrt(91)" "$(json_get norm "$TMP/out")" 9.539392014169456 1e-15
ok "norm --all" "$SRM" norm --all "$TMP/b.txt" --json
expect "--all gives singular_values" grep -q '"singular_values": \[9.5080320006957' "$TMP/out"
ok "norm --method power" "$SRM" norm --method power --tol 1e-14 "$TMP/b.txt" --json
expect "power json has iterations" has_keys "$TMP/out" norm ord method iterations
num_close "power agrees with SVD (tol 1e-13)" "$(json_get norm "$TMP/out")" 9.5080320006957244 1e-13
printf '1 2\n3\n' >"$TMP/rag.txt"
status 2 "norm: ragged row" "$SRM" norm "$TMP/rag.txt"
expect "ragged row names file and line" grep -q 'rag.txt:2:' "$TMP/err"
printf '1 x\n' >"$TMP/nan.txt"
status 2 "norm: not a number" "$SRM" norm "$TMP/nan.txt"
printf '1 nan\n' >"$TMP/nan2.txt"
status 2 "norm: NaN entry" "$SRM" norm "$TMP/nan2.txt"
printf '# nothing\n' >"$TMP/empty.txt"
status 2 "norm: empty matrix" "$SRM" norm "$TMP/empty.txt"
status 2 "norm: missing file" "$SRM" norm "$TMP/no-such-file.txt"
status 2 "norm: --ord 3" "$SRM" norm --ord 3 "$TMP/d.txt"
status 2 "norm: --method qr" "$SRM" norm --method qr "$TMP/d.txt"
status 2 "norm: --method power with --ord 1" "$SRM" norm --method power --ord 1 "$TMP/d.txt"
status 2 "norm: --tol 0" "$SRM" norm --method power --tol 0 "$TMP/d.txt"
status 2 "norm: --tol nan" "$SRM" norm --method power --tol nan "$TMP/d.txt"
status 1 "norm: power iteration out of iterations" "$SRM" norm --method power --tol 1e-300 --maxit 2 "$TMP/b.txt"
status 2 "norm: unknown option" "$SRM" norm --bogus "$TMP/d.txt"
status 2 "norm: two files" "$SRM" norm "$TMP/d.txt" "$TMP/b.txt"

# ---- srm init and srm stability (RNN-type)
R="$TMP/r.st"
ok "init --help" "$SRM" init --help
expect "init --help shows the default lambda" grep -q '\[0.9' "$TMP/out"
ok "init rnn lambda 0.7" "$SRM" init --cell rnn --hidden 12 --input 3 --output 2 --lambda 0.7 --out "$R"
expect "init wrote decoder tensors" grep -aq 'decoder.weight' "$R"
ok "stability rnn" "$SRM" stability "$R" --json
expect "stability rnn json keys" has_keys "$TMP/out" cell spectral_norm lipschitz_rho lambda lipschitz_x stable
num_close "||W_hh||_2 = 0.7 exactly (1e-14)" "$(json_get spectral_norm "$TMP/out")" 0.7 1e-14
expect "rnn lambda 0.7 is stable" grep -q '"stable": true' "$TMP/out"
for cell in rnn_relu linear; do
    ok "init $cell" "$SRM" init --cell $cell --hidden 5 --input 2 --lambda 1.5 --out "$TMP/$cell.st"
    ok "stability $cell" "$SRM" stability "$TMP/$cell.st" --json
    expect "$cell lambda 1.5 is not stable" grep -q '"stable": false' "$TMP/out"
    num_close "$cell lambda = 1.5" "$(json_get lambda "$TMP/out")" 1.5 1e-14
done
# reproducibility: same command (same seed, fixed SRM_DATE), byte-identical files
ok "init seed 5 (1)" "$SRM" init --cell lstm --hidden 6 --input 2 --seed 5 --out "$TMP/s.st"
cp "$TMP/s.st" "$TMP/s1.st"
ok "init seed 5 (2)" "$SRM" init --cell lstm --hidden 6 --input 2 --seed 5 --out "$TMP/s.st"
expect "same seed gives a byte-identical file" cmp -s "$TMP/s.st" "$TMP/s1.st"
ok "init seed 6" "$SRM" init --cell lstm --hidden 6 --input 2 --seed 6 --out "$TMP/s.st"
expect "another seed gives another file" sh -c "! cmp -s '$TMP/s.st' '$TMP/s1.st'"

# ---- LSTM stability, --stable, projection
L="$TMP/l.st"
ok "init lstm (unconstrained)" "$SRM" init --cell lstm --hidden 8 --input 3 --out "$L"
ok "stability lstm" "$SRM" stability "$L" --json
expect "stability lstm json keys" has_keys "$TMP/out" cell norm_inf_i norm_inf_f norm_inf_z norm_inf_o f_max a lambda_inf r stable
expect "random lstm is not stable" grep -q '"stable": false' "$TMP/out"
ok "stability lstm text" "$SRM" stability "$L"
expect "text verdict lists the margins" grep -q 'margin a - ||W_i||_inf' "$TMP/out"
a0=$("$SRM" stability "$L" --input-bound 0 --json | sed -n 's/.*"a": \([^,}]*\).*/\1/p')
a5=$("$SRM" stability "$L" --input-bound 5 --json | sed -n 's/.*"a": \([^,}]*\).*/\1/p')
num_le "a shrinks as the input bound grows (B 5 vs 0)" "$a5" "$a0"
ok "init lstm --stable" "$SRM" init --cell lstm --hidden 8 --input 3 --stable --margin 0.02 --out "$TMP/ls.st"
ok "stability of the --stable lstm" "$SRM" stability "$TMP/ls.st" --json
expect "--stable lstm is stable" grep -q '"stable": true' "$TMP/out"
for c in i o z f; do num_le "--stable: margin_$c >= 0.02" 0.02 "$(json_get margin_$c "$TMP/out")"; done
num_le "--stable: a >= 0.4" 0.4 "$(json_get a "$TMP/out")"
ok "project lstm" "$SRM" project "$L" "$TMP/lp.st" --margin 0.01 --json
expect "project lstm prints norms before and after" has_keys "$TMP/out" norm_inf_i_before norm_inf_i_after norm_inf_f_after a_after rows_scaled
num_le "project lstm: ||W_z||_inf after <= 0.4/4 - 0.01" "$(json_get norm_inf_z_after "$TMP/out")" 0.09
ok "stability of the projected lstm" "$SRM" stability "$TMP/lp.st" --json
expect "projected lstm is stable" grep -q '"stable": true' "$TMP/out"
r=$(json_get r "$TMP/out")
expect "projected lstm has a positive r ($r)" [ "$r" -gt 0 ]

# ---- RNN projection
U="$TMP/u.st"
ok "init rnn lambda 1.5" "$SRM" init --cell rnn --hidden 10 --input 2 --lambda 1.5 --out "$U"
ok "project rnn radius 0.9" "$SRM" project "$U" "$TMP/up.st" --radius 0.9 --json
expect "project rnn json keys" has_keys "$TMP/out" spectral_norm_before spectral_norm_after changed
num_close "before: 1.5" "$(json_get spectral_norm_before "$TMP/out")" 1.5 1e-14
ok "stability after projection" "$SRM" stability "$TMP/up.st" --json
num_le "after: ||W_hh||_2 <= 0.9" "$(json_get spectral_norm "$TMP/out")" 0.9
num_close "after: ||W_hh||_2 ~ 0.9 (1e-13)" "$(json_get spectral_norm "$TMP/out")" 0.9 1e-13
ok "project again (power, in place)" "$SRM" project "$TMP/up.st" "$TMP/up.st" --radius 0.9 --method power --json
expect "projecting again changes nothing" grep -q '"changed": false' "$TMP/out"
ok "project rnn radius 0.9 --method gram" "$SRM" project "$U" "$TMP/ug.st" --radius 0.9 --method gram --json
expect "gram: method reported" grep -q '"method": "gram"' "$TMP/out"
num_close "gram: before 1.5" "$(json_get spectral_norm_before "$TMP/out")" 1.5 1e-14
num_le "gram: after <= 0.9" "$(json_get spectral_norm_after "$TMP/out")" 0.9
# the Gram route clips to r (1 - 1e-12) (theory/project.h)
num_close "gram: after ~ 0.9 (1 - 1e-12) (1e-13)" "$(json_get spectral_norm_after "$TMP/out")" 0.8999999999991 1e-13
ok "gram at radius 0.5 (||W_hh||_2 = 1.5 > 2r): falls back to the SVD" "$SRM" project "$U" "$TMP/ug3.st" --radius 0.5 --method gram --json
expect "gram fallback: method says svd" grep -q '"method": "svd (gram: ||W_hh||_2 > 2r)"' "$TMP/out"
num_close "gram fallback: after ~ 0.5 (1e-13)" "$(json_get spectral_norm_after "$TMP/out")" 0.5 1e-13
ok "gram at radius 9 (nothing to clip)" "$SRM" project "$U" "$TMP/ug4.st" --radius 9 --method gram --json
expect "gram at radius 9 changes nothing" grep -q '"changed": false' "$TMP/out"
ok "gram: project again" "$SRM" project "$TMP/ug.st" "$TMP/ug2.st" --radius 0.9 --method gram --json
expect "gram: projecting again changes nothing" grep -q '"changed": false' "$TMP/out"
cp "$TMP/up.st" "$TMP/keep.st"
status 2 "project: negative radius" "$SRM" project "$U" "$TMP/up.st" --radius -1
expect "failed project leaves the existing output intact" cmp -s "$TMP/up.st" "$TMP/keep.st"
status 2 "project: --method qr" "$SRM" project "$U" "$TMP/up.st" --method qr
status 2 "project: --margin on an RNN" "$SRM" project "$U" "$TMP/up.st" --margin 0.01
status 2 "project: --radius on an LSTM" "$SRM" project "$L" "$TMP/up.st" --radius 0.5
status 2 "project: margin too large for a" "$SRM" project "$L" "$TMP/up.st" --margin 0.5
status 2 "project: a target 0.6" "$SRM" project "$L" "$TMP/up.st" --a-target 0.6
expect "failed projects left the output intact" cmp -s "$TMP/up.st" "$TMP/keep.st"
status 2 "project: missing input" "$SRM" project "$TMP/none.st" "$TMP/up.st"
status 2 "project: missing OUT" "$SRM" project "$U"
status 1 "project: unwritable output" "$SRM" project "$U" "$TMP/no/such/dir/x.st"

# ---- init and stability errors
status 2 "init: missing --out" "$SRM" init --cell rnn --hidden 4 --input 2
status 2 "init: missing --cell" "$SRM" init --hidden 4 --input 2 --out "$TMP/x.st"
status 2 "init: unknown cell" "$SRM" init --cell gru --hidden 4 --input 2 --out "$TMP/x.st"
status 2 "init: --hidden 0" "$SRM" init --cell rnn --hidden 0 --input 2 --out "$TMP/x.st"
status 2 "init: --hidden -3" "$SRM" init --cell rnn --hidden -3 --input 2 --out "$TMP/x.st"
status 2 "init: missing --input" "$SRM" init --cell rnn --hidden 4 --out "$TMP/x.st"
status 2 "init: --lambda for an LSTM" "$SRM" init --cell lstm --hidden 4 --input 2 --lambda 0.5 --out "$TMP/x.st"
status 2 "init: --lambda -1" "$SRM" init --cell rnn --hidden 4 --input 2 --lambda -1 --out "$TMP/x.st"
status 2 "init: --stable with lambda 1.2" "$SRM" init --cell rnn --hidden 4 --input 2 --lambda 1.2 --stable --out "$TMP/x.st"
status 2 "init: --lambda abc" "$SRM" init --cell rnn --hidden 4 --input 2 --lambda abc --out "$TMP/x.st"
cp "$TMP/s1.st" "$TMP/keep2.st"
status 2 "init: lstm --stable margin 0.5" "$SRM" init --cell lstm --hidden 6 --input 2 --stable --margin 0.5 --out "$TMP/s1.st"
expect "failed init leaves the existing output intact" cmp -s "$TMP/s1.st" "$TMP/keep2.st"
status 1 "init: unwritable output" "$SRM" init --cell rnn --hidden 4 --input 2 --out "$TMP/no/such/dir/x.st"
status 2 "stability: missing MODEL" "$SRM" stability
status 2 "stability: no such file" "$SRM" stability "$TMP/none.st"
printf 'not a model' >"$TMP/garbage.st"
status 2 "stability: not a safetensors file" "$SRM" stability "$TMP/garbage.st"
status 2 "stability: --input-bound -1" "$SRM" stability "$L" --input-bound -1

# ---- srm bound
ok "bound --help" "$SRM" bound --help
ok "bound inference --help" "$SRM" bound inference --help
ok "bound inference" "$SRM" bound inference --lambda 0.9 --eps 0.01 --json
expect "bound inference json keys" has_keys "$TMP/out" k bound
expect "lambda 0.9, eps 0.01: k = 66" [ "$(json_get k "$TMP/out")" = 66 ]
num_le "bound at k <= eps" "$(json_get bound "$TMP/out")" 0.01
ok "bound inference with constants" "$SRM" bound inference --lambda 0.5 --eps 0.25 --lf 1 --lx 1 --bx 1 --json
expect "exact tie: lambda 1/2, eps 1/4 gives k = 3" [ "$(json_get k "$TMP/out")" = 3 ]
ok "bound training" "$SRM" bound training --lambda 0.9 --eps 0.01 --steps 1000 --alpha 0.1 --beta 1 --gamma 1 --json
expect "bound training json keys" has_keys "$TMP/out" k k_closed_form
num_le "training: exact k <= closed form" "$(json_get k "$TMP/out")" "$(json_get k_closed_form "$TMP/out")"
status 2 "bound: lambda = 1" "$SRM" bound inference --lambda 1 --eps 0.1
status 2 "bound: lambda = 1.5" "$SRM" bound inference --lambda 1.5 --eps 0.1
status 2 "bound: eps = 0" "$SRM" bound inference --lambda 0.5 --eps 0
status 2 "bound: eps < 0" "$SRM" bound inference --lambda 0.5 --eps -1
status 2 "bound: --lf -1" "$SRM" bound inference --lambda 0.5 --eps 0.1 --lf -1
status 2 "bound: --lx -1" "$SRM" bound inference --lambda 0.5 --eps 0.1 --lx -1
status 2 "bound: --bx -1" "$SRM" bound inference --lambda 0.5 --eps 0.1 --bx -1
status 2 "bound: missing --lambda" "$SRM" bound inference --eps 0.1
status 2 "bound: missing --eps" "$SRM" bound inference --lambda 0.5
status 2 "bound: no mode" "$SRM" bound
status 2 "bound: unknown mode" "$SRM" bound testing --lambda 0.5 --eps 0.1
status 2 "bound training: missing --gamma" "$SRM" bound training --lambda 0.9 --eps 0.01 --steps 10 --alpha 0.1 --beta 1
status 2 "bound training: --steps 0" "$SRM" bound training --lambda 0.9 --eps 0.01 --steps 0 --alpha 0.1 --beta 1 --gamma 1
status 2 "bound training: --beta 0" "$SRM" bound training --lambda 0.9 --eps 0.01 --steps 10 --alpha 0.1 --beta 0 --gamma 1
status 2 "bound training: --alpha -1" "$SRM" bound training --lambda 0.9 --eps 0.01 --steps 10 --alpha -1 --beta 1 --gamma 1
status 2 "bound training: --gamma -1" "$SRM" bound training --lambda 0.9 --eps 0.01 --steps 10 --alpha 0.1 --beta 1 --gamma -1
status 2 "bound training: lambda 1" "$SRM" bound training --lambda 1 --eps 0.01 --steps 10 --alpha 0.1 --beta 1 --gamma 1
status 1 "bound inference: k beyond 2^53" "$SRM" bound inference --lambda 0.99999999999999989 --eps 1e-300
# A model projected at the default radius 1 is on the boundary: the verdict there is rounding.
"$SRM" init --cell rnn --hidden 8 --input 2 --lambda 1.5 --seed 3 --out "$TMP/edge_in.st" >/dev/null
"$SRM" project "$TMP/edge_in.st" "$TMP/edge.st" >/dev/null
"$SRM" stability "$TMP/edge.st" --json >"$TMP/edge.json"
expect "stability: radius-1 projection is flagged on_boundary" grep -q '"on_boundary": true' "$TMP/edge.json"
"$SRM" init --cell rnn --hidden 8 --input 2 --lambda 0.9 --seed 3 --out "$TMP/inner.st" >/dev/null
"$SRM" stability "$TMP/inner.st" --json >"$TMP/inner.json"
expect "stability: lambda 0.9 is not on the boundary" grep -q '"on_boundary": false' "$TMP/inner.json"
num_close "stability: margin = 1 - lambda" "$(json_get margin "$TMP/inner.json")" 0.1 1e-12
finish
