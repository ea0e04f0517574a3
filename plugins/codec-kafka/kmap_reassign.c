/* AlterPartitionReassignments (45) and ListPartitionReassignments (46),
 * KIP-455, between Kafka's messages and the core's requests. */
#include "kmap.h"

/* The request's int32 array as ids in the arena; NULL out of memory. */
static const int32_t *ids_of(brook_request *req, const kval *v)
{
    size_t n = COUNT_OF(v);
    int32_t *ids = kmap_alloc(req, sizeof *ids * (n ? n : 1));
    for (size_t i = 0; ids && i < n; i++)
        ids[i] = (int32_t)v->items[i].i;
    return ids;
}

int kmap_dec_alter_reassignments(kreq *kr, brook_request *req)
{
    brook_alter_reassignments_req *a = &req->u.alter_reassignments;
    kval *topics = &kr->body[APR_TOPICS];
    req->type = BROOK_REQ_ALTER_REASSIGNMENTS;
    a->timeout_ms = (int32_t)kr->body[APR_TIMEOUT].i;
    a->topic_count = COUNT_OF(topics);
    a->topics = kmap_alloc(req, sizeof *a->topics * (a->topic_count + 1));
    if (!a->topics)
        return -1;
    for (size_t t = 0; t < a->topic_count; t++) {
        kval *tv = ROW(topics, t), *parts = &tv[APR_T_PARTITIONS];
        brook_reassign_topic *rt = &a->topics[t];
        rt->name = kmap_str(req, &tv[APR_T_NAME]);
        rt->partition_count = COUNT_OF(parts);
        rt->partitions = kmap_alloc(req, sizeof *rt->partitions * (rt->partition_count + 1));
        if (!rt->name || !rt->partitions)
            return -1;
        for (size_t i = 0; i < rt->partition_count; i++) {
            kval *pv = ROW(parts, i), *replicas = &pv[APR_P_REPLICAS];
            brook_reassign_partition *p = &rt->partitions[i];
            p->partition = (int32_t)pv[APR_P_INDEX].i;
            p->replica_count = replicas->len < 0 ? -1 : (int32_t)COUNT_OF(replicas); /* null: cancel */
            if (p->replica_count >= 0 && !(p->replicas = ids_of(req, replicas)))
                return -1;
        }
    }
    return 0;
}

kval *kmap_enc_alter_reassignments(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_alter_reassignments_req *a = &req->u.alter_reassignments;
    kval *r = kmap_struct(req, APR_R__COUNT);
    /* a request-level error answers for the whole request, with no rows */
    size_t topics = a->error ? 0 : a->topic_count;
    if (!r || kmap_rows(req, &r[APR_R_RESPONSES], topics, APR_RT__COUNT))
        return NULL;
    r[APR_R_ERROR].i = kmap_controller_error(a->error);
    kmap_set_str(&r[APR_R_MESSAGE], a->error ? brook_err_str(a->error) : NULL);
    for (size_t t = 0; t < topics; t++) {
        const brook_reassign_topic *rt = &a->topics[t];
        kval *tv = ROW(&r[APR_R_RESPONSES], t);
        kmap_set_str(&tv[APR_RT_NAME], rt->name);
        if (kmap_rows(req, &tv[APR_RT_PARTITIONS], rt->partition_count, APR_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < rt->partition_count; i++) {
            const brook_reassign_partition *p = &rt->partitions[i];
            kval *pv = ROW(&tv[APR_RT_PARTITIONS], i);
            pv[APR_RP_INDEX].i = p->partition;
            pv[APR_RP_ERROR].i = kmap_controller_error(p->error);
            kmap_set_str(&pv[APR_RP_MESSAGE], p->error ? (p->message ? p->message : brook_err_str(p->error)) : NULL);
        }
    }
    return r;
}

int kmap_dec_list_reassignments(kreq *kr, brook_request *req)
{
    brook_list_reassignments_req *l = &req->u.list_reassignments;
    kval *topics = &kr->body[LPR_TOPICS];
    req->type = BROOK_REQ_LIST_REASSIGNMENTS;
    l->timeout_ms = (int32_t)kr->body[LPR_TIMEOUT].i;
    if (topics->len < 0)
        return 0; /* null: every reassignment */
    l->topic_count = COUNT_OF(topics);
    l->topics = kmap_alloc(req, sizeof *l->topics * (l->topic_count + 1));
    if (!l->topics)
        return -1;
    for (size_t t = 0; t < l->topic_count; t++) {
        kval *tv = ROW(topics, t);
        brook_reassignments_topic *rt = &l->topics[t];
        rt->name = kmap_str(req, &tv[LPR_T_NAME]);
        rt->partition_count = COUNT_OF(&tv[LPR_T_PARTITIONS]);
        rt->partitions = ids_of(req, &tv[LPR_T_PARTITIONS]);
        if (!rt->name || !rt->partitions)
            return -1;
    }
    return 0;
}

kval *kmap_enc_list_reassignments(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_list_reassignments_req *l = &req->u.list_reassignments;
    kval *r = kmap_struct(req, LPR_R__COUNT);
    size_t shown = 0; /* topics with a partition being reassigned */
    for (size_t t = 0; !l->error && l->topics && t < l->topic_count; t++)
        shown += l->topics[t].ongoing_count > 0;
    if (!r || kmap_rows(req, &r[LPR_R_TOPICS], shown, LPR_RT__COUNT))
        return NULL;
    r[LPR_R_ERROR].i = kmap_controller_error(l->error);
    kmap_set_str(&r[LPR_R_MESSAGE], l->error ? brook_err_str(l->error) : NULL);
    for (size_t t = 0, row = 0; row < shown; t++) {
        const brook_reassignments_topic *rt = &l->topics[t];
        if (!rt->ongoing_count)
            continue;
        kval *tv = ROW(&r[LPR_R_TOPICS], row++);
        kmap_set_str(&tv[LPR_RT_NAME], rt->name);
        if (kmap_rows(req, &tv[LPR_RT_PARTITIONS], rt->ongoing_count, LPR_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < rt->ongoing_count; i++) {
            const brook_ongoing_reassignment *o = &rt->ongoing[i];
            kval *pv = ROW(&tv[LPR_RT_PARTITIONS], i);
            pv[LPR_RP_INDEX].i = o->partition;
            if (kmap_int_array(req, &pv[LPR_RP_REPLICAS], o->replicas, o->replica_count) ||
                kmap_int_array(req, &pv[LPR_RP_ADDING], o->adding, o->adding_count) ||
                kmap_int_array(req, &pv[LPR_RP_REMOVING], o->removing, o->removing_count))
                return NULL;
        }
    }
    return r;
}
