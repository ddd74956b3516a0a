/* sim/demo_report_check.c: the verdict of each section of the demo report (sim/demo_report.h):
 * the worst case measured in the demo's files against the bound its note proves.
 *   stability definition   one-step ratios gap(k+1)/gap(k) against lambda
 *   RNN condition          fitted rates (srm fit) against lambda = L_rho ||W||_2
 *   LSTM conditions        srm stability of the projected LSTM and its gaps in the max norm
 *   data-dependent         the ||W||_2 = 2 tanh RNN still decays on data
 *   inference              state and output gaps against bound_traj and bound (srm truncate)
 *   gradient gap, smooth.  estimated gamma and beta (srm trajectory) against the analytic ones
 *   training               weight distance against the theorem's bound, every step
 *   necessity              |a| = 1: the gap does not decay */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/model.h"
#include "core/tsv.h"
#include "sim/demo_report_internal.h"
#include "sim/fit.h"
#include "sim/truncate.h"

/* ---- the stability definition: one-step ratios gap(k+1)/gap(k) against lambda ---- */
static const char *const MAIN_MODELS[] = {"rnn-0.5", "rnn-0.9", "rnn-0.99", "lstm-stable"};

/* A gap file of `srm truncate` with the `srm stability` JSON of its model; t or j is NULL when
 * that file is absent, k and g (the columns k and max_state_gap) until gap_run_columns. */
typedef struct {
    srm_tsv *t;
    json_t *j;
    double *k, *g;
} gap_run;

static int gap_run_open(const srm_demo_report_dir *c, const char *gap, const char *json,
                        gap_run *r)
{
    *r = (gap_run){NULL, srm_demo_report_json(c, json), NULL, NULL};
    return srm_demo_report_tsv(c, gap, &r->t);
}

static int gap_run_columns(gap_run *r, const char *gap)
{
    if (!r->t) return SRM_OK;
    r->k = srm_demo_report_column(r->t, "k", gap);
    r->g = srm_demo_report_column(r->t, "max_state_gap", gap);
    return r->k && r->g ? SRM_OK : srm_error_code();
}

/* gap-NAME.tsv with its columns and stability/NAME.json, of one built-in model. */
static int gap_run_read(const srm_demo_report_dir *c, const char *name, gap_run *r)
{
    char gap[256], json[256];
    snprintf(gap, sizeof gap, "gap-%s.tsv", name);
    snprintf(json, sizeof json, "stability/%s.json", name);
    SRM_TRY(gap_run_open(c, gap, json, r));
    return gap_run_columns(r, gap);
}

static void gap_run_free(gap_run *r)
{
    free(r->k);
    free(r->g);
    srm_tsv_free(r->t);
    json_decref(r->j);
}

/* Worst step ratio / lambda of one gap file with its stability JSON; *seen = 0 if absent. */
static int step_ratio_of(const srm_demo_report_dir *c, const char *gap, const char *json,
                         double *worst, char *where, size_t cap, int *seen)
{
    gap_run in;
    int rc = gap_run_open(c, gap, json, &in);
    *seen = 0;
    /* The definition speaks of stable models only (lambda < 1). */
    if (rc == SRM_OK && in.t && in.j && srm_demo_report_stability_lambda(in.j) < 1) {
        double lambda = srm_demo_report_stability_lambda(in.j), ratio;
        rc = gap_run_columns(&in, gap);
        if (rc == SRM_OK &&
            srm_fit_max_step_ratio(in.k, in.g, in.t->rows, SRM_DEMO_STEP_FLOOR, &ratio, NULL) ==
                SRM_OK) {
            *seen = 1;
            if (ratio / lambda > *worst) {
                *worst = ratio / lambda;
                snprintf(where, cap, "%s: max gap(k+1)/gap(k) = %.6g, lambda = %.6g", gap,
                         ratio, lambda);
            }
        }
    }
    gap_run_free(&in);
    return rc;
}

int srm_demo_report_definition(const srm_demo_report_dir *c, srm_demo_report_section *s)
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
    srm_demo_report_path(dpath, sizeof dpath, c->dir, "sweep");
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
        srm_demo_report_not_measured(s, "no gap-*.tsv with stability/*.json (run scripts/demo.sh)");
        return SRM_OK;
    }
    snprintf(s->worst, sizeof s->worst,
             "worst over %d stable models (one-step ratio / lambda) = %.9g; at %s", files, worst,
             where);
    srm_demo_report_judge_le(s, worst);
    return SRM_OK;
}

/* ---- RNN condition: fitted rates (srm fit) against lambda = L_rho ||W||_2 ---- */
int srm_demo_report_rnn_condition(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    static const char *const files[] = {"rate-rnn.tsv", "rate-linear.tsv", "rate-scalar.tsv"};
    double worst = -INFINITY;
    size_t points = 0;
    int rc = SRM_OK;
    char where[512] = "";
    for (size_t f = 0; f < 3 && rc == SRM_OK; f++) {
        srm_tsv *t = NULL;
        rc = srm_demo_report_tsv(c, files[f], &t);
        if (rc != SRM_OK || !t) continue;
        double *l = srm_demo_report_column(t, "lambda", files[f]),
               *r = srm_demo_report_column(t, "rate", files[f]);
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
        srm_demo_report_not_measured(s, "no rate-*.tsv (srm fit) in the folder");
        return SRM_OK;
    }
    snprintf(s->worst, sizeof s->worst, "max fitted rate / lambda over %zu models = %.9g (%s)",
             points, worst, where);
    srm_demo_report_judge_le(s, worst);
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
    double *va = srm_demo_report_column(t, a, file), *vb = srm_demo_report_column(t, b, file),
           *k = srm_demo_report_column(t, "k", file);
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
static int output_lipschitz(const srm_demo_report_dir *c, const char *name, double *lf)
{
    char p[4096], rel[512];
    snprintf(rel, sizeof rel, "models/%s.safetensors", name);
    srm_demo_report_path(p, sizeof p, c->dir, rel);
    srm_model *m = NULL;
    SRM_TRY(srm_model_load(p, &m));
    srm_truncation_constants tc;
    int rc = srm_truncate_constants(m, c->input_bound, &tc);
    *lf = tc.output_lipschitz;
    srm_model_free(m);
    return rc;
}

/* ---- inference proposition (and the LSTM's certified version) ---- */
static int gaps_vs_bounds(const srm_demo_report_dir *c, srm_demo_report_section *s,
                          const char *const *models, size_t n)
{
    double worst = -INFINITY;
    int files = 0, rc = SRM_OK;
    s->worst[0] = '\0';
    for (size_t i = 0; i < n && rc == SRM_OK; i++) {
        char name[512];
        snprintf(name, sizeof name, "gap-%s.tsv", models[i]);
        srm_tsv *t = NULL;
        rc = srm_demo_report_tsv(c, name, &t);
        if (rc != SRM_OK || !t) continue;
        double lf = NAN, r_traj, r_bound, r_out, k1, k2, k3;
        rc = output_lipschitz(c, models[i], &lf);
        if (rc == SRM_OK) rc = max_ratio(t, name, "max_state_gap", "bound_traj", 1, &r_traj, &k1);
        if (rc == SRM_OK) rc = max_ratio(t, name, "max_state_gap", "bound", 1, &r_bound, &k2);
        if (rc == SRM_OK)
            rc = max_ratio(t, name, "max_output_gap", "bound_traj", lf, &r_out, &k3);
        if (rc == SRM_OK) {
            files++;
            srm_demo_report_appendf(s->worst, sizeof s->worst,
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
        srm_demo_report_not_measured(s, "no gap file of the models (srm truncate)");
        return SRM_OK;
    }
    srm_demo_report_judge_le(s, worst);
    return SRM_OK;
}

int srm_demo_report_inference(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    return gaps_vs_bounds(c, s, MAIN_MODELS, 3);
}

int srm_demo_report_lstm(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    json_t *j = srm_demo_report_json(c, "stability/lstm-stable.json");
    if (!j) {
        srm_demo_report_not_measured(s, "no stability/lstm-stable.json");
        return SRM_OK;
    }
    const json_t *st = json_object_get(j, "stable");
    int stable = st && json_is_true(st);
    static const char *const keys[] = {"a", "norm_inf_i", "norm_inf_f", "norm_inf_z",
                                        "norm_inf_o", "lambda_inf", "r"};
    double v[7];
    for (size_t i = 0; i < 7; i++) v[i] = srm_demo_report_json_number(j, keys[i]);
    char head[512];
    snprintf(head, sizeof head,
             "srm stability: a = %.4g, ||W_i|| %.4g, ||W_f|| %.4g, ||W_z|| %.4g, ||W_o|| %.4g, "
             "lambda_inf = %.6g, r = %.0f, stable: %s. ",
             v[0], v[1], v[2], v[3], v[4], v[5], v[6], stable ? "yes" : "NO");
    json_decref(j);
    SRM_TRY(gaps_vs_bounds(c, s, MAIN_MODELS + 3, 1));
    char rest[sizeof s->worst];
    snprintf(rest, sizeof rest, "%s", s->worst);
    s->worst[0] = '\0';
    /* truncates if ever too long */
    srm_demo_report_appendf(s->worst, sizeof s->worst, "%s%s", head, rest);
    /* the conditions must hold */
    if (!stable && s->verdict == SRM_DEMO_PASS) s->verdict = SRM_DEMO_FAIL;
    return SRM_OK;
}

/* ---- data-dependent stability and necessity: the nominally unstable models ---- */
int srm_demo_report_data_dependent(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    gap_run in;
    int rc = gap_run_read(c, "rnn-unstable-2", &in);
    if (rc == SRM_OK && (!in.t || !in.j))
        srm_demo_report_not_measured(s, "no gap-rnn-unstable-2.tsv or its JSON");
    srm_fit_result fit;
    double step;
    if (rc == SRM_OK && in.t && in.j) {
        double lambda = srm_demo_report_json_number(in.j, "lambda");
        if (srm_fit_decay(in.k, in.g, in.t->rows, SRM_DEMO_FIT_FLOOR, &fit) != SRM_OK ||
            srm_fit_max_step_ratio(in.k, in.g, in.t->rows, SRM_DEMO_STEP_FLOOR, &step, NULL) !=
                SRM_OK) {
            snprintf(s->worst, sizeof s->worst, "the gap does not decay measurably: %s",
                     srm_error_message());
            s->ratio = NAN;
            s->verdict = SRM_DEMO_FAIL;
        } else {
            snprintf(s->worst, sizeof s->worst,
                     "weights: lambda = ||W_hh||_2 = %.4g (not certified). On data: fitted rate "
                     "%.6g (95%% interval %.6g..%.6g, k = %g..%g), worst one-step ratio %.6g.",
                     lambda, fit.rate, fit.rate_lo, fit.rate_hi, fit.k_first, fit.k_last, step);
            s->ratio = fit.rate;
            s->verdict = lambda >= 1 && fit.rate_hi < 1 ? SRM_DEMO_PASS : SRM_DEMO_FAIL;
        }
    }
    gap_run_free(&in);
    return rc;
}

int srm_demo_report_necessity(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    gap_run in;
    int rc = gap_run_read(c, "scalar-1", &in);
    if (rc == SRM_OK && (!in.t || !in.j || in.t->rows < 2))
        srm_demo_report_not_measured(s, "no gap-scalar-1.tsv (two rows or more) or its JSON");
    else if (rc == SRM_OK) {
        size_t last = in.t->rows - 1;
        double ratio = in.g[last] / in.g[0];
        snprintf(s->worst, sizeof s->worst,
                 "|a| = %.4g: gap(k = %g) = %.6g, gap(k = %g) = %.6g; gap(K)/gap(1) = %.6g "
                 "(PASS if >= 0.5: no decay)",
                 srm_demo_report_json_number(in.j, "lambda"), in.k[0], in.g[0], in.k[last],
                 in.g[last], ratio);
        s->ratio = ratio;
        int no_decay = ratio >= 0.5, unstable = srm_demo_report_json_number(in.j, "lambda") >= 1;
        s->verdict = unstable && no_decay ? SRM_DEMO_PASS : SRM_DEMO_FAIL;
    }
    gap_run_free(&in);
    return rc;
}

/* ---- gradient gap and smoothness: estimated constants against the analytic ones ---- */
static void constant_vs_analytic(const srm_demo_report_dir *c, srm_demo_report_section *s,
                                 const char *key)
{
    static const char *const runs[] = {"traj-inv.json", "traj-const.json"};
    char key_analytic[64];
    snprintf(key_analytic, sizeof key_analytic, "%s_analytic", key);
    double worst = -INFINITY;
    int seen = 0;
    s->worst[0] = '\0';
    for (size_t i = 0; i < 2; i++) {
        json_t *j = srm_demo_report_json(c, runs[i]);
        double est = srm_demo_report_json_number(j, key),
               ana = srm_demo_report_json_number(j, key_analytic);
        if (j && isfinite(est) && isfinite(ana) && ana > 0) {
            seen++;
            srm_demo_report_appendf(s->worst, sizeof s->worst,
                                    "%s: observed max %.6g, analytic %.6g. ", runs[i], est, ana);
            if (est / ana > worst) worst = est / ana;
        }
        json_decref(j);
    }
    if (!seen)
        srm_demo_report_not_measured(s,
                                     "no traj-*.json with finite estimated and analytic constants");
    else srm_demo_report_judge_le(s, worst);
}

int srm_demo_report_gradient_gap(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    constant_vs_analytic(c, s, "gamma");
    return SRM_OK;
}

int srm_demo_report_smoothness(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    constant_vs_analytic(c, s, "beta");
    return SRM_OK;
}

/* ---- training theorem: distance against the bound, every recorded step ---- */
int srm_demo_report_training(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    static const char *const runs[] = {"traj-inv.tsv", "traj-const.tsv"};
    double worst = -INFINITY;
    int seen = 0, rc = SRM_OK;
    s->worst[0] = '\0';
    for (size_t i = 0; i < 2 && rc == SRM_OK; i++) {
        srm_tsv *t = NULL;
        rc = srm_demo_report_tsv(c, runs[i], &t);
        if (rc != SRM_OK || !t) continue;
        double *step = srm_demo_report_column(t, "step", runs[i]),
               *dist = srm_demo_report_column(t, "dist", runs[i]);
        double *b = srm_demo_report_column(t, "bound", runs[i]), *ba = NULL;
        if (srm_tsv_column(t, "bound_analytic") >= 0) /* optional: tanh RNN only */
            ba = srm_demo_report_column(t, "bound_analytic", runs[i]);
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
            srm_demo_report_appendf(s->worst, sizeof s->worst,
                    "%s: max dist / bound = %.4g (step %g; constants estimated along the run)",
                    runs[i], w, at_step);
            if (finite_analytic)
                srm_demo_report_appendf(s->worst, sizeof s->worst,
                        "; max dist / analytic bound = %.3g over its %zu finite rows. ", wa,
                        finite_analytic);
            else
                srm_demo_report_appendf(s->worst, sizeof s->worst,
                                        "; analytic bound infinite (overflow). ");
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
    if (!seen) srm_demo_report_not_measured(s, "no traj-*.tsv (srm trajectory)");
    else srm_demo_report_judge_le(s, worst);
    return SRM_OK;
}

