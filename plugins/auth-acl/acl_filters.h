/* A DeleteAcls's filters, ready to match rules against: those naming one
 * resource exactly (type, literal or prefixed, name) sorted by it, so each
 * rule meets only the few naming its own resource (a binary search) and
 * the filters that do not name one. Every rule against every filter was
 * rules x filters comparisons on the event loop, and a cluster's keeper
 * removes each rule it should not hold as a filter of its own. */
#ifndef BROOK_ACL_FILTERS_H
#define BROOK_ACL_FILTERS_H

#include <stddef.h>

#include <brook/auth.h>

struct acl_rule;
typedef struct acl_filters acl_filters;

/* Over filters[0..count) (which must outlive it); NULL without memory. */
acl_filters *acl_filters_new(const brook_acl *filters, size_t count);
void acl_filters_free(acl_filters *fs);

/* each(arg, i) for every filter i that matches `rule` (acl_rule_matches);
 * returns how many did. */
size_t acl_filters_match(const acl_filters *fs, const struct acl_rule *rule, void (*each)(void *arg, size_t filter),
                         void *arg);

#endif
