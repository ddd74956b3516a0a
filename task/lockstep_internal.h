/* task/lockstep_internal.h: the state of a lockstep run, shared by task/lockstep.c (training
 * and measuring) and task/lockstep_files.c (its files, resuming, the summary). Not a public
 * header: other modules use task/lockstep.h. */
#ifndef SRM_LOCKSTEP_INTERNAL_H
#define SRM_LOCKSTEP_INTERNAL_H

#include "task/lockstep.h"

typedef struct {
    srm_lockstep_config c;
    const srm_task_data *d;
    const char *dir;
    srm_trainer *tr[SRM_LOCKSTEP_MAX_K + 1]; /* [0] recurrent, [j] trunc ks[j - 1] */
    char run_dir[SRM_LOCKSTEP_MAX_K + 1][4200]; /* their folders (the trainers keep pointers) */
    srm_model *g_w, *g_v, *g_k;              /* gradients of the estimates */
    struct {                                 /* what lockstep.json keeps for a resume */
        size_t epoch, step;
        double beta, grad_gap[SRM_LOCKSTEP_MAX_K], bound[SRM_LOCKSTEP_MAX_K], seconds;
    } st;
    double sample_gap[SRM_LOCKSTEP_MAX_K];   /* this record's observed gradient gaps */
    size_t every;
    srm_lockstep_row *rows;
    srm_lockstep_epoch *epochs;
    size_t nrows, cap_rows, nepochs, cap_epochs;
    srm_lockstep_summary summary;            /* a finished run's, as stored */
} srm_lockstep;

int srm_lockstep_add_row(srm_lockstep *L, const srm_lockstep_row *r);
int srm_lockstep_add_epoch(srm_lockstep *L, const srm_lockstep_epoch *e);
/* DIR/rec (j = 0) or DIR/k<K>. */
void srm_lockstep_run_dir(const srm_lockstep *L, size_t j, char *path, size_t size);
/* What DIR holds (SRM_TRAIN_DIR_NEW, _RESUME with the state and rows read back, _DONE with the
 * stored summary); SRM_EINVAL naming DIR for another configuration or foreign run folders. */
int srm_lockstep_open(srm_lockstep *L, int *state);
/* gaps.tsv, epochs.tsv, then lockstep.json (each atomically); done: summary.tsv too. */
int srm_lockstep_save(srm_lockstep *L, int done);
/* The summary of the records (rec: the final recurrent model, for lambda; NULL: the stored). */
int srm_lockstep_summarize(srm_lockstep *L, const srm_model *rec, srm_lockstep_summary *out);

#endif
