/* The cluster's records in the metadata store, as JSON values:
 *   <ns>/topics/<name>       a topic: its id, partition count, replication
 *                            factor, the replica assignment placed at
 *                            creation (so a controller that takes over a
 *                            half-created topic can finish it) and the
 *                            configs the topic sets ("configs": {name: value},
 *                            absent when none)
 *   <ns>/partitions/<t>/<p>  a partition's state: leader, leader epoch,
 *                            replicas, in-sync replicas, partition epoch,
 *                            and while a reassignment runs (KIP-455) the
 *                            replicas it adds and removes ("adding",
 *                            "removing", absent when none)
 * (Kafka's TopicRecord and PartitionRecord, KIP-631.) Pure encoding and
 * decoding: no I/O. A record that does not decode is reported, never
 * half-applied. */
#ifndef BROOK_CORE_RECORDS_H
#define BROOK_CORE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

#include "topic_config.h"

#define BROOK_TOPIC_ID_LEN 32 /* 16 random bytes as hex */

typedef struct brook_topic_record {
    char id[BROOK_TOPIC_ID_LEN + 1];
    int32_t partitions;
    int32_t replication_factor;
    int32_t *assignment; /* partitions * replication_factor broker ids, each partition's preferred leader first */
    brook_topic_config configs; /* as written: a newer broker's names are kept, only known ones act */
} brook_topic_record;

typedef struct brook_partition_record {
    int32_t leader; /* -1: offline (no in-sync replica is live) */
    int32_t leader_epoch;
    int32_t partition_epoch; /* bumped by every change of leader or in-sync set */
    int32_t *replicas;
    int32_t replica_count;
    int32_t *isr;
    int32_t isr_count;
    /* A reassignment in progress (reassignment.h): `replicas` is its target
     * followed by the replicas it takes away (`removing`); `adding` are the
     * target's replicas the partition did not have. NULL and 0 when none. */
    int32_t *adding;
    int32_t adding_count;
    int32_t *removing;
    int32_t removing_count;
} brook_partition_record;

/* Encode as a NUL-terminated JSON text in *out (malloc'ed). */
brook_err brook_topic_record_encode(const brook_topic_record *t, char **out);
brook_err brook_partition_record_encode(const brook_partition_record *p, char **out);

/* Decode; BROOK_ERR_CORRUPT with a reason in `err` when the value is not a
 * well-formed record. Free with the matching _clear. */
brook_err brook_topic_record_decode(const uint8_t *value, size_t len, brook_topic_record *t, char *err, size_t errlen);
brook_err brook_partition_record_decode(const uint8_t *value, size_t len, brook_partition_record *p, char *err,
                                        size_t errlen);
void brook_topic_record_clear(brook_topic_record *t);
void brook_partition_record_clear(brook_partition_record *p);

/* A deep copy (dst is overwritten, not freed). */
brook_err brook_partition_record_copy(brook_partition_record *dst, const brook_partition_record *src);

/* Whether a reassignment is in progress. */
int brook_partition_record_reassigning(const brook_partition_record *p);

/* A malloc'd copy of ids[0..n) (never NULL for n = 0 but when memory ran out). */
int32_t *brook_ids_dup(const int32_t *ids, int32_t n);

/* Whether `id` is in ids[0..count). */
int brook_ids_contain(const int32_t *ids, int32_t count, int32_t id);

/* A fresh topic id (16 bytes from the system's random source, as hex). */
brook_err brook_topic_id_new(char id[BROOK_TOPIC_ID_LEN + 1]);

/* The store keys, in `out` (BROOK_ERR_TOO_LARGE when they do not fit). */
brook_err brook_topic_key(char *out, size_t outlen, const char *ns, const char *topic);
brook_err brook_partition_key(char *out, size_t outlen, const char *ns, const char *topic, int32_t partition);
/* The prefix of every partition key of a topic ("<ns>/partitions/<t>/"). */
brook_err brook_partition_prefix(char *out, size_t outlen, const char *ns, const char *topic);

/* Split a key under <ns>/ into its kind: 1 topic (*topic set), 2 partition
 * (*topic and *partition set), 0 anything else. `topic` has room for
 * BROOK_TOPIC_NAME_MAX + 1. */
int brook_record_key_parse(const char *key, const char *ns, char *topic, int32_t *partition);

#endif
