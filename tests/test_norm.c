/* tests/test_norm.c: theory/norm.h against matrices whose norms are known in closed form
 * (diagonal, orthogonal, Hilbert, rank-1, a 2 x 3 with a hand-solved spectrum), the power method
 * against the SVD, the certified upper bound, and every error path.
 *
 * Tolerances: dgesdd is backward stable, so singular values carry an absolute error of a few ulps
 * of ||W||_2; on these tiny well-scaled matrices 1e-14 (~45 ulps) is ample and still catches any
 * layout mistake (transposes, leading dimensions), which changes values at the 1e-1 level. */
#include <float.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tests/harness.h"
#include "theory/norm.h"

static double spectral(const double *w, size_t rows, size_t cols)
{
    srm_svd_workspace *ws = srm_svd_workspace_alloc(rows, cols);
    double s = NAN;
    if (ws && srm_norm_spectral(w, rows, cols, ws, &s) != SRM_OK) s = NAN;
    srm_svd_workspace_free(ws);
    return s;
}

static void test_diagonal(void)
{
    /* diag(3, -7, 0.5, 2) as a 4 x 5 matrix (a zero column): sigma = 7, 3, 2, 0.5. */
    double w[20] = {0};
    w[0] = 3, w[6] = -7, w[12] = 0.5, w[18] = 2;
    srm_svd_workspace *ws = srm_svd_workspace_alloc(4, 5);
    CHECK(ws && srm_norm_svd(w, 4, 5, 0, ws) == SRM_OK, "diagonal: SVD runs");
    const double want[4] = {7, 3, 2, 0.5};
    double worst = 0;
    for (int j = 0; j < 4; j++) worst = fmax(worst, fabs(ws->s[j] - want[j]));
    CHECK(worst <= 1e-14, "diagonal: singular values are |d| sorted (worst error %.3g)", worst);
    CHECK_CLOSE(srm_norm_one(w, 4, 5), 7, 0, "diagonal: 1-norm");
    CHECK_CLOSE(srm_norm_inf(w, 4, 5), 7, 0, "diagonal: inf-norm");
    CHECK_CLOSE(srm_norm_frobenius(w, 4, 5), sqrt(62.25), 1e-15, "diagonal: Frobenius");
    srm_svd_workspace_free(ws);
}

static void test_orthogonal(void)
{
    /* Householder reflector I - 2 v v^T / v^T v: orthogonal, every singular value is 1. */
    const double v[5] = {1, -2, 0.5, 3, -1};
    double vv = 0, q[25];
    for (int i = 0; i < 5; i++) vv += v[i] * v[i];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) q[i * 5 + j] = (i == j) - 2 * v[i] * v[j] / vv;
    srm_svd_workspace *ws = srm_svd_workspace_alloc(5, 5);
    srm_norm_svd(q, 5, 5, 0, ws);
    double worst = 0;
    for (int j = 0; j < 5; j++) worst = fmax(worst, fabs(ws->s[j] - 1));
    CHECK(worst <= 1e-14, "orthogonal: every singular value is 1 (worst error %.3g)", worst);
    CHECK_CLOSE(srm_norm_frobenius(q, 5, 5), sqrt(5), 1e-14, "orthogonal: Frobenius = sqrt(n)");
    srm_svd_workspace_free(ws);
}

static void test_hilbert(void)
{
    double h2[4] = {1, 0.5, 0.5, 1.0 / 3};
    CHECK_CLOSE(spectral(h2, 2, 2), (4 + sqrt(13)) / 6, 1e-14, "Hilbert 2: (4 + sqrt 13)/6");
    /* Published ||H_4||_2 = 1.5002142800592426 and ||H_5||_2 = 1.5670506910982311 (also what
     * GSL's symmetric eigensolver gives). */
    const double published[2] = {1.5002142800592426, 1.5670506910982311};
    for (int n = 4; n <= 5; n++) {
        double h[25];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) h[i * n + j] = 1.0 / (i + j + 1);
        CHECK_CLOSE(spectral(h, n, n), published[n - 4], 1e-14, "Hilbert ||H_n||_2 (published)");
        /* H_n is symmetric positive definite: singular values = eigenvalues, so their sum is the
         * trace and their product the determinant, exactly 1/6048000 and 1/266716800000. The
         * product's relative error is about cond(H) ulps (cond(H_5) = 4.8e5): tolerance 1e-9. */
        srm_svd_workspace *ws = srm_svd_workspace_alloc(n, n);
        srm_norm_svd(h, n, n, 0, ws);
        double sum = 0, prod = 1, trace = 0;
        for (int j = 0; j < n; j++) sum += ws->s[j], prod *= ws->s[j], trace += h[j * n + j];
        double det = n == 4 ? 1.0 / 6048000 : 1.0 / 266716800000.0;
        CHECK(fabs(sum - trace) <= 1e-14 * trace, "Hilbert %d: sum of singular values = trace", n);
        CHECK(fabs(prod - det) <= 1e-9 * det,
              "Hilbert %d: product of singular values = det (rel. error %.3g)", n,
              fabs(prod - det) / det);
        srm_svd_workspace_free(ws);
    }
}

static void test_rank_one_and_rectangular(void)
{
    const double u[5] = {1, 2, -2, 0.5, 3}, v[3] = {2, -1, 2};
    double w[15], uu = 0, vv = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 3; j++) w[i * 3 + j] = u[i] * v[j];
    for (int i = 0; i < 5; i++) uu += u[i] * u[i];
    for (int j = 0; j < 3; j++) vv += v[j] * v[j];
    srm_svd_workspace *ws = srm_svd_workspace_alloc(5, 3);
    srm_norm_svd(w, 5, 3, 0, ws);
    CHECK_CLOSE(ws->s[0], sqrt(uu * vv), 1e-14, "rank 1: sigma_1 = ||u|| ||v||");
    CHECK(ws->s[1] <= 1e-14 * ws->s[0] && ws->s[2] <= 1e-14 * ws->s[0],
          "rank 1: other singular values vanish (%.3g, %.3g)", ws->s[1], ws->s[2]);
    double norm;
    size_t it;
    int rc = srm_norm_spectral_power(w, 5, 3, 1e-14, 100, NULL, NULL, &norm, &it);
    CHECK(rc == SRM_OK && it <= 3, "rank 1: power method converges at once (%zu iterations)", it);
    CHECK_CLOSE(norm, sqrt(uu * vv), 1e-14, "rank 1: power method value");
    srm_svd_workspace_free(ws);

    /* [[1,2,3],[4,5,6]]: W W^T = [[14,32],[32,77]], sigma^2 = (91 +- sqrt 8065)/2. Both it and
     * its transpose, so a row/column-major mix-up cannot pass. */
    const double a[6] = {1, 2, 3, 4, 5, 6}, at[6] = {1, 4, 2, 5, 3, 6};
    const double s1 = sqrt((91 + sqrt(8065)) / 2), s2 = sqrt((91 - sqrt(8065)) / 2);
    for (int t = 0; t < 2; t++) {
        size_t r = t ? 3 : 2, c = t ? 2 : 3;
        srm_svd_workspace *w2 = srm_svd_workspace_alloc(r, c);
        srm_norm_svd(t ? at : a, r, c, 0, w2);
        CHECK(fabs(w2->s[0] - s1) <= 1e-14 * s1 && fabs(w2->s[1] - s2) <= 1e-13,
              "%zu x %zu: singular values (%.17g, %.17g)", r, c, w2->s[0], w2->s[1]);
        srm_svd_workspace_free(w2);
    }
    const double b[6] = {1, -2, 3, -4, 5, -6};
    CHECK_CLOSE(srm_norm_one(b, 2, 3), 9, 0, "2 x 3: 1-norm = max column sum");
    CHECK_CLOSE(srm_norm_inf(b, 2, 3), 15, 0, "2 x 3: inf-norm = max row sum");
    CHECK_CLOSE(srm_norm_inf_rows(b, 0, 1, 3), 6, 0, "2 x 3: inf-norm of the first row block");
}

/* U diag(S) V^T rebuilds W for both orientations (checks the thin-SVD layout). */
static void test_reconstruction(gsl_rng *rng)
{
    for (int t = 0; t < 2; t++) {
        size_t r = t ? 3 : 6, c = t ? 6 : 3, k = 3;
        double w[18];
        for (size_t i = 0; i < r * c; i++) w[i] = gsl_ran_gaussian(rng, 1);
        srm_svd_workspace *ws = srm_svd_workspace_alloc(r, c);
        srm_norm_svd(w, r, c, 1, ws);
        double worst = 0;
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++) {
                double x = 0;
                for (size_t p = 0; p < k; p++) x += ws->u[i * k + p] * ws->s[p] * ws->vt[p * c + j];
                worst = fmax(worst, fabs(x - w[i * c + j]));
            }
        CHECK(worst <= 1e-13, "%zu x %zu: U diag(S) V^T = W (worst %.3g)", r, c, worst);
        srm_svd_workspace_free(ws);
    }
}

static void test_power(gsl_rng *rng)
{
    size_t r = 40, c = 25;
    double *w = malloc(r * c * sizeof(double)), v[25] = {0}, work[65];
    for (size_t i = 0; i < r * c; i++) w[i] = gsl_ran_gaussian(rng, 1);
    double svd = spectral(w, r, c), est;
    size_t it_cold, it_warm, it;
    int rc = srm_norm_spectral_power(w, r, c, 1e-13, 100000, v, work, &est, &it_cold);
    /* Stopping at a relative change of 1e-13 leaves an error of about 1e-13 / (1 - q), q the
     * per-step contraction (sigma_2/sigma_1)^2; 1e-9 allows q up to 0.9999. */
    CHECK(rc == SRM_OK && fabs(est - svd) <= 1e-9 * svd,
          "power vs SVD, 40 x 25 Gaussian: %.17g vs %.17g (%zu iterations)", est, svd, it_cold);
    int lower = 1;
    for (size_t maxit = 1; maxit <= 12; maxit++) {
        double v0[25] = {0};
        srm_norm_spectral_power(w, r, c, 1e-300, maxit, v0, work, &est, &it);
        if (est > svd * (1 + 4 * DBL_EPSILON)) lower = 0;
    }
    srm_error_clear();
    CHECK(lower, "power estimate never exceeds ||W||_2 (first 12 iterations)");
    /* Warm start: after a small perturbation, v from the last run is nearly converged. */
    for (size_t i = 0; i < r * c; i++) w[i] += 1e-4 * gsl_ran_gaussian(rng, 1);
    double v_cold[25] = {0};
    srm_norm_spectral_power(w, r, c, 1e-13, 100000, v_cold, work, &est, &it_cold);
    srm_norm_spectral_power(w, r, c, 1e-13, 100000, v, work, &est, &it_warm);
    CHECK(it_warm < it_cold, "warm start needs fewer iterations (%zu < %zu)", it_warm, it_cold);
    /* Certified upper bound: never below ||W||_2; tight when one singular value dominates. */
    double upper = srm_norm_spectral_upper(w, r, c, v, work);
    svd = spectral(w, r, c);
    CHECK(upper >= svd, "certified upper bound >= ||W||_2 (%.6g >= %.6g)", upper, svd);
    double d[9] = {2, 0, 0, 0, 0.1, 0, 0, 0, 0.05}, dv[3] = {0}, dwork[6];
    srm_norm_spectral_power(d, 3, 3, 1e-15, 1000, dv, dwork, &est, &it);
    upper = srm_norm_spectral_upper(d, 3, 3, dv, dwork);
    CHECK(upper >= 2 && upper <= 2 * (1 + 1e-12),
          "certified bound is tight for a dominant singular value: %.17g", upper);
    double zero[6] = {0};
    rc = srm_norm_spectral_power(zero, 2, 3, 1e-12, 10, NULL, NULL, &est, &it);
    CHECK(rc == SRM_OK && est == 0, "power method on the zero matrix gives 0");
    /* A start vector in the null space restarts instead of reporting 0. */
    double nz[4] = {1, 0, 0, 0}, nv[2] = {0, 1};
    rc = srm_norm_spectral_power(nz, 2, 2, 1e-12, 10, nv, NULL, &est, &it);
    CHECK(rc == SRM_OK && fabs(est - 1) <= 1e-15, "null-space start restarts (got %.17g)", est);
    free(w);
}

static void test_errors(void)
{
    double w[4] = {1, 2, 3, 4}, norm;
    size_t it;
    srm_svd_workspace *ws = srm_svd_workspace_alloc(2, 2);
    CHECK(srm_norm_svd(w, 2, 1, 0, ws) == SRM_EINVAL, "error: workspace size mismatch");
    double bad[4] = {1, NAN, 3, 4};
    CHECK(srm_norm_spectral(bad, 2, 2, ws, &norm) == SRM_EINVAL, "error: NaN entry");
    srm_svd_workspace_free(ws);
    CHECK(srm_svd_workspace_alloc(0, 3) == NULL && srm_error_code() == SRM_EINVAL,
          "error: empty matrix workspace");
    CHECK(srm_norm_spectral_power(w, 2, 2, 0, 10, NULL, NULL, &norm, &it) == SRM_EINVAL,
          "error: power tolerance 0");
    CHECK(srm_norm_spectral_power(w, 2, 2, 1e-12, 0, NULL, NULL, &norm, &it) == SRM_EINVAL,
          "error: power maxit 0");
    int rc = srm_norm_spectral_power(w, 2, 2, 1e-300, 3, NULL, NULL, &norm, &it);
    CHECK(rc == SRM_ENUMERIC && it == 3 && norm > 5,
          "error: no convergence is SRM_ENUMERIC with the last estimate (%s)",
          srm_error_message());
    srm_norm_ord ord;
    srm_norm_method method;
    CHECK(srm_norm_ord_parse("3", &ord) == SRM_EINVAL, "error: --ord 3");
    CHECK(srm_norm_method_parse("qr", &method) == SRM_EINVAL, "error: --method qr");
    CHECK(srm_norm_ord_parse("inf", &ord) == SRM_OK && ord == SRM_NORM_INF, "--ord inf parses");
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    test_diagonal();
    test_orthogonal();
    test_hilbert();
    test_rank_one_and_rectangular();
    test_reconstruction(rng);
    test_power(rng);
    test_errors();
    gsl_rng_free(rng);
    return srm_test_finish();
}
