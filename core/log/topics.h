/* The topic registry: which topics exist, how many partitions each has,
 * (in a cluster) the topic's id, and the configs the topic sets
 * (topic_config.h), persisted in <data_dir>/topics so topics survive a
 * restart. Written
 * atomically (temp file, fsync, rename, fsync of the directory). */
#ifndef BROOK_CORE_TOPICS_H
#define BROOK_CORE_TOPICS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>
#include <brook/types.h>

#include "throttled_replicas.h"
#include "topic_config.h"

typedef struct brook_partition brook_partition;

#define BROOK_TOPIC_ID_MAX 64

typedef struct brook_topic {
    char name[BROOK_TOPIC_NAME_MAX + 1];
    char id[BROOK_TOPIC_ID_MAX + 1]; /* a cluster's id of the topic ("": none, a single broker's) */
    int32_t partition_count;
    brook_topic_config config; /* what the topic sets itself */
    /* the partitions this broker throttles as their leader / as a follower
     * (the throttled-replicas configs read for this broker), kept in step
     * with `config` by brook_partition_apply_settings */
    brook_throttled_set throttled_as_leader, throttled_as_follower;
    brook_partition **partitions; /* filled by the broker when it opens them */
} brook_topic;

typedef struct brook_topics {
    char path[PATH_MAX];
    brook_topic **items; /* sorted by name */
    size_t count;
    size_t cap;
} brook_topics;

/* Kafka's rules: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
int brook_topic_name_valid(const char *name);

/* Names clients may not create or write: __consumer_offsets (a single
 * broker's internal committed-offsets log, a cluster's internal topic). */
int brook_topic_name_reserved(const char *name);

/* Read <data_dir>/topics (absent = no topics). Errors name file:line. */
brook_err brook_topics_load(brook_topics *t, const char *data_dir, char *err, size_t errlen);
void brook_topics_free(brook_topics *t);

brook_topic *brook_topics_find(const brook_topics *t, const char *name);
/* Partition `index` of topic `name` as this broker holds it, or NULL (no
 * such topic, index out of its range, or not open here). */
brook_partition *brook_topics_partition(const brook_topics *t, const char *name, int32_t index);

/* Add or remove a topic and persist the registry before returning. */
brook_err brook_topics_add(brook_topics *t, const char *name, int32_t partitions, brook_topic **out);
brook_err brook_topics_remove(brook_topics *t, const char *name);

/* The same in memory only, for changes made in a batch and then saved
 * once (each save is a write and two fsyncs). */
brook_err brook_topics_insert(brook_topics *t, const char *name, int32_t partitions, brook_topic **out);
brook_err brook_topics_drop(brook_topics *t, const char *name);
brook_err brook_topics_save(const brook_topics *t);

#endif
