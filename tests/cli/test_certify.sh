# tests/cli/test_certify.sh: `srm certify` on files torch.nn wrote (tests/ref/torch/, from
# tests/ref/make_torch_fixtures.py): every layer and direction, cells from the shapes, any
# prefix, F16/BF16, the embedding's input bound, exit status 0 / 1 / 2, the JSON report, and
# scripts/torch_export.py from a .pt file when torch is installed. Also the one-layer commands
# refusing stacks instead of reading layer 0 alone.
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z
F=$TOP/tests/ref/torch
printf '0.1 0.2 0.3\n0.4 0.5 0.6\n' >"$TMP/x.txt"
first_get() { grep -o "\"$1\": *[^,}]*" "$2" | head -n 1 | sed 's/.*: *//'; } # first occurrence

ok "certify --help" "$SRM" certify --help
expect "--help shows the default eps" grep -q '\[0.01\]' "$TMP/out"

ok "1-layer tanh RNN with srm-free names is certified" "$SRM" certify "$F/rnn1.safetensors" --json
expect "cell from the shapes" grep -q '"cell": "rnn_tanh", "cell_from": "shapes"' "$TMP/out"
expect "stable" grep -q '"stable": true, "contractive": true' "$TMP/out"
num_close "lambda = ||W_hh||_2 = 0.5" "$(json_get lambda "$TMP/out")" 0.5 1e-15
# D = sqrt(4) = 2 (tanh), bound 2 * 0.5^k <= 0.01 first at k = 8
expect "k = 8 for eps 0.01 (2 * 0.5^k)" grep -q '"eps": 0.01, "k": 8' "$TMP/out"

ok "3-layer RNN under encoder.rnn. with an embedding" "$SRM" certify "$F/rnn3.safetensors" --json
expect "3 layers, prefix found" grep -q '"prefix": "encoder.rnn.", .*"layers": 3' "$TMP/out"
expect "input bound from the embedding" grep -q "\"input_bound_from\": \"embedding 'encoder.embedding.weight'" "$TMP/out"
num_close "B = the embedding's largest |entry|" "$(first_get input_bound "$TMP/out")" 0.7964880239544148 1e-15
expect "the bound is on the decoder's output" grep -q '"gap_of": "decoder output"' "$TMP/out"
ok "--input-bound overrides the embedding" "$SRM" certify "$F/rnn3.safetensors" --input-bound 2 --json
expect "--input-bound named as the source" grep -q '"input_bound_from": "--input-bound"' "$TMP/out"

"$SRM" certify "$F/rnn2_unstable_top.safetensors" >"$TMP/out" 2>"$TMP/err"
expect "unstable upper layer: exit 1, nothing on stderr" test $? -eq 1 -a ! -s "$TMP/err"
expect "layer 1 reported not stable" grep -q '^layer 1: lambda 3.*NOT stable' "$TMP/out"
expect "verdict not certified" grep -q '^verdict: not certified stable' "$TMP/out"
ok "srm stability on a stack gives srm certify's report (exit 0)" "$SRM" stability "$F/rnn2_unstable_top.safetensors"
expect "every layer, the unstable one named" grep -q '^layer 1: lambda 3.*NOT stable' "$TMP/out"
ok "srm run runs a stack (sim/stack.h)" "$SRM" run "$F/rnn2_unstable_top.safetensors" --input "$TMP/x.txt" --out "$TMP/h.txt"
expect "2 rows of the top layer's 4 outputs" sh -c "[ \$(grep -vc '^#' '$TMP/h.txt') -eq 2 ] && grep -q '^# h_1 h_2 h_3 h_4\$' '$TMP/h.txt'"
ok "srm run on the bidirectional LSTM stack" "$SRM" run "$F/lstm2_bidir.safetensors" --input "$TMP/x.txt" --out "$TMP/y2.txt"
grep -v '^#' "$TMP/y2.txt" >"$TMP/z0.txt"
awk '{ for (i = 1; i <= NF; i++) $i = $i + 0.1 } 1' "$TMP/z0.txt" >"$TMP/z1.txt"
ok "srm grad on a stack, targets = its own outputs" "$SRM" grad "$F/lstm2_bidir.safetensors" --input "$TMP/x.txt" --target "$TMP/z0.txt" --out "$TMP/g0.st" --json
num_close "loss 0" "$(json_get loss "$TMP/out")" 0 0
ok "srm grad with every target 0.1 off" "$SRM" grad "$F/lstm2_bidir.safetensors" --input "$TMP/x.txt" --target "$TMP/z1.txt" --out "$TMP/g1.st" --json
num_close "loss = 1/2 * 2 rows * 8 outputs * 0.01" "$(json_get loss "$TMP/out")" 0.08 1e-6
expect "the gradient has every unit's tensors under PyTorch names" grep -aq '"rnn.weight_hh_l1_reverse":' "$TMP/g1.st"
cut -d' ' -f1-7 "$TMP/z1.txt" >"$TMP/z7.txt"
status 2 "srm grad on a stack: targets one column short" "$SRM" grad "$F/lstm2_bidir.safetensors" --input "$TMP/x.txt" --target "$TMP/z7.txt" --out "$TMP/g2.st"
expect "named, with the top layer's width" grep -q "z7.txt: 7 columns; the model's output has 8" "$TMP/err"
for m in rnn3 lstm2_bidir gru3_bidir; do
    ok "srm truncate on the $m module" "$SRM" truncate "$F/$m.safetensors" --random-input 25 --kmax 8 --out "$TMP/t_$m.tsv" --json
    # the bound of a stack rises before it falls (paths through the layers: cascade.md)
    expect "$m: every measured gap <= the cascade bound, lower at k = 8 than at 1" awk -F'\t' '!/^#/ && $1 != "k" { n++; if (!($2 <= $4)) bad = 1; if (n == 1) first = $4; last = $4 } END { exit bad || n != 8 || !(last < first) }' "$TMP/t_$m.tsv"
done
"$SRM" truncate "$F/rnn2_unstable_top.safetensors" --random-input 10 --kmax 3 --out "$TMP/t_u.tsv" >/dev/null
expect "an unstable upper layer: no bound (nan)" awk -F'\t' '!/^#/ && $1 == 3 { exit !($4 == "nan") }' "$TMP/t_u.tsv"
printf '0.1 0.2 0.3\n0.4 0.5 0.6\n-0.3 0.1 0.9\n0.7 -0.2 0.0\n' >"$TMP/x4.txt"
ok "srm run on a 3-layer bidirectional GRU" "$SRM" run "$F/gru3_bidir.safetensors" --input "$TMP/x4.txt" --out "$TMP/g_full.txt"
ok "and its truncation at k = 4 >= T" "$SRM" run "$F/gru3_bidir.safetensors" --input "$TMP/x4.txt" --trunc 4 --out "$TMP/g_k4.txt"
expect "k >= T is the full module" sh -c "grep -v '^#' '$TMP/g_full.txt' >'$TMP/a'; grep -v '^#' '$TMP/g_k4.txt' >'$TMP/b'; cmp -s '$TMP/a' '$TMP/b'"
ok "srm run --trunc 1 on a 1-layer GRU" "$SRM" run "$F/gru1.safetensors" --input "$TMP/x4.txt" --trunc 1 --out "$TMP/g1.txt"
sed -n 3p "$TMP/x4.txt" >"$TMP/x_row3.txt"
ok "the GRU on row 3 alone" "$SRM" run "$F/gru1.safetensors" --input "$TMP/x_row3.txt" --out "$TMP/g1r.txt"
expect "k = 1: row 3 is the step from zero on x_3 alone" sh -c "[ \"\$(grep -v '^#' '$TMP/g1.txt' | sed -n 3p)\" = \"\$(grep -v '^#' '$TMP/g1r.txt')\" ]"
"$SRM" certify "$F/rnn3.safetensors" --json >"$TMP/c0"
ok "srm project projects every layer of a stack" "$SRM" project "$F/rnn2_unstable_top.safetensors" "$TMP/p.safetensors" --radius 0.9 --json
expect "the upper layer is reported with its suffix" grep -q '"spectral_norm_before_l1": 2.99' "$TMP/out"
ok "the projected stack is certified stable" "$SRM" certify "$TMP/p.safetensors" --json
num_le "layer 1 stored at ||W_hh||_2 <= 0.9" "$(json_get lambda "$TMP/out")" 0.9
num_close "layer 0 (0.5, inside the radius) is left alone" "$(first_get lambda "$TMP/out")" 0.49999999999999994 0
expect "the metadata is kept" grep -aq '"generator":' "$TMP/p.safetensors"
expect "and gains the projection" grep -aq '"srm_project":"certified (SVD clip)"' "$TMP/p.safetensors"
ok "project a 3-layer RNN with embedding and decoder" "$SRM" project "$F/rnn3.safetensors" "$TMP/p3.safetensors" --radius 0.5
"$SRM" certify "$TMP/p3.safetensors" --json >"$TMP/c1"
expect "embedding and decoder kept: same input bound and L_f" sh -c "[ \"\$(grep -o '\"input_bound\": [^,]*' '$TMP/c0' | head -n 1)\" = \"\$(grep -o '\"input_bound\": [^,]*' '$TMP/c1' | head -n 1)\" ] && [ \"\$(grep -o '\"output_lipschitz\": [^,]*' '$TMP/c0')\" = \"\$(grep -o '\"output_lipschitz\": [^,]*' '$TMP/c1')\" ]"
ok "project an F16 file at radius 0.3" "$SRM" project "$F/rnn1_f16.safetensors" "$TMP/p16.safetensors" --radius 0.3 --json
expect "it stays F16" sh -c "grep -aq '\"dtype\":\"F16\"' '$TMP/p16.safetensors' && ! grep -aq '\"dtype\":\"F64\"' '$TMP/p16.safetensors'"
ok "certify the F16 projection" "$SRM" certify "$TMP/p16.safetensors" --json
num_le "the stored F16 matrix measures <= 0.3" "$(json_get lambda "$TMP/out")" 0.3
ok "project the bidirectional LSTM" "$SRM" project "$F/lstm2_bidir.safetensors" "$TMP/pl.safetensors" --json
expect "its reverse units are reported" grep -q '"stable_after_l1_reverse": true' "$TMP/out"
ok "LSTM with an embedding up to 3, projected for inputs <= 1" "$SRM" project "$F/lstm1_embed.safetensors" "$TMP/pe.safetensors" --input-bound 1 --json
expect "the embedding is clamped, and said so" grep -q '"embedding_clamped": [1-9]' "$TMP/out"
ok "certify it" "$SRM" certify "$TMP/pe.safetensors" --json
num_close "certify reads B = 1 from the clamped embedding" "$(first_get input_bound "$TMP/out")" 1 0
expect "and finds it stable" grep -q '"stable": true' "$TMP/out"
"$SRM" certify "$F/gru2_big.safetensors" >/dev/null 2>&1
expect "a GRU with large weights is not certified (exit 1)" test $? -eq 1
ok "srm project onto the GRU condition" "$SRM" project "$F/gru2_big.safetensors" "$TMP/pg.safetensors" --json
expect "both layers end stable" grep -q '"stable_after": true.*"stable_after_l1": true' "$TMP/out"
ok "srm certify certifies the projected GRU" "$SRM" certify "$TMP/pg.safetensors" --json
num_le "z_max <= 0.7 (default --z-target)" "$(first_get z_max "$TMP/out")" 0.7
num_le "lambda_inf <= 1 - m = 0.99" "$(json_get lambda "$TMP/out")" 0.99
expect "the metadata names the projection" grep -aq '"srm_project":"certified (GRU row scaling)"' "$TMP/pg.safetensors"
ok "project --cell gru on a GRU" "$SRM" project "$F/gru1.safetensors" "$TMP/pc.safetensors" --cell gru
status 2 "project --cell gru on an LSTM" "$SRM" project "$F/lstm1.safetensors" "$TMP/pc2.safetensors" --cell gru
expect "names the file's cell" grep -q "cell is lstm (from the shapes)" "$TMP/err"
expect "and writes nothing" test ! -e "$TMP/pc2.safetensors"
status 2 "project --cell bogus" "$SRM" project "$F/gru1.safetensors" "$TMP/pc2.safetensors" --cell bogus
status 2 "--radius on a GRU" "$SRM" project "$F/gru1.safetensors" "$TMP/pg2.safetensors" --radius 2
status 2 "--z-target on an LSTM" "$SRM" project "$F/lstm1.safetensors" "$TMP/pg2.safetensors" --z-target 0.7
status 2 "--z-target 0.5 (z_max >= 1/2 always)" "$SRM" project "$F/gru1.safetensors" "$TMP/pg2.safetensors" --z-target 0.5
expect "failed projections write nothing" test ! -e "$TMP/pg2.safetensors"

ok "bidirectional 2-layer LSTM" "$SRM" certify "$F/lstm2_bidir.safetensors" --json
expect "2 layers, 2 directions" grep -q '"layers": 2, "directions": 2' "$TMP/out"
expect "every unit reported, reverse ones too" grep -q '"label": "layer 1 reverse"' "$TMP/out"
expect "LSTM conditions per unit" grep -q '"condition_i": true' "$TMP/out"
ok "LSTM without any prefix" "$SRM" certify "$F/lstm3.safetensors"
expect "prefix '' and 3 layers" grep -q "prefix '', lstm (from the shapes), 3 layers" "$TMP/out"
ok "F16 file" "$SRM" certify "$F/rnn1_f16.safetensors" --json
num_close "F16 lambda within F16 rounding of 0.5" "$(json_get lambda "$TMP/out")" 0.5 1e-3
ok "BF16 file" "$SRM" certify "$F/rnn1_bf16.safetensors"
ok "no biases" "$SRM" certify "$F/rnn1_nobias.safetensors"
ok "srm stability reads a plain 1-layer state dict" "$SRM" stability "$F/rnn1.safetensors" --json
num_close "and agrees on lambda" "$(json_get lambda "$TMP/out")" 0.5 1e-15
ok "LSTM with an embedding reaching 3: srm stability" "$SRM" stability "$F/lstm1_embed.safetensors" --json
fs=$(json_get f_max "$TMP/out")
expect "srm stability takes B from the embedding" grep -q '"input_bound_from": "the embedding' "$TMP/out"
"$SRM" certify "$F/lstm1_embed.safetensors" --json >"$TMP/out" 2>&1
num_close "srm certify: the same f_max as srm stability" "$(first_get f_max "$TMP/out")" "$fs" 0
num_close "both with B = the largest |entry| 2.9911" "$(first_get input_bound "$TMP/out")" 2.9911029598705401 1e-15
lc=$(first_get lambda "$TMP/out")
ok "srm truncate on the same LSTM" "$SRM" truncate "$F/lstm1_embed.safetensors" --random-input 20 --kmax 4 --out "$TMP/te.tsv" --json
num_close "srm truncate reads the same input bound" "$(json_get input_bound "$TMP/out")" 2.9911029598705401 1e-15
num_close "and the same lambda as srm certify" "$(json_get lambda "$TMP/out")" "$lc" 0
ok "--nonlinearity relu" "$SRM" certify "$F/rnn1.safetensors" --nonlinearity relu --json
expect "cell relu from the flag" grep -q '"cell": "rnn_relu", "cell_from": "--nonlinearity"' "$TMP/out"

ok "a GRU is certified (proofs-notes/gru-condition.md)" "$SRM" certify "$F/gru1.safetensors" --json
expect "cell gru, in the max norm, D = 1" grep -q '"cell": "gru".*"state_bound": 1' "$TMP/out"
expect "its constants are reported" grep -q '"z_max": 0.586' "$TMP/out"
ok "a 3-layer bidirectional GRU" "$SRM" certify "$F/gru3_bidir.safetensors" --json
expect "6 units" sh -c "[ \$(grep -o '\"label\"' '$TMP/out' | wc -l) -eq 6 ]"
ok "srm stability on a GRU: srm certify's report" "$SRM" stability "$F/gru1.safetensors" --json
expect "with the GRU's constants" grep -q '"z_max": 0.586' "$TMP/out"
printf '0 0 0 0\n0 0 0 0\n' >"$TMP/z4.txt"
ok "srm grad on a GRU (core/gru.h)" "$SRM" grad "$F/gru1.safetensors" --input "$TMP/x.txt" --target "$TMP/z4.txt" --out "$TMP/g.st" --json
gl=$(json_get loss "$TMP/out")
ok "srm run on the GRU" "$SRM" run "$F/gru1.safetensors" --input "$TMP/x.txt" --out "$TMP/hg.txt"
num_close "the loss against zero targets is 1/2 sum h_t^2 of srm run's states" "$gl" "$(awk '!/^#/ { for (i = 1; i <= NF; i++) s += $i * $i } END { printf "%.17g", s / 2 }' "$TMP/hg.txt")" 1e-14
expect "the gradient file names the GRU's tensors" grep -q 'gru.weight_hh_l0' "$TMP/g.st"
ok "srm grad --trunc 1 on the GRU" "$SRM" grad "$F/gru1.safetensors" --input "$TMP/x.txt" --target "$TMP/z4.txt" --trunc 1 --out "$TMP/g1.st" --json
gl1=$(json_get loss "$TMP/out")
ok "srm run --trunc 1 on the GRU" "$SRM" run "$F/gru1.safetensors" --input "$TMP/x.txt" --trunc 1 --out "$TMP/hg1.txt"
num_close "the truncated loss is 1/2 sum (h^1_t)^2" "$gl1" "$(awk '!/^#/ { for (i = 1; i <= NF; i++) s += $i * $i } END { printf "%.17g", s / 2 }' "$TMP/hg1.txt")" 1e-14
expect "and differs from the full loss (row 2 sees one input)" sh -c "[ '$gl' != '$gl1' ]"
# bce and xent on the top layer's outputs y_t = h_t. The loss is recomputed with awk from srm
# run's states. For the gradient: mse against z' = y - (dloss/dy) has the same dloss/dy, so
# it must give the same gradient (its norm to rounding).
printf '1 0 1 0\n0 1 1 0\n' >"$TMP/zb.txt"
ok "srm grad --loss bce on the GRU" "$SRM" grad "$F/gru1.safetensors" --input "$TMP/x.txt" --target "$TMP/zb.txt" --loss bce --out "$TMP/gb.st" --json
gb=$(json_get loss "$TMP/out"); nb=$(json_get grad_norm "$TMP/out")
grep -v '^#' "$TMP/hg.txt" >"$TMP/hgv.txt"
num_close "the bce loss is sum softplus(h) - z h of srm run's states" "$gb" "$(awk 'NR == FNR { for (i = 1; i <= NF; i++) z[FNR, i] = $i; next } { for (i = 1; i <= NF; i++) { a = $i; s += (a > 0 ? a + log(1 + exp(-a)) : log(1 + exp(a))) - z[FNR, i] * a } } END { printf "%.17g", s }' "$TMP/zb.txt" "$TMP/hgv.txt")" 1e-14
awk 'NR == FNR { for (i = 1; i <= NF; i++) z[FNR, i] = $i; next } { for (i = 1; i <= NF; i++) { a = $i; printf "%.17g%s", a - (1 / (1 + exp(-a)) - z[FNR, i]), (i < NF ? " " : "\n") } }' "$TMP/zb.txt" "$TMP/hgv.txt" >"$TMP/zm.txt"
ok "mse against y - (sigmoid(y) - z)" "$SRM" grad "$F/gru1.safetensors" --input "$TMP/x.txt" --target "$TMP/zm.txt" --out "$TMP/gm.st" --json
num_close "gives bce's gradient" "$(json_get grad_norm "$TMP/out")" "$nb" 1e-12
printf '3\n0\n' >"$TMP/zc.txt"
ok "srm grad --loss xent with class indices on the bidirectional LSTM" "$SRM" grad "$F/lstm2_bidir.safetensors" --input "$TMP/x.txt" --target "$TMP/zc.txt" --loss xent --out "$TMP/gx.st" --json
grep -v '^#' "$TMP/y2.txt" >"$TMP/y2v.txt"
num_close "the xent loss is sum_t logsumexp(h_t) - h_t[c_t]" "$(json_get loss "$TMP/out")" "$(awk 'NR == FNR { c[FNR] = $1 + 1; next } { m = $1; for (i = 2; i <= NF; i++) if ($i > m) m = $i; e = 0; for (i = 1; i <= NF; i++) e += exp($i - m); s += m + log(e) - $(c[FNR]) } END { printf "%.17g", s }' "$TMP/zc.txt" "$TMP/y2v.txt")" 1e-14
ok "--loss xent --loss-at last --trunc 1" "$SRM" grad "$F/lstm2_bidir.safetensors" --input "$TMP/x.txt" --target "$TMP/zc.txt" --loss xent --loss-at last --trunc 1 --out "$TMP/gx1.st" --json
printf '%s\n' 9 0 >"$TMP/zc9.txt"
status 2 "a class beyond the top layer's width" "$SRM" grad "$F/lstm2_bidir.safetensors" --input "$TMP/x.txt" --target "$TMP/zc9.txt" --loss xent --out "$TMP/g2.st"
expect "is named with its file and line" grep -q "zc9.txt:1: class 9 is not in 0" "$TMP/err"
expect "and writes nothing" test ! -e "$TMP/g2.st"
# --- --data FILE: srm analyze's Jacobian rates along one input sequence
printf '0.1 0.2 0.3\n0.4 0.5 0.6\n-0.3 0.9 0.1\n0.2 0.2 0.2\n0.5 -0.5 0.5\n0.1 0.0 -0.9\n' >"$TMP/x6.txt"
ok "--data on a linear RNN" "$SRM" certify "$F/rnn1.safetensors" --nonlinearity linear --data "$TMP/x6.txt" --json
sed 's/.*"data": //' "$TMP/out" >"$TMP/data.json"
expect "the file and its 6 steps are named" grep -q '"file": "'"$TMP"'/x6.txt", "steps": 6' "$TMP/data.json"
num_close "a linear cell's one-step rate is ||W_hh||_2 = 0.5 at every step (max)" "$(first_get rate_max "$TMP/data.json")" 0.5 1e-14
num_close "and its min" "$(first_get rate_min "$TMP/data.json")" 0.5 1e-14
expect "r = 5: T - 4 = 2 windows" grep -q '"r": 5, "windows": 2' "$TMP/data.json"
num_close "the largest |x| of the file" "$(first_get max_abs_input "$TMP/data.json")" 0.9 1e-15
ok "--data on the tanh RNN" "$SRM" certify "$F/rnn1.safetensors" --data "$TMP/x6.txt" --json
sed 's/.*"data": //' "$TMP/out" >"$TMP/data.json"
expect "tanh rates are below ||W_hh||_2 (diag(1 - h^2) shrinks)" awk -v r="$(first_get rate_max "$TMP/data.json")" 'BEGIN { exit !(r > 0.3 && r < 0.5) }'
ok "--data with human output" "$SRM" certify "$F/lstm1.safetensors" --data "$TMP/x6.txt"
expect "says the figures certify nothing" grep -q 'x6.txt from the zero state, 6 steps, max |x| 0.9; measured, certifies nothing' "$TMP/out"
status 2 "--data on a GRU" "$SRM" certify "$F/gru1.safetensors" --data "$TMP/x6.txt"
expect "says they are for one-layer RNNs and LSTMs" grep -q 'one-layer, one-direction RNNs and LSTMs; this is a GRU' "$TMP/err"
status 2 "--data on a stack" "$SRM" certify "$F/rnn3.safetensors" --data "$TMP/x6.txt"
status 2 "--data with the wrong width" "$SRM" certify "$F/rnn1.safetensors" --data "$TMP/z4.txt"
expect "naming the file" grep -q 'z4.txt' "$TMP/err"
status 2 "--data missing" "$SRM" certify "$F/rnn1.safetensors" --data "$TMP/none.txt"
status 2 "--data and --task together" "$SRM" certify "$F/rnn1.safetensors" --data "$TMP/x6.txt" --task atis
status 2 "--nonlinearity on an LSTM" "$SRM" certify "$F/lstm1.safetensors" --nonlinearity relu
status 2 "bad --eps" "$SRM" certify "$F/rnn1.safetensors" --eps 0.1,-1
status 2 "negative --input-bound" "$SRM" certify "$F/rnn1.safetensors" --input-bound -1
status 2 "missing file" "$SRM" certify "$TMP/none.safetensors"
printf '{"fc.weight": 1}' >"$TMP/junk.safetensors"
status 2 "not a safetensors file" "$SRM" certify "$TMP/junk.safetensors"

# --- a .pt checkpoint through scripts/torch_export.py (python3-torch, when installed)
PY=""
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import torch' 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
    ok "torch_export.py turns a .pt state dict into safetensors" "$PY" "$TOP/scripts/torch_export.py" "$F/plain_rnn.pt" "$TMP/plain.safetensors"
    ok "and srm certify reads it" "$SRM" certify "$TMP/plain.safetensors" --json
    num_close "lambda of the exported model = 0.7" "$(json_get lambda "$TMP/out")" 0.7 1e-12
    # the README's two commands on a 2-layer bidirectional LSTM trained by torch (40 SGD steps
    # on a random regression) and saved by torch.save; x and torch's outputs for srm run
    "$PY" -c "
import torch
torch.manual_seed(5)
m = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
with torch.no_grad():
    for p in m.parameters(): p.mul_(0.05)
w0 = m.weight_hh_l1_reverse.detach().clone()
x, y = torch.rand(12, 1, 3) * 2 - 1, torch.rand(12, 1, 8) * 0.2 - 0.1
opt = torch.optim.SGD(m.parameters(), lr=0.5)
for step in range(40):
    opt.zero_grad()
    loss = ((m(x)[0] - y) ** 2).mean()
    loss.backward()
    opt.step()
assert (m.weight_hh_l1_reverse - w0).abs().max() > 1e-4, 'training moved nothing'
torch.save({'epoch': 3, 'state_dict': m.state_dict()}, '$TMP/bilstm.pt')
with torch.no_grad():
    out = m(x)[0].squeeze(1)
for name, t in (('bx', x.squeeze(1)), ('by', out)):
    with open('$TMP/' + name + '.txt', 'w') as f:
        f.write(''.join(' '.join(repr(v) for v in row) + chr(10) for row in t.tolist()))" 2>"$TMP/err"
    ok "torch_export.py finds the state dict inside a checkpoint" "$PY" "$TOP/scripts/torch_export.py" "$TMP/bilstm.pt" "$TMP/bilstm.safetensors"
    ok "srm certify certifies the 2-layer bidirectional LSTM" "$SRM" certify "$TMP/bilstm.safetensors" --eps 0.01,1e-4
    expect "4 units, verdict stable, k per eps" sh -c "[ \$(grep -c '^layer' '$TMP/out') -eq 4 ] && grep -q '^verdict: certified stable' '$TMP/out' && grep -q 'eps 0.0001: k = ' '$TMP/out'"
    ok "srm run on the exported model" "$SRM" run "$TMP/bilstm.safetensors" --input "$TMP/bx.txt" --out "$TMP/bh.txt"
    expect "its outputs are torch's (float32 weights, 1e-6)" sh -c "grep -v '^#' '$TMP/bh.txt' | paste -d ' ' - '$TMP/by.txt' | awk '{ for (i = 1; i <= 8; i++) { d = \$i - \$(i + 8); if (d < 0) d = -d; if (d > m) m = d } n++ } END { exit !(n == 12 && m < 1e-6) }'"
else
    echo "SKIP torch_export.py checks: no python3 with torch (Debian python3-torch)"
fi
finish
