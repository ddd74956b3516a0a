/* tests/test_grad.c: exact BPTT (sim/rnn.h) against finite differences, for every cell, every
 * loss, both loss positions, full and k-truncated, on every parameter tensor; plus gradient
 * accumulation, loss values, and the error paths of srm_rnn_loss_grad.
 *
 * Finite differences: the fourth-order central stencil
 *   fd = (8 (L(w + h) - L(w - h)) - (L(w + 2h) - L(w - 2h))) / 12h,   h = 1e-3,
 * whose error is about h^4 |L^(5)| / 30 + 1.5 eps |L| / h ~ 1e-11 absolute for our O(10)
 * losses (the plain two-point difference with its best h ~ 1e-5 leaves ~1e-10, too close to the
 * tolerance for gradient entries near 1e-4). The relative error |g - fd| / max(|g|, |fd|, 1e-4)
 * must stay below 1e-6; the 1e-4 floor keeps entries whose gradient is itself ~1e-11 from
 * turning rounding noise into a "relative" failure. A sign error or a missing term in any
 * tensor gives relative errors of order 1. ReLU uses h = 1e-4 (rounding ~1e-10) and weights
 * redrawn until every pre-activation is at least 20 h from the kink, so no difference
 * straddles it. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/model.h"
#include "sim/rnn.h"
#include "tests/harness.h"

#define T_LEN 6
#define TRUNC_K 3
#define FD_STEP 1e-3
#define FD_STEP_RELU 1e-4
#define FD_TOL 1e-6
#define FD_FLOOR 1e-4

static void randomize(srm_model *m, gsl_rng *rng, double scale)
{
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = scale * (2.0 * gsl_rng_uniform(rng) - 1.0);
}

typedef struct {
    const char *name;
    double *data;
    size_t size;
} tensor;

static size_t model_tensors(srm_model *m, tensor *t)
{
    size_t gn = m->gates * m->hidden, k = 0;
    t[k++] = (tensor){"rnn.weight_ih_l0", m->weight_ih, gn * m->input};
    t[k++] = (tensor){"rnn.weight_hh_l0", m->weight_hh, gn * m->hidden};
    t[k++] = (tensor){"rnn.bias_ih_l0", m->bias_ih, gn};
    t[k++] = (tensor){"rnn.bias_hh_l0", m->bias_hh, gn};
    if (m->output) {
        t[k++] = (tensor){"decoder.weight", m->decoder_weight, m->output * m->hidden};
        t[k++] = (tensor){"decoder.bias", m->decoder_bias, m->output};
    }
    if (m->vocab) t[k++] = (tensor){"encoder.weight", m->encoder_weight, m->vocab * m->input};
    return k;
}

/* Smallest |pre-activation| over every step of every span the loss evaluates: ReLU's kink must
 * stay far from the FD perturbation (~h times O(1) weights), else the FD straddles it. */
static double relu_margin(const srm_model *m, const double *x, size_t T, size_t k)
{
    size_t n = m->hidden, d = m->input;
    double h[16], a[16], margin = INFINITY;
    for (size_t t = 1; t <= T; t++) {
        size_t t0 = (k && t > k) ? t - k : 0;
        memset(h, 0, sizeof h);
        for (size_t s = t0 + 1; s <= t; s++) {
            for (size_t i = 0; i < n; i++) {
                a[i] = m->bias_ih[i] + m->bias_hh[i];
                for (size_t j = 0; j < d; j++) a[i] += m->weight_ih[i * d + j] * x[(s - 1) * d + j];
                for (size_t j = 0; j < n; j++) a[i] += m->weight_hh[i * n + j] * h[j];
            }
            for (size_t i = 0; i < n; i++) {
                margin = fabs(a[i]) < margin ? fabs(a[i]) : margin;
                h[i] = a[i] > 0 ? a[i] : 0;
            }
        }
    }
    return margin;
}

static double eval_loss(const srm_model *m, const double *x, const double *z, size_t zc,
                        size_t k, srm_loss_kind loss, srm_loss_at at, srm_rnn_workspace *ws)
{
    double l = NAN;
    srm_rnn_loss_grad(m, x, z, zc, T_LEN, k, loss, at, &l, NULL, ws);
    return l;
}

/* Fills targets for the loss: mse normal-ish, xent class indices (zc = 1) or probabilities,
 * bce in [0, 1]. Returns the number of target columns. */
static size_t make_targets(srm_loss_kind loss, int class_index, size_t out, gsl_rng *rng,
                           double *z)
{
    size_t zc = (loss == SRM_LOSS_XENT && class_index) ? 1 : out;
    for (size_t t = 0; t < T_LEN; t++) {
        double sum = 0.0;
        for (size_t j = 0; j < zc; j++) {
            double u = gsl_rng_uniform(rng);
            if (loss == SRM_LOSS_XENT && class_index) z[t * zc + j] = (double)(size_t)(u * out);
            else if (loss == SRM_LOSS_MSE) z[t * zc + j] = 2.0 * u - 1.0;
            else z[t * zc + j] = u;
            sum += z[t * zc + j];
        }
        if (loss == SRM_LOSS_XENT && !class_index)
            for (size_t j = 0; j < zc; j++) z[t * zc + j] /= sum;
    }
    return zc;
}

static const char *const loss_names[] = {"mse", "xent", "bce"};

/* One FD check over every entry of every tensor; one PASS/FAIL line for the combination. */
static void fd_check(srm_cell cell, size_t output, size_t vocab, srm_loss_kind loss,
                     int class_index, srm_loss_at at, size_t k, gsl_rng *rng)
{
    size_t n = 4, d = 3;
    srm_model *m = srm_model_alloc(cell, n, d, output, vocab);
    srm_model *g = srm_model_alloc_like(m);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, T_LEN, k);
    double x[T_LEN * 3], z[T_LEN * 5], step = cell == SRM_CELL_RNN_RELU ? FD_STEP_RELU : FD_STEP;
    double margin = INFINITY;
    for (int draw = 0; draw < 50; draw++) {
        randomize(m, rng, cell == SRM_CELL_LSTM ? 0.8 : 0.6);
        for (size_t i = 0; i < T_LEN * d; i++)
            x[i] = vocab ? (double)(size_t)(gsl_rng_uniform(rng) * vocab)
                         : 2 * gsl_rng_uniform(rng) - 1;
        if (cell != SRM_CELL_RNN_RELU) break;
        margin = relu_margin(m, x, T_LEN, k);
        if (margin > 20 * step) break;
    }
    size_t out = output ? output : n;
    size_t zc = make_targets(loss, class_index, out, rng, z);
    char what[160];
    snprintf(what, sizeof what, "%s%s%s loss=%s%s at=%s k=%zu", srm_cell_name(cell),
             output ? "+decoder" : "", vocab ? "+encoder" : "", loss_names[loss],
             loss == SRM_LOSS_XENT ? (class_index ? "(class)" : "(probs)") : "",
             at == SRM_LOSS_AT_ALL ? "all" : "last", k);
    if (cell == SRM_CELL_RNN_RELU)
        CHECK(margin > 20 * step, "%s: ReLU pre-activations stay %.2e > 20 h from the kink",
              what, margin);
    double l0 = NAN;
    int rc = srm_rnn_loss_grad(m, x, z, zc, T_LEN, k, loss, at, &l0, g, ws);
    tensor tm[8], tg[8];
    size_t nt = model_tensors(m, tm);
    model_tensors(g, tg);
    double worst = 0.0;
    const char *worst_name = "-";
    int nontrivial = 1;
    for (size_t ti = 0; ti < nt && rc == SRM_OK; ti++) {
        double fd_norm = 0.0;
        for (size_t i = 0; i < tm[ti].size; i++) {
            double w0 = tm[ti].data[i], l[4];
            static const double offsets[4] = {1, -1, 2, -2};
            for (size_t j = 0; j < 4; j++) {
                tm[ti].data[i] = w0 + offsets[j] * step;
                l[j] = eval_loss(m, x, z, zc, k, loss, at, ws);
            }
            tm[ti].data[i] = w0;
            double fd = (8 * (l[0] - l[1]) - (l[2] - l[3])) / (12 * step), an = tg[ti].data[i];
            double scale = fmax(fmax(fabs(fd), fabs(an)), FD_FLOOR);
            double err = fabs(fd - an) / scale;
            if (!(err <= worst)) worst = err, worst_name = tm[ti].name;
            fd_norm += fd * fd;
        }
        /* A tensor whose gradient is identically zero would pass vacuously. The one exception
         * is exact: with k = 1 every window starts from s = 0, so W_hh never acts. */
        if (k == 1 && tm[ti].data == m->weight_hh) {
            for (size_t i = 0; i < tg[ti].size; i++)
                if (tg[ti].data[i] != 0.0) nontrivial = 0;
        } else if (sqrt(fd_norm) < 1e-6) {
            nontrivial = 0;
        }
    }
    CHECK(rc == SRM_OK && isfinite(l0) && nontrivial && worst < FD_TOL,
          "FD %s: every tensor, worst rel err %.2e (%s) < %.0e, loss %.6g", what, worst,
          worst_name, FD_TOL, l0);
    srm_rnn_workspace_free(ws);
    srm_model_free(g);
    srm_model_free(m);
}

static void test_fd_all(gsl_rng *rng)
{
    const srm_cell cells[] = {SRM_CELL_RNN_TANH, SRM_CELL_RNN_RELU, SRM_CELL_LINEAR,
                              SRM_CELL_LSTM};
    for (size_t c = 0; c < 4; c++)
        for (int loss = 0; loss < 3; loss++)
            for (int at = 0; at < 2; at++)
                for (size_t k = 0; k <= TRUNC_K; k += TRUNC_K)
                    fd_check(cells[c], 3, 0, (srm_loss_kind)loss, 1, (srm_loss_at)at, k, rng);
    /* xent with probability targets, models without a decoder, an embedding model, k = 1 */
    for (size_t c = 0; c < 4; c++) {
        fd_check(cells[c], 3, 0, SRM_LOSS_XENT, 0, SRM_LOSS_AT_ALL, TRUNC_K, rng);
        fd_check(cells[c], 0, 0, SRM_LOSS_MSE, 0, SRM_LOSS_AT_ALL, 0, rng);
        fd_check(cells[c], 0, 0, SRM_LOSS_BCE, 0, SRM_LOSS_AT_LAST, TRUNC_K, rng);
        fd_check(cells[c], 3, 5, SRM_LOSS_XENT, 1, SRM_LOSS_AT_ALL, TRUNC_K, rng);
        fd_check(cells[c], 3, 0, SRM_LOSS_MSE, 0, SRM_LOSS_AT_ALL, 1, rng);
    }
}

/* Loss values by hand from srm_rnn_forward's outputs; accumulation; k >= T is the full model. */
static void test_loss_values(gsl_rng *rng)
{
    srm_model *m = srm_model_alloc(SRM_CELL_LSTM, 4, 3, 2, 0);
    srm_model *g1 = srm_model_alloc_like(m), *g2 = srm_model_alloc_like(m);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, T_LEN, TRUNC_K);
    randomize(m, rng, 0.8);
    double x[T_LEN * 3], y[T_LEN * 2], z[T_LEN * 2], cls[T_LEN];
    for (size_t i = 0; i < T_LEN * 3; i++) x[i] = 2 * gsl_rng_uniform(rng) - 1;
    for (size_t i = 0; i < T_LEN * 2; i++) z[i] = gsl_rng_uniform(rng);
    for (size_t t = 0; t < T_LEN; t++) cls[t] = (double)(t % 2);
    srm_rnn_forward(m, x, T_LEN, 0, NULL, y, ws);
    double mse = 0, xent = 0, bce = 0, last = 0;
    for (size_t t = 0; t < T_LEN; t++) {
        double lse = log(exp(y[2 * t]) + exp(y[2 * t + 1]));
        xent += lse - y[2 * t + (t % 2)];
        for (size_t j = 0; j < 2; j++) {
            double e = y[2 * t + j] - z[2 * t + j], p = 1 / (1 + exp(-y[2 * t + j]));
            mse += 0.5 * e * e;
            bce -= z[2 * t + j] * log(p) + (1 - z[2 * t + j]) * log(1 - p);
            if (t == T_LEN - 1) last += 0.5 * e * e;
        }
    }
    double l;
    srm_rnn_loss_grad(m, x, z, 2, T_LEN, 0, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &l, NULL, ws);
    CHECK_CLOSE(l, mse, 1e-13, "mse = sum_t 1/2 ||y_t - z_t||^2 (by hand from forward outputs)");
    srm_rnn_loss_grad(m, x, z, 2, T_LEN, 0, SRM_LOSS_MSE, SRM_LOSS_AT_LAST, &l, NULL, ws);
    CHECK_CLOSE(l, last, 1e-13, "mse at last = 1/2 ||y_T - z_T||^2");
    srm_rnn_loss_grad(m, x, cls, 1, T_LEN, 0, SRM_LOSS_XENT, SRM_LOSS_AT_ALL, &l, NULL, ws);
    CHECK_CLOSE(l, xent, 1e-13, "xent with class indices = sum_t -log softmax(y_t)_class");
    srm_rnn_loss_grad(m, x, z, 2, T_LEN, 0, SRM_LOSS_BCE, SRM_LOSS_AT_ALL, &l, NULL, ws);
    CHECK_CLOSE(l, bce, 1e-12, "bce = sum -z log sigma(y) - (1-z) log(1 - sigma(y))");
    double lf, lk;
    srm_rnn_loss_grad(m, x, z, 2, T_LEN, 0, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &lf, g1, ws);
    srm_rnn_loss_grad(m, x, z, 2, T_LEN, T_LEN, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &lk, g2, ws);
    CHECK(lf == lk && memcmp(g1->w, g2->w, m->nparam * sizeof(double)) == 0,
          "k = T truncation is the full model (loss and gradient bit for bit)");
    srm_rnn_loss_grad(m, x, z, 2, T_LEN, 0, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &lf, g1, ws);
    double maxdiff = 0;
    for (size_t i = 0; i < m->nparam; i++)
        maxdiff = fmax(maxdiff, fabs(g1->w[i] - 2 * g2->w[i]));
    CHECK(maxdiff <= 1e-14, "a second call accumulates: grad = 2 x once (max diff %.1e)", maxdiff);
    srm_rnn_loss_grad(m, x, z, 2, T_LEN, TRUNC_K, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &lk, NULL, ws);
    CHECK(fabs(lk - lf) > 1e-6, "k = %d truncation changes the loss (%.6g vs %.6g)", TRUNC_K, lk,
          lf);
    srm_rnn_workspace_free(ws);
    srm_model_free(g1);
    srm_model_free(g2);
    srm_model_free(m);
}

static int fails_with(int rc, const char *needle)
{
    return rc == SRM_EINVAL && strstr(srm_error_message(), needle) != NULL;
}

static void test_errors(void)
{
    srm_model *m = srm_model_alloc(SRM_CELL_RNN_TANH, 4, 3, 2, 0);
    srm_model *other = srm_model_alloc(SRM_CELL_RNN_TANH, 5, 3, 2, 0);
    srm_model *emb = srm_model_alloc(SRM_CELL_RNN_TANH, 4, 3, 2, 7);
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, 4, 2);
    srm_rnn_workspace *wse = srm_rnn_workspace_alloc(emb, 4, 2);
    double x[12] = {0}, z[8] = {0}, cls[4] = {0, 1, 2, 1}, l;
    int rc = srm_rnn_loss_grad(m, x, z, 2, 5, 0, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &l, NULL, ws);
    CHECK(fails_with(rc, "exceeds"), "T > t_max is rejected: %s", srm_error_message());
    rc = srm_rnn_loss_grad(m, x, z, 2, 0, 0, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &l, NULL, ws);
    CHECK(fails_with(rc, "empty"), "T = 0 is rejected: %s", srm_error_message());
    rc = srm_rnn_loss_grad(other, x, z, 2, 4, 0, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &l, NULL, ws);
    CHECK(fails_with(rc, "different model"), "a workspace of another shape is rejected: %s",
          srm_error_message());
    rc = srm_rnn_loss_grad(m, x, z, 3, 4, 0, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &l, NULL, ws);
    CHECK(fails_with(rc, "columns"), "targets with the wrong width are rejected: %s",
          srm_error_message());
    rc = srm_rnn_loss_grad(m, x, cls, 1, 4, 0, SRM_LOSS_XENT, SRM_LOSS_AT_ALL, &l, NULL, ws);
    CHECK(fails_with(rc, "row 3: class 2"), "a class index out of range is rejected: %s",
          srm_error_message());
    rc = srm_rnn_loss_grad(m, x, z, 2, 4, 0, SRM_LOSS_MSE, SRM_LOSS_AT_ALL, &l, other, ws);
    CHECK(fails_with(rc, "gradient block"), "a gradient block of another shape is rejected: %s",
          srm_error_message());
    rc = srm_rnn_forward(m, x, 4, 3, NULL, NULL, ws);
    CHECK(fails_with(rc, "k_max"), "forward with k > k_max is rejected: %s", srm_error_message());
    double tok[4] = {0, 6, 7, 1};
    rc = srm_rnn_forward(emb, tok, 4, 0, NULL, NULL, wse);
    CHECK(fails_with(rc, "token 3"), "a token index out of range is rejected: %s",
          srm_error_message());
    srm_loss_kind lk;
    srm_loss_at la;
    CHECK(srm_loss_parse("xent", &lk) == SRM_OK && lk == SRM_LOSS_XENT &&
              srm_loss_parse("l2", &lk) == SRM_EINVAL && srm_loss_at_parse("last", &la) == SRM_OK &&
              la == SRM_LOSS_AT_LAST && srm_loss_at_parse("first", &la) == SRM_EINVAL,
          "loss names parse; unknown ones are rejected");
    srm_error_clear();
    CHECK(srm_rnn_workspace_alloc(m, 0, 0) == NULL && srm_error_code() == SRM_EINVAL,
          "a workspace for T = 0 is refused");
    srm_rnn_workspace_free(ws);
    srm_rnn_workspace_free(wse);
    srm_model_free(m);
    srm_model_free(other);
    srm_model_free(emb);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 1);
    test_fd_all(rng);
    test_loss_values(rng);
    test_errors();
    gsl_rng_free(rng);
    return srm_test_finish();
}
