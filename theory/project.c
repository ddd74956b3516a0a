/* theory/project.c: singular-value clipping for RNNs, row scaling for LSTMs (see project.h). */
#include "theory/project.h"

#include <gsl/gsl_cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>

#include "core/error.h"

int srm_project_spectral(double *w, size_t rows, size_t cols, double radius,
                         srm_norm_method method, srm_svd_workspace *ws, double *v, double *work,
                         srm_project_result *out)
{
    *out = (srm_project_result){0};
    if (!(radius >= 0) || !isfinite(radius))
        return SRM_ERROR(SRM_EINVAL, "projection: radius must be finite and >= 0 (got %g)",
                         radius);
    if (method == SRM_NORM_METHOD_POWER) {
        if (!v || !work)
            return SRM_ERROR(SRM_EINVAL, "projection: method power needs a vector and work");
        /* The iteration only sharpens v for the certificate; its convergence does not matter
         * for correctness, so a few warm-started steps and no error on non-convergence. */
        double estimate;
        size_t iterations;
        int rc = srm_norm_spectral_power(w, rows, cols, 1e-6, 20, v, work, &estimate,
                                         &iterations);
        if (rc != SRM_OK && rc != SRM_ENUMERIC) return rc;
        srm_error_clear();
        out->power_iterations = iterations;
        double upper = srm_norm_spectral_upper(w, rows, cols, v, work);
        if (upper <= radius) {
            out->norm_before = upper;
            out->norm_after = upper;
            out->svd_skipped = 1;
            return SRM_OK;
        }
    }
    SRM_TRY(srm_norm_svd(w, rows, cols, 1, ws));
    size_t k = ws->k, p = 0;
    while (p < k && ws->s[p] > radius) p++;
    /* Clip to a hair inside r: the rebuilt matrix's singular values carry rounding of tens of
     * ulps (measured <= 19 at n <= 512), so clipping to r itself would leave ||W||_2 a few ulps
     * above r and a second projection would "change" it again. */
    double target = radius * SRM_PROJECT_SHRINK;
    out->norm_before = ws->s[0];
    out->norm_after = p > 0 ? target : ws->s[0];
    out->clipped = p;
    out->changed = p > 0;
    if (p == 0) return SRM_OK;
    /* W -= U[:, :p] diag(s - r) V^T[:p, :]: scale the first p columns of U (row-major, ld k). */
    for (size_t j = 0; j < p; j++) cblas_dscal((int)rows, ws->s[j] - target, ws->u + j, (int)k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)cols, (int)p, -1.0,
                ws->u, (int)k, ws->vt, (int)cols, 1.0, w, (int)cols);
    return SRM_OK;
}

struct srm_gram_workspace {
    size_t rows, cols;
    double *gram;  /* (cols, cols) W^T W, its lower triangle in LAPACK's column-major view */
    double *eig;   /* (cols) eigenvalues found, ascending */
    double *z;     /* (cols, cols) eigenvectors: z + j cols is v_j */
    double *y;     /* (rows, cols) W v_j, scaled */
    double *work;
    lapack_int *iwork, *isuppz, lwork, liwork;
};

void srm_gram_workspace_free(srm_gram_workspace *ws)
{
    if (!ws) return;
    free(ws->gram), free(ws->eig), free(ws->z), free(ws->y), free(ws->work);
    free(ws->iwork), free(ws->isuppz);
    free(ws);
}

srm_gram_workspace *srm_gram_workspace_alloc(size_t rows, size_t cols)
{
    if (rows == 0 || cols == 0 || rows > 46340 || cols > 46340) {
        SRM_ERROR(SRM_EINVAL, "Gram workspace: bad matrix size %zu x %zu", rows, cols);
        return NULL;
    }
    srm_gram_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) {
        SRM_ERROR(SRM_ENOMEM, "Gram workspace: out of memory");
        return NULL;
    }
    ws->rows = rows, ws->cols = cols;
    ws->gram = malloc(cols * cols * sizeof(double));
    ws->eig = malloc(cols * sizeof(double));
    ws->z = malloc(cols * cols * sizeof(double));
    ws->y = malloc(rows * cols * sizeof(double));
    ws->isuppz = malloc(2 * cols * sizeof(lapack_int));
    double wq = 0;
    lapack_int iq = 0, found = 0, info = -1;
    if (ws->gram && ws->eig && ws->z && ws->y && ws->isuppz)
        info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'V', 'L', (lapack_int)cols, ws->gram,
                                   (lapack_int)cols, 0.0, 1.0, 0, 0, 0.0, &found, ws->eig, ws->z,
                                   (lapack_int)cols, ws->isuppz, &wq, -1, &iq, -1);
    if (info == 0) {
        ws->lwork = (lapack_int)wq, ws->liwork = iq;
        ws->work = malloc((size_t)ws->lwork * sizeof(double));
        ws->iwork = malloc((size_t)ws->liwork * sizeof(lapack_int));
    }
    if (info != 0 || !ws->work || !ws->iwork) {
        srm_gram_workspace_free(ws);
        SRM_ERROR(SRM_ENOMEM, "Gram workspace: out of memory (or dsyevr query failed) for "
                  "%zu x %zu", rows, cols);
        return NULL;
    }
    return ws;
}

int srm_project_spectral_gram(double *w, size_t rows, size_t cols, double radius,
                              srm_gram_workspace *ws, srm_project_result *out)
{
    *out = (srm_project_result){0};
    if (!(radius >= 0) || !isfinite(radius))
        return SRM_ERROR(SRM_EINVAL, "projection: radius must be finite and >= 0 (got %g)",
                         radius);
    if (!ws || ws->rows != rows || ws->cols != cols)
        return SRM_ERROR(SRM_EINVAL, "projection: Gram workspace is not for %zu x %zu", rows,
                         cols);
    size_t count = rows * cols;
    double amax = 0;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(w[i]))
            return SRM_ERROR(SRM_EINVAL, "projection: the matrix has non-finite entries");
        if (fabs(w[i]) > amax) amax = fabs(w[i]);
    }
    double target = radius * SRM_PROJECT_GRAM_SHRINK, level = radius * SRM_PROJECT_GRAM_LEVEL;
    /* Work on W / s, s = max |w_ij|, so that W^T W neither overflows nor underflows; its
     * eigenvalues are (s_j / s)^2. */
    double fro2 = 0; /* ||W / s||_F^2, in [1, rows cols] */
    for (size_t i = 0; i < count; i++) {
        double v = amax > 0 ? w[i] / amax : 0;
        ws->y[i] = v;
        fro2 += v * v;
    }
    if (amax == 0 || sqrt(fro2) * amax <= level) { /* ||W||_2 <= ||W||_F <= level: inside */
        out->norm_before = out->norm_after = amax > 0 ? sqrt(fro2) * amax : 0;
        return SRM_OK;
    }
    double lo = level / amax; /* finite and < sqrt(fro2) here */
    /* Row-major upper triangle of (W/s)^T (W/s) = column-major lower triangle. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)cols, (int)rows, 1.0, ws->y,
                (int)cols, 0.0, ws->gram, (int)cols);
    lapack_int found = 0;
    lapack_int info = LAPACKE_dsyevr_work(
        LAPACK_COL_MAJOR, 'V', 'V', 'L', (lapack_int)cols, ws->gram, (lapack_int)cols, lo * lo,
        2 * fro2 + 1, 0, 0, 0.0, &found, ws->eig, ws->z, (lapack_int)cols, ws->isuppz, ws->work,
        ws->lwork, ws->iwork, ws->liwork);
    if (info != 0)
        return SRM_ERROR(SRM_ENUMERIC, "projection: dsyevr failed (info %d)", (int)info);
    size_t p = (size_t)found;
    out->clipped = p;
    out->changed = p > 0;
    if (p == 0) {
        out->norm_before = out->norm_after = level; /* every s_j <= level, to rounding */
        return SRM_OK;
    }
    out->norm_before = amax * sqrt(ws->eig[p - 1]);
    out->norm_after = radius; /* r' plus the route's rounding, which the margin covers */
    /* Y = W Z_c (rows, p); column j scaled by 1 - r'/s_j; W -= Y Z_c^T. In row-major terms the
     * column-major Z (cols, p) is Z_c^T (p, cols). */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)p, (int)cols, 1.0, w,
                (int)cols, ws->z, (int)cols, 0.0, ws->y, (int)p);
    for (size_t j = 0; j < p; j++)
        cblas_dscal((int)rows, 1.0 - target / (amax * sqrt(ws->eig[j])), ws->y + j, (int)p);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)cols, (int)p, -1.0,
                ws->y, (int)p, ws->z, (int)cols, 1.0, w, (int)cols);
    return SRM_OK;
}

int srm_project_lstm_targets(const srm_model *m, double a, double margin, double input_bound,
                             srm_lstm_targets *out)
{
    if (m->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "LSTM projection: the model is %s, not an LSTM",
                         srm_cell_name(m->cell));
    /* f_max = sigma(t) with t >= 0 is at least 1/2, so a = 1 - f_max can never exceed 1/2. */
    if (!(a > 0 && a < 0.5))
        return SRM_ERROR(SRM_EINVAL, "LSTM projection: target a must be in (0, 0.5) (got %g)", a);
    double mmax = a * a < a / 4 ? a * a : a / 4;
    if (!(margin >= 0 && margin < mmax))
        return SRM_ERROR(SRM_EINVAL,
                         "LSTM projection: margin must be in [0, %g) for a = %g (got %g)", mmax,
                         a, margin);
    if (!(input_bound >= 0) || !isfinite(input_bound))
        return SRM_ERROR(SRM_EINVAL, "LSTM projection: input bound must be >= 0 (got %g)",
                         input_bound);
    out->a = a;
    out->margin = margin;
    out->input_bound = input_bound;
    out->w_i = a - margin;
    out->w_f = a * a - margin;
    out->w_z = a / 4 - margin;
    out->w_o = a - margin;
    double budget = log((1 - a) / a) - out->w_f; /* logit(1 - a) minus W_f's share */
    if (!(budget >= 0))
        return SRM_ERROR(SRM_EINVAL,
                         "LSTM projection: a = %g leaves no room for U_f and the forget bias "
                         "(logit(1 - a) < a^2 - m)", a);
    size_t n = m->hidden, d = m->input;
    double u = d > 0 ? srm_norm_inf_rows(m->weight_ih, n, n, d) : 0;
    double beta = 0;
    for (size_t j = n; j < 2 * n; j++) {
        double b = fabs(m->bias_ih[j] + m->bias_hh[j]);
        if (b > beta) beta = b;
    }
    if (!isfinite(u) || !isfinite(beta))
        return SRM_ERROR(SRM_EINVAL, "LSTM projection: non-finite forget-gate weights");
    double used = u * input_bound + beta;
    double scale = used > budget ? budget / used : 1.0;
    out->u_f = input_bound > 0 ? u * scale : u; /* with B_x = 0, U_f never reaches the gate */
    out->b_f = beta * scale;
    return SRM_OK;
}

/* Whether every entry of w (count) is finite. */
static int all_finite(const double *w, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(w[i])) return 0;
    return 1;
}

/* Scales every row of the block [row0, row0 + nrows) of a (.., cols) matrix whose absolute sum
 * exceeds target down to target (times SRM_PROJECT_SHRINK, so that the recomputed sum, rounding
 * included, is at most the target and a second pass changes nothing); returns how many rows it
 * scaled. */
size_t srm_project_scale_rows(double *w, size_t row0, size_t nrows, size_t cols, double target)
{
    size_t scaled = 0;
    for (size_t i = row0; i < row0 + nrows; i++) {
        double *row = w + i * cols, s = 0;
        for (size_t j = 0; j < cols; j++) s += fabs(row[j]);
        if (s > target) {
            double f = target * SRM_PROJECT_SHRINK / s;
            for (size_t j = 0; j < cols; j++) row[j] *= f;
            scaled++;
        }
    }
    return scaled;
}

int srm_project_lstm(srm_model *m, double a, double margin, double input_bound,
                     srm_project_lstm_result *out)
{
    *out = (srm_project_lstm_result){0};
    SRM_TRY(srm_project_lstm_targets(m, a, margin, input_bound, &out->targets));
    const srm_lstm_targets *t = &out->targets;
    size_t n = m->hidden, d = m->input;
    if (!all_finite(m->weight_hh, 4 * n * n))
        return SRM_ERROR(SRM_EINVAL, "LSTM projection: weight_hh has non-finite entries");
    /* Gate order i, f, g(=z), o. */
    out->rows_scaled += srm_project_scale_rows(m->weight_hh, 0, n, n, t->w_i);
    out->rows_scaled += srm_project_scale_rows(m->weight_hh, n, n, n, t->w_f);
    out->rows_scaled += srm_project_scale_rows(m->weight_hh, 2 * n, n, n, t->w_z);
    out->rows_scaled += srm_project_scale_rows(m->weight_hh, 3 * n, n, n, t->w_o);
    if (d > 0) out->rows_scaled += srm_project_scale_rows(m->weight_ih, n, n, d, t->u_f);
    out->biases_clipped = srm_project_scale_biases(m->bias_ih, m->bias_hh, n, n, t->b_f);
    return SRM_OK;
}

size_t srm_project_scale_biases(double *b_ih, double *b_hh, size_t row0, size_t nrows,
                                double target)
{
    size_t clipped = 0;
    for (size_t j = row0; j < row0 + nrows; j++) {
        double b = fabs((b_ih ? b_ih[j] : 0) + (b_hh ? b_hh[j] : 0));
        if (b > target) {
            double f = target * SRM_PROJECT_SHRINK / b; /* keep the ih/hh split */
            if (b_ih) b_ih[j] *= f;
            if (b_hh) b_hh[j] *= f;
            clipped++;
        }
    }
    return clipped;
}

/* ---- the authors' projection ---- */

const double srm_paper_lstm_hh_columns[4] = {0.395, 0.155, 0.099, 0.395};

/* Sets the l1 norm of every column of the block [row0, row0 + nrows) of w (.., cols) to
 * target, up or down (a zero column has no direction and is left alone). sums: cols doubles.
 * Row-major passes, so that a 4096 x 1024 block is read twice in order. Returns the number of
 * zero columns. */
static size_t set_columns(double *w, size_t row0, size_t nrows, size_t cols, double target,
                          double *sums)
{
    for (size_t j = 0; j < cols; j++) sums[j] = 0;
    for (size_t i = row0; i < row0 + nrows; i++)
        for (size_t j = 0; j < cols; j++) sums[j] += fabs(w[i * cols + j]);
    size_t zero = 0;
    for (size_t j = 0; j < cols; j++) {
        if (sums[j] > 0) sums[j] = target / sums[j];
        else sums[j] = 1, zero++;
    }
    for (size_t i = row0; i < row0 + nrows; i++)
        for (size_t j = 0; j < cols; j++) w[i * cols + j] *= sums[j];
    return zero;
}

int srm_project_lstm_paper(srm_model *m, double *work, size_t *zero_columns)
{
    if (m->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "paper LSTM projection: the model is %s, not an LSTM",
                         srm_cell_name(m->cell));
    size_t n = m->hidden, d = m->input, zero = 0;
    if (!all_finite(m->weight_hh, 4 * n * n) || !all_finite(m->weight_ih, 4 * n * d))
        return SRM_ERROR(SRM_EINVAL, "paper LSTM projection: non-finite weights");
    for (size_t g = 0; g < 4; g++)
        zero += set_columns(m->weight_hh, g * n, n, n, srm_paper_lstm_hh_columns[g], work);
    if (d > 0) zero += set_columns(m->weight_ih, n, n, d, SRM_PAPER_LSTM_IH_FORGET, work);
    if (zero_columns) *zero_columns = zero;
    return SRM_OK;
}
