/* task/train_steps.c: an epoch's batches and one SGD step of the trainer (task/train.h), for
 * the recurrent model or (c->trunc = k) its k-step truncated counterpart, trained through the
 * chains of task/net.h on the same batches, with the same dropout masks (drawn in the same
 * order from the same per-epoch RNG stream) and, for the language models, windows whose chains
 * reach back into the previous window. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/progress.h"
#include "task/trainer.h"

int srm_trainer_steps_alloc(srm_trainer *tr)
{
    const srm_train_config *c = tr->c;
    size_t k = c->trunc, t_max = tr->bb.t_max, B = tr->bb.b_max, d = tr->m->input;
    size_t n = tr->m->hidden, lm = srm_task_is_lm(c->task);
    if (k == 0) return SRM_OK;
    size_t k_max = lm ? k : (k < t_max ? k : t_max); /* a chain never exceeds its sequence */
    SRM_TRY(srm_net_chains_alloc(&tr->ch, k_max, t_max, B, d, n, !tr->m->vocab));
    tr->keep_in = calloc(t_max * B * d, 1);
    tr->keep_out = calloc(t_max * B * n, 1);
    for (int i = 0; lm && i < 2; i++) {
        tr->ctx_tok[i] = calloc(k * B, sizeof(int32_t));
        tr->ctx_keep[i] = calloc(k * B * d, 1);
        if (!tr->ctx_tok[i] || !tr->ctx_keep[i]) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    if (!tr->keep_in || !tr->keep_out) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    return SRM_OK;
}

void srm_trainer_steps_free(srm_trainer *tr)
{
    srm_net_chains_free(&tr->ch);
    free(tr->keep_in), free(tr->keep_out);
    for (int i = 0; i < 2; i++) free(tr->ctx_tok[i]), free(tr->ctx_keep[i]);
}

static double input_dropout(const srm_train_config *c)
{
    return c->task == SRM_TASK_JSB ? 0.0 : c->dropout;
}

/* --trunc: the window's keep flags (inputs, then outputs: the order in which the recurrent
 * network draws its masks from the same stream) and its chains. */
static int truncated_batch(srm_trainer *tr, srm_net_batch *b)
{
    const srm_train_config *c = tr->c;
    size_t R = b->T * b->B, d = tr->m->input, n = tr->m->hidden;
    double p_in = input_dropout(c);
    b->keep_in = b->keep_out = NULL;
    if (p_in > 0) srm_net_dropout_keep(tr->rng, p_in, R * d, tr->keep_in), b->keep_in = tr->keep_in;
    if (c->dropout > 0)
        srm_net_dropout_keep(tr->rng, c->dropout, R * n, tr->keep_out), b->keep_out = tr->keep_out;
    int cur = tr->ctx_cur;
    return srm_net_chains_build(&tr->ch, b, tr->ctx_P, tr->ctx_tok[cur],
                                b->keep_in ? tr->ctx_keep[cur] : NULL);
}

/* LM --trunc: the last min(k-1, P+T) positions of context and window become the context. */
static void shift_context(srm_trainer *tr, const srm_net_batch *w)
{
    size_t P = tr->ctx_P, T = w->T, B = w->B, d = tr->m->input, keep = tr->c->trunc - 1;
    size_t P2 = P + T < keep ? P + T : keep, first = P + T - P2;
    int cur = tr->ctx_cur, nxt = 1 - cur;
    for (size_t e2 = 0; e2 < P2; e2++) {
        size_t e = first + e2, in_ctx = e < P, src = in_ctx ? e * B : (e - P) * B;
        memcpy(tr->ctx_tok[nxt] + e2 * B, in_ctx ? tr->ctx_tok[cur] + src : w->tokens + src,
               B * sizeof(int32_t));
        if (w->keep_in)
            memcpy(tr->ctx_keep[nxt] + e2 * B * d,
                   (in_ctx ? tr->ctx_keep[cur] : w->keep_in) + src * d, B * d);
    }
    tr->ctx_P = P2, tr->ctx_cur = nxt;
}

/* The checks of every step (srm_trainer_allow_divergence): SRM_EDIVERGED on a non-finite
 * value, or when the batch's mean loss passes SRM_TRAIN_DIVERGENCE_FACTOR times the initial
 * loss (allowed: recorded as the run's diverged_epoch). */
static int diverged(const srm_trainer *tr, const char *what, double value)
{
    return SRM_ERROR(SRM_EDIVERGED, "training diverged in epoch %zu: %s (%g); %s%s%s. Try a "
                     "smaller --lr or --clip%s", tr->s.epoch + 1, what, value,
                     tr->s.epoch ? "the files in " : "no epoch finished, nothing written to ",
                     tr->dir, tr->s.epoch ? " are those of the last finished epoch" : "",
                     tr->allow_divergence ? "" : ", or --allow-divergence to keep going");
}

static int check_growth(srm_trainer *tr, double mean)
{
    if (tr->ref_loss <= 0) tr->ref_loss = mean; /* the run's first batch */
    if (!(mean > SRM_TRAIN_DIVERGENCE_FACTOR * tr->ref_loss)) return SRM_OK;
    if (!tr->allow_divergence)
        return diverged(tr, "the batch loss passed " SRM_TRAIN_DIVERGENCE_TEXT
                        " times the initial loss", mean);
    if (!tr->s.diverged_epoch) tr->s.diverged_epoch = tr->s.epoch + 1;
    return SRM_OK;
}

/* One SGD step on a batch: mean loss, gradient, clipping, weight decay, projection. */
static int sgd_batch(srm_trainer *tr, srm_net_batch *b, const double *state0, double *loss,
                     size_t *count)
{
    const srm_train_config *c = tr->c;
    const srm_net_batch *fb = b;
    if (c->trunc) {
        SRM_TRY(truncated_batch(tr, b));
        fb = &tr->ch.b, state0 = NULL;
    }
    srm_net_grad_zero(tr->net);
    SRM_TRY(srm_net_forward(tr->net, fb, state0, input_dropout(c), c->dropout, tr->rng, loss,
                            count));
    if (*count == 0) return SRM_OK;
    if (!isfinite(*loss)) return diverged(tr, "the batch loss is not finite", *loss);
    SRM_TRY(check_growth(tr, *loss / (double)*count));
    srm_net_backward(tr->net, fb, 1.0 / (double)*count);
    double norm = srm_net_grad_norm(tr->net), scale = 1.0;
    if (!isfinite(norm)) return diverged(tr, "the gradient is not finite", norm);
    if (c->clip > 0 && c->clip / (norm + 1e-6) < 1.0) scale = c->clip / (norm + 1e-6);
    double dhh = srm_net_sgd_step(tr->net, tr->s.lr, scale, c->weight_decay);
    if (!srm_net_weights_finite(tr->net))
        return diverged(tr, "the step made the weights non-finite, at lr", tr->s.lr);
    /* the Frobenius norm is summed in double: 1e-9 covers its rounding */
    if (c->stable && c->cell != SRM_CELL_LSTM) tr->s.hh_bound += dhh * (1 + 1e-9);
    if (c->stable && c->cell == SRM_CELL_LSTM && tr->m->vocab)
        srm_net_clamp_touched_rows(tr->net, c->lstm_input_bound);
    tr->done += *count;
    tr->last_loss = *loss / (double)*count;
    if (tr->progress) tr->progress(tr->done, tr->total, tr->progress_ctx);
    return c->stable ? srm_trainer_project(tr) : SRM_OK;
}

/* ---- the epoch's batches ---- */

/* Language models: window [i, i + bptt) of B columns, the state carried (detached). */
static int step_stream(srm_trainer *tr, int *stepped)
{
    const srm_train_config *c = tr->c;
    const int32_t *ids = tr->d->corpus->split[SRM_SPLIT_TRAIN].ids;
    size_t B = c->batch, L = tr->d->limit[SRM_SPLIT_TRAIN] / B, S = srm_model_state_size(tr->m);
    size_t i = tr->it_next, cnt;
    *stepped = i + 1 < L;
    if (!*stepped) return SRM_OK;
    size_t T = L - 1 - i < c->bptt ? L - 1 - i : c->bptt;
    double l;
    srm_train_batch_window(&tr->bb, ids, L, B, i, T);
    memcpy(tr->state0, tr->state, B * S * sizeof(double));
    SRM_TRY(sgd_batch(tr, &tr->bb.b, tr->state, &l, &cnt));
    if (c->trunc) shift_context(tr, &tr->bb.b);
    else memcpy(tr->state, srm_net_final_state(tr->net), B * S * sizeof(double));
    tr->ep_loss += l, tr->ep_count += cnt;
    tr->it_next = i + c->bptt;
    return SRM_OK;
}

/* Sequences, bucketed as torchtext's BucketIterator: shuffle, sort groups of 16 batches by
 * length, cut into batches, shuffle the batches (epoch_begin); then one batch per step. */
static int order_sequences(srm_trainer *tr)
{
    const srm_train_config *c = tr->c;
    const srm_task_data *d = tr->d;
    size_t N = d->limit[SRM_SPLIT_TRAIN], group = 16 * c->batch, nbatch = 0;
    for (size_t i = 0; i < N; i++) tr->order[i] = i;
    gsl_ran_shuffle(tr->rng, tr->order, N, sizeof(size_t));
    for (size_t g = 0; g < N; g += group)
        SRM_TRY(srm_train_sort_by_length(d, SRM_SPLIT_TRAIN, tr->order + g,
                                         N - g < group ? N - g : group));
    for (size_t i = 0; i < N; i += c->batch) tr->starts[nbatch++] = i;
    gsl_ran_shuffle(tr->rng, tr->starts, nbatch, sizeof(size_t));
    tr->it_batches = nbatch;
    return SRM_OK;
}

static int step_sequences(srm_trainer *tr, int *stepped)
{
    const srm_train_config *c = tr->c;
    size_t N = tr->d->limit[SRM_SPLIT_TRAIN];
    for (*stepped = 0; !*stepped && tr->it_next < tr->it_batches; tr->it_next++) {
        size_t i = tr->starts[tr->it_next], nb = N - i < c->batch ? N - i : c->batch, cnt;
        double l;
        srm_train_batch_sequences(&tr->bb, tr->d, SRM_SPLIT_TRAIN, tr->order + i, nb);
        if (tr->bb.b.T == 0) continue;
        SRM_TRY(sgd_batch(tr, &tr->bb.b, NULL, &l, &cnt));
        tr->ep_loss += l, tr->ep_count += cnt;
        *stepped = 1;
    }
    return SRM_OK;
}

int srm_trainer_epoch_begin(srm_trainer *tr)
{
    if (srm_trainer_done(tr))
        return SRM_ERROR(SRM_EINVAL, "the run has finished its %zu epochs", tr->c->epochs);
    /* a fresh stream per epoch: resuming at an epoch boundary reproduces the same draws */
    gsl_rng_set(tr->rng, tr->c->seed * 1000003UL + tr->s.epoch + 1);
    tr->it_next = 0, tr->ep_loss = 0, tr->ep_count = 0, tr->ctx_P = 0;
    tr->ep_seconds = 0;
    memset(tr->state, 0, tr->bb.b_max * srm_model_state_size(tr->m) * sizeof(double));
    return srm_task_is_lm(tr->c->task) ? SRM_OK : order_sequences(tr);
}

int srm_trainer_step(srm_trainer *tr, int *stepped)
{
    double t0 = srm_progress_now(); /* the trainer's own time: lockstep interleaves several */
    int rc = srm_task_is_lm(tr->c->task) ? step_stream(tr, stepped) : step_sequences(tr, stepped);
    tr->ep_seconds += srm_progress_now() - t0;
    return rc;
}

size_t srm_trainer_steps_per_epoch(const srm_trainer *tr)
{
    const srm_train_config *c = tr->c;
    size_t N = tr->d->limit[SRM_SPLIT_TRAIN];
    if (!srm_task_is_lm(c->task)) return (N + c->batch - 1) / c->batch; /* order_sequences */
    size_t L = N / c->batch; /* step_stream: windows i = 0, bptt, ... while i + 1 < L */
    return L > 1 ? (L - 2) / c->bptt + 1 : 0;
}

double srm_trainer_last_loss(const srm_trainer *tr) { return tr->last_loss; }
double srm_trainer_lr(const srm_trainer *tr) { return tr->s.lr; }

const srm_model *srm_trainer_model(srm_trainer *tr)
{
    srm_net_sync(tr->net, tr->m); /* float32: the trained weights, widened (exact) */
    return tr->m;
}

int srm_trainer_grad_at(srm_trainer *tr, const srm_model *w, srm_model *g, double *loss)
{
    const srm_train_config *c = tr->c;
    const srm_net_batch *b = c->trunc ? &tr->ch.b : &tr->bb.b;
    const double *s0 = !c->trunc && srm_task_is_lm(c->task) ? tr->state0 : NULL;
    size_t count = 0;
    /* w goes into the trainer's own network and tr->m (the exact double image of its weights)
     * back into it afterwards, which restores them bit for bit */
    srm_net_sync(tr->net, tr->m);
    int rc = srm_net_bind(tr->net, w);
    if (rc == SRM_OK) rc = srm_net_forward(tr->net, b, s0, 0, 0, NULL, loss, &count);
    if (rc == SRM_OK && count == 0)
        rc = SRM_ERROR(SRM_EINVAL, "the last batch has no counted position");
    if (rc == SRM_OK) {
        srm_net_grad_zero(tr->net);
        srm_net_backward(tr->net, b, 1.0 / (double)count);
        srm_net_grad_get(tr->net, g);
        *loss /= (double)count;
    }
    int rb = srm_net_bind_trainable(tr->net, tr->m);
    return rc != SRM_OK ? rc : rb;
}

size_t srm_trainer_epochs_done(const srm_trainer *tr) { return tr->s.epoch; }
