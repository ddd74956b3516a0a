/* task/analyze.h: data-dependent stability of a trained model, measured along real trajectories
 * (proofs-notes/data-dependent-stability.md, measurements (M1)-(M3); proofs-notes/experiments.md
 * says how to read them).
 *
 * Along a trajectory s_t = phi(s_{t-1}, x_t) from s_0 (zero, or carried for language models):
 *   (M1) the state Jacobian J_t = d s_t / d s_{t-1} and its spectral norm ||J_t||_2;
 *        tanh RNN: diag(1 - h_t^2) W_hh; LSTM: the 2n x 2n block Jacobian on s = (c, h);
 *   (M2) the r-step products ||J_{t+r} ... J_{t+1}||_2 = ||d s_{t+r} / d s_t||_2 over every
 *        window of r consecutive steps inside a trajectory, reported raw and as the per-step
 *        rate ||.||^(1/r) (so r = 1 is (M1) and the columns of different r compare directly);
 *   (M3) ||d loss_T / d x_{T-j}||_2 for j = 0..max_lag, backpropagated from the loss at the
 *        last step T of a sequence only; x is the input vector (the embedding row for models
 *        with an encoder, the 88-key frame for music).
 * Every window product costs about 3 GEMMs per step (blocks of r steps: a running prefix
 * product, suffix products of the previous block, one product per window) and one SVD
 * (theory/norm.h) per window, so the cost per step is about (#r) SVDs of S x S, S the state
 * size; the analyzer allocates nothing after _alloc. */
#ifndef SRM_ANALYZE_H
#define SRM_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "task/dataset.h"
#include "core/model.h"
#include "task/net.h"

/* ---- the cell's derivatives (any srm_cell) ---- */

/* Doubles of workspace the two functions below need. */
size_t srm_analyze_work_size(const srm_model *m);

/* J (S, S) row-major = d phi(s, x) / d s at (s, x); S = srm_model_state_size(m), LSTM rows
 * and columns ordered c then h. */
void srm_analyze_state_jacobian(const srm_model *m, const double *s, const double *x, double *J,
                                double *work);

/* Vector-Jacobian products at (s, x): given g = d L / d phi(s, x) (S), writes
 * g_s = (d phi / d s)^T g (S) and, if g_x != NULL, g_x = (d phi / d x)^T g (m->input). */
void srm_analyze_cell_vjp(const srm_model *m, const double *s, const double *x, const double *g,
                          double *g_s, double *g_x, double *work);

/* ---- summary statistics ---- */

typedef struct {
    size_t count;
    double min, median, mean, p99, max; /* p99, median: linear interpolation between order
                                           statistics, as numpy.percentile's default */
} srm_analyze_stats;

/* Statistics of v[0..n) (sorted in place); all NaN when n == 0. */
void srm_analyze_stats_of(double *v, size_t n, srm_analyze_stats *out);
/* The q-quantile (0 <= q <= 1) of sorted v[0..n), same interpolation; NaN when n == 0. */
double srm_analyze_quantile(const double *sorted, size_t n, double q);

/* ---- the analyzer: accumulates (M1)-(M3) over trajectories ---- */

#define SRM_ANALYZE_MAX_R 8

typedef struct srm_analyze srm_analyze;

/* Workspace for sequences of up to t_max steps, window lengths r[0..nr) (each >= 1, nr <=
 * SRM_ANALYZE_MAX_R), gradient lags 0..max_lag, and up to max_windows windows per r (the
 * number of steps to be analysed bounds it). The gradient profile needs a decoder (the loss);
 * a model without one gets the window norms only (target and target_frame are ignored). */
srm_analyze *srm_analyze_alloc(const srm_model *m, srm_net_output output, size_t t_max,
                               const size_t *r, size_t nr, size_t max_lag, size_t max_windows);
void srm_analyze_free(srm_analyze *a);

/* One sequence: x (T, m->input) input vectors; the loss at step T is softmax cross-entropy of
 * class `target` (SRM_NET_SOFTMAX) or the 88-key sigmoid cross-entropy against target_frame
 * (SRM_NET_SIGMOID). carry != 0 continues from the last state of the previous sequence (a
 * language model's stream cut into windows): its r-step windows then also continue across the
 * boundary. Otherwise the trajectory starts from s_0 = 0. */
int srm_analyze_add(srm_analyze *a, const srm_model *m, const double *x, size_t T, int carry,
                    int32_t target, const double *target_frame);

/* Results so far. The raw window norms of r[i] (count of them in *count), in no particular
 * order; the statistics functions sort them in place. */
double *srm_analyze_window_norms(srm_analyze *a, size_t i, size_t *count);
/* Gradient profile: for j = 0..max_lag, the number of sequences with a step T - j, the mean and
 * max of ||d loss_T / d x_{T-j}||, and the mean of the ratio to the same sequence's j = 0 norm
 * (NaN where count is 0). */
typedef struct {
    size_t count;
    double mean, max, mean_relative;
} srm_analyze_lag;
void srm_analyze_gradient(const srm_analyze *a, size_t j, srm_analyze_lag *out);
size_t srm_analyze_steps(const srm_analyze *a); /* steps analysed so far */

/* ---- a benchmark task's test split (task/analyze_task.c) ---- */

typedef struct {
    size_t max_tokens;    /* steps to analyse (whole sequences, at least one); 0 = all */
    size_t window;        /* language models: steps per window (loss position); >= 1 */
    size_t max_lag;       /* gradient lags 0..max_lag */
    size_t r[SRM_ANALYZE_MAX_R], nr;
    unsigned long seed;   /* order in which atis/jsb test sequences are taken */
    const char *model_path; /* NULL, or the file m came from: its vocabularies are checked */
} srm_analyze_options;

/* Runs the analyzer over the test split of `task` (loaded by srm_task_data_load of
 * task/task_data.h, data folder as task/dataset.h resolves `data_dir`): atis and jsb sequences in a seeded random order until max_tokens steps; for
 * wikitext2 and ptbchar the first max_tokens tokens of the test stream as one trajectory from
 * the zero state, cut into windows of `window` steps (each a loss position). The model's
 * shapes must fit the task. *out receives the analyzer (free it); *sequences the number used. */
int srm_analyze_task(const srm_model *m, srm_task task, const char *data_dir,
                     const srm_analyze_options *o, srm_analyze **out, size_t *sequences);

#endif
