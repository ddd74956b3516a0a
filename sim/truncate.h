/* sim/truncate.h: how far the k-step truncation s^k_t is from the recurrent state s_t, for
 * every k = 1..K at once, and the Proposition of proofs-notes/inference.md that bounds it.
 *
 * Norms: RNN-type cells are stable in the Euclidean norm with lambda = L_rho ||W_hh||_2
 * (L_rho = 1 for tanh, ReLU, identity), so their gaps are ||h_t - h^k_t||_2. For the LSTM the
 * certifiable contraction is in the infinity norm on the full state s = (c, h)
 * (proofs-notes/lstm-conditions.md), so its gaps are ||s_t - s^k_t||_inf and its output gaps
 * ||y_t - y^k_t||_inf.
 *
 * The bounds: s^k_{t-k} = 0, so s_t - s^k_t = phi^k(s_{t-k}) - phi^k(0) and a lambda-contractive
 * map gives ||s_t - s^k_t|| <= lambda^k ||s_{t-k}|| (bound_traj: exact along the trajectory),
 * <= lambda^k H with H a bound on every state reachable from zero (bound):
 *   RNN:  H = (||phi(0,0)|| + L_x B_x) / (1 - lambda), L_x = ||W_ih||_2, B_x >= max ||x_t||_2;
 *         for tanh also H <= sqrt(n).
 *   LSTM: lambda = lambda_inf of theory/stability.h; H = 1 / a, a = 1 - f_max, since |h| <= 1
 *         and |c| <= 1 / a; B_x >= max ||x_t||_inf.
 * Output gaps are at most L_f times the state gap, L_f = ||decoder.weight|| in the gap norm.
 * Proofs: proofs-notes/inference.md, proofs-notes/necessity.md. */
#ifndef SRM_TRUNCATE_H
#define SRM_TRUNCATE_H

#include <stddef.h>

#include "core/model.h"
#include "sim/rnn.h"

typedef enum { SRM_GAP_NORM_2 = 0, SRM_GAP_NORM_INF = 1 } srm_gap_norm;

/* The norm the cell's constants are certified in: infinity for the LSTM, 2 otherwise. */
srm_gap_norm srm_truncate_norm(const srm_model *m);
const char *srm_gap_norm_name(srm_gap_norm norm);
/* ||a - b|| (b NULL: ||a||) in the given norm, over len entries. */
double srm_truncate_vector_norm(srm_gap_norm norm, const double *a, const double *b, size_t len); /* "2", "inf" */

typedef struct {
    double max_state_gap;  /* max over t = 1..T of ||s_t - s^k_t|| (LSTM: s = (c, h)) */
    double mean_state_gap; /* mean over t = 1..T (zero for t <= k, where s^k_t = s_t) */
    double max_output_gap; /* max over t of ||y_t - y^k_t|| (y = h without a decoder) */
    double max_prior_norm; /* max over t = k..T of ||s_{t-k}|| (s_0 = 0; 0 when k > T) */
} srm_truncation_gap;

/* Gaps of every k = 1..kmax (gaps has kmax entries) on the sequence x (T, d), measured in
 * `norm`. All truncations run as one batch of restarted trajectories, one GEMM per step:
 * O(T * min(kmax, T)) cell steps in total. ws needs t_max >= T and k_max >= min(kmax, T). */
int srm_truncate_gaps(const srm_model *m, const double *x, size_t T, size_t kmax,
                      srm_gap_norm norm, srm_truncation_gap *gaps, srm_rnn_workspace *ws);

typedef struct {
    srm_gap_norm norm;       /* srm_truncate_norm(m) */
    double lambda;           /* certified Lipschitz constant of s -> phi(s, x) in `norm` */
    int stable;              /* lambda < 1: the bounds below apply */
    double input_bound;      /* B_x as given (2-norm for RNN cells, inf-norm for the LSTM) */
    double input_lipschitz;  /* L_x = ||W_ih||_2 (RNN cells; NaN for the LSTM) */
    double phi00;            /* ||phi(0, 0)|| in `norm` (the biases' contribution) */
    double state_bound;      /* H (NaN when not stable) */
    double output_lipschitz; /* L_f = ||decoder.weight|| in `norm` (1 without a decoder) */
    double forget_max;       /* LSTM: f_max of theory/stability.h (NaN for RNN cells) */
} srm_truncation_constants;

/* The model's own constants for inputs with ||x_t|| <= input_bound (see above). */
int srm_truncate_constants(const srm_model *m, double input_bound, srm_truncation_constants *c);

/* lambda^k max_prior_norm and lambda^k H; NaN when the model is not certified stable
 * (lambda >= 1), where the Proposition says nothing. */
double srm_truncate_bound_traj(const srm_truncation_constants *c, size_t k,
                               double max_prior_norm);
double srm_truncate_bound(const srm_truncation_constants *c, size_t k);

#endif
