/* A topic's own settings: Kafka's topic configs, by Kafka's names
 * (`min.insync.replicas`, `unclean.leader.election.enable`, ...), and
 * Brook's (`brook.storage`, `brook.replication`: which of the configured
 * storage instances and strategies it runs on), each one a topic sets
 * overriding the broker's setting for that topic. Kept with
 * the topic: in the topic registry on a single broker, in the topic's
 * record in a cluster (records.h), where every broker reads it.
 *
 * Every name and value is checked against the table of known configs
 * (topic_config.c) before it is kept: an unknown name, a value of the
 * wrong kind, or a Kafka config Brook does not apply per topic yet is
 * refused with a message naming the key. Values are kept as the client
 * gave them once checked (Kafka's own form: "2", "true"). */
#ifndef BROOK_CORE_TOPIC_CONFIG_H
#define BROOK_CORE_TOPIC_CONFIG_H

#include <stddef.h>

#include <brook/errors.h>

typedef struct brook_topic_setting {
    char *name;
    char *value;
} brook_topic_setting;

typedef struct brook_topic_config {
    brook_topic_setting *items; /* sorted by name, no name twice */
    size_t count;
} brook_topic_config;

/* Whether a topic may set `name` to `value`: BROOK_OK, or BROOK_ERR_INVALID
 * with a message that names the key in `err`. */
brook_err brook_topic_config_check(const char *name, const char *value, char *err, size_t errlen);

/* Whether the topic's storage applies `name` (retention.ms, segment.bytes,
 * ...: brook_storage_ops.topic_setting), so a topic may set it only on a
 * storage that takes it. */
int brook_topic_config_by_storage(const char *name);

/* The i-th of those (from 0), NULL past the last: a storage plugin's option
 * of the same name with '_' for '.' is the default a topic overrides. */
const char *brook_topic_config_storage_name(size_t i);

/* Whether `name` takes a comma-separated list (cleanup.policy, the
 * throttled replicas), and such a list's value after IncrementalAlterConfigs'
 * APPEND (items added, none twice) or SUBTRACT (items removed) of the
 * comma-separated `items` to `current` (NULL: empty): *out, malloc'd,
 * checked as a value of `name` (an emptied cleanup.policy is refused), with
 * the key named in `err`. */
int brook_topic_config_is_list(const char *name);
brook_err brook_topic_config_list_edit(const char *name, const char *current, const char *items, int append, char **out,
                                       char *err, size_t errlen);

/* Whether `name` is set at creation only (brook.storage, brook.replication),
 * and whether AlterConfigs may change it (a known config, not fixed). */
int brook_topic_config_fixed(const char *name);
int brook_topic_config_alterable(const char *name);

/* Set (or replace) `name`, after brook_topic_config_check; a NULL value
 * removes it (the broker's setting applies again). */
brook_err brook_topic_config_set(brook_topic_config *c, const char *name, const char *value);

/* The topic's value of `name`, NULL when it does not set it. */
const char *brook_topic_config_get(const brook_topic_config *c, const char *name);

/* A boolean config: the topic's value, else `otherwise`. */
int brook_topic_config_flag(const brook_topic_config *c, const char *name, int otherwise);

/* A deep copy into `dst` (cleared first); on failure `dst` is left empty. */
brook_err brook_topic_config_copy(brook_topic_config *dst, const brook_topic_config *src);
int brook_topic_config_equal(const brook_topic_config *a, const brook_topic_config *b);
void brook_topic_config_clear(brook_topic_config *c);

#endif
