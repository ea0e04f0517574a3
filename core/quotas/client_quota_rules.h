/* Kafka's client quotas, as rules: a byte rate for producing and one for
 * fetching, set for a user (the authenticated principal's name), for a
 * client id, or for both, each for one name or as the default for any
 * name. A client's rate is the most specific rule that matches it, in
 * Kafka's order:
 *
 *   1 user and client id          5 default user, default client id
 *   2 user, default client id     6 default user
 *   3 user                        7 client id
 *   4 default user and client id  8 default client id
 *
 * and clients share a budget as the rule that matched groups them: a rule
 * for a user is shared by all its clients, a default one is each name's
 * own (each user under the default user rule has a budget of that rate).
 * Pure: the broker keeps the rules (in a cluster, in the metadata store)
 * and the budgets (replication_quota.h's buckets). */
#ifndef BROOK_CORE_CLIENT_QUOTA_RULES_H
#define BROOK_CORE_CLIENT_QUOTA_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

#include "strmap.h"

typedef enum brook_quota_kind {
    BROOK_QUOTA_PRODUCE = 0, /* producer_byte_rate */
    BROOK_QUOTA_FETCH = 1,   /* consumer_byte_rate */
    BROOK_QUOTA_KINDS = 2,
} brook_quota_kind;

/* One part of a rule's entity: absent, the default, or a name. */
typedef enum brook_quota_part_kind {
    BROOK_QUOTA_ABSENT = 0,
    BROOK_QUOTA_DEFAULT,
    BROOK_QUOTA_NAMED
} brook_quota_part_kind;

typedef struct brook_quota_part {
    brook_quota_part_kind kind;
    const char *name; /* BROOK_QUOTA_NAMED */
} brook_quota_part;

typedef struct brook_quota_entity {
    brook_quota_part user, client;
} brook_quota_entity;

/* The longest user or client id a rule names. */
#define BROOK_QUOTA_NAME_MAX 255

/* Kafka's quota key of a kind ("producer_byte_rate"), and the kind a key
 * names (-1: not one Brook applies). */
const char *brook_quota_key(brook_quota_kind kind);
int brook_quota_kind_of(const char *key);

/* Whether the entity may hold a rule: a user, a client id or both, named
 * or default, names of 1 to BROOK_QUOTA_NAME_MAX bytes. */
int brook_quota_entity_valid(const brook_quota_entity *e);

typedef struct brook_quota_rules {
    brook_strmap rules; /* entity key -> int64_t[BROOK_QUOTA_KINDS] (0: unset) */
} brook_quota_rules;

/* An entity's key (the store names its rules by it): each part "-"
 * (absent), "*" (default) or its name in hex, user then client id, "/"
 * between. `out` has room for BROOK_QUOTA_KEY_MAX. */
#define BROOK_QUOTA_KEY_MAX (2 * (2 * BROOK_QUOTA_NAME_MAX + 1) + 2)
void brook_quota_entity_key(const brook_quota_entity *e, char *out);
/* The entity a key names, its names copied into `names` (room for
 * 2 * (BROOK_QUOTA_NAME_MAX + 1)); -1 when it is not a key. */
int brook_quota_entity_parse(const char *key, brook_quota_entity *e, char *names);

/* Set a rule's rate (bytes/s; <= 0: remove it). */
brook_err brook_quota_rules_set(brook_quota_rules *r, const brook_quota_entity *e, brook_quota_kind kind, int64_t rate);
/* A rule's rate, 0 when unset. */
int64_t brook_quota_rules_get(const brook_quota_rules *r, const brook_quota_entity *e, brook_quota_kind kind);
int brook_quota_rules_empty(const brook_quota_rules *r);
void brook_quota_rules_clear(brook_quota_rules *r);

/* The rule a client matches for `kind`: its rate (0: none, unlimited) and
 * the budget it spends, named by `bucket` (room for BROOK_QUOTA_KEY_MAX):
 * the matched rule's entity with each default part replaced by the
 * client's own name. `user` is the principal's name (NULL or "": none,
 * which only default user rules match as the empty name, as Kafka's
 * ANONYMOUS would), `client` the client id (NULL: ""). */
int64_t brook_quota_rules_resolve(const brook_quota_rules *r, const char *user, const char *client,
                                  brook_quota_kind kind, char *bucket);

/* Every rule: each(arg, entity, rates) (rates[kind], 0: unset). */
void brook_quota_rules_each(const brook_quota_rules *r,
                            void (*each)(void *arg, const brook_quota_entity *e, const int64_t *rates), void *arg);

#endif
