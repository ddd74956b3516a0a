/* task/net_loss.c: the benchmark network's decoder and losses (softmax cross-entropy over
 * classes, or independent sigmoids), forward and backward, in float64 or, with
 * SRM_NET_FLOAT32, with the decoder GEMMs and exponentials in float32 (see net.h). */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "task/net.h"
#include "task/net_internal.h"

/* srm_net_rows_loss in single precision (SRM_NET_FLOAT32): exponentials in float, sums in
 * double. */
int srm_net_rows_loss_float(srm_net_output kind, float *y, size_t rows, size_t out,
                            const srm_net_batch *b, double *loss, size_t *count)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * out;
        int counted = !b->mask || b->mask[r];
        if (kind == SRM_NET_SOFTMAX) {
            int32_t t = counted ? b->targets[r] : 0;
            if (t < 0 || (size_t)t >= out)
                return SRM_ERROR(SRM_EINVAL, "target id %d at step %zu, column %zu is not in "
                                 "0..%zu", t, r / b->B, r % b->B, out - 1);
            float mx = row[0], yt = row[t];
            double s = 0;
            for (size_t j = 1; j < out; j++) mx = row[j] > mx ? row[j] : mx;
            for (size_t j = 0; j < out; j++) s += row[j] = expf(row[j] - mx);
            if (counted) *loss += log(s) + (double)mx - (double)yt;
            float inv = (float)(1.0 / s);
            for (size_t j = 0; j < out; j++) row[j] *= inv;
        } else {
            const double *z = b->target_frames + r * out;
            double l = 0;
            for (size_t j = 0; j < out; j++) {
                double v = row[j];
                l += srm_softplus(v) - z[j] * v;
                row[j] = (float)srm_sigmoid_stable(v);
            }
            if (counted) *loss += l;
        }
        *count += (size_t)counted;
    }
    return SRM_OK;
}

int srm_net_rows_loss(srm_net_output kind, double *y, size_t rows, size_t out,
                      const srm_net_batch *b, size_t pos0, double *loss, size_t *count)
{
    for (size_t r = 0; r < rows; r++) {
        double *row = y + r * out;
        size_t pos = pos0 + r;
        int counted = !b->mask || b->mask[pos];
        if (kind == SRM_NET_SOFTMAX) {
            int32_t t = counted ? b->targets[pos] : 0;
            if (t < 0 || (size_t)t >= out)
                return SRM_ERROR(SRM_EINVAL, "target id %d at step %zu, column %zu is not in "
                                 "0..%zu", t, pos / b->B, pos % b->B, out - 1);
            double mx = row[0], s = 0, yt = row[t];
            for (size_t j = 1; j < out; j++) mx = row[j] > mx ? row[j] : mx;
            for (size_t j = 0; j < out; j++) s += row[j] = exp(row[j] - mx);
            if (counted) *loss += log(s) + mx - yt;
            double inv = 1.0 / s;
            for (size_t j = 0; j < out; j++) row[j] *= inv;
        } else {
            const double *z = b->target_frames + pos * out;
            double l = 0;
            for (size_t j = 0; j < out; j++) {
                double v = row[j];
                l += srm_softplus(v) - z[j] * v;
                row[j] = srm_sigmoid_stable(v);
            }
            if (counted) *loss += l;
        }
        *count += (size_t)counted;
    }
    return SRM_OK;
}

void srm_net_decode(const srm_model *m, const double *h, size_t ldh, size_t rows, double *y)
{
    size_t out = m->output;
    for (size_t r = 0; r < rows; r++) memcpy(y + r * out, m->decoder_bias, out * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)out, (int)m->hidden, 1.0,
                h, (int)ldh, m->decoder_weight, (int)m->hidden, 1.0, y, (int)out);
}

int srm_net_decode_loss(srm_net *net, const srm_model *m, const srm_net_batch *b,
                        double *loss_sum, size_t *count)
{
    size_t R = net->T * net->B, n = net->n, out = net->out;
    *loss_sum = 0;
    *count = 0;
    if (!net->yf) {
        srm_net_decode(m, net->hused, n, R, net->y);
        return srm_net_rows_loss(net->output, net->y, R, out, b, 0, loss_sum, count);
    }
    for (size_t i = 0; i < out * n; i++) net->wf[i] = (float)m->decoder_weight[i];
    for (size_t j = 0; j < out; j++) net->bf[j] = (float)m->decoder_bias[j];
    for (size_t i = 0; i < R * n; i++) net->hf[i] = (float)net->hused[i];
    for (size_t r = 0; r < R; r++) memcpy(net->yf + r * out, net->bf, out * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)R, (int)out, (int)n, 1.0f, net->hf,
                (int)n, net->wf, (int)n, 1.0f, net->yf, (int)out);
    return srm_net_rows_loss_float(net->output, net->yf, R, out, b, loss_sum, count);
}

void srm_net_argmax_rows(const double *y, size_t rows, size_t out, int32_t *dst)
{
    for (size_t r = 0; r < rows; r++) {
        const double *row = y + r * out;
        size_t best = 0;
        for (size_t j = 1; j < out; j++)
            if (row[j] > row[best]) best = j;
        dst[r] = (int32_t)best;
    }
}

void srm_net_argmax(const srm_net *net, int32_t *out)
{
    if (!net->yf) {
        srm_net_argmax_rows(net->y, net->T * net->B, net->out, out);
        return;
    }
    for (size_t r = 0; r < net->T * net->B; r++) {
        const float *row = net->yf + r * net->out;
        size_t best = 0;
        for (size_t j = 1; j < net->out; j++)
            if (row[j] > row[best]) best = j;
        out[r] = (int32_t)best;
    }
}

/* The decoder part of backward in single precision: d logits (in yf), decoder gradients, and
 * dh = d logits W_dec. */
static void backward_decoder_float(srm_net *net, const srm_net_batch *b, double scale,
                                   srm_model *grad)
{
    size_t R = net->T * net->B, n = net->n, out = net->out;
    float fs = (float)scale;
    for (size_t r = 0; r < R; r++) {
        float *row = net->yf + r * out;
        if (b->mask && !b->mask[r]) {
            memset(row, 0, out * sizeof(float));
            continue;
        }
        if (net->output == SRM_NET_SOFTMAX) {
            for (size_t j = 0; j < out; j++) row[j] *= fs;
            row[b->targets[r]] -= fs;
        } else {
            const double *z = b->target_frames + r * out;
            for (size_t j = 0; j < out; j++) row[j] = (float)(scale * (row[j] - z[j]));
        }
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)n, (int)R, 1.0f, net->yf,
                (int)out, net->hf, (int)n, 0.0f, net->dwf, (int)n);
    for (size_t i = 0; i < out * n; i++) grad->decoder_weight[i] += net->dwf[i];
    cblas_sgemv(CblasRowMajor, CblasTrans, (int)R, (int)out, 1.0f, net->yf, (int)out, net->onesf,
                1, 0.0f, net->bf, 1);
    for (size_t j = 0; j < out; j++) grad->decoder_bias[j] += net->bf[j];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)n, (int)out, 1.0f, net->yf,
                (int)out, net->wf, (int)n, 0.0f, net->dhf, (int)n);
    for (size_t i = 0; i < R * n; i++) net->dh[i] = net->dhf[i];
}

void srm_net_backward_decoder(srm_net *net, const srm_model *m, const srm_net_batch *b,
                              double scale, srm_model *grad)
{
    size_t R = net->T * net->B, n = net->n, out = net->out;
    if (net->yf) {
        backward_decoder_float(net, b, scale, grad);
        return;
    }
    for (size_t r = 0; r < R; r++) {
        double *row = net->y + r * out;
        if (b->mask && !b->mask[r]) {
            memset(row, 0, out * sizeof(double));
            continue;
        }
        if (net->output == SRM_NET_SOFTMAX) {
            for (size_t j = 0; j < out; j++) row[j] *= scale;
            row[b->targets[r]] -= scale;
        } else {
            const double *z = b->target_frames + r * out;
            for (size_t j = 0; j < out; j++) row[j] = scale * (row[j] - z[j]);
        }
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)n, (int)R, 1.0, net->y,
                (int)out, net->hused, (int)n, 1.0, grad->decoder_weight, (int)n);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)R, (int)out, 1.0, net->y, (int)out, net->ones, 1,
                1.0, grad->decoder_bias, 1);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)n, (int)out, 1.0, net->y,
                (int)out, m->decoder_weight, (int)n, 0.0, net->dh, (int)n);
}
