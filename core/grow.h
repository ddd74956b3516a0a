/* core/grow.h: room for one more element in a growable array (capacity doubling), the one copy
 * of the realloc dance that core/report.c and core/safetensors.c each wrote out. */
#ifndef SRM_GROW_H
#define SRM_GROW_H

#include <stddef.h>

/* Returns items, reallocated to hold at least count + 1 elements of `size` bytes when count has
 * reached *cap (the capacity doubles, starting at `first`; *cap is updated), or NULL when out of
 * memory; items is then unchanged and still owned by the caller. */
void *srm_grow(void *items, size_t *cap, size_t count, size_t first, size_t size);

#endif
