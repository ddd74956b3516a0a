/* tests/test_metric.c: the benchmark metrics (task/metric.h) on hand-computed cases: conlleval
 * span F1 with partial, retyped and I-started spans; perplexity of a uniform model equals the
 * vocabulary size; bits per character and NLL per frame of uniform predictions. A randomized
 * comparison checks the streaming conlleval counter against a span-set implementation. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/metric.h"
#include "tests/harness.h"

/* Tags: 0 O, 1 B-a, 2 I-a, 3 B-b, 4 I-b, 5 B-c, 6 I-c */
static const char *const names[] = {"O", "B-a", "I-a", "B-b", "I-b", "B-c", "I-c"};
enum { O, Ba, Ia, Bb, Ib, Bc, Ic };

static srm_chunk_counts count(const srm_chunk_tags *t, const int32_t *g, const int32_t *p,
                              size_t n)
{
    srm_chunk_counts c = {0};
    srm_metric_chunks_add(&c, t, g, p, n);
    return c;
}

static void check_counts(const char *what, srm_chunk_counts c, size_t correct, size_t gold,
                         size_t predicted)
{
    CHECK(c.correct == correct && c.gold == gold && c.predicted == predicted,
          "%s: correct/gold/predicted = %zu/%zu/%zu (expected %zu/%zu/%zu)", what, c.correct,
          c.gold, c.predicted, correct, gold, predicted);
}

/* Independent reference: list the spans (start, end, type) of one tag sequence by scanning
 * for starts, extending each over I- tags of its type, then count exact matches. */
typedef struct {
    size_t s, e;
    int32_t type;
} span;

static size_t spans_of(const srm_chunk_tags *t, const int32_t *x, size_t n, span *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        char p = t->prefix[x[i]];
        if (p == 'O') {
            i++;
            continue;
        }
        int32_t ty = t->type[x[i]];
        size_t j = i + 1;
        while (j < n && t->prefix[x[j]] == 'I' && t->type[x[j]] == ty) j++;
        out[k++] = (span){i, j - 1, ty};
        i = j;
    }
    return k;
}

static void random_comparison(const srm_chunk_tags *t)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    srm_chunk_counts c = {0};
    size_t correct = 0, gold = 0, pred = 0;
    int32_t g[20], p[20];
    span sg[20], sp[20];
    for (int u = 0; u < 2000; u++) {
        size_t n = 1 + gsl_rng_uniform_int(rng, 20);
        for (size_t i = 0; i < n; i++) {
            g[i] = (int32_t)gsl_rng_uniform_int(rng, 7);
            /* predictions mostly agree, so that many spans match */
            p[i] = gsl_rng_uniform(rng) < 0.7 ? g[i] : (int32_t)gsl_rng_uniform_int(rng, 7);
        }
        srm_metric_chunks_add(&c, t, g, p, n);
        size_t ng = spans_of(t, g, n, sg), np = spans_of(t, p, n, sp);
        gold += ng, pred += np;
        for (size_t a = 0; a < ng; a++)
            for (size_t b = 0; b < np; b++)
                correct += sg[a].s == sp[b].s && sg[a].e == sp[b].e && sg[a].type == sp[b].type;
    }
    CHECK(c.correct == correct && c.gold == gold && c.predicted == pred && correct > 1000,
          "2000 random utterances: streaming conlleval %zu/%zu/%zu equals span sets %zu/%zu/%zu",
          c.correct, c.gold, c.predicted, correct, gold, pred);
    gsl_rng_free(rng);
}

/* Single utterances: exact spans, partial and retyped spans, conlleval's chunk starts. */
static void test_spans(const srm_chunk_tags *t)
{
    {
        int32_t g[] = {Ba, Ia, O, Bb}, p[] = {Ba, Ia, O, Bb};
        srm_chunk_counts c = count(t, g, p, 4);
        check_counts("identical tags", c, 2, 2, 2);
        CHECK_CLOSE(srm_metric_f1(&c), 100.0, 1e-15, "identical tags: F1 = 100");
    }
    {   /* a predicted span that stops one token early is wrong, not half right */
        int32_t g[] = {Ba, Ia, Ia, O}, p[] = {Ba, Ia, O, O};
        srm_chunk_counts c = count(t, g, p, 4);
        check_counts("partial span (right end short)", c, 0, 1, 1);
        CHECK(srm_metric_f1(&c) == 0.0, "partial span: F1 = 0 (got %g)", srm_metric_f1(&c));
    }
    {   /* spans a[0,1] b[3,3] c[5,5] vs a[0,1] b[3,4] c[5,5]: 2 of 3 match both ways */
        int32_t g[] = {Ba, Ia, O, Bb, O, Bc}, p[] = {Ba, Ia, O, Bb, Ib, Bc};
        srm_chunk_counts c = count(t, g, p, 6);
        check_counts("one span too long", c, 2, 3, 3);
        CHECK_CLOSE(srm_metric_f1(&c), 200.0 / 3.0, 1e-15, "one span too long: F1 = 66.67");
    }
    {   /* conlleval: I-a after O starts a chunk, so O I-a I-a equals O B-a I-a */
        int32_t g[] = {O, Ia, Ia}, p[] = {O, Ba, Ia};
        check_counts("I- after O starts a span", count(t, g, p, 3), 1, 1, 1);
    }
    {   /* a change of type starts a new chunk even on I- */
        int32_t g[] = {Ba, Ib}, p[] = {Ba, Bb};
        check_counts("type change on I- splits the span", count(t, g, p, 2), 2, 2, 2);
    }
    {   /* right boundaries, wrong type */
        int32_t g[] = {Ba, Ia}, p[] = {Bb, Ib};
        check_counts("same boundaries, other type", count(t, g, p, 2), 0, 1, 1);
    }
    {   /* a left boundary off by one: gold a[1,2], predicted a[0,2] */
        int32_t g[] = {O, Ba, Ia}, p[] = {Ba, Ia, Ia};
        check_counts("partial span (left end early)", count(t, g, p, 3), 0, 1, 1);
    }
    {   /* B-a B-a: two one-token chunks; predicting one two-token chunk matches neither */
        int32_t g[] = {Ba, Ba}, p[] = {Ba, Ia};
        check_counts("B B is two chunks", count(t, g, p, 2), 0, 2, 1);
    }
}

/* Counts summed over utterances; precision, recall and F1 from the counts. */
static void test_accumulation(const srm_chunk_tags *t)
{
    {   /* accumulation over utterances: the end of one utterance closes its chunks */
        srm_chunk_counts c = {0};
        int32_t g1[] = {Ba, Ia}, p1[] = {Ba, Ia};        /* 1 correct */
        int32_t g2[] = {Ia, Bb, O, Bc}, p2[] = {Ba, Bb, Ib, Bc}; /* a ok, b wrong, c ok */
        int32_t g3[] = {O, Bb}, p3[] = {Bc, O};          /* gold b, predicted c: none */
        srm_metric_chunks_add(&c, t, g1, p1, 2);
        srm_metric_chunks_add(&c, t, g2, p2, 4);
        srm_metric_chunks_add(&c, t, g3, p3, 2);
        check_counts("three utterances", c, 3, 5, 5);
        CHECK_CLOSE(srm_metric_precision(&c), 60.0, 1e-15, "precision 3/5");
        CHECK_CLOSE(srm_metric_recall(&c), 60.0, 1e-15, "recall 3/5");
        CHECK(c.tokens == 8 && c.tokens_correct == 4, "token accuracy 4 of 8 (got %zu of %zu)",
              c.tokens_correct, c.tokens);
    }
    {   /* P = 3/5, R = 3/4: F1 = 2PR/(P+R) = 200*3/9 */
        srm_chunk_counts c = {.correct = 3, .gold = 4, .predicted = 5};
        double P = srm_metric_precision(&c), R = srm_metric_recall(&c);
        CHECK_CLOSE(srm_metric_f1(&c), 2 * P * R / (P + R), 1e-14, "F1 is the harmonic mean");
        srm_chunk_counts z = {0};
        CHECK(srm_metric_f1(&z) == 0.0, "no chunks at all: F1 = 0");
    }
}

/* Malformed tag names are rejected when the table is built. */
static void test_bad_tags(void)
{
    const char *bad1[] = {"O", "X-a"}, *bad2[] = {"B-"}, *bad3[] = {"Ba"};
    srm_chunk_tags *b = NULL;
    CHECK(srm_chunk_tags_alloc(bad1, 2, &b) == SRM_EINVAL && !b &&
              strstr(srm_error_message(), "X-a"),
          "tag X-a rejected, named: %s", srm_error_message());
    CHECK(srm_chunk_tags_alloc(bad2, 1, &b) == SRM_EINVAL, "tag B- (no type) rejected");
    CHECK(srm_chunk_tags_alloc(bad3, 1, &b) == SRM_EINVAL, "tag Ba (no dash) rejected");
}

/* Perplexity, bits per character and NLL per frame of uniform predictions. */
static void test_uniform(void)
{
    /* Uniform predictions: every token costs ln V nats, so perplexity = V up to the rounding
     * of the summed logs: N = 10^4 additions give a relative error <= N eps ~ 2e-12 in the
     * mean, i.e. an absolute error ~ 2e-12 ln V <= 3e-11 in the exponent; tolerance 1e-10. */
    static const size_t vocab_sizes[] = {2, 50, 338, 33278};
    for (size_t vi = 0; vi < 4; vi++) {
        size_t V = vocab_sizes[vi];
        double nll = 0;
        size_t N = 10007;
        for (size_t i = 0; i < N; i++) nll += -log(1.0 / (double)V);
        char what[64];
        snprintf(what, sizeof what, "perplexity of a uniform model over %zu words", V);
        CHECK_CLOSE(srm_metric_perplexity(nll, N), (double)V, 1e-10, what);
    }
    CHECK_CLOSE(srm_metric_bits_per_char(5000 * log(50.0), 5000), log2(50.0), 1e-13,
                "bits per character of a uniform 50-symbol model = log2 50");
    CHECK_CLOSE(srm_metric_nll_per_frame(100 * 88 * log(2.0), 100), 88 * log(2.0), 1e-13,
                "NLL per frame of p = 1/2 on 88 keys = 88 ln 2");
    CHECK(isnan(srm_metric_perplexity(1.0, 0)), "perplexity of no tokens is NaN");
}

int main(void)
{
    srm_chunk_tags *t;
    CHECK(srm_chunk_tags_alloc(names, 7, &t) == SRM_OK && t->ntypes == 3,
          "tag table: 7 tags, 3 types");
    CHECK(t->type[Ba] == t->type[Ia] && t->type[Ba] != t->type[Bb] && t->type[O] == -1,
          "B-a and I-a share a type, B-b differs, O has none");

    test_spans(t);
    test_accumulation(t);
    random_comparison(t);
    srm_chunk_tags_free(t);
    test_bad_tags();
    test_uniform();
    return srm_test_finish();
}
