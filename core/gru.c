/* core/gru.c: nn.GRU's step and its backward (gru.h). */
#include "core/gru.h"

#include <gsl/gsl_cblas.h>
#include <math.h>

#include "core/cell.h"

void srm_gru_forward(const srm_model *m, const double *h, const double *x, double *h_next,
                     double *gates, double *ghn)
{
    size_t n = m->hidden, d = m->input;
    for (size_t r = 0; r < 3 * n; r++) { /* gates: the r, z sums and n's input part first */
        double a = m->bias_ih[r], b = m->bias_hh[r];
        for (size_t j = 0; j < d; j++) a += m->weight_ih[r * d + j] * x[j];
        for (size_t j = 0; j < n; j++) b += m->weight_hh[r * n + j] * h[j];
        if (r < 2 * n) gates[r] = a + b;
        else gates[r] = a, ghn[r - 2 * n] = b;
    }
    for (size_t i = 0; i < n; i++) {
        double rg = srm_sigmoid(gates[i]), z = srm_sigmoid(gates[n + i]);
        double nn = tanh(gates[2 * n + i] + rg * ghn[i]);
        gates[i] = rg, gates[n + i] = z, gates[2 * n + i] = nn;
        h_next[i] = (1 - z) * nn + z * h[i];
    }
}

void srm_gru_backward(const srm_model *m, const double *h, const double *x, const double *gates,
                      const double *ghn, const double *dh, srm_model *g, double *dx,
                      double *dh_prev, double *work)
{
    size_t n = m->hidden, d = m->input;
    double *dai = work, *dah = work + 3 * n; /* on the input and the hidden pre-activations */
    for (size_t i = 0; i < n; i++) {
        double rg = gates[i], z = gates[n + i], nn = gates[2 * n + i];
        double dan = dh[i] * (1 - z) * (1 - nn * nn);
        dai[i] = dah[i] = dan * ghn[i] * rg * (1 - rg);
        dai[n + i] = dah[n + i] = dh[i] * (h[i] - nn) * z * (1 - z);
        dai[2 * n + i] = dan, dah[2 * n + i] = dan * rg;
        dh_prev[i] = dh[i] * z;
    }
    int G = (int)(3 * n), N = (int)n, D = (int)d;
    cblas_dger(CblasRowMajor, G, D, 1.0, dai, 1, x, 1, g->weight_ih, D);
    cblas_dger(CblasRowMajor, G, N, 1.0, dah, 1, h, 1, g->weight_hh, N);
    cblas_daxpy(G, 1.0, dai, 1, g->bias_ih, 1);
    cblas_daxpy(G, 1.0, dah, 1, g->bias_hh, 1);
    if (dx) cblas_dgemv(CblasRowMajor, CblasTrans, G, D, 1.0, m->weight_ih, D, dai, 1, 1.0, dx, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, G, N, 1.0, m->weight_hh, N, dah, 1, 1.0, dh_prev, 1);
}
