/* task/atis.c: loader for the ATIS *.w-intent.iob files (see atis.h). */
#include "task/atis.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/file.h"

static const char *const files[2][SRM_SPLIT_COUNT] = {
    {"atis.train.w-intent.iob", NULL, "atis.test.w-intent.iob"},
    {"atis-2.train.w-intent.iob", "atis-2.dev.w-intent.iob", "atis.test.w-intent.iob"}};

const char *srm_atis_file(srm_atis_layout layout, srm_split split)
{
    return files[layout == SRM_ATIS_DEV][split];
}

static void split_clear(srm_atis_split *s)
{
    free(s->start);
    free(s->words);
    free(s->tags);
    free(s->gold);
    free(s->intent);
    srm_vocab_free(s->new_tags);
    srm_vocab_free(s->new_intents);
    memset(s, 0, sizeof *s);
}

void srm_atis_free(srm_atis *a)
{
    if (!a) return;
    srm_vocab_free(a->words);
    srm_vocab_free(a->tags);
    srm_vocab_free(a->intents);
    srm_vocab_free(a->extra_tags);
    for (int s = 0; s < SRM_SPLIT_COUNT; s++) split_clear(&a->split[s]);
    free(a);
}

typedef struct {
    const char *tok;
    size_t len;
} token;

/* Splits [p, stop) on whitespace into toks (capacity cap); returns the count (may exceed cap,
 * then only cap are stored). */
static size_t tokenize(const char *p, const char *stop, token *toks, size_t cap)
{
    size_t n = 0;
    for (;;) {
        while (p < stop && srm_data_is_space((unsigned char)*p)) p++;
        if (p == stop) return n;
        const char *t = p;
        while (p < stop && !srm_data_is_space((unsigned char)*p)) p++;
        if (n < cap) toks[n] = (token){t, (size_t)(p - t)};
        n++;
    }
}

static int is(const token *t, const char *s)
{
    return t->len == strlen(s) && memcmp(t->tok, s, t->len) == 0;
}

static int valid_tag(const token *t)
{
    if (is(t, "O")) return 1;
    return t->len > 2 && (t->tok[0] == 'B' || t->tok[0] == 'I') && t->tok[1] == '-';
}

/* Per-file scratch: raw vocabularies for the distinct counts and the token arrays of a line. */
typedef struct {
    srm_vocab *words, *tags, *intents;
    token *w, *t;
    size_t cap;
} scratch;

/* Maps one raw string: train interns it into `vocab`; other splits look it up and, when absent,
 * use `fallback` and record the string in `novel` (if given). */
static int map_token(srm_vocab *vocab, int train, const token *t, int32_t fallback,
                     srm_vocab *novel, size_t *unseen, int32_t *id)
{
    if (train) return srm_vocab_intern(vocab, t->tok, t->len, id);
    *id = srm_vocab_find(vocab, t->tok, t->len);
    if (*id >= 0) return SRM_OK;
    *id = fallback;
    (*unseen)++;
    int32_t ignored;
    return novel ? srm_vocab_intern(novel, t->tok, t->len, &ignored) : SRM_OK;
}

static int parse_line(srm_atis *a, srm_atis_split *s, scratch *sc, int train, const char *path,
                      size_t line, const char *p, const char *stop)
{
    const char *tab = memchr(p, '\t', (size_t)(stop - p));
    if (!tab || memchr(tab + 1, '\t', (size_t)(stop - tab - 1)))
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: expected one tab: 'BOS words EOS<TAB>O tags INTENT'",
                         path, line);
    size_t nw = tokenize(p, tab, sc->w, sc->cap), nt = tokenize(tab + 1, stop, sc->t, sc->cap);
    if (nw > sc->cap || nt > sc->cap)
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: more than %zu tokens", path, line, sc->cap);
    if (nw < 2 || !is(&sc->w[0], "BOS") || !is(&sc->w[nw - 1], "EOS"))
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: the words must be 'BOS w1 .. wn EOS'", path, line);
    if (nt != nw)
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: %zu words (with BOS, EOS) but %zu tags (with O, "
                         "intent)", path, line, nw, nt);
    if (!is(&sc->t[0], "O"))
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: the tag of BOS must be O, not '%.*s'", path, line,
                         (int)sc->t[0].len, sc->t[0].tok);
    size_t n = nw - 2;
    int32_t ignored;
    for (size_t i = 1; i <= n; i++) {
        const token *w = &sc->w[i], *t = &sc->t[i];
        if (!valid_tag(t))
            return SRM_ERROR(SRM_EINVAL, "%s:%zu: slot tag %zu '%.*s' is not O, B-x or I-x", path,
                             line, i, (int)(t->len > 64 ? 64 : t->len), t->tok);
        if (!train && srm_vocab_find(sc->words, w->tok, w->len) < 0 &&
            srm_vocab_find(a->words, w->tok, w->len) < 0)
            s->new_words++;
        SRM_TRY(srm_vocab_intern(sc->words, w->tok, w->len, &ignored));
        SRM_TRY(srm_vocab_intern(sc->tags, t->tok, t->len, &ignored));
        SRM_TRY(map_token(a->words, train, w, 0, NULL, &s->unknown_words, &s->words[s->nwords]));
        size_t unseen = s->unseen_tags;
        SRM_TRY(map_token(a->tags, train, t, 0, s->new_tags, &s->unseen_tags,
                          &s->tags[s->nwords]));
        s->gold[s->nwords] = s->tags[s->nwords];
        if (s->unseen_tags > unseen) { /* train is loaded first: a->tags is complete */
            int32_t e;
            SRM_TRY(srm_vocab_intern(a->extra_tags, t->tok, t->len, &e));
            s->gold[s->nwords] = (int32_t)srm_vocab_size(a->tags) + e;
        }
        s->nwords++;
    }
    const token *intent = &sc->t[nw - 1];
    SRM_TRY(srm_vocab_intern(sc->intents, intent->tok, intent->len, &ignored));
    SRM_TRY(map_token(a->intents, train, intent, 0, s->new_intents, &s->unseen_intents,
                      &s->intent[s->n]));
    if (n > s->max_words) s->max_words = n;
    s->start[++s->n] = s->nwords;
    return SRM_OK;
}

static int parse_file(srm_atis *a, srm_atis_split *s, scratch *sc, int train, const char *path,
                      const char *text, size_t len)
{
    size_t lines = 1;
    for (const char *q = text; (q = memchr(q, '\n', (size_t)(text + len - q))); q++) lines++;
    /* Every word takes >= 2 bytes (itself and a separator) in each half. */
    s->start = malloc((lines + 1) * sizeof *s->start);
    s->intent = malloc(lines * sizeof *s->intent);
    s->words = malloc((len / 4 + 1) * sizeof *s->words);
    s->tags = malloc((len / 4 + 1) * sizeof *s->tags);
    s->gold = malloc((len / 4 + 1) * sizeof *s->gold);
    s->new_tags = srm_vocab_alloc();
    s->new_intents = srm_vocab_alloc();
    if (!s->start || !s->intent || !s->words || !s->tags || !s->gold || !s->new_tags ||
        !s->new_intents)
        return SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
    s->start[0] = 0;
    const char *p = text, *end = text + len;
    for (size_t line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
        if (memchr(p, '\0', (size_t)(stop - p)))
            return SRM_ERROR(SRM_EINVAL, "%s:%zu: NUL byte in a text file", path, line);
        const char *q = p;
        while (q < stop && srm_data_is_space((unsigned char)*q)) q++;
        if (q < stop) /* blank lines are skipped, as in every line-based loader */
            SRM_TRY(parse_line(a, s, sc, train, path, line, p, stop));
        p = nl ? nl + 1 : end;
    }
    s->distinct_words = srm_vocab_size(sc->words);
    s->distinct_tags = srm_vocab_size(sc->tags);
    s->distinct_intents = srm_vocab_size(sc->intents);
    return SRM_OK;
}

static int load_split(srm_atis *a, srm_split split, const char *data_dir)
{
    srm_atis_split *s = &a->split[split];
    const char *file = srm_atis_file(a->layout, split);
    if (!file) return SRM_OK;
    char path[4096];
    SRM_TRY(srm_data_path(path, sizeof path, data_dir, "atis", file));
    char *text;
    size_t len;
    SRM_TRY(srm_file_read(path, &text, &len));
    s->file = file;
    scratch sc = {srm_vocab_alloc(), srm_vocab_alloc(), srm_vocab_alloc(), NULL, NULL, 1024};
    sc.w = malloc(sc.cap * sizeof *sc.w);
    sc.t = malloc(sc.cap * sizeof *sc.t);
    int rc = sc.words && sc.tags && sc.intents && sc.w && sc.t
                 ? parse_file(a, s, &sc, split == SRM_SPLIT_TRAIN, path, text, len)
                 : SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
    srm_vocab_free(sc.words);
    srm_vocab_free(sc.tags);
    srm_vocab_free(sc.intents);
    free(sc.w);
    free(sc.t);
    free(text);
    return rc;
}

int srm_atis_load(const char *data_dir, srm_atis_layout layout, srm_atis **out)
{
    *out = NULL;
    srm_atis *a = calloc(1, sizeof *a);
    if (!a) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    a->layout = layout;
    a->words = srm_vocab_alloc();
    a->tags = srm_vocab_alloc();
    a->intents = srm_vocab_alloc();
    a->extra_tags = srm_vocab_alloc();
    int32_t id;
    int rc = a->words && a->tags && a->intents && a->extra_tags
                 ? SRM_OK
                 : SRM_ERROR(SRM_ENOMEM, "out of memory");
    /* The fallback classes take id 0 before any train string. */
    if (rc == SRM_OK) rc = srm_vocab_intern(a->words, "<unk>", 5, &id);
    if (rc == SRM_OK) rc = srm_vocab_intern(a->tags, "O", 1, &id);
    if (rc == SRM_OK) rc = srm_vocab_intern(a->intents, "<unk>", 5, &id);
    for (int s = 0; s < SRM_SPLIT_COUNT && rc == SRM_OK; s++)
        rc = load_split(a, (srm_split)s, data_dir);
    if (rc != SRM_OK) {
        srm_atis_free(a);
        return rc;
    }
    *out = a;
    return SRM_OK;
}
