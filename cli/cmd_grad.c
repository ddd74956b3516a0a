/* cli/cmd_grad.c: `srm grad MODEL --input X --target Y ... --out G`, the loss of one sequence
 * and its exact BPTT gradient (full or k-step truncated), written as a safetensors file with the
 * model's own tensor names (sim/rnn.h). */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/matrix.h"
#include "core/report.h"
#include "core/safetensors.h"
#include "core/model.h"
#include "sim/rnn.h"

/* Views of the gradient block under the model's tensor names (core/model.h), in block order. */
static int gradient_tensors(const srm_model *g, srm_tensors *ts)
{
    srm_model_tensor t[SRM_MODEL_TENSORS_MAX];
    size_t nt = srm_model_tensors(g, t);
    for (size_t i = 0; i < nt; i++)
        SRM_TRY(srm_tensors_add_view(ts, t[i].name, t[i].ndim, t[i].shape, t[i].data));
    return SRM_OK;
}

static int write_gradient(const char *path, const srm_model *g, const char *loss,
                          const char *at, unsigned long trunc)
{
    char ktext[32];
    snprintf(ktext, sizeof ktext, "%lu", trunc);
    srm_tensors *ts = srm_tensors_alloc();
    if (!ts) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = srm_tensors_set_meta(ts, "cell", srm_cell_name(g->cell));
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "content", "gradient");
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "loss", loss);
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "loss_at", at);
    if (rc == SRM_OK) rc = srm_tensors_set_meta(ts, "trunc", ktext);
    if (rc == SRM_OK) rc = gradient_tensors(g, ts);
    if (rc == SRM_OK) rc = srm_safetensors_write(path, ts);
    srm_tensors_free(ts);
    return rc;
}

int srm_cmd_grad(int argc, char **argv)
{
    const char *input = NULL, *target = NULL, *out = NULL, *loss_text = "mse", *at_text = "all";
    unsigned long trunc = 0;
    int json = 0;
    const srm_arg args[] = {
        {"input", SRM_ARG_STRING, &input, "X", "input text matrix, one x_t per row (T x d)", NULL},
        {"target", SRM_ARG_STRING, &target, "Y",
         "targets, one row per step (T x m; xent: T x 1 class indices or T x m probabilities)",
         NULL},
        {"trunc", SRM_ARG_ULONG, &trunc, "k", "k-step truncated model (0: none)", NULL},
        {"loss", SRM_ARG_STRING, &loss_text, "L", "mse, xent or bce", NULL},
        {"loss-at", SRM_ARG_STRING, &at_text, "P", "all (every step) or last (t = T only)", NULL},
        {"out", SRM_ARG_STRING, &out, "G", "gradient safetensors file", NULL},
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
        "window only (proofs-notes/models.md sections 3 and 4).",
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
    srm_model *m = NULL, *g = NULL;
    srm_matrix *x = NULL, *z = NULL;
    srm_rnn_workspace *ws = NULL;
    srm_report *r = NULL;
    double value = NAN;
    SRM_TRY(srm_model_load(pos[0], &m));
    rc = srm_matrix_read(input, &x);
    if (rc == SRM_OK) rc = srm_rnn_input_check(m, x->data, x->rows, x->cols, input, x->lines);
    if (rc == SRM_OK) rc = srm_matrix_read(target, &z);
    if (rc == SRM_OK && z->rows != x->rows)
        rc = SRM_ERROR(SRM_EINVAL, "%s: %zu target rows for %zu input rows in %s", target,
                       z->rows, x->rows, input);
    if (rc == SRM_OK) rc = srm_rnn_target_check(m, loss, z->data, z->rows, z->cols, target, z->lines);
    if (rc == SRM_OK && (!(ws = srm_rnn_workspace_alloc(m, x->rows, 0)) ||
                         !(g = srm_model_alloc_like(m))))
        rc = srm_error_code();
    if (rc == SRM_OK)
        rc = srm_rnn_loss_grad(m, x->data, z->data, z->cols, x->rows, trunc, loss, at, &value, g,
                               ws);
    if (rc == SRM_OK && !isfinite(value))
        rc = SRM_ERROR(SRM_ENUMERIC, "the loss overflows double precision (%g); no gradient "
                       "written", value);
    for (size_t i = 0; rc == SRM_OK && i < g->nparam; i++)
        if (!isfinite(g->w[i]))
            rc = SRM_ERROR(SRM_ENUMERIC, "the gradient overflows double precision; not written");
    if (rc == SRM_OK) rc = write_gradient(out, g, loss_text, at_text, trunc);
    if (rc == SRM_OK && !(r = srm_report_alloc())) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK) rc = srm_report_number(r, "loss", "loss", value);
    if (rc == SRM_OK)
        rc = srm_report_number(r, "grad_norm", "||gradient||_2",
                               cblas_dnrm2((int)g->nparam, g->w, 1));
    if (rc == SRM_OK) rc = srm_report_print(r, stdout, json);
    srm_report_free(r);
    srm_matrix_free(x);
    srm_matrix_free(z);
    srm_rnn_workspace_free(ws);
    srm_model_free(g);
    srm_model_free(m);
    return rc;
}
