/* core/cell.h: the one cell kernel. The elementwise step of the tanh, ReLU and linear RNN and of
 * the LSTM (the map phi_w of proofs-notes/stability.md), its backward, and the elementwise
 * factors of its state Jacobian, each written for R rows at a time: one sequence is R = 1; a
 * batch, or the windows of a truncated model, are R rows. The recurrent products around it are
 * here too. Every cell implementation of srm calls these: the reference step srm_cell_step
 * (core/model.h), the sequence runner and BPTT (sim/rnn.c, sim/rnn_grad.c), the truncation
 * engine (sim/window.h), the benchmark network (task/net.c) and the Jacobians (task/analyze.c),
 * so that they agree bit for bit.
 *
 * Shapes: n hidden units, G = 1 (RNN cells) or 4 (LSTM, gates i, f, g, o in that order).
 *   RNN:  h' = rho(a),                          a = W_ih x + b_ih + W_hh h + b_hh   (G n = n)
 *   LSTM: i, f, o = sigmoid(a_i, a_f, a_o), g = tanh(a_g), c' = f c + i g, h' = o tanh(c')
 * State rows are given by separate c and h pointers with one row stride `ld`, so the same call
 * serves packed states s = (c, h) (ld = S = 2n, h = c + n) and separate c and h arrays
 * (ld = n). The RNN cells have no c: their c arguments are ignored (may be NULL). */
#ifndef SRM_CELL_H
#define SRM_CELL_H

#include <math.h>
#include <stddef.h>

#include "core/model.h"
#include "core/model_f32.h"

/* The logistic function of the LSTM gates, defined once. */
static inline double srm_sigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }
/* The same function without overflow of exp(-a) for large negative a (the outputs of sigmoid
 * readouts, whose logits are unbounded). */
static inline double srm_sigmoid_stable(double a)
{
    return a >= 0 ? srm_sigmoid(a) : exp(a) / (1.0 + exp(a));
}
/* softplus(a) = log(1 + e^a) without overflow: the sigmoid cross-entropy of a logit a against
 * a target z in [0, 1] is srm_softplus(a) - z a, its derivative sigmoid(a) - z. */
static inline double srm_softplus(double a) { return (a > 0 ? a : 0) + log1p(exp(-fabs(a))); }

/* Single precision (float32 training): exp, the logistic function and tanh written so that a
 * loop over units vectorises (no library call, no branch). srm_expf: x = k ln2 + r with
 * |r| <= ln2/2, e^r by its Taylor polynomial to r^7 (truncation below 6e-9 relative), 2^k from
 * the exponent bits; the argument is clamped to [-87, 88], where e^x stays a normal float.
 * srm_tanhf: 1 - 2/(e^{2|x|} + 1) with the sign restored, and below |x| = 1/16 the odd series to
 * x^7 (which keeps the relative error small where the first form cancels). Both agree with
 * the double functions to a few float ulps (tests/test_cell.c). The loops vectorise when the
 * file is compiled with -fno-trapping-math (the Makefile's flags for core/cell.c), which lets
 * the compiler turn the clamps into selects and changes no result. */
static inline float srm_expf(float x)
{
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    float t = x * 1.44269504088896341f;
    float kf = __builtin_floorf(t + 0.5f);
    int k = kf == kf ? (int)kf : 0; /* NaN x: no undefined conversion; p below is NaN */
    float r = (x - kf * 0.693145751953125f) - kf * 1.42860682030941723e-6f; /* ln2, split */
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    union { int i; float f; } s = {.i = (k + 127) << 23};
    return p * s.f;
}
static inline float srm_sigmoidf(float a) { return 1.0f / (1.0f + srm_expf(-a)); }
static inline float srm_tanhf(float x)
{
    float ax = x < 0 ? -x : x, x2 = x * x;
    float e = srm_expf(-2.0f * ax), big = (1.0f - e) / (1.0f + e);
    float small = ax * (1.0f + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315))));
    float t = ax < 0.0625f ? small : big;
    return x < 0 ? -t : t;
}

/* The float32 elementwise kernels are built for AVX-512, AVX2 and the baseline, chosen at load
 * time by the CPU (GCC function multi-versioning). */
#if defined(__x86_64__) && !defined(SRM_NO_CLONES)
#define SRM_CELL_F32_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SRM_CELL_F32_CLONES
#endif

/* Forward, the elementwise part of one step of R rows.
 *   h_next, c_next (R, n), row stride ld: the next state (c_next may be c_prev: in place)
 *   gates (R, 4n): LSTM gate activations i, f, g, o for backward; may be pre itself; NULL: none
 *   tc (R, n): LSTM tanh(c_next) for backward; NULL: none
 *   pre (R, G n): pre-activations a, row stride G n
 *   c_prev (R, n), row stride ld: LSTM cell state of the previous step */
void srm_cell_forward(double *h_next, double *c_next, double *gates, double *tc, const double *pre,
                      const double *c_prev, srm_cell cell, size_t R, size_t n, size_t ld);

/* Backward through the step srm_cell_forward made, R rows.
 *   da (R, G n): d loss / d pre-activations; may be gates itself (a unit's gates are read
 *     before its da is written)
 *   dc (R, n): LSTM, in: d loss / d c_next from later steps; out: d loss / d c_prev
 *   dh, dh_rec (R, n): d loss / d h_next from the step's own output and through the recurrence
 *   h_next (R, n), row stride ld: RNN cells (tanh' = 1 - h'^2, ReLU' = [h' > 0])
 *   c_prev (R, n), row stride ld, gates (R, 4n), tc (R, n): LSTM, as forward left them */
void srm_cell_backward(double *da, double *dc, const double *dh, const double *dh_rec,
                       const double *h_next, const double *c_prev, const double *gates,
                       const double *tc, srm_cell cell, size_t R, size_t n, size_t ld);

/* Number of factors per unit srm_cell_factors writes: 1 (RNN cells) or 6 (LSTM). */
size_t srm_cell_factor_count(srm_cell cell);

/* The elementwise factors of the state Jacobian at pre-activations pre (R, G n) and, for the
 * LSTM, c_prev (R, n; row stride ld). fac (R, F n), F = srm_cell_factor_count, blocks of n;
 * for R = 1 fac may be pre itself (a unit's four pre-activations are read before its factors
 * are written, and F >= G):
 *   RNN:  rho'(a)                       so that d h' / d h = diag(rho'(a)) W_hh
 *   LSTM: f, ai, af, az, ao, oc         with dc'/dc = f, dc'/da_i = ai, dc'/da_f = af,
 *                                       dc'/da_g = az, dh'/da_o = ao, dh'/dc' = oc */
void srm_cell_factors(double *fac, const double *pre, const double *c_prev, srm_cell cell,
                      size_t R, size_t n, size_t ld);

/* pre (R, G n) += h (R, n; row stride ldh) W_hh^T. OpenBLAS's GEMM packs the whole weight
 * matrix on every call, which for a single row costs more than the product itself, so one row
 * goes through GEMV (measured on 4096 x 1024: 3.1 ms as GEMM, 1.3 ms as GEMV). */
void srm_cell_recur_forward(double *pre, const double *h, const srm_model *m, size_t R,
                            size_t ldh);
/* dh (R, n) = da (R, G n) W_hh (overwritten), GEMV for one row. */
void srm_cell_recur_backward(double *dh, const double *da, const srm_model *m, size_t R);

/* pre (R, G n) = b_ih + b_hh + x W_ih^T for x (R, d): the bias first, then one GEMM with
 * beta = 1, also for R = 1 (the runner and the network project all steps of a span this way). */
void srm_cell_input_projection(double *pre, const double *x, const srm_model *m, size_t R);

/* pre (G n) = b_ih + b_hh + W_ih x + W_hh h for one state s (h its h part) and input x: the
 * pre-activations of the reference step, two GEMVs. */
void srm_cell_preactivation(double *pre, const srm_model *m, const double *s, const double *x);

/* The float32 kernel: the functions above on float arrays and an srm_model_f32 (the same
 * source, core/cell_real.h, instantiated for float; gate functions srm_sigmoidf/srm_tanhf). */
void srm_cell_forward_f32(float *h_next, float *c_next, float *gates, float *tc,
                          const float *pre, const float *c_prev, srm_cell cell, size_t R,
                          size_t n, size_t ld);
void srm_cell_backward_f32(float *da, float *dc, const float *dh, const float *dh_rec,
                           const float *h_next, const float *c_prev, const float *gates,
                           const float *tc, srm_cell cell, size_t R, size_t n, size_t ld);
void srm_cell_recur_forward_f32(float *pre, const float *h, const srm_model_f32 *m, size_t R,
                                size_t ldh);
void srm_cell_recur_backward_f32(float *dh, const float *da, const srm_model_f32 *m, size_t R);
void srm_cell_input_projection_f32(float *pre, const float *x, const srm_model_f32 *m,
                                   size_t R);

#endif
