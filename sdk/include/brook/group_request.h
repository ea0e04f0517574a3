/* Brook SDK: the protocol-neutral consumer-group requests (included by
 * request.h). The group coordinator in the core answers them: members join
 * a group, the leader's assignment (opaque bytes, computed by the client)
 * is handed to every member, members heartbeat, leave, and commit offsets.
 * "in" fields come from the codec, "out" fields from the core. Strings are
 * NUL-terminated in the request's arena; bytes are (pointer, length). */
#ifndef BROOK_GROUP_REQUEST_H
#define BROOK_GROUP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "types.h"

/* ---- find coordinator ---------------------------------------------------- */
typedef struct brook_find_coordinator_req {
    const char *key; /* in: the group id, or the transactional id */
    int8_t key_type; /* in: 0 group, 1 transactional id (since 2.14) */
    brook_err error; /* out */
    int32_t node_id; /* out */
    const char *host;
    int32_t port;
} brook_find_coordinator_req;

/* ---- join ------------------------------------------------------------------ */
typedef struct brook_group_protocol {
    const char *name; /* e.g. "range", "roundrobin", "cooperative-sticky" */
    const uint8_t *metadata;
    size_t metadata_len;
    uint64_t reserved[2];
} brook_group_protocol;
BROOK_ABI_PIN_SIZE(brook_group_protocol, 40);

typedef struct brook_join_member {
    const char *member_id;
    const char *group_instance_id; /* NULL: dynamic member */
    const uint8_t *metadata;       /* for the chosen protocol */
    size_t metadata_len;
    uint64_t reserved[2];
} brook_join_member;
BROOK_ABI_PIN_SIZE(brook_join_member, 48);

typedef struct brook_join_group_req {
    const char *group_id;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms; /* -1: same as the session timeout */
    const char *member_id;        /* "" for a new member */
    const char *group_instance_id;
    const char *protocol_type; /* e.g. "consumer" */
    brook_group_protocol *protocols;
    size_t protocol_count;
    int require_known_member_id; /* a new member first gets MEMBER_ID_REQUIRED and its id */
    const char *client_id;
    const char *client_host;
    brook_err error;                /* out */
    int32_t generation_id;          /* out */
    const char *protocol_name;      /* out */
    const char *leader;             /* out */
    const char *assigned_member_id; /* out: this member's id */
    brook_join_member *members;     /* out: for the leader only */
    size_t member_count;            /* out */
} brook_join_group_req;

/* ---- sync ------------------------------------------------------------------ */
typedef struct brook_member_assignment {
    const char *member_id;
    const uint8_t *assignment;
    size_t assignment_len;
    uint64_t reserved[2];
} brook_member_assignment;
BROOK_ABI_PIN_SIZE(brook_member_assignment, 40);

typedef struct brook_sync_group_req {
    const char *group_id;
    int32_t generation_id;
    const char *member_id;
    const char *group_instance_id;
    brook_member_assignment *assignments; /* from the leader; empty from followers */
    size_t assignment_count;
    brook_err error;           /* out */
    const char *protocol_type; /* out */
    const char *protocol_name; /* out */
    const uint8_t *assignment; /* out: this member's */
    size_t assignment_len;     /* out */
} brook_sync_group_req;

/* ---- heartbeat ------------------------------------------------------------- */
typedef struct brook_heartbeat_req {
    const char *group_id;
    int32_t generation_id;
    const char *member_id;
    const char *group_instance_id;
    brook_err error; /* out */
} brook_heartbeat_req;

/* ---- leave ----------------------------------------------------------------- */
typedef struct brook_leaving_member {
    const char *member_id; /* "" with an instance id: whoever holds it */
    const char *group_instance_id;
    brook_err error; /* out */
    uint64_t reserved[2];
} brook_leaving_member;
BROOK_ABI_PIN_SIZE(brook_leaving_member, 40);

typedef struct brook_leave_group_req {
    const char *group_id;
    brook_leaving_member *members;
    size_t member_count;
    brook_err error; /* out: for the whole request */
} brook_leave_group_req;

/* ---- committed offsets ------------------------------------------------------- */
typedef struct brook_offset_partition {
    int32_t partition;
    int64_t offset;       /* commit: in; fetch: out (-1 = none committed) */
    int32_t leader_epoch; /* -1: unknown */
    /* The metadata's length in bytes, which may include NULs (Kafka's
     * metadata is a string, not a C string); 0 means "up to its NUL".
     * Read it with brook_offset_metadata_len. */
    int32_t metadata_len;
    const char *metadata; /* may be NULL; NUL-terminated after its length when the core fills it */
    brook_err error;      /* out */
    uint64_t reserved[2];
} brook_offset_partition;
BROOK_ABI_PIN_SIZE(brook_offset_partition, 56);

/* The metadata's length: metadata_len when set, else up to its NUL. */
static inline size_t brook_offset_metadata_len(const brook_offset_partition *p)
{
    if (p->metadata_len > 0)
        return (size_t)p->metadata_len;
    size_t n = 0;
    while (p->metadata && p->metadata[n])
        n++;
    return n;
}

typedef struct brook_offset_topic {
    const char *name;
    brook_offset_partition *partitions;
    size_t partition_count;
    uint64_t reserved[2];
} brook_offset_topic;
BROOK_ABI_PIN_SIZE(brook_offset_topic, 40);

typedef struct brook_offset_commit_req {
    const char *group_id;
    int32_t generation_id; /* -1 with member_id "": a commit from outside any generation */
    const char *member_id;
    const char *group_instance_id;
    brook_offset_topic *topics;
    size_t topic_count;
    brook_err error; /* out: request-level failure (partitions carry it too) */
} brook_offset_commit_req;

typedef struct brook_offset_fetch_req {
    const char *group_id;
    int all_topics;             /* in: every committed offset of the group (topics are replaced) */
    brook_offset_topic *topics; /* in (names, partitions) and out */
    size_t topic_count;
    brook_err error; /* out */
    /* since 2.14: a partition with offsets committed in a transaction not
     * yet ended answers BROOK_ERR_UNSTABLE_OFFSET_COMMIT (the client asks
     * again) instead of its last stable offset */
    int require_stable;
} brook_offset_fetch_req;

typedef struct brook_offset_delete_req {
    const char *group_id;
    brook_offset_topic *topics; /* partitions' error is the out field */
    size_t topic_count;
    brook_err error; /* out */
} brook_offset_delete_req;

/* ---- list / describe / delete groups ------------------------------------------ */
typedef struct brook_group_listing {
    const char *group_id;
    const char *protocol_type;
    const char *state; /* "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead" */
    uint64_t reserved[2];
} brook_group_listing;
BROOK_ABI_PIN_SIZE(brook_group_listing, 40);

typedef struct brook_list_groups_req {
    brook_group_listing *groups; /* out */
    size_t group_count;          /* out */
    brook_err error;             /* out */
} brook_list_groups_req;

typedef struct brook_group_member_info {
    const char *member_id;
    const char *group_instance_id;
    const char *client_id;
    const char *client_host;
    const uint8_t *metadata;
    size_t metadata_len;
    const uint8_t *assignment;
    size_t assignment_len;
    uint64_t reserved[2];
} brook_group_member_info;
BROOK_ABI_PIN_SIZE(brook_group_member_info, 80);

typedef struct brook_group_description {
    const char *group_id; /* in */
    brook_err error;      /* out: NOT_FOUND shows as state "Dead" */
    const char *state;
    const char *protocol_type;
    const char *protocol_name;
    brook_group_member_info *members;
    size_t member_count;
    uint32_t authorized_ops; /* out since 2.3, when asked: BROOK_OP_BIT of each operation allowed */
    uint32_t reserved32;
    uint64_t reserved[1];
} brook_group_description;
BROOK_ABI_PIN_SIZE(brook_group_description, 72);

typedef struct brook_describe_groups_req {
    brook_group_description *groups;
    size_t group_count;
    int include_authorized_ops; /* in, since 2.3: fill each group's authorized_ops */
} brook_describe_groups_req;

typedef struct brook_group_deletion {
    const char *group_id;
    brook_err error; /* out: BROOK_ERR_NOT_FOUND, BROOK_ERR_GROUP_NOT_EMPTY */
    uint64_t reserved[2];
} brook_group_deletion;
BROOK_ABI_PIN_SIZE(brook_group_deletion, 32);

typedef struct brook_delete_groups_req {
    brook_group_deletion *groups;
    size_t group_count;
} brook_delete_groups_req;

#endif
