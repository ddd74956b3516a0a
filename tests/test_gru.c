/* tests/test_gru.c: the GRU's certified constants (theory/stability_gru.c,
 * proofs-notes/gru-condition.md) against the map itself.
 * - The GRU step written here from nn.GRU's equations reproduces torch's outputs on the
 *   fixtures gru1 and gru3_bidir (1e-12), and its Jacobian equals central differences.
 * - Sampled states and inputs of the box, and an adversarial search (hill climbing from random
 *   starts and from corners), never find ||dh'/dh||_inf above lambda_inf, nor a step in x beyond
 *   L_x, for stable and unstable random GRUs with biases.
 * - srm certify's bound on the truncated 2-layer bidirectional GRU stack is never exceeded by
 *   the measured gap.
 * - The projection onto the condition reaches z_max <= zeta and lambda_inf <= 1 - m, and is
 *   idempotent. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/safetensors.h"
#include "sim/certify.h"
#include "theory/project.h"
#include "theory/stability.h"
#include "tests/harness.h"
#include "tests/scratch.h"

#define NMAX 8
#define DMAX 8

static double sig(double a) { return 1 / (1 + exp(-a)); }

/* h' = (1 - z) n + z h with r, z, n as nn.GRU computes them; J (n x n) = dh'/dh when given. */
static void gru_step(const srm_gru_weights *w, const double *h, const double *x, double *out,
                     double *J)
{
    size_t n = w->hidden, d = w->input;
    for (size_t i = 0; i < n; i++) {
        double a[3], m = w->bias_hh ? w->bias_hh[2 * n + i] : 0;
        for (size_t g = 0; g < 3; g++) {
            size_t row = g * n + i;
            a[g] = (w->bias_ih ? w->bias_ih[row] : 0) + (g < 2 && w->bias_hh ? w->bias_hh[row] : 0);
            for (size_t j = 0; j < d; j++) a[g] += w->weight_ih[row * d + j] * x[j];
            if (g < 2)
                for (size_t j = 0; j < n; j++) a[g] += w->weight_hh[row * n + j] * h[j];
        }
        for (size_t j = 0; j < n; j++) m += w->weight_hh[(2 * n + i) * n + j] * h[j];
        double r = sig(a[0]), z = sig(a[1]), nn = tanh(a[2] + r * m);
        out[i] = (1 - z) * nn + z * h[i];
        for (size_t j = 0; J && j < n; j++)
            J[i * n + j] = z * (1 - z) * (h[i] - nn) * w->weight_hh[(n + i) * n + j] +
                           (1 - z) * (1 - nn * nn) *
                               (r * (1 - r) * m * w->weight_hh[i * n + j] +
                                r * w->weight_hh[(2 * n + i) * n + j]) +
                           (i == j ? z : 0);
    }
}

static double inf_norm(const double *J, size_t n)
{
    double best = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < n; j++) s += fabs(J[i * n + j]);
        best = fmax(best, s);
    }
    return best;
}

/* A GRU stack (unit l * D + r) over x (T, d0): top outputs (T, n D); the window [lo, hi]. */
static void stack_run(const srm_gru_weights *u, size_t L, size_t D, const double *x, size_t lo,
                      size_t hi, double *out)
{
    size_t n = u[0].hidden, w = n * D, T = hi - lo + 1;
    double buf[2][64 * 2 * NMAX], h[NMAX], h2[NMAX];
    const double *in = x + lo * u[0].input;
    for (size_t l = 0; l < L; l++) {
        double *dst = l + 1 == L ? out : buf[l % 2];
        for (size_t r = 0; r < D; r++) {
            memset(h, 0, sizeof h);
            for (size_t i = 0; i < T; i++) {
                size_t t = r ? T - 1 - i : i;
                gru_step(&u[l * D + r], h, in + t * u[l * D + r].input, h2, NULL);
                memcpy(h, h2, n * sizeof *h);
                memcpy(dst + t * w + r * n, h, n * sizeof *h);
            }
        }
        in = dst;
    }
}

static int load_units(const char *path, srm_tensors **ts, srm_layout *lay, srm_gru_weights *u)
{
    SRM_TRY(srm_safetensors_read(path, ts));
    SRM_TRY(srm_layout_find(path, *ts, NULL, lay));
    for (size_t k = 0; k < lay->units; k++) {
        const srm_layout_unit *lu = &lay->unit[k];
        u[k] = (srm_gru_weights){lay->hidden, lu->input, lu->weight_ih->data, lu->weight_hh->data,
                                 lu->bias_ih ? lu->bias_ih->data : NULL,
                                 lu->bias_hh ? lu->bias_hh->data : NULL};
    }
    return SRM_OK;
}

static void check_fixture(const char *name)
{
    char path[128], refp[128];
    snprintf(path, sizeof path, "tests/ref/torch/%s.safetensors", name);
    snprintf(refp, sizeof refp, "tests/ref/torch/%s.ref.safetensors", name);
    srm_tensors *ts = NULL, *ref = NULL;
    srm_layout lay;
    srm_gru_weights u[8];
    int rc = load_units(path, &ts, &lay, u);
    if (rc == SRM_OK) rc = srm_safetensors_read(refp, &ref);
    const srm_tensor *x = ref ? srm_tensors_find(ref, "x") : NULL;
    const srm_tensor *y = ref ? srm_tensors_find(ref, "output") : NULL;
    double out[64 * 2 * NMAX], worst = INFINITY;
    if (rc == SRM_OK && x && y && lay.gru && x->shape[0] <= 64) {
        stack_run(u, lay.layers, lay.directions, x->data, 0, x->shape[0] - 1, out);
        worst = 0;
        for (size_t i = 0; i < y->size; i++) worst = fmax(worst, fabs(out[i] - y->data[i]));
    }
    CHECK(worst < 1e-12, "%s: the GRU step reproduces torch.nn.GRU (%zu layers, %zu directions, "
          "max |diff| %.2g)", name, lay.layers, lay.directions, worst);
    srm_tensors_free(ts);
    srm_tensors_free(ref);
}

/* A random GRU (n, d) with weights uniform in +-scale and biases in +-bias. */
static void random_gru(gsl_rng *rng, size_t n, size_t d, double scale, double bias, double *p,
                       srm_gru_weights *w)
{
    double *ih = p, *hh = ih + 3 * n * d, *bi = hh + 3 * n * n, *bh = bi + 3 * n;
    for (size_t i = 0; i < 3 * n * (d + n); i++) p[i] = scale * (2 * gsl_rng_uniform(rng) - 1);
    for (size_t i = 0; i < 6 * n; i++) bi[i] = bias * (2 * gsl_rng_uniform(rng) - 1);
    *w = (srm_gru_weights){n, d, ih, hh, bi, bh};
}

static void uniform_box(gsl_rng *rng, double *v, size_t len, double b)
{
    for (size_t i = 0; i < len; i++) v[i] = b * (2 * gsl_rng_uniform(rng) - 1);
}

/* Largest ||J||_inf found by sampling then hill climbing on (h, x) in the box. */
static double search(gsl_rng *rng, const srm_gru_weights *w, double B, size_t starts)
{
    size_t n = w->hidden, d = w->input;
    double h[NMAX], x[DMAX], out[NMAX], J[NMAX * NMAX], best = 0;
    for (size_t s = 0; s < starts; s++) {
        uniform_box(rng, h, n, 1), uniform_box(rng, x, d, B);
        if (s % 4 == 0) /* corners */
            for (size_t i = 0; i < n; i++) h[i] = h[i] < 0 ? -1 : 1;
        gru_step(w, h, x, out, J);
        double cur = inf_norm(J, n);
        for (size_t it = 0; it < 200; it++) { /* move one coordinate, keep improvements */
            size_t k = gsl_rng_uniform_int(rng, n + d);
            double *v = k < n ? &h[k] : &x[k - n], lim = k < n ? 1 : B, old = *v;
            *v = fmin(lim, fmax(-lim, old + 0.3 * lim * (2 * gsl_rng_uniform(rng) - 1)));
            gru_step(w, h, x, out, J);
            double now = inf_norm(J, n);
            if (now >= cur) cur = now;
            else *v = old;
        }
        best = fmax(best, cur);
    }
    return best;
}

static void check_jacobian(gsl_rng *rng)
{
    double p[3 * NMAX * (DMAX + NMAX) + 6 * NMAX], h[5], x[3], J[25], hp[5], hm[5], worst = 0;
    srm_gru_weights w;
    random_gru(rng, 5, 3, 0.8, 0.5, p, &w);
    uniform_box(rng, h, 5, 1), uniform_box(rng, x, 3, 1);
    gru_step(&w, h, x, hp, J);
    for (size_t j = 0; j < 5; j++) {
        double e = 1e-6, s = h[j];
        h[j] = s + e, gru_step(&w, h, x, hp, NULL);
        h[j] = s - e, gru_step(&w, h, x, hm, NULL);
        h[j] = s;
        for (size_t i = 0; i < 5; i++)
            worst = fmax(worst, fabs((hp[i] - hm[i]) / (2 * e) - J[i * 5 + j]));
    }
    CHECK(worst < 1e-8, "analytic GRU Jacobian = central differences (max |diff| %.2g)", worst);
}

/* For each scale: lambda certified against the search, L_x against sampled input steps. */
static void check_bounds(gsl_rng *rng)
{
    const double scales[] = {0.05, 0.15, 0.3, 0.6, 1.2}, B = 1.5;
    double p[3 * NMAX * (DMAX + NMAX) + 6 * NMAX];
    for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
        srm_gru_weights w;
        srm_gru_stability st;
        random_gru(rng, 6, 4, scales[s], 1.0, p, &w);
        int rc = srm_stability_gru(&w, B, &st);
        double found = search(rng, &w, B, 60), xstep = 0;
        for (size_t t = 0; t < 2000; t++) { /* |h'(h, x1) - h'(h, x2)| / |x1 - x2| */
            double h[NMAX], x1[DMAX], x2[DMAX], o1[NMAX], o2[NMAX], dx = 0, dh = 0;
            uniform_box(rng, h, 6, 1), uniform_box(rng, x1, 4, B), uniform_box(rng, x2, 4, B);
            gru_step(&w, h, x1, o1, NULL), gru_step(&w, h, x2, o2, NULL);
            for (size_t i = 0; i < 4; i++) dx = fmax(dx, fabs(x1[i] - x2[i]));
            for (size_t i = 0; i < 6; i++) dh = fmax(dh, fabs(o1[i] - o2[i]));
            xstep = fmax(xstep, dh / dx);
        }
        CHECK(rc == SRM_OK && found <= st.lambda_inf && xstep <= st.lipschitz_x,
              "GRU at scale %.2f: search finds ||J||_inf %.4g <= lambda_inf %.4g (%s), input "
              "steps %.4g <= L_x %.4g", scales[s], found, st.lambda_inf,
              st.stable ? "stable" : "not certified", xstep, st.lipschitz_x);
    }
}

/* srm certify on a random stable 2-layer bidirectional GRU written to a file: the measured
 * truncation gap at the window's center stays under the cascade bound. */
static void check_cascade(gsl_rng *rng)
{
    const size_t n = 4, d = 3, T = 30, L = 2, D = 2;
    double p[4][3 * NMAX * (DMAX + NMAX) + 6 * NMAX], x[30 * 3], y[30 * 8], yk[30 * 8];
    srm_gru_weights u[4];
    srm_tensors *ts = srm_tensors_alloc();
    for (size_t k = 0; k < L * D; k++) {
        random_gru(rng, n, k < D ? d : n * D, 0.08, 0.1, p[k], &u[k]);
        const char *names[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
        const double *data[] = {u[k].weight_ih, u[k].weight_hh, u[k].bias_ih, u[k].bias_hh};
        size_t shapes[4][2] = {{3 * n, u[k].input}, {3 * n, n}, {3 * n, 0}, {3 * n, 0}};
        for (size_t t = 0; t < 4; t++) {
            char name[64];
            snprintf(name, sizeof name, "gru.%s_l%zu%s", names[t], k / D, k % D ? "_reverse" : "");
            srm_tensors_add_view(ts, name, t < 2 ? 2 : 1, shapes[t], (double *)data[t]);
        }
    }
    int rc = srm_safetensors_write(path_in("gru.safetensors"), ts);
    srm_tensors_free(ts);
    srm_certify c;
    srm_certify_options opt = {NULL, NULL, NAN};
    if (rc == SRM_OK) rc = srm_certify_file(path_in("gru.safetensors"), &opt, &c);
    uniform_box(rng, x, T * d, 1);
    stack_run(u, L, D, x, 0, T - 1, y);
    int ok = rc == SRM_OK && c.contractive && c.stable;
    double worst = 0;
    for (size_t k = 1; ok && k <= 8; k++) {
        double bound, gap = 0;
        ok = srm_cascade_gap(&c.cascade, (long long)k, &bound) == SRM_OK;
        for (size_t t = 0; t < T; t++) {
            size_t lo = t + 1 >= k ? t + 1 - k : 0, hi = t + k - 1 < T ? t + k - 1 : T - 1;
            stack_run(u, L, D, x, lo, hi, yk);
            for (size_t j = 0; j < n * D; j++)
                gap = fmax(gap, fabs(yk[(t - lo) * n * D + j] - y[t * n * D + j]));
        }
        ok = ok && gap <= bound;
        worst = fmax(worst, gap / bound);
    }
    CHECK(ok, "2-layer bidirectional GRU: truncation gap <= certify's bound, k = 1..8 (largest "
          "ratio %.3g)", worst);
}

/* The projection of theory/project_gru.c: random GRUs far outside the condition end with
 * z_max <= zeta and lambda_inf <= 1 - m, the search stays under lambda_inf, and a second
 * projection changes nothing. */
static void check_projection(gsl_rng *rng)
{
    const double zetas[] = {0.6, 0.7, 0.9}, m = 0.01, B = 2;
    double p[3 * NMAX * (DMAX + NMAX) + 6 * NMAX], q[sizeof p / sizeof p[0]];
    for (size_t i = 0; i < 3; i++) {
        srm_gru_weights w;
        srm_gru_stability st;
        srm_project_gru_result res, again;
        random_gru(rng, 6, 4, 1.5, 3.0, p, &w);
        double *ih = p, *hh = ih + 3 * 6 * 4, *bi = hh + 3 * 6 * 6, *bh = bi + 18;
        int rc = srm_project_gru(ih, hh, bi, bh, 6, 4, zetas[i], m, B, &res);
        if (rc == SRM_OK) rc = srm_stability_gru(&w, B, &st);
        memcpy(q, p, sizeof p);
        if (rc == SRM_OK) rc = srm_project_gru(ih, hh, bi, bh, 6, 4, zetas[i], m, B, &again);
        double found = rc == SRM_OK ? search(rng, &w, B, 40) : INFINITY;
        CHECK(rc == SRM_OK && st.z_max <= zetas[i] && st.lambda_inf <= 1 - m &&
                  res.rows_scaled > 0 && found <= st.lambda_inf && memcmp(p, q, sizeof p) == 0,
              "GRU projected at zeta %.1f, m %.2f: z_max %.4g, lambda_inf %.6g <= %.2f (search "
              "%.4g), idempotent", zetas[i], m, st.z_max, st.lambda_inf, 1 - m, found);
    }
    double dummy[3 * 4 * 4] = {0};
    srm_project_gru_result res;
    CHECK(srm_project_gru(dummy, dummy, NULL, NULL, 4, 0, 0.5, 0.01, 1, &res) == SRM_EINVAL &&
              srm_project_gru(dummy, dummy, NULL, NULL, 4, 0, 0.6, 0.3, 1, &res) == SRM_EINVAL,
          "GRU projection: zeta 1/2 and a margin leaving no W_hz are refused");
}

int main(void)
{
    if (!scratch_open("srm-test-gru")) return 1;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    check_fixture("gru1");
    check_fixture("gru3_bidir");
    check_jacobian(rng);
    check_bounds(rng);
    check_cascade(rng);
    check_projection(rng);
    gsl_rng_free(rng);
    scratch_close();
    return srm_test_finish();
}
