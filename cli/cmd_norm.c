/* cli/cmd_norm.c: `srm norm`, the norm of a text matrix (theory/norm.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/matrix.h"
#include "core/report.h"
#include "theory/norm.h"

int srm_cmd_norm(int argc, char **argv)
{
    const char *ord_text = "2", *method_text = "svd";
    int all = 0, json = 0, method_given = 0;
    double tol = 1e-12;
    unsigned long maxit = 100000;
    const srm_arg args[] = {
        {"ord", SRM_ARG_STRING, &ord_text, "2|1|inf|fro",
         "2: spectral; 1, inf: induced (max column / row abs sum); fro: Frobenius", NULL},
        {"method", SRM_ARG_STRING, &method_text, "svd|power",
         "spectral norm by LAPACK dgesdd or by power iteration on W^T W", &method_given},
        {"tol", SRM_ARG_DOUBLE, &tol, "T",
         "power: stop when successive estimates differ by <= T relative (the error "
         "itself can be larger by about q/(1-q), q = (s2/s1)^2)", NULL},
        {"maxit", SRM_ARG_ULONG, &maxit, "N", "power: at most N iterations (else an error)", NULL},
        {"all", SRM_ARG_FLAG, &all, NULL, "also print every singular value (dgesdd)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm norm [--ord 2|1|inf|fro] [--method svd|power] [--all] [FILE|-]",
        "Reads a text matrix (one row per line, '#' comments; FILE '-' or none: stdin) and "
        "prints its norm with 17 significant digits. In exact arithmetic each power "
        "iterate is a lower bound on ||W||_2 (in floating point it can exceed the SVD value by a "
        "few ulps); --json adds its iteration count.",
        args, 0, 1};
    const char *pos[1] = {"-"};
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    srm_norm_ord ord;
    srm_norm_method method;
    SRM_TRY(srm_norm_ord_parse(ord_text, &ord));
    SRM_TRY(srm_norm_method_parse(method_text, &method));
    if (method_given && method == SRM_NORM_METHOD_POWER && ord != SRM_NORM_2)
        return SRM_ERROR(SRM_EINVAL, "--method power applies only to --ord 2");
    if (!(tol > 0)) return SRM_ERROR(SRM_EINVAL, "--tol must be > 0 (got %g)", tol);
    if (maxit < 1) return SRM_ERROR(SRM_EINVAL, "--maxit must be >= 1");

    srm_matrix *w = NULL;
    SRM_TRY(srm_matrix_read(pos[0], &w));
    srm_svd_workspace *ws = NULL;
    srm_report *r = srm_report_alloc();
    double norm = 0;
    size_t iterations = 0;
    if (!r) { rc = SRM_ERROR(SRM_ENOMEM, "out of memory"); goto done; }
    if ((ord == SRM_NORM_2 && method == SRM_NORM_METHOD_SVD) || all) {
        ws = srm_svd_workspace_alloc(w->rows, w->cols);
        if (!ws) { rc = srm_error_code(); goto done; }
        if ((rc = srm_norm_svd(w->data, w->rows, w->cols, 0, ws)) != SRM_OK) goto done;
    }
    switch (ord) {
    case SRM_NORM_2:
        if (method == SRM_NORM_METHOD_SVD) norm = ws->s[0];
        else if ((rc = srm_norm_spectral_power(w->data, w->rows, w->cols, tol, maxit, NULL, NULL,
                                               &norm, &iterations)) != SRM_OK)
            goto done;
        break;
    case SRM_NORM_1: norm = srm_norm_one(w->data, w->rows, w->cols); break;
    case SRM_NORM_INF: norm = srm_norm_inf(w->data, w->rows, w->cols); break;
    case SRM_NORM_FRO: norm = srm_norm_frobenius(w->data, w->rows, w->cols); break;
    }
    if (!isfinite(norm)) {
        rc = SRM_ERROR(SRM_ENUMERIC, "%s: the %s norm overflows double precision",
                       strcmp(pos[0], "-") == 0 ? "<stdin>" : pos[0], srm_norm_ord_name(ord));
        goto done;
    }
    if ((rc = srm_report_number(r, "norm", "norm", norm)) ||
        (rc = srm_report_string(r, "ord", "ord", srm_norm_ord_name(ord))) ||
        (rc = srm_report_string(r, "method", "method",
                                ord == SRM_NORM_2 ? srm_norm_method_name(method) : "direct")) ||
        (rc = srm_report_integer(r, "rows", "rows", (long long)w->rows)) ||
        (rc = srm_report_integer(r, "cols", "cols", (long long)w->cols)))
        goto done;
    if (ord == SRM_NORM_2 && method == SRM_NORM_METHOD_POWER &&
        ((rc = srm_report_integer(r, "iterations", "iterations", (long long)iterations)) ||
         (rc = srm_report_number(r, "tolerance", "tolerance", tol))))
        goto done;
    if (all && (rc = srm_report_array(r, "singular_values", "singular values", ws->s, ws->k)))
        goto done;
    rc = srm_report_print(r, stdout, json);
done:
    srm_report_free(r);
    srm_svd_workspace_free(ws);
    srm_matrix_free(w);
    return rc;
}
