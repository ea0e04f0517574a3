#include "strmap.h"

#include <stdlib.h>
#include <string.h>

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static brook_strmap_entry **slot(const brook_strmap *m, const char *key, size_t h)
{
    brook_strmap_entry **p = &m->buckets[h & (m->nbuckets - 1)];
    while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
        p = &(*p)->next;
    return p;
}

void *brook_strmap_get(const brook_strmap *m, const char *key)
{
    if (!m->nbuckets)
        return NULL;
    brook_strmap_entry *e = *slot(m, key, hash_str(key));
    return e ? e->value : NULL;
}

static brook_err grow(brook_strmap *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
    brook_strmap_entry **b = calloc(n, sizeof *b);
    if (!b)
        return BROOK_ERR_NOMEM;
    for (size_t i = 0; i < m->nbuckets; i++)
        for (brook_strmap_entry *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
    return BROOK_OK;
}

brook_err brook_strmap_put(brook_strmap *m, const char *key, void *value)
{
    if (m->count >= m->nbuckets && grow(m))
        return BROOK_ERR_NOMEM;
    size_t h = hash_str(key);
    brook_strmap_entry **p = slot(m, key, h);
    if (*p) {
        (*p)->value = value;
        return BROOK_OK;
    }
    size_t len = strlen(key);
    brook_strmap_entry *e = malloc(sizeof *e + len + 1);
    if (!e)
        return BROOK_ERR_NOMEM;
    memcpy(e->key, key, len + 1);
    e->hash = h;
    e->value = value;
    e->next = NULL;
    *p = e;
    m->count++;
    return BROOK_OK;
}

void *brook_strmap_remove(brook_strmap *m, const char *key)
{
    if (!m->nbuckets)
        return NULL;
    brook_strmap_entry **p = slot(m, key, hash_str(key)), *e = *p;
    if (!e)
        return NULL;
    void *v = e->value;
    *p = e->next;
    free(e);
    m->count--;
    return v;
}

void brook_strmap_free(brook_strmap *m)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (brook_strmap_entry *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    free(m->buckets);
    memset(m, 0, sizeof *m);
}

brook_strmap_entry *brook_strmap_next(const brook_strmap *m, brook_strmap_iter *it)
{
    while (!it->next) {
        if (it->bucket >= m->nbuckets)
            return NULL;
        it->next = m->buckets[it->bucket++];
    }
    brook_strmap_entry *e = it->next;
    it->next = e->next;
    return e;
}
