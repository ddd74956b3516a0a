/* sim/trajectory.h: lockstep training of a recurrent student and k-truncated students
 * (proofs-notes/training-theorem.md; `srm trajectory`).
 *
 * One random stable teacher (sim/teacher.h) labels S fixed sequences of length T. From one
 * shared random initialisation (projected onto the stable set), full-batch projected gradient
 * descent trains the recurrent student on p (mean over sequences of the squared error at the
 * loss positions) and, for each k, a student on the k-truncated objective p^k, all with the same
 * step sizes alpha_t. After every step each student is projected onto the stable set
 * (tanh RNN: ||W_hh||_2 <= lambda; LSTM: srm_project_lstm). The run records, per (step, k), the
 * weight distance, both losses and the theorem's bound with estimated and analytic constants.
 * Proofs: proofs-notes/training-theorem.md. */
#ifndef SRM_TRAJECTORY_H
#define SRM_TRAJECTORY_H

#include <stddef.h>

#include "core/model.h"
#include "sim/rnn.h"
#include "theory/training.h"

#define SRM_TRAJECTORY_MAX_KS 64

typedef struct {
    srm_cell cell;          /* SRM_CELL_RNN_TANH or SRM_CELL_LSTM */
    size_t hidden, input, output;
    double lambda;          /* teacher's ||W_hh||_2 and the students' projection radius (RNN) */
    size_t seqs, length;    /* S sequences of length T */
    srm_loss_at loss_at;    /* last (the theorem's loss at time T) or all positions */
    size_t ks[SRM_TRAJECTORY_MAX_KS];
    size_t nks;
    size_t steps;           /* N */
    double alpha;
    srm_schedule schedule;
    double init_scale;      /* students' initial weight scale (see srm_teacher_randomize) */
    size_t every;           /* record every `every` steps (the last step always) */
    unsigned long seed;
} srm_trajectory_config;

/* Defaults of the CLI: rnn_tanh, n 16, d 4, m 1, lambda 0.5, S 8, T 40, loss at last,
 * ks 1,2,4,8,16, N 200, alpha 1, inv, init scale 0.5, every 1, seed 1. */
void srm_trajectory_config_default(srm_trajectory_config *c);

typedef struct {
    size_t step, k;
    double dist;           /* ||w_recurr - w_trunc_k||_2 over all parameters */
    double loss_recurr;    /* p(w_recurr) */
    double loss_trunc;     /* p^k(w_trunc_k): the truncated student's own objective */
    double bound;          /* theorem with the estimated constants */
    double bound_analytic; /* theorem with the analytic constants (NaN for the LSTM) */
} srm_trajectory_row;

typedef struct {
    srm_trajectory_config config;
    double lambda;         /* lambda in the bound: L (RNN) or certified lambda_inf (LSTM) */
    srm_training_estimate estimate;  /* gamma_hat, beta_hat */
    srm_training_constants analytic; /* valid for the tanh RNN only */
    int has_analytic;
    srm_training_region region;      /* the norm bounds the analytic constants used */
    double final_dist[SRM_TRAJECTORY_MAX_KS];
    double max_recurrent_norm;       /* max ||W_hh||_2 of any student after any projection */
    size_t nrows;
    srm_trajectory_row *rows;        /* step-major, k in config order */
} srm_trajectory_result;

/* Called after the projection of every step (step 0 = the initial weights) with the
 * recurrent student and the truncated ones (in config order); non-zero stops the run with that
 * code. For tests and progress display; may be NULL. */
typedef int (*srm_trajectory_observer)(void *ctx, size_t step, const srm_model *recurrent,
                                       srm_model *const *truncated, size_t nks);

int srm_trajectory_run(const srm_trajectory_config *config, srm_trajectory_observer observer,
                       void *ctx, srm_trajectory_result **out);
void srm_trajectory_result_free(srm_trajectory_result *r);

/* Writes the TSV (provenance, the constants as `#` lines, header, rows), atomically. */
int srm_trajectory_write_tsv(const char *path, const srm_trajectory_result *r);

#endif
