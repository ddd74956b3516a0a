/* task/train_config.c: what the table of task/train_params.c drives: the range checks, the
 * precision names, the configuration as JSON (checkpoints and result.json store it so that a
 * run can be resumed and traced), and the command-line options of srm train and srm table1. */
#include "task/train_config.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "task/music.h"
#include "task/train_internal.h"

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
    if (c->trunc > SRM_TRAIN_TRUNC_MAX)
        return SRM_ERROR(SRM_EINVAL, "--trunc must be at most %d (got %zu)", SRM_TRAIN_TRUNC_MAX,
                         c->trunc);
    if (strcmp(c->preset, "quick") != 0 && strcmp(c->preset, "paper") != 0)
        return SRM_ERROR(SRM_EINVAL, "unknown preset '%s' (quick, paper)", c->preset);
    return SRM_OK;
}

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

/* ---- configuration as JSON ---- */

static json_t *value_json(const srm_train_param *p, const srm_train_value *v)
{
    switch (p->type) {
    case SRM_TRAIN_PARAM_SIZE:
    case SRM_TRAIN_PARAM_SEED: return json_integer((json_int_t)v->integer);
    case SRM_TRAIN_PARAM_DOUBLE: return json_real(v->real);
    case SRM_TRAIN_PARAM_FLAG: return json_boolean(v->flag);
    default: return json_string(v->text);
    }
}

json_t *srm_train_config_object(const srm_train_config *c)
{
    json_t *o = json_object();
    if (!o) return NULL;
    size_t n;
    const srm_train_param *params = srm_train_params(&n);
    for (size_t i = 0; i < n; i++) {
        srm_train_value v;
        srm_train_param_get(c, &params[i], &v);
        json_object_set_new(o, params[i].key, value_json(&params[i], &v));
    }
    return o;
}

char *srm_train_config_json(const srm_train_config *c)
{
    json_t *o = srm_train_config_object(c);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

/* The JSON value j of row p into v; 0 when it has the wrong type (an integer is a number). */
static int json_value(const srm_train_param *p, json_t *j, srm_train_value *v)
{
    *v = (srm_train_value){0};
    switch (p->type) {
    case SRM_TRAIN_PARAM_SIZE:
        if (!json_is_integer(j) || json_integer_value(j) < 0) return 0;
        v->integer = (unsigned long)json_integer_value(j);
        return 1;
    case SRM_TRAIN_PARAM_SEED: /* the range --seed accepts */
        if (!json_is_integer(j) || json_integer_value(j) < 1 ||
            json_integer_value(j) > 4294967295LL)
            return 0;
        v->integer = (unsigned long)json_integer_value(j);
        return 1;
    case SRM_TRAIN_PARAM_DOUBLE:
        if (!json_is_number(j)) return 0;
        v->real = json_number_value(j);
        return 1;
    case SRM_TRAIN_PARAM_FLAG:
        if (!json_is_boolean(j)) return 0;
        v->flag = json_is_true(j);
        return 1;
    default:
        v->text = json_string_value(j);
        return v->text != NULL;
    }
}

int srm_train_config_from_json(const char *text, srm_train_config *c)
{
    json_error_t err;
    json_t *o = json_loads(text, 0, &err);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return SRM_ERROR(SRM_EINVAL, "stored configuration is not a JSON object");
    }
    size_t n;
    const srm_train_param *params = srm_train_params(&n);
    int rc = SRM_OK;
    for (size_t i = 0; rc == SRM_OK && i < n; i++) {
        srm_train_value v;
        json_t *j = json_object_get(o, params[i].key);
        if (!j && srm_train_param_optional(&params[i])) { /* stored before the row existed */
            srm_train_param_set_zero(c, &params[i]);
            continue;
        }
        if (!json_value(&params[i], j, &v))
            rc = SRM_ERROR(SRM_EINVAL, "stored configuration: bad or missing '%s'",
                           params[i].key);
        else
            rc = srm_train_param_set(c, &params[i], &v);
    }
    json_decref(o);
    return rc;
}

/* ---- the table as command-line options ---- */

static srm_arg_kind arg_kind(srm_train_param_type t)
{
    switch (t) {
    case SRM_TRAIN_PARAM_SIZE: return SRM_ARG_ULONG;
    case SRM_TRAIN_PARAM_DOUBLE: return SRM_ARG_DOUBLE;
    case SRM_TRAIN_PARAM_SEED: return SRM_ARG_SEED;
    case SRM_TRAIN_PARAM_FLAG: return SRM_ARG_FLAG;
    default: return SRM_ARG_STRING;
    }
}

static void *arg_dest(srm_train_value *v, srm_arg_kind kind)
{
    switch (kind) {
    case SRM_ARG_ULONG:
    case SRM_ARG_SEED: return &v->integer;
    case SRM_ARG_DOUBLE: return &v->real;
    case SRM_ARG_FLAG: return &v->flag;
    default: return &v->text;
    }
}

/* --help's default text of row p when task or cell is unknown. */
static const char *shown_default(srm_train_options *o, size_t k, const char *preset, int task,
                                 int lstm)
{
    const srm_train_param *p = o->row[k];
    if (p->type == SRM_TRAIN_PARAM_TASK)
        return task >= 0 ? srm_data_task_name((srm_task)task) : NULL;
    if (p->type == SRM_TRAIN_PARAM_CELL) return lstm >= 0 ? (lstm ? "lstm" : "rnn") : NULL;
    if (p->type == SRM_TRAIN_PARAM_PRESET) return preset;
    return srm_train_param_preset_text(p, preset, task, lstm, o->shown[k], sizeof o->shown[k]);
}

size_t srm_train_options_init(srm_train_options *o, const srm_train_config *c, unsigned exclude,
                              const char *preset, int task, int lstm, srm_arg *args)
{
    size_t n;
    const srm_train_param *params = srm_train_params(&n);
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < n && o->count < SRM_TRAIN_PARAM_MAX; i++) {
        if (params[i].scope & exclude) continue;
        size_t k = o->count++;
        o->row[k] = &params[i];
        srm_arg_kind kind = arg_kind(params[i].type);
        if (c) {
            srm_train_param_get(c, &params[i], &o->value[k]);
        } else if (kind != SRM_ARG_FLAG) {
            kind = SRM_ARG_STRING; /* for display: the presets as text */
            o->value[k].text = shown_default(o, k, preset, task, lstm);
        }
        args[k] = (srm_arg){params[i].flag, kind, arg_dest(&o->value[k], kind), params[i].meta,
                            params[i].help, &o->given[k]};
    }
    return o->count;
}

int srm_train_options_apply(const srm_train_options *o, srm_train_config *c, int strict)
{
    for (size_t k = 0; k < o->count; k++) {
        const srm_train_param *p = o->row[k];
        if (!o->given[k] || !p->has_preset) continue;
        if (!strict && !srm_train_param_applies(p, c)) continue;
        SRM_TRY(srm_train_param_set(c, p, &o->value[k]));
    }
    /* the authors' projection comes with their initialisation unless --init says otherwise */
    if (c->projection == SRM_TRAIN_PROJECTION_PAPER && c->cell == SRM_CELL_LSTM &&
        !srm_train_options_given(o, "init"))
        c->init = SRM_TRAIN_INIT_PAPER;
    if (!strict) return SRM_OK;
    /* after every option is set, so that the order of the flags does not matter */
    for (size_t k = 0; k < o->count; k++) {
        unsigned s = o->row[k]->scope;
        if (!o->given[k]) continue;
        if (((s & SRM_TRAIN_SCOPE_RNN) && c->cell == SRM_CELL_LSTM) ||
            ((s & SRM_TRAIN_SCOPE_LSTM) && c->cell != SRM_CELL_LSTM))
            return SRM_ERROR(SRM_EINVAL, "--%s is for --cell %s only", o->row[k]->flag,
                             s & SRM_TRAIN_SCOPE_RNN ? "rnn" : "lstm");
    }
    for (size_t k = 0; k < o->count; k++)
        if (o->given[k] && (o->row[k]->scope & SRM_TRAIN_SCOPE_STABLE) && !c->stable)
            return SRM_ERROR(SRM_EINVAL, "--%s only applies with --stable", o->row[k]->flag);
    return SRM_OK;
}

int srm_train_options_given(const srm_train_options *o, const char *flag)
{
    for (size_t k = 0; k < o->count; k++)
        if (o->given[k] && strcmp(o->row[k]->flag, flag) == 0) return 1;
    return 0;
}

const char *srm_train_options_not_resumable(const srm_train_options *o)
{
    for (size_t k = 0; k < o->count; k++)
        if (o->given[k] && !o->row[k]->resumable) return o->row[k]->flag;
    return NULL;
}

/* The splits' sizes of data/README.md (atis-2.train 50,497 words / 4,478 utterances; jsb
 * 13,807 frames / 229 chorales), known before any data is loaded. */
double srm_train_config_epoch_work(const srm_train_config *c)
{
    static const double full[] = {2088628, 5017483, 229, 4478}, per_seq[] = {1, 1, 60.3, 11.28};
    static const double outputs[] = {33278, 50, 88, 127};
    double seqs = c->max_train && (double)c->max_train < full[c->task] ? (double)c->max_train
                                                                      : full[c->task];
    double n = (double)c->hidden, g = c->cell == SRM_CELL_LSTM ? 4 : 1;
    double work = seqs * per_seq[c->task] * (g * n * (n + (double)c->embedding) +
                                             n * outputs[c->task]);
    /* The authors' RNN projection, a full SVD of W_hh after every step: about 3 n^3 in these
     * units (measured on the JSB RNN at n = 1024, batch 1: 4 s per epoch unconstrained, 168 s
     * with the SVD; srm's certified projection skips most steps and is not counted). */
    if (c->stable && c->cell != SRM_CELL_LSTM && c->projection == SRM_TRAIN_PROJECTION_PAPER) {
        double per_step = (double)(c->batch ? c->batch : 1) * (c->bptt ? (double)c->bptt : 1);
        work += ceil(seqs / per_step) * 3 * n * n * n;
    }
    return work;
}
