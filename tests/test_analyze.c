/* tests/test_analyze.c: the data-dependent stability measurements (task/analyze.h).
 *
 * - State Jacobians of every cell (tanh, ReLU, linear, LSTM on (c, h)) against central finite
 *   differences of srm_cell_step; the vector-Jacobian products against J^T g and against finite
 *   differences in the input x.
 * - A case with a known answer: the linear RNN with W = diag(a) has J_t = W, so every r-step
 *   window has raw norm max|a|^r and rate max|a|, there are T - r + 1 windows per trajectory
 *   (T - r + 1 over the whole stream when windows carry); with W = a I and U = I the input
 *   gradient decays exactly as |a|^j.
 * - The block-wise window products equal brute-force products of r Jacobians for every window of
 *   a tanh RNN and an LSTM trajectory.
 * - d loss_T / d x_{T-j} against finite differences of the loss (softmax and sigmoid heads).
 * - Percentiles against numpy.percentile's values on a hand example; error paths.
 * Tolerances: central differences with step 1e-6 have truncation error ~1e-12 times the third
 * derivative and rounding error ~1e-16/1e-6 = 1e-10 times the function's size (all O(1) here),
 * so 1e-7 relative leaves a wide margin and would still catch any wrong term (those are O(0.01)
 * or larger). Exact identities (J^T g, diag products) are checked to 1e-12 relative: rounding of
 * sums of at most a few hundred O(1) terms. */
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/analyze.h"
#include "core/model.h"
#include "tests/harness.h"
#include "theory/norm.h"

#define FD_STEP 1e-6
#define FD_TOL 1e-7
#define EXACT_TOL 1e-12

static const srm_cell cells[] = {SRM_CELL_RNN_TANH, SRM_CELL_RNN_RELU, SRM_CELL_LINEAR,
                                 SRM_CELL_LSTM};

static void randomize(srm_model *m, gsl_rng *rng, double scale)
{
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = scale * (2.0 * gsl_rng_uniform(rng) - 1.0);
}

static void uniform(double *v, size_t len, double scale, gsl_rng *rng)
{
    for (size_t i = 0; i < len; i++) v[i] = scale * (2.0 * gsl_rng_uniform(rng) - 1.0);
}

static double max_abs_diff(const double *a, const double *b, size_t len)
{
    double d = 0.0;
    for (size_t i = 0; i < len; i++) d = fmax(d, fabs(a[i] - b[i]));
    return d;
}

static double max_abs(const double *a, size_t len)
{
    double d = 0.0;
    for (size_t i = 0; i < len; i++) d = fmax(d, fabs(a[i]));
    return d;
}

/* Jacobian (by columns) and input VJP against finite differences, for one cell. */
static void check_cell(srm_cell cell, gsl_rng *rng)
{
    size_t n = 5, d = 3;
    srm_model *m = srm_model_alloc(cell, n, d, 2, 0);
    randomize(m, rng, 0.8);
    size_t S = srm_model_state_size(m), wsz = srm_analyze_work_size(m);
    size_t step_work = srm_cell_step_work_size(m);
    double *s = malloc(S * sizeof(double)), *x = malloc(d * sizeof(double));
    double *J = malloc(S * S * sizeof(double)), *Jfd = malloc(S * S * sizeof(double));
    double *sp = malloc(S * sizeof(double)), *sm = malloc(S * sizeof(double));
    double *fp = malloc(S * sizeof(double)), *fm = malloc(S * sizeof(double));
    double *work = malloc((wsz > step_work ? wsz : step_work) * sizeof(double));
    double *g = malloc(S * sizeof(double)), *gs = malloc(S * sizeof(double));
    double *gx = malloc(d * sizeof(double)), *ref = malloc(S * sizeof(double));
    double *gxfd = malloc(d * sizeof(double)), *xp = malloc(d * sizeof(double));
    uniform(s, S, 0.9, rng);
    uniform(x, d, 1.0, rng);
    if (cell == SRM_CELL_LSTM) uniform(s, n, 2.0, rng); /* cells may exceed 1 */
    srm_analyze_state_jacobian(m, s, x, J, work);
    for (size_t j = 0; j < S; j++) {
        memcpy(sp, s, S * sizeof(double));
        memcpy(sm, s, S * sizeof(double));
        sp[j] += FD_STEP, sm[j] -= FD_STEP;
        srm_cell_step(m, sp, x, fp, work);
        srm_cell_step(m, sm, x, fm, work);
        for (size_t i = 0; i < S; i++) Jfd[i * S + j] = (fp[i] - fm[i]) / (2 * FD_STEP);
    }
    double err = max_abs_diff(J, Jfd, S * S), size = max_abs(J, S * S);
    CHECK(err <= FD_TOL * fmax(1.0, size) && size > 0.05,
          "%s: state Jacobian (%zu x %zu) = central differences (max |diff| %.2e, max |J| %.3f)",
          srm_cell_name(cell), S, S, err, size);
    uniform(g, S, 1.0, rng);
    srm_analyze_cell_vjp(m, s, x, g, gs, gx, work);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)S, (int)S, 1.0, J, (int)S, g, 1, 0.0, ref, 1);
    err = max_abs_diff(gs, ref, S);
    CHECK(err <= EXACT_TOL * fmax(1.0, max_abs(ref, S)), "%s: VJP g_s = J^T g (max |diff| %.2e)",
          srm_cell_name(cell), err);
    for (size_t k = 0; k < d; k++) {
        double lp = 0, lm = 0;
        memcpy(xp, x, d * sizeof(double));
        xp[k] += FD_STEP;
        srm_cell_step(m, s, xp, fp, work);
        xp[k] -= 2 * FD_STEP;
        srm_cell_step(m, s, xp, fm, work);
        for (size_t i = 0; i < S; i++) lp += g[i] * fp[i], lm += g[i] * fm[i];
        gxfd[k] = (lp - lm) / (2 * FD_STEP);
    }
    err = max_abs_diff(gx, gxfd, d);
    CHECK(err <= FD_TOL * fmax(1.0, max_abs(gxfd, d)) && max_abs(gxfd, d) > 0.01,
          "%s: VJP g_x = d <g, phi(s, x)> / dx by central differences (max |diff| %.2e)",
          srm_cell_name(cell), err);
    free(s), free(x), free(J), free(Jfd), free(sp), free(sm), free(fp), free(fm), free(work);
    free(g), free(gs), free(gx), free(ref), free(gxfd), free(xp);
    srm_model_free(m);
}

/* Linear RNN, W = diag(a), U = I: every window has rate max|a|, the gradient decays as |a|^j. */
static void check_linear_diag(void)
{
    size_t n = 4, T = 30;
    const double diag[] = {0.3, -0.8, 0.5, 0.1};
    srm_model *m = srm_model_alloc(SRM_CELL_LINEAR, n, n, n, 0);
    for (size_t i = 0; i < n; i++) {
        m->weight_hh[i * n + i] = diag[i];
        m->weight_ih[i * n + i] = 1.0;
        m->decoder_weight[i * n + i] = 1.0;
    }
    double x[30 * 4];
    for (size_t i = 0; i < T * n; i++) x[i] = sin(0.7 * (double)i);
    size_t r[] = {1, 5, 20};
    srm_analyze *a = srm_analyze_alloc(m, SRM_NET_SOFTMAX, T, r, 3, 25, 1000);
    int rc = srm_analyze_add(a, m, x, T, 0, 2, NULL);
    rc |= srm_analyze_add(a, m, x, 12, 0, 1, NULL); /* shorter than r = 20: no such window */
    CHECK(rc == SRM_OK, "linear diag: two sequences analysed");
    for (size_t i = 0; i < 3; i++) {
        size_t count;
        double *v = srm_analyze_window_norms(a, i, &count);
        size_t want = (T - r[i] + 1) + (12 >= r[i] ? 12 - r[i] + 1 : 0);
        double worst = 0;
        for (size_t k = 0; k < count; k++)
            worst = fmax(worst, fabs(pow(v[k], 1.0 / (double)r[i]) - 0.8));
        CHECK(count == want && worst <= EXACT_TOL,
              "linear diag: r = %zu: %zu windows (want %zu), every rate = max|a| = 0.8 "
              "(max |diff| %.2e)", r[i], count, want, worst);
    }
    /* the gradient: with W = -0.8 I and U = I, d loss_T / d x_{T-j} = (-0.8)^j g_T exactly */
    for (size_t i = 0; i < n; i++) m->weight_hh[i * n + i] = -0.8;
    srm_analyze_free(a);
    a = srm_analyze_alloc(m, SRM_NET_SOFTMAX, T, r, 3, 25, 1000);
    rc = srm_analyze_add(a, m, x, T, 0, 2, NULL) | srm_analyze_add(a, m, x, 12, 0, 1, NULL);
    srm_analyze_lag lag0, lag;
    srm_analyze_gradient(a, 0, &lag0);
    double worst = 0;
    for (size_t j = 0; j <= 11; j++) {
        srm_analyze_gradient(a, j, &lag);
        worst = fmax(worst, fabs(lag.mean_relative - pow(0.8, (double)j)) / pow(0.8, (double)j));
    }
    srm_analyze_gradient(a, 20, &lag);
    CHECK(rc == SRM_OK && lag0.count == 2 && lag.count == 1 && worst <= 1e-10,
          "linear, W = -0.8 I: gradient ratio ||g_j|| / ||g_0|| = 0.8^j for j <= 11 (rel. err %.2e), "
          "counts 2 at j = 0 and 1 at j = 20 (got %zu, %zu)", worst, lag0.count, lag.count);
    /* carried windows: a 30-step stream in windows of 7, 7, 7, 9 is one trajectory */
    srm_analyze *b = srm_analyze_alloc(m, SRM_NET_SOFTMAX, 9, r, 3, 5, 1000);
    size_t lens[] = {7, 7, 7, 9}, pos = 0;
    rc = SRM_OK;
    for (size_t k = 0; k < 4; k++) {
        rc |= srm_analyze_add(b, m, x + pos * n, lens[k], k > 0, 0, NULL);
        pos += lens[k];
    }
    size_t c1, c5, c20;
    srm_analyze_window_norms(b, 0, &c1);
    srm_analyze_window_norms(b, 1, &c5);
    srm_analyze_window_norms(b, 2, &c20);
    CHECK(rc == SRM_OK && c1 == 30 && c5 == 26 && c20 == 11,
          "carried windows span the stream: 30, 26, 11 windows for r = 1, 5, 20 (got %zu, %zu, "
          "%zu)", c1, c5, c20);
    srm_analyze_free(a);
    srm_analyze_free(b);
    srm_model_free(m);
}

static int compare(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Every window's norm against the brute-force product of its r Jacobians. */
static void check_windows(srm_cell cell, gsl_rng *rng)
{
    size_t n = 6, d = 3, T = 47, nr = 3;
    size_t r[] = {1, 5, 20};
    srm_model *m = srm_model_alloc(cell, n, d, 3, 0);
    randomize(m, rng, 1.2);
    size_t S = srm_model_state_size(m), SS = S * S;
    double *x = malloc(T * d * sizeof(double)), *Js = malloc(T * SS * sizeof(double));
    double *states = calloc((T + 1) * S, sizeof(double)), *P = malloc(SS * sizeof(double));
    double *tmp = malloc(SS * sizeof(double)), *work = malloc(8 * n * sizeof(double));
    double *ref = malloc(T * sizeof(double));
    srm_svd_workspace *ws = srm_svd_workspace_alloc(S, S);
    uniform(x, T * d, 1.0, rng);
    for (size_t t = 1; t <= T; t++) {
        srm_cell_step(m, states + (t - 1) * S, x + (t - 1) * d, states + t * S, work);
        srm_analyze_state_jacobian(m, states + (t - 1) * S, x + (t - 1) * d, Js + (t - 1) * SS,
                                   work);
    }
    srm_analyze *a = srm_analyze_alloc(m, SRM_NET_SOFTMAX, T, r, nr, 3, T);
    int rc = srm_analyze_add(a, m, x, T, 0, 1, NULL);
    for (size_t i = 0; i < nr; i++) {
        size_t count, nref = 0;
        double *v = srm_analyze_window_norms(a, i, &count);
        for (size_t t = 0; t + r[i] <= T; t++) {
            memcpy(P, Js + t * SS, SS * sizeof(double));
            for (size_t u = 1; u < r[i]; u++) {
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)S, (int)S, (int)S, 1.0,
                            Js + (t + u) * SS, (int)S, P, (int)S, 0.0, tmp, (int)S);
                memcpy(P, tmp, SS * sizeof(double));
            }
            srm_norm_spectral(P, S, S, ws, &ref[nref++]);
        }
        qsort(v, count, sizeof *v, compare);
        qsort(ref, nref, sizeof *ref, compare);
        double worst = 0;
        for (size_t k = 0; k < nref && count == nref; k++)
            worst = fmax(worst, fabs(v[k] - ref[k]) / fmax(ref[k], 1e-300));
        CHECK(rc == SRM_OK && count == nref && worst <= 1e-10,
              "%s: r = %zu: %zu window norms = brute-force products of r Jacobians (max rel. "
              "diff %.2e; norms %.3g..%.3g)", srm_cell_name(cell), r[i], count, worst, ref[0],
              ref[nref - 1]);
    }
    srm_analyze_free(a);
    srm_svd_workspace_free(ws);
    free(x), free(Js), free(states), free(P), free(tmp), free(work), free(ref);
    srm_model_free(m);
}

/* loss_T of the sequence x (T, d) from the zero state: softmax xent or sigmoid BCE at step T. */
static double loss_at_end(const srm_model *m, const double *x, size_t T, int sigm, int32_t target,
                          const double *frame)
{
    size_t S = srm_model_state_size(m), n = m->hidden, out = m->output;
    double s[64] = {0}, next[64], work[64], y[16];
    for (size_t t = 0; t < T; t++) {
        srm_cell_step(m, s, x + t * m->input, next, work);
        memcpy(s, next, S * sizeof(double));
    }
    memcpy(y, m->decoder_bias, out * sizeof(double));
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)out, (int)n, 1.0, m->decoder_weight, (int)n,
                s + (S - n), 1, 1.0, y, 1);
    double l = 0;
    if (sigm) {
        for (size_t j = 0; j < out; j++) l += log1p(exp(y[j])) - frame[j] * y[j];
        return l;
    }
    double mx = y[0], sum = 0;
    for (size_t j = 1; j < out; j++) mx = fmax(mx, y[j]);
    for (size_t j = 0; j < out; j++) sum += exp(y[j] - mx);
    return log(sum) + mx - y[target];
}

/* ||d loss_T / d x_{T-j}|| of the analyzer against central differences, one sequence. */
static void check_gradient(srm_cell cell, int sigm, gsl_rng *rng)
{
    size_t n = 5, d = 3, out = 4, T = 9, lag = 6;
    srm_model *m = srm_model_alloc(cell, n, d, out, 0);
    randomize(m, rng, 0.9);
    double x[9 * 3], frame[4] = {1, 0, 0, 1}, xp[9 * 3];
    uniform(x, T * d, 1.0, rng);
    size_t r[] = {1};
    srm_analyze *a = srm_analyze_alloc(m, sigm ? SRM_NET_SIGMOID : SRM_NET_SOFTMAX, T, r, 1, lag,
                                       T);
    int rc = srm_analyze_add(a, m, x, T, 0, 2, frame);
    double worst = 0, smallest = INFINITY;
    for (size_t j = 0; j <= lag; j++) {
        size_t t = T - 1 - j; /* row of x_{T-j} */
        double g2 = 0;
        for (size_t k = 0; k < d; k++) {
            memcpy(xp, x, sizeof x);
            xp[t * d + k] += FD_STEP;
            double lp = loss_at_end(m, xp, T, sigm, 2, frame);
            xp[t * d + k] -= 2 * FD_STEP;
            double lm = loss_at_end(m, xp, T, sigm, 2, frame);
            double gk = (lp - lm) / (2 * FD_STEP);
            g2 += gk * gk;
        }
        srm_analyze_lag l;
        srm_analyze_gradient(a, j, &l);
        worst = fmax(worst, fabs(l.mean - sqrt(g2)) / fmax(sqrt(g2), 1e-3));
        smallest = fmin(smallest, sqrt(g2));
    }
    CHECK(rc == SRM_OK && worst <= 1e-6,
          "%s, %s head: ||d loss_T / d x_{T-j}||, j = 0..%zu, = central differences (max rel. "
          "diff %.2e; smallest norm %.2e)", srm_cell_name(cell), sigm ? "sigmoid" : "softmax", lag,
          worst, smallest);
    srm_analyze_free(a);
    srm_model_free(m);
}

static void check_stats_and_errors(void)
{
    double v[100];
    for (size_t i = 0; i < 100; i++) v[i] = (double)(100 - i); /* 100 .. 1, unsorted */
    srm_analyze_stats st;
    srm_analyze_stats_of(v, 100, &st);
    /* numpy.percentile(np.arange(1, 101), [50, 99]) = 50.5, 99.01 */
    CHECK(st.count == 100 && st.min == 1 && st.max == 100 && fabs(st.mean - 50.5) < 1e-12 &&
          fabs(st.median - 50.5) < 1e-12 && fabs(st.p99 - 99.01) < 1e-12,
          "stats of 1..100: min 1, median 50.5, mean 50.5, p99 99.01 (numpy), max 100 (got %g %g "
          "%g %g %g)", st.min, st.median, st.mean, st.p99, st.max);
    srm_analyze_stats_of(v, 0, &st);
    CHECK(st.count == 0 && isnan(st.max) && isnan(st.mean), "stats of nothing are NaN");

    srm_model *m = srm_model_alloc(SRM_CELL_RNN_TANH, 3, 2, 4, 0);
    size_t r0[] = {0}, r1[] = {1};
    srm_error_clear();
    srm_analyze *a = srm_analyze_alloc(m, SRM_NET_SOFTMAX, 5, r0, 1, 2, 10);
    CHECK(!a && srm_error_code() == SRM_EINVAL, "r = 0 is refused (%s)", srm_error_message());
    a = srm_analyze_alloc(m, SRM_NET_SOFTMAX, 5, r1, 1, 2, 10);
    double x[12] = {0};
    int rc = srm_analyze_add(a, m, x, 6, 0, 0, NULL);
    CHECK(rc == SRM_EINVAL, "a sequence longer than the workspace is refused (%s)",
          srm_error_message());
    rc = srm_analyze_add(a, m, x, 3, 0, 4, NULL);
    CHECK(rc == SRM_EINVAL, "a target class outside the decoder is refused (%s)",
          srm_error_message());
    srm_analyze_free(a);
    srm_model *nodec = srm_model_alloc(SRM_CELL_RNN_TANH, 3, 2, 0, 0);
    a = srm_analyze_alloc(nodec, SRM_NET_SOFTMAX, 5, r1, 1, 2, 10);
    rc = a ? srm_analyze_add(a, nodec, x, 3, 0, 0, NULL) : SRM_EINVAL;
    size_t count = 0;
    srm_analyze_lag lag = {0};
    if (a) srm_analyze_window_norms(a, 0, &count), srm_analyze_gradient(a, 0, &lag);
    CHECK(rc == SRM_OK && count == 3 && lag.count == 0,
          "a model without a decoder gets its window norms (%zu) and no gradient profile", count);
    srm_analyze_free(a);
    srm_model_free(nodec);
    srm_model_free(m);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) check_cell(cells[c], rng);
    check_linear_diag();
    check_windows(SRM_CELL_RNN_TANH, rng);
    check_windows(SRM_CELL_LSTM, rng);
    check_gradient(SRM_CELL_RNN_TANH, 0, rng);
    check_gradient(SRM_CELL_LSTM, 0, rng);
    check_gradient(SRM_CELL_LSTM, 1, rng);
    check_stats_and_errors();
    gsl_rng_free(rng);
    return srm_test_finish();
}
