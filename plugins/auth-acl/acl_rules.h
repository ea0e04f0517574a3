/* Kafka-style ACLs: parsing an ACL file and deciding one request.
 *
 * File format, one rule per line ('#' starts a comment):
 *
 *   allow|deny  PRINCIPAL|*  HOST|*  OPERATION|ALL  topic|group|cluster  literal|prefixed  NAME|*
 *
 *   allow User:alice      *         WRITE     topic   literal   orders
 *   allow User:alice      *         READ      topic   prefixed  logs-
 *   deny  User:bob        10.0.0.7  ALL       topic   literal   *
 *   allow *               *         DESCRIBE  cluster literal   kafka-cluster
 *
 * Decision, as Kafka's authorizer makes it: super users may do everything;
 * otherwise a matching deny wins over any allow; a matching allow allows;
 * READ, WRITE, DELETE and ALTER allowed on a resource imply DESCRIBE on it;
 * with no matching rule the answer is `allow_if_no_acl`'s. */
#ifndef BROOK_ACL_RULES_H
#define BROOK_ACL_RULES_H

#include <stddef.h>

#include <brook/auth.h>

typedef struct acl_rule {
    int allow;         /* 0: deny */
    char *principal;   /* "*": anyone */
    char *host;        /* "*": anywhere */
    int operation;     /* brook_auth_operation, 0 = ALL */
    int resource_type; /* brook_resource_type */
    int prefixed;      /* name is a prefix */
    char *name;        /* "*": every resource of the type */
} acl_rule;

typedef struct acl_rules {
    acl_rule *rules;
    size_t count;
    struct acl_index *index; /* built by acl_rules_load (acl_index.h); NULL: decisions walk every rule */
} acl_rules;

/* The longest line the file may hold. */
#define ACL_LINE_MAX 2048

/* Parse one line (changed in place): 1 a rule, into `rule` (free it with
 * acl_rule_free), 0 blank or a comment, -1 malformed (why in `err`). */
int acl_rule_parse(char *line, acl_rule *rule, char *err, size_t errlen);
void acl_rule_free(acl_rule *rule);

/* Parse a file; on error *rules is untouched and `err` names file:line. */
int acl_rules_load(const char *path, acl_rules *rules, char *err, size_t errlen);
void acl_rules_free(acl_rules *rules);

/* The rule as the SDK states it; strings point into `rule`. */
void acl_rule_view(const acl_rule *rule, brook_acl *out);
/* The file's line for `acl` (checked by the core: known operation, type
 * and pattern), newline included; -1 when it would not fit a line. */
int acl_rule_format(const brook_acl *acl, char *line, size_t len);
/* Does `rule` match `filter` (BROOK_ACL_ANY / NULL fields match anything;
 * BROOK_ACL_MATCH: the rules that apply to the resource named)? */
int acl_rule_matches(const acl_rule *rule, const brook_acl *filter);

/* Whether the rules hold one that states exactly `acl` (through the index
 * when there is one). */
int acl_rules_has(const acl_rules *rules, const brook_acl *acl);

/* `host` is the peer's address without its port. */
brook_authz_result acl_decide(const acl_rules *rules, const char *const *super_users, size_t super_count,
                              int allow_if_no_acl, const char *principal, const char *host, brook_auth_operation op,
                              brook_resource_type type, const char *name);

#endif
