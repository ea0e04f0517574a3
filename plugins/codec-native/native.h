/* The native msgpack codec's shared pieces: its per-request state, the
 * decoding and packing helpers (codec_native.c), and the consumer-group
 * operations (native_groups.c). */
#ifndef BROOK_NATIVE_H
#define BROOK_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <brook/codec.h>
#include <brook/plugin.h>
#include <brook/request.h>

typedef enum op {
    OP_CREATE_TOPIC,
    OP_DELETE_TOPIC,
    OP_LIST_TOPICS,
    OP_PRODUCE,
    OP_FETCH,
    OP_LIST_OFFSETS,
    /* consumer groups (native_groups.c) */
    OP_COMMIT_OFFSETS,
    OP_FETCH_OFFSETS,
    OP_LIST_GROUPS,
    OP_DESCRIBE_GROUP,
    OP_DELETE_GROUP,
    /* authentication (native_auth.c) */
    OP_SASL_HANDSHAKE,
    OP_SASL_AUTHENTICATE,
    /* the cluster: brokers and controller (a metadata request without topics) */
    OP_DESCRIBE_CLUSTER,
    /* a follower broker copying from its leader (native_replica.c) */
    OP_REPLICA_FETCH,
    /* topic administration (native_topics.c) */
    OP_DESCRIBE_CONFIGS,
    OP_ALTER_CONFIGS,
    OP_CREATE_PARTITIONS,
    OP_DELETE_RECORDS,
    /* ACLs and SCRAM users (native_security.c) */
    OP_DESCRIBE_ACLS,
    OP_CREATE_ACL,
    OP_DELETE_ACLS,
    OP_DESCRIBE_USERS,
    OP_ALTER_USERS,
    /* leader elections on request (native_elections.c) */
    OP_ELECT_LEADERS,
    /* partition reassignments (native_reassignments.c) */
    OP_ALTER_REASSIGNMENTS,
    OP_LIST_REASSIGNMENTS,
    /* client quotas (native_quotas.c) */
    OP_ALTER_CLIENT_QUOTAS,
    OP_DESCRIBE_CLIENT_QUOTAS,
    /* a transaction coordinator's markers to a partition leader (native_replica.c) */
    OP_WRITE_TXN_MARKERS,
    OP_VERIFY_TXN,
    OP_LIST_TRANSACTIONS,
    OP_DESCRIBE_TRANSACTIONS,
    OP_DESCRIBE_PRODUCERS,
    OP__COUNT
} op;

/* in op order */
extern const char *const native_op_names[];
extern const size_t native_op_count;

typedef struct native {
    const brook_host *host;
    int64_t default_max_bytes;
} native;

typedef struct native_req {
    uint64_t id;
    op op;
    const char *topic; /* fetch_offsets: only this topic (NULL: all) */
} native_req;

typedef struct decoder {
    brook_request *req;
    const msgpack_object *map;
    const char *error; /* first problem found, for the error response */
} decoder;

/* ---- helpers (codec_native.c) ---- */
const msgpack_object *native_field(const msgpack_object *map, const char *key);
/* Record the first problem; returns -1. */
int native_fail(decoder *d, const char *msg);
/* An optional integer field within [lo, hi] (def when absent or nil). */
int native_get_int(decoder *d, const msgpack_object *map, const char *key, int64_t def, int64_t lo, int64_t hi,
                   int64_t *out, const char *msg);
/* A required string field, copied NUL-terminated into the request. */
int native_get_str(decoder *d, const msgpack_object *map, const char *key, const char **out, const char *msg);
/* A string object of 1 to `max` bytes copied NUL-terminated into the
 * request; with `nil_ok`, an absent or nil one is NULL. */
int native_copy_str(decoder *d, const msgpack_object *o, int nil_ok, size_t max, const char **out, const char *msg);
void native_pack_str(msgpack_packer *pk, const char *s);
/* A map's key and its value: a string, or an integer (msgpack's smallest
 * encoding of it, whatever its C type). */
void native_pack_kv_str(msgpack_packer *pk, const char *key, const char *value);
void native_pack_kv_int(msgpack_packer *pk, const char *key, int64_t value);
/* Start the response map: id, error, message (when failed), then `extra` fields. */
void native_pack_head(msgpack_packer *pk, const native_req *nr, brook_err err, const char *message, size_t extra);

/* ---- authentication (native_auth.c) ---- */
int native_decode_auth_op(decoder *d, op o);
void native_encode_auth_op(msgpack_packer *pk, const native_req *nr, const brook_request *req);

/* ---- replica fetch, transaction markers (native_replica.c) ---- */
int native_decode_replica_fetch(decoder *d);
brook_err native_encode_replica_fetch(const native_req *nr, const brook_request *req, brook_writer *w);
int native_decode_write_txn_markers(decoder *d);
void native_encode_write_txn_markers(msgpack_packer *pk, const native_req *nr, const brook_request *req);
/* native_transactions.c */
int native_decode_list_transactions(decoder *d);
void native_encode_list_transactions(msgpack_packer *pk, const native_req *nr, const brook_request *req);
int native_decode_describe_transactions(decoder *d);
void native_encode_describe_transactions(msgpack_packer *pk, const native_req *nr, const brook_request *req);
int native_decode_describe_producers(decoder *d);
void native_encode_describe_producers(msgpack_packer *pk, const native_req *nr, const brook_request *req);
int native_decode_verify_txn(decoder *d);
void native_encode_verify_txn(msgpack_packer *pk, const native_req *nr, const brook_request *req);

/* ---- topic administration (native_topics.c) ---- */
int native_decode_topic_op(decoder *d, op o);
void native_encode_topic_op(msgpack_packer *pk, const native_req *nr, const brook_request *req);
/* create_topic's "configs": {name: value} */
int native_decode_topic_configs(decoder *d, brook_topic_create *tc);

/* ---- ACLs and SCRAM users (native_security.c) ---- */
int native_decode_security_op(decoder *d, op o);
void native_encode_security_op(msgpack_packer *pk, const native_req *nr, const brook_request *req);

/* ---- leader elections (native_elections.c) ---- */
int native_decode_elect_leaders(decoder *d);
void native_encode_elect_leaders(msgpack_packer *pk, const native_req *nr, const brook_request *req);

/* ---- partition reassignments (native_reassignments.c) ---- */
int native_decode_alter_reassignments(decoder *d);
void native_encode_alter_reassignments(msgpack_packer *pk, const native_req *nr, const brook_request *req);
int native_decode_list_reassignments(decoder *d);
void native_encode_list_reassignments(msgpack_packer *pk, const native_req *nr, const brook_request *req);
/* native_quotas.c */
int native_decode_alter_client_quotas(decoder *d);
int native_decode_describe_client_quotas(decoder *d);
void native_encode_alter_client_quotas(msgpack_packer *pk, const native_req *nr, const brook_request *req);
void native_encode_describe_client_quotas(msgpack_packer *pk, const native_req *nr, const brook_request *req);

/* ---- consumer groups (native_groups.c) ---- */
int native_decode_group_op(decoder *d, op o);
void native_encode_group_op(msgpack_packer *pk, const native_req *nr, const brook_request *req);

#endif
