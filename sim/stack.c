/* sim/stack.c: stacks of recurrent layers, both directions (stack.h). */
#include "sim/stack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/progress.h"
#include "core/safetensors.h"

void srm_stack_free(srm_stack *s)
{
    if (!s) return;
    for (size_t u = 0; u < s->lay.units; u++) srm_model_free(s->unit[u]);
    free(s);
}

int srm_stack_load(const char *path, const srm_layout_options *opt, srm_stack **out)
{
    *out = NULL;
    srm_tensors *ts = NULL;
    SRM_TRY(srm_safetensors_read(path, &ts));
    srm_stack *s = calloc(1, sizeof *s);
    int rc = s ? srm_layout_find(path, ts, opt, &s->lay) : SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t u = 0; rc == SRM_OK && u < s->lay.units; u++)
        rc = srm_layout_unit_model(path, &s->lay, u, SRM_LAYOUT_GRU, &s->unit[u]);
    srm_tensors_free(ts);
    if (s) srm_layout_forget_tensors(&s->lay); /* it pointed into ts */
    if (rc != SRM_OK) return srm_stack_free(s), rc;
    *out = s;
    return SRM_OK;
}

/* One direction of one layer over in (T, din): writes its h into out's columns
 * [off, off + n) of rows of width w; its final state into last when given. */
static void run_unit(const srm_model *m, const double *in, size_t T, int reverse, double *out,
                     size_t w, size_t off, double *s, double *s2, double *work, double *last)
{
    size_t n = m->hidden, S = srm_model_state_size(m);
    memset(s, 0, S * sizeof *s);
    for (size_t i = 0; i < T; i++) {
        size_t t = reverse ? T - 1 - i : i;
        srm_cell_step(m, s, in + t * m->input, s2, work);
        memcpy(s, s2, S * sizeof *s);
        memcpy(out + t * w + off, s + (S - n), n * sizeof *s); /* h is the last n entries */
    }
    if (last) memcpy(last, s, S * sizeof *s);
}

int srm_stack_run(srm_model *const *unit, size_t layers, size_t directions, const double *x,
                  size_t T, double *out, double *last)
{
    size_t n = unit[0]->hidden, w = n * directions, S = srm_model_state_size(unit[0]);
    for (size_t u = 1; u < layers * directions; u++)
        if (unit[u]->hidden != n || unit[u]->cell != unit[0]->cell ||
            (u >= directions && unit[u]->input != w))
            return SRM_ERROR(SRM_EINVAL, "stack: unit %zu does not fit (hidden %zu, input %zu)",
                             u, unit[u]->hidden, unit[u]->input);
    double *buf = malloc((2 * T * w + 2 * S + srm_cell_step_work_size(unit[0])) * sizeof *buf);
    if (!buf) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    double *a = buf, *b = buf + T * w, *s = b + T * w, *s2 = s + S, *work = s2 + S;
    const double *in = x;
    for (size_t l = 0; l < layers; l++) {
        double *dst = l + 1 == layers ? out : (l % 2 ? b : a);
        for (size_t r = 0; r < directions; r++)
            run_unit(unit[l * directions + r], in, T, (int)r, dst, w, r * n, s, s2, work,
                     last ? last + (l * directions + r) * S : NULL);
        in = dst;
    }
    free(buf);
    return SRM_OK;
}

int srm_stack_truncation_gaps(srm_model *const *unit, size_t layers, size_t directions,
                              const double *x, size_t T, size_t kmax, int max_norm,
                              double *max_gap, double *mean_gap)
{
    size_t w = unit[0]->hidden * directions;
    double *y = malloc((T + 1) * w * sizeof *y), *yk = y + T * w;
    if (!y) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = srm_stack_run(unit, layers, directions, x, T, y, NULL);
    srm_progress *line = srm_progress_alloc(kmax * T, "truncate", "windows"); /* NULL: none */
    for (size_t k = 1; rc == SRM_OK && k <= kmax; k++) {
        double mx = 0, sum = 0;
        for (size_t t = 0; rc == SRM_OK && t < T; t++) {
            srm_progress_update(line, (k - 1) * T + t);
            rc = srm_stack_truncated(unit, layers, directions, x, T, k, t, yk);
            double g = 0;
            for (size_t j = 0; j < w; j++) {
                double e = fabs(yk[j] - y[t * w + j]);
                g = max_norm ? fmax(g, e) : g + e * e;
            }
            g = max_norm ? g : sqrt(g);
            mx = fmax(mx, g), sum += g;
        }
        max_gap[k - 1] = mx, mean_gap[k - 1] = sum / (double)T;
    }
    srm_progress_free(line);
    free(y);
    return rc;
}

/* The window of t: [t-k+1, t] (one direction) or [t-k+1, t+k-1] (two), clipped to [0, T). */
static size_t window_of(size_t directions, size_t T, size_t k, size_t t, size_t *lo)
{
    size_t hi = directions == 2 ? t + k - 1 : t;
    *lo = t + 1 >= k ? t + 1 - k : 0;
    return (hi >= T ? T - 1 : hi) - *lo + 1;
}

int srm_stack_truncated_grad(srm_model *const *unit, size_t layers, size_t directions,
                             const double *x, size_t T, size_t k, const double *dout,
                             srm_model *const *grad)
{
    if (k < 1) return SRM_ERROR(SRM_EINVAL, "stack: need k >= 1");
    size_t w = unit[0]->hidden * directions, d = unit[0]->input;
    double *dwin = calloc((2 * k > T ? T : 2 * k) * w, sizeof *dwin);
    if (!dwin) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = SRM_OK;
    for (size_t t = 0; rc == SRM_OK && t < T; t++) {
        size_t j = 0, lo, len = window_of(directions, T, k, t, &lo);
        while (j < w && dout[t * w + j] == 0) j++;
        if (j == w) continue; /* not a loss position */
        memcpy(dwin + (t - lo) * w, dout + t * w, w * sizeof *dwin);
        rc = srm_stack_grad(unit, layers, directions, x + lo * d, len, dwin, grad);
        memset(dwin + (t - lo) * w, 0, w * sizeof *dwin);
    }
    free(dwin);
    return rc;
}

int srm_stack_truncated(srm_model *const *unit, size_t layers, size_t directions,
                        const double *x, size_t T, size_t k, size_t t, double *out)
{
    if (k < 1 || t >= T) return SRM_ERROR(SRM_EINVAL, "stack: need k >= 1 and t < T");
    size_t lo, len = window_of(directions, T, k, t, &lo), w = unit[0]->hidden * directions;
    double *y = malloc(len * w * sizeof *y);
    if (!y) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = srm_stack_run(unit, layers, directions, x + lo * unit[0]->input, len, y, NULL);
    if (rc == SRM_OK) memcpy(out, y + (t - lo) * w, w * sizeof *y);
    free(y);
    return rc;
}
