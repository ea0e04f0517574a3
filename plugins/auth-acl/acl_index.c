#include "acl_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl_rules.h"

/* A key's rules are a run of `order`; the table maps keys to runs. */
typedef struct run {
    const acl_rule *first; /* the key's fields, as this rule holds them; NULL: a free slot */
    size_t from, n;        /* order[from .. from+n) */
} run;

struct acl_index {
    const acl_rule *rules;
    const acl_rule **order; /* the rules sorted by key */
    run *slots;
    size_t nslots; /* a power of two, at least twice the keys */
};

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME  1099511628211ull

/* The hash of a key of `type` and `prefixed` before its name's bytes, and one byte more. */
static uint64_t hash_start(int type, int prefixed)
{
    return ((FNV_OFFSET ^ (uint64_t)(unsigned)type) * FNV_PRIME ^ (uint64_t)(prefixed != 0)) * FNV_PRIME;
}

static uint64_t hash_add(uint64_t h, unsigned char c)
{
    return (h ^ c) * FNV_PRIME;
}

static uint64_t hash_of(int type, int prefixed, const char *name, size_t len)
{
    uint64_t h = hash_start(type, prefixed);
    for (size_t i = 0; i < len; i++)
        h = hash_add(h, (unsigned char)name[i]);
    return h;
}

static int same_key(const acl_rule *r, int type, int prefixed, const char *name, size_t len)
{
    return r->resource_type == type && (r->prefixed != 0) == (prefixed != 0) && strlen(r->name) == len &&
           memcmp(r->name, name, len) == 0;
}

/* The slot of the key (its run, or the free slot where it would go). */
static run *slot_of(const acl_index *x, uint64_t h, int type, int prefixed, const char *name, size_t len)
{
    for (size_t i = (size_t)h & (x->nslots - 1);; i = (i + 1) & (x->nslots - 1))
        if (!x->slots[i].first || same_key(x->slots[i].first, type, prefixed, name, len))
            return &x->slots[i];
}

static int by_key(const void *a, const void *b)
{
    const acl_rule *x = *(const acl_rule *const *)a, *y = *(const acl_rule *const *)b;
    if (x->resource_type != y->resource_type)
        return x->resource_type < y->resource_type ? -1 : 1;
    if ((x->prefixed != 0) != (y->prefixed != 0))
        return x->prefixed ? 1 : -1;
    int c = strcmp(x->name, y->name);
    return c ? c : (x > y) - (x < y); /* the file's order within a key */
}

acl_index *acl_index_build(const acl_rule *rules, size_t count)
{
    acl_index *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->rules = rules;
    x->nslots = 16;
    while (x->nslots < 2 * count)
        x->nslots *= 2;
    x->order = malloc((count ? count : 1) * sizeof *x->order);
    x->slots = calloc(x->nslots, sizeof *x->slots);
    if (!x->order || !x->slots) {
        acl_index_free(x);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        x->order[i] = &rules[i];
    qsort(x->order, count, sizeof *x->order, by_key);
    for (size_t i = 0; i < count;) {
        const acl_rule *r = x->order[i];
        size_t len = strlen(r->name), end = i + 1;
        while (end < count && same_key(x->order[end], r->resource_type, r->prefixed, r->name, len))
            end++;
        run *s = slot_of(x, hash_of(r->resource_type, r->prefixed, r->name, len), r->resource_type, r->prefixed,
                         r->name, len);
        *s = (run){r, i, end - i};
        i = end;
    }
    return x;
}

void acl_index_free(acl_index *x)
{
    if (!x)
        return;
    free(x->order);
    free(x->slots);
    free(x);
}

/* each() over the run of one key, if any. */
static int each_of(const acl_index *x, uint64_t h, int type, int prefixed, const char *name, size_t len,
                   int (*each)(void *arg, const acl_rule *rule), void *arg)
{
    const run *s = slot_of(x, h, type, prefixed, name, len);
    for (size_t i = 0; s->first && i < s->n; i++) {
        int rc = each(arg, x->order[s->from + i]);
        if (rc)
            return rc;
    }
    return 0;
}

int acl_index_each(const acl_index *x, int type, const char *name, int (*each)(void *arg, const acl_rule *rule),
                   void *arg)
{
    size_t len = strlen(name);
    int rc = each_of(x, hash_of(type, 0, name, len), type, 0, name, len, each, arg);
    if (!rc && strcmp(name, "*") != 0) /* the literal "*" rules, unless that was the name asked */
        rc = each_of(x, hash_of(type, 0, "*", 1), type, 0, "*", 1, each, arg);
    /* prefixed rules: every prefix of the name, the empty one and the whole
     * name included (each key once), then a prefixed "*", which covers
     * every name as a literal "*" does */
    uint64_t h = hash_start(type, 1);
    for (size_t l = 0; !rc && l <= len; l++) {
        rc = each_of(x, h, type, 1, name, l, each, arg);
        if (l < len)
            h = hash_add(h, (unsigned char)name[l]);
    }
    if (!rc && !(len >= 1 && name[0] == '*')) /* else the loop saw it at length 1 */
        rc = each_of(x, hash_of(type, 1, "*", 1), type, 1, "*", 1, each, arg);
    return rc;
}

int acl_index_each_keyed(const acl_index *x, int type, int prefixed, const char *name,
                         int (*each)(void *arg, const acl_rule *rule), void *arg)
{
    size_t len = strlen(name);
    return each_of(x, hash_of(type, prefixed, name, len), type, prefixed, name, len, each, arg);
}
