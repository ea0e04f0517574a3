/* The rules that can apply to one resource, found without walking every
 * rule: a decision asks about one resource type and name, and the rules
 * that name it are the literal ones of that name, the literal "*" ones
 * and the prefixed ones whose prefix starts the name. The index keys each
 * rule by (type, literal or prefixed, name) in a hash table, so a decision
 * costs a few probes (one per length of the name for the prefixes) instead
 * of a walk of every rule: with 10,000 rules that walk was on every
 * request's path. Built whenever the rules are loaded; read-only after. */
#ifndef BROOK_ACL_INDEX_H
#define BROOK_ACL_INDEX_H

#include <stddef.h>

struct acl_rule;
typedef struct acl_index acl_index;

/* An index of rules[0..count) (which must outlive it); NULL without memory. */
acl_index *acl_index_build(const struct acl_rule *rules, size_t count);
void acl_index_free(acl_index *x);

/* each(arg, rule) for every rule of resource type `type` whose name
 * covers `name` (and only those), until each returns non-zero, which is
 * returned; 0 when all were seen. */
int acl_index_each(const acl_index *x, int type, const char *name, int (*each)(void *arg, const struct acl_rule *rule),
                   void *arg);

/* The same for the rules of exactly that key: resource type, pattern
 * (prefixed or literal) and name; what telling a new rule from a known one
 * needs. */
int acl_index_each_keyed(const acl_index *x, int type, int prefixed, const char *name,
                         int (*each)(void *arg, const struct acl_rule *rule), void *arg);

#endif
