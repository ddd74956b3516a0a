/* core/model_f32.h: a model's parameters in single precision, for float32 training (task/net.h).
 * The fields are srm_model's, with float storage in the same block order and offsets, so that
 * code written once over either type (core/cell_real.h, task/net_real.h) reads the same names.
 * The double srm_model stays the interchange: files, projections, bounds and certificates are
 * computed on the float weights widened to double, which is exact. */
#ifndef SRM_MODEL_F32_H
#define SRM_MODEL_F32_H

#include <stddef.h>

#include "core/model.h"

typedef struct {
    srm_cell cell;
    size_t hidden, input, output, vocab, gates, nparam;
    float *w; /* every parameter, contiguous, in srm_model's order */
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh;
    float *decoder_weight, *decoder_bias; /* NULL when output == 0 */
    float *encoder_weight;                /* NULL when vocab == 0 */
} srm_model_f32;

/* Same shapes as m, zero-filled; NULL (error recorded) when out of memory. */
srm_model_f32 *srm_model_f32_alloc_like(const srm_model *m);
void srm_model_f32_free(srm_model_f32 *m);

/* Number of rnn.* parameters (weight_ih, weight_hh, bias_ih, bias_hh): they come first in the
 * block of either type. */
size_t srm_model_recurrent_count(const srm_model *m);

/* How doubles become floats: to nearest (IEEE default), or toward zero, which never increases
 * an entry's magnitude and so keeps every absolute row sum and |bias| at or below its double
 * value (the LSTM projection's row-sum certificate survives the rounding). */
typedef enum { SRM_ROUND_NEAREST = 0, SRM_ROUND_TOWARD_ZERO = 1 } srm_round_mode;

/* dst->w[first .. first + count) = src->w[...] rounded; same shapes required. */
void srm_model_f32_round(srm_model_f32 *dst, const srm_model *src, size_t first, size_t count,
                         srm_round_mode mode);
/* dst->w[first .. first + count) = src->w[...] widened to double (exact). */
void srm_model_f32_widen(srm_model *dst, const srm_model_f32 *src, size_t first, size_t count);

#endif
