/* sim/rnn_grad.c: losses and exact backpropagation through time, for the full model and for
 * the k-step truncated model (proofs-notes/models.md), accumulating into a gradient block with
 * the model's layout. Per-step work is one GEMV (dh_{t-1} = W_hh^T da_t); the parameter
 * gradients of a span are a few GEMMs over all its steps at once.
 *
 * Losses per position t, with y_t the output (decoder, or h_t without one) and z the target:
 *   mse   1/2 ||y_t - z_t||^2                  (gradient y - z)
 *   xent  -sum_j p_j log softmax(y_t)_j        (z: a class index, or probabilities p)
 *   bce   sum_j softplus(y_j) - z_j y_j        (= binary cross-entropy of sigmoid(y_j))
 * The loss of a sequence is the sum over its loss positions (all t, or t = T only). */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "sim/rnn.h"
#include "sim/rnn_internal.h"

double srm_loss_position(srm_loss_kind kind, const double *y, size_t out, const double *z,
                         size_t zcols, double *dy)
{
    double loss = 0.0;
    switch (kind) {
    case SRM_LOSS_MSE:
        for (size_t j = 0; j < out; j++) {
            double e = y[j] - z[j];
            loss += 0.5 * e * e;
            dy[j] = e;
        }
        break;
    case SRM_LOSS_XENT: {
        double mx = y[0], sum = 0.0;
        for (size_t j = 1; j < out; j++) mx = y[j] > mx ? y[j] : mx;
        for (size_t j = 0; j < out; j++) sum += exp(y[j] - mx);
        double lse = mx + log(sum);
        if (zcols == 1) {
            size_t c = (size_t)z[0];
            loss = lse - y[c];
            for (size_t j = 0; j < out; j++) dy[j] = exp(y[j] - lse) - (j == c ? 1.0 : 0.0);
        } else {
            double psum = 0.0;
            for (size_t j = 0; j < out; j++) {
                loss += z[j] * (lse - y[j]);
                psum += z[j];
            }
            for (size_t j = 0; j < out; j++) dy[j] = psum * exp(y[j] - lse) - z[j];
        }
        break;
    }
    case SRM_LOSS_BCE:
        for (size_t j = 0; j < out; j++) {
            double a = y[j];
            loss += srm_softplus(a) - z[j] * a;
            dy[j] = srm_sigmoid(a) - z[j];
        }
        break;
    }
    return loss;
}

int srm_rnn_target_check(const srm_model *m, srm_loss_kind loss, const double *z, size_t rows,
                         size_t cols, const char *path, const long *lines)
{
    return srm_loss_target_check(m->output ? m->output : m->hidden, loss, z, rows, cols, path,
                                 lines);
}

int srm_loss_target_check(size_t out, srm_loss_kind loss, const double *z, size_t rows,
                          size_t cols, const char *path, const long *lines)
{
    char where[512];
    const char *p = path ? path : "targets", *sep = ": ";
    if (loss == SRM_LOSS_XENT && cols == 1) {
        for (size_t t = 0; t < rows; t++)
            if (!(z[t] >= 0.0 && z[t] < (double)out && z[t] == floor(z[t])))
                return SRM_ERROR(SRM_EINVAL, "%s: class %g is not in 0..%zu",
                                 srm_rnn_row_where(where, sizeof where, p, lines, t), z[t],
                                 out - 1);
        return SRM_OK;
    }
    if (cols != out)
        return SRM_ERROR(SRM_EINVAL, "%s%s%zu columns; the model's output has %zu%s", p, sep,
                         cols, out, loss == SRM_LOSS_XENT ? " (or 1 for class indices)" : "");
    for (size_t i = 0; i < rows * cols; i++)
        if (!isfinite(z[i]))
            return SRM_ERROR(SRM_EINVAL, "%s: not finite",
                             srm_rnn_row_where(where, sizeof where, p, lines, i / cols));
    return SRM_OK;
}

/* Backward through the span in ws->states, gates and tc (L steps over inputs t0+1..t0+L) with
 * the loss gradients dy for span steps first..L-1 (rows of ws->dy from 0). Accumulates into
 * grad. */
static void backward_span(const srm_model *m, srm_rnn_workspace *ws, size_t t0, size_t L,
                          size_t first, srm_model *grad)
{
    size_t n = ws->n, d = ws->d, gn = ws->gn, S = ws->S, out = ws->out, hoff = S - n;
    size_t nl = L - first;
    const double *hs = ws->states + hoff; /* h_s at hs + s*S */
    /* dh (from the loss) and the decoder's gradient. */
    memset(ws->dh, 0, L * n * sizeof(double));
    if (m->output) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nl, (int)n, (int)out, 1.0,
                    ws->dy, (int)out, m->decoder_weight, (int)n, 0.0, ws->dh + first * n,
                    (int)n);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)n, (int)nl, 1.0,
                    ws->dy, (int)out, hs + (first + 1) * S, (int)S, 1.0, grad->decoder_weight,
                    (int)n);
        for (size_t s = 0; s < nl; s++)
            for (size_t j = 0; j < out; j++) grad->decoder_bias[j] += ws->dy[s * out + j];
    } else {
        memcpy(ws->dh + first * n, ws->dy, nl * n * sizeof(double));
    }
    /* The recurrence, backwards. carry = dloss/ds_s from steps after s. */
    double *carry = ws->carry;
    memset(carry, 0, S * sizeof(double));
    for (size_t s = L; s-- > 0;) {
        const double *dh = ws->dh + s * n, *hn = hs + (s + 1) * S;
        double *da = ws->da + s * gn;
        srm_cell_backward(da, carry, dh, carry + hoff, hn, ws->states + s * S,
                          ws->gates ? ws->gates + s * 4 * n : NULL, ws->tc ? ws->tc + s * n : NULL,
                          m->cell, 1, n, S);
        if (s > 0) /* s_0 is the constant zero state: nothing flows into it */
            srm_cell_recur_backward(carry + hoff, da, m, 1);
    }
    /* Parameter gradients of the whole span: dW_hh += da^T h_{s-1}, dW_ih += da^T x_s. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)gn, (int)n, (int)L, 1.0, ws->da,
                (int)gn, hs, (int)S, 1.0, grad->weight_hh, (int)n);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)gn, (int)d, (int)L, 1.0, ws->da,
                (int)gn, ws->xin + t0 * d, (int)d, 1.0, grad->weight_ih, (int)d);
    for (size_t s = 0; s < L; s++)
        for (size_t i = 0; i < gn; i++) {
            grad->bias_ih[i] += ws->da[s * gn + i];
            grad->bias_hh[i] += ws->da[s * gn + i];
        }
    if (m->vocab) { /* dx = da W_ih, scattered onto the embedding rows used */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)L, (int)d, (int)gn, 1.0,
                    ws->da, (int)gn, m->weight_ih, (int)d, 0.0, ws->dxin, (int)d);
        for (size_t s = 0; s < L; s++) {
            double *row = grad->encoder_weight + (size_t)ws->tokens[t0 + s] * d;
            for (size_t j = 0; j < d; j++) row[j] += ws->dxin[s * d + j];
        }
    }
}

int srm_rnn_loss_grad(const srm_model *m, const double *x, const double *target,
                      size_t target_cols, size_t T, size_t trunc_k, srm_loss_kind loss,
                      srm_loss_at at, double *loss_out, srm_model *grad,
                      srm_rnn_workspace *ws)
{
    SRM_TRY(srm_rnn_check(m, T, ws));
    if (grad && (grad->cell != m->cell || grad->nparam != m->nparam ||
                 grad->hidden != m->hidden || grad->output != m->output))
        return SRM_ERROR(SRM_EINVAL, "gradient block does not have the model's shape");
    size_t out = ws->out;
    SRM_TRY(srm_rnn_target_check(m, loss, target, T, target_cols, NULL, NULL));
    SRM_TRY(srm_rnn_prepare_input(m, x, T, ws));
    if (trunc_k >= T) trunc_k = 0; /* every window reaches back to s_0: the full model */
    size_t S = ws->S, first = at == SRM_LOSS_AT_LAST ? T - 1 : 0;
    double total = 0.0;
    if (trunc_k == 0) {
        srm_rnn_run_span(m, ws, 0, T);
        srm_rnn_outputs(m, ws, ws->states + (first + 1) * S, T - first, ws->y);
        for (size_t t = first; t < T; t++)
            total += srm_loss_position(loss, ws->y + (t - first) * out, out,
                                       target + t * target_cols, target_cols,
                                       ws->dy + (t - first) * out);
        if (grad) backward_span(m, ws, 0, T, first, grad);
    } else {
        /* Loss position t (1-based) sees the window x_{t0+1..t}, t0 = max(0, t-k), started
         * from the zero state; its gradient is BPTT through that window only. */
        for (size_t t = first + 1; t <= T; t++) {
            size_t t0 = t > trunc_k ? t - trunc_k : 0, L = t - t0;
            srm_rnn_run_span(m, ws, t0, L);
            srm_rnn_outputs(m, ws, ws->states + L * S, 1, ws->y);
            total += srm_loss_position(loss, ws->y, out, target + (t - 1) * target_cols,
                                       target_cols, ws->dy);
            if (grad) backward_span(m, ws, t0, L, L - 1, grad);
        }
    }
    if (loss_out) *loss_out = total;
    return SRM_OK;
}
