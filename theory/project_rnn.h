/* theory/project_rnn.h: `srm project` of an RNN-type model: W_hh onto ||W_hh||_2 <= r by the
 * SVD, by power iteration with a certified skip (theory/project.h), or by the Gram route, which
 * is accurate for ||W_hh||_2 <= 2r only and so falls back to the SVD above that. */
#ifndef SRM_PROJECT_RNN_H
#define SRM_PROJECT_RNN_H

#include "core/model.h"
#include "theory/norm.h"
#include "theory/project.h"

typedef struct {
    srm_project_result res; /* of the projection that was applied */
    int gram;               /* 1: the Gram route was applied */
    int fell_back;          /* 1: the Gram route was asked for but ||W_hh||_2 > 2r: the SVD */
    double after;           /* ||W_hh||_2 afterwards, measured afresh by the SVD */
} srm_project_rnn_result;

/* Projects m->weight_hh at radius r: with gram != 0 the Gram route (method is then not used),
 * else srm_project_spectral with `method`. */
int srm_project_rnn(srm_model *m, double radius, int gram, srm_norm_method method,
                    srm_project_rnn_result *out);

#endif
