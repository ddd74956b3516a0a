/* tests/test_truncate.c: forward runs and k-step truncations (sim/rnn.h, sim/truncate.h).
 *
 * - srm_rnn_forward agrees with stepping srm_cell_step (the reference map of core/model.c).
 * - Truncated forward and the all-k gap computation agree with a naive re-run of every window
 *   from the zero state with srm_cell_step.
 * - The Proposition of proofs-notes/inference.md: for stable random models of every cell the
 *   measured gaps never exceed bound_traj = lambda^k max ||s_{t-k}|| or bound = lambda^k H.
 * - Necessity: the scalar system h_t = a h_{t-1} + x_t with a >= 1 and a tanh RNN with
 *   ||W||_2 = 2 have gaps that do not decay with k, and no bound is claimed (NaN).
 * Tolerances: the batched truncations use a GEMM where the reference uses a GEMV, so values
 * agree to rounding, ~1e-15 relative for these O(1) states; we allow 1e-13. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/model.h"
#include "sim/rnn.h"
#include "sim/truncate.h"
#include "tests/harness.h"
#include "theory/norm.h"

#define TOL 1e-13

static const srm_cell cells[] = {SRM_CELL_RNN_TANH, SRM_CELL_RNN_RELU, SRM_CELL_LINEAR,
                                 SRM_CELL_LSTM};

static void randomize(srm_model *m, gsl_rng *rng, double scale)
{
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = scale * (2.0 * gsl_rng_uniform(rng) - 1.0);
}

static void random_input(double *x, size_t T, size_t d, double bound, gsl_rng *rng)
{
    for (size_t i = 0; i < T * d; i++) x[i] = bound * (2.0 * gsl_rng_uniform(rng) - 1.0) / sqrt(d);
}

/* s^k_t by the definition: k reference steps from the zero state (k = 0: from s_0). */
static void naive_state(const srm_model *m, const double *x, size_t t, size_t k, double *s,
                        double *tmp, double *work)
{
    size_t S = srm_model_state_size(m), t0 = (k && t > k) ? t - k : 0;
    memset(s, 0, S * sizeof(double));
    for (size_t u = t0 + 1; u <= t; u++) {
        srm_cell_step(m, s, x + (u - 1) * m->input, tmp, work);
        memcpy(s, tmp, S * sizeof(double));
    }
}

static double max_abs_diff(const double *a, const double *b, size_t len)
{
    double d = 0.0;
    for (size_t i = 0; i < len; i++) d = fmax(d, fabs(a[i] - b[i]));
    return d;
}

static double norm_of(srm_gap_norm norm, const double *a, const double *b, size_t len)
{
    double acc = 0.0;
    for (size_t i = 0; i < len; i++) {
        double v = b ? a[i] - b[i] : a[i];
        acc = norm == SRM_GAP_NORM_INF ? fmax(acc, fabs(v)) : acc + v * v;
    }
    return norm == SRM_GAP_NORM_INF ? acc : sqrt(acc);
}

/* Forward (full and truncated) and gaps against the naive definition, for one cell. */
static void test_against_reference(srm_cell cell, gsl_rng *rng)
{
    enum { N = 5, D = 3, M = 2, T = 12, K = 14 }; /* K > T exercises k >= t everywhere */
    srm_model *m = srm_model_alloc(cell, N, D, M, 0);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, T, K);
    randomize(m, rng, 0.7);
    size_t S = srm_model_state_size(m);
    double x[T * D], states[T * 2 * N], out[T * M], ref[T * 2 * N], s[2 * N], tmp[2 * N];
    double work[4 * N], y[M], yk[M];
    random_input(x, T, D, 2.0, rng);
    const char *name = srm_cell_name(cell);
    int rc = srm_rnn_forward(m, x, T, 0, states, out, ws);
    for (size_t t = 1; t <= T; t++) naive_state(m, x, t, 0, ref + (t - 1) * S, tmp, work);
    /* Not bit for bit: srm_cell_step projects the input with a GEMV, the forward with one GEMM
     * for all steps, and OpenBLAS rounds the two kernels differently (last bit). */
    double d = max_abs_diff(states, ref, T * S);
    CHECK(rc == SRM_OK && d <= TOL, "%s: forward = stepping srm_cell_step (max diff %.1e)", name,
          d);
    double dout = 0.0;
    for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i < M; i++) {
            double v = m->decoder_bias[i];
            for (size_t j = 0; j < N; j++) v += m->decoder_weight[i * N + j] * ref[t * S + S - N + j];
            dout = fmax(dout, fabs(v - out[t * M + i]));
        }
    CHECK(dout <= TOL, "%s: outputs = decoder.weight h_t + decoder.bias (max diff %.1e)", name,
          dout);
    for (size_t k = 1; k <= 4; k += 3) {
        rc = srm_rnn_forward(m, x, T, k, states, out, ws);
        for (size_t t = 1; t <= T; t++) naive_state(m, x, t, k, ref + (t - 1) * S, tmp, work);
        d = max_abs_diff(states, ref, T * S);
        CHECK(rc == SRM_OK && d <= TOL, "%s: truncated forward k=%zu = k steps from zero at t-k "
              "(max diff %.1e)", name, k, d);
        srm_rnn_forward(m, x, T, 0, ref, NULL, ws);
        CHECK(memcmp(states, ref, k * S * sizeof(double)) == 0,
              "%s: truncated rows t <= k=%zu are the recurrent rows bit for bit", name, k);
    }
    srm_truncation_gap gaps[K];
    srm_gap_norm norm = srm_truncate_norm(m);
    rc = srm_truncate_gaps(m, x, T, K, norm, gaps, ws);
    double worst = 0.0;
    for (size_t k = 1; k <= K; k++) {
        double gmax = 0, gsum = 0, ymax = 0, prior = 0;
        for (size_t t = 1; t <= T; t++) {
            naive_state(m, x, t, 0, ref, tmp, work);
            naive_state(m, x, t, k, s, tmp, work);
            double g = norm_of(norm, ref, s, S);
            for (size_t i = 0; i < M; i++) {
                y[i] = yk[i] = m->decoder_bias[i];
                for (size_t j = 0; j < N; j++) {
                    y[i] += m->decoder_weight[i * N + j] * ref[S - N + j];
                    yk[i] += m->decoder_weight[i * N + j] * s[S - N + j];
                }
            }
            gmax = fmax(gmax, g), gsum += g, ymax = fmax(ymax, norm_of(norm, y, yk, M));
            if (t >= k) {
                naive_state(m, x, t - k, 0, s, tmp, work);
                prior = fmax(prior, norm_of(norm, s, NULL, S));
            }
        }
        const srm_truncation_gap *e = &gaps[k - 1];
        worst = fmax(worst, fabs(e->max_state_gap - gmax));
        worst = fmax(worst, fabs(e->mean_state_gap - gsum / T));
        worst = fmax(worst, fabs(e->max_output_gap - ymax));
        worst = fmax(worst, fabs(e->max_prior_norm - prior));
    }
    CHECK(rc == SRM_OK && worst <= TOL, "%s: all-k gaps (max, mean, output, prior norm) = naive "
          "windows, k = 1..%d > T (max diff %.1e)", name, K, worst);
    srm_rnn_workspace_free(ws);
    srm_model_free(m);
}

/* A random model of the cell made stable: RNN cells get W_hh scaled to ||W_hh||_2 = 0.8; the
 * LSTM gets its recurrent gate rows scaled to small infinity norms and a small forget gate. */
static void make_stable(srm_model *m, gsl_rng *rng)
{
    size_t n = m->hidden, d = m->input;
    randomize(m, rng, 1.0);
    if (m->cell != SRM_CELL_LSTM) {
        srm_svd_workspace *sw = srm_svd_workspace_alloc(n, n);
        double s2 = 1.0;
        srm_norm_spectral(m->weight_hh, n, n, sw, &s2);
        srm_svd_workspace_free(sw);
        for (size_t i = 0; i < n * n; i++) m->weight_hh[i] *= 0.8 / s2;
        return;
    }
    static const double target[4] = {0.3, 0.1, 0.08, 0.3}; /* i, f, z, o */
    for (size_t r = 0; r < 4 * n; r++) {
        double sum = 0;
        for (size_t j = 0; j < n; j++) sum += fabs(m->weight_hh[r * n + j]);
        for (size_t j = 0; j < n; j++) m->weight_hh[r * n + j] *= target[r / n] / sum;
        if (r / n == 1) {
            /* theory/stability.h bounds f by sigma(||W_f|| + ||U_f|| B_x + max |b_f|) */
            for (size_t j = 0; j < d; j++) m->weight_ih[r * d + j] *= 0.3;
            m->bias_ih[r] *= 0.1, m->bias_hh[r] *= 0.1;
        }
    }
}

static void test_bounds(srm_cell cell, gsl_rng *rng)
{
    enum { N = 6, D = 3, M = 2, T = 80, K = 40 };
    srm_model *m = srm_model_alloc(cell, N, D, M, 0);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, T, K);
    make_stable(m, rng);
    double x[T * D];
    random_input(x, T, D, 1.0, rng);
    srm_gap_norm norm = srm_truncate_norm(m);
    double bx = 0;
    for (size_t t = 0; t < T; t++) bx = fmax(bx, norm_of(norm, x + t * D, NULL, D));
    srm_truncation_constants c;
    srm_truncation_gap gaps[K];
    int rc = srm_truncate_constants(m, bx, &c);
    rc = rc ? rc : srm_truncate_gaps(m, x, T, K, norm, gaps, ws);
    const char *name = srm_cell_name(cell);
    CHECK(rc == SRM_OK && c.stable && c.lambda < 1, "%s: random model made stable, lambda = %.4f "
          "(%s norm), H = %.4g", name, c.lambda, srm_gap_norm_name(norm), c.state_bound);
    /* lambda by hand: ||W_hh||_2 = 0.8 by construction; for the LSTM, by
     * proofs-notes/lstm-conditions.md section 2,
     * lambda_inf = |W_i|/4 + |W_z| + |W_f|/(4a) + |W_o|/4 + f_max (max row sums), with
     * f_max = sigma(|W_f| + |U_f| B_x + max|b_f|). */
    double want = 0.8;
    if (cell == SRM_CELL_LSTM) {
        double w[4] = {0}, uf = 0, bf = 0;
        for (size_t r = 0; r < 4 * N; r++) {
            double sum = 0, usum = 0;
            for (size_t j = 0; j < N; j++) sum += fabs(m->weight_hh[r * N + j]);
            for (size_t j = 0; j < D; j++) usum += fabs(m->weight_ih[r * D + j]);
            w[r / N] = fmax(w[r / N], sum);
            if (r / N == 1) uf = fmax(uf, usum), bf = fmax(bf, fabs(m->bias_ih[r] + m->bias_hh[r]));
        }
        double fmax_ = 1 / (1 + exp(-(w[1] + uf * bx + bf))), a = 1 - fmax_;
        want = w[0] / 4 + w[2] + w[1] / (4 * a) + w[3] / 4 + fmax_;
        CHECK_CLOSE(c.state_bound, 1 / a, 1e-12, "lstm: H = 1/a");
    }
    CHECK_CLOSE(c.lambda, want, 1e-12, cell == SRM_CELL_LSTM ? "lstm: lambda = lambda_inf by hand"
                                                             : "lambda = ||W_hh||_2 = 0.8");
    /* Rounding: the two trajectories are computed with independent roundings, so a gap below
     * ~1e-15 ||s|| is noise; bound_traj can be far below that at large k. */
    double slack = 1e-14 * c.state_bound;
    int bad_traj = 0, bad_bound = 0, bad_out = 0, bad_h = 0;
    double ratio_traj = 0, ratio_bound = 0; /* max gap / bound over k: how tight the bounds are */
    for (size_t k = 1; k <= K; k++) {
        const srm_truncation_gap *e = &gaps[k - 1];
        double bt = srm_truncate_bound_traj(&c, k, e->max_prior_norm);
        double b = srm_truncate_bound(&c, k);
        bad_traj += !(e->max_state_gap <= bt + slack);
        bad_bound += !(e->max_state_gap <= b);
        bad_out += !(e->max_output_gap <= c.output_lipschitz * bt + slack);
        bad_h += !(e->max_prior_norm <= c.state_bound);
        if (bt > 1e-12) ratio_traj = fmax(ratio_traj, e->max_state_gap / bt);
        ratio_bound = fmax(ratio_bound, e->max_state_gap / b);
    }
    CHECK(bad_traj == 0, "%s: gap <= lambda^k max||s_{t-k}|| for k = 1..%d (%d violations; max "
          "ratio %.3f)", name, K, bad_traj, ratio_traj);
    CHECK(bad_bound == 0, "%s: gap <= lambda^k H for k = 1..%d (%d violations; max ratio %.3f)",
          name, K, bad_bound, ratio_bound);
    CHECK(bad_out == 0, "%s: output gap <= L_f lambda^k max||s_{t-k}|| (%d violations)", name,
          bad_out);
    CHECK(bad_h == 0, "%s: every state norm <= H (%d violations)", name, bad_h);
    /* The bound is informative: the gap at k = 1 is a sizeable fraction of lambda^1 H. */
    CHECK(gaps[0].max_state_gap > 1e-3 * srm_truncate_bound(&c, 1) &&
              gaps[K - 1].max_state_gap < 1e-3 * gaps[0].max_state_gap,
          "%s: gap decays: %.3g at k=1, %.3g at k=%d", name, gaps[0].max_state_gap,
          gaps[K - 1].max_state_gap, K);
    srm_rnn_workspace_free(ws);
    srm_model_free(m);
}

/* proofs-notes/necessity.md: h_t = a h_{t-1} + x_t, x_t = 1, a >= 1. */
static void test_necessity_linear(double a)
{
    enum { T = 40, K = 20 };
    srm_model *m = srm_model_alloc(SRM_CELL_LINEAR, 1, 1, 0, 0);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, T, K);
    m->weight_hh[0] = a, m->weight_ih[0] = 1.0;
    double x[T];
    for (size_t t = 0; t < T; t++) x[t] = 1.0;
    srm_truncation_gap gaps[K];
    srm_truncation_constants c;
    int rc = srm_truncate_gaps(m, x, T, K, SRM_GAP_NORM_2, gaps, ws);
    rc = rc ? rc : srm_truncate_constants(m, 1.0, &c);
    double worst = 0;
    for (size_t k = 1; k <= K; k++) {
        double expect = pow(a, (double)k) * gaps[k - 1].max_prior_norm; /* = a^k h_{T-k} */
        worst = fmax(worst, fabs(gaps[k - 1].max_state_gap - expect) / expect);
    }
    CHECK(rc == SRM_OK && worst <= 1e-12, "linear a=%g: h_t - h^k_t = a^k h_{t-k} exactly (rel "
          "err %.1e)", a, worst);
    CHECK(gaps[K - 1].max_state_gap >= 0.5 * gaps[0].max_state_gap,
          "linear a=%g: gap does not decay: %.4g at k=1, %.4g at k=%d", a, gaps[0].max_state_gap,
          gaps[K - 1].max_state_gap, K);
    if (a == 1.0)
        CHECK(gaps[K - 1].max_state_gap == T - K && gaps[0].max_state_gap == T - 1,
              "linear a=1: max gap is exactly T - k");
    CHECK(!c.stable && isnan(srm_truncate_bound(&c, 1)) && isnan(srm_truncate_bound_traj(&c, 1, 1)),
          "linear a=%g: lambda = %g >= 1, bounds are NaN", a, c.lambda);
    srm_rnn_workspace_free(ws);
    srm_model_free(m);
}

/* A tanh RNN with W = 2 I remembers a pulse forever: the truncation from zero never sees it. */
static void test_necessity_tanh(void)
{
    enum { N = 3, T = 30, K = 29 };
    srm_model *m = srm_model_alloc(SRM_CELL_RNN_TANH, N, 1, 0, 0);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, T, K);
    for (size_t i = 0; i < N; i++) m->weight_hh[i * N + i] = 2.0, m->weight_ih[i] = 1.0;
    double x[T] = {1.0};
    srm_truncation_gap gaps[K];
    int rc = srm_truncate_gaps(m, x, T, K, SRM_GAP_NORM_2, gaps, ws);
    double lo = INFINITY;
    for (size_t k = 1; k <= K; k++) lo = fmin(lo, gaps[k - 1].max_state_gap);
    CHECK(rc == SRM_OK && lo >= 0.5 * gaps[0].max_state_gap && lo > 1.0,
          "tanh, ||W||_2 = 2, one pulse: gap stays >= %.4f for every k < T (k=1: %.4f)", lo,
          gaps[0].max_state_gap);
    srm_rnn_workspace_free(ws);
    srm_model_free(m);
}

static void test_errors(void)
{
    srm_model *m = srm_model_alloc(SRM_CELL_RNN_TANH, 2, 1, 0, 0);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, 10, 3);
    double x[10] = {0};
    srm_truncation_gap gaps[8];
    srm_truncation_constants c;
    int rc = srm_truncate_gaps(m, x, 10, 0, SRM_GAP_NORM_2, gaps, ws);
    CHECK(rc == SRM_EINVAL, "kmax = 0 is rejected: %s", srm_error_message());
    rc = srm_truncate_gaps(m, x, 10, 8, SRM_GAP_NORM_2, gaps, ws);
    CHECK(rc == SRM_EINVAL && strstr(srm_error_message(), "k_max"),
          "kmax beyond the workspace is rejected: %s", srm_error_message());
    rc = srm_truncate_gaps(m, x, 3, 8, SRM_GAP_NORM_2, gaps, ws);
    CHECK(rc == SRM_OK && gaps[7].max_state_gap == 0.0 && gaps[2].max_prior_norm == 0.0,
          "kmax > T only needs T rows; gaps for k >= T are 0");
    rc = srm_truncate_constants(m, -1.0, &c);
    CHECK(rc == SRM_EINVAL, "a negative input bound is rejected: %s", srm_error_message());
    srm_rnn_workspace_free(ws);
    srm_model_free(m);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 1);
    for (size_t c = 0; c < 4; c++) test_against_reference(cells[c], rng);
    for (size_t c = 0; c < 4; c++) test_bounds(cells[c], rng);
    test_necessity_linear(1.0);
    test_necessity_linear(1.05);
    test_necessity_tanh();
    test_errors();
    gsl_rng_free(rng);
    return srm_test_finish();
}
