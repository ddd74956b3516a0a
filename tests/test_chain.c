/* tests/test_chain.c: the k-step truncated network trained as a feed-forward net (task/net.h,
 * srm_net_chains_*).
 *
 * - The chains' loss equals the truncated evaluation of sim/window.h's engine
 *   (srm_net_trunc_eval), an independent schedule of the same windows: for both cells, token
 *   and frame inputs, padding masks, k = 1, 3 and k >= T, and for a token window with P context
 *   positions against the evaluation of the whole stream with the context's outputs masked.
 * - Exact gradients: backward on the chains against central finite differences of their loss,
 *   with input and output dropout from fixed keep flags and a context.
 * - Keep flags drawn by srm_net_dropout_keep reproduce the RNG draws of srm_net_forward.
 * - float32 chains against float64. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/model.h"
#include "task/net.h"
#include "tests/harness.h"

enum { TMAX = 8, BMAX = 3, DMAX = 4, NMAX = 4, OUT = 5, VOCAB = 7, PMAX = 3 };

typedef struct {
    const char *name;
    srm_cell cell;
    int frames;      /* frame inputs and sigmoid outputs, else tokens and softmax */
    size_t T, B, k, P;
    int masked;
} chain_case;

typedef struct {
    int32_t tokens[(PMAX + TMAX) * BMAX], targets[(PMAX + TMAX) * BMAX];
    double frames[TMAX * BMAX * DMAX], tframes[(PMAX + TMAX) * BMAX * OUT];
    unsigned char mask[(PMAX + TMAX) * BMAX];
    unsigned char keep_in[(PMAX + TMAX) * BMAX * DMAX], keep_out[TMAX * BMAX * NMAX];
} data;

static void fill(const chain_case *c, gsl_rng *rng, data *x)
{
    size_t R = (c->P + c->T) * c->B;
    for (size_t r = 0; r < R; r++) {
        x->tokens[r] = (int32_t)gsl_rng_uniform_int(rng, VOCAB);
        x->targets[r] = (int32_t)gsl_rng_uniform_int(rng, OUT);
        x->mask[r] = !(c->masked && r % c->B == 1 && r / c->B >= c->P + c->T - 2);
        for (size_t j = 0; j < OUT; j++) x->tframes[r * OUT + j] = gsl_rng_uniform(rng) < 0.4;
    }
    for (size_t i = 0; i < c->T * c->B * DMAX; i++) x->frames[i] = gsl_rng_uniform(rng) - 0.5;
    srm_net_dropout_keep(rng, 0.3, R * DMAX, x->keep_in);
    srm_net_dropout_keep(rng, 0.3, c->T * c->B * NMAX, x->keep_out);
}

static srm_model *model(const chain_case *c, gsl_rng *rng)
{
    srm_model *m = srm_model_alloc(c->cell, NMAX, DMAX, OUT, c->frames ? 0 : VOCAB);
    srm_net_init(m, rng);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] *= 3.0; /* curvature matters */
    return m;
}

/* The window (the last T positions) as a batch, with or without keep flags. */
static srm_net_batch window(const chain_case *c, data *x, int keep)
{
    size_t off = c->P * c->B;
    return (srm_net_batch){.T = c->T, .B = c->B, .tokens = c->frames ? NULL : x->tokens + off,
                           .frames = c->frames ? x->frames : NULL, .targets = x->targets + off,
                           .target_frames = x->tframes + off * OUT,
                           .mask = c->masked ? x->mask + off : NULL,
                           .keep_in = keep ? x->keep_in + off * DMAX : NULL,
                           .keep_out = keep ? x->keep_out : NULL};
}

static double chain_loss(srm_net *net, const srm_net_chains *ch, double p, size_t *count)
{
    double sum;
    int rc = srm_net_forward(net, &ch->b, NULL, p, p, NULL, &sum, count);
    return rc == SRM_OK ? sum : NAN;
}

/* A case's model and data from a seeded stream, and the chain buffers. */
static srm_model *setup(const chain_case *c, unsigned long seed, data *x, srm_net_chains *ch)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    srm_model *m = model(c, rng);
    fill(c, rng, x);
    gsl_rng_free(rng);
    srm_net_chains_alloc(ch, c->k, TMAX, BMAX, DMAX, NMAX, c->frames);
    return m;
}

/* A chain network for the case, bound to m. */
static srm_net *chain_net(const chain_case *c, const srm_model *m, srm_net_precision prec)
{
    srm_net *net = srm_net_alloc_chains(m, c->frames ? SRM_NET_SIGMOID : SRM_NET_SOFTMAX, prec,
                                        c->k, TMAX * BMAX);
    if (net) srm_net_bind(net, m);
    return net;
}

static void loss_check(const chain_case *c)
{
    data x;
    srm_net_chains ch;
    srm_model *m = setup(c, 17, &x, &ch);
    srm_net_output o = c->frames ? SRM_NET_SIGMOID : SRM_NET_SOFTMAX;
    srm_net *net = chain_net(c, m, SRM_NET_FLOAT64);
    srm_net_batch w = window(c, &x, 0);
    int rc = srm_net_chains_build(&ch, &w, c->P, x.tokens, NULL);
    size_t count = 0, rcount = 0;
    double l = rc == SRM_OK ? chain_loss(net, &ch, 0, &count) : NAN, ref = NAN;
    /* the reference: the whole stream (context and window), the context's outputs masked */
    unsigned char mask[(PMAX + TMAX) * BMAX];
    for (size_t r = 0; r < (c->P + c->T) * c->B; r++)
        mask[r] = r >= c->P * c->B && (!c->masked || x.mask[r]);
    srm_net_batch all = {.T = c->P + c->T, .B = c->B, .tokens = c->frames ? NULL : x.tokens,
                         .frames = c->frames ? x.frames : NULL, .targets = x.targets,
                         .target_frames = x.tframes, .mask = mask};
    srm_net_trunc *tw = srm_net_trunc_alloc(m, o, 3, c->B);
    if (tw) srm_net_trunc_eval(tw, m, &all, c->k, &ref, &rcount, NULL);
    CHECK(rc == SRM_OK && count == rcount && fabs(l - ref) <= 1e-12 * fabs(ref) && count > 0,
          "%s: chain loss %.17g over %zu positions = truncated evaluation %.17g over %zu",
          c->name, l, count, ref, rcount);
    srm_net_trunc_free(tw);
    srm_net_free(net);
    srm_net_chains_free(&ch);
    srm_model_free(m);
}

static void gradient_check(const chain_case *c)
{
    data x;
    srm_net_chains ch;
    srm_model *m = setup(c, 23, &x, &ch), *g = srm_model_alloc_like(m);
    srm_net *net = chain_net(c, m, SRM_NET_FLOAT64);
    srm_net_batch w = window(c, &x, 1);
    srm_net_chains_build(&ch, &w, c->P, x.tokens, x.keep_in);
    size_t count;
    double p = 0.3, L = chain_loss(net, &ch, p, &count);
    srm_net_grad_zero(net);
    srm_net_backward(net, &ch.b, 1.0);
    srm_net_grad_get(net, g);
    /* central differences as tests/test_train.c: 1e-7 relative to max(1, |fd|) */
    double worst = 0, gmax = 0;
    for (size_t i = 0; i < m->nparam; i++) {
        double w0 = m->w[i], h = 1e-5;
        m->w[i] = w0 + h;
        double lp = chain_loss(net, &ch, p, &count);
        m->w[i] = w0 - h;
        double lm = chain_loss(net, &ch, p, &count);
        m->w[i] = w0;
        double fd = (lp - lm) / (2 * h), err = fabs(fd - g->w[i]) / fmax(1.0, fabs(fd));
        worst = fmax(worst, err), gmax = fmax(gmax, fabs(g->w[i]));
    }
    CHECK(worst <= 1e-7 && gmax > 1e-3 && isfinite(L),
          "%s: chain backward = finite differences over %zu parameters (worst %.2e, max |g| "
          "%.3g)", c->name, m->nparam, worst, gmax);
    srm_net_free(net);
    srm_net_chains_free(&ch);
    srm_model_free(g), srm_model_free(m);
}

/* Keep flags drawn ahead by srm_net_dropout_keep = the masks forward draws itself. */
static void keep_check(void)
{
    chain_case c = {"keep", SRM_CELL_LSTM, 0, 6, 2, 6, 0, 0};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    srm_model *m = model(&c, rng);
    data x;
    fill(&c, rng, &x);
    srm_net *net = srm_net_alloc(m, SRM_NET_SOFTMAX, SRM_NET_FLOAT64, c.T, c.B);
    srm_net_bind(net, m);
    srm_net_batch w = window(&c, &x, 0);
    double drawn, given;
    size_t n1, n2;
    gsl_rng_set(rng, 77);
    srm_net_forward(net, &w, NULL, 0.4, 0.3, rng, &drawn, &n1);
    gsl_rng_set(rng, 77);
    srm_net_dropout_keep(rng, 0.4, c.T * c.B * DMAX, x.keep_in);
    srm_net_dropout_keep(rng, 0.3, c.T * c.B * NMAX, x.keep_out);
    w.keep_in = x.keep_in, w.keep_out = x.keep_out;
    srm_net_forward(net, &w, NULL, 0.4, 0.3, NULL, &given, &n2);
    CHECK(drawn == given && n1 == n2, "keep flags drawn ahead give forward's own masks (loss "
          "%.17g and %.17g)", drawn, given);
    srm_net_free(net);
    srm_model_free(m);
    gsl_rng_free(rng);
}

static void f32_check(const chain_case *c)
{
    data x;
    srm_net_chains ch;
    srm_model *m = setup(c, 31, &x, &ch);
    srm_net *n64 = chain_net(c, m, SRM_NET_FLOAT64), *n32 = chain_net(c, m, SRM_NET_FLOAT32);
    srm_net_batch w = window(c, &x, 1);
    srm_net_chains_build(&ch, &w, c->P, x.tokens, x.keep_in);
    size_t count;
    double l64 = chain_loss(n64, &ch, 0.3, &count), l32 = chain_loss(n32, &ch, 0.3, &count);
    /* float32 rounding of O(20) weights and activations: well under 1e-5 relative */
    CHECK(fabs(l32 - l64) <= 1e-5 * fabs(l64), "%s: float32 chain loss %.9g = float64 %.9g",
          c->name, l32, l64);
    srm_net_free(n64), srm_net_free(n32);
    srm_net_chains_free(&ch);
    srm_model_free(m);
}

int main(void)
{
    const chain_case cases[] = {
        {"rnn tokens k=3", SRM_CELL_RNN_TANH, 0, 7, 2, 3, 0, 1},
        {"lstm tokens k=3", SRM_CELL_LSTM, 0, 7, 2, 3, 0, 1},
        {"lstm tokens k=1", SRM_CELL_LSTM, 0, 5, 3, 1, 0, 0},
        {"rnn frames k=4", SRM_CELL_RNN_TANH, 1, 8, 2, 4, 0, 1},
        {"lstm frames k>=T", SRM_CELL_LSTM, 1, 6, 2, 9, 0, 0},
        {"lstm tokens k=4 context 3", SRM_CELL_LSTM, 0, 6, 2, 4, 3, 0},
        {"rnn tokens k=3 context 2", SRM_CELL_RNN_TANH, 0, 5, 3, 3, 2, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) loss_check(&cases[i]);
    gradient_check(&cases[1]);
    gradient_check(&cases[3]);
    gradient_check(&cases[5]);
    gradient_check(&cases[6]);
    keep_check();
    f32_check(&cases[5]);
    f32_check(&cases[3]);
    return srm_test_finish();
}
