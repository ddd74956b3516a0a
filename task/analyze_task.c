/* task/analyze_task.c: the analyzer of task/analyze.h run over the test split of a benchmark
 * task (loaded by task/task_data.h): atis and jsb sequences in a seeded random order, or the
 * language models' test stream cut into windows. */
#include "task/analyze.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/progress.h"
#include "task/task_data.h"

static void embed(const srm_model *m, const int32_t *ids, size_t T, double *x)
{
    for (size_t t = 0; t < T; t++)
        memcpy(x + t * m->input, m->encoder_weight + (size_t)ids[t] * m->input,
               m->input * sizeof(double));
}

static int run_sequences(const srm_model *m, const srm_task_data *td,
                         const srm_analyze_options *o, srm_analyze **out, size_t *used)
{
    int music = td->music != NULL;
    size_t N = music ? td->music->split[SRM_SPLIT_TEST].nchorales
                     : td->atis->split[SRM_SPLIT_TEST].n;
    size_t *order = malloc((N ? N : 1) * sizeof(size_t));
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!order || !rng) {
        free(order);
        if (rng) gsl_rng_free(rng);
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < N; i++) order[i] = i;
    gsl_rng_set(rng, o->seed);
    gsl_ran_shuffle(rng, order, N, sizeof(size_t));
    gsl_rng_free(rng);
    size_t count = 0, steps = 0, t_max = 0;
    while (count < N && (o->max_tokens == 0 || steps < o->max_tokens || count == 0)) {
        size_t L = srm_task_data_seq_length(td, SRM_SPLIT_TEST, order[count]);
        if (o->max_tokens && count > 0 && steps + L > o->max_tokens) break;
        steps += L, t_max = L > t_max ? L : t_max, count++;
    }
    double *x = NULL;
    srm_analyze *a = NULL;
    int rc = SRM_OK;
    if (steps == 0) rc = SRM_ERROR(SRM_EINVAL, "the test split has no steps to analyse");
    if (rc == SRM_OK) {
        /* a chorale's frames: T inputs plus the target frame */
        x = malloc((t_max + 1) * (music ? SRM_MUSIC_KEYS : m->input) * sizeof(double));
        a = srm_analyze_alloc(m, music ? SRM_NET_SIGMOID : SRM_NET_SOFTMAX, t_max, o->r, o->nr,
                              o->max_lag, steps);
        if (!a) rc = srm_error_code();
        else if (!x) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    srm_progress *p = rc == SRM_OK ? srm_progress_alloc(steps, "analyze", "steps") : NULL;
    for (size_t k = 0; rc == SRM_OK && k < count; k++) {
        size_t i = order[k], T = srm_task_data_seq_length(td, SRM_SPLIT_TEST, i);
        if (T == 0) continue;
        if (music) {
            srm_music_frames(&td->music->split[SRM_SPLIT_TEST], i, x);
            rc = srm_analyze_add(a, m, x, T, 0, 0, x + T * SRM_MUSIC_KEYS);
        } else {
            const srm_atis_split *s = &td->atis->split[SRM_SPLIT_TEST];
            embed(m, s->words + s->start[i], T, x);
            rc = srm_analyze_add(a, m, x, T, 0, s->tags[s->start[i] + T - 1], NULL);
        }
        srm_progress_update(p, srm_analyze_steps(a));
    }
    srm_progress_free(p);
    free(x), free(order);
    if (rc != SRM_OK) {
        srm_analyze_free(a);
        return rc;
    }
    *out = a, *used = count;
    return SRM_OK;
}

static int run_stream(const srm_model *m, const srm_task_data *td,
                      const srm_analyze_options *o, srm_analyze **out, size_t *used)
{
    const srm_corpus_split *s = &td->corpus->split[SRM_SPLIT_TEST];
    if (s->ntokens < 2) return SRM_ERROR(SRM_EINVAL, "the test split has no steps to analyse");
    size_t N = s->ntokens - 1; /* inputs that have a next token */
    if (o->max_tokens && o->max_tokens < N) N = o->max_tokens;
    size_t W = o->window < N ? o->window : N;
    double *x = malloc(W * m->input * sizeof(double));
    srm_analyze *a = srm_analyze_alloc(m, SRM_NET_SOFTMAX, W, o->r, o->nr, o->max_lag, N);
    int rc = a ? (x ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory")) : srm_error_code();
    srm_progress *p = rc == SRM_OK ? srm_progress_alloc(N, "analyze", "steps") : NULL;
    size_t windows = 0;
    for (size_t pos = 0; rc == SRM_OK && pos < N; pos += W, windows++) {
        size_t T = N - pos < W ? N - pos : W;
        embed(m, s->ids + pos, T, x);
        rc = srm_analyze_add(a, m, x, T, pos > 0, s->ids[pos + T], NULL);
        srm_progress_update(p, srm_analyze_steps(a));
    }
    srm_progress_free(p);
    free(x);
    if (rc != SRM_OK) {
        srm_analyze_free(a);
        return rc;
    }
    *out = a, *used = windows;
    return SRM_OK;
}

int srm_analyze_task(const srm_model *m, srm_task task, const char *data_dir,
                     const srm_analyze_options *o, srm_analyze **out, size_t *sequences)
{
    *out = NULL, *sequences = 0;
    if (m->cell != SRM_CELL_RNN_TANH && m->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "benchmark models are tanh RNNs or LSTMs (got %s)",
                         srm_cell_name(m->cell));
    if (!m->output) return SRM_ERROR(SRM_EINVAL, "the model has no decoder");
    if (o->window == 0) return SRM_ERROR(SRM_EINVAL, "the window must be >= 1 step");
    srm_task_data *td;
    SRM_TRY(srm_task_data_load(task, data_dir, 0, 0, 0, &td));
    int rc = srm_task_data_check_model(td, m);
    if (rc == SRM_OK && o->model_path) rc = srm_task_data_check_vocab(td, o->model_path);
    if (rc == SRM_OK)
        rc = td->corpus ? run_stream(m, td, o, out, sequences)
                        : run_sequences(m, td, o, out, sequences);
    srm_task_data_free(td);
    return rc;
}
