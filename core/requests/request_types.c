/* One row per request type: the name metrics and logs use, and the handler
 * dispatch calls. A type added to <brook/request.h> is a row added here
 * (and BROOK_REQ_TYPE_COUNT moved); test_request_types checks every type
 * up to the count has its row. */
#include "request_types.h"

#include "handlers.h"

/* Answered by the codec alone (ApiVersions): kept only for its place in
 * the response order. */
static void handle_local(brook_req *req)
{
    (void)req;
}

static const brook_req_type_row rows[BROOK_REQ_TYPE_COUNT] = {
    [BROOK_REQ_INVALID] = {"invalid", NULL}, /* decode failed: the codec answers req->pub.error */
    [BROOK_REQ_LOCAL] = {"local", handle_local},
    [BROOK_REQ_METADATA] = {"metadata", brook_handle_metadata},
    [BROOK_REQ_CREATE_TOPICS] = {"create_topics", brook_handle_create_topics},
    [BROOK_REQ_DELETE_TOPICS] = {"delete_topics", brook_handle_delete_topics},
    [BROOK_REQ_PRODUCE] = {"produce", brook_handle_produce},
    [BROOK_REQ_FETCH] = {"fetch", brook_handle_fetch},
    [BROOK_REQ_LIST_OFFSETS] = {"list_offsets", brook_handle_list_offsets},
    [BROOK_REQ_INIT_PRODUCER_ID] = {"init_producer_id", brook_handle_init_producer_id},
    [BROOK_REQ_DESCRIBE_CONFIGS] = {"describe_configs", brook_handle_describe_configs},
    [BROOK_REQ_FIND_COORDINATOR] = {"find_coordinator", brook_handle_find_coordinator},
    [BROOK_REQ_JOIN_GROUP] = {"join_group", brook_handle_join_group},
    [BROOK_REQ_SYNC_GROUP] = {"sync_group", brook_handle_sync_group},
    [BROOK_REQ_HEARTBEAT] = {"heartbeat", brook_handle_heartbeat},
    [BROOK_REQ_LEAVE_GROUP] = {"leave_group", brook_handle_leave_group},
    [BROOK_REQ_OFFSET_COMMIT] = {"offset_commit", brook_handle_offset_commit},
    [BROOK_REQ_OFFSET_FETCH] = {"offset_fetch", brook_handle_offset_fetch},
    [BROOK_REQ_OFFSET_DELETE] = {"offset_delete", brook_handle_offset_delete},
    [BROOK_REQ_LIST_GROUPS] = {"list_groups", brook_handle_list_groups},
    [BROOK_REQ_DESCRIBE_GROUPS] = {"describe_groups", brook_handle_describe_groups},
    [BROOK_REQ_DELETE_GROUPS] = {"delete_groups", brook_handle_delete_groups},
    [BROOK_REQ_SASL_HANDSHAKE] = {"sasl_handshake", brook_handle_sasl_handshake},
    [BROOK_REQ_SASL_AUTHENTICATE] = {"sasl_authenticate", brook_handle_sasl_authenticate},
    [BROOK_REQ_OFFSET_FOR_LEADER_EPOCH] = {"offset_for_leader_epoch", brook_handle_offset_for_leader_epoch},
    [BROOK_REQ_ALTER_CONFIGS] = {"alter_configs", brook_handle_alter_configs},
    [BROOK_REQ_CREATE_PARTITIONS] = {"create_partitions", brook_handle_create_partitions},
    [BROOK_REQ_DELETE_RECORDS] = {"delete_records", brook_handle_delete_records},
    [BROOK_REQ_DESCRIBE_ACLS] = {"describe_acls", brook_handle_describe_acls},
    [BROOK_REQ_CREATE_ACLS] = {"create_acls", brook_handle_create_acls},
    [BROOK_REQ_DELETE_ACLS] = {"delete_acls", brook_handle_delete_acls},
    [BROOK_REQ_DESCRIBE_LOG_DIRS] = {"describe_log_dirs", brook_handle_describe_log_dirs},
    [BROOK_REQ_DESCRIBE_PRODUCERS] = {"describe_producers", brook_handle_describe_producers},
    [BROOK_REQ_DESCRIBE_USER_SCRAM] = {"describe_user_scram", brook_handle_describe_user_scram},
    [BROOK_REQ_ALTER_USER_SCRAM] = {"alter_user_scram", brook_handle_alter_user_scram},
    [BROOK_REQ_ELECT_LEADERS] = {"elect_leaders", brook_handle_elect_leaders},
    [BROOK_REQ_ALTER_REASSIGNMENTS] = {"alter_reassignments", brook_handle_alter_reassignments},
    [BROOK_REQ_LIST_REASSIGNMENTS] = {"list_reassignments", brook_handle_list_reassignments},
    [BROOK_REQ_DESCRIBE_CLIENT_QUOTAS] = {"describe_client_quotas", brook_handle_describe_client_quotas},
    [BROOK_REQ_ALTER_CLIENT_QUOTAS] = {"alter_client_quotas", brook_handle_alter_client_quotas},
    [BROOK_REQ_WRITE_TXN_MARKERS] = {"write_txn_markers", brook_handle_write_txn_markers},
    [BROOK_REQ_ADD_PARTITIONS_TO_TXN] = {"add_partitions_to_txn", brook_handle_add_partitions_to_txn},
    [BROOK_REQ_ADD_OFFSETS_TO_TXN] = {"add_offsets_to_txn", brook_handle_add_offsets_to_txn},
    [BROOK_REQ_END_TXN] = {"end_txn", brook_handle_end_txn},
    [BROOK_REQ_TXN_OFFSET_COMMIT] = {"txn_offset_commit", brook_handle_txn_offset_commit},
    [BROOK_REQ_LIST_TRANSACTIONS] = {"list_transactions", brook_handle_list_transactions},
    [BROOK_REQ_DESCRIBE_TRANSACTIONS] = {"describe_transactions", brook_handle_describe_transactions},
};

const brook_req_type_row *brook_req_type(int type)
{
    return type >= 0 && type < BROOK_REQ_TYPE_COUNT && rows[type].name ? &rows[type] : NULL;
}

const char *brook_req_type_name(int type)
{
    const brook_req_type_row *r = brook_req_type(type);
    return r ? r->name : "unknown";
}
