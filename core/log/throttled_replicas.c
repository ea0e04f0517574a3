#include "throttled_replicas.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct replica_ref {
    int32_t partition, broker;
} replica_ref;

/* A decimal int32 of n bytes. */
static int parse_id(const char *s, size_t n, int32_t *out)
{
    if (n == 0 || n > 10)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 0;
}

/* One item of n bytes, spaces around it allowed: 1 when it is "P:B" (into
 * *r), 0 when it is empty, -1 otherwise. */
static int parse_item(const char *s, size_t n, replica_ref *r)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    const char *colon = memchr(s, ':', n);
    if (!colon || parse_id(s, (size_t)(colon - s), &r->partition) ||
        parse_id(colon + 1, n - (size_t)(colon - s) - 1, &r->broker))
        return -1;
    return 1;
}

static int is_all(const char *value)
{
    while (isspace((unsigned char)*value))
        value++;
    if (*value++ != '*')
        return 0;
    while (isspace((unsigned char)*value))
        value++;
    return *value == 0;
}

/* Each item of a list that is not "*", in order: each(arg, ref) for every
 * "P:B"; -1 at the first that is neither that nor empty. */
static int each_item(const char *value, void (*each)(void *arg, replica_ref r), void *arg)
{
    for (const char *p = value;;) {
        size_t n = strcspn(p, ",");
        replica_ref r;
        int got = parse_item(p, n, &r);
        if (got < 0)
            return -1;
        if (got && each)
            each(arg, r);
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

int brook_throttled_replicas_valid(const char *value)
{
    return value && strlen(value) <= BROOK_THROTTLED_REPLICAS_MAX_LEN &&
           (is_all(value) || each_item(value, NULL, NULL) == 0);
}

/* ---- editing --------------------------------------------------------------------- */

typedef struct ref_list {
    replica_ref *items;
    size_t count, cap;
    int failed;
} ref_list;

static void collect(void *arg, replica_ref r)
{
    ref_list *l = arg;
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        replica_ref *more = realloc(l->items, sizeof *more * cap);
        if (!more) {
            l->failed = 1;
            return;
        }
        l->items = more;
        l->cap = cap;
    }
    l->items[l->count++] = r;
}

static int ref_order(const void *a, const void *b)
{
    const replica_ref *x = a, *y = b;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    return x->broker < y->broker ? -1 : x->broker > y->broker;
}

/* Sorted, none twice. */
static void sort_unique(ref_list *l)
{
    if (!l->count)
        return;
    qsort(l->items, l->count, sizeof *l->items, ref_order);
    size_t kept = 1;
    for (size_t i = 1; i < l->count; i++)
        if (ref_order(&l->items[i], &l->items[kept - 1]) != 0)
            l->items[kept++] = l->items[i];
    l->count = kept;
}

static int listed(const ref_list *l, replica_ref r)
{
    return l->count && bsearch(&r, l->items, l->count, sizeof *l->items, ref_order) != NULL;
}

/* "P:B,..." of the items of `have` (less those in `minus`) into a new string. */
static brook_err format(const ref_list *have, const ref_list *minus, char **out)
{
    size_t cap = have->count * 24 + 1, used = 0;
    char *s = malloc(cap);
    if (!s)
        return BROOK_ERR_NOMEM;
    s[0] = 0;
    for (size_t i = 0; i < have->count; i++)
        if (!listed(minus, have->items[i]))
            used += (size_t)snprintf(s + used, cap - used, "%s%d:%d", used ? "," : "", (int)have->items[i].partition,
                                     (int)have->items[i].broker);
    if (used > BROOK_THROTTLED_REPLICAS_MAX_LEN) {
        free(s);
        return BROOK_ERR_INVALID;
    }
    *out = s;
    return BROOK_OK;
}

brook_err brook_throttled_replicas_edit(const char *current, const char *items, int append, char **out)
{
    current = current ? current : "";
    items = items ? items : "";
    *out = NULL;
    if (is_all(current) || (append && is_all(items)))
        return (*out = strdup(append || !is_all(items) ? "*" : "")) ? BROOK_OK : BROOK_ERR_NOMEM;
    ref_list have = {0}, change = {0}, none = {0};
    if (!is_all(items))
        each_item(items, collect, &change);
    each_item(current, collect, &have);
    brook_err e = have.failed || change.failed ? BROOK_ERR_NOMEM : BROOK_OK;
    if (!e && append)
        for (size_t i = 0; i < change.count && !have.failed; i++)
            collect(&have, change.items[i]);
    if (!e && !(e = have.failed ? BROOK_ERR_NOMEM : BROOK_OK)) {
        sort_unique(&have);
        sort_unique(&change);
        e = format(&have, append ? &none : &change, out);
    }
    free(have.items);
    free(change.items);
    return e;
}

/* ---- a broker's set ------------------------------------------------------------------ */

typedef struct broker_filter {
    ref_list refs;
    int32_t broker;
} broker_filter;

static void collect_broker(void *arg, replica_ref r)
{
    broker_filter *f = arg;
    if (r.broker == f->broker)
        collect(&f->refs, (replica_ref){.partition = r.partition, .broker = 0});
}

brook_err brook_throttled_set_update(brook_throttled_set *s, const char *value, int32_t broker)
{
    if (value && !*value)
        value = NULL;
    if ((!value && !s->source) || (value && s->source && strcmp(value, s->source) == 0))
        return BROOK_OK;
    brook_throttled_set_clear(s);
    if (!value)
        return BROOK_OK;
    broker_filter f = {.broker = broker};
    if (!(s->source = strdup(value)))
        return BROOK_ERR_NOMEM;
    s->all = is_all(value);
    if (!s->all && each_item(value, collect_broker, &f) == 0 && !f.refs.failed) {
        sort_unique(&f.refs);
        s->partitions = malloc(sizeof *s->partitions * (f.refs.count ? f.refs.count : 1));
        for (size_t i = 0; s->partitions && i < f.refs.count; i++)
            s->partitions[i] = f.refs.items[i].partition;
        s->count = s->partitions ? f.refs.count : 0;
    }
    brook_err e = f.refs.failed || (!s->all && !s->partitions && f.refs.count) ? BROOK_ERR_NOMEM : BROOK_OK;
    free(f.refs.items);
    if (e)
        brook_throttled_set_clear(s); /* parsed again at the next change */
    return e;
}

static int id_order(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

int brook_throttled_set_has(const brook_throttled_set *s, int32_t partition)
{
    return s->all ||
           (s->count && bsearch(&partition, s->partitions, s->count, sizeof *s->partitions, id_order) != NULL);
}

void brook_throttled_set_clear(brook_throttled_set *s)
{
    free(s->source);
    free(s->partitions);
    *s = (brook_throttled_set){0};
}
