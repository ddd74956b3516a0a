/* cli/cmd_norm.c: `srm norm`, the norm of a text matrix (theory/norm.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/error.h"
#include "core/matrix.h"
#include "core/report.h"
#include "theory/norm.h"

/* The command line, as parsed and checked. */
typedef struct {
    const char *path, *ord_text, *method_text;
    double tol;
    unsigned long maxit;
    int all, json, method_given;
    srm_norm_ord ord;
    srm_norm_method method;
} norm_args;

static int parse(int argc, char **argv, norm_args *p)
{
    const srm_arg args[] = {
        {"ord", SRM_ARG_STRING, &p->ord_text, "2|1|inf|fro",
         "2: spectral; 1, inf: induced (max column / row abs sum); fro: Frobenius", NULL},
        {"method", SRM_ARG_STRING, &p->method_text, "svd|power",
         "spectral norm by LAPACK dgesdd or by power iteration on W^T W", &p->method_given},
        {"tol", SRM_ARG_DOUBLE, &p->tol, "T",
         "power: stop when successive estimates differ by <= T relative (the error "
         "itself can be larger by about q/(1-q), q = (s2/s1)^2)", NULL},
        {"maxit", SRM_ARG_ULONG, &p->maxit, "N", "power: at most N iterations (else an error)",
         NULL},
        {"all", SRM_ARG_FLAG, &p->all, NULL, "also print every singular value (dgesdd)", NULL},
        {"json", SRM_ARG_FLAG, &p->json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm norm [--ord 2|1|inf|fro] [--method svd|power] [--all] [FILE|-]",
        "Reads a text matrix (one row per line, '#' comments; FILE '-' or none: stdin) and "
        "prints its norm with 17 significant digits. In exact arithmetic each power "
        "iterate is a lower bound on ||W||_2 (in floating point it can exceed the SVD value by a "
        "few ulps); --json adds its iteration count.",
        args, 0, 1};
    size_t npos = 0; /* FILE, if given, replaces p->path = "-" */
    int rc = srm_args_parse(&spec, argc, argv, &p->path, &npos);
    if (rc != SRM_OK) return rc;
    SRM_TRY(srm_norm_ord_parse(p->ord_text, &p->ord));
    SRM_TRY(srm_norm_method_parse(p->method_text, &p->method));
    if (p->method_given && p->method == SRM_NORM_METHOD_POWER && p->ord != SRM_NORM_2)
        return SRM_ERROR(SRM_EINVAL, "--method power applies only to --ord 2");
    if (!(p->tol > 0)) return SRM_ERROR(SRM_EINVAL, "--tol must be > 0 (got %g)", p->tol);
    if (p->maxit < 1) return SRM_ERROR(SRM_EINVAL, "--maxit must be >= 1");
    return SRM_OK;
}

/* The norm of w (power iteration: with its iteration count); *ws holds the singular values
 * when the SVD ran (spectral norm by SVD, or --all). */
static int measure(const norm_args *p, const srm_matrix *w, srm_svd_workspace **ws, double *norm,
                   size_t *iterations)
{
    if ((p->ord == SRM_NORM_2 && p->method == SRM_NORM_METHOD_SVD) || p->all) {
        if (!(*ws = srm_svd_workspace_alloc(w->rows, w->cols))) return srm_error_code();
        SRM_TRY(srm_norm_svd(w->data, w->rows, w->cols, 0, *ws));
    }
    switch (p->ord) {
    case SRM_NORM_2:
        if (p->method == SRM_NORM_METHOD_SVD) *norm = (*ws)->s[0];
        else SRM_TRY(srm_norm_spectral_power(w->data, w->rows, w->cols, p->tol, p->maxit, NULL,
                                             NULL, norm, iterations));
        break;
    case SRM_NORM_1: *norm = srm_norm_one(w->data, w->rows, w->cols); break;
    case SRM_NORM_INF: *norm = srm_norm_inf(w->data, w->rows, w->cols); break;
    case SRM_NORM_FRO: *norm = srm_norm_frobenius(w->data, w->rows, w->cols); break;
    }
    if (!isfinite(*norm))
        return SRM_ERROR(SRM_ENUMERIC, "%s: the %s norm overflows double precision",
                         strcmp(p->path, "-") == 0 ? "<stdin>" : p->path,
                         srm_norm_ord_name(p->ord));
    return SRM_OK;
}

static int report(const norm_args *p, const srm_matrix *w, const srm_svd_workspace *ws,
                  double norm, size_t iterations, srm_report *r)
{
    int power = p->ord == SRM_NORM_2 && p->method == SRM_NORM_METHOD_POWER;
    SRM_TRY(srm_report_number(r, "norm", "norm", norm));
    SRM_TRY(srm_report_string(r, "ord", "ord", srm_norm_ord_name(p->ord)));
    SRM_TRY(srm_report_string(r, "method", "method",
                              p->ord == SRM_NORM_2 ? srm_norm_method_name(p->method) : "direct"));
    SRM_TRY(srm_report_integer(r, "rows", "rows", (long long)w->rows));
    SRM_TRY(srm_report_integer(r, "cols", "cols", (long long)w->cols));
    if (power) SRM_TRY(srm_report_integer(r, "iterations", "iterations", (long long)iterations));
    if (power) SRM_TRY(srm_report_number(r, "tolerance", "tolerance", p->tol));
    if (p->all) SRM_TRY(srm_report_array(r, "singular_values", "singular values", ws->s, ws->k));
    return SRM_OK;
}

int srm_cmd_norm(int argc, char **argv)
{
    norm_args p = {.path = "-", .ord_text = "2", .method_text = "svd", .tol = 1e-12,
                   .maxit = 100000};
    int rc = parse(argc, argv, &p);
    if (rc != SRM_OK) return rc;
    srm_matrix *w = NULL;
    SRM_TRY(srm_matrix_read(p.path, &w));
    srm_svd_workspace *ws = NULL;
    srm_report *r = srm_report_alloc();
    double norm = 0;
    size_t iterations = 0;
    rc = r ? measure(&p, w, &ws, &norm, &iterations) : srm_error_code();
    if (rc == SRM_OK) rc = report(&p, w, ws, norm, iterations, r);
    rc = srm_report_finish(r, rc, stdout, p.json);
    srm_svd_workspace_free(ws);
    srm_matrix_free(w);
    return rc;
}
