/* cli/cmd_table1.c: `srm table1`, the paper's Table 1: trains every (task, cell, stable|unstable)
 * combination with srm train's machinery (task/train.h) into DIR/<task>-<cell>-<stable|unstable>/,
 * skips finished runs, resumes interrupted ones from their checkpoint, and tabulates the test
 * metric and the stable-minus-unstable gap in DIR/table1.tsv and DIR/table1.md (rewritten after
 * every run, so an interrupted table is still readable). proofs-notes/experiments.md. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/table1.h"
#include "cli/table1_seeds.h"
#include "core/args.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/meta.h"
#include "core/report.h"
#include "task/music.h"
#include "task/train.h"

static const char *const state_names[] = {"train", "resume", "done"};

/* ---- what is already there ---- */

/* Decides whether r is done, resumable or new (task/train.h); a folder holding a different
 * configuration is an error (never overwritten). */
static int inspect(run *r)
{
    int state;
    r->metric = r->seconds = NAN;
    SRM_TRY(srm_train_dir_state(r->dir, &r->c, &state, &r->metric, &r->seconds));
    r->state = state == SRM_TRAIN_DIR_DONE ? RUN_DONE
               : state == SRM_TRAIN_DIR_RESUME ? RUN_RESUME : RUN_NEW;
    return SRM_OK;
}

/* Re-reads the runs this process does not train, so that another table1 process filling the
 * same folder (other --tasks) has its finished rows in the table too. */
static void refresh_unselected(run *runs, size_t nruns)
{
    for (size_t i = 0; i < nruns; i++) {
        if (runs[i].selected) continue;
        if (inspect(&runs[i]) != SRM_OK || runs[i].state != RUN_DONE) runs[i].state = RUN_NEW;
        srm_error_clear();
    }
}

/* ---- progress: one line per epoch with the table's ETA ---- */

typedef struct {
    int quiet;
    size_t index, total;
    const char *label;
    double work_epoch;     /* of the current run */
    double work_left;      /* of the runs after the current one */
    double work_done, seconds_done; /* measured throughput of this session */
    srm_progress *line;    /* the live line of the current run (core/progress.h) */
} table_progress;

/* The live line, made at the first batch of a run, when the total is known. */
static void on_batch(size_t done, size_t total, void *ctx)
{
    table_progress *p = ctx;
    if (!p->line) p->line = srm_progress_alloc(total, "train", "tok");
    srm_progress_update(p->line, done);
}

static void on_epoch(const srm_train_epoch *e, const srm_train_config *c, table_progress *p)
{
    p->work_done += p->work_epoch, p->seconds_done += e->seconds;
    if (p->quiet) return;
    /* The current run at its own pace (a projected run can be far slower per unit of work
     * than the others: the JSB RNN's full SVD every step), the runs after it at this session's. */
    char run_eta[32], all_eta[32];
    srm_table1_duration(run_eta, sizeof run_eta, e->eta_seconds);
    srm_table1_duration(all_eta, sizeof all_eta,
                        e->eta_seconds + p->work_left * p->seconds_done / p->work_done);
    srm_progress_break(p->line);
    fprintf(stderr, "table1 [%zu/%zu %s] epoch %zu/%zu: valid %s %.4f%s, %.1f s; run ETA %s, "
            "table ETA ~%s\n", p->index, p->total, p->label, e->epoch, c->epochs,
            srm_train_metric_name(c->task), e->valid_metric, e->improved ? " (best)" : "",
            e->seconds, run_eta, all_eta);
}

/* ---- the command ---- */

static int parse_tasks(const char *text, srm_task *tasks, size_t *n)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    *n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n >= SRM_TASK_COUNT) return SRM_ERROR(SRM_EINVAL, "--tasks: too many tasks");
        SRM_TRY(srm_data_task_parse(tok, &tasks[(*n)++]));
        for (size_t i = 0; i + 1 < *n; i++)
            if (tasks[i] == tasks[*n - 1]) return SRM_ERROR(SRM_EINVAL, "--tasks: %s twice", tok);
    }
    return *n ? SRM_OK : SRM_ERROR(SRM_EINVAL, "--tasks: empty list");
}

static int parse_cells(const char *text, srm_cell *cells, size_t *n)
{
    char buf[64], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    *n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        srm_cell c;
        SRM_TRY(srm_cell_parse(tok, &c));
        if ((c != SRM_CELL_RNN_TANH && c != SRM_CELL_LSTM) || *n >= 2 || (*n == 1 && cells[0] == c))
            return SRM_ERROR(SRM_EINVAL, "--cells: a list of rnn and lstm (got '%s')", text);
        cells[(*n)++] = c;
    }
    return *n ? SRM_OK : SRM_ERROR(SRM_EINVAL, "--cells: empty list");
}

/* What srm table1 parses: its own options and the table's hyper-parameters (task/train_config.h)
 * as overrides of every run. */
typedef struct {
    const char *preset, *out, *tasks_text, *cells_text, *data_dir, *projection;
    const char *seeds, *engine, *slurm_time, *slurm_mem; /* --seeds: a sweep underneath */
    unsigned long jobs;
    int variants; /* bits 1 << VARIANT_* of the stable runs asked for (--projection) */
    unsigned long seed;
    int dry, quiet, json;
    srm_train_options o;
    srm_arg args[SRM_TRAIN_PARAM_MAX + 10];
} table1_cli;

static const char *const table1_summary =
    "Trains the paper's Table 1: for each task (wikitext2, ptbchar, jsb, atis) and cell (tanh\n"
    "RNN, LSTM) an unconstrained and a stable (projected) model, exactly as `srm train\n"
    "--config P [--stable] --seed S --out DIR/<task>-<cell>-<stable|unstable>` would (same\n"
    "files there). --projection paper or both adds (or runs instead) a model stable under the\n"
    "authors' projection and initialisation, in DIR/<task>-<cell>-stable-paper, and three\n"
    "columns (metric_stable_paper, gap_paper, seconds_stable_paper) after the others.\n"
    "A run whose result.json matches its configuration is skipped; one with a\n"
    "checkpoint but no result is resumed; a folder holding another configuration is an\n"
    "error. After every run DIR/table1.tsv and DIR/table1.md give per (task, cell) the test\n"
    "metric of both models, gap = stable - unstable, and the training times. Every\n"
    "hyper-parameter flag of srm train (--epochs, --hidden, --lr, --max-train ...) overrides\n"
    "the preset in every run it applies to (--embedding not jsb, --radius the stable RNNs,\n"
    "--lstm-* the stable LSTMs; e.g. for tests on slices); the brackets give the presets per\n"
    "task (rnn/lstm). A run that diverges (non-finite loss) stops the table with an error\n"
    "naming it; its folder keeps the last checkpoint, and --lr or --clip can be lowered.\n"
    "Per-epoch lines on stderr give each run's ETA and an estimate for the whole table\n"
    "(from the measured throughput and each run's size). make table1 runs the quick preset.";

static void table1_args(table1_cli *t, int argc, char **argv)
{
    *t = (table1_cli){.preset = "quick", .tasks_text = "wikitext2,ptbchar,jsb,atis",
                      .cells_text = "rnn,lstm", .seed = 1, .projection = "certified",
                      .engine = "parallel", .jobs = 2, .slurm_time = "01:00:00",
                      .slurm_mem = "4G"};
    const srm_arg own[] = {
        {"config", SRM_ARG_STRING, &t->preset, "P", "preset of every run: quick or paper", NULL},
        {"out", SRM_ARG_STRING, &t->out, "DIR", "output folder (required; created if missing)", NULL},
        {"tasks", SRM_ARG_STRING, &t->tasks_text, "LIST", "tasks to run", NULL},
        {"cells", SRM_ARG_STRING, &t->cells_text, "LIST", "cells to run", NULL},
        {"seed", SRM_ARG_SEED, &t->seed, "S", "random seed of every run", NULL},
        {"seeds", SRM_ARG_STRING, &t->seeds, "LIST",
         "instead: every run for each seed (1-5, or 1,2,3) as a sweep in DIR/sweep, the table "
         "mean ± sd in DIR/table1-seeds.tsv and .md", NULL},
        {"engine", SRM_ARG_STRING, &t->engine, "E",
         "--seeds: parallel (GNU parallel, here) or slurm (a job array, sbatch --wait)", NULL},
        {"jobs", SRM_ARG_ULONG, &t->jobs, "N", "--seeds --engine parallel: runs at a time", NULL},
        {"slurm-time", SRM_ARG_STRING, &t->slurm_time, "T",
         "--engine slurm: time limit of each run", NULL},
        {"slurm-mem", SRM_ARG_STRING, &t->slurm_mem, "M", "--engine slurm: memory of each run",
         NULL},
        {"projection", SRM_ARG_STRING, &t->projection, "P",
         "stable runs: certified (srm's, DIR/<task>-<cell>-stable), paper (the authors' "
         "projection and initialisation, DIR/<task>-<cell>-stable-paper) or both (three "
         "columns per row)", NULL},
        {"data-dir", SRM_ARG_STRING, &t->data_dir, "DIR", "data folder (see srm data --help)", NULL},
        {"dry-run", SRM_ARG_FLAG, &t->dry, NULL, "list the runs and what would be done, run nothing",
         NULL},
        {"quiet", SRM_ARG_FLAG, &t->quiet, NULL, "no per-epoch lines on stderr", NULL},
        {"json", SRM_ARG_FLAG, &t->json, NULL, "print the final report as one JSON object", NULL}};
    size_t nown = sizeof own / sizeof own[0];
    memcpy(t->args, own, sizeof own);
    /* the overrides: only given ones are used, so their defaults are for --help, which shows
     * the presets of --config per task and cell */
    const char *preset = srm_args_prescan(argc, argv, "config");
    static const srm_train_config none;
    int help = srm_args_prescan(argc, argv, "help") != NULL;
    size_t k = srm_train_options_init(&t->o, help ? NULL : &none, SRM_TRAIN_SCOPE_RUN,
                                      preset ? preset : "quick", -1, -1, t->args + nown);
    t->args[nown + k] = (srm_arg){NULL, 0, NULL, NULL, NULL, NULL};
}

/* Every (task, cell, stable) combination, so that the table also shows runs finished by earlier
 * invocations with other --tasks/--cells; only the selected ones are trained. */
static int build_runs(const table1_cli *t, const srm_task *tasks, size_t ntasks,
                      const srm_cell *cells, size_t ncells, run *runs, size_t *nruns)
{
    static const srm_cell all_cells[] = {SRM_CELL_RNN_TANH, SRM_CELL_LSTM};
    *nruns = 0;
    for (size_t ti = 0; ti < SRM_TASK_COUNT; ti++)
        for (size_t ci = 0; ci < 2; ci++)
            for (int v = 0; v < VARIANTS; v++) {
                run *r = &runs[(*nruns)++];
                srm_train_config *c = &r->c;
                r->selected = 0, r->variant = v;
                for (size_t i = 0; i < ntasks; i++)
                    for (size_t j = 0; j < ncells; j++)
                        r->selected |= tasks[i] == (srm_task)ti && cells[j] == all_cells[ci];
                if (v != VARIANT_UNSTABLE && !(t->variants & (1 << v))) r->selected = 0;
                SRM_TRY(srm_train_config_preset(c, (srm_task)ti, all_cells[ci], t->preset));
                c->stable = v != VARIANT_UNSTABLE, c->seed = t->seed;
                c->projection = v == VARIANT_PAPER ? SRM_TRAIN_PROJECTION_PAPER
                                                   : SRM_TRAIN_PROJECTION_CERTIFIED;
                SRM_TRY(srm_train_options_apply(&t->o, c, 0));
                SRM_TRY(srm_train_config_check(c));
                char label[128];
                srm_table1_label(r, label, sizeof label);
                snprintf(r->dir, sizeof r->dir, "%s/%s", t->out, label);
                r->state = RUN_NEW, r->metric = r->seconds = NAN;
            }
    return SRM_OK;
}

/* One run, its epochs driven here; loads the task data into *d unless it is already there. */
static int train_one(run *r, const char *data_dir, srm_task_data **d, size_t loaded[4],
                     table_progress *p, srm_train_summary *s)
{
    const srm_train_config *c = &r->c;
    size_t key[4] = {c->task, c->max_train, c->max_valid, c->max_test};
    if (!*d || memcmp(key, loaded, sizeof key) != 0) {
        srm_task_data_free(*d);
        *d = NULL;
        SRM_TRY(srm_task_data_load(c->task, data_dir, c->max_train, c->max_valid, c->max_test, d));
        memcpy(loaded, key, sizeof key);
    }
    if (mkdir(r->dir, 0777) != 0 && errno != EEXIST)
        return SRM_ERROR(SRM_EIO, "%s: cannot create: %s", r->dir, strerror(errno));
    srm_trainer *tr;
    SRM_TRY(srm_trainer_alloc(c, *d, r->dir, r->state == RUN_RESUME, &tr));
    srm_trainer_set_progress(tr, on_batch, p);
    int rc = SRM_OK, done = srm_trainer_done(tr);
    srm_train_epoch e;
    while (rc == SRM_OK && !done) {
        rc = srm_trainer_epoch(tr, &e, &done);
        if (rc == SRM_OK) on_epoch(&e, c, p);
    }
    srm_progress_free(p->line);
    p->line = NULL;
    if (rc == SRM_OK) rc = srm_trainer_finish(tr, s);
    srm_trainer_free(tr);
    return rc;
}

/* Trains the selected runs that are not done, rewriting the tables after each. */
static int train_all(const table1_cli *t, run *runs, size_t nruns, size_t nselected,
                     double work_left)
{
    table_progress p = {.quiet = t->quiet, .total = nselected};
    srm_task_data *d = NULL;
    size_t loaded[4] = {SRM_TASK_COUNT, 0, 0, 0}; /* task and slices of d */
    int rc = SRM_OK;
    for (size_t i = 0, k = 0; rc == SRM_OK && i < nruns; i++) {
        run *r = &runs[i];
        char label[128];
        if (!r->selected) continue;
        srm_table1_label(r, label, sizeof label);
        k++;
        if (r->state == RUN_DONE) {
            if (!t->quiet) fprintf(stderr, "table1 [%zu/%zu %s] done before, skipped\n", k, nselected, label);
            continue;
        }
        const srm_train_config *c = &r->c;
        p.index = k, p.label = label, p.work_epoch = srm_train_config_epoch_work(c);
        p.work_left = work_left -= p.work_epoch * (double)c->epochs;
        if (!t->quiet)
            fprintf(stderr, "table1 [%zu/%zu %s] %s: %s, hidden %zu, %zu epochs\n", k, nselected,
                    label, r->state == RUN_RESUME ? "resuming" : "training", r->dir, c->hidden,
                    c->epochs);
        srm_train_summary s;
        rc = train_one(r, t->data_dir, &d, loaded, &p, &s);
        if (rc != SRM_OK) break;
        r->state = RUN_DONE, r->metric = s.test.metric, r->seconds = s.seconds;
        if (!t->quiet)
            fprintf(stderr, "table1 [%zu/%zu %s] test %s %.4f, trained %.1f s\n", k, nselected,
                    label, srm_train_metric_name(c->task), s.test.metric, s.seconds);
        refresh_unselected(runs, nruns);
        rc = srm_table1_write(runs, nruns, t->out, t->preset);
    }
    srm_task_data_free(d);
    return rc;
}

/* --dry-run: one line per selected run (a TSV), or with --json one object with their list. */
static int print_dry_run(const run *runs, size_t nruns, int json)
{
    json_t *list = json ? json_array() : NULL;
    if (json && !list) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (!json) printf("run\tdo\thidden\tepochs\tdir\n");
    for (size_t i = 0; i < nruns; i++) {
        char label[128];
        if (!runs[i].selected) continue;
        srm_table1_label(&runs[i], label, sizeof label);
        if (!json)
            printf("%s\t%s\t%zu\t%zu\t%s\n", label, state_names[runs[i].state],
                   runs[i].c.hidden, runs[i].c.epochs, runs[i].dir);
        else if (json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, s:s}", "run", label,
                                                       "do", state_names[runs[i].state], "hidden",
                                                       (json_int_t)runs[i].c.hidden, "epochs",
                                                       (json_int_t)runs[i].c.epochs, "dir",
                                                       runs[i].dir)) != 0) {
            json_decref(list);
            return SRM_ERROR(SRM_ENOMEM, "out of memory");
        }
    }
    if (!json) return SRM_OK;
    json_t *o = json_pack("{s:o}", "runs", list);
    char *text = o ? json_dumps(o, JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    printf("%s\n", text);
    free(text);
    return SRM_OK;
}

static int table1_report(const table1_cli *t, size_t nselected, size_t ntrain, double seconds)
{
    srm_report *rep = srm_report_alloc();
    if (!rep) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    char tsv[4200], md[4200];
    snprintf(tsv, sizeof tsv, "%s/table1.tsv", t->out);
    snprintf(md, sizeof md, "%s/table1.md", t->out);
    int rc = srm_report_string(rep, "config", NULL, t->preset);
    if (rc == SRM_OK) rc = srm_report_integer(rep, "runs", NULL, (long long)nselected);
    if (rc == SRM_OK) rc = srm_report_integer(rep, "trained", NULL, (long long)ntrain);
    if (rc == SRM_OK)
        rc = srm_report_integer(rep, "skipped", "skipped (done before)", (long long)(nselected - ntrain));
    if (rc == SRM_OK) rc = srm_report_number(rep, "seconds", NULL, seconds);
    if (rc == SRM_OK) rc = srm_report_string(rep, "table_tsv", "table (tsv)", tsv);
    if (rc == SRM_OK) rc = srm_report_string(rep, "table_md", "table (markdown)", md);
    if (rc == SRM_OK) rc = srm_report_print(rep, stdout, t->json);
    srm_report_free(rep);
    return rc;
}

/* --seeds: the runs as a sweep (cli/table1_seeds.c). */
static int table1_seeds(const table1_cli *t, int argc, char **argv)
{
    if (t->dry)
        return SRM_ERROR(SRM_EINVAL, "--dry-run with --seeds: srm sweep plan lists the jobs");
    if (srm_args_prescan(argc, argv, "seed"))
        return SRM_ERROR(SRM_EINVAL, "--seed or --seeds, not both");
    if (t->jobs == 0) return SRM_ERROR(SRM_EINVAL, "--jobs must be > 0");
    if (mkdir(t->out, 0777) != 0 && errno != EEXIST)
        return SRM_ERROR(SRM_EIO, "%s: cannot create the output folder: %s", t->out,
                         strerror(errno));
    char data[4096];
    if (t->data_dir && !realpath(t->data_dir, data))
        return SRM_ERROR(SRM_EINVAL, "--data-dir %s: %s", t->data_dir, strerror(errno));
    srm_table1_seeds_opts o = {t->out, t->preset, t->tasks_text, t->cells_text, t->seeds,
                               t->engine, t->data_dir ? data : NULL, t->slurm_time,
                               t->slurm_mem, t->variants, t->jobs, t->json};
    return srm_table1_seeds(&o, argc, argv);
}

int srm_cmd_table1(int argc, char **argv)
{
    static table1_cli t; /* large (the options' help texts); one command per process */
    table1_args(&t, argc, argv);
    const srm_args_spec spec = {
        "srm table1 --config quick|paper --out DIR [--tasks LIST] [--cells LIST] "
        "[--projection certified|paper|both] [--dry-run]",
        table1_summary, t.args, 0, 0};
    SRM_TRY(srm_args_parse_flags(&spec, argc, argv));
    if (!t.out) return SRM_ERROR(SRM_EINVAL, "--out DIR is required");
    srm_task tasks[SRM_TASK_COUNT];
    srm_cell cells[2];
    size_t ntasks, ncells, nruns;
    SRM_TRY(parse_tasks(t.tasks_text, tasks, &ntasks));
    SRM_TRY(parse_cells(t.cells_text, cells, &ncells));
    if (strcmp(t.projection, "certified") == 0) t.variants = 1 << VARIANT_CERTIFIED;
    else if (strcmp(t.projection, "paper") == 0) t.variants = 1 << VARIANT_PAPER;
    else if (strcmp(t.projection, "both") == 0)
        t.variants = 1 << VARIANT_CERTIFIED | 1 << VARIANT_PAPER;
    else
        return SRM_ERROR(SRM_EINVAL, "--projection: expected certified, paper or both, got '%s'",
                         t.projection);
    if (t.seeds) return table1_seeds(&t, argc, argv);
    srm_meta_set_seed(t.seed);
    run runs[MAX_RUNS];
    SRM_TRY(build_runs(&t, tasks, ntasks, cells, ncells, runs, &nruns));
    if (!t.dry && mkdir(t.out, 0777) != 0 && errno != EEXIST)
        return SRM_ERROR(SRM_EIO, "%s: cannot create the output folder: %s", t.out, strerror(errno));
    double work_left = 0;
    size_t ntrain = 0, nselected = 0;
    refresh_unselected(runs, nruns); /* for the table only: a folder that does not match is n/a */
    for (size_t i = 0; i < nruns; i++) {
        if (!runs[i].selected) continue;
        nselected++;
        SRM_TRY(inspect(&runs[i]));
        if (runs[i].state != RUN_DONE) {
            work_left += srm_train_config_epoch_work(&runs[i].c) * (double)runs[i].c.epochs;
            ntrain++;
        }
    }
    if (t.dry) return print_dry_run(runs, nruns, t.json);
    SRM_TRY(srm_table1_write(runs, nruns, t.out, t.preset));
    double t0 = srm_progress_now();
    SRM_TRY(train_all(&t, runs, nruns, nselected, work_left));
    return table1_report(&t, nselected, ntrain, srm_progress_now() - t0);
}
