/* task/analyze_summary.h: what `srm analyze` reports from the analyzer (task/analyze.h): the
 * statistics and quantiles of the r-step rates, the gradient profile with its fitted decay, the
 * truncated metric against k, and the default number of steps. The CLI (cli/cmd_analyze.c)
 * only writes these into TSVs, figures and its summary. */
#ifndef SRM_ANALYZE_SUMMARY_H
#define SRM_ANALYZE_SUMMARY_H

#include <stddef.h>

#include "core/model.h"
#include "task/analyze.h"
#include "task/dataset.h"
#include "task/train.h"

#define SRM_ANALYZE_NQ 101 /* quantiles 0, 0.01, .., 1 for the distribution figure */

/* Steps analysed when --max-tokens is 0. The cost is about one S x S SVD per window and window
 * length (the GEMMs and the rest are cheaper), ~3e-10 S^3 s each on one core (measured: 0.9 ms
 * at S = 128, 4.7 ms at 256, 33 ms at 512), so this budget is about 30 s of Jacobian work
 * whatever the model size: all of ATIS's 9,164 test words at S = 128, ~2,000 steps at 256. */
size_t srm_analyze_auto_tokens(size_t state_size, size_t nr);

/* The windows of one length r: statistics of the raw product norms ||J_{t+r} ... J_{t+1}||_2
 * and of the per-step rates (raw^(1/r)). */
typedef struct {
    size_t r, count;
    srm_analyze_stats raw, rate;
} srm_analyze_window_summary;

/* For each window length o->r[i]: w[i], and q[k * o->nr + i] = the k/(NQ - 1)-quantile of its
 * rates, k = 0..SRM_ANALYZE_NQ-1 (q holds NQ * nr doubles). The analyzer's window norms are
 * sorted and replaced by their rates in place. */
void srm_analyze_summarize_windows(srm_analyze *a, const srm_analyze_options *o,
                                   srm_analyze_window_summary *w, double *q);

/* The gradient profile lags[0..*nlags) (j = 0.. while some sequence reaches lag j, at most
 * max_lag; lags holds max_lag + 1) and its geometric decay: rate = exp of the least-squares
 * slope of log mean_relative on j, intercept = exp of the intercept, over the lags that at
 * least half of the sequences reach (so the population is similar); NaN with fewer than two
 * such lags. *j0 is lag 0 (also when no sequence reached it). */
void srm_analyze_gradient_profile(const srm_analyze *a, size_t max_lag, srm_analyze_lag *lags,
                                  size_t *nlags, srm_analyze_lag *j0, double *rate,
                                  double *intercept);

/* The metric of the k-step truncated model on the test split, e[i] for ks[i] (0: the full
 * model), as srm eval --trunc computes it: the first max_eval tokens (language models) or
 * sequences (0: all), eval_batch columns/sequences, LM windows of bptt for the full model. */
int srm_analyze_truncated(const srm_model *m, srm_task task, const char *data_dir,
                          size_t max_eval, size_t eval_batch, size_t bptt, const long *ks,
                          size_t nk, srm_eval_result *e);

#endif
