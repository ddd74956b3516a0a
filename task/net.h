/* task/net.h: the benchmark network of proofs-notes/experiments.md, batched for training speed.
 *
 *   input (embedding row, or the frame itself for music) -> dropout -> one tanh RNN or LSTM
 *   layer -> dropout -> decoder -> softmax over classes (words, characters, slot tags) or
 *   independent sigmoids (the 88 keys of music)
 *
 * Weights live in an srm_model (core/model.h: encoder.weight, rnn.*, decoder.*). A batch is B
 * columns advanced together over T steps, stored time-major: row t*B + b of every (T, B, ...)
 * array is step t of column b. Per step the recurrence is one GEMM (B x n) x (n x G n); the
 * input projection, the decoder and every weight gradient are one GEMM over all T*B rows.
 * Dropout is inverted dropout (kept units scaled by 1/(1-p)), as torch.nn.Dropout, drawn from
 * the caller's GSL RNG; evaluation passes p = 0.
 *
 * Losses per counted position (mask): softmax cross-entropy -log p(target) in nats, or for
 * sigmoids the sum over outputs of the binary cross-entropy softplus(y) - z y. Forward returns
 * the SUM and the number of counted positions; backward accumulates the gradient of
 * scale * SUM (scale = 1/count gives the mean, as PyTorch's losses). The initial state is an
 * input without gradient (PyTorch's detached hidden state in truncated BPTT).
 *
 * The k-step truncated evaluation (srm_net_trunc_*) gives every position t the state restarted
 * from zero k steps back (it sees inputs t-k+1..t only, proofs-notes/models.md) at O(T k) cost,
 * on sim/window.h's truncation engine (the one the synthetic lab uses): the windows of a chunk
 * of C positions are C rows that advance together, and at each time u exactly the windows that
 * contain u, a contiguous range of rows, advance in one GEMM.
 * The cell arithmetic, forward and backward, is core/cell.h's. Files: net.c (workspace,
 * binding, dispatch), net_real.h (forward, backward, decoder, losses, SGD, written once and
 * instantiated per precision by net_ops.c), net_trunc.c (truncated evaluation, double). */
#ifndef SRM_NET_H
#define SRM_NET_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/model_f32.h"

typedef enum { SRM_NET_SOFTMAX = 0, SRM_NET_SIGMOID = 1 } srm_net_output;

typedef struct {
    size_t T, B;                 /* steps and columns; arrays below are time-major */
    const int32_t *tokens;       /* (T, B) input ids, for a model with an encoder */
    const double *frames;        /* (T, B, d) input vectors, for a model without one */
    const int32_t *targets;      /* (T, B) class ids (softmax) */
    const double *target_frames; /* (T, B, m) targets in [0, 1] (sigmoid) */
    const unsigned char *mask;   /* (T, B) 1 where the loss counts; NULL: everywhere */
    /* Optional. out_step (B): only step out_step[b] of column b is decoded and scored (the
     * chains of srm_net_chains: one output per column); targets, target_frames and mask are
     * then (B) arrays, one entry per column. NULL: every step. */
    const uint32_t *out_step;
    /* Optional dropout masks, 1 = unit kept (scaled by 1/(1-p)), 0 = dropped: keep_in (T, B, d)
     * for the input vectors, keep_out (T, B, n), or (B, n) with out_step, for the RNN output.
     * NULL: drawn from the RNG (gsl_rng_uniform < p drops, inputs first, then outputs, which
     * is the order srm_net_dropout_keep draws them in). */
    const unsigned char *keep_in, *keep_out;
} srm_net_batch;

typedef struct srm_net srm_net;

/* The arithmetic of training and evaluation. SRM_NET_FLOAT64 is the reference: every weight,
 * activation and gradient in double. SRM_NET_FLOAT32 runs all of it in single precision:
 * embedding, input projection, recurrence, gates (core/cell.h's float kernel), backward,
 * decoder, softmax or sigmoids, and the SGD step on float weights the net owns. Losses,
 * gradient norms and the final state are summed and returned in double in both. The double
 * srm_model stays the interchange (srm_net_bind, srm_net_sync): projections, norms, bounds and
 * certificates are computed on the float weights widened to double, which is exact.
 * Measured agreement with float64 on the same batch: tests/test_train.c (test_f32_*). */
typedef enum { SRM_NET_FLOAT64 = 0, SRM_NET_FLOAT32 = 1 } srm_net_precision;

/* Workspace for batches of up to t_max steps and b_max columns of models shaped as m (a tanh
 * RNN or an LSTM with a decoder; SRM_EINVAL, recorded, NULL returned otherwise). The net holds
 * a gradient of m's shape; float32 also holds the weights. */
srm_net *srm_net_alloc(const srm_model *m, srm_net_output output, srm_net_precision precision,
                       size_t t_max, size_t b_max);
void srm_net_free(srm_net *net);
/* The same for chain batches (out_step set): up to k_max steps of b_max columns, of which one
 * row each is decoded, so the decoder's arrays hold b_max rows rather than k_max * b_max. */
srm_net *srm_net_alloc_chains(const srm_model *m, srm_net_output output,
                              srm_net_precision precision, size_t k_max, size_t b_max);

/* Draws count keep flags (0 with probability p) from rng, as forward draws its masks. */
void srm_net_dropout_keep(gsl_rng *rng, double p, size_t count, unsigned char *keep);

/* PyTorch's initialisation (pytorch/examples word_language_model): every rnn.* entry
 * uniform in +-1/sqrt(n), encoder and decoder weights uniform in +-0.1, decoder bias 0. */
void srm_net_init(srm_model *m, gsl_rng *rng);

/* The weights forward and backward read. float64 reads m itself (borrowed: it must outlive
 * the use); float32 rounds m to nearest into its own weights. srm_net_bind_trainable also lets
 * srm_net_sgd_step and srm_net_clamp_touched_rows write them (float64: m in place). SRM_EINVAL
 * when m's shapes are not the workspace's. */
int srm_net_bind(srm_net *net, const srm_model *m);
int srm_net_bind_trainable(srm_net *net, srm_model *m);
/* The net's weights into m (same shapes): float32 widens them (exact); float64 copies the bound
 * model unless m is that model. The _recurrent forms move the rnn.* tensors only (the ones the
 * projections change), rounding with `mode` on the way in. */
void srm_net_sync(const srm_net *net, srm_model *m);
void srm_net_sync_recurrent(const srm_net *net, srm_model *m);
void srm_net_bind_recurrent(srm_net *net, const srm_model *m, srm_round_mode mode);
srm_net_precision srm_net_get_precision(const srm_net *net);

/* Forward pass over a batch with the bound weights, keeping what backward needs. state0 (B, S;
 * LSTM rows c then h) is the initial state, NULL for zeros. p_in and p_out are the dropout
 * probabilities of the input vectors and of the RNN output (0 = none; rng may then be NULL).
 * Token and target ids are checked (SRM_EINVAL naming the position). */
int srm_net_forward(srm_net *net, const srm_net_batch *b, const double *state0, double p_in,
                    double p_out, gsl_rng *rng, double *loss_sum, size_t *count);

/* The state (B, S) after the last step of the last forward (to carry into the next window). */
const double *srm_net_final_state(const srm_net *net);

/* The last forward's outputs, in double: (T*B, out), or (B, out) with out_step, softmax
 * probabilities or sigmoids, before backward overwrites them. */
void srm_net_outputs(const srm_net *net, double *dst);

/* Class with the largest output at each of the T*B positions of the last forward. */
void srm_net_argmax(const srm_net *net, int32_t *out);

/* Accumulates the gradient of scale * (the last forward's loss sum) into the net's gradient.
 * Encoder rows are accumulated sparsely: only the rows of tokens seen since the last
 * srm_net_grad_zero are touched, and the functions below know which. */
void srm_net_backward(srm_net *net, const srm_net_batch *b, double scale);

/* Zeroes the gradient (the dense part and the encoder rows touched since the last call). */
void srm_net_grad_zero(srm_net *net);
/* ||grad||_2 over every parameter (untouched encoder rows are zero), summed in double. */
double srm_net_grad_norm(const srm_net *net);
/* The gradient widened (or copied) into g, a model of the net's shapes. */
void srm_net_grad_get(const srm_net *net, srm_model *g);
/* SGD step w -= lr (grad_scale * grad + weight_decay * w), as torch.optim.SGD after
 * clip_grad_norm_, in the net's precision. With weight decay every encoder row decays, else only
 * touched rows move. Returns ||W_hh after - W_hh before||_F of the stored values (a Weyl bound's
 * increment; NAN when the weights are not bound trainable). */
double srm_net_sgd_step(srm_net *net, double lr, double grad_scale, double weight_decay);
/* 1 when every trainable weight is finite (0 after an overflowing step). */
int srm_net_weights_finite(const srm_net *net);

/* Clamps the encoder rows the last backward touched to [-bound, bound] (the only rows an SGD
 * step can move outward: the others at most shrink under weight decay). With --stable the LSTM
 * conditions assume ||x||_inf <= B_x; for embedding inputs this keeps that assumption true (in
 * float32 the clamp value is rounded toward zero, never above bound). */
void srm_net_clamp_touched_rows(srm_net *net, double bound);

typedef struct srm_net_trunc srm_net_trunc;

/* Workspace for truncated evaluation of up to b_max equal-length columns, `chunk` positions
 * per pass (rows = chunk * b_max bound the memory; 256 rows is plenty for GEMM speed). */
srm_net_trunc *srm_net_trunc_alloc(const srm_model *m, srm_net_output output, size_t chunk,
                                   size_t b_max);
void srm_net_trunc_free(srm_net_trunc *tw);

/* Loss sum and count of the k-step truncated model (k >= 1) over b (any length T; mask as in
 * forward); argmax (T*B, may be NULL) receives the predicted classes. With k >= T every window
 * starts at step 0, which is the full model from the zero state. */
int srm_net_trunc_eval(srm_net_trunc *tw, const srm_model *m, const srm_net_batch *b, size_t k,
                       double *loss_sum, size_t *count, int32_t *argmax);

/* ---- the k-step truncated network as a feed-forward net, for training (net_chain.c) ----
 *
 * The truncated model predicts y_t from the zero state k steps back: it sees the inputs of
 * positions t-k+1 .. t only (from the first position when t < k). Its chains are the columns
 * of a batch for srm_net_forward: chain c = t B + b of a window of T steps by B columns runs
 * from the zero state over the L <= k inputs that position (t, b) sees, left-aligned (steps
 * 0 .. L-1; later steps read padding and are never decoded), and out_step[c] = L - 1. Its
 * loss is the window's loss at (t, b), and backward through the same network gives the exact
 * gradient of the truncated model: nothing reaches a chain from outside it. One forward is k
 * GEMMs of T B rows, about k times the recurrent model's recurrence FLOPs; the decoder runs on
 * the T B decoded rows only.
 * A window of a token stream (the language models) sees `P` earlier positions of its columns
 * (the end of the previous window): chains at its first positions start there, so the model is
 * a k-gram network over the stream, not reset at each window. Memory of the chains: (k T B)
 * tokens or (k T B d) frames, (k T B d) input keep flags, (T B) targets, masks and steps; the
 * network workspace (srm_net_alloc_chains with k_max = k, b_max = T B) holds k T B rows of its
 * activations. */
typedef struct {
    size_t k, t_max, b_max, d, n; /* the workspace's capacity */
    int32_t *tokens;              /* (k, t_max b_max) chain inputs, time-major */
    double *frames;               /* (k, t_max b_max, d) for models without an encoder */
    unsigned char *keep_in;       /* (k, t_max b_max, d) input keep flags of the chain steps */
    uint32_t *out_step;           /* (t_max b_max) */
    unsigned char *mask;          /* (t_max b_max) */
    srm_net_batch b;              /* the last build */
} srm_net_chains;

/* Buffers for chains of up to k steps over windows of up to t_max steps by b_max columns,
 * inputs of d entries (tokens when frames == 0), n hidden units. */
int srm_net_chains_alloc(srm_net_chains *ch, size_t k, size_t t_max, size_t b_max, size_t d,
                         size_t n, int frames);
void srm_net_chains_free(srm_net_chains *ch);

/* The chains of window w (T steps by B columns: inputs, targets, mask and, optional, keep_in
 * (T, B, d) and keep_out (T, B, n)) into ch->b. P <= k - 1 earlier positions precede the window
 * in every column: ctx_tokens (P, B) and ctx_keep (P, B, d) (NULL when P == 0 or without input
 * dropout); only token windows have a context. targets, target_frames and keep_out of the chain
 * batch point into w. SRM_EINVAL when w does not fit. */
int srm_net_chains_build(srm_net_chains *ch, const srm_net_batch *w, size_t P,
                         const int32_t *ctx_tokens, const unsigned char *ctx_keep);

#endif
