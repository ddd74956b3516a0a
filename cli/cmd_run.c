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
#include "sim/rnn.h"
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

int srm_cmd_run(int argc, char **argv)
{
    const char *input = NULL, *out = NULL, *text = NULL;
    unsigned long trunc = 0;
    int full_state = 0;
    const srm_arg args[] = {
        {"input", SRM_ARG_STRING, &input, "X",
         "input text matrix, one x_t per row (T x d; token indices for encoder models)", NULL},
        {"text", SRM_ARG_STRING, &text, "WORDS",
         "instead of --input: whitespace-separated tokens, mapped through the model's own "
         "vocabulary (models srm train wrote)", NULL},
        {"trunc", SRM_ARG_ULONG, &trunc, "k", "k-step truncation: row t holds h^k_t (0: none)",
         NULL},
        {"full-state", SRM_ARG_FLAG, &full_state, NULL, "LSTM: write c_t before h_t", NULL},
        {"out", SRM_ARG_STRING, &out, "H", "output text matrix ('-' for stdout)", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm run MODEL (--input X | --text WORDS) [--trunc k] [--full-state] --out H",
        "Runs the model over the sequence X from the zero state (proofs-notes/models.md) and "
        "writes H: row t holds the hidden state h_t, followed by the readout y_t = "
        "decoder.weight h_t + decoder.bias when the model has a decoder. With --trunc k, row t "
        "holds the k-step truncation h^k_t (and y^k_t): the same map restarted from the zero "
        "state at max(0, t-k) (proofs-notes/models.md section 3). A `#` line names the "
        "columns.",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    if (!input == !text)
        return SRM_ERROR(SRM_EINVAL, "one of --input X and --text WORDS is required (see srm run "
                                     "--help)");
    if (!out) return SRM_ERROR(SRM_EINVAL, "--out H is required (see srm run --help)");
    srm_model *m = NULL;
    srm_matrix *x = NULL, *h = NULL;
    srm_rnn_workspace *ws = NULL;
    double *states = NULL, *ys = NULL;
    char *names = NULL;
    SRM_TRY(srm_model_load(pos[0], &m));
    if (full_state && m->cell != SRM_CELL_LSTM) full_state = 0; /* the state is h already */
    rc = input ? srm_matrix_read(input, &x) : text_input(pos[0], text, &x);
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
