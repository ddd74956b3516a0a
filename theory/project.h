/* theory/project.h: projecting weights back onto the stable set (proofs-notes/rnn-condition.md
 * section 3, proofs-notes/lstm-conditions.md section 4).
 *
 * RNN: W <- U min(S, r) V^T, the Frobenius-nearest matrix with ||W||_2 <= r (Mirsky's theorem:
 * unitarily invariant norms are minimised by clipping singular values). Implemented as the
 * correction W -= U_c diag(s_c - r') V_c^T over the clipped singular values only, so a matrix
 * inside the ball is left bit-for-bit alone. The clip level is r' = r (1 - 64 eps) rather than r,
 * so that the result's norm, rounding included, is <= r, and projecting it again changes nothing
 * (the SVD's own rounding is tens of ulps); r' is within 1.5e-14 relative of the exact answer.
 *
 * LSTM: rows of each recurrent gate block (and of U_f) whose absolute sum exceeds the block's
 * target are scaled down to the target, as the paper's code did. (Row scaling is not the
 * Euclidean projection onto the set, but it is what makes every induced infinity norm meet the
 * conditions.) How the targets are chosen is in srm_project_lstm_targets.
 * Proofs: proofs-notes/rnn-condition.md (SVD clip), proofs-notes/lstm-conditions.md (row scaling). */
#ifndef SRM_PROJECT_H
#define SRM_PROJECT_H

#include <stddef.h>

#include "core/model.h"
#include "theory/norm.h"

#define SRM_PROJECT_SHRINK (1.0 - 64 * 2.220446049250313e-16) /* r' = r SHRINK, see above */

typedef struct {
    double norm_before;  /* ||W||_2 before (SVD, or the certified upper bound when skipped) */
    double norm_after;   /* ||W||_2 after: r' if clipped, else norm_before */
    int changed;         /* some singular value exceeded r */
    int svd_skipped;     /* method power certified ||W||_2 <= r, so no SVD was computed */
    size_t clipped;      /* how many singular values were clipped */
    size_t power_iterations;
} srm_project_result;

/* Projects w (rows, cols) onto {||W||_2 <= radius} in place. ws: SVD workspace for (rows, cols).
 * With SRM_NORM_METHOD_POWER, a warm-started power iteration (v: cols entries, kept between
 * calls; work: rows + cols doubles) yields a CERTIFIED upper bound on ||W||_2
 * (srm_norm_spectral_upper); only when that bound is <= radius is the SVD skipped. The power
 * estimate itself is a lower bound and is never trusted to declare a matrix inside the ball. */
int srm_project_spectral(double *w, size_t rows, size_t cols, double radius,
                         srm_norm_method method, srm_svd_workspace *ws, double *v, double *work,
                         srm_project_result *out);

/* The same projection from the Gram matrix: the eigenpairs (s_j^2, v_j) of W^T W above a level
 * just below r^2 (LAPACK dsyevr, only that part of the spectrum) give
 * W <- W - sum_j (1 - r''/s_j) (W v_j) v_j^T, which is U min(S, r'') V^T. It costs one SYRK and
 * one tridiagonalisation instead of a full SVD (1024 x 1024, one thread, the whole clip: 0.09 s
 * against 0.52 s by dgesdd with 33 values above r, 0.20 s against 0.54 s with 224). W is scaled by max |w_ij| first, so W^T W neither overflows nor underflows.
 * Squaring costs accuracy: the eigenvalues carry an absolute error of order n eps ||W||_2^2 and
 * the result an error that grows with n and ||W||_2 / r (measured: ||P(W)||_2 up to r + 4.2e-14
 * at n = 1024 with ||W||_2 <= 2r when clipping to r(1 - 64 eps)). So this route clips to
 * r'' = r (1 - 1e-12) and detects s_j above r (1 - 5e-13): the result is within 1e-12 relative
 * of the exact projection and ||P(W)||_2 <= r with margin to spare, and a projected matrix is
 * left alone. Use it when ||W||_2 is known to be at most 2r (task/train.c does, from a Weyl
 * bound; srm project --method gram falls back to the SVD above 2r); tests/test_project.c
 * compares it with the SVD route up to n = 1024. The workspace holds everything; a call
 * allocates nothing. */
#define SRM_PROJECT_GRAM_SHRINK (1.0 - 1e-12)
#define SRM_PROJECT_GRAM_LEVEL (1.0 - 5e-13)

typedef struct srm_gram_workspace srm_gram_workspace;

srm_gram_workspace *srm_gram_workspace_alloc(size_t rows, size_t cols); /* NULL, error recorded */
void srm_gram_workspace_free(srm_gram_workspace *ws);

/* norm_after is r when something was clipped (||P(W)||_2 <= r'' plus rounding); when nothing
 * was, norm_before = norm_after is an upper bound on ||W||_2: ||W||_F when that is below the
 * level (no eigenproblem solved), else the level itself. */
int srm_project_spectral_gram(double *w, size_t rows, size_t cols, double radius,
                              srm_gram_workspace *ws, srm_project_result *out);

/* LSTM row-scaling targets. */
typedef struct {
    double a;            /* the a = 1 - f_max the targets assume */
    double margin;       /* every condition holds with at least this margin */
    double input_bound;  /* B_x */
    double w_i, w_f, w_z, w_o; /* a - m, a^2 - m, a/4 - m, a - m */
    double u_f;          /* cap on the rows of U_f */
    double b_f;          /* cap on |bias_ih + bias_hh| in the forget rows */
} srm_lstm_targets;

/* Targets for one model. The forget pre-activation must stay within logit(1 - a), so that the
 * measured f_max is at most 1 - a and the measured a at least the target: its budget
 * logit(1 - a) - (a^2 - m) after ||W_f|| is shared by ||U_f|| B_x and max|b_f|; when they exceed
 * it both are scaled by the same factor (U_f's cap and the bias cap are that fraction of their
 * current values). With zero biases and B_x = 1 this reproduces the paper's choice: a = 0.4,
 * m = 0.005 give 0.395, 0.155, 0.095, 0.395 and U_f <= 0.2505. SRM_EINVAL unless 0 < a < 1,
 * 0 <= m < min(a/4, a^2), B_x >= 0 and the forget budget is positive. */
int srm_project_lstm_targets(const srm_model *m, double a, double margin, double input_bound,
                             srm_lstm_targets *out);

typedef struct {
    srm_lstm_targets targets;
    size_t rows_scaled;    /* rows of W_i, W_f, W_z, W_o and U_f that were scaled */
    size_t biases_clipped; /* forget biases that were scaled */
} srm_project_lstm_result;

/* Applies the targets to an LSTM model in place (rows that exceed a target end at
 * target (1 - 64 eps), as for the RNN). Afterwards srm_stability_lstm(m, input_bound) reports
 * a >= targets.a and every margin >= margin, rounding included. */
int srm_project_lstm(srm_model *m, double a, double margin, double input_bound,
                     srm_project_lstm_result *out);

/* Every row of the block [row0, row0 + nrows) of w (.., cols) whose absolute sum exceeds
 * target is scaled down to target (times SRM_PROJECT_SHRINK, so that the recomputed sum,
 * rounding included, is at most the target and a second pass changes nothing). Returns how many
 * rows it scaled. */
size_t srm_project_scale_rows(double *w, size_t row0, size_t nrows, size_t cols, double target);
/* Every pair b_ih[j] + b_hh[j] (j in [row0, row0 + nrows); a NULL array is zero) whose absolute
 * value exceeds target has both terms scaled by one factor down to target (times
 * SRM_PROJECT_SHRINK). Returns how many it scaled. */
size_t srm_project_scale_biases(double *b_ih, double *b_hh, size_t row0, size_t nrows,
                                double target);

/* GRU row-scaling projection (proofs-notes/gru-condition.md section 4) for an update-gate
 * target zeta in (1/2, 1) and a margin m: ||W_hn|| <= 0.4, max|b_hn| <= 0.4, ||W_hr|| <= 0.5
 * (so the reset product X <= 1/2), ||W_hz|| <= 1 - zeta - 2m, and ||W_iz|| B + max|b_iz + b_hz|
 * within logit(zeta) - (1 - zeta - 2m) (both scaled by one factor when they exceed it). Then
 * z_max <= zeta and lambda_inf <= 1 - m. */
typedef struct {
    double zeta, margin, input_bound;
    double w_hz, w_hr, w_hn, b_hn; /* row and bias caps */
    double w_iz, b_z;              /* the z gate's input rows and bias pairs */
} srm_gru_targets;

typedef struct {
    srm_gru_targets targets;
    size_t rows_scaled, biases_clipped;
} srm_project_gru_result;

/* In place on nn.GRU's tensors (gate rows r, z, n; biases may be NULL). SRM_EINVAL unless
 * 1/2 < zeta < 1, 0 <= m, 1 - zeta - 2m > 0, logit(zeta) >= 1 - zeta - 2m, B >= 0, and the
 * weights are finite. */
int srm_project_gru(double *weight_ih, double *weight_hh, double *bias_ih, double *bias_hh,
                    size_t n, size_t d, double zeta, double margin, double input_bound,
                    srm_project_gru_result *out);

/* The authors' projection (millerjohnp/TCN, poly_music/model.py, RNNModel.stabilize, run after
 * every step; proofs-notes/lstm-conditions.md section 5): every COLUMN of each recurrent gate
 * block W_i, W_f, W_g, W_o of weight_hh is rescaled, up or down, to the l1 norm
 * srm_paper_lstm_hh_columns[gate] (0.395, 0.155, 0.099, 0.395), and every column of the forget
 * block U_f of weight_ih to SRM_PAPER_LSTM_IH_FORGET (0.25). Column l1 norms are the induced
 * 1-norm, not the infinity norm srm's conditions use, and the biases are not touched: this
 * certifies nothing (srm stability says whether the conditions happen to hold). A zero column
 * is left alone (*zero_columns counts them). work: max(hidden, input) doubles. SRM_EINVAL for a
 * non-LSTM or non-finite weights. */
extern const double srm_paper_lstm_hh_columns[4];
#define SRM_PAPER_LSTM_IH_FORGET 0.25
/* Their initialisation of the forget slice [n, 2n) of bias_ih and of bias_hh (init_weights). */
#define SRM_PAPER_LSTM_FORGET_BIAS 10.0
int srm_project_lstm_paper(srm_model *m, double *work, size_t *zero_columns);

#endif
