/* core/layout.h: the recurrent layers of a PyTorch state dict, found by their names.
 *
 * nn.RNN, nn.LSTM and nn.GRU name their tensors <prefix>weight_ih_l<L>[_reverse],
 * weight_hh_l<L>[_reverse], bias_ih_l<L>[_reverse], bias_hh_l<L>[_reverse] (no biases when
 * bias=False), where the prefix is the module path ("rnn.", "encoder.lstm.", or none). The
 * layout reads what a file holds, with no srm metadata needed:
 *   - the cell from the shapes: weight_hh has G n rows and n columns, G = 4 for an LSTM, 3 for a
 *     GRU and 1 for an RNN (tanh unless the metadata "cell" or the caller says relu or linear);
 *     a metadata "cell", where present, must agree;
 *   - the layers 0..L-1 and the directions (1, or 2 with every layer's _reverse tensors);
 *   - layer 0's input size d, and n D for the layers above (D directions, outputs concatenated);
 *   - the embedding: srm's "encoder.weight", or a [V, d] tensor whose name ends in
 *     "embedding.weight", "embeddings.weight", "embed.weight" or "emb.weight";
 *   - srm's readout "decoder.weight" [m, n D] and "decoder.bias" [m];
 *   - in srm's checkpoints, the module under "best." is passed over unless --prefix names it.
 * Every error names the file and the tensor; when no recurrent tensor matches, it lists the
 * names found and the names expected. Proof of what the layers mean: proofs-notes/cascade.md. */
#ifndef SRM_LAYOUT_H
#define SRM_LAYOUT_H

#include <stddef.h>

#include "core/model.h"
#include "core/safetensors.h"

#define SRM_LAYOUT_MAX_LAYERS 64
#define SRM_LAYOUT_NAME_MAX 256

/* One layer in one direction: its tensors (biases NULL when the module has none). */
typedef struct {
    size_t layer;
    int reverse;
    size_t input; /* columns of weight_ih */
    const srm_tensor *weight_ih, *weight_hh, *bias_ih, *bias_hh;
} srm_layout_unit;

typedef struct {
    char prefix[SRM_LAYOUT_NAME_MAX];
    srm_cell cell;
    int gru;            /* 3 n gate rows: a GRU (cell is then meaningless) */
    const char *cell_from; /* "shapes", "metadata" or "--nonlinearity" */
    size_t layers, directions, hidden, gates;
    size_t units;       /* layers * directions, in the order l0, l0_reverse, l1, ... */
    srm_layout_unit unit[2 * SRM_LAYOUT_MAX_LAYERS];
    const srm_tensor *embedding; /* NULL when the file has none */
    const srm_tensor *decoder_weight, *decoder_bias;
} srm_layout;

typedef struct {
    const char *prefix;       /* NULL: the only module prefix in the file */
    const char *nonlinearity; /* NULL, "tanh", "relu" or "linear" (RNN cells only) */
} srm_layout_options;

/* srm_model_load (core/model.h) with the layout's options (--prefix, --nonlinearity); opt NULL:
 * none. */
int srm_model_load_with(const char *path, const srm_layout_options *opt, srm_model **out);

/* The input bound an embedding table gives gated cells: its largest |entry| (the max norm of
 * every input row). The one home of this bound: srm certify, stability and project use it. */
double srm_layout_embedding_bound(const double *table, size_t count);

/* Finds the layout of ts (read from path, which errors name). opt may be NULL. */
int srm_layout_find(const char *path, const srm_tensors *ts, const srm_layout_options *opt,
                    srm_layout *out);

/* Unit u as a one-layer srm_model in double. flags: SRM_LAYOUT_IO adds the embedding (as
 * encoder) and the decoder; SRM_LAYOUT_GRU lets a GRU through (SRM_CELL_GRU, which only the
 * reference step runs; without it a GRU is an error saying so). Non-finite weights are an
 * error naming the tensor. */
#define SRM_LAYOUT_IO 1
#define SRM_LAYOUT_GRU 2
int srm_layout_unit_model(const char *path, const srm_layout *lay, size_t u, int flags,
                          srm_model **out);

/* Sets every tensor pointer of lay to NULL, for a layout kept after its file is freed (its
 * counts, shapes and names stay). */
void srm_layout_forget_tensors(srm_layout *lay);

/* "layer 1 reverse" style label of unit u, into buf. */
const char *srm_layout_unit_label(const srm_layout *lay, size_t u, char *buf, size_t size);

#endif
