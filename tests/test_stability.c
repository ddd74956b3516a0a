/* tests/test_stability.c: the verdicts of theory/stability.h.
 *
 * 1. Hand-built cases: each LSTM condition just inside and just outside its boundary (1e-9
 *    away, far above rounding), the lambda_inf formula, r at its boundary, RNN verdicts.
 * 2. Random-instance contraction: for models the verdict declares stable, the measured
 *    contraction of srm_cell_step over many sampled pairs of states and inputs must not exceed
 *    the declared constant: RNNs in the Euclidean norm (lambda), the LSTM one step in the max norm
 *    on (c, h) (lambda_inf) and r steps in the Euclidean norm (1). Tolerance: relative 1e-12,
 *    room for the rounding of one step (~1e-16 per operation) and nothing more. Pairs that differ
 *    only in c, or only in h, exercise each term of lambda_inf separately. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/model.h"
#include "tests/harness.h"
#include "theory/norm.h"
#include "theory/project.h"
#include "theory/stability.h"

#define REL 1e-12

static srm_lstm_stability hand(double wi, double wf, double wz, double wo, double bias)
{
    srm_lstm_stability s = {0};
    s.hidden = 8;
    s.input_bound = 1;
    s.norm_inf_i = wi, s.norm_inf_f = wf, s.norm_inf_z = wz, s.norm_inf_o = wo;
    s.max_abs_bias_f = bias;
    srm_stability_lstm_evaluate(&s);
    return s;
}

static void test_lstm_conditions(void)
{
    /* t = ||W_f|| + max|b_f| = ln 1.5 gives f_max = 0.6 and a = 0.4; a^2 = 0.16, a/4 = 0.1. */
    const double wf = 0.1, b = log(1.5) - wf, d = 1e-9;
    srm_lstm_stability s = hand(0.2, wf, 0.05, 0.3, b);
    CHECK_CLOSE(s.a, 0.4, 1e-15, "hand: a = 1 - sigma(ln 1.5) = 0.4");
    CHECK(s.stable && s.holds_i && s.holds_o && s.holds_z && s.holds_f, "hand: all four hold");
    /* lambda_inf = W_i/4 + W_z + W_f/(4a) + W_o/4 + (1 - a) = .05 + .05 + .0625 + .075 + .6 */
    CHECK_CLOSE(s.lambda_inf, 0.8375, 1e-15, "hand: lambda_inf from the proof's coefficients");
    double a = s.a;
    s = hand(a - d, wf, 0.05, 0.3, b);
    CHECK(s.holds_i && s.stable, "W_i: a - 1e-9 holds");
    s = hand(a + d, wf, 0.05, 0.3, b);
    CHECK(!s.holds_i && !s.stable && s.margin_i < 0, "W_i: a + 1e-9 fails");
    s = hand(0.2, wf, 0.05, a - d, b);
    CHECK(s.holds_o && s.stable, "W_o: a - 1e-9 holds");
    s = hand(0.2, wf, 0.05, a + d, b);
    CHECK(!s.holds_o && !s.stable, "W_o: a + 1e-9 fails");
    s = hand(0.2, wf, a / 4, 0.3, b);
    CHECK(s.holds_z && s.margin_z == 0, "W_z: exactly a/4 holds (non-strict)");
    s = hand(0.2, wf, a / 4 + d, 0.3, b);
    CHECK(!s.holds_z && !s.stable, "W_z: a/4 + 1e-9 fails");
    /* W_f moves a too: with no bias and no U_f, the boundary is the root of x = sigma(-x)^2. */
    double lo = 0, hi = 1;
    for (int it = 0; it < 200; it++) {
        double mid = (lo + hi) / 2, sg = 1 / (1 + exp(mid));
        if (mid < sg * sg) lo = mid;
        else hi = mid;
    }
    s = hand(0.01, lo - d, 0.01, 0.01, 0);
    CHECK(s.holds_f && s.stable, "W_f: root %.12f - 1e-9 holds", lo);
    s = hand(0.01, lo + d, 0.01, 0.01, 0);
    CHECK(!s.holds_f && !s.stable, "W_f: root + 1e-9 fails (margin %.3g)", s.margin_f);
    /* f_max from the inputs: ||U_f|| B_x adds to the pre-activation. */
    s = hand(0.2, wf, 0.05, 0.3, 0);
    srm_lstm_stability u = s;
    u.norm_inf_uf = b / 2, u.input_bound = 2;
    srm_stability_lstm_evaluate(&u);
    CHECK_CLOSE(u.a, 0.4, 1e-15, "hand: ||U_f|| B_x enters f_max");
    /* r: smallest r with sqrt(2n) lambda^r < 1; n = 8: 4 lambda^r < 1. */
    CHECK(srm_stability_lstm_steps(8, 0.5) == 3, "r: n = 8, lambda 0.5 -> 3");
    CHECK(srm_stability_lstm_steps(8, 0.25) == 2, "r: n = 8, lambda 0.25 -> 2 (r = 1 gives = 1)");
    CHECK(srm_stability_lstm_steps(8, 0) == 1 && srm_stability_lstm_steps(8, 1) == -1 &&
              srm_stability_lstm_steps(8, 1.5) == -1,
          "r: lambda 0 -> 1, lambda >= 1 -> none");
    long r = srm_stability_lstm_steps(512, 0.97875);
    CHECK(r > 0 && sqrt(1024.0) * pow(0.97875, (double)r) < 1 &&
              sqrt(1024.0) * pow(0.97875, (double)(r - 1)) >= 1,
          "r: n = 512, paper targets (lambda_inf 0.97875) -> r = %ld is the smallest", r);
    s = hand(0.1, 0.1, 0.01, 0.1, 800); /* sigma saturates: a = 0 in double */
    CHECK(s.a == 0 && !s.stable && isinf(s.lambda_inf) && s.r == -1,
          "hand: saturated forget gate -> a = 0, not stable, lambda_inf = inf");
    srm_lstm_stability e = {0};
    e.hidden = 8, e.norm_inf_i = -1;
    CHECK(srm_stability_lstm_evaluate(&e) == SRM_EINVAL, "error: negative norm");
    e.norm_inf_i = 0, e.input_bound = NAN;
    CHECK(srm_stability_lstm_evaluate(&e) == SRM_EINVAL, "error: NaN input bound");
    e.input_bound = 1, e.hidden = 0;
    CHECK(srm_stability_lstm_evaluate(&e) == SRM_EINVAL, "error: hidden 0");
}

static void scale_to_spectral(double *w, size_t rows, size_t cols, double target)
{
    srm_svd_workspace *ws = srm_svd_workspace_alloc(rows, cols);
    double s;
    srm_norm_spectral(w, rows, cols, ws, &s);
    for (size_t i = 0; i < rows * cols; i++) w[i] *= target / s;
    srm_svd_workspace_free(ws);
}

static double norm2(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i] * x[i];
    return sqrt(s);
}

static double dist2(const double *x, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (x[i] - y[i]) * (x[i] - y[i]);
    return sqrt(s);
}

static double dist_inf(const double *x, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s = fmax(s, fabs(x[i] - y[i]));
    return s;
}

static void test_rnn(gsl_rng *rng, srm_cell cell)
{
    size_t n = 10, d = 4;
    srm_model *m = srm_model_alloc(cell, n, d, 0, 0);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = gsl_ran_gaussian(rng, 0.5);
    scale_to_spectral(m->weight_hh, n, n, 0.9);
    srm_rnn_stability s;
    CHECK(srm_stability_rnn(m, &s) == SRM_OK && s.stable && fabs(s.lambda - 0.9) < 1e-14,
          "%s: declared stable with lambda %.17g", srm_cell_name(cell), s.lambda);
    double h[10], h2[10], x[4], o[10], o2[10], work[10], worst = 0;
    for (int t = 0; t < 5000; t++) {
        double scale = t % 2 ? 0.01 : 3; /* near pairs (linear regime) and far pairs */
        for (size_t i = 0; i < n; i++) {
            h[i] = gsl_ran_gaussian(rng, 1);
            h2[i] = h[i] + scale * gsl_ran_gaussian(rng, 1);
        }
        for (size_t j = 0; j < d; j++) x[j] = gsl_ran_gaussian(rng, 1);
        srm_cell_step(m, h, x, o, work);
        srm_cell_step(m, h2, x, o2, work);
        worst = fmax(worst, dist2(o, o2, n) / dist2(h, h2, n));
    }
    CHECK(worst <= s.lambda * (1 + REL), "%s: 5000 pairs contract by <= lambda (max %.6g)",
          srm_cell_name(cell), worst);
    if (cell == SRM_CELL_LINEAR) {
        /* Tightness: along the top right singular vector the ratio is lambda itself. */
        srm_svd_workspace *ws = srm_svd_workspace_alloc(n, n);
        srm_norm_svd(m->weight_hh, n, n, 1, ws);
        for (size_t i = 0; i < n; i++) h[i] = 0, h2[i] = ws->vt[i];
        srm_cell_step(m, h, x, o, work);
        srm_cell_step(m, h2, x, o2, work);
        double ratio = dist2(o, o2, n) / norm2(h2, n);
        CHECK(fabs(ratio - s.lambda) <= REL, "linear: top singular direction attains lambda "
                                             "(%.17g)", ratio);
        srm_svd_workspace_free(ws);
    }
    srm_model_free(m);
}

static void sample_state(gsl_rng *rng, double *s, size_t n, double a)
{
    /* c in [-1/a, 1/a], h in [-1, 1]; a quarter of the entries at the corners. */
    for (size_t i = 0; i < 2 * n; i++) {
        double bound = i < n ? 1 / a : 1, u = 2 * gsl_rng_uniform(rng) - 1;
        if (gsl_rng_uniform(rng) < 0.25) u = u < 0 ? -1 : 1;
        s[i] = bound * u;
    }
}

/* sd: standard deviation of the random weights before the projection (0.9: the projection
 * binds and lambda_inf is near 1; 0.02: weights far inside, lambda_inf near 1 - a, r small). */
static void test_lstm_contraction(gsl_rng *rng, double sd)
{
    size_t n = 6, d = 3;
    const double bx = 1.0;
    srm_model *m = srm_model_alloc(SRM_CELL_LSTM, n, d, 0, 0);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = gsl_ran_gaussian(rng, sd);
    srm_project_lstm_result pr;
    srm_project_lstm(m, 0.4, 0.001, bx, &pr);
    srm_lstm_stability st;
    srm_stability_lstm(m, bx, &st);
    CHECK(st.stable && st.r > 0,
          "LSTM sd %g: projected model declared stable (lambda_inf %.6g, r %ld, %zu rows "
          "scaled)", sd, st.lambda_inf, st.r, pr.rows_scaled);
    double s[12], s2[12], o[12], o2[12], x[3], work[24], worst = 0, worst_c = 0, worst_h = 0;
    for (int t = 0; t < 6000; t++) {
        sample_state(rng, s, n, st.a);
        int kind = t % 3; /* 0: both differ, 1: only c differs, 2: only h differs */
        if (kind == 0) sample_state(rng, s2, n, st.a);
        else {
            memcpy(s2, s, sizeof s);
            double tmp[12];
            sample_state(rng, tmp, n, st.a);
            if (kind == 1) memcpy(s2, tmp, n * sizeof(double));
            else memcpy(s2 + n, tmp + n, n * sizeof(double));
        }
        for (size_t j = 0; j < d; j++) x[j] = bx * (2 * gsl_rng_uniform(rng) - 1);
        srm_cell_step(m, s, x, o, work);
        srm_cell_step(m, s2, x, o2, work);
        double ratio = dist_inf(o, o2, 2 * n) / dist_inf(s, s2, 2 * n);
        worst = fmax(worst, ratio);
        if (kind == 1) worst_c = fmax(worst_c, ratio);
        if (kind == 2) worst_h = fmax(worst_h, ratio);
    }
    CHECK(worst <= st.lambda_inf * (1 + REL),
          "LSTM sd %g: one step contracts by <= lambda_inf = %.6g in the max norm (max %.6g; "
          "only-c pairs %.6g, only-h pairs %.6g)", sd, st.lambda_inf, worst, worst_c, worst_h);
    /* Not a vacuous bound: without its forget term (1 - a) it would be violated. */
    CHECK(worst_c > st.lambda_inf - st.f_max,
          "LSTM sd %g: only-c pairs reach %.6g > lambda_inf - (1 - a) = %.6g", sd, worst_c,
          st.lambda_inf - st.f_max);
    /* r steps, same inputs for both, Euclidean norm: ratio < 1. */
    double worst_r = 0;
    for (int t = 0; t < 300; t++) {
        sample_state(rng, s, n, st.a);
        sample_state(rng, s2, n, st.a);
        double d0 = dist2(s, s2, 2 * n);
        for (long k = 0; k < st.r; k++) {
            for (size_t j = 0; j < d; j++) x[j] = bx * (2 * gsl_rng_uniform(rng) - 1);
            srm_cell_step(m, s, x, o, work);
            srm_cell_step(m, s2, x, o2, work);
            memcpy(s, o, sizeof o);
            memcpy(s2, o2, sizeof o2);
        }
        worst_r = fmax(worst_r, dist2(s, s2, 2 * n) / d0);
    }
    CHECK(worst_r <= 1,
          "LSTM sd %g: r = %ld steps contract in the Euclidean norm (max ratio %.3g; bound "
          "sqrt(2n) lambda_inf^r = %.3g)", sd, st.r, worst_r,
          sqrt(2.0 * (double)n) * pow(st.lambda_inf, (double)st.r));
    srm_model_free(m);
}

static void test_rnn_hand(void)
{
    srm_model *m = srm_model_alloc(SRM_CELL_RNN_TANH, 2, 2, 0, 0);
    srm_rnn_stability s;
    m->weight_hh[0] = 0.5, m->weight_hh[3] = -0.3;
    m->weight_ih[0] = 3, m->weight_ih[1] = 4; /* ||W_ih||_2 = 5 */
    srm_stability_rnn(m, &s);
    CHECK(s.stable && fabs(s.lambda - 0.5) < 1e-15 && fabs(s.lipschitz_x - 5) < 1e-14,
          "RNN hand: diag(0.5, -0.3) -> lambda 0.5, L_x 5");
    m->weight_hh[0] = 0, m->weight_hh[1] = 1, m->weight_hh[2] = 1, m->weight_hh[3] = 0;
    srm_stability_rnn(m, &s);
    CHECK(!s.stable && fabs(s.lambda - 1) < 1e-15, "RNN hand: a permutation -> lambda 1, unstable");
    srm_lstm_stability ls;
    CHECK(srm_stability_lstm(m, 1, &ls) == SRM_EINVAL, "error: LSTM verdict of an RNN");
    srm_model *l = srm_model_alloc(SRM_CELL_LSTM, 2, 2, 0, 0);
    CHECK(srm_stability_rnn(l, &s) == SRM_EINVAL, "error: RNN verdict of an LSTM");
    CHECK(srm_stability_lstm(l, -1, &ls) == SRM_EINVAL, "error: negative input bound");
    srm_model_free(l);
    srm_model_free(m);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    test_lstm_conditions();
    test_rnn_hand();
    test_rnn(rng, SRM_CELL_RNN_TANH);
    test_rnn(rng, SRM_CELL_RNN_RELU);
    test_rnn(rng, SRM_CELL_LINEAR);
    test_lstm_contraction(rng, 0.9);
    test_lstm_contraction(rng, 0.02);
    gsl_rng_free(rng);
    return srm_test_finish();
}
