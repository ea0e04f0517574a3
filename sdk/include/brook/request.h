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

#include "acl_request.h"
#include "errors.h"
#include "group_request.h"
#include "sasl_request.h"
#include "types.h"
#include "user_request.h"

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
    /* since 2.1 */
    BROOK_REQ_OFFSET_FOR_LEADER_EPOCH = 23, /* where a leader epoch ends (KIP-101/279/320) */
    BROOK_REQ_ALTER_CONFIGS = 24,           /* change a topic's configs */
    BROOK_REQ_CREATE_PARTITIONS = 25,       /* grow a topic */
    BROOK_REQ_DELETE_RECORDS = 26,          /* move partitions' log start forward */
    /* since 2.3: ACLs (acl_request.h) */
    BROOK_REQ_DESCRIBE_ACLS = 27,
    BROOK_REQ_CREATE_ACLS = 28,
    BROOK_REQ_DELETE_ACLS = 29,
    BROOK_REQ_DESCRIBE_LOG_DIRS = 30,      /* since 2.3: this broker's replicas and their sizes */
    BROOK_REQ_DESCRIBE_PRODUCERS = 31,     /* since 2.3: the idempotent producers a partition tracks */
    BROOK_REQ_DESCRIBE_USER_SCRAM = 32,    /* since 2.3: users' SCRAM credentials (user_request.h) */
    BROOK_REQ_ALTER_USER_SCRAM = 33,       /* since 2.3 */
    BROOK_REQ_ELECT_LEADERS = 34,          /* since 2.10: a preferred or unclean leader election on request */
    BROOK_REQ_ALTER_REASSIGNMENTS = 35,    /* since 2.11: move partitions' replicas, or cancel a move */
    BROOK_REQ_LIST_REASSIGNMENTS = 36,     /* since 2.11: the moves in progress */
    BROOK_REQ_DESCRIBE_CLIENT_QUOTAS = 37, /* since 2.13: the client quota rules a filter matches */
    BROOK_REQ_ALTER_CLIENT_QUOTAS = 38,    /* since 2.13: client quota rules set or removed */
    BROOK_REQ_WRITE_TXN_MARKERS = 39,      /* since 2.14: end producers' transactions in partitions' logs */
    /* since 2.14: a transaction coordinator's (KIP-98; find it with
     * BROOK_REQ_FIND_COORDINATOR, key type 1) */
    BROOK_REQ_ADD_PARTITIONS_TO_TXN = 40,
    BROOK_REQ_ADD_OFFSETS_TO_TXN = 41,
    BROOK_REQ_END_TXN = 42,
    BROOK_REQ_TXN_OFFSET_COMMIT = 43, /* to the group's coordinator */
    /* since 2.15: the transactions coordinators hold (KIP-664) */
    BROOK_REQ_LIST_TRANSACTIONS = 44,     /* the ids this broker coordinates, filtered */
    BROOK_REQ_DESCRIBE_TRANSACTIONS = 45, /* named ids' transactions, at their coordinator */
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
    /* since 2.11, in what was reserved room: a reassignment in progress
     * (the replicas it adds and removes; NULL and 0 when none, and from an
     * older core) */
    const int32_t *adding;
    const int32_t *removing;
    int32_t adding_count;
    int32_t removing_count;
    uint64_t reserved[1];
} brook_partition_meta;
BROOK_ABI_PIN_SIZE(brook_partition_meta, 80);

typedef struct brook_topic_meta {
    const char *name;                 /* in: the name asked for */
    brook_err error;                  /* out */
    int internal;                     /* out */
    brook_partition_meta *partitions; /* out */
    int32_t partition_count;          /* out */
    uint32_t authorized_ops;          /* out since 2.3 (in what was padding), when asked: BROOK_OP_BIT of each */
    uint64_t reserved[2];
} brook_topic_meta;
BROOK_ABI_PIN_SIZE(brook_topic_meta, 48);

typedef struct brook_broker_meta {
    int32_t id;
    const char *host;
    int32_t port;
    const char *rack; /* NULL: none */
    uint64_t reserved[2];
} brook_broker_meta;
BROOK_ABI_PIN_SIZE(brook_broker_meta, 48);

typedef struct brook_metadata_req {
    int all_topics;           /* in: ignore `topics`, describe every topic */
    int allow_auto_create;    /* in: create missing topics if topics.auto_create */
    brook_topic_meta *topics; /* in (names) and out (the rest); replaced when all_topics */
    size_t topic_count;
    brook_broker_meta *brokers; /* out */
    size_t broker_count;        /* out */
    int32_t controller_id;      /* out */
    const char *cluster_id;     /* out */
    /* since 2.3: fill the topics' and the cluster's authorized_ops */
    int include_authorized_ops;      /* in */
    uint32_t cluster_authorized_ops; /* out: BROOK_OP_BIT of each operation allowed on the cluster */
} brook_metadata_req;

/* ---- create / delete topics ----------------------------------------- */
/* A setting a client asks for by name (since 2.1): a topic's configs at
 * creation, named as Kafka names them (docs/configuration.md lists what a
 * topic may set). */
typedef struct brook_config_pair {
    const char *name;
    const char *value; /* NULL: the default (Kafka's null value) */
    uint64_t reserved[2];
} brook_config_pair;
BROOK_ABI_PIN_SIZE(brook_config_pair, 32);

typedef struct brook_topic_create {
    const char *name;
    int32_t partitions;               /* -1: topics.default_partitions */
    int16_t replication_factor;       /* -1: default */
    brook_err error;                  /* out; a codec may preset it to refuse the topic */
    const char *error_message;        /* out, may be NULL */
    const brook_config_pair *configs; /* since 2.1: the topic's own settings; NULL with 0: none */
    size_t config_count;
    uint64_t reserved[2];
} brook_topic_create;
BROOK_ABI_PIN_SIZE(brook_topic_create, 64);

typedef struct brook_create_topics_req {
    brook_topic_create *topics;
    size_t topic_count;
    int validate_only;
} brook_create_topics_req;

typedef struct brook_topic_delete {
    const char *name;
    brook_err error; /* out */
    uint64_t reserved[2];
} brook_topic_delete;
BROOK_ABI_PIN_SIZE(brook_topic_delete, 32);

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
    uint64_t reserved[4];
} brook_produce_partition;
BROOK_ABI_PIN_SIZE(brook_produce_partition, 96);

typedef struct brook_produce_topic {
    const char *name;
    brook_produce_partition *partitions;
    size_t partition_count;
    uint64_t reserved[2];
} brook_produce_topic;
BROOK_ABI_PIN_SIZE(brook_produce_topic, 40);

typedef struct brook_produce_req {
    int16_t acks; /* 0, 1 or -1 (all) */
    brook_produce_topic *topics;
    size_t topic_count;
    /* since 2.15: the producer's transactional id (Kafka's Produce v3+
     * TransactionalId), which a request carrying transactional batches
     * must name; NULL: none (and from a 2.14 codec) */
    const char *transactional_id;
} brook_produce_req;

/* ---- fetch ---------------------------------------------------------- */
/* Which records a consumer's fetch may see (since 2.14): everything below
 * the high watermark, or only below the last stable offset (no record of
 * a transaction still open), with the aborted transactions the records
 * hold listed so the consumer can drop theirs (Kafka's isolation levels). */
typedef enum brook_isolation {
    BROOK_READ_UNCOMMITTED = 0,
    BROOK_READ_COMMITTED = 1,
} brook_isolation;

/* An aborted transaction a read_committed fetch returns records of (since
 * 2.14): the consumer drops that producer's transactional records from
 * `first_offset` on until it reads the transaction's ABORT marker. */
typedef struct brook_aborted_txn {
    int64_t producer_id;
    int64_t first_offset;
} brook_aborted_txn;
BROOK_ABI_PIN_SIZE(brook_aborted_txn, 16);

typedef struct brook_fetch_partition {
    int32_t partition;
    int32_t max_bytes;
    int64_t fetch_offset;
    /* Leader epochs as the fetcher knows them (KIP-320), -1 when the
     * protocol does not carry them: the leader fences a fetcher whose
     * current epoch is stale, and answers a follower whose last fetched
     * epoch ended earlier with where the logs diverge. */
    int32_t current_leader_epoch;
    int32_t last_fetched_epoch;
    brook_err error;              /* out */
    int32_t diverging_epoch;      /* out: -1, or the epoch whose end the follower must truncate to */
    int64_t diverging_end_offset; /* out: that epoch's end offset (-1 with no divergence) */
    int64_t high_watermark;       /* out */
    int64_t log_start_offset;     /* out */
    brook_slice *slices;          /* out: whole batches, in offset order */
    size_t slice_count;           /* out */
    size_t bytes;                 /* out: sum of slice lengths */
    /* In, since 2.6 (in what was reserved room): a follower's own log
     * start (Kafka's Fetch v5+ LogStartOffset; the native replica_fetch's
     * "log_start_offset"). The leader answers DeleteRecords only once every
     * live replica's start passed the offset. 0 from an older codec, which
     * counts as a log that still starts at 0: such a DeleteRecords waits. */
    int64_t replica_log_start_offset;
    /* Out, since 2.14 (in what was reserved room): the last stable offset
     * (below it no transaction is open), and for a read_committed fetch
     * the aborted transactions its records hold, oldest first (NULL, 0:
     * none). */
    int64_t last_stable_offset;
    const brook_aborted_txn *aborted;
    size_t aborted_count;
} brook_fetch_partition;
BROOK_ABI_PIN_SIZE(brook_fetch_partition, 112);

typedef struct brook_fetch_topic {
    const char *name;
    brook_fetch_partition *partitions;
    size_t partition_count;
    /* Out, since 2.16 (in what was reserved room): per partition, the
     * replica the client should fetch it from instead of this leader, -1
     * for none (Kafka's PreferredReadReplica, KIP-392; that partition then
     * carries no records); NULL: none for any. */
    const int32_t *preferred_read_replicas;
    uint64_t reserved[1];
} brook_fetch_topic;
BROOK_ABI_PIN_SIZE(brook_fetch_topic, 40);

typedef struct brook_fetch_req {
    int32_t max_wait_ms; /* long poll: hold until min_bytes or this */
    int32_t min_bytes;
    int32_t max_bytes;  /* over the whole response (first batch always whole) */
    int32_t replica_id; /* a follower broker's id; -1 for consumers (and protocols without replicas) */
    brook_fetch_topic *topics;
    size_t topic_count;
    brook_isolation isolation; /* since 2.14: 0 (read uncommitted) from an older codec */
    /* Since 2.16: a consumer's rack (Kafka's Fetch v11+ RackId; "" when it
     * names none): such a consumer may fetch from a follower, and a leader
     * may name one in its rack (preferred_read_replicas). NULL: a protocol
     * without it (and an older codec): the leader serves every read. */
    const char *rack_id;
} brook_fetch_req;

/* ---- list offsets --------------------------------------------------- */
typedef struct brook_list_offsets_partition {
    int32_t partition;
    int32_t current_leader_epoch; /* -1: not carried by the protocol (else stale ones are fenced) */
    int64_t timestamp;            /* BROOK_OFFSET_LATEST, BROOK_OFFSET_EARLIEST or a time in ms */
    brook_err error;              /* out */
    int32_t leader_epoch;         /* out: the epoch of the batch holding `offset`, -1 unknown */
    int64_t offset;               /* out */
    int64_t found_timestamp;      /* out: -1 unless looked up by time */
    uint64_t reserved[2];
} brook_list_offsets_partition;
BROOK_ABI_PIN_SIZE(brook_list_offsets_partition, 56);

typedef struct brook_list_offsets_topic {
    const char *name;
    brook_list_offsets_partition *partitions;
    size_t partition_count;
    uint64_t reserved[2];
} brook_list_offsets_topic;
BROOK_ABI_PIN_SIZE(brook_list_offsets_topic, 40);

typedef struct brook_list_offsets_req {
    brook_list_offsets_topic *topics;
    size_t topic_count;
    /* since 2.14: read committed's LATEST is the last stable offset */
    brook_isolation isolation;
} brook_list_offsets_req;

/* ---- offset for leader epoch (since 2.1) ------------------------------- */
/* Where a leader epoch ends in the leader's log: a consumer or replica that
 * saw records of `leader_epoch` learns whether the log it read still holds
 * them (Kafka's OffsetForLeaderEpoch; a consumer whose position lies past
 * `end_offset` saw records that were truncated away). */
typedef struct brook_epoch_end_partition {
    int32_t partition;
    int32_t current_leader_epoch; /* -1: not carried by the protocol (else stale ones are fenced) */
    int32_t leader_epoch;         /* the epoch to look up */
    brook_err error;              /* out */
    int32_t end_epoch;            /* out: the largest epoch <= leader_epoch in the log; -1 none */
    int64_t end_offset;           /* out: where end_epoch ends (the next epoch's start or the log end); -1 none */
    uint64_t reserved[2];
} brook_epoch_end_partition;
BROOK_ABI_PIN_SIZE(brook_epoch_end_partition, 48);

typedef struct brook_epoch_end_topic {
    const char *name;
    brook_epoch_end_partition *partitions;
    size_t partition_count;
    uint64_t reserved[2];
} brook_epoch_end_topic;
BROOK_ABI_PIN_SIZE(brook_epoch_end_topic, 40);

typedef struct brook_offset_for_leader_epoch_req {
    int32_t replica_id; /* a follower broker's id; -1 for consumers */
    brook_epoch_end_topic *topics;
    size_t topic_count;
} brook_offset_for_leader_epoch_req;

/* ---- producer ids ---------------------------------------------------- */
typedef struct brook_init_producer_id_req {
    const char *transactional_id; /* NULL: idempotent only */
    int32_t transaction_timeout_ms;
    int64_t producer_id;    /* out */
    int16_t producer_epoch; /* out */
    brook_err error;        /* out */
    /* since 2.14: the producer id and epoch the client has (Kafka's
     * InitProducerId v3+, KIP-360: bump my epoch); -1 with an older codec
     * or a first call */
    int64_t current_producer_id;
    int16_t current_producer_epoch;
} brook_init_producer_id_req;

/* ---- describe configs -------------------------------------------------- */
/* A BROKER resource's name is a broker id, or "" for the cluster's
 * default (Kafka's); since 2.12 a cluster changes its dynamic configs
 * (the replication throttle rates) through AlterConfigs. */
typedef enum brook_config_resource_type {
    BROOK_CONFIG_TOPIC = 1,
    BROOK_CONFIG_BROKER = 2,
} brook_config_resource_type;

/* Where a config's value comes from (since 2.1; 0: say only is_default). */
typedef enum brook_config_source {
    BROOK_CONFIG_SOURCE_UNKNOWN = 0,
    BROOK_CONFIG_SOURCE_DEFAULT = 1, /* nobody set it */
    BROOK_CONFIG_SOURCE_BROKER = 2,  /* the broker's configuration file */
    BROOK_CONFIG_SOURCE_TOPIC = 3,   /* the topic sets it itself */
    /* since 2.12: a broker's dynamic config (changed while brokers run,
     * held by the cluster), set for this broker or as the cluster's default */
    BROOK_CONFIG_SOURCE_DYNAMIC_BROKER = 4,
    BROOK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER = 5,
} brook_config_source;

/* One place a config's value can come from, the way Kafka lists a
 * config's synonyms (since 2.2). */
typedef struct brook_config_synonym {
    const char *name; /* e.g. "retention.ms" (the topic), "segment.retention_ms" (a plugin's option) */
    const char *value;
    brook_config_source source;
    uint32_t reserved32;
    uint64_t reserved[1];
} brook_config_synonym;
BROOK_ABI_PIN_SIZE(brook_config_synonym, 32);

typedef struct brook_config_entry {
    const char *name;
    const char *value; /* NULL: sensitive or unset */
    int read_only;
    int is_default;
    int sensitive;
    brook_config_source source; /* since 2.1, in what was padding */
    /* since 2.2, in what was reserved room: where the value could come
     * from, the one in effect first (NULL, 0: none listed) */
    const brook_config_synonym *synonyms;
    size_t synonym_count;
} brook_config_entry;
BROOK_ABI_PIN_SIZE(brook_config_entry, 48);

typedef struct brook_config_resource {
    brook_config_resource_type type; /* 0: a type the codec could not map (error UNSUPPORTED) */
    const char *name;
    const char *const *keys; /* NULL: every config */
    size_t key_count;
    brook_err error;             /* out */
    const char *error_message;   /* out */
    brook_config_entry *entries; /* out */
    size_t entry_count;          /* out */
    uint64_t reserved[2];
} brook_config_resource;
BROOK_ABI_PIN_SIZE(brook_config_resource, 80);

typedef struct brook_describe_configs_req {
    brook_config_resource *resources;
    size_t resource_count;
} brook_describe_configs_req;

/* ---- delete records (since 2.1) ---------------------------------------- */
typedef struct brook_delete_records_partition {
    int32_t partition;
    brook_err error;       /* out */
    int64_t offset;        /* records before it go; -1: the high watermark */
    int64_t low_watermark; /* out: the log start now */
    uint64_t reserved[2];
} brook_delete_records_partition;
BROOK_ABI_PIN_SIZE(brook_delete_records_partition, 40);

typedef struct brook_delete_records_topic {
    const char *name;
    brook_delete_records_partition *partitions;
    size_t partition_count;
    uint64_t reserved[2];
} brook_delete_records_topic;
BROOK_ABI_PIN_SIZE(brook_delete_records_topic, 40);

typedef struct brook_delete_records_req {
    brook_delete_records_topic *topics;
    size_t topic_count;
} brook_delete_records_req;

/* ---- create partitions (since 2.1) --------------------------------------- */
typedef struct brook_topic_grow {
    const char *name;
    int32_t count;             /* the topic's new partition count: more than it has */
    brook_err error;           /* out; a codec may preset it to refuse the topic */
    const char *error_message; /* out, may be NULL */
    uint64_t reserved[2];
} brook_topic_grow;
BROOK_ABI_PIN_SIZE(brook_topic_grow, 40);

typedef struct brook_create_partitions_req {
    brook_topic_grow *topics;
    size_t topic_count;
    int validate_only;
} brook_create_partitions_req;

/* ---- alter configs (since 2.1) ----------------------------------------- */
typedef enum brook_config_op {
    BROOK_CONFIG_OP_SET = 0,
    BROOK_CONFIG_OP_DELETE = 1,   /* back to the default */
    BROOK_CONFIG_OP_APPEND = 2,   /* add to a list value */
    BROOK_CONFIG_OP_SUBTRACT = 3, /* remove from a list value */
} brook_config_op;

typedef struct brook_config_change {
    const char *name;
    const char *value; /* SET: the new value (NULL: as DELETE) */
    brook_config_op op;
    uint64_t reserved[2];
} brook_config_change;
BROOK_ABI_PIN_SIZE(brook_config_change, 40);

typedef struct brook_alter_resource {
    brook_config_resource_type type; /* 0: a type the codec could not map (error UNSUPPORTED) */
    const char *name;
    const brook_config_change *changes;
    size_t change_count;
    brook_err error;           /* out */
    const char *error_message; /* out */
    uint64_t reserved[2];
} brook_alter_resource;
BROOK_ABI_PIN_SIZE(brook_alter_resource, 64);

typedef struct brook_alter_configs_req {
    brook_alter_resource *resources;
    size_t resource_count;
    int incremental;   /* 0: each resource's configs become exactly its `changes` (Kafka's AlterConfigs) */
    int validate_only; /* check everything, change nothing */
} brook_alter_configs_req;

/* ---- describe log dirs (since 2.3) ---------------------------------------- */
/* The replicas this broker keeps in its data directory, with their sizes
 * (Kafka's DescribeLogDirs; Brook keeps one directory per broker). */
typedef struct brook_log_dir_partition {
    int32_t partition;
    int32_t reserved32;
    int64_t size_bytes; /* out: -1 when the storage does not say */
    int64_t offset_lag; /* out: how far its log end lies behind the high watermark (0 on a leader) */
    uint64_t reserved[2];
} brook_log_dir_partition;
BROOK_ABI_PIN_SIZE(brook_log_dir_partition, 40);

typedef struct brook_log_dir_topic {
    const char *name;
    const int32_t *partitions;         /* in: NULL with 0 */
    size_t partition_count;            /* in */
    brook_log_dir_partition *replicas; /* out: the ones asked for that this broker keeps */
    size_t replica_count;              /* out */
    uint64_t reserved[2];
} brook_log_dir_topic;
BROOK_ABI_PIN_SIZE(brook_log_dir_topic, 56);

typedef struct brook_describe_log_dirs_req {
    int all_topics;              /* in: every replica (then `topics` is replaced) */
    brook_log_dir_topic *topics; /* in (names, partitions) and out */
    size_t topic_count;
    brook_err error;      /* out */
    const char *log_dir;  /* out: the data directory's absolute path */
    int64_t total_bytes;  /* out: its file system's size, -1 unknown */
    int64_t usable_bytes; /* out: what is free there for Brook, -1 unknown */
} brook_describe_log_dirs_req;

/* ---- describe producers (since 2.3) ---------------------------------------- */
/* The idempotent producers a partition's leader tracks (Kafka's
 * DescribeProducers, KIP-664): to find a stuck or fenced producer. */
typedef struct brook_producer_info {
    int64_t producer_id;
    int32_t producer_epoch;
    int32_t last_sequence;
    int64_t last_timestamp; /* when its last batch was appended, by the broker's clock (ms) */
    /* since 2.14, in what was reserved room: the first offset of its open
     * transaction (-1: none), and the coordinator
     * epoch of its last transaction marker (-1: none) */
    int64_t current_txn_start_offset;
    int32_t coordinator_epoch;
    uint32_t reserved32;
} brook_producer_info;
BROOK_ABI_PIN_SIZE(brook_producer_info, 40);

typedef struct brook_producers_partition {
    int32_t partition;
    brook_err error;                /* out */
    brook_producer_info *producers; /* out */
    size_t producer_count;          /* out */
    uint64_t reserved[2];
} brook_producers_partition;
BROOK_ABI_PIN_SIZE(brook_producers_partition, 40);

typedef struct brook_producers_topic {
    const char *name;
    brook_producers_partition *partitions;
    size_t partition_count;
    uint64_t reserved[2];
} brook_producers_topic;
BROOK_ABI_PIN_SIZE(brook_producers_topic, 40);

typedef struct brook_describe_producers_req {
    brook_producers_topic *topics;
    size_t topic_count;
} brook_describe_producers_req;

/* ---- elect leaders (since 2.10) ----------------------------------------------- */
/* Kafka's ElectLeaders (KIP-460), answered by the controller: move
 * leadership back to each partition's preferred (first) replica, or give
 * an offline partition whose in-sync replicas are all gone a leader from
 * its out-of-sync ones (records only they held are lost). */
typedef enum brook_election_type {
    BROOK_ELECTION_PREFERRED = 0,
    BROOK_ELECTION_UNCLEAN = 1,
} brook_election_type;

typedef struct brook_elect_partition {
    int32_t partition;
    brook_err error;     /* out: BROOK_ERR_ELECTION_NOT_NEEDED, _PREFERRED_LEADER_NOT_AVAILABLE, ... */
    const char *message; /* out: why, or NULL */
    uint64_t reserved[2];
} brook_elect_partition;
BROOK_ABI_PIN_SIZE(brook_elect_partition, 32);

typedef struct brook_elect_topic {
    const char *name;
    brook_elect_partition *partitions;
    size_t partition_count;
    uint64_t reserved[2];
} brook_elect_topic;
BROOK_ABI_PIN_SIZE(brook_elect_topic, 40);

typedef struct brook_elect_leaders_req {
    brook_election_type election_type;
    int32_t timeout_ms;
    /* NULL: every partition of every topic (the core fills the list in,
     * from the request's arena) */
    brook_elect_topic *topics;
    size_t topic_count;
    brook_err error; /* out: for the whole request (not the controller, not allowed) */
} brook_elect_leaders_req;

/* ---- partition reassignments (since 2.11) --------------------------------- */
/* Kafka's AlterPartitionReassignments and ListPartitionReassignments
 * (KIP-455), answered by the controller: a partition's replicas move to a
 * target set; the new ones catch up from the leader and, once all are in
 * sync, the ones the target leaves out are removed. */
typedef struct brook_reassign_partition {
    int32_t partition;
    int32_t replica_count;   /* -1: cancel the partition's reassignment in progress */
    const int32_t *replicas; /* the target, its preferred leader first */
    brook_err error;         /* out: BROOK_ERR_INVALID_REPLICA_ASSIGNMENT, _NO_REASSIGNMENT_IN_PROGRESS, ... */
    const char *message;     /* out: why, or NULL */
    uint64_t reserved[2];
} brook_reassign_partition;
BROOK_ABI_PIN_SIZE(brook_reassign_partition, 48);

typedef struct brook_reassign_topic {
    const char *name;
    brook_reassign_partition *partitions;
    size_t partition_count;
    uint64_t reserved[2];
} brook_reassign_topic;
BROOK_ABI_PIN_SIZE(brook_reassign_topic, 40);

typedef struct brook_alter_reassignments_req {
    int32_t timeout_ms;
    brook_reassign_topic *topics;
    size_t topic_count;
    brook_err error; /* out: for the whole request (not the controller, not allowed) */
} brook_alter_reassignments_req;

typedef struct brook_ongoing_reassignment {
    int32_t partition;
    int32_t replica_count;
    const int32_t *replicas; /* every replica now: the target, then the ones it removes */
    const int32_t *adding;   /* the target's replicas the partition did not have */
    const int32_t *removing; /* the replicas the target leaves out */
    int32_t adding_count;
    int32_t removing_count;
    uint64_t reserved[2];
} brook_ongoing_reassignment;
BROOK_ABI_PIN_SIZE(brook_ongoing_reassignment, 56);

typedef struct brook_reassignments_topic {
    const char *name;
    const int32_t *partitions; /* the partitions asked about */
    size_t partition_count;
    brook_ongoing_reassignment *ongoing; /* out: those of them being reassigned */
    size_t ongoing_count;
    uint64_t reserved[2];
} brook_reassignments_topic;
BROOK_ABI_PIN_SIZE(brook_reassignments_topic, 56);

typedef struct brook_list_reassignments_req {
    int32_t timeout_ms;
    /* NULL: every topic (the core fills the list in with the topics that
     * have partitions being reassigned, from the request's arena) */
    brook_reassignments_topic *topics;
    size_t topic_count;
    brook_err error; /* out: for the whole request */
} brook_list_reassignments_req;

/* ---- client quotas (since 2.13) -------------------------------------------- */
/* Kafka's DescribeClientQuotas and AlterClientQuotas (KIP-546): byte
 * rates for producing and fetching, per user (a principal's name), per
 * client id, or per both, each named or as the default (name NULL). */
typedef struct brook_quota_entity_part {
    const char *type; /* "user", "client-id" (Kafka also has "ip") */
    const char *name; /* NULL: the default */
} brook_quota_entity_part;

typedef struct brook_quota_op {
    const char *key; /* "producer_byte_rate", "consumer_byte_rate", ... */
    double value;    /* to set; ignored when removing */
    int remove;
    int32_t reserved32;
} brook_quota_op;
BROOK_ABI_PIN_SIZE(brook_quota_op, 24);

typedef struct brook_quota_alteration {
    const brook_quota_entity_part *entity;
    size_t entity_count;
    const brook_quota_op *ops;
    size_t op_count;
    brook_err error;           /* out */
    const char *error_message; /* out */
    uint64_t reserved[2];
} brook_quota_alteration;
BROOK_ABI_PIN_SIZE(brook_quota_alteration, 64);

typedef struct brook_alter_client_quotas_req {
    brook_quota_alteration *entries;
    size_t entry_count;
    int validate_only;
} brook_alter_client_quotas_req;

typedef enum brook_quota_match {
    BROOK_QUOTA_MATCH_EXACT = 0,   /* the entity type's name is `match` */
    BROOK_QUOTA_MATCH_DEFAULT = 1, /* the entity type's default */
    BROOK_QUOTA_MATCH_ANY = 2,     /* any name of the entity type, or its default */
} brook_quota_match;

typedef struct brook_quota_filter {
    const char *entity_type;
    brook_quota_match match_type;
    const char *match; /* BROOK_QUOTA_MATCH_EXACT */
} brook_quota_filter;

typedef struct brook_quota_value {
    const char *key;
    double value;
} brook_quota_value;

typedef struct brook_quota_entry {
    const brook_quota_entity_part *entity;
    size_t entity_count;
    const brook_quota_value *values;
    size_t value_count;
    uint64_t reserved[2];
} brook_quota_entry;
BROOK_ABI_PIN_SIZE(brook_quota_entry, 48);

typedef struct brook_describe_client_quotas_req {
    const brook_quota_filter *filters; /* every one must match; none: every rule */
    size_t filter_count;
    int strict;                 /* an entity may name no type the filters do not */
    brook_err error;            /* out: for the whole request */
    const char *error_message;  /* out */
    brook_quota_entry *entries; /* out */
    size_t entry_count;         /* out */
} brook_describe_client_quotas_req;

/* ---- write transaction markers (since 2.14) -------------------------------- */
/* Kafka's WriteTxnMarkers: a transaction coordinator (or an operator
 * aborting a hanging transaction, KIP-664) ends a producer's transaction
 * in the partitions this broker leads by appending a COMMIT or ABORT
 * marker to each. A topic's partitions, with an error each, serve the
 * transaction requests below too. */
typedef struct brook_txn_topic {
    const char *name;
    const int32_t *partitions;
    brook_err *errors; /* out: one per partition (the codec allocates it) */
    size_t partition_count;
    uint64_t reserved[2];
} brook_txn_topic;
BROOK_ABI_PIN_SIZE(brook_txn_topic, 48);

typedef struct brook_txn_marker {
    int64_t producer_id;
    int16_t producer_epoch;
    int16_t reserved16;
    int32_t coordinator_epoch;
    int commit; /* 0: abort */
    brook_txn_topic *topics;
    size_t topic_count;
    uint64_t reserved[2];
} brook_txn_marker;
BROOK_ABI_PIN_SIZE(brook_txn_marker, 56);

typedef struct brook_write_txn_markers_req {
    brook_txn_marker *markers;
    size_t marker_count;
} brook_write_txn_markers_req;

/* ---- a transaction coordinator's requests (since 2.14) ------------------------ */
/* Kafka's AddPartitionsToTxn, AddOffsetsToTxn and EndTxn, answered by the
 * transactional id's coordinator, and TxnOffsetCommit, answered by the
 * group's: a transactional producer names the partitions it writes to and
 * the group whose offsets it commits before it does, then commits or
 * aborts; the coordinator writes the markers. */
typedef struct brook_add_partitions_to_txn_req {
    const char *transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    brook_txn_topic *topics; /* each partition's error out */
    size_t topic_count;
    /* since 2.15: only ask whether the partitions are in the producer's
     * ongoing transaction, adding nothing (KIP-890: a partition's leader
     * checks a transaction's first batch before it takes it); 0 from a
     * 2.14 codec */
    int verify_only;
} brook_add_partitions_to_txn_req;

typedef struct brook_add_offsets_to_txn_req {
    const char *transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    const char *group_id;
    brook_err error; /* out */
} brook_add_offsets_to_txn_req;

typedef struct brook_end_txn_req {
    const char *transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    int commit;      /* 0: abort */
    brook_err error; /* out */
} brook_end_txn_req;

typedef struct brook_txn_offset_commit_req {
    const char *transactional_id;
    const char *group_id;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t generation_id; /* -1 with member_id "": not checked (Kafka's v0-2) */
    const char *member_id;
    const char *group_instance_id;
    brook_offset_topic *topics; /* each partition's error out */
    size_t topic_count;
} brook_txn_offset_commit_req;

/* ---- the transactions coordinators hold (since 2.15, KIP-664) ----------- */
/* Kafka's ListTransactions and DescribeTransactions: what an operator
 * looks at to find a transaction that holds read_committed consumers back.
 * States are Kafka's names: "Empty", "Ongoing", "PrepareCommit",
 * "PrepareAbort", "CompleteCommit", "CompleteAbort". */
typedef struct brook_txn_listing {
    const char *transactional_id;
    int64_t producer_id;
    const char *state;
} brook_txn_listing;

typedef struct brook_list_transactions_req {
    const char **state_filters; /* none: every state */
    size_t state_filter_count;
    const int64_t *producer_id_filters; /* none: every producer */
    size_t producer_id_filter_count;
    int64_t min_duration_ms; /* only transactions running at least this long; -1: any */
    brook_err error;         /* out */
    /* out: the filters naming no state, and the ids this broker
     * coordinates that pass the filters (and that the client may DESCRIBE) */
    const char **unknown_state_filters;
    size_t unknown_state_filter_count;
    brook_txn_listing *transactions;
    size_t transaction_count;
} brook_list_transactions_req;

typedef struct brook_txn_description {
    const char *transactional_id; /* in */
    /* out: TRANSACTIONAL_ID_DENIED, NOT_LEADER (not its coordinator),
     * AGAIN (its coordinator is loading), NOT_FOUND (no such id), or: */
    brook_err error;
    const char *state;
    int32_t timeout_ms;
    int64_t start_ms; /* when the ongoing transaction began, -1: none */
    int64_t producer_id;
    int16_t producer_epoch;
    brook_txn_topic *topics; /* the transaction's partitions (errors unused), topics the client may DESCRIBE */
    size_t topic_count;
} brook_txn_description;

typedef struct brook_describe_transactions_req {
    brook_txn_description *transactions;
    size_t count;
} brook_describe_transactions_req;

/* ---- the request ---------------------------------------------------- */
typedef struct brook_request brook_request;

struct brook_request {
    /* Fixed fields first: their offsets never depend on the request types
     * in the union, so a later minor's new request type moves nothing. */
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

    /* Zeroed memory that lives as long as the request; NULL when out of memory. */
    void *(*alloc)(brook_request *req, size_t size);
    void *core_private; /* the core's; do not touch */
    /* since 2.13, in what was reserved room: the client's id as its request
     * names it (set by decode; NULL: none), which client quotas match; and
     * how long the core holds the client back for a quota (set by the core:
     * a codec whose response has a throttle time sends it) */
    const char *client_id;
    int32_t throttle_time_ms;
    uint32_t reserved32;
    uint64_t reserved[2];

    /* One member per type, in room of a fixed size: the core allocates the
     * request, so a member may grow at its end within that room in a minor
     * (new fields are zero for older codecs). */
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
        brook_offset_for_leader_epoch_req offset_for_leader_epoch; /* since 2.1 */
        brook_alter_configs_req alter_configs;                     /* since 2.1 */
        brook_create_partitions_req create_partitions;             /* since 2.1 */
        brook_delete_records_req delete_records;                   /* since 2.1 */
        brook_describe_acls_req describe_acls;                     /* since 2.3 */
        brook_create_acls_req create_acls;                         /* since 2.3 */
        brook_delete_acls_req delete_acls;                         /* since 2.3 */
        brook_describe_log_dirs_req describe_log_dirs;             /* since 2.3 */
        brook_describe_producers_req describe_producers;           /* since 2.3 */
        brook_describe_user_scram_req describe_user_scram;         /* since 2.3 */
        brook_alter_user_scram_req alter_user_scram;               /* since 2.3 */
        brook_elect_leaders_req elect_leaders;                     /* since 2.10 */
        brook_alter_reassignments_req alter_reassignments;         /* since 2.11 */
        brook_list_reassignments_req list_reassignments;           /* since 2.11 */
        brook_describe_client_quotas_req describe_client_quotas;   /* since 2.13 */
        brook_alter_client_quotas_req alter_client_quotas;         /* since 2.13 */
        brook_write_txn_markers_req write_txn_markers;             /* since 2.14 */
        brook_add_partitions_to_txn_req add_partitions_to_txn;     /* since 2.14 */
        brook_add_offsets_to_txn_req add_offsets_to_txn;           /* since 2.14 */
        brook_end_txn_req end_txn;                                 /* since 2.14 */
        brook_txn_offset_commit_req txn_offset_commit;             /* since 2.14 */
        brook_list_transactions_req list_transactions;             /* since 2.15 */
        brook_describe_transactions_req describe_transactions;     /* since 2.15 */
        uint64_t room[32];
    } u;
};
BROOK_ABI_PIN_OFFSET(brook_request, alloc, 40);
BROOK_ABI_PIN_OFFSET(brook_request, core_private, 48);
BROOK_ABI_PIN_OFFSET(brook_request, u, 88);
BROOK_ABI_PIN_SIZE(brook_request, 344);

static inline void *brook_request_alloc(brook_request *req, size_t size)
{
    return req->alloc(req, size);
}

#endif
