/* task/net.c: batched forward/backward of the benchmark network, its SGD step, and the k-step
 * truncated evaluation (see net.h). Every (T, B, ...) array is time-major; the recurrence is one
 * GEMM per step, everything else one GEMM over all T*B rows. */
#include "task/net.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"

struct srm_net {
    srm_cell cell;
    srm_net_output output;
    size_t n, d, gn, S, out, vocab, t_max, b_max;
    size_t T, B;            /* shape of the last forward */
    int drop_in, drop_out;  /* the last forward used dropout masks */
    double *block;          /* every array below points into it */
    double *x, *xmask;      /* (R, d) input vectors after dropout, and the dropout multipliers */
    const double *xused;    /* x, or the caller's frames when nothing was copied */
    double *a;              /* (R, gn) pre-activations -> gate activations -> d pre-activations */
    double *h, *c;          /* (R + B, n) h_0 .. h_T and (LSTM) c_0 .. c_T */
    double *tc;             /* (R, n) LSTM tanh(c_t) */
    double *hd, *hmask;     /* (R, n) dropout of h_1 .. h_T and its multipliers */
    const double *hused;    /* hd, or h_1 .. h_T without output dropout */
    double *y;              /* (R, out) logits -> probabilities -> d logits (float64) */
    float *yf, *hf, *wf, *bf, *dwf, *dhf, *onesf; /* float32 decoder: y, hused, decoder weight
                                                      and bias, d weight, d hused, ones */
    double *dh;             /* (R, n) dloss/dh_t from the decoder */
    double *carry_h, *carry_c; /* (B, n) gradient through the recurrence */
    double *dx;             /* (R, d) gradient of the input vectors (encoder models) */
    double *ones;           /* (R) for column sums by GEMV */
    double *gbias;          /* (gn) bias gradient of one backward */
    double *final;          /* (B, S) state after the last step */
    unsigned char *touched; /* (vocab) encoder row has a gradient since the last zeroing */
    size_t *rows, nrows;    /* the touched rows */
};


/* One step of the cell on one row: g holds the pre-activations (gn) and receives the gate
 * activations (LSTM) in place. c_prev/c_next may alias (read before write). */
static inline void cell_row(srm_cell cell, size_t n, double *g, const double *c_prev,
                            double *c_next, double *tc, double *h_next)
{
    if (cell != SRM_CELL_LSTM) {
        for (size_t i = 0; i < n; i++) h_next[i] = tanh(g[i]);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double gi = srm_sigmoid(g[i]), gf = srm_sigmoid(g[n + i]);
        double gz = tanh(g[2 * n + i]), go = srm_sigmoid(g[3 * n + i]);
        double cv = gf * c_prev[i] + gi * gz, t = tanh(cv);
        g[i] = gi, g[n + i] = gf, g[2 * n + i] = gz, g[3 * n + i] = go;
        c_next[i] = cv;
        h_next[i] = go * t;
        if (tc) tc[i] = t;
    }
}

/* rows_loss in single precision (SRM_NET_FLOAT32): exponentials in float, sums in double. */
static int rows_loss_float(srm_net_output kind, float *y, size_t rows, size_t out,
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
                l += (v > 0 ? v : 0) + log1p(exp(-fabs(v))) - z[j] * v;
                row[j] = (float)(v >= 0 ? 1.0 / (1.0 + exp(-v)) : exp(v) / (1.0 + exp(v)));
            }
            if (counted) *loss += l;
        }
        *count += (size_t)counted;
    }
    return SRM_OK;
}

/* Loss of `rows` output rows y (rows, out) in place: logits become softmax probabilities or
 * sigmoids. pos0 is the time-major index of the first row, for targets, mask and errors. */
static int rows_loss(srm_net_output kind, double *y, size_t rows, size_t out,
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
                /* softplus(v) - z v without overflow */
                l += (v > 0 ? v : 0) + log1p(exp(-fabs(v))) - z[j] * v;
                row[j] = v >= 0 ? 1.0 / (1.0 + exp(-v)) : exp(v) / (1.0 + exp(v));
            }
            if (counted) *loss += l;
        }
        *count += (size_t)counted;
    }
    return SRM_OK;
}

static int check_model(const srm_model *m)
{
    if (m->cell != SRM_CELL_RNN_TANH && m->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "the benchmark network needs a tanh RNN or an LSTM (got %s)",
                         srm_cell_name(m->cell));
    if (!m->output) return SRM_ERROR(SRM_EINVAL, "the benchmark network needs a decoder");
    return SRM_OK;
}

/* Carves `count` arrays of the given sizes out of one zeroed allocation. */
static double *carve(size_t count, const size_t *sizes, double **const *ptrs)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += sizes[i];
    double *block = calloc(total ? total : 1, sizeof(double));
    if (!block) return NULL;
    double *p = block;
    for (size_t i = 0; i < count; i++) {
        *ptrs[i] = sizes[i] ? p : NULL;
        p += sizes[i];
    }
    return block;
}

srm_net *srm_net_alloc(const srm_model *m, srm_net_output output, srm_net_precision precision,
                       size_t t_max, size_t b_max)
{
    if (check_model(m) != SRM_OK) return NULL;
    if (t_max == 0 || b_max == 0) {
        SRM_ERROR(SRM_EINVAL, "network workspace needs t_max, b_max >= 1");
        return NULL;
    }
    srm_net *net = calloc(1, sizeof *net);
    if (!net) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    size_t n = m->hidden, d = m->input, R = t_max * b_max, lstm = m->cell == SRM_CELL_LSTM;
    net->cell = m->cell, net->output = output;
    net->n = n, net->d = d, net->gn = m->gates * n, net->S = srm_model_state_size(m);
    net->out = m->output, net->vocab = m->vocab, net->t_max = t_max, net->b_max = b_max;
    int f32 = precision == SRM_NET_FLOAT32;
    size_t sizes[] = {R * d, R * d, R * net->gn, (R + b_max) * n, lstm ? (R + b_max) * n : 0,
                      lstm ? R * n : 0, R * n, R * n, f32 ? 0 : R * net->out, R * n, b_max * n,
                      b_max * n, m->vocab ? R * d : 0, R, net->gn, b_max * net->S};
    double **const ptrs[] = {&net->x,  &net->xmask, &net->a,       &net->h,       &net->c,
                             &net->tc, &net->hd,    &net->hmask,   &net->y,       &net->dh,
                             &net->carry_h, &net->carry_c, &net->dx, &net->ones,
                             &net->gbias, &net->final};
    net->block = carve(sizeof sizes / sizeof sizes[0], sizes, ptrs);
    net->touched = calloc(m->vocab ? m->vocab : 1, 1);
    net->rows = malloc((m->vocab ? m->vocab : 1) * sizeof(size_t));
    int f32_ok = 1;
    if (f32) {
        size_t on = net->out * n;
        net->yf = malloc(R * net->out * sizeof(float));
        net->hf = malloc(R * n * sizeof(float));
        net->wf = malloc(on * sizeof(float));
        net->bf = malloc(net->out * sizeof(float));
        net->dwf = malloc(on * sizeof(float));
        net->dhf = malloc(R * n * sizeof(float));
        net->onesf = malloc(R * sizeof(float));
        f32_ok = net->yf && net->hf && net->wf && net->bf && net->dwf && net->dhf && net->onesf;
        for (size_t r = 0; f32_ok && r < R; r++) net->onesf[r] = 1.0f;
    }
    if (!net->block || !net->touched || !net->rows || !f32_ok) {
        srm_net_free(net);
        SRM_ERROR(SRM_ENOMEM, "out of memory for a network workspace (%zu x %zu rows)", t_max,
                  b_max);
        return NULL;
    }
    for (size_t r = 0; r < R; r++) net->ones[r] = 1.0;
    return net;
}

void srm_net_free(srm_net *net)
{
    if (!net) return;
    free(net->block);
    free(net->touched);
    free(net->rows);
    free(net->yf), free(net->hf), free(net->wf), free(net->bf), free(net->dwf), free(net->dhf);
    free(net->onesf);
    free(net);
}

void srm_net_init(srm_model *m, gsl_rng *rng)
{
    size_t gn = m->gates * m->hidden;
    double k = 1.0 / sqrt((double)m->hidden);
    size_t nrnn = gn * m->input + gn * m->hidden + 2 * gn; /* rnn.* come first in the block */
    for (size_t i = 0; i < nrnn; i++) m->w[i] = k * (2 * gsl_rng_uniform(rng) - 1);
    for (size_t i = 0; i < m->output * m->hidden; i++)
        m->decoder_weight[i] = 0.1 * (2 * gsl_rng_uniform(rng) - 1);
    for (size_t i = 0; i < m->output; i++) m->decoder_bias[i] = 0;
    for (size_t i = 0; i < m->vocab * m->input; i++)
        m->encoder_weight[i] = 0.1 * (2 * gsl_rng_uniform(rng) - 1);
}

/* Inverted dropout of x (count entries) in place; mask receives the multipliers. */
static void dropout(double *x, double *mask, size_t count, double p, gsl_rng *rng)
{
    double keep = 1.0 / (1.0 - p);
    for (size_t i = 0; i < count; i++) {
        mask[i] = gsl_rng_uniform(rng) < p ? 0.0 : keep;
        x[i] *= mask[i];
    }
}

/* Input vectors of positions [pos0, pos0 + rows) into x: embedding rows or frames. */
static int gather_inputs(const srm_model *m, const srm_net_batch *b, size_t pos0, size_t rows,
                         double *x)
{
    size_t d = m->input;
    if (!m->vocab) {
        memcpy(x, b->frames + pos0 * d, rows * d * sizeof(double));
        return SRM_OK;
    }
    for (size_t r = 0; r < rows; r++) {
        int32_t tok = b->tokens[pos0 + r];
        if (tok < 0 || (size_t)tok >= m->vocab)
            return SRM_ERROR(SRM_EINVAL, "token id %d at step %zu, column %zu is not in 0..%zu",
                             tok, (pos0 + r) / b->B, (pos0 + r) % b->B, m->vocab - 1);
        memcpy(x + r * d, m->encoder_weight + (size_t)tok * d, d * sizeof(double));
    }
    return SRM_OK;
}

/* y (rows, gn) = bias_ih + bias_hh + x W_ih^T: bias first, then the product (beta = 1). */
static void input_projection(const srm_model *m, const double *x, size_t rows, double *y)
{
    size_t gn = m->gates * m->hidden;
    for (size_t i = 0; i < gn; i++) y[i] = m->bias_ih[i] + m->bias_hh[i];
    for (size_t r = 1; r < rows; r++) memcpy(y + r * gn, y, gn * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)gn, (int)m->input, 1.0,
                x, (int)m->input, m->weight_ih, (int)m->input, 1.0, y, (int)gn);
}

/* The recurrence's two products. OpenBLAS's GEMM packs the whole weight matrix on every call,
 * which for a single row (batch 1: JSB) costs more than the product itself, so one row goes
 * through GEMV (measured on 4096 x 1024: 3.1 ms as GEMM, 1.3 ms as GEMV). */

/* a (rows, gn) += h (rows, n; leading dimension ldh) W_hh^T. */
static void recur_forward(const srm_model *m, size_t rows, const double *h, size_t ldh,
                          double *a)
{
    size_t n = m->hidden, gn = n * m->gates;
    if (rows == 1)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)gn, (int)n, 1.0, m->weight_hh, (int)n, h,
                    1, 1.0, a, 1);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)gn, (int)n, 1.0, h,
                    (int)ldh, m->weight_hh, (int)n, 1.0, a, (int)gn);
}

/* carry (rows, n) = da (rows, gn) W_hh. */
static void recur_backward(const srm_model *m, size_t rows, const double *da, double *carry)
{
    size_t n = m->hidden, gn = n * m->gates;
    if (rows == 1)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)gn, (int)n, 1.0, m->weight_hh, (int)n, da, 1,
                    0.0, carry, 1);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)gn, 1.0,
                    da, (int)gn, m->weight_hh, (int)n, 0.0, carry, (int)n);
}

/* y (rows, out) = decoder_bias + h W_dec^T, h with row stride ldh. */
static void decode(const srm_model *m, const double *h, size_t ldh, size_t rows, double *y)
{
    size_t out = m->output;
    for (size_t r = 0; r < rows; r++) memcpy(y + r * out, m->decoder_bias, out * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)out, (int)m->hidden, 1.0,
                h, (int)ldh, m->decoder_weight, (int)m->hidden, 1.0, y, (int)out);
}

int srm_net_forward(srm_net *net, const srm_model *m, const srm_net_batch *b,
                    const double *state0, double p_in, double p_out, gsl_rng *rng,
                    double *loss_sum, size_t *count)
{
    size_t T = b->T, B = b->B, R = T * B, n = net->n, d = net->d, gn = net->gn, S = net->S;
    if (T == 0 || B == 0 || T > net->t_max || B > net->b_max)
        return SRM_ERROR(SRM_EINVAL, "batch of %zu steps x %zu columns does not fit the "
                         "workspace (%zu x %zu)", T, B, net->t_max, net->b_max);
    if (!(p_in >= 0 && p_in < 1 && p_out >= 0 && p_out < 1) || ((p_in > 0 || p_out > 0) && !rng))
        return SRM_ERROR(SRM_EINVAL, "dropout probabilities must be in [0, 1) with an RNG");
    net->T = T, net->B = B;
    net->drop_in = p_in > 0, net->drop_out = p_out > 0;
    if (m->vocab || net->drop_in) {
        if (m->vocab) SRM_TRY(gather_inputs(m, b, 0, R, net->x));
        else memcpy(net->x, b->frames, R * d * sizeof(double));
        if (net->drop_in) dropout(net->x, net->xmask, R * d, p_in, rng);
        net->xused = net->x;
    } else {
        net->xused = b->frames;
    }
    input_projection(m, net->xused, R, net->a);
    for (size_t r = 0; r < B; r++) {
        if (state0) memcpy(net->h + r * n, state0 + r * S + (S - n), n * sizeof(double));
        else memset(net->h + r * n, 0, n * sizeof(double));
        if (net->c) {
            if (state0) memcpy(net->c + r * n, state0 + r * S, n * sizeof(double));
            else memset(net->c + r * n, 0, n * sizeof(double));
        }
    }
    for (size_t t = 0; t < T; t++) {
        double *a = net->a + t * B * gn;
        recur_forward(m, B, net->h + t * B * n, n, a);
        for (size_t r = 0; r < B; r++) {
            size_t cur = t * B + r, next = cur + B;
            cell_row(net->cell, n, a + r * gn, net->c ? net->c + cur * n : NULL,
                     net->c ? net->c + next * n : NULL, net->tc ? net->tc + cur * n : NULL,
                     net->h + next * n);
        }
    }
    for (size_t r = 0; r < B; r++) {
        double *f = net->final + r * S;
        if (net->c) memcpy(f, net->c + (R + r) * n, n * sizeof(double));
        memcpy(f + (S - n), net->h + (R + r) * n, n * sizeof(double));
    }
    net->hused = net->h + B * n;
    if (net->drop_out) {
        memcpy(net->hd, net->hused, R * n * sizeof(double));
        dropout(net->hd, net->hmask, R * n, p_out, rng);
        net->hused = net->hd;
    }
    *loss_sum = 0;
    *count = 0;
    if (!net->yf) {
        decode(m, net->hused, n, R, net->y);
        return rows_loss(net->output, net->y, R, net->out, b, 0, loss_sum, count);
    }
    size_t out = net->out;
    for (size_t i = 0; i < out * n; i++) net->wf[i] = (float)m->decoder_weight[i];
    for (size_t j = 0; j < out; j++) net->bf[j] = (float)m->decoder_bias[j];
    for (size_t i = 0; i < R * n; i++) net->hf[i] = (float)net->hused[i];
    for (size_t r = 0; r < R; r++) memcpy(net->yf + r * out, net->bf, out * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)R, (int)out, (int)n, 1.0f, net->hf,
                (int)n, net->wf, (int)n, 1.0f, net->yf, (int)out);
    return rows_loss_float(net->output, net->yf, R, out, b, loss_sum, count);
}

const double *srm_net_final_state(const srm_net *net) { return net->final; }

static void argmax_rows(const double *y, size_t rows, size_t out, int32_t *dst)
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
        argmax_rows(net->y, net->T * net->B, net->out, out);
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

void srm_net_backward(srm_net *net, const srm_model *m, const srm_net_batch *b, double scale,
                      srm_model *grad)
{
    size_t T = net->T, B = net->B, R = T * B, n = net->n, d = net->d, gn = net->gn;
    size_t out = net->out;
    /* d loss / d logits = scale (p - target) on counted rows */
    if (net->yf) backward_decoder_float(net, b, scale, grad);
    for (size_t r = 0; !net->yf && r < R; r++) {
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
    if (!net->yf) {
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)n, (int)R, 1.0,
                    net->y, (int)out, net->hused, (int)n, 1.0, grad->decoder_weight, (int)n);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)R, (int)out, 1.0, net->y, (int)out,
                    net->ones, 1, 1.0, grad->decoder_bias, 1);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)n, (int)out, 1.0,
                    net->y, (int)out, m->decoder_weight, (int)n, 0.0, net->dh, (int)n);
    }
    if (net->drop_out)
        for (size_t i = 0; i < R * n; i++) net->dh[i] *= net->hmask[i];

    /* Backpropagation through time; a becomes d loss / d pre-activation, step by step. */
    memset(net->carry_h, 0, B * n * sizeof(double));
    if (net->carry_c) memset(net->carry_c, 0, B * n * sizeof(double));
    for (size_t t = T; t-- > 0;) {
        for (size_t r = 0; r < B; r++) {
            size_t row = t * B + r;
            double *a = net->a + row * gn, *ch = net->carry_h + r * n;
            const double *dh = net->dh + row * n;
            if (net->cell != SRM_CELL_LSTM) {
                const double *h = net->h + (row + B) * n;
                for (size_t i = 0; i < n; i++) a[i] = (dh[i] + ch[i]) * (1.0 - h[i] * h[i]);
                continue;
            }
            const double *tc = net->tc + row * n, *cprev = net->c + row * n;
            double *cc = net->carry_c + r * n;
            for (size_t i = 0; i < n; i++) {
                double dhv = dh[i] + ch[i];
                double gi = a[i], gf = a[n + i], gz = a[2 * n + i], go = a[3 * n + i];
                double dc = dhv * go * (1.0 - tc[i] * tc[i]) + cc[i];
                a[i] = dc * gz * gi * (1.0 - gi);
                a[n + i] = dc * cprev[i] * gf * (1.0 - gf);
                a[2 * n + i] = dc * gi * (1.0 - gz * gz);
                a[3 * n + i] = dhv * tc[i] * go * (1.0 - go);
                cc[i] = dc * gf;
            }
        }
        if (t > 0)
            recur_backward(m, B, net->a + t * B * gn, net->carry_h);
    }
    /* Rows 0 .. R-1 of h are h_0 .. h_{T-1}, the states each step read. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)gn, (int)n, (int)R, 1.0, net->a,
                (int)gn, net->h, (int)n, 1.0, grad->weight_hh, (int)n);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)gn, (int)d, (int)R, 1.0, net->a,
                (int)gn, net->xused, (int)d, 1.0, grad->weight_ih, (int)d);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)R, (int)gn, 1.0, net->a, (int)gn, net->ones, 1,
                0.0, net->gbias, 1);
    for (size_t i = 0; i < gn; i++) {
        grad->bias_ih[i] += net->gbias[i];
        grad->bias_hh[i] += net->gbias[i];
    }
    if (!net->vocab) return;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)d, (int)gn, 1.0, net->a,
                (int)gn, m->weight_ih, (int)d, 0.0, net->dx, (int)d);
    if (net->drop_in)
        for (size_t i = 0; i < R * d; i++) net->dx[i] *= net->xmask[i];
    for (size_t r = 0; r < R; r++) {
        size_t tok = (size_t)b->tokens[r];
        if (!net->touched[tok]) {
            net->touched[tok] = 1;
            net->rows[net->nrows++] = tok;
        }
        cblas_daxpy((int)d, 1.0, net->dx + r * d, 1, grad->encoder_weight + tok * d, 1);
    }
}

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
        for (size_t j = 0; j < d; j++) row[j] = row[j] > bound ? bound : row[j] < -bound ? -bound : row[j];
    }
}

/* ---- k-step truncated evaluation ---- */

struct srm_net_trunc {
    srm_cell cell;
    srm_net_output output;
    size_t n, gn, S, out, chunk, b_max;
    double *block;
    double *xin;   /* (rows, d) input vectors of a block of positions */
    double *xproj; /* (rows, gn) their input projections */
    double *state; /* (rows, S) one window per row: c then h */
    double *pre;   /* (rows, gn) pre-activations of the live windows */
    double *y;     /* (rows, out) outputs of a chunk */
};

srm_net_trunc *srm_net_trunc_alloc(const srm_model *m, srm_net_output output, size_t chunk,
                                   size_t b_max)
{
    if (check_model(m) != SRM_OK) return NULL;
    if (chunk == 0 || b_max == 0) {
        SRM_ERROR(SRM_EINVAL, "truncated evaluation needs chunk, b_max >= 1");
        return NULL;
    }
    srm_net_trunc *tw = calloc(1, sizeof *tw);
    if (!tw) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    size_t rows = chunk * b_max;
    tw->cell = m->cell, tw->output = output, tw->n = m->hidden, tw->gn = m->gates * m->hidden;
    tw->S = srm_model_state_size(m), tw->out = m->output, tw->chunk = chunk, tw->b_max = b_max;
    size_t sizes[] = {rows * m->input, rows * tw->gn, rows * tw->S, rows * tw->gn,
                      rows * tw->out};
    double **const ptrs[] = {&tw->xin, &tw->xproj, &tw->state, &tw->pre, &tw->y};
    tw->block = carve(5, sizes, ptrs);
    if (!tw->block) {
        free(tw);
        SRM_ERROR(SRM_ENOMEM, "out of memory for truncated evaluation (%zu rows)", rows);
        return NULL;
    }
    return tw;
}

void srm_net_trunc_free(srm_net_trunc *tw)
{
    if (!tw) return;
    free(tw->block);
    free(tw);
}

int srm_net_trunc_eval(srm_net_trunc *tw, const srm_model *m, const srm_net_batch *b, size_t k,
                       double *loss_sum, size_t *count, int32_t *argmax)
{
    size_t T = b->T, B = b->B, C = tw->chunk, n = tw->n, gn = tw->gn, S = tw->S;
    if (k == 0) return SRM_ERROR(SRM_EINVAL, "truncation length k must be >= 1");
    if (B == 0 || B > tw->b_max)
        return SRM_ERROR(SRM_EINVAL, "%zu columns exceed the workspace's %zu", B, tw->b_max);
    if (k > T) k = T;
    *loss_sum = 0;
    *count = 0;
    for (size_t p = 0; p < T; p += C) {
        size_t Cc = T - p < C ? T - p : C;
        memset(tw->state, 0, Cc * B * S * sizeof(double));
        size_t blk = 0, blk_len = 0; /* positions [blk, blk + blk_len) are projected */
        for (size_t u = p + 1 >= k ? p + 1 - k : 0; u < p + Cc; u++) {
            if (blk_len == 0 || u >= blk + blk_len) {
                blk = u;
                blk_len = T - u < C ? T - u : C;
                SRM_TRY(gather_inputs(m, b, u * B, blk_len * B, tw->xin));
                input_projection(m, tw->xin, blk_len * B, tw->xproj);
            }
            /* live windows: positions t in [max(p, u), min(p + Cc - 1, u + k - 1)] */
            size_t lo = u > p ? u - p : 0, hi = u + k - 1 - p;
            if (hi > Cc - 1) hi = Cc - 1;
            size_t nrow = (hi - lo + 1) * B;
            const double *xp = tw->xproj + (u - blk) * B * gn;
            for (size_t r = 0; r < nrow; r++)
                memcpy(tw->pre + r * gn, xp + (r % B) * gn, gn * sizeof(double));
            double *st = tw->state + lo * B * S;
            recur_forward(m, nrow, st + (S - n), S, tw->pre);
            for (size_t r = 0; r < nrow; r++) {
                double *s = st + r * S;
                cell_row(tw->cell, n, tw->pre + r * gn, s, s, NULL, s + (S - n));
            }
        }
        decode(m, tw->state + (S - n), S, Cc * B, tw->y);
        SRM_TRY(rows_loss(tw->output, tw->y, Cc * B, tw->out, b, p * B, loss_sum, count));
        if (argmax) argmax_rows(tw->y, Cc * B, tw->out, argmax + p * B);
    }
    return SRM_OK;
}
