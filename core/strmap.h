/* A map from NUL-terminated strings to pointers: open hashing with chained
 * buckets that double as it grows. Keys are copied; values are the
 * caller's. Iteration order is unspecified. */
#ifndef BROOK_CORE_STRMAP_H
#define BROOK_CORE_STRMAP_H

#include <stddef.h>

#include <brook/errors.h>

typedef struct brook_strmap_entry {
    struct brook_strmap_entry *next;
    void *value;
    size_t hash;
    char key[]; /* NUL-terminated */
} brook_strmap_entry;

typedef struct brook_strmap {
    brook_strmap_entry **buckets;
    size_t nbuckets;
    size_t count;
} brook_strmap;

void *brook_strmap_get(const brook_strmap *m, const char *key);
/* Insert or replace. */
brook_err brook_strmap_put(brook_strmap *m, const char *key, void *value);
/* Remove; returns the value it held (NULL if absent). */
void *brook_strmap_remove(brook_strmap *m, const char *key);
/* Frees the map's own memory, not the values. */
void brook_strmap_free(brook_strmap *m);

/* Iterate: `it` starts zeroed; returns NULL at the end. Do not insert while
 * iterating; removing the entry just returned is fine. */
typedef struct brook_strmap_iter {
    size_t bucket;
    brook_strmap_entry *next;
} brook_strmap_iter;
brook_strmap_entry *brook_strmap_next(const brook_strmap *m, brook_strmap_iter *it);

#endif
