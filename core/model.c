/* core/model.c: model storage (one parameter block), safetensors load/save, and the reference
 * one-step cell map phi_w(s, x) of proofs-notes/models.md section 2 (its arithmetic is
 * core/cell.h's). */
#include "core/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "core/safetensors.h"

static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "linear", "lstm"};

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
    m->gates = cell == SRM_CELL_LSTM ? 4 : 1;
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

static int expect_shape(const char *path, const srm_tensor *t, size_t ndim, size_t d0, size_t d1)
{
    int ok = t->ndim == ndim && t->shape[0] == d0 && (ndim == 1 || t->shape[1] == d1);
    if (ok) return SRM_OK;
    if (ndim == 1)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has the wrong shape (expected [%zu])", path,
                         t->name, d0);
    return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has the wrong shape (expected [%zu, %zu])",
                     path, t->name, d0, d1);
}

/* The model's shapes from the header tensors of ts: presence, ranks and the cell's [G n, n]
 * recurrent matrix are checked; *out receives a zeroed model of those shapes. */
static int model_from_header(const char *path, const srm_tensors *ts, srm_model **out)
{
    const char *cell_text = srm_tensors_meta(ts, "cell");
    srm_cell cell = SRM_CELL_RNN_TANH;
    const srm_tensor *hh = srm_tensors_find(ts, SRM_TENSOR_WEIGHT_HH);
    const srm_tensor *ih = srm_tensors_find(ts, SRM_TENSOR_WEIGHT_IH);
    const srm_tensor *dec = srm_tensors_find(ts, SRM_TENSOR_DECODER_WEIGHT);
    const srm_tensor *dec_bias = srm_tensors_find(ts, SRM_TENSOR_DECODER_BIAS);
    const srm_tensor *enc = srm_tensors_find(ts, SRM_TENSOR_ENCODER_WEIGHT);
    static const char *const required[] = {SRM_TENSOR_WEIGHT_IH, SRM_TENSOR_WEIGHT_HH,
                                           SRM_TENSOR_BIAS_IH, SRM_TENSOR_BIAS_HH};
    if (!cell_text)
        return SRM_ERROR(SRM_EINVAL, "%s: __metadata__ has no \"cell\" (rnn_tanh, rnn_relu, "
                         "linear, lstm)", path);
    if (srm_cell_parse(cell_text, &cell) != SRM_OK)
        return SRM_ERROR(SRM_EINVAL, "%s: __metadata__ cell '%s' is not rnn_tanh, rnn_relu, "
                         "linear or lstm", path, cell_text);
    for (size_t i = 0; i < 4; i++)
        if (!srm_tensors_find(ts, required[i]))
            return SRM_ERROR(SRM_EINVAL, "%s: missing tensor '%s'", path, required[i]);
    if (hh->ndim != 2 || ih->ndim != 2)
        return SRM_ERROR(SRM_EINVAL, "%s: %s and %s must be matrices", path,
                         SRM_TENSOR_WEIGHT_HH, SRM_TENSOR_WEIGHT_IH);
    if (!dec != !dec_bias)
        return SRM_ERROR(SRM_EINVAL, "%s: missing tensor '%s' (%s present)", path,
                         dec ? SRM_TENSOR_DECODER_BIAS : SRM_TENSOR_DECODER_WEIGHT,
                         dec ? SRM_TENSOR_DECODER_WEIGHT : SRM_TENSOR_DECODER_BIAS);
    if ((dec && dec->ndim != 2) || (enc && enc->ndim != 2))
        return SRM_ERROR(SRM_EINVAL, "%s: %s and %s must be matrices", path,
                         SRM_TENSOR_DECODER_WEIGHT, SRM_TENSOR_ENCODER_WEIGHT);
    size_t n = hh->shape[1], gates = cell == SRM_CELL_LSTM ? 4 : 1;
    if (n == 0 || hh->shape[0] != gates * n)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has shape [%zu, %zu]; a %s cell needs "
                         "[%zu*n, n]", path, SRM_TENSOR_WEIGHT_HH, hh->shape[0], hh->shape[1],
                         srm_cell_name(cell), gates);
    *out = srm_model_alloc(cell, n, ih->shape[1], dec ? dec->shape[0] : 0,
                           enc ? enc->shape[0] : 0);
    return *out ? SRM_OK : srm_error_code();
}

int srm_model_load(const char *path, srm_model **out)
{
    *out = NULL;
    srm_tensors *ts;
    SRM_TRY(srm_safetensors_read(path, &ts));
    srm_model *m = NULL;
    int rc = model_from_header(path, ts, &m);
    if (rc == SRM_OK) {
        srm_model_tensor t[SRM_MODEL_TENSORS_MAX];
        size_t nt = srm_model_tensors(m, t);
        for (size_t i = 0; i < nt && rc == SRM_OK; i++) {
            const srm_tensor *src = srm_tensors_find(ts, t[i].name);
            rc = expect_shape(path, src, t[i].ndim, t[i].shape[0], t[i].shape[1]);
            for (size_t j = 0; rc == SRM_OK && j < src->size; j++)
                if (!isfinite(src->data[j]))
                    rc = SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' holds a NaN or Inf at index %zu",
                                   path, t[i].name, j);
            if (rc == SRM_OK) memcpy(t[i].data, src->data, src->size * sizeof(double));
        }
    }
    srm_tensors_free(ts);
    if (rc != SRM_OK) {
        srm_model_free(m);
        return rc;
    }
    *out = m;
    return SRM_OK;
}

size_t srm_cell_step_work_size(const srm_model *m) { return m->gates * m->hidden; }

void srm_cell_step(const srm_model *m, const double *s, const double *x, double *s_next,
                   double *work)
{
    size_t n = m->hidden, S = srm_model_state_size(m);
    srm_cell_preactivation(work, m, s, x);
    srm_cell_forward(s_next + (S - n), s_next, NULL, NULL, work, s, m->cell, 1, n, S);
}
