#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 4096
#define ALIGN      16

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
        size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        /* A big allocation gets its own chunk behind the head, so the head's
         * free space stays usable for the small ones that follow. */
        if (a->head && size > CHUNK_SIZE) {
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
}
