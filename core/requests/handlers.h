/* Request handlers, one file per operation family. Each fills the "out"
 * fields of its request and completes it, now or later. */
#ifndef BROOK_CORE_HANDLERS_H
#define BROOK_CORE_HANDLERS_H

#include <brook/auth.h>

#include "lifecycle.h"

void brook_handle_metadata(brook_req *req);      /* handle_admin.c */
void brook_handle_create_topics(brook_req *req); /* handle_admin.c */
void brook_handle_delete_topics(brook_req *req);
void brook_handle_create_partitions(brook_req *req);       /* handle_admin.c */
void brook_handle_produce(brook_req *req);                 /* handle_produce.c */
void brook_handle_fetch(brook_req *req);                   /* handle_fetch.c */
void brook_handle_fetch_release(brook_req *req);           /* handle_fetch.c: release held slices */
void brook_handle_list_offsets(brook_req *req);            /* handle_list_offsets.c */
void brook_handle_offset_for_leader_epoch(brook_req *req); /* handle_offset_for_leader_epoch.c */
void brook_handle_delete_records(brook_req *req);          /* handle_delete_records.c */
void brook_handle_describe_acls(brook_req *req);           /* handle_acls.c */
void brook_handle_create_acls(brook_req *req);             /* handle_acls.c */
void brook_handle_delete_acls(brook_req *req);             /* handle_acls.c */
/* The authorizer that keeps rules (acl_create/acl_list/acl_delete), NULL if none (handle_acls.c). */
struct brook_plugin_instance *brook_acl_keeper(struct brook_broker *b);
void brook_handle_describe_log_dirs(brook_req *req);      /* handle_log_dirs.c */
void brook_handle_describe_producers(brook_req *req);     /* handle_producers.c */
void brook_handle_elect_leaders(brook_req *req);          /* handle_elect_leaders.c */
void brook_handle_alter_reassignments(brook_req *req);    /* handle_reassignments.c */
void brook_handle_list_reassignments(brook_req *req);     /* handle_reassignments.c */
void brook_handle_describe_client_quotas(brook_req *req); /* handle_client_quotas.c */
void brook_handle_alter_client_quotas(brook_req *req);    /* handle_client_quotas.c */
void brook_handle_write_txn_markers(brook_req *req);      /* handle_txn_markers.c */
void brook_handle_init_transactional_id(brook_req *req);  /* handle_txn.c */
void brook_handle_add_partitions_to_txn(brook_req *req);  /* handle_txn.c */
void brook_handle_add_offsets_to_txn(brook_req *req);     /* handle_txn.c */
void brook_handle_end_txn(brook_req *req);                /* handle_txn.c */
void brook_handle_txn_offset_commit(brook_req *req);      /* handle_groups.c */
void brook_handle_list_transactions(brook_req *req);      /* handle_txn_describe.c */
void brook_handle_describe_transactions(brook_req *req);  /* handle_txn_describe.c */
void brook_handle_describe_user_scram(brook_req *req);    /* handle_users.c */
void brook_handle_alter_user_scram(brook_req *req);       /* handle_users.c */
/* The auth plugin that keeps SCRAM users (scram_list/scram_set/scram_delete), NULL if none (handle_users.c). */
struct brook_plugin_instance *brook_user_keeper(struct brook_broker *b);
void brook_handle_init_producer_id(brook_req *req);  /* handle_producer_id.c */
void brook_handle_describe_configs(brook_req *req);  /* handle_configs.c */
void brook_handle_alter_configs(brook_req *req);     /* handle_alter_configs.c */
void brook_handle_find_coordinator(brook_req *req);  /* handle_groups.c */
void brook_handle_join_group(brook_req *req);        /* handle_groups.c */
void brook_handle_sync_group(brook_req *req);        /* handle_groups.c */
void brook_handle_heartbeat(brook_req *req);         /* handle_groups.c */
void brook_handle_leave_group(brook_req *req);       /* handle_groups.c */
void brook_handle_list_groups(brook_req *req);       /* handle_groups.c */
void brook_handle_describe_groups(brook_req *req);   /* handle_groups.c */
void brook_handle_delete_groups(brook_req *req);     /* handle_groups.c */
void brook_handle_offset_commit(brook_req *req);     /* handle_offsets.c */
void brook_handle_offset_fetch(brook_req *req);      /* handle_offsets.c */
void brook_handle_offset_delete(brook_req *req);     /* handle_offsets.c */
void brook_handle_sasl_handshake(brook_req *req);    /* handle_sasl.c */
void brook_handle_sasl_authenticate(brook_req *req); /* handle_sasl.c */

/* Ask the authorizer (if any) about one resource: BROOK_OK or
 * BROOK_ERR_DENIED (authorize.c). */
brook_err brook_authorize(brook_req *req, brook_auth_operation op, brook_resource_type type, const char *name);
/* The same decision, a denial not logged: for asking what a principal may
 * see or do (Metadata's listing, authorized operations), not for refusing. */
brook_err brook_authorize_quietly(brook_req *req, brook_auth_operation op, brook_resource_type type, const char *name);
/* BROOK_OP_BIT of every operation that means something for `type` the
 * principal may do on the resource (Kafka's "authorized operations"). */
uint32_t brook_authorized_ops(brook_req *req, brook_resource_type type, const char *name);

/* A copy of ids[0..n) in the request's arena (NULL when out of memory):
 * what a response shows of the cluster's records, which may change before
 * it is encoded, or a request waiting on the controller keeps of them
 * (handle_admin.c). */
const int32_t *brook_req_copy_ids(brook_req *req, const int32_t *ids, int32_t n);
const char *brook_req_copy_str(brook_req *req, const char *s); /* the same for a name */

#endif
