/* The consumer-group APIs between Kafka's messages and the neutral group
 * requests (group_request.h): FindCoordinator, JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, OffsetDelete,
 * ListGroups, DescribeGroups, DeleteGroups. */
#include <string.h>
#include <strings.h>

#include "kmap.h"

/* Kafka's codes for the group errors, then the common ones. */
static int16_t group_error(brook_err e)
{
    switch (e) {
    case BROOK_ERR_UNKNOWN_MEMBER: return 25;          /* UNKNOWN_MEMBER_ID */
    case BROOK_ERR_ILLEGAL_GENERATION: return 22;      /* ILLEGAL_GENERATION */
    case BROOK_ERR_REBALANCING: return 27;             /* REBALANCE_IN_PROGRESS */
    case BROOK_ERR_MEMBER_ID_REQUIRED: return 79;      /* MEMBER_ID_REQUIRED */
    case BROOK_ERR_GROUP_NOT_EMPTY: return 68;         /* NON_EMPTY_GROUP */
    case BROOK_ERR_FENCED_INSTANCE: return 82;         /* FENCED_INSTANCE_ID */
    case BROOK_ERR_INCONSISTENT_PROTOCOL: return 23;   /* INCONSISTENT_GROUP_PROTOCOL */
    case BROOK_ERR_INVALID_SESSION_TIMEOUT: return 26; /* INVALID_SESSION_TIMEOUT */
    case BROOK_ERR_GROUP_SUBSCRIBED: return 86;        /* GROUP_SUBSCRIBED_TO_TOPIC */
    case BROOK_ERR_DENIED: return 30;                  /* GROUP_AUTHORIZATION_FAILED */
    case BROOK_ERR_INVALID: return 24;                 /* INVALID_GROUP_ID */
    case BROOK_ERR_NOT_FOUND: return 69;               /* GROUP_ID_NOT_FOUND (partitions: partition_error) */
    default: return kmap_coordinator_error(e);
    }
}

int16_t kmap_coordinator_error(brook_err e)
{
    switch (e) {
    case BROOK_ERR_SHUTDOWN:
    case BROOK_ERR_LEADER_NOT_AVAILABLE: return 15; /* COORDINATOR_NOT_AVAILABLE */
    case BROOK_ERR_AGAIN: return 14;                /* COORDINATOR_LOAD_IN_PROGRESS */
    case BROOK_ERR_NOT_LEADER: return 16;           /* NOT_COORDINATOR */
    default: return kmap_error(e, 0);
    }
}

/* For errors about a topic inside a group request. */
static int16_t partition_error(brook_err e)
{
    switch (e) {
    case BROOK_ERR_TOO_LARGE: return 12; /* OFFSET_METADATA_TOO_LARGE */
    case BROOK_ERR_DENIED: return 29;    /* TOPIC_AUTHORIZATION_FAILED */
    case BROOK_ERR_NOT_FOUND: return 3;  /* UNKNOWN_TOPIC_OR_PARTITION */
    default: return group_error(e);
    }
}

/* ---- decode ------------------------------------------------------------------ */

int kmap_dec_find_coordinator(kreq *kr, brook_request *req)
{
    brook_find_coordinator_req *f = &req->u.find_coordinator;
    f->key = kmap_str(req, &kr->body[FC_KEY]);
    f->key_type = (int8_t)kr->body[FC_KEY_TYPE].i;
    req->type = BROOK_REQ_FIND_COORDINATOR;
    return f->key ? 0 : -1;
}

int kmap_dec_join_group(kreq *kr, brook_request *req)
{
    brook_join_group_req *j = &req->u.join_group;
    kval *b = kr->body;
    j->group_id = kmap_str(req, &b[JG_GROUP]);
    j->session_timeout_ms = (int32_t)b[JG_SESSION_TIMEOUT].i;
    j->rebalance_timeout_ms = kr->version >= 1 ? (int32_t)b[JG_REBALANCE_TIMEOUT].i : j->session_timeout_ms;
    j->member_id = kmap_str(req, &b[JG_MEMBER]);
    j->group_instance_id = kmap_str(req, &b[JG_INSTANCE]);
    j->protocol_type = kmap_str(req, &b[JG_PROTOCOL_TYPE]);
    j->require_known_member_id = kr->version >= 4;
    j->client_id = kr->client_id.len > 0 ? kmap_str(req, &kr->client_id) : "";
    j->protocol_count = COUNT_OF(&b[JG_PROTOCOLS]);
    j->protocols = kmap_alloc(req, sizeof *j->protocols * (j->protocol_count + 1));
    if (!j->protocols || !j->group_id || !j->member_id || !j->protocol_type)
        return -1;
    for (size_t i = 0; i < j->protocol_count; i++) {
        kval *pv = ROW(&b[JG_PROTOCOLS], i);
        j->protocols[i].name = kmap_str(req, &pv[JG_P_NAME]);
        j->protocols[i].metadata = pv[JG_P_METADATA].ptr;
        j->protocols[i].metadata_len = pv[JG_P_METADATA].len > 0 ? (size_t)pv[JG_P_METADATA].len : 0;
        if (!j->protocols[i].name)
            return -1;
    }
    req->type = BROOK_REQ_JOIN_GROUP;
    return 0;
}

int kmap_dec_sync_group(kreq *kr, brook_request *req)
{
    brook_sync_group_req *s = &req->u.sync_group;
    kval *b = kr->body;
    s->group_id = kmap_str(req, &b[SG_GROUP]);
    s->generation_id = (int32_t)b[SG_GENERATION].i;
    s->member_id = kmap_str(req, &b[SG_MEMBER]);
    s->group_instance_id = kmap_str(req, &b[SG_INSTANCE]);
    s->assignment_count = COUNT_OF(&b[SG_ASSIGNMENTS]);
    s->assignments = kmap_alloc(req, sizeof *s->assignments * (s->assignment_count + 1));
    if (!s->assignments || !s->group_id || !s->member_id)
        return -1;
    for (size_t i = 0; i < s->assignment_count; i++) {
        kval *av = ROW(&b[SG_ASSIGNMENTS], i);
        s->assignments[i].member_id = kmap_str(req, &av[SG_A_MEMBER]);
        s->assignments[i].assignment = av[SG_A_ASSIGNMENT].ptr;
        s->assignments[i].assignment_len = av[SG_A_ASSIGNMENT].len > 0 ? (size_t)av[SG_A_ASSIGNMENT].len : 0;
        if (!s->assignments[i].member_id)
            return -1;
    }
    req->type = BROOK_REQ_SYNC_GROUP;
    return 0;
}

int kmap_dec_heartbeat(kreq *kr, brook_request *req)
{
    brook_heartbeat_req *h = &req->u.heartbeat;
    h->group_id = kmap_str(req, &kr->body[HB_GROUP]);
    h->generation_id = (int32_t)kr->body[HB_GENERATION].i;
    h->member_id = kmap_str(req, &kr->body[HB_MEMBER]);
    h->group_instance_id = kmap_str(req, &kr->body[HB_INSTANCE]);
    req->type = BROOK_REQ_HEARTBEAT;
    return h->group_id && h->member_id ? 0 : -1;
}

int kmap_dec_leave_group(kreq *kr, brook_request *req)
{
    brook_leave_group_req *l = &req->u.leave_group;
    kval *b = kr->body;
    l->group_id = kmap_str(req, &b[LG_GROUP]);
    if (kr->version < 3) { /* one member, by id */
        l->member_count = 1;
        l->members = kmap_alloc(req, sizeof *l->members);
        if (!l->members)
            return -1;
        l->members[0].member_id = kmap_str(req, &b[LG_MEMBER]);
    } else {
        l->member_count = COUNT_OF(&b[LG_MEMBERS]);
        l->members = kmap_alloc(req, sizeof *l->members * (l->member_count + 1));
        if (!l->members)
            return -1;
        for (size_t i = 0; i < l->member_count; i++) {
            kval *mv = ROW(&b[LG_MEMBERS], i);
            l->members[i].member_id = kmap_str(req, &mv[LG_M_MEMBER]);
            l->members[i].group_instance_id = kmap_str(req, &mv[LG_M_INSTANCE]);
        }
    }
    req->type = BROOK_REQ_LEAVE_GROUP;
    return l->group_id ? 0 : -1;
}

/* Topics -> partitions shared by OffsetCommit and OffsetDelete. */
BROOK_STATIC_ASSERT((int)OC_T_NAME == (int)OD_T_NAME && (int)OC_T_PARTITIONS == (int)OD_T_PARTITIONS &&
                        (int)OC_P_INDEX == (int)OD_P_INDEX,
                    "OffsetCommit and OffsetDelete name topics and partitions at the same fields");
static int dec_offset_topics(brook_request *req, kval *topics, int with_values, brook_offset_topic **out, size_t *count)
{
    *count = COUNT_OF(topics);
    *out = kmap_alloc(req, sizeof **out * (*count + 1));
    if (!*out)
        return -1;
    for (size_t t = 0; t < *count; t++) {
        kval *tv = ROW(topics, t);
        brook_offset_topic *ot = &(*out)[t];
        ot->name = kmap_str(req, &tv[OC_T_NAME]);
        ot->partition_count = COUNT_OF(&tv[OC_T_PARTITIONS]);
        ot->partitions = kmap_alloc(req, sizeof *ot->partitions * (ot->partition_count + 1));
        if (!ot->name || !ot->partitions)
            return -1;
        for (size_t i = 0; i < ot->partition_count; i++) {
            kval *pv = ROW(&tv[OC_T_PARTITIONS], i);
            brook_offset_partition *p = &ot->partitions[i];
            p->partition = (int32_t)pv[OC_P_INDEX].i;
            p->leader_epoch = -1;
            if (with_values) {
                p->offset = pv[OC_P_OFFSET].i;
                p->leader_epoch = (int32_t)pv[OC_P_LEADER_EPOCH].i;
                p->metadata = kmap_str(req, &pv[OC_P_METADATA]);
                p->metadata_len = pv[OC_P_METADATA].len > 0 ? pv[OC_P_METADATA].len : 0;
            }
        }
    }
    return 0;
}

int kmap_dec_offset_commit(kreq *kr, brook_request *req)
{
    brook_offset_commit_req *c = &req->u.offset_commit;
    kval *b = kr->body;
    c->group_id = kmap_str(req, &b[OC_GROUP]);
    c->generation_id = kr->version >= 1 ? (int32_t)b[OC_GENERATION].i : -1;
    c->member_id = kr->version >= 1 ? kmap_str(req, &b[OC_MEMBER]) : "";
    c->group_instance_id = kmap_str(req, &b[OC_INSTANCE]);
    req->type = BROOK_REQ_OFFSET_COMMIT;
    if (!c->group_id || !c->member_id)
        return -1;
    return dec_offset_topics(req, &b[OC_TOPICS], 1, &c->topics, &c->topic_count);
}

/* TxnOffsetCommit (28): a transactional producer's offsets, to the group's
 * coordinator; its topics are laid out as OffsetCommit's. */
int kmap_dec_txn_offset_commit(kreq *kr, brook_request *req)
{
    brook_txn_offset_commit_req *c = &req->u.txn_offset_commit;
    kval *b = kr->body;
    c->transactional_id = kmap_str(req, &b[TOC_TXN_ID]);
    c->group_id = kmap_str(req, &b[TOC_GROUP]);
    c->producer_id = b[TOC_PRODUCER_ID].i;
    c->producer_epoch = (int16_t)b[TOC_EPOCH].i;
    c->generation_id = kr->version >= 3 ? (int32_t)b[TOC_GENERATION].i : -1;
    c->member_id = kr->version >= 3 ? kmap_str(req, &b[TOC_MEMBER]) : "";
    c->group_instance_id = kmap_str(req, &b[TOC_INSTANCE]);
    req->type = BROOK_REQ_TXN_OFFSET_COMMIT;
    if (!c->transactional_id || !c->group_id || !c->member_id)
        return -1;
    return dec_offset_topics(req, &b[TOC_TOPICS], 1, &c->topics, &c->topic_count);
}

int kmap_dec_offset_fetch(kreq *kr, brook_request *req)
{
    brook_offset_fetch_req *f = &req->u.offset_fetch;
    kval *topics = &kr->body[OF_TOPICS];
    f->group_id = kmap_str(req, &kr->body[OF_GROUP]);
    f->require_stable = kr->body[OF_REQUIRE_STABLE].i != 0; /* v7+ */
    req->type = BROOK_REQ_OFFSET_FETCH;
    if (!f->group_id)
        return -1;
    if (topics->len < 0) {
        f->all_topics = 1;
        return 0;
    }
    f->topic_count = COUNT_OF(topics);
    f->topics = kmap_alloc(req, sizeof *f->topics * (f->topic_count + 1));
    if (!f->topics)
        return -1;
    for (size_t t = 0; t < f->topic_count; t++) {
        kval *tv = ROW(topics, t);
        brook_offset_topic *ot = &f->topics[t];
        ot->name = kmap_str(req, &tv[OF_T_NAME]);
        ot->partition_count = COUNT_OF(&tv[OF_T_PARTITIONS]);
        ot->partitions = kmap_alloc(req, sizeof *ot->partitions * (ot->partition_count + 1));
        if (!ot->name || !ot->partitions)
            return -1;
        for (size_t i = 0; i < ot->partition_count; i++)
            ot->partitions[i].partition = (int32_t)tv[OF_T_PARTITIONS].items[i].i;
    }
    return 0;
}

int kmap_dec_offset_delete(kreq *kr, brook_request *req)
{
    brook_offset_delete_req *d = &req->u.offset_delete;
    d->group_id = kmap_str(req, &kr->body[OD_GROUP]);
    req->type = BROOK_REQ_OFFSET_DELETE;
    if (!d->group_id)
        return -1;
    return dec_offset_topics(req, &kr->body[OD_TOPICS], 0, &d->topics, &d->topic_count);
}

/* An array of group names. */
static const char **dec_names(brook_request *req, kval *v, size_t *count)
{
    *count = COUNT_OF(v);
    const char **names = kmap_alloc(req, sizeof *names * (*count + 1));
    for (size_t i = 0; names && i < *count; i++)
        if (!(names[i] = kmap_str(req, &v->items[i])))
            return NULL;
    return names;
}

int kmap_dec_describe_groups(kreq *kr, brook_request *req)
{
    brook_describe_groups_req *d = &req->u.describe_groups;
    size_t n;
    const char **names = dec_names(req, &kr->body[DG_GROUPS], &n);
    d->groups = kmap_alloc(req, sizeof *d->groups * (n + 1));
    if (!names || !d->groups)
        return -1;
    d->group_count = n;
    for (size_t i = 0; i < n; i++)
        d->groups[i].group_id = names[i];
    d->include_authorized_ops = kr->body[DG_AUTH_OPS].i != 0;
    req->type = BROOK_REQ_DESCRIBE_GROUPS;
    return 0;
}

int kmap_dec_delete_groups(kreq *kr, brook_request *req)
{
    brook_delete_groups_req *d = &req->u.delete_groups;
    size_t n;
    const char **names = dec_names(req, &kr->body[DLG_GROUPS], &n);
    d->groups = kmap_alloc(req, sizeof *d->groups * (n + 1));
    if (!names || !d->groups)
        return -1;
    d->group_count = n;
    for (size_t i = 0; i < n; i++)
        d->groups[i].group_id = names[i];
    req->type = BROOK_REQ_DELETE_GROUPS;
    return 0;
}

int kmap_dec_list_groups(kreq *kr, brook_request *req)
{
    (void)kr;
    req->type = BROOK_REQ_LIST_GROUPS;
    return 0;
}

/* ---- encode ------------------------------------------------------------------ */

static void set_bytes(kval *v, const uint8_t *p, size_t n)
{
    v->ptr = p;
    v->len = (int32_t)n;
}

kval *kmap_enc_find_coordinator(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_find_coordinator_req *f = &req->u.find_coordinator;
    kval *r = kmap_struct(req, FC_R__COUNT);
    if (!r)
        return NULL;
    r[FC_R_ERROR].i = group_error(f->error);
    kmap_set_str(&r[FC_R_MESSAGE], f->error ? brook_err_str(f->error) : NULL);
    r[FC_R_NODE].i = f->node_id;
    kmap_set_str(&r[FC_R_HOST], f->host ? f->host : "");
    r[FC_R_PORT].i = f->port;
    return r;
}

kval *kmap_enc_join_group(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_join_group_req *j = &req->u.join_group;
    kval *r = kmap_struct(req, JG_R__COUNT);
    if (!r)
        return NULL;
    r[JG_R_ERROR].i = group_error(j->error);
    r[JG_R_GENERATION].i = j->error ? -1 : j->generation_id;
    kmap_set_str(&r[JG_R_PROTOCOL], j->protocol_name ? j->protocol_name : "");
    kmap_set_str(&r[JG_R_LEADER], j->leader ? j->leader : "");
    kmap_set_str(&r[JG_R_MEMBER], j->assigned_member_id ? j->assigned_member_id : "");
    size_t n = j->error ? 0 : j->member_count;
    if (kmap_rows(req, &r[JG_R_MEMBERS], n, JG_RM__COUNT))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        kval *mv = ROW(&r[JG_R_MEMBERS], i);
        kmap_set_str(&mv[JG_RM_MEMBER], j->members[i].member_id);
        kmap_set_str(&mv[JG_RM_INSTANCE], j->members[i].group_instance_id);
        set_bytes(&mv[JG_RM_METADATA], j->members[i].metadata, j->members[i].metadata_len);
    }
    return r;
}

kval *kmap_enc_sync_group(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_sync_group_req *s = &req->u.sync_group;
    kval *r = kmap_struct(req, SG_R__COUNT);
    if (!r)
        return NULL;
    r[SG_R_ERROR].i = group_error(s->error);
    set_bytes(&r[SG_R_ASSIGNMENT], s->assignment, s->error ? 0 : s->assignment_len);
    return r;
}

kval *kmap_enc_heartbeat(kreq *kr, brook_request *req)
{
    (void)kr;
    kval *r = kmap_struct(req, HB_R__COUNT);
    if (r)
        r[HB_R_ERROR].i = group_error(req->u.heartbeat.error);
    return r;
}

kval *kmap_enc_leave_group(kreq *kr, brook_request *req)
{
    brook_leave_group_req *l = &req->u.leave_group;
    kval *r = kmap_struct(req, LG_R__COUNT);
    if (!r)
        return NULL;
    r[LG_R_ERROR].i = group_error(kr->version < 3 && l->member_count ? l->members[0].error : l->error);
    size_t n = kr->version >= 3 ? l->member_count : 0;
    if (kmap_rows(req, &r[LG_R_MEMBERS], n, LG_RM__COUNT))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        kval *mv = ROW(&r[LG_R_MEMBERS], i);
        kmap_set_str(&mv[LG_RM_MEMBER], l->members[i].member_id ? l->members[i].member_id : "");
        kmap_set_str(&mv[LG_RM_INSTANCE], l->members[i].group_instance_id);
        mv[LG_RM_ERROR].i = group_error(l->members[i].error);
    }
    return r;
}

/* Topics -> (partition, error) rows, as OffsetCommit and OffsetDelete answer. */
/* Each partition's error; when the whole group failed (`group_failure`,
 * e.g. not authorized for the group), every partition carries the group's
 * error code (GROUP_AUTHORIZATION_FAILED, not TOPIC_...), as Kafka does. */
BROOK_STATIC_ASSERT((int)OC_RT__COUNT == (int)OD_RT__COUNT && (int)OC_RT_NAME == (int)OD_RT_NAME &&
                        (int)OC_RT_PARTITIONS == (int)OD_RT_PARTITIONS && (int)OC_RP__COUNT == (int)OD_RP__COUNT &&
                        (int)OC_RP_INDEX == (int)OD_RP_INDEX && (int)OC_RP_ERROR == (int)OD_RP_ERROR,
                    "OffsetCommit and OffsetDelete answer with the same topic and partition rows");
static int enc_partition_errors(brook_request *req, kval *out, const brook_offset_topic *topics, size_t count,
                                brook_err group_failure)
{
    if (kmap_rows(req, out, count, OC_RT__COUNT))
        return -1;
    for (size_t t = 0; t < count; t++) {
        kval *tv = ROW(out, t);
        kmap_set_str(&tv[OC_RT_NAME], topics[t].name);
        if (kmap_rows(req, &tv[OC_RT_PARTITIONS], topics[t].partition_count, OC_RP__COUNT))
            return -1;
        for (size_t i = 0; i < topics[t].partition_count; i++) {
            kval *pv = ROW(&tv[OC_RT_PARTITIONS], i);
            pv[OC_RP_INDEX].i = topics[t].partitions[i].partition;
            pv[OC_RP_ERROR].i =
                group_failure ? group_error(group_failure) : partition_error(topics[t].partitions[i].error);
        }
    }
    return 0;
}

kval *kmap_enc_offset_commit(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_offset_commit_req *c = &req->u.offset_commit;
    kval *r = kmap_struct(req, OC_R__COUNT);
    if (!r || enc_partition_errors(req, &r[OC_R_TOPICS], c->topics, c->topic_count, c->error))
        return NULL;
    return r;
}

kval *kmap_enc_txn_offset_commit(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_txn_offset_commit_req *c = &req->u.txn_offset_commit;
    kval *r = kmap_struct(req, OC_R__COUNT);
    if (!r || enc_partition_errors(req, &r[OC_R_TOPICS], c->topics, c->topic_count, BROOK_OK))
        return NULL;
    return r;
}

kval *kmap_enc_offset_fetch(kreq *kr, brook_request *req)
{
    brook_offset_fetch_req *f = &req->u.offset_fetch;
    kval *r = kmap_struct(req, OF_R__COUNT);
    if (!r)
        return NULL;
    r[OF_R_ERROR].i = group_error(f->error);
    /* A failure of the whole request: from v2 the top-level error says it;
     * before, there is none, so every partition asked for carries it. */
    int per_partition = kr->version < 2;
    size_t nt = f->error && !per_partition ? 0 : f->topic_count;
    if (kmap_rows(req, &r[OF_R_TOPICS], nt, OF_RT__COUNT))
        return NULL;
    for (size_t t = 0; t < nt; t++) {
        kval *tv = ROW(&r[OF_R_TOPICS], t);
        kmap_set_str(&tv[OF_RT_NAME], f->topics[t].name);
        if (kmap_rows(req, &tv[OF_RT_PARTITIONS], f->topics[t].partition_count, OF_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < f->topics[t].partition_count; i++) {
            brook_offset_partition *p = &f->topics[t].partitions[i];
            kval *pv = ROW(&tv[OF_RT_PARTITIONS], i);
            pv[OF_RP_INDEX].i = p->partition;
            pv[OF_RP_OFFSET].i = p->error ? -1 : p->offset;
            pv[OF_RP_LEADER_EPOCH].i = p->error ? -1 : p->leader_epoch;
            pv[OF_RP_METADATA].ptr = (const uint8_t *)(p->metadata ? p->metadata : "");
            pv[OF_RP_METADATA].len = (int32_t)brook_offset_metadata_len(p); /* bytes: NULs included */
            pv[OF_RP_ERROR].i = f->error ? group_error(f->error) : partition_error(p->error);
        }
    }
    return r;
}

kval *kmap_enc_offset_delete(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_offset_delete_req *d = &req->u.offset_delete;
    kval *r = kmap_struct(req, OD_R__COUNT);
    if (!r)
        return NULL;
    r[OD_R_ERROR].i = group_error(d->error);
    if (enc_partition_errors(req, &r[OD_R_TOPICS], d->topics, d->error ? 0 : d->topic_count, BROOK_OK))
        return NULL;
    return r;
}

/* Is `value` one of the names in `filter` (any case; an empty filter lets everything through)? */
static int passes(const kval *filter, const char *value)
{
    for (size_t i = 0; i < COUNT_OF(filter); i++) {
        const kval *name = &filter->items[i];
        if (name->len >= 0 && strlen(value) == (size_t)name->len &&
            strncasecmp(value, (const char *)name->ptr, (size_t)name->len) == 0)
            return 1;
    }
    return COUNT_OF(filter) == 0;
}

/* Every group Brook has is a classic one (JoinGroup/SyncGroup). */
#define GROUP_TYPE "classic"

kval *kmap_enc_list_groups(kreq *kr, brook_request *req)
{
    brook_list_groups_req *l = &req->u.list_groups;
    const kval *states = &kr->body[LSG_STATES], *types = &kr->body[LSG_TYPES];
    kval *r = kmap_struct(req, LSG_R__COUNT);
    if (!r)
        return NULL;
    r[LSG_R_ERROR].i = group_error(l->error);
    size_t n = 0, all = l->error || !passes(types, GROUP_TYPE) ? 0 : l->group_count;
    for (size_t i = 0; i < all; i++)
        n += passes(states, l->groups[i].state ? l->groups[i].state : "");
    if (kmap_rows(req, &r[LSG_R_GROUPS], n, LSG_RG__COUNT))
        return NULL;
    for (size_t i = 0, k = 0; i < all; i++) {
        const brook_group_listing *g = &l->groups[i];
        if (!passes(states, g->state ? g->state : ""))
            continue;
        kval *gv = ROW(&r[LSG_R_GROUPS], k++);
        kmap_set_str(&gv[LSG_RG_GROUP], g->group_id);
        kmap_set_str(&gv[LSG_RG_PROTOCOL_TYPE], g->protocol_type);
        kmap_set_str(&gv[LSG_RG_STATE], g->state ? g->state : "");
        kmap_set_str(&gv[LSG_RG_TYPE], GROUP_TYPE);
    }
    return r;
}

kval *kmap_enc_describe_groups(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_describe_groups_req *d = &req->u.describe_groups;
    kval *r = kmap_struct(req, DG_R__COUNT);
    if (!r || kmap_rows(req, &r[DG_R_GROUPS], d->group_count, DG_RG__COUNT))
        return NULL;
    for (size_t i = 0; i < d->group_count; i++) {
        brook_group_description *g = &d->groups[i];
        kval *gv = ROW(&r[DG_R_GROUPS], i);
        gv[DG_RG_ERROR].i = group_error(g->error);
        kmap_set_str(&gv[DG_RG_GROUP], g->group_id);
        kmap_set_str(&gv[DG_RG_STATE], g->state ? g->state : "");
        kmap_set_str(&gv[DG_RG_PROTOCOL_TYPE], g->protocol_type ? g->protocol_type : "");
        kmap_set_str(&gv[DG_RG_PROTOCOL], g->protocol_name ? g->protocol_name : "");
        gv[DG_RG_AUTH_OPS].i =
            kmap_authorized_ops(d->include_authorized_ops && !g->error, g->authorized_ops, BROOK_RESOURCE_GROUP);
        size_t n = g->error ? 0 : g->member_count;
        if (kmap_rows(req, &gv[DG_RG_MEMBERS], n, DG_RM__COUNT))
            return NULL;
        for (size_t k = 0; k < n; k++) {
            brook_group_member_info *m = &g->members[k];
            kval *mv = ROW(&gv[DG_RG_MEMBERS], k);
            kmap_set_str(&mv[DG_RM_MEMBER], m->member_id);
            kmap_set_str(&mv[DG_RM_INSTANCE], m->group_instance_id);
            kmap_set_str(&mv[DG_RM_CLIENT_ID], m->client_id ? m->client_id : "");
            kmap_set_str(&mv[DG_RM_CLIENT_HOST], m->client_host ? m->client_host : "");
            set_bytes(&mv[DG_RM_METADATA], m->metadata, m->metadata_len);
            set_bytes(&mv[DG_RM_ASSIGNMENT], m->assignment, m->assignment_len);
        }
    }
    return r;
}

kval *kmap_enc_delete_groups(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_delete_groups_req *d = &req->u.delete_groups;
    kval *r = kmap_struct(req, DLG_R__COUNT);
    if (!r || kmap_rows(req, &r[DLG_R_RESULTS], d->group_count, DLG_RR__COUNT))
        return NULL;
    for (size_t i = 0; i < d->group_count; i++) {
        kval *gv = ROW(&r[DLG_R_RESULTS], i);
        kmap_set_str(&gv[DLG_RR_GROUP], d->groups[i].group_id);
        gv[DLG_RR_ERROR].i = group_error(d->groups[i].error);
    }
    return r;
}
