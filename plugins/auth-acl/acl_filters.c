#include "acl_filters.h"

#include <stdlib.h>
#include <string.h>

#include "acl_rules.h"

struct acl_filters {
    const brook_acl *filters;
    const brook_acl **keyed; /* naming one resource, by type, pattern and name */
    size_t n_keyed;
    const brook_acl **others;
    size_t n_others;
};

static int names_one_resource(const brook_acl *f)
{
    return f->resource_type != BROOK_ACL_ANY && f->resource_name &&
           (f->pattern == BROOK_ACL_LITERAL || f->pattern == BROOK_ACL_PREFIXED);
}

static int compare_resource(const brook_acl *x, const brook_acl *y)
{
    if (x->resource_type != y->resource_type)
        return x->resource_type < y->resource_type ? -1 : 1;
    if (x->pattern != y->pattern)
        return x->pattern < y->pattern ? -1 : 1;
    return strcmp(x->resource_name, y->resource_name);
}

static int by_resource(const void *a, const void *b)
{
    return compare_resource(*(const brook_acl *const *)a, *(const brook_acl *const *)b);
}

acl_filters *acl_filters_new(const brook_acl *filters, size_t count)
{
    acl_filters *fs = calloc(1, sizeof *fs);
    if (!fs || !(fs->keyed = malloc((count ? count : 1) * sizeof *fs->keyed)) ||
        !(fs->others = malloc((count ? count : 1) * sizeof *fs->others))) {
        acl_filters_free(fs);
        return NULL;
    }
    fs->filters = filters;
    for (size_t i = 0; i < count; i++) {
        if (names_one_resource(&filters[i]))
            fs->keyed[fs->n_keyed++] = &filters[i];
        else
            fs->others[fs->n_others++] = &filters[i];
    }
    qsort(fs->keyed, fs->n_keyed, sizeof *fs->keyed, by_resource);
    return fs;
}

void acl_filters_free(acl_filters *fs)
{
    if (!fs)
        return;
    free(fs->keyed);
    free(fs->others);
    free(fs);
}

/* The first keyed filter at or after `key`. */
static size_t lower_bound(const acl_filters *fs, const brook_acl *key)
{
    size_t lo = 0, hi = fs->n_keyed;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (compare_resource(fs->keyed[mid], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t acl_filters_match(const acl_filters *fs, const acl_rule *rule, void (*each)(void *arg, size_t filter), void *arg)
{
    brook_acl key = {.resource_type = rule->resource_type,
                     .pattern = rule->prefixed ? BROOK_ACL_PREFIXED : BROOK_ACL_LITERAL,
                     .resource_name = rule->name};
    size_t matched = 0;
    for (size_t k = lower_bound(fs, &key); k < fs->n_keyed && compare_resource(fs->keyed[k], &key) == 0; k++) {
        if (acl_rule_matches(rule, fs->keyed[k])) {
            each(arg, (size_t)(fs->keyed[k] - fs->filters));
            matched++;
        }
    }
    for (size_t k = 0; k < fs->n_others; k++) {
        if (acl_rule_matches(rule, fs->others[k])) {
            each(arg, (size_t)(fs->others[k] - fs->filters));
            matched++;
        }
    }
    return matched;
}
