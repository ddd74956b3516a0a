/* task/net_internal.h: the benchmark network's workspace and the pieces its files share
 * (net.c forward/backward, net_loss.c losses and decoder, net_sgd.c gradient bookkeeping,
 * net_trunc.c truncated evaluation). Not a public header: other modules use task/net.h. */
#ifndef SRM_NET_INTERNAL_H
#define SRM_NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "task/net.h"

struct srm_net {
    srm_cell cell;
    srm_net_output output;
    size_t n, d, gn, S, out, vocab, t_max, b_max;
    size_t T, B;            /* shape of the last forward */
    int drop_in, drop_out;  /* the last forward used dropout masks */
    double *block;          /* every array below points into it */
    double *x, *xmask;      /* (R, d) input vectors after dropout, and the dropout multipliers */
    const double *xused;    /* x, or the caller's frames when nothing was copied */
    double *a;              /* (R, gn) pre-activations -> gate activations -> d pre-activations */
    double *h, *c;          /* (R + B, n) h_0 .. h_T and (LSTM) c_0 .. c_T */
    double *tc;             /* (R, n) LSTM tanh(c_t) */
    double *hd, *hmask;     /* (R, n) dropout of h_1 .. h_T and its multipliers */
    const double *hused;    /* hd, or h_1 .. h_T without output dropout */
    double *y;              /* (R, out) logits -> probabilities -> d logits (float64) */
    float *yf, *hf, *wf, *bf, *dwf, *dhf, *onesf; /* float32 decoder: y, hused, decoder weight
                                                      and bias, d weight, d hused, ones */
    double *dh;             /* (R, n) dloss/dh_t from the decoder */
    double *carry_h, *carry_c; /* (B, n) gradient through the recurrence */
    double *dx;             /* (R, d) gradient of the input vectors (encoder models) */
    double *ones;           /* (R) for column sums by GEMV */
    double *gbias;          /* (gn) bias gradient of one backward */
    double *final;          /* (B, S) state after the last step */
    unsigned char *touched; /* (vocab) encoder row has a gradient since the last zeroing */
    size_t *rows, nrows;    /* the touched rows */
};

/* SRM_EINVAL unless m is a tanh RNN or an LSTM with a decoder. */
int srm_net_check_model(const srm_model *m);
/* Carves `count` arrays of the given sizes out of one zeroed allocation (NULL: out of memory). */
double *srm_net_carve(size_t count, const size_t *sizes, double **const *ptrs);
/* Input vectors of positions [pos0, pos0 + rows) into x (rows, d): embedding rows or frames;
 * token ids are checked (SRM_EINVAL naming the position). */
int srm_net_gather_inputs(const srm_model *m, const srm_net_batch *b, size_t pos0, size_t rows,
                          double *x);

/* ---- net_loss.c ---- */
/* y (rows, out) = decoder_bias + h W_dec^T, h with row stride ldh. */
void srm_net_decode(const srm_model *m, const double *h, size_t ldh, size_t rows, double *y);
/* Loss of `rows` output rows y (rows, out) in place: logits become softmax probabilities or
 * sigmoids. pos0 is the time-major index of the first row, for targets, mask and errors. */
int srm_net_rows_loss(srm_net_output kind, double *y, size_t rows, size_t out,
                      const srm_net_batch *b, size_t pos0, double *loss, size_t *count);
/* Class with the largest output of each row into dst. */
void srm_net_argmax_rows(const double *y, size_t rows, size_t out, int32_t *dst);
/* The decoder and loss of the last forward's R = T B rows of net->hused, float64 or float32. */
int srm_net_decode_loss(srm_net *net, const srm_model *m, const srm_net_batch *b,
                        double *loss_sum, size_t *count);
/* Backward of the decoder: d logits = scale (p - target) on counted rows, the decoder's
 * gradients accumulated into grad, and net->dh = d logits W_dec. */
void srm_net_backward_decoder(srm_net *net, const srm_model *m, const srm_net_batch *b,
                              double scale, srm_model *grad);

#endif
