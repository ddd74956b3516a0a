/* task/lockstep.c: the recurrent model and its truncated counterparts trained in lockstep on a
 * task (see lockstep.h): the trainers of task/train.h driven batch by batch, the weight gaps
 * and the estimated constants of the training theorem recorded along the way. The files and
 * the summary are in task/lockstep_files.c. */
#include "task/lockstep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/args.h"
#include "core/error.h"
#include "core/progress.h"
#include "task/lockstep_internal.h"

int srm_lockstep_parse_ks(const char *text, srm_lockstep_config *c)
{
    long ks[SRM_LOCKSTEP_MAX_K];
    SRM_TRY(srm_args_parse_long_list("trunc", text, ks, SRM_LOCKSTEP_MAX_K, &c->nks));
    for (size_t j = 0; j < c->nks; j++) {
        if (ks[j] > SRM_TRAIN_TRUNC_MAX || (j && ks[j] <= ks[j - 1]))
            return SRM_ERROR(SRM_EINVAL, "--trunc '%s': the lengths must increase and be at "
                             "most %d", text, SRM_TRAIN_TRUNC_MAX);
        c->ks[j] = (size_t)ks[j];
    }
    return SRM_OK;
}

/* ||W_hh,a - W_hh,b||_F. */
static double hh_distance(const srm_model *a, const srm_model *b)
{
    size_t count = a->gates * a->hidden * a->hidden;
    double s = 0;
    for (size_t i = 0; i < count; i++) s += (a->weight_hh[i] - b->weight_hh[i]) *
                                           (a->weight_hh[i] - b->weight_hh[i]);
    return sqrt(s);
}

/* The estimates on the step's batch: grad p at w and at each v_k, grad p^k at v_k. */
static int estimate(srm_lockstep *L)
{
    const srm_model *w = srm_trainer_model(L->tr[0]);
    double loss;
    SRM_TRY(srm_trainer_grad_at(L->tr[0], w, L->g_w, &loss));
    for (size_t j = 0; j < L->c.nks; j++) {
        const srm_model *v = srm_trainer_model(L->tr[j + 1]);
        SRM_TRY(srm_trainer_grad_at(L->tr[0], v, L->g_v, &loss));
        SRM_TRY(srm_trainer_grad_at(L->tr[j + 1], v, L->g_k, &loss));
        double gap = srm_model_distance(L->g_v, L->g_k), dist = srm_model_distance(w, v);
        L->sample_gap[j] = gap;
        if (!(gap <= L->st.grad_gap[j])) L->st.grad_gap[j] = gap;
        double ratio = dist > 0 ? srm_model_distance(L->g_w, L->g_v) / dist : 0;
        if (!(ratio <= L->st.beta)) L->st.beta = ratio;
    }
    return SRM_OK;
}

/* One lockstep step of every trainer; *stepped = 0 when the epoch has no batch left. */
static int step_all(srm_lockstep *L, int *stepped)
{
    SRM_TRY(srm_trainer_step(L->tr[0], stepped));
    for (size_t j = 1; j <= L->c.nks; j++) {
        int s;
        SRM_TRY(srm_trainer_step(L->tr[j], &s));
        if (s != *stepped)
            return SRM_ERROR(SRM_ENUMERIC, "lockstep: the runs disagree on the batches");
    }
    if (!*stepped) return SRM_OK;
    size_t t = ++L->st.step;
    int record = t == 1 || t % L->every == 0;
    if (record) SRM_TRY(estimate(L));
    double a = srm_trainer_lr(L->tr[0]);
    for (size_t j = 0; j < L->c.nks; j++) /* the theorem's recursion, estimates of now */
        L->st.bound[j] = (1 + a * L->st.beta) * L->st.bound[j] + a * L->st.grad_gap[j];
    if (!record) return SRM_OK;
    const srm_model *w = srm_trainer_model(L->tr[0]);
    for (size_t j = 0; j < L->c.nks; j++) {
        const srm_model *v = srm_trainer_model(L->tr[j + 1]);
        srm_lockstep_row r = {t, L->st.epoch + 1, L->c.ks[j], a, /* grad_gap: this sample */
                              srm_trainer_last_loss(L->tr[0]),
                              srm_trainer_last_loss(L->tr[j + 1]), srm_model_distance(w, v),
                              hh_distance(w, v), L->sample_gap[j], L->st.beta, L->st.bound[j]};
        SRM_TRY(srm_lockstep_add_row(L, &r));
    }
    return SRM_OK;
}

/* Validation (epoch_end, the recurrent run first: the others take its learning rate) and the
 * test metric of every model, then the files. */
static int end_epoch(srm_lockstep *L, int *done)
{
    const srm_train_config *b = &L->c.base;
    for (size_t j = 0; j <= L->c.nks; j++) { /* the files come after, all together */
        srm_train_epoch e;
        SRM_TRY(srm_trainer_epoch_end(L->tr[j], &e, done));
        size_t k = j ? L->c.ks[j - 1] : 0;
        srm_eval_result t;
        SRM_TRY(srm_train_evaluate(srm_trainer_model(L->tr[j]), L->d, SRM_SPLIT_TEST, k,
                                   b->eval_batch, b->bptt, b->precision, &t));
        srm_lockstep_epoch r = {e.epoch, k, e.train_loss, e.valid_metric, t.metric};
        SRM_TRY(srm_lockstep_add_epoch(L, &r));
    }
    L->st.epoch++;
    /* the runs' checkpoints, then lockstep.json: a kill in between (milliseconds) leaves them
     * at different epochs, which a resume detects and refuses */
    for (size_t j = 0; j <= L->c.nks; j++) SRM_TRY(srm_trainer_write_files(L->tr[j]));
    return srm_lockstep_save(L, 0);
}

static int alloc_trainers(srm_lockstep *L, int resume)
{
    for (size_t j = 0; j <= L->c.nks; j++) {
        srm_train_config c = L->c.base;
        c.trunc = j ? L->c.ks[j - 1] : 0;
        char *path = L->run_dir[j];
        srm_lockstep_run_dir(L, j, path, sizeof L->run_dir[j]);
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return SRM_ERROR(SRM_EIO, "%s: cannot create the run folder: %s", path,
                             strerror(errno));
        SRM_TRY(srm_trainer_alloc(&c, L->d, path, resume, &L->tr[j]));
        if (srm_trainer_epochs_done(L->tr[j]) != L->st.epoch)
            return SRM_ERROR(SRM_EINVAL, "%s: its checkpoint is at epoch %zu, the lockstep run "
                             "at %zu; remove the folder and start again", path,
                             srm_trainer_epochs_done(L->tr[j]), L->st.epoch);
        if (j) srm_trainer_follow(L->tr[j], L->tr[0]);
        srm_trainer_defer_files(L->tr[j]);
    }
    L->g_w = srm_model_alloc_like(srm_trainer_model(L->tr[0]));
    L->g_v = srm_model_alloc_like(L->g_w);
    L->g_k = srm_model_alloc_like(L->g_w);
    return L->g_w && L->g_v && L->g_k ? SRM_OK : srm_error_code();
}

static int train(srm_lockstep *L, srm_lockstep_progress progress, void *ctx)
{
    const srm_train_config *b = &L->c.base;
    size_t total = srm_trainer_steps_per_epoch(L->tr[0]) * b->epochs, t0 = L->st.step;
    double start = srm_progress_now();
    int done = srm_trainer_done(L->tr[0]), stepped;
    while (!done) {
        for (size_t j = 0; j <= L->c.nks; j++) SRM_TRY(srm_trainer_epoch_begin(L->tr[j]));
        do {
            SRM_TRY(step_all(L, &stepped));
            if (progress && stepped) progress(L->st.step - t0, total - t0, 0, ctx);
        } while (stepped);
        SRM_TRY(end_epoch(L, &done));
        if (progress) progress(L->st.step - t0, total - t0, L->st.epoch, ctx);
        L->st.seconds += srm_progress_now() - start;
        start = srm_progress_now();
    }
    for (size_t j = 0; j <= L->c.nks; j++) {
        srm_train_summary s;
        SRM_TRY(srm_trainer_finish(L->tr[j], &s));
    }
    return SRM_OK;
}

static void lockstep_free(srm_lockstep *L)
{
    for (size_t j = 0; j <= SRM_LOCKSTEP_MAX_K; j++) srm_trainer_free(L->tr[j]);
    srm_model_free(L->g_w), srm_model_free(L->g_v), srm_model_free(L->g_k);
    free(L->rows), free(L->epochs);
}

int srm_lockstep_run(const srm_lockstep_config *c, const srm_task_data *d, const char *dir,
                     srm_lockstep_progress progress, void *ctx, srm_lockstep_summary *out)
{
    srm_lockstep L = {.c = *c, .d = d, .dir = dir};
    L.c.base.trunc = 0;
    int state, rc = srm_lockstep_open(&L, &state);
    /* before the first epoch ends there are no checkpoints: a run killed then starts afresh */
    int resume = state == SRM_TRAIN_DIR_RESUME && L.st.epoch > 0;
    if (rc == SRM_OK && state != SRM_TRAIN_DIR_DONE) {
        rc = alloc_trainers(&L, resume);
        if (rc == SRM_OK && !resume) {
            size_t total = srm_trainer_steps_per_epoch(L.tr[0]) * L.c.base.epochs;
            L.every = L.c.every ? L.c.every : (total / 200 > 0 ? total / 200 : 1);
            memset(&L.st, 0, sizeof L.st), L.nrows = L.nepochs = 0;
            rc = srm_lockstep_save(&L, 0);
        }
        if (rc == SRM_OK) rc = train(&L, progress, ctx);
        if (rc == SRM_OK) rc = srm_lockstep_summarize(&L, srm_trainer_model(L.tr[0]), out);
        if (rc == SRM_OK) rc = srm_lockstep_save(&L, 1);
    } else if (rc == SRM_OK) {
        rc = srm_lockstep_summarize(&L, NULL, out);
    }
    lockstep_free(&L);
    return rc;
}
