#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE     4096
#define CHUNK_SIZE_MAX (1u << 20)
#define ALIGN          16

struct brook_arena_chunk {
    brook_arena_chunk *next;
    size_t used;
    size_t cap;
    _Alignas(ALIGN) unsigned char data[];
};

void *brook_arena_alloc(brook_arena *a, size_t size)
{
    if (size > SIZE_MAX - ALIGN - CHUNK_SIZE)
        return NULL;
    size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    brook_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        /* Chunks double up to 1 MiB: few mallocs for a big request, and
         * big chunks go back to the system when it is freed. */
        size_t chunk = a->next_chunk ? a->next_chunk : CHUNK_SIZE;
        size_t cap = size > chunk ? size : chunk;
        if (a->limit && a->used + cap > a->limit) {
            if (a->used + size > a->limit) {
                a->hit_limit = 1;
                return NULL;
            }
            cap = size; /* the last bit of room before the limit */
        }
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        a->used += cap;
        if (size <= chunk && chunk < CHUNK_SIZE_MAX)
            a->next_chunk = chunk * 2;
        c->cap = cap;
        c->used = 0;
        /* A big allocation gets its own chunk behind the head, so the head's
         * free space stays usable for the small ones that follow. */
        if (a->head && size > chunk) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *brook_arena_strndup(brook_arena *a, const char *s, size_t len)
{
    char *p = brook_arena_alloc(a, len + 1);
    if (p)
        memcpy(p, s, len);
    return p;
}

void brook_arena_free(brook_arena *a)
{
    brook_arena_chunk *c = a->head;
    while (c) {
        brook_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
    a->next_chunk = 0;
}
