/* tests/test_formats.c: the file formats on hand-made files: the vocabulary (task/vocab.h), the
 * Wikitext-2, PTB-char, JSB and ATIS parsers (task/) with every error path provoked by files in
 * a temporary folder, SHA-256 (core/sha256.h) on the FIPS 180-4 vectors, and the manifest check
 * (format, size and hash mismatches, missing files). The real datasets are in tests/test_data.c.
 * Counts are exact integers, so there is no tolerance. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/sha256.h"
#include "task/atis.h"
#include "task/corpus.h"
#include "task/dataset.h"
#include "task/music.h"
#include "task/vocab.h"
#include "tests/harness.h"
#include "tests/scratch.h"


/* The last error is `code` and its message contains `needle`. */
static int failed_with(int rc, int code, const char *needle)
{
    int ok = rc == code && strstr(srm_error_message(), needle) != NULL;
    if (!ok) printf("  (rc %d, message: %s)\n", rc, srm_error_message());
    return ok;
}

/* ---------------------------------------------------------------- vocabulary */

static void test_vocab(void)
{
    srm_vocab *v = srm_vocab_alloc();
    char w[32];
    int32_t id = 0;
    int ok = 1;
    /* 100k words force many table doublings; ids must stay in insertion order. */
    for (int i = 0; i < 100000 && ok; i++) {
        snprintf(w, sizeof w, "w%d", i);
        ok = srm_vocab_intern(v, w, strlen(w), &id) == SRM_OK && id == i;
    }
    CHECK(ok && srm_vocab_size(v) == 100000, "vocab: 100000 distinct words get ids 0..99999");
    int found = 1;
    for (int i = 0; i < 100000; i += 7) {
        snprintf(w, sizeof w, "w%d", i);
        found &= srm_vocab_find(v, w, strlen(w)) == i &&
                 strcmp(srm_vocab_word(v, i), w) == 0;
    }
    CHECK(found, "vocab: find and word round-trip after rehashing");
    CHECK(srm_vocab_intern(v, "w5", 2, &id) == SRM_OK && id == 5 && srm_vocab_size(v) == 100000,
          "vocab: interning a known word returns its id and adds nothing");
    CHECK(srm_vocab_find(v, "w100000", 7) == -1 && srm_vocab_find(v, "w1", 1) == -1,
          "vocab: absent words (and prefixes) are -1");
    const char utf8[] = "Senj\xc5\x8d";
    srm_vocab_intern(v, utf8, strlen(utf8), &id);
    CHECK(srm_vocab_word_length(v, id) == 6 && memcmp(srm_vocab_word(v, id), utf8, 6) == 0,
          "vocab: UTF-8 bytes are kept as they are");
    srm_vocab_free(v);
}

/* ---------------------------------------------------------------- hand-made files */

static void make_corpus(const char *folder, const char *const names[3], const char *train,
                        const char *valid, const char *test)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/%s", scratch_dir, folder);
    mkdir(sub, 0755);
    const char *texts[3] = {train, valid, test};
    for (int s = 0; s < 3; s++) {
        snprintf(sub, sizeof sub, "%s/%s", folder, names[s]);
        if (texts[s]) write_text(sub, texts[s]);
        else unlink(path_in(sub));
    }
}

static const char *const wt_names[3] = {"train.txt", "valid.txt", "test.txt"};
static const char *const ptb_names[3] = {"ptb.char.train.txt", "ptb.char.valid.txt",
                                         "ptb.char.test.txt"};

static void test_corpus_small(void)
{
    srm_corpus *c = NULL;
    srm_error_clear();
    /* Blank first line (so <eos> = 0 as in Wikitext-2), tabs, and a last line without '\n'. */
    make_corpus("wikitext-2", wt_names, " \n a b \n\tb  c\nc", " c a \n", " \n");
    int rc = srm_corpus_load(SRM_TASK_WIKITEXT2, scratch_dir, &c);
    CHECK(rc == SRM_OK, "small corpus loads (%s)", srm_error_message());
    if (rc == SRM_OK) {
        const int32_t want[] = {0, 1, 2, 0, 2, 3, 0, 3, 0};
        const srm_corpus_split *tr = &c->split[SRM_SPLIT_TRAIN];
        CHECK(tr->ntokens == 9 && memcmp(tr->ids, want, sizeof want) == 0,
              "train ids in order of first appearance, <eos> after every line (%zu tokens)",
              tr->ntokens);
        CHECK(tr->nlines == 3 && tr->neos == 4,
              "3 '\\n' lines, 4 <eos>: a final piece without '\\n' is a line (got %zu, %zu)",
              tr->nlines, tr->neos);
        const int32_t wv[] = {3, 1, 0};
        CHECK(c->split[SRM_SPLIT_VALID].ntokens == 3 &&
                  memcmp(c->split[SRM_SPLIT_VALID].ids, wv, sizeof wv) == 0,
              "valid tokens take the train ids");
        CHECK(srm_vocab_size(c->vocab) == 4 && c->eos == 0, "vocab 4, <eos> = 0");
    }
    srm_corpus_free(c);

    make_corpus("wikitext-2", wt_names, " a b \n", " a \n a zzz \n", " b \n");
    rc = srm_corpus_load(SRM_TASK_WIKITEXT2, scratch_dir, &c);
    CHECK(failed_with(rc, SRM_EINVAL, "wikitext-2/valid.txt:2: token 'zzz'") && c == NULL,
          "valid token absent from train: SRM_EINVAL naming file:line and the token");

    make_corpus("wikitext-2", wt_names, " a b \n", " a \n", " b \n");
    write_file("wikitext-2/train.txt", " a b \n a\0b \n", 12);
    rc = srm_corpus_load(SRM_TASK_WIKITEXT2, scratch_dir, &c);
    CHECK(failed_with(rc, SRM_EINVAL, "wikitext-2/train.txt:2: NUL byte"),
          "NUL byte: SRM_EINVAL naming file:line");

    make_corpus("wikitext-2", wt_names, " a \n", " a \n", NULL);
    rc = srm_corpus_load(SRM_TASK_WIKITEXT2, scratch_dir, &c);
    CHECK(failed_with(rc, SRM_EINVAL, "wikitext-2/test.txt: cannot open"),
          "missing split file: SRM_EINVAL naming the path");

    make_corpus("ptb-char", ptb_names, "a _ b\n a\n ", " b \n ", " a \n ");
    rc = srm_corpus_load(SRM_TASK_PTBCHAR, scratch_dir, &c);
    CHECK(rc == SRM_OK && c->split[SRM_SPLIT_TRAIN].ntokens == 7 &&
              c->split[SRM_SPLIT_TRAIN].nlines == 2 && srm_vocab_size(c->vocab) == 4 &&
              c->eos == 3,
          "PTB-char: final ' ' line adds an <eos>; <eos> id by first appearance");
    srm_corpus_free(c);
    make_corpus("ptb-char", ptb_names, "a _ b\n the cat\n", " b \n", " a \n");
    rc = srm_corpus_load(SRM_TASK_PTBCHAR, scratch_dir, &c);
    CHECK(failed_with(rc, SRM_EINVAL, "ptb-char/ptb.char.train.txt:2: token 'the' is not one"),
          "PTB-char multi-character token (a word-level file): SRM_EINVAL file:line");
}

static int music_fails(const char *text, const char *needle)
{
    write_text("m.txt", text);
    srm_music_split s;
    srm_error_clear();
    int rc = srm_music_read(path_in("m.txt"), &s);
    char want[400];
    snprintf(want, sizeof want, "%s/m.txt:%s", scratch_dir, needle);
    return failed_with(rc, SRM_EINVAL, want) && s.keys == NULL && s.nchorales == 0;
}

static void test_music_small(void)
{
    srm_music_split s;
    write_text("m.txt", "# comment\n# format\n2\n3\n4 60 64 67 72\n0\n1 21\n\n2\n2 107 108\n0");
    srm_error_clear();
    int rc = srm_music_read(path_in("m.txt"), &s);
    CHECK(rc == SRM_OK && s.nchorales == 2 && s.nsteps == 5 && s.nnotes == 7,
          "small JSB file (blank line, no final newline): 2 chorales, 5 steps, 7 notes (%s)",
          srm_error_message());
    if (rc == SRM_OK) {
        double f[3 * SRM_MUSIC_KEYS];
        srm_music_frames(&s, 0, f);
        double sum = 0;
        for (int i = 0; i < 3 * SRM_MUSIC_KEYS; i++) sum += f[i];
        CHECK(sum == 5 && f[39] == 1 && f[43] == 1 && f[46] == 1 && f[51] == 1 &&
                  f[2 * SRM_MUSIC_KEYS + 0] == 1,
              "frames: key = pitch - 21 (60 -> 39, 21 -> 0 at step 3), silence is a zero row");
        srm_music_frames(&s, 1, f);
        double second = 0;
        for (int j = 0; j < SRM_MUSIC_KEYS; j++) second += f[SRM_MUSIC_KEYS + j];
        CHECK(srm_music_length(&s, 1) == 2 && f[86] == 1 && f[87] == 1 && second == 0,
              "frames: pitches 107, 108 are keys 86, 87; the silent step is a zero row");
    }
    srm_music_split_clear(&s);
    CHECK(music_fails("2\n1\n1 20\n1\n0\n", "3: pitch 20 outside 21..108"), "pitch 20 rejected");
    CHECK(music_fails("1\n2\n0\n2 60 109\n", "4: pitch 109 outside"), "pitch 109 rejected");
    CHECK(music_fails("1\n2\n3 60 64\n0\n", "3: step line 'k p1 .. pk' has k=3 but 2"),
          "k larger than the pitches given rejected");
    CHECK(music_fails("1\n1\n1 60 64\n", "3: step line 'k p1 .. pk' has k=1 but 2"),
          "k smaller than the pitches given rejected");
    CHECK(music_fails("1\n1\n89 60\n", "3: note count k=89"), "k > 88 rejected");
    CHECK(music_fails("2\n2\n0\n0\n3\n1 60\n", "7: file ends inside chorale 2 of 2 (step 2"),
          "file truncated inside a chorale rejected");
    CHECK(music_fails("# c\n2\n1\n0\n", "5: file ends where the length of chorale 2"),
          "file truncated before a chorale rejected");
    CHECK(music_fails("1\n1\n0\n1\n", "4: data after the last of 1 chorales"),
          "data after the last chorale rejected");
    CHECK(music_fails("1\n1\n2 64 60\n", "3: pitches not strictly ascending"),
          "descending pitches rejected");
    CHECK(music_fails("1\n1\n2 60 60\n", "3: pitches not strictly ascending"),
          "repeated pitch rejected");
    CHECK(music_fails("1\n1\n1 6x\n", "3: '6x' is not an integer"), "non-integer rejected");
    CHECK(music_fails("0\n", "1: expected the number of chorales"), "N = 0 rejected");
    CHECK(music_fails("", "1: file ends where the number of chorales"), "empty file rejected");
    CHECK(music_fails("1\n1\n# late comment\n", "3: '#' is not an integer"),
          "'#' lines only before N");
    srm_error_clear();
    CHECK(failed_with(srm_music_read(path_in("absent.txt"), &s), SRM_EINVAL,
                      "absent.txt: cannot"),
          "missing JSB file: SRM_EINVAL naming the path");
}

static const char *atis_train_good =
    "BOS show flights to boston EOS\t O O O O B-toloc.city_name atis_flight\n"
    "BOS cheap fare EOS\tO B-cost_relative O atis_airfare\n";

static int atis_fails(const char *train_text, const char *needle)
{
    mkdir(path_in("atis"), 0755);
    write_text("atis/atis.train.w-intent.iob", train_text);
    write_text("atis/atis.test.w-intent.iob", "BOS fare EOS\tO O atis_airfare\n");
    srm_atis *a = NULL;
    srm_error_clear();
    int rc = srm_atis_load(scratch_dir, SRM_ATIS_STANDARD, &a);
    char want[400];
    snprintf(want, sizeof want, "%s/atis/atis.train.w-intent.iob:%s", scratch_dir, needle);
    return failed_with(rc, SRM_EINVAL, want) && a == NULL;
}

static void test_atis_small(void)
{
    mkdir(path_in("atis"), 0755);
    write_text("atis/atis.train.w-intent.iob", atis_train_good);
    write_text("atis/atis.test.w-intent.iob",
               "BOS show zurich flights EOS\tO O B-fromloc.city_name O atis_flight\n"
               "BOS fare to boston EOS\tO O O B-toloc.city_name atis_ground_service\n");
    srm_atis *a = NULL;
    srm_error_clear();
    int rc = srm_atis_load(scratch_dir, SRM_ATIS_STANDARD, &a);
    CHECK(rc == SRM_OK, "small ATIS loads (%s)", srm_error_message());
    if (rc == SRM_OK) {
        const srm_atis_split *tr = &a->split[SRM_SPLIT_TRAIN], *te = &a->split[SRM_SPLIT_TEST];
        CHECK(tr->n == 2 && tr->nwords == 6 && tr->start[1] == 4 && tr->max_words == 4,
              "train: 2 utterances, 6 words without BOS/EOS (extra space after the tab ok)");
        CHECK(srm_vocab_size(a->words) == 7 && tr->words[0] == 1 && tr->distinct_words == 6,
              "word vocab: <unk> = 0, then 6 train words from id 1");
        CHECK(srm_vocab_size(a->tags) == 3 && tr->tags[3] == 1 && tr->tags[4] == 2 &&
                  tr->tags[5] == 0,
              "tags: O = 0, B-toloc.city_name = 1, B-cost_relative = 2");
        CHECK(srm_vocab_size(a->intents) == 3 && tr->intent[0] == 1 && tr->intent[1] == 2,
              "intents: <unk> = 0, then atis_flight, atis_airfare");
        CHECK(te->words[1] == 0 && te->unknown_words == 1 && te->new_words == 1,
              "test: unknown word 'zurich' -> <unk> (id 0)");
        CHECK(te->tags[1] == 0 && te->unseen_tags == 1 && srm_vocab_size(te->new_tags) == 1 &&
                  strcmp(srm_vocab_word(te->new_tags, 0), "B-fromloc.city_name") == 0,
              "test: tag unseen in training -> O, and recorded by name");
        CHECK(te->intent[0] == 1 && te->intent[1] == 0 && te->unseen_intents == 1 &&
                  te->distinct_intents == 2,
              "test: intent unseen in training -> <unk> (id 0)");
        CHECK(a->split[SRM_SPLIT_VALID].file == NULL && a->split[SRM_SPLIT_VALID].n == 0,
              "standard layout has no valid split");
    }
    srm_atis_free(a);

    CHECK(atis_fails("BOS a b EOS\tO O O atis_flight\nBOS a b EOS\tO O atis_flight\n",
                     "2: 4 words (with BOS, EOS) but 3 tags"),
          "ragged line (fewer tags than words) rejected");
    CHECK(atis_fails("BOS a EOS O O atis_flight\n", "1: expected one tab"), "line without tab");
    CHECK(atis_fails("BOS a EOS\tO O\tatis_flight\n", "1: expected one tab"), "two tabs");
    CHECK(atis_fails("a b EOS\tO O atis_flight\n", "1: the words must be 'BOS"), "missing BOS");
    CHECK(atis_fails("BOS a b\tO O atis_flight\n", "1: the words must be 'BOS"), "missing EOS");
    CHECK(atis_fails("BOS a EOS\tB-x O atis_flight\n", "1: the tag of BOS must be O"),
          "BOS tag not O");
    CHECK(atis_fails("BOS a EOS\tO X-city atis_flight\n", "1: slot tag 1 'X-city' is not O"),
          "tag outside BIO");
    {
        mkdir(path_in("atis"), 0755);
        write_text("atis/atis.train.w-intent.iob",
                   "BOS a EOS\tO O atis_flight\n\n  \nBOS a EOS\tO O atis_flight\n\n");
        write_text("atis/atis.test.w-intent.iob", "BOS fare EOS\tO O atis_airfare\n");
        srm_atis *b = NULL;
        int brc = srm_atis_load(scratch_dir, SRM_ATIS_STANDARD, &b);
        CHECK(brc == SRM_OK && b && b->split[SRM_SPLIT_TRAIN].n == 2,
              "blank lines are skipped, as the JSB loader skips them (2 utterances)");
        srm_atis_free(b);
    }
}

/* ---------------------------------------------------------------- sha256, manifest */

static void hex_of(const void *data, size_t len, char hex[65])
{
    srm_sha256 s;
    unsigned char d[SRM_SHA256_BYTES];
    srm_sha256_init(&s);
    srm_sha256_update(&s, data, len);
    srm_sha256_final(&s, d);
    srm_sha256_hex(d, hex);
}

static void test_sha256(void)
{
    /* FIPS 180-4 / NIST CSRC example vectors. */
    char hex[65];
    hex_of("", 0, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0,
          "sha256 of the empty string (%s)", hex);
    hex_of("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
          "sha256 of 'abc' (%s)", hex);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(two, strlen(two), hex);
    CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0,
          "sha256 of the 448-bit two-block message (%s)", hex);
    /* A million 'a's fed in uneven pieces: the block buffering must not depend on them. */
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    srm_sha256 s;
    unsigned char d[SRM_SHA256_BYTES];
    srm_sha256_init(&s);
    size_t left = 1000000;
    for (size_t k = 1; left > 0; k = k % 997 + 1) {
        size_t take = k < left ? k : left;
        srm_sha256_update(&s, chunk, take);
        left -= take;
    }
    srm_sha256_final(&s, d);
    srm_sha256_hex(d, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
          "sha256 of a million 'a's in pieces of 1..997 bytes (%s)", hex);
    /* Lengths around the padding boundary (55, 56, 63, 64 bytes) against one-shot hashing of
     * the same bytes split in two. */
    int same = 1;
    for (size_t n = 50; n <= 130; n++) {
        char one[65], split[65];
        hex_of(chunk, n, one);
        srm_sha256_init(&s);
        srm_sha256_update(&s, chunk, n / 3);
        srm_sha256_update(&s, chunk, n - n / 3);
        srm_sha256_final(&s, d);
        srm_sha256_hex(d, split);
        same &= strcmp(one, split) == 0;
    }
    hex_of(chunk, 64, hex);
    CHECK(same && strcmp(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
                      == 0,
          "sha256 of 64 'a's (one full block plus a padding block), and splits agree");
    write_text("abc.txt", "abc");
    uint64_t size = 0;
    CHECK(srm_sha256_file(path_in("abc.txt"), hex, &size) == SRM_OK && size == 3 &&
              strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
          "srm_sha256_file of a file holding 'abc'");
    CHECK(failed_with(srm_sha256_file(path_in("no-such-file"), hex, &size), SRM_EINVAL,
                      "no-such-file"),
          "srm_sha256_file of a missing file: SRM_EINVAL naming it");
}

static void test_manifest(void)
{
    mkdir(path_in("m"), 0755);
    mkdir(path_in("m/sub"), 0755);
    write_text("m/sub/abc.txt", "abc");
    write_text("m/empty.txt", "");
    write_text("m/size.txt", "abcd");
    write_text("m/MANIFEST.sha256",
               "# a comment\n"
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3 sub/abc.txt\n"
               "\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 empty.txt\n"
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3 size.txt\n"
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 0 empty.txt\n"
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3 gone.txt\n");
    srm_data_file *f = NULL;
    size_t n = 0, bad = 0;
    int rc = srm_data_verify(path_in("m"), path_in("m/MANIFEST.sha256"), &f, &n, &bad);
    CHECK(rc == SRM_OK && n == 5 && bad == 3, "manifest: 5 files, 3 bad (rc %d, n %zu, bad %zu)",
          rc, n, bad);
    if (rc == SRM_OK && n == 5) {
        CHECK(f[0].status == SRM_DATA_FILE_OK && strcmp(f[0].path, "sub/abc.txt") == 0 &&
                  f[1].status == SRM_DATA_FILE_OK,
              "manifest: matching files are ok (paths relative to the folder)");
        CHECK(f[2].status == SRM_DATA_FILE_SIZE && f[2].size == 4 && f[2].want_size == 3,
              "manifest: a file of another size is MISMATCH size");
        CHECK(f[3].status == SRM_DATA_FILE_SHA256 && strcmp(f[3].sha256, f[3].want_sha256) != 0,
              "manifest: same size, other bytes is MISMATCH sha256");
        CHECK(f[4].status == SRM_DATA_FILE_MISSING &&
                  strcmp(srm_data_file_status_name(f[4].status), "missing") == 0,
              "manifest: an absent file is missing");
    }
    srm_data_files_free(f, n);
    const char *bad_lines[] = {
        "BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3 x\n",
        "ba7816bf 3 x\n",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3x y\n",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3 ../x\n",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3 /etc/x\n",
        "# only comments\n"};
    int all = 1;
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        write_text("m/bad.sha256", bad_lines[i]);
        rc = srm_data_verify(path_in("m"), path_in("m/bad.sha256"), &f, &n, &bad);
        all &= failed_with(rc, SRM_EINVAL, "bad.sha256") && f == NULL;
    }
    CHECK(all, "malformed manifests (upper-case hex, short hash, bad size, paths leaving the "
               "folder, no files) are SRM_EINVAL naming the manifest");
    CHECK(failed_with(srm_data_verify(path_in("m"), path_in("m/none.sha256"), &f, &n, &bad),
                      SRM_EINVAL, "none.sha256"),
          "an unreadable manifest is SRM_EINVAL (bad input, exit 2)");
}

int main(void)
{
    if (!scratch_open("srm-test-formats")) return 1;
    test_vocab();
    test_sha256();
    test_manifest();
    test_corpus_small();
    test_music_small();
    test_atis_small();
    scratch_close();
    return srm_test_finish();
}
