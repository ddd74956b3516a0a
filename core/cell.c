/* core/cell.c: the one cell kernel (see cell.h): forward, backward and Jacobian factors of the
 * RNN and LSTM step on R rows, and the products with W_hh and W_ih around them. The order of
 * every floating-point operation is part of the contract: trained models, the PyTorch fixtures
 * of tests/ref/ and results/ were made with exactly this arithmetic. */
#include "core/cell.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>

#define REAL double
#define SFX(name) name
#define MODEL srm_model
#define SIGMOID srm_sigmoid
#define TANH tanh
#define GEMM cblas_dgemm
#define GEMV cblas_dgemv
#define KERNEL
#include "core/cell_real.h"
#undef REAL
#undef SFX
#undef MODEL
#undef SIGMOID
#undef TANH
#undef GEMM
#undef GEMV
#undef KERNEL

/* float32: the same kernel, with the vectorisable gate functions of cell.h, cloned per CPU so
 * that AVX-512 or AVX2 machines run it 16 or 8 lanes wide (the double kernel keeps the baseline
 * code: no FMA contraction changes its results). */
#define REAL float
#define SFX(name) name##_f32
#define MODEL srm_model_f32
#define SIGMOID srm_sigmoidf
#define TANH srm_tanhf
#define GEMM cblas_sgemm
#define GEMV cblas_sgemv
#define KERNEL SRM_CELL_F32_CLONES
#include "core/cell_real.h"

size_t srm_cell_factor_count(srm_cell cell) { return cell == SRM_CELL_LSTM ? 6 : 1; }

/* The Jacobian form groups the products per factor (ai = g i (1 - i)), where backward groups
 * them from the incoming gradient (dc g i (1 - i)); the two round differently, and each is kept
 * as srm analyze and training were measured with. */
void srm_cell_factors(double *fac, const double *pre, const double *c_prev, srm_cell cell,
                      size_t R, size_t n, size_t ld)
{
    size_t gn = cell == SRM_CELL_LSTM ? 4 * n : n;
    for (size_t r = 0; r < R; r++) {
        const double *a = pre + r * gn;
        if (cell != SRM_CELL_LSTM) {
            double *u = fac + r * n;
            for (size_t i = 0; i < n; i++) {
                if (cell == SRM_CELL_RNN_TANH) {
                    double h = tanh(a[i]);
                    u[i] = 1.0 - h * h;
                } else {
                    u[i] = cell == SRM_CELL_RNN_RELU ? (a[i] > 0 ? 1.0 : 0.0) : 1.0;
                }
            }
            continue;
        }
        double *u = fac + r * 6 * n;
        const double *c = c_prev + r * ld;
        for (size_t i = 0; i < n; i++) {
            double gi = srm_sigmoid(a[i]), gf = srm_sigmoid(a[n + i]);
            double gz = tanh(a[2 * n + i]), go = srm_sigmoid(a[3 * n + i]);
            double t = tanh(gf * c[i] + gi * gz);
            u[i] = gf;
            u[n + i] = gz * gi * (1 - gi);
            u[2 * n + i] = c[i] * gf * (1 - gf);
            u[3 * n + i] = gi * (1 - gz * gz);
            u[4 * n + i] = t * go * (1 - go);
            u[5 * n + i] = go * (1 - t * t);
        }
    }
}

void srm_cell_preactivation(double *pre, const srm_model *m, const double *s, const double *x)
{
    size_t n = m->hidden, gn = m->gates * n;
    for (size_t i = 0; i < gn; i++) pre[i] = m->bias_ih[i] + m->bias_hh[i];
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)gn, (int)m->input, 1.0, m->weight_ih,
                (int)m->input, x, 1, 1.0, pre, 1);
    srm_cell_recur_forward(pre, m->cell == SRM_CELL_LSTM ? s + n : s, m, 1, n);
}
