/* tests/test_f32.c: float32 training (task/net.h SRM_NET_FLOAT32) against the float64
 * reference.
 * - The float gate functions of core/cell.h against the double ones, over their whole range.
 * - The same batch through both precisions: loss within 1e-5 relative, gradient within 1e-4 of
 *   its norm (the figure), for each output type of the tasks, both cells, with dropout
 *   (the same masks: the RNG draws are the same), an embedding, a carried state, padding.
 * - Training curves: 100 SGD steps (clipping, weight decay, dropout, carried state, as
 *   task/train.c's sgd_batch) from one initialisation on one batch stream. Tolerance, stated:
 *   every step's loss within 1e-4 relative, and the final weights within 1e-3 of the distance
 *   they travelled. Rounding of ~6e-8 per operation, compounded over 100 steps of a contracting
 *   recurrence, measures ~1e-6 here; a wrong float path (a gate, a missing term) is off by far
 *   more from the first step.
 * - Rounding a projected model to float: toward zero never raises a magnitude; the nearest
 *   rounding of a spectral projection to r / (1 + u sqrt(n)) stays at or below r. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "core/model.h"
#include "core/model_f32.h"
#include "task/net.h"
#include "tests/harness.h"
#include "theory/norm.h"
#include "theory/project.h"

static void gate_functions(void)
{
    double worst_exp = 0, worst_sig = 0, worst_tanh = 0, worst_tanh_abs = 0;
    for (double x = -87; x <= 88; x += 0.00731) {
        float xf = (float)x;
        double e = exp((double)xf);
        worst_exp = fmax(worst_exp, fabs(srm_expf(xf) - e) / e);
        worst_sig = fmax(worst_sig, fabs(srm_sigmoidf(xf) - srm_sigmoid(xf)) / srm_sigmoid(xf));
        double t = tanh((double)xf);
        worst_tanh_abs = fmax(worst_tanh_abs, fabs(srm_tanhf(xf) - t));
        if (t != 0) worst_tanh = fmax(worst_tanh, fabs(srm_tanhf(xf) - t) / fabs(t));
    }
    for (double x = -0.2; x <= 0.2; x += 1e-5) { /* around the switch to the series */
        float xf = (float)x;
        double t = tanh((double)xf);
        if (t != 0) worst_tanh = fmax(worst_tanh, fabs(srm_tanhf(xf) - t) / fabs(t));
    }
    /* float ulp is 2^-23 = 1.2e-7 relative: a few ulps */
    CHECK(worst_exp <= 4e-7, "srm_expf within 4e-7 relative of exp on [-87, 88] (worst %.2e)",
          worst_exp);
    CHECK(worst_sig <= 6e-7, "srm_sigmoidf within 6e-7 relative (worst %.2e)", worst_sig);
    CHECK(worst_tanh <= 1e-6 && worst_tanh_abs <= 3e-7,
          "srm_tanhf within 1e-6 relative and 3e-7 absolute (worst %.2e, %.2e)", worst_tanh,
          worst_tanh_abs);
    CHECK(srm_expf(-1000.0f) > 0 && isfinite(srm_expf(1000.0f)) && srm_sigmoidf(-1000.0f) >= 0 &&
              srm_tanhf(1000.0f) == 1.0f && srm_tanhf(-1000.0f) == -1.0f,
          "gate functions saturate without overflow or NaN");
}

typedef struct {
    const char *name;
    srm_cell cell;
    srm_net_output output;
    size_t n, d, out, vocab, T, B;
    int masked, state0;
    double p;
} f32_case;

#define TB_MAX 256
typedef struct {
    int32_t tokens[TB_MAX], targets[TB_MAX];
    double frames[TB_MAX * 16], target_frames[TB_MAX * 32], state0[16 * 64];
    unsigned char mask[TB_MAX];
    srm_net_batch b;
} batch;

static void fill_batch(const f32_case *c, gsl_rng *rng, batch *bd)
{
    for (size_t r = 0; r < c->T * c->B; r++) {
        bd->tokens[r] = c->vocab ? (int32_t)gsl_rng_uniform_int(rng, c->vocab) : 0;
        bd->targets[r] = (int32_t)gsl_rng_uniform_int(rng, c->out);
        for (size_t j = 0; j < c->d; j++) bd->frames[r * c->d + j] = gsl_rng_uniform(rng) < 0.3;
        for (size_t j = 0; j < c->out; j++)
            bd->target_frames[r * c->out + j] = gsl_rng_uniform(rng) < 0.3;
        bd->mask[r] = !(c->masked && r % c->B == 1 && r / c->B >= c->T - 3);
    }
    for (size_t i = 0; i < 16 * 64; i++) bd->state0[i] = 0.6 * (gsl_rng_uniform(rng) - 0.5);
    bd->b = (srm_net_batch){.T = c->T, .B = c->B, .tokens = c->vocab ? bd->tokens : NULL,
                            .frames = c->vocab ? NULL : bd->frames, .targets = bd->targets,
                            .target_frames = bd->target_frames,
                            .mask = c->masked ? bd->mask : NULL};
}

static double norm2(const srm_model *g)
{
    double s = 0;
    for (size_t i = 0; i < g->nparam; i++) s += g->w[i] * g->w[i];
    return sqrt(s);
}

/* Rounds m's weights to float and back: both precisions then start from the same numbers, so
 * that the differences measured are the arithmetic's alone. */
static void representable(srm_model *m)
{
    srm_model_f32 *f = srm_model_f32_alloc_like(m);
    srm_model_f32_round(f, m, 0, m->nparam, SRM_ROUND_NEAREST);
    srm_model_f32_widen(m, f, 0, m->nparam);
    srm_model_f32_free(f);
}

/* Forward and backward of one batch in one precision; the gradient into g, the loss returned. */
static double loss_and_grad(srm_net *net, const f32_case *c, batch *bd, srm_model *g)
{
    gsl_rng *drop = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(drop, 42);
    double sum = NAN;
    size_t count = 0;
    srm_net_grad_zero(net);
    if (srm_net_forward(net, &bd->b, c->state0 ? bd->state0 : NULL, c->p, c->p, drop, &sum,
                        &count) == SRM_OK && count > 0)
        srm_net_backward(net, &bd->b, 1.0 / (double)count);
    srm_net_grad_get(net, g);
    gsl_rng_free(drop);
    return sum / (double)count;
}

static void same_batch(const f32_case *c)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 23);
    srm_model *m = srm_model_alloc(c->cell, c->n, c->d, c->out, c->vocab);
    srm_model *g64 = srm_model_alloc_like(m), *g32 = srm_model_alloc_like(m);
    srm_net_init(m, rng);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] *= 2.0; /* curvature of the gates matters */
    representable(m);
    batch bd;
    fill_batch(c, rng, &bd);
    srm_net *n64 = srm_net_alloc(m, c->output, SRM_NET_FLOAT64, c->T, c->B);
    srm_net *n32 = srm_net_alloc(m, c->output, SRM_NET_FLOAT32, c->T, c->B);
    srm_net_bind(n64, m);
    srm_net_bind(n32, m);
    double l64 = loss_and_grad(n64, c, &bd, g64), l32 = loss_and_grad(n32, c, &bd, g32);
    double dist = srm_model_distance(g64, g32), gn = norm2(g64);
    CHECK(fabs(l32 - l64) <= 1e-5 * fabs(l64), "%s: float32 loss %.9g vs float64 %.9g", c->name,
          l32, l64);
    CHECK(dist <= 1e-4 * gn && dist > 0 && gn > 1e-3,
          "%s: float32 gradient within 1e-4 of float64 (relative distance %.2e, norm %.3g)",
          c->name, dist / gn, gn);
    const double *f64 = srm_net_final_state(n64), *f32 = srm_net_final_state(n32);
    double sd = 0;
    for (size_t i = 0; i < c->B * srm_model_state_size(m); i++) sd = fmax(sd, fabs(f64[i] - f32[i]));
    CHECK(sd <= 1e-5, "%s: final states agree to %.2e", c->name, sd);
    srm_net_free(n64), srm_net_free(n32);
    srm_model_free(g64), srm_model_free(g32), srm_model_free(m);
    gsl_rng_free(rng);
}

/* 100 SGD steps in one precision from m0; the per-step losses into curve, the model into out. */
static void train_steps(const f32_case *c, srm_net_precision prec, const srm_model *m0,
                        double *curve, srm_model *out)
{
    gsl_rng *data = gsl_rng_alloc(gsl_rng_mt19937), *drop = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(data, 7), gsl_rng_set(drop, 8);
    srm_model_copy(out, m0);
    srm_net *net = srm_net_alloc(out, c->output, prec, c->T, c->B);
    srm_net_bind_trainable(net, out);
    double state[16 * 64] = {0};
    batch bd;
    for (int step = 0; step < 100; step++) {
        fill_batch(c, data, &bd);
        double sum;
        size_t count;
        srm_net_grad_zero(net);
        srm_net_forward(net, &bd.b, state, c->p, c->p, drop, &sum, &count);
        memcpy(state, srm_net_final_state(net), c->B * srm_model_state_size(out) * sizeof(double));
        srm_net_backward(net, &bd.b, 1.0 / (double)count);
        double norm = srm_net_grad_norm(net), scale = 1.0, clip = 0.5;
        if (clip / (norm + 1e-6) < 1.0) scale = clip / (norm + 1e-6);
        srm_net_sgd_step(net, 1.0, scale, 1e-4);
        curve[step] = sum / (double)count;
    }
    srm_net_sync(net, out);
    srm_net_free(net);
    gsl_rng_free(data), gsl_rng_free(drop);
}

static void training_curves(const f32_case *c)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 31);
    srm_model *m0 = srm_model_alloc(c->cell, c->n, c->d, c->out, c->vocab);
    srm_model *a = srm_model_alloc_like(m0), *b = srm_model_alloc_like(m0);
    srm_net_init(m0, rng);
    representable(m0);
    double c64[100], c32[100], worst = 0;
    train_steps(c, SRM_NET_FLOAT64, m0, c64, a);
    train_steps(c, SRM_NET_FLOAT32, m0, c32, b);
    for (int s = 0; s < 100; s++) worst = fmax(worst, fabs(c32[s] - c64[s]) / fabs(c64[s]));
    double travelled = srm_model_distance(a, m0), apart = srm_model_distance(a, b);
    CHECK(worst <= 1e-4 && c64[99] < c64[0],
          "%s: 100 SGD steps, float32 and float64 losses agree to %.2e relative (loss %.4f -> "
          "%.4f)", c->name, worst, c64[0], c64[99]);
    CHECK(apart <= 1e-3 * travelled && travelled > 0.1,
          "%s: final weights %.2e apart after travelling %.3g", c->name, apart, travelled);
    srm_model_free(a), srm_model_free(b), srm_model_free(m0);
    gsl_rng_free(rng);
}

static void rounding_of_projections(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    size_t n = 64;
    srm_model *m = srm_model_alloc(SRM_CELL_RNN_TANH, n, 3, 0, 0);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = 0.5 * (gsl_rng_uniform(rng) - 0.5);
    srm_model_f32 *f = srm_model_f32_alloc_like(m);
    srm_model_f32_round(f, m, 0, m->nparam, SRM_ROUND_TOWARD_ZERO);
    size_t raised = 0, changed = 0;
    for (size_t i = 0; i < m->nparam; i++) {
        raised += fabs((double)f->w[i]) > fabs(m->w[i]);
        changed += (double)f->w[i] != m->w[i];
    }
    CHECK(raised == 0 && changed > m->nparam / 2,
          "rounding toward zero raises no magnitude (%zu of %zu entries rounded)", changed,
          m->nparam);
    /* the trainer's float32 spectral target: r / (1 + u sqrt(n)), then rounding to nearest */
    double r = 0.9, u = 0x1p-24, target = r / (1 + u * sqrt((double)n)), worst = 0;
    srm_svd_workspace *ws = srm_svd_workspace_alloc(n, n);
    for (int trial = 0; trial < 20; trial++) {
        for (size_t i = 0; i < n * n; i++) m->weight_hh[i] = 0.5 * (gsl_rng_uniform(rng) - 0.5);
        srm_project_result pr;
        srm_project_spectral(m->weight_hh, n, n, target, SRM_NORM_METHOD_SVD, ws, NULL, NULL, &pr);
        srm_model_f32_round(f, m, 0, m->nparam, SRM_ROUND_NEAREST);
        srm_model_f32_widen(m, f, 0, m->nparam);
        double s;
        srm_norm_spectral(m->weight_hh, n, n, ws, &s);
        worst = fmax(worst, s);
    }
    CHECK(worst <= r && worst > r * (1 - 1e-5),
          "a spectral projection to r/(1 + u sqrt(n)) rounded to float stays <= r = 0.9 "
          "(largest ||W||_2 over 20 matrices %.10f)", worst);
    srm_svd_workspace_free(ws);
    srm_model_f32_free(f);
    srm_model_free(m);
    gsl_rng_free(rng);
}

int main(void)
{
    gate_functions();
    const f32_case cases[] = {
        {"rnn word LM (embedding, dropout, carried state)", SRM_CELL_RNN_TANH, SRM_NET_SOFTMAX,
         32, 16, 60, 60, 8, 4, 0, 1, 0.2},
        {"lstm word LM (embedding, dropout, carried state)", SRM_CELL_LSTM, SRM_NET_SOFTMAX, 32,
         16, 60, 60, 8, 4, 0, 1, 0.2},
        {"lstm music (sigmoids on frames)", SRM_CELL_LSTM, SRM_NET_SIGMOID, 24, 12, 12, 0, 12, 1,
         0, 0, 0},
        {"rnn music (sigmoids on frames)", SRM_CELL_RNN_TANH, SRM_NET_SIGMOID, 24, 12, 12, 0, 12,
         1, 0, 0, 0},
        {"lstm slots (padding mask, dropout)", SRM_CELL_LSTM, SRM_NET_SOFTMAX, 16, 8, 10, 30, 10, 4,
         1, 0, 0.5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) same_batch(&cases[i]);
    training_curves(&cases[0]);
    training_curves(&cases[1]);
    training_curves(&cases[2]);
    rounding_of_projections();
    return srm_test_finish();
}
