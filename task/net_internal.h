/* task/net_internal.h: the benchmark network's workspace and the pieces its files share
 * (net.c workspace and dispatch, net_ops.c the arithmetic of both precisions from net_real.h,
 * net_trunc.c truncated evaluation). Not a public header: other modules use task/net.h. */
#ifndef SRM_NET_INTERNAL_H
#define SRM_NET_INTERNAL_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/model_f32.h"
#include "task/net.h"

struct srm_net {
    srm_cell cell;
    srm_net_output output;
    srm_net_precision precision;
    size_t n, d, gn, S, out, vocab, t_max, b_max;
    size_t T, B;            /* shape of the last forward */
    size_t rows_out;        /* the decoded rows of the last forward: T B, or B with out_step */
    size_t y_rows;          /* the decoder arrays' capacity in rows */
    int drop_in, drop_out;  /* the last forward used dropout masks */
    int trainable;          /* float64: the bound model may be written (srm_net_bind_trainable) */
    /* Weights and gradient: float64 trains the bound model m64 in place (borrowed) into the
     * gradient g64; float32 owns m32 and g32. Only the pair of the net's precision is set. */
    srm_model *m64, *g64;
    srm_model_f32 *m32, *g32;
    /* The workspace, all in the net's precision (double or float), carved from one block. */
    void *block;
    void *x, *xmask;        /* (R, d) input vectors after dropout, and the dropout multipliers */
    const void *xused;      /* x, or (float64) the caller's frames when nothing was copied */
    void *a;                /* (R, gn) pre-activations -> gate activations -> d pre-activations */
    void *h, *c;            /* (R + B, n) h_0 .. h_T and (LSTM) c_0 .. c_T */
    void *tc;               /* (R, n) LSTM tanh(c_t) */
    void *hd, *hmask;       /* (R, n) dropout of h_1 .. h_T and its multipliers */
    const void *hused;      /* hd, or h_1 .. h_T without output dropout */
    void *y;                /* (y_rows, out) logits -> probabilities -> d logits */
    void *dh;               /* (R, n) dloss/dh_t from the decoder */
    void *dsel;             /* (b_max, n) the same for the decoded rows of a chain batch */
    void *carry_h, *carry_c; /* (B, n) gradient through the recurrence */
    void *dx;               /* (R, d) gradient of the input vectors (encoder models) */
    void *ones;             /* (R) for column sums by GEMV */
    void *gbias;            /* (gn) bias gradient of one backward */
    double *final;          /* (B, S) state after the last step, in double */
    double *row_loss;       /* (y_rows) loss of each output row of the last forward */
    unsigned char *touched; /* (vocab) encoder row has a gradient since the last zeroing */
    size_t *rows, nrows;    /* the touched rows */
};

/* Threads of the elementwise loops that are split (softmax rows, large SGD updates): as many
 * as OpenBLAS uses for its GEMMs (OPENBLAS_NUM_THREADS), so the two never oversubscribe the
 * cores; the loops run outside every BLAS call. */
int srm_net_threads(void);
/* Loops over fewer elements stay on one thread: a parallel region costs microseconds, and its
 * threads then compete with OpenBLAS's for the cores (measured: ATIS at 2 threads ran 15% slower
 * than at 1 with every loop split). */
#define SRM_NET_SPLIT_MIN ((size_t)1 << 20)
/* One dropout draw: 1 (kept) unless uniform < p. The only rule: forward's masks and
 * srm_net_dropout_keep's flags must be the same draws for lockstep runs to match. */
static inline unsigned char srm_net_keep_draw(gsl_rng *rng, double p)
{
    return !(gsl_rng_uniform(rng) < p);
}

/* SRM_EINVAL unless m is a tanh RNN or an LSTM with a decoder. */
int srm_net_check_model(const srm_model *m);
/* Carves `count` arrays of sizes[i] elements of `elem` bytes out of one zeroed allocation
 * (NULL: out of memory; a size of 0 gives a NULL array). */
void *srm_net_carve(size_t count, const size_t *sizes, size_t elem, void **const *ptrs);

/* ---- net_ops.c, double (the names net_trunc.c uses) ---- */
/* Input vectors of positions [pos0, pos0 + rows) into x (rows, d): embedding rows or frames;
 * token ids are checked (SRM_EINVAL naming the position). */
int srm_net_gather_inputs(const srm_model *m, const srm_net_batch *b, size_t pos0, size_t rows,
                          double *x);
/* y (rows, out) = decoder_bias + h W_dec^T, h with row stride ldh. */
void srm_net_decode(const srm_model *m, const double *h, size_t ldh, size_t rows, double *y);
/* Loss of `rows` output rows y (rows, out) in place: logits become softmax probabilities or
 * sigmoids. pos0 is the time-major index of the first row, for targets, mask and errors. */
int srm_net_rows_loss(srm_net_output kind, double *y, size_t rows, size_t out,
                      const srm_net_batch *b, size_t pos0, double *loss, size_t *count);
/* Class with the largest output of each row into dst. */
void srm_net_argmax_rows(const double *y, size_t rows, size_t out, int32_t *dst);

/* ---- net_ops.c, the entry points of each precision (net.c dispatches) ---- */
#define SRM_NET_OPS_DECLARE(sfx)                                                                 \
    int srm_net_forward_##sfx(srm_net *net, const srm_net_batch *b, const double *state0,        \
                              double p_in, double p_out, gsl_rng *rng, double *loss_sum,         \
                              size_t *count);                                                    \
    void srm_net_argmax_##sfx(const srm_net *net, int32_t *out);                                 \
    void srm_net_backward_##sfx(srm_net *net, const srm_net_batch *b, double scale);             \
    void srm_net_grad_zero_##sfx(srm_net *net);                                                  \
    double srm_net_grad_norm_##sfx(const srm_net *net);                                          \
    double srm_net_sgd_step_##sfx(const srm_net *net, double lr, double grad_scale,              \
                                  double weight_decay);                                          \
    void srm_net_clamp_touched_rows_##sfx(const srm_net *net, double bound);                    \
    int srm_net_weights_finite_##sfx(const srm_net *net);
SRM_NET_OPS_DECLARE(f64)
SRM_NET_OPS_DECLARE(f32)
#undef SRM_NET_OPS_DECLARE

#endif
