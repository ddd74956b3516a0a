/* task/lockstep_files.c: the files of a lockstep run (task/lockstep.h): gaps.tsv, epochs.tsv
 * and summary.tsv with provenance lines, lockstep.json (configuration and resume state),
 * reading them back, and the summary with its fitted rate. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic.h"
#include "core/error.h"
#include "core/grow.h"
#include "core/meta.h"
#include "core/tsv.h"
#include "sim/fit.h"
#include "task/lockstep_internal.h"
#include "task/train_internal.h"
#include "theory/stability.h"

static const char gaps_columns[] =
    "step\tepoch\tk\tlr\tloss_rec\tloss_trunc\tgap_all\tgap_hh\tgrad_gap\tbeta\tbound";
static const char epochs_columns[] = "epoch\tk\ttrain_loss\tvalid_metric\ttest_metric";

int srm_lockstep_add_row(srm_lockstep *L, const srm_lockstep_row *r)
{
    srm_lockstep_row *g = srm_grow(L->rows, &L->cap_rows, L->nrows, 256, sizeof *g);
    if (!g) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    L->rows = g;
    L->rows[L->nrows++] = *r;
    return SRM_OK;
}

int srm_lockstep_add_epoch(srm_lockstep *L, const srm_lockstep_epoch *e)
{
    srm_lockstep_epoch *g = srm_grow(L->epochs, &L->cap_epochs, L->nepochs, 64, sizeof *g);
    if (!g) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    L->epochs = g;
    L->epochs[L->nepochs++] = *e;
    return SRM_OK;
}

void srm_lockstep_run_dir(const srm_lockstep *L, size_t j, char *path, size_t size)
{
    if (j == 0) snprintf(path, size, "%s/rec", L->dir);
    else snprintf(path, size, "%s/k%zu", L->dir, L->c.ks[j - 1]);
}

/* ---- writing ---- */

static void header(FILE *f, const srm_lockstep *L, const char *what)
{
    const srm_train_config *b = &L->c.base;
    srm_meta_write(f);
    fprintf(f, "# srm lockstep: %s; task %s, cell %s, %s%s, preset %s, %s; metric %s\n", what,
            srm_data_task_name(b->task), srm_cell_name(b->cell),
            b->stable ? "stable, projection " : "unconstrained",
            b->stable ? (b->projection ? "paper" : "certified") : "", b->preset,
            srm_train_precision_name(b->precision), srm_train_metric_name(b->task));
}

static int write_gaps(const srm_lockstep *L)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/gaps.tsv", L->dir);
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    header(a.f, L, "weight gaps every N steps; grad_gap (this record's batch), beta and bound "
           "(the largest so far) ESTIMATED on the sampled batches (task/lockstep.h)");
    fprintf(a.f, "%s\n", gaps_columns);
    for (size_t i = 0; i < L->nrows; i++) {
        const srm_lockstep_row *r = &L->rows[i];
        fprintf(a.f, "%zu\t%zu\t%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n",
                r->step, r->epoch, r->k, r->lr, r->loss_rec, r->loss_trunc, r->gap_all,
                r->gap_hh, r->grad_gap, r->beta, r->bound);
    }
    return srm_atomic_commit(&a);
}

static int write_epochs(const srm_lockstep *L)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/epochs.tsv", L->dir);
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    header(a.f, L, "per epoch and model (k 0: recurrent), the model at the epoch's end");
    fprintf(a.f, "%s\n", epochs_columns);
    for (size_t i = 0; i < L->nepochs; i++) {
        const srm_lockstep_epoch *e = &L->epochs[i];
        fprintf(a.f, "%zu\t%zu\t%.17g\t%.17g\t%.17g\n", e->epoch, e->k, e->train_loss,
                e->valid_metric, e->test_metric);
    }
    return srm_atomic_commit(&a);
}

static int write_summary(const srm_lockstep *L)
{
    const srm_lockstep_summary *s = &L->summary;
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.tsv", L->dir);
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    header(a.f, L, "the last record per k and the test metric at the last epoch");
    fprintf(a.f, "# fit gap_all ~ c rate^k: rate %.6g, c %.6g; lambda %.6g; recurrent test "
            "metric %.17g; beta %.6g; %zu steps, %zu epochs, every %zu\n", s->rate, s->rate_c,
            s->lambda, s->test_metric_rec, s->beta, s->steps, s->epochs, s->every);
    fprintf(a.f, "k\tgap_all\tgap_hh\tgrad_gap\tbound\ttest_metric\n");
    for (size_t j = 0; j < s->nks; j++)
        fprintf(a.f, "%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", L->c.ks[j], s->gap_all[j],
                s->gap_hh[j], s->grad_gap[j], s->bound[j], s->test_metric[j]);
    return srm_atomic_commit(&a);
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *doubles(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) json_array_append_new(a, num(v[i]));
    return a;
}

static json_t *state_object(const srm_lockstep *L, int done)
{
    const srm_lockstep_summary *s = &L->summary;
    size_t n = L->c.nks;
    json_t *o = json_object(), *ks = json_array();
    for (size_t j = 0; ks && j < n; j++) json_array_append_new(ks, json_integer((json_int_t)L->c.ks[j]));
    json_object_set_new(o, "command", json_string(srm_meta_command()));
    json_object_set_new(o, "version", json_string(SRM_VERSION));
    json_object_set_new(o, "date", json_string(srm_meta_date()));
    json_object_set_new(o, "seed", json_integer((json_int_t)L->c.base.seed));
    json_object_set_new(o, "ks", ks);
    json_object_set_new(o, "every", json_integer((json_int_t)L->c.every));
    json_object_set_new(o, "every_used", json_integer((json_int_t)L->every));
    json_object_set_new(o, "config", srm_train_config_object(&L->c.base));
    json_object_set_new(o, "epoch", json_integer((json_int_t)L->st.epoch));
    json_object_set_new(o, "step", json_integer((json_int_t)L->st.step));
    json_object_set_new(o, "beta", num(L->st.beta));
    json_object_set_new(o, "grad_gap", doubles(L->st.grad_gap, n));
    json_object_set_new(o, "bound", doubles(L->st.bound, n));
    json_object_set_new(o, "seconds", num(L->st.seconds));
    json_object_set_new(o, "done", json_boolean(done));
    if (done) {
        json_object_set_new(o, "rate", num(s->rate));
        json_object_set_new(o, "rate_c", num(s->rate_c));
        json_object_set_new(o, "lambda", num(s->lambda));
        json_object_set_new(o, "test_metric_rec", num(s->test_metric_rec));
    }
    return o;
}

int srm_lockstep_save(srm_lockstep *L, int done)
{
    SRM_TRY(write_gaps(L));
    SRM_TRY(write_epochs(L));
    if (done) SRM_TRY(write_summary(L));
    char path[4200];
    snprintf(path, sizeof path, "%s/lockstep.json", L->dir);
    json_t *o = state_object(L, done);
    int rc = srm_train_write_json(path, o);
    json_decref(o);
    return rc;
}

/* ---- reading back ---- */

static double get_num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A non-negative integer entry, 0 when missing or malformed. */
static size_t get_size(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (size_t)json_integer_value(v) : 0;
}

static int read_doubles(json_t *o, const char *key, double *v, size_t n)
{
    json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || json_array_size(a) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(a, i);
        v[i] = json_is_number(x) ? json_number_value(x) : NAN;
    }
    return 1;
}

/* Whether the stored run is c's: the configuration (but for the epochs, which may grow), the k
 * list and the requested N. */
static int same_run(const srm_lockstep *L, json_t *o)
{
    json_t *ks = json_object_get(o, "ks"), *cfg = json_object_get(o, "config");
    if (!json_is_array(ks) || json_array_size(ks) != L->c.nks || !cfg ||
        !srm_train_config_same(&L->c.base, cfg, 1) ||
        get_size(o, "every") != L->c.every)
        return 0;
    for (size_t j = 0; j < L->c.nks; j++)
        if ((size_t)json_integer_value(json_array_get(ks, j)) != L->c.ks[j]) return 0;
    return 1;
}

/* The rows of DIR/name with epoch <= the state's (later ones were never committed with it). */
static int read_rows(srm_lockstep *L, const char *name, int gaps)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", L->dir, name);
    srm_tsv *t;
    SRM_TRY(srm_tsv_read(path, &t));
    size_t want = gaps ? 11 : 5;
    int rc = t->cols == want ? SRM_OK : SRM_ERROR(SRM_EINVAL, "%s: not a lockstep table", path);
    for (size_t i = 0; rc == SRM_OK && i < t->rows; i++) {
        const double *v = t->data + i * t->cols;
        if (v[gaps ? 1 : 0] > (double)L->st.epoch) continue;
        if (gaps) {
            srm_lockstep_row r = {(size_t)v[0], (size_t)v[1], (size_t)v[2], v[3], v[4], v[5],
                                  v[6], v[7], v[8], v[9], v[10]};
            rc = srm_lockstep_add_row(L, &r);
        } else {
            srm_lockstep_epoch e = {(size_t)v[0], (size_t)v[1], v[2], v[3], v[4]};
            rc = srm_lockstep_add_epoch(L, &e);
        }
    }
    srm_tsv_free(t);
    return rc;
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int srm_lockstep_open(srm_lockstep *L, int *state)
{
    char path[4200];
    *state = SRM_TRAIN_DIR_NEW;
    snprintf(path, sizeof path, "%s/lockstep.json", L->dir);
    json_t *o = json_load_file(path, 0, NULL);
    if (!o) {
        snprintf(path, sizeof path, "%s/rec/checkpoint.safetensors", L->dir);
        if (file_exists(path))
            return SRM_ERROR(SRM_EINVAL, "%s holds training runs but no lockstep.json; remove "
                             "it or choose another --out", L->dir);
        return SRM_OK;
    }
    int rc = SRM_OK, done = json_is_true(json_object_get(o, "done"));
    size_t n = L->c.nks;
    if (!same_run(L, o)) {
        rc = SRM_ERROR(SRM_EINVAL, "%s already holds a lockstep run of another configuration; "
                       "remove it or choose another --out", L->dir);
    } else {
        L->st.epoch = get_size(o, "epoch"), L->st.step = get_size(o, "step");
        L->every = get_size(o, "every_used"); /* written since: else the requested N */
        if (!L->every) L->every = L->c.every;
        L->st.beta = get_num(o, "beta"), L->st.seconds = get_num(o, "seconds");
        if (L->every == 0 || !read_doubles(o, "grad_gap", L->st.grad_gap, n) ||
            !read_doubles(o, "bound", L->st.bound, n))
            rc = SRM_ERROR(SRM_EINVAL, "%s: malformed lockstep state", path);
        L->summary.rate = get_num(o, "rate"), L->summary.rate_c = get_num(o, "rate_c");
        L->summary.lambda = get_num(o, "lambda");
    }
    json_decref(o);
    if (rc == SRM_OK) rc = read_rows(L, "gaps.tsv", 1);
    if (rc == SRM_OK) rc = read_rows(L, "epochs.tsv", 0);
    /* a finished run asked for more epochs continues */
    if (rc == SRM_OK) *state = done && L->st.epoch >= L->c.base.epochs ? SRM_TRAIN_DIR_DONE
                                                                         : SRM_TRAIN_DIR_RESUME;
    return rc;
}

int srm_lockstep_read_config(const char *dir, srm_lockstep_config *c)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lockstep.json", dir);
    json_error_t err;
    json_t *o = json_load_file(path, 0, &err);
    if (!o) return SRM_ERROR(SRM_EINVAL, "%s: cannot read: %s", path, err.text);
    json_t *ks = json_object_get(o, "ks"), *cfg = json_object_get(o, "config");
    char *text = cfg ? json_dumps(cfg, 0) : NULL;
    int rc = text && json_is_array(ks) && json_array_size(ks) >= 1 &&
                     json_array_size(ks) <= SRM_LOCKSTEP_MAX_K
                 ? srm_train_config_from_json(text, &c->base)
                 : SRM_ERROR(SRM_EINVAL, "%s: malformed lockstep state", path);
    free(text);
    c->nks = rc == SRM_OK ? json_array_size(ks) : 0;
    for (size_t j = 0; j < c->nks; j++) c->ks[j] = (size_t)json_integer_value(json_array_get(ks, j));
    c->every = get_size(o, "every");
    json_decref(o);
    return rc;
}

/* ---- the summary ---- */

/* The recurrent model's contraction (see lockstep.h). */
static double contraction(const srm_model *m)
{
    if (m->cell != SRM_CELL_LSTM) {
        srm_rnn_stability st;
        return srm_stability_rnn(m, &st) == SRM_OK ? st.lambda : NAN;
    }
    double bx = 1.0; /* jsb: keys in {0, 1}; embeddings: their largest entry */
    for (size_t i = 0; i < m->vocab * m->input; i++)
        bx = i == 0 || fabs(m->encoder_weight[i]) > bx ? fabs(m->encoder_weight[i]) : bx;
    srm_lstm_stability st;
    return srm_stability_lstm(m, bx, &st) == SRM_OK && st.stable ? st.lambda_inf : NAN;
}

/* gap ~ c rate^k by sim/fit.h's least squares over the positive gaps (floor 0: the gaps
 * between trajectories have no rounding floor of their own); NaN with fewer than 3 of them. */
static void fit_rate(const size_t *ks, const double *gap, size_t n, double *rate, double *c)
{
    double k[SRM_LOCKSTEP_MAX_K];
    for (size_t i = 0; i < n; i++) k[i] = (double)ks[i];
    srm_fit_result f;
    *rate = *c = NAN;
    if (srm_fit_decay(k, gap, n, 0, &f) == SRM_OK) *rate = f.rate, *c = exp(f.intercept);
    else srm_error_clear();
}

int srm_lockstep_summarize(srm_lockstep *L, const srm_model *rec, srm_lockstep_summary *out)
{
    srm_lockstep_summary *s = &L->summary;
    size_t n = L->c.nks, last_epoch = L->st.epoch;
    s->nks = n, s->steps = L->st.step, s->epochs = last_epoch, s->every = L->every;
    s->beta = L->st.beta, s->seconds = L->st.seconds, s->test_metric_rec = NAN;
    for (size_t j = 0; j < n; j++) {
        s->gap_all[j] = s->gap_hh[j] = s->grad_gap[j] = s->bound[j] = s->test_metric[j] = NAN;
        for (size_t i = 0; i < L->nrows; i++) /* the last record of k */
            if (L->rows[i].k == L->c.ks[j]) {
                s->gap_all[j] = L->rows[i].gap_all, s->gap_hh[j] = L->rows[i].gap_hh;
                s->grad_gap[j] = L->st.grad_gap[j], s->bound[j] = L->rows[i].bound;
            }
    }
    for (size_t i = 0; i < L->nepochs; i++) {
        const srm_lockstep_epoch *e = &L->epochs[i];
        if (e->epoch != last_epoch) continue;
        if (e->k == 0) s->test_metric_rec = e->test_metric;
        for (size_t j = 0; j < n; j++)
            if (e->k == L->c.ks[j]) s->test_metric[j] = e->test_metric;
    }
    if (rec) {
        fit_rate(L->c.ks, s->gap_all, n, &s->rate, &s->rate_c);
        s->lambda = contraction(rec);
    }
    *out = *s;
    return SRM_OK;
}
