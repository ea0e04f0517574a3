/* Brook SDK: the protocol-neutral requests a codec decodes into and the core
 * answers. One struct per operation; each holds the request's inputs and,
 * marked "out", the fields the core fills before the codec encodes the
 * response. Shapes follow Kafka (topics -> partitions) because that is the
 * richest protocol Brook speaks; a simpler protocol uses one of each.
 *
 * Memory: everything a codec decodes lives in the request's arena
 * (`brook_request_alloc`) or points into the request's own frame, both valid
 * until the core frees the request after its response is written. */
#ifndef BROOK_REQUEST_H
#define BROOK_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "group_request.h"
#include "sasl_request.h"
#include "types.h"

typedef enum brook_request_type {
    BROOK_REQ_INVALID = 0,  /* decode failed in a way the protocol can answer: see error */
    BROOK_REQ_LOCAL = 1,    /* answered by the codec alone (e.g. ApiVersions); kept for ordering */
    BROOK_REQ_METADATA = 2, /* list or describe topics */
    BROOK_REQ_CREATE_TOPICS = 3,
    BROOK_REQ_DELETE_TOPICS = 4,
    BROOK_REQ_PRODUCE = 5,
    BROOK_REQ_FETCH = 6,
    BROOK_REQ_LIST_OFFSETS = 7,
    BROOK_REQ_INIT_PRODUCER_ID = 8, /* a producer id and epoch for idempotent produce */
    BROOK_REQ_DESCRIBE_CONFIGS = 9,
    /* consumer groups (group_request.h) */
    BROOK_REQ_FIND_COORDINATOR = 10,
    BROOK_REQ_JOIN_GROUP = 11,
    BROOK_REQ_SYNC_GROUP = 12,
    BROOK_REQ_HEARTBEAT = 13,
    BROOK_REQ_LEAVE_GROUP = 14,
    BROOK_REQ_OFFSET_COMMIT = 15,
    BROOK_REQ_OFFSET_FETCH = 16,
    BROOK_REQ_OFFSET_DELETE = 17,
    BROOK_REQ_LIST_GROUPS = 18,
    BROOK_REQ_DESCRIBE_GROUPS = 19,
    BROOK_REQ_DELETE_GROUPS = 20,
    /* authentication (sasl_request.h) */
    BROOK_REQ_SASL_HANDSHAKE = 21,
    BROOK_REQ_SASL_AUTHENTICATE = 22,
} brook_request_type;

/* brook_request.flags */
#define BROOK_REQ_F_NO_RESPONSE 0x1u /* complete silently (Kafka acks=0) */

/* ---- metadata ------------------------------------------------------- */
typedef struct brook_partition_meta {
    int32_t partition;
    int32_t leader; /* broker id, -1 when none */
    int32_t leader_epoch;
    const int32_t *replicas;
    int32_t replica_count;
    const int32_t *isr;
    int32_t isr_count;
    brook_err error;
} brook_partition_meta;

typedef struct brook_topic_meta {
    const char *name;                 /* in: the name asked for */
    brook_err error;                  /* out */
    int internal;                     /* out */
    brook_partition_meta *partitions; /* out */
    int32_t partition_count;          /* out */
} brook_topic_meta;

typedef struct brook_broker_meta {
    int32_t id;
    const char *host;
    int32_t port;
} brook_broker_meta;

typedef struct brook_metadata_req {
    int all_topics;           /* in: ignore `topics`, describe every topic */
    int allow_auto_create;    /* in: create missing topics if topics.auto_create */
    brook_topic_meta *topics; /* in (names) and out (the rest); replaced when all_topics */
    size_t topic_count;
    brook_broker_meta *brokers; /* out */
    size_t broker_count;        /* out */
    int32_t controller_id;      /* out */
    const char *cluster_id;     /* out */
} brook_metadata_req;

/* ---- create / delete topics ----------------------------------------- */
typedef struct brook_topic_create {
    const char *name;
    int32_t partitions;         /* -1: topics.default_partitions */
    int16_t replication_factor; /* -1: default */
    brook_err error;            /* out; a codec may preset it to refuse the topic */
    const char *error_message;  /* out, may be NULL */
} brook_topic_create;

typedef struct brook_create_topics_req {
    brook_topic_create *topics;
    size_t topic_count;
    int validate_only;
} brook_create_topics_req;

typedef struct brook_topic_delete {
    const char *name;
    brook_err error; /* out */
} brook_topic_delete;

typedef struct brook_delete_topics_req {
    brook_topic_delete *topics;
    size_t topic_count;
} brook_delete_topics_req;

/* ---- produce -------------------------------------------------------- */
typedef struct brook_produce_partition {
    int32_t partition;
    /* RecordBatch v2 bytes as received. Must lie in the request's frame or
     * arena: the core rewrites each baseOffset in place when it assigns
     * offsets (nothing else changes; the CRC stays valid). */
    const uint8_t *records;
    size_t records_len;
    brook_err error;           /* out */
    const char *error_message; /* out, may be NULL */
    int64_t base_offset;       /* out */
    int64_t log_start_offset;  /* out */
    int64_t log_append_time;   /* out: -1 (CreateTime topics) */
} brook_produce_partition;

typedef struct brook_produce_topic {
    const char *name;
    brook_produce_partition *partitions;
    size_t partition_count;
} brook_produce_topic;

typedef struct brook_produce_req {
    int16_t acks; /* 0, 1 or -1 (all) */
    brook_produce_topic *topics;
    size_t topic_count;
} brook_produce_req;

/* ---- fetch ---------------------------------------------------------- */
typedef struct brook_fetch_partition {
    int32_t partition;
    int64_t fetch_offset;
    int32_t max_bytes;
    brook_err error;          /* out */
    int64_t high_watermark;   /* out */
    int64_t log_start_offset; /* out */
    brook_slice *slices;      /* out: whole batches, in offset order */
    size_t slice_count;       /* out */
    size_t bytes;             /* out: sum of slice lengths */
} brook_fetch_partition;

typedef struct brook_fetch_topic {
    const char *name;
    brook_fetch_partition *partitions;
    size_t partition_count;
} brook_fetch_topic;

typedef struct brook_fetch_req {
    int32_t max_wait_ms; /* long poll: hold until min_bytes or this */
    int32_t min_bytes;
    int32_t max_bytes; /* over the whole response (first batch always whole) */
    brook_fetch_topic *topics;
    size_t topic_count;
} brook_fetch_req;

/* ---- list offsets --------------------------------------------------- */
typedef struct brook_list_offsets_partition {
    int32_t partition;
    int64_t timestamp;       /* BROOK_OFFSET_LATEST, BROOK_OFFSET_EARLIEST or a time in ms */
    brook_err error;         /* out */
    int64_t offset;          /* out */
    int64_t found_timestamp; /* out: -1 unless looked up by time */
} brook_list_offsets_partition;

typedef struct brook_list_offsets_topic {
    const char *name;
    brook_list_offsets_partition *partitions;
    size_t partition_count;
} brook_list_offsets_topic;

typedef struct brook_list_offsets_req {
    brook_list_offsets_topic *topics;
    size_t topic_count;
} brook_list_offsets_req;

/* ---- producer ids ---------------------------------------------------- */
typedef struct brook_init_producer_id_req {
    const char *transactional_id; /* NULL: idempotent only (transactions are not supported yet) */
    int32_t transaction_timeout_ms;
    int64_t producer_id;    /* out */
    int16_t producer_epoch; /* out */
    brook_err error;        /* out */
} brook_init_producer_id_req;

/* ---- describe configs -------------------------------------------------- */
typedef enum brook_config_resource_type {
    BROOK_CONFIG_TOPIC = 1,
    BROOK_CONFIG_BROKER = 2,
} brook_config_resource_type;

typedef struct brook_config_entry {
    const char *name;
    const char *value; /* NULL: sensitive or unset */
    int read_only;
    int is_default;
    int sensitive;
} brook_config_entry;

typedef struct brook_config_resource {
    brook_config_resource_type type; /* 0: a type the codec could not map (error UNSUPPORTED) */
    const char *name;
    const char *const *keys; /* NULL: every config */
    size_t key_count;
    brook_err error;             /* out */
    const char *error_message;   /* out */
    brook_config_entry *entries; /* out */
    size_t entry_count;          /* out */
} brook_config_resource;

typedef struct brook_describe_configs_req {
    brook_config_resource *resources;
    size_t resource_count;
} brook_describe_configs_req;

/* ---- the request ---------------------------------------------------- */
typedef struct brook_request brook_request;

struct brook_request {
    brook_request_type type; /* set by decode */
    uint32_t flags;          /* BROOK_REQ_F_* set by decode */
    int32_t timeout_ms;      /* set by decode: how long the core may hold it; 0 = broker default */

    /* A request-level failure. Set by decode with BROOK_REQ_INVALID to have
     * the codec answer an error; set by the core when the whole request
     * fails (timeout, shutdown). error_message is a static or arena string. */
    brook_err error;
    const char *error_message;

    void *codec_data;      /* the codec's per-request state (correlation id, version) */
    const char *principal; /* set by the core: who sent it */

    union {
        brook_metadata_req metadata;
        brook_create_topics_req create_topics;
        brook_delete_topics_req delete_topics;
        brook_produce_req produce;
        brook_fetch_req fetch;
        brook_list_offsets_req list_offsets;
        brook_init_producer_id_req init_producer_id;
        brook_describe_configs_req describe_configs;
        brook_find_coordinator_req find_coordinator;
        brook_join_group_req join_group;
        brook_sync_group_req sync_group;
        brook_heartbeat_req heartbeat;
        brook_leave_group_req leave_group;
        brook_offset_commit_req offset_commit;
        brook_offset_fetch_req offset_fetch;
        brook_offset_delete_req offset_delete;
        brook_list_groups_req list_groups;
        brook_describe_groups_req describe_groups;
        brook_delete_groups_req delete_groups;
        brook_sasl_handshake_req sasl_handshake;
        brook_sasl_authenticate_req sasl_authenticate;
    } u;

    /* Zeroed memory that lives as long as the request; NULL when out of memory. */
    void *(*alloc)(brook_request *req, size_t size);
    void *core_private; /* the core's; do not touch */
};

static inline void *brook_request_alloc(brook_request *req, size_t size)
{
    return req->alloc(req, size);
}

#endif
