/* tests/test_project.c: properties of the projections of theory/project.h.
 *
 * Spectral projection: the result's norm is at most r (no tolerance: the clip level
 * r (1 - 64 eps) absorbs the SVD's rounding), the spectrum is min(s, r) (1e-13: tens of ulps of
 * rounding in two SVDs), the projection is idempotent and leaves matrices inside the ball
 * bit-for-bit alone, and it is nearer in Frobenius norm than random points of the ball.
 * LSTM row scaling: afterwards every condition holds with margin >= m and a >= the target a,
 * exactly (same reason), rows within their target are untouched, the others keep direction. */
#include <float.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tests/harness.h"
#include "theory/project.h"
#include "theory/stability.h"

static void gaussian(gsl_rng *rng, double *w, size_t count, double sd)
{
    for (size_t i = 0; i < count; i++) w[i] = gsl_ran_gaussian(rng, sd);
}

static double frobenius_distance(const double *a, const double *b, size_t count)
{
    double s = 0;
    for (size_t i = 0; i < count; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

static void test_spectral(gsl_rng *rng, size_t rows, size_t cols)
{
    const double r = 1.0;
    size_t count = rows * cols, k = rows < cols ? rows : cols;
    double *w = malloc(count * sizeof(double)), *p = malloc(count * sizeof(double));
    double *x = malloc(count * sizeof(double)), *before = malloc(k * sizeof(double));
    srm_svd_workspace *ws = srm_svd_workspace_alloc(rows, cols);
    gaussian(rng, w, count, 1.0); /* ||W||_2 ~ sqrt(rows) + sqrt(cols) > 1: several clipped */
    srm_norm_svd(w, rows, cols, 0, ws);
    memcpy(before, ws->s, k * sizeof(double));
    memcpy(p, w, count * sizeof(double));
    srm_project_result res;
    int rc = srm_project_spectral(p, rows, cols, r, SRM_NORM_METHOD_SVD, ws, NULL, NULL, &res);
    CHECK(rc == SRM_OK && res.changed && res.clipped > 0,
          "%zu x %zu: projection clips %zu singular values", rows, cols, res.clipped);
    srm_norm_svd(p, rows, cols, 0, ws);
    CHECK(ws->s[0] <= r, "%zu x %zu: ||P(W)||_2 = %.17g <= r", rows, cols, ws->s[0]);
    double worst = 0, dist2 = 0;
    for (size_t j = 0; j < k; j++) {
        worst = fmax(worst, fabs(ws->s[j] - fmin(before[j], r)));
        if (before[j] > r) dist2 += (before[j] - r) * (before[j] - r);
    }
    CHECK(worst <= 1e-13, "%zu x %zu: spectrum is min(s, r) (worst %.3g)", rows, cols, worst);
    double dist = frobenius_distance(w, p, count);
    CHECK(fabs(dist - sqrt(dist2)) <= 1e-12 * sqrt(dist2),
          "%zu x %zu: ||W - P(W)||_F = ||(s - r)_+|| (%.17g vs %.17g)", rows, cols, dist,
          sqrt(dist2));
    /* Nearer than random points of the ball: far ones (random direction, random norm <= r) and
     * near ones (P(W) plus a small perturbation, scaled back into the ball if needed). */
    int nearer = 1;
    double margin_min = INFINITY;
    for (int t = 0; t < 200; t++) {
        if (t % 2 == 0) {
            gaussian(rng, x, count, 1.0);
            srm_norm_svd(x, rows, cols, 0, ws);
            double scale = r * gsl_rng_uniform(rng) / ws->s[0];
            for (size_t i = 0; i < count; i++) x[i] *= scale;
        } else {
            for (size_t i = 0; i < count; i++) x[i] = p[i] + 1e-3 * gsl_ran_gaussian(rng, 1);
            srm_norm_svd(x, rows, cols, 0, ws);
            if (ws->s[0] > r)
                for (size_t i = 0; i < count; i++) x[i] *= r / ws->s[0];
        }
        double d = frobenius_distance(w, x, count);
        margin_min = fmin(margin_min, d - dist);
        if (d < dist) nearer = 0;
    }
    CHECK(nearer, "%zu x %zu: P(W) is nearer than 200 points of the ball (min excess %.3g)",
          rows, cols, margin_min);
    /* Idempotent, bit for bit. */
    memcpy(x, p, count * sizeof(double));
    srm_project_spectral(x, rows, cols, r, SRM_NORM_METHOD_SVD, ws, NULL, NULL, &res);
    CHECK(!res.changed && memcmp(x, p, count * sizeof(double)) == 0,
          "%zu x %zu: projecting twice changes nothing", rows, cols);
    /* A matrix inside the ball is unchanged, bit for bit. */
    gaussian(rng, x, count, 1.0);
    srm_norm_svd(x, rows, cols, 0, ws);
    for (size_t i = 0; i < count; i++) x[i] *= 0.8 * r / ws->s[0];
    memcpy(p, x, count * sizeof(double));
    srm_project_spectral(x, rows, cols, r, SRM_NORM_METHOD_SVD, ws, NULL, NULL, &res);
    CHECK(!res.changed && memcmp(x, p, count * sizeof(double)) == 0,
          "%zu x %zu: a matrix inside the ball is unchanged", rows, cols);
    srm_svd_workspace_free(ws);
    free(w), free(p), free(x), free(before);
}

/* Method power: skips the SVD only when certified, and then never wrongly. */
static void test_power_method(gsl_rng *rng)
{
    size_t n = 6;
    double w[36], copy[36], svd_copy[36], v[6] = {0}, work[12];
    srm_svd_workspace *ws = srm_svd_workspace_alloc(n, n);
    srm_project_result res;
    /* Dominant singular value 0.5, the rest <= 0.05: the residual bound certifies it inside. */
    memset(w, 0, sizeof w);
    for (size_t i = 0; i < n; i++) w[i * n + i] = i == 0 ? 0.5 : 0.05;
    memcpy(copy, w, sizeof w);
    srm_project_spectral(w, n, n, 1.0, SRM_NORM_METHOD_POWER, ws, v, work, &res);
    CHECK(res.svd_skipped && memcmp(w, copy, sizeof w) == 0,
          "power: a certified-inside matrix skips the SVD and is unchanged");
    /* 0.99 times the reflector I - 2 1 1^T / n: inside, but no cheap certificate (all singular
     * values equal, ||W||_F and sqrt(||W||_1 ||W||_inf) > 1): the SVD must run. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) w[i * n + j] = 0.99 * ((i == j) - 2.0 / (double)n);
    memcpy(copy, w, sizeof w);
    memset(v, 0, sizeof v);
    srm_project_spectral(w, n, n, 1.0, SRM_NORM_METHOD_POWER, ws, v, work, &res);
    CHECK(!res.svd_skipped && !res.changed && memcmp(w, copy, sizeof w) == 0,
          "power: an uncertified matrix inside the ball falls back to the SVD, unchanged");
    /* Outside: identical result to method svd. */
    gaussian(rng, w, 36, 1.0);
    memcpy(svd_copy, w, sizeof w);
    memset(v, 0, sizeof v);
    srm_project_spectral(w, n, n, 1.0, SRM_NORM_METHOD_POWER, ws, v, work, &res);
    srm_project_spectral(svd_copy, n, n, 1.0, SRM_NORM_METHOD_SVD, ws, NULL, NULL, &res);
    CHECK(memcmp(w, svd_copy, sizeof w) == 0, "power: outside the ball, same result as svd");
    /* 300 random matrices with norms around r: whenever the SVD was skipped, ||W||_2 <= r. */
    int wrong = 0, skipped = 0;
    for (int t = 0; t < 300; t++) {
        gaussian(rng, w, 36, 1.0);
        if (t % 3 == 0) w[0] += 5; /* dominant direction: certifiable */
        double s;
        srm_norm_spectral(w, n, n, ws, &s);
        double scale = (0.7 + 0.6 * gsl_rng_uniform(rng)) / s;
        for (int i = 0; i < 36; i++) w[i] *= scale;
        srm_norm_spectral(w, n, n, ws, &s);
        srm_project_spectral(w, n, n, 1.0, SRM_NORM_METHOD_POWER, ws, v, work, &res);
        if (res.svd_skipped) skipped++, wrong += s > 1.0;
    }
    CHECK(wrong == 0 && skipped > 0, "power: %d of 300 skipped the SVD, %d wrongly", skipped,
          wrong);
    srm_svd_workspace_free(ws);
}

static srm_model *random_lstm(gsl_rng *rng, size_t n, size_t d, double scale)
{
    srm_model *m = srm_model_alloc(SRM_CELL_LSTM, n, d, 0, 0);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = scale * gsl_ran_gaussian(rng, 1);
    return m;
}

static void test_lstm(gsl_rng *rng)
{
    const double a = 0.4, margin = 0.005, bx = 1.5;
    size_t n = 6, d = 3;
    srm_model *m = random_lstm(rng, n, d, 1.0);
    /* Keep W_i's first row small, so it must survive untouched. */
    for (size_t j = 0; j < n; j++) m->weight_hh[j] = 0.01;
    srm_model *orig = srm_model_alloc_like(m);
    srm_model_copy(orig, m);
    srm_project_lstm_result res;
    int rc = srm_project_lstm(m, a, margin, bx, &res);
    CHECK(rc == SRM_OK && res.rows_scaled > 0, "LSTM: projection scales %zu rows, %zu biases",
          res.rows_scaled, res.biases_clipped);
    srm_lstm_stability s;
    srm_stability_lstm(m, bx, &s);
    CHECK(s.a >= a, "LSTM: a after projection %.17g >= target %g", s.a, a);
    CHECK(s.margin_i >= margin && s.margin_o >= margin && s.margin_z >= margin &&
              s.margin_f >= margin,
          "LSTM: margins (%.17g, %.17g, %.17g, %.17g) >= %g", s.margin_i, s.margin_o, s.margin_z,
          s.margin_f, margin);
    CHECK(s.stable && s.lambda_inf < 1, "LSTM: projected model is stable (lambda_inf %.6g)",
          s.lambda_inf);
    CHECK(memcmp(m->weight_hh, orig->weight_hh, n * sizeof(double)) == 0,
          "LSTM: a row within its target is untouched");
    /* Each row is a multiple c in (0, 1] of the original row. */
    int direction = 1;
    for (size_t i = 0; i < 4 * n; i++) {
        const double *x = m->weight_hh + i * n, *y = orig->weight_hh + i * n;
        double c = x[0] / y[0];
        if (!(c > 0 && c <= 1)) direction = 0;
        for (size_t j = 0; j < n; j++)
            if (fabs(x[j] - c * y[j]) > 1e-15 * fabs(y[j])) direction = 0;
    }
    CHECK(direction, "LSTM: scaled rows keep their direction");
    srm_model_copy(orig, m);
    srm_project_lstm(m, a, margin, bx, &res);
    CHECK(res.rows_scaled == 0 && res.biases_clipped == 0 &&
              memcmp(m->w, orig->w, m->nparam * sizeof(double)) == 0,
          "LSTM: projecting twice changes nothing");
    srm_model_free(orig);

    /* The paper's targets: zero biases, B_x = 1, a = 0.4, m = 0.005 give 0.395, 0.155,
     * 0.095 (the paper: 0.099, a smaller margin on W_z), 0.395, and U_f <= logit(0.6) - 0.155. */
    memset(m->bias_ih, 0, 4 * n * sizeof(double));
    memset(m->bias_hh, 0, 4 * n * sizeof(double));
    for (size_t i = 0; i < 4 * n * d; i++) m->weight_ih[i] = 1;
    srm_lstm_targets t;
    srm_project_lstm_targets(m, 0.4, 0.005, 1.0, &t);
    CHECK(fabs(t.w_i - 0.395) < 1e-15 && fabs(t.w_f - 0.155) < 1e-15 &&
              fabs(t.w_z - 0.095) < 1e-15 && fabs(t.w_o - 0.395) < 1e-15,
          "LSTM: paper targets 0.395 0.155 0.095 0.395 (%g %g %g %g)", t.w_i, t.w_f, t.w_z, t.w_o);
    CHECK_CLOSE(t.u_f, log(1.5) - 0.155, 1e-15, "LSTM: U_f target = logit(0.6) - 0.155 ~ 0.25");
    srm_project_lstm_targets(m, 0.4, 0.005, 0.0, &t);
    CHECK(t.u_f == 3, "LSTM: with B_x = 0 the U_f rows are not capped (%g)", t.u_f);

    srm_lstm_targets dummy;
    CHECK(srm_project_lstm_targets(m, 0.5, 0.005, 1, &dummy) == SRM_EINVAL, "error: a = 0.5");
    CHECK(srm_project_lstm_targets(m, 0, 0.005, 1, &dummy) == SRM_EINVAL, "error: a = 0");
    CHECK(srm_project_lstm_targets(m, 0.4, 0.1, 1, &dummy) == SRM_EINVAL, "error: margin >= a/4");
    CHECK(srm_project_lstm_targets(m, 0.4, -0.1, 1, &dummy) == SRM_EINVAL, "error: margin < 0");
    CHECK(srm_project_lstm_targets(m, 0.4, 0.005, -1, &dummy) == SRM_EINVAL,
          "error: negative input bound");
    srm_model *rnn = srm_model_alloc(SRM_CELL_RNN_TANH, 3, 2, 0, 0);
    CHECK(srm_project_lstm(rnn, 0.4, 0.005, 1, &res) == SRM_EINVAL, "error: RNN to LSTM projection");
    double w[4] = {1, 2, 3, 4};
    srm_svd_workspace *ws = srm_svd_workspace_alloc(2, 2);
    srm_project_result pr;
    CHECK(srm_project_spectral(w, 2, 2, -1, SRM_NORM_METHOD_SVD, ws, NULL, NULL, &pr) ==
              SRM_EINVAL, "error: negative radius");
    CHECK(srm_project_spectral(w, 2, 2, NAN, SRM_NORM_METHOD_SVD, ws, NULL, NULL, &pr) ==
              SRM_EINVAL, "error: NaN radius");
    CHECK(srm_project_spectral(w, 2, 2, 1, SRM_NORM_METHOD_POWER, ws, NULL, NULL, &pr) ==
              SRM_EINVAL, "error: method power without its vectors");
    CHECK(srm_project_spectral(w, 2, 3, 1, SRM_NORM_METHOD_SVD, ws, NULL, NULL, &pr) ==
              SRM_EINVAL, "error: workspace of the wrong size");
    srm_svd_workspace_free(ws);
    srm_model_free(rnn);
    srm_model_free(m);
}

/* W = U diag(s) V^T with orthogonal U, V taken from the SVD of a Gaussian matrix. */
static void with_spectrum(gsl_rng *rng, size_t rows, size_t cols, const double *s, double *w)
{
    size_t k = rows < cols ? rows : cols;
    srm_svd_workspace *ws = srm_svd_workspace_alloc(rows, cols);
    gaussian(rng, w, rows * cols, 1.0);
    srm_norm_svd(w, rows, cols, 1, ws);
    for (size_t j = 0; j < k; j++) cblas_dscal((int)rows, s[j], ws->u + j, (int)k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)cols, (int)k, 1.0,
                ws->u, (int)k, ws->vt, (int)cols, 0.0, w, (int)cols);
    srm_svd_workspace_free(ws);
}

/* The Gram route against the exact clip, on spectra spread up to 2r (the range task/train.c uses
 * it in) with a cluster straddling r within 3e-13 relative, and below r. Tolerances: the route
 * clips to r'' = r (1 - 1e-12) (theory/project.h), so the result's singular values are
 * min(s_j, r'') to 2e-13 r (measured: 6.2e-14 r at n = 1024) and its norm is <= r with no
 * tolerance; a projected matrix must be left alone bit for bit (the detection level sits 5e-13 r
 * above r''). r != 1 catches r / r^2 mix-ups; the scales 1e-170 and 1e160 catch the underflow
 * and overflow of an unscaled W^T W. */
static void test_gram(gsl_rng *rng, size_t rows, size_t cols, double r)
{
    size_t count = rows * cols, k = rows < cols ? rows : cols;
    double *s = malloc(k * sizeof(double)), *w = malloc(count * sizeof(double));
    double *b = malloc(count * sizeof(double)), *before = malloc(k * sizeof(double));
    srm_svd_workspace *ws = srm_svd_workspace_alloc(rows, cols);
    srm_gram_workspace *gw = srm_gram_workspace_alloc(rows, cols);
    CHECK(gw != NULL, "%zu x %zu, r = %g: Gram workspace", rows, cols, r);
    size_t above = 0;
    for (size_t j = 0; j < k; j++) {
        if (j < k / 4) s[j] = r * (1 + gsl_rng_uniform(rng)); /* (r, 2r) */
        else if (j < k / 2) s[j] = r * (1 + ((double)j - (double)k * 3 / 8) * 1e-15 * 256 / (double)k);
        else s[j] = r * gsl_rng_uniform(rng);
        above += s[j] > r * SRM_PROJECT_GRAM_LEVEL;
    }
    with_spectrum(rng, rows, cols, s, w);
    srm_norm_svd(w, rows, cols, 0, ws);
    memcpy(before, ws->s, k * sizeof(double));
    memcpy(b, w, count * sizeof(double));
    srm_project_result rb;
    CHECK(srm_project_spectral_gram(b, rows, cols, r, gw, &rb) == SRM_OK && rb.changed,
          "%zu x %zu, r = %g: Gram projection clips %zu (%zu above the level)", rows, cols, r,
          rb.clipped, above);
    CHECK(fabs(rb.norm_before - before[0]) <= 1e-13 * before[0],
          "%zu x %zu, r = %g: norm_before %.17g vs the SVD's %.17g", rows, cols, r,
          rb.norm_before, before[0]);
    srm_norm_svd(b, rows, cols, 0, ws);
    double worst = 0, r2 = r * SRM_PROJECT_GRAM_SHRINK;
    for (size_t j = 0; j < k; j++) worst = fmax(worst, fabs(ws->s[j] - fmin(before[j], r2)));
    CHECK(worst <= 2e-13 * r, "%zu x %zu, r = %g: spectrum is min(s, r(1 - 1e-12)) (worst %.3g r)",
          rows, cols, r, worst / r);
    CHECK(ws->s[0] <= r, "%zu x %zu, r = %g: ||Gram P(W)||_2 = r (1 - %.3g) <= r", rows, cols, r,
          1 - ws->s[0] / r);
    memcpy(w, b, count * sizeof(double));
    CHECK(srm_project_spectral_gram(b, rows, cols, r, gw, &rb) == SRM_OK && !rb.changed &&
              memcmp(w, b, count * sizeof(double)) == 0,
          "%zu x %zu, r = %g: a second Gram projection changes nothing (%zu clipped)", rows,
          cols, r, rb.clipped);
    /* inside the ball (below r'' by more than the rounding): untouched, bit for bit */
    for (size_t j = 0; j < k; j++) s[j] = r * (1 - 1e-9) * gsl_rng_uniform(rng);
    s[0] = r * (1 - 1e-9);
    with_spectrum(rng, rows, cols, s, w);
    memcpy(b, w, count * sizeof(double));
    CHECK(srm_project_spectral_gram(b, rows, cols, r, gw, &rb) == SRM_OK && !rb.changed &&
              memcmp(b, w, count * sizeof(double)) == 0 && rb.norm_after >= s[0],
          "%zu x %zu, r = %g: Gram projection leaves a matrix inside the ball alone", rows, cols,
          r);
    srm_gram_workspace_free(gw);
    srm_svd_workspace_free(ws);
    free(s), free(w), free(b), free(before);
}

/* A radius far above ||W||_F: nothing to solve, no error, an upper bound reported. */
static void test_gram_large_radius(gsl_rng *rng)
{
    double w[12], b[12];
    gaussian(rng, w, 12, 0.1);
    memcpy(b, w, sizeof w);
    srm_gram_workspace *gw = srm_gram_workspace_alloc(3, 4);
    srm_project_result pr;
    CHECK(srm_project_spectral_gram(b, 3, 4, 9.0, gw, &pr) == SRM_OK && !pr.changed &&
              memcmp(b, w, sizeof w) == 0,
          "Gram projection at radius 9 > ||W||_F leaves W alone");
    srm_svd_workspace *ws = srm_svd_workspace_alloc(3, 4);
    srm_norm_svd(w, 3, 4, 0, ws);
    CHECK(pr.norm_after >= ws->s[0] && pr.norm_after <= 9.0,
          "reported bound %.6g is >= ||W||_2 = %.6g and <= r", pr.norm_after, ws->s[0]);
    memset(b, 0, sizeof b);
    CHECK(srm_project_spectral_gram(b, 3, 4, 0.0, gw, &pr) == SRM_OK && !pr.changed,
          "Gram projection of the zero matrix at radius 0 changes nothing");
    srm_svd_workspace_free(ws);
    srm_gram_workspace_free(gw);
}

static void test_gram_errors(void)
{
    double w[6] = {1, 2, 3, 4, 5, 6};
    srm_project_result pr;
    srm_gram_workspace *gw = srm_gram_workspace_alloc(2, 3);
    CHECK(srm_gram_workspace_alloc(0, 3) == NULL, "error: Gram workspace of size 0");
    srm_error_clear();
    CHECK(srm_project_spectral_gram(w, 3, 2, 1, gw, &pr) == SRM_EINVAL,
          "error: Gram workspace of the wrong shape");
    CHECK(srm_project_spectral_gram(w, 2, 3, -1, gw, &pr) == SRM_EINVAL,
          "error: Gram projection with a negative radius");
    w[4] = NAN;
    CHECK(srm_project_spectral_gram(w, 2, 3, 1, gw, &pr) == SRM_EINVAL,
          "error: Gram projection of a matrix with NaN");
    srm_error_clear();
    srm_gram_workspace_free(gw);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    test_spectral(rng, 12, 12);
    test_spectral(rng, 7, 4);
    test_spectral(rng, 4, 7);
    test_power_method(rng);
    test_gram(rng, 64, 64, 1.0);
    test_gram(rng, 40, 24, 0.37);
    test_gram(rng, 24, 40, 3.0);
    test_gram(rng, 256, 256, 1.0);
    test_gram(rng, 1024, 1024, 1.0); /* the paper's JSB size */
    test_gram(rng, 32, 32, 1e-170);
    test_gram(rng, 32, 32, 1e160);
    test_gram_large_radius(rng);
    test_gram_errors();
    test_lstm(rng);
    gsl_rng_free(rng);
    return srm_test_finish();
}
