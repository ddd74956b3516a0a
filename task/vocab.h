/* task/vocab.h: a vocabulary of byte strings with ids in order of first appearance.
 *
 * Tokens are byte strings (Wikitext-2 holds UTF-8; srm never decodes it). Lookups go through an
 * open-addressing hash table (FNV-1a, load factor <= 1/2), so interning the 2.09M tokens of
 * Wikitext-2 train is linear in the input. */
#ifndef SRM_DATA_VOCAB_H
#define SRM_DATA_VOCAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct srm_vocab srm_vocab;

srm_vocab *srm_vocab_alloc(void); /* NULL when out of memory */
void srm_vocab_free(srm_vocab *v);

/* Sets *id to the id of `word` (`len` bytes, need not be NUL-terminated), adding the word with
 * the next free id (= the current size) when it is new. Returns SRM_OK or SRM_ENOMEM. */
int srm_vocab_intern(srm_vocab *v, const char *word, size_t len, int32_t *id);

/* The id of `word`, or -1 when it is not in the vocabulary. */
int32_t srm_vocab_find(const srm_vocab *v, const char *word, size_t len);

size_t srm_vocab_size(const srm_vocab *v);

/* The word with id `id` (0 <= id < size), NUL-terminated. The pointer stays valid until the
 * next srm_vocab_intern. */
const char *srm_vocab_word(const srm_vocab *v, int32_t id);
size_t srm_vocab_word_length(const srm_vocab *v, int32_t id);

#endif
