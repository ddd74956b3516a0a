/* core/grow.c: capacity doubling for growable arrays (core/grow.h). */
#include "core/grow.h"

#include <stdlib.h>

void *srm_grow(void *items, size_t *cap, size_t count, size_t first, size_t size)
{
    if (count < *cap) return items;
    size_t ncap = *cap ? 2 * *cap : first;
    void *p = realloc(items, ncap * size);
    if (p) *cap = ncap;
    return p;
}
