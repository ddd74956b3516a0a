/* theory/bound.h: how many steps a truncated model needs (proofs-notes/inference.md section 5,
 * proofs-notes/training-theorem.md section 3).
 *
 * k counts the time steps the truncated model sees and is at least 1: a model that sees no
 * input is no model, and in sim/ k = 0 means "no truncation". "bound <= eps" is decided on the
 * direct product when it is safely inside double range (so exact ties are honoured) and on
 * logarithms otherwise (lambda near 1, tiny eps, huge N^(alpha beta)); lambda = 0 and zero
 * constants (bound identically 0) give k = 1.
 * Proofs: proofs-notes/inference.md (inference k), proofs-notes/training-theorem.md (training k). */
#ifndef SRM_BOUND_H
#define SRM_BOUND_H

#include <math.h>

/* Inference proposition: the smallest k >= 1 with
 *     L_f L_x B_x lambda^k / (1 - lambda) <= eps,
 * and that bound's value at k. SRM_EINVAL unless 0 <= lambda < 1, eps > 0 and the constants
 * are >= 0; SRM_ENUMERIC if k would exceed 2^53 (lambda within ~1e-16 of 1). */
int srm_bound_inference(double lambda, double eps, double lipschitz_f, double lipschitz_x,
                        double input_bound, long long *k, double *bound);

/* The inference proposition at k: scale lambda^k / divisor (in that order). The one home of
 * the bound: srm_bound_inference uses scale = L_f L_x B_x, divisor = 1 - lambda; sim/truncate's
 * columns use scale = max ||s_{t-k}|| (bound_traj) or H (bound), divisor = 1. */
double srm_bound_inference_gap(double lambda, double k, double scale, double divisor);

/* The gradient-gap lemma's bound gamma k lambda^k (proofs-notes/gradient-gap.md): how far the
 * truncated model's gradient can be from the recurrent one's. The training gap below, the
 * const schedule's bound (theory/training.c) and the estimate of gamma all scale it. */
static inline double srm_bound_gradient_gap(double gamma, double lambda, double k)
{
    return gamma * k * pow(lambda, k);
}

/* The training theorem's gap at k: gamma k lambda^k N^(alpha beta) (alpha + 1/beta) (steps = N,
 * beta > 0), evaluated directly: overflow gives +inf (a true, vacuous bound), 0 for k <= 0,
 * lambda = 0 or gamma = 0. The one home of the formula: srm_bound_training searches k on it and
 * srm_training_bound (theory/training.h, the inv schedule) returns it. */
double srm_bound_training_gap(double lambda, double steps, double alpha, double beta,
                              double gamma, double k);

typedef struct {
    long long k;             /* smallest k with gap(k') <= eps for every k' >= k */
    double gap;              /* gap(k) */
    double k_peak;           /* 1 / ln(1/lambda): where k lambda^k is largest (0 if lambda = 0) */
    long long k_closed_form; /* from k lambda^(k/2) <= 2 / (e ln(1/lambda)); >= k */
} srm_bound_training_result;

/* Training theorem. gap(k) rises up to k_peak, then falls, so {k : gap(k) > eps} is an interval
 * of integers and the answer is one past its end (1 if empty). The closed form is an upper end
 * for the search: for k >= k_closed_form = ceil(2 ln(C / eps) / ln(1/lambda)) with
 * C = gamma N^(alpha beta) (alpha + 1/beta) 2 / (e ln(1/lambda)), gap(k) <= C lambda^(k/2) <= eps.
 * SRM_EINVAL unless 0 <= lambda < 1, eps > 0, steps >= 1, alpha >= 0, beta > 0, gamma >= 0. */
int srm_bound_training(double lambda, double eps, double steps, double alpha, double beta,
                       double gamma, srm_bound_training_result *out);

#endif
