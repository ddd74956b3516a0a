/* tests/fuzz/fuzz_vocab.c: fuzzes the vocabulary (task/vocab.h), the hash table every text
 * loader interns its tokens into. The input is cut into words at NUL and newline bytes (empty
 * words included, and any other byte inside a word); each is interned, and the table must give
 * ids in order of first appearance, find every word again, and give back its exact bytes. */
#include "tests/fuzz/fuzz_common.h"

#include "task/vocab.h"

/* Every id of v: its word is found again under that id, with its length and a final NUL. */
static void check_all(const srm_vocab *v)
{
    for (size_t id = 0; id < srm_vocab_size(v); id++) {
        const char *w = srm_vocab_word(v, (int32_t)id);
        size_t len = srm_vocab_word_length(v, (int32_t)id);
        FUZZ_ASSERT(w[len] == '\0');
        FUZZ_ASSERT(srm_vocab_find(v, w, len) == (int32_t)id);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    srm_vocab *v = srm_vocab_alloc();
    FUZZ_ASSERT(v != NULL);
    const char *p = (const char *)data, *end = p + size;
    while (p <= end) {
        const char *q = p;
        while (q < end && *q != '\0' && *q != '\n') q++;
        size_t len = (size_t)(q - p), before = srm_vocab_size(v);
        int32_t known = srm_vocab_find(v, p, len), id = -2;
        FUZZ_ASSERT(srm_vocab_intern(v, p, len, &id) == SRM_OK);
        FUZZ_ASSERT(known < 0 ? id == (int32_t)before && srm_vocab_size(v) == before + 1
                              : id == known && srm_vocab_size(v) == before);
        FUZZ_ASSERT(srm_vocab_word_length(v, id) == len);
        FUZZ_ASSERT(memcmp(srm_vocab_word(v, id), p, len) == 0);
        p = q + 1;
    }
    check_all(v);
    srm_vocab_free(v);
    return 0;
}
