/* task/train_data.c: the benchmark tasks (loaded by task/task_data.h) as data for task/net.h:
 * cutting a task into padded time-major batches (sequences sorted by length, or windows of a
 * batchified token stream), and evaluating a model, full or k-step truncated, on a split with
 * the task's metric. */
#include "task/train.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/atis.h"
#include "task/corpus.h"
#include "task/music.h"
#include "task/metric.h"
#include "task/net.h"
#include "task/train_internal.h"

/* ---- sequence order ---- */

/* Sorts idx[0..n) by the sequences' lengths (ties by index, so the order is deterministic):
 * batches of similar lengths waste little on padding. */
typedef struct {
    size_t len, idx;
} length_key;

static int compare_length(const void *a, const void *b)
{
    const length_key *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int srm_train_sort_by_length(const srm_task_data *d, srm_split s, size_t *idx, size_t n)
{
    length_key *k = malloc((n ? n : 1) * sizeof *k);
    if (!k) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        k[i] = (length_key){srm_task_data_seq_length(d, s, idx[i]), idx[i]};
    qsort(k, n, sizeof *k, compare_length);
    for (size_t i = 0; i < n; i++) idx[i] = k[i].idx;
    free(k);
    return SRM_OK;
}

const char *srm_train_metric_name(srm_task task)
{
    static const char *const names[] = {"perplexity", "bits_per_char", "nll_per_frame", "f1"};
    return task < SRM_TASK_COUNT ? names[task] : "?";
}

int srm_train_metric_higher_is_better(srm_task task) { return task == SRM_TASK_ATIS; }

/* ---- batches ---- */

void srm_train_batch_free(srm_train_batch *bb)
{
    free(bb->tokens), free(bb->targets), free(bb->frames), free(bb->target_frames);
    free(bb->mask);
}

int srm_train_batch_alloc(srm_train_batch *bb, const srm_task_data *d, size_t t_max,
                          size_t b_max)
{
    size_t R = t_max * b_max, music = d->task == SRM_TASK_JSB;
    *bb = (srm_train_batch){.t_max = t_max, .b_max = b_max, .d = SRM_MUSIC_KEYS, .out = d->classes};
    bb->tokens = calloc(R, sizeof(int32_t));
    bb->targets = calloc(R, sizeof(int32_t));
    bb->mask = calloc(R, 1);
    if (music) {
        bb->frames = calloc(R * SRM_MUSIC_KEYS, sizeof(double));
        bb->target_frames = calloc(R * SRM_MUSIC_KEYS, sizeof(double));
    }
    if (!bb->tokens || !bb->targets || !bb->mask || (music && (!bb->frames || !bb->target_frames))) {
        srm_train_batch_free(bb);
        return SRM_ERROR(SRM_ENOMEM, "out of memory for batches of %zu x %zu", t_max, b_max);
    }
    return SRM_OK;
}

/* Sequences idx[0..nb) of split s as one padded, time-major batch. */
void srm_train_batch_sequences(srm_train_batch *bb, const srm_task_data *d, srm_split s,
                               const size_t *idx, size_t nb)
{
    size_t T = 0, K = SRM_MUSIC_KEYS;
    for (size_t b = 0; b < nb; b++) {
        size_t L = srm_task_data_seq_length(d, s, idx[b]);
        T = L > T ? L : T;
    }
    size_t R = T * nb;
    memset(bb->mask, 0, R);
    memset(bb->tokens, 0, R * sizeof(int32_t));
    memset(bb->targets, 0, R * sizeof(int32_t));
    if (bb->frames) {
        memset(bb->frames, 0, R * K * sizeof(double));
        memset(bb->target_frames, 0, R * K * sizeof(double));
    }
    for (size_t b = 0; b < nb; b++) {
        size_t L = srm_task_data_seq_length(d, s, idx[b]);
        for (size_t t = 0; t < L; t++) {
            size_t r = t * nb + b;
            bb->mask[r] = 1;
            if (d->task == SRM_TASK_ATIS) {
                const srm_atis_split *a = &d->atis->split[s];
                bb->tokens[r] = a->words[a->start[idx[b]] + t];
                bb->targets[r] = a->tags[a->start[idx[b]] + t];
                continue;
            }
            const srm_music_split *m = &d->music->split[s];
            size_t step = m->chorale_start[idx[b]] + t; /* frame t predicts frame t + 1 */
            for (size_t i = m->step_start[step]; i < m->step_start[step + 1]; i++)
                bb->frames[r * K + m->keys[i]] = 1.0;
            for (size_t i = m->step_start[step + 1]; i < m->step_start[step + 2]; i++)
                bb->target_frames[r * K + m->keys[i]] = 1.0;
        }
    }
    int music = d->task == SRM_TASK_JSB;
    bb->b = (srm_net_batch){.T = T, .B = nb, .tokens = music ? NULL : bb->tokens,
                            .frames = music ? bb->frames : NULL, .targets = bb->targets,
                            .target_frames = bb->target_frames, .mask = bb->mask};
}

/* Window [i, i + T) of the token stream cut into B columns of length L (batchify). */
void srm_train_batch_window(srm_train_batch *bb, const int32_t *ids, size_t L, size_t B,
                            size_t i, size_t T)
{
    for (size_t t = 0; t < T; t++)
        for (size_t b = 0; b < B; b++) {
            bb->tokens[t * B + b] = ids[b * L + i + t];
            bb->targets[t * B + b] = ids[b * L + i + t + 1];
        }
    bb->b = (srm_net_batch){.T = T, .B = B, .tokens = bb->tokens, .targets = bb->targets};
}

/* ---- evaluation ---- */

static double metric_of(srm_task task, double nll, size_t count, const srm_chunk_counts *cc)
{
    switch (task) {
    case SRM_TASK_WIKITEXT2: return srm_metric_perplexity(nll, count);
    case SRM_TASK_PTBCHAR: return srm_metric_bits_per_char(nll, count);
    case SRM_TASK_JSB: return srm_metric_nll_per_frame(nll, count);
    default: return srm_metric_f1(cc);
    }
}

/* Time-major (L - 1, B) inputs/targets of a batchified stream, for truncated evaluation. */
static int lm_columns(const int32_t *ids, size_t L, size_t B, int32_t **tok, int32_t **tgt)
{
    *tok = malloc((L - 1) * B * sizeof(int32_t));
    *tgt = malloc((L - 1) * B * sizeof(int32_t));
    if (!*tok || !*tgt) {
        free(*tok), free(*tgt);
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    for (size_t t = 0; t + 1 < L; t++)
        for (size_t b = 0; b < B; b++) {
            (*tok)[t * B + b] = ids[b * L + t];
            (*tgt)[t * B + b] = ids[b * L + t + 1];
        }
    return SRM_OK;
}

static int evaluate_lm(const srm_model *m, const srm_task_data *d, srm_split s, size_t k,
                       size_t B, size_t bptt, srm_net_precision prec, double *nll, size_t *count)
{
    const int32_t *ids = d->corpus->split[s].ids;
    size_t L = d->limit[s] / B;
    if (L < 2)
        return SRM_ERROR(SRM_EINVAL, "the %s split (%zu tokens) is too short for %zu columns",
                         srm_data_split_name(s), d->limit[s], B);
    srm_net_output o = SRM_NET_SOFTMAX;
    int rc = SRM_OK;
    if (k > 0) {
        int32_t *tok, *tgt;
        SRM_TRY(lm_columns(ids, L, B, &tok, &tgt));
        srm_net_batch b = {.T = L - 1, .B = B, .tokens = tok, .targets = tgt};
        srm_net_trunc *tw = srm_net_trunc_alloc(m, o, 256 / B + 1, B);
        rc = tw ? srm_net_trunc_eval(tw, m, &b, k, nll, count, NULL) : srm_error_code();
        srm_net_trunc_free(tw);
        free(tok), free(tgt);
        return rc;
    }
    srm_train_batch bb;
    SRM_TRY(srm_train_batch_alloc(&bb, d, bptt, B));
    srm_net *net = srm_net_alloc(m, o, prec, bptt, B);
    double *state = calloc(B * srm_model_state_size(m), sizeof(double));
    if (!net || !state) rc = net ? SRM_ERROR(SRM_ENOMEM, "out of memory") : srm_error_code();
    if (rc == SRM_OK) rc = srm_net_bind(net, m);
    *nll = 0, *count = 0;
    for (size_t i = 0; rc == SRM_OK && i + 1 < L; i += bptt) {
        size_t T = L - 1 - i < bptt ? L - 1 - i : bptt, c = 0;
        double l = 0;
        srm_train_batch_window(&bb, ids, L, B, i, T);
        rc = srm_net_forward(net, &bb.b, state, 0, 0, NULL, &l, &c);
        memcpy(state, srm_net_final_state(net), B * srm_model_state_size(m) * sizeof(double));
        *nll += l, *count += c;
    }
    free(state);
    srm_net_free(net);
    srm_train_batch_free(&bb);
    return rc;
}

static int evaluate_seq(const srm_model *m, const srm_task_data *d, srm_split s, size_t k,
                        size_t B, srm_net_precision prec, double *nll, size_t *count,
                        srm_chunk_counts *cc)
{
    size_t N = d->limit[s], T = d->max_len;
    if (N == 0) return SRM_ERROR(SRM_EINVAL, "the %s split is empty", srm_data_split_name(s));
    srm_net_output o = d->task == SRM_TASK_JSB ? SRM_NET_SIGMOID : SRM_NET_SOFTMAX;
    if (k > 0) B = 1; /* each sequence is its own truncated batch */
    if (B > N) B = N; /* no workspace for columns that never hold a sequence */
    srm_train_batch bb;
    SRM_TRY(srm_train_batch_alloc(&bb, d, T, B));
    srm_net *net = k ? NULL : srm_net_alloc(m, o, prec, T, B);
    srm_net_trunc *tw = k ? srm_net_trunc_alloc(m, o, 256, 1) : NULL;
    int32_t *pred = malloc(T * B * sizeof(int32_t)), *column = malloc(T * sizeof(int32_t));
    size_t *idx = malloc(B * sizeof(size_t));
    int rc = (net || tw) ? SRM_OK : srm_error_code();
    if (rc == SRM_OK && net) rc = srm_net_bind(net, m);
    if (rc == SRM_OK && (!pred || !column || !idx)) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    size_t *order = malloc(N * sizeof(size_t));
    if (rc == SRM_OK && !order) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SRM_OK && i < N; i++) order[i] = i;
    /* the metric does not depend on the order; sorted batches need little padding */
    if (rc == SRM_OK && !k) rc = srm_train_sort_by_length(d, s, order, N);
    *nll = 0, *count = 0;
    for (size_t i = 0; rc == SRM_OK && i < N; i += B) {
        size_t nb = N - i < B ? N - i : B, c = 0;
        double l = 0;
        for (size_t b = 0; b < nb; b++) idx[b] = order[i + b];
        srm_train_batch_sequences(&bb, d, s, idx, nb);
        if (bb.b.T == 0) continue;
        if (k) {
            rc = srm_net_trunc_eval(tw, m, &bb.b, k, &l, &c, pred);
        } else {
            rc = srm_net_forward(net, &bb.b, NULL, 0, 0, NULL, &l, &c);
            if (rc == SRM_OK) srm_net_argmax(net, pred);
        }
        *nll += l, *count += c;
        for (size_t b = 0; rc == SRM_OK && d->atis && b < nb; b++) {
            const srm_atis_split *a = &d->atis->split[s];
            size_t L = srm_task_data_seq_length(d, s, idx[b]);
            for (size_t t = 0; t < L; t++) column[t] = pred[t * nb + b];
            srm_metric_chunks_add(cc, d->tags, a->gold + a->start[idx[b]], column, L);
        }
    }
    free(pred), free(column), free(idx), free(order);
    srm_net_free(net);
    srm_net_trunc_free(tw);
    srm_train_batch_free(&bb);
    return rc;
}

int srm_train_evaluate(const srm_model *m, const srm_task_data *d, srm_split split,
                       size_t trunc_k, size_t eval_batch, size_t bptt,
                       srm_net_precision precision, srm_eval_result *out)
{
    *out = (srm_eval_result){0};
    SRM_TRY(srm_task_data_check_model(d, m));
    if (eval_batch == 0 || (srm_task_is_lm(d->task) && bptt == 0))
        return SRM_ERROR(SRM_EINVAL, "evaluation needs a batch and bptt >= 1");
    double nll = 0;
    size_t count = 0;
    srm_chunk_counts cc = {0};
    if (srm_task_is_lm(d->task))
        SRM_TRY(evaluate_lm(m, d, split, trunc_k, eval_batch, bptt, precision, &nll, &count));
    else
        SRM_TRY(evaluate_seq(m, d, split, trunc_k, eval_batch, precision, &nll, &count, &cc));
    out->count = count;
    out->loss = count ? nll / (double)count : NAN;
    out->metric = metric_of(d->task, nll, count, &cc);
    out->precision = srm_metric_precision(&cc);
    out->recall = srm_metric_recall(&cc);
    return SRM_OK;
}
