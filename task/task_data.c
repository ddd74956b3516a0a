/* task/task_data.c: the one loader of a benchmark task (see task_data.h). */
#include "task/task_data.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/error.h"

int srm_task_is_lm(srm_task t) { return t == SRM_TASK_WIKITEXT2 || t == SRM_TASK_PTBCHAR; }

void srm_task_data_free(srm_task_data *d)
{
    if (!d) return;
    srm_corpus_free(d->corpus);
    srm_music_free(d->music);
    srm_atis_free(d->atis);
    srm_chunk_tags_free(d->tags);
    free(d);
}

size_t srm_task_data_seq_length(const srm_task_data *d, srm_split s, size_t i)
{
    if (d->task == SRM_TASK_JSB) {
        size_t T = srm_music_length(&d->music->split[s], i);
        return T > 0 ? T - 1 : 0;
    }
    const srm_atis_split *a = &d->atis->split[s];
    return a->start[i + 1] - a->start[i];
}

/* atis: the atis-2 layout, and the slot tags as chunks for F1: the train tags (the classes),
 * then the valid and test tags absent from train (gold only, task/atis.h). */
static int load_atis(const char *dir, srm_task_data *d)
{
    SRM_TRY(srm_atis_load(dir, SRM_ATIS_DEV, &d->atis));
    size_t nt = srm_vocab_size(d->atis->tags), ne = srm_vocab_size(d->atis->extra_tags);
    const char **names = malloc((nt + ne) * sizeof *names);
    if (!names) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0; i < nt; i++) names[i] = srm_vocab_word(d->atis->tags, (int32_t)i);
    for (size_t i = 0; i < ne; i++)
        names[nt + i] = srm_vocab_word(d->atis->extra_tags, (int32_t)i);
    int rc = srm_chunk_tags_alloc(names, nt + ne, &d->tags);
    free(names);
    d->classes = nt, d->vocab = srm_vocab_size(d->atis->words);
    return rc;
}

/* Loads the files and sets classes, vocab and the sizes of the splits (have). */
static int load_files(srm_task_data *d, const char *dir, size_t have[SRM_SPLIT_COUNT])
{
    if (srm_task_is_lm(d->task)) {
        SRM_TRY(srm_corpus_load(d->task, dir, &d->corpus));
        d->classes = d->vocab = srm_vocab_size(d->corpus->vocab);
        for (int s = 0; s < SRM_SPLIT_COUNT; s++) have[s] = d->corpus->split[s].ntokens;
    } else if (d->task == SRM_TASK_JSB) {
        SRM_TRY(srm_music_load(dir, &d->music));
        d->classes = SRM_MUSIC_KEYS;
        for (int s = 0; s < SRM_SPLIT_COUNT; s++) have[s] = d->music->split[s].nchorales;
    } else {
        SRM_TRY(load_atis(dir, d));
        for (int s = 0; s < SRM_SPLIT_COUNT; s++) have[s] = d->atis->split[s].n;
    }
    return SRM_OK;
}

/* A sequence split whose slice has no position to predict (JSB chorales of one frame, empty
 * ATIS utterances) would train or score nothing, with a NaN loss: bad input, naming the file. */
static int check_positions(const srm_task_data *d, const char *dir)
{
    static const char *const split_name[SRM_SPLIT_COUNT] = {"training", "validation", "test"};
    for (int s = 0; !srm_task_is_lm(d->task) && s < SRM_SPLIT_COUNT; s++) {
        size_t positions = 0;
        for (size_t i = 0; i < d->limit[s]; i++)
            positions += srm_task_data_seq_length(d, (srm_split)s, i);
        if (positions) continue;
        int jsb = d->task == SRM_TASK_JSB;
        return SRM_ERROR(SRM_EINVAL, "%s/%s/%s: the %s split (%zu %s in use) has nothing to "
                         "predict: %s", dir, jsb ? "jsb-chorales" : "atis",
                         jsb ? srm_music_file((srm_split)s) : srm_atis_file(SRM_ATIS_DEV, s),
                         split_name[s], d->limit[s], jsb ? "chorales" : "utterances",
                         jsb ? "every chorale has fewer than two frames" : "every utterance is "
                         "empty");
    }
    return SRM_OK;
}

int srm_task_data_load(srm_task task, const char *data_dir, size_t max_train, size_t max_valid,
                       size_t max_test, srm_task_data **out)
{
    *out = NULL;
    char dir[4096];
    SRM_TRY(srm_data_locate(task, data_dir, dir, sizeof dir));
    srm_task_data *d = calloc(1, sizeof *d);
    if (!d) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    d->task = task;
    size_t want[SRM_SPLIT_COUNT] = {max_train, max_valid, max_test}, have[SRM_SPLIT_COUNT];
    int rc = load_files(d, dir, have);
    for (int s = 0; rc == SRM_OK && s < SRM_SPLIT_COUNT; s++) {
        d->limit[s] = want[s] && want[s] < have[s] ? want[s] : have[s];
        for (size_t i = 0; !srm_task_is_lm(task) && i < d->limit[s]; i++) {
            size_t L = srm_task_data_seq_length(d, (srm_split)s, i);
            d->max_len = L > d->max_len ? L : d->max_len;
        }
    }
    if (rc == SRM_OK) rc = check_positions(d, dir);
    if (rc != SRM_OK) {
        srm_task_data_free(d);
        return rc;
    }
    *out = d;
    return SRM_OK;
}

int srm_task_data_check_model(const srm_task_data *d, const srm_model *m)
{
    size_t want_vocab = d->task == SRM_TASK_JSB ? 0 : d->vocab;
    if (m->output != d->classes || m->vocab != want_vocab ||
        (d->task == SRM_TASK_JSB && m->input != SRM_MUSIC_KEYS))
        return SRM_ERROR(SRM_EINVAL, "the model (vocab %zu, input %zu, outputs %zu) does not fit "
                         "task %s (vocab %zu, outputs %zu)", m->vocab, m->input, m->output,
                         srm_data_task_name(d->task), want_vocab, d->classes);
    return SRM_OK;
}
