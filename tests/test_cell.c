/* tests/test_cell.c: the one cell kernel (core/cell.h) on its own, for every cell.
 *
 * - Forward against a hand computation: the cell equations written out here (pre-activations
 *   0 give i = f = o = 1/2, g = 0 exactly; random pre-activations to 1e-15 relative, a few
 *   roundings of O(1) values), and the cached gates and tanh(c) against the same.
 * - Backward against central finite differences of forward, for L = <w_h, h'> + <w_c, c'>:
 *   d L / d pre and d L / d c_prev. Step 1e-5: truncation ~1e-10 |f'''|, rounding ~1e-11;
 *   tolerance 1e-8 relative (floor 1). ReLU pre-activations are kept >= 0.05 from the kink.
 * - R rows = R independent single rows bit for bit (forward with its cache, backward,
 *   factors), with the packed (c, h) layout, in place, against separate one-row arrays.
 * - The Jacobian factors against finite differences of forward (same step and tolerance), and
 *   backward against the factors' vector-Jacobian product (two groupings of one derivative:
 *   1e-14 relative).
 * - The products around the kernel (W_hh on R rows and on one row, its transpose, the input
 *   projection) against plain sums, 1e-14 relative (GEMM/GEMV summation order), and
 *   srm_cell_step = preactivation + forward bit for bit. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "core/cell.h"
#include "core/model.h"
#include "tests/harness.h"

#define N 4
#define R 5
#define FD_STEP 1e-5
#define FD_TOL 1e-8

static const srm_cell cells[] = {SRM_CELL_RNN_TANH, SRM_CELL_RNN_RELU, SRM_CELL_LINEAR,
                                 SRM_CELL_LSTM};

static size_t gates_of(srm_cell cell) { return cell == SRM_CELL_LSTM ? 4 : 1; }

/* Uniform in +-scale; for ReLU at least 0.05 away from 0. */
static void fill(double *v, size_t count, double scale, int avoid_zero, gsl_rng *rng)
{
    for (size_t i = 0; i < count; i++) {
        v[i] = scale * (2 * gsl_rng_uniform(rng) - 1);
        if (avoid_zero && fabs(v[i]) < 0.05) v[i] = v[i] < 0 ? -0.05 - v[i] : 0.05 + v[i];
    }
}

static double rel_err(double a, double b) { return fabs(a - b) / fmax(1.0, fabs(b)); }

static double logistic(double a) { return 1.0 / (1.0 + exp(-a)); }

/* The cell equations written out for one row: h (n), c (n, LSTM). */
static void hand_step(srm_cell cell, const double *a, const double *c_prev, double *h, double *c)
{
    for (size_t i = 0; i < N; i++) {
        if (cell == SRM_CELL_RNN_TANH) h[i] = tanh(a[i]);
        else if (cell == SRM_CELL_RNN_RELU) h[i] = a[i] > 0 ? a[i] : 0;
        else if (cell == SRM_CELL_LINEAR) h[i] = a[i];
        else {
            double ig = logistic(a[i]), fg = logistic(a[N + i]), gg = tanh(a[2 * N + i]);
            double og = logistic(a[3 * N + i]);
            c[i] = fg * c_prev[i] + ig * gg;
            h[i] = og * tanh(c[i]);
        }
    }
}

static void forward_check(srm_cell cell, gsl_rng *rng)
{
    size_t gn = gates_of(cell) * N;
    double a[4 * N] = {0}, cp[N], h[N], c[N], hh[N], ch[N] = {0}, gates[4 * N], tc[N];
    const char *name = srm_cell_name(cell);
    fill(cp, N, 2.0, 0, rng);
    srm_cell_forward(h, c, gates, tc, a, cp, cell, 1, N, N);
    int ok = 1;
    for (size_t i = 0; i < N; i++)
        ok &= cell == SRM_CELL_LSTM ? c[i] == 0.5 * cp[i] && h[i] == 0.5 * tanh(0.5 * cp[i])
                                    : h[i] == 0.0;
    CHECK(ok, "%s: pre-activations 0 give h' = 0 (RNN) or c' = c/2, h' = tanh(c/2)/2 exactly",
          name);
    fill(a, gn, 3.0, cell == SRM_CELL_RNN_RELU, rng);
    srm_cell_forward(h, c, gates, tc, a, cp, cell, 1, N, N);
    hand_step(cell, a, cp, hh, ch);
    double worst = 0, worst_cache = 0;
    for (size_t i = 0; i < N; i++) {
        worst = fmax(worst, rel_err(h[i], hh[i]));
        if (cell != SRM_CELL_LSTM) continue;
        worst = fmax(worst, rel_err(c[i], ch[i]));
        worst_cache = fmax(worst_cache, rel_err(gates[i], logistic(a[i])));
        worst_cache = fmax(worst_cache, rel_err(gates[N + i], logistic(a[N + i])));
        worst_cache = fmax(worst_cache, rel_err(gates[2 * N + i], tanh(a[2 * N + i])));
        worst_cache = fmax(worst_cache, rel_err(gates[3 * N + i], logistic(a[3 * N + i])));
        worst_cache = fmax(worst_cache, rel_err(tc[i], tanh(ch[i])));
    }
    CHECK(worst <= 1e-15, "%s: forward = the cell equations by hand (max rel diff %.1e)", name,
          worst);
    if (cell == SRM_CELL_LSTM)
        CHECK(worst_cache <= 1e-15, "%s: cached gates i, f, g, o and tanh(c') = their "
              "definitions (max rel diff %.1e)", name, worst_cache);
}

/* L = <wh, h'> + <wc, c'> of one row at (a, cp). */
static double row_loss(srm_cell cell, const double *a, const double *cp, const double *wh,
                       const double *wc)
{
    double h[N], c[N] = {0}, l = 0;
    srm_cell_forward(h, c, NULL, NULL, a, cp, cell, 1, N, N);
    for (size_t i = 0; i < N; i++) l += wh[i] * h[i] + (cell == SRM_CELL_LSTM ? wc[i] * c[i] : 0);
    return l;
}

static double central(srm_cell cell, double *v, size_t i, const double *a, const double *cp,
                      const double *wh, const double *wc)
{
    double keep = v[i];
    v[i] = keep + FD_STEP;
    double lp = row_loss(cell, a, cp, wh, wc);
    v[i] = keep - FD_STEP;
    double lm = row_loss(cell, a, cp, wh, wc);
    v[i] = keep;
    return (lp - lm) / (2 * FD_STEP);
}

static void backward_check(srm_cell cell, gsl_rng *rng)
{
    size_t gn = gates_of(cell) * N;
    double a[4 * N], cp[N], h[N], c[N], gates[4 * N], tc[N], e[N], q[N], wh[N], wc[N], dc[N];
    double da[4 * N];
    fill(a, gn, 2.0, cell == SRM_CELL_RNN_RELU, rng);
    fill(cp, N, 1.5, 0, rng);
    fill(e, N, 1.0, 0, rng);
    fill(q, N, 1.0, 0, rng);
    fill(wc, N, 1.0, 0, rng);
    for (size_t i = 0; i < N; i++) wh[i] = e[i] + q[i], dc[i] = wc[i];
    srm_cell_forward(h, c, gates, tc, a, cp, cell, 1, N, N);
    srm_cell_backward(da, dc, e, q, h, cp, gates, tc, cell, 1, N, N);
    double worst = 0;
    for (size_t i = 0; i < gn; i++)
        worst = fmax(worst, rel_err(da[i], central(cell, a, i, a, cp, wh, wc)));
    for (size_t i = 0; cell == SRM_CELL_LSTM && i < N; i++)
        worst = fmax(worst, rel_err(dc[i], central(cell, cp, i, a, cp, wh, wc)));
    CHECK(worst <= FD_TOL, "%s: backward d L / d pre%s = central differences (max rel diff "
          "%.1e)", srm_cell_name(cell), cell == SRM_CELL_LSTM ? " and d L / d c" : "", worst);
}

/* R rows packed as s = (c, h) (ld 2n), forward in place, against R one-row calls. */
static void rows_check(srm_cell cell, gsl_rng *rng)
{
    size_t gn = gates_of(cell) * N, F = srm_cell_factor_count(cell), S = 2 * N;
    double pre[R * 4 * N], s[R * 2 * N], s0[R * 2 * N], gates[R * 4 * N], tc[R * N];
    double fac[R * 6 * N], dh[R * N], dq[R * N], dc[R * N], da[R * 4 * N];
    fill(pre, R * gn, 2.0, cell == SRM_CELL_RNN_RELU, rng);
    fill(s0, R * S, 1.5, 0, rng);
    fill(dh, R * N, 1.0, 0, rng);
    fill(dq, R * N, 1.0, 0, rng);
    fill(dc, R * N, 1.0, 0, rng);
    memcpy(s, s0, sizeof s);
    srm_cell_factors(fac, pre, s, cell, R, N, S);
    memcpy(gates, pre, sizeof pre);
    srm_cell_forward(s + N, s, gates, tc, gates, s, cell, R, N, S); /* in place */
    memcpy(da, gates, sizeof gates);
    double dc_rows[R * N];
    memcpy(dc_rows, dc, sizeof dc);
    srm_cell_backward(da, dc_rows, dh, dq, s + N, s0, da, tc, cell, R, N, S); /* da = gates */
    int same_f = 1, same_b = 1, same_j = 1;
    for (size_t r = 0; r < R; r++) {
        double h1[N], c1[N], g1[4 * N], t1[N], f1[6 * N], d1[4 * N], c_in[N];
        srm_cell_forward(h1, c1, g1, t1, pre + r * gn, s0 + r * S, cell, 1, N, N);
        srm_cell_factors(f1, pre + r * gn, s0 + r * S, cell, 1, N, N);
        memcpy(c_in, dc + r * N, sizeof c_in);
        srm_cell_backward(d1, c_in, dh + r * N, dq + r * N, h1, s0 + r * S, g1, t1, cell, 1, N,
                          N);
        same_f &= memcmp(h1, s + r * S + N, sizeof h1) == 0;
        same_j &= memcmp(f1, fac + r * F * N, F * N * sizeof(double)) == 0;
        same_b &= memcmp(d1, da + r * gn, gn * sizeof(double)) == 0;
        if (cell != SRM_CELL_LSTM) continue;
        same_f &= memcmp(c1, s + r * S, sizeof c1) == 0 &&
                  memcmp(g1, gates + r * gn, sizeof g1) == 0 &&
                  memcmp(t1, tc + r * N, sizeof t1) == 0;
        same_b &= memcmp(c_in, dc_rows + r * N, sizeof c_in) == 0;
    }
    const char *name = srm_cell_name(cell);
    CHECK(same_f, "%s: forward on %d packed rows in place = %d one-row calls bit for bit", name,
          R, R);
    CHECK(same_b, "%s: backward on %d rows (da over the gates) = %d one-row calls bit for bit",
          name, R, R);
    CHECK(same_j, "%s: Jacobian factors on %d rows = %d one-row calls bit for bit", name, R, R);
}

/* d (c', h') / d (a, c) of one row by central differences, entry (output o, input v[i]). */
static double fd_state(srm_cell cell, double *v, size_t i, const double *a, const double *cp,
                       int want_h, size_t o)
{
    double keep = v[i], h[N], c[N] = {0}, plus;
    v[i] = keep + FD_STEP;
    srm_cell_forward(h, c, NULL, NULL, a, cp, cell, 1, N, N);
    plus = want_h ? h[o] : c[o];
    v[i] = keep - FD_STEP;
    srm_cell_forward(h, c, NULL, NULL, a, cp, cell, 1, N, N);
    v[i] = keep;
    return (plus - (want_h ? h[o] : c[o])) / (2 * FD_STEP);
}

static void factors_check(srm_cell cell, gsl_rng *rng)
{
    size_t gn = gates_of(cell) * N;
    double a[4 * N], cp[N], u[6 * N];
    fill(a, gn, 2.0, cell == SRM_CELL_RNN_RELU, rng);
    fill(cp, N, 1.5, 0, rng);
    srm_cell_factors(u, a, cp, cell, 1, N, N);
    double worst = 0;
    for (size_t i = 0; i < N; i++) {
        if (cell != SRM_CELL_LSTM) {
            worst = fmax(worst, rel_err(u[i], fd_state(cell, a, i, a, cp, 1, i)));
            continue;
        }
        const double f = u[i], ai = u[N + i], af = u[2 * N + i], az = u[3 * N + i];
        const double ao = u[4 * N + i], oc = u[5 * N + i];
        double want_c[5] = {ai, af, az, 0, f}, want_h[5] = {oc * ai, oc * af, oc * az, ao, oc * f};
        for (size_t g = 0; g < 5; g++) { /* the four gates of unit i, then c_i */
            double *v = g < 4 ? a : cp;
            size_t at = g < 4 ? g * N + i : i;
            worst = fmax(worst, rel_err(want_c[g], fd_state(cell, v, at, a, cp, 0, i)));
            worst = fmax(worst, rel_err(want_h[g], fd_state(cell, v, at, a, cp, 1, i)));
        }
    }
    CHECK(worst <= FD_TOL, "%s: Jacobian factors = central differences of forward (max rel "
          "diff %.1e)", srm_cell_name(cell), worst);
    /* backward = the factors' vector-Jacobian product */
    double h[N], c[N], gates[4 * N], tc[N], e[N], q[N] = {0}, dc[N], da[4 * N], worst_v = 0;
    fill(e, N, 1.0, 0, rng);
    fill(dc, N, 1.0, 0, rng);
    double gc[N];
    memcpy(gc, dc, sizeof gc);
    srm_cell_forward(h, c, gates, tc, a, cp, cell, 1, N, N);
    srm_cell_backward(da, dc, e, q, h, cp, gates, tc, cell, 1, N, N);
    for (size_t i = 0; i < N; i++) {
        if (cell != SRM_CELL_LSTM) {
            worst_v = fmax(worst_v, rel_err(da[i], e[i] * u[i]));
            continue;
        }
        double dct = gc[i] + e[i] * u[5 * N + i];
        double want[5] = {dct * u[N + i], dct * u[2 * N + i], dct * u[3 * N + i],
                          e[i] * u[4 * N + i], dct * u[i]};
        for (size_t g = 0; g < 4; g++) worst_v = fmax(worst_v, rel_err(da[g * N + i], want[g]));
        worst_v = fmax(worst_v, rel_err(dc[i], want[4]));
    }
    CHECK(worst_v <= 1e-14, "%s: backward = the factors' vector-Jacobian product (max rel diff "
          "%.1e)", srm_cell_name(cell), worst_v);
}

static void products_check(srm_cell cell, gsl_rng *rng)
{
    size_t d = 3, gn = gates_of(cell) * N, S = cell == SRM_CELL_LSTM ? 2 * N : N;
    srm_model *m = srm_model_alloc(cell, N, d, 0, 0);
    fill(m->w, m->nparam, 1.0, 0, rng);
    double h[R * 2 * N], x[R * 3], pre[R * 4 * N], ref[R * 4 * N], da[R * 4 * N], back[R * N];
    fill(h, R * S, 1.0, 0, rng);
    fill(x, R * d, 1.0, 0, rng);
    fill(da, R * gn, 1.0, 0, rng);
    double worst = 0;
    for (size_t rows = 1; rows <= R; rows += R - 1) { /* GEMV (one row) and GEMM */
        fill(pre, rows * gn, 1.0, 0, rng);
        memcpy(ref, pre, rows * gn * sizeof(double));
        srm_cell_recur_forward(pre, h, m, rows, S);
        srm_cell_recur_backward(back, da, m, rows);
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < gn; i++) {
                for (size_t j = 0; j < N; j++)
                    ref[r * gn + i] += m->weight_hh[i * N + j] * h[r * S + j];
                worst = fmax(worst, rel_err(pre[r * gn + i], ref[r * gn + i]));
            }
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < N; j++) {
                double v = 0;
                for (size_t i = 0; i < gn; i++) v += da[r * gn + i] * m->weight_hh[i * N + j];
                worst = fmax(worst, rel_err(back[r * N + j], v));
            }
    }
    srm_cell_input_projection(pre, x, m, R);
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < gn; i++) {
            double v = m->bias_ih[i] + m->bias_hh[i];
            for (size_t j = 0; j < d; j++) v += m->weight_ih[i * d + j] * x[r * d + j];
            worst = fmax(worst, rel_err(pre[r * gn + i], v));
        }
    const char *name = srm_cell_name(cell);
    CHECK(worst <= 1e-14, "%s: W_hh products on 1 and %d rows, their transpose and the input "
          "projection = plain sums (max rel diff %.1e)", name, R, worst);
    double s_next[2 * N], mine[2 * N], work[4 * N];
    srm_cell_step(m, h, x, s_next, work);
    srm_cell_preactivation(pre, m, h, x);
    srm_cell_forward(mine + (S - N), mine, NULL, NULL, pre, h, cell, 1, N, S);
    CHECK(memcmp(s_next, mine, S * sizeof(double)) == 0,
          "%s: srm_cell_step = srm_cell_preactivation + srm_cell_forward bit for bit", name);
    srm_model_free(m);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
        forward_check(cells[c], rng);
        backward_check(cells[c], rng);
        rows_check(cells[c], rng);
        factors_check(cells[c], rng);
        products_check(cells[c], rng);
    }
    gsl_rng_free(rng);
    return srm_test_finish();
}
