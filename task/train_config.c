/* task/train_config.c: the training configuration of task/train.h: the presets ("paper": Table 2
 * of the paper; "quick": a smaller setting), the range checks, the precision names, and the
 * configuration as JSON, which checkpoints and result.json store so that a run can be resumed
 * and traced. */
#include "task/train.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "task/music.h"
#include "task/train_internal.h"

/* ---- presets ---- */

int srm_train_config_preset(srm_train_config *c, srm_task task, srm_cell cell, const char *preset)
{
    if (cell != SRM_CELL_RNN_TANH && cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "--cell must be rnn or lstm (got %s)", srm_cell_name(cell));
    int paper = strcmp(preset, "paper") == 0, lstm = cell == SRM_CELL_LSTM;
    if (!paper && strcmp(preset, "quick") != 0)
        return SRM_ERROR(SRM_EINVAL, "unknown --config '%s' (paper, quick)", preset);
    *c = (srm_train_config){.task = task, .cell = cell, .radius = 1.0, .lstm_a = 0.4,
                            .lstm_margin = 0.005, .lstm_input_bound = 1.0, .lr_decay = 4.0,
                            .seed = 1};
    snprintf(c->preset, sizeof c->preset, "%s", preset);
    /* Table 2 of the paper (RNN / LSTM). */
    switch (task) {
    case SRM_TASK_WIKITEXT2:
        c->hidden = lstm ? 1024 : 256, c->embedding = lstm ? 512 : 1024;
        c->dropout = lstm ? 0.65 : 0.25, c->batch = 20, c->lr = lstm ? 20.0 : 2.0;
        c->bptt = 35, c->clip = lstm ? 1.0 : 0.25, c->epochs = 40, c->eval_batch = 10;
        c->precision = SRM_NET_FLOAT32;
        break;
    case SRM_TASK_PTBCHAR:
        c->hidden = lstm ? 1024 : 768, c->embedding = 400, c->dropout = 0.1;
        c->weight_decay = 1e-6, c->batch = 80, c->lr = lstm ? 20.0 : 2.0, c->bptt = 150;
        c->clip = 1.0, c->epochs = 300, c->eval_batch = 10, c->precision = SRM_NET_FLOAT32;
        break;
    case SRM_TASK_JSB:
        c->hidden = 1024, c->embedding = SRM_MUSIC_KEYS, c->dropout = 0.1, c->batch = 1;
        c->lr = lstm ? 2.0 : 0.05, c->clip = 5.0, c->epochs = 100, c->eval_batch = 16;
        break;
    case SRM_TASK_ATIS:
        c->hidden = 128, c->embedding = 64, c->dropout = 0.5, c->weight_decay = 1e-4;
        c->batch = 128, c->lr = 10.0, c->clip = 1.0, c->epochs = 100, c->eval_batch = 128;
        break;
    default:
        return SRM_ERROR(SRM_EINVAL, "unknown task");
    }
    if (paper) return SRM_OK;
    /* Quick: the same recipe, smaller, each run a few minutes on 2 cores (timings in
     * cmd_train.c's help). */
    switch (task) {
    case SRM_TASK_WIKITEXT2:
        c->hidden = 128, c->embedding = 128, c->epochs = 1, c->max_train = 300000;
        c->max_valid = 50000, c->dropout = lstm ? 0.2 : 0.1;
        break;
    case SRM_TASK_PTBCHAR:
        /* equal recurrent cost: 4 (256)^2 = (512)^2 */
        c->hidden = lstm ? 256 : 512, c->embedding = 64, c->batch = 32, c->bptt = 100;
        c->epochs = 1, c->max_train = 2400000, c->max_valid = 100000;
        /* the RNN diverged at the paper's lr 2 (bpc 10 > uniform 5.6); 0.5 trains (measured) */
        if (!lstm) c->lr = 0.5;
        break;
    case SRM_TASK_JSB:
        c->hidden = 256, c->epochs = 30;
        break;
    case SRM_TASK_ATIS:
        /* the tanh RNN collapses to all-O tags at lr >= 3 (measured); 2 trains steadily */
        c->epochs = lstm ? 30 : 40, c->lr = lstm ? 10.0 : 2.0;
        break;
    default:
        break;
    }
    return SRM_OK;
}

int srm_train_config_check(const srm_train_config *c)
{
    if (c->cell != SRM_CELL_RNN_TANH && c->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "--cell must be rnn or lstm");
    if (c->hidden == 0 || c->embedding == 0)
        return SRM_ERROR(SRM_EINVAL, "--hidden and --embedding must be >= 1");
    if (c->task == SRM_TASK_JSB && c->embedding != SRM_MUSIC_KEYS)
        return SRM_ERROR(SRM_EINVAL, "jsb has no embedding: the input is the 88 keys");
    if (!(c->dropout >= 0 && c->dropout < 1))
        return SRM_ERROR(SRM_EINVAL, "--dropout must be in [0, 1) (got %g)", c->dropout);
    if (!(c->lr > 0) || !(c->clip >= 0) || !(c->weight_decay >= 0) || !(c->lr_decay >= 1))
        return SRM_ERROR(SRM_EINVAL, "need --lr > 0, --clip >= 0, --weight-decay >= 0, "
                         "--lr-decay >= 1");
    if (c->batch == 0 || c->eval_batch == 0 || c->epochs == 0)
        return SRM_ERROR(SRM_EINVAL, "--batch, --eval-batch and --epochs must be >= 1");
    if ((c->task == SRM_TASK_WIKITEXT2 || c->task == SRM_TASK_PTBCHAR) && c->bptt == 0)
        return SRM_ERROR(SRM_EINVAL, "--bptt must be >= 1");
    if (!(c->radius > 0)) return SRM_ERROR(SRM_EINVAL, "--radius must be > 0");
    return SRM_OK;
}

/* ---- configuration as JSON ---- */

const char *srm_train_precision_name(srm_net_precision p)
{
    return p == SRM_NET_FLOAT32 ? "float32" : "float64";
}

int srm_train_precision_parse(const char *text, srm_net_precision *out)
{
    if (strcmp(text, "float32") == 0) *out = SRM_NET_FLOAT32;
    else if (strcmp(text, "float64") == 0) *out = SRM_NET_FLOAT64;
    else return SRM_ERROR(SRM_EINVAL, "unknown precision '%s' (float32, float64)", text);
    return SRM_OK;
}

typedef enum { F_SIZE, F_DOUBLE } field_type;
static const struct {
    const char *name;
    field_type type;
    size_t off;
} fields[] = {
#define SZ(f) {#f, F_SIZE, offsetof(srm_train_config, f)}
#define DB(f) {#f, F_DOUBLE, offsetof(srm_train_config, f)}
    SZ(hidden),       SZ(embedding), DB(dropout),    DB(weight_decay), DB(lr),
    DB(clip),         DB(lr_decay),  SZ(batch),      SZ(bptt),         SZ(epochs),
    SZ(eval_batch),   SZ(max_train), SZ(max_valid),  SZ(max_test),     DB(radius),
    DB(lstm_a),       DB(lstm_margin), DB(lstm_input_bound),
#undef SZ
#undef DB
};

json_t *srm_train_config_object(const srm_train_config *c)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "task", json_string(srm_data_task_name(c->task)));
    json_object_set_new(o, "cell", json_string(c->cell == SRM_CELL_LSTM ? "lstm" : "rnn"));
    json_object_set_new(o, "preset", json_string(c->preset));
    json_object_set_new(o, "stable", json_boolean(c->stable));
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *p = (const char *)c + fields[i].off;
        json_object_set_new(o, fields[i].name,
                            fields[i].type == F_SIZE ? json_integer((json_int_t) * (const size_t *)p)
                                                     : json_real(*(const double *)p));
    }
    json_object_set_new(o, "seed", json_integer((json_int_t)c->seed));
    json_object_set_new(o, "precision", json_string(srm_train_precision_name(c->precision)));
    return o;
}

char *srm_train_config_json(const srm_train_config *c)
{
    json_t *o = srm_train_config_object(c);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

int srm_train_config_from_json(const char *text, srm_train_config *c)
{
    json_error_t err;
    json_t *o = json_loads(text, 0, &err);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return SRM_ERROR(SRM_EINVAL, "stored configuration is not a JSON object");
    }
    int rc = SRM_OK;
    const char *task = json_string_value(json_object_get(o, "task"));
    const char *cell = json_string_value(json_object_get(o, "cell"));
    const char *preset = json_string_value(json_object_get(o, "preset"));
    const char *precision = json_string_value(json_object_get(o, "precision"));
    json_t *stable = json_object_get(o, "stable"), *seed = json_object_get(o, "seed");
    if (!task || !cell || !preset || !precision || !json_is_boolean(stable) ||
        !json_is_integer(seed))
        rc = SRM_ERROR(SRM_EINVAL, "stored configuration lacks task, cell, preset, precision, "
                       "stable or seed");
    if (rc == SRM_OK) rc = srm_train_precision_parse(precision, &c->precision);
    if (rc == SRM_OK) rc = srm_data_task_parse(task, &c->task);
    if (rc == SRM_OK) rc = srm_cell_parse(cell, &c->cell);
    if (rc == SRM_OK) {
        snprintf(c->preset, sizeof c->preset, "%s", preset);
        c->stable = json_is_true(stable);
        c->seed = (unsigned long)json_integer_value(seed);
    }
    for (size_t i = 0; rc == SRM_OK && i < sizeof fields / sizeof fields[0]; i++) {
        json_t *v = json_object_get(o, fields[i].name);
        char *p = (char *)c + fields[i].off;
        if (fields[i].type == F_SIZE && json_is_integer(v) && json_integer_value(v) >= 0)
            *(size_t *)p = (size_t)json_integer_value(v);
        else if (fields[i].type == F_DOUBLE && json_is_number(v))
            *(double *)p = json_number_value(v);
        else
            rc = SRM_ERROR(SRM_EINVAL, "stored configuration: bad or missing '%s'",
                           fields[i].name);
    }
    json_decref(o);
    return rc;
}
