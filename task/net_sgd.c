/* task/net_sgd.c: the benchmark network's gradient bookkeeping: zeroing, the norm and the SGD
 * step over the dense parameters and the encoder rows touched since the last zeroing (sparse
 * embedding gradients, see net.h), and the clamp of those rows. */
#include <math.h>
#include <string.h>

#include "task/net.h"
#include "task/net_internal.h"

void srm_net_grad_zero(srm_net *net, srm_model *grad)
{
    size_t d = net->d, dense = grad->nparam - net->vocab * d;
    memset(grad->w, 0, dense * sizeof(double));
    for (size_t i = 0; i < net->nrows; i++) {
        memset(grad->encoder_weight + net->rows[i] * d, 0, d * sizeof(double));
        net->touched[net->rows[i]] = 0;
    }
    net->nrows = 0;
}

double srm_net_grad_norm(const srm_net *net, const srm_model *grad)
{
    size_t d = net->d, dense = grad->nparam - net->vocab * d;
    double s = 0;
    for (size_t i = 0; i < dense; i++) s += grad->w[i] * grad->w[i];
    for (size_t i = 0; i < net->nrows; i++) {
        const double *g = grad->encoder_weight + net->rows[i] * d;
        for (size_t j = 0; j < d; j++) s += g[j] * g[j];
    }
    return sqrt(s);
}

static void sgd(double *w, const double *g, size_t count, double lr, double gs, double wd)
{
    for (size_t i = 0; i < count; i++) w[i] -= lr * (gs * g[i] + wd * w[i]);
}

void srm_net_sgd_step(const srm_net *net, srm_model *m, const srm_model *grad, double lr,
                      double grad_scale, double weight_decay)
{
    size_t d = net->d, dense = m->nparam - net->vocab * d;
    if (weight_decay != 0 || !net->vocab) {
        sgd(m->w, grad->w, m->nparam, lr, grad_scale, weight_decay);
        return;
    }
    sgd(m->w, grad->w, dense, lr, grad_scale, 0);
    for (size_t i = 0; i < net->nrows; i++) {
        size_t off = net->rows[i] * d;
        sgd(m->encoder_weight + off, grad->encoder_weight + off, d, lr, grad_scale, 0);
    }
}

void srm_net_clamp_touched_rows(const srm_net *net, srm_model *m, double bound)
{
    size_t d = net->d;
    for (size_t i = 0; i < net->nrows; i++) {
        double *row = m->encoder_weight + net->rows[i] * d;
        for (size_t j = 0; j < d; j++)
            row[j] = row[j] > bound ? bound : row[j] < -bound ? -bound : row[j];
    }
}
