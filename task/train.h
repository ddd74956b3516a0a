/* task/train.h: training and evaluating the benchmark network (task/net.h) on the four tasks of
 * the paper's experiments (proofs-notes/experiments.md) with plain SGD, as pytorch/examples
 * word_language_model does.
 *
 * Data layout per task (the loaders of task/task_data.h):
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
 * singular values clipped at `radius`, LSTM rows scaled by srm_project_lstm (--projection
 * paper: the full SVD clip, and srm_project_lstm_paper's column rescaling). After each epoch:
 * validation; the model with the best validation score is kept (DIR/model.safetensors: the
 * lowest validation loss, for ATIS the highest slot F1), and lr /= lr_decay when the task's
 * schedule says so (srm_train_decays: plateau for the LMs, tcn for music, constant for ATIS).
 * The RNG is re-seeded from (seed, epoch) at each epoch (dropout, shuffling), so a run resumed
 * from the per-epoch checkpoint reproduces the uninterrupted run exactly. The configuration
 * and the table of its hyper-parameters are in task/train_config.h; the caller drives the
 * epochs (srm_trainer_*).
 *
 * Metrics (task/metric.h): perplexity, bits per character, NLL per frame (lower is better), slot
 * F1 in percent (higher is better). Everything is double precision except, with precision
 * SRM_NET_FLOAT32 (the default), the whole training arithmetic (task/net.h). */
#ifndef SRM_TRAIN_H
#define SRM_TRAIN_H

#include <stddef.h>

#include "task/dataset.h"
#include "core/model.h"
#include "task/net.h"
#include "task/task_data.h"
#include "task/train_config.h"

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
int srm_train_evaluate(const srm_model *m, const srm_task_data *d, srm_split split,
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
    double eta_seconds;    /* the run's remaining time at the mean epoch time (not logged) */
} srm_train_epoch;

typedef struct {
    srm_eval_result test, valid; /* best model */
    size_t best_epoch, epochs_done;
    double seconds;              /* training time over all sessions */
    size_t diverged_epoch;       /* --allow-divergence: the first epoch past the factor (0: none) */
} srm_train_summary;

/* Every step checks the batch loss, the gradient and the updated weights: a non-finite value
 * stops training with SRM_EDIVERGED (exit status 3), and so does a batch's mean loss above
 * SRM_TRAIN_DIVERGENCE_FACTOR times the initial loss (epoch 1's first batch, then epoch 1's
 * mean), unless srm_trainer_allow_divergence was called, which records the epoch instead. */
#define SRM_TRAIN_DIVERGENCE_FACTOR 1e2
#define SRM_TRAIN_DIVERGENCE_TEXT "100"

/* The trainer, driven by the caller (GSL style):
 *
 *     srm_trainer *tr;
 *     SRM_TRY(srm_trainer_alloc(&c, d, dir, resume, &tr));
 *     int done = srm_trainer_done(tr);
 *     while (rc == SRM_OK && !done) rc = srm_trainer_epoch(tr, &e, &done);
 *     if (rc == SRM_OK) rc = srm_trainer_finish(tr, &summary);
 *     srm_trainer_free(tr);
 *
 * alloc checks c against d, builds and initialises the model (seeded by c->seed; --stable: the
 * first projection) and, with resume != 0, continues from DIR/checkpoint.safetensors (the
 * caller passes the configuration stored there, srm_train_checkpoint_config, possibly with more
 * epochs); DIR must exist. Each epoch trains, validates, anneals, keeps the best model and writes
 * DIR/model.safetensors (when improved), DIR/log.tsv and DIR/checkpoint.safetensors
 * (atomically); *done says whether the configured epochs are reached. finish evaluates the best
 * model on valid and test and writes DIR/result.json. The library prints nothing: progress
 * within an epoch goes to the optional callback of srm_trainer_set_progress. */
typedef struct srm_trainer srm_trainer;

int srm_trainer_alloc(const srm_train_config *c, const srm_task_data *d, const char *dir,
                      int resume, srm_trainer **out);
/* Called after each batch with the positions trained in this session and the session's total. */
typedef void (*srm_trainer_progress)(size_t done, size_t total, void *ctx);
void srm_trainer_set_progress(srm_trainer *tr, srm_trainer_progress fn, void *ctx);
int srm_trainer_done(const srm_trainer *tr);

/* Whether the learning rate decays after epoch `epoch` (1-based) of c's schedule, whose
 * validation loss is valid_loss (loss_improved: below every earlier one); log[0 .. epoch-2]
 * holds the earlier epochs (train_config.h, SRM_TRAIN_SCHEDULE_*). */
int srm_train_decays(const srm_train_config *c, const srm_train_epoch *log, size_t epoch,
                     double valid_loss, int loss_improved);
int srm_trainer_epoch(srm_trainer *tr, srm_train_epoch *e, int *done);

/* The epoch in steps (srm lockstep drives several trainers batch by batch): srm_trainer_epoch is
 * epoch_begin, srm_trainer_step until *stepped == 0 (no batch left; nothing done), then
 * epoch_end (validation, annealing, files). Trainers of configurations that differ only in
 * trunc see the same batches in the same order with the same dropout masks. */
int srm_trainer_epoch_begin(srm_trainer *tr);
int srm_trainer_step(srm_trainer *tr, int *stepped);
int srm_trainer_epoch_end(srm_trainer *tr, srm_train_epoch *e, int *done);
/* From now on tr's learning rate after each epoch is leader's (whose epoch_end runs first),
 * instead of tr's own schedule. */
void srm_trainer_follow(srm_trainer *tr, const srm_trainer *leader);
/* From now on epoch_end leaves its files (model, log, checkpoint) to srm_trainer_write_files,
 * so that a caller driving several trainers writes them all together, after its own slow
 * work, keeping the window in which their checkpoints disagree short. */
void srm_trainer_defer_files(srm_trainer *tr);
/* Loss growth past SRM_TRAIN_DIVERGENCE_FACTOR no longer stops training (non-finite values do). */
void srm_trainer_allow_divergence(srm_trainer *tr);
int srm_trainer_write_files(srm_trainer *tr);
/* The mean training loss of the last step, the current learning rate, and the weights (in
 * double: float32 widened, exact; valid until the next step). */
double srm_trainer_last_loss(const srm_trainer *tr);
double srm_trainer_lr(const srm_trainer *tr);
const srm_model *srm_trainer_model(srm_trainer *tr);
/* The gradient g (a model of tr's shapes) of tr's objective (recurrent, or k-step truncated)
 * on its last batch, mean over the counted positions, without dropout, at the weights w (any
 * model of tr's shapes, rounded to float32 in a float32 run), computed on tr's network, whose
 * own weights are restored exactly afterwards; *loss the mean loss there. */
int srm_trainer_grad_at(srm_trainer *tr, const srm_model *w, srm_model *g, double *loss);
/* Epochs finished (a resumed trainer: those of its checkpoint), and SGD steps per epoch (at
 * most: a batch of empty sequences is skipped). */
size_t srm_trainer_epochs_done(const srm_trainer *tr);
size_t srm_trainer_steps_per_epoch(const srm_trainer *tr);
int srm_trainer_finish(srm_trainer *tr, srm_train_summary *out);
void srm_trainer_free(srm_trainer *tr);

/* What DIR holds for configuration c (srm table1): SRM_TRAIN_DIR_DONE (a result.json of exactly
 * c; *metric and *seconds from it), SRM_TRAIN_DIR_RESUME (a checkpoint of c, perhaps with fewer
 * epochs) or SRM_TRAIN_DIR_NEW (neither). SRM_EINVAL naming DIR when it holds another
 * configuration: a run is never overwritten. */
enum { SRM_TRAIN_DIR_NEW, SRM_TRAIN_DIR_RESUME, SRM_TRAIN_DIR_DONE };
int srm_train_dir_state(const char *dir, const srm_train_config *c, int *state, double *metric,
                        double *seconds);

/* Reads the configuration a checkpoint was written with. */
int srm_train_checkpoint_config(const char *dir, srm_train_config *c);

/* The evaluation settings of a model file (srm eval, srm analyze): SRM_EINVAL when its metadata
 * says it was trained on a task other than `task`. *eval_batch and *bptt are filled only where
 * they are 0 (not given): with the values srm train recorded, else (a model without them, e.g.
 * from srm init) with the task's paper preset (bptt 0 outside the language models). *trunc
 * (may be NULL) receives the k it was trained truncated at (0: recurrent, or not recorded). */
int srm_train_model_eval_settings(const char *path, srm_task task, size_t *eval_batch,
                                  size_t *bptt, size_t *trunc);

#endif
