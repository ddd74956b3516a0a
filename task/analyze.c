/* task/analyze.c: state Jacobians, their r-step window products and the input-gradient profile
 * along real trajectories, and the test split of a benchmark task as trajectories (see
 * analyze.h; the derivation of the LSTM block Jacobian is in proofs-notes/experiments.md). */
#include "task/analyze.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "core/progress.h"
#include "task/atis.h"
#include "task/corpus.h"
#include "task/music.h"
#include "theory/norm.h"

/* ---- the cell's derivatives, assembled from core/cell.h's factors ---- */

/* The factors overwrite the pre-activations in place (F n >= G n doubles), then da (G n). */
size_t srm_analyze_work_size(const srm_model *m)
{
    return (srm_cell_factor_count(m->cell) + m->gates) * m->hidden;
}

void srm_analyze_state_jacobian(const srm_model *m, const double *s, const double *x, double *J,
                                double *work)
{
    size_t n = m->hidden, S = srm_model_state_size(m);
    const double *W = m->weight_hh;
    double *u = work; /* pre-activations (G n), then the factors (F n) */
    srm_cell_preactivation(work, m, s, x);
    srm_cell_factors(u, work, s, m->cell, 1, n, S);
    if (m->cell != SRM_CELL_LSTM) { /* J = diag(rho'(a)) W */
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) J[i * n + j] = u[i] * W[i * n + j];
        return;
    }
    /* s = (c, h), S = 2n. dc'/dc = diag(f), dc'/dh = diag(ai) W_i + diag(af) W_f + diag(az) W_z,
     * dh'/dc = diag(oc f), dh'/dh = diag(oc) dc'/dh + diag(ao) W_o. */
    const double *f = u, *ai = u + n, *af = u + 2 * n, *az = u + 3 * n, *ao = u + 4 * n;
    const double *oc = u + 5 * n;
    const double *Wi = W, *Wf = W + n * n, *Wz = W + 2 * n * n, *Wo = W + 3 * n * n;
    for (size_t i = 0; i < n; i++) {
        double *rc = J + i * S, *rh = J + (n + i) * S;
        memset(rc, 0, n * sizeof(double));
        memset(rh, 0, n * sizeof(double));
        rc[i] = f[i];
        rh[i] = oc[i] * f[i];
        for (size_t j = 0; j < n; j++) {
            double dch = ai[i] * Wi[i * n + j] + af[i] * Wf[i * n + j] + az[i] * Wz[i * n + j];
            rc[n + j] = dch;
            rh[n + j] = oc[i] * dch + ao[i] * Wo[i * n + j];
        }
    }
}

void srm_analyze_cell_vjp(const srm_model *m, const double *s, const double *x, const double *g,
                          double *g_s, double *g_x, double *work)
{
    size_t n = m->hidden, gn = m->gates * n;
    double *u = work, *da = u + srm_cell_factor_count(m->cell) * n;
    srm_cell_preactivation(u, m, s, x);
    srm_cell_factors(u, u, s, m->cell, 1, n, srm_model_state_size(m));
    double *gh = g_s; /* RNN: g_s is the h part */
    if (m->cell != SRM_CELL_LSTM) {
        for (size_t i = 0; i < n; i++) da[i] = g[i] * u[i];
    } else {
        const double *gc_next = g, *gh_next = g + n;
        const double *f = u, *ai = u + n, *af = u + 2 * n, *az = u + 3 * n, *ao = u + 4 * n;
        const double *oc = u + 5 * n;
        for (size_t i = 0; i < n; i++) {
            double dc = gc_next[i] + gh_next[i] * oc[i]; /* d L / d c' in total */
            da[i] = dc * ai[i];
            da[n + i] = dc * af[i];
            da[2 * n + i] = dc * az[i];
            da[3 * n + i] = gh_next[i] * ao[i];
            g_s[i] = dc * f[i];
        }
        gh = g_s + n;
    }
    srm_cell_recur_backward(gh, da, m, 1);
    if (g_x)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)gn, (int)m->input, 1.0, m->weight_ih,
                    (int)m->input, da, 1, 0.0, g_x, 1);
}

/* ---- summary statistics ---- */

static int compare_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    if (isnan(a) || isnan(b)) return isnan(a) - isnan(b); /* NaN last */
    return (a > b) - (a < b);
}

double srm_analyze_quantile(const double *v, size_t n, double q)
{
    if (n == 0) return NAN;
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo >= n - 1) return v[n - 1];
    return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

void srm_analyze_stats_of(double *v, size_t n, srm_analyze_stats *out)
{
    *out = (srm_analyze_stats){n, NAN, NAN, NAN, NAN, NAN};
    if (n == 0) return;
    qsort(v, n, sizeof *v, compare_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += v[i];
    out->min = v[0], out->max = v[n - 1], out->mean = sum / (double)n;
    out->median = srm_analyze_quantile(v, n, 0.5);
    out->p99 = srm_analyze_quantile(v, n, 0.99);
}

/* ---- r-step window products ----
 * Steps are cut into blocks of r. The window starting at offset q of block b is
 * J_{b+1}^(q-1) ... J_{b+1}^(0) J_b^(r-1) ... J_b^(q): a prefix of block b + 1 times a suffix of
 * block b. A running prefix product of the current block and the suffixes of the previous one
 * give every window with about 3 GEMMs per step instead of r. */
typedef struct {
    size_t r, q;      /* window length; Jacobians in the current block */
    int have_prev;    /* the previous block is complete (its suffixes are valid) */
    double *block;    /* (r, S, S) the Jacobians of the current block */
    double *suffix;   /* (r, S, S) suffix[q] = J^(r-1) ... J^(q) of the previous block */
    double *prefix, *tmp; /* (S, S) running prefix product of the current block; scratch */
    double *norms;    /* (max_windows) raw window norms */
    size_t count;
} window_r;

struct srm_analyze {
    srm_net_output output;
    size_t S, n, d, out, t_max, max_lag, max_windows, nr, steps, last_T;
    double *block;      /* every double array below points into it */
    double *states;     /* (t_max + 1, S) s_0 .. s_T of the current sequence */
    double *J, *work, *g, *g_s, *g_x, *y;
    double *grad_sum, *grad_max, *grad_rel; /* (max_lag + 1) */
    size_t *grad_count;
    window_r w[SRM_ANALYZE_MAX_R];
    srm_svd_workspace *svd;
};

void srm_analyze_free(srm_analyze *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->nr; i++) {
        free(a->w[i].block), free(a->w[i].suffix), free(a->w[i].prefix), free(a->w[i].tmp);
        free(a->w[i].norms);
    }
    free(a->block);
    free(a->grad_count);
    srm_svd_workspace_free(a->svd);
    free(a);
}

srm_analyze *srm_analyze_alloc(const srm_model *m, srm_net_output output, size_t t_max,
                               const size_t *r, size_t nr, size_t max_lag, size_t max_windows)
{
    if (nr == 0 || nr > SRM_ANALYZE_MAX_R || t_max == 0) {
        SRM_ERROR(SRM_EINVAL, "analysis needs 1..%d window lengths and sequences of >= 1 step",
                  SRM_ANALYZE_MAX_R);
        return NULL;
    }
    for (size_t i = 0; i < nr; i++)
        if (r[i] == 0) {
            SRM_ERROR(SRM_EINVAL, "window lengths r must be >= 1");
            return NULL;
        }
    srm_analyze *a = calloc(1, sizeof *a);
    if (!a) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    size_t S = srm_model_state_size(m), SS = S * S;
    *a = (srm_analyze){.output = output, .S = S, .n = m->hidden, .d = m->input, .out = m->output,
                       .t_max = t_max, .max_lag = max_lag, .max_windows = max_windows, .nr = nr};
    size_t L = max_lag + 1, wsz = srm_analyze_work_size(m);
    size_t total = (t_max + 1) * S + SS + wsz + 2 * S + m->input + m->output + 3 * L;
    a->block = calloc(total, sizeof(double));
    a->grad_count = calloc(L, sizeof(size_t));
    int ok = a->block && a->grad_count;
    if (ok) {
        double *p = a->block;
        a->states = p, p += (t_max + 1) * S;
        a->J = p, p += SS;
        a->work = p, p += wsz;
        a->g = p, p += S;
        a->g_s = p, p += S;
        a->g_x = p, p += m->input;
        a->y = p, p += m->output;
        a->grad_sum = p, p += L;
        a->grad_max = p, p += L;
        a->grad_rel = p;
    }
    for (size_t i = 0; ok && i < nr; i++) {
        window_r *w = &a->w[i];
        w->r = r[i];
        w->norms = malloc((max_windows ? max_windows : 1) * sizeof(double));
        ok = w->norms != NULL;
        if (ok && r[i] > 1) {
            w->block = malloc(r[i] * SS * sizeof(double));
            w->suffix = malloc(r[i] * SS * sizeof(double));
            w->prefix = malloc(SS * sizeof(double));
            w->tmp = malloc(SS * sizeof(double));
            ok = w->block && w->suffix && w->prefix && w->tmp;
        }
    }
    if (!ok) {
        srm_analyze_free(a);
        SRM_ERROR(SRM_ENOMEM, "out of memory for the analysis (state size %zu, windows up to "
                  "r = %zu need about 2r (S x S) matrices each)", S, r[nr - 1]);
        return NULL;
    }
    a->svd = srm_svd_workspace_alloc(S, S);
    if (!a->svd) {
        srm_analyze_free(a);
        return NULL;
    }
    return a;
}

/* C (S, S) = A B. */
static void matmul(size_t S, const double *A, const double *B, double *C)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)S, (int)S, (int)S, 1.0, A, (int)S,
                B, (int)S, 0.0, C, (int)S);
}

static int emit(srm_analyze *a, window_r *w, const double *P)
{
    double norm;
    SRM_TRY(srm_norm_spectral(P, a->S, a->S, a->svd, &norm));
    if (w->count < a->max_windows) w->norms[w->count++] = norm;
    return SRM_OK;
}

/* Adds J (the next step's Jacobian) to the windows of length w->r. */
static int window_push(srm_analyze *a, window_r *w, const double *J)
{
    size_t S = a->S, SS = S * S, r = w->r;
    if (r == 1) return emit(a, w, J);
    memcpy(w->block + w->q * SS, J, SS * sizeof(double));
    if (w->q == 0) {
        memcpy(w->prefix, J, SS * sizeof(double));
    } else {
        matmul(S, J, w->prefix, w->tmp);
        double *t = w->prefix;
        w->prefix = w->tmp, w->tmp = t;
    }
    w->q++;
    if (w->q < r) {
        if (!w->have_prev) return SRM_OK;
        matmul(S, w->prefix, w->suffix + w->q * SS, w->tmp); /* window at offset q of the last block */
        return emit(a, w, w->tmp);
    }
    SRM_TRY(emit(a, w, w->prefix)); /* the block itself: the window at offset 0 */
    /* suffixes 1..r-1 of the block just completed */
    memcpy(w->suffix + (r - 1) * SS, w->block + (r - 1) * SS, SS * sizeof(double));
    for (size_t q = r - 1; q-- > 1;)
        matmul(S, w->suffix + (q + 1) * SS, w->block + q * SS, w->suffix + q * SS);
    w->have_prev = 1, w->q = 0;
    return SRM_OK;
}

int srm_analyze_add(srm_analyze *a, const srm_model *m, const double *x, size_t T, int carry,
                    int32_t target, const double *target_frame)
{
    size_t S = a->S, n = a->n, d = a->d, out = a->out;
    if (T == 0 || T > a->t_max)
        return SRM_ERROR(SRM_EINVAL, "sequence of %zu steps (workspace: 1..%zu)", T, a->t_max);
    if (out && a->output == SRM_NET_SOFTMAX && (target < 0 || (size_t)target >= out))
        return SRM_ERROR(SRM_EINVAL, "target class %d is not in 0..%zu", target, out - 1);
    if (carry && a->last_T) memmove(a->states, a->states + a->last_T * S, S * sizeof(double));
    else memset(a->states, 0, S * sizeof(double));
    if (!carry)
        for (size_t i = 0; i < a->nr; i++) a->w[i].q = 0, a->w[i].have_prev = 0;
    for (size_t t = 1; t <= T; t++) {
        const double *sp = a->states + (t - 1) * S, *xt = x + (t - 1) * d;
        srm_cell_step(m, sp, xt, a->states + t * S, a->work);
        srm_analyze_state_jacobian(m, sp, xt, a->J, a->work);
        for (size_t i = 0; i < a->nr; i++) SRM_TRY(window_push(a, &a->w[i], a->J));
    }
    a->last_T = T;
    a->steps += T;
    if (!out) return SRM_OK; /* no decoder: no loss, no gradient profile */

    /* d loss_T / d s_T through the decoder: W_dec^T (p - target) on the h part */
    const double *hT = a->states + T * S + (S - n);
    memcpy(a->y, m->decoder_bias, out * sizeof(double));
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)out, (int)n, 1.0, m->decoder_weight, (int)n, hT,
                1, 1.0, a->y, 1);
    if (a->output == SRM_NET_SOFTMAX) {
        double mx = a->y[0], sum = 0;
        for (size_t j = 1; j < out; j++) mx = a->y[j] > mx ? a->y[j] : mx;
        for (size_t j = 0; j < out; j++) sum += a->y[j] = exp(a->y[j] - mx);
        for (size_t j = 0; j < out; j++) a->y[j] /= sum;
        a->y[target] -= 1.0;
    } else {
        for (size_t j = 0; j < out; j++) a->y[j] = srm_sigmoid(a->y[j]) - target_frame[j];
    }
    memset(a->g, 0, S * sizeof(double));
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)out, (int)n, 1.0, m->decoder_weight, (int)n, a->y,
                1, 0.0, a->g + (S - n), 1);
    double first = 0;
    for (size_t j = 0; j <= a->max_lag && j < T; j++) {
        size_t t = T - j; /* step t read s_{t-1} and x_t */
        srm_analyze_cell_vjp(m, a->states + (t - 1) * S, x + (t - 1) * d, a->g, a->g_s, a->g_x,
                             a->work);
        double norm = cblas_dnrm2((int)d, a->g_x, 1);
        if (j == 0) first = norm;
        a->grad_sum[j] += norm;
        a->grad_max[j] = a->grad_count[j] == 0 || norm > a->grad_max[j] ? norm : a->grad_max[j];
        a->grad_rel[j] += first > 0 ? norm / first : 0.0;
        a->grad_count[j]++;
        memcpy(a->g, a->g_s, S * sizeof(double));
    }
    return SRM_OK;
}

double *srm_analyze_window_norms(srm_analyze *a, size_t i, size_t *count)
{
    *count = a->w[i].count;
    return a->w[i].norms;
}

void srm_analyze_gradient(const srm_analyze *a, size_t j, srm_analyze_lag *out)
{
    size_t c = j <= a->max_lag ? a->grad_count[j] : 0;
    *out = (srm_analyze_lag){c, NAN, NAN, NAN};
    if (c == 0) return;
    out->mean = a->grad_sum[j] / (double)c;
    out->max = a->grad_max[j];
    out->mean_relative = a->grad_rel[j] / (double)c;
}

size_t srm_analyze_steps(const srm_analyze *a) { return a->steps; }
