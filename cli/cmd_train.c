/* cli/cmd_train.c: `srm train`, SGD training of the benchmark network on a task (task/train.h):
 * presets (the paper's Table 2, or quick) and flag overrides from the table of
 * task/train_config.h, the epochs driven here with a line per epoch, --resume. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/file.h"
#include "core/meta.h"
#include "core/progress.h"
#include "core/report.h"
#include "cli/train_cli.h"
#include "task/train.h"

static const char *const train_summary =
    "Trains embedding (jsb: the 88-key frame itself) -> dropout -> one tanh RNN or LSTM layer\n"
    "-> dropout -> decoder with plain SGD: mean loss per batch, gradient norm clipped at\n"
    "--clip, weight decay, learning rate divided by --lr-decay when --schedule says so (each\n"
    "task's code base: plateau, when the validation loss does not improve, for the LMs; tcn,\n"
    "after epoch 10 when it exceeds the largest of the previous three, for jsb; constant for\n"
    "atis), the model of lowest validation loss (atis: highest slot F1) kept.\n"
    "--stable projects after every step: RNN singular values of W_hh clipped at --radius (the\n"
    "clip skipped while a Weyl bound certifies ||W_hh||_2 <= radius, computed from the\n"
    "eigenpairs of W_hh^T W_hh above radius^2 while that bound is <= 2 radius, by SVD\n"
    "otherwise: srm project --method gram|svd); LSTM rows scaled to the\n"
    "toolkit's targets (srm_project_lstm with --lstm-a, --lstm-margin, --lstm-input-bound),\n"
    "and the embedding rows a step touched clamped to [-B_x, B_x] so that bound holds.\n"
    "--projection paper runs the authors' projection instead: the RNN clip by full SVD at\n"
    "every step; every LSTM column of W_i, W_f, W_g, W_o rescaled to l1 norm 0.395, 0.155,\n"
    "0.099, 0.395 and of U_f to 0.25, with --init paper (forget biases 10 + 10) by default.\n"
    "It certifies nothing (proofs-notes/lstm-conditions.md section 5).\n"
    "Language models (wikitext2: perplexity; ptbchar: bits per character) run truncated BPTT\n"
    "over --batch columns, windows of --bptt, state carried across windows; jsb (NLL per\n"
    "frame over 88 keys) and atis (slot F1 in percent, conlleval; train atis-2.train, select\n"
    "on atis-2.dev, test atis.test) batch whole sequences.\n"
    "--trunc K trains the K-step truncated feed-forward counterpart instead: every output from\n"
    "the zero state K steps back (proofs-notes/models.md), exact gradients for that network,\n"
    "the same batches and dropout masks as the recurrent run of the same seed; the LMs' chains\n"
    "reach back into the previous window (a K-gram network over the stream). All positions'\n"
    "chains are the rows of one GEMM per step: about K times the recurrent FLOPs, and K times\n"
    "its activation memory (K T B rows). Validation and test evaluate it truncated (float64).\n"
    "Presets: --config paper is Table 2 exactly; --config quick is smaller (minutes). Every\n"
    "hyper-parameter flag overrides the preset. The brackets below give the preset's values\n"
    "per task (rnn/lstm where they differ); `srm train --task T --cell C [--config P] --help`\n"
    "shows the values that will apply. --max-train/--max-valid/--max-test slice the splits\n"
    "(tokens for language models, sequences otherwise; 0 = all).\n"
    "Writes DIR/model.safetensors (best by validation, metadata task/config), DIR/log.tsv (per\n"
    "epoch: train_loss, valid_loss, valid_metric, lr, seconds, tokens_per_s, norm_hh_2 =\n"
    "||W_hh||_2, the LSTM gate blocks' infinity norms norm_inf_i/f/z/o, improved),\n"
    "DIR/checkpoint.safetensors (each epoch, atomically) and DIR/result.json (test metric of the\n"
    "best model and the full configuration). --resume DIR continues from the checkpoint with\n"
    "its stored configuration (only --epochs may change) and ends exactly as an uninterrupted\n"
    "run. --precision float32 (the default) trains in single precision end to end; float64 is\n"
    "the reference. Norms, projections and certificates are computed in double on the float32\n"
    "weights themselves (result.json records the precision). Per-epoch lines go to stderr (--quiet: none); SRM_PROGRESS=1 adds a live line.\n"
    "Measured here (2 cores, 1 BLAS thread, two runs at a time, seed 1, float32; results/),\n"
    "--config quick, unstable model, training seconds (result.json) and test metric:\n"
    "  atis      lstm  14 s, F1 91.42        rnn   9 s, F1 87.77\n"
    "  jsb       lstm  22 s, NLL/frame 8.31  rnn   8 s, NLL/frame 8.87\n"
    "  ptbchar   lstm  54 s, bpc 2.23        rnn  57 s, bpc 2.98 (1 epoch on 2.4M characters)\n"
    "  wikitext2 lstm  83 s, ppl 890         rnn  81 s, ppl 1181 (1 epoch on 300k tokens)\n"
    "--stable takes about as long (+0% to +60%), except jsb rnn: 20 s (a projection per step);\n"
    "--precision float64 takes 1.5-3x as long. --config paper, float32 training speed (make\n"
    "bench, 1 thread): wikitext2 ~2100 (rnn) / ~540 (lstm) tokens/s, one epoch 17 / 65 min;\n"
    "ptbchar lstm ~3300 characters/s, one epoch 25 min; 40 and 300 epochs: days. Measured in\n"
    "float64 before it: atis (100 epochs) ~3.6 min lstm, ~1.2 min rnn; jsb (100 epochs) ~28\n"
    "min rnn, ~36 min with --stable, ~2 h lstm. OPENBLAS_NUM_THREADS=2: 1.5-1.6x on the large\n"
    "shapes (results then differ in rounding from 1 thread).";

static void format_eta(char *buf, size_t size, double s)
{
    if (!(s >= 0) || s > 1e8) snprintf(buf, size, "?");
    else if (s < 60) snprintf(buf, size, "%.0fs", s);
    else if (s < 3600) snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else snprintf(buf, size, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

static void print_epoch(const srm_train_epoch *e, const srm_train_config *c, srm_progress *p)
{
    char eb[32];
    srm_progress_break(p); /* the live line must not glue to this one */
    format_eta(eb, sizeof eb, e->eta_seconds);
    fprintf(stderr, "epoch %zu/%zu: train loss %.4f, valid %s %.4f%s, lr %.4g, %.1f s, "
            "%.0f tok/s, ETA %s\n", e->epoch, c->epochs, e->train_loss,
            srm_train_metric_name(c->task), e->valid_metric, e->improved ? " (best)" : "", e->lr,
            e->seconds, e->tokens_per_second, eb);
}

/* srm train's own options beside the table's (cli/train_cli.h). */
static int force, allow_divergence, reuse;
static unsigned long log_interval;

/* What the batch callback keeps: the live line and --log-interval's sums. */
typedef struct {
    srm_progress *line;
    const srm_trainer *tr;
    size_t batches, done0;
    double loss_sum, t0;
} batch_log;

/* The live line (core/progress.h), made at the first batch, when the total is known; with
 * --log-interval N a line every N batches: the mean batch loss and the speed since the last. */
static void on_progress(size_t done, size_t total, void *ctx)
{
    batch_log *b = ctx;
    if (!b->line) b->line = srm_progress_alloc(total, "train", "tok");
    b->loss_sum += srm_trainer_last_loss(b->tr);
    if (log_interval && ++b->batches % log_interval == 0) {
        double now = srm_progress_now();
        srm_progress_break(b->line);
        fprintf(stderr, "batch %zu: mean loss %.4f over %lu batches, lr %.4g, %.0f tok/s\n",
                b->batches, b->loss_sum / (double)log_interval, log_interval,
                srm_trainer_lr(b->tr), (double)(done - b->done0) / (now - b->t0));
        b->loss_sum = 0, b->t0 = now, b->done0 = done;
    }
    if (!log_interval) b->loss_sum = 0;
    srm_progress_update(b->line, done);
}

/* A new run in a folder that holds one: the same configuration starts over, another needs
 * --force; either way the old run's files go first, result.json first, so that the folder
 * never holds two runs. */
static int claim_folder(const srm_train_config *c, const char *dir)
{
    int state;
    double metric, seconds;
    int rc = srm_train_dir_state(dir, c, &state, &metric, &seconds);
    if (rc != SRM_OK && !force) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", srm_error_message());
        return SRM_ERROR(SRM_EINVAL, "%s (or --force to start over)", msg);
    }
    if (rc != SRM_OK) srm_error_clear();
    static const char *const files[] = {"result.json", "checkpoint.safetensors", "log.tsv",
                                        "model.safetensors"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            return SRM_ERROR(SRM_EINVAL, "%s: cannot remove the old run's file (%s)", path,
                             strerror(errno));
    }
    return SRM_OK;
}

/* --reuse: a finished run of exactly this configuration is kept (exit 0; *done = 1, its
 * result.json printed again with --json), a checkpoint of it resumed (t->resume set); a new
 * folder starts. Another configuration is refused as without --reuse (--force starts over). */
static int reuse_folder(const srm_train_config *c, srm_cli_train *t, int *done)
{
    int state;
    double metric = NAN, seconds = NAN;
    *done = 0;
    if (force) return claim_folder(c, t->out);
    SRM_TRY(srm_train_dir_state(t->out, c, &state, &metric, &seconds));
    if (state == SRM_TRAIN_DIR_RESUME) t->resume = t->out;
    if (state != SRM_TRAIN_DIR_DONE) return SRM_OK;
    *done = 1;
    if (t->json) {
        char path[4200];
        char *text;
        size_t len;
        snprintf(path, sizeof path, "%s/result.json", t->out);
        SRM_TRY(srm_file_read(path, &text, &len));
        fwrite(text, 1, len, stdout);
        free(text);
        return SRM_OK;
    }
    printf("%s: finished run of this configuration kept (--reuse): test %s %.10g, %.0f s\n",
           t->out, srm_train_metric_name(c->task), metric, seconds);
    return SRM_OK;
}

/* Trains the epochs left, one line each on stderr, then evaluates and writes result.json. */
static int train_epochs(const srm_train_config *c, const srm_cli_train *t, srm_train_summary *s)
{
    srm_task_data *d;
    SRM_TRY(srm_task_data_load(c->task, t->data_dir, c->max_train, c->max_valid, c->max_test,
                                &d));
    srm_trainer *tr;
    int rc = srm_trainer_alloc(c, d, t->out, t->resume != NULL, &tr);
    batch_log blog = {.tr = tr, .t0 = srm_progress_now()};
    if (rc == SRM_OK) {
        if (allow_divergence) srm_trainer_allow_divergence(tr);
        srm_trainer_set_progress(tr, on_progress, &blog);
        int done = srm_trainer_done(tr);
        srm_train_epoch e;
        while (rc == SRM_OK && !done) {
            rc = srm_trainer_epoch(tr, &e, &done);
            if (rc == SRM_OK && !t->quiet) print_epoch(&e, c, blog.line);
        }
        srm_progress_free(blog.line);
        if (rc == SRM_OK) rc = srm_trainer_finish(tr, s);
    }
    srm_trainer_free(tr);
    srm_task_data_free(d);
    return rc;
}

static int train_report(const srm_train_config *c, const srm_train_summary *s, const char *out,
                        int json)
{
    srm_report *r = srm_report_alloc();
    if (!r) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = srm_report_string(r, "task", NULL, srm_data_task_name(c->task));
    if (rc == SRM_OK) rc = srm_report_string(r, "cell", NULL, c->cell == SRM_CELL_LSTM ? "lstm" : "rnn");
    if (rc == SRM_OK) rc = srm_report_bool(r, "stable", NULL, c->stable);
    if (rc == SRM_OK) rc = srm_report_string(r, "config", NULL, c->preset);
    if (rc == SRM_OK) rc = srm_report_integer(r, "trunc", "trunc k (0: recurrent)", (long long)c->trunc);
    if (rc == SRM_OK) rc = srm_report_string(r, "metric_name", "metric", srm_train_metric_name(c->task));
    if (rc == SRM_OK) rc = srm_report_number(r, "test_metric", "test metric", s->test.metric);
    if (rc == SRM_OK) rc = srm_report_number(r, "test_loss", "test loss", s->test.loss);
    if (rc == SRM_OK) rc = srm_report_number(r, "valid_metric", "valid metric", s->valid.metric);
    if (rc == SRM_OK) rc = srm_report_integer(r, "best_epoch", "best epoch", (long long)s->best_epoch);
    if (rc == SRM_OK) rc = srm_report_integer(r, "epochs", NULL, (long long)s->epochs_done);
    if (rc == SRM_OK) rc = srm_report_number(r, "seconds", NULL, s->seconds);
    if (rc == SRM_OK)
        rc = srm_report_string(r, "precision", NULL, srm_train_precision_name(c->precision));
    if (rc == SRM_OK) rc = srm_report_string(r, "out", NULL, out);
    if (rc == SRM_OK) rc = srm_report_print(r, stdout, json);
    srm_report_free(r);
    return rc;
}

int srm_cmd_train(int argc, char **argv)
{
    static srm_cli_train t; /* large (the options' help texts); one command per process */
    srm_train_config c = {0};
    memset(&t, 0, sizeof t);
    force = allow_divergence = reuse = 0, log_interval = 0;
    const srm_arg extra[] = {
        {"force", SRM_ARG_FLAG, &force, NULL,
         "start over in a folder that holds a run of another configuration", NULL},
        {"allow-divergence", SRM_ARG_FLAG, &allow_divergence, NULL,
         "keep training when the loss passes " SRM_TRAIN_DIVERGENCE_TEXT " times the initial "
         "loss (result.json then says diverged); non-finite values still stop (exit 3)", NULL},
        {"reuse", SRM_ARG_FLAG, &reuse, NULL,
         "when --out holds this configuration: keep a finished run (exit 0), resume its "
         "checkpoint; so a command can simply be run again (srm sweep's jobs)", NULL},
        {"log-interval", SRM_ARG_ULONG, &log_interval, "N",
         "a line on stderr every N batches: mean batch loss, lr, speed (0: epoch lines only)",
         NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    srm_cli_train_args(&t, argc, argv, &c, SRM_TRAIN_SCOPE_NONE, extra);
    const srm_args_spec spec = {
        "srm train --task T --cell rnn|lstm [--stable] [--config quick|paper] [--epochs E ...] "
        "[--seed S] --out DIR\n       srm train --resume DIR [--epochs E]",
        train_summary, t.args, 0, 0};
    SRM_TRY(srm_args_parse_flags(&spec, argc, argv));
    if (t.resume && (force || reuse))
        return SRM_ERROR(SRM_EINVAL, "--%s is for --out; not with --resume",
                         force ? "force" : "reuse");
    SRM_TRY(srm_cli_train_configure(&t, &c, NULL, NULL));
    int rc = srm_train_config_check(&c), done = 0;
    if (rc == SRM_OK && reuse) rc = reuse_folder(&c, &t, &done);
    else if (rc == SRM_OK && !t.resume) rc = claim_folder(&c, t.out);
    srm_meta_set_seed(c.seed);
    srm_train_summary s;
    if (rc == SRM_OK && done) {
        srm_run_dir_close(&t.dir, rc);
        return rc;
    }
    if (rc == SRM_OK) rc = train_epochs(&c, &t, &s);
    if (rc == SRM_OK) rc = train_report(&c, &s, t.out, t.json);
    srm_run_dir_close(&t.dir, rc);
    return rc;
}
