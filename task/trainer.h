/* task/trainer.h: the trainer's state (task/train.h's srm_trainer), shared by its two files:
 * task/train.c (projection, epochs, validation, files, alloc) and task/train_steps.c (the
 * epoch's batches and one SGD step, recurrent or k-step truncated). Not a public header. */
#ifndef SRM_TRAINER_H
#define SRM_TRAINER_H

#include <gsl/gsl_rng.h>

#include "task/net.h"
#include "task/train.h"
#include "task/train_files.h"
#include "task/train_internal.h"
#include "theory/norm.h"
#include "theory/project.h"

struct srm_trainer {
    srm_train_config cfg;  /* a copy: the caller's may go away */
    const srm_train_config *c;
    const srm_task_data *d;
    const char *dir;
    srm_model *m, *best;
    srm_net *net;          /* the recurrent network, or (c->trunc) the chains' */
    srm_train_batch bb;
    gsl_rng *rng;
    double *state;  /* (batch, S) LM state carried across windows */
    double *state0; /* (batch, S) the state the last window started from */
    size_t *order;  /* sequence order of an epoch */
    size_t *starts; /* first position in order of each batch */
    srm_svd_workspace *proj_ws, *norm_ws;
    srm_gram_workspace *gram_ws; /* RNN --stable only */
    double *col_work;            /* LSTM --projection paper: column sums */
    srm_train_epoch *log;        /* c->epochs rows */
    srm_train_state s;           /* what the checkpoint stores beside the models */
    size_t tokens_per_epoch, done, total; /* positions: per epoch, trained, of this session */
    srm_trainer_progress progress;
    void *progress_ctx;
    /* --trunc k: the chains of the current window, its positions' keep flags (drawn as the
     * recurrent network draws its masks), and for the LMs the last P <= k-1 positions of the
     * previous window (tokens and input keep flags; two buffers, swapped) */
    srm_net_chains ch;
    unsigned char *keep_in, *keep_out;
    int32_t *ctx_tok[2];
    unsigned char *ctx_keep[2];
    size_t ctx_P;
    int ctx_cur;
    /* the epoch in progress (srm_trainer_step): next window or batch, sums, start time */
    size_t it_next, it_batches;
    double ep_loss, ep_seconds, last_loss; /* ep_seconds: in srm_trainer_step, this epoch */
    size_t ep_count;
    const srm_trainer *leader;   /* srm_trainer_follow: whose learning rate to take */
    int allow_divergence;        /* srm_trainer_allow_divergence */
    double ref_loss;             /* the initial loss: epoch 1's first batch, or its mean
                                  * (log row 1) once epoch 1 is done; 0: not known yet */
    int defer_files;             /* srm_trainer_defer_files */
    int files_pending;           /* the last epoch's files: 0 written, 1 log and checkpoint,
                                  * 2 also the improved model */
};

/* --stable: the projection after a step (train.c). */
int srm_trainer_project(srm_trainer *tr);
/* The buffers of the epoch's steps (train_steps.c): keep flags, chains, context. */
int srm_trainer_steps_alloc(srm_trainer *tr);
void srm_trainer_steps_free(srm_trainer *tr);

#endif
