/* tests/test_train.c: the benchmark network (task/net.h) and its training pieces.
 *
 * - Exact gradients: srm_net_backward against central finite differences of srm_net_forward on
 *   tiny nets, for each output type of the tasks (softmax over a vocabulary with an embedding;
 *   88-key-style sigmoids on frames; per-token softmax over tags with padding masks), both cells,
 *   with dropout on (the RNG re-seeded so every evaluation draws the same masks) and a non-zero
 *   carried initial state.
 * - The sparse embedding bookkeeping: norm and SGD step against dense references.
 * - Truncated evaluation: against a naive per-window loop over srm_cell_step (core/model.h), and
 *   k >= T against the full forward.
 * - A uniform model (zero decoder) has perplexity = vocabulary size through the real forward.
 * float32 against float64: tests/test_f32.c.
 * The configuration table and the trainer's loop: tests/test_train_config.c. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/metric.h"
#include "core/model.h"
#include "task/net.h"
#include "task/train.h"
#include "tests/harness.h"

typedef struct {
    const char *name;
    srm_cell cell;
    srm_net_output output;
    size_t n, d, out, vocab, T, B;
    int masked;  /* padding: column 1 ends early */
    int state0;  /* carried initial state */
    double p_in, p_out;
} net_case;

typedef struct {
    int32_t tokens[64], targets[64];
    double frames[64 * 4], target_frames[64 * 64], state0[4 * 16]; /* B <= 4 rows of S <= 2n = 16 */
    unsigned char mask[64];
    srm_net_batch b;
} batch_data;

static void make_batch(const net_case *c, gsl_rng *rng, batch_data *bd)
{
    size_t R = c->T * c->B;
    for (size_t r = 0; r < R; r++) {
        bd->tokens[r] = c->vocab ? (int32_t)gsl_rng_uniform_int(rng, c->vocab) : 0;
        bd->targets[r] = (int32_t)gsl_rng_uniform_int(rng, c->out);
        for (size_t j = 0; j < c->d; j++) bd->frames[r * c->d + j] = gsl_rng_uniform(rng) - 0.5;
        for (size_t j = 0; j < c->out; j++) bd->target_frames[r * c->out + j] = gsl_rng_uniform(rng) < 0.4;
        /* column 1 has length T - 2: its last two steps are padding */
        bd->mask[r] = !(c->masked && r % c->B == 1 && r / c->B >= c->T - 2);
    }
    for (size_t i = 0; i < 4 * 8; i++) bd->state0[i] = 0.8 * (gsl_rng_uniform(rng) - 0.5);
    for (size_t i = 4 * 8; i < 4 * 16; i++) bd->state0[i] = -bd->state0[i - 4 * 8]; /* no draws */
    bd->b = (srm_net_batch){.T = c->T, .B = c->B, .tokens = c->vocab ? bd->tokens : NULL,
                            .frames = c->vocab ? NULL : bd->frames, .targets = bd->targets,
                            .target_frames = bd->target_frames,
                            .mask = c->masked ? bd->mask : NULL};
}

/* Mean loss of the batch with dropout masks drawn from a freshly seeded RNG. */
static double mean_loss(srm_net *net, const net_case *c, batch_data *bd, gsl_rng *drop,
                        size_t *count)
{
    double sum;
    gsl_rng_set(drop, 99);
    int rc = srm_net_forward(net, &bd->b, c->state0 ? bd->state0 : NULL, c->p_in, c->p_out, drop,
                             &sum, count);
    return rc == SRM_OK ? sum / (double)*count : NAN;
}

static void gradient_check(const net_case *c)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937), *drop = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    srm_model *m = srm_model_alloc(c->cell, c->n, c->d, c->out, c->vocab);
    srm_model *g = srm_model_alloc_like(m);
    srm_net_init(m, rng);
    /* larger weights than the init, so that tanh/sigmoid curvature matters */
    for (size_t i = 0; i < m->nparam; i++) m->w[i] *= 3.0;
    batch_data bd;
    make_batch(c, rng, &bd);
    srm_net *net = srm_net_alloc(m, c->output, SRM_NET_FLOAT64, c->T, c->B);
    srm_net_bind(net, m); /* float64 reads m itself: the perturbations below reach forward */
    size_t count;
    double L = mean_loss(net, c, &bd, drop, &count);
    srm_net_grad_zero(net);
    srm_net_backward(net, &bd.b, 1.0 / (double)count);
    srm_net_grad_get(net, g);
    /* Central differences, h = 1e-5: truncation error ~ h^2 |L'''| ~ 1e-10 and rounding
     * ~ eps |L| / h ~ 1e-11, so 1e-7 relative to max(1, |g|) leaves a wide margin while a
     * wrong term (errors of order |g| ~ 1e-2 .. 1) cannot pass. */
    double worst = 0, gmax = 0;
    size_t worst_i = 0;
    for (size_t i = 0; i < m->nparam; i++) {
        double w0 = m->w[i], h = 1e-5;
        m->w[i] = w0 + h;
        double lp = mean_loss(net, c, &bd, drop, &count);
        m->w[i] = w0 - h;
        double lm = mean_loss(net, c, &bd, drop, &count);
        m->w[i] = w0;
        double fd = (lp - lm) / (2 * h), err = fabs(fd - g->w[i]) / fmax(1.0, fabs(fd));
        if (!(err <= worst)) worst = err, worst_i = i;
        gmax = fmax(gmax, fabs(g->w[i]));
    }
    CHECK(worst <= 1e-7 && gmax > 1e-3 && isfinite(L),
          "%s: backward = finite differences over %zu parameters (worst rel error %.2e at %zu, "
          "max |g| %.3g, loss %.6g)", c->name, m->nparam, worst, worst_i, gmax, L);
    srm_net_free(net);
    srm_model_free(g);
    srm_model_free(m);
    gsl_rng_free(rng);
    gsl_rng_free(drop);
}

/* Sparse embedding bookkeeping: norm and step equal their dense versions. */
static void sparse_step_check(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    net_case c = {"sparse", SRM_CELL_LSTM, SRM_NET_SOFTMAX, 3, 2, 5, 40, 3, 2, 0, 0, 0, 0};
    srm_model *m = srm_model_alloc(c.cell, c.n, c.d, c.out, c.vocab);
    srm_model *g = srm_model_alloc_like(m), *ref = srm_model_alloc_like(m);
    srm_net_init(m, rng);
    srm_net *net = srm_net_alloc(m, c.output, SRM_NET_FLOAT64, c.T, c.B);
    srm_net_bind_trainable(net, m);
    batch_data bd;
    for (int round = 0; round < 2; round++) {
        make_batch(&c, rng, &bd);
        double sum;
        size_t count;
        srm_net_grad_zero(net);
        srm_net_forward(net, &bd.b, NULL, 0, 0, NULL, &sum, &count);
        srm_net_backward(net, &bd.b, 1.0);
        srm_net_grad_get(net, g);
        double dense = 0;
        for (size_t i = 0; i < g->nparam; i++) dense += g->w[i] * g->w[i];
        CHECK_CLOSE(srm_net_grad_norm(net), sqrt(dense), 1e-14,
                    round ? "grad norm after a re-zeroing = dense norm"
                          : "grad norm with sparse encoder rows = dense norm");
        for (int wd = 0; wd < 2; wd++) {
            srm_model_copy(ref, m);
            for (size_t i = 0; i < m->nparam; i++)
                ref->w[i] -= 0.5 * (0.3 * g->w[i] + (wd ? 0.01 : 0.0) * ref->w[i]);
            srm_net_sgd_step(net, 0.5, 0.3, wd ? 0.01 : 0.0);
            double dist = srm_model_distance(ref, m);
            CHECK(dist <= 1e-15, "SGD step (%s weight decay) = dense update (distance %.2e)",
                  wd ? "with" : "without", dist);
        }
    }
    /* Clamp: touched rows pushed past the bound come back to it, untouched rows stay as they
     * are (even when outside, so the test sees which rows the clamp visits). */
    for (size_t i = 0; i < c.vocab * c.d; i++) m->encoder_weight[i] = (i % 2 ? 3.0 : -3.0);
    srm_net_clamp_touched_rows(net, 0.5);
    size_t touched = 0, ok = 1;
    for (size_t v = 0; v < c.vocab; v++) {
        int is_touched = 0;
        for (size_t i = 0; i < c.T * c.B; i++) is_touched |= bd.tokens[i] == (int32_t)v;
        touched += (size_t)is_touched;
        for (size_t j = 0; j < c.d; j++) {
            double w = m->encoder_weight[v * c.d + j], want = is_touched ? 0.5 : 3.0;
            if (fabs(w) != want) ok = 0;
        }
    }
    CHECK(ok && touched > 0 && touched < c.vocab,
          "clamp moves exactly the %zu touched encoder rows (of %zu) to the bound", touched,
          (size_t)c.vocab);
    srm_net_free(net);
    srm_model_free(ref);
    srm_model_free(g);
    srm_model_free(m);
    gsl_rng_free(rng);
}

/* Naive truncated reference: for each position, srm_cell_step from zero over its window. */
static double naive_truncated_loss(const srm_model *m, const batch_data *bd, size_t T, size_t B,
                                   size_t k, srm_net_output out)
{
    size_t S = srm_model_state_size(m), n = m->hidden, d = m->input;
    double s[16], s2[16], work[64], x[8], y[8], loss = 0;
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++) {
            memset(s, 0, sizeof s);
            for (size_t u = t + 1 >= k ? t + 1 - k : 0; u <= t; u++) {
                size_t pos = u * B + b;
                if (m->vocab) memcpy(x, m->encoder_weight + (size_t)bd->tokens[pos] * d, d * sizeof(double));
                else memcpy(x, bd->frames + pos * d, d * sizeof(double));
                srm_cell_step(m, s, x, s2, work);
                memcpy(s, s2, S * sizeof(double));
            }
            size_t pos = t * B + b;
            for (size_t j = 0; j < m->output; j++) {
                y[j] = m->decoder_bias[j];
                for (size_t i = 0; i < n; i++) y[j] += m->decoder_weight[j * n + i] * s[S - n + i];
            }
            if (out == SRM_NET_SOFTMAX) {
                double z = 0;
                for (size_t j = 0; j < m->output; j++) z += exp(y[j]);
                loss += log(z) - y[bd->targets[pos]];
            } else {
                for (size_t j = 0; j < m->output; j++)
                    loss += log1p(exp(y[j])) - bd->target_frames[pos * m->output + j] * y[j];
            }
        }
    return loss;
}

/* B = 1 takes the one-row (GEMV) recurrence of task/net.c, B = 3 the GEMM one. */
static void truncation_check(srm_cell cell, srm_net_output output, size_t B)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 21);
    size_t T = 9;
    net_case c = {"trunc", cell, output, 4, 3, 4, output == SRM_NET_SOFTMAX ? 6 : 0, T, B, 0, 0,
                  0, 0};
    srm_model *m = srm_model_alloc(c.cell, c.n, c.d, c.out, c.vocab);
    srm_net_init(m, rng);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] *= 4.0;
    batch_data bd;
    make_batch(&c, rng, &bd);
    srm_net *net = srm_net_alloc(m, output, SRM_NET_FLOAT64, T, B);
    srm_net_bind(net, m);
    double full;
    size_t count_full;
    srm_net_forward(net, &bd.b, NULL, 0, 0, NULL, &full, &count_full);
    int32_t am_full[64], am_trunc[64];
    srm_net_argmax(net, am_full);
    char what[64];
    snprintf(what, sizeof what, "%s/%s, B = %zu", cell == SRM_CELL_LSTM ? "lstm" : "rnn",
             output == SRM_NET_SOFTMAX ? "softmax" : "sigmoid", B);
    /* chunk 4 < T so that windows cross chunk boundaries and the input blocks are refreshed */
    srm_net_trunc *tw = srm_net_trunc_alloc(m, output, 4, B);
    double worst = 0;
    for (size_t k = 1; k <= T + 2; k++) {
        double l, ref = naive_truncated_loss(m, &bd, T, B, k, output);
        size_t count;
        srm_net_trunc_eval(tw, m, &bd.b, k, &l, &count, am_trunc);
        worst = fmax(worst, fabs(l - ref) / fabs(ref));
        if (k >= T) {
            /* Same arithmetic in the same order (bias + x W_ih, + h W_hh, same elementwise
             * code, same decoder), only grouped into different GEMM calls: equal to 1e-13. */
            CHECK(fabs(l - full) <= 1e-13 * fabs(full) && count == count_full &&
                      memcmp(am_full, am_trunc, T * B * sizeof(int32_t)) == 0,
                  "%s: truncated k = %zu >= T = %zu equals the full forward (%.17g vs %.17g)",
                  what, k, T, l, full);
        }
    }
    /* the naive loop sums in a different order (dot products vs GEMM): 1e-12 relative */
    CHECK(worst <= 1e-12, "%s: truncated loss for k = 1..%zu equals a naive per-window loop "
          "(worst rel diff %.2e)", what, T + 2, worst);
    double l1, l3;
    size_t cnt;
    srm_net_trunc_eval(tw, m, &bd.b, 1, &l1, &cnt, NULL);
    srm_net_trunc_eval(tw, m, &bd.b, 3, &l3, &cnt, NULL);
    CHECK(fabs(l1 - full) > 1e-3 && fabs(l3 - full) > 1e-6,
          "%s: short truncations differ from the full model (k=1: %.6g, k=3: %.6g, full %.6g)",
          what, l1, l3, full);
    srm_net_trunc_free(tw);
    srm_net_free(net);
    srm_model_free(m);
    gsl_rng_free(rng);
}

static void uniform_check(void)
{
    size_t V = 50, T = 7, B = 3;
    srm_model *m = srm_model_alloc(SRM_CELL_LSTM, 4, 3, V, V);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    srm_net_init(m, rng);
    memset(m->decoder_weight, 0, V * 4 * sizeof(double));
    net_case c = {"uniform", SRM_CELL_LSTM, SRM_NET_SOFTMAX, 4, 3, V, V, T, B, 0, 0, 0, 0};
    batch_data bd;
    make_batch(&c, rng, &bd);
    srm_net *net = srm_net_alloc(m, SRM_NET_SOFTMAX, SRM_NET_FLOAT64, T, B);
    srm_net_bind(net, m);
    double sum;
    size_t count;
    srm_net_forward(net, &bd.b, NULL, 0, 0, NULL, &sum, &count);
    CHECK_CLOSE(srm_metric_perplexity(sum, count), (double)V, 1e-13,
                "zero decoder: perplexity = vocabulary size 50");
    srm_net_free(net);
    srm_model_free(m);
    gsl_rng_free(rng);
}

static void error_paths(void)
{
    srm_model *relu = srm_model_alloc(SRM_CELL_RNN_RELU, 3, 2, 2, 0);
    CHECK(srm_net_alloc(relu, SRM_NET_SOFTMAX, SRM_NET_FLOAT64, 2, 2) == NULL && srm_error_code() == SRM_EINVAL,
          "relu cell rejected: %s", srm_error_message());
    srm_model_free(relu);
    srm_model *m = srm_model_alloc(SRM_CELL_RNN_TANH, 3, 2, 4, 5);
    srm_net *net = srm_net_alloc(m, SRM_NET_SOFTMAX, SRM_NET_FLOAT64, 2, 2);
    srm_net_bind(net, m);
    int32_t tok[4] = {0, 1, 7, 2}, tgt[4] = {0, 1, 2, 3};
    srm_net_batch b = {.T = 2, .B = 2, .tokens = tok, .targets = tgt};
    double sum;
    size_t count;
    CHECK(srm_net_forward(net, &b, NULL, 0, 0, NULL, &sum, &count) == SRM_EINVAL &&
              strstr(srm_error_message(), "token id 7"),
          "token out of range rejected: %s", srm_error_message());
    tok[2] = 4, tgt[3] = 9;
    CHECK(srm_net_forward(net, &b, NULL, 0, 0, NULL, &sum, &count) == SRM_EINVAL &&
              strstr(srm_error_message(), "target id 9"),
          "target out of range rejected: %s", srm_error_message());
    b.T = 3;
    CHECK(srm_net_forward(net, &b, NULL, 0, 0, NULL, &sum, &count) == SRM_EINVAL,
          "batch larger than the workspace rejected");
    srm_net_free(net);
    srm_model_free(m);
}

int main(void)
{
    static const net_case cases[] = {
        {"rnn word LM (softmax, embedding, dropout, carried state)", SRM_CELL_RNN_TANH,
         SRM_NET_SOFTMAX, 3, 2, 5, 6, 4, 2, 0, 1, 0.3, 0.4},
        {"lstm word LM (softmax, embedding, dropout, carried state)", SRM_CELL_LSTM,
         SRM_NET_SOFTMAX, 3, 2, 5, 6, 4, 2, 0, 1, 0.3, 0.4},
        {"rnn music (sigmoids on frames, dropout)", SRM_CELL_RNN_TANH, SRM_NET_SIGMOID, 3, 3, 4,
         0, 5, 1, 0, 0, 0.2, 0.2},
        {"lstm music (sigmoids on frames, dropout)", SRM_CELL_LSTM, SRM_NET_SIGMOID, 3, 3, 4, 0,
         5, 1, 0, 0, 0.2, 0.2},
        {"rnn slots (per-token softmax, padding mask)", SRM_CELL_RNN_TANH, SRM_NET_SOFTMAX, 3, 2,
         4, 5, 5, 3, 1, 0, 0.5, 0.5},
        {"lstm slots (per-token softmax, padding mask)", SRM_CELL_LSTM, SRM_NET_SOFTMAX, 3, 2, 4,
         5, 5, 3, 1, 0, 0.5, 0.5},
        {"lstm without dropout, padded sigmoids", SRM_CELL_LSTM, SRM_NET_SIGMOID, 2, 3, 3, 0, 4,
         2, 1, 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) gradient_check(&cases[i]);
    sparse_step_check();
    truncation_check(SRM_CELL_RNN_TANH, SRM_NET_SOFTMAX, 3);
    truncation_check(SRM_CELL_LSTM, SRM_NET_SOFTMAX, 3);
    truncation_check(SRM_CELL_RNN_TANH, SRM_NET_SIGMOID, 3);
    truncation_check(SRM_CELL_LSTM, SRM_NET_SIGMOID, 3);
    truncation_check(SRM_CELL_RNN_TANH, SRM_NET_SOFTMAX, 1);
    truncation_check(SRM_CELL_LSTM, SRM_NET_SIGMOID, 1);
    uniform_check();
    error_paths();
    return srm_test_finish();
}
