/* theory/training.h: the constants and the value of the training theorem
 * (proofs-notes/training-theorem.md; gamma: proofs-notes/gradient-gap.md, beta:
 * proofs-notes/smoothness.md).
 *
 * Projected gradient descent on the recurrent objective p and on the k-truncated objective p^k,
 * from the same weights, obeys
 *     delta_{t+1} <= (1 + alpha_t beta) delta_t + alpha_t gamma k lambda^k,
 * where gamma bounds the gradient gap (||grad p(w) - grad p^k(w)|| <= gamma k lambda^k,
 * proofs-notes/gradient-gap.md) and beta the smoothness of p (proofs-notes/smoothness.md).
 * This module gives
 *   - the analytic gamma and beta of the tanh RNN with a linear readout and squared loss at
 *     time T, valid on a region of weights described by norm bounds (srm_training_region);
 *   - an empirical estimator of both (maxima of observed ratios along a run);
 *   - the closed-form bound on delta_N for the inv (alpha/t) and const (alpha) schedules.
 * Proofs: proofs-notes/gradient-gap.md, smoothness.md, training-theorem.md. */
#ifndef SRM_TRAINING_H
#define SRM_TRAINING_H

#include <stddef.h>

typedef enum { SRM_SCHEDULE_INV = 0, SRM_SCHEDULE_CONST = 1 } srm_schedule;

int srm_schedule_parse(const char *text, srm_schedule *out); /* "inv", "const" */
const char *srm_schedule_name(srm_schedule s);
/* The step size of update number t (t = 1, 2, ...): alpha / t (inv) or alpha (const). */
double srm_schedule_step(srm_schedule s, double alpha, size_t t);

/* Closed-form bound on the weight distance after `steps` updates (0 for steps == 0):
 *   inv:   gamma k lambda^k steps^(alpha beta) (alpha + 1/beta)   (srm_bound_training_gap of
 *          theory/bound.h, the same evaluation srm bound training searches k on)
 *   const: gamma k lambda^k ((1 + alpha beta)^steps - 1) / beta
 * (const with beta == 0 is the limit gamma k lambda^k alpha steps; inv with beta == 0 is +inf).
 * Overflow gives +inf, which is still a true (vacuous) bound. */
double srm_training_bound(srm_schedule s, double alpha, double gamma, double beta,
                          double lambda, size_t k, size_t steps);

/* A convex region of tanh-RNN weights (a product of norm balls) and data bounds. Weights:
 * W = weight_hh (n, n), U = weight_ih (n, d), b = bias_ih + bias_hh, D = decoder.weight (m, n),
 * c = decoder.bias. Per sequence the loss is (kappa / 2) ||D h_T + c - y*||^2. */
typedef struct {
    size_t hidden;         /* n (gives the bound |h_i| < 1, ||h|| <= sqrt(n)) */
    double lambda;         /* ||W||_2 <= lambda, 0 < lambda < 1 */
    double input_weight;   /* ||U||_2 */
    double bias;           /* ||b_ih + b_hh||_2 */
    double decoder_weight; /* ||D||_2 */
    double decoder_bias;   /* ||c||_2 */
    double input_bound;    /* B_x >= ||x_t||_2 */
    double target_bound;   /* >= ||y*||_2 */
    double loss_curvature; /* kappa (2 for sum_i (y_i - y*_i)^2) */
} srm_training_region;

/* The analytic constants and the intermediate bounds of the notes (names as there). */
typedef struct {
    double state;       /* H: ||h_t|| <= H = min(sqrt n, (||U|| B_x + ||b||) / (1 - lambda)) */
    double param_input; /* rho = sqrt(H^2 + B_x^2 + 2): ||d a_t / d theta|| with h fixed */
    double sensitivity; /* G = rho / (1 - lambda) >= ||d h_t / d theta|| */
    double curvature;   /* Q = G (2 + c2 G) / (1 - lambda) >= second derivative of h_t */
    double residual;    /* E = ||D|| H + ||c|| + Y >= ||y_T - y*|| */
    double gamma, beta;
} srm_training_constants;

/* Fills `out` for a tanh RNN on `region`; SRM_EINVAL if lambda is not in (0, 1) or a bound
 * is negative or not finite. */
int srm_training_constants_rnn(const srm_training_region *region, srm_training_constants *out);

/* Empirical constants: running maxima of observed ratios (zero-initialise, or use _init). */
typedef struct {
    double gamma;         /* max ||grad p(w) - grad p^k(w)|| / (k lambda^k) */
    double beta;          /* max ||grad p(w) - grad p(w')|| / ||w - w'|| */
    size_t gap_samples, smoothness_samples;
} srm_training_estimate;

void srm_training_estimate_init(srm_training_estimate *e);
/* One observed gradient gap at truncation k (k >= 1, lambda > 0). */
void srm_training_estimate_gap(srm_training_estimate *e, double gap_norm, size_t k,
                               double lambda);
/* One observed pair; ignored when weight_distance == 0 (no information). */
void srm_training_estimate_smoothness(srm_training_estimate *e, double gradient_distance,
                                      double weight_distance);

#endif
