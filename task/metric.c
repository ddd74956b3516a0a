/* task/metric.c: perplexity, bits per character, NLL per frame, and conlleval's span F1
 * (see metric.h). */
#include "task/metric.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

double srm_metric_perplexity(double nll_sum, size_t tokens)
{
    return tokens ? exp(nll_sum / (double)tokens) : NAN;
}

double srm_metric_bits_per_char(double nll_sum, size_t tokens)
{
    return tokens ? nll_sum / (double)tokens / M_LN2 : NAN;
}

double srm_metric_nll_per_frame(double nll_sum, size_t frames)
{
    return frames ? nll_sum / (double)frames : NAN;
}

void srm_chunk_tags_free(srm_chunk_tags *t)
{
    if (!t) return;
    free(t->prefix);
    free(t->type);
    free(t);
}

int srm_chunk_tags_alloc(const char *const *names, size_t ntags, srm_chunk_tags **out)
{
    *out = NULL;
    srm_chunk_tags *t = calloc(1, sizeof *t);
    size_t cap = ntags ? ntags : 1;
    const char **types = calloc(cap, sizeof *types); /* distinct type names so far */
    if (t) {
        t->prefix = malloc(cap);
        t->type = malloc(cap * sizeof(int32_t));
    }
    if (!t || !types || !t->prefix || !t->type) {
        free(types);
        srm_chunk_tags_free(t);
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    t->ntags = ntags;
    for (size_t i = 0; i < ntags; i++) {
        const char *s = names[i];
        if (strcmp(s, "O") == 0) {
            t->prefix[i] = 'O', t->type[i] = -1;
            continue;
        }
        if (!((s[0] == 'B' || s[0] == 'I') && s[1] == '-' && s[2] != '\0')) {
            free(types);
            srm_chunk_tags_free(t);
            return SRM_ERROR(SRM_EINVAL, "slot tag '%s' is not O, B-type or I-type", s);
        }
        t->prefix[i] = s[0];
        size_t k = 0;
        while (k < t->ntypes && strcmp(types[k], s + 2) != 0) k++;
        if (k == t->ntypes) types[t->ntypes++] = s + 2;
        t->type[i] = (int32_t)k;
    }
    free(types);
    *out = t;
    return SRM_OK;
}

/* conlleval's startOfChunk / endOfChunk restricted to B, I, O (O has type -1). */
static int chunk_start(char prev, int32_t prev_type, char tag, int32_t type)
{
    return tag == 'B' || (prev == 'O' && tag == 'I') || (tag != 'O' && prev_type != type);
}

static int chunk_end(char prev, int32_t prev_type, char tag, int32_t type)
{
    return ((prev == 'B' || prev == 'I') && (tag == 'B' || tag == 'O')) ||
           (prev != 'O' && prev_type != type);
}

void srm_metric_chunks_add(srm_chunk_counts *c, const srm_chunk_tags *tags, const int32_t *gold,
                           const int32_t *predicted, size_t n)
{
    char pg = 'O', pp = 'O';
    int32_t tg_prev = -1, tp_prev = -1;
    int in_correct = 0;
    /* i == n is the closing O that ends the utterance. */
    for (size_t i = 0; i <= n; i++) {
        char g = 'O', p = 'O';
        int32_t tg = -1, tp = -1;
        if (i < n) {
            if (gold[i] >= 0 && (size_t)gold[i] < tags->ntags)
                g = tags->prefix[gold[i]], tg = tags->type[gold[i]];
            if (predicted[i] >= 0 && (size_t)predicted[i] < tags->ntags)
                p = tags->prefix[predicted[i]], tp = tags->type[predicted[i]];
            c->tokens++;
            c->tokens_correct += gold[i] == predicted[i];
        }
        int end_g = chunk_end(pg, tg_prev, g, tg), end_p = chunk_end(pp, tp_prev, p, tp);
        int start_g = chunk_start(pg, tg_prev, g, tg), start_p = chunk_start(pp, tp_prev, p, tp);
        if (in_correct) {
            if (end_g && end_p && tg_prev == tp_prev) {
                in_correct = 0;
                c->correct++;
            } else if (end_g != end_p || tg != tp) {
                in_correct = 0;
            }
        }
        if (start_g && start_p && tg == tp) in_correct = 1;
        c->gold += (size_t)start_g;
        c->predicted += (size_t)start_p;
        pg = g, pp = p, tg_prev = tg, tp_prev = tp;
    }
}

double srm_metric_precision(const srm_chunk_counts *c)
{
    return c->predicted ? 100.0 * (double)c->correct / (double)c->predicted : 0.0;
}

double srm_metric_recall(const srm_chunk_counts *c)
{
    return c->gold ? 100.0 * (double)c->correct / (double)c->gold : 0.0;
}

double srm_metric_f1(const srm_chunk_counts *c)
{
    size_t total = c->gold + c->predicted;
    return total ? 200.0 * (double)c->correct / (double)total : 0.0;
}
