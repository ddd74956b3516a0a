/* cli/sweep_collect.c: `srm sweep collect` (cli/sweep.h). Reads every job's result (srm train:
 * result.json's test metric; lockstep, truncate, trajectory: the gap per k of its TSV;
 * certify: a number of its JSON report), lists the jobs without one, and aggregates across
 * seeds: one row per grid point without --seed (and per k), with n, mean, sample sd, min and
 * max, and, when the grid has --stable, the difference stable - unstable of the means with its
 * standard error sqrt(sd_s^2 / n_s + sd_u^2 / n_u) (Welch's; n/a below two seeds a side). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/plot.h"
#include "cli/sweep.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/report.h"
#include "core/tsv.h"

#include "cli/sweep_table.h"

const char *srm_sweep_param(json_t *params, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
        if (strcmp(json_string_value(json_array_get(p, 0)), name) == 0)
            return json_string_value(json_array_get(p, 1));
    return NULL;
}

/* Two parameter lists equal on every name both hold, ignoring `skip` (NULL: none). */
int srm_sweep_same_point(json_t *a, json_t *b, const char *skip, int both_needed)
{
    size_t i;
    json_t *p;
    if (both_needed && json_array_size(a) != json_array_size(b)) return 0;
    json_array_foreach(a, i, p) {
        const char *n = json_string_value(json_array_get(p, 0)), *w = srm_sweep_param(b, n);
        if (skip && strcmp(n, skip) == 0) continue;
        if (!w) {
            if (both_needed) return 0;
            continue;
        }
        if (strcmp(w, json_string_value(json_array_get(p, 1))) != 0) return 0;
    }
    return 1;
}

static int add_value(table *t, json_t *params, double k, double v)
{
    group *g = NULL;
    for (size_t i = 0; i < t->n && !g; i++)
        if ((isnan(k) ? isnan(t->g[i].k) : t->g[i].k == k) &&
            srm_sweep_same_point(t->g[i].params, params, NULL, 1))
            g = &t->g[i];
    if (!g) {
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 64;
            group *ng = realloc(t->g, cap * sizeof *ng);
            if (!ng) return SRM_ERROR(SRM_ENOMEM, "out of memory");
            t->g = ng, t->cap = cap;
        }
        g = &t->g[t->n++];
        memset(g, 0, sizeof *g);
        g->params = params, g->k = k;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 8;
        double *nv = realloc(g->v, cap * sizeof *nv);
        if (!nv) return SRM_ERROR(SRM_ENOMEM, "out of memory");
        g->v = nv, g->cap = cap;
    }
    g->v[g->n++] = v;
    return SRM_OK;
}

/* ---- reading one job's result ---- */

/* The number `key` of the JSON file at path (null: NAN); *found 0 when there is no file. A
 * train result's metric_name is added to params as the parameter "metric" (one read). */
static int read_json_number(const char *path, const char *key, double *v, int *found,
                            json_t *params)
{
    json_error_t err;
    *found = 0;
    if (access(path, F_OK) != 0) return SRM_OK;
    json_t *j = json_load_file(path, 0, &err);
    if (!j) return SRM_ERROR(SRM_EINVAL, "%s:%d: %s", path, err.line, err.text);
    json_t *x = json_object_get(j, key);
    int rc = SRM_OK;
    if (json_is_number(x)) *v = json_number_value(x), *found = 1;
    else if (json_is_null(x)) *v = NAN, *found = 1;
    else rc = SRM_ERROR(SRM_EINVAL, "%s: no number '%s'", path, key);
    const char *mn = json_string_value(json_object_get(j, "metric_name"));
    if (rc == SRM_OK && params && mn &&
        json_array_append_new(params, json_pack("[ss]", "metric", mn)) != 0)
        rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    json_decref(j);
    return rc;
}

/* The gap per k of a TSV (trajectory: the rows of its last step). */
static int read_k_values(table *t, json_t *params, const char *path, const char *col,
                         int *found)
{
    *found = 0;
    if (access(path, F_OK) != 0) return SRM_OK;
    srm_tsv *tsv;
    SRM_TRY(srm_tsv_read(path, &tsv));
    long ck = srm_tsv_column(tsv, "k"), cv = srm_tsv_column(tsv, col);
    long cs = srm_tsv_column(tsv, "step");
    int rc = SRM_OK;
    if (ck < 0 || cv < 0) rc = SRM_ERROR(SRM_EINVAL, "%s: no columns k and %s", path, col);
    double last = -INFINITY;
    for (size_t r = 0; rc == SRM_OK && cs >= 0 && r < tsv->rows; r++)
        if (srm_tsv_get(tsv, r, (size_t)cs) > last) last = srm_tsv_get(tsv, r, (size_t)cs);
    for (size_t r = 0; rc == SRM_OK && r < tsv->rows; r++)
        if (cs < 0 || srm_tsv_get(tsv, r, (size_t)cs) == last)
            rc = add_value(t, params, srm_tsv_get(tsv, r, (size_t)ck),
                           srm_tsv_get(tsv, r, (size_t)cv));
    srm_tsv_free(tsv);
    *found = rc == SRM_OK;
    return rc;
}

static int read_job(table *t, const srm_sweep_command *cmd, const char *dir, json_t *job,
                    json_t *params, const char *value, int *found)
{
    const char *id = json_string_value(json_object_get(job, "id"));
    char path[4400];
    double v = NAN;
    switch (cmd->out) {
    case SRM_SWEEP_OUT_DIR:
        if (cmd->k_value) {
            snprintf(path, sizeof path, "%s/runs/%s/summary.tsv", dir, id);
            return read_k_values(t, params, path, cmd->k_value, found);
        }
        snprintf(path, sizeof path, "%s/runs/%s/result.json", dir, id);
        break;
    case SRM_SWEEP_OUT_TSV:
        snprintf(path, sizeof path, "%s/runs/%s.tsv", dir, id);
        return read_k_values(t, params, path, cmd->k_value, found);
    case SRM_SWEEP_OUT_STDOUT:
        snprintf(path, sizeof path, "%s/runs/%s.json", dir, id);
        break;
    }
    SRM_TRY(read_json_number(path, value, &v, found,
                             cmd->out == SRM_SWEEP_OUT_DIR ? params : NULL));
    return *found ? add_value(t, params, NAN, v) : SRM_OK;
}

/* ---- statistics ---- */

/* Over the finite values (a diverged run's null or inf is counted apart, in nonfinite; n is
 * the number of finite ones). */
static void stats(group *g)
{
    double s = 0, ss = 0;
    size_t n = 0;
    g->min = INFINITY, g->max = -INFINITY;
    for (size_t i = 0; i < g->n; i++)
        if (isfinite(g->v[i])) g->v[n++] = g->v[i];
    g->nonfinite = g->n - n, g->n = n;
    for (size_t i = 0; i < n; i++) {
        s += g->v[i];
        g->min = fmin(g->min, g->v[i]), g->max = fmax(g->max, g->v[i]);
    }
    g->mean = n ? s / (double)n : NAN;
    if (!n) g->min = g->max = NAN;
    for (size_t i = 0; i < n; i++) ss += (g->v[i] - g->mean) * (g->v[i] - g->mean);
    g->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
    g->diff = g->se = NAN;
    g->partner = -1, g->used = 0;
}

static int is_unstable(const group *g)
{
    const char *u = srm_sweep_param(g->params, "stable");
    return u && strcmp(u, "off") == 0;
}

/* Whether unstable h is stable g's partner: the same k, and the same value (or absence) of
 * every parameter but stable that some unstable point has; the stable-only ones (such as
 * --projection, which no unstable point has) are left out. */
static int partners(const table *t, const group *g, const group *h)
{
    if (isnan(g->k) ? !isnan(h->k) : g->k != h->k) return 0;
    json_t *both[2] = {g->params, h->params}, *p;
    size_t q;
    for (int side = 0; side < 2; side++) json_array_foreach(both[side], q, p) {
        const char *n = json_string_value(json_array_get(p, 0));
        if (strcmp(n, "stable") == 0) continue;
        int unstable_has = 0;
        for (size_t j = 0; j < t->n && !unstable_has; j++)
            unstable_has = is_unstable(&t->g[j]) && srm_sweep_param(t->g[j].params, n);
        const char *a = srm_sweep_param(g->params, n), *b = srm_sweep_param(h->params, n);
        if (unstable_has && (!a || !b ? a != b : strcmp(a, b) != 0)) return 0;
    }
    return 1;
}

/* For each stable group, the unstable group of the same point (and k). */
static void differences(table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *s = srm_sweep_param(t->g[i].params, "stable");
        if (!s || strcmp(s, "on") != 0) continue;
        for (size_t j = 0; j < t->n; j++) {
            if (!is_unstable(&t->g[j]) || !partners(t, &t->g[i], &t->g[j])) continue;
            group *a = &t->g[i], *b = &t->g[j];
            a->diff = a->mean - b->mean;
            a->se = sqrt(a->sd * a->sd / (double)a->n + b->sd * b->sd / (double)b->n);
            a->partner = (long)j, b->used = 1;
            break;
        }
    }
}

/* The parameters (but seed) whose value differs between the points, or that some lack; the
 * value's name (a train sweep's metric, when all points share it). */
static void varying(table *t, json_t *points, const char *value)
{
    size_t i, q;
    json_t *pts, *p;
    json_array_foreach(points, i, pts) json_array_foreach(pts, q, p) {
        const char *n = json_string_value(json_array_get(p, 0));
        int known = strcmp(n, "seed") == 0;
        for (size_t k = 0; k < t->nnames && !known; k++) known = strcmp(t->names[k], n) == 0;
        if (known || t->nnames == 64) continue;
        const char *v0 = NULL;
        int varies = 0;
        size_t a;
        json_t *other;
        json_array_foreach(points, a, other) {
            const char *v = srm_sweep_param(other, n);
            if (!v || (v0 && strcmp(v, v0) != 0)) varies = 1;
            if (!v0 && v) v0 = v;
        }
        if (varies) t->names[t->nnames++] = n;
        else if (strcmp(n, "metric") == 0) snprintf(t->metric, sizeof t->metric, "%s (%s)", value, v0);
    }
    for (size_t k = 0; k < t->nnames; k++) t->has_stable |= strcmp(t->names[k], "stable") == 0;
}

static int collect_report(const char *dir, size_t njobs, size_t finished, const char *unfinished,
                          size_t rows, const char *what, int json)
{
    srm_report *r = srm_report_alloc();
    if (!r) return srm_error_code();
    char path[4200];
    int rc = srm_report_string(r, "sweep", NULL, dir);
    if (rc == SRM_OK) rc = srm_report_integer(r, "jobs", NULL, (long long)njobs);
    if (rc == SRM_OK) rc = srm_report_integer(r, "finished", NULL, (long long)finished);
    if (rc == SRM_OK) rc = srm_report_string(r, "unfinished", NULL, unfinished);
    if (rc == SRM_OK) rc = srm_report_integer(r, "rows", NULL, (long long)rows);
    snprintf(path, sizeof path, "%s/summary.tsv", dir);
    if (rc == SRM_OK) rc = srm_report_string(r, "summary", NULL, path);
    snprintf(path, sizeof path, "%s/summary.md", dir);
    if (rc == SRM_OK) rc = srm_report_string(r, "table", NULL, path);
    if (rc == SRM_OK) rc = srm_report_string(r, "figure", NULL, what);
    return srm_report_finish(r, rc, stdout, json);
}

/* Every job's result into t; the ids of those without one in *unfinished (malloc'd). */
static int wanted(json_t *only, json_t *job)
{
    size_t i;
    json_t *h;
    if (!only) return 1;
    json_array_foreach(only, i, h)
        if (json_equal(h, json_object_get(job, "hash"))) return 1;
    return 0;
}

static int read_all(table *t, const srm_sweep_command *cmd, const char *dir, json_t *jobs,
                    json_t *only, json_t *owned, const char *value, size_t *finished,
                    char **unfinished)
{
    size_t i, q, len = 0;
    json_t *job, *p;
    FILE *f = open_memstream(unfinished, &len);
    if (!f) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = SRM_OK;
    *finished = 0;
    json_array_foreach(jobs, i, job) {
        if (!wanted(only, job)) continue;
        json_t *params = json_array();
        json_array_foreach(json_object_get(job, "params"), q, p)
            if (strcmp(json_string_value(json_array_get(p, 0)), "seed") != 0)
                json_array_append(params, p);
        int found = 0;
        rc = read_job(t, cmd, dir, job, params, value, &found);
        if (found) json_array_append_new(owned, params); /* the groups point into it */
        else json_decref(params);
        if (rc != SRM_OK) break;
        if (found) (*finished)++;
        else fprintf(f, "%s%s", ftell(f) ? " " : "", json_string_value(json_object_get(job, "id")));
    }
    fclose(f);
    return rc;
}

struct srm_sweep_summary {
    table t;
    json_t *manifest, *owned;
    srm_sweep_point *points;
    size_t finished;
    char *unfinished;
    char dir[4096];
    const char *what;
};

void srm_sweep_summary_free(srm_sweep_summary *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->t.n; i++) free(s->t.g[i].v);
    free(s->t.g);
    free(s->points);
    free(s->unfinished);
    json_decref(s->owned);
    json_decref(s->manifest);
    free(s);
}

size_t srm_sweep_summary_points(const srm_sweep_summary *s, const srm_sweep_point **points)
{
    *points = s->points;
    return s->t.n;
}


int srm_sweep_summarize(const char *dir, const char *value, int write_files, json_t *only,
                        srm_sweep_summary **out)
{
    srm_sweep_summary *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    s->what = "";
    int rc = srm_sweep_open(dir, &s->manifest, s->dir, sizeof s->dir);
    const srm_sweep_command *cmd = NULL;
    if (rc == SRM_OK) {
        cmd = srm_sweep_command_find(json_string_value(json_object_get(s->manifest, "command")));
        if (!cmd) rc = SRM_ERROR(SRM_EINVAL, "%s/sweep.json: unknown command", dir);
    }
    if (!value) value = cmd && cmd->out == SRM_SWEEP_OUT_STDOUT ? "output_lipschitz" : "test_metric";
    json_t *jobs = s->manifest ? json_object_get(s->manifest, "jobs") : NULL;
    s->owned = json_array();
    if (rc == SRM_OK && !s->owned) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK)
        rc = read_all(&s->t, cmd, s->dir, jobs, only, s->owned, value, &s->finished,
                      &s->unfinished);
    if (rc == SRM_OK && s->t.n == 0)
        rc = SRM_ERROR(SRM_EINVAL, "%s: none of its %zu jobs has a result yet", s->dir,
                       json_array_size(jobs));
    int with_k = cmd && cmd->k_value;
    for (size_t i = 0; rc == SRM_OK && i < s->t.n; i++) stats(&s->t.g[i]);
    if (rc == SRM_OK) varying(&s->t, s->owned, value), differences(&s->t);
    if (rc == SRM_OK && !s->t.metric[0])
        snprintf(s->t.metric, sizeof s->t.metric, "%s", with_k ? cmd->k_value : value);
    if (rc == SRM_OK && write_files) rc = srm_sweep_table_write(&s->t, s->dir, with_k, &s->what);
    if (rc == SRM_OK && !(s->points = calloc(s->t.n, sizeof *s->points)))
        rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SRM_OK && i < s->t.n; i++) {
        const group *g = &s->t.g[i];
        s->points[i] = (srm_sweep_point){g->params, g->k, g->n, g->mean, g->sd, g->min,
                                         g->max, g->diff, g->se};
    }
    if (rc != SRM_OK) srm_sweep_summary_free(s);
    else *out = s;
    return rc;
}

int srm_sweep_collect(int argc, char **argv)
{
    const char *value = NULL;
    int json = 0;
    const srm_arg args[] = {
        {"value", SRM_ARG_STRING, &value, "KEY",
         "the number of each JSON result to aggregate; k sweeps read their TSV [train: "
         "test_metric, certify: output_lipschitz]", NULL},
        SRM_ARG_JSON(&json, "print the report as one JSON object"),
        SRM_ARGS_END};
    const srm_args_spec spec = {
        "srm sweep collect SWEEP [--value KEY] [--json]",
        "Reads the result of every job of SWEEP (srm sweep plan), lists the jobs without one\n"
        "(not run, running or failed), and writes, one row per grid point without --seed (k\n"
        "sweeps: per point and k): SWEEP/summary.tsv (the varying parameters, [k], n, mean, sd\n"
        "(sample, n - 1), min, max, and with --stable in the grid diff = mean(stable) -\n"
        "mean(unstable) of the same point with its standard error se = sqrt(sd_s^2/n_s +\n"
        "sd_u^2/n_u)), SWEEP/summary.md (mean ± sd), and a figure (.png, .svg; its data in\n"
        "SWEEP/fig-sweep.tsv): fig-sweep-metric, the metric per point with sd error bars, stable\n"
        "beside unstable, a panel per metric (srm train, certify), or fig-sweep-gap, the\n"
        "mean gap against k on a log scale with the band min..max across seeds (lockstep:\n"
        "gap_all of summary.tsv; truncate: max_output_gap; trajectory: dist at the last step).\n"
        "It can run at any time: a sweep still running gives the summary of what finished.",
        args, 1, 1};
    const char *pos[1];
    SRM_TRY(srm_sweep_args(&spec, argc, argv, pos));
    srm_sweep_summary *s;
    SRM_TRY(srm_sweep_summarize(pos[0], value, 1, NULL, &s));
    size_t njobs = json_array_size(json_object_get(s->manifest, "jobs"));
    if (s->unfinished[0])
        fprintf(stderr, "srm sweep collect: %zu of %zu jobs have no result yet: %s\n",
                njobs - s->finished, njobs, s->unfinished);
    int rc = collect_report(s->dir, njobs, s->finished, s->unfinished, s->t.n, s->what, json);
    srm_sweep_summary_free(s);
    return rc;
}
