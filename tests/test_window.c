/* tests/test_window.c: the k-step truncation engine (sim/window.h) and its two callers.
 *
 * - srm_window_run against the definition: every window re-run from the zero state with
 *   srm_cell_step, for every cell, one and three columns, a chunk smaller than T (windows cross
 *   chunk boundaries and the projection blocks are refreshed), k = 1 .. T + 2.
 * - k > T is k = T bit for bit; the chunk size changes only the GEMM grouping.
 * - The synthetic lab's truncated forward (srm_rnn_forward with trunc_k, sim/rnn.h) and the
 *   benchmark network's truncated evaluation (srm_net_trunc_eval, task/net.h) both run on this
 *   engine and agree with each other: the loss and argmax of the network's k-step evaluation
 *   computed from srm_rnn_forward's truncated outputs.
 * - Error paths: k = 0, a chunk or batch that does not fit, another model, a failing input.
 * Tolerance 1e-13 relative (floor 1): the engine adds W_hh h by GEMM, the reference by GEMV,
 * and the decoder and softmax sum in other orders; measured up to 1e-14 (for the linear
 * cell; ~1e-15 for the others). */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "core/model.h"
#include "sim/rnn.h"
#include "sim/window.h"
#include "task/net.h"
#include "tests/harness.h"

#define TOL 1e-13
#define T_LEN 9
#define D 3
#define HID 4

/* Relative for the linear cell's larger states, absolute near zero. */
static double rel_diff(double a, double b) { return fabs(a - b) / fmax(1.0, fabs(b)); }

static const srm_cell cells[] = {SRM_CELL_RNN_TANH, SRM_CELL_RNN_RELU, SRM_CELL_LINEAR,
                                 SRM_CELL_LSTM};

typedef struct {
    const srm_model *m;
    const double *x; /* (T, B, d) time-major */
    size_t B;
    int fail_at;     /* position whose projection fails (-1: none) */
} frames_input;

static int frames_projection(void *ctx, size_t u, size_t len, double *xproj)
{
    const frames_input *in = ctx;
    if (in->fail_at >= 0 && (size_t)in->fail_at >= u && (size_t)in->fail_at < u + len)
        return SRM_ERROR(SRM_EINVAL, "no input at position %d", in->fail_at);
    srm_cell_input_projection(xproj, in->x + u * in->B * in->m->input, in->m, len * in->B);
    return SRM_OK;
}

/* s^k_t of position t, column b, by its definition. */
static void naive_window(const srm_model *m, const double *x, size_t B, size_t b, size_t t,
                         size_t k, double *s)
{
    size_t S = srm_model_state_size(m), d = m->input;
    double next[2 * HID], work[4 * HID];
    memset(s, 0, S * sizeof(double));
    for (size_t u = t + 1 >= k ? t + 1 - k : 0; u <= t; u++) {
        srm_cell_step(m, s, x + (u * B + b) * d, next, work);
        memcpy(s, next, S * sizeof(double));
    }
}

/* Every state of every chunk of a k-step run into all (T*B, S). */
static int run_all(srm_window *w, const srm_model *m, frames_input *in, size_t k, double *all)
{
    size_t C = srm_window_chunk(w), S = srm_model_state_size(m), B = in->B;
    for (size_t p = 0; p < T_LEN; p += C) {
        size_t len = T_LEN - p < C ? T_LEN - p : C;
        const double *st;
        SRM_TRY(srm_window_run(w, m, T_LEN, B, k, p, len, frames_projection, in, &st));
        memcpy(all + p * B * S, st, len * B * S * sizeof(double));
    }
    return SRM_OK;
}

static void definition_check(srm_cell cell, size_t B, gsl_rng *rng)
{
    srm_model *m = srm_model_alloc(cell, HID, D, 0, 0);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = 1.2 * (2 * gsl_rng_uniform(rng) - 1);
    size_t S = srm_model_state_size(m);
    double x[T_LEN * 3 * D], all[T_LEN * 3 * 2 * HID], other[T_LEN * 3 * 2 * HID], s[2 * HID];
    for (size_t i = 0; i < T_LEN * B * D; i++) x[i] = 2 * gsl_rng_uniform(rng) - 1;
    frames_input in = {m, x, B, -1};
    srm_window *w = srm_window_alloc(m, 4, B), *w1 = srm_window_alloc(m, 1, B);
    srm_window *wall = srm_window_alloc(m, T_LEN, B);
    double worst = 0, worst_chunk = 0;
    int rc = SRM_OK;
    for (size_t k = 1; k <= T_LEN + 2 && rc == SRM_OK; k++) {
        rc = run_all(w, m, &in, k, all);
        for (size_t t = 0; t < T_LEN; t++)
            for (size_t b = 0; b < B; b++) {
                naive_window(m, x, B, b, t, k, s);
                for (size_t i = 0; i < S; i++)
                    worst = fmax(worst, rel_diff(all[(t * B + b) * S + i], s[i]));
            }
        for (srm_window *v = w1; v && rc == SRM_OK; v = v == w1 ? wall : NULL) {
            rc = run_all(v, m, &in, k, other);
            for (size_t i = 0; i < T_LEN * B * S; i++)
                worst_chunk = fmax(worst_chunk, rel_diff(all[i], other[i]));
        }
    }
    const char *name = srm_cell_name(cell);
    CHECK(rc == SRM_OK && worst <= TOL, "%s, B = %zu: engine windows (chunk 4 < T = %d) = k "
          "steps of srm_cell_step from zero, k = 1..%d (max rel diff %.1e)", name, B, T_LEN,
          T_LEN + 2, worst);
    CHECK(worst_chunk <= TOL, "%s, B = %zu: chunks of 1 and of T give the same states (max "
          "rel diff %.1e)", name, B, worst_chunk);
    run_all(w, m, &in, T_LEN, all);
    run_all(w, m, &in, T_LEN + 5, other);
    CHECK(memcmp(all, other, T_LEN * B * S * sizeof(double)) == 0,
          "%s, B = %zu: k > T is k = T bit for bit", name, B);
    srm_window_free(w), srm_window_free(w1), srm_window_free(wall);
    srm_model_free(m);
}

/* The network's k-step loss (softmax over the decoder, class targets) from sim/rnn.h's
 * truncated outputs of the same frames. */
static void callers_check(srm_cell cell, gsl_rng *rng)
{
    size_t V = 5;
    srm_model *m = srm_model_alloc(cell, HID, D, V, 0);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = 1.5 * (2 * gsl_rng_uniform(rng) - 1);
    double x[T_LEN * D], y[T_LEN * 5];
    int32_t targets[T_LEN], am_net[T_LEN], am_sim[T_LEN];
    for (size_t i = 0; i < T_LEN * D; i++) x[i] = 2 * gsl_rng_uniform(rng) - 1;
    for (size_t t = 0; t < T_LEN; t++) targets[t] = (int32_t)gsl_rng_uniform_int(rng, V);
    srm_net_batch b = {.T = T_LEN, .B = 1, .frames = x, .targets = targets};
    srm_net_trunc *tw = srm_net_trunc_alloc(m, SRM_NET_SOFTMAX, 4, 1);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, T_LEN, T_LEN);
    double worst = 0;
    int same = 1, rc = SRM_OK;
    for (size_t k = 1; k <= T_LEN && rc == SRM_OK; k++) {
        double loss_net, loss_sim = 0;
        size_t count;
        rc = srm_net_trunc_eval(tw, m, &b, k, &loss_net, &count, am_net);
        if (rc == SRM_OK) rc = srm_rnn_forward(m, x, T_LEN, k, NULL, y, ws);
        for (size_t t = 0; t < T_LEN; t++) {
            const double *row = y + t * V;
            double mx = row[0], z = 0;
            size_t best = 0;
            for (size_t j = 1; j < V; j++) {
                mx = fmax(mx, row[j]);
                if (row[j] > row[best]) best = j;
            }
            for (size_t j = 0; j < V; j++) z += exp(row[j] - mx);
            loss_sim += mx + log(z) - row[targets[t]];
            am_sim[t] = (int32_t)best;
        }
        worst = fmax(worst, fabs(loss_net - loss_sim) / fabs(loss_sim));
        same &= count == T_LEN && memcmp(am_net, am_sim, sizeof am_net) == 0;
    }
    CHECK(rc == SRM_OK && worst <= TOL && same, "%s: srm_net_trunc_eval = srm_rnn_forward's "
          "truncated outputs, loss and argmax, k = 1..%d (max rel diff %.1e)",
          srm_cell_name(cell), T_LEN, worst);
    srm_rnn_workspace_free(ws);
    srm_net_trunc_free(tw);
    srm_model_free(m);
}

static void error_check(void)
{
    srm_model *m = srm_model_alloc(SRM_CELL_LSTM, HID, D, 0, 0);
    srm_model *other = srm_model_alloc(SRM_CELL_RNN_TANH, HID, D, 0, 0);
    double x[T_LEN * D] = {0};
    frames_input in = {m, x, 1, -1};
    srm_window *w = srm_window_alloc(m, 4, 1);
    const double *st;
    CHECK(srm_window_alloc(m, 0, 1) == NULL && srm_error_code() == SRM_EINVAL,
          "a chunk of 0 positions is refused");
    CHECK(srm_window_run(w, m, T_LEN, 1, 0, 0, 4, frames_projection, &in, &st) == SRM_EINVAL,
          "k = 0 is refused");
    CHECK(srm_window_run(w, m, T_LEN, 1, 2, 0, 5, frames_projection, &in, &st) == SRM_EINVAL,
          "more positions than the chunk are refused");
    CHECK(srm_window_run(w, m, T_LEN, 1, 2, 7, 4, frames_projection, &in, &st) == SRM_EINVAL,
          "positions past T are refused");
    CHECK(srm_window_run(w, m, T_LEN, 2, 2, 0, 4, frames_projection, &in, &st) == SRM_EINVAL,
          "more columns than the workspace are refused");
    CHECK(srm_window_run(w, other, T_LEN, 1, 2, 0, 4, frames_projection, &in, &st) ==
              SRM_EINVAL, "a model of another cell is refused");
    in.fail_at = 5;
    CHECK(srm_window_run(w, m, T_LEN, 1, 3, 4, 4, frames_projection, &in, &st) == SRM_EINVAL,
          "an input error of the projection is passed on (%s)", srm_error_message());
    srm_window_free(w);
    srm_model_free(other);
    srm_model_free(m);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 17);
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
        definition_check(cells[c], 1, rng);
        definition_check(cells[c], 3, rng);
    }
    callers_check(SRM_CELL_RNN_TANH, rng);
    callers_check(SRM_CELL_LSTM, rng);
    error_check();
    gsl_rng_free(rng);
    return srm_test_finish();
}
