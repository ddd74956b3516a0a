/* task/train.c: the SGD loop of task/train.h with annealing, projection, best-model keeping and
 * per-epoch checkpoints, resuming from a checkpoint, and the run's files (models with metadata,
 * checkpoint, log.tsv, result.json). The presets and the configuration as JSON are in
 * task/train_config.c; the task data, batches and evaluation in task/train_data.c. */
#include "task/train.h"

#include <dirent.h>
#include <errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/progress.h"
#include "core/safetensors.h"
#include "task/corpus.h"
#include "task/net.h"
#include "task/train_internal.h"
#include "theory/norm.h"
#include "theory/project.h"

/* ---- files: models with metadata, checkpoints, log, result ---- */

/* Adds views of m's tensors (names as core/model.h) with a name prefix. */
static int add_model_views(srm_tensors *ts, const srm_model *m, const char *prefix)
{
    size_t gn = m->gates * m->hidden;
    struct {
        const char *name;
        size_t ndim, shape[2];
        double *data;
    } t[] = {{"rnn.weight_ih_l0", 2, {gn, m->input}, m->weight_ih},
             {"rnn.weight_hh_l0", 2, {gn, m->hidden}, m->weight_hh},
             {"rnn.bias_ih_l0", 1, {gn, 0}, m->bias_ih},
             {"rnn.bias_hh_l0", 1, {gn, 0}, m->bias_hh},
             {"decoder.weight", 2, {m->output, m->hidden}, m->decoder_weight},
             {"decoder.bias", 1, {m->output, 0}, m->decoder_bias},
             {"encoder.weight", 2, {m->vocab, m->input}, m->encoder_weight}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (!t[i].data) continue;
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
        SRM_TRY(srm_tensors_add_view(ts, name, t[i].ndim, t[i].shape, t[i].data));
    }
    return SRM_OK;
}

/* Copies the tensors `prefix`* of ts into m (shapes must match m's). */
static int take_model(const srm_tensors *ts, srm_model *m, const char *prefix, const char *path)
{
    srm_tensors *views = srm_tensors_alloc();
    if (!views) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = add_model_views(views, m, prefix);
    for (size_t i = 0; rc == SRM_OK && i < views->count; i++) {
        const srm_tensor *want = &views->tensors[i], *got = srm_tensors_find(ts, want->name);
        if (!got || got->size != want->size)
            rc = SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' is missing or has the wrong size", path,
                           want->name);
        else
            memcpy(want->data, got->data, want->size * sizeof(double));
    }
    srm_tensors_free(views);
    return rc;
}

typedef struct {
    const srm_train_config *c;
    const srm_train_data *d;
    const char *dir;
    srm_model *m, *best, *grad;
    srm_net *net;
    srm_train_batch bb;
    gsl_rng *rng;
    double *state;  /* (batch, S) LM state carried across windows */
    size_t *order;  /* sequence order of an epoch */
    size_t *starts; /* first position in order of each batch */
    srm_svd_workspace *proj_ws, *norm_ws;
    srm_gram_workspace *gram_ws; /* RNN --stable only */
    srm_train_epoch *log;
    size_t nlog, epoch, best_epoch, tokens_per_epoch, done;
    double lr, best_score, best_loss, seconds;
    double hh_bound; /* RNN --stable: an upper bound on ||W_hh||_2 since the last SVD (or inf) */
    srm_progress *progress;
} trainer;

static void path_in(char *out, size_t size, const char *dir, const char *file)
{
    snprintf(out, size, "%s/%s", dir, file);
}

static int save_with_meta(const trainer *tr, const char *file, int checkpoint)
{
    char path[4096], buf[64];
    path_in(path, sizeof path, tr->dir, file);
    srm_tensors *ts = srm_tensors_alloc();
    if (!ts) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    char *cfg = srm_train_config_json(tr->c);
    int rc = cfg ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "cell", srm_cell_name(tr->c->cell));
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "task", srm_data_task_name(tr->c->task));
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "config", cfg);
    if (rc == SRM_OK) rc = add_model_views(ts, checkpoint ? tr->m : tr->best, "");
    if (rc == SRM_OK && checkpoint) rc = add_model_views(ts, tr->best, "best.");
    snprintf(buf, sizeof buf, "%zu", checkpoint ? tr->epoch : tr->best_epoch);
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "epoch", buf);
    if (rc == SRM_OK && checkpoint) {
        /* %.17g round-trips doubles exactly, so a resumed run continues bit-for-bit */
        snprintf(buf, sizeof buf, "%.17g", tr->lr);
        rc = srm_tensors_set_meta(ts, "lr", buf);
        snprintf(buf, sizeof buf, "%.17g", tr->best_score);
        if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "best_score", buf);
        snprintf(buf, sizeof buf, "%.17g", tr->best_loss);
        if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "best_loss", buf);
        snprintf(buf, sizeof buf, "%zu", tr->best_epoch);
        if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "best_epoch", buf);
        snprintf(buf, sizeof buf, "%.17g", tr->seconds);
        if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "seconds", buf);
        /* the projection's certificate for this W_hh (RNN --stable), so that a resumed run
         * skips and routes its projections as the uninterrupted one does ("inf": none) */
        snprintf(buf, sizeof buf, "%.17g", tr->hh_bound);
        if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "hh_bound", buf);
    }
    if (rc == SRM_OK) rc = srm_safetensors_write(path, ts);
    free(cfg);
    srm_tensors_free(ts);
    return rc;
}

static const char *const log_columns =
    "epoch\ttrain_loss\tvalid_loss\tvalid_metric\tlr\tseconds\ttokens_per_s\tnorm_hh_2\t"
    "norm_inf_i\tnorm_inf_f\tnorm_inf_z\tnorm_inf_o\timproved";

static int write_log(const trainer *tr)
{
    char path[4096];
    path_in(path, sizeof path, tr->dir, "log.tsv");
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    srm_meta_write(a.f);
    fprintf(a.f, "# task %s, cell %s, %s, preset %s; metric %s\n%s\n",
            srm_data_task_name(tr->c->task), srm_cell_name(tr->c->cell),
            tr->c->stable ? "stable (projected)" : "unconstrained", tr->c->preset,
            srm_train_metric_name(tr->c->task), log_columns);
    for (size_t i = 0; i < tr->nlog; i++) {
        const srm_train_epoch *e = &tr->log[i];
        fprintf(a.f, "%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.6g\t%.6g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%d\n",
                e->epoch, e->train_loss, e->valid_loss, e->valid_metric, e->lr, e->seconds,
                e->tokens_per_second, e->norm_hh, e->norm_inf[0], e->norm_inf[1],
                e->norm_inf[2], e->norm_inf[3], e->improved);
    }
    return srm_atomic_commit(&a);
}

static json_t *json_number_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static int write_result(const trainer *tr, const srm_train_summary *s)
{
    char path[4096];
    path_in(path, sizeof path, tr->dir, "result.json");
    json_t *o = json_object();
    if (!o) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    srm_task task = tr->c->task;
    json_object_set_new(o, "command", json_string(srm_meta_command()));
    json_object_set_new(o, "seed", json_integer((json_int_t)tr->c->seed));
    json_object_set_new(o, "version", json_string(SRM_VERSION));
    json_object_set_new(o, "date", json_string(srm_meta_date()));
    json_object_set_new(o, "task", json_string(srm_data_task_name(task)));
    json_object_set_new(o, "cell", json_string(tr->c->cell == SRM_CELL_LSTM ? "lstm" : "rnn"));
    json_object_set_new(o, "stable", json_boolean(tr->c->stable));
    json_object_set_new(o, "metric_name", json_string(srm_train_metric_name(task)));
    json_object_set_new(o, "test_metric", json_number_or_null(s->test.metric));
    json_object_set_new(o, "test_loss", json_number_or_null(s->test.loss));
    json_object_set_new(o, "test_count", json_integer((json_int_t)s->test.count));
    if (task == SRM_TASK_ATIS) {
        json_object_set_new(o, "test_precision", json_number_or_null(s->test.precision));
        json_object_set_new(o, "test_recall", json_number_or_null(s->test.recall));
    }
    json_object_set_new(o, "valid_metric", json_number_or_null(s->valid.metric));
    json_object_set_new(o, "valid_loss", json_number_or_null(s->valid.loss));
    json_object_set_new(o, "best_epoch", json_integer((json_int_t)s->best_epoch));
    json_object_set_new(o, "epochs_done", json_integer((json_int_t)s->epochs_done));
    json_object_set_new(o, "seconds", json_number_or_null(s->seconds));
    json_object_set_new(o, "precision", json_string(tr->c->precision == SRM_NET_FLOAT32
                                                        ? "float32 decoder/softmax, float64 rest"
                                                        : "float64"));
    json_object_set_new(o, "config", srm_train_config_object(tr->c));
    srm_atomic a;
    int rc = srm_atomic_open(&a, path);
    if (rc == SRM_OK) {
        if (json_dumpf(o, a.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', a.f) == EOF) {
            srm_atomic_abort(&a);
            rc = SRM_ERROR(SRM_EIO, "%s: cannot write", path);
        } else {
            rc = srm_atomic_commit(&a);
        }
    }
    json_decref(o);
    return rc;
}

/* ---- the loop ---- */


static int project(trainer *tr)
{
    const srm_train_config *c = tr->c;
    if (c->cell == SRM_CELL_LSTM) {
        srm_project_lstm_result r;
        return srm_project_lstm(tr->m, c->lstm_a, c->lstm_margin, c->lstm_input_bound, &r);
    }
    /* Weyl: ||W + dW||_2 <= ||W||_2 + ||dW||_F. While the norm after the last SVD plus the
     * Frobenius norms of the updates since then stays <= r, W_hh is certified inside the ball
     * and the O(n^3) SVD is skipped (sgd_batch adds each update's norm to hh_bound). */
    if (tr->hh_bound <= c->radius) return SRM_OK;
    /* Otherwise the exact projection: from the Gram matrix when ||W_hh||_2 <= 2r is certified
     * (its accuracy needs ||W||_2 near r; 4.5x faster at n = 1024), else (the first projection
     * of a fresh or resumed run, or a step longer than r) from the SVD. */
    srm_project_result r;
    size_t n = tr->m->hidden;
    if (tr->hh_bound <= 2 * c->radius)
        SRM_TRY(srm_project_spectral_gram(tr->m->weight_hh, n, n, c->radius, tr->gram_ws, &r));
    else
        SRM_TRY(srm_project_spectral(tr->m->weight_hh, n, n, c->radius, SRM_NORM_METHOD_SVD,
                                     tr->proj_ws, NULL, NULL, &r));
    tr->hh_bound = r.norm_after;
    return SRM_OK;
}

/* ||dW_hh||_F of the SGD step about to be taken: lr (scale G_hh + wd W_hh). */
static double hh_step_norm(const trainer *tr, double scale)
{
    const srm_model *m = tr->m, *g = tr->grad;
    size_t nn = m->hidden * m->hidden * m->gates;
    double ss = 0;
    for (size_t i = 0; i < nn; i++) {
        double d = tr->lr * (scale * g->weight_hh[i] + tr->c->weight_decay * m->weight_hh[i]);
        ss += d * d;
    }
    return sqrt(ss);
}

/* One SGD step on a batch: mean loss, gradient, clipping, weight decay, projection. */
static int sgd_batch(trainer *tr, const srm_net_batch *b, const double *state0, double *loss,
                     size_t *count)
{
    const srm_train_config *c = tr->c;
    double p_in = c->task == SRM_TASK_JSB ? 0.0 : c->dropout;
    srm_net_grad_zero(tr->net, tr->grad);
    SRM_TRY(srm_net_forward(tr->net, tr->m, b, state0, p_in, c->dropout, tr->rng, loss, count));
    if (*count == 0) return SRM_OK;
    if (!isfinite(*loss))
        return SRM_ERROR(SRM_ENUMERIC, "training diverged (non-finite loss) in epoch %zu; try a "
                         "smaller --lr or --clip", tr->epoch + 1);
    srm_net_backward(tr->net, tr->m, b, 1.0 / (double)*count, tr->grad);
    double norm = srm_net_grad_norm(tr->net, tr->grad), scale = 1.0;
    if (c->clip > 0 && c->clip / (norm + 1e-6) < 1.0) scale = c->clip / (norm + 1e-6);
    if (c->stable && c->cell != SRM_CELL_LSTM) tr->hh_bound += hh_step_norm(tr, scale);
    srm_net_sgd_step(tr->net, tr->m, tr->grad, tr->lr, scale, c->weight_decay);
    if (c->stable && c->cell == SRM_CELL_LSTM && tr->m->vocab)
        srm_net_clamp_touched_rows(tr->net, tr->m, c->lstm_input_bound);
    tr->done += *count;
    srm_progress_update(tr->progress, tr->done);
    return c->stable ? project(tr) : SRM_OK;
}

static int train_epoch(trainer *tr, double *mean_loss)
{
    const srm_train_config *c = tr->c;
    const srm_train_data *d = tr->d;
    /* a fresh stream per epoch: resuming at an epoch boundary reproduces the same draws */
    gsl_rng_set(tr->rng, c->seed * 1000003UL + tr->epoch + 1);
    double total = 0, l;
    size_t count = 0, cnt;
    if (srm_train_is_lm(c->task)) {
        const int32_t *ids = d->corpus->split[SRM_SPLIT_TRAIN].ids;
        size_t B = c->batch, L = d->limit[SRM_SPLIT_TRAIN] / B, S = srm_model_state_size(tr->m);
        memset(tr->state, 0, B * S * sizeof(double));
        for (size_t i = 0; i + 1 < L; i += c->bptt) {
            size_t T = L - 1 - i < c->bptt ? L - 1 - i : c->bptt;
            srm_train_batch_window(&tr->bb, ids, L, B, i, T);
            SRM_TRY(sgd_batch(tr, &tr->bb.b, tr->state, &l, &cnt));
            memcpy(tr->state, srm_net_final_state(tr->net), B * S * sizeof(double));
            total += l, count += cnt;
        }
    } else {
        /* Bucketing (as torchtext's BucketIterator): shuffle, sort groups of 16 batches by
         * length, cut into batches, shuffle the batches. */
        size_t N = d->limit[SRM_SPLIT_TRAIN], group = 16 * c->batch, nbatch = 0;
        for (size_t i = 0; i < N; i++) tr->order[i] = i;
        gsl_ran_shuffle(tr->rng, tr->order, N, sizeof(size_t));
        for (size_t g = 0; g < N; g += group)
            SRM_TRY(srm_train_sort_by_length(d, SRM_SPLIT_TRAIN, tr->order + g,
                                             N - g < group ? N - g : group));
        for (size_t i = 0; i < N; i += c->batch) tr->starts[nbatch++] = i;
        gsl_ran_shuffle(tr->rng, tr->starts, nbatch, sizeof(size_t));
        for (size_t j = 0; j < nbatch; j++) {
            size_t i = tr->starts[j], nb = N - i < c->batch ? N - i : c->batch;
            srm_train_batch_sequences(&tr->bb, d, SRM_SPLIT_TRAIN, tr->order + i, nb);
            if (tr->bb.b.T == 0) continue;
            SRM_TRY(sgd_batch(tr, &tr->bb.b, NULL, &l, &cnt));
            total += l, count += cnt;
        }
    }
    *mean_loss = count ? total / (double)count : NAN;
    return SRM_OK;
}

static int epoch_norms(trainer *tr, srm_train_epoch *e)
{
    const srm_model *m = tr->m;
    size_t n = m->hidden;
    SRM_TRY(srm_norm_spectral(m->weight_hh, m->gates * n, n, tr->norm_ws, &e->norm_hh));
    for (size_t g = 0; g < 4; g++)
        e->norm_inf[g] = m->cell == SRM_CELL_LSTM ? srm_norm_inf_rows(m->weight_hh, g * n, n, n)
                                                  : NAN;
    return SRM_OK;
}

static int run_epochs(trainer *tr, srm_train_observer observer, void *ctx)
{
    const srm_train_config *c = tr->c;
    while (tr->epoch < c->epochs) {
        double t0 = srm_progress_now();
        srm_train_epoch e = {.epoch = tr->epoch + 1, .lr = tr->lr};
        SRM_TRY(train_epoch(tr, &e.train_loss));
        srm_eval_result v;
        SRM_TRY(srm_train_evaluate(tr->m, tr->d, SRM_SPLIT_VALID, 0, c->eval_batch, c->bptt,
                                   c->precision, &v));
        e.valid_loss = v.loss, e.valid_metric = v.metric;
        /* The kept model is the best by the task's metric (for LM and music a monotone function
         * of the validation loss; for atis the slot F1, as slot-filling code selects). The
         * learning rate anneals on the validation loss (as pytorch/examples), which is smoother
         * than F1: annealing on noisy F1 plateaus stalled the RNN. */
        double score = srm_train_metric_higher_is_better(c->task) ? -v.metric : v.loss;
        e.improved = isfinite(score) && (tr->best_epoch == 0 || score < tr->best_score);
        int loss_improved = isfinite(v.loss) && (tr->epoch == 0 || v.loss < tr->best_loss);
        tr->epoch++;
        if (e.improved) {
            srm_model_copy(tr->best, tr->m);
            tr->best_score = score, tr->best_epoch = tr->epoch;
        }
        if (loss_improved)
            tr->best_loss = v.loss;
        else
            tr->lr /= c->lr_decay;
        SRM_TRY(epoch_norms(tr, &e));
        e.seconds = srm_progress_now() - t0;
        e.tokens_per_second = (double)tr->tokens_per_epoch / e.seconds;
        tr->seconds += e.seconds;
        tr->log[tr->nlog++] = e;
        /* best model, then log, then checkpoint: a kill between them is redone on resume */
        if (e.improved) SRM_TRY(save_with_meta(tr, "model.safetensors", 0));
        SRM_TRY(write_log(tr));
        SRM_TRY(save_with_meta(tr, "checkpoint.safetensors", 1));
        if (observer) observer(&e, c, tr->seconds / (double)tr->nlog * (double)(c->epochs - tr->epoch), ctx);
    }
    return SRM_OK;
}

static int parse_meta_number(const srm_tensors *ts, const char *key, const char *path, double *v)
{
    const char *s = srm_tensors_meta(ts, key);
    char *end;
    if (s) *v = strtod(s, &end);
    if (!s || end == s || *end)
        return SRM_ERROR(SRM_EINVAL, "%s: checkpoint metadata '%s' missing or not a number", path,
                         key);
    return SRM_OK;
}

static int resume_from(trainer *tr)
{
    char path[4096];
    path_in(path, sizeof path, tr->dir, "checkpoint.safetensors");
    srm_tensors *ts;
    SRM_TRY(srm_safetensors_read(path, &ts));
    double epoch = 0, best_epoch = 0;
    int rc = take_model(ts, tr->m, "", path);
    if (rc == SRM_OK) rc = take_model(ts, tr->best, "best.", path);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "epoch", path, &epoch);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "best_epoch", path, &best_epoch);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "lr", path, &tr->lr);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "best_score", path, &tr->best_score);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "best_loss", path, &tr->best_loss);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "seconds", path, &tr->seconds);
    /* The bound trainer_init left describes the discarded initialisation, not this W_hh.
     * Checkpoints written before the key existed get none: the next projection is the SVD. */
    tr->hh_bound = INFINITY;
    if (rc == SRM_OK && srm_tensors_meta(ts, "hh_bound"))
        rc = parse_meta_number(ts, "hh_bound", path, &tr->hh_bound);
    srm_tensors_free(ts);
    if (rc != SRM_OK) return rc;
    if (epoch > (double)tr->c->epochs)
        return SRM_ERROR(SRM_EINVAL, "%s: the checkpoint is at epoch %.0f, beyond --epochs %zu",
                         path, epoch, tr->c->epochs);
    tr->epoch = (size_t)epoch, tr->best_epoch = (size_t)best_epoch;
    /* the log rows of the finished epochs (a row written after the checkpoint is dropped) */
    path_in(path, sizeof path, tr->dir, "log.tsv");
    FILE *f = fopen(path, "r");
    if (!f) return SRM_ERROR(SRM_EIO, "%s: cannot open for --resume", path);
    char line[4096];
    while (fgets(line, sizeof line, f) && tr->nlog < tr->epoch) {
        srm_train_epoch e = {0};
        char *p = line, *end;
        if (line[0] == '#' || strncmp(line, "epoch", 5) == 0) continue;
        double v[13];
        int k = 0;
        for (; k < 13; k++, p = end) {
            v[k] = strtod(p, &end);
            if (end == p) break;
        }
        if (k != 13) {
            fclose(f);
            return SRM_ERROR(SRM_EINVAL, "%s: malformed log row for --resume", path);
        }
        e.epoch = (size_t)v[0], e.train_loss = v[1], e.valid_loss = v[2], e.valid_metric = v[3];
        e.lr = v[4], e.seconds = v[5], e.tokens_per_second = v[6], e.norm_hh = v[7];
        memcpy(e.norm_inf, v + 8, 4 * sizeof(double));
        e.improved = v[12] != 0;
        tr->log[tr->nlog++] = e;
    }
    fclose(f);
    if (tr->nlog != tr->epoch)
        return SRM_ERROR(SRM_EINVAL, "%s: %zu rows for %zu finished epochs", path, tr->nlog,
                         tr->epoch);
    return SRM_OK;
}

/* Removes DIR/<output>.tmp.<pid> files that a killed run left behind (core/atomic.h names its
 * temporary files so); files of a live process are kept. */
static void remove_stale_temporaries(const char *dir)
{
    static const char *const outputs[] = {"model.safetensors", "checkpoint.safetensors",
                                          "log.tsv", "result.json"};
    DIR *dp = opendir(dir);
    if (!dp) return;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
            size_t len = strlen(outputs[i]);
            if (strncmp(e->d_name, outputs[i], len) != 0 || strncmp(e->d_name + len, ".tmp.", 5))
                continue;
            char *end;
            long pid = strtol(e->d_name + len + 5, &end, 10);
            if (*end || pid <= 0) continue;
            if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* its writer is alive */
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    }
    closedir(dp);
}

int srm_train_checkpoint_config(const char *dir, srm_train_config *c)
{
    char path[4096];
    path_in(path, sizeof path, dir, "checkpoint.safetensors");
    srm_tensors *ts;
    SRM_TRY(srm_safetensors_read(path, &ts));
    const char *cfg = srm_tensors_meta(ts, "config");
    int rc = cfg ? srm_train_config_from_json(cfg, c)
                 : SRM_ERROR(SRM_EINVAL, "%s: no \"config\" in __metadata__", path);
    srm_tensors_free(ts);
    return rc;
}

int srm_train_model_eval_settings(const char *path, srm_task task, size_t *eval_batch,
                                  size_t *bptt)
{
    srm_tensors *ts;
    SRM_TRY(srm_safetensors_read(path, &ts));
    const char *stored = srm_tensors_meta(ts, "task"), *cfg = srm_tensors_meta(ts, "config");
    int rc = SRM_OK;
    srm_train_config c;
    if (stored && strcmp(stored, srm_data_task_name(task)) != 0)
        rc = SRM_ERROR(SRM_EINVAL, "%s: the model was trained on %s, not %s", path, stored,
                       srm_data_task_name(task));
    else if (!cfg || srm_train_config_from_json(cfg, &c) != SRM_OK || c.task != task) {
        srm_error_clear();
        rc = srm_train_config_preset(&c, task, SRM_CELL_RNN_TANH, "paper");
    }
    srm_tensors_free(ts);
    if (rc != SRM_OK) return rc;
    if (*eval_batch == 0) *eval_batch = c.eval_batch;
    if (*bptt == 0) *bptt = c.bptt;
    return SRM_OK;
}

static void trainer_free(trainer *tr)
{
    srm_model_free(tr->m), srm_model_free(tr->best), srm_model_free(tr->grad);
    srm_net_free(tr->net);
    srm_train_batch_free(&tr->bb);
    if (tr->rng) gsl_rng_free(tr->rng);
    free(tr->state), free(tr->order), free(tr->starts), free(tr->log);
    srm_svd_workspace_free(tr->proj_ws);
    srm_gram_workspace_free(tr->gram_ws);
    srm_svd_workspace_free(tr->norm_ws);
    srm_progress_free(tr->progress);
}

static int trainer_init(trainer *tr)
{
    const srm_train_config *c = tr->c;
    const srm_train_data *d = tr->d;
    size_t vocab = c->task == SRM_TASK_JSB ? 0 : d->vocab, n = c->hidden;
    tr->m = srm_model_alloc(c->cell, n, c->embedding, d->classes, vocab);
    if (!tr->m) return srm_error_code();
    tr->best = srm_model_alloc_like(tr->m);
    tr->grad = srm_model_alloc_like(tr->m);
    if (!tr->best || !tr->grad) return srm_error_code();
    size_t t_max = srm_train_is_lm(c->task) ? c->bptt : d->max_len, b_max = c->batch;
    if (!srm_train_is_lm(c->task) && b_max > d->limit[SRM_SPLIT_TRAIN])
        b_max = d->limit[SRM_SPLIT_TRAIN];
    if (t_max == 0 || b_max == 0)
        return SRM_ERROR(SRM_EINVAL, "the training split of %s is empty", srm_data_task_name(c->task));
    if (srm_train_is_lm(c->task) && d->limit[SRM_SPLIT_TRAIN] / c->batch < 2)
        return SRM_ERROR(SRM_EINVAL, "%zu training tokens are too few for --batch %zu",
                         d->limit[SRM_SPLIT_TRAIN], c->batch);
    SRM_TRY(srm_train_batch_alloc(&tr->bb, d, t_max, b_max));
    tr->net = srm_net_alloc(tr->m, c->task == SRM_TASK_JSB ? SRM_NET_SIGMOID : SRM_NET_SOFTMAX,
                            c->precision, t_max, b_max);
    tr->rng = gsl_rng_alloc(gsl_rng_mt19937);
    tr->state = calloc(b_max * srm_model_state_size(tr->m), sizeof(double));
    tr->order = calloc(d->limit[SRM_SPLIT_TRAIN] + 1, sizeof(size_t));
    tr->starts = calloc(d->limit[SRM_SPLIT_TRAIN] + 1, sizeof(size_t));
    tr->log = calloc(c->epochs, sizeof *tr->log);
    tr->proj_ws = srm_svd_workspace_alloc(n, n);
    tr->norm_ws = srm_svd_workspace_alloc(tr->m->gates * n, n);
    if (c->stable && c->cell != SRM_CELL_LSTM) {
        tr->gram_ws = srm_gram_workspace_alloc(n, n);
        if (!tr->gram_ws) return srm_error_code();
    }
    if (!tr->net || !tr->proj_ws || !tr->norm_ws) return srm_error_code();
    if (!tr->rng || !tr->state || !tr->order || !tr->starts || !tr->log)
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (srm_train_is_lm(c->task)) {
        tr->tokens_per_epoch = (d->limit[SRM_SPLIT_TRAIN] / c->batch - 1) * c->batch;
    } else {
        for (size_t i = 0; i < d->limit[SRM_SPLIT_TRAIN]; i++)
            tr->tokens_per_epoch += srm_train_seq_length(d, SRM_SPLIT_TRAIN, i);
    }
    gsl_rng_set(tr->rng, c->seed);
    srm_net_init(tr->m, tr->rng);
    tr->hh_bound = INFINITY; /* unknown: the first projection runs the SVD (resume_from
                              * restores the checkpoint's) */
    if (c->stable) SRM_TRY(project(tr)); /* start inside the stable set */
    srm_model_copy(tr->best, tr->m);
    tr->lr = c->lr;
    return SRM_OK;
}

int srm_train_run(const srm_train_config *c, const srm_train_data *d, const char *dir,
                  int resume, srm_train_observer observer, void *ctx, srm_train_summary *out)
{
    *out = (srm_train_summary){0};
    SRM_TRY(srm_train_config_check(c));
    if (c->task != d->task) return SRM_ERROR(SRM_EINVAL, "configuration and data are for different tasks");
    trainer tr = {.c = c, .d = d, .dir = dir};
    int rc = trainer_init(&tr);
    if (rc == SRM_OK && resume) {
        remove_stale_temporaries(dir);
        rc = resume_from(&tr);
    }
    if (rc == SRM_OK) {
        tr.progress = srm_progress_alloc(tr.tokens_per_epoch * (c->epochs - tr.epoch), "train",
                                         "tok");
        rc = run_epochs(&tr, observer, ctx);
    }
    if (rc == SRM_OK && tr.best_epoch == 0) { /* validation never finite: keep the last model */
        srm_model_copy(tr.best, tr.m);
        rc = save_with_meta(&tr, "model.safetensors", 0);
    }
    if (rc == SRM_OK)
        rc = srm_train_evaluate(tr.best, d, SRM_SPLIT_VALID, 0, c->eval_batch, c->bptt,
                                c->precision, &out->valid);
    if (rc == SRM_OK)
        rc = srm_train_evaluate(tr.best, d, SRM_SPLIT_TEST, 0, c->eval_batch, c->bptt,
                                c->precision, &out->test);
    out->best_epoch = tr.best_epoch, out->epochs_done = tr.epoch, out->seconds = tr.seconds;
    if (rc == SRM_OK) rc = write_result(&tr, out);
    trainer_free(&tr);
    return rc;
}
