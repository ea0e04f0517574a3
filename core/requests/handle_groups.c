/* Consumer-group requests: find the coordinator of a group or a
 * transactional id (this broker, or in a cluster the leader of the key's
 * __consumer_offsets partition), join,
 * sync, heartbeat, leave, list, describe and delete groups; in a cluster
 * only the group's coordinator answers them (NOT_COORDINATOR elsewhere). JoinGroup and
 * SyncGroup are parked until the coordinator answers them (group.c). */
#include <string.h>

#include "broker.h"
#include "conn.h"
#include "group.h"
#include "group_coordinator.h"
#include "handlers.h"
#include "listener.h"
#include "log.h"
#include "offsets.h"

static brook_err authorize_group(brook_req *req, brook_auth_operation op, const char *group_id)
{
    return brook_authorize(req, op, BROOK_RESOURCE_GROUP, group_id ? group_id : "");
}

/* Allowed, and this broker is the group's coordinator. */
static brook_err coordinate(brook_req *req, brook_auth_operation op, const char *group_id)
{
    brook_err e = authorize_group(req, op, group_id);
    return e ? e : brook_coordinator_check(req->broker, group_id);
}

void brook_handle_find_coordinator(brook_req *req)
{
    brook_find_coordinator_req *f = &req->pub.u.find_coordinator;
    f->node_id = -1;
    f->host = "";
    f->port = -1;
    if (f->key_type != 0 && f->key_type != 1) {
        f->error = BROOK_ERR_INVALID;
        return;
    }
    /* a transactional id's coordinator is found as a group's: the leader
     * of its __consumer_offsets partition (txn_coordinator.h) */
    if (f->key_type == 1 && brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TRANSACTIONAL_ID, f->key))
        f->error = BROOK_ERR_TRANSACTIONAL_ID_DENIED;
    else if (f->key_type == 0)
        f->error = authorize_group(req, BROOK_OP_DESCRIBE, f->key);
    if (f->error)
        return;
    if (req->broker->st->clustered) {
        f->error = brook_coordinator_find(req->broker, f->key, req->conn->listener, &f->node_id, &f->host, &f->port);
        /* a copy: the membership list it points into may change before the answer is encoded */
        if (!f->error && !(f->host = brook_req_strdup(req, f->host)))
            f->error = BROOK_ERR_NOMEM;
        return;
    }
    f->node_id = req->broker->st->broker_id;
    f->host = req->conn->listener->advertised_host;
    f->port = req->conn->listener->advertised_port;
}

/* ---- held join / sync ------------------------------------------------------------ */

static void group_answered(brook_request *pub, void *arg)
{
    (void)pub;
    brook_req *req = arg;
    req->waiting--;
    brook_req_maybe_complete(req);
}

static void withdraw(brook_req *req)
{
    if (req->waiting && req->broker->groups)
        brook_groups_cancel(req->broker->groups, &req->pub);
}

/* The broker is stopping: answer "rebalancing" so the client rejoins elsewhere. */
static void group_deadline(brook_req *req)
{
    if (!req->waiting)
        return;
    withdraw(req);
    req->waiting = 0;
    if (req->pub.type == BROOK_REQ_JOIN_GROUP)
        req->pub.u.join_group.error = BROOK_ERR_REBALANCING;
    else
        req->pub.u.sync_group.error = BROOK_ERR_REBALANCING;
    brook_req_complete(req);
}

static void park(brook_req *req)
{
    req->waiting++;
    req->cancel = withdraw;
    req->on_deadline = group_deadline;
}

void brook_handle_join_group(brook_req *req)
{
    brook_join_group_req *j = &req->pub.u.join_group;
    if ((j->error = coordinate(req, BROOK_OP_READ, j->group_id)))
        return;
    if (!j->client_host) { /* the peer's address without its port */
        const char *addr = req->conn->address, *colon = strrchr(addr, ':');
        size_t n = colon ? (size_t)(colon - addr) : strlen(addr);
        char *host = brook_request_alloc(&req->pub, n + 1);
        if (host)
            memcpy(host, addr, n);
        j->client_host = host ? host : "";
    }
    park(req);
    brook_groups_join(req->broker->groups, &req->pub, group_answered, req);
}

void brook_handle_sync_group(brook_req *req)
{
    brook_sync_group_req *s = &req->pub.u.sync_group;
    if ((s->error = coordinate(req, BROOK_OP_READ, s->group_id)))
        return;
    park(req);
    brook_groups_sync(req->broker->groups, &req->pub, group_answered, req);
}

void brook_handle_heartbeat(brook_req *req)
{
    brook_heartbeat_req *h = &req->pub.u.heartbeat;
    if ((h->error = coordinate(req, BROOK_OP_READ, h->group_id)))
        return;
    brook_groups_heartbeat(req->broker->groups, h);
}

void brook_handle_leave_group(brook_req *req)
{
    brook_leave_group_req *l = &req->pub.u.leave_group;
    if ((l->error = coordinate(req, BROOK_OP_READ, l->group_id))) {
        for (size_t i = 0; i < l->member_count; i++)
            l->members[i].error = l->error;
        return;
    }
    brook_groups_leave(req->broker->groups, l);
}

/* ---- list / describe / delete ------------------------------------------------------- */

void brook_handle_list_groups(brook_req *req)
{
    brook_list_groups_req *l = &req->pub.u.list_groups;
    if ((l->error = brook_groups_list(req->broker->groups, &req->pub, l)))
        return;
    /* only the groups the principal may describe */
    size_t kept = 0;
    for (size_t i = 0; i < l->group_count; i++)
        if (!authorize_group(req, BROOK_OP_DESCRIBE, l->groups[i].group_id))
            l->groups[kept++] = l->groups[i];
    l->group_count = kept;
}

void brook_handle_describe_groups(brook_req *req)
{
    brook_describe_groups_req *d = &req->pub.u.describe_groups;
    for (size_t i = 0; i < d->group_count; i++) {
        brook_group_description *g = &d->groups[i];
        if ((g->error = coordinate(req, BROOK_OP_DESCRIBE, g->group_id))) {
            g->state = g->protocol_type = g->protocol_name = "";
            continue;
        }
        brook_groups_describe(req->broker->groups, &req->pub, g);
        if (d->include_authorized_ops)
            g->authorized_ops = brook_authorized_ops(req, BROOK_RESOURCE_GROUP, g->group_id);
    }
}

static void group_offsets_deleted(void *arg, brook_err err)
{
    brook_req *req = arg;
    if (err)
        log_warn("deleting a group's offsets: %s", brook_err_str(err));
    brook_req_release(req);
}

void brook_handle_delete_groups(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_delete_groups_req *d = &req->pub.u.delete_groups;
    for (size_t i = 0; i < d->group_count; i++) {
        brook_group_deletion *g = &d->groups[i];
        if ((g->error = coordinate(req, BROOK_OP_DELETE, g->group_id)))
            continue;
        int had_offsets = brook_offsets_has_group(b->offsets, g->group_id);
        if (!brook_groups_is_empty(b->groups, g->group_id)) {
            g->error = BROOK_ERR_GROUP_NOT_EMPTY;
            continue;
        }
        brook_err e = brook_groups_delete(b->groups, g->group_id);
        if (e && !(e == BROOK_ERR_NOT_FOUND && had_offsets)) {
            g->error = e;
            continue;
        }
        g->error = BROOK_OK;
        if (had_offsets) {
            req->pending++;
            brook_offsets_delete_group(b->offsets, g->group_id, group_offsets_deleted, req);
        }
        log_info("deleted group %s", g->group_id);
    }
}
