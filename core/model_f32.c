/* core/model_f32.c: single-precision parameter blocks (see model_f32.h). */
#include "core/model_f32.h"

#include <math.h>
#include <stdlib.h>

#include "core/error.h"

srm_model_f32 *srm_model_f32_alloc_like(const srm_model *m)
{
    srm_model_f32 *f = calloc(1, sizeof *f);
    float *w = calloc(m->nparam ? m->nparam : 1, sizeof(float));
    if (!f || !w) {
        free(f), free(w);
        SRM_ERROR(SRM_ENOMEM, "out of memory for %zu float parameters", m->nparam);
        return NULL;
    }
    *f = (srm_model_f32){m->cell, m->hidden, m->input, m->output, m->vocab, m->gates, m->nparam,
                         w, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    /* the same offsets as srm_model_alloc's block */
    f->weight_ih = w + (m->weight_ih - m->w);
    f->weight_hh = w + (m->weight_hh - m->w);
    f->bias_ih = w + (m->bias_ih - m->w);
    f->bias_hh = w + (m->bias_hh - m->w);
    f->decoder_weight = m->decoder_weight ? w + (m->decoder_weight - m->w) : NULL;
    f->decoder_bias = m->decoder_bias ? w + (m->decoder_bias - m->w) : NULL;
    f->encoder_weight = m->encoder_weight ? w + (m->encoder_weight - m->w) : NULL;
    return f;
}

void srm_model_f32_free(srm_model_f32 *m)
{
    if (!m) return;
    free(m->w);
    free(m);
}

size_t srm_model_recurrent_count(const srm_model *m)
{
    size_t gn = m->gates * m->hidden;
    return gn * m->input + gn * m->hidden + 2 * gn;
}

void srm_model_f32_round(srm_model_f32 *dst, const srm_model *src, size_t first, size_t count,
                         srm_round_mode mode)
{
    const double *s = src->w + first;
    float *d = dst->w + first;
    if (mode == SRM_ROUND_NEAREST) {
        for (size_t i = 0; i < count; i++) d[i] = (float)s[i];
        return;
    }
    for (size_t i = 0; i < count; i++) {
        float v = (float)s[i];
        if (fabs((double)v) > fabs(s[i])) v = nextafterf(v, 0.0f);
        d[i] = v;
    }
}

void srm_model_f32_widen(srm_model *dst, const srm_model_f32 *src, size_t first, size_t count)
{
    const float *s = src->w + first;
    double *d = dst->w + first;
    for (size_t i = 0; i < count; i++) d[i] = s[i];
}
