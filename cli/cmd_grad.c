/* cli/cmd_grad.c: `srm grad MODEL --input X --target Y ... --out G`, the loss of one sequence
 * and its exact BPTT gradient (full or k-step truncated), written as a safetensors file with the
 * model's own tensor names (sim/rnn.h). */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/error.h"
#include "core/matrix.h"
#include "core/report.h"
#include "core/safetensors.h"
#include "core/model.h"
#include "sim/rnn.h"
#include "sim/stack.h"

/* Views of the gradient block under the model's tensor names (core/model.h), in block order. */
static int gradient_tensors(const srm_model *g, srm_tensors *ts)
{
    srm_model_tensor t[SRM_MODEL_TENSORS_MAX];
    size_t nt = srm_model_tensors(g, t);
    for (size_t i = 0; i < nt; i++)
        SRM_TRY(srm_tensors_add_view(ts, t[i].name, t[i].ndim, t[i].shape, t[i].data));
    return SRM_OK;
}

/* The metadata of every gradient file. */
static int gradient_meta(srm_tensors *ts, srm_cell cell, const char *loss, const char *at,
                         unsigned long trunc)
{
    char ktext[32];
    snprintf(ktext, sizeof ktext, "%lu", trunc);
    SRM_TRY(srm_tensors_set_meta(ts, "cell", srm_cell_name(cell)));
    SRM_TRY(srm_tensors_set_meta(ts, "content", "gradient"));
    SRM_TRY(srm_tensors_set_meta(ts, "loss", loss));
    SRM_TRY(srm_tensors_set_meta(ts, "loss_at", at));
    return srm_tensors_set_meta(ts, "trunc", ktext);
}

static int write_gradient(const char *path, const srm_model *g, const char *loss,
                          const char *at, unsigned long trunc)
{
    srm_tensors *ts = srm_tensors_alloc();
    if (!ts) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = gradient_meta(ts, g->cell, loss, at, trunc);
    if (rc == SRM_OK) rc = gradient_tensors(g, ts);
    if (rc == SRM_OK) rc = srm_safetensors_write(path, ts);
    srm_tensors_free(ts);
    return rc;
}

/* SRM_ENUMERIC when the loss or the gradient overflows double precision. */
static int check_finite(double value, const srm_model *g)
{
    if (!isfinite(value))
        return SRM_ERROR(SRM_ENUMERIC, "the loss overflows double precision (%g); no gradient "
                         "written", value);
    for (size_t i = 0; i < g->nparam; i++)
        if (!isfinite(g->w[i]))
            return SRM_ERROR(SRM_ENUMERIC, "the gradient overflows double precision; not "
                             "written");
    return SRM_OK;
}

/* Prints the loss and the gradient's 2-norm. */
static int report(double value, double grad_norm, int json)
{
    srm_report *r = srm_report_alloc();
    int rc = r ? srm_report_number(r, "loss", "loss", value)
               : SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK) rc = srm_report_number(r, "grad_norm", "||gradient||_2", grad_norm);
    if (rc == SRM_OK) rc = srm_report_print(r, stdout, json);
    srm_report_free(r);
    return rc;
}

/* A stack, both directions or a GRU (sim/stack_grad.c): any loss on the top layer's outputs
 * (y_t = h_t, as for a one-layer model without a decoder), at every step or the last, of the
 * full or the k-truncated stack; the gradient of every unit under its PyTorch name. */
typedef struct {
    const char *path, *input, *target, *out, *loss_text, *at_text;
    srm_loss_kind loss;
    srm_loss_at at;
    unsigned long trunc;
    int json;
} module_grad;

static int module_loss(const srm_stack *s, const srm_matrix *x, const srm_matrix *z,
                       const module_grad *p, double *dout, double *value)
{
    size_t w = s->lay.hidden * s->lay.directions, T = x->rows, L = s->lay.layers;
    size_t D = s->lay.directions, k = p->trunc;
    if (!k) SRM_TRY(srm_stack_run(s->unit, L, D, x->data, T, dout, NULL));
    for (size_t t = 0; k && t < T; t++)
        SRM_TRY(srm_stack_truncated(s->unit, L, D, x->data, T, k, t, dout + t * w));
    *value = 0;
    for (size_t t = 0; t < T; t++) {
        double *y = dout + t * w; /* overwritten by dloss/dy */
        if (p->at == SRM_LOSS_AT_LAST && t + 1 < T) /* not a loss position */
            memset(y, 0, w * sizeof *y);
        else
            *value += srm_loss_position(p->loss, y, w, z->data + t * z->cols, z->cols, y);
    }
    return SRM_OK;
}

static int write_module_gradient(const module_grad *p, const srm_stack *s, srm_model **g)
{
    srm_tensors *ts = srm_tensors_alloc();
    if (!ts) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = gradient_meta(ts, s->unit[0]->cell, p->loss_text, p->at_text, p->trunc);
    static const char *const kind[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    for (size_t u = 0; rc == SRM_OK && u < s->lay.units; u++) {
        srm_model_tensor t[SRM_MODEL_TENSORS_MAX];
        srm_model_tensors(g[u], t); /* the four recurrent blocks come first */
        for (size_t i = 0; rc == SRM_OK && i < 4; i++) {
            char name[SRM_LAYOUT_NAME_MAX + 40];
            snprintf(name, sizeof name, "%s%s_l%zu%s", s->lay.prefix, kind[i],
                     s->lay.unit[u].layer, s->lay.unit[u].reverse ? "_reverse" : "");
            rc = srm_tensors_add_view(ts, name, t[i].ndim, t[i].shape, t[i].data);
        }
    }
    if (rc == SRM_OK) rc = srm_safetensors_write(p->out, ts);
    srm_tensors_free(ts);
    return rc;
}

static int grad_module(const module_grad *p)
{
    srm_stack *s = NULL;
    srm_matrix *x = NULL, *z = NULL;
    srm_model *g[2 * SRM_LAYOUT_MAX_LAYERS] = {0};
    SRM_TRY(srm_stack_load(p->path, NULL, &s));
    size_t w = s->lay.hidden * s->lay.directions;
    int rc = srm_matrix_read(p->input, &x);
    if (rc == SRM_OK) rc = srm_matrix_read(p->target, &z);
    if (rc == SRM_OK && (x->cols != s->unit[0]->input || z->rows != x->rows))
        rc = SRM_ERROR(SRM_EINVAL, "%s, %s: need T x %zu inputs and T targets (the top "
                       "layer's outputs, both directions: %zu wide)", p->input, p->target,
                       s->unit[0]->input, w);
    if (rc == SRM_OK)
        rc = srm_loss_target_check(w, p->loss, z->data, z->rows, z->cols, p->target, z->lines);
    double *dout = rc == SRM_OK ? malloc(x->rows * w * sizeof *dout) : NULL, value = 0, ss = 0;
    if (rc == SRM_OK && !dout) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t u = 0; rc == SRM_OK && u < s->lay.units; u++)
        if (!(g[u] = srm_model_alloc_like(s->unit[u]))) rc = srm_error_code();
    if (rc == SRM_OK) rc = module_loss(s, x, z, p, dout, &value);
    if (rc == SRM_OK && p->trunc)
        rc = srm_stack_truncated_grad(s->unit, s->lay.layers, s->lay.directions, x->data,
                                      x->rows, p->trunc, dout, g);
    else if (rc == SRM_OK)
        rc = srm_stack_grad(s->unit, s->lay.layers, s->lay.directions, x->data, x->rows, dout, g);
    for (size_t u = 0; rc == SRM_OK && u < s->lay.units; u++) rc = check_finite(value, g[u]);
    if (rc == SRM_OK) rc = write_module_gradient(p, s, g);
    for (size_t u = 0; rc == SRM_OK && u < s->lay.units; u++)
        ss += cblas_ddot((int)g[u]->nparam, g[u]->w, 1, g[u]->w, 1);
    if (rc == SRM_OK) rc = report(value, sqrt(ss), p->json);
    for (size_t u = 0; u < s->lay.units; u++) srm_model_free(g[u]);
    free(dout);
    srm_matrix_free(x);
    srm_matrix_free(z);
    srm_stack_free(s);
    return rc;
}

/* A one-layer model (sim/rnn_grad.c): any loss on its outputs, its decoder's if it has one. */
static int grad_one(const module_grad *p)
{
    srm_model *m = NULL, *g = NULL;
    srm_matrix *x = NULL, *z = NULL;
    srm_rnn_workspace *ws = NULL;
    double value = NAN;
    SRM_TRY(srm_model_load(p->path, &m));
    int rc = srm_matrix_read(p->input, &x);
    if (rc == SRM_OK) rc = srm_rnn_input_check(m, x->data, x->rows, x->cols, p->input, x->lines);
    if (rc == SRM_OK) rc = srm_matrix_read(p->target, &z);
    if (rc == SRM_OK && z->rows != x->rows)
        rc = SRM_ERROR(SRM_EINVAL, "%s: %zu target rows for %zu input rows in %s", p->target,
                       z->rows, x->rows, p->input);
    if (rc == SRM_OK)
        rc = srm_rnn_target_check(m, p->loss, z->data, z->rows, z->cols, p->target, z->lines);
    if (rc == SRM_OK && (!(ws = srm_rnn_workspace_alloc(m, x->rows, 0)) ||
                         !(g = srm_model_alloc_like(m))))
        rc = srm_error_code();
    if (rc == SRM_OK)
        rc = srm_rnn_loss_grad(m, x->data, z->data, z->cols, x->rows, p->trunc, p->loss, p->at,
                               &value, g, ws);
    if (rc == SRM_OK) rc = check_finite(value, g);
    if (rc == SRM_OK) rc = write_gradient(p->out, g, p->loss_text, p->at_text, p->trunc);
    if (rc == SRM_OK) rc = report(value, cblas_dnrm2((int)g->nparam, g->w, 1), p->json);
    srm_matrix_free(x);
    srm_matrix_free(z);
    srm_rnn_workspace_free(ws);
    srm_model_free(g);
    srm_model_free(m);
    return rc;
}

int srm_cmd_grad(int argc, char **argv)
{
    const char *input = NULL, *target = NULL, *out = NULL, *loss_text = "mse", *at_text = "all";
    unsigned long trunc = 0;
    int json = 0;
    const srm_arg args[] = {
        {"input", SRM_ARG_STRING, &input, "X",
         "input text matrix, one x_t per row, T x d (required)", NULL},
        {"target", SRM_ARG_STRING, &target, "Y",
         "targets, one row per step: T x m; xent: T x 1 class indices or T x m probabilities "
         "(required)",
         NULL},
        {"trunc", SRM_ARG_ULONG, &trunc, "k", "k-step truncated model (0: none)", NULL},
        {"loss", SRM_ARG_STRING, &loss_text, "L", "mse, xent or bce", NULL},
        {"loss-at", SRM_ARG_STRING, &at_text, "P", "all (every step) or last (t = T only)", NULL},
        {"out", SRM_ARG_STRING, &out, "G", "gradient safetensors file (required)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm grad MODEL --input X --target Y [--trunc k] [--loss mse|xent|bce] "
        "[--loss-at all|last] --out G [--json]",
        "Prints the loss of the sequence and writes its exact gradient (backpropagation "
        "through time) for every parameter to G, under the model's tensor names. The output "
        "is y_t = decoder.weight h_t + decoder.bias (h_t without a decoder). Losses per step: "
        "mse 1/2 ||y_t - z_t||^2; xent -log softmax(y_t)[z_t] (or -sum_j p_j log softmax_j "
        "for probability targets); bce sum_j softplus(y_j) - z_j y_j (sigmoid cross-entropy). "
        "The loss is their sum over the loss positions. With --trunc k the loss at t uses "
        "y^k_t, from the zero state at max(0, t-k), and its gradient flows through that "
        "window only (proofs-notes/models.md sections 3 and 4). A stack, a bidirectional module or "
        "a GRU (any PyTorch state dict) takes the loss on its top layer's outputs y_t = h_t (T "
        "x n*directions targets, or T x 1 classes for xent; a decoder in the file is not "
        "applied), full or with --trunc k on proofs-notes/cascade.md's windows, and "
        "writes the gradient of every layer and direction under its PyTorch name.",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    srm_loss_kind loss;
    srm_loss_at at;
    SRM_TRY(srm_loss_parse(loss_text, &loss));
    SRM_TRY(srm_loss_at_parse(at_text, &at));
    if (!input || !target || !out)
        return SRM_ERROR(SRM_EINVAL, "--input X, --target Y and --out G are required (see srm "
                         "grad --help)");
    int whole = 0;
    SRM_TRY(srm_cli_whole_module(pos[0], &whole));
    module_grad mg = {pos[0], input, target, out, loss_text, at_text, loss, at, trunc, json};
    return whole ? grad_module(&mg) : grad_one(&mg);
}
