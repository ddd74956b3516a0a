/* theory/bound.c: the truncation lengths of the inference proposition and the training theorem.
 *
 * The test "bound(k) <= eps" evaluates the bound directly when every factor is comfortably
 * inside double range, so that exact ties come out right (lambda = 1/2, eps = 1/4: k = 3, not
 * the k = 4 a rounded logarithm would give), and in log space otherwise (no overflow or
 * underflow for lambda near 1, huge N^(alpha beta) or tiny eps). */
#include "theory/bound.h"

#include <float.h>
#include <math.h>

#include "core/error.h"

#define K_MAX 9007199254740992.0 /* 2^53: beyond it k is no longer an exact double */

static int check_lambda_eps(double lambda, double eps)
{
    if (!(lambda >= 0 && lambda < 1))
        return SRM_ERROR(SRM_EINVAL, "--lambda must satisfy 0 <= lambda < 1 (got %g): the "
                                     "bounds need a lambda-stable model", lambda);
    if (!(eps > 0) || !isfinite(eps))
        return SRM_ERROR(SRM_EINVAL, "--eps must be finite and > 0 (got %g)", eps);
    return SRM_OK;
}

static int check_nonneg(const char *name, double v)
{
    if (!(v >= 0) || !isfinite(v))
        return SRM_ERROR(SRM_EINVAL, "--%s must be finite and >= 0 (got %g)", name, v);
    return SRM_OK;
}

/* A direct product is trusted when it and its factors are normal doubles (no underflow or
 * overflow anywhere, so each operation rounds with relative error <= 2^-53). */
static int direct_ok(double v) { return isfinite(v) && v >= DBL_MIN; }

/* One evaluation of a bound at k: the direct value when trustworthy, else its logarithm. */
typedef struct {
    int direct;
    double value, log_value;
} bound_at;

static int bound_le(bound_at b, double eps)
{
    return b.direct ? b.value <= eps : b.log_value <= log(eps);
}

static double bound_value(bound_at b) { return b.direct ? b.value : exp(b.log_value); }

double srm_bound_inference_gap(double lambda, double k, double scale, double divisor)
{
    return scale * pow(lambda, k) / divisor;
}

/* C lambda^k / (1 - lambda); base = log(C / (1 - lambda)), ll = log lambda. */
static bound_at inference_at(double c, double base, double lambda, double ll, double k)
{
    double p = pow(lambda, k), v = srm_bound_inference_gap(lambda, k, c, 1 - lambda);
    bound_at b = {direct_ok(c) && direct_ok(p) && direct_ok(c * p) && direct_ok(v), v,
                  base + k * ll};
    return b;
}

int srm_bound_inference(double lambda, double eps, double lipschitz_f, double lipschitz_x,
                        double input_bound, long long *k, double *bound)
{
    SRM_TRY(check_lambda_eps(lambda, eps));
    SRM_TRY(check_nonneg("lf", lipschitz_f));
    SRM_TRY(check_nonneg("lx", lipschitz_x));
    SRM_TRY(check_nonneg("bx", input_bound));
    if (lambda == 0 || lipschitz_f == 0 || lipschitz_x == 0 || input_bound == 0) {
        *k = 1; /* the bound is 0 for every k >= 1 */
        *bound = 0;
        return SRM_OK;
    }
    /* log bound(k) = log C - log(1 - lambda) + k log lambda, C = L_f L_x B_x (logs: no overflow) */
    double base = log(lipschitz_f) + log(lipschitz_x) + log(input_bound) - log1p(-lambda);
    double ll = log(lambda), c = lipschitz_f * lipschitz_x * input_bound;
    double x = (base - log(eps)) / -ll;
    if (!(x < K_MAX))
        return SRM_ERROR(SRM_ENUMERIC, "inference bound: k would exceed 2^53 (lambda = %.17g "
                                       "is too close to 1 for eps = %g)", lambda, eps);
    long long kk = x < 1 ? 1 : (long long)ceil(x);
    /* The closed form is exact up to the rounding of the logs: settle it on the inequality. */
    while (kk > 1 && bound_le(inference_at(c, base, lambda, ll, (double)(kk - 1)), eps)) kk--;
    while (!bound_le(inference_at(c, base, lambda, ll, (double)kk), eps)) kk++;
    *k = kk;
    *bound = bound_value(inference_at(c, base, lambda, ll, (double)kk));
    return SRM_OK;
}

/* The training gap gamma k lambda^k N^(alpha beta) (alpha + 1/beta) at k. */
typedef struct {
    double lambda, steps, alpha, beta, gamma;
    double log_const, log_lambda; /* log(gamma N^(alpha beta) (alpha + 1/beta)), log lambda */
} training_gap;

static training_gap training_gap_make(double lambda, double steps, double alpha, double beta,
                                      double gamma)
{
    training_gap g = {lambda, steps, alpha, beta, gamma,
                      log(gamma) + alpha * beta * log(steps) + log(alpha + 1 / beta),
                      log(lambda)};
    return g;
}

/* The one evaluation of the gap, left to right as written: (gamma k lambda^k) N^(alpha beta)
 * (alpha + 1/beta), with N^(alpha beta) = exp(alpha beta ln N). 0 when gamma k lambda^k is 0
 * (even if N^(alpha beta) overflows); overflow gives +inf. */
static bound_at training_at(const training_gap *g, double k)
{
    double p = pow(g->lambda, k), gk = srm_bound_gradient_gap(g->gamma, g->lambda, k);
    double q = exp(g->alpha * g->beta * log(g->steps)), gkq = gk * q;
    double v = gk == 0 ? 0 : gkq * (g->alpha + 1 / g->beta);
    bound_at b = {direct_ok(p) && direct_ok(gk) && direct_ok(q) && direct_ok(gkq) && direct_ok(v),
                  v, g->log_const + log(k) + k * g->log_lambda};
    return b;
}

double srm_bound_training_gap(double lambda, double steps, double alpha, double beta,
                              double gamma, double k)
{
    if (k <= 0 || lambda == 0 || gamma == 0) return 0;
    training_gap g = training_gap_make(lambda, steps, alpha, beta, gamma);
    return training_at(&g, k).value;
}

int srm_bound_training(double lambda, double eps, double steps, double alpha, double beta,
                       double gamma, srm_bound_training_result *out)
{
    SRM_TRY(check_lambda_eps(lambda, eps));
    if (!(steps >= 1) || !isfinite(steps))
        return SRM_ERROR(SRM_EINVAL, "--steps must be >= 1 (got %g)", steps);
    SRM_TRY(check_nonneg("alpha", alpha));
    if (!(beta > 0) || !isfinite(beta))
        return SRM_ERROR(SRM_EINVAL, "--beta must be finite and > 0 (got %g)", beta);
    SRM_TRY(check_nonneg("gamma", gamma));
    out->k = 1;
    out->gap = 0;
    out->k_peak = 0;
    out->k_closed_form = 1;
    if (lambda == 0 || gamma == 0) return SRM_OK; /* the gap is 0 for every k >= 1 */
    training_gap g = training_gap_make(lambda, steps, alpha, beta, gamma);
    double ll = g.log_lambda;
    if (!isfinite(g.log_const))
        return SRM_ERROR(SRM_ENUMERIC, "training bound: the constant overflows (log %g)",
                         g.log_const);
    out->k_peak = -1 / ll;
    /* Closed form: g(k) <= C lambda^(k/2),
     * C = gamma N^(alpha beta) (alpha + 1/beta) 2 / (e ln(1/lambda)). */
    double log_c = g.log_const + log(2.0) - 1 - log(-ll);
    double x = 2 * (log_c - log(eps)) / -ll;
    if (!(x < K_MAX))
        return SRM_ERROR(SRM_ENUMERIC, "training bound: k would exceed 2^53 (lambda = %.17g "
                                       "is too close to 1 for eps = %g)", lambda, eps);
    out->k_closed_form = x < 1 ? 1 : (long long)ceil(x);
    /* The largest integer value of g is at floor or ceil of the peak (g is unimodal). */
    double p1 = floor(out->k_peak) < 1 ? 1 : floor(out->k_peak);
    double p2 = ceil(out->k_peak) < 1 ? 1 : ceil(out->k_peak);
    bound_at b1 = training_at(&g, p1), b2 = training_at(&g, p2);
    double peak = b1.log_value >= b2.log_value ? p1 : p2;
    if (bound_le(training_at(&g, peak), eps)) {
        out->gap = bound_value(training_at(&g, 1));
        return SRM_OK; /* g(k) <= eps for every k >= 1 */
    }
    /* g(peak) > eps and g falls after the peak: bisect for the first k with g(k) <= eps.
     * hi = the closed form satisfies it in exact arithmetic; guard against rounding anyway. */
    double lo = peak, hi = (double)out->k_closed_form;
    if (hi <= lo) hi = lo + 1;
    while (!bound_le(training_at(&g, hi), eps)) {
        lo = hi;
        hi *= 2;
        if (!(hi < K_MAX))
            return SRM_ERROR(SRM_ENUMERIC, "training bound: k would exceed 2^53");
    }
    while (hi - lo > 1) {
        double mid = floor(lo + (hi - lo) / 2);
        if (bound_le(training_at(&g, mid), eps)) hi = mid;
        else lo = mid;
    }
    out->k = (long long)hi;
    out->gap = bound_value(training_at(&g, hi));
    return SRM_OK;
}
