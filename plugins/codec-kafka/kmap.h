/* Between Kafka's messages (value trees, kschema.h) and the core's neutral
 * requests (request.h): one decode and one encode function per API. */
#ifndef BROOK_KAFKA_KMAP_H
#define BROOK_KAFKA_KMAP_H

#include <brook/request.h>

#include "kapis.h"

/* What the codec keeps per request. */
struct kreq {
    const kapi *api;
    int16_t version;
    int32_t correlation_id;
    int flexible;
    int unsupported_version; /* ApiVersions asked in a version we do not speak */
    kval *body;              /* the decoded request */
    kval client_id;          /* from the request header: points into the frame */
    int raw_sasl;            /* a bare SASL token, not a Kafka request */
};

void *kmap_alloc(void *ctx, size_t size); /* ctx: the brook_request */

/* An INT32 array value holding ids[0..n); -1 out of memory. */
int kmap_int_array(brook_request *req, kval *v, const int32_t *ids, int32_t n);
/* The error code of a request the controller answers: NOT_CONTROLLER for
 * "not the controller" (clients ask the one Metadata names). */
int16_t kmap_controller_error(brook_err e);

/* Map a decoded body into `req`; 0, or -1 with *why. */
int kmap_decode(kreq *kr, brook_request *req, const char **why);

/* Build the response body for `req` (allocated in its arena). */
kval *kmap_encode(kreq *kr, brook_request *req);

/* One decoder (body -> neutral request; -1 out of memory) and one encoder
 * (neutral request -> response body in the arena; NULL out of memory) per
 * API, named in its row of the registry (kapis.c). The consumer-group ones
 * live in kmap_group.c. */
int kmap_dec_produce(kreq *kr, brook_request *req);
kval *kmap_enc_produce(kreq *kr, brook_request *req);
int kmap_dec_fetch(kreq *kr, brook_request *req);
kval *kmap_enc_fetch(kreq *kr, brook_request *req);
int kmap_dec_list_offsets(kreq *kr, brook_request *req);
kval *kmap_enc_list_offsets(kreq *kr, brook_request *req);
int kmap_dec_delete_records(kreq *kr, brook_request *req);
kval *kmap_enc_delete_records(kreq *kr, brook_request *req);
int kmap_dec_create_partitions(kreq *kr, brook_request *req);
kval *kmap_enc_create_partitions(kreq *kr, brook_request *req);
int kmap_dec_alter_configs(kreq *kr, brook_request *req);
kval *kmap_enc_alter_configs(kreq *kr, brook_request *req);
int kmap_dec_offset_for_leader_epoch(kreq *kr, brook_request *req);
kval *kmap_enc_offset_for_leader_epoch(kreq *kr, brook_request *req);
int kmap_dec_metadata(kreq *kr, brook_request *req);
kval *kmap_enc_metadata(kreq *kr, brook_request *req);
int kmap_dec_describe_cluster(kreq *kr, brook_request *req);
kval *kmap_enc_describe_cluster(kreq *kr, brook_request *req);
int kmap_dec_describe_acls(kreq *kr, brook_request *req); /* kmap_acl.c */
kval *kmap_enc_describe_acls(kreq *kr, brook_request *req);
int kmap_dec_create_acls(kreq *kr, brook_request *req);
kval *kmap_enc_create_acls(kreq *kr, brook_request *req);
int kmap_dec_delete_acls(kreq *kr, brook_request *req);
kval *kmap_enc_delete_acls(kreq *kr, brook_request *req);
int kmap_dec_describe_log_dirs(kreq *kr, brook_request *req);
kval *kmap_enc_describe_log_dirs(kreq *kr, brook_request *req);
int kmap_dec_alter_reassignments(kreq *kr, brook_request *req); /* kmap_reassign.c */
kval *kmap_enc_alter_reassignments(kreq *kr, brook_request *req);
int kmap_dec_list_reassignments(kreq *kr, brook_request *req);
kval *kmap_enc_list_reassignments(kreq *kr, brook_request *req);
/* A group's or a transactional id's coordinator's errors in Kafka's
 * codes (NOT_COORDINATOR, ...), then the common ones (kmap_group.c). */
int16_t kmap_coordinator_error(brook_err e);
/* kmap_txn.c */
int kmap_dec_write_txn_markers(kreq *kr, brook_request *req);
kval *kmap_enc_write_txn_markers(kreq *kr, brook_request *req);
int kmap_dec_add_partitions_to_txn(kreq *kr, brook_request *req);
kval *kmap_enc_add_partitions_to_txn(kreq *kr, brook_request *req);
int kmap_dec_add_offsets_to_txn(kreq *kr, brook_request *req);
kval *kmap_enc_add_offsets_to_txn(kreq *kr, brook_request *req);
int kmap_dec_end_txn(kreq *kr, brook_request *req);
kval *kmap_enc_end_txn(kreq *kr, brook_request *req);
int kmap_dec_txn_offset_commit(kreq *kr, brook_request *req);
kval *kmap_enc_txn_offset_commit(kreq *kr, brook_request *req);
/* kmap_txn_admin.c */
int kmap_dec_describe_transactions(kreq *kr, brook_request *req);
kval *kmap_enc_describe_transactions(kreq *kr, brook_request *req);
int kmap_dec_list_transactions(kreq *kr, brook_request *req);
kval *kmap_enc_list_transactions(kreq *kr, brook_request *req);
/* kmap_quotas.c */
int kmap_dec_describe_client_quotas(kreq *kr, brook_request *req);
kval *kmap_enc_describe_client_quotas(kreq *kr, brook_request *req);
int kmap_dec_alter_client_quotas(kreq *kr, brook_request *req);
kval *kmap_enc_alter_client_quotas(kreq *kr, brook_request *req);
int kmap_dec_describe_producers(kreq *kr, brook_request *req);
kval *kmap_enc_describe_producers(kreq *kr, brook_request *req);
int kmap_dec_elect_leaders(kreq *kr, brook_request *req);
kval *kmap_enc_elect_leaders(kreq *kr, brook_request *req);
int kmap_dec_describe_user_scram(kreq *kr, brook_request *req); /* kmap_users.c */
kval *kmap_enc_describe_user_scram(kreq *kr, brook_request *req);
int kmap_dec_alter_user_scram(kreq *kr, brook_request *req);
kval *kmap_enc_alter_user_scram(kreq *kr, brook_request *req);
int kmap_dec_create_topics(kreq *kr, brook_request *req);
kval *kmap_enc_create_topics(kreq *kr, brook_request *req);
int kmap_dec_delete_topics(kreq *kr, brook_request *req);
kval *kmap_enc_delete_topics(kreq *kr, brook_request *req);
int kmap_dec_init_producer_id(kreq *kr, brook_request *req);
kval *kmap_enc_init_producer_id(kreq *kr, brook_request *req);
int kmap_dec_describe_configs(kreq *kr, brook_request *req);
kval *kmap_enc_describe_configs(kreq *kr, brook_request *req);
int kmap_dec_sasl_handshake(kreq *kr, brook_request *req);
kval *kmap_enc_sasl_handshake(kreq *kr, brook_request *req);
int kmap_dec_sasl_authenticate(kreq *kr, brook_request *req);
kval *kmap_enc_sasl_authenticate(kreq *kr, brook_request *req);
int kmap_dec_api_versions(kreq *kr, brook_request *req);
kval *kmap_enc_api_versions(kreq *kr, brook_request *req);
int kmap_dec_find_coordinator(kreq *kr, brook_request *req);
kval *kmap_enc_find_coordinator(kreq *kr, brook_request *req);
int kmap_dec_join_group(kreq *kr, brook_request *req);
kval *kmap_enc_join_group(kreq *kr, brook_request *req);
int kmap_dec_sync_group(kreq *kr, brook_request *req);
kval *kmap_enc_sync_group(kreq *kr, brook_request *req);
int kmap_dec_heartbeat(kreq *kr, brook_request *req);
kval *kmap_enc_heartbeat(kreq *kr, brook_request *req);
int kmap_dec_leave_group(kreq *kr, brook_request *req);
kval *kmap_enc_leave_group(kreq *kr, brook_request *req);
int kmap_dec_offset_commit(kreq *kr, brook_request *req);
kval *kmap_enc_offset_commit(kreq *kr, brook_request *req);
int kmap_dec_offset_fetch(kreq *kr, brook_request *req);
kval *kmap_enc_offset_fetch(kreq *kr, brook_request *req);
int kmap_dec_offset_delete(kreq *kr, brook_request *req);
kval *kmap_enc_offset_delete(kreq *kr, brook_request *req);
int kmap_dec_describe_groups(kreq *kr, brook_request *req);
kval *kmap_enc_describe_groups(kreq *kr, brook_request *req);
int kmap_dec_delete_groups(kreq *kr, brook_request *req);
kval *kmap_enc_delete_groups(kreq *kr, brook_request *req);
int kmap_dec_list_groups(kreq *kr, brook_request *req);
kval *kmap_enc_list_groups(kreq *kr, brook_request *req);

/* Helpers shared by the mapping files. */
/* A NUL-terminated copy of a string value (NULL for null). */
const char *kmap_str(brook_request *req, const kval *v);
void kmap_set_str(kval *v, const char *s);
/* Allocate `count` rows of `nfields` for an array value; -1 out of memory.
 * nfields is the element schema's __COUNT (kapis.h). */
int kmap_rows(brook_request *req, kval *v, size_t count, size_t nfields);
/* A zeroed struct of `nfields` values (a response body); NULL out of memory. */
kval *kmap_struct(brook_request *req, size_t nfields);
/* Element k of an array (decoded, or built by kmap_rows), at its width. */
#define ROW(v, k)   ((v)->items + (size_t)(k) * (v)->width)
#define COUNT_OF(v) ((v)->len > 0 ? (size_t)(v)->len : 0)

/* brook_err -> Kafka error code; `cluster` picks the cluster flavour of
 * authorization failures. */
int16_t kmap_error(brook_err e, int cluster);
/* Kafka's AclOperation code of a brook_auth_operation (0: none). */
int64_t kmap_kafka_operation(int op);
/* A resource's authorized operations as Kafka's bit set of AclOperation
 * codes from the core's BROOK_OP_BIT set; INT32_MIN when not `asked`. */
int64_t kmap_authorized_ops(int asked, uint32_t allowed, brook_resource_type type);

#endif
