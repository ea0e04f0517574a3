/* Kafka's `leader.replication.throttled.replicas` and
 * `follower.replication.throttled.replicas` topic configs: the replicas of
 * a topic a broker's replication throttle holds back while they are out of
 * sync (quota.h). A value is "*" (every replica of the topic), or a
 * comma-separated list of "P:B" items, partition P on broker B (spaces
 * around an item allowed, as Kafka's), or empty (none). A broker reads the
 * items that name it: those partitions it throttles, as their leader
 * serving an out-of-sync follower or as that follower fetching. */
#ifndef BROOK_CORE_THROTTLED_REPLICAS_H
#define BROOK_CORE_THROTTLED_REPLICAS_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

/* The longest value kept: 30,000 items of a topic record etcd takes whole. */
#define BROOK_THROTTLED_REPLICAS_MAX_LEN (256 * 1024)

/* Whether `value` is such a list (within the length above). */
int brook_throttled_replicas_valid(const char *value);

/* The value after IncrementalAlterConfigs' APPEND (`append`) or SUBTRACT
 * of the valid list `items` to or from the valid list `current` (NULL:
 * empty): items in partition then broker order, none twice; "*" stays "*"
 * unless subtracted itself. *out is malloc'd (the caller frees it).
 * BROOK_ERR_INVALID when the result would be too long. */
brook_err brook_throttled_replicas_edit(const char *current, const char *items, int append, char **out);

/* The partitions one broker reads from a value, kept with the topic: it is
 * parsed again only when the value changes, so each of a topic's
 * partitions asks it in O(log n) however long the list. */
typedef struct brook_throttled_set {
    char *source;        /* the value parsed (NULL: none) */
    int all;             /* "*" */
    int32_t *partitions; /* sorted, none twice */
    size_t count;
} brook_throttled_set;

/* Parse `value` (NULL: none) for `broker` unless it is what `s` holds. */
brook_err brook_throttled_set_update(brook_throttled_set *s, const char *value, int32_t broker);
int brook_throttled_set_has(const brook_throttled_set *s, int32_t partition);
void brook_throttled_set_clear(brook_throttled_set *s);

#endif
