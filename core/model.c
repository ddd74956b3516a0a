/* core/model.c: model storage (one parameter block), safetensors load/save, and the reference
 * one-step cell map phi_w(s, x) of proofs-notes/models.md section 2 (its arithmetic is
 * core/cell.h's). */
#include "core/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "core/gru.h"
#include "core/layout.h"
#include "core/safetensors.h"

static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "linear", "lstm", "gru"};

const char *srm_cell_name(srm_cell cell) { return cell_names[cell]; }

int srm_cell_parse(const char *text, srm_cell *out)
{
    static const struct {
        const char *name;
        srm_cell cell;
    } names[] = {{"rnn_tanh", SRM_CELL_RNN_TANH}, {"rnn", SRM_CELL_RNN_TANH},
                 {"tanh", SRM_CELL_RNN_TANH},     {"rnn_relu", SRM_CELL_RNN_RELU},
                 {"relu", SRM_CELL_RNN_RELU},     {"linear", SRM_CELL_LINEAR},
                 {"lstm", SRM_CELL_LSTM}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].cell;
            return SRM_OK;
        }
    return SRM_ERROR(SRM_EINVAL, "unknown cell '%s' (rnn, rnn_tanh, rnn_relu, linear, lstm)",
                     text);
}

srm_model *srm_model_alloc(srm_cell cell, size_t hidden, size_t input, size_t output,
                           size_t vocab)
{
    if (hidden == 0 || input == 0) {
        SRM_ERROR(SRM_EINVAL, "model sizes must be positive (hidden %zu, input %zu)", hidden,
                  input);
        return NULL;
    }
    if (hidden > (1u << 20) || input > (1u << 24) || output > (1u << 24) || vocab > (1u << 24)) {
        SRM_ERROR(SRM_EINVAL, "model sizes too large (hidden %zu, input %zu, output %zu, "
                  "vocab %zu)", hidden, input, output, vocab);
        return NULL;
    }
    srm_model *m = calloc(1, sizeof *m);
    if (!m) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    m->cell = cell;
    m->hidden = hidden;
    m->input = input;
    m->output = output;
    m->vocab = vocab;
    m->gates = cell == SRM_CELL_LSTM ? 4 : cell == SRM_CELL_GRU ? 3 : 1;
    size_t gn = m->gates * hidden;
    m->nparam = gn * input + gn * hidden + 2 * gn + output * hidden + output + vocab * input;
    m->w = calloc(m->nparam, sizeof(double));
    if (!m->w) {
        SRM_ERROR(SRM_ENOMEM, "out of memory for %zu parameters", m->nparam);
        free(m);
        return NULL;
    }
    double *p = m->w;
    m->weight_ih = p, p += gn * input;
    m->weight_hh = p, p += gn * hidden;
    m->bias_ih = p, p += gn;
    m->bias_hh = p, p += gn;
    m->decoder_weight = output ? p : NULL, p += output * hidden;
    m->decoder_bias = output ? p : NULL, p += output;
    m->encoder_weight = vocab ? p : NULL;
    return m;
}

srm_model *srm_model_alloc_like(const srm_model *m)
{
    return srm_model_alloc(m->cell, m->hidden, m->input, m->output, m->vocab);
}

void srm_model_free(srm_model *m)
{
    if (!m) return;
    free(m->w);
    free(m);
}

void srm_model_copy(srm_model *dst, const srm_model *src)
{
    memcpy(dst->w, src->w, src->nparam * sizeof(double));
}

void srm_model_zero(srm_model *m) { memset(m->w, 0, m->nparam * sizeof(double)); }

double srm_model_distance(const srm_model *a, const srm_model *b)
{
    /* Scaled two-pass norm to avoid overflow/underflow, like dnrm2 on the difference. */
    double scale = 0.0, ssq = 1.0;
    for (size_t i = 0; i < a->nparam; i++) {
        double d = fabs(a->w[i] - b->w[i]);
        if (d == 0.0) continue;
        if (scale < d) {
            ssq = 1.0 + ssq * (scale / d) * (scale / d);
            scale = d;
        } else {
            ssq += (d / scale) * (d / scale);
        }
    }
    return scale * sqrt(ssq);
}

size_t srm_model_state_size(const srm_model *m)
{
    return m->cell == SRM_CELL_LSTM ? 2 * m->hidden : m->hidden;
}

size_t srm_model_tensors(const srm_model *m, srm_model_tensor *t)
{
    size_t gn = m->gates * m->hidden, k = 0;
    t[k++] = (srm_model_tensor){SRM_TENSOR_WEIGHT_IH, 2, {gn, m->input}, m->weight_ih};
    t[k++] = (srm_model_tensor){SRM_TENSOR_WEIGHT_HH, 2, {gn, m->hidden}, m->weight_hh};
    t[k++] = (srm_model_tensor){SRM_TENSOR_BIAS_IH, 1, {gn, 0}, m->bias_ih};
    t[k++] = (srm_model_tensor){SRM_TENSOR_BIAS_HH, 1, {gn, 0}, m->bias_hh};
    if (m->output) {
        t[k++] = (srm_model_tensor){SRM_TENSOR_DECODER_WEIGHT, 2, {m->output, m->hidden},
                                    m->decoder_weight};
        t[k++] = (srm_model_tensor){SRM_TENSOR_DECODER_BIAS, 1, {m->output, 0}, m->decoder_bias};
    }
    if (m->vocab)
        t[k++] = (srm_model_tensor){SRM_TENSOR_ENCODER_WEIGHT, 2, {m->vocab, m->input},
                                    m->encoder_weight};
    return k;
}

int srm_model_save(const char *path, const srm_model *m)
{
    srm_model_tensor t[SRM_MODEL_TENSORS_MAX];
    size_t nt = srm_model_tensors(m, t);
    srm_tensors *ts = srm_tensors_alloc();
    if (!ts) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = srm_tensors_set_meta(ts, "cell", srm_cell_name(m->cell));
    for (size_t i = 0; i < nt && rc == SRM_OK; i++)
        rc = srm_tensors_add_view(ts, t[i].name, t[i].ndim, t[i].shape, t[i].data);
    if (rc == SRM_OK) rc = srm_safetensors_write(path, ts);
    srm_tensors_free(ts);
    return rc;
}

int srm_model_load(const char *path, srm_model **out) { return srm_model_load_with(path, NULL, out); }

int srm_model_load_with(const char *path, const srm_layout_options *opt, srm_model **out)
{
    *out = NULL;
    srm_tensors *ts;
    SRM_TRY(srm_safetensors_read(path, &ts));
    srm_layout *lay = malloc(sizeof *lay);
    int rc = lay ? srm_layout_find(path, ts, opt, lay) : SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK && lay->units > 1)
        rc = SRM_ERROR(SRM_EINVAL, "%s: %zu layer%s in %zu direction%s; this command reads one "
                       "layer in one direction (srm certify reads stacks and both directions)",
                       path, lay->layers, lay->layers > 1 ? "s" : "", lay->directions,
                       lay->directions > 1 ? "s" : "");
    if (rc == SRM_OK) rc = srm_layout_unit_model(path, lay, 0, SRM_LAYOUT_IO, out);
    free(lay);
    srm_tensors_free(ts);
    return rc;
}

size_t srm_cell_step_work_size(const srm_model *m)
{
    return (m->cell == SRM_CELL_GRU ? 4 : m->gates) * m->hidden;
}

void srm_cell_step(const srm_model *m, const double *s, const double *x, double *s_next,
                   double *work)
{
    if (m->cell == SRM_CELL_GRU) {
        srm_gru_forward(m, s, x, s_next, work, work + 3 * m->hidden);
        return;
    }
    size_t n = m->hidden, S = srm_model_state_size(m);
    srm_cell_preactivation(work, m, s, x);
    srm_cell_forward(s_next + (S - n), s_next, NULL, NULL, work, s, m->cell, 1, n, S);
}
