/* cli/cmd_report.c: `srm report DIR`, the demo's report.html (issue 3).
 *
 * Reads the TSV/JSON files scripts/demo.sh wrote into DIR (by column name, core/tsv.h), computes
 * for every result of THEORY.md sections 2-3 the worst case measured against its bound, and
 * writes (cli/report_html.c) one self-contained HTML page: a header (version, date, command,
 * the `srm stability` table), a summary, and one section per result with its statement, bound,
 * worst case, ratio (how tight the bound is), PASS/FAIL and figure (SVG inlined as a data URI).
 * A missing input makes its section "NOT MEASURED"; nothing is invented. */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/report_html.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/report.h"
#include "core/tsv.h"
#include "sim/fit.h"
#include "core/model.h"
#include "sim/truncate.h"

/* Gaps below STEP_FLOOR times the largest gap are not used in step ratios: the rounding error of
 * a difference of two states (~1e-16 ||s||) is then at most ~1e-8 relative, far below TOL. */
#define STEP_FLOOR 1e-8
#define FIT_FLOOR 1e-8
/* Relative slack for "measured <= bound": rounding in the measured gaps, not modelling error. */
#define TOL 1e-6

void srm_cli_report_path_in(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f) fclose(f);
    return f != NULL;
}

/* A TSV of DIR, or *out = NULL when the file does not exist (malformed files are errors). */
static int tsv_optional(const report_ctx *c, const char *name, srm_tsv **out)
{
    char p[4096];
    srm_cli_report_path_in(p, sizeof p, c->dir, name);
    *out = NULL;
    return file_exists(p) ? srm_tsv_read(p, out) : SRM_OK;
}

json_t *srm_cli_report_json_optional(const report_ctx *c, const char *name)
{
    char p[4096];
    srm_cli_report_path_in(p, sizeof p, c->dir, name);
    return json_load_file(p, 0, NULL);
}

/* A number of a JSON object; NaN for a missing key or null (srm prints non-finite as null). */
double srm_cli_report_json_num(const json_t *j, const char *key)
{
    const json_t *v = j ? json_object_get(j, key) : NULL;
    return v && json_is_number(v) ? json_number_value(v) : NAN;
}

/* Column `name` of t into a fresh array (NULL with an error if absent). */
static double *column(const srm_tsv *t, const char *name, const char *file)
{
    long j = srm_tsv_column(t, name);
    if (j < 0) {
        SRM_ERROR(SRM_EINVAL, "%s: no column '%s'", file, name);
        return NULL;
    }
    double *v = malloc((t->rows ? t->rows : 1) * sizeof *v);
    if (!v) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < t->rows; i++) v[i] = srm_tsv_get(t, i, (size_t)j);
    return v;
}

static void appendf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

static void not_measured(section *s, const char *why)
{
    s->verdict = NOT_MEASURED;
    s->ratio = NAN;
    snprintf(s->worst, sizeof s->worst, "not measured: %s", why);
}

/* The verdict of "measured <= bound" from the worst ratio. */
static void judge_le(section *s, double ratio)
{
    s->ratio = ratio;
    s->verdict = isfinite(ratio) && ratio <= 1.0 + TOL ? PASS : FAIL;
}

/* lambda of a stability JSON: lambda (RNN-type) or lambda_inf (LSTM). */
double srm_cli_report_stability_lambda(const json_t *j)
{
    double l = srm_cli_report_json_num(j, "lambda");
    return isnan(l) ? srm_cli_report_json_num(j, "lambda_inf") : l;
}

/* ---- the stability definition: one-step ratios gap(k+1)/gap(k) against lambda ---- */
static const char *const MAIN_MODELS[] = {"rnn-0.5", "rnn-0.9", "rnn-0.99", "lstm-stable"};

/* Worst step ratio / lambda of one gap file with its stability JSON; *seen = 0 if absent. */
static int step_ratio_of(const report_ctx *c, const char *gap, const char *json, double *worst,
                         char *where, size_t cap, int *seen)
{
    srm_tsv *t = NULL;
    json_t *j = srm_cli_report_json_optional(c, json);
    int rc = tsv_optional(c, gap, &t);
    *seen = 0;
    /* The definition speaks of stable models only (lambda < 1). */
    if (rc == SRM_OK && t && j && srm_cli_report_stability_lambda(j) < 1) {
        double lambda = srm_cli_report_stability_lambda(j), ratio;
        double *k = column(t, "k", gap), *g = column(t, "max_state_gap", gap);
        if (!k || !g) rc = srm_error_code();
        else if (srm_fit_max_step_ratio(k, g, t->rows, STEP_FLOOR, &ratio, NULL) == SRM_OK) {
            *seen = 1;
            if (ratio / lambda > *worst) {
                *worst = ratio / lambda;
                snprintf(where, cap, "%s: max gap(k+1)/gap(k) = %.6g, lambda = %.6g", gap,
                         ratio, lambda);
            }
        }
        free(k);
        free(g);
    }
    srm_tsv_free(t);
    json_decref(j);
    return rc;
}

static int section_definition(const report_ctx *c, section *s)
{
    double worst = -INFINITY;
    char where[512] = "", gap[512], js[512];
    int rc = SRM_OK, seen, files = 0;
    for (size_t i = 0; i < 4 && rc == SRM_OK; i++) {
        snprintf(gap, sizeof gap, "gap-%s.tsv", MAIN_MODELS[i]);
        snprintf(js, sizeof js, "stability/%s.json", MAIN_MODELS[i]);
        rc = step_ratio_of(c, gap, js, &worst, where, sizeof where, &seen);
        files += seen;
    }
    char dpath[4096];
    srm_cli_report_path_in(dpath, sizeof dpath, c->dir, "sweep");
    struct dirent **names = NULL;
    int n = scandir(dpath, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        if (rc == SRM_OK && len > 4 && strcmp(names[i]->d_name + len - 4, ".tsv") == 0) {
            snprintf(gap, sizeof gap, "sweep/%s", names[i]->d_name);
            snprintf(js, sizeof js, "sweep/%.*s.json", (int)(len - 4), names[i]->d_name);
            rc = step_ratio_of(c, gap, js, &worst, where, sizeof where, &seen);
            files += seen;
        }
        free(names[i]);
    }
    free(names);
    if (rc != SRM_OK) return rc;
    if (!files) {
        not_measured(s, "no gap-*.tsv with stability/*.json (run scripts/demo.sh)");
        return SRM_OK;
    }
    snprintf(s->worst, sizeof s->worst,
             "worst over %d stable models (one-step ratio / lambda) = %.9g; at %s", files, worst,
             where);
    judge_le(s, worst);
    return SRM_OK;
}

/* ---- RNN condition: fitted rates (srm fit) against lambda = L_rho ||W||_2 ---- */
static int section_rnn_condition(const report_ctx *c, section *s)
{
    static const char *const files[] = {"rate-rnn.tsv", "rate-linear.tsv", "rate-scalar.tsv"};
    double worst = -INFINITY;
    size_t points = 0;
    int rc = SRM_OK;
    char where[512] = "";
    for (size_t f = 0; f < 3 && rc == SRM_OK; f++) {
        srm_tsv *t = NULL;
        rc = tsv_optional(c, files[f], &t);
        if (rc != SRM_OK || !t) continue;
        double *l = column(t, "lambda", files[f]), *r = column(t, "rate", files[f]);
        if (!l || !r) rc = srm_error_code();
        for (size_t i = 0; rc == SRM_OK && i < t->rows; i++, points++) {
            if (!(r[i] / l[i] <= worst)) { /* NaN counts as worst: it must not pass silently */
                worst = isnan(r[i] / l[i]) ? INFINITY : r[i] / l[i];
                snprintf(where, sizeof where, "%s row %zu: rate %.6g at lambda %.6g", files[f],
                         i + 1, r[i], l[i]);
            }
        }
        free(l);
        free(r);
        srm_tsv_free(t);
    }
    if (rc != SRM_OK) return rc;
    if (!points) {
        not_measured(s, "no rate-*.tsv (srm fit) in the folder");
        return SRM_OK;
    }
    snprintf(s->worst, sizeof s->worst, "max fitted rate / lambda over %zu models = %.9g (%s)",
             points, worst, where);
    judge_le(s, worst);
    return SRM_OK;
}

/* Max over k of a / (scale_b * b) for two columns of a gap file. A computed gap is a difference
 * of two computed states, so it cannot fall below rounding noise (~1e-16 ||s||) while the bound
 * lambda^k H keeps shrinking: rows whose bound is below ABS_SLACK times the largest gap (about
 * ||s||) only check gap <= bound + ABS_SLACK * max gap and are left out of the ratio. */
#define ABS_SLACK 1e-12
static int max_ratio(const srm_tsv *t, const char *file, const char *a, const char *b,
                     double scale_b, double *worst, double *at_k)
{
    double *va = column(t, a, file), *vb = column(t, b, file), *k = column(t, "k", file);
    int rc = va && vb && k ? SRM_OK : srm_error_code();
    double slack = 0;
    for (size_t i = 0; rc == SRM_OK && i < t->rows; i++)
        if (isfinite(va[i])) slack = fmax(slack, ABS_SLACK * va[i]);
    *worst = -INFINITY;
    for (size_t i = 0; rc == SRM_OK && i < t->rows; i++) {
        double den = scale_b * vb[i];
        double r = den > slack ? va[i] / den : (va[i] <= den + slack ? -INFINITY : INFINITY);
        if (!(r <= *worst)) {
            *worst = isnan(r) ? INFINITY : r;
            *at_k = k[i];
        }
    }
    free(va);
    free(vb);
    free(k);
    return rc;
}

/* L_f of a model (the output Lipschitz constant in the gap norm), from its weights. */
static int output_lipschitz(const report_ctx *c, const char *name, double *lf)
{
    char p[4096], rel[512];
    snprintf(rel, sizeof rel, "models/%s.safetensors", name);
    srm_cli_report_path_in(p, sizeof p, c->dir, rel);
    srm_model *m = NULL;
    SRM_TRY(srm_model_load(p, &m));
    srm_truncation_constants tc;
    int rc = srm_truncate_constants(m, c->input_bound, &tc);
    *lf = tc.output_lipschitz;
    srm_model_free(m);
    return rc;
}

/* ---- inference proposition (and the LSTM's certified version) ---- */
static int gaps_vs_bounds(const report_ctx *c, section *s, const char *const *models, size_t n)
{
    double worst = -INFINITY;
    int files = 0, rc = SRM_OK;
    s->worst[0] = '\0';
    for (size_t i = 0; i < n && rc == SRM_OK; i++) {
        char name[512];
        snprintf(name, sizeof name, "gap-%s.tsv", models[i]);
        srm_tsv *t = NULL;
        rc = tsv_optional(c, name, &t);
        if (rc != SRM_OK || !t) continue;
        double lf = NAN, r_traj, r_bound, r_out, k1, k2, k3;
        rc = output_lipschitz(c, models[i], &lf);
        if (rc == SRM_OK) rc = max_ratio(t, name, "max_state_gap", "bound_traj", 1, &r_traj, &k1);
        if (rc == SRM_OK) rc = max_ratio(t, name, "max_state_gap", "bound", 1, &r_bound, &k2);
        if (rc == SRM_OK)
            rc = max_ratio(t, name, "max_output_gap", "bound_traj", lf, &r_out, &k3);
        if (rc == SRM_OK) {
            files++;
            appendf(s->worst, sizeof s->worst,
                    "%s: state gap / bound_traj %.3g (k = %g), state gap / bound %.3g (k = %g), "
                    "output gap / (L_f bound_traj) %.3g (k = %g, L_f = %.4g). ",
                    models[i], r_traj, k1, r_bound, k2, r_out, k3, lf);
            double w = fmax(r_traj, fmax(r_bound, r_out));
            if (!(w <= worst)) worst = isnan(w) ? INFINITY : w;
        }
        srm_tsv_free(t);
    }
    if (rc != SRM_OK) return rc;
    if (!files) {
        not_measured(s, "no gap file of the models (srm truncate)");
        return SRM_OK;
    }
    judge_le(s, worst);
    return SRM_OK;
}

static int section_inference(const report_ctx *c, section *s)
{
    return gaps_vs_bounds(c, s, MAIN_MODELS, 3);
}

static int section_lstm(const report_ctx *c, section *s)
{
    json_t *j = srm_cli_report_json_optional(c, "stability/lstm-stable.json");
    if (!j) {
        not_measured(s, "no stability/lstm-stable.json");
        return SRM_OK;
    }
    const json_t *st = json_object_get(j, "stable");
    int stable = st && json_is_true(st);
    char head[512];
    snprintf(head, sizeof head,
             "srm stability: a = %.4g, ||W_i|| %.4g, ||W_f|| %.4g, ||W_z|| %.4g, ||W_o|| %.4g, "
             "lambda_inf = %.6g, r = %.0f, stable: %s. ",
             srm_cli_report_json_num(j, "a"), srm_cli_report_json_num(j, "norm_inf_i"),
             srm_cli_report_json_num(j, "norm_inf_f"), srm_cli_report_json_num(j, "norm_inf_z"),
             srm_cli_report_json_num(j, "norm_inf_o"), srm_cli_report_json_num(j, "lambda_inf"),
             srm_cli_report_json_num(j, "r"), stable ? "yes" : "NO");
    json_decref(j);
    SRM_TRY(gaps_vs_bounds(c, s, MAIN_MODELS + 3, 1));
    char rest[sizeof s->worst];
    snprintf(rest, sizeof rest, "%s", s->worst);
    s->worst[0] = '\0';
    appendf(s->worst, sizeof s->worst, "%s%s", head, rest); /* truncates if ever too long */
    if (!stable && s->verdict == PASS) s->verdict = FAIL; /* the conditions must hold */
    return SRM_OK;
}

/* ---- data-dependent stability and necessity: the nominally unstable models ---- */
static int gap_columns(const report_ctx *c, const char *name, srm_tsv **t, double **k,
                       double **g)
{
    *k = *g = NULL;
    SRM_TRY(tsv_optional(c, name, t));
    if (!*t) return SRM_OK;
    *k = column(*t, "k", name);
    *g = column(*t, "max_state_gap", name);
    return *k && *g ? SRM_OK : srm_error_code();
}

static int section_data_dependent(const report_ctx *c, section *s)
{
    srm_tsv *t = NULL;
    double *k, *g;
    json_t *j = srm_cli_report_json_optional(c, "stability/rnn-unstable-2.json");
    int rc = gap_columns(c, "gap-rnn-unstable-2.tsv", &t, &k, &g);
    if (rc == SRM_OK && (!t || !j)) not_measured(s, "no gap-rnn-unstable-2.tsv or its JSON");
    srm_fit_result fit;
    double step;
    if (rc == SRM_OK && t && j) {
        double lambda = srm_cli_report_json_num(j, "lambda");
        if (srm_fit_decay(k, g, t->rows, FIT_FLOOR, &fit) != SRM_OK ||
            srm_fit_max_step_ratio(k, g, t->rows, STEP_FLOOR, &step, NULL) != SRM_OK) {
            snprintf(s->worst, sizeof s->worst, "the gap does not decay measurably: %s",
                     srm_error_message());
            s->ratio = NAN;
            s->verdict = FAIL;
        } else {
            snprintf(s->worst, sizeof s->worst,
                     "weights: lambda = ||W_hh||_2 = %.4g (not certified). On data: fitted rate "
                     "%.6g (95%% interval %.6g..%.6g, k = %g..%g), worst one-step ratio %.6g.",
                     lambda, fit.rate, fit.rate_lo, fit.rate_hi, fit.k_first, fit.k_last, step);
            s->ratio = fit.rate;
            s->verdict = lambda >= 1 && fit.rate_hi < 1 ? PASS : FAIL;
        }
    }
    free(k);
    free(g);
    srm_tsv_free(t);
    json_decref(j);
    return rc;
}

static int section_necessity(const report_ctx *c, section *s)
{
    srm_tsv *t = NULL;
    double *k, *g;
    json_t *j = srm_cli_report_json_optional(c, "stability/scalar-1.json");
    int rc = gap_columns(c, "gap-scalar-1.tsv", &t, &k, &g);
    if (rc == SRM_OK && (!t || !j || t->rows < 2))
        not_measured(s, "no gap-scalar-1.tsv (two rows or more) or its JSON");
    else if (rc == SRM_OK) {
        size_t last = t->rows - 1;
        double ratio = g[last] / g[0];
        snprintf(s->worst, sizeof s->worst,
                 "|a| = %.4g: gap(k = %g) = %.6g, gap(k = %g) = %.6g; gap(K)/gap(1) = %.6g "
                 "(PASS if >= 0.5: no decay)",
                 srm_cli_report_json_num(j, "lambda"), k[0], g[0], k[last], g[last], ratio);
        s->ratio = ratio;
        s->verdict = srm_cli_report_json_num(j, "lambda") >= 1 && ratio >= 0.5 ? PASS : FAIL;
    }
    free(k);
    free(g);
    srm_tsv_free(t);
    json_decref(j);
    return rc;
}

/* ---- gradient gap and smoothness: estimated constants against the analytic ones ---- */
static void constant_vs_analytic(const report_ctx *c, section *s, const char *key)
{
    static const char *const runs[] = {"traj-inv.json", "traj-const.json"};
    char key_analytic[64];
    snprintf(key_analytic, sizeof key_analytic, "%s_analytic", key);
    double worst = -INFINITY;
    int seen = 0;
    s->worst[0] = '\0';
    for (size_t i = 0; i < 2; i++) {
        json_t *j = srm_cli_report_json_optional(c, runs[i]);
        double est = srm_cli_report_json_num(j, key), ana = srm_cli_report_json_num(j, key_analytic);
        if (j && isfinite(est) && isfinite(ana) && ana > 0) {
            seen++;
            appendf(s->worst, sizeof s->worst, "%s: observed max %.6g, analytic %.6g. ", runs[i],
                    est, ana);
            if (est / ana > worst) worst = est / ana;
        }
        json_decref(j);
    }
    if (!seen) not_measured(s, "no traj-*.json with finite estimated and analytic constants");
    else judge_le(s, worst);
}

static int section_gradient_gap(const report_ctx *c, section *s)
{
    constant_vs_analytic(c, s, "gamma");
    return SRM_OK;
}

static int section_smoothness(const report_ctx *c, section *s)
{
    constant_vs_analytic(c, s, "beta");
    return SRM_OK;
}

/* ---- training theorem: distance against the bound, every recorded step ---- */
static int section_training(const report_ctx *c, section *s)
{
    static const char *const runs[] = {"traj-inv.tsv", "traj-const.tsv"};
    double worst = -INFINITY;
    int seen = 0, rc = SRM_OK;
    s->worst[0] = '\0';
    for (size_t i = 0; i < 2 && rc == SRM_OK; i++) {
        srm_tsv *t = NULL;
        rc = tsv_optional(c, runs[i], &t);
        if (rc != SRM_OK || !t) continue;
        double *step = column(t, "step", runs[i]), *dist = column(t, "dist", runs[i]);
        double *b = column(t, "bound", runs[i]), *ba = NULL;
        if (srm_tsv_column(t, "bound_analytic") >= 0) /* optional: tanh RNN only */
            ba = column(t, "bound_analytic", runs[i]);
        if (!step || !dist || !b) rc = srm_error_code();
        double w = -INFINITY, wa = -INFINITY, at_step = 0;
        size_t finite_analytic = 0;
        for (size_t r = 0; rc == SRM_OK && r < t->rows; r++) {
            if (step[r] < 1) continue; /* step 0: both students are the same weights */
            double q = dist[r] == 0 ? 0 : dist[r] / b[r];
            if (!(q <= w)) {
                w = isnan(q) ? INFINITY : q;
                at_step = step[r];
            }
            if (ba && isfinite(ba[r]) && ba[r] > 0) {
                finite_analytic++;
                wa = fmax(wa, dist[r] / ba[r]);
            }
        }
        if (rc == SRM_OK) {
            seen++;
            appendf(s->worst, sizeof s->worst,
                    "%s: max dist / bound = %.4g (step %g; constants estimated along the run)",
                    runs[i], w, at_step);
            if (finite_analytic)
                appendf(s->worst, sizeof s->worst,
                        "; max dist / analytic bound = %.3g over its %zu finite rows. ", wa,
                        finite_analytic);
            else appendf(s->worst, sizeof s->worst, "; analytic bound infinite (overflow). ");
            if (!(w <= worst)) worst = isnan(w) ? INFINITY : w;
            if (wa > worst) worst = wa;
        }
        free(step);
        free(dist);
        free(b);
        free(ba);
        srm_tsv_free(t);
    }
    if (rc != SRM_OK) return rc;
    if (!seen) not_measured(s, "no traj-*.tsv (srm trajectory)");
    else judge_le(s, worst);
    return SRM_OK;
}

/* ---- the sections, in the order of THEORY.md ---- */
typedef int (*section_fn)(const report_ctx *, section *);

static const struct {
    section_fn fn;
    section text;
} SECTIONS[] = {
    {section_definition,
     {"stability", "Stability (definition, THEORY.md §2)",
      "φ_w is λ-stable if λ < 1 and ‖φ_w(h, x) − φ_w(h′, x)‖ ≤ λ ‖h − h′‖ for all states and "
      "inputs. Along a trajectory this gives gap(k+1) ≤ λ gap(k): the (k+1)-step truncation at "
      "time t is one step of φ_w from the k-step truncation at time t − 1, with the same input.",
      "max over k of gap(k+1) / gap(k) ≤ λ  (gap(k) = max_t ‖s_t − s^k_t‖; LSTM: infinity norm, "
      "λ = λ_inf)",
      "The one-step ratio of the measured truncation gaps of every stable built-in model and of "
      "the decay-rate sweep (rows above 1e-8 of the largest gap), divided by the model's λ.",
      "fig-stability", NULL, "", 0, 0}},
    {section_rnn_condition,
     {"rnn-condition", "RNN condition (THEORY.md §2)",
      "If ρ is L_ρ-Lipschitz, the RNN h_t = ρ(W h_{t−1} + U x_t + b) is stable with "
      "λ = L_ρ ‖W‖₂ whenever that is < 1 (tanh, ReLU, identity: L_ρ = 1).",
      "fitted decay rate of the truncation gap ≤ λ = L_ρ ‖W‖₂",
      "For tanh and linear RNNs with ‖W‖₂ = λ swept over (0, 1): the rate exp(slope) of a GSL "
      "least-squares line through (k, log gap) (srm fit). A random W has spectral radius well "
      "below ‖W‖₂, so only the scalar system (n = 1, |w| = λ) can meet the bound with equality.",
      "fig-rate", NULL, "", 0, 0}},
    {section_lstm,
     {"lstm-conditions", "LSTM conditions (THEORY.md §2)",
      "With a = 1 − f_max, if ‖W_i‖_∞ < a, ‖W_o‖_∞ < a, ‖W_z‖_∞ ≤ a/4 and ‖W_f‖_∞ < a², one LSTM "
      "step contracts in the infinity norm on (c, h) with λ_inf < 1, and r steps contract in "
      "the Euclidean norm once √(2n) λ_inf^r < 1.",
      "‖s_t − s^k_t‖_∞ ≤ λ_inf^k ‖s_{t−k}‖_∞ (bound_traj) ≤ λ_inf^k / a (bound); outputs: "
      "L_f times bound_traj",
      "srm stability of the projected LSTM (lstm-stable) and its truncation gaps in the infinity "
      "norm against the certified bounds.",
      "fig-gap", NULL, "", 0, 0}},
    {section_data_dependent,
     {"data-dependent", "Data-dependent stability (THEORY.md §2)",
      "A model whose weights violate the sufficient conditions can still contract on the states "
      "and inputs that actually occur.",
      "measured contraction on data < 1 although λ(weights) ≥ 1",
      "A tanh RNN with ‖W‖₂ = 2: the fitted decay rate of its truncation gap on random inputs "
      "(upper end of its 95% interval must be < 1).",
      "fig-unstable", NULL, "", 0, 0}},
    {section_inference,
     {"inference", "Inference (Proposition, THEORY.md §3)",
      "If φ_w is λ-stable and L_x-Lipschitz in x, ‖x_t‖ ≤ B_x and f is L_f-Lipschitz, then "
      "‖h_t − h^k_t‖ ≤ λ^k ‖h_{t−k}‖ ≤ λ^k (‖φ_w(0,0)‖ + L_x B_x)/(1 − λ), and ‖y_t − y^k_t‖ ≤ ε "
      "once k ≥ log(L_f L_x B_x / ((1 − λ) ε)) / log(1/λ).",
      "state gap ≤ bound_traj = λ^k max_t ‖h_{t−k}‖ ≤ bound = λ^k H; output gap ≤ L_f bound_traj",
      "For tanh RNNs with λ = 0.5, 0.9, 0.99 on random inputs with ‖x_t‖ ≤ 1: the largest ratio "
      "over k of each gap to its bound (srm truncate). The first figure shows the k that the "
      "bound requires for ε = 1e-2, 1e-4, 1e-8.",
      "fig-gap", "fig-bound-k", "", 0, 0}},
    {section_gradient_gap,
     {"gradient-gap", "Gradient gap (Lemma, THEORY.md §3)",
      "For the loss p at time T: ‖∇_w p_T(w) − ∇_w p^k_T(w)‖ ≤ γ k λ^k, with γ polynomial in "
      "1/(1 − λ).",
      "observed max ‖∇p − ∇p^k‖ / (k λ^k) ≤ γ (analytic, proofs-notes/gradient-gap.md)",
      "srm trajectory records ‖∇p(w) − ∇p^k(w)‖ / (k λ^k) at the recurrent and at every "
      "truncated iterate, every step, both schedules (tanh RNN, λ = 0.5); the largest is "
      "compared with the analytic γ.",
      "fig-constants", NULL, "", 0, 0}},
    {section_smoothness,
     {"smoothness", "Smoothness (Lemma, THEORY.md §3)",
      "p_T and p^k_T are β-smooth in w with β independent of T.",
      "observed max ‖∇p(w) − ∇p(w′)‖ / ‖w − w′‖ ≤ β (analytic, proofs-notes/smoothness.md)",
      "srm trajectory records ‖∇p(w) − ∇p(w′)‖ / ‖w − w′‖ for successive recurrent iterates and "
      "for each truncated iterate against the recurrent one, every step, both schedules; the "
      "largest is compared with the analytic β.",
      "fig-constants", NULL, "", 0, 0}},
    {section_training,
     {"training", "Training (Theorem, THEORY.md §3)",
      "Projected gradient descent on the recurrent and the k-truncated objectives from the same "
      "weights with α_t = α/t gives δ_N ≤ γ k λ^k N^(αβ) (α + 1/β); with a constant step the "
      "recursion only gives growth like (1 + αβ)^N.",
      "‖w_recurr − w_trunc‖ after step t ≤ the theorem's bound at t (both schedules)",
      "Largest dist / bound over every step and every k of both schedules (tanh RNN, λ = 0.5), "
      "with γ, β estimated along the run (bound column) and with the analytic constants where "
      "that bound is finite.",
      "fig-trajectory", NULL, "", 0, 0}},
    {section_necessity,
     {"necessity", "Necessity (THEORY.md §3)",
      "Without stability truncation can fail for every k: h_t = a h_{t−1} + x_t with |a| ≥ 1 has "
      "h_t − h^k_t = a^k h_{t−k}, which does not vanish.",
      "gap(K) / gap(1) does not decay (≥ 0.5) for |a| = 1",
      "The scalar linear system with |a| = 1 (plus a bias) on random inputs: its truncation gap "
      "at the largest k against k = 1.",
      "fig-unstable", NULL, "", 0, 0}},
};
#define NSECTIONS (sizeof SECTIONS / sizeof SECTIONS[0])

int srm_cmd_report(int argc, char **argv)
{
    const char *out = NULL;
    double input_bound = 1.0;
    int json = 0;
    const srm_arg args[] = {
        {"out", SRM_ARG_STRING, &out, "FILE", "output HTML (default DIR/report.html)", NULL},
        {"input-bound", SRM_ARG_DOUBLE, &input_bound, "B",
         "input bound B_x the demo used (for the model constants that give L_f)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print the summary as one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm report DIR [--out DIR/report.html] [--json]",
        "Assembles the outputs of scripts/demo.sh in DIR into one self-contained report.html: "
        "for every result of THEORY.md sections 2-3 the statement, the bound, the worst case "
        "measured, their ratio, PASS/FAIL and the figure (SVG inlined). Prints the number of "
        "sections that PASS and FAIL; a missing input makes its section NOT MEASURED.",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    report_ctx c = {pos[0], input_bound};
    DIR *d = opendir(c.dir);
    if (!d) return SRM_ERROR(SRM_EIO, "%s: cannot open the folder", c.dir);
    closedir(d);
    char default_out[4096];
    srm_cli_report_path_in(default_out, sizeof default_out, c.dir, "report.html");
    if (!out) out = default_out;

    section s[NSECTIONS];
    int npass = 0, nfail = 0, nnm = 0;
    for (size_t i = 0; i < NSECTIONS; i++) {
        s[i] = SECTIONS[i].text;
        SRM_TRY(SECTIONS[i].fn(&c, &s[i]));
        npass += s[i].verdict == PASS;
        nfail += s[i].verdict == FAIL;
        nnm += s[i].verdict == NOT_MEASURED;
    }
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, out));
    srm_cli_report_html_write(a.f, &c, s, NSECTIONS, npass);
    SRM_TRY(srm_atomic_commit(&a));

    srm_report *r = srm_report_alloc();
    if (!r) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    rc = srm_report_string(r, "out", "report", out);
    for (size_t i = 0; rc == SRM_OK && i < NSECTIONS; i++) {
        char label[160];
        snprintf(label, sizeof label, "%s (worst/bound %.4g)", s[i].title, s[i].ratio);
        rc = srm_report_string(r, s[i].id, label, srm_cli_report_verdict_name(s[i].verdict));
    }
    if (rc == SRM_OK) rc = srm_report_integer(r, "sections", "sections", (long long)NSECTIONS);
    if (rc == SRM_OK) rc = srm_report_integer(r, "pass", "PASS", npass);
    if (rc == SRM_OK) rc = srm_report_integer(r, "fail", "FAIL", nfail);
    if (rc == SRM_OK) rc = srm_report_integer(r, "not_measured", "NOT MEASURED", nnm);
    if (rc == SRM_OK) rc = srm_report_print(r, stdout, json);
    srm_report_free(r);
    return rc;
}
