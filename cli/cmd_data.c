/* cli/cmd_data.c: `srm data stats --task T`, the counts per split of a benchmark dataset as the
 * loaders in task/ see them (they must equal the counts in data/README.md), and
 * `srm data verify`, the data files against the manifest data/MANIFEST.sha256. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/report.h"
#include "task/atis.h"
#include "task/corpus.h"
#include "task/dataset.h"
#include "task/music.h"

static const char *const data_summary =
    "stats: loads every file of a task (task/*.h) and prints its counts (data/README.md lists\n"
    "the same). verify: checks every file listed in the manifest for its size and sha256 and\n"
    "prints one line per file (ok, MISMATCH size, MISMATCH sha256 or missing, then the path)\n"
    "and a summary; exit 0 when all match, 1 when any file differs or is missing (the error\n"
    "line names them), 2 for bad input (no readable or a malformed manifest).\n"
    "The data folder is --data-dir if given (only that place), else the first of $SRM_DATA,\n"
    "the repository's data/ (the first of the srm executable's folder and its two parents\n"
    "holding data/MANIFEST.sha256) and ./data that holds the task's subfolder (verify: any\n"
    "task's subfolder or a MANIFEST.sha256).\n"
    "The manifest of verify is the data folder's own MANIFEST.sha256; a folder without one (a\n"
    "copy of the data, say) is checked against the repository's data/MANIFEST.sha256.\n"
    "Manifest lines: 'SHA256 SIZE PATH' (64 hex digits, bytes, path relative to the data\n"
    "folder); lines starting with # are comments.\n"
    "verify --json: one object with data_dir, manifest, files (path, status ok|size|sha256|\n"
    "missing, size, expected_size, sha256, expected_sha256), checked, ok, bad, bad_files.\n"
    "stats keys (--json), per split S in train, valid, test:\n"
    "  wikitext2, ptbchar: S_lines ('\\n'-terminated lines = sentences), S_tokens (line.split()\n"
    "    + <eos> per line), vocab; ptbchar also S_chars (tokens other than <eos>).\n"
    "  jsb: S_chorales, S_steps, S_active_notes, S_silent_steps, S_min_length, S_max_length,\n"
    "    S_min_pitch, S_max_pitch (MIDI), S_max_notes, S_mean_notes, keys (88).\n"
    "  atis (standard split atis.train / atis.test, and atis-2 train/dev): train_utterances,\n"
    "    test_utterances, train_words, test_words (BOS/EOS excluded), train_max_words,\n"
    "    test_max_words, word_vocab_train, test_new_words (distinct), test_unknown_words\n"
    "    (tokens -> <unk>), slot_tags_train, slot_tags_test, slot_tags_union,\n"
    "    slot_tags_test_only (names), test_unseen_tags (tokens: O in the loss, as written in\n"
    "    F1), slot_types_train,\n"
    "    slot_types_union (without B-/I-, O excluded), intents_train, intents_test,\n"
    "    intents_union, intents_test_only (names), test_unseen_intents (utterances -> <unk>),\n"
    "    atis2_train_utterances, atis2_dev_utterances, atis2_train_words, atis2_dev_words,\n"
    "    atis2_word_vocab_train, atis2_slot_tags_train, atis2_intents_train,\n"
    "    atis2_dev_unknown_words, atis2_dev_unseen_tags, atis2_dev_unseen_intents.\n"
    "All tasks also print task and data_dir.";

/* Adds an integer with the text label = key with '_' shown as ' '. */
static int add(srm_report *r, const char *key, long long v)
{
    char label[128];
    snprintf(label, sizeof label, "%s", key);
    for (char *c = label; *c; c++)
        if (*c == '_') *c = ' ';
    return srm_report_integer(r, key, label, v);
}

static int add_split(srm_report *r, srm_split s, const char *what, long long v)
{
    char key[96];
    snprintf(key, sizeof key, "%s_%s", srm_data_split_name(s), what);
    return add(r, key, v);
}

static int stats_corpus(srm_report *r, srm_task task, const char *dir)
{
    srm_corpus *c;
    SRM_TRY(srm_corpus_load(task, dir, &c));
    int rc = SRM_OK;
    for (int s = 0; s < SRM_SPLIT_COUNT && rc == SRM_OK; s++) {
        const srm_corpus_split *sp = &c->split[s];
        rc = add_split(r, (srm_split)s, "lines", (long long)sp->nlines);
        if (rc == SRM_OK) rc = add_split(r, (srm_split)s, "tokens", (long long)sp->ntokens);
        if (rc == SRM_OK && task == SRM_TASK_PTBCHAR)
            rc = add_split(r, (srm_split)s, "chars", (long long)(sp->ntokens - sp->neos));
    }
    if (rc == SRM_OK) rc = add(r, "vocab", (long long)srm_vocab_size(c->vocab));
    srm_corpus_free(c);
    return rc;
}

static int stats_music(srm_report *r, const char *dir)
{
    srm_music *m;
    SRM_TRY(srm_music_load(dir, &m));
    int rc = SRM_OK;
    for (int si = 0; si < SRM_SPLIT_COUNT && rc == SRM_OK; si++) {
        const srm_music_split *s = &m->split[si];
        srm_split sp = (srm_split)si;
        srm_music_stats st;
        srm_music_split_stats(s, &st);
        rc = add_split(r, sp, "chorales", (long long)s->nchorales);
        if (!rc) rc = add_split(r, sp, "steps", (long long)s->nsteps);
        if (!rc) rc = add_split(r, sp, "active_notes", (long long)s->nnotes);
        if (!rc) rc = add_split(r, sp, "silent_steps", (long long)st.silent_steps);
        if (!rc) rc = add_split(r, sp, "min_length", (long long)st.min_length);
        if (!rc) rc = add_split(r, sp, "max_length", (long long)st.max_length);
        if (!rc) rc = add_split(r, sp, "min_pitch", st.min_key + SRM_MUSIC_LOWEST_PITCH);
        if (!rc) rc = add_split(r, sp, "max_pitch", st.max_key + SRM_MUSIC_LOWEST_PITCH);
        if (!rc) rc = add_split(r, sp, "max_notes", (long long)st.max_notes);
        if (!rc) {
            char key[64], label[64];
            snprintf(key, sizeof key, "%s_mean_notes", srm_data_split_name(sp));
            snprintf(label, sizeof label, "%s mean notes", srm_data_split_name(sp));
            rc = srm_report_number(r, key, label,
                                   s->nsteps ? (double)s->nnotes / (double)s->nsteps : 0.0);
        }
    }
    if (!rc) rc = add(r, "keys", SRM_MUSIC_KEYS);
    srm_music_free(m);
    return rc;
}

/* Space-separated words of a vocabulary, into buf. */
static const char *join(const srm_vocab *v, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < srm_vocab_size(v); i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? " " : "",
                         srm_vocab_word(v, (int32_t)i));
        if (w < 0 || (size_t)w >= size - used) break;
        used += (size_t)w;
    }
    return buf;
}

/* Slot types (tag without B-/I-, O excluded) of `tags` and, if given, `more`. */
static int count_types(const srm_vocab *tags, const srm_vocab *more, size_t *count)
{
    srm_vocab *types = srm_vocab_alloc();
    if (!types) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    const srm_vocab *sets[2] = {tags, more};
    int32_t id;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; sets[k] && i < srm_vocab_size(sets[k]); i++) {
            const char *t = srm_vocab_word(sets[k], (int32_t)i);
            if (strcmp(t, "O") == 0) continue;
            if (srm_vocab_intern(types, t + 2, strlen(t + 2), &id) != SRM_OK) {
                srm_vocab_free(types);
                return SRM_ENOMEM;
            }
        }
    *count = srm_vocab_size(types);
    srm_vocab_free(types);
    return SRM_OK;
}

static int stats_atis(srm_report *r, const char *dir)
{
    srm_atis *a = NULL, *b = NULL;
    SRM_TRY(srm_atis_load(dir, SRM_ATIS_STANDARD, &a));
    int rc = srm_atis_load(dir, SRM_ATIS_DEV, &b);
    if (rc != SRM_OK) {
        srm_atis_free(a);
        return rc;
    }
    const srm_atis_split *tr = &a->split[SRM_SPLIT_TRAIN], *te = &a->split[SRM_SPLIT_TEST];
    const srm_atis_split *tr2 = &b->split[SRM_SPLIT_TRAIN], *dev = &b->split[SRM_SPLIT_VALID];
    /* Unions count raw strings: the train file's distinct strings plus those only in test (the
     * vocabularies also hold the <unk> fallbacks, which are not data). */
    size_t types_train = 0, types_union = 0;
    char names[2][1024];
    rc = count_types(a->tags, NULL, &types_train);
    if (!rc) rc = count_types(a->tags, te->new_tags, &types_union);
    if (!rc) rc = add(r, "train_utterances", (long long)tr->n);
    if (!rc) rc = add(r, "test_utterances", (long long)te->n);
    if (!rc) rc = add(r, "train_words", (long long)tr->nwords);
    if (!rc) rc = add(r, "test_words", (long long)te->nwords);
    if (!rc) rc = add(r, "train_max_words", (long long)tr->max_words);
    if (!rc) rc = add(r, "test_max_words", (long long)te->max_words);
    if (!rc) rc = add(r, "word_vocab_train", (long long)tr->distinct_words);
    if (!rc) rc = add(r, "test_new_words", (long long)te->new_words);
    if (!rc) rc = add(r, "test_unknown_words", (long long)te->unknown_words);
    if (!rc) rc = add(r, "slot_tags_train", (long long)tr->distinct_tags);
    if (!rc) rc = add(r, "slot_tags_test", (long long)te->distinct_tags);
    if (!rc)
        rc = add(r, "slot_tags_union",
                 (long long)(tr->distinct_tags + srm_vocab_size(te->new_tags)));
    if (!rc)
        rc = srm_report_string(r, "slot_tags_test_only", "slot tags test only",
                               join(te->new_tags, names[0], sizeof names[0]));
    if (!rc) rc = add(r, "test_unseen_tags", (long long)te->unseen_tags);
    if (!rc) rc = add(r, "slot_types_train", (long long)types_train);
    if (!rc) rc = add(r, "slot_types_union", (long long)types_union);
    if (!rc) rc = add(r, "intents_train", (long long)tr->distinct_intents);
    if (!rc) rc = add(r, "intents_test", (long long)te->distinct_intents);
    if (!rc)
        rc = add(r, "intents_union",
                 (long long)(tr->distinct_intents + srm_vocab_size(te->new_intents)));
    if (!rc)
        rc = srm_report_string(r, "intents_test_only", "intents test only",
                               join(te->new_intents, names[1], sizeof names[1]));
    if (!rc) rc = add(r, "test_unseen_intents", (long long)te->unseen_intents);
    if (!rc) rc = add(r, "atis2_train_utterances", (long long)tr2->n);
    if (!rc) rc = add(r, "atis2_dev_utterances", (long long)dev->n);
    if (!rc) rc = add(r, "atis2_train_words", (long long)tr2->nwords);
    if (!rc) rc = add(r, "atis2_dev_words", (long long)dev->nwords);
    if (!rc) rc = add(r, "atis2_word_vocab_train", (long long)tr2->distinct_words);
    if (!rc) rc = add(r, "atis2_slot_tags_train", (long long)tr2->distinct_tags);
    if (!rc) rc = add(r, "atis2_intents_train", (long long)tr2->distinct_intents);
    if (!rc) rc = add(r, "atis2_dev_unknown_words", (long long)dev->unknown_words);
    if (!rc) rc = add(r, "atis2_dev_unseen_tags", (long long)dev->unseen_tags);
    if (!rc) rc = add(r, "atis2_dev_unseen_intents", (long long)dev->unseen_intents);
    srm_atis_free(a);
    srm_atis_free(b);
    return rc;
}

/* The manifest to verify `dir` against: its own, else the repository's. */
static int manifest_for(const char *dir, char *out, size_t size)
{
    FILE *f;
    if (snprintf(out, size, "%s/%s", dir, SRM_DATA_MANIFEST) < (int)size &&
        (f = fopen(out, "rb")) != NULL) {
        fclose(f);
        return SRM_OK;
    }
    char repo[4096];
    if (srm_data_repository(repo, sizeof repo) &&
        snprintf(out, size, "%s/%s", repo, SRM_DATA_MANIFEST) < (int)size)
        return SRM_OK;
    return SRM_ERROR(SRM_EINVAL, "no manifest: no %s/%s, and no repository data/%s next to the "
                     "executable (%s)", dir, SRM_DATA_MANIFEST, SRM_DATA_MANIFEST, repo);
}

static const char *const status_keys[] = {"ok", "size", "sha256", "missing"};

static int print_verify_json(const char *dir, const char *manifest, const srm_data_file *files,
                             size_t n, size_t bad)
{
    json_t *o = json_object(), *list = json_array(), *names = json_array();
    int rc = o && list && names ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SRM_OK && i < n; i++) {
        const srm_data_file *f = &files[i];
        json_t *e = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "path", f->path, "status",
                              status_keys[f->status], "size", (json_int_t)f->size,
                              "expected_size", (json_int_t)f->want_size, "sha256", f->sha256,
                              "expected_sha256", f->want_sha256);
        if (!e || json_array_append_new(list, e) != 0 ||
            (f->status != SRM_DATA_FILE_OK && json_array_append_new(names, json_string(f->path))))
            rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    if (rc == SRM_OK) {
        json_object_set_new(o, "data_dir", json_string(dir));
        json_object_set_new(o, "manifest", json_string(manifest));
        json_object_set_new(o, "files", list);
        json_object_set_new(o, "checked", json_integer((json_int_t)n));
        json_object_set_new(o, "ok", json_integer((json_int_t)(n - bad)));
        json_object_set_new(o, "bad", json_integer((json_int_t)bad));
        json_object_set_new(o, "bad_files", names);
        list = names = NULL;
        char *text = json_dumps(o, JSON_PRESERVE_ORDER);
        if (!text) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
        else printf("%s\n", text);
        free(text);
    }
    json_decref(list), json_decref(names), json_decref(o);
    return rc;
}

/* srm data verify: one line per file and a summary; SRM_EIO naming the bad files. */
static int verify(const char *data_dir, int json)
{
    char dir[4096], manifest[4200];
    SRM_TRY(srm_data_locate(SRM_TASK_COUNT, data_dir, dir, sizeof dir));
    SRM_TRY(manifest_for(dir, manifest, sizeof manifest));
    srm_data_file *files;
    size_t n, bad;
    SRM_TRY(srm_data_verify(dir, manifest, &files, &n, &bad));
    int rc = SRM_OK;
    if (json) {
        rc = print_verify_json(dir, manifest, files, n, bad);
    } else {
        for (size_t i = 0; i < n; i++) {
            const srm_data_file *f = &files[i];
            printf("%-15s %s", srm_data_file_status_name(f->status), f->path);
            if (f->status == SRM_DATA_FILE_SIZE)
                printf(" (%llu bytes, manifest %llu)", (unsigned long long)f->size,
                       (unsigned long long)f->want_size);
            if (f->status == SRM_DATA_FILE_SHA256)
                printf(" (sha256 %s, manifest %s)", f->sha256, f->want_sha256);
            putchar('\n');
        }
        printf("%zu files: %zu ok, %zu bad (data folder %s, manifest %s)\n", n, n - bad, bad,
               dir, manifest);
    }
    if (rc == SRM_OK && bad) {
        char names[1500] = "";
        size_t used = 0;
        for (size_t i = 0; i < n; i++) {
            if (files[i].status == SRM_DATA_FILE_OK) continue;
            int w = snprintf(names + used, sizeof names - used, "%s%s (%s)", used ? ", " : "",
                             files[i].path, srm_data_file_status_name(files[i].status));
            if (w < 0 || (size_t)w >= sizeof names - used) break;
            used += (size_t)w;
        }
        rc = SRM_ERROR(SRM_EIO, "%zu of %zu files do not match %s: %s", bad, n, manifest, names);
    }
    srm_data_files_free(files, n);
    return rc;
}

int srm_cmd_data(int argc, char **argv)
{
    const char *task_name = NULL, *data_dir = NULL;
    int json = 0;
    const srm_arg args[] = {
        {"task", SRM_ARG_STRING, &task_name, "T",
         "stats: wikitext2, ptbchar, jsb or atis (required)", NULL},
        {"data-dir", SRM_ARG_STRING, &data_dir, "D", "data folder (default: searched)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {"srm data stats --task wikitext2|ptbchar|jsb|atis "
                                "[--data-dir D] [--json] | srm data verify "
                                "[--data-dir D] [--json]",
                                data_summary, args, 1, 1};
    const char *action[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, action, &npos);
    if (rc != SRM_OK) return rc;
    if (strcmp(action[0], "verify") == 0) {
        if (task_name) return SRM_ERROR(SRM_EINVAL, "verify checks every task: no --task");
        return verify(data_dir, json);
    }
    if (strcmp(action[0], "stats") != 0)
        return SRM_ERROR(SRM_EINVAL, "unknown action '%s' (usage: %s)", action[0], spec.usage);
    if (!task_name) return SRM_ERROR(SRM_EINVAL, "--task is required (usage: %s)", spec.usage);
    srm_task task;
    SRM_TRY(srm_data_task_parse(task_name, &task));
    char dir[4096];
    SRM_TRY(srm_data_locate(task, data_dir, dir, sizeof dir));
    srm_report *r = srm_report_alloc();
    if (!r) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    rc = srm_report_string(r, "task", "task", srm_data_task_name(task));
    if (!rc) rc = srm_report_string(r, "data_dir", "data dir", dir);
    if (!rc) {
        switch (task) {
        case SRM_TASK_WIKITEXT2:
        case SRM_TASK_PTBCHAR: rc = stats_corpus(r, task, dir); break;
        case SRM_TASK_JSB: rc = stats_music(r, dir); break;
        default: rc = stats_atis(r, dir); break;
        }
    }
    if (!rc) rc = srm_report_print(r, stdout, json);
    srm_report_free(r);
    return rc;
}
