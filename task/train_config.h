/* task/train_config.h: the training configuration of task/train.h and the one table that
 * describes it. Each hyper-parameter is one row of srm_train_params(): its JSON key, its `srm
 * train` flag, type, help text, where it lives in srm_train_config, and its "paper" and "quick"
 * value for every task and cell. The presets, the flag parsers and --help of `srm train` and
 * `srm table1`, the configuration JSON of result.json and of the checkpoint metadata, and resume
 * all read that table, so a new hyper-parameter is one new row (and its struct field). */
#ifndef SRM_TRAIN_CONFIG_H
#define SRM_TRAIN_CONFIG_H

#include <stddef.h>

#include "core/args.h"
#include "core/model.h"
#include "task/dataset.h"
#include "task/net.h"

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
    srm_net_precision precision; /* training arithmetic (task/net.h) */
    int projection;         /* with stable: SRM_TRAIN_PROJECTION_* */
    int init;               /* SRM_TRAIN_INIT_* */
    int schedule;           /* SRM_TRAIN_SCHEDULE_* */
    size_t trunc;           /* k >= 1: train the k-step truncated counterpart; 0: recurrent */
} srm_train_config;

/* The largest --trunc (the chains hold k rows per position). */
#define SRM_TRAIN_TRUNC_MAX 1024

/* --projection: srm's certified projection (theory/project.h: the RNN clip, the LSTM row
 * scaling onto the sufficient conditions), or the authors' (the LSTM column rescaling of
 * srm_project_lstm_paper; the RNN clip by a full SVD at every step). */
enum { SRM_TRAIN_PROJECTION_CERTIFIED, SRM_TRAIN_PROJECTION_PAPER };
/* --init: every rnn.* weight uniform in +-1/sqrt(n) (PyTorch's), or that and the authors' LSTM
 * forget bias: SRM_PAPER_LSTM_FORGET_BIAS in both bias_ih and bias_hh (the default under
 * --projection paper). */
enum { SRM_TRAIN_INIT_UNIFORM, SRM_TRAIN_INIT_PAPER };
/* --schedule, when lr /= lr_decay after an epoch: plateau, when the validation loss is not below
 * the best so far (pytorch/examples word_language_model, awd-lstm-lm: the LMs); tcn, after
 * epoch 10 when the validation loss exceeds the largest of the previous three (TCN poly_music:
 * music); constant, never (ATIS). */
enum { SRM_TRAIN_SCHEDULE_PLATEAU, SRM_TRAIN_SCHEDULE_TCN, SRM_TRAIN_SCHEDULE_CONSTANT };

/* How a row's field is stored, parsed and written to JSON. */
typedef enum {
    SRM_TRAIN_PARAM_SIZE,      /* size_t; JSON integer >= 0 */
    SRM_TRAIN_PARAM_DOUBLE,    /* double; JSON real */
    SRM_TRAIN_PARAM_SEED,      /* unsigned long in 1..2^32-1; JSON integer */
    SRM_TRAIN_PARAM_FLAG,      /* int 0/1; JSON boolean */
    SRM_TRAIN_PARAM_TASK,      /* srm_task; JSON string (wikitext2, ...) */
    SRM_TRAIN_PARAM_CELL,      /* srm_cell; JSON string "rnn" or "lstm" */
    SRM_TRAIN_PARAM_PRESET,    /* char[16]; JSON string "paper" or "quick" */
    SRM_TRAIN_PARAM_PRECISION, /* srm_net_precision; JSON string "float32" or "float64" */
    SRM_TRAIN_PARAM_CHOICE     /* int, an index into the row's choices; JSON string. A stored
                                * configuration without the row (made before it existed) reads
                                * as choice 0 */
} srm_train_param_type;

/* Where a row applies (srm train rejects a flag outside its scope; srm table1 passes it to the
 * runs inside it only). */
enum {
    SRM_TRAIN_SCOPE_RNN = 1,     /* --cell rnn only */
    SRM_TRAIN_SCOPE_LSTM = 2,    /* --cell lstm only */
    SRM_TRAIN_SCOPE_STABLE = 4,  /* with --stable only */
    SRM_TRAIN_SCOPE_NOT_JSB = 8, /* fixed for jsb (its input is the 88 keys): table1 skips it */
    SRM_TRAIN_SCOPE_RUN = 16,    /* chooses the run rather than tuning it (task, cell, preset,
                                  * stable, projection, seed, trunc): table1 sets these itself */
    SRM_TRAIN_SCOPE_TRUNC = 32   /* the truncation (trunc): srm lockstep sets it per run */
};

typedef struct {
    const char *key;    /* JSON key in "config" of result.json and of the checkpoint */
    const char *flag;   /* option of srm train / srm table1, without "--" */
    const char *meta;   /* value placeholder in --help (NULL for a flag) */
    srm_train_param_type type;
    size_t offset;      /* offsetof(srm_train_config, field) */
    const char *help;   /* one line for --help */
    unsigned scope;     /* SRM_TRAIN_SCOPE_* bits */
    int resumable;      /* may be changed on --resume (only epochs) */
    int has_preset;     /* 0 for task, cell and preset, which choose the preset */
    /* the presets, [task][0 rnn, 1 lstm]; types other than DOUBLE hold exact small integers
     * (precision: its enum value) */
    double paper[SRM_TASK_COUNT][2], quick[SRM_TASK_COUNT][2];
    const char *const *choices; /* CHOICE: the names, NULL-terminated */
} srm_train_param;

/* Whether a stored configuration may lack row p (it was written before the row existed: the
 * CHOICE rows and trunc), which then reads as 0, the behaviour from before the row; whether
 * c's value of such a row is 0, and setting it to 0. */
int srm_train_param_optional(const srm_train_param *p);
int srm_train_param_is_zero(const srm_train_config *c, const srm_train_param *p);
void srm_train_param_set_zero(srm_train_config *c, const srm_train_param *p);

/* The table, in the order of the JSON object (and of --help); *count rows. */
const srm_train_param *srm_train_params(size_t *count);
/* The row with this flag, or NULL. */
const srm_train_param *srm_train_param_find(const char *flag);

/* A row's value in the form an option parser holds it: `integer` for SIZE and SEED, `real` for
 * DOUBLE, `flag` for FLAG, `text` for the named types. */
typedef struct {
    unsigned long integer;
    double real;
    int flag;
    const char *text;
} srm_train_value;

/* c's value of row p (text points to static storage or into c). */
void srm_train_param_get(const srm_train_config *c, const srm_train_param *p,
                         srm_train_value *v);
/* Sets row p of c from v (named types are parsed: SRM_EINVAL naming the flag). */
int srm_train_param_set(srm_train_config *c, const srm_train_param *p, const srm_train_value *v);
/* Whether row p applies to configuration c (its scope; SRM_TRAIN_SCOPE_NOT_JSB included). */
int srm_train_param_applies(const srm_train_param *p, const srm_train_config *c);
/* The preset value of row p ("paper" or "quick") for a task and cell (lstm: 0 rnn, 1 lstm) as
 * --help text: one value ("128"), or, with task < 0 or lstm < 0 (not given), the values of every
 * task and/or cell, rnn/lstm pairs merged when equal ("wikitext2 2/20, ptbchar 0.5/20, jsb
 * 0.05/2, atis 2/10"; one value when all agree). Returns out. */
char *srm_train_param_preset_text(const srm_train_param *p, const char *preset, int task,
                                  int lstm, char *out, size_t size);

/* ---- the table as command-line options (srm train, srm table1) ---- */

#define SRM_TRAIN_PARAM_MAX 32 /* rows the table may have */

typedef struct {
    srm_train_value value[SRM_TRAIN_PARAM_MAX]; /* parsed values (defaults: the config's) */
    int given[SRM_TRAIN_PARAM_MAX];
    const srm_train_param *row[SRM_TRAIN_PARAM_MAX]; /* the row of each option */
    char shown[SRM_TRAIN_PARAM_MAX][160];            /* --help defaults per task/cell */
    size_t count;
} srm_train_options;

/* Fills args[0..) (core/args.h) with one option per table row whose scope has none of the
 * `exclude` bits and returns how many (at most SRM_TRAIN_PARAM_MAX). The destinations hold c's
 * values, which --help shows as the defaults. With c == NULL (--help without a task or cell)
 * every option is a string whose default text is the presets of `preset` per task and cell
 * (task < 0, lstm < 0: not given; see srm_train_param_preset_text), for display only. */
size_t srm_train_options_init(srm_train_options *o, const srm_train_config *c, unsigned exclude,
                              const char *preset, int task, int lstm, srm_arg *args);
/* Sets the given options in c, except task, cell and preset (which choose the preset). strict
 * (srm train): an option outside its cell/stable scope is an error naming it; otherwise
 * (srm table1, one call per run) it is left out for this c. */
int srm_train_options_apply(const srm_train_options *o, srm_train_config *c, int strict);
/* Whether the option --flag was given. */
int srm_train_options_given(const srm_train_options *o, const char *flag);
/* The flag of the first given option that --resume does not take (NULL: none). */
const char *srm_train_options_not_resumable(const srm_train_options *o);

/* The defaults of `preset` ("paper": Table 2 exactly; "quick": a smaller setting that runs in
 * minutes) for a task and cell. SRM_EINVAL for an unknown preset or a cell other than rnn/lstm. */
int srm_train_config_preset(srm_train_config *c, srm_task task, srm_cell cell,
                            const char *preset);
/* Checks the ranges of every field (SRM_EINVAL naming the option). */
int srm_train_config_check(const srm_train_config *c);

/* "float32" / "float64" and back. */
const char *srm_train_precision_name(srm_net_precision p);
int srm_train_precision_parse(const char *text, srm_net_precision *out);

/* The configuration as a JSON object text (malloc'ed), and back (every row required, except
 * CHOICE rows, see above). */
char *srm_train_config_json(const srm_train_config *c);
int srm_train_config_from_json(const char *text, srm_train_config *c);

/* Multiply-adds of one training epoch of c (training positions per epoch times the cost per
 * position, plus the per-step SVD of the authors' RNN projection), for ETAs only: a table's
 * runs are compared before their data is loaded. */
double srm_train_config_epoch_work(const srm_train_config *c);

#endif
