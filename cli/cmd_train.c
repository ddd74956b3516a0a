/* cli/cmd_train.c: `srm train`, SGD training of the benchmark network on a task (task/train.h):
 * presets (the paper's Table 2, or quick), flag overrides, progress, --resume. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/report.h"
#include "task/train.h"

static const char *const train_summary =
    "Trains embedding (jsb: the 88-key frame itself) -> dropout -> one tanh RNN or LSTM layer\n"
    "-> dropout -> decoder with plain SGD: mean loss per batch, gradient norm clipped at\n"
    "--clip, weight decay, learning rate divided by --lr-decay whenever the validation loss\n"
    "does not improve, the model of lowest validation loss (atis: highest slot F1) kept.\n"
    "--stable projects after every step: RNN singular values of W_hh clipped at --radius (the\n"
    "clip skipped while a Weyl bound certifies ||W_hh||_2 <= radius, computed from the\n"
    "eigenpairs of W_hh^T W_hh above radius^2 while that bound is <= 2 radius, by SVD\n"
    "otherwise: srm project --method gram|svd); LSTM rows scaled to the\n"
    "toolkit's targets (srm_project_lstm with --lstm-a, --lstm-margin, --lstm-input-bound),\n"
    "and the embedding rows a step touched clamped to [-B_x, B_x] so that bound holds.\n"
    "Language models (wikitext2: perplexity; ptbchar: bits per character) run truncated BPTT\n"
    "over --batch columns, windows of --bptt, state carried across windows; jsb (NLL per\n"
    "frame over 88 keys) and atis (slot F1 in percent, conlleval; train atis-2.train, select\n"
    "on atis-2.dev, test atis.test) batch whole sequences.\n"
    "Presets: --config paper is Table 2 exactly; --config quick is smaller (minutes). Every\n"
    "hyper-parameter flag overrides the preset; `srm train --task T --cell C --help` shows\n"
    "the preset's values in brackets. --max-train/--max-valid/--max-test slice the splits\n"
    "(tokens for language models, sequences otherwise; 0 = all).\n"
    "Writes DIR/model.safetensors (best by validation, metadata task/config), DIR/log.tsv (per\n"
    "epoch: train_loss, valid_loss, valid_metric, lr, seconds, tokens_per_s, norm_hh_2 =\n"
    "||W_hh||_2, the LSTM gate blocks' infinity norms norm_inf_i/f/z/o, improved),\n"
    "DIR/checkpoint.safetensors (each epoch, atomically) and DIR/result.json (test metric of the\n"
    "best model and the full configuration). --resume DIR continues from the checkpoint with\n"
    "its stored configuration (only --epochs may change) and ends exactly as an uninterrupted\n"
    "run. Arithmetic is double precision, except that --precision float32 (the default of the\n"
    "language models) runs the decoder and softmax in single precision (result.json says\n"
    "which). Per-epoch lines go to stderr (--quiet: none); SRM_PROGRESS=1 adds a live line.\n"
    "Measured here (2 cores, 1 BLAS thread, two runs at a time, seed 1; results/), --config\n"
    "quick, unstable model, training seconds (result.json) and test metric:\n"
    "  atis      lstm  54 s, F1 91.45        rnn  28 s, F1 88.53\n"
    "  jsb       lstm  55 s, NLL/frame 8.31  rnn  15 s, NLL/frame 8.87\n"
    "  ptbchar   lstm 177 s, bpc 2.51        rnn 161 s, bpc 2.98 (1 epoch on 2.4M characters)\n"
    "  wikitext2 lstm 174 s, ppl 766         rnn 175 s, ppl 1130 (1 epoch on 300k tokens)\n"
    "--stable takes about as long (-11% to +27%), except jsb rnn: 31 s (a projection per step).\n"
    "--config paper: atis (100 epochs) ~3.6 min lstm, ~1.2 min rnn, the same with --stable;\n"
    "jsb (100 epochs): rnn ~16 s/epoch (28 min), ~28 s with --stable (36 min); lstm ~50 s\n"
    "per epoch with or without --stable (~2 h); wikitext2 ~250 (lstm) / ~1100 (rnn)\n"
    "tokens/s, ptbchar ~600 / ~6800 tokens/s: days. OPENBLAS_NUM_THREADS=2 gave ~1.2x\n"
    "on wikitext2 (results then differ in rounding from 1 thread).";

/* The value of --name in argv (before parsing, so that --help can show the preset). */
static const char *prescan(int argc, char **argv, const char *name)
{
    size_t len = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0) continue;
        if (a[2 + len] == '=') return a + 3 + len;
        if (a[2 + len] == '\0' && i + 1 < argc) return argv[i + 1];
    }
    return NULL;
}

typedef struct {
    int quiet;
    srm_task task;
} observer_ctx;

static void format_eta(char *buf, size_t size, double s)
{
    if (!(s >= 0) || s > 1e8) snprintf(buf, size, "?");
    else if (s < 60) snprintf(buf, size, "%.0fs", s);
    else if (s < 3600) snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else snprintf(buf, size, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

static void on_epoch(const srm_train_epoch *e, const srm_train_config *c, double eta, void *vctx)
{
    const observer_ctx *ctx = vctx;
    if (ctx->quiet) return;
    char eb[32];
    format_eta(eb, sizeof eb, eta);
    fprintf(stderr, "epoch %zu/%zu: train loss %.4f, valid %s %.4f%s, lr %.4g, %.1f s, "
            "%.0f tok/s, ETA %s\n", e->epoch, c->epochs, e->train_loss,
            srm_train_metric_name(c->task), e->valid_metric, e->improved ? " (best)" : "", e->lr,
            e->seconds, e->tokens_per_second, eb);
}

int srm_cmd_train(int argc, char **argv)
{
    const char *task_text = prescan(argc, argv, "task"), *cell_text = prescan(argc, argv, "cell");
    const char *preset = prescan(argc, argv, "config");
    if (!preset) preset = "quick";
    srm_train_config c = {0};
    srm_task task;
    srm_cell cell;
    /* show the preset's values in --help when task and cell are known */
    if (task_text && cell_text && srm_data_task_parse(task_text, &task) == SRM_OK &&
        srm_cell_parse(cell_text, &cell) == SRM_OK)
        srm_train_config_preset(&c, task, cell, preset);
    srm_error_clear();
    const char *out = NULL, *resume = NULL, *data_dir = NULL;
    const char *precision_text = srm_train_precision_name(c.precision);
    int stable = 0, json = 0, quiet = 0;
    unsigned long hidden = c.hidden, embedding = c.embedding, batch = c.batch, bptt = c.bptt;
    unsigned long epochs = c.epochs, eval_batch = c.eval_batch, max_train = c.max_train;
    unsigned long max_valid = c.max_valid, max_test = c.max_test, seed = 1;
    double dropout = c.dropout, wd = c.weight_decay, lr = c.lr, clip = c.clip;
    double lr_decay = c.lr_decay, radius = c.radius, lstm_a = c.lstm_a;
    double lstm_margin = c.lstm_margin, lstm_bound = c.lstm_input_bound;
    enum { G_HIDDEN, G_EMB, G_BATCH, G_BPTT, G_EPOCHS, G_EVAL, G_MTR, G_MVA, G_MTE, G_SEED,
           G_DROP, G_WD, G_LR, G_CLIP, G_DECAY, G_RADIUS, G_A, G_MARGIN, G_BOUND, G_STABLE,
           G_TASK, G_CELL, G_CONFIG, G_PREC, G_COUNT };
    int given[G_COUNT] = {0};
    const srm_arg args[] = {
        {"task", SRM_ARG_STRING, &task_text, "T", "wikitext2, ptbchar, jsb or atis", &given[G_TASK]},
        {"cell", SRM_ARG_STRING, &cell_text, "C", "rnn (tanh) or lstm", &given[G_CELL]},
        {"config", SRM_ARG_STRING, &preset, "P", "preset: paper (Table 2) or quick",
         &given[G_CONFIG]},
        {"stable", SRM_ARG_FLAG, &stable, NULL, "project onto the stable set after every step",
         &given[G_STABLE]},
        {"radius", SRM_ARG_DOUBLE, &radius, "R", "RNN projection: ||W_hh||_2 <= R",
         &given[G_RADIUS]},
        {"lstm-a", SRM_ARG_DOUBLE, &lstm_a, "A", "LSTM projection: a = 1 - f_max", &given[G_A]},
        {"lstm-margin", SRM_ARG_DOUBLE, &lstm_margin, "M", "LSTM projection: margin",
         &given[G_MARGIN]},
        {"lstm-input-bound", SRM_ARG_DOUBLE, &lstm_bound, "B",
         "LSTM projection: assumed ||x||_inf bound B_x", &given[G_BOUND]},
        {"hidden", SRM_ARG_ULONG, &hidden, "N", "hidden units", &given[G_HIDDEN]},
        {"embedding", SRM_ARG_ULONG, &embedding, "D", "embedding size (jsb: 88, fixed)",
         &given[G_EMB]},
        {"dropout", SRM_ARG_DOUBLE, &dropout, "P", "dropout probability", &given[G_DROP]},
        {"weight-decay", SRM_ARG_DOUBLE, &wd, "W", "weight decay", &given[G_WD]},
        {"lr", SRM_ARG_DOUBLE, &lr, "LR", "initial learning rate", &given[G_LR]},
        {"lr-decay", SRM_ARG_DOUBLE, &lr_decay, "F", "lr /= F when validation does not improve",
         &given[G_DECAY]},
        {"clip", SRM_ARG_DOUBLE, &clip, "C", "gradient norm clipping (0: none)", &given[G_CLIP]},
        {"batch", SRM_ARG_ULONG, &batch, "B", "batch size (LM: columns)", &given[G_BATCH]},
        {"bptt", SRM_ARG_ULONG, &bptt, "L", "LM: truncated BPTT window", &given[G_BPTT]},
        {"epochs", SRM_ARG_ULONG, &epochs, "E", "epochs", &given[G_EPOCHS]},
        {"eval-batch", SRM_ARG_ULONG, &eval_batch, "B", "evaluation batch (LM: columns)",
         &given[G_EVAL]},
        {"max-train", SRM_ARG_ULONG, &max_train, "N", "use the first N of train (0: all)",
         &given[G_MTR]},
        {"max-valid", SRM_ARG_ULONG, &max_valid, "N", "use the first N of valid (0: all)",
         &given[G_MVA]},
        {"max-test", SRM_ARG_ULONG, &max_test, "N", "use the first N of test (0: all)",
         &given[G_MTE]},
        {"precision", SRM_ARG_STRING, &precision_text, "P",
         "float32 (decoder and softmax in single precision) or float64", &given[G_PREC]},
        {"seed", SRM_ARG_SEED, &seed, "S", "random seed (initialisation, dropout, order)",
         &given[G_SEED]},
        {"data-dir", SRM_ARG_STRING, &data_dir, "DIR", "data folder (see srm data --help)", NULL},
        {"out", SRM_ARG_STRING, &out, "DIR", "output folder (created if missing)", NULL},
        {"resume", SRM_ARG_STRING, &resume, "DIR", "continue the run in DIR from its checkpoint",
         NULL},
        {"quiet", SRM_ARG_FLAG, &quiet, NULL, "no per-epoch lines on stderr", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print the final report as one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm train --task T --cell rnn|lstm [--stable] [--config quick|paper] [--epochs E ...] "
        "[--seed S] --out DIR\n       srm train --resume DIR [--epochs E]",
        train_summary, args, 0, 0};
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, NULL, &npos);
    if (rc != SRM_OK) return rc;

    if (resume) {
        for (int g = 0; g < G_COUNT; g++)
            if (given[g] && g != G_EPOCHS)
                return SRM_ERROR(SRM_EINVAL, "--resume takes the stored configuration; only "
                                 "--epochs (and --data-dir, --quiet, --json) may be given");
        if (out && strcmp(out, resume) != 0)
            return SRM_ERROR(SRM_EINVAL, "--out and --resume name different folders");
        out = resume;
        SRM_TRY(srm_train_checkpoint_config(resume, &c));
        if (given[G_EPOCHS]) c.epochs = epochs;
    } else {
        if (!task_text || !cell_text)
            return SRM_ERROR(SRM_EINVAL, "--task and --cell are required (or --resume DIR)");
        if (!out) return SRM_ERROR(SRM_EINVAL, "--out DIR is required");
        SRM_TRY(srm_data_task_parse(task_text, &task));
        SRM_TRY(srm_cell_parse(cell_text, &cell));
        SRM_TRY(srm_train_config_preset(&c, task, cell, preset));
        /* flags override the preset */
        c.stable = stable;
        c.seed = seed;
        if (given[G_HIDDEN]) c.hidden = hidden;
        if (given[G_EMB]) c.embedding = embedding;
        if (given[G_BATCH]) c.batch = batch;
        if (given[G_BPTT]) c.bptt = bptt;
        if (given[G_EPOCHS]) c.epochs = epochs;
        if (given[G_EVAL]) c.eval_batch = eval_batch;
        if (given[G_MTR]) c.max_train = max_train;
        if (given[G_MVA]) c.max_valid = max_valid;
        if (given[G_MTE]) c.max_test = max_test;
        if (given[G_DROP]) c.dropout = dropout;
        if (given[G_WD]) c.weight_decay = wd;
        if (given[G_LR]) c.lr = lr;
        if (given[G_CLIP]) c.clip = clip;
        if (given[G_DECAY]) c.lr_decay = lr_decay;
        if (given[G_RADIUS]) c.radius = radius;
        if (given[G_A]) c.lstm_a = lstm_a;
        if (given[G_MARGIN]) c.lstm_margin = lstm_margin;
        if (given[G_BOUND]) c.lstm_input_bound = lstm_bound;
        if (given[G_PREC]) SRM_TRY(srm_train_precision_parse(precision_text, &c.precision));
        if ((given[G_RADIUS] && c.cell == SRM_CELL_LSTM) ||
            ((given[G_A] || given[G_MARGIN] || given[G_BOUND]) && c.cell != SRM_CELL_LSTM))
            return SRM_ERROR(SRM_EINVAL, "--radius is for --cell rnn, --lstm-* for --cell lstm");
        if (!c.stable && (given[G_RADIUS] || given[G_A] || given[G_MARGIN] || given[G_BOUND]))
            return SRM_ERROR(SRM_EINVAL, "--radius and --lstm-* only apply with --stable");
        if (mkdir(out, 0777) != 0 && errno != EEXIST)
            return SRM_ERROR(SRM_EIO, "%s: cannot create the output folder: %s", out,
                             strerror(errno));
    }
    SRM_TRY(srm_train_config_check(&c));
    srm_meta_set_seed(c.seed);

    srm_train_data *d;
    SRM_TRY(srm_task_data_load(c.task, data_dir, c.max_train, c.max_valid, c.max_test, &d));
    observer_ctx octx = {quiet, c.task};
    srm_train_summary s;
    rc = srm_train_run(&c, d, out, resume != NULL, on_epoch, &octx, &s);
    srm_task_data_free(d);
    if (rc != SRM_OK) return rc;

    srm_report *r = srm_report_alloc();
    if (!r) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    rc = srm_report_string(r, "task", NULL, srm_data_task_name(c.task));
    if (rc == SRM_OK) rc = srm_report_string(r, "cell", NULL, c.cell == SRM_CELL_LSTM ? "lstm" : "rnn");
    if (rc == SRM_OK) rc = srm_report_bool(r, "stable", NULL, c.stable);
    if (rc == SRM_OK) rc = srm_report_string(r, "config", NULL, c.preset);
    if (rc == SRM_OK) rc = srm_report_string(r, "metric_name", "metric", srm_train_metric_name(c.task));
    if (rc == SRM_OK) rc = srm_report_number(r, "test_metric", "test metric", s.test.metric);
    if (rc == SRM_OK) rc = srm_report_number(r, "test_loss", "test loss", s.test.loss);
    if (rc == SRM_OK) rc = srm_report_number(r, "valid_metric", "valid metric", s.valid.metric);
    if (rc == SRM_OK) rc = srm_report_integer(r, "best_epoch", "best epoch", (long long)s.best_epoch);
    if (rc == SRM_OK) rc = srm_report_integer(r, "epochs", NULL, (long long)s.epochs_done);
    if (rc == SRM_OK) rc = srm_report_number(r, "seconds", NULL, s.seconds);
    if (rc == SRM_OK)
        rc = srm_report_string(r, "precision", NULL, srm_train_precision_name(c.precision));
    if (rc == SRM_OK) rc = srm_report_string(r, "out", NULL, out);
    if (rc == SRM_OK) rc = srm_report_print(r, stdout, json);
    srm_report_free(r);
    return rc;
}
