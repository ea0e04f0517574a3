/* A bump allocator whose memory is freed all at once: everything a request
 * decodes lives in its arena, so freeing a request cannot leak a field.
 * An arena can be given a limit (the core bounds what decoding a request
 * may take, so memory stays proportional to the request's size). */
#ifndef BROOK_CORE_ARENA_H
#define BROOK_CORE_ARENA_H

#include <stddef.h>

typedef struct brook_arena_chunk brook_arena_chunk;

typedef struct brook_arena {
    brook_arena_chunk *head;
    size_t used;       /* bytes of chunks held */
    size_t limit;      /* 0: none; else allocations past it fail */
    size_t next_chunk; /* chunks grow as the arena does, up to 1 MiB */
    int hit_limit;     /* an allocation failed on the limit */
} brook_arena;

/* Zeroed, 16-byte aligned memory; NULL when out of memory or past the limit. */
void *brook_arena_alloc(brook_arena *a, size_t size);
char *brook_arena_strndup(brook_arena *a, const char *s, size_t len);
void brook_arena_free(brook_arena *a);

#endif
