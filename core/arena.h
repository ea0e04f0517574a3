/* A bump allocator whose memory is freed all at once: everything a request
 * decodes lives in its arena, so freeing a request cannot leak a field. */
#ifndef BROOK_CORE_ARENA_H
#define BROOK_CORE_ARENA_H

#include <stddef.h>

typedef struct brook_arena_chunk brook_arena_chunk;

typedef struct brook_arena {
    brook_arena_chunk *head;
} brook_arena;

/* Zeroed, 16-byte aligned memory; NULL when out of memory. */
void *brook_arena_alloc(brook_arena *a, size_t size);
char *brook_arena_strndup(brook_arena *a, const char *s, size_t len);
void brook_arena_free(brook_arena *a);

#endif
