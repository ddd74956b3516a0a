/* task/lockstep.h: the training theorem on real data (proofs-notes/training-theorem.md; `srm
 * lockstep`). The recurrent model and one k-step truncated counterpart per k (task/train.h,
 * trunc = k) train from the same initialisation in lockstep: trainers of configurations that
 * differ only in trunc see the same batches in the same order with the same dropout masks, the
 * same projection, and (srm_trainer_follow) the recurrent run's learning rate, so the only
 * difference between the runs is the objective, p or p^k, which is the theorem's setting.
 *
 * Every `every` steps (and at step 1) it records per k: the step, epoch, learning rate, both
 * training losses (mean of the step's batch, with dropout), gap_all = ||w_rec - w_k||_2 over
 * every parameter, gap_hh = ||W_hh,rec - W_hh,k||_F (the recurrent block), and the estimated
 * constants of the theorem on that step's batch without dropout, in the trainers' precision:
 *   grad_gap = ||grad p(v_k) - grad p^k(v_k)|| on this record's batch (the gradient gap
 *          gamma k lambda^k, estimated as a whole, at the truncated iterate v_k); g_k, its
 *          largest value so far, enters the bound;
 *   beta = the largest ||grad p(w) - grad p(v_k)|| / ||w - v_k|| so far (the smoothness of p,
 *          over all k);
 * and bound = the theorem's recursion delta_t <= (1 + a_t beta) delta_{t-1} + a_t g_k with
 * a_t the step's learning rate and the estimates current at step t. ESTIMATED: the maxima are
 * over the sampled batches only; gradient clipping is ignored, although the two runs may clip
 * by different factors, which the recursion does not cover; for the LSTM projections and the
 * authors' projection the non-expansiveness the proof uses is not established; for the LMs
 * grad p(v_k) starts each window from the recurrent run's carried state, not one carried along
 * v_k (proofs-notes/training-theorem.md section 4). Every epoch it records each model's
 * validation and test metric (the truncated models evaluated truncated).
 *
 * Files in DIR: rec/ and k<K>/ (complete srm train run folders), gaps.tsv, epochs.tsv and
 * lockstep.json (the configuration, the k list and the estimates' state), all rewritten at each
 * epoch end; a run resumes from there (every trainer from its checkpoint). */
#ifndef SRM_LOCKSTEP_H
#define SRM_LOCKSTEP_H

#include <stddef.h>

#include "task/task_data.h"
#include "task/train.h"

#define SRM_LOCKSTEP_MAX_K 16

typedef struct {
    srm_train_config base;           /* the recurrent run (trunc 0) */
    size_t ks[SRM_LOCKSTEP_MAX_K], nks; /* increasing, >= 1 */
    size_t every;                    /* record every N steps (0: about 200 records per run) */
} srm_lockstep_config;

typedef struct {
    size_t step, epoch, k;
    double lr, loss_rec, loss_trunc, gap_all, gap_hh, grad_gap, beta, bound;
} srm_lockstep_row;

typedef struct {
    size_t epoch, k; /* k = 0: the recurrent model */
    double train_loss, valid_metric, test_metric;
} srm_lockstep_epoch;

/* What a finished run reports per k (the last record) and the fit of the final gaps. */
typedef struct {
    size_t nks, steps, epochs, every;
    double gap_all[SRM_LOCKSTEP_MAX_K], gap_hh[SRM_LOCKSTEP_MAX_K], bound[SRM_LOCKSTEP_MAX_K];
    double grad_gap[SRM_LOCKSTEP_MAX_K], test_metric[SRM_LOCKSTEP_MAX_K], beta;
    double test_metric_rec;
    /* least squares of log gap_all against k over the k with a positive gap: gap ~ c rate^k */
    double rate, rate_c;
    /* the recurrent model's contraction: tanh RNN ||W_hh||_2; LSTM the certified lambda_inf
     * of srm's sufficient conditions when they hold, else NaN */
    double lambda;
    double seconds;
} srm_lockstep_summary;

/* Parses "1,2,4,8" into c->ks (increasing, 1..SRM_TRAIN_TRUNC_MAX, at most
 * SRM_LOCKSTEP_MAX_K); SRM_EINVAL naming the text. */
int srm_lockstep_parse_ks(const char *text, srm_lockstep_config *c);

/* The stored configuration of DIR (lockstep.json), for --resume. */
int srm_lockstep_read_config(const char *dir, srm_lockstep_config *c);

/* Called after each lockstep step with the steps done in this session and its total, and
 * after each epoch with `epoch` (1-based; 0 after a step). */
typedef void (*srm_lockstep_progress)(size_t done, size_t total, size_t epoch, void *ctx);

/* Runs the lockstep run of c on d in DIR (which must exist), or continues the one DIR holds
 * from its last finished epoch (a finished run asked for more epochs continues too): the
 * epochs left, then the summary. A DIR holding a run of another configuration is refused
 * (SRM_EINVAL naming it); a finished run of c is read back. */
int srm_lockstep_run(const srm_lockstep_config *c, const srm_task_data *d, const char *dir,
                     srm_lockstep_progress progress, void *ctx, srm_lockstep_summary *out);

#endif
