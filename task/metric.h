/* task/metric.h: the held-out metrics of the benchmark tasks (proofs-notes/experiments.md).
 *
 *   word LM    perplexity        exp(total NLL / tokens), NLL in nats
 *   char LM    bits per char     total NLL / tokens / ln 2
 *   music      NLL per frame     total NLL over every frame and all 88 keys / frames
 *   slot fill  F1 over spans     conlleval semantics, in percent (as conlleval prints it)
 *
 * Slot F1 follows conlleval.pl on BIO tags: a chunk starts at B-x, at I-x after O, and at any
 * tag whose type differs from the previous tag's type; it ends before B, before O and before a
 * change of type. A predicted chunk is correct only when a gold chunk of the same type starts
 * and ends at the same positions. Each utterance is closed by an `O`, as conlleval closes a
 * sentence at its blank line. */
#ifndef SRM_METRIC_H
#define SRM_METRIC_H

#include <stddef.h>
#include <stdint.h>

double srm_metric_perplexity(double nll_sum, size_t tokens);
double srm_metric_bits_per_char(double nll_sum, size_t tokens);
double srm_metric_nll_per_frame(double nll_sum, size_t frames);

/* The chunk structure of a tag set: prefix 'O', 'B' or 'I' and a type id per tag id. */
typedef struct {
    size_t ntags;
    char *prefix;   /* (ntags) 'O', 'B' or 'I' */
    int32_t *type;  /* (ntags) type id, equal for B-x and I-x; -1 for O */
    size_t ntypes;
} srm_chunk_tags;

/* Builds the table from tag names ("O", "B-fromloc.city_name", "I-..."); the type is what
 * follows the first '-'. Any other spelling is SRM_EINVAL naming the tag. */
int srm_chunk_tags_alloc(const char *const *names, size_t ntags, srm_chunk_tags **out);
void srm_chunk_tags_free(srm_chunk_tags *t);

typedef struct {
    size_t correct;   /* predicted chunks that match a gold chunk exactly */
    size_t gold;      /* chunks in the gold tags */
    size_t predicted; /* chunks in the predicted tags */
    size_t tokens, tokens_correct; /* token-level tag accuracy, as conlleval also reports */
} srm_chunk_counts;

/* Adds one utterance of n tags (ids into `tags`) to the counts. Out-of-range ids are treated
 * as O (callers validate their data; this keeps the hot path branch-light). */
void srm_metric_chunks_add(srm_chunk_counts *c, const srm_chunk_tags *tags, const int32_t *gold,
                           const int32_t *predicted, size_t n);

/* F1 = 2 P R / (P + R) = 200 correct / (gold + predicted) in percent; 0 when there are no
 * chunks at all. Precision and recall in percent likewise (0 when undefined). */
double srm_metric_f1(const srm_chunk_counts *c);
double srm_metric_precision(const srm_chunk_counts *c);
double srm_metric_recall(const srm_chunk_counts *c);

#endif
