/* task/train_files.c: the files of a training run (task/train_files.h): the best model and the
 * per-epoch checkpoint with their metadata, log.tsv, result.json, and reading the checkpoint
 * and log back for --resume, validating what they say before the trainer uses it, and what a
 * run folder holds (done, resumable or new). */
#include "task/train_files.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/safetensors.h"
#include "task/train_internal.h"

static void path_in(char *out, size_t size, const char *dir, const char *file)
{
    snprintf(out, size, "%s/%s", dir, file);
}

/* Adds views of m's tensors (core/model.h's names) with a name prefix. */
static int add_model_views(srm_tensors *ts, const srm_model *m, const char *prefix)
{
    srm_model_tensor t[SRM_MODEL_TENSORS_MAX];
    size_t nt = srm_model_tensors(m, t);
    for (size_t i = 0; i < nt; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
        SRM_TRY(srm_tensors_add_view(ts, name, t[i].ndim, t[i].shape, t[i].data));
    }
    return SRM_OK;
}

/* Copies the tensors `prefix`* of ts into m (sizes must match m's). */
static int take_model(const srm_tensors *ts, srm_model *m, const char *prefix, const char *path)
{
    srm_model_tensor t[SRM_MODEL_TENSORS_MAX];
    size_t nt = srm_model_tensors(m, t);
    for (size_t i = 0; i < nt; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
        size_t size = t[i].shape[0] * (t[i].ndim == 2 ? t[i].shape[1] : 1);
        const srm_tensor *got = srm_tensors_find(ts, name);
        if (!got || got->size != size)
            return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' is missing or has the wrong size",
                             path, name);
        if (!got->data)
            return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has dtype %s, not a floating type",
                             path, name, got->dtype_name);
        memcpy(t[i].data, got->data, size * sizeof(double));
    }
    return SRM_OK;
}

static int set_meta_number(srm_tensors *ts, const char *key, const char *format, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, format, v);
    return srm_tensors_set_meta(ts, key, buf);
}

/* The checkpoint's best model: its tensors under the model's names with this prefix. */
#define BEST_PREFIX "best."

/* A model file: cell, task, config, the tensors of m (and of best as "best."), epoch. */
/* The task's vocabularies (task/task_data.h) as U8 tensors; *keep holds their bytes until the
 * file is written. */
static int add_vocab(srm_tensors *ts, const srm_task_data *d, char **keep)
{
    const char *names[] = {SRM_TENSOR_VOCAB, SRM_TENSOR_TAGS};
    for (size_t k = 0; k < 2; k++) {
        size_t len = 0;
        SRM_TRY(srm_task_data_vocab_text(d, names[k], &keep[k], &len));
        if (keep[k])
            SRM_TRY(srm_tensors_add_bytes(ts, names[k], (const unsigned char *)keep[k], len));
    }
    return SRM_OK;
}

static int save(const char *dir, const char *file, const srm_train_config *c, const srm_model *m,
                const srm_model *best, size_t epoch, const srm_train_state *s,
                const srm_task_data *d)
{
    char *vocab[2] = {NULL, NULL};
    char path[4096], buf[64];
    path_in(path, sizeof path, dir, file);
    srm_tensors *ts = srm_tensors_alloc();
    if (!ts) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    char *cfg = srm_train_config_json(c);
    int rc = cfg ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "cell", srm_cell_name(c->cell));
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "task", srm_data_task_name(c->task));
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "config", cfg);
    if (rc == SRM_OK) rc = add_model_views(ts, m, "");
    if (rc == SRM_OK && best) rc = add_model_views(ts, best, BEST_PREFIX);
    if (rc == SRM_OK && d) rc = add_vocab(ts, d, vocab);
    snprintf(buf, sizeof buf, "%zu", epoch);
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "epoch", buf);
    if (rc == SRM_OK && s) {
        /* %.17g round-trips doubles exactly, so a resumed run continues bit-for-bit */
        rc = set_meta_number(ts, "lr", "%.17g", s->lr);
        if (rc == SRM_OK) rc = set_meta_number(ts, "best_score", "%.17g", s->best_score);
        if (rc == SRM_OK) rc = set_meta_number(ts, "best_loss", "%.17g", s->best_loss);
        snprintf(buf, sizeof buf, "%zu", s->best_epoch);
        if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "best_epoch", buf);
        if (rc == SRM_OK) rc = set_meta_number(ts, "seconds", "%.17g", s->seconds);
        /* the projection's certificate for this W_hh (RNN --stable), so that a resumed run
         * skips and routes its projections as the uninterrupted one does ("inf": none) */
        if (rc == SRM_OK) rc = set_meta_number(ts, "hh_bound", "%.17g", s->hh_bound);
        snprintf(buf, sizeof buf, "%zu", s->diverged_epoch);
        if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "diverged_epoch", buf);
    }
    if (rc == SRM_OK) rc = srm_safetensors_write(path, ts);
    free(cfg);
    free(vocab[0]), free(vocab[1]);
    srm_tensors_free(ts);
    return rc;
}

int srm_train_save_model(const char *dir, const srm_train_config *c, const srm_model *best,
                         const srm_train_state *s, const srm_task_data *d)
{
    return save(dir, "model.safetensors", c, best, NULL, s->best_epoch, NULL, d);
}

int srm_train_save_checkpoint(const char *dir, const srm_train_config *c, const srm_model *m,
                              const srm_model *best, const srm_train_state *s)
{
    return save(dir, "checkpoint.safetensors", c, m, best, s->epoch, s, NULL);
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

/* A metadata count of epochs: a whole number in 0..max (NaN, -1 or 2.5 would index past the
 * log). */
static int parse_meta_epoch(const srm_tensors *ts, const char *key, const char *path,
                            size_t max, size_t *out)
{
    double v;
    SRM_TRY(parse_meta_number(ts, key, path, &v));
    if (!(v >= 0 && v == floor(v) && v < 0x1p53))
        return SRM_ERROR(SRM_EINVAL, "%s: checkpoint metadata '%s' is %s, not a whole number "
                         "of epochs", path, key, srm_tensors_meta(ts, key));
    if (v > (double)max)
        return SRM_ERROR(SRM_EINVAL, "%s: checkpoint metadata '%s' is %s, beyond %zu", path,
                         key, srm_tensors_meta(ts, key), max);
    *out = (size_t)v;
    return SRM_OK;
}

/* The ranges of the loop's scalars and finite weights: a damaged checkpoint is refused
 * naming the key before anything uses it. */
static int check_state(const char *path, const srm_train_state *s, const srm_model *m,
                       const srm_model *best, srm_net_precision precision)
{
    const char *bad = !(isfinite(s->lr) && s->lr > 0)              ? "lr"
                      : !(isfinite(s->seconds) && s->seconds >= 0) ? "seconds"
                      : !(s->hh_bound >= 0)                        ? "hh_bound"
                      : !isfinite(s->best_score)                     ? "best_score"
                      : !isfinite(s->best_loss)                      ? "best_loss"
                                                                     : NULL;
    if (bad)
        return SRM_ERROR(SRM_EINVAL, "%s: checkpoint metadata '%s' is out of range", path, bad);
    /* float32 training rounds the weights to float: they must fit one */
    double wmax = precision == SRM_NET_FLOAT32 ? FLT_MAX : DBL_MAX;
    for (size_t i = 0; i < m->nparam; i++)
        if (!(fabs(m->w[i]) <= wmax) || !(fabs(best->w[i]) <= wmax))
            return SRM_ERROR(SRM_EINVAL, "%s: non-finite weights in the checkpoint%s", path,
                             wmax == FLT_MAX ? " (or beyond float32's range)" : "");
    return SRM_OK;
}

int srm_train_read_checkpoint(const char *dir, const srm_train_config *c, srm_model *m,
                              srm_model *best, srm_train_state *s)
{
    char path[4096];
    path_in(path, sizeof path, dir, "checkpoint.safetensors");
    srm_tensors *ts;
    SRM_TRY(srm_safetensors_read(path, &ts));
    int rc = take_model(ts, m, "", path);
    if (rc == SRM_OK) rc = take_model(ts, best, BEST_PREFIX, path);
    if (rc == SRM_OK) rc = parse_meta_epoch(ts, "epoch", path, SIZE_MAX, &s->epoch);
    if (rc == SRM_OK && s->epoch > c->epochs)
        rc = SRM_ERROR(SRM_EINVAL, "%s: the checkpoint is at epoch %zu, beyond --epochs %zu",
                       path, s->epoch, c->epochs);
    if (rc == SRM_OK) rc = parse_meta_epoch(ts, "best_epoch", path, s->epoch, &s->best_epoch);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "lr", path, &s->lr);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "best_score", path, &s->best_score);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "best_loss", path, &s->best_loss);
    if (rc == SRM_OK) rc = parse_meta_number(ts, "seconds", path, &s->seconds);
    /* Checkpoints written before the key existed get none: the next projection is the SVD. */
    s->hh_bound = INFINITY, s->diverged_epoch = 0;
    if (rc == SRM_OK && srm_tensors_meta(ts, "hh_bound"))
        rc = parse_meta_number(ts, "hh_bound", path, &s->hh_bound);
    if (rc == SRM_OK && srm_tensors_meta(ts, "diverged_epoch"))
        rc = parse_meta_epoch(ts, "diverged_epoch", path, s->epoch, &s->diverged_epoch);
    if (rc == SRM_OK) rc = check_state(path, s, m, best, c->precision);
    const char *run = srm_tensors_meta(ts, "srm_run"); /* absent before run ids: a new one */
    snprintf(s->run, sizeof s->run, "%s", run ? run : "");
    srm_tensors_free(ts);
    return rc;
}

static const char *const log_columns =
    "epoch\ttrain_loss\tvalid_loss\tvalid_metric\tlr\tseconds\ttokens_per_s\tnorm_hh_2\t"
    "norm_inf_i\tnorm_inf_f\tnorm_inf_z\tnorm_inf_o\timproved";

int srm_train_write_log(const char *dir, const srm_train_config *c, const srm_train_epoch *log,
                        size_t n)
{
    char path[4096];
    path_in(path, sizeof path, dir, "log.tsv");
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    srm_meta_write(a.f);
    fprintf(a.f, "# task %s, cell %s, %s, preset %s; metric %s\n%s\n",
            srm_data_task_name(c->task), srm_cell_name(c->cell),
            c->stable ? "stable (projected)" : "unconstrained", c->preset,
            srm_train_metric_name(c->task), log_columns);
    for (size_t i = 0; i < n; i++) {
        const srm_train_epoch *e = &log[i];
        fprintf(a.f, "%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.6g\t%.6g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%d\n",
                e->epoch, e->train_loss, e->valid_loss, e->valid_metric, e->lr, e->seconds,
                e->tokens_per_second, e->norm_hh, e->norm_inf[0], e->norm_inf[1],
                e->norm_inf[2], e->norm_inf[3], e->improved);
    }
    return srm_atomic_commit(&a);
}

/* One data row of log.tsv (13 numbers) into e; 0 when malformed. */
static int parse_log_row(const char *line, srm_train_epoch *e)
{
    double v[13];
    const char *p = line;
    char *end;
    for (int k = 0; k < 13; k++, p = end) {
        v[k] = strtod(p, &end);
        if (end == p) return 0;
    }
    *e = (srm_train_epoch){0};
    e->epoch = (size_t)v[0], e->train_loss = v[1], e->valid_loss = v[2], e->valid_metric = v[3];
    e->lr = v[4], e->seconds = v[5], e->tokens_per_second = v[6], e->norm_hh = v[7];
    memcpy(e->norm_inf, v + 8, 4 * sizeof(double));
    e->improved = v[12] != 0;
    return v[0] >= 1 && v[0] == floor(v[0]);
}

int srm_train_read_log(const char *dir, const srm_train_config *c, size_t epochs_done,
                       srm_train_epoch *log)
{
    char path[4096], line[4096];
    path_in(path, sizeof path, dir, "log.tsv");
    FILE *f = fopen(path, "r");
    if (!f) return SRM_ERROR(SRM_EIO, "%s: cannot open for --resume", path);
    size_t rows = 0;
    int rc = SRM_OK;
    while (rc == SRM_OK && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || strncmp(line, "epoch", 5) == 0) continue;
        srm_train_epoch e;
        if (!parse_log_row(line, &e) || e.epoch != rows + 1)
            rc = SRM_ERROR(SRM_EINVAL, "%s: malformed log row %zu for --resume", path, rows + 1);
        else if (rows >= c->epochs)
            rc = SRM_ERROR(SRM_EINVAL, "%s: more rows than the %zu epochs of the run", path,
                           c->epochs);
        else if (rows < epochs_done)
            log[rows] = e;
        rows++;
    }
    fclose(f);
    if (rc == SRM_OK && rows < epochs_done)
        rc = SRM_ERROR(SRM_EINVAL, "%s: %zu rows for %zu finished epochs", path, rows,
                       epochs_done);
    return rc;
}

static json_t *json_number_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* The keys of result.json in their order (a contract: results/ and table1 read them). */
static json_t *result_object(const srm_train_config *c, const srm_train_summary *s)
{
    json_t *o = json_object();
    if (!o) return NULL;
    srm_task task = c->task;
    json_object_set_new(o, "command", json_string(srm_meta_command()));
    json_object_set_new(o, "seed", json_integer((json_int_t)c->seed));
    json_object_set_new(o, "version", json_string(SRM_VERSION));
    json_object_set_new(o, "date", json_string(srm_meta_date()));
    json_object_set_new(o, "run", json_string(srm_meta_run()));
    json_object_set_new(o, "task", json_string(srm_data_task_name(task)));
    json_object_set_new(o, "cell", json_string(c->cell == SRM_CELL_LSTM ? "lstm" : "rnn"));
    json_object_set_new(o, "stable", json_boolean(c->stable));
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
    json_object_set_new(o, "diverged", json_boolean(s->diverged_epoch != 0));
    if (s->diverged_epoch)
        json_object_set_new(o, "diverged_epoch", json_integer((json_int_t)s->diverged_epoch));
    json_object_set_new(o, "seconds", json_number_or_null(s->seconds));
    json_object_set_new(o, "precision", json_string(srm_train_precision_name(c->precision)));
    json_object_set_new(o, "precision_detail",
                        json_string(c->precision == SRM_NET_FLOAT32
                                        ? "training arithmetic in float32 (embedding, recurrence, "
                                          "gates, backward, SGD, decoder, softmax); norms, "
                                          "projections, certificates in float64 on the float32 "
                                          "weights"
                                        : "float64 throughout"));
    json_object_set_new(o, "blas", json_string(srm_meta_blas()));
    json_object_set_new(o, "config", srm_train_config_object(c));
    return o;
}

int srm_train_write_result(const char *dir, const srm_train_config *c,
                           const srm_train_summary *s)
{
    char path[4096];
    path_in(path, sizeof path, dir, "result.json");
    json_t *o = result_object(c, s);
    int rc = srm_train_write_json(path, o);
    json_decref(o);
    return rc;
}

int srm_train_write_json(const char *path, json_t *o)
{
    if (!o) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    if (json_dumpf(o, a.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', a.f) == EOF) {
        srm_atomic_abort(&a);
        return SRM_ERROR(SRM_EIO, "%s: cannot write", path);
    }
    return srm_atomic_commit(&a);
}

/* core/atomic.h names its temporary files DIR/<output>.tmp.<pid>; files of a live process are
 * kept. */
void srm_train_remove_stale_temporaries(const char *dir)
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
                                  size_t *bptt, size_t *trunc)
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
    if (trunc) *trunc = c.trunc;
    return SRM_OK;
}

/* ---- what a run folder holds (srm table1) ---- */

int srm_train_config_same(const srm_train_config *want, json_t *stored, int ignore_epochs)
{
    srm_train_config w = *want;
    json_t *e = json_object_get(stored, "epochs");
    if (ignore_epochs && json_is_integer(e)) w.epochs = (size_t)json_integer_value(e);
    json_t *o = srm_train_config_object(&w);
    size_t n;
    const srm_train_param *p = srm_train_params(&n);
    for (size_t i = 0; o && i < n; i++)
        if (srm_train_param_optional(&p[i]) && !json_object_get(stored, p[i].key) &&
            srm_train_param_is_zero(&w, &p[i]))
            json_object_del(o, p[i].key);
    int same = o && json_equal(o, stored);
    json_decref(o);
    return same;
}

static int file_exists(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

int srm_train_dir_state(const char *dir, const srm_train_config *c, int *state, double *metric,
                        double *seconds)
{
    char path[4200];
    *state = SRM_TRAIN_DIR_NEW;
    snprintf(path, sizeof path, "%s/result.json", dir);
    json_t *res = json_load_file(path, 0, NULL);
    if (res) {
        json_t *cfg = json_object_get(res, "config"), *m = json_object_get(res, "test_metric");
        int exact = cfg && srm_train_config_same(c, cfg, 0);
        int close = cfg && srm_train_config_same(c, cfg, 1);
        if (exact) {
            *state = SRM_TRAIN_DIR_DONE;
            *metric = json_is_number(m) ? json_number_value(m) : NAN;
            *seconds = json_number_value(json_object_get(res, "seconds"));
        }
        json_decref(res);
        if (exact) return SRM_OK;
        /* only the number of epochs differs: continue from the checkpoint, if there is one */
        if (!close || !file_exists(dir, "checkpoint.safetensors"))
            return SRM_ERROR(SRM_EINVAL, "%s already holds a run with another configuration; "
                             "remove it or choose another --out", dir);
    }
    if (!file_exists(dir, "checkpoint.safetensors")) return SRM_OK;
    srm_train_config stored;
    SRM_TRY(srm_train_checkpoint_config(dir, &stored));
    json_t *o = srm_train_config_object(&stored);
    int close = o && srm_train_config_same(c, o, 1);
    json_decref(o);
    if (!close)
        return SRM_ERROR(SRM_EINVAL, "%s: its checkpoint has another configuration than this "
                         "run; remove it or choose another --out", dir);
    *state = SRM_TRAIN_DIR_RESUME;
    return SRM_OK;
}
