/* cli/train_cli.h: the command line of a training run, shared by `srm train` and `srm
 * lockstep`: the hyper-parameter table's options (task/train_config.h), whose --help defaults
 * are the configuration that will apply, and the run's own (--out, --resume, --data-dir,
 * --quiet, --json), plus a command's extra options. */
#ifndef SRM_CLI_TRAIN_CLI_H
#define SRM_CLI_TRAIN_CLI_H

#include "core/args.h"
#include "core/run_dir.h"
#include "task/train.h"

#define SRM_CLI_TRAIN_EXTRA 4 /* extra options a command may add */
#define SRM_TRAIN_SCOPE_NONE 0u

typedef struct {
    srm_train_options o;
    srm_arg args[SRM_TRAIN_PARAM_MAX + 6 + SRM_CLI_TRAIN_EXTRA];
    const char *out, *resume, *data_dir;
    int quiet, json;
    srm_run_dir dir; /* --out (or --resume), opened and locked by srm_cli_train_configure */
} srm_cli_train;

/* Fills t->args: the table's rows without the `exclude` scope bits (defaults: the preset that
 * --task, --cell and --config select, or all presets for --help without them), the run's
 * options, then `extra` (NULL-terminated, at most SRM_CLI_TRAIN_EXTRA; may be NULL). */
void srm_cli_train_args(srm_cli_train *t, int argc, char **argv, srm_train_config *c,
                        unsigned exclude, const srm_arg *extra);

/* Reads the stored configuration of a run folder, for --resume. */
typedef int (*srm_cli_stored_config)(const char *dir, srm_train_config *c, void *ctx);

/* The run's configuration: with --resume DIR the stored one (stored(DIR); NULL: the
 * checkpoint's, as srm train) where only --epochs may change; otherwise the preset with the
 * flags applied. The folder is opened (created, checked writable, locked: core/run_dir.h)
 * into t->dir; the caller ends with srm_run_dir_close(&t->dir, rc). */
int srm_cli_train_configure(srm_cli_train *t, srm_train_config *c, srm_cli_stored_config stored,
                            void *ctx);

#endif
