/* theory/cascade.c: the truncation bound of a stack (cascade.h, proofs-notes/cascade.md). */
#include "theory/cascade.h"

#include <math.h>
#include <stdlib.h>

#include "core/error.h"

#define K_MAX_ONE 100000000LL /* one direction: O(L) per k */
#define K_MAX_TWO 20000LL     /* two directions: O(L k) per k */

static int check(const srm_cascade *c)
{
    if (c->layers < 1 || (c->directions != 1 && c->directions != 2))
        return SRM_ERROR(SRM_EINVAL, "cascade: need >= 1 layer and 1 or 2 directions");
    for (size_t u = 0; u < c->layers * c->directions; u++) {
        const srm_cascade_unit *x = &c->unit[u];
        if (!(x->lambda >= 0 && x->lambda < 1) || !(x->lipschitz_x >= 0) ||
            !(x->state_bound >= 0) || !isfinite(x->lipschitz_x) || !isfinite(x->state_bound))
            return SRM_ERROR(SRM_EINVAL, "cascade: unit %zu needs 0 <= lambda < 1 and finite "
                             "L_x, D >= 0 (got %g, %g, %g)", u, x->lambda, x->lipschitz_x,
                             x->state_bound);
    }
    return SRM_OK;
}

static double combine(srm_cascade_norm norm, double f, double b)
{
    return norm == SRM_CASCADE_NORM_INF ? fmax(f, b) : hypot(f, b);
}

/* Two directions: e_l(p) over the window p = 1..P = 2k-1, in place in e (P + 2 entries,
 * index p), with f and b scratch of the same size. */
static double gap_two(const srm_cascade *c, long long k, double *e, double *f, double *b)
{
    size_t P = (size_t)(2 * k - 1);
    for (size_t p = 0; p <= P + 1; p++) e[p] = 0;
    for (size_t l = 0; l < c->layers; l++) {
        const srm_cascade_unit *fw = &c->unit[2 * l], *rv = &c->unit[2 * l + 1];
        f[0] = fw->state_bound;
        for (size_t p = 1; p <= P; p++)
            f[p] = fw->lambda * f[p - 1] + fw->lipschitz_x * e[p];
        b[P + 1] = rv->state_bound;
        for (size_t p = P; p >= 1; p--)
            b[p] = rv->lambda * b[p + 1] + rv->lipschitz_x * e[p];
        for (size_t p = 1; p <= P; p++) e[p] = combine(c->norm, f[p], b[p]);
    }
    return e[k];
}

/* One direction: the recursion is the same for every k (the window starts at p = 1), so the
 * state d[l] = f_l(p) advances one position per call, bottom layer first (layer l reads the
 * new e_{l-1}(p)). Returns whether every layer's bound is non-increasing at p: once true it
 * stays true (proofs-notes/cascade.md, Lemma 2). */
static int step_one(const srm_cascade *c, double *d)
{
    double below = 0;
    int falling = 1;
    for (size_t l = 0; l < c->layers; l++) {
        const srm_cascade_unit *x = &c->unit[l];
        double old = d[l];
        d[l] = x->lambda * old + x->lipschitz_x * below;
        falling = falling && d[l] <= old;
        below = d[l];
    }
    return falling;
}

int srm_cascade_gap(const srm_cascade *c, long long k, double *gap)
{
    SRM_TRY(check(c));
    if (k < 1) return SRM_ERROR(SRM_EINVAL, "cascade: k must be >= 1 (got %lld)", k);
    if (c->directions == 2 && k > K_MAX_TWO)
        return SRM_ERROR(SRM_ENUMERIC, "cascade: k = %lld is past %lld for two directions", k,
                         K_MAX_TWO);
    if (c->directions == 1 && k > K_MAX_ONE)
        return SRM_ERROR(SRM_ENUMERIC, "cascade: k = %lld is past %lld", k, K_MAX_ONE);
    size_t n = c->directions == 2 ? (size_t)(2 * k + 1) : c->layers;
    double *w = calloc(3 * n, sizeof *w);
    if (!w) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (c->directions == 2) {
        *gap = gap_two(c, k, w, w + n, w + 2 * n);
    } else {
        for (size_t l = 0; l < c->layers; l++) w[l] = c->unit[l].state_bound;
        for (long long p = 1; p <= k; p++) step_one(c, w);
        *gap = w[c->layers - 1];
    }
    free(w);
    return SRM_OK;
}

double srm_cascade_gap_closed_form(const srm_cascade *c, long long k)
{
    size_t L = c->layers, D = c->directions;
    double lambda = 0, total = 0, kk = (double)k;
    for (size_t u = 0; u < L * D; u++) lambda = fmax(lambda, c->unit[u].lambda);
    for (size_t l = 0; l < L; l++) { /* layer l + 1 of the note, j = the layers above it */
        double term = c->unit[l * D].state_bound, j = (double)(L - 1 - l);
        for (size_t m = l + 1; m < L; m++) term *= c->unit[m * D].lipschitz_x;
        total += term * exp(lgamma(kk + j) - lgamma(j + 1) - lgamma(kk)); /* C(k + j - 1, j) */
    }
    return total * pow(lambda, kk);
}

int srm_cascade_k(const srm_cascade *c, double eps, long long *k, double *gap)
{
    SRM_TRY(check(c));
    if (!(eps > 0)) return SRM_ERROR(SRM_EINVAL, "cascade: eps must be > 0 (got %g)", eps);
    long long limit = c->directions == 2 ? K_MAX_TWO : K_MAX_ONE, found = 0;
    if (c->directions == 2) {
        for (long long kk = 1; kk <= limit && !found; kk++) {
            SRM_TRY(srm_cascade_gap(c, kk, gap));
            if (*gap <= eps) found = kk;
        }
    } else {
        double *d = malloc(c->layers * sizeof *d);
        if (!d) return SRM_ERROR(SRM_ENOMEM, "out of memory");
        for (size_t l = 0; l < c->layers; l++) d[l] = c->unit[l].state_bound;
        long long last_bad = 0;
        for (long long p = 1; p <= limit && !found; p++) {
            int falling = step_one(c, d);
            double top = d[c->layers - 1];
            if (top > eps) last_bad = p;
            if (falling && top <= eps) found = last_bad + 1; /* every later bound is lower */
        }
        free(d);
        if (found) SRM_TRY(srm_cascade_gap(c, found, gap));
    }
    if (!found)
        return SRM_ERROR(SRM_ENUMERIC, "cascade: no k <= %lld brings the bound to eps = %g",
                         limit, eps);
    *k = found;
    return SRM_OK;
}
