/* cli/cmd_analyze.c: `srm analyze MODEL --task T`, data-dependent stability of a trained model on
 * the test split (task/analyze.h; proofs-notes/experiments.md says how to read the outputs):
 * Jacobian norms and r-step rates along real trajectories, the input-gradient profile, and the
 * truncated metric against k (srm eval --trunc), each as a TSV and a gnuplot figure. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/report.h"
#include "task/analyze.h"
#include "task/train.h"

#define MAX_K 32
#define NQ 101 /* quantiles 0, 0.01, .., 1 for the distribution figure */

/* Steps analysed when --max-tokens is 0. The cost is about one S x S SVD per window and window
 * length (the GEMMs and the rest are cheaper), ~3e-10 S^3 s each on one core (measured: 0.9 ms
 * at S = 128, 4.7 ms at 256, 33 ms at 512), so this budget is about 30 s of Jacobian work
 * whatever the model size: all of ATIS's 9,164 test words at S = 128, ~2,000 steps at 256. */
static size_t auto_tokens(size_t S, size_t nr)
{
    double steps = 1e11 / ((double)nr * (double)S * (double)S * (double)S);
    return steps < 200 ? 200 : steps > 1e9 ? 1000000000 : (size_t)steps;
}

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

static int open_tsv(srm_atomic *a, const char *dir, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    SRM_TRY(srm_atomic_open(a, path));
    srm_meta_write(a->f);
    return SRM_OK;
}

static int close_tsv(srm_atomic *a, const char *path)
{
    if (ferror(a->f)) {
        srm_atomic_abort(a);
        return SRM_ERROR(SRM_EIO, "%s: write error", path);
    }
    return srm_atomic_commit(a);
}

/* ---- figures: gnuplot on plots/fig-analyze-*.gp ---- */

/* The plots/ folder: $SRM_HOME/plots, else next to the executable or one or two levels up. */
static int find_plots(char *out, size_t size)
{
    const char *home = getenv("SRM_HOME");
    char exe[3072], probe[4200];
    if (home) {
        snprintf(out, size, "%s/plots", home);
        snprintf(probe, sizeof probe, "%s/fig-analyze-jacobian.gp", out);
        if (access(probe, R_OK) == 0) return 1;
    }
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return 0;
    exe[len] = '\0';
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash) return 0;
        *slash = '\0';
        snprintf(out, size, "%s/plots", exe);
        snprintf(probe, sizeof probe, "%s/fig-analyze-jacobian.gp", out);
        if (access(probe, R_OK) == 0) return 1;
    }
    return 0;
}

/* Appends name='value' (gnuplot single quotes: ' doubled) to buf. */
static void gp_string(char *buf, size_t size, const char *name, const char *value)
{
    size_t len = strlen(buf);
    if (len + strlen(name) + 8 >= size) return; /* no room: the caller's buffers are ample */
    len += (size_t)snprintf(buf + len, size - len, "%s='", name);
    for (const char *p = value; *p && len + 3 < size; p++) {
        if (*p == '\'') buf[len++] = '\'';
        buf[len++] = *p;
    }
    snprintf(buf + len, size - len, "'; ");
}

/* Runs gnuplot -e "VARS out=..; term=.." plots/NAME.gp for png and svg into DIR/NAME.{png,svg}
 * (through a temporary name, renamed on success). Returns SRM_OK, or 1 when gnuplot is not
 * installed; an error naming gnuplot's first message when it fails. */
static int plot(const char *plots, const char *dir, const char *name, const char *vars)
{
    static const char *const terms[] = {"png", "svg"};
    char script[4200], errpath[4200], out[4200], tmp[4300], *e = NULL;
    size_t elen = strlen(vars) + 2 * sizeof out + 64;
    snprintf(script, sizeof script, "%s/%s.gp", plots, name);
    snprintf(errpath, sizeof errpath, "%s/.%s.gnuplot-err.%ld", dir, name, (long)getpid());
    int rc = SRM_OK;
    for (int i = 0; rc == SRM_OK && i < 2; i++) {
        snprintf(out, sizeof out, "%s/%s.%s", dir, name, terms[i]);
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
        free(e);
        if (!(e = malloc(elen))) return SRM_ERROR(SRM_ENOMEM, "out of memory");
        snprintf(e, elen, "%s", vars);
        gp_string(e, elen, "out", tmp);
        gp_string(e, elen, "term", terms[i]);
        char *argv[] = {"gnuplot", "-e", e, script, NULL};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, errpath,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        pid_t pid;
        extern char **environ;
        int err = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ), status = 0;
        posix_spawn_file_actions_destroy(&fa);
        if (err == ENOENT) {
            rc = 1;
        } else if (err != 0) {
            rc = SRM_ERROR(SRM_EIO, "cannot run gnuplot: %s", strerror(err));
        } else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
                   WEXITSTATUS(status) != 0) {
            char msg[300] = "";
            FILE *f = fopen(errpath, "r");
            if (f && fgets(msg, sizeof msg, f)) msg[strcspn(msg, "\n")] = '\0';
            if (f) fclose(f);
            remove(tmp);
            rc = SRM_ERROR(SRM_EIO, "gnuplot %s (%s) failed: %s", script, terms[i], msg);
        } else if (rename(tmp, out) != 0) {
            rc = SRM_ERROR(SRM_EIO, "%s: cannot rename into place: %s", out, strerror(errno));
        }
        remove(errpath);
    }
    free(e);
    return rc;
}

/* ---- the three measurements ---- */

static int write_jacobian(srm_analyze *a, const srm_analyze_options *o, const char *dir,
                          srm_report *rep, char *legends, size_t lsize)
{
    char path[4200], key[64], label[96];
    srm_atomic f;
    SRM_TRY(open_tsv(&f, dir, "jacobian.tsv", path, sizeof path));
    fprintf(f.f, "# per window of r consecutive steps inside a test trajectory: rate = "
            "||J_{t+r} ... J_{t+1}||_2^(1/r) (per-step-normalised; r = 1: ||J_t||_2), raw = the "
            "product norm ||d s_{t+r} / d s_t||_2\n"
            "r\tmax\tp99\tmedian\tmean\tmin\tcount\traw_max\traw_p99\traw_mean\n");
    double *q = malloc(NQ * o->nr * sizeof(double));
    if (!q) {
        srm_atomic_abort(&f);
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    legends[0] = '\0';
    for (size_t i = 0; i < o->nr; i++) {
        size_t count, r = o->r[i];
        double *v = srm_analyze_window_norms(a, i, &count);
        srm_analyze_stats raw, rate;
        srm_analyze_stats_of(v, count, &raw); /* sorted from here on */
        for (size_t k = 0; k < count; k++) v[k] = pow(v[k], 1.0 / (double)r);
        srm_analyze_stats_of(v, count, &rate);
        for (size_t k = 0; k < NQ; k++)
            q[k * o->nr + i] = srm_analyze_quantile(v, count, (double)k / (NQ - 1));
        fprintf(f.f, "%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%zu\t%.17g\t%.17g\t%.17g\n", r,
                rate.max, rate.p99, rate.median, rate.mean, rate.min, count, raw.max, raw.p99,
                raw.mean);
        const char *what[] = {"max", "p99", "mean"};
        double val[] = {rate.max, rate.p99, rate.mean};
        for (int w = 0; w < 3; w++) {
            snprintf(key, sizeof key, "rate_r%zu_%s", r, what[w]);
            snprintf(label, sizeof label, "rate r = %zu, %s", r, what[w]);
            SRM_TRY(srm_report_number(rep, key, label, val[w]));
        }
        snprintf(key, sizeof key, "windows_r%zu", r);
        snprintf(label, sizeof label, "windows r = %zu", r);
        SRM_TRY(srm_report_integer(rep, key, label, (long long)count));
        char t[200];
        snprintf(t, sizeof t, "r = %zu: mean %.3f, p99 %.3f, max %.3f (%zu windows)", r, rate.mean,
                 rate.p99, rate.max, count);
        snprintf(key, sizeof key, "t%zu", i + 1);
        gp_string(legends, lsize, key, t);
    }
    int rc = close_tsv(&f, path);
    srm_atomic qf;
    if (rc == SRM_OK) rc = open_tsv(&qf, dir, "jacobian-quantiles.tsv", path, sizeof path);
    if (rc == SRM_OK) {
        fprintf(qf.f, "# q-quantiles of the per-step rates of jacobian.tsv (column r_R: windows of "
                "R steps)\nq");
        for (size_t i = 0; i < o->nr; i++) fprintf(qf.f, "\tr_%zu", o->r[i]);
        for (size_t k = 0; k < NQ; k++) {
            fprintf(qf.f, "\n%.2f", (double)k / (NQ - 1));
            for (size_t i = 0; i < o->nr; i++) fprintf(qf.f, "\t%.17g", q[k * o->nr + i]);
        }
        fputc('\n', qf.f);
        rc = close_tsv(&qf, path);
    }
    free(q);
    return rc;
}

/* Geometric decay rate of the gradient: exp of the least-squares slope of log mean_relative on
 * j, over the lags that at least half of the sequences reach (so the population is similar). */
static int write_gradient(srm_analyze *a, const srm_analyze_options *o, const char *dir,
                          srm_report *rep, double *rate, double *intercept)
{
    char path[4200];
    srm_atomic f;
    SRM_TRY(open_tsv(&f, dir, "gradient.tsv", path, sizeof path));
    fprintf(f.f, "# ||d loss_T / d x_{T-j}||_2 from the loss at the last step T of each sequence "
            "(language models: of each window), x the input vector; mean_relative = mean of "
            "the ratio to the same sequence's j = 0 norm\n"
            "j\tmean_norm\tmax_norm\tmean_relative\tcount\n");
    srm_analyze_lag l0, l;
    srm_analyze_gradient(a, 0, &l0);
    double sj = 0, sy = 0, sjj = 0, sjy = 0;
    size_t nfit = 0, jmax = 0;
    for (size_t j = 0; j <= o->max_lag; j++) {
        srm_analyze_gradient(a, j, &l);
        if (l.count == 0) break;
        fprintf(f.f, "%zu\t%.17g\t%.17g\t%.17g\t%zu\n", j, l.mean, l.max, l.mean_relative, l.count);
        jmax = j;
        if (2 * l.count >= l0.count && l.mean_relative > 0) {
            double y = log(l.mean_relative);
            sj += (double)j, sy += y, sjj += (double)(j * j), sjy += (double)j * y, nfit++;
        }
    }
    double den = (double)nfit * sjj - sj * sj;
    double slope = ((double)nfit * sjy - sj * sy) / den;
    *rate = nfit >= 2 && den > 0 ? exp(slope) : NAN;
    *intercept = nfit >= 2 && den > 0 ? exp((sy - slope * sj) / (double)nfit) : NAN;
    SRM_TRY(srm_report_number(rep, "gradient_norm_j0", "gradient mean norm at j = 0", l0.mean));
    SRM_TRY(srm_report_integer(rep, "gradient_max_lag", "gradient largest lag", (long long)jmax));
    SRM_TRY(srm_report_number(rep, "gradient_rate", "gradient decay per step (fit)", *rate));
    return close_tsv(&f, path);
}

static int write_trunc(const srm_model *m, srm_task task, const char *data_dir, size_t max_eval,
                       size_t eval_batch, size_t bptt, const long *ks, size_t nk, const char *dir,
                       srm_report *rep, double *full_metric)
{
    int lm = task == SRM_TASK_WIKITEXT2 || task == SRM_TASK_PTBCHAR;
    srm_task_data *d;
    SRM_TRY(srm_task_data_load(task, data_dir, 1, 1, max_eval, &d));
    srm_eval_result e[MAX_K];
    int rc = SRM_OK;
    double metric[MAX_K], kk[MAX_K];
    for (size_t i = 0; rc == SRM_OK && i < nk; i++)
        rc = srm_train_evaluate(m, d, SRM_SPLIT_TEST, (size_t)ks[i], eval_batch, bptt,
                                SRM_NET_FLOAT64, &e[i]);
    srm_task_data_free(d);
    if (rc != SRM_OK) return rc;
    char path[4200];
    srm_atomic f;
    SRM_TRY(open_tsv(&f, dir, "trunc.tsv", path, sizeof path));
    fprintf(f.f, "# the k-step truncated model on the test split (srm eval --trunc k; %s): every "
            "prediction sees only the last k inputs; full = 1 is the untruncated model ('all', "
            "written with k = 0)\n# metric %s (%s is better)\nk\tmetric\tloss\tcount\tfull\n",
            lm ? "language models: the first tokens in eval-batch columns" : "every sequence",
            srm_train_metric_name(task),
            srm_train_metric_higher_is_better(task) ? "higher" : "lower");
    *full_metric = NAN;
    for (size_t i = 0; i < nk; i++) {
        fprintf(f.f, "%ld\t%.17g\t%.17g\t%zu\t%d\n", ks[i], e[i].metric, e[i].loss, e[i].count,
                ks[i] == 0);
        if (ks[i] == 0) *full_metric = e[i].metric;
        metric[i] = e[i].metric, kk[i] = (double)ks[i];
    }
    SRM_TRY(srm_report_string(rep, "metric_name", "metric", srm_train_metric_name(task)));
    SRM_TRY(srm_report_array(rep, "trunc_k", "trunc k (0: all)", kk, nk));
    SRM_TRY(srm_report_array(rep, "trunc_metric", "trunc metric", metric, nk));
    return close_tsv(&f, path);
}

int srm_cmd_analyze(int argc, char **argv)
{
    const char *task_text = NULL, *out = "analyze-out", *data_dir = NULL, *r_text = "1,5,20";
    const char *k_text = "1,2,4,8,16,32,all";
    unsigned long max_tokens = 0, window = 100, max_lag = 50, max_eval = 0, eval_batch = 0;
    unsigned long bptt = 0, seed = 1;
    int json = 0, no_plots = 0;
    const srm_arg args[] = {
        {"task", SRM_ARG_STRING, &task_text, "T", "wikitext2, ptbchar, jsb or atis (required)",
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
    const srm_args_spec spec = {
        "srm analyze MODEL --task T [--out DIR] [--max-tokens N] [--json]",
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
        "perplexities). Paper-size LSTMs (S = 2048) take seconds per step: set --max-tokens.",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    if (!task_text) return SRM_ERROR(SRM_EINVAL, "--task is required");
    srm_task task;
    SRM_TRY(srm_data_task_parse(task_text, &task));
    srm_analyze_options o = {.max_tokens = max_tokens, .window = window, .max_lag = max_lag,
                             .seed = seed};
    long rl[SRM_ANALYZE_MAX_R], ks[MAX_K];
    size_t nk = 0;
    SRM_TRY(srm_args_parse_long_list("r", r_text, rl, SRM_ANALYZE_MAX_R, &o.nr));
    for (size_t i = 0; i < o.nr; i++) o.r[i] = (size_t)rl[i];
    SRM_TRY(parse_ks(k_text, ks, &nk));
    if (window == 0) return SRM_ERROR(SRM_EINVAL, "--window must be >= 1");
    srm_meta_set_seed(seed);

    /* the task and evaluation settings recorded by srm train, as srm eval reads them */
    size_t batch = eval_batch, lm_window = bptt;
    SRM_TRY(srm_train_model_eval_settings(pos[0], task, &batch, &lm_window));
    int lm = task == SRM_TASK_WIKITEXT2 || task == SRM_TASK_PTBCHAR;
    if (!max_eval && lm) max_eval = 10000;

    srm_model *m;
    SRM_TRY(srm_model_load(pos[0], &m));
    size_t S = srm_model_state_size(m);
    if (!o.max_tokens) o.max_tokens = auto_tokens(S, o.nr);
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        srm_model_free(m);
        return SRM_ERROR(SRM_EIO, "%s: cannot create the output folder: %s", out, strerror(errno));
    }
    srm_report *rep = srm_report_alloc();
    srm_analyze *a = NULL;
    size_t nseq = 0;
    double grad_rate = NAN, grad_c = NAN, full = NAN;
    char legends[2048], vars[4096], plots[4096];
    rc = rep ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK) rc = srm_analyze_task(m, task, data_dir, &o, &a, &nseq);
    if (rc == SRM_OK) rc = srm_report_string(rep, "task", NULL, srm_data_task_name(task));
    if (rc == SRM_OK) rc = srm_report_string(rep, "cell", NULL, srm_cell_name(m->cell));
    if (rc == SRM_OK)
        rc = srm_report_string(rep, "state", NULL, m->cell == SRM_CELL_LSTM ? "(c, h)" : "h");
    if (rc == SRM_OK) rc = srm_report_integer(rep, "state_size", "state size", (long long)S);
    if (rc == SRM_OK)
        rc = srm_report_integer(rep, "sequences", lm ? "windows" : "sequences", (long long)nseq);
    if (rc == SRM_OK)
        rc = srm_report_integer(rep, "steps", NULL, (long long)srm_analyze_steps(a));
    if (rc == SRM_OK) rc = write_jacobian(a, &o, out, rep, legends, sizeof legends);
    if (rc == SRM_OK) rc = write_gradient(a, &o, out, rep, &grad_rate, &grad_c);
    if (rc == SRM_OK)
        rc = write_trunc(m, task, data_dir, max_eval, batch, lm_window, ks, nk, out, rep, &full);
    const char *figures = "skipped (--no-plots)";
    if (rc == SRM_OK && !no_plots) {
        int found = find_plots(plots, sizeof plots), prc = SRM_OK;
        char title[512];
        snprintf(title, sizeof title, "%s, %s (%s)", srm_data_task_name(task),
                 srm_cell_name(m->cell), pos[0]);
        const char *names[] = {"fig-analyze-jacobian", "fig-analyze-gradient",
                               "fig-analyze-trunc"};
        for (int i = 0; found && prc == SRM_OK && i < 3; i++) {
            vars[0] = '\0';
            gp_string(vars, sizeof vars, "title", title);
            if (i == 0) {
                char d[4200];
                snprintf(d, sizeof d, "%s/jacobian-quantiles.tsv", out);
                gp_string(vars, sizeof vars, "data", d);
                size_t len = strlen(vars);
                snprintf(vars + len, sizeof vars - len, "nr=%zu; %s", o.nr, legends);
            } else {
                char d[4200];
                snprintf(d, sizeof d, "%s/%s", out, i == 1 ? "gradient.tsv" : "trunc.tsv");
                gp_string(vars, sizeof vars, "data", d);
                size_t len = strlen(vars);
                if (i == 1)
                    snprintf(vars + len, sizeof vars - len, "rate=%.17g; c=%.17g; ", grad_rate,
                             grad_c);
                else
                    snprintf(vars + len, sizeof vars - len, "full=%.17g; higher=%d; ", full,
                             srm_train_metric_higher_is_better(task));
                gp_string(vars, sizeof vars, "metric", srm_train_metric_name(task));
            }
            prc = plot(plots, out, names[i], vars);
        }
        if (!found) figures = "skipped (plots/fig-analyze-*.gp not found; set SRM_HOME)";
        else if (prc == 1) figures = "skipped (gnuplot not installed: make deps)";
        else if (prc != SRM_OK) rc = prc;
        else figures = "fig-analyze-jacobian, fig-analyze-gradient, fig-analyze-trunc (.png, .svg)";
    }
    if (rc == SRM_OK) rc = srm_report_string(rep, "figures", NULL, figures);
    if (rc == SRM_OK) rc = srm_report_string(rep, "out", NULL, out);
    if (rc == SRM_OK) rc = srm_report_print(rep, stdout, json);
    srm_report_free(rep);
    srm_analyze_free(a);
    srm_model_free(m);
    return rc;
}
