/* sim/fit.h: decay rates of truncation gaps (proofs-notes/inference.md section 4; `srm fit`).
 *
 * For a lambda-stable model the state gap of the k-step truncation obeys
 * gap(k) <= lambda^k * C, so log(gap) is at most linear in k with slope log(lambda). We measure
 * two things from a gap-versus-k table:
 *   - the fitted rate exp(slope) of a GSL least-squares line through (k, log gap), which should
 *     come out at most lambda (fig-rate);
 *   - the worst one-step contraction max (gap(k') / gap(k))^(1/(k'-k)) over consecutive rows,
 *     which the definition bounds by lambda exactly: h^{k+1}_t is one step of phi from h^k_{t-1},
 *     so ||h_t - h^{k+1}_t|| <= lambda ||h_{t-1} - h^k_{t-1}|| and gap(k+1) <= lambda gap(k).
 * Rows whose gap is not finite, not positive, or at most `floor` times the largest gap are
 * excluded: once the gap reaches the floating-point floor it is rounding noise, not decay.
 * Proofs: proofs-notes/inference.md (gap(k+1) <= lambda gap(k), so a fitted rate is <= lambda). */
#ifndef SRM_FIT_H
#define SRM_FIT_H

#include <stddef.h>

/* Least-squares fit of log(gap[i]) = c0 + slope * k[i] over the rows above the floor.
 * Outputs (any may be NULL): rate = exp(slope); stderr_slope = the standard error of the slope
 * from the residual scatter (0 for exact geometric data); used = the number of rows fitted.
 * SRM_EINVAL if floor is negative or not finite, or fewer than 3 rows (with at least two
 * distinct k) remain: a line through two points has no error estimate. */
int srm_fit_decay_rate(const double *k, const double *gap, size_t n, double floor, double *rate,
                       double *stderr_slope, size_t *used);

/* Like srm_fit_decay_rate, and also the intercept and the half-width of the 95% confidence
 * interval of the slope (Student t with used - 2 degrees of freedom). */
typedef struct {
    double slope, intercept, slope_stderr, slope_halfwidth;
    double rate, rate_lo, rate_hi; /* exp(slope), exp(slope -+ halfwidth) */
    double k_first, k_last;        /* the smallest and largest k fitted */
    size_t used;
} srm_fit_result;

int srm_fit_decay(const double *k, const double *gap, size_t n, double floor,
                  srm_fit_result *out);

/* Worst one-step contraction: max over consecutive rows i < j, both above the floor, of
 * (gap[j] / gap[i])^(1 / (k[j] - k[i])), rows taken in the given order (k increasing).
 * *pairs receives the number of pairs compared (may be NULL). SRM_EINVAL if no pair remains
 * or k does not increase. */
int srm_fit_max_step_ratio(const double *k, const double *gap, size_t n, double floor,
                           double *ratio, size_t *pairs);

#endif
