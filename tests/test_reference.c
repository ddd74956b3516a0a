/* tests/test_reference.c: srm's forward, loss and BPTT against PyTorch (torch.float64), using
 * the fixtures committed in tests/ref/ (written by tests/ref/make_fixtures.py): a tanh RNN and an
 * LSTM, n = 5, d = 3, T = 7, decoder m = 2, mse at every step, full and k = 3 truncated.
 *
 * Tolerances (|srm - torch| <= tol * max(1, |torch|)): states and outputs 1e-10, losses and
 * gradients 1e-8. Both sides are double precision, so the true differences are rounding,
 * ~1e-15; the slack covers different summation orders and libm versions, while any modelling
 * difference (gate order, bias handling, a missing term) shows up at 1e-3 or more. Each check
 * prints the worst mismatch. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/safetensors.h"
#include "core/model.h"
#include "sim/rnn.h"
#include "tests/harness.h"

#define REF_DIR "tests/ref/"
#define TOL_STATE 1e-10
#define TOL_GRAD 1e-8

/* Worst |a - b| / max(1, |b|) over n entries, with its index. */
static double worst_mismatch(const double *a, const double *b, size_t n, size_t *where)
{
    double w = 0.0;
    *where = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(a[i] - b[i]) / fmax(1.0, fabs(b[i]));
        if (!(e <= w)) w = e, *where = i;
    }
    return w;
}

static const srm_tensor *need(const srm_tensors *ts, const char *name, size_t size)
{
    const srm_tensor *t = srm_tensors_find(ts, name);
    if (t && t->size == size) return t;
    CHECK(0, "fixture has tensor %s with %zu entries", name, size);
    return NULL;
}

static void compare(const char *what, const double *got, const srm_tensor *ref, double tol)
{
    if (!ref) return;
    size_t at;
    double w = worst_mismatch(got, ref->data, ref->size, &at);
    CHECK(w <= tol, "%s vs torch: worst mismatch %.2e at [%zu] (%.17g vs %.17g), tol %.0e", what,
          w, at, got[at], ref->data[at], tol);
}

static void test_model(const char *name)
{
    char path[256], key[128];
    snprintf(path, sizeof path, REF_DIR "%s.safetensors", name);
    srm_model *m = NULL;
    int rc = srm_model_load(path, &m);
    CHECK(rc == SRM_OK, "%s: model loads (%s)", path, rc ? srm_error_message() : "ok");
    snprintf(path, sizeof path, REF_DIR "%s.ref.safetensors", name);
    srm_tensors *ref = NULL;
    int rc2 = srm_safetensors_read(path, &ref);
    CHECK(rc2 == SRM_OK, "%s: fixture reads (%s)", path, rc2 ? srm_error_message() : "ok");
    if (rc || rc2) {
        srm_model_free(m);
        srm_tensors_free(ref);
        return;
    }
    size_t n = m->hidden, d = m->input, out = m->output, S = srm_model_state_size(m);
    const srm_tensor *x = srm_tensors_find(ref, "input"), *z = NULL;
    size_t T = x ? x->shape[0] : 0;
    int ok = x && x->ndim == 2 && x->shape[1] == d && T > 3 && T <= 64 && n <= 5 && out <= 2;
    CHECK(ok, "%s: input is (T, %zu), 3 < T = %zu <= 64, n <= 5, m <= 2", name, d, T);
    if (ok) z = need(ref, "target", T * out);
    if (!ok || !z) {
        srm_model_free(m);
        srm_tensors_free(ref);
        return;
    }
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(m, T, 3);
    srm_model *g = srm_model_alloc_like(m);
    double states[64 * 10], h[64 * 5], c[64 * 5], y[64 * 2];
    for (size_t k = 0; k <= 3; k += 3) {
        const char *prefix = k ? "trunc3." : "";
        rc = srm_rnn_forward(m, x->data, T, k, states, y, ws);
        for (size_t t = 0; t < T; t++)
            for (size_t j = 0; j < n; j++) {
                h[t * n + j] = states[t * S + S - n + j];
                c[t * n + j] = states[t * S + j]; /* LSTM: c first */
            }
        snprintf(key, sizeof key, "%s: %shidden", name, prefix);
        snprintf(path, sizeof path, "%shidden", prefix);
        compare(key, h, need(ref, path, T * n), TOL_STATE);
        if (m->cell == SRM_CELL_LSTM) {
            snprintf(key, sizeof key, "%s: %scell", name, prefix);
            snprintf(path, sizeof path, "%scell", prefix);
            compare(key, c, need(ref, path, T * n), TOL_STATE);
        }
        snprintf(key, sizeof key, "%s: %soutput", name, prefix);
        snprintf(path, sizeof path, "%soutput", prefix);
        compare(key, y, need(ref, path, T * out), TOL_STATE);
        double loss = NAN;
        srm_model_zero(g);
        rc = srm_rnn_loss_grad(m, x->data, z->data, out, T, k, SRM_LOSS_MSE, SRM_LOSS_AT_ALL,
                               &loss, g, ws);
        snprintf(key, sizeof key, "%s: %sloss", name, prefix);
        snprintf(path, sizeof path, "%sloss", prefix);
        compare(key, &loss, need(ref, path, 1), TOL_GRAD);
        /* every parameter tensor, by the model's own names */
        const char *names[] = {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                               "rnn.bias_hh_l0", "decoder.weight", "decoder.bias"};
        size_t gn = m->gates * n;
        const double *gd[] = {g->weight_ih, g->weight_hh, g->bias_ih, g->bias_hh,
                              g->decoder_weight, g->decoder_bias};
        size_t sizes[] = {gn * d, gn * n, gn, gn, out * n, out};
        for (size_t i = 0; i < 6; i++) {
            snprintf(key, sizeof key, "%s: %sgrad %s", name, prefix, names[i]);
            snprintf(path, sizeof path, "%sgrad.%s", prefix, names[i]);
            compare(key, gd[i], need(ref, path, sizes[i]), TOL_GRAD);
        }
    }
    srm_model_free(g);
    srm_rnn_workspace_free(ws);
    srm_model_free(m);
    srm_tensors_free(ref);
}

int main(void)
{
    test_model("rnn_tanh");
    test_model("lstm");
    return srm_test_finish();
}
