/* theory/stability.h: the stability verdicts of proofs-notes/rnn-condition.md and
 * proofs-notes/lstm-conditions.md for a model's weights.
 *
 * RNN-type cells: lambda = L_rho ||W_hh||_2 (L_rho = 1 for tanh, ReLU and the identity), stable
 * when lambda < 1; L_x = L_rho ||W_ih||_2 is the input Lipschitz constant the bounds use.
 *
 * LSTM: with |h| <= 1 and ||x||_inf <= B_x, every forget activation is at most
 * f_max = sigma(||W_f||_inf + ||U_f||_inf B_x + max_j |b_f,j|) (b_f = bias_ih + bias_hh rows
 * [n, 2n)); a = 1 - f_max. Along trajectories from c_0 = 0, |c| <= 1/a (induction:
 * |c'| <= |i||z| + f|c| <= 1 + (1 - a)/a = 1/a), and one step changes the state by
 *   |dc'| <= A ||dh|| + (1 - a) ||dc||,          A = ||W_i||/4 + ||W_z|| + ||W_f||/(4a)
 *   |dh'| <= (A + ||W_o||/4) ||dh|| + (1 - a) ||dc||      (all norms infinity norms)
 * (write c' - c~' = (i - i~) z + i~ (z - z~) + (f - f~) c + f~ (c - c~) and use that sigma is
 * 1/4-Lipschitz, tanh 1-Lipschitz, |z|, |i~|, |o| <= 1, |c| <= 1/a, f~ <= 1 - a). So in the max
 * norm on s = (c, h):  lambda_inf = A + ||W_o||/4 + (1 - a). The four conditions
 *   ||W_i|| < a,  ||W_o|| < a,  ||W_z|| <= a/4,  ||W_f|| < a^2
 * give A + ||W_o||/4 < a/4 + a/4 + a/4 + a/4 = a, hence lambda_inf < 1. Since
 * ||s||_inf <= ||s||_2 <= sqrt(2n) ||s||_inf, r steps contract in the Euclidean norm once
 * sqrt(2n) lambda_inf^r < 1; r is the smallest such integer (>= 1). The region |h| <= 1,
 * |c| <= 1/a is invariant, so the r-step bound applies to every state in it.
 * Proofs: proofs-notes/stability.md, rnn-condition.md, lstm-conditions.md. */
#ifndef SRM_STABILITY_H
#define SRM_STABILITY_H

#include <stddef.h>

#include "core/model.h"

typedef struct {
    srm_cell cell;
    double spectral_norm; /* ||W_hh||_2 */
    double lipschitz_rho; /* L_rho */
    double lambda;        /* L_rho ||W_hh||_2 */
    double lipschitz_x;   /* L_rho ||W_ih||_2 */
    int stable;           /* lambda < 1 */
} srm_rnn_stability;

/* For RNN-type cells (tanh, relu, linear); SRM_EINVAL for an LSTM. */
int srm_stability_rnn(const srm_model *m, srm_rnn_stability *out);
double srm_stability_lipschitz_rho(srm_cell cell); /* 1 for every RNN-type cell we have */

typedef struct {
    /* inputs of the verdict */
    size_t hidden;        /* n */
    double input_bound;   /* B_x >= 0: ||x||_inf <= B_x */
    double norm_inf_i, norm_inf_f, norm_inf_z, norm_inf_o; /* recurrent gate blocks W_* */
    double norm_inf_uf;   /* ||U_f||_inf (rows [n, 2n) of weight_ih) */
    double max_abs_bias_f; /* max_j |bias_ih + bias_hh| over rows [n, 2n) */
    /* results */
    double f_preactivation; /* ||W_f|| + ||U_f|| B_x + max|b_f|: bound on |forget pre-activation| */
    double f_max, a;        /* sigma(f_preactivation), 1 - f_max (computed without cancellation) */
    double margin_i, margin_f, margin_z, margin_o; /* a - ||W_i||, a^2 - ||W_f||, a/4 - ||W_z||,
                                                     a - ||W_o|| */
    int holds_i, holds_f, holds_z, holds_o; /* margin > 0 (for z: >= 0) */
    double lambda_inf;      /* A + ||W_o||/4 + (1 - a); +inf if a underflows to 0 */
    long r;                 /* smallest r >= 1 with sqrt(2n) lambda_inf^r < 1; -1 if none */
    int stable;             /* all four conditions hold and lambda_inf < 1 */
    /* measured by srm_stability_lstm only (0 after srm_stability_lstm_evaluate alone): the input
     * blocks and the step's Lipschitz constant in x, in the max norm on (c, h) and on x,
     * L_x = ||U_i||/4 + ||U_z|| + ||U_f||/(4a) + ||U_o||/4 (proofs-notes/cascade.md, Lemma 3;
     * +inf if a underflows to 0) */
    double norm_inf_ui, norm_inf_uz, norm_inf_uo;
    double lipschitz_x;
} srm_lstm_stability;

/* Fills the results of `s` from its inputs (hidden, input_bound and the six norms), so the
 * conditions can be evaluated on hand-built numbers. SRM_EINVAL on negative/non-finite input. */
int srm_stability_lstm_evaluate(srm_lstm_stability *s);

/* Measures the norms of an LSTM model, then evaluates. SRM_EINVAL for RNN-type cells. */
int srm_stability_lstm(const srm_model *m, double input_bound, srm_lstm_stability *out);

/* GRU (nn.GRU; gate rows r, z, n of weight_ih / weight_hh, proofs-notes/gru-condition.md):
 *   r = sigma(W_ir x + b_ir + W_hr h + b_hr), z = sigma(W_iz x + ... + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h.
 * On the invariant box |h| <= 1, with ||x||_inf <= B (all norms infinity norms):
 *   t_z = ||W_hz|| + ||W_iz|| B + max|b_iz + b_hz|,  z in [sigma(-t_z), z_max = sigma(t_z)],
 *   r_max = sigma(||W_hr|| + ||W_ir|| B + max|b_ir + b_hr|),
 *   M = ||W_hn|| + max|b_hn| >= |W_hn h + b_hn|,
 *   X = r_max ||W_hn|| + M ||W_hr|| / 4 (how far n moves per unit of h),
 *   lambda = ||W_hz|| / 2 + X + z* (1 - X), z* = z_max if X <= 1 else sigma(-t_z)
 * (the 1/2 is sigma's 1/4 times |h - n| < 2), and stable when lambda < 1; in the input,
 *   L_x = ||W_iz|| / 2 + z_max (||W_in|| + M ||W_ir|| / 4). */
typedef struct {
    size_t hidden, input; /* n, d */
    const double *weight_ih, *weight_hh; /* (3n, d), (3n, n) */
    const double *bias_ih, *bias_hh;     /* (3n) each, NULL: zero */
} srm_gru_weights;

typedef struct {
    double input_bound;
    double norm_inf_hr, norm_inf_hz, norm_inf_hn, norm_inf_ir, norm_inf_iz, norm_inf_in;
    double z_preactivation, z_max, r_max, m_max, x_move;
    double lambda_inf, lipschitz_x;
    int stable; /* lambda_inf < 1 */
} srm_gru_stability;

int srm_stability_gru(const srm_gru_weights *w, double input_bound, srm_gru_stability *out);

/* Smallest integer r >= 1 with sqrt(2n) lambda^r < 1, or -1 when lambda >= 1 (or r would
 * exceed LONG_MAX). */
long srm_stability_lstm_steps(size_t hidden, double lambda_inf);

#endif
