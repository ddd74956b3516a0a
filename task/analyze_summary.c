/* task/analyze_summary.c: the summaries `srm analyze` writes (task/analyze_summary.h). */
#include "task/analyze_summary.h"

#include <math.h>

#include "core/error.h"

size_t srm_analyze_auto_tokens(size_t S, size_t nr)
{
    double steps = 1e11 / ((double)nr * (double)S * (double)S * (double)S);
    return steps < 200 ? 200 : steps > 1e9 ? 1000000000 : (size_t)steps;
}

void srm_analyze_summarize_windows(srm_analyze *a, const srm_analyze_options *o,
                                   srm_analyze_window_summary *w, double *q)
{
    for (size_t i = 0; i < o->nr; i++) {
        size_t count, r = o->r[i];
        double *v = srm_analyze_window_norms(a, i, &count);
        w[i].r = r;
        w[i].count = count;
        srm_analyze_stats_of(v, count, &w[i].raw); /* sorted from here on */
        for (size_t k = 0; k < count; k++) v[k] = pow(v[k], 1.0 / (double)r);
        srm_analyze_stats_of(v, count, &w[i].rate);
        for (size_t k = 0; k < SRM_ANALYZE_NQ; k++)
            q[k * o->nr + i] = srm_analyze_quantile(v, count, (double)k / (SRM_ANALYZE_NQ - 1));
    }
}

void srm_analyze_gradient_profile(const srm_analyze *a, size_t max_lag, srm_analyze_lag *lags,
                                  size_t *nlags, srm_analyze_lag *j0, double *rate,
                                  double *intercept)
{
    srm_analyze_gradient(a, 0, j0);
    double sj = 0, sy = 0, sjj = 0, sjy = 0;
    size_t nfit = 0;
    *nlags = 0;
    for (size_t j = 0; j <= max_lag; j++) {
        srm_analyze_lag *l = &lags[j];
        srm_analyze_gradient(a, j, l);
        if (l->count == 0) break;
        *nlags = j + 1;
        if (2 * l->count >= j0->count && l->mean_relative > 0) {
            double y = log(l->mean_relative);
            sj += (double)j, sy += y, sjj += (double)(j * j), sjy += (double)j * y, nfit++;
        }
    }
    double den = (double)nfit * sjj - sj * sj;
    double slope = ((double)nfit * sjy - sj * sy) / den;
    *rate = nfit >= 2 && den > 0 ? exp(slope) : NAN;
    *intercept = nfit >= 2 && den > 0 ? exp((sy - slope * sj) / (double)nfit) : NAN;
}

int srm_analyze_truncated(const srm_model *m, srm_task task, const char *data_dir,
                          size_t max_eval, size_t eval_batch, size_t bptt, const long *ks,
                          size_t nk, srm_eval_result *e)
{
    srm_task_data *d;
    SRM_TRY(srm_task_data_load(task, data_dir, 1, 1, max_eval, &d));
    int rc = SRM_OK;
    for (size_t i = 0; rc == SRM_OK && i < nk; i++)
        rc = srm_train_evaluate(m, d, SRM_SPLIT_TEST, (size_t)ks[i], eval_batch, bptt,
                                SRM_NET_FLOAT64, &e[i]);
    srm_task_data_free(d);
    return rc;
}
