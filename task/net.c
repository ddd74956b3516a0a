/* task/net.c: the benchmark network's workspace, initialisation, and batched forward and
 * backward (see net.h). Every (T, B, ...) array is time-major; the recurrence is one GEMM per
 * step and the cell's arithmetic is core/cell.h's (the one kernel, here on B rows); everything
 * else is one GEMM over all T*B rows. The decoder and losses are net_loss.c, the gradient
 * bookkeeping net_sgd.c, the truncated evaluation net_trunc.c. */
#include "task/net.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "task/net_internal.h"

int srm_net_check_model(const srm_model *m)
{
    if (m->cell != SRM_CELL_RNN_TANH && m->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "the benchmark network needs a tanh RNN or an LSTM (got %s)",
                         srm_cell_name(m->cell));
    if (!m->output) return SRM_ERROR(SRM_EINVAL, "the benchmark network needs a decoder");
    return SRM_OK;
}

double *srm_net_carve(size_t count, const size_t *sizes, double **const *ptrs)
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
    if (srm_net_check_model(m) != SRM_OK) return NULL;
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
    net->block = srm_net_carve(sizeof sizes / sizeof sizes[0], sizes, ptrs);
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

int srm_net_gather_inputs(const srm_model *m, const srm_net_batch *b, size_t pos0, size_t rows,
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

/* Input vectors of the batch (embedding rows or frames) into net->xused, with input dropout. */
static int forward_inputs(srm_net *net, const srm_model *m, const srm_net_batch *b, double p_in,
                          gsl_rng *rng)
{
    size_t R = b->T * b->B, d = net->d;
    if (m->vocab || net->drop_in) {
        if (m->vocab) SRM_TRY(srm_net_gather_inputs(m, b, 0, R, net->x));
        else memcpy(net->x, b->frames, R * d * sizeof(double));
        if (net->drop_in) dropout(net->x, net->xmask, R * d, p_in, rng);
        net->xused = net->x;
    } else {
        net->xused = b->frames;
    }
    return SRM_OK;
}

/* The recurrence from state0 (NULL: zeros): h_1 .. h_T (and c, tanh c, the LSTM gates in a)
 * for backward, and the final state. */
static void forward_recurrence(srm_net *net, const srm_model *m, const double *state0)
{
    size_t T = net->T, B = net->B, R = T * B, n = net->n, gn = net->gn, S = net->S;
    srm_cell_input_projection(net->a, net->xused, m, R);
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
        srm_cell_recur_forward(a, net->h + t * B * n, m, B, n);
        /* pre (B, gn): a; h, c (B, n) at rows t (previous) and t + 1 (next) */
        srm_cell_forward(net->h + (t + 1) * B * n, net->c ? net->c + (t + 1) * B * n : NULL, a,
                         net->tc ? net->tc + t * B * n : NULL, a,
                         net->c ? net->c + t * B * n : NULL, net->cell, B, n, n);
    }
    for (size_t r = 0; r < B; r++) {
        double *f = net->final + r * S;
        if (net->c) memcpy(f, net->c + (R + r) * n, n * sizeof(double));
        memcpy(f + (S - n), net->h + (R + r) * n, n * sizeof(double));
    }
}

int srm_net_forward(srm_net *net, const srm_model *m, const srm_net_batch *b,
                    const double *state0, double p_in, double p_out, gsl_rng *rng,
                    double *loss_sum, size_t *count)
{
    size_t T = b->T, B = b->B, R = T * B, n = net->n;
    if (T == 0 || B == 0 || T > net->t_max || B > net->b_max)
        return SRM_ERROR(SRM_EINVAL, "batch of %zu steps x %zu columns does not fit the "
                         "workspace (%zu x %zu)", T, B, net->t_max, net->b_max);
    if (!(p_in >= 0 && p_in < 1 && p_out >= 0 && p_out < 1) || ((p_in > 0 || p_out > 0) && !rng))
        return SRM_ERROR(SRM_EINVAL, "dropout probabilities must be in [0, 1) with an RNG");
    net->T = T, net->B = B;
    net->drop_in = p_in > 0, net->drop_out = p_out > 0;
    SRM_TRY(forward_inputs(net, m, b, p_in, rng));
    forward_recurrence(net, m, state0);
    net->hused = net->h + B * n;
    if (net->drop_out) {
        memcpy(net->hd, net->hused, R * n * sizeof(double));
        dropout(net->hd, net->hmask, R * n, p_out, rng);
        net->hused = net->hd;
    }
    return srm_net_decode_loss(net, m, b, loss_sum, count);
}

const double *srm_net_final_state(const srm_net *net) { return net->final; }

/* Backpropagation through time from net->dh: net->a becomes d loss / d pre-activation, step by
 * step (the kernel on B rows, in place over the gates). */
static void backward_recurrence(srm_net *net, const srm_model *m)
{
    size_t T = net->T, B = net->B, n = net->n, gn = net->gn;
    memset(net->carry_h, 0, B * n * sizeof(double));
    if (net->carry_c) memset(net->carry_c, 0, B * n * sizeof(double));
    for (size_t t = T; t-- > 0;) {
        double *a = net->a + t * B * gn;
        srm_cell_backward(a, net->carry_c, net->dh + t * B * n, net->carry_h,
                          net->h + (t + 1) * B * n, net->c ? net->c + t * B * n : NULL, a,
                          net->tc ? net->tc + t * B * n : NULL, net->cell, B, n, n);
        if (t > 0) srm_cell_recur_backward(net->carry_h, a, m, B);
    }
}

/* The encoder rows of the batch's tokens receive dx = da W_ih (times the input dropout). */
static void backward_encoder(srm_net *net, const srm_model *m, const srm_net_batch *b,
                             srm_model *grad)
{
    size_t R = net->T * net->B, d = net->d, gn = net->gn;
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

void srm_net_backward(srm_net *net, const srm_model *m, const srm_net_batch *b, double scale,
                      srm_model *grad)
{
    size_t R = net->T * net->B, n = net->n, d = net->d, gn = net->gn;
    srm_net_backward_decoder(net, m, b, scale, grad);
    if (net->drop_out)
        for (size_t i = 0; i < R * n; i++) net->dh[i] *= net->hmask[i];
    backward_recurrence(net, m);
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
    if (net->vocab) backward_encoder(net, m, b, grad);
}
