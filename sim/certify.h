/* sim/certify.h: the stability certificate of a recurrent module read from any PyTorch state
 * dict (core/layout.h): every layer and direction, the input bound each one reads, and the
 * truncation length of the whole stack (theory/cascade.h; proofs-notes/cascade.md).
 *
 * Per unit (layer, direction), in the norm its cell is certified in:
 *   RNN-type cells (2-norm): lambda = ||W_hh||_2, L_x = ||W_ih||_2, and D = the state bound H of
 *     sim/truncate.h, from the input's 2-norm bound;
 *   LSTM (max norm on (c, h)): srm's four conditions and lambda_inf (theory/stability.h), f_max
 *     from the input's max-norm bound, L_x = ||U_i||/4 + ||U_z|| + ||U_f||/(4a) + ||U_o||/4, and
 *     D = 1/a;
 *   GRU (max norm on h): lambda_inf and L_x of theory/stability.h, D = 1.
 * The input bound B (max norm): --input-bound when given, else the largest |entry| of the
 * model's embedding, else 1. Layer 0 of an RNN reads ||x||_2 <= the largest row 2-norm of the
 * embedding (sqrt(d) B without one, or with --input-bound). The layers above read the outputs of
 * the layer below: |h| < 1 for tanh and the LSTM (2-norm sqrt(n D)); the concatenated state
 * bounds for ReLU and linear cells. */
#ifndef SRM_CERTIFY_H
#define SRM_CERTIFY_H

#include <stddef.h>

#include "core/layout.h"
#include "sim/truncate.h"
#include "theory/cascade.h"
#include "theory/stability.h"

typedef struct {
    char label[32];           /* "layer 0", "layer 1 reverse" */
    size_t layer, input;      /* input = columns of weight_ih */
    int reverse;
    double input_bound;       /* the bound this unit reads, in its norm */
    const char *input_from;   /* where it came from */
    srm_truncation_constants tc; /* lambda, state bound, ... */
    srm_rnn_stability rnn;    /* RNN-type cells */
    srm_lstm_stability lstm;  /* LSTM */
    srm_gru_stability gru;    /* GRU */
    double lipschitz_x;       /* L_x in the unit's norm */
    int stable;               /* RNN: lambda < 1; LSTM: srm's conditions (theory/stability.h) */
} srm_certify_unit;

typedef struct {
    srm_layout layout;
    double input_bound;     /* B, max norm, of layer 0's inputs */
    char input_from[SRM_LAYOUT_NAME_MAX + 32]; /* "embedding 'x.weight'", "--input-bound", ... */
    char input2_from[SRM_LAYOUT_NAME_MAX + 48]; /* where layer 0's 2-norm bound (RNN) came from */
    srm_certify_unit unit[2 * SRM_LAYOUT_MAX_LAYERS];
    int stable;             /* every unit certified */
    int contractive;        /* every unit has lambda < 1: the cascade bound applies */
    srm_cascade cascade;
    srm_cascade_unit cascade_unit[2 * SRM_LAYOUT_MAX_LAYERS];
    int has_decoder;         /* srm's decoder.weight is in the file */
    double output_lipschitz; /* ||decoder.weight|| in the gap norm; 1 without a decoder */
} srm_certify;

typedef struct {
    const char *prefix, *nonlinearity; /* core/layout.h options */
    double input_bound;                /* NaN: from the embedding, or 1 */
} srm_certify_options;

/* Reads path and certifies every unit. Bad files are SRM_EINVAL naming the file. The layout's
 * tensor pointers are NULL on return (the file is freed); its counts and names stay. */
int srm_certify_file(const char *path, const srm_certify_options *opt, srm_certify *out);

/* For a contractive stack: the smallest k whose bound on the output gap (the decoder's, or the
 * top layer's) is at most eps (theory/cascade.h), and that bound. */
int srm_certify_k(const srm_certify *c, double eps, long long *k, double *bound);

#endif
