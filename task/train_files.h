/* task/train_files.h: the files of a training run (task/train.h), for task/train.c: the model
 * and checkpoint with their metadata, DIR/log.tsv and DIR/result.json, and reading a checkpoint
 * and its log back for --resume. Not a public header: other modules use task/train.h. */
#ifndef SRM_TRAIN_FILES_H
#define SRM_TRAIN_FILES_H

#include <stddef.h>

#include "core/model.h"
#include "task/train.h"

/* What a checkpoint holds beside the two models: the loop's scalars. */
typedef struct {
    size_t epoch, best_epoch;  /* finished epochs; epoch of the kept model (0: none yet) */
    double lr, best_score, best_loss, seconds;
    double hh_bound; /* RNN --stable: the projection's certificate for W_hh (inf: none) */
    size_t diverged_epoch; /* --allow-divergence: the first epoch whose loss grew past
                              SRM_TRAIN_DIVERGENCE_FACTOR times the initial loss (0: none) */
    char run[64];          /* the run's id (core/meta.h), kept across --resume */
} srm_train_state;

/* DIR/model.safetensors: the kept model `best` with metadata cell, task, config and epoch
 * (s->best_epoch). */
int srm_train_save_model(const char *dir, const srm_train_config *c, const srm_model *best,
                         const srm_train_state *s, const srm_task_data *d);
/* DIR/checkpoint.safetensors: m and best ("best." names) with c and every scalar of s, doubles
 * in %.17g so that a resumed run continues bit for bit. */
int srm_train_save_checkpoint(const char *dir, const srm_train_config *c, const srm_model *m,
                              const srm_model *best, const srm_train_state *s);
/* Reads DIR/checkpoint.safetensors into m, best (shapes as c) and s. SRM_EINVAL naming the file
 * when its epoch or best_epoch is not a whole number in 0..c->epochs (best_epoch <= epoch). */
int srm_train_read_checkpoint(const char *dir, const srm_train_config *c, srm_model *m,
                              srm_model *best, srm_train_state *s);

/* DIR/log.tsv: provenance, a comment naming the run, the column names, rows log[0..n). */
int srm_train_write_log(const char *dir, const srm_train_config *c, const srm_train_epoch *log,
                        size_t n);
/* The first `epochs_done` rows of DIR/log.tsv into log (room for c->epochs rows; a row written
 * after the checkpoint is dropped). SRM_EINVAL naming the file for a malformed row, rows out of
 * order, fewer than epochs_done rows or more than c->epochs. */
int srm_train_read_log(const char *dir, const srm_train_config *c, size_t epochs_done,
                       srm_train_epoch *log);

/* DIR/result.json: provenance, the summary and the configuration. */
int srm_train_write_result(const char *dir, const srm_train_config *c,
                           const srm_train_summary *s);

/* Removes DIR/<output>.tmp.<pid> files that a killed run left behind. */
void srm_train_remove_stale_temporaries(const char *dir);

#endif
