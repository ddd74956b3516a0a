/* task/train_params.c: the table of training hyper-parameters (task/train_config.h), with the
 * paper's Table 2 ("paper") and a smaller setting ("quick") as data, and the accessors that
 * read and write one row of a configuration. Everything that lists hyper-parameters (presets,
 * flags, --help, JSON, resume, table1) iterates over this table. */
#include "task/train_config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "task/music.h"

/* One value for every task and cell. */
#define SAME(v) {{v, v}, {v, v}, {v, v}, {v, v}}
#define OFF(f) offsetof(srm_train_config, f)
#define SIZE SRM_TRAIN_PARAM_SIZE
#define REAL SRM_TRAIN_PARAM_DOUBLE
#define RNN_STABLE (SRM_TRAIN_SCOPE_RNN | SRM_TRAIN_SCOPE_STABLE)
#define LSTM_STABLE (SRM_TRAIN_SCOPE_LSTM | SRM_TRAIN_SCOPE_STABLE)

static const char *const projections[] = {"certified", "paper", NULL};
static const char *const inits[] = {"uniform", "paper", NULL};
static const char *const schedules[] = {"plateau", "tcn", "constant", NULL};
/* the schedule per task, as each task's code base ran it (task/train.c, srm_train_decays) */
#define SCHEDULES                                                                              \
    {{SRM_TRAIN_SCHEDULE_PLATEAU, SRM_TRAIN_SCHEDULE_PLATEAU},                                   \
     {SRM_TRAIN_SCHEDULE_PLATEAU, SRM_TRAIN_SCHEDULE_PLATEAU},                                   \
     {SRM_TRAIN_SCHEDULE_TCN, SRM_TRAIN_SCHEDULE_TCN},                                           \
     {SRM_TRAIN_SCHEDULE_CONSTANT, SRM_TRAIN_SCHEDULE_CONSTANT}}

/* Rows in the order of the JSON object that checkpoints and result.json hold (a contract:
 * committed results and old checkpoints compare and load by it). Presets are
 * {wikitext2, ptbchar, jsb, atis} x {rnn, lstm}. The quick preset is the paper's recipe,
 * smaller, each run a few minutes on 2 cores (timings in cli/cmd_train.c's help). */
static const srm_train_param params[] = {
    {"task", "task", "T", SRM_TRAIN_PARAM_TASK, OFF(task), "wikitext2, ptbchar, jsb or atis (required unless --resume)",
     SRM_TRAIN_SCOPE_RUN, 0, 0, SAME(0), SAME(0), NULL},
    {"cell", "cell", "C", SRM_TRAIN_PARAM_CELL, OFF(cell), "rnn (tanh) or lstm (required unless --resume)",
     SRM_TRAIN_SCOPE_RUN, 0, 0, SAME(0), SAME(0), NULL},
    {"preset", "config", "P", SRM_TRAIN_PARAM_PRESET, OFF(preset),
     "preset: paper (Table 2) or quick", SRM_TRAIN_SCOPE_RUN, 0, 0, SAME(0), SAME(0), NULL},
    {"stable", "stable", NULL, SRM_TRAIN_PARAM_FLAG, OFF(stable),
     "project onto the stable set after every step", SRM_TRAIN_SCOPE_RUN, 0, 1, SAME(0),
     SAME(0), NULL},
    {"hidden", "hidden", "N", SIZE, OFF(hidden), "hidden units", 0, 0, 1,
     {{256, 1024}, {768, 1024}, {1024, 1024}, {128, 128}},
     /* ptbchar: equal recurrent cost, 4 (256)^2 = (512)^2 */
     {{128, 128}, {512, 256}, {256, 256}, {128, 128}}, NULL},
    {"embedding", "embedding", "D", SIZE, OFF(embedding), "embedding size (jsb: 88, fixed)",
     SRM_TRAIN_SCOPE_NOT_JSB, 0, 1,
     {{1024, 512}, {400, 400}, {SRM_MUSIC_KEYS, SRM_MUSIC_KEYS}, {64, 64}},
     {{128, 128}, {64, 64}, {SRM_MUSIC_KEYS, SRM_MUSIC_KEYS}, {64, 64}}, NULL},
    {"dropout", "dropout", "P", REAL, OFF(dropout), "dropout probability", 0, 0, 1,
     {{0.25, 0.65}, {0.1, 0.1}, {0.1, 0.1}, {0.5, 0.5}},
     {{0.1, 0.2}, {0.1, 0.1}, {0.1, 0.1}, {0.5, 0.5}}, NULL},
    {"weight_decay", "weight-decay", "W", REAL, OFF(weight_decay), "weight decay", 0, 0, 1,
     {{0, 0}, {1e-6, 1e-6}, {0, 0}, {1e-4, 1e-4}}, {{0, 0}, {1e-6, 1e-6}, {0, 0}, {1e-4, 1e-4}},
     NULL},
    {"lr", "lr", "LR", REAL, OFF(lr), "initial learning rate", 0, 0, 1,
     {{2.0, 20.0}, {2.0, 20.0}, {0.05, 2.0}, {10.0, 10.0}},
     /* ptbchar: the RNN diverged at the paper's lr 2 (bpc 10 > uniform 5.6); 0.5 trains
      * (measured). atis: the tanh RNN collapses to all-O tags at lr >= 3 (measured); 2 trains
      * steadily */
     {{2.0, 20.0}, {0.5, 20.0}, {0.05, 2.0}, {2.0, 10.0}}, NULL},
    {"clip", "clip", "C", REAL, OFF(clip), "gradient norm clipping (0: none)", 0, 0, 1,
     {{0.25, 1.0}, {1.0, 1.0}, {5.0, 5.0}, {1.0, 1.0}},
     {{0.25, 1.0}, {1.0, 1.0}, {5.0, 5.0}, {1.0, 1.0}}, NULL},
    /* 4: pytorch/examples word_language_model; 10: TCN poly_music */
    {"lr_decay", "lr-decay", "F", REAL, OFF(lr_decay), "lr /= F when the schedule decays it",
     0, 0, 1, {{4, 4}, {4, 4}, {10, 10}, {4, 4}}, {{4, 4}, {4, 4}, {10, 10}, {4, 4}}, NULL},
    {"batch", "batch", "B", SIZE, OFF(batch), "batch size (LM: columns)", 0, 0, 1,
     {{20, 20}, {80, 80}, {1, 1}, {128, 128}}, {{20, 20}, {32, 32}, {1, 1}, {128, 128}}, NULL},
    {"bptt", "bptt", "L", SIZE, OFF(bptt), "LM: truncated BPTT window", 0, 0, 1,
     {{35, 35}, {150, 150}, {0, 0}, {0, 0}}, {{35, 35}, {100, 100}, {0, 0}, {0, 0}}, NULL},
    {"epochs", "epochs", "E", SIZE, OFF(epochs), "epochs", 0, 1, 1,
     {{40, 40}, {300, 300}, {100, 100}, {100, 100}}, {{1, 1}, {1, 1}, {30, 30}, {40, 30}}, NULL},
    {"eval_batch", "eval-batch", "B", SIZE, OFF(eval_batch), "evaluation batch (LM: columns)", 0,
     0, 1, {{10, 10}, {10, 10}, {16, 16}, {128, 128}}, {{10, 10}, {10, 10}, {16, 16}, {128, 128}},
     NULL},
    {"max_train", "max-train", "N", SIZE, OFF(max_train), "use the first N of train (0: all)", 0,
     0, 1, SAME(0), {{300000, 300000}, {2400000, 2400000}, {0, 0}, {0, 0}}, NULL},
    {"max_valid", "max-valid", "N", SIZE, OFF(max_valid), "use the first N of valid (0: all)", 0,
     0, 1, SAME(0), {{50000, 50000}, {100000, 100000}, {0, 0}, {0, 0}}, NULL},
    {"max_test", "max-test", "N", SIZE, OFF(max_test), "use the first N of test (0: all)", 0, 0,
     1, SAME(0), SAME(0), NULL},
    {"radius", "radius", "R", REAL, OFF(radius), "RNN projection: ||W_hh||_2 <= R", RNN_STABLE,
     0, 1, SAME(1.0), SAME(1.0), NULL},
    {"lstm_a", "lstm-a", "A", REAL, OFF(lstm_a), "LSTM projection: a = 1 - f_max", LSTM_STABLE,
     0, 1, SAME(0.4), SAME(0.4), NULL},
    {"lstm_margin", "lstm-margin", "M", REAL, OFF(lstm_margin), "LSTM projection: margin",
     LSTM_STABLE, 0, 1, SAME(0.005), SAME(0.005), NULL},
    {"lstm_input_bound", "lstm-input-bound", "B", REAL, OFF(lstm_input_bound),
     "LSTM projection: assumed ||x||_inf bound B_x", LSTM_STABLE, 0, 1, SAME(1.0), SAME(1.0), NULL},
    {"seed", "seed", "S", SRM_TRAIN_PARAM_SEED, OFF(seed),
     "random seed (initialisation, dropout, order)", SRM_TRAIN_SCOPE_RUN, 0, 1, SAME(1),
     SAME(1), NULL},
    /* float32 everywhere by default: agreement with float64 in tests/test_f32.c */
    {"precision", "precision", "P", SRM_TRAIN_PARAM_PRECISION, OFF(precision),
     "float32 (training arithmetic in single precision; norms, projections and certificates in "
     "double) or float64 (the reference)", 0, 0, 1, SAME(SRM_NET_FLOAT32),
     SAME(SRM_NET_FLOAT32), NULL},
    {"projection", "projection", "P", SRM_TRAIN_PARAM_CHOICE, OFF(projection),
     "certified (srm's: RNN clip, LSTM rows onto the sufficient conditions) or paper (the "
     "authors': RNN clip by full SVD, LSTM columns to fixed l1 norms)",
     SRM_TRAIN_SCOPE_STABLE | SRM_TRAIN_SCOPE_RUN, 0, 1, SAME(SRM_TRAIN_PROJECTION_CERTIFIED),
     SAME(SRM_TRAIN_PROJECTION_CERTIFIED), projections},
    {"init", "init", "I", SRM_TRAIN_PARAM_CHOICE, OFF(init),
     "uniform (+-1/sqrt(n), PyTorch's) or paper (uniform, LSTM forget biases 10 + 10); "
     "default paper under --projection paper", SRM_TRAIN_SCOPE_LSTM, 0, 1,
     SAME(SRM_TRAIN_INIT_UNIFORM), SAME(SRM_TRAIN_INIT_UNIFORM), inits},
    {"schedule", "schedule", "S", SRM_TRAIN_PARAM_CHOICE, OFF(schedule),
     "plateau (lr /= F when validation loss does not improve), tcn (after epoch 10, when it "
     "exceeds the largest of the last three) or constant", 0, 0, 1, SCHEDULES, SCHEDULES,
     schedules},
    /* the last row: configurations stored before it existed read as 0 (recurrent) */
    {"trunc", "trunc", "K", SIZE, OFF(trunc),
     "train the K-step truncated feed-forward counterpart (each output from the zero state K "
     "steps back; LMs: a K-gram network over the stream) instead of the recurrent model (0)",
     SRM_TRAIN_SCOPE_RUN | SRM_TRAIN_SCOPE_TRUNC, 0, 1, SAME(0), SAME(0), NULL},
};

_Static_assert(sizeof params / sizeof params[0] <= SRM_TRAIN_PARAM_MAX,
               "SRM_TRAIN_PARAM_MAX must hold every row of the parameter table");

const srm_train_param *srm_train_params(size_t *count)
{
    *count = sizeof params / sizeof params[0];
    return params;
}

const srm_train_param *srm_train_param_find(const char *flag)
{
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (strcmp(params[i].flag, flag) == 0) return &params[i];
    return NULL;
}

/* ---- one row of a configuration ---- */

int srm_train_param_optional(const srm_train_param *p)
{
    return p->type == SRM_TRAIN_PARAM_CHOICE || strcmp(p->key, "trunc") == 0;
}

int srm_train_param_is_zero(const srm_train_config *c, const srm_train_param *p)
{
    const char *f = (const char *)c + p->offset;
    return p->type == SRM_TRAIN_PARAM_SIZE ? *(const size_t *)f == 0 : *(const int *)f == 0;
}

void srm_train_param_set_zero(srm_train_config *c, const srm_train_param *p)
{
    char *f = (char *)c + p->offset;
    if (p->type == SRM_TRAIN_PARAM_SIZE) *(size_t *)f = 0;
    else *(int *)f = 0;
}

void srm_train_param_get(const srm_train_config *c, const srm_train_param *p, srm_train_value *v)
{
    const char *f = (const char *)c + p->offset;
    *v = (srm_train_value){0};
    switch (p->type) {
    case SRM_TRAIN_PARAM_SIZE: v->integer = *(const size_t *)f; break;
    case SRM_TRAIN_PARAM_DOUBLE: v->real = *(const double *)f; break;
    case SRM_TRAIN_PARAM_SEED: v->integer = *(const unsigned long *)f; break;
    case SRM_TRAIN_PARAM_FLAG: v->flag = *(const int *)f; break;
    case SRM_TRAIN_PARAM_TASK: v->text = srm_data_task_name(*(const srm_task *)f); break;
    case SRM_TRAIN_PARAM_CELL:
        v->text = *(const srm_cell *)f == SRM_CELL_LSTM ? "lstm" : "rnn";
        break;
    case SRM_TRAIN_PARAM_PRESET: v->text = f; break;
    case SRM_TRAIN_PARAM_PRECISION:
        v->text = srm_train_precision_name(*(const srm_net_precision *)f);
        break;
    case SRM_TRAIN_PARAM_CHOICE: v->text = p->choices[*(const int *)f]; break;
    }
}

/* The index of text among p's choices (SRM_EINVAL listing them). */
static int choice_parse(const srm_train_param *p, const char *text, int *out)
{
    char names[120] = "";
    size_t len = 0;
    for (int i = 0; p->choices[i]; i++) {
        if (strcmp(p->choices[i], text) == 0) return *out = i, SRM_OK;
        len += (size_t)snprintf(names + len, len < sizeof names ? sizeof names - len : 0,
                                "%s%s", i ? ", " : "", p->choices[i]);
    }
    return SRM_ERROR(SRM_EINVAL, "unknown --%s '%s' (%s)", p->flag, text, names);
}

int srm_train_param_set(srm_train_config *c, const srm_train_param *p, const srm_train_value *v)
{
    char *f = (char *)c + p->offset;
    switch (p->type) {
    case SRM_TRAIN_PARAM_SIZE: *(size_t *)f = (size_t)v->integer; break;
    case SRM_TRAIN_PARAM_DOUBLE: *(double *)f = v->real; break;
    case SRM_TRAIN_PARAM_SEED: *(unsigned long *)f = v->integer; break;
    case SRM_TRAIN_PARAM_FLAG: *(int *)f = v->flag != 0; break;
    case SRM_TRAIN_PARAM_TASK: return srm_data_task_parse(v->text, (srm_task *)f);
    case SRM_TRAIN_PARAM_CELL: return srm_cell_parse(v->text, (srm_cell *)f);
    case SRM_TRAIN_PARAM_PRESET: snprintf(f, sizeof c->preset, "%s", v->text); break;
    case SRM_TRAIN_PARAM_PRECISION:
        return srm_train_precision_parse(v->text, (srm_net_precision *)f);
    case SRM_TRAIN_PARAM_CHOICE: return choice_parse(p, v->text, (int *)f);
    }
    return SRM_OK;
}

/* Sets row p of c to its preset value (table[task][lstm]). */
static void set_preset_value(srm_train_config *c, const srm_train_param *p, double value)
{
    char *f = (char *)c + p->offset;
    switch (p->type) {
    case SRM_TRAIN_PARAM_SIZE: *(size_t *)f = (size_t)value; break;
    case SRM_TRAIN_PARAM_DOUBLE: *(double *)f = value; break;
    case SRM_TRAIN_PARAM_SEED: *(unsigned long *)f = (unsigned long)value; break;
    case SRM_TRAIN_PARAM_FLAG: *(int *)f = value != 0; break;
    case SRM_TRAIN_PARAM_PRECISION: *(srm_net_precision *)f = (srm_net_precision)value; break;
    case SRM_TRAIN_PARAM_CHOICE: *(int *)f = (int)value; break;
    default: break; /* task, cell, preset: no preset value */
    }
}

int srm_train_config_preset(srm_train_config *c, srm_task task, srm_cell cell, const char *preset)
{
    if (cell != SRM_CELL_RNN_TANH && cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "--cell must be rnn or lstm (got %s)", srm_cell_name(cell));
    int paper = strcmp(preset, "paper") == 0, lstm = cell == SRM_CELL_LSTM;
    if (!paper && strcmp(preset, "quick") != 0)
        return SRM_ERROR(SRM_EINVAL, "unknown --config '%s' (paper, quick)", preset);
    if ((unsigned)task >= SRM_TASK_COUNT) return SRM_ERROR(SRM_EINVAL, "unknown task");
    *c = (srm_train_config){.task = task, .cell = cell};
    snprintf(c->preset, sizeof c->preset, "%s", preset);
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (params[i].has_preset)
            set_preset_value(c, &params[i], paper ? params[i].paper[task][lstm]
                                                  : params[i].quick[task][lstm]);
    return SRM_OK;
}

int srm_train_param_applies(const srm_train_param *p, const srm_train_config *c)
{
    int lstm = c->cell == SRM_CELL_LSTM;
    if ((p->scope & SRM_TRAIN_SCOPE_RNN) && lstm) return 0;
    if ((p->scope & SRM_TRAIN_SCOPE_LSTM) && !lstm) return 0;
    if ((p->scope & SRM_TRAIN_SCOPE_STABLE) && !c->stable) return 0;
    if ((p->scope & SRM_TRAIN_SCOPE_NOT_JSB) && c->task == SRM_TASK_JSB) return 0;
    return 1;
}

/* ---- presets as --help text ---- */

static void format_value(const srm_train_param *p, double v, char *out, size_t size)
{
    if (p->type == SRM_TRAIN_PARAM_PRECISION)
        snprintf(out, size, "%s", srm_train_precision_name((srm_net_precision)v));
    else if (p->type == SRM_TRAIN_PARAM_CHOICE)
        snprintf(out, size, "%s", p->choices[(int)v]);
    else if (p->type == SRM_TRAIN_PARAM_FLAG)
        snprintf(out, size, "%s", v != 0 ? "on" : "off");
    else
        snprintf(out, size, "%.15g", v);
}

/* "v" when the cells in [c0, c1] agree, else "v_rnn/v_lstm". */
static void format_cells(const srm_train_param *p, const double *v, int c0, int c1, char *out,
                         size_t size)
{
    char a[40], b[40];
    format_value(p, v[c0], a, sizeof a);
    format_value(p, v[c1], b, sizeof b);
    if (c0 == c1 || v[c0] == v[c1]) snprintf(out, size, "%s", a);
    else snprintf(out, size, "%s/%s", a, b);
}

char *srm_train_param_preset_text(const srm_train_param *p, const char *preset, int task,
                                  int cell, char *out, size_t size)
{
    const double(*v)[2] = strcmp(preset, "paper") == 0 ? p->paper : p->quick;
    int t0 = task >= 0 ? task : 0, t1 = task >= 0 ? task : SRM_TASK_COUNT - 1;
    int c0 = cell >= 0 ? cell : 0, c1 = cell >= 0 ? cell : 1;
    int same = 1;
    for (int t = t0; t <= t1; t++)
        for (int l = c0; l <= c1; l++) same &= v[t][l] == v[t0][c0];
    out[0] = '\0';
    if (same || task >= 0) {
        format_cells(p, v[t0], c0, c1, out, size);
        return out;
    }
    size_t len = 0;
    for (int t = t0; t <= t1 && len < size; t++) {
        char cells[90];
        format_cells(p, v[t], c0, c1, cells, sizeof cells);
        len += (size_t)snprintf(out + len, size - len, "%s%s %s", t > t0 ? ", " : "",
                                srm_data_task_name((srm_task)t), cells);
    }
    return out;
}
