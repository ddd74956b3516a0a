/* cli/cmd_eval.c: `srm eval --task T MODEL`, the held-out metric of a trained model, full or
 * k-step truncated (task/train.h; the truncated model: proofs-notes/models.md section 3). */
#include <stdio.h>
#include <limits.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/error.h"
#include "core/report.h"
#include "task/train.h"

static int eval_report(srm_task task, const char *split_text, unsigned long trunc,
                       const srm_eval_result *e, const char *precision_text, int json)
{
    srm_report *r = srm_report_alloc();
    if (!r) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = srm_report_string(r, "task", NULL, srm_data_task_name(task));
    if (rc == SRM_OK) rc = srm_report_string(r, "split", NULL, split_text);
    if (rc == SRM_OK) rc = srm_report_integer(r, "trunc", "trunc k (0: full)", (long long)trunc);
    if (rc == SRM_OK) rc = srm_report_string(r, "metric_name", "metric", srm_train_metric_name(task));
    if (rc == SRM_OK) rc = srm_report_number(r, "metric", "value", e->metric);
    if (rc == SRM_OK) rc = srm_report_number(r, "loss", "mean loss", e->loss);
    if (rc == SRM_OK) rc = srm_report_integer(r, "count", "positions", (long long)e->count);
    if (rc == SRM_OK) rc = srm_report_string(r, "arithmetic", "arithmetic precision", precision_text);
    if (rc == SRM_OK && task == SRM_TASK_ATIS) rc = srm_report_number(r, "precision", "slot precision", e->precision);
    if (rc == SRM_OK && task == SRM_TASK_ATIS) rc = srm_report_number(r, "recall", "slot recall", e->recall);
    if (rc == SRM_OK) rc = srm_report_print(r, stdout, json);
    srm_report_free(r);
    return rc;
}

int srm_cmd_eval(int argc, char **argv)
{
    const char *task_text = NULL, *split_text = "test", *data_dir = NULL;
    const char *precision_text = "float64";
    unsigned long trunc = ULONG_MAX, eval_batch = 0, bptt = 0, max_eval = 0;
    int json = 0;
    char batch_help[200], presets[120];
    snprintf(batch_help, sizeof batch_help, "columns (LM) or sequences per batch (0: the model's "
             "training setting, else the paper's: %s)",
             srm_train_param_preset_text(srm_train_param_find("eval-batch"), "paper", -1, -1,
                                         presets, sizeof presets));
    const srm_arg args[] = {
        {"task", SRM_ARG_STRING, &task_text, "T",
         "wikitext2, ptbchar, jsb or atis (default: the task in MODEL's metadata)", NULL},
        {"split", SRM_ARG_STRING, &split_text, "S", "valid or test", NULL},
        {"trunc", SRM_ARG_ULONG, &trunc, "k",
         "k-step truncated model: every prediction sees only the last k inputs (0: full; "
         "default: the k MODEL was trained at, srm train --trunc, else 0)", NULL},
        {"eval-batch", SRM_ARG_ULONG, &eval_batch, "B", batch_help, NULL},
        {"bptt", SRM_ARG_ULONG, &bptt, "L",
         "LM: window length of the full evaluation (0: the model's training bptt)", NULL},
        {"max-eval", SRM_ARG_ULONG, &max_eval, "N",
         "use the first N tokens (LM) or sequences of the split (0: all)", NULL},
        {"precision", SRM_ARG_STRING, &precision_text, "P",
         "float64, or float32 for the whole forward pass of the full model (as training runs)",
         NULL},
        {"data-dir", SRM_ARG_STRING, &data_dir, "DIR", "data folder (see srm data --help)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm eval [--task T] MODEL [--split valid|test] [--trunc k] [--json]",
        "Prints the metric of MODEL (a safetensors file from srm train) on a split: perplexity\n"
        "(wikitext2), bits per character (ptbchar), NLL per frame over 88 keys (jsb), slot F1\n"
        "in percent with conlleval semantics (atis; also precision and recall), with the mean\n"
        "loss per position and the number of positions. The full model runs as in training\n"
        "(LM: eval-batch columns, state carried across windows; no dropout). With --trunc k\n"
        "each position's state restarts from zero k steps back (the k-step truncated model,\n"
        "proofs-notes/models.md section 3), computed in O(T k) by advancing all live windows\n"
        "in one GEMM per step; k >= T gives the full model (same arithmetic, equal up to GEMM\n"
        "rounding). A model trained truncated (srm train --trunc k) is evaluated at its k unless\n"
        "--trunc is given.",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    srm_task task;
    SRM_TRY(srm_cli_model_task(task_text, pos[0], &task));
    srm_net_precision precision;
    SRM_TRY(srm_train_precision_parse(precision_text, &precision));
    srm_split split;
    if (strcmp(split_text, "valid") == 0) split = SRM_SPLIT_VALID;
    else if (strcmp(split_text, "test") == 0) split = SRM_SPLIT_TEST;
    else return SRM_ERROR(SRM_EINVAL, "--split must be valid or test (got '%s')", split_text);

    size_t batch = eval_batch, window = bptt; /* the task and settings srm train recorded */
    size_t trained = 0;
    SRM_TRY(srm_train_model_eval_settings(pos[0], task, &batch, &window, &trained));
    int given = trunc != ULONG_MAX;
    if (!given) trunc = trained;
    if (trunc && precision != SRM_NET_FLOAT64)
        return SRM_ERROR(SRM_EINVAL, given ? "--trunc evaluates in float64 only"
                                           : "%s was trained at --trunc %zu, which evaluates in "
                                             "float64 only (--trunc 0: the full model)",
                         pos[0], trained);

    srm_model *m;
    SRM_TRY(srm_model_load(pos[0], &m));
    srm_task_data *d = NULL;
    size_t mx[3] = {0, split == SRM_SPLIT_VALID ? max_eval : 0, split == SRM_SPLIT_TEST ? max_eval : 0};
    rc = srm_task_data_load(task, data_dir, mx[0], mx[1], mx[2], &d);
    if (rc == SRM_OK) rc = srm_task_data_check_vocab(d, pos[0]);
    srm_eval_result e;
    if (rc == SRM_OK) rc = srm_train_evaluate(m, d, split, trunc, batch, window, precision, &e);
    srm_task_data_free(d);
    srm_model_free(m);
    if (rc != SRM_OK) return rc;

    return eval_report(task, split_text, trunc, &e, precision_text, json);
}
