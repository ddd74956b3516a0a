/* sim/fit.c: decay rate and one-step contraction of truncation gaps (see fit.h). */
#include "sim/fit.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <math.h>
#include <stdlib.h>

#include "core/error.h"

/* The largest finite positive gap: the reference the floor is relative to. */
static double reference_gap(const double *gap, size_t n)
{
    double ref = 0.0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(gap[i]) && gap[i] > ref) ref = gap[i];
    return ref;
}

static int above_floor(double k, double gap, double threshold)
{
    return isfinite(k) && isfinite(gap) && gap > 0.0 && gap > threshold;
}

int srm_fit_decay(const double *k, const double *gap, size_t n, double floor,
                  srm_fit_result *out)
{
    if (!(floor >= 0.0) || !isfinite(floor))
        return SRM_ERROR(SRM_EINVAL, "fit: floor must be a finite number >= 0 (got %g)", floor);
    double threshold = floor * reference_gap(gap, n);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) used += above_floor(k[i], gap[i], threshold);
    if (used < 3)
        return SRM_ERROR(SRM_EINVAL,
                         "fit: %zu of %zu rows have a finite gap above the floor; need 3", used,
                         n);
    double *x = malloc(2 * used * sizeof *x);
    if (!x) return SRM_ERROR(SRM_ENOMEM, "fit: out of memory");
    double *y = x + used;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (!above_floor(k[i], gap[i], threshold)) continue;
        x[j] = k[i];
        y[j] = log(gap[i]);
        j++;
    }
    double kmin = x[0], kmax = x[0];
    for (size_t i = 1; i < used; i++) {
        if (x[i] < kmin) kmin = x[i];
        if (x[i] > kmax) kmax = x[i];
    }
    if (kmin == kmax) {
        free(x);
        return SRM_ERROR(SRM_EINVAL, "fit: every row above the floor has k = %g", kmin);
    }
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_fit_linear(x, 1, y, 1, used, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    free(x);
    /* Exact data can give a tiny negative variance from rounding. */
    double se = cov11 > 0.0 ? sqrt(cov11) : 0.0;
    double half = gsl_cdf_tdist_Pinv(0.975, (double)(used - 2)) * se;
    out->slope = c1;
    out->intercept = c0;
    out->slope_stderr = se;
    out->slope_halfwidth = half;
    out->rate = exp(c1);
    out->rate_lo = exp(c1 - half);
    out->rate_hi = exp(c1 + half);
    out->k_first = kmin;
    out->k_last = kmax;
    out->used = used;
    return SRM_OK;
}

int srm_fit_decay_rate(const double *k, const double *gap, size_t n, double floor, double *rate,
                       double *stderr_slope, size_t *used)
{
    srm_fit_result r;
    SRM_TRY(srm_fit_decay(k, gap, n, floor, &r));
    if (rate) *rate = r.rate;
    if (stderr_slope) *stderr_slope = r.slope_stderr;
    if (used) *used = r.used;
    return SRM_OK;
}

int srm_fit_max_step_ratio(const double *k, const double *gap, size_t n, double floor,
                           double *ratio, size_t *pairs)
{
    if (!(floor >= 0.0) || !isfinite(floor))
        return SRM_ERROR(SRM_EINVAL, "fit: floor must be a finite number >= 0 (got %g)", floor);
    double threshold = floor * reference_gap(gap, n);
    double worst = -INFINITY;
    size_t count = 0;
    long prev = -1;
    for (size_t i = 0; i < n; i++) {
        if (!above_floor(k[i], gap[i], threshold)) continue;
        if (prev >= 0) {
            double dk = k[i] - k[prev];
            if (!(dk > 0.0))
                return SRM_ERROR(SRM_EINVAL, "fit: k does not increase (row %zu: %g after %g)",
                                 i + 1, k[i], k[prev]);
            double r = pow(gap[i] / gap[prev], 1.0 / dk);
            if (r > worst) worst = r;
            count++;
        }
        prev = (long)i;
    }
    if (count == 0)
        return SRM_ERROR(SRM_EINVAL, "fit: fewer than two rows have a gap above the floor");
    *ratio = worst;
    if (pairs) *pairs = count;
    return SRM_OK;
}
