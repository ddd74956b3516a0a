/* cli/cmd_analyze.c: `srm analyze MODEL --task T`, data-dependent stability of a trained model on
 * the test split (task/analyze.h; proofs-notes/experiments.md says how to read the outputs):
 * Jacobian norms and r-step rates along real trajectories, the input-gradient profile, and the
 * truncated metric against k (srm eval --trunc), each as a TSV and a gnuplot figure. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/plot.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/run_dir.h"
#include "core/layout.h"
#include "core/meta.h"
#include "core/report.h"
#include "task/analyze.h"
#include "task/analyze_summary.h"
#include "task/train.h"
#include "theory/stability.h"

#define MAX_K 32

/* The command line, as parsed. */
typedef struct {
    const char *model, *task_text, *out, *data_dir, *r_text, *k_text;
    unsigned long max_tokens, window, max_lag, max_eval, eval_batch, bptt, seed;
    int json, no_plots;
} analyze_args;

/* What the measurements leave for the figures. */
typedef struct {
    char legends[2048];              /* t1='r = ..', one per window length */
    double grad_rate, grad_c, full; /* gradient fit; the untruncated metric */
} analyze_figures;

/* "1,2,4,all" -> ks (0 stands for all = the full model). */
static int parse_ks(const char *text, long *ks, size_t *nk)
{
    char buf[512];
    if (strlen(text) >= sizeof buf) return SRM_ERROR(SRM_EINVAL, "--trunc-k: list too long");
    snprintf(buf, sizeof buf, "%s", text);
    *nk = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strcmp(tok, "all") == 0 ? 0 : strtol(tok, &end, 10);
        if (strcmp(tok, "all") != 0 && (end == tok || *end || v <= 0))
            return SRM_ERROR(SRM_EINVAL, "--trunc-k: '%s' is not a list of positive integers "
                             "and 'all'", text);
        if (*nk >= MAX_K) return SRM_ERROR(SRM_EINVAL, "--trunc-k: more than %d values", MAX_K);
        ks[(*nk)++] = v;
    }
    if (*nk == 0) return SRM_ERROR(SRM_EINVAL, "--trunc-k: empty list");
    return SRM_OK;
}

/* ---- figures: gnuplot on plots/fig-analyze-*.gp ---- */

/* ---- the three measurements ---- */

/* DIR/name (into path) opened as an output TSV. */
static int open_tsv(srm_atomic *a, const char *dir, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    return srm_cli_tsv_open(a, path);
}

static int write_quantiles(const srm_analyze_options *o, const char *dir, const double *q)
{
    char path[4200];
    srm_atomic f;
    SRM_TRY(open_tsv(&f, dir, "jacobian-quantiles.tsv", path, sizeof path));
    fprintf(f.f, "# q-quantiles of the per-step rates of jacobian.tsv (column r_R: windows of "
            "R steps)\nq");
    for (size_t i = 0; i < o->nr; i++) fprintf(f.f, "\tr_%zu", o->r[i]);
    for (size_t k = 0; k < SRM_ANALYZE_NQ; k++) {
        fprintf(f.f, "\n%.2f", (double)k / (SRM_ANALYZE_NQ - 1));
        for (size_t i = 0; i < o->nr; i++) fprintf(f.f, "\t%.17g", q[k * o->nr + i]);
    }
    fputc('\n', f.f);
    return srm_cli_tsv_close(&f, path);
}

/* The summary keys of one window length, and its legend for the figure. */
static int report_window(srm_report *rep, size_t i, const srm_analyze_window_summary *w,
                         char *legends, size_t lsize)
{
    char key[64], label[96], t[200];
    const char *what[] = {"max", "p99", "mean"};
    double val[] = {w->rate.max, w->rate.p99, w->rate.mean};
    for (int j = 0; j < 3; j++) {
        snprintf(key, sizeof key, "rate_r%zu_%s", w->r, what[j]);
        snprintf(label, sizeof label, "rate r = %zu, %s", w->r, what[j]);
        SRM_TRY(srm_report_number(rep, key, label, val[j]));
    }
    snprintf(key, sizeof key, "windows_r%zu", w->r);
    snprintf(label, sizeof label, "windows r = %zu", w->r);
    SRM_TRY(srm_report_integer(rep, key, label, (long long)w->count));
    snprintf(t, sizeof t, "r = %zu: mean %.3f, p99 %.3f, max %.3f (%zu windows)", w->r,
             w->rate.mean, w->rate.p99, w->rate.max, w->count);
    snprintf(key, sizeof key, "t%zu", i + 1);
    srm_cli_gp_string(legends, lsize, key, t);
    return SRM_OK;
}

static int write_jacobian(srm_analyze *a, const srm_analyze_options *o, const char *dir,
                          srm_report *rep, char *legends, size_t lsize)
{
    double *q = malloc(SRM_ANALYZE_NQ * o->nr * sizeof(double));
    srm_analyze_window_summary w[SRM_ANALYZE_MAX_R];
    if (!q) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    srm_analyze_summarize_windows(a, o, w, q);
    char path[4200];
    srm_atomic f;
    int rc = open_tsv(&f, dir, "jacobian.tsv", path, sizeof path);
    if (rc != SRM_OK) {
        free(q);
        return rc;
    }
    fprintf(f.f, "# per window of r consecutive steps inside a test trajectory: rate = "
            "||J_{t+r} ... J_{t+1}||_2^(1/r) (per-step-normalised; r = 1: ||J_t||_2), raw = the "
            "product norm ||d s_{t+r} / d s_t||_2\n"
            "r\tmax\tp99\tmedian\tmean\tmin\tcount\traw_max\traw_p99\traw_mean\n");
    legends[0] = '\0';
    for (size_t i = 0; rc == SRM_OK && i < o->nr; i++) {
        const srm_analyze_stats *rate = &w[i].rate, *raw = &w[i].raw;
        fprintf(f.f, "%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%zu\t%.17g\t%.17g\t%.17g\n", w[i].r,
                rate->max, rate->p99, rate->median, rate->mean, rate->min, w[i].count, raw->max,
                raw->p99, raw->mean);
        rc = report_window(rep, i, &w[i], legends, lsize);
    }
    if (rc != SRM_OK) srm_atomic_abort(&f);
    else rc = srm_cli_tsv_close(&f, path);
    if (rc == SRM_OK) rc = write_quantiles(o, dir, q);
    free(q);
    return rc;
}

static int write_gradient(srm_analyze *a, const srm_analyze_options *o, const char *dir,
                          srm_report *rep, double *rate, double *intercept)
{
    srm_analyze_lag *lags = malloc((o->max_lag + 1) * sizeof *lags), l0;
    size_t nlags;
    if (!lags) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    srm_analyze_gradient_profile(a, o->max_lag, lags, &nlags, &l0, rate, intercept);
    char path[4200];
    srm_atomic f;
    int rc = open_tsv(&f, dir, "gradient.tsv", path, sizeof path);
    if (rc == SRM_OK) {
        fprintf(f.f, "# ||d loss_T / d x_{T-j}||_2 from the loss at the last step T of each "
                "sequence (language models: of each window), x the input vector; mean_relative "
                "= mean of the ratio to the same sequence's j = 0 norm\n"
                "j\tmean_norm\tmax_norm\tmean_relative\tcount\n");
        for (size_t j = 0; j < nlags; j++)
            fprintf(f.f, "%zu\t%.17g\t%.17g\t%.17g\t%zu\n", j, lags[j].mean, lags[j].max,
                    lags[j].mean_relative, lags[j].count);
        long long jmax = nlags ? (long long)nlags - 1 : 0;
        if ((rc = srm_report_number(rep, "gradient_norm_j0", "gradient mean norm at j = 0",
                                    l0.mean)) ||
            (rc = srm_report_integer(rep, "gradient_max_lag", "gradient largest lag", jmax)) ||
            (rc = srm_report_number(rep, "gradient_rate", "gradient decay per step (fit)",
                                    *rate)))
            srm_atomic_abort(&f);
        else rc = srm_cli_tsv_close(&f, path);
    }
    free(lags);
    return rc;
}

static int write_trunc(const srm_model *m, srm_task task, const analyze_args *p, size_t batch,
                       size_t bptt, const long *ks, size_t nk, srm_report *rep, double *full)
{
    int lm = task == SRM_TASK_WIKITEXT2 || task == SRM_TASK_PTBCHAR;
    srm_eval_result e[MAX_K];
    double metric[MAX_K], kk[MAX_K];
    SRM_TRY(srm_analyze_truncated(m, task, p->data_dir, p->max_eval, batch, bptt, ks, nk, e));
    char path[4200];
    srm_atomic f;
    SRM_TRY(open_tsv(&f, p->out, "trunc.tsv", path, sizeof path));
    fprintf(f.f, "# the k-step truncated model on the test split (srm eval --trunc k; %s): every "
            "prediction sees only the last k inputs; full = 1 is the untruncated model ('all', "
            "written with k = 0)\n# metric %s (%s is better)\nk\tmetric\tloss\tcount\tfull\n",
            lm ? "language models: the first tokens in eval-batch columns" : "every sequence",
            srm_train_metric_name(task),
            srm_train_metric_higher_is_better(task) ? "higher" : "lower");
    *full = NAN;
    for (size_t i = 0; i < nk; i++) {
        fprintf(f.f, "%ld\t%.17g\t%.17g\t%zu\t%d\n", ks[i], e[i].metric, e[i].loss, e[i].count,
                ks[i] == 0);
        if (ks[i] == 0) *full = e[i].metric;
        metric[i] = e[i].metric, kk[i] = (double)ks[i];
    }
    int rc;
    if ((rc = srm_report_string(rep, "metric_name", "metric", srm_train_metric_name(task))) ||
        (rc = srm_report_array(rep, "trunc_k", "trunc k (0: all)", kk, nk)) ||
        (rc = srm_report_array(rep, "trunc_metric", "trunc metric", metric, nk))) {
        srm_atomic_abort(&f);
        return rc;
    }
    return srm_cli_tsv_close(&f, path);
}

/* ---- figures: the three fig-analyze-* plots, or why they were skipped ---- */

/* The gnuplot variables of figure i (0: jacobian, 1: gradient, 2: trunc). */
static void figure_vars(char *vars, size_t size, int i, const char *title, const char *out,
                        size_t nr, srm_task task, const analyze_figures *fig)
{
    char d[4200];
    vars[0] = '\0';
    srm_cli_gp_string(vars, size, "title", title);
    snprintf(d, sizeof d, "%s/%s", out,
             i == 0 ? "jacobian-quantiles.tsv" : i == 1 ? "gradient.tsv" : "trunc.tsv");
    srm_cli_gp_string(vars, size, "data", d);
    size_t len = strlen(vars);
    if (i == 0) {
        snprintf(vars + len, size - len, "nr=%zu; %s", nr, fig->legends);
        return;
    }
    if (i == 1)
        snprintf(vars + len, size - len, "rate=%.17g; c=%.17g; ", fig->grad_rate, fig->grad_c);
    else
        snprintf(vars + len, size - len, "full=%.17g; higher=%d; ", fig->full,
                 srm_train_metric_higher_is_better(task));
    srm_cli_gp_string(vars, size, "metric", srm_train_metric_name(task));
}

/* Draws the figures into p->out; *figures says what was drawn or why nothing was. */
static int write_figures(const analyze_args *p, srm_task task, const srm_model *m, size_t nr,
                         const analyze_figures *fig, const char **figures)
{
    static const char *const names[] = {"fig-analyze-jacobian", "fig-analyze-gradient",
                                        "fig-analyze-trunc"};
    static char vars[3][4096];
    char title[512], *v[3] = {vars[0], vars[1], vars[2]};
    snprintf(title, sizeof title, "%s, %s (%s)", srm_data_task_name(task),
             srm_cell_name(m->cell), p->model);
    for (int i = 0; i < 3; i++) figure_vars(vars[i], sizeof vars[i], i, title, p->out, nr, task, fig);
    return srm_cli_figures(p->out, names, v, 3, figures);
}

/* ---- the command ---- */

/* `srm analyze --help`: the usage line and the paragraph. */
static const char ANALYZE_USAGE[] =
    "srm analyze MODEL [--task T] [--out DIR] [--max-tokens N] [--json]";
static const char ANALYZE_SUMMARY[] =
    "Data-dependent stability of a model from srm train on the test split of its task\n"
    "(proofs-notes/experiments.md). Along real trajectories (atis, jsb: whole sequences from\n"
    "the zero state, in a seeded random order; language models: the first test tokens as\n"
    "one trajectory): the state Jacobian J_t = d s_t / d s_{t-1} (RNN: diag(1 - h_t^2) W_hh;\n"
    "LSTM: the 2n x 2n Jacobian on s = (c, h)) and, for every window of r steps, the\n"
    "per-step rate ||J_{t+r} ... J_{t+1}||_2^(1/r) -> DIR/jacobian.tsv (max, p99, median,\n"
    "mean, min, count; raw_* = the product norm) and jacobian-quantiles.tsv; the norm of\n"
    "d loss_T / d x_{T-j} against j, from the loss at each sequence's (window's) last step\n"
    "-> gradient.tsv; the metric of the k-step truncated model (srm eval --trunc k) ->\n"
    "trunc.tsv. Figures fig-analyze-jacobian, -gradient, -trunc (.png, .svg) with gnuplot\n"
    "(plots/fig-analyze-*.gp; skipped, and said so, when gnuplot is not installed).\n"
    "Cost: about #r SVDs of S x S per step (S = state size; 4.7 ms at S = 256). Measured\n"
    "with the defaults on quick-preset models (one core): atis rnn 15 s, lstm 23 s; jsb rnn\n"
    "33 s, lstm 34 s; ptbchar lstm 44 s; wikitext2 lstm 68 s (half of it the truncated\n"
    "perplexities). Paper-size LSTMs (S = 2048) take seconds per step: set --max-tokens.";

static int parse(int argc, char **argv, analyze_args *p)
{
    const char *task_text = NULL, *out = "analyze-out", *data_dir = NULL, *r_text = "1,5,20";
    const char *k_text = "1,2,4,8,16,32,all";
    unsigned long max_tokens = 0, window = 100, max_lag = 50, max_eval = 0, eval_batch = 0;
    unsigned long bptt = 0, seed = 1;
    int json = 0, no_plots = 0;
    const srm_arg args[] = {
        {"task", SRM_ARG_STRING, &task_text, "T",
         "wikitext2, ptbchar, jsb or atis (default: the task in MODEL's metadata)",
         NULL},
        {"out", SRM_ARG_STRING, &out, "DIR", "output folder (created if missing)", NULL},
        {"max-tokens", SRM_ARG_ULONG, &max_tokens, "N",
         "test steps for Jacobians and gradients (0: auto, about 30 s of work: 1e11 / (#r S^3) "
         "steps, at least 200, S the state size)", NULL},
        {"r", SRM_ARG_STRING, &r_text, "LIST", "window lengths r of the r-step products", NULL},
        {"max-lag", SRM_ARG_ULONG, &max_lag, "J", "gradient lags j = 0..J", NULL},
        {"window", SRM_ARG_ULONG, &window, "L",
         "language models: steps per window (the loss position for the gradient)", NULL},
        {"trunc-k", SRM_ARG_STRING, &k_text, "LIST", "truncation lengths k ('all': full model)",
         NULL},
        {"max-eval", SRM_ARG_ULONG, &max_eval, "N",
         "test tokens (LM) or sequences for the truncated metric (0: all for atis and jsb, "
         "10000 tokens for language models)", NULL},
        {"eval-batch", SRM_ARG_ULONG, &eval_batch, "B",
         "evaluation columns/sequences (0: the model's training setting, as srm eval)", NULL},
        {"bptt", SRM_ARG_ULONG, &bptt, "L", "LM: window of the full evaluation (0: the model's)",
         NULL},
        {"seed", SRM_ARG_SEED, &seed, "S", "order in which atis/jsb test sequences are taken",
         NULL},
        {"data-dir", SRM_ARG_STRING, &data_dir, "DIR", "data folder (see srm data --help)", NULL},
        {"no-plots", SRM_ARG_FLAG, &no_plots, NULL, "write the TSVs only", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print the summary as one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {ANALYZE_USAGE, ANALYZE_SUMMARY, args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    *p = (analyze_args){pos[0], task_text, out, data_dir, r_text, k_text, max_tokens, window,
                        max_lag, max_eval, eval_batch, bptt, seed, json, no_plots};
    return SRM_OK;
}

/* Whether srm's sufficient conditions certify the model everywhere (srm stability; the LSTM
 * with the input bound of its own embedding table, or 1 for the 0/1 frames of jsb), so that
 * the data-dependent figures below read as what they are: measured along the data. */
static int report_certificate(srm_report *rep, const srm_model *m)
{
    int stable;
    if (m->cell == SRM_CELL_LSTM) {
        double bx = m->vocab ? srm_layout_embedding_bound(m->encoder_weight, m->vocab * m->input)
                             : 1;
        srm_lstm_stability st;
        SRM_TRY(srm_stability_lstm(m, bx, &st));
        SRM_TRY(srm_report_number(rep, "certificate_input_bound", "input bound B_x used", bx));
        stable = st.stable;
    } else {
        srm_rnn_stability st;
        SRM_TRY(srm_stability_rnn(m, &st));
        stable = st.stable;
    }
    return srm_report_bool(rep, "certified", "certified stable (sufficient conditions)", stable);
}

/* The header of the summary: what was analysed. */
static int report_model(srm_report *rep, srm_task task, const srm_model *m, size_t nseq,
                        const srm_analyze *a)
{
    int lm = task == SRM_TASK_WIKITEXT2 || task == SRM_TASK_PTBCHAR;
    SRM_TRY(srm_report_string(rep, "task", NULL, srm_data_task_name(task)));
    SRM_TRY(srm_report_string(rep, "cell", NULL, srm_cell_name(m->cell)));
    SRM_TRY(srm_report_string(rep, "state", NULL, m->cell == SRM_CELL_LSTM ? "(c, h)" : "h"));
    SRM_TRY(srm_report_integer(rep, "state_size", "state size",
                               (long long)srm_model_state_size(m)));
    SRM_TRY(srm_report_integer(rep, "sequences", lm ? "windows" : "sequences", (long long)nseq));
    SRM_TRY(srm_report_integer(rep, "steps", NULL, (long long)srm_analyze_steps(a)));
    return report_certificate(rep, m);
}

/* Measures, writes the TSVs and figures into p->out and fills the summary. */
static int run(const analyze_args *p, srm_task task, srm_analyze_options *o, const long *ks,
               size_t nk, size_t batch, size_t bptt, srm_model *m, srm_report *rep)
{
    if (!o->max_tokens) o->max_tokens = srm_analyze_auto_tokens(srm_model_state_size(m), o->nr);
    srm_run_dir dir;
    SRM_TRY(srm_run_dir_open(&dir, p->out));
    srm_analyze *a = NULL;
    size_t nseq = 0;
    analyze_figures fig = {"", NAN, NAN, NAN};
    const char *figures = "skipped (--no-plots)";
    int rc = srm_analyze_task(m, task, p->data_dir, o, &a, &nseq);
    if (rc == SRM_OK) rc = report_model(rep, task, m, nseq, a);
    if (rc == SRM_OK)
        rc = write_jacobian(a, o, p->out, rep, fig.legends, sizeof fig.legends);
    if (rc == SRM_OK) rc = write_gradient(a, o, p->out, rep, &fig.grad_rate, &fig.grad_c);
    if (rc == SRM_OK) rc = write_trunc(m, task, p, batch, bptt, ks, nk, rep, &fig.full);
    if (rc == SRM_OK && !p->no_plots) rc = write_figures(p, task, m, o->nr, &fig, &figures);
    if (rc == SRM_OK) rc = srm_report_string(rep, "figures", NULL, figures);
    if (rc == SRM_OK) rc = srm_report_string(rep, "out", NULL, p->out);
    srm_analyze_free(a);
    srm_run_dir_close(&dir, rc);
    return rc;
}

int srm_cmd_analyze(int argc, char **argv)
{
    analyze_args p;
    int rc = parse(argc, argv, &p);
    if (rc != SRM_OK) return rc;
    srm_task task;
    SRM_TRY(srm_cli_model_task(p.task_text, p.model, &task));
    srm_analyze_options o = {.max_tokens = p.max_tokens, .window = p.window,
                             .max_lag = p.max_lag, .seed = p.seed, .model_path = p.model};
    long rl[SRM_ANALYZE_MAX_R], ks[MAX_K];
    size_t nk = 0;
    SRM_TRY(srm_args_parse_long_list("r", p.r_text, rl, SRM_ANALYZE_MAX_R, &o.nr));
    for (size_t i = 0; i < o.nr; i++) o.r[i] = (size_t)rl[i];
    SRM_TRY(parse_ks(p.k_text, ks, &nk));
    if (p.window == 0) return SRM_ERROR(SRM_EINVAL, "--window must be >= 1");
    srm_meta_set_seed(p.seed);

    /* the task and evaluation settings recorded by srm train, as srm eval reads them */
    size_t batch = p.eval_batch, bptt = p.bptt;
    SRM_TRY(srm_train_model_eval_settings(p.model, task, &batch, &bptt, NULL));
    if (!p.max_eval && (task == SRM_TASK_WIKITEXT2 || task == SRM_TASK_PTBCHAR))
        p.max_eval = 10000;

    srm_model *m;
    SRM_TRY(srm_model_load(p.model, &m));
    srm_report *rep = srm_report_alloc();
    rc = rep ? run(&p, task, &o, ks, nk, batch, bptt, m, rep) : srm_error_code();
    rc = srm_report_finish(rep, rc, stdout, p.json);
    srm_model_free(m);
    return rc;
}
