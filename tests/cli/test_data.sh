# tests/cli/test_data.sh: `srm data stats`: every count of data/README.md for the four tasks
# (--json), the text form, where the data folder is searched (--data-dir, $SRM_DATA, the
# repository's data/, ./data), and the error exits (malformed files name file:line, a missing
# dataset lists the places looked at); `srm data verify` on the tree and on damaged copies.
. "$(dirname "$0")/lib.sh"
D=$TOP/data

# check_keys FILE KEY=VALUE...: each top-level JSON key has exactly that value
check_keys() {
    f=$1; shift
    for kv in "$@"; do
        k=${kv%%=*}; want=${kv#*=}; got=$(json_get "$k" "$f")
        expect "$k = $want (got $got)" [ "$got" = "$want" ]
    done
}

expect "the repository holds data/wikitext-2/ and data/atis/" [ -d "$D/wikitext-2" ] && [ -d "$D/atis" ]
if [ -d "$D/wikitext-2" ] && [ -d "$D/atis" ]; then
    ok "wikitext2 stats" "$SRM" data stats --task wikitext2 --data-dir "$D" --json
    check_keys "$TMP/out" train_lines=36718 valid_lines=3760 test_lines=4358 \
        train_tokens=2088628 valid_tokens=217646 test_tokens=245569 vocab=33278
    ok "ptbchar stats" "$SRM" data stats --task ptbchar --data-dir "$D" --json
    check_keys "$TMP/out" train_lines=42068 valid_lines=3370 test_lines=3761 \
        train_tokens=5017483 valid_tokens=393043 test_tokens=442424 \
        train_chars=4975414 valid_chars=389672 test_chars=438662 vocab=50
    ok "jsb stats" "$SRM" data stats --task jsb --data-dir "$D" --json
    check_keys "$TMP/out" train_chorales=229 valid_chorales=76 test_chorales=77 \
        train_steps=13807 valid_steps=4602 test_steps=4725 \
        train_min_length=25 train_max_length=129 valid_min_length=32 valid_max_length=144 \
        test_min_length=32 test_max_length=160 \
        train_active_notes=53824 valid_active_notes=17811 test_active_notes=18367 \
        train_silent_steps=18 valid_silent_steps=29 test_silent_steps=17 \
        train_min_pitch=43 train_max_pitch=96 valid_min_pitch=48 valid_max_pitch=96 \
        test_min_pitch=45 test_max_pitch=96 train_max_notes=4 keys=88
    ok "atis stats" "$SRM" data stats --task atis --data-dir "$D" --json
    check_keys "$TMP/out" train_utterances=4978 test_utterances=893 train_words=56200 \
        test_words=9164 atis2_train_utterances=4478 atis2_dev_utterances=500 \
        atis2_train_words=50497 atis2_dev_words=5703 slot_tags_train=121 slot_tags_test=101 \
        slot_tags_union=127 slot_types_train=79 slot_types_union=83 intents_train=22 \
        intents_test=20 intents_union=26 word_vocab_train=898 train_max_words=46
    only=$(json_get slot_tags_test_only "$TMP/out" | tr ' ' '\n' | sort | tr '\n' ' ')
    expect "the six test-only tags ($only)" [ "$only" = "B-booking_class B-compartment B-flight B-stoploc.airport_code I-flight_number I-state_name " ]
    ok "text form" "$SRM" data stats --task ptbchar --data-dir "$D"
    expect "text form prints 'vocab: 50'" grep -Eq '^vocab: +50$' "$TMP/out"
fi

# Hand-made datasets in $TMP: the search order --data-dir, $SRM_DATA, the repository's data/,
# ./data, run from a folder with no data beside it.
mkdir -p "$TMP/good/jsb-chorales" "$TMP/bad/jsb-chorales" "$TMP/bad/atis" "$TMP/empty" \
    "$TMP/bin" "$TMP/work"
for s in train valid test; do
    printf '# c\n# c\n1\n2\n2 60 64\n0\n' >"$TMP/good/jsb-chorales/jsb_$s.txt"
    cp "$TMP/good/jsb-chorales/jsb_$s.txt" "$TMP/bad/jsb-chorales/jsb_$s.txt"
done
ok "SRM_DATA is searched first" sh -c "cd '$TMP/work' && env SRM_DATA='$TMP/good' '$SRM' data stats --task jsb --json"
check_keys "$TMP/out" train_chorales=1 train_steps=2 train_active_notes=2 train_silent_steps=1
expect "data_dir is \$SRM_DATA" [ "$(json_get data_dir "$TMP/out")" = "$TMP/good" ]
# ./data in the working folder: a dataset different from the repository's (1 chorale per split).
mkdir -p "$TMP/work/data"
cp -r "$TMP/good/jsb-chorales" "$TMP/work/data/"
ok "--data-dir beats \$SRM_DATA" sh -c "cd '$TMP/work' && env SRM_DATA='$TMP/good' '$SRM' data stats --task jsb --data-dir '$D' --json"
expect "data_dir is --data-dir" [ "$(json_get data_dir "$TMP/out")" = "$D" ]
expect "with the real counts" [ "$(json_get train_chorales "$TMP/out")" = 229 ]
ok "the repository's data/ without \$SRM_DATA" sh -c "cd '$TMP/work' && env -u SRM_DATA '$SRM' data stats --task jsb --json"
expect "data_dir is the repository's data/ (beats ./data)" [ "$(json_get data_dir "$TMP/out")" = "$D" ]
expect "with the real counts" [ "$(json_get train_chorales "$TMP/out")" = 229 ]
ok "\$SRM_DATA beats the repository's data/" sh -c "cd '$TMP/work' && env SRM_DATA='$TMP/good' '$SRM' data stats --task jsb --json"
expect "data_dir is \$SRM_DATA, not the repository's" [ "$(json_get train_chorales "$TMP/out")" = 1 ]
# A copy of srm outside the repository finds no repository data/: ./data is next.
cp "$SRM" "$TMP/bin/srm"
ok "./data is searched last" sh -c "cd '$TMP/work' && env -u SRM_DATA '$TMP/bin/srm' data stats --task jsb --json"
expect "data_dir is ./data" [ "$(json_get data_dir "$TMP/out")" = ./data ]
expect "with the hand-made counts" [ "$(json_get train_chorales "$TMP/out")" = 1 ]
rm -r "$TMP/work/data"

printf '# c\n# c\n1\n2\n2 60 64\n1 110\n' >"$TMP/bad/jsb-chorales/jsb_valid.txt"
status 2 "bad pitch: exit 2" "$SRM" data stats --task jsb --data-dir "$TMP/bad"
expect "message names file:line" grep -q "jsb-chorales/jsb_valid.txt:6: pitch 110 outside" "$TMP/err"
printf '# c\n# c\n2\n2\n2 60 64\n1 60\n' >"$TMP/bad/jsb-chorales/jsb_valid.txt"
status 2 "truncated JSB: exit 2" "$SRM" data stats --task jsb --data-dir "$TMP/bad"
expect "message names file:line" grep -q "jsb_valid.txt:7: file ends where the length of chorale 2" "$TMP/err"
printf 'BOS a b EOS\tO O O atis_flight\nBOS a b EOS\tO O atis_flight\n' >"$TMP/bad/atis/atis.train.w-intent.iob"
cp "$TMP/bad/atis/atis.train.w-intent.iob" "$TMP/bad/atis/atis.test.w-intent.iob"
status 2 "ragged ATIS line: exit 2" "$SRM" data stats --task atis --data-dir "$TMP/bad"
expect "message names file:line" grep -q "atis/atis.train.w-intent.iob:2: 4 words" "$TMP/err"

status 2 "--data-dir without the task: exit 2" "$SRM" data stats --task atis --data-dir "$TMP/empty"
expect "message names the folder" grep -q "no folder atis/ in any of: $TMP/empty (--data-dir)\$" "$TMP/err"
# A copy of srm outside the repo, run from a folder with no data: every place is listed.
status 2 "missing dataset: exit 2" sh -c "cd '$TMP/work' && env SRM_DATA='$TMP/empty' '$TMP/bin/srm' data stats --task wikitext2"
expect "lists \$SRM_DATA, beside the executable, ./data" \
    grep -q "$TMP/empty (\$SRM_DATA), $TMP/bin/data (next to the executable; no data/MANIFEST.sha256 there or in its two parents), ./data; give --data-dir or set SRM_DATA" "$TMP/err"

status 2 "unknown task: exit 2" "$SRM" data stats --task wikitext103
status 2 "--task missing: exit 2" "$SRM" data stats
status 2 "unknown action: exit 2" "$SRM" data count --task jsb
ok "--help" "$SRM" data --help
expect "--help documents the json keys" sh -c "grep -q S_tokens '$TMP/out' && grep -q slot_tags_union '$TMP/out'"
expect "--help documents verify and its manifest" sh -c "grep -q 'srm data verify' '$TMP/out' && grep -q 'MISMATCH sha256' '$TMP/out' && grep -q 'repository.s data/MANIFEST.sha256' '$TMP/out'"

# ---- srm data verify
M=$D/MANIFEST.sha256
# The manifest agrees with data/README.md: each file's row holds its size (with commas) and
# sha256, and the manifest lists as many files as the README's tables (14).
nfiles=$(grep -vc '^#' "$M")
expect "the manifest lists 14 files ($nfiles)" [ "$nfiles" -eq 14 ]
grep -v '^#' "$M" | while read -r h s p; do
    sc=$(echo "$s" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
    if grep -F "| $(basename "$p") | $sc |" "$D/README.md" | grep -qF "| $h |"; then echo "PASS"
    else echo "FAIL $p"; fi
done >"$TMP/readme-check"
expect "every manifest line matches its data/README.md row" sh -c "! grep -q FAIL '$TMP/readme-check' && [ \$(grep -c PASS '$TMP/readme-check') -eq 14 ]"
# The sizes and hashes are those of the files (sha256sum, stat), independently of srm.
expect "the manifest equals sha256sum and stat of the files" sh -c "cd '$D' && grep -v '^#' MANIFEST.sha256 | while read -r h s p; do [ \"\$(sha256sum \"\$p\" | cut -d' ' -f1) \$(stat -c %s \"\$p\")\" = \"\$h \$s\" ] || exit 1; done"
ok "verify passes on the tree" sh -c "cd '$TMP/work' && env -u SRM_DATA '$SRM' data verify"
expect "verify prints 14 ok lines and the summary" sh -c "[ \$(grep -c '^ok  *[a-z]' '$TMP/out') -eq 14 ] && grep -q '^14 files: 14 ok, 0 bad (data folder $D, manifest $M)' '$TMP/out'"
ok "verify --json" sh -c "cd '$TMP/work' && env -u SRM_DATA '$SRM' data verify --json"
check_keys "$TMP/out" checked=14 ok=14 bad=0
expect "--json is one object" sh -c "[ \$(wc -l <'$TMP/out') -eq 1 ] && grep -q '\"bad_files\": \[\]' '$TMP/out'"
# Damaged copies, without their own manifest: checked against the repository's manifest.
cp -r "$D" "$TMP/copy"
rm "$TMP/copy/MANIFEST.sha256"
ok "an intact copy verifies against the repository's manifest" "$SRM" data verify --data-dir "$TMP/copy"
expect "the manifest is the repository's" grep -q "manifest $M)" "$TMP/out"
cp -r "$TMP/copy" "$TMP/flip"
printf 'X' | dd of="$TMP/flip/atis/atis.test.w-intent.iob" bs=1 seek=1000 conv=notrunc 2>/dev/null
status 1 "one byte changed: exit 1" "$SRM" data verify --data-dir "$TMP/flip"
expect "the changed file is MISMATCH sha256" grep -q '^MISMATCH sha256 atis/atis.test.w-intent.iob' "$TMP/out"
expect "the error names it" grep -q "1 of 14 files do not match .*: atis/atis.test.w-intent.iob (MISMATCH sha256)\$" "$TMP/err"
expect "the summary counts 13 ok, 1 bad" grep -q '^14 files: 13 ok, 1 bad' "$TMP/out"
status 1 "one byte changed, --json: exit 1" "$SRM" data verify --data-dir "$TMP/flip" --json
check_keys "$TMP/out" ok=13 bad=1
expect "--json names the file" grep -q '"bad_files": \["atis/atis.test.w-intent.iob"\]' "$TMP/out"
cp -r "$TMP/copy" "$TMP/cut"
truncate -s 1000 "$TMP/cut/ptb-char/ptb.char.valid.txt"
rm "$TMP/cut/jsb-chorales/jsb_test.txt"
status 1 "a truncated and a removed file: exit 1" "$SRM" data verify --data-dir "$TMP/cut"
expect "the truncated file is MISMATCH size" grep -q '^MISMATCH size   ptb-char/ptb.char.valid.txt (1000 bytes, manifest 786084)' "$TMP/out"
expect "the removed file is missing" grep -q '^missing         jsb-chorales/jsb_test.txt$' "$TMP/out"
expect "the error names both" grep -q "2 of 14 files do not match .*: jsb-chorales/jsb_test.txt (missing), ptb-char/ptb.char.valid.txt (MISMATCH size)\$" "$TMP/err"
# A folder's own manifest comes first: a changed manifest line makes the intact file fail.
cp "$M" "$TMP/copy/MANIFEST.sha256"
sed -i 's/ 92042 atis/ 92043 atis/' "$TMP/copy/MANIFEST.sha256"
status 1 "the folder's own manifest is used" "$SRM" data verify --data-dir "$TMP/copy"
expect "its manifest is named" grep -q "manifest $TMP/copy/MANIFEST.sha256)" "$TMP/out"
printf 'not a manifest line\n' >"$TMP/copy/MANIFEST.sha256"
status 2 "a malformed manifest: exit 2" "$SRM" data verify --data-dir "$TMP/copy"
expect "the message names manifest:line" grep -q "$TMP/copy/MANIFEST.sha256:1: expected" "$TMP/err"
printf '%064d 99999999999999999999999 jsb-chorales/jsb_test.txt\n' 0 >"$TMP/copy/MANIFEST.sha256"
status 2 "a size beyond 2^64 in the manifest: exit 2, not a wrapped size" "$SRM" data verify --data-dir "$TMP/copy"
expect "the message names manifest:line and the size" grep -q "$TMP/copy/MANIFEST.sha256:1: expected a size" "$TMP/err"
rm "$TMP/copy/MANIFEST.sha256"
status 2 "no manifest at all (srm outside the repository): exit 2" "$TMP/bin/srm" data verify --data-dir "$TMP/copy"
expect "the message names both places" grep -q "no manifest: no $TMP/copy/MANIFEST.sha256, and no repository data/MANIFEST.sha256" "$TMP/err"
status 1 "verify of a folder without data: exit 1" "$SRM" data verify --data-dir "$TMP/empty"
status 2 "verify takes no --task: exit 2" "$SRM" data verify --task jsb
finish
