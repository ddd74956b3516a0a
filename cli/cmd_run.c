/* cli/cmd_run.c: `srm run MODEL --input X [--trunc k] --out H`, a model's hidden states (and
 * readout) over one input sequence, optionally k-step truncated (sim/rnn.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/matrix.h"
#include "core/model.h"
#include "core/report.h"
#include "cli/common.h"
#include "sim/rnn.h"
#include "sim/stack.h"
#include "task/task_data.h"

/* Column names "h_1 .. h_n y_1 .. y_m" (LSTM with --full-state: "c_1 .. c_n h_1 ..."). */
static char *column_names(const srm_model *m, int full_state)
{
    size_t n = m->hidden, cap = 16 * (2 * n + m->output) + 1, len = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[0] = '\0';
    if (full_state)
        for (size_t i = 0; i < n; i++) len += snprintf(s + len, cap - len, "%sc_%zu", len ? " " : "", i + 1);
    for (size_t i = 0; i < n; i++) len += snprintf(s + len, cap - len, "%sh_%zu", len ? " " : "", i + 1);
    for (size_t i = 0; i < m->output; i++) len += snprintf(s + len, cap - len, " y_%zu", i + 1);
    return s;
}

/* --text: the tokens' ids in the model's vocabulary, as a (T, 1) matrix. */
static int text_input(const char *model, const char *text, srm_matrix **x)
{
    double *ids = NULL;
    size_t T = 0;
    SRM_TRY(srm_task_vocab_ids(model, text, &ids, &T));
    *x = srm_matrix_alloc(T, 1);
    if (*x) memcpy((*x)->data, ids, T * sizeof *ids);
    free(ids);
    return *x ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
}

/* A stack, both directions or a GRU (sim/stack.h): the top layer's outputs h_t (both
 * directions, forward first), or with k the k-truncated stack's. */
static int run_module(const char *path, const char *input, unsigned long k, const char *out,
                      size_t *rows, size_t *cols)
{
    srm_stack *s = NULL;
    srm_matrix *x = NULL, *h = NULL;
    char *names = NULL;
    SRM_TRY(srm_stack_load(path, NULL, &s));
    size_t w = s->lay.hidden * s->lay.directions, d = s->unit[0]->input;
    int rc = srm_matrix_read(input, &x);
    if (rc == SRM_OK && x->cols != d)
        rc = SRM_ERROR(SRM_EINVAL, "%s: %zu columns; the module reads inputs of size %zu", input,
                       x->cols, d);
    if (rc == SRM_OK && (!(h = srm_matrix_alloc(x->rows, w)) || !(names = malloc(12 * w + 1))))
        rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK && (k == 0 || k >= x->rows))
        rc = srm_stack_run(s->unit, s->lay.layers, s->lay.directions, x->data, x->rows, h->data,
                           NULL);
    for (size_t t = 0; rc == SRM_OK && k && k < x->rows && t < x->rows; t++)
        rc = srm_stack_truncated(s->unit, s->lay.layers, s->lay.directions, x->data, x->rows, k,
                                 t, h->data + t * w);
    if (rc == SRM_OK) {
        size_t len = 0;
        for (size_t i = 0; i < w; i++)
            len += (size_t)snprintf(names + len, 12 * w + 1 - len, "%sh_%zu", i ? " " : "", i + 1);
        rc = srm_matrix_write(out, h, names);
        *rows = h->rows, *cols = h->cols;
    }
    free(names);
    srm_matrix_free(h);
    srm_matrix_free(x);
    srm_stack_free(s);
    return rc;
}

/* A one-layer model: its states (c_t too with full_state), then its readout, per row. */
static int run_one(const char *path, const char *input, const char *text, unsigned long trunc,
                   int full_state, const char *out, size_t *rows, size_t *cols)
{
    srm_model *m = NULL;
    srm_matrix *x = NULL, *h = NULL;
    srm_rnn_workspace *ws = NULL;
    double *states = NULL, *ys = NULL;
    char *names = NULL;
    SRM_TRY(srm_model_load(path, &m));
    if (full_state && m->cell != SRM_CELL_LSTM) full_state = 0; /* the state is h already */
    int rc = input ? srm_matrix_read(input, &x) : text_input(path, text, &x);
    if (rc == SRM_OK)
        rc = srm_rnn_input_check(m, x->data, x->rows, x->cols, input ? input : "--text",
                                 x->lines);
    size_t T = rc == SRM_OK ? x->rows : 0, n = m->hidden, S = srm_model_state_size(m);
    size_t k = trunc < T ? trunc : 0, first = full_state ? 0 : S - n;
    size_t width = S - first + m->output;
    if (rc == SRM_OK && !(ws = srm_rnn_workspace_alloc(m, T, k))) rc = srm_error_code();
    if (rc == SRM_OK) {
        states = malloc(T * S * sizeof(double));
        ys = malloc((T * m->output + 1) * sizeof(double));
        h = srm_matrix_alloc(T, width);
        names = column_names(m, full_state);
        if (!states || !ys || !h || !names) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    if (rc == SRM_OK) rc = srm_rnn_forward(m, x->data, T, k, states, ys, ws);
    if (rc == SRM_OK) {
        for (size_t t = 0; t < T; t++) {
            double *row = h->data + t * width;
            for (size_t j = first; j < S; j++) row[j - first] = states[t * S + j];
            for (size_t j = 0; j < m->output; j++) row[S - first + j] = ys[t * m->output + j];
        }
        rc = srm_matrix_write(out, h, names);
        *rows = h->rows, *cols = h->cols;
    }
    free(names);
    free(states);
    free(ys);
    srm_matrix_free(h);
    srm_matrix_free(x);
    srm_rnn_workspace_free(ws);
    srm_model_free(m);
    return rc;
}

/* --json: what was written. */
static int report_written(const char *model, size_t rows, size_t cols, unsigned long k,
                          const char *out)
{
    srm_report *r = srm_report_alloc();
    int rc = r ? srm_report_string(r, "model", NULL, model)
               : SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK) rc = srm_report_integer(r, "rows", "rows (steps)", (long long)rows);
    if (rc == SRM_OK) rc = srm_report_integer(r, "cols", "columns", (long long)cols);
    if (rc == SRM_OK) rc = srm_report_integer(r, "trunc", "trunc k (0: none)", (long long)k);
    if (rc == SRM_OK) rc = srm_report_string(r, "out", NULL, out);
    return srm_report_finish(r, rc, stdout, 1);
}

int srm_cmd_run(int argc, char **argv)
{
    const char *input = NULL, *out = NULL, *text = NULL;
    unsigned long trunc = 0;
    int full_state = 0, json = 0;
    size_t rows = 0, cols = 0;
    const srm_arg args[] = {
        {"input", SRM_ARG_STRING, &input, "X",
         "input text matrix, one x_t per row (T x d; token indices for encoder models)", NULL},
        {"text", SRM_ARG_STRING, &text, "WORDS", "instead of --input: whitespace-separated "
         "tokens, mapped through the model's own vocabulary (models srm train wrote)", NULL},
        {"trunc", SRM_ARG_ULONG, &trunc, "k", "k-step truncation: row t is h^k_t (0: none)", NULL},
        {"full-state", SRM_ARG_FLAG, &full_state, NULL, "LSTM: write c_t before h_t", NULL},
        {"out", SRM_ARG_STRING, &out, "H", "output text matrix, '-' for stdout (required)", NULL},
        SRM_ARG_JSON(&json, "print what was written (rows, columns, trunc, out) as JSON"),
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm run MODEL (--input X | --text WORDS) [--trunc k] [--full-state] --out H [--json]",
        "Runs the model over the sequence X from the zero state (proofs-notes/models.md) and "
        "writes H: row t holds the hidden state h_t, followed by the readout y_t = "
        "decoder.weight h_t + decoder.bias when the model has a decoder. With --trunc k, row t "
        "holds the k-step truncation h^k_t (and y^k_t): the same map restarted from the zero "
        "state at max(0, t-k) (proofs-notes/models.md section 3). A `#` line names the "
        "columns. A stack, a bidirectional module or a GRU (any PyTorch state dict) writes "
        "the top layer's outputs (both directions, forward first), and with --trunc k those of "
        "the k-truncated stack (proofs-notes/cascade.md: the window [t-k+1, t], or "
        "[t-k+1, t+k-1] with two directions).",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    if (!input == !text)
        return SRM_ERROR(SRM_EINVAL, "one of --input X and --text WORDS is required (see srm run "
                                     "--help)");
    if (!out) return SRM_ERROR(SRM_EINVAL, "--out H is required (see srm run --help)");
    if (json && strcmp(out, "-") == 0)
        return SRM_ERROR(SRM_EINVAL, "--json and --out -: both would go to standard output");
    int whole = 0;
    SRM_TRY(srm_cli_whole_module(pos[0], &whole));
    if (whole && (text || full_state))
        return SRM_ERROR(SRM_EINVAL, "%s is a stack, bidirectional or a GRU: --text and "
                         "--full-state apply to one-layer models", pos[0]);
    if (whole) {
        SRM_TRY(run_module(pos[0], input, trunc, out, &rows, &cols));
        return json ? report_written(pos[0], rows, cols, trunc, out) : SRM_OK;
    }
    SRM_TRY(run_one(pos[0], input, text, trunc, full_state, out, &rows, &cols));
    return json ? report_written(pos[0], rows, cols, trunc, out) : SRM_OK;
}
