/* tests/test_fit.c: the decay-rate fit and the one-step contraction of sim/fit.c.
 * Tolerances: exact geometric data is fitted through log/exp in double, so the rate is exact to
 * ~1e-15 relative; 1e-12 leaves room for the summation in gsl_fit_linear over <= 80 rows. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "sim/fit.h"
#include "tests/harness.h"

#define N 80

static void geometric(double *k, double *gap, size_t n, double c, double rate)
{
    for (size_t i = 0; i < n; i++) {
        k[i] = (double)(i + 1);
        gap[i] = c * pow(rate, k[i]);
    }
}

static void test_exact(void)
{
    double k[N], gap[N], rate = 0, se = -1;
    size_t used = 0;
    geometric(k, gap, 30, 3.0, 0.7);
    int rc = srm_fit_decay_rate(k, gap, 30, 1e-13, &rate, &se, &used);
    CHECK(rc == SRM_OK, "exact geometric data fits (rc %d)", rc);
    CHECK_CLOSE(rate, 0.7, 1e-12, "exact geometric data: rate 0.7");
    CHECK(se >= 0 && se < 1e-12, "exact geometric data: slope standard error %.3g ~ 0", se);
    CHECK(used == 30, "exact geometric data: all 30 rows used (got %zu)", used);

    srm_fit_result r;
    rc = srm_fit_decay(k, gap, 30, 1e-13, &r);
    CHECK(rc == SRM_OK && fabs(r.intercept - log(3.0)) < 1e-12,
          "exact geometric data: intercept log 3 (got %.17g)", r.intercept);
    CHECK(r.k_first == 1 && r.k_last == 30, "fitted k range 1..30 (got %g..%g)", r.k_first,
          r.k_last);
}

/* Below 1e-13 of the first gap the rows are rounding noise; they must not bend the fit. */
static void test_floor(void)
{
    double k[N], gap[N], rate = 0;
    size_t used = 0, expect = 0;
    geometric(k, gap, N, 1.0, 0.5);
    for (size_t i = 0; i < N; i++) {
        if (gap[i] > 1e-13 * gap[0]) {
            expect++;
        } else {
            gap[i] = (i % 2 ? 3e-17 : 1e-16); /* a noise plateau, as doubles give */
        }
    }
    int rc = srm_fit_decay_rate(k, gap, N, 1e-13, &rate, NULL, &used);
    CHECK(rc == SRM_OK, "noise-floor data fits (rc %d)", rc);
    CHECK_CLOSE(rate, 0.5, 1e-12, "noise-floor rows excluded: rate 0.5");
    CHECK(used == expect, "noise-floor rows excluded: %zu rows used (expected %zu of %d)", used,
          expect, N);
    /* The same data without the floor: the plateau pulls the rate up (so the floor matters). */
    double raw = 0;
    rc = srm_fit_decay_rate(k, gap, N, 0.0, &raw, NULL, &used);
    CHECK(rc == SRM_OK && raw > 0.55 && used == N,
          "without the floor the plateau biases the rate (%.4f, %zu rows)", raw, used);

    /* Zeros, NaN and Inf are skipped, not fatal. */
    geometric(k, gap, 20, 2.0, 0.9);
    gap[3] = 0.0;
    gap[7] = NAN;
    gap[11] = INFINITY;
    rc = srm_fit_decay_rate(k, gap, 20, 1e-13, &rate, NULL, &used);
    CHECK(rc == SRM_OK && used == 17, "zero/NaN/Inf rows skipped (%zu rows used)", used);
    CHECK_CLOSE(rate, 0.9, 1e-12, "rate with skipped rows 0.9");
}

/* Data off the line: the fit is ordinary least squares, compared with the closed form. */
static void test_noisy(void)
{
    double k[9], gap[9];
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < 9; i++) {
        k[i] = (double)(2 * i + 1);
        double y = -0.3 * k[i] + (i % 2 ? 0.1 : -0.1);
        gap[i] = exp(y);
        sx += k[i];
        sy += y;
        sxx += k[i] * k[i];
        sxy += k[i] * y;
    }
    double slope = (9 * sxy - sx * sy) / (9 * sxx - sx * sx);
    srm_fit_result r;
    int rc = srm_fit_decay(k, gap, 9, 1e-13, &r);
    CHECK(rc == SRM_OK, "noisy data fits");
    CHECK_CLOSE(r.slope, slope, 1e-12, "slope equals the closed-form least-squares slope");
    CHECK(r.slope_stderr > 1e-4, "noisy data: positive slope standard error (%.3g)",
          r.slope_stderr);
    CHECK(r.rate_lo < r.rate && r.rate < r.rate_hi,
          "confidence interval [%.6f, %.6f] contains the rate %.6f", r.rate_lo, r.rate_hi,
          r.rate);
    CHECK(r.rate_lo <= exp(-0.3) && exp(-0.3) <= r.rate_hi,
          "95%% interval contains the true rate exp(-0.3) = %.6f", exp(-0.3));
}

static void test_errors(void)
{
    double k[4] = {1, 2, 3, 4}, gap[4] = {1, 0.5, 1e-20, 1e-21};
    double rate = -1;
    srm_error_clear();
    int rc = srm_fit_decay_rate(k, gap, 4, 1e-13, &rate, NULL, NULL);
    CHECK(rc == SRM_EINVAL && strstr(srm_error_message(), "need 3"),
          "two rows above the floor is an error: %s", srm_error_message());
    CHECK(rate == -1, "failed fit leaves the output untouched");
    rc = srm_fit_decay_rate(k, gap, 0, 1e-13, &rate, NULL, NULL);
    CHECK(rc == SRM_EINVAL, "no rows is an error");
    rc = srm_fit_decay_rate(k, gap, 4, -1.0, &rate, NULL, NULL);
    CHECK(rc == SRM_EINVAL, "negative floor is an error: %s", srm_error_message());
    rc = srm_fit_decay_rate(k, gap, 4, NAN, &rate, NULL, NULL);
    CHECK(rc == SRM_EINVAL, "NaN floor is an error");
    double same_k[3] = {5, 5, 5}, g3[3] = {1, 0.5, 0.25};
    rc = srm_fit_decay_rate(same_k, g3, 3, 1e-13, &rate, NULL, NULL);
    CHECK(rc == SRM_EINVAL, "equal k everywhere is an error: %s", srm_error_message());
}

static void test_step_ratio(void)
{
    double k[N], gap[N], ratio = 0;
    size_t pairs = 0;
    geometric(k, gap, 40, 5.0, 0.8);
    int rc = srm_fit_max_step_ratio(k, gap, 40, 1e-13, &ratio, &pairs);
    CHECK(rc == SRM_OK && pairs == 39, "step ratio of geometric data (%zu pairs)", pairs);
    CHECK_CLOSE(ratio, 0.8, 1e-12, "step ratio of geometric data 0.8");

    /* Fast decay then slow: the worst step is the slow one, and the fitted rate lies between. */
    for (size_t i = 0; i < 20; i++) {
        k[i] = (double)(i + 1);
        gap[i] = i < 10 ? pow(0.5, k[i]) : pow(0.5, 10) * pow(0.9, k[i] - 10);
    }
    rc = srm_fit_max_step_ratio(k, gap, 20, 1e-13, &ratio, NULL);
    CHECK_CLOSE(ratio, 0.9, 1e-12, "worst step of a two-phase decay is 0.9");
    double rate = 0;
    srm_fit_decay_rate(k, gap, 20, 1e-13, &rate, NULL, NULL);
    CHECK(rate > 0.5 && rate < 0.9, "fitted rate %.4f lies between the two phases", rate);

    /* Unequal spacing: per-step rate is the geometric mean over the interval. */
    double ks[3] = {1, 3, 7}, gs[3] = {1, 0.25, 0.25 * pow(0.6, 4)};
    rc = srm_fit_max_step_ratio(ks, gs, 3, 1e-13, &ratio, NULL);
    CHECK(rc == SRM_OK, "unequal spacing accepted");
    CHECK_CLOSE(ratio, 0.6, 1e-12, "per-step ratio over k = 3..7 is 0.6 (worse than 0.5)");

    double kd[3] = {1, 3, 2};
    rc = srm_fit_max_step_ratio(kd, gs, 3, 1e-13, &ratio, NULL);
    CHECK(rc == SRM_EINVAL, "decreasing k is an error: %s", srm_error_message());
    double g1[2] = {1, 0};
    rc = srm_fit_max_step_ratio(ks, g1, 2, 1e-13, &ratio, NULL);
    CHECK(rc == SRM_EINVAL, "a single row above the floor is an error");
}

int main(void)
{
    test_exact();
    test_floor();
    test_noisy();
    test_errors();
    test_step_ratio();
    return srm_test_finish();
}
