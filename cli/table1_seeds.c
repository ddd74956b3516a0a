/* cli/table1_seeds.c: `srm table1 --seeds LIST`, Table 1 across seeds as a sweep (cli/sweep.h):
 * the runs planned into DIR/sweep (srm train jobs, unstable and stable, the authors' projection
 * as a second plan), run by GNU parallel or a Slurm job array, summarised per (task, cell,
 * variant) into DIR/table1-seeds.tsv and .md: mean ± sd across seeds and the gap stable -
 * unstable ± its standard error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/sweep.h"
#include "cli/sweep_table.h"
#include "cli/table1_seeds.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/file.h"
#include "core/meta.h"
#include "core/report.h"
#include "task/train_config.h"

#define MAX_ARGS 128

/* Whether out[0..n) holds flag `name` (as --name or --name=...); if so its index. */
static int holds(char **out, int n, const char *name, size_t len, int *at)
{
    for (*at = 0; *at < n; (*at)++)
        if (strncmp(out[*at], "--", 2) == 0 && strncmp(out[*at] + 2, name, len) == 0 &&
            (out[*at][2 + len] == '\0' || out[*at][2 + len] == '='))
            return 1;
    return 0;
}

/* srm train's hyper-parameter flags among table1's arguments, to be passed on to every job;
 * the last of a flag given twice wins, as in srm table1 itself. */
static int forwarded(int argc, char **argv, char **out, int *n)
{
    static const char *const own[] = {"task", "cell", "seed", "stable", "projection", "config",
                                      "data-dir"};
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0) continue;
        char name[128];
        size_t len = strcspn(argv[i] + 2, "=");
        if (len >= sizeof name) continue;
        memcpy(name, argv[i] + 2, len), name[len] = '\0';
        const srm_train_param *p = srm_train_param_find(name);
        int skip = !p;
        for (size_t k = 0; k < sizeof own / sizeof own[0] && !skip; k++)
            skip = strcmp(name, own[k]) == 0;
        if (skip) continue;
        if (*n + 2 > MAX_ARGS) return SRM_ERROR(SRM_EINVAL, "too many flags");
        int at, width;
        if (holds(out, *n, name, len, &at)) { /* drop the earlier one */
            width = out[at][2 + len] == '\0' && p->meta ? 2 : 1;
            memmove(out + at, out + at + width, (size_t)(*n - at - width) * sizeof *out);
            *n -= width;
        }
        const char *v = argv[i][2 + len] ? argv[i] + 3 + len : ""; /* --name=v */
        out[(*n)++] = argv[i];
        if (!*v && p->meta && i + 1 < argc) v = out[(*n)++] = argv[++i];
        if (strchr(v, ',') || (strchr(v, '-') && v[0] >= '0' && v[0] <= '9' &&
                               strspn(v, "0123456789-") == strlen(v)))
            return SRM_ERROR(SRM_EINVAL, "--seeds: --%s takes one value here (got '%s'); for a "
                             "grid over it, srm sweep plan", name, v);
    }
    return SRM_OK;
}

/* One plan of the sweep: the grid, then the forwarded flags; the hashes of its jobs into
 * hashes. */
static int plan(const srm_table1_seeds_opts *o, const char *dir, const char *stable,
                const char *projection, char **fwd, int nfwd, char *abs, size_t size,
                json_t *hashes)
{
    char *argv[MAX_ARGS + 24];
    int n = 0;
    argv[n++] = "--task", argv[n++] = (char *)o->tasks;
    argv[n++] = "--cell", argv[n++] = (char *)o->cells;
    argv[n++] = "--config", argv[n++] = (char *)o->preset;
    argv[n++] = "--stable", argv[n++] = (char *)stable;
    if (projection) argv[n++] = "--projection", argv[n++] = (char *)projection;
    argv[n++] = "--seed", argv[n++] = (char *)o->seeds;
    if (o->data_dir) argv[n++] = "--data-dir", argv[n++] = (char *)o->data_dir;
    for (int i = 0; i < nfwd; i++) argv[n++] = fwd[i];
    size_t jobs, added;
    return srm_sweep_plan_grid(dir, "train", NULL, NULL, n, argv, abs, size, &jobs, &added,
                               hashes);
}

static const srm_sweep_point *find(const srm_sweep_point *p, size_t n, const char *task,
                                   const char *cell, const char *stable, const char *projection)
{
    for (size_t i = 0; i < n; i++) {
        const char *t = srm_sweep_param(p[i].params, "task"), *c = srm_sweep_param(p[i].params, "cell");
        const char *s = srm_sweep_param(p[i].params, "stable");
        const char *pr = srm_sweep_param(p[i].params, "projection");
        if (t && c && s && strcmp(t, task) == 0 && strcmp(c, cell) == 0 &&
            strcmp(s, stable) == 0 && (projection ? pr && strcmp(pr, projection) == 0 : !pr))
            return &p[i];
    }
    return NULL;
}

static void tsv_num(FILE *f, double v)
{
    fputc('\t', f);
    srm_sweep_number(f, v);
}

static void md_pm(FILE *f, double m, double e)
{
    if (isnan(m)) fputs(" n/a |", f);
    else if (isnan(e)) fprintf(f, " %.4g |", m);
    else fprintf(f, " %.4g ± %.2g |", m, e);
}

typedef struct {
    const char *task, *cell;
    const srm_sweep_point *v[3]; /* unstable, certified, paper */
} row;

static int write_tables(const srm_table1_seeds_opts *o, const row *rows, size_t nrows)
{
    char path[4200];
    srm_atomic a;
    int paper = o->variants & 4, cert = o->variants & 2;
    snprintf(path, sizeof path, "%s/table1-seeds.tsv", o->out);
    SRM_TRY(srm_cli_tsv_open(&a, path));
    fprintf(a.f, "# srm table1 --seeds %s --config %s: the test metric across seeds (mean, sample "
            "sd, n), gap = mean(stable) - mean(unstable) with its standard error (Welch)\n"
            "task\tmetric\tcell\tn\tunstable\tunstable_sd%s%s\n", o->seeds, o->preset,
            cert ? "\tstable\tstable_sd\tgap\tgap_se" : "",
            paper ? "\tstable_paper\tstable_paper_sd\tgap_paper\tgap_paper_se" : "");
    for (size_t i = 0; i < nrows; i++) {
        const srm_sweep_point *const *v = rows[i].v;
        const char *metric = v[0] ? srm_sweep_param(v[0]->params, "metric") : NULL;
        fprintf(a.f, "%s\t%s\t%s\t%zu", rows[i].task, metric ? metric : "n/a", rows[i].cell,
                v[0] ? v[0]->n : 0);
        tsv_num(a.f, v[0] ? v[0]->mean : NAN), tsv_num(a.f, v[0] ? v[0]->sd : NAN);
        for (int q = 1; q < 3; q++) {
            if (!(o->variants & (1 << q))) continue;
            tsv_num(a.f, v[q] ? v[q]->mean : NAN), tsv_num(a.f, v[q] ? v[q]->sd : NAN);
            tsv_num(a.f, v[q] ? v[q]->diff : NAN), tsv_num(a.f, v[q] ? v[q]->se : NAN);
        }
        fputc('\n', a.f);
    }
    SRM_TRY(srm_cli_tsv_close(&a, path));
    snprintf(path, sizeof path, "%s/table1-seeds.md", o->out);
    SRM_TRY(srm_atomic_open(&a, path));
    fprintf(a.f, "<!-- srm %s; command: %s; date: %s -->\n\nTable 1 across seeds %s (`--config "
            "%s`): test metric, mean ± sample sd over the seeds; gap = stable - unstable ± its "
            "standard error.\n\n| task | metric | cell | seeds | unstable |%s%s\n|---|---|---|---|"
            "---|%s%s\n", SRM_VERSION, srm_meta_command(), srm_meta_date(), o->seeds, o->preset,
            cert ? " stable (certified) | gap |" : "", paper ? " stable (paper) | gap |" : "",
            cert ? "---|---|" : "", paper ? "---|---|" : "");
    for (size_t i = 0; i < nrows; i++) {
        const srm_sweep_point *const *v = rows[i].v;
        const char *metric = v[0] ? srm_sweep_param(v[0]->params, "metric") : NULL;
        fprintf(a.f, "| %s | %s | %s | %zu |", rows[i].task, metric ? metric : "n/a",
                rows[i].cell, v[0] ? v[0]->n : 0);
        md_pm(a.f, v[0] ? v[0]->mean : NAN, v[0] ? v[0]->sd : NAN);
        for (int q = 1; q < 3; q++)
            if (o->variants & (1 << q)) {
                md_pm(a.f, v[q] ? v[q]->mean : NAN, v[q] ? v[q]->sd : NAN);
                md_pm(a.f, v[q] ? v[q]->diff : NAN, v[q] ? v[q]->se : NAN);
            }
        fputc('\n', a.f);
    }
    return srm_cli_tsv_close(&a, path); /* ferror checked, then committed */
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* One row as JSON: the cell and per variant mean, sd, n, and (stable) gap and se. */
static json_t *row_json(const row *r)
{
    static const char *const names[] = {"unstable", "stable", "stable_paper"};
    const char *metric = r->v[0] ? srm_sweep_param(r->v[0]->params, "metric") : NULL;
    json_t *o = json_pack("{ss ss so}", "task", r->task, "cell", r->cell, "metric",
                          metric ? json_string(metric) : json_null());
    for (int q = 0; o && q < 3; q++) {
        const srm_sweep_point *v = r->v[q];
        if (!v) continue;
        json_t *x = json_pack("{so so sI}", "mean", num(v->mean), "sd", num(v->sd), "n",
                              (json_int_t)v->n);
        if (x && q) {
            json_object_set_new(x, "gap", num(v->diff));
            json_object_set_new(x, "se", num(v->se));
        }
        if (!x || json_object_set_new(o, names[q], x) != 0) return json_decref(o), NULL;
    }
    return o;
}

/* The table on stdout: the Markdown rows (text), or one JSON object with every number. */
static int print_table(const srm_table1_seeds_opts *o, const char *dir, size_t njobs,
                       const row *rows, size_t nrows)
{
    char md[4200], tsv[4200];
    snprintf(md, sizeof md, "%s/table1-seeds.md", o->out);
    snprintf(tsv, sizeof tsv, "%s/table1-seeds.tsv", o->out);
    if (!o->json) {
        char *text;
        size_t len;
        SRM_TRY(srm_file_read(md, &text, &len));
        const char *body = strstr(text, "\n\n");
        fputs(body ? body + 2 : text, stdout);
        free(text);
        printf("\nsweep: %s (%zu runs, engine %s)\ntables: %s, %s\n", dir, njobs, o->engine, tsv,
               md);
        return SRM_OK;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < nrows; i++)
        if (json_array_append_new(list, row_json(&rows[i])) != 0)
            return json_decref(list), SRM_ERROR(SRM_ENOMEM, "out of memory");
    json_t *j = json_pack("{ss sI ss ss ss ss so}", "sweep", dir, "runs", (json_int_t)njobs,
                          "seeds", o->seeds, "engine", o->engine, "table_tsv", tsv, "table_md", md,
                          "rows", list);
    char *text = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(j);
    if (!text) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    printf("%s\n", text);
    free(text);
    return SRM_OK;
}

/* The rows in --tasks, --cells order (the names as given: the jobs' parameters); tbuf and
 * cbuf hold the names the rows point into. */
static size_t build_rows(const srm_table1_seeds_opts *o, const srm_sweep_point *p, size_t n,
                         row *rows, char *tbuf, char *cbuf, size_t size)
{
    char *cells[8], *save = NULL;
    size_t ncells = 0, nrows = 0;
    snprintf(cbuf, size, "%s", o->cells);
    for (char *c = strtok_r(cbuf, ",", &save); c && ncells < 8; c = strtok_r(NULL, ",", &save))
        cells[ncells++] = c; /* parse_cells (cli/cmd_table1.c) allows two */
    snprintf(tbuf, size, "%s", o->tasks);
    save = NULL;
    for (char *t = strtok_r(tbuf, ",", &save); t && nrows + ncells <= 64;
         t = strtok_r(NULL, ",", &save))
        for (size_t j = 0; j < ncells; j++) {
            row *r = &rows[nrows++];
            r->task = t, r->cell = cells[j];
            r->v[0] = find(p, n, t, cells[j], "off", NULL);
            r->v[1] = find(p, n, t, cells[j], "on", NULL);
            r->v[2] = find(p, n, t, cells[j], "on", "paper");
        }
    return nrows;
}

int srm_table1_seeds(const srm_table1_seeds_opts *o, int argc, char **argv)
{
    char *fwd[MAX_ARGS], sweep[4200], dir[4096], sbatch[4200];
    int nfwd = 0;
    int paper = o->variants & 4, cert = o->variants & 2;
    if (strcmp(o->engine, "parallel") != 0 && strcmp(o->engine, "slurm") != 0)
        return SRM_ERROR(SRM_EINVAL, "--engine: parallel or slurm (got '%s')", o->engine);
    if (strlen(o->tasks) >= 500 || strlen(o->cells) >= 500)
        return SRM_ERROR(SRM_EINVAL, "--tasks or --cells: too long");
    SRM_TRY(forwarded(argc, argv, fwd, &nfwd));
    snprintf(sweep, sizeof sweep, "%s/sweep", o->out);
    json_t *hashes = json_array(); /* this table's runs: the sweep folder may hold others */
    if (!hashes) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = plan(o, sweep, cert ? "off,on" : "off", NULL, fwd, nfwd, dir, sizeof dir, hashes);
    if (rc == SRM_OK && paper)
        rc = plan(o, sweep, "on", "paper", fwd, nfwd, dir, sizeof dir, hashes);
    size_t ok = 0, failed = 0, njobs = 0;
    if (rc == SRM_OK && strcmp(o->engine, "parallel") == 0) {
        rc = srm_sweep_run_dir(dir, NULL, o->jobs, &ok, &failed, &njobs);
        if (rc == SRM_OK && ok < njobs)
            rc = SRM_ERROR(SRM_EIO, "%zu of %zu runs did not succeed (%s/joblog.tsv, logs/); "
                           "run the same command again to retry them", njobs - ok, njobs, dir);
    } else if (rc == SRM_OK) {
        srm_sweep_slurm_opts so = SRM_SWEEP_SLURM_DEFAULTS;
        so.time = o->slurm_time, so.mem = o->slurm_mem, so.name = "srm-table1";
        rc = srm_sweep_sbatch_write(dir, &so, sbatch, sizeof sbatch, &njobs);
        if (rc == SRM_OK) rc = srm_sweep_sbatch_wait(sbatch);
    }
    srm_sweep_summary *s = NULL;
    if (rc == SRM_OK) rc = srm_sweep_summarize(dir, NULL, 1, hashes, &s);
    json_decref(hashes);
    if (rc != SRM_OK) return rc;
    const srm_sweep_point *p;
    size_t n = srm_sweep_summary_points(s, &p);
    row rows[64];
    char tbuf[512], cbuf[512];
    size_t nrows = build_rows(o, p, n, rows, tbuf, cbuf, sizeof tbuf);
    rc = write_tables(o, rows, nrows);
    if (rc == SRM_OK) rc = print_table(o, dir, njobs, rows, nrows);
    srm_sweep_summary_free(s);
    return rc;
}
