/* cli/train_cli.c: the command line of a training run (see train_cli.h). */
#include "cli/train_cli.h"

#include <string.h>

#include "core/error.h"

/* The options, their defaults being the configuration that will apply (--help without a task
 * or cell: the presets per task and cell). */
void srm_cli_train_args(srm_cli_train *t, int argc, char **argv, srm_train_config *c,
                        unsigned exclude, const srm_arg *extra)
{
    const char *task_text = srm_args_prescan(argc, argv, "task");
    const char *cell_text = srm_args_prescan(argc, argv, "cell");
    const char *preset = srm_args_prescan(argc, argv, "config");
    if (!preset) preset = "quick";
    srm_task task;
    srm_cell cell;
    int ti = task_text && srm_data_task_parse(task_text, &task) == SRM_OK ? (int)task : -1;
    int li = cell_text && srm_cell_parse(cell_text, &cell) == SRM_OK ? cell == SRM_CELL_LSTM : -1;
    int known = ti >= 0 && li >= 0 && srm_train_config_preset(c, task, cell, preset) == SRM_OK;
    srm_error_clear();
    int help_only = srm_args_prescan(argc, argv, "help") && !known;
    size_t k = srm_train_options_init(&t->o, help_only ? NULL : c, exclude, preset, ti, li,
                                      t->args);
    const srm_arg own[] = {
        {"data-dir", SRM_ARG_STRING, &t->data_dir, "DIR", "data folder (see srm data --help)", NULL},
        {"out", SRM_ARG_STRING, &t->out, "DIR", "output folder, created if missing (required unless --resume)", NULL},
        {"resume", SRM_ARG_STRING, &t->resume, "DIR", "continue the run in DIR from its checkpoint",
         NULL},
        {"quiet", SRM_ARG_FLAG, &t->quiet, NULL, "no per-epoch lines on stderr", NULL},
        {"json", SRM_ARG_FLAG, &t->json, NULL, "print the final report as one JSON object", NULL}};
    size_t nown = sizeof own / sizeof own[0], nextra = 0;
    memcpy(t->args + k, own, sizeof own);
    while (extra && extra[nextra].name && nextra < SRM_CLI_TRAIN_EXTRA) nextra++;
    if (nextra) memcpy(t->args + k + nown, extra, nextra * sizeof *extra);
    t->args[k + nown + nextra] = (srm_arg){NULL, 0, NULL, NULL, NULL, NULL};
}

/* The configuration of the run: the checkpoint's (--resume) or the preset with the flags. */
int srm_cli_train_configure(srm_cli_train *t, srm_train_config *c, srm_cli_stored_config stored,
                            void *ctx)
{
    const srm_train_param *task = srm_train_param_find("task"), *cell = srm_train_param_find("cell");
    const srm_train_param *preset = srm_train_param_find("config");
    srm_train_value tv = {0}, cv = {0}, pv = {.text = "quick"};
    for (size_t k = 0; k < t->o.count; k++) {
        if (t->o.row[k] == task && t->o.given[k]) tv = t->o.value[k];
        if (t->o.row[k] == cell && t->o.given[k]) cv = t->o.value[k];
        if (t->o.row[k] == preset && t->o.given[k]) pv = t->o.value[k];
    }
    if (t->resume) {
        if (srm_train_options_not_resumable(&t->o))
            return SRM_ERROR(SRM_EINVAL, "--resume takes the stored configuration; only "
                             "--epochs (and --data-dir, --quiet, --json) may be given");
        if (t->out && strcmp(t->out, t->resume) != 0)
            return SRM_ERROR(SRM_EINVAL, "--out and --resume name different folders");
        t->out = t->resume;
        SRM_TRY(stored ? stored(t->resume, c, ctx) : srm_train_checkpoint_config(t->resume, c));
        SRM_TRY(srm_train_options_apply(&t->o, c, 1)); /* --epochs */
        return srm_run_dir_open(&t->dir, t->out);
    }
    if (!tv.text || !cv.text)
        return SRM_ERROR(SRM_EINVAL, "--task and --cell are required (or --resume DIR)");
    if (!t->out) return SRM_ERROR(SRM_EINVAL, "--out DIR is required");
    srm_train_config sel = {0};
    SRM_TRY(srm_train_param_set(&sel, task, &tv));
    SRM_TRY(srm_train_param_set(&sel, cell, &cv));
    SRM_TRY(srm_train_config_preset(c, sel.task, sel.cell, pv.text));
    SRM_TRY(srm_train_options_apply(&t->o, c, 1)); /* flags override the preset */
    return srm_run_dir_open(&t->dir, t->out);
}
