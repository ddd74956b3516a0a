/* theory/norm.h: matrix norms that the stability conditions are stated in
 * (proofs-notes/rnn-condition.md, proofs-notes/lstm-conditions.md).
 *
 * Every matrix is row-major (rows, cols). The spectral norm and the singular values come from
 * LAPACK's divide-and-conquer SVD (dgesdd); because projection runs it after every training step,
 * it works in a caller-owned workspace whose LAPACK workspace query is done once, at _alloc.
 * The power method (on W^T W) is the cheap alternative: it only ever UNDERestimates ||W||_2
 * (every iterate is a Rayleigh-quotient lower bound), which matters to anyone using it to decide
 * that a matrix is inside a ball; srm_norm_spectral_upper gives a certified upper bound instead.
 * Proofs: proofs-notes/rnn-condition.md (spectral norm, certified upper bound). */
#ifndef SRM_NORM_H
#define SRM_NORM_H

#include <stddef.h>

typedef enum { SRM_NORM_2 = 0, SRM_NORM_1 = 1, SRM_NORM_INF = 2, SRM_NORM_FRO = 3 } srm_norm_ord;
typedef enum { SRM_NORM_METHOD_SVD = 0, SRM_NORM_METHOD_POWER = 1 } srm_norm_method;

int srm_norm_ord_parse(const char *text, srm_norm_ord *out);       /* "2", "1", "inf", "fro" */
int srm_norm_method_parse(const char *text, srm_norm_method *out); /* "svd", "power" */
const char *srm_norm_ord_name(srm_norm_ord ord);
const char *srm_norm_method_name(srm_norm_method method);

/* SVD workspace for (rows, cols) matrices, k = min(rows, cols). Holds a copy of the input
 * (dgesdd destroys it), the singular values, and room for the thin U (rows, k) and V^T (k, cols),
 * all row-major, plus LAPACK's work arrays sized for both jobz = 'N' and jobz = 'S'. */
typedef struct {
    size_t rows, cols, k;
    double *a;     /* (rows, cols) scratch copy */
    double *s;     /* (k) singular values, descending, after an SVD call */
    double *u;     /* (rows, k) row-major: left singular vectors in columns */
    double *vt;    /* (k, cols) row-major: right singular vectors in rows */
    double *work;
    int lwork;
    int *iwork;    /* (8 k) */
} srm_svd_workspace;

srm_svd_workspace *srm_svd_workspace_alloc(size_t rows, size_t cols); /* NULL, error recorded */
void srm_svd_workspace_free(srm_svd_workspace *ws);

/* Singular values of w (rows, cols) into ws->s (descending). With vectors != 0 also fills ws->u
 * and ws->vt (thin SVD, w = u diag(s) vt). w is not modified. */
int srm_norm_svd(const double *w, size_t rows, size_t cols, int vectors, srm_svd_workspace *ws);

/* ||w||_2 via dgesdd (jobz = 'N'). ws must have been allocated for (rows, cols). */
int srm_norm_spectral(const double *w, size_t rows, size_t cols, srm_svd_workspace *ws,
                      double *norm);

/* Power iteration on M = w^T w. v (cols) is the start vector and receives the final unit vector,
 * so the next call can warm-start from it; a zero v (or v == NULL) starts from a fixed
 * pseudo-random vector. work holds rows + cols doubles (NULL: allocated here, not for hot
 * loops). Stops when successive estimates of ||w||_2 differ by at most tol relative to the
 * estimate; the estimate sqrt(||M v||) is a lower bound on ||w||_2 at every iteration.
 * Returns SRM_ENUMERIC (with *norm and *iterations set to the last values) when maxit is hit. */
int srm_norm_spectral_power(const double *w, size_t rows, size_t cols, double tol, size_t maxit,
                            double *v, double *work, double *norm, size_t *iterations);

/* A certified upper bound on ||w||_2 from one product with a unit vector v (cols), e.g. the
 * output of the power method: with M = w^T w, theta = v^T M v and rho = ||M v - theta v||, some
 * eigenvalue of M lies within rho of theta, so lambda_max(M) <= max(theta + rho,
 * trace(M) - theta + rho) (M is positive semi-definite). Also min'ed with ||w||_F and
 * sqrt(||w||_1 ||w||_inf). work holds rows + cols doubles. */
double srm_norm_spectral_upper(const double *w, size_t rows, size_t cols, const double *v,
                               double *work);

double srm_norm_inf(const double *w, size_t rows, size_t cols);  /* max absolute row sum */
double srm_norm_one(const double *w, size_t rows, size_t cols);  /* max absolute column sum */
double srm_norm_frobenius(const double *w, size_t rows, size_t cols);

/* Induced infinity norm of the row block [row0, row0 + nrows) of a (.., cols) matrix. */
double srm_norm_inf_rows(const double *w, size_t row0, size_t nrows, size_t cols);

#endif
