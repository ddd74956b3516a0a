/* task/train.c: the trainer of task/train.h, driven by the caller one epoch at a time: the SGD
 * loop with clipping, weight decay and projection, validation, annealing, best-model keeping and
 * per-epoch checkpoints, resuming from a checkpoint. The files (models with metadata, checkpoint,
 * log.tsv, result.json) are in task/train_files.c; the presets and the configuration as JSON in
 * task/train_params.c and task/train_config.c; the task data is loaded by task/task_data.c,
 * batched and evaluated by task/train_data.c. */
#include "task/train.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/meta.h"
#include "core/progress.h"
#include "task/net.h"
#include "task/trainer.h"
#include "theory/stability.h"


/* ---- one SGD step ---- */

/* The unit roundoff of float32 rounding to nearest: |fl(x) - x| <= u |x|. */
#define SRM_F32_UNIT 0x1p-24

/* LSTM: the row-scaling projection in double. In float32 it runs on the float weights widened,
 * and the rows it scaled go back rounded toward zero, which never raises an absolute row sum
 * or |bias| (core/model_f32.h); the rounded weights are then checked against the conditions
 * again, so a certificate never rests on arithmetic that was not rerun. */
static int project_lstm(srm_trainer *tr, int f32)
{
    const srm_train_config *c = tr->c;
    srm_project_lstm_result r;
    if (f32) srm_net_sync_recurrent(tr->net, tr->m);
    SRM_TRY(srm_project_lstm(tr->m, c->lstm_a, c->lstm_margin, c->lstm_input_bound, &r));
    if (!f32 || (r.rows_scaled == 0 && r.biases_clipped == 0)) return SRM_OK;
    srm_net_bind_recurrent(tr->net, tr->m, SRM_ROUND_TOWARD_ZERO);
    srm_net_sync_recurrent(tr->net, tr->m);
    srm_lstm_stability st;
    SRM_TRY(srm_stability_lstm(tr->m, c->lstm_input_bound, &st));
    if (!st.stable)
        return SRM_ERROR(SRM_ENUMERIC, "float32 rounding of the projected LSTM left it outside "
                         "the stable set (a = %.9g); use --precision float64", st.a);
    return SRM_OK;
}

/* LSTM, the authors' column rescaling (theory/project.h), in double; float32 weights go back
 * rounded to nearest (nothing is certified, so nothing needs a direction of rounding). */
static int project_lstm_paper(srm_trainer *tr, int f32)
{
    if (f32) srm_net_sync_recurrent(tr->net, tr->m);
    SRM_TRY(srm_project_lstm_paper(tr->m, tr->col_work, NULL));
    if (f32) {
        srm_net_bind_recurrent(tr->net, tr->m, SRM_ROUND_NEAREST);
        srm_net_sync_recurrent(tr->net, tr->m);
    }
    return SRM_OK;
}

int srm_trainer_project(srm_trainer *tr)
{
    const srm_train_config *c = tr->c;
    int f32 = c->precision == SRM_NET_FLOAT32;
    int paper = c->projection == SRM_TRAIN_PROJECTION_PAPER;
    if (c->cell == SRM_CELL_LSTM)
        return paper ? project_lstm_paper(tr, f32) : project_lstm(tr, f32);
    /* Weyl: ||W + dW||_2 <= ||W||_2 + ||dW||_F. While the norm after the last SVD plus the
     * Frobenius norms of the updates since then (as stored: sgd_batch adds each step's) stays
     * <= r, W_hh is certified inside the ball and the O(n^3) SVD is skipped. The authors'
     * projection runs the full SVD at every step. */
    if (!paper && tr->s.hh_bound <= c->radius) return SRM_OK;
    /* Otherwise the exact projection: from the Gram matrix when ||W_hh||_2 <= 2r is certified
     * (its accuracy needs ||W||_2 near r; 4.5x faster at n = 1024), else (the first projection
     * of a fresh or resumed run, or a step longer than r) from the SVD. In float32 the target is
     * r / (1 + u sqrt(n)): rounding to float adds E with ||E||_2 <= ||E||_F <= u ||W||_F
     * <= u sqrt(n) ||W||_2, so the stored weights end at or below r. */
    srm_project_result r;
    size_t n = tr->m->hidden;
    double grow = f32 ? 1 + SRM_F32_UNIT * sqrt((double)n) : 1, radius = c->radius / grow;
    if (f32) srm_net_sync_recurrent(tr->net, tr->m);
    if (!paper && tr->s.hh_bound <= 2 * c->radius)
        SRM_TRY(srm_project_spectral_gram(tr->m->weight_hh, n, n, radius, tr->gram_ws, &r));
    else
        SRM_TRY(srm_project_spectral(tr->m->weight_hh, n, n, radius, SRM_NORM_METHOD_SVD,
                                     tr->proj_ws, NULL, NULL, &r));
    if (f32) srm_net_bind_recurrent(tr->net, tr->m, SRM_ROUND_NEAREST);
    tr->s.hh_bound = r.norm_after * grow;
    return SRM_OK;
}

static int epoch_norms(srm_trainer *tr, srm_train_epoch *e)
{
    const srm_model *m = tr->m;
    size_t n = m->hidden;
    SRM_TRY(srm_norm_spectral(m->weight_hh, m->gates * n, n, tr->norm_ws, &e->norm_hh));
    for (size_t g = 0; g < 4; g++)
        e->norm_inf[g] = m->cell == SRM_CELL_LSTM ? srm_norm_inf_rows(m->weight_hh, g * n, n, n)
                                                  : NAN;
    return SRM_OK;
}

int srm_train_decays(const srm_train_config *c, const srm_train_epoch *log, size_t epoch,
                     double valid_loss, int loss_improved)
{
    switch (c->schedule) {
    case SRM_TRAIN_SCHEDULE_PLATEAU: return !loss_improved;
    case SRM_TRAIN_SCHEDULE_TCN: {
        if (epoch <= 10) return 0;
        double worst = log[epoch - 2].valid_loss; /* epochs epoch-3 .. epoch-1 */
        for (size_t k = epoch - 4; k < epoch - 2; k++)
            if (log[k].valid_loss > worst) worst = log[k].valid_loss;
        return valid_loss > worst;
    }
    default: return 0;
    }
}

int srm_trainer_done(const srm_trainer *tr) { return tr->s.epoch >= tr->c->epochs; }

int srm_trainer_epoch(srm_trainer *tr, srm_train_epoch *out, int *done)
{
    SRM_TRY(srm_trainer_epoch_begin(tr));
    for (int stepped = 1; stepped;) SRM_TRY(srm_trainer_step(tr, &stepped));
    return srm_trainer_epoch_end(tr, out, done);
}

void srm_trainer_follow(srm_trainer *tr, const srm_trainer *leader) { tr->leader = leader; }

void srm_trainer_defer_files(srm_trainer *tr) { tr->defer_files = 1; }

void srm_trainer_allow_divergence(srm_trainer *tr) { tr->allow_divergence = 1; }

int srm_trainer_write_files(srm_trainer *tr)
{
    const srm_train_config *c = tr->c;
    const srm_train_state *s = &tr->s;
    int pending = tr->files_pending;
    tr->files_pending = 0;
    if (!pending) return SRM_OK;
    /* best model, then log, then checkpoint: a kill between them is redone on resume */
    if (pending == 2) SRM_TRY(srm_train_save_model(tr->dir, c, tr->best, s, tr->d));
    SRM_TRY(srm_train_write_log(tr->dir, c, tr->log, s->epoch));
    return srm_train_save_checkpoint(tr->dir, c, tr->m, tr->best, s);
}

int srm_trainer_epoch_end(srm_trainer *tr, srm_train_epoch *out, int *done)
{
    const srm_train_config *c = tr->c;
    double t_end = srm_progress_now();
    srm_train_epoch e = {.epoch = tr->s.epoch + 1, .lr = tr->s.lr};
    e.train_loss = tr->ep_count ? tr->ep_loss / (double)tr->ep_count : NAN;
    srm_net_sync(tr->net, tr->m); /* float32: the trained weights, widened (exact) */
    srm_eval_result v;
    SRM_TRY(srm_train_evaluate(tr->m, tr->d, SRM_SPLIT_VALID, c->trunc, c->eval_batch, c->bptt,
                               c->precision, &v));
    e.valid_loss = v.loss, e.valid_metric = v.metric;
    /* The kept model is the best by the task's metric (for LM and music a monotone function of
     * the validation loss; for atis the slot F1, as slot-filling code selects). The learning
     * rate anneals on the validation loss (as pytorch/examples), which is smoother than F1:
     * annealing on noisy F1 plateaus stalled the RNN. */
    double score = srm_train_metric_higher_is_better(c->task) ? -v.metric : v.loss;
    srm_train_state *s = &tr->s;
    e.improved = isfinite(score) && (s->best_epoch == 0 || score < s->best_score);
    int loss_improved = isfinite(v.loss) && (s->epoch == 0 || v.loss < s->best_loss);
    s->epoch++;
    if (e.improved) {
        srm_model_copy(tr->best, tr->m);
        s->best_score = score, s->best_epoch = s->epoch;
    }
    if (tr->leader) s->lr = tr->leader->s.lr; /* its epoch ended first */
    else if (srm_train_decays(c, tr->log, s->epoch, v.loss, loss_improved)) s->lr /= c->lr_decay;
    if (loss_improved) s->best_loss = v.loss;
    SRM_TRY(epoch_norms(tr, &e));
    e.seconds = tr->ep_seconds + (srm_progress_now() - t_end); /* steps and validation */
    e.tokens_per_second = (double)tr->tokens_per_epoch / e.seconds;
    s->seconds += e.seconds;
    /* the mean epoch time over every session, as the log records them */
    e.eta_seconds = s->seconds / (double)s->epoch * (double)(c->epochs - s->epoch);
    tr->log[s->epoch - 1] = e;
    if (s->epoch == 1 && e.train_loss > 0) tr->ref_loss = e.train_loss; /* check_growth's */
    tr->files_pending = 1 + e.improved;
    if (!tr->defer_files) SRM_TRY(srm_trainer_write_files(tr));
    if (out) *out = e;
    if (done) *done = srm_trainer_done(tr);
    return SRM_OK;
}

/* ---- alloc, finish, free ---- */

/* The model, its copies and the net with their workspaces, for c and d. */
static int alloc_buffers(srm_trainer *tr)
{
    const srm_train_config *c = tr->c;
    const srm_task_data *d = tr->d;
    size_t vocab = c->task == SRM_TASK_JSB ? 0 : d->vocab, n = c->hidden;
    tr->m = srm_model_alloc(c->cell, n, c->embedding, d->classes, vocab);
    if (!tr->m) return srm_error_code();
    tr->best = srm_model_alloc_like(tr->m);
    if (!tr->best) return srm_error_code();
    size_t t_max = srm_task_is_lm(c->task) ? c->bptt : d->max_len, b_max = c->batch;
    if (!srm_task_is_lm(c->task) && b_max > d->limit[SRM_SPLIT_TRAIN])
        b_max = d->limit[SRM_SPLIT_TRAIN];
    if (t_max == 0 || b_max == 0)
        return SRM_ERROR(SRM_EINVAL, "the training split of %s is empty",
                         srm_data_task_name(c->task));
    if (srm_task_is_lm(c->task) && d->limit[SRM_SPLIT_TRAIN] / c->batch < 2)
        return SRM_ERROR(SRM_EINVAL, "%zu training tokens are too few for --batch %zu",
                         d->limit[SRM_SPLIT_TRAIN], c->batch);
    SRM_TRY(srm_train_batch_alloc(&tr->bb, d, t_max, b_max));
    SRM_TRY(srm_trainer_steps_alloc(tr));
    srm_net_output o = c->task == SRM_TASK_JSB ? SRM_NET_SIGMOID : SRM_NET_SOFTMAX;
    tr->net = c->trunc ? srm_net_alloc_chains(tr->m, o, c->precision, tr->ch.k, t_max * b_max)
                       : srm_net_alloc(tr->m, o, c->precision, t_max, b_max);
    tr->rng = gsl_rng_alloc(gsl_rng_mt19937);
    tr->state = calloc(b_max * srm_model_state_size(tr->m), sizeof(double));
    tr->state0 = calloc(b_max * srm_model_state_size(tr->m), sizeof(double));
    tr->order = calloc(d->limit[SRM_SPLIT_TRAIN] + 1, sizeof(size_t));
    tr->starts = calloc(d->limit[SRM_SPLIT_TRAIN] + 1, sizeof(size_t));
    tr->log = calloc(c->epochs, sizeof *tr->log);
    tr->proj_ws = srm_svd_workspace_alloc(n, n);
    tr->norm_ws = srm_svd_workspace_alloc(tr->m->gates * n, n);
    if (c->stable && c->cell != SRM_CELL_LSTM) {
        tr->gram_ws = srm_gram_workspace_alloc(n, n);
        if (!tr->gram_ws) return srm_error_code();
    }
    if (c->stable && c->cell == SRM_CELL_LSTM && c->projection == SRM_TRAIN_PROJECTION_PAPER) {
        tr->col_work = calloc(n > c->embedding ? n : c->embedding, sizeof(double));
        if (!tr->col_work) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    if (!tr->net || !tr->proj_ws || !tr->norm_ws) return srm_error_code();
    if (!tr->rng || !tr->state || !tr->state0 || !tr->order || !tr->starts || !tr->log)
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    return SRM_OK;
}

/* A fresh start: the seeded initialisation, inside the stable set with --stable. */
static int init_model(srm_trainer *tr)
{
    const srm_train_config *c = tr->c;
    const srm_task_data *d = tr->d;
    if (srm_task_is_lm(c->task)) {
        tr->tokens_per_epoch = (d->limit[SRM_SPLIT_TRAIN] / c->batch - 1) * c->batch;
    } else {
        for (size_t i = 0; i < d->limit[SRM_SPLIT_TRAIN]; i++)
            tr->tokens_per_epoch += srm_task_data_seq_length(d, SRM_SPLIT_TRAIN, i);
    }
    gsl_rng_set(tr->rng, c->seed);
    srm_net_init(tr->m, tr->rng);
    if (c->init == SRM_TRAIN_INIT_PAPER && c->cell == SRM_CELL_LSTM)
        for (size_t j = c->hidden; j < 2 * c->hidden; j++) /* the forget slice */
            tr->m->bias_ih[j] = tr->m->bias_hh[j] = SRM_PAPER_LSTM_FORGET_BIAS;
    SRM_TRY(srm_net_bind_trainable(tr->net, tr->m)); /* float32: rounded to nearest */
    tr->s.hh_bound = INFINITY; /* unknown: the first projection runs the SVD (a resume restores
                                * the checkpoint's) */
    if (c->stable) SRM_TRY(srm_trainer_project(tr)); /* start inside the stable set */
    srm_net_sync(tr->net, tr->m); /* float32: the model is the rounded weights */
    srm_model_copy(tr->best, tr->m);
    tr->s.lr = c->lr;
    return SRM_OK;
}

/* Continues from DIR's checkpoint and log: the models and the loop's state replace the fresh
 * initialisation (the per-epoch RNG seeding makes the rest of the run the uninterrupted one). */
static int resume(srm_trainer *tr)
{
    srm_train_remove_stale_temporaries(tr->dir);
    SRM_TRY(srm_train_read_checkpoint(tr->dir, tr->c, tr->m, tr->best, &tr->s));
    SRM_TRY(srm_net_bind_trainable(tr->net, tr->m)); /* float32: exact (saved from floats) */
    SRM_TRY(srm_train_read_log(tr->dir, tr->c, tr->s.epoch, tr->log));
    if (tr->s.epoch && tr->log[0].train_loss > 0) tr->ref_loss = tr->log[0].train_loss;
    return SRM_OK;
}

int srm_trainer_alloc(const srm_train_config *c, const srm_task_data *d, const char *dir,
                      int resume_run, srm_trainer **out)
{
    *out = NULL;
    SRM_TRY(srm_train_config_check(c));
    if (c->task != d->task)
        return SRM_ERROR(SRM_EINVAL, "configuration and data are for different tasks");
    srm_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    tr->cfg = *c, tr->c = &tr->cfg, tr->d = d, tr->dir = dir;
    int rc = alloc_buffers(tr);
    if (rc == SRM_OK) rc = init_model(tr);
    if (rc == SRM_OK && resume_run) rc = resume(tr);
    if (rc == SRM_OK && !tr->s.run[0]) srm_meta_new_run(tr->s.run, sizeof tr->s.run);
    if (rc == SRM_OK) srm_meta_set_run(tr->s.run); /* every file of the run names it */
    if (rc != SRM_OK) {
        srm_trainer_free(tr);
        return rc;
    }
    tr->total = tr->tokens_per_epoch * (c->epochs - tr->s.epoch);
    *out = tr;
    return SRM_OK;
}

void srm_trainer_set_progress(srm_trainer *tr, srm_trainer_progress fn, void *ctx)
{
    tr->progress = fn, tr->progress_ctx = ctx;
}

int srm_trainer_finish(srm_trainer *tr, srm_train_summary *out)
{
    const srm_train_config *c = tr->c;
    *out = (srm_train_summary){.best_epoch = tr->s.best_epoch, .epochs_done = tr->s.epoch,
                               .seconds = tr->s.seconds, .diverged_epoch = tr->s.diverged_epoch};
    if (tr->s.best_epoch == 0) { /* validation never finite: keep the last model, if finite */
        for (size_t i = 0; i < tr->m->nparam; i++)
            if (!isfinite(tr->m->w[i]))
                return SRM_ERROR(SRM_EDIVERGED, "no epoch produced a finite model; no model "
                                 "written to %s", tr->dir);
        srm_model_copy(tr->best, tr->m);
        SRM_TRY(srm_train_save_model(tr->dir, c, tr->best, &tr->s, tr->d));
    }
    SRM_TRY(srm_train_evaluate(tr->best, tr->d, SRM_SPLIT_VALID, c->trunc, c->eval_batch,
                               c->bptt, c->precision, &out->valid));
    SRM_TRY(srm_train_evaluate(tr->best, tr->d, SRM_SPLIT_TEST, c->trunc, c->eval_batch,
                               c->bptt, c->precision, &out->test));
    return srm_train_write_result(tr->dir, c, out);
}

void srm_trainer_free(srm_trainer *tr)
{
    if (!tr) return;
    srm_model_free(tr->m), srm_model_free(tr->best);
    srm_net_free(tr->net);
    srm_train_batch_free(&tr->bb);
    if (tr->rng) gsl_rng_free(tr->rng);
    srm_trainer_steps_free(tr);
    free(tr->state), free(tr->state0), free(tr->order), free(tr->starts), free(tr->log);
    srm_svd_workspace_free(tr->proj_ws);
    srm_gram_workspace_free(tr->gram_ws);
    free(tr->col_work);
    srm_svd_workspace_free(tr->norm_ws);
    free(tr);
}
