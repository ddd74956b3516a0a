/* task/train.h: training and evaluating the benchmark network (task/net.h) on the four tasks of
 * proofs-notes/experiments.md with plain SGD, as pytorch/examples word_language_model does.
 *
 * Data layout per task (the loaders of data/):
 *   wikitext2, ptbchar  the token stream cut into B columns (batchify); windows of `bptt` steps
 *                       predict the next token; the state is carried across windows (detached)
 *                       and reset at each epoch; evaluation uses eval_batch columns likewise.
 *   jsb                 one chorale = one sequence: frames 1..T-1 predict frames 2..T
 *                       (88 sigmoids); sequences are batched with padding masks.
 *   atis                one utterance = one sequence: each word predicts its slot tag
 *                       (per-token softmax); trained on atis-2.train, validated (model
 *                       selection, annealing) on atis-2.dev, tested on atis.test.
 * Training: per batch the mean loss, its gradient, clipping of the gradient norm at `clip`
 * (PyTorch's clip_grad_norm_), SGD with weight decay, then (--stable) the projection: RNN
 * singular values clipped at `radius`, LSTM rows scaled by srm_project_lstm. After each epoch:
 * validation; the model with the lowest validation loss is kept (DIR/model.safetensors),
 * and lr /= lr_decay whenever the validation loss does not improve.
 * The RNG is re-seeded from (seed, epoch) at each epoch (dropout, shuffling), so a run resumed
 * from the per-epoch checkpoint reproduces the uninterrupted run exactly.
 *
 * Metrics (task/metric.h): perplexity, bits per character, NLL per frame (lower is better), slot
 * F1 in percent (higher is better). Everything is double precision except, with precision
 * SRM_NET_FLOAT32 (the language-model presets), the decoder and softmax (task/net.h). */
#ifndef SRM_TRAIN_H
#define SRM_TRAIN_H

#include <stddef.h>

#include "task/dataset.h"
#include "core/model.h"
#include "task/net.h"
#include "task/task_data.h"

typedef struct {
    srm_task task;
    srm_cell cell;          /* SRM_CELL_RNN_TANH or SRM_CELL_LSTM */
    char preset[16];        /* "paper" or "quick": where the defaults came from */
    int stable;             /* project after every step */
    double radius;          /* RNN: ||W_hh||_2 <= radius */
    double lstm_a, lstm_margin, lstm_input_bound; /* srm_project_lstm's arguments */
    size_t hidden, embedding; /* embedding = input size (jsb: the 88 keys, no embedding) */
    double dropout, weight_decay, lr, clip, lr_decay;
    size_t batch, bptt, epochs, eval_batch;
    size_t max_train, max_valid, max_test; /* slices: tokens (LM) or sequences; 0 = all */
    unsigned long seed;
    srm_net_precision precision; /* decoder/softmax precision (task/net.h) */
} srm_train_config;

/* The defaults of `preset` ("paper": Table 2 exactly; "quick": a smaller setting that runs in
 * minutes) for a task and cell. SRM_EINVAL for an unknown preset or a cell other than rnn/lstm. */
int srm_train_config_preset(srm_train_config *c, srm_task task, srm_cell cell,
                            const char *preset);
/* Checks the ranges of every field (SRM_EINVAL naming the option). */
int srm_train_config_check(const srm_train_config *c);

/* The loaded task data, with slices applied: srm_task_data_load / srm_task_data_free
 * (task/task_data.h); srm_train_data is the trainer's name for it. */
typedef srm_task_data srm_train_data;

const char *srm_train_metric_name(srm_task task);       /* "perplexity", "bpc", ... */
int srm_train_metric_higher_is_better(srm_task task);  /* 1 for atis (F1) */

typedef struct {
    double metric;   /* the task's metric */
    double loss;     /* mean NLL per counted position (nats; jsb: per frame over 88 keys) */
    size_t count;    /* counted positions (tokens, frames or words) */
    double precision, recall; /* atis only (percent) */
} srm_eval_result;

/* Evaluates m on a split: the full model (trunc_k = 0) with eval_batch columns/sequences
 * (LM: windows of bptt steps, state carried) in the given precision, or the k-step truncated
 * model (always float64). SRM_EINVAL when the model's shapes do not fit the task. */
int srm_train_evaluate(const srm_model *m, const srm_train_data *d, srm_split split,
                       size_t trunc_k, size_t eval_batch, size_t bptt,
                       srm_net_precision precision, srm_eval_result *out);

/* One epoch's record, as written to DIR/log.tsv. */
typedef struct {
    size_t epoch;          /* 1-based */
    double train_loss;     /* mean training loss of the epoch (with dropout) */
    double valid_loss, valid_metric, lr, seconds, tokens_per_second;
    double norm_hh;        /* ||W_hh||_2 at the end of the epoch */
    double norm_inf[4];    /* LSTM ||W_i||_inf, ||W_f||, ||W_z||, ||W_o|| (NaN for the RNN) */
    int improved;
} srm_train_epoch;

typedef void (*srm_train_observer)(const srm_train_epoch *e, const srm_train_config *c,
                                   double eta_seconds, void *ctx);

typedef struct {
    srm_eval_result test, valid; /* best model */
    size_t best_epoch, epochs_done;
    double seconds;              /* training time over all sessions */
} srm_train_summary;

/* Trains per `c` and writes DIR/model.safetensors (best by validation), DIR/log.tsv,
 * DIR/checkpoint.safetensors (each epoch, atomically) and DIR/result.json. With resume != 0 the
 * run continues from DIR/checkpoint.safetensors; the caller passes the configuration stored
 * there (srm_train_checkpoint_config), possibly with more epochs. observer (may be NULL) is
 * called after each epoch. DIR must exist. */
int srm_train_run(const srm_train_config *c, const srm_train_data *d, const char *dir,
                  int resume, srm_train_observer observer, void *ctx, srm_train_summary *out);

/* Reads the configuration a checkpoint was written with. */
int srm_train_checkpoint_config(const char *dir, srm_train_config *c);

/* The evaluation settings of a model file (srm eval, srm analyze): SRM_EINVAL when its metadata
 * says it was trained on a task other than `task`. *eval_batch and *bptt are filled only where
 * they are 0 (not given): with the values srm train recorded, else (a model without them, e.g.
 * from srm init) with the task's paper preset (bptt 0 outside the language models). */
int srm_train_model_eval_settings(const char *path, srm_task task, size_t *eval_batch,
                                  size_t *bptt);

/* "float32" / "float64" and back. */
const char *srm_train_precision_name(srm_net_precision p);
int srm_train_precision_parse(const char *text, srm_net_precision *out);

/* The configuration as a JSON object text (malloc'ed), and back. */
char *srm_train_config_json(const srm_train_config *c);
int srm_train_config_from_json(const char *text, srm_train_config *c);

#endif
