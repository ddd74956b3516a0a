/* task/net_chain.c: the chains of the k-step truncated network (see net.h): every position of
 * a window becomes a column that runs from the zero state over the inputs the truncated model
 * sees there, so training it is srm_net_forward and srm_net_backward on a chain batch. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/net.h"

int srm_net_chains_alloc(srm_net_chains *ch, size_t k, size_t t_max, size_t b_max, size_t d,
                         size_t n, int frames)
{
    size_t cols = t_max * b_max, rows = k * cols;
    *ch = (srm_net_chains){.k = k, .t_max = t_max, .b_max = b_max, .d = d, .n = n};
    if (k == 0 || cols == 0) return SRM_ERROR(SRM_EINVAL, "chains need k, t_max, b_max >= 1");
    ch->tokens = frames ? NULL : calloc(rows, sizeof(int32_t));
    ch->frames = frames ? calloc(rows * d, sizeof(double)) : NULL;
    ch->keep_in = calloc(rows * d, 1);
    ch->out_step = calloc(cols, sizeof(uint32_t));
    ch->mask = calloc(cols, 1);
    if ((frames ? !ch->frames : !ch->tokens) || !ch->keep_in || !ch->out_step || !ch->mask) {
        srm_net_chains_free(ch);
        return SRM_ERROR(SRM_ENOMEM, "out of memory for %zu-step chains of %zu positions", k,
                         cols);
    }
    return SRM_OK;
}

void srm_net_chains_free(srm_net_chains *ch)
{
    free(ch->tokens), free(ch->frames), free(ch->keep_in), free(ch->out_step), free(ch->mask);
    *ch = (srm_net_chains){0};
}

/* Step j of chain c reads position e of its column (e < P: the context; else the window). */
static void chain_step(srm_net_chains *ch, const srm_net_batch *w, size_t P,
                       const int32_t *ctx_tokens, const unsigned char *ctx_keep, size_t row,
                       size_t e, size_t col)
{
    size_t d = ch->d, B = w->B, src = e < P ? e * B + col : (e - P) * B + col;
    const unsigned char *keep = e < P ? ctx_keep : w->keep_in;
    if (ch->tokens) ch->tokens[row] = e < P ? ctx_tokens[src] : w->tokens[src];
    else memcpy(ch->frames + row * d, w->frames + src * d, d * sizeof(double));
    if (keep) memcpy(ch->keep_in + row * d, keep + src * d, d);
}

int srm_net_chains_build(srm_net_chains *ch, const srm_net_batch *w, size_t P,
                         const int32_t *ctx_tokens, const unsigned char *ctx_keep)
{
    size_t T = w->T, B = w->B, C = T * B, k = ch->k, d = ch->d;
    if (T == 0 || T > ch->t_max || B == 0 || B > ch->b_max || P >= k || (P && !ch->tokens) ||
        (P && !ctx_tokens) || (P && w->keep_in && !ctx_keep) ||
        (!w->tokens != !ch->tokens))
        return SRM_ERROR(SRM_EINVAL, "a window of %zu x %zu with %zu context positions does "
                         "not fit %zu-step chains of %zu x %zu", T, B, P, k, ch->t_max,
                         ch->b_max);
    size_t steps = P + T < k ? P + T : k;
    if (ch->tokens) memset(ch->tokens, 0, steps * C * sizeof(int32_t));
    else memset(ch->frames, 0, steps * C * d * sizeof(double));
    if (w->keep_in) memset(ch->keep_in, 0, steps * C * d);
    for (size_t t = 0; t < T; t++) {
        size_t end = P + t, start = end + 1 > k ? end + 1 - k : 0; /* positions it sees */
        for (size_t b = 0; b < B; b++) {
            size_t c = t * B + b;
            for (size_t e = start; e <= end; e++)
                chain_step(ch, w, P, ctx_tokens, ctx_keep, (e - start) * C + c, e, b);
            ch->out_step[c] = (uint32_t)(end - start);
            ch->mask[c] = w->mask ? w->mask[c] : 1;
        }
    }
    ch->b = (srm_net_batch){.T = steps, .B = C, .tokens = ch->tokens, .frames = ch->frames,
                            .targets = w->targets, .target_frames = w->target_frames,
                            .mask = ch->mask, .out_step = ch->out_step,
                            .keep_in = w->keep_in ? ch->keep_in : NULL,
                            .keep_out = w->keep_out};
    return SRM_OK;
}
