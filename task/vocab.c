/* task/vocab.c: byte-string vocabulary (see vocab.h). Words live back to back in one growing
 * text buffer (NUL-terminated, addressed by offset so growth never invalidates an entry); the
 * hash table maps a word to its id. */
#include "task/vocab.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

struct srm_vocab {
    char *text;          /* all words, each followed by '\0' */
    size_t text_len, text_cap;
    size_t *offset;      /* (count) start of word id in text */
    size_t *length;      /* (count) bytes of word id */
    uint64_t *hash;      /* (count) hash of word id, kept for rehashing */
    size_t count, cap;
    int32_t *table;      /* (table_size) id or -1; table_size is a power of two */
    size_t table_size;
};

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

srm_vocab *srm_vocab_alloc(void)
{
    srm_vocab *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->table_size = 64;
    v->table = malloc(v->table_size * sizeof *v->table);
    if (!v->table) {
        free(v);
        return NULL;
    }
    memset(v->table, 0xff, v->table_size * sizeof *v->table); /* all -1 */
    return v;
}

void srm_vocab_free(srm_vocab *v)
{
    if (!v) return;
    free(v->text);
    free(v->offset);
    free(v->length);
    free(v->hash);
    free(v->table);
    free(v);
}

/* Slot of `word` in the table: either the slot holding it or the empty slot where it belongs. */
static size_t probe(const srm_vocab *v, const char *word, size_t len, uint64_t h)
{
    size_t mask = v->table_size - 1, i = (size_t)h & mask;
    for (;;) {
        int32_t id = v->table[i];
        if (id < 0) return i;
        if (v->hash[id] == h && v->length[id] == len &&
            memcmp(v->text + v->offset[id], word, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

int32_t srm_vocab_find(const srm_vocab *v, const char *word, size_t len)
{
    return v->table[probe(v, word, len, fnv1a(word, len))];
}

static int grow_table(srm_vocab *v)
{
    size_t size = 2 * v->table_size, mask = size - 1;
    int32_t *t = malloc(size * sizeof *t);
    if (!t) return SRM_ERROR(SRM_ENOMEM, "out of memory (vocabulary of %zu words)", v->count);
    memset(t, 0xff, size * sizeof *t);
    for (size_t id = 0; id < v->count; id++) {
        size_t i = (size_t)v->hash[id] & mask;
        while (t[i] >= 0) i = (i + 1) & mask;
        t[i] = (int32_t)id;
    }
    free(v->table);
    v->table = t;
    v->table_size = size;
    return SRM_OK;
}

static int reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return SRM_OK;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need) ncap *= 2;
    void *np = realloc(*p, ncap * elem);
    if (!np) return SRM_ERROR(SRM_ENOMEM, "out of memory (vocabulary)");
    *p = np;
    *cap = ncap;
    return SRM_OK;
}

int srm_vocab_intern(srm_vocab *v, const char *word, size_t len, int32_t *id)
{
    uint64_t h = fnv1a(word, len);
    size_t slot = probe(v, word, len, h);
    if (v->table[slot] >= 0) {
        *id = v->table[slot];
        return SRM_OK;
    }
    if (v->count >= INT32_MAX) return SRM_ERROR(SRM_ENOMEM, "vocabulary exceeds 2^31 words");
    SRM_TRY(reserve((void **)&v->text, &v->text_cap, v->text_len + len + 1, 1));
    if (v->count == v->cap) {
        /* The three per-id arrays share one capacity. */
        size_t ncap = v->cap ? 2 * v->cap : 64;
        size_t *no = realloc(v->offset, ncap * sizeof *no);
        if (!no) return SRM_ERROR(SRM_ENOMEM, "out of memory (vocabulary)");
        v->offset = no;
        size_t *nl = realloc(v->length, ncap * sizeof *nl);
        if (!nl) return SRM_ERROR(SRM_ENOMEM, "out of memory (vocabulary)");
        v->length = nl;
        uint64_t *nh = realloc(v->hash, ncap * sizeof *nh);
        if (!nh) return SRM_ERROR(SRM_ENOMEM, "out of memory (vocabulary)");
        v->hash = nh;
        v->cap = ncap;
    }
    int32_t new_id = (int32_t)v->count;
    memcpy(v->text + v->text_len, word, len);
    v->text[v->text_len + len] = '\0';
    v->offset[new_id] = v->text_len;
    v->length[new_id] = len;
    v->hash[new_id] = h;
    v->text_len += len + 1;
    v->count++;
    v->table[slot] = new_id;
    if (2 * v->count > v->table_size) SRM_TRY(grow_table(v));
    *id = new_id;
    return SRM_OK;
}

size_t srm_vocab_size(const srm_vocab *v) { return v->count; }

const char *srm_vocab_word(const srm_vocab *v, int32_t id) { return v->text + v->offset[id]; }

size_t srm_vocab_word_length(const srm_vocab *v, int32_t id) { return v->length[id]; }
