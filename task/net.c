/* task/net.c: the benchmark network's workspace, initialisation, weight binding and the entry
 * points (see net.h), which check their arguments and dispatch to the precision's arithmetic
 * (task/net_real.h, instantiated by task/net_ops.c). Every (T, B, ...) array is time-major; the
 * recurrence is one GEMM per step (GEMV at batch 1) and the cell's arithmetic is core/cell.h's;
 * everything else is one GEMM over all T*B rows. Truncated evaluation: net_trunc.c. */
#include "task/net.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "task/net_internal.h"

int openblas_get_num_threads(void); /* OpenBLAS's own API (not in CBLAS) */

int srm_net_threads(void)
{
    int t = openblas_get_num_threads();
    return t >= 1 ? t : 1;
}

int srm_net_check_model(const srm_model *m)
{
    if (m->cell != SRM_CELL_RNN_TANH && m->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "the benchmark network needs a tanh RNN or an LSTM (got %s)",
                         srm_cell_name(m->cell));
    if (!m->output) return SRM_ERROR(SRM_EINVAL, "the benchmark network needs a decoder");
    return SRM_OK;
}

void *srm_net_carve(size_t count, const size_t *sizes, size_t elem, void **const *ptrs)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += sizes[i];
    char *block = calloc(total ? total : 1, elem);
    if (!block) return NULL;
    char *p = block;
    for (size_t i = 0; i < count; i++) {
        *ptrs[i] = sizes[i] ? p : NULL;
        p += sizes[i] * elem;
    }
    return block;
}

/* The workspace arrays of net (shapes set), in the net's precision, and the vector of ones. */
static int alloc_workspace(srm_net *net, int lstm)
{
    size_t n = net->n, d = net->d, R = net->t_max * net->b_max, b_max = net->b_max;
    size_t sizes[] = {R * d, R * d, R * net->gn, (R + b_max) * n, lstm ? (R + b_max) * n : 0,
                      lstm ? R * n : 0, R * n, R * n, net->y_rows * net->out, R * n, b_max * n,
                      b_max * n, lstm ? b_max * n : 0, net->vocab ? R * d : 0, R, net->gn};
    void **const ptrs[] = {&net->x,  &net->xmask, &net->a,  &net->h,       &net->c,
                           &net->tc, &net->hd,    &net->hmask, &net->y,    &net->dh,
                           &net->dsel, &net->carry_h, &net->carry_c, &net->dx, &net->ones,
                           &net->gbias};
    int f32 = net->precision == SRM_NET_FLOAT32;
    net->block = srm_net_carve(sizeof sizes / sizeof sizes[0], sizes,
                               f32 ? sizeof(float) : sizeof(double), ptrs);
    if (!net->block) return SRM_ENOMEM;
    for (size_t r = 0; r < R; r++) {
        if (f32) ((float *)net->ones)[r] = 1.0f;
        else ((double *)net->ones)[r] = 1.0;
    }
    return SRM_OK;
}

static srm_net *net_alloc(const srm_model *m, srm_net_output output,
                          srm_net_precision precision, size_t t_max, size_t b_max, int chains)
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
    net->cell = m->cell, net->output = output, net->precision = precision;
    net->n = m->hidden, net->d = m->input, net->gn = m->gates * m->hidden;
    net->S = srm_model_state_size(m);
    net->out = m->output, net->vocab = m->vocab, net->t_max = t_max, net->b_max = b_max;
    net->y_rows = chains ? b_max : t_max * b_max;
    int ok = alloc_workspace(net, m->cell == SRM_CELL_LSTM) == SRM_OK;
    net->final = calloc(b_max * net->S, sizeof(double));
    net->row_loss = calloc(net->y_rows, sizeof(double));
    net->touched = calloc(m->vocab ? m->vocab : 1, 1);
    net->rows = malloc((m->vocab ? m->vocab : 1) * sizeof(size_t));
    if (precision == SRM_NET_FLOAT32) {
        net->m32 = srm_model_f32_alloc_like(m);
        net->g32 = srm_model_f32_alloc_like(m);
        ok = ok && net->m32 && net->g32;
    } else {
        net->g64 = srm_model_alloc_like(m);
        ok = ok && net->g64;
    }
    if (!ok || !net->final || !net->row_loss || !net->touched || !net->rows) {
        srm_net_free(net);
        SRM_ERROR(SRM_ENOMEM, "out of memory for a network workspace (%zu x %zu rows)", t_max,
                  b_max);
        return NULL;
    }
    return net;
}

srm_net *srm_net_alloc(const srm_model *m, srm_net_output output, srm_net_precision precision,
                       size_t t_max, size_t b_max)
{
    return net_alloc(m, output, precision, t_max, b_max, 0);
}

srm_net *srm_net_alloc_chains(const srm_model *m, srm_net_output output,
                              srm_net_precision precision, size_t k_max, size_t b_max)
{
    return net_alloc(m, output, precision, k_max, b_max, 1);
}

void srm_net_dropout_keep(gsl_rng *rng, double p, size_t count, unsigned char *keep)
{
    for (size_t i = 0; i < count; i++) keep[i] = srm_net_keep_draw(rng, p);
}

void srm_net_free(srm_net *net)
{
    if (!net) return;
    free(net->block);
    free(net->final);
    free(net->row_loss);
    free(net->touched);
    free(net->rows);
    srm_model_free(net->g64);
    srm_model_f32_free(net->m32), srm_model_f32_free(net->g32);
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

/* ---- binding weights ---- */

static int check_shapes(const srm_net *net, const srm_model *m)
{
    if (m->cell != net->cell || m->hidden != net->n || m->input != net->d ||
        m->output != net->out || m->vocab != net->vocab)
        return SRM_ERROR(SRM_EINVAL, "the model's shapes are not the network workspace's");
    return SRM_OK;
}

int srm_net_bind(srm_net *net, const srm_model *m)
{
    SRM_TRY(check_shapes(net, m));
    net->trainable = 0;
    if (net->precision == SRM_NET_FLOAT32)
        srm_model_f32_round(net->m32, m, 0, m->nparam, SRM_ROUND_NEAREST);
    else
        net->m64 = (srm_model *)m; /* read only unless bound trainable */
    return SRM_OK;
}

int srm_net_bind_trainable(srm_net *net, srm_model *m)
{
    SRM_TRY(srm_net_bind(net, m));
    net->trainable = 1;
    return SRM_OK;
}

void srm_net_sync(const srm_net *net, srm_model *m)
{
    if (net->precision == SRM_NET_FLOAT32) srm_model_f32_widen(m, net->m32, 0, m->nparam);
    else if (m != net->m64) srm_model_copy(m, net->m64);
}

void srm_net_sync_recurrent(const srm_net *net, srm_model *m)
{
    size_t count = srm_model_recurrent_count(m);
    if (net->precision == SRM_NET_FLOAT32) srm_model_f32_widen(m, net->m32, 0, count);
    else if (m != net->m64) memcpy(m->w, net->m64->w, count * sizeof(double));
}

void srm_net_bind_recurrent(srm_net *net, const srm_model *m, srm_round_mode mode)
{
    size_t count = srm_model_recurrent_count(m);
    if (net->precision == SRM_NET_FLOAT32) srm_model_f32_round(net->m32, m, 0, count, mode);
    else if (m != net->m64) memcpy(net->m64->w, m->w, count * sizeof(double));
}

srm_net_precision srm_net_get_precision(const srm_net *net) { return net->precision; }

/* ---- the entry points: checks here, arithmetic in net_ops.c ---- */

#define SRM_NET_F32(net) ((net)->precision == SRM_NET_FLOAT32)

int srm_net_forward(srm_net *net, const srm_net_batch *b, const double *state0, double p_in,
                    double p_out, gsl_rng *rng, double *loss_sum, size_t *count)
{
    size_t T = b->T, B = b->B;
    if (!net->m64 && !SRM_NET_F32(net))
        return SRM_ERROR(SRM_EINVAL, "the network has no weights bound (srm_net_bind)");
    if (T == 0 || B == 0 || T > net->t_max || B > net->b_max)
        return SRM_ERROR(SRM_EINVAL, "batch of %zu steps x %zu columns does not fit the "
                         "workspace (%zu x %zu)", T, B, net->t_max, net->b_max);
    int draws = (p_in > 0 && !b->keep_in) || (p_out > 0 && !b->keep_out);
    if (!(p_in >= 0 && p_in < 1 && p_out >= 0 && p_out < 1) || (draws && !rng))
        return SRM_ERROR(SRM_EINVAL, "dropout probabilities must be in [0, 1), with an RNG "
                         "unless the batch gives its keep flags");
    for (size_t c = 0; b->out_step && c < B; c++)
        if (b->out_step[c] >= T)
            return SRM_ERROR(SRM_EINVAL, "output step %u of column %zu is not below %zu steps",
                             (unsigned)b->out_step[c], c, T);
    size_t rows_out = b->out_step ? B : T * B;
    if (rows_out > net->y_rows)
        return SRM_ERROR(SRM_EINVAL, "%zu decoded rows exceed the workspace's %zu (a chain "
                         "workspace decodes one step per column)", rows_out, net->y_rows);
    net->T = T, net->B = B, net->rows_out = rows_out;
    net->drop_in = p_in > 0, net->drop_out = p_out > 0;
    return SRM_NET_F32(net) ? srm_net_forward_f32(net, b, state0, p_in, p_out, rng, loss_sum, count)
                            : srm_net_forward_f64(net, b, state0, p_in, p_out, rng, loss_sum, count);
}

const double *srm_net_final_state(const srm_net *net) { return net->final; }

void srm_net_outputs(const srm_net *net, double *dst)
{
    size_t count = net->rows_out * net->out;
    if (SRM_NET_F32(net))
        for (size_t i = 0; i < count; i++) dst[i] = ((const float *)net->y)[i];
    else
        memcpy(dst, net->y, count * sizeof(double));
}

void srm_net_argmax(const srm_net *net, int32_t *out)
{
    if (SRM_NET_F32(net)) srm_net_argmax_f32(net, out);
    else srm_net_argmax_f64(net, out);
}

void srm_net_backward(srm_net *net, const srm_net_batch *b, double scale)
{
    if (SRM_NET_F32(net)) srm_net_backward_f32(net, b, scale);
    else srm_net_backward_f64(net, b, scale);
}

void srm_net_grad_zero(srm_net *net)
{
    if (SRM_NET_F32(net)) srm_net_grad_zero_f32(net);
    else srm_net_grad_zero_f64(net);
}

double srm_net_grad_norm(const srm_net *net)
{
    return SRM_NET_F32(net) ? srm_net_grad_norm_f32(net) : srm_net_grad_norm_f64(net);
}

void srm_net_grad_get(const srm_net *net, srm_model *g)
{
    if (SRM_NET_F32(net)) srm_model_f32_widen(g, net->g32, 0, g->nparam);
    else srm_model_copy(g, net->g64);
}

double srm_net_sgd_step(srm_net *net, double lr, double grad_scale, double weight_decay)
{
    if (!net->trainable) return NAN;
    return SRM_NET_F32(net) ? srm_net_sgd_step_f32(net, lr, grad_scale, weight_decay)
                            : srm_net_sgd_step_f64(net, lr, grad_scale, weight_decay);
}

int srm_net_weights_finite(const srm_net *net)
{
    if (!net->trainable) return 1;
    return SRM_NET_F32(net) ? srm_net_weights_finite_f32(net) : srm_net_weights_finite_f64(net);
}

void srm_net_clamp_touched_rows(srm_net *net, double bound)
{
    if (!net->trainable) return;
    if (SRM_NET_F32(net)) srm_net_clamp_touched_rows_f32(net, bound);
    else srm_net_clamp_touched_rows_f64(net, bound);
}
