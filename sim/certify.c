/* sim/certify.c: the certificate of a whole recurrent module (certify.h). */
#include "sim/certify.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "theory/norm.h"

/* Layer 0's bound: B in the max norm and, for RNN cells, the 2-norm bound it gives. */
static void data_bound(srm_certify *c, const srm_certify_options *opt, double *b2)
{
    const srm_tensor *e = c->layout.embedding;
    size_t d = c->layout.unit[0].input;
    if (opt && !isnan(opt->input_bound)) {
        c->input_bound = opt->input_bound;
        snprintf(c->input_from, sizeof c->input_from, "--input-bound");
    } else if (e) {
        double row_max = 0;
        for (size_t v = 0; v < e->shape[0]; v++)
            row_max = fmax(row_max, cblas_dnrm2((int)d, e->data + v * d, 1));
        c->input_bound = srm_layout_embedding_bound(e->data, e->size);
        *b2 = row_max;
        snprintf(c->input_from, sizeof c->input_from, "embedding '%s' (largest |entry|)",
                 e->name);
        snprintf(c->input2_from, sizeof c->input2_from, "embedding '%s' (largest row 2-norm)",
                 e->name);
        return;
    } else {
        c->input_bound = 1;
        snprintf(c->input_from, sizeof c->input_from, "default 1 (no embedding in the file)");
    }
    *b2 = sqrt((double)d) * c->input_bound;
    snprintf(c->input2_from, sizeof c->input2_from, "sqrt(d) B, B: %s", c->input_from);
}

/* Gated cells (LSTM, GRU) are certified in the max norm, with |h| <= 1. */
static int max_norm(const srm_layout *lay) { return lay->gru || lay->cell == SRM_CELL_LSTM; }

/* The bound the unit at layer l > 0 reads: the outputs of layer l - 1. */
static double upper_bound(const srm_certify *c, size_t l, const char **from)
{
    const srm_layout *lay = &c->layout;
    size_t D = lay->directions, n = lay->hidden;
    if (max_norm(lay)) {
        *from = "|h| < 1 from the layer below";
        return 1;
    }
    double ss = 0;
    for (size_t r = 0; r < D; r++) {
        double h = c->unit[(l - 1) * D + r].tc.state_bound;
        ss += h * h;
    }
    double b = sqrt(ss); /* NaN when the layer below has no state bound */
    if (lay->cell == SRM_CELL_RNN_TANH) {
        *from = "|h| < 1 from the layer below (2-norm sqrt(n D)), or its state bound";
        return isnan(b) ? sqrt((double)(n * D)) : fmin(b, sqrt((double)(n * D)));
    }
    *from = "the state bound of the layer below";
    return isnan(b) ? INFINITY : b;
}

/* A GRU unit, from the layout's tensors (srm models no GRU yet). */
static int certify_gru(srm_certify_unit *cu, const srm_layout *lay, const srm_layout_unit *lu)
{
    srm_gru_weights w = {lay->hidden, lu->input, lu->weight_ih->data, lu->weight_hh->data,
                         lu->bias_ih ? lu->bias_ih->data : NULL,
                         lu->bias_hh ? lu->bias_hh->data : NULL};
    SRM_TRY(srm_stability_gru(&w, cu->input_bound, &cu->gru));
    cu->tc = (srm_truncation_constants){SRM_GAP_NORM_INF, cu->gru.lambda_inf, cu->gru.stable,
                                        cu->input_bound, cu->gru.lipschitz_x, NAN, 1.0, 1.0,
                                        NAN};
    cu->lipschitz_x = cu->gru.lipschitz_x;
    cu->stable = cu->gru.stable;
    return SRM_OK;
}

static int certify_unit(const char *path, srm_certify *c, size_t u, double bound,
                        const char *from)
{
    srm_certify_unit *cu = &c->unit[u];
    const srm_layout_unit *lu = &c->layout.unit[u];
    srm_layout_unit_label(&c->layout, u, cu->label, sizeof cu->label);
    cu->layer = lu->layer, cu->reverse = lu->reverse, cu->input = lu->input;
    cu->input_bound = bound, cu->input_from = from;
    if (c->layout.gru) return certify_gru(cu, &c->layout, lu);
    srm_model *m = NULL;
    SRM_TRY(srm_layout_unit_model(path, &c->layout, u, 0, &m));
    int rc = srm_truncate_constants(m, isfinite(bound) ? bound : 0, &cu->tc);
    if (rc == SRM_OK && m->cell == SRM_CELL_LSTM) {
        rc = srm_stability_lstm(m, bound, &cu->lstm);
        cu->lipschitz_x = cu->lstm.lipschitz_x;
        cu->stable = cu->lstm.stable;
    } else if (rc == SRM_OK) { /* the constants measured the RNN verdict already: no new SVDs */
        double rho = srm_stability_lipschitz_rho(m->cell);
        cu->rnn = (srm_rnn_stability){m->cell, cu->tc.lambda / rho, rho, cu->tc.lambda,
                                      cu->tc.input_lipschitz, cu->tc.stable};
        cu->lipschitz_x = cu->rnn.lipschitz_x;
        cu->stable = cu->rnn.stable;
        if (!isfinite(bound)) cu->tc.state_bound = NAN, cu->tc.input_bound = bound;
    }
    srm_model_free(m);
    return rc;
}

static int decoder_lipschitz(srm_certify *c)
{
    const srm_tensor *w = c->layout.decoder_weight;
    c->output_lipschitz = 1;
    c->has_decoder = w != NULL;
    if (!w) return SRM_OK;
    if (max_norm(&c->layout)) {
        c->output_lipschitz = srm_norm_inf(w->data, w->shape[0], w->shape[1]);
        return SRM_OK;
    }
    srm_svd_workspace *ws = srm_svd_workspace_alloc(w->shape[0], w->shape[1]);
    if (!ws) return srm_error_code();
    int rc = srm_norm_spectral(w->data, w->shape[0], w->shape[1], ws, &c->output_lipschitz);
    srm_svd_workspace_free(ws);
    return rc;
}

int srm_certify_file(const char *path, const srm_certify_options *opt, srm_certify *out)
{
    memset(out, 0, sizeof *out);
    srm_tensors *ts = NULL;
    SRM_TRY(srm_safetensors_read(path, &ts));
    srm_layout_options lo = {opt ? opt->prefix : NULL, opt ? opt->nonlinearity : NULL};
    int rc = srm_layout_find(path, ts, &lo, &out->layout);
    if (rc == SRM_OK && opt && !isnan(opt->input_bound) && !(opt->input_bound >= 0))
        rc = SRM_ERROR(SRM_EINVAL, "--input-bound must be >= 0 (got %g)", opt->input_bound);
    double b2 = 0;
    if (rc == SRM_OK) data_bound(out, opt, &b2);
    const srm_layout *lay = &out->layout;
    out->stable = out->contractive = 1;
    for (size_t u = 0; rc == SRM_OK && u < lay->units; u++) {
        size_t l = lay->unit[u].layer;
        const char *from = max_norm(lay) ? out->input_from : out->input2_from;
        double b = l ? upper_bound(out, l, &from) : max_norm(lay) ? out->input_bound : b2;
        rc = certify_unit(path, out, u, b, from);
        const srm_certify_unit *cu = &out->unit[u];
        out->stable = out->stable && cu->stable;
        out->contractive = out->contractive && cu->tc.stable && isfinite(cu->tc.state_bound);
        out->cascade_unit[u] = (srm_cascade_unit){cu->tc.lambda, cu->lipschitz_x,
                                                  cu->tc.state_bound};
    }
    if (rc == SRM_OK) rc = decoder_lipschitz(out);
    out->cascade = (srm_cascade){lay->layers, lay->directions,
                                 max_norm(lay) ? SRM_CASCADE_NORM_INF : SRM_CASCADE_NORM_2,
                                 out->cascade_unit};
    srm_tensors_free(ts);
    srm_layout_forget_tensors(&out->layout); /* it pointed into ts */
    return rc;
}

int srm_certify_k(const srm_certify *c, double eps, long long *k, double *bound)
{
    if (!c->contractive)
        return SRM_ERROR(SRM_EINVAL, "the stack is not contractive: no truncation bound");
    SRM_TRY(srm_cascade_k(&c->cascade, eps / c->output_lipschitz, k, bound));
    *bound *= c->output_lipschitz;
    return SRM_OK;
}
