/* theory/norm.c: spectral norm (dgesdd and power iteration), induced 1/inf and Frobenius norms.
 *
 * Row-major without copies into LAPACK's layout: a row-major (rows, cols) matrix W is the
 * column-major (cols, rows) matrix W^T, and W^T = V S U^T. So dgesdd, called column-major on W^T,
 * returns V in its "U" slot and U^T in its "VT" slot, which read row-major are exactly the thin
 * V^T (k, cols) and U (rows, k). (LAPACKE's LAPACK_ROW_MAJOR would transpose into freshly
 * malloc'ed buffers on every call, which the projection after every training step must avoid.) */
#include "theory/norm.h"

#include <float.h>
#include <gsl/gsl_cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int srm_norm_ord_parse(const char *text, srm_norm_ord *out)
{
    if (strcmp(text, "2") == 0) *out = SRM_NORM_2;
    else if (strcmp(text, "1") == 0) *out = SRM_NORM_1;
    else if (strcmp(text, "inf") == 0) *out = SRM_NORM_INF;
    else if (strcmp(text, "fro") == 0) *out = SRM_NORM_FRO;
    else return SRM_ERROR(SRM_EINVAL, "--ord: expected 2, 1, inf or fro, got '%s'", text);
    return SRM_OK;
}

int srm_norm_method_parse(const char *text, srm_norm_method *out)
{
    if (strcmp(text, "svd") == 0) *out = SRM_NORM_METHOD_SVD;
    else if (strcmp(text, "power") == 0) *out = SRM_NORM_METHOD_POWER;
    else return SRM_ERROR(SRM_EINVAL, "--method: expected svd or power, got '%s'", text);
    return SRM_OK;
}

const char *srm_norm_ord_name(srm_norm_ord ord)
{
    static const char *names[] = {"2", "1", "inf", "fro"};
    return (unsigned)ord < 4 ? names[ord] : "?";
}

const char *srm_norm_method_name(srm_norm_method method)
{
    return method == SRM_NORM_METHOD_POWER ? "power" : "svd";
}

static int dims_ok(size_t rows, size_t cols)
{
    return rows >= 1 && cols >= 1 && rows <= INT_MAX && cols <= INT_MAX &&
           rows <= (size_t)INT_MAX / cols;
}

srm_svd_workspace *srm_svd_workspace_alloc(size_t rows, size_t cols)
{
    if (!dims_ok(rows, cols)) {
        SRM_ERROR(SRM_EINVAL, "SVD workspace: bad matrix size %zu x %zu", rows, cols);
        return NULL;
    }
    srm_svd_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) {
        SRM_ERROR(SRM_ENOMEM, "SVD workspace: out of memory");
        return NULL;
    }
    size_t k = rows < cols ? rows : cols;
    ws->rows = rows;
    ws->cols = cols;
    ws->k = k;
    ws->a = malloc(rows * cols * sizeof(double));
    ws->s = malloc(k * sizeof(double));
    ws->u = malloc(rows * k * sizeof(double));
    ws->vt = malloc(k * cols * sizeof(double));
    ws->iwork = malloc(8 * k * sizeof(int));
    if (!ws->a || !ws->s || !ws->u || !ws->vt || !ws->iwork) {
        srm_svd_workspace_free(ws);
        SRM_ERROR(SRM_ENOMEM, "SVD workspace: out of memory for %zu x %zu", rows, cols);
        return NULL;
    }
    /* One workspace query per job; keep the larger so either job can run. */
    double best = 1;
    const char jobs[2] = {'N', 'S'};
    for (int j = 0; j < 2; j++) {
        double query = 0;
        lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobs[j], (lapack_int)cols,
                                              (lapack_int)rows, ws->a, (lapack_int)cols, ws->s,
                                              ws->vt, (lapack_int)cols, ws->u, (lapack_int)k,
                                              &query, -1, ws->iwork);
        if (info != 0) {
            srm_svd_workspace_free(ws);
            SRM_ERROR(SRM_ENUMERIC, "dgesdd workspace query failed (info %d)", (int)info);
            return NULL;
        }
        if (query > best) best = query;
    }
    if (best > INT_MAX) {
        srm_svd_workspace_free(ws);
        SRM_ERROR(SRM_EINVAL, "SVD workspace: matrix %zu x %zu too large for LAPACK", rows, cols);
        return NULL;
    }
    ws->lwork = (int)best;
    ws->work = malloc((size_t)ws->lwork * sizeof(double));
    if (!ws->work) {
        srm_svd_workspace_free(ws);
        SRM_ERROR(SRM_ENOMEM, "SVD workspace: out of memory (%d doubles)", (int)best);
        return NULL;
    }
    return ws;
}

void srm_svd_workspace_free(srm_svd_workspace *ws)
{
    if (!ws) return;
    free(ws->a);
    free(ws->s);
    free(ws->u);
    free(ws->vt);
    free(ws->work);
    free(ws->iwork);
    free(ws);
}

int srm_norm_svd(const double *w, size_t rows, size_t cols, int vectors, srm_svd_workspace *ws)
{
    if (!ws || ws->rows != rows || ws->cols != cols)
        return SRM_ERROR(SRM_EINVAL, "SVD: workspace is for %zu x %zu, matrix is %zu x %zu",
                         ws ? ws->rows : 0, ws ? ws->cols : 0, rows, cols);
    for (size_t i = 0; i < rows * cols; i++)
        if (!isfinite(w[i]))
            return SRM_ERROR(SRM_EINVAL, "SVD: matrix entry %zu is not finite", i);
    memcpy(ws->a, w, rows * cols * sizeof(double));
    lapack_int info = LAPACKE_dgesdd_work(
        LAPACK_COL_MAJOR, vectors ? 'S' : 'N', (lapack_int)cols, (lapack_int)rows, ws->a,
        (lapack_int)cols, ws->s, ws->vt, (lapack_int)cols, ws->u,
        vectors ? (lapack_int)ws->k : 1, ws->work, (lapack_int)ws->lwork, ws->iwork);
    if (info != 0)
        return SRM_ERROR(SRM_ENUMERIC, "dgesdd failed (info %d) on a %zu x %zu matrix", (int)info,
                         rows, cols);
    return SRM_OK;
}

int srm_norm_spectral(const double *w, size_t rows, size_t cols, srm_svd_workspace *ws,
                      double *norm)
{
    SRM_TRY(srm_norm_svd(w, rows, cols, 0, ws));
    *norm = ws->s[0];
    return SRM_OK;
}

/* A fixed pseudo-random start (xorshift64): the all-ones vector can be orthogonal to the top
 * singular vector (e.g. W = [1 -1]); a generic vector is not, except by accident. */
static void power_start(double *v, size_t n)
{
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    for (size_t j = 0; j < n; j++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[j] = (double)(x >> 11) / 9007199254740992.0 - 0.5;
    }
}

/* s = max |w_ij| for the power iteration on W / s (W^T W v then neither overflows for entries
 * ~1e200 nor underflows to zero for entries ~1e-200); 0 for W = 0. SRM_EINVAL for a non-finite
 * entry or when every entry is subnormal. */
static int power_scale(const double *w, size_t rows, size_t cols, double *scale)
{
    double s = fabs(w[cblas_idamax((int)(rows * cols), w, 1)]);
    for (size_t i = 0; i < rows * cols && isfinite(s); i++)
        if (!isfinite(w[i])) s = NAN;
    *scale = s;
    if (!isfinite(s))
        return SRM_ERROR(SRM_EINVAL, "power iteration: matrix has non-finite entries");
    if (s > 0 && s < DBL_MIN)
        return SRM_ERROR(SRM_EINVAL, "power iteration: every entry is subnormal (below %g); "
                         "use the SVD", DBL_MIN);
    return SRM_OK;
}

/* The column of W with the largest norm (its norm in *norm; 0 for W = 0). */
static size_t largest_column(const double *w, size_t rows, size_t cols, double *norm)
{
    size_t best = 0;
    double best_norm = 0;
    for (size_t j = 0; j < cols; j++) {
        double c = cblas_dnrm2((int)rows, w + j, (int)cols);
        if (c > best_norm) best_norm = c, best = j;
    }
    *norm = best_norm;
    return best;
}

/* The iteration itself on W / scale from the unit vector v; y, z: rows and cols doubles. */
static int power_iterate(const double *w, size_t rows, size_t cols, double scale, double tol,
                         size_t maxit, double *v, double *y, double *z, double *norm,
                         size_t *iterations)
{
    double inv_scale = 1.0 / scale;
    int rc = SRM_OK;
    double prev = -1, est = 0;
    size_t it;
    int restarted = 0;
    for (it = 1; it <= maxit; it++) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)rows, (int)cols, inv_scale, w, (int)cols,
                    v, 1, 0.0, y, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)rows, (int)cols, inv_scale, w, (int)cols, y,
                    1, 0.0, z, 1);
        double nz = cblas_dnrm2((int)cols, z, 1);
        if (!isfinite(nz)) {
            rc = SRM_ERROR(SRM_EINVAL, "power iteration: matrix has non-finite entries");
            break;
        }
        if (nz == 0) {
            /* v is in the null space: either W = 0 or a (warm) start was unlucky. Restart
             * once from the largest column of W, which W does not annihilate. */
            double best_norm;
            size_t best = largest_column(w, rows, cols, &best_norm);
            if (best_norm == 0 || restarted) { est = 0; break; }
            restarted = 1;
            memset(v, 0, cols * sizeof(double));
            v[best] = 1;
            prev = -1;
            continue;
        }
        est = sqrt(nz) * scale; /* ||M v|| <= lambda_max(M) for unit v: a lower bound */
        for (size_t j = 0; j < cols; j++) v[j] = z[j] / nz;
        if (prev >= 0 && fabs(est - prev) <= tol * est) break;
        prev = est;
    }
    if (it > maxit) {
        it = maxit;
        rc = SRM_ERROR(SRM_ENUMERIC,
                       "power iteration: no convergence to relative tolerance %g in %zu "
                       "iterations (estimate %.17g)",
                       tol, maxit, est);
    }
    *norm = est;
    *iterations = it;
    return rc;
}

int srm_norm_spectral_power(const double *w, size_t rows, size_t cols, double tol, size_t maxit,
                            double *v, double *work, double *norm, size_t *iterations)
{
    *norm = 0;
    *iterations = 0;
    if (!dims_ok(rows, cols))
        return SRM_ERROR(SRM_EINVAL, "power iteration: bad matrix size %zu x %zu", rows, cols);
    if (!(tol > 0) || !isfinite(tol))
        return SRM_ERROR(SRM_EINVAL, "power iteration: tolerance must be > 0 (got %g)", tol);
    if (maxit < 1) return SRM_ERROR(SRM_EINVAL, "power iteration: maxit must be >= 1");
    double scale;
    SRM_TRY(power_scale(w, rows, cols, &scale));
    if (scale == 0) { /* W = 0 */
        *iterations = 1;
        return SRM_OK;
    }
    double *own_v = NULL, *own_work = NULL;
    if (!v) v = own_v = calloc(cols, sizeof(double));
    if (!work) work = own_work = malloc((rows + cols) * sizeof(double));
    if (!v || !work) {
        free(own_v);
        free(own_work);
        return SRM_ERROR(SRM_ENOMEM, "power iteration: out of memory");
    }
    double nv = cblas_dnrm2((int)cols, v, 1);
    if (!(nv > 0) || !isfinite(nv)) {
        power_start(v, cols);
        nv = cblas_dnrm2((int)cols, v, 1);
    }
    cblas_dscal((int)cols, 1.0 / nv, v, 1);
    /* y = W v / s (rows), z = W^T y / s = M v / s^2 (cols) */
    int rc = power_iterate(w, rows, cols, scale, tol, maxit, v, work, work + rows, norm,
                           iterations);
    free(own_v);
    free(own_work);
    return rc;
}

double srm_norm_spectral_upper(const double *w, size_t rows, size_t cols, const double *v,
                               double *work)
{
    double fro = srm_norm_frobenius(w, rows, cols);
    double tr = fro * fro; /* trace(W^T W) = sum of all eigenvalues of M */
    double best = tr;
    double holder = srm_norm_one(w, rows, cols) * srm_norm_inf(w, rows, cols);
    if (holder < best) best = holder;
    double nv = v ? cblas_dnrm2((int)cols, v, 1) : 0;
    if (nv > 0 && isfinite(nv)) {
        double *y = work, *z = work + rows;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)rows, (int)cols, 1.0, w, (int)cols,
                    v, 1, 0.0, y, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)rows, (int)cols, 1.0, w, (int)cols, y,
                    1, 0.0, z, 1);
        double ny = cblas_dnrm2((int)rows, y, 1);
        double theta = ny * ny / (nv * nv); /* Rayleigh quotient of the unit vector v/nv */
        double rho2 = 0;
        for (size_t j = 0; j < cols; j++) {
            double r = (z[j] - theta * v[j]) / nv;
            rho2 += r * r;
        }
        double rho = sqrt(rho2);
        double b = theta + rho;
        if (tr - theta + rho > b) b = tr - theta + rho;
        if (b < best) best = b;
    }
    /* Rounding in theta, rho and the trace is a few (rows + cols) ulps of trace(M). */
    best += 8 * DBL_EPSILON * (double)(rows + cols + 2) * tr;
    return sqrt(best);
}

double srm_norm_inf(const double *w, size_t rows, size_t cols)
{
    return srm_norm_inf_rows(w, 0, rows, cols);
}

double srm_norm_inf_rows(const double *w, size_t row0, size_t nrows, size_t cols)
{
    double best = 0;
    for (size_t i = row0; i < row0 + nrows; i++) {
        double s = 0;
        for (size_t j = 0; j < cols; j++) s += fabs(w[i * cols + j]);
        if (s > best) best = s;
    }
    return best;
}

double srm_norm_one(const double *w, size_t rows, size_t cols)
{
    double best = 0;
    for (size_t j = 0; j < cols; j++) {
        double s = 0;
        for (size_t i = 0; i < rows; i++) s += fabs(w[i * cols + j]);
        if (s > best) best = s;
    }
    return best;
}

double srm_norm_frobenius(const double *w, size_t rows, size_t cols)
{
    if (rows == 0 || cols == 0) return 0;
    /* dnrm2 scales to avoid overflow; fine for one contiguous block. */
    return cblas_dnrm2((int)(rows * cols), w, 1);
}
