/* tests/test_data.c: finding the data and the real datasets. The search for the data folder
 * (--data-dir, $SRM_DATA, the repository's data/; missing-dataset errors provoked with folders
 * in a temporary folder), every count of data/README.md checked against the real files (found
 * like the CLI finds them: the repository's data/), and the repository's data/MANIFEST.sha256
 * against those files. Counts are exact integers, so there is no tolerance. The loaders' parsing
 * and error paths, SHA-256 and the manifest format are in tests/test_formats.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/error.h"
#include "core/file.h"
#include "task/atis.h"
#include "task/corpus.h"
#include "task/dataset.h"
#include "task/metric.h"
#include "task/music.h"
#include "task/task_data.h"
#include "task/vocab.h"
#include "tests/harness.h"
#include "tests/scratch.h"


static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The last error is `code` and its message contains `needle`. */
static int failed_with(int rc, int code, const char *needle)
{
    int ok = rc == code && strstr(srm_error_message(), needle) != NULL;
    if (!ok) printf("  (rc %d, message: %s)\n", rc, srm_error_message());
    return ok;
}

/* ---------------------------------------------------------------- locate, manifest of data/ */

static void test_locate(void)
{
    srm_task task;
    CHECK(failed_with(srm_data_task_parse("wikitext103", &task), SRM_EINVAL, "wikitext2, ptbchar"),
          "unknown task name is SRM_EINVAL listing the choices");
    CHECK(srm_data_task_parse("jsb", &task) == SRM_OK && task == SRM_TASK_JSB,
          "task 'jsb' parses");
    char out[4096], empty[300], holder[300], notdir[300];
    snprintf(empty, sizeof empty, "%s/empty", scratch_dir);
    snprintf(holder, sizeof holder, "%s/holder", scratch_dir);
    snprintf(notdir, sizeof notdir, "%s/notdir", scratch_dir);
    mkdir(empty, 0755);
    mkdir(holder, 0755);
    mkdir(path_in("holder/atis"), 0755);
    mkdir(notdir, 0755);
    write_text("notdir/atis", "a file, not a folder\n");

    int rc = srm_data_locate(SRM_TASK_ATIS, empty, out, sizeof out);
    CHECK(failed_with(rc, SRM_EINVAL, empty) && strstr(srm_error_message(), "--data-dir") &&
              strstr(srm_error_message(), "atis/"),
          "--data-dir without atis/: SRM_EINVAL naming the folder and the subfolder");
    CHECK(srm_data_locate(SRM_TASK_ATIS, holder, out, sizeof out) == SRM_OK &&
              strcmp(out, holder) == 0,
          "--data-dir holding atis/ is used");
    CHECK(failed_with(srm_data_locate(SRM_TASK_JSB, holder, out, sizeof out), SRM_EINVAL,
                      "jsb-chorales/"),
          "a folder counts only for the tasks whose subfolder it holds");

    const char *cand[3] = {empty, notdir, "/nonexistent/srm-data"};
    rc = srm_data_locate_among(SRM_TASK_ATIS, cand, NULL, 3, out, sizeof out);
    CHECK(failed_with(rc, SRM_EINVAL, empty) && strstr(srm_error_message(), notdir) &&
              strstr(srm_error_message(), "/nonexistent/srm-data"),
          "missing dataset: the message lists every place looked at");
    const char *cand2[3] = {empty, holder, notdir};
    CHECK(srm_data_locate_among(SRM_TASK_ATIS, cand2, NULL, 3, out, sizeof out) == SRM_OK &&
              strcmp(out, holder) == 0,
          "the first candidate holding the subfolder wins (a file named atis does not count)");

    /* $SRM_DATA comes before the repository's data/ and ./data. */
    const char *old = getenv("SRM_DATA");
    char *saved = old ? strdup(old) : NULL;
    setenv("SRM_DATA", holder, 1);
    CHECK(srm_data_locate(SRM_TASK_ATIS, NULL, out, sizeof out) == SRM_OK &&
              strcmp(out, holder) == 0,
          "$SRM_DATA holding atis/ is used first");
    setenv("SRM_DATA", empty, 1);
    rc = srm_data_locate(SRM_TASK_ATIS, NULL, out, sizeof out);
    char repo[4096];
    int have_repo = srm_data_repository(repo, sizeof repo);
    CHECK(have_repo && strlen(repo) > 5 && strcmp(repo + strlen(repo) - 5, "/data") == 0,
          "the repository's data/ is found from build/tests/ (%s)", repo);
    CHECK(rc == SRM_OK && strcmp(out, repo) == 0,
          "$SRM_DATA without atis/ is skipped: the repository's data/ is next (got %s)",
          rc == SRM_OK ? out : srm_error_message());
    rc = srm_data_locate(SRM_TASK_COUNT, NULL, out, sizeof out);
    CHECK(rc == SRM_OK && strcmp(out, repo) == 0, "any-task search finds the repository's data/");
    rc = srm_data_locate(SRM_TASK_COUNT, empty, out, sizeof out);
    CHECK(failed_with(rc, SRM_EIO, "MANIFEST.sha256") && strstr(srm_error_message(), empty),
          "any-task search: a folder without a manifest or task subfolder does not count");
    if (saved) {
        setenv("SRM_DATA", saved, 1);
        free(saved);
    } else {
        unsetenv("SRM_DATA");
    }
}

/* The repository's manifest lists exactly the files of data/README.md's tables, and they match. */
static void test_repository_manifest(void)
{
    char repo[4096], manifest[4200];
    if (!srm_data_repository(repo, sizeof repo)) {
        CHECK(0, "the repository's data/MANIFEST.sha256 is found from the test program");
        return;
    }
    snprintf(manifest, sizeof manifest, "%s/%s", repo, SRM_DATA_MANIFEST);
    srm_data_file *f = NULL;
    size_t n = 0, bad = 0;
    int rc = srm_data_verify(repo, manifest, &f, &n, &bad);
    CHECK(rc == SRM_OK && n == 14 && bad == 0,
          "every file of the repository's data/ matches its manifest (rc %d, %zu files, %zu bad)",
          rc, n, bad);
    srm_data_files_free(f, n);
}

/* ---------------------------------------------------------------- the real files */

static void test_real_wikitext2(const char *dir)
{
    srm_corpus *c = NULL;
    srm_error_clear();
    double t0 = seconds();
    int rc = srm_corpus_load(SRM_TASK_WIKITEXT2, dir, &c);
    double t1 = seconds();
    CHECK(rc == SRM_OK, "Wikitext-2 loads (%s)", srm_error_message());
    if (rc == SRM_OK) {
        printf("  (Wikitext-2: 3 splits loaded in %.3f s)\n", t1 - t0);
        const size_t lines[3] = {36718, 3760, 4358}, tokens[3] = {2088628, 217646, 245569};
        for (int s = 0; s < 3; s++)
            CHECK(c->split[s].nlines == lines[s] && c->split[s].ntokens == tokens[s],
                  "Wikitext-2 %s: %zu lines, %zu tokens (README %zu, %zu)",
                  srm_data_split_name((srm_split)s), c->split[s].nlines, c->split[s].ntokens,
                  lines[s], tokens[s]);
        CHECK(srm_vocab_size(c->vocab) == 33278, "Wikitext-2 vocab %zu (README 33,278)",
              srm_vocab_size(c->vocab));
        CHECK(c->eos == 0 && srm_vocab_find(c->vocab, "=", 1) == 1 &&
                  srm_vocab_find(c->vocab, "Valkyria", 8) == 2,
              "Wikitext-2 ids by first appearance: <eos>=0, '='=1, 'Valkyria'=2");
        const char senjo[] = "Senj\xc5\x8d"; /* UTF-8 word of train line 3 */
        CHECK(srm_vocab_find(c->vocab, senjo, strlen(senjo)) >= 0,
              "Wikitext-2 UTF-8 tokens are kept as bytes");
    }
    srm_corpus_free(c);
}

static void test_real_ptbchar(const char *dir)
{
    srm_corpus *c = NULL;
    int rc = srm_corpus_load(SRM_TASK_PTBCHAR, dir, &c);
    CHECK(rc == SRM_OK, "PTB-char loads (%s)", srm_error_message());
    if (rc == SRM_OK) {
        const size_t lines[3] = {42068, 3370, 3761}, tokens[3] = {5017483, 393043, 442424},
                     chars[3] = {4975414, 389672, 438662};
        for (int s = 0; s < 3; s++)
            CHECK(c->split[s].nlines == lines[s] && c->split[s].ntokens == tokens[s] &&
                      c->split[s].ntokens - c->split[s].neos == chars[s],
                  "PTB-char %s: %zu sentences, %zu tokens, %zu chars (README %zu, %zu, %zu)",
                  srm_data_split_name((srm_split)s), c->split[s].nlines, c->split[s].ntokens,
                  c->split[s].ntokens - c->split[s].neos, lines[s], tokens[s], chars[s]);
        const char *symbols = "#$&'*-./0123456789<>N\\_abcdefghijklmnopqrstuvwxyz";
        int all = srm_vocab_size(c->vocab) == 50 && strlen(symbols) == 49;
        for (size_t i = 0; all && i < 49; i++)
            all = srm_vocab_find(c->vocab, symbols + i, 1) >= 0;
        CHECK(all && srm_vocab_find(c->vocab, "<eos>", 5) == c->eos,
              "PTB-char vocab %zu = the README's 49 symbols + <eos>", srm_vocab_size(c->vocab));
    }
    srm_corpus_free(c);
}

static void test_real_music(const char *dir)
{
    srm_music *m = NULL;
    int rc = srm_music_load(dir, &m);
    CHECK(rc == SRM_OK, "JSB loads (%s)", srm_error_message());
    if (rc != SRM_OK) return;
    /* README: chorales, steps, min/max length, active notes, silent steps, min/max pitch. */
    const size_t want[3][8] = {{229, 13807, 25, 129, 53824, 18, 43, 96},
                               {76, 4602, 32, 144, 17811, 29, 48, 96},
                               {77, 4725, 32, 160, 18367, 17, 45, 96}};
    for (int si = 0; si < 3; si++) {
        const srm_music_split *s = &m->split[si];
        size_t got[8] = {s->nchorales, s->nsteps, SIZE_MAX, 0, s->nnotes, 0, 999, 0}, poly = 0;
        for (size_t c = 0; c < s->nchorales; c++) {
            size_t T = srm_music_length(s, c);
            got[2] = T < got[2] ? T : got[2];
            got[3] = T > got[3] ? T : got[3];
        }
        for (size_t t = 0; t < s->nsteps; t++) {
            size_t k = s->step_start[t + 1] - s->step_start[t];
            got[5] += k == 0;
            poly = k > poly ? k : poly;
        }
        for (size_t i = 0; i < s->nnotes; i++) {
            size_t p = s->keys[i] + SRM_MUSIC_LOWEST_PITCH;
            got[6] = p < got[6] ? p : got[6];
            got[7] = p > got[7] ? p : got[7];
        }
        CHECK(memcmp(got, want[si], sizeof got) == 0 && poly == 4,
              "JSB %s: chorales %zu steps %zu length %zu..%zu notes %zu silent %zu pitch "
              "%zu..%zu, at most %zu notes (README %zu %zu %zu..%zu %zu %zu %zu..%zu, 4)",
              srm_data_split_name((srm_split)si), got[0], got[1], got[2], got[3], got[4],
              got[5], got[6], got[7], poly, want[si][0], want[si][1], want[si][2], want[si][3],
              want[si][4], want[si][5], want[si][6], want[si][7]);
    }
    /* First step of train is "4 60 72 79 88". */
    const srm_music_split *tr = &m->split[SRM_SPLIT_TRAIN];
    double *f = malloc(srm_music_length(tr, 0) * SRM_MUSIC_KEYS * sizeof *f);
    srm_music_frames(tr, 0, f);
    double row = 0;
    for (int j = 0; j < SRM_MUSIC_KEYS; j++) row += f[j];
    CHECK(row == 4 && f[60 - 21] == 1 && f[72 - 21] == 1 && f[79 - 21] == 1 && f[88 - 21] == 1,
          "JSB train chorale 1 step 1 is pitches 60 72 79 88");
    free(f);
    srm_music_free(m);
}

/* Sorted, whitespace-normalized lines of a file, for comparing multisets of utterances. */
static char **normalized_lines(const char *path, size_t *n)
{
    char *text;
    size_t len;
    *n = 0;
    if (srm_file_read(path, &text, &len) != SRM_OK) return NULL;
    char **lines = malloc((len / 2 + 1) * sizeof *lines);
    for (char *p = text, *end = text + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
        char *out = malloc((size_t)(stop - p) + 1), *o = out;
        for (char *q = p; q < stop;) {
            while (q < stop && srm_data_is_space((unsigned char)*q)) q++;
            if (q == stop) break;
            if (o != out) *o++ = ' ';
            while (q < stop && !srm_data_is_space((unsigned char)*q)) *o++ = *q++;
        }
        *o = '\0';
        lines[(*n)++] = out;
        p = nl ? nl + 1 : end;
    }
    free(text);
    return lines;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Slot types of the ATIS tags: strip B-/I-, drop O; the union adds the test-only tags. */
static void check_real_atis_slot_types(const srm_atis *a)
{
    const srm_atis_split *te = &a->split[SRM_SPLIT_TEST];
    srm_vocab *types = srm_vocab_alloc();
    int32_t id;
    for (int pass = 0; pass < 2; pass++) {
        const srm_vocab *v = pass ? te->new_tags : a->tags;
        for (size_t i = 0; i < srm_vocab_size(v); i++) {
            const char *t = srm_vocab_word(v, (int32_t)i);
            if (strcmp(t, "O") != 0) srm_vocab_intern(types, t + 2, strlen(t + 2), &id);
        }
        CHECK(srm_vocab_size(types) == (pass ? 83u : 79u),
              "ATIS slot types %s %zu (README %d)", pass ? "union" : "train",
              srm_vocab_size(types), pass ? 83 : 79);
    }
    srm_vocab_free(types);
}

/* The standard layout (atis.train, atis.test): the README's counts of utterances, words, tags,
 * slot types, intents and the word vocabulary. */
static void check_real_atis_standard(const srm_atis *a)
{
    const srm_atis_split *tr = &a->split[SRM_SPLIT_TRAIN], *te = &a->split[SRM_SPLIT_TEST];
    CHECK(tr->n == 4978 && te->n == 893 && tr->nwords == 56200 && te->nwords == 9164,
          "ATIS utterances %zu / %zu, words %zu / %zu (README 4,978 / 893, 56,200 / 9,164)",
          tr->n, te->n, tr->nwords, te->nwords);
    CHECK(tr->distinct_tags == 121 && te->distinct_tags == 101 &&
              tr->distinct_tags + srm_vocab_size(te->new_tags) == 127,
          "ATIS slot tags train %zu, test %zu, union %zu (README 121, 101, 127)",
          tr->distinct_tags, te->distinct_tags,
          tr->distinct_tags + srm_vocab_size(te->new_tags));
    const char *only[6] = {"B-booking_class", "B-compartment", "B-flight",
                           "B-stoploc.airport_code", "I-flight_number", "I-state_name"};
    int names = srm_vocab_size(te->new_tags) == 6;
    for (int i = 0; i < 6 && names; i++)
        names = srm_vocab_find(te->new_tags, only[i], strlen(only[i])) >= 0;
    CHECK(names && te->unseen_tags >= 6, "ATIS: the six test-only tags are the README's, "
          "and map to O (%zu tokens)", te->unseen_tags);
    check_real_atis_slot_types(a);
    CHECK(tr->distinct_intents == 22 && te->distinct_intents == 20 &&
              tr->distinct_intents + srm_vocab_size(te->new_intents) == 26 &&
              srm_vocab_size(te->new_intents) == 4,
          "ATIS intents train %zu, test %zu, union %zu, test-only %zu (README 22, 20, 26, 4)",
          tr->distinct_intents, te->distinct_intents,
          tr->distinct_intents + srm_vocab_size(te->new_intents),
          srm_vocab_size(te->new_intents));
    CHECK(tr->distinct_words == 898 && srm_vocab_size(a->words) == 899 &&
              tr->max_words == 46,
          "ATIS train word vocab %zu (+<unk>), longest %zu words (README 898, 46)",
          tr->distinct_words, tr->max_words);
    int in_range = 1;
    for (size_t i = 0; i < te->nwords; i++)
        in_range &= te->tags[i] >= 0 && (size_t)te->tags[i] < srm_vocab_size(a->tags) &&
                    te->words[i] >= 0 && (size_t)te->words[i] < srm_vocab_size(a->words);
    CHECK(in_range, "ATIS test ids all lie in the train vocabularies");
}

/* atis-2.train + atis-2.dev = atis.train as a multiset (up to whitespace). */
static void check_real_atis2_multiset(const char *dir)
{
    char p[3][4200];
    const char *f[3] = {"atis.train.w-intent.iob", "atis-2.train.w-intent.iob",
                        "atis-2.dev.w-intent.iob"};
    size_t n[3];
    char **l[3];
    for (int i = 0; i < 3; i++) {
        srm_data_path(p[i], sizeof p[i], dir, "atis", f[i]);
        l[i] = normalized_lines(p[i], &n[i]);
    }
    int same = l[0] && l[1] && l[2] && n[0] == n[1] + n[2];
    if (same) {
        char **both = malloc(n[0] * sizeof *both);
        memcpy(both, l[1], n[1] * sizeof *both);
        memcpy(both + n[1], l[2], n[2] * sizeof *both);
        qsort(l[0], n[0], sizeof *l[0], cmp_str);
        qsort(both, n[0], sizeof *both, cmp_str);
        for (size_t i = 0; i < n[0] && same; i++) same = strcmp(l[0][i], both[i]) == 0;
        free(both);
    }
    CHECK(same, "atis-2.train + atis-2.dev is the same multiset of utterances as atis.train");
    for (int i = 0; i < 3; i++) {
        for (size_t j = 0; l[i] && j < n[i]; j++) free(l[i][j]);
        free(l[i]);
    }
}

/* Slot F1 is scored against the test tags as written: scoring the train-mapped tags (a tag absent
 * from train read as O, the best any model can predict) against them misses exactly one gold
 * chunk per tag token absent from train. */
static void check_real_atis_gold(const char *dir)
{
    srm_task_data *d = NULL;
    int rc = srm_task_data_load(SRM_TASK_ATIS, dir, 0, 0, 0, &d);
    CHECK(rc == SRM_OK, "ATIS task data loads (%s)", srm_error_message());
    if (rc != SRM_OK) return;
    const srm_atis_split *te = &d->atis->split[SRM_SPLIT_TEST];
    srm_chunk_counts cc = {0}, self = {0};
    size_t extra = 0;
    for (size_t u = 0; u < te->n; u++) {
        size_t b = te->start[u], L = te->start[u + 1] - b;
        srm_metric_chunks_add(&cc, d->tags, te->gold + b, te->tags + b, L);
        srm_metric_chunks_add(&self, d->tags, te->gold + b, te->gold + b, L);
        for (size_t i = b; i < b + L; i++) extra += te->gold[i] >= (int32_t)d->classes;
    }
    CHECK(extra == te->unseen_tags && extra > 0 && self.correct == self.gold &&
              cc.gold == cc.correct + extra,
          "ATIS test: %zu tag tokens absent from atis-2.train are scored as written (%zu gold "
          "chunks; the train-mapped tags find %zu, one missed per such token, and predict %zu "
          "wrong: an I- tag left behind by a B- tag read as O)",
          extra, cc.gold, cc.correct, cc.predicted - cc.correct);
    srm_task_data_free(d);
}

static void test_real_atis(const char *dir)
{
    check_real_atis_gold(dir);
    srm_atis *a = NULL, *b = NULL;
    int rc = srm_atis_load(dir, SRM_ATIS_STANDARD, &a);
    CHECK(rc == SRM_OK, "ATIS (standard) loads (%s)", srm_error_message());
    if (rc == SRM_OK) check_real_atis_standard(a);
    rc = srm_atis_load(dir, SRM_ATIS_DEV, &b);
    CHECK(rc == SRM_OK, "ATIS (dev layout) loads (%s)", srm_error_message());
    if (rc == SRM_OK) {
        const srm_atis_split *tr = &b->split[SRM_SPLIT_TRAIN], *va = &b->split[SRM_SPLIT_VALID];
        CHECK(tr->n == 4478 && va->n == 500 && tr->nwords == 50497 && va->nwords == 5703 &&
                  b->split[SRM_SPLIT_TEST].n == 893,
              "ATIS-2 train/dev %zu / %zu utterances, %zu / %zu words (README 4,478 / 500, "
              "50,497 / 5,703), test 893",
              tr->n, va->n, tr->nwords, va->nwords);
    }
    srm_atis_free(a);
    srm_atis_free(b);
    check_real_atis2_multiset(dir);
}

int main(void)
{
    if (!scratch_open("srm-test-data")) return 1;
    test_repository_manifest();
    test_locate();

    const srm_task tasks[4] = {SRM_TASK_WIKITEXT2, SRM_TASK_PTBCHAR, SRM_TASK_JSB,
                               SRM_TASK_ATIS};
    for (int i = 0; i < 4; i++) {
        char dir[4096];
        srm_error_clear();
        /* the data is part of the repository: not finding it is a failure, not a skip */
        if (srm_data_locate(tasks[i], NULL, dir, sizeof dir) != SRM_OK) {
            CHECK(0, "real %s data found: %s", srm_data_task_name(tasks[i]),
                  srm_error_message());
            continue;
        }
        switch (tasks[i]) {
        case SRM_TASK_WIKITEXT2: test_real_wikitext2(dir); break;
        case SRM_TASK_PTBCHAR: test_real_ptbchar(dir); break;
        case SRM_TASK_JSB: test_real_music(dir); break;
        default: test_real_atis(dir); break;
        }
    }
    scratch_close();
    return srm_test_finish();
}
