/* theory/project_rnn.c: the projection of an RNN-type model's W_hh (theory/project_rnn.h). */
#include "theory/project_rnn.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int srm_project_rnn(srm_model *m, double radius, int gram, srm_norm_method method,
                    srm_project_rnn_result *out)
{
    size_t n = m->hidden;
    srm_svd_workspace *ws = srm_svd_workspace_alloc(n, n);
    srm_gram_workspace *gw = gram ? srm_gram_workspace_alloc(n, n) : NULL;
    double *v = calloc(n, sizeof(double)), *work = malloc(2 * n * sizeof(double));
    int rc = SRM_OK;
    out->after = 0;
    out->fell_back = 0;
    if (!ws || (gram && !gw)) rc = srm_error_code();
    else if (!v || !work) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    /* The Gram route is accurate for ||W_hh||_2 <= 2r (theory/project.h); above, the SVD. */
    double *keep = gram ? malloc(n * n * sizeof(double)) : NULL;
    if (rc == SRM_OK && gram && !keep) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK && gram) {
        memcpy(keep, m->weight_hh, n * n * sizeof(double));
        rc = srm_project_spectral_gram(m->weight_hh, n, n, radius, gw, &out->res);
        if (rc == SRM_OK && out->res.norm_before > 2 * radius) {
            memcpy(m->weight_hh, keep, n * n * sizeof(double));
            out->fell_back = 1, gram = 0;
        }
    }
    if (rc == SRM_OK && !gram)
        rc = srm_project_spectral(m->weight_hh, n, n, radius, method, ws, v, work, &out->res);
    /* "after" is measured afresh, not taken from the projection's own report. */
    if (rc == SRM_OK) rc = srm_norm_spectral(m->weight_hh, n, n, ws, &out->after);
    out->gram = gram;
    srm_svd_workspace_free(ws);
    srm_gram_workspace_free(gw);
    free(keep);
    free(v);
    free(work);
    return rc;
}
