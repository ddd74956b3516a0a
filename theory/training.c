/* theory/training.c: gamma and beta of the training theorem, analytic (tanh RNN, derived in
 * proofs-notes/gradient-gap.md and proofs-notes/smoothness.md) and estimated, and the
 * closed-form weight-distance bound for the two step-size schedules. */
#include "theory/training.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "theory/bound.h"

int srm_schedule_parse(const char *text, srm_schedule *out)
{
    if (strcmp(text, "inv") == 0) {
        *out = SRM_SCHEDULE_INV;
        return SRM_OK;
    }
    if (strcmp(text, "const") == 0) {
        *out = SRM_SCHEDULE_CONST;
        return SRM_OK;
    }
    return SRM_ERROR(SRM_EINVAL, "unknown schedule '%s' (inv, const)", text);
}

const char *srm_schedule_name(srm_schedule s) { return s == SRM_SCHEDULE_INV ? "inv" : "const"; }

double srm_schedule_step(srm_schedule s, double alpha, size_t t)
{
    return s == SRM_SCHEDULE_INV ? alpha / (double)t : alpha;
}

double srm_training_bound(srm_schedule s, double alpha, double gamma, double beta,
                          double lambda, size_t k, size_t steps)
{
    if (steps == 0) return 0.0;
    double gap = srm_bound_gradient_gap(gamma, lambda, (double)k);
    if (gap == 0.0) return 0.0; /* no gradient gap ever: the iterates coincide */
    double n = (double)steps;
    if (s == SRM_SCHEDULE_INV) {
        if (beta <= 0.0) return INFINITY;
        /* delta_N <= sum_t (alpha gap / t) prod_{s>t} (1 + alpha beta / s)
         *         <= alpha gap N^(ab) sum_t t^(-1-ab) <= gap N^(ab) (alpha + 1/beta). */
        return srm_bound_training_gap(lambda, n, alpha, beta, gamma, (double)k);
    }
    if (beta <= 0.0) return gap * alpha * n;
    /* delta_N <= alpha gap sum_{j<N} (1 + alpha beta)^j = gap ((1 + alpha beta)^N - 1) / beta;
     * expm1/log1p keep it accurate when alpha beta is tiny. */
    return gap * expm1(n * log1p(alpha * beta)) / beta;
}

/* sup |tanh''| = 4 / (3 sqrt 3), at tanh = 1/sqrt 3: the Lipschitz constant of tanh'. */
static const double TANH_CURVATURE = 0.76980035891950104;

int srm_training_constants_rnn(const srm_training_region *r, srm_training_constants *out)
{
    const double v[] = {r->input_weight, r->bias,        r->decoder_weight, r->decoder_bias,
                        r->input_bound,  r->target_bound, r->loss_curvature};
    if (!(r->lambda > 0.0 && r->lambda < 1.0))
        return SRM_ERROR(SRM_EINVAL, "training constants need 0 < lambda < 1 (got %g)",
                         r->lambda);
    if (r->hidden == 0) return SRM_ERROR(SRM_EINVAL, "training constants need hidden > 0");
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!(v[i] >= 0.0) || !isfinite(v[i]))
            return SRM_ERROR(SRM_EINVAL, "training constants need finite non-negative norm "
                             "bounds (got %g)", v[i]);
    double lam = r->lambda, d = r->decoder_weight, kappa = r->loss_curvature;
    double bx = r->input_bound;
    /* |tanh| < 1 gives sqrt(n); contraction from h_0 = 0 gives the second bound. */
    double H = fmin(sqrt((double)r->hidden), (r->input_weight * bx + r->bias) / (1.0 - lam));
    double rho = sqrt(H * H + bx * bx + 2.0); /* (W, U, b_ih, b_hh) enter a_t with h, x, 1, 1 */
    double G = rho / (1.0 - lam);
    double Q = G * (2.0 + TANH_CURVATURE * G) / (1.0 - lam);
    double E = d * H + r->decoder_bias + r->target_bound;
    /* gradient-gap.md: ||grad p - grad p^k|| <= kappa lambda^k [H (d + dH + E) + d G (E + dH)]
     *                                          + kappa d E k lambda^(k-1) K1 */
    double K1 = H * (1.0 + TANH_CURVATURE * lam * (lam * G + rho));
    double gamma = kappa * (H * (d + d * H + E) + d * G * (E + d * H) + d * E * K1 / lam);
    /* smoothness.md: |d^2 p / ds^2| <= kappa [H^2 + d^2 G^2 + 1 + E (G + d Q)] ||v||^2 */
    double beta = kappa * (H * H + d * d * G * G + 1.0 + E * (G + d * Q));
    *out = (srm_training_constants){.state = H, .param_input = rho, .sensitivity = G,
                                    .curvature = Q, .residual = E, .gamma = gamma,
                                    .beta = beta};
    return SRM_OK;
}

void srm_training_estimate_init(srm_training_estimate *e) { memset(e, 0, sizeof *e); }

void srm_training_estimate_gap(srm_training_estimate *e, double gap_norm, size_t k,
                               double lambda)
{
    double scale = srm_bound_gradient_gap(1.0, lambda, (double)k); /* k lambda^k */
    if (!(scale > 0.0)) return;
    double ratio = gap_norm / scale;
    if (ratio > e->gamma || isnan(ratio)) e->gamma = ratio; /* NaN must not hide */
    e->gap_samples++;
}

void srm_training_estimate_smoothness(srm_training_estimate *e, double gradient_distance,
                                      double weight_distance)
{
    if (!(weight_distance > 0.0)) return;
    double ratio = gradient_distance / weight_distance;
    if (ratio > e->beta || isnan(ratio)) e->beta = ratio;
    e->smoothness_samples++;
}
