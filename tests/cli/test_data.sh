# tests/cli/test_data.sh: `srm data stats`: every count of shared/data/README.md for the four
# tasks (--json), the text form, where the data folder is searched, and the error exits
# (malformed files name file:line, a missing dataset lists the places looked at).
. "$(dirname "$0")/lib.sh"
D=$TOP/../shared/data

# check_keys FILE KEY=VALUE...: each top-level JSON key has exactly that value
check_keys() {
    f=$1; shift
    for kv in "$@"; do
        k=${kv%%=*}; want=${kv#*=}; got=$(json_get "$k" "$f")
        expect "$k = $want (got $got)" [ "$got" = "$want" ]
    done
}

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
    # From the repo root without --data-dir, the search finds ../shared/data.
    ok "found without --data-dir" sh -c "cd '$TOP' && env -u SRM_DATA '$SRM' data stats --task atis --json >'$TMP/found'"
    expect "searched folder has the same counts" [ "$(json_get train_utterances "$TMP/found")" = 4978 ]
else
    echo "SKIP real-data counts: no $D (wikitext-2/, atis/)"
fi

# Hand-made datasets in $TMP: SRM_DATA is searched, and wins over ../shared/data.
mkdir -p "$TMP/good/jsb-chorales" "$TMP/bad/jsb-chorales" "$TMP/bad/atis" "$TMP/empty" \
    "$TMP/bin" "$TMP/work"
for s in train valid test; do
    printf '# c\n# c\n1\n2\n2 60 64\n0\n' >"$TMP/good/jsb-chorales/jsb_$s.txt"
    cp "$TMP/good/jsb-chorales/jsb_$s.txt" "$TMP/bad/jsb-chorales/jsb_$s.txt"
done
ok "SRM_DATA is searched first" env SRM_DATA="$TMP/good" "$SRM" data stats --task jsb --json
check_keys "$TMP/out" train_chorales=1 train_steps=2 train_active_notes=2 train_silent_steps=1
expect "data_dir is \$SRM_DATA" [ "$(json_get data_dir "$TMP/out")" = "$TMP/good" ]

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

status 1 "--data-dir without the task: exit 1" "$SRM" data stats --task atis --data-dir "$TMP/empty"
expect "message names the folder" grep -q "no folder atis/ in any of: $TMP/empty (--data-dir)\$" "$TMP/err"
# A copy of srm outside the repo, run from a folder with no data: every place is listed.
cp "$SRM" "$TMP/bin/srm"
status 1 "missing dataset: exit 1" sh -c "cd '$TMP/work' && env SRM_DATA='$TMP/empty' '$TMP/bin/srm' data stats --task wikitext2"
expect "lists \$SRM_DATA, ./data, ../shared/data, beside the executable" \
    grep -q "$TMP/empty (\$SRM_DATA), ./data, ../shared/data, $TMP/shared/data (next to the executable).*; give --data-dir or set SRM_DATA" "$TMP/err"

status 2 "unknown task: exit 2" "$SRM" data stats --task wikitext103
status 2 "--task missing: exit 2" "$SRM" data stats
status 2 "unknown action: exit 2" "$SRM" data count --task jsb
ok "--help" "$SRM" data --help
expect "--help documents the json keys" sh -c "grep -q S_tokens '$TMP/out' && grep -q slot_tags_union '$TMP/out'"
finish
