/* tests/test_train_trunc.c: training the k-step truncated counterpart (srm train --trunc,
 * task/train_steps.c) on slices of the real tasks (needs data/; tests/run.sh runs from the top).
 *
 * - With k at least the longest sequence the truncated network is the recurrent one, so a run
 *   with --trunc k and a recurrent run of the same seed must end at the same weights (float64,
 *   to rounding): this checks at once that both see the same batches in the same order, the
 *   same dropout masks, and that the chains' gradients are the recurrent model's there. JSB (no
 *   input dropout) with the tanh RNN, ATIS (input and output dropout) with the LSTM.
 * - A shorter k trains a different model.
 * - A truncated language model (chains reaching into the previous window) resumed after one
 *   epoch ends as the uninterrupted run, bit for bit; its result is the truncated metric. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/model.h"
#include "task/train.h"
#include "tests/harness.h"
#include "tests/train_run.h"

static int drive(const srm_train_config *c, const srm_task_data *d, const char *dir, int resume,
                 srm_train_summary *s, srm_model **m)
{
    srm_trainer *tr;
    mkdir(dir, 0700); /* remove_run removed it */
    SRM_TRY(srm_trainer_alloc(c, d, dir, resume, &tr));
    int rc = SRM_OK, done = srm_trainer_done(tr);
    while (rc == SRM_OK && !done) rc = srm_trainer_epoch(tr, NULL, &done);
    if (rc == SRM_OK) rc = srm_trainer_finish(tr, s);
    if (rc == SRM_OK && m) {
        *m = srm_model_alloc_like(srm_trainer_model(tr));
        if (*m) srm_model_copy(*m, srm_trainer_model(tr));
    }
    srm_trainer_free(tr);
    return rc;
}

/* ||a - b||_2 / ||b||_2 over every parameter. */
static double relative_distance(const srm_model *a, const srm_model *b)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < a->nparam; i++) {
        num += (a->w[i] - b->w[i]) * (a->w[i] - b->w[i]);
        den += b->w[i] * b->w[i];
    }
    return sqrt(num / den);
}

static void equal_at_full_length(srm_task task, srm_cell cell, size_t ntrain, const char *dir)
{
    srm_task_data *d = NULL;
    int rc = srm_task_data_load(task, "data", ntrain, 4, 4, &d);
    srm_train_config c;
    srm_train_config_preset(&c, task, cell, "quick");
    c.hidden = 6, c.epochs = 2, c.max_train = ntrain, c.max_valid = 4, c.max_test = 4;
    if (task == SRM_TASK_ATIS) c.embedding = 5, c.batch = 8;
    c.precision = SRM_NET_FLOAT64;
    srm_model *rec = NULL, *full = NULL, *shrt = NULL;
    srm_train_summary s0, s1, s2;
    if (rc == SRM_OK) rc = drive(&c, d, dir, 0, &s0, &rec);
    remove_run(dir);
    c.trunc = d ? d->max_len : 1;
    if (rc == SRM_OK) rc = drive(&c, d, dir, 0, &s1, &full);
    remove_run(dir);
    c.trunc = 2;
    if (rc == SRM_OK) rc = drive(&c, d, dir, 0, &s2, &shrt);
    remove_run(dir);
    const char *name = srm_data_task_name(task);
    if (rc != SRM_OK) {
        CHECK(0, "%s: recurrent and truncated runs train: %s", name, srm_error_message());
    } else {
        double gap = relative_distance(full, rec), gap2 = relative_distance(shrt, rec);
        /* the same arithmetic in another order (chains vs one recurrence): rounding only */
        CHECK(gap <= 1e-10 && fabs(s1.test.loss - s0.test.loss) <= 1e-10 * s0.test.loss,
              "%s %s: --trunc %zu (the longest sequence) ends at the recurrent weights "
              "(relative distance %.2e; test loss %.15g vs %.15g)", name, srm_cell_name(cell),
              d->max_len, gap, s1.test.loss, s0.test.loss);
        CHECK(gap2 > 1e-4, "%s %s: --trunc 2 trains another model (relative distance %.3g)",
              name, srm_cell_name(cell), gap2);
    }
    srm_model_free(rec), srm_model_free(full), srm_model_free(shrt);
    srm_task_data_free(d);
}

static void lm_resume(const char *dir)
{
    srm_task_data *d = NULL;
    int rc = srm_task_data_load(SRM_TASK_PTBCHAR, "data", 3000, 500, 500, &d);
    srm_train_config c;
    srm_train_config_preset(&c, SRM_TASK_PTBCHAR, SRM_CELL_LSTM, "quick");
    c.hidden = 8, c.embedding = 4, c.batch = 4, c.bptt = 20, c.eval_batch = 2, c.trunc = 5;
    c.max_train = 3000, c.max_valid = 500, c.max_test = 500, c.epochs = 2;
    srm_train_summary a, b;
    srm_model *ma = NULL, *mb = NULL;
    if (rc == SRM_OK) rc = drive(&c, d, dir, 0, &a, &ma);
    remove_run(dir);
    c.epochs = 1;
    if (rc == SRM_OK) rc = drive(&c, d, dir, 0, &b, NULL);
    c.epochs = 2;
    if (rc == SRM_OK) rc = drive(&c, d, dir, 1, &b, &mb);
    char path[600];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    srm_model *best = NULL;
    srm_eval_result e = {0};
    if (rc == SRM_OK) rc = srm_model_load(path, &best);
    if (rc == SRM_OK) rc = srm_train_evaluate(best, d, SRM_SPLIT_TEST, 5, 2, 20, SRM_NET_FLOAT64, &e);
    srm_model_free(best);
    remove_run(dir);
    CHECK(rc == SRM_OK && relative_distance(mb, ma) == 0 && a.test.loss == b.test.loss,
          "ptbchar lstm --trunc 5: 1 epoch + resumed 1 = 2 uninterrupted, bit for bit (test "
          "loss %.17g): %s", a.test.loss, rc == SRM_OK ? "" : srm_error_message());
    CHECK(rc == SRM_OK && e.count == b.test.count && e.loss == b.test.loss && e.loss > 0,
          "its test loss is the 5-step truncated evaluation of the kept model (%.17g over %zu "
          "positions)", e.loss, e.count);
    srm_model_free(ma), srm_model_free(mb);
    srm_task_data_free(d);
}

/* LM control: with k longer than the stream, no dropout and a learning rate too small to move
 * the weights, every window's chains (reaching back through the context to the stream's start)
 * compute the recurrent model's losses, whose state is carried across windows: the epoch's
 * training loss is the same. */
static void lm_full_context(const char *dir)
{
    srm_task_data *d = NULL;
    int rc = srm_task_data_load(SRM_TASK_PTBCHAR, "data", 1200, 200, 200, &d);
    srm_train_config c;
    srm_train_config_preset(&c, SRM_TASK_PTBCHAR, SRM_CELL_LSTM, "quick");
    c.hidden = 6, c.embedding = 4, c.batch = 4, c.bptt = 25, c.eval_batch = 2, c.epochs = 1;
    c.max_train = 1200, c.max_valid = 200, c.max_test = 200, c.dropout = 0, c.lr = 1e-300;
    c.precision = SRM_NET_FLOAT64;
    srm_train_epoch e[2];
    for (int j = 0; rc == SRM_OK && j < 2; j++) {
        srm_trainer *tr;
        c.trunc = j ? 1000 : 0; /* 1200 / 4 = 300 positions per column */
        mkdir(dir, 0700);
        rc = srm_trainer_alloc(&c, d, dir, 0, &tr);
        int done;
        if (rc == SRM_OK) rc = srm_trainer_epoch(tr, &e[j], &done);
        srm_trainer_free(tr);
        remove_run(dir);
    }
    CHECK(rc == SRM_OK && fabs(e[1].train_loss - e[0].train_loss) <= 1e-12 * e[0].train_loss,
          "ptbchar: --trunc 1000 over a 300-step stream, weights fixed: the chains through 11 "
          "windows give the recurrent training loss (%.17g vs %.17g)", e[1].train_loss,
          e[0].train_loss);
    srm_task_data_free(d);
}

int main(void)
{
    char dir[] = "/tmp/srm-test-trunc-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0, "a scratch folder exists");
        return srm_test_finish();
    }
    equal_at_full_length(SRM_TASK_JSB, SRM_CELL_RNN_TANH, 4, dir);
    equal_at_full_length(SRM_TASK_ATIS, SRM_CELL_LSTM, 24, dir);
    lm_resume(dir);
    lm_full_context(dir);
    rmdir(dir); /* already removed by the last remove_run, if empty */
    return srm_test_finish();
}
