/* cli/cmd_lockstep.c: `srm lockstep`, the recurrent model and its k-step truncated
 * counterparts trained in lockstep on a task (task/lockstep.h), with the three figures
 * (plots/fig-lockstep-*.gp) and a report. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/plot.h"
#include "cli/train_cli.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/progress.h"
#include "core/report.h"
#include "task/lockstep.h"

static const char LOCKSTEP_USAGE[] =
    "srm lockstep --task T --cell rnn|lstm [--stable [--projection P]] --trunc 1,2,4,.. "
    "[--config quick|paper] [--every N] --out DIR\n       srm lockstep --resume DIR [--epochs E]";
static const char LOCKSTEP_SUMMARY[] =
    "The training theorem on a real task (proofs-notes/training-theorem.md): trains the\n"
    "recurrent model (DIR/rec) and one k-step truncated feed-forward counterpart per k\n"
    "(DIR/k<K>, as srm train --trunc K) from the same initialisation, on the same batches in\n"
    "the same order, with the same dropout masks, the same projection and the recurrent run's\n"
    "learning rate, so the runs differ only in the objective. Every N steps (and at step 1)\n"
    "DIR/gaps.tsv gets per k: step, epoch, k, lr, loss_rec, loss_trunc, gap_all = ||w_rec -\n"
    "w_k||_2 over all parameters, gap_hh = ||W_hh,rec - W_hh,k||_F, and the theorem's\n"
    "constants ESTIMATED on that step's batch without dropout: grad_gap = ||grad p(v_k) -\n"
    "grad p^k(v_k)|| (gamma k lambda^k as a whole), beta = the largest ||grad p(w) - grad\n"
    "p(v_k)|| / ||w - v_k|| so far, and bound = the recursion delta_t <= (1 + a_t beta)\n"
    "delta_{t-1} + a_t g_k with a_t the learning rate and g_k the largest grad_gap so far\n"
    "(clipping ignored; task/lockstep.h lists what else is assumed). DIR/epochs.tsv: every\n"
    "model's validation and test metric per epoch (truncated models evaluated truncated).\n"
    "At the end DIR/summary.tsv (the last record per k, the fit gap ~ c rate^k, lambda = the\n"
    "recurrent model's ||W_hh||_2 or, LSTM, srm's certified lambda_inf when its conditions\n"
    "hold) and the figures fig-lockstep-gap, fig-lockstep-rate, fig-lockstep-metric (.png,\n"
    ".svg). Every hyper-parameter flag of srm train applies to all runs. The run resumes\n"
    "where it stopped (each model from its checkpoint) when started again with the same\n"
    "flags or with --resume DIR; a DIR holding another configuration is refused. Cost: the\n"
    "truncated runs take about k times the recurrent run's recurrence (srm train --help).\n"
    "--precision defaults to float64 here: float32 rounding alone drives two runs of the same\n"
    "model apart (ATIS rnn, 70 steps: a gap of 3.5 in float32, 2.9e-7 in float64, measured).";

typedef struct {
    srm_cli_train t;
    srm_lockstep_config lc;
    const char *ks;
    unsigned long every;
    srm_progress *line;
    double t0;
} lockstep_cli;

static int stored_config(const char *dir, srm_train_config *c, void *ctx)
{
    lockstep_cli *l = ctx;
    SRM_TRY(srm_lockstep_read_config(dir, &l->lc));
    *c = l->lc.base;
    return SRM_OK;
}

static void on_progress(size_t done, size_t total, size_t epoch, void *ctx)
{
    lockstep_cli *l = ctx;
    if (!epoch) {
        if (!l->line) l->line = srm_progress_alloc(total, "lockstep", "steps");
        srm_progress_update(l->line, done);
        return;
    }
    if (l->t.quiet) return;
    srm_progress_break(l->line);
    double el = srm_progress_now() - l->t0, eta = done ? el / (double)done * (double)(total - done) : NAN;
    fprintf(stderr, "lockstep epoch %zu/%zu: step %zu of %zu this session, %.0f s, ETA %.0f s\n",
            epoch, l->lc.base.epochs, done, total, el, eta);
}

/* The smallest and largest positive finite v[i] (NaN, NaN: none). */
static void finite_range(const double *v, size_t n, double *range)
{
    range[0] = range[1] = NAN;
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] > 0) || !isfinite(v[i])) continue;
        if (!(v[i] >= range[0])) range[0] = v[i];
        if (!(v[i] <= range[1])) range[1] = v[i];
    }
}

/* The three figures into DIR; *what says what was drawn or why not. */
static int figures(const lockstep_cli *l, const srm_lockstep_summary *s, const char **what)
{
    static const char *const names[] = {"fig-lockstep-gap", "fig-lockstep-rate",
                                        "fig-lockstep-metric"};
    const srm_train_config *b = &l->lc.base;
    static char vars[3][8192];
    char title[400], ks[200] = "", path[4200], *v3[3] = {vars[0], vars[1], vars[2]};
    snprintf(title, sizeof title, "%s %s, %s", srm_data_task_name(b->task),
             srm_cell_name(b->cell), !b->stable ? "unstable" : b->projection ? "stable (paper)"
                                                                           : "stable (certified)");
    for (size_t j = 0; j < l->lc.nks; j++)
        snprintf(ks + strlen(ks), sizeof ks - strlen(ks), "%s%zu", j ? " " : "", l->lc.ks[j]);
    for (int i = 0; i < 3; i++) {
        char *vs = vars[i];
        size_t size = sizeof vars[i];
        vs[0] = '\0';
        srm_cli_gp_string(vs, size, "title", title);
        srm_cli_gp_string(vs, size, "ks", ks);
        snprintf(path, sizeof path, "%s/%s", l->t.out, i == 0 ? "gaps.tsv" : "summary.tsv");
        srm_cli_gp_string(vs, size, "data", path);
        srm_cli_gp_string(vs, size, "metric", srm_train_metric_name(b->task));
        double g[2], bd[2];
        finite_range(s->gap_all, s->nks, g), finite_range(s->bound, s->nks, bd);
        const char *names_v[] = {"rate", "c", "lambda", "rec", "gmin", "gmax", "bmin", "bmax"};
        const double v[] = {s->rate, s->rate_c, s->lambda, s->test_metric_rec,
                            g[0], g[1], bd[0], bd[1]};
        for (int q = 0; q < 8; q++) /* gnuplot's NaN for what was not measured */
            snprintf(vs + strlen(vs), size - strlen(vs),
                     isfinite(v[q]) ? "%s=%.17g; " : "%s=NaN; ", names_v[q], v[q]);
    }
    return srm_cli_figures(l->t.out, names, v3, 3, what);
}

static int report(const lockstep_cli *l, const srm_lockstep_summary *s, const char *figs)
{
    const srm_train_config *b = &l->lc.base;
    double ks[SRM_LOCKSTEP_MAX_K];
    for (size_t j = 0; j < s->nks; j++) ks[j] = (double)l->lc.ks[j];
    srm_report *r = srm_report_alloc();
    int rc = r ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK) rc = srm_report_string(r, "task", NULL, srm_data_task_name(b->task));
    if (rc == SRM_OK) rc = srm_report_string(r, "cell", NULL, srm_cell_name(b->cell));
    if (rc == SRM_OK) rc = srm_report_bool(r, "stable", NULL, b->stable);
    if (rc == SRM_OK && b->stable)
        rc = srm_report_string(r, "projection", NULL, b->projection ? "paper" : "certified");
    if (rc == SRM_OK) rc = srm_report_array(r, "ks", "k", ks, s->nks);
    if (rc == SRM_OK) rc = srm_report_array(r, "gap_all", "final ||w_rec - w_k||", s->gap_all, s->nks);
    if (rc == SRM_OK) rc = srm_report_array(r, "gap_hh", "final ||W_hh gap||_F", s->gap_hh, s->nks);
    if (rc == SRM_OK) rc = srm_report_array(r, "bound", "bound (estimated)", s->bound, s->nks);
    if (rc == SRM_OK) rc = srm_report_array(r, "grad_gap", "grad gap (estimated)", s->grad_gap, s->nks);
    if (rc == SRM_OK) rc = srm_report_array(r, "test_metric", "test metric per k", s->test_metric, s->nks);
    const srm_report_entry e[] = {
        {SRM_REPORT_NUMBER, "test_metric_rec", "test metric, recurrent", s->test_metric_rec},
        {SRM_REPORT_NUMBER, "rate", "fitted rate (gap ~ c rate^k)", s->rate},
        {SRM_REPORT_NUMBER, "lambda", "lambda of the recurrent model", s->lambda},
        {SRM_REPORT_NUMBER, "beta", "beta (estimated)", s->beta},
        {SRM_REPORT_INTEGER, "steps", NULL, (double)s->steps},
        {SRM_REPORT_INTEGER, "epochs", NULL, (double)s->epochs},
        {SRM_REPORT_INTEGER, "every", "recorded every", (double)s->every},
        {SRM_REPORT_NUMBER, "seconds", NULL, s->seconds}};
    if (rc == SRM_OK) rc = srm_report_entries(r, e, sizeof e / sizeof e[0]);
    if (rc == SRM_OK) rc = srm_report_string(r, "figures", NULL, figs);
    if (rc == SRM_OK) rc = srm_report_string(r, "out", NULL, l->t.out);
    return srm_report_finish(r, rc, stdout, l->t.json);
}

/* Everything after the configuration, in the opened folder. */
static int run(lockstep_cli *l, srm_train_config *c)
{
    if (!l->t.resume) {
        if (!l->ks) return SRM_ERROR(SRM_EINVAL, "--trunc K,K,.. is required");
        SRM_TRY(srm_lockstep_parse_ks(l->ks, &l->lc));
        l->lc.every = l->every;
    }
    /* float32 rounding alone separates two runs of one model (measured, ATIS rnn: a gap of
     * 3.5 after 70 steps, 2.9e-7 in float64), so the gaps are measured in float64 */
    if (!l->t.resume && !srm_train_options_given(&l->t.o, "precision"))
        c->precision = SRM_NET_FLOAT64;
    l->lc.base = *c;
    SRM_TRY(srm_train_config_check(c));
    srm_meta_set_seed(c->seed);
    srm_task_data *d;
    SRM_TRY(srm_task_data_load(c->task, l->t.data_dir, c->max_train, c->max_valid, c->max_test,
                               &d));
    srm_lockstep_summary s;
    l->t0 = srm_progress_now();
    int rc = srm_lockstep_run(&l->lc, d, l->t.out, on_progress, l, &s);
    srm_progress_free(l->line);
    srm_task_data_free(d);
    const char *figs = "none";
    if (rc == SRM_OK) rc = figures(l, &s, &figs);
    if (rc != SRM_OK) return rc;
    return report(l, &s, figs);
}

int srm_cmd_lockstep(int argc, char **argv)
{
    static lockstep_cli l; /* large (the options' help texts); one command per process */
    srm_train_config c = {0};
    l.ks = NULL, l.every = 0;
    const srm_arg extra[] = {
        {"trunc", SRM_ARG_STRING, &l.ks, "K,K,..",
         "truncation lengths, one truncated run each (required unless --resume)", NULL},
        {"every", SRM_ARG_ULONG, &l.every, "N",
         "record the gaps every N steps (0: about 200 records per run)", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    srm_cli_train_args(&l.t, argc, argv, &c, SRM_TRAIN_SCOPE_TRUNC, extra);
    const srm_args_spec spec = {LOCKSTEP_USAGE, LOCKSTEP_SUMMARY, l.t.args, 0, 0};
    SRM_TRY(srm_args_parse_flags(&spec, argc, argv));
    if (l.t.resume && (l.ks || l.every))
        return SRM_ERROR(SRM_EINVAL, "--resume takes the stored --trunc and --every");
    SRM_TRY(srm_cli_train_configure(&l.t, &c, stored_config, &l));
    int rc = run(&l, &c);
    srm_run_dir_close(&l.t.dir, rc);
    return rc;
}
