/* cli/cmd_data.c: `srm data stats --task T`, the counts per split of a benchmark dataset as the
 * loaders in data/ see them; they must equal the counts in shared/data/README.md. */
#include <stdio.h>
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
    "Loads every file of a task (data/*.h) and prints its counts. The data folder is --data-dir\n"
    "if given (only that place), else the first of $SRM_DATA, ./data, ../shared/data and\n"
    "../shared/data beside the srm executable's folder that holds the task's subfolder.\n"
    "Keys (--json), per split S in train, valid, test:\n"
    "  wikitext2, ptbchar: S_lines ('\\n'-terminated lines = sentences), S_tokens (line.split()\n"
    "    + <eos> per line), vocab; ptbchar also S_chars (tokens other than <eos>).\n"
    "  jsb: S_chorales, S_steps, S_active_notes, S_silent_steps, S_min_length, S_max_length,\n"
    "    S_min_pitch, S_max_pitch (MIDI), S_max_notes, S_mean_notes, keys (88).\n"
    "  atis (standard split atis.train / atis.test, and atis-2 train/dev): train_utterances,\n"
    "    test_utterances, train_words, test_words (BOS/EOS excluded), train_max_words,\n"
    "    test_max_words, word_vocab_train, test_new_words (distinct), test_unknown_words\n"
    "    (tokens -> <unk>), slot_tags_train, slot_tags_test, slot_tags_union,\n"
    "    slot_tags_test_only (names), test_unseen_tags (tokens -> O), slot_types_train,\n"
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
        size_t minlen = (size_t)-1, maxlen = 0, silent = 0, maxnotes = 0;
        int minkey = SRM_MUSIC_KEYS, maxkey = -1;
        for (size_t c = 0; c < s->nchorales; c++) {
            size_t T = srm_music_length(s, c);
            if (T < minlen) minlen = T;
            if (T > maxlen) maxlen = T;
        }
        for (size_t t = 0; t < s->nsteps; t++) {
            size_t k = s->step_start[t + 1] - s->step_start[t];
            silent += k == 0;
            if (k > maxnotes) maxnotes = k;
        }
        for (size_t i = 0; i < s->nnotes; i++) {
            if (s->keys[i] < minkey) minkey = s->keys[i];
            if (s->keys[i] > maxkey) maxkey = s->keys[i];
        }
        rc = add_split(r, sp, "chorales", (long long)s->nchorales);
        if (!rc) rc = add_split(r, sp, "steps", (long long)s->nsteps);
        if (!rc) rc = add_split(r, sp, "active_notes", (long long)s->nnotes);
        if (!rc) rc = add_split(r, sp, "silent_steps", (long long)silent);
        if (!rc) rc = add_split(r, sp, "min_length", s->nchorales ? (long long)minlen : 0);
        if (!rc) rc = add_split(r, sp, "max_length", (long long)maxlen);
        if (!rc) rc = add_split(r, sp, "min_pitch", minkey + SRM_MUSIC_LOWEST_PITCH);
        if (!rc) rc = add_split(r, sp, "max_pitch", maxkey + SRM_MUSIC_LOWEST_PITCH);
        if (!rc) rc = add_split(r, sp, "max_notes", (long long)maxnotes);
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

int srm_cmd_data(int argc, char **argv)
{
    const char *task_name = NULL, *data_dir = NULL;
    int json = 0;
    const srm_arg args[] = {
        {"task", SRM_ARG_STRING, &task_name, "T", "wikitext2, ptbchar, jsb or atis (required)",
         NULL},
        {"data-dir", SRM_ARG_STRING, &data_dir, "D", "data folder (default: searched)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {"srm data stats --task wikitext2|ptbchar|jsb|atis "
                                "[--data-dir D] [--json]",
                                data_summary, args, 1, 1};
    const char *action[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, action, &npos);
    if (rc != SRM_OK) return rc;
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
