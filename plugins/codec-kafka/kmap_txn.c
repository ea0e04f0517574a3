/* Transactions' messages (KIP-98) between Kafka's wire and the core's
 * requests: InitProducerId (22), AddPartitionsToTxn (24), AddOffsetsToTxn
 * (25), EndTxn (26), WriteTxnMarkers (27). TxnOffsetCommit (28) is a
 * group request (kmap_group.c). */
#include "kmap.h"

/* WriteTxnMarkers' and AddPartitionsToTxn's topics share a layout: a
 * name, then the partition indexes; their answers too (a name, then each
 * partition's index and error). */
BROOK_STATIC_ASSERT((int)WTM_T_NAME == (int)APT_T_NAME && (int)WTM_T_PARTITIONS == (int)APT_T_PARTITIONS,
                    "one layout of topics");
BROOK_STATIC_ASSERT((int)WTM_RT_NAME == (int)APT_RT_NAME && (int)WTM_RT_PARTITIONS == (int)APT_RT_RESULTS &&
                        (int)WTM_RT__COUNT == (int)APT_RT__COUNT && (int)WTM_RP_INDEX == (int)APT_RP_INDEX &&
                        (int)WTM_RP_ERROR == (int)APT_RP_ERROR && (int)WTM_RP__COUNT == (int)APT_RP__COUNT,
                    "one layout of answers");

/* The topics and their partitions, each with an error slot; -1 out of memory. */
static int dec_txn_topics(brook_request *req, kval *topics, brook_txn_topic **out, size_t *count)
{
    *count = COUNT_OF(topics);
    *out = kmap_alloc(req, sizeof **out * (*count + 1));
    if (!*out)
        return -1;
    for (size_t t = 0; t < *count; t++) {
        kval *tv = ROW(topics, t), *parts = &tv[APT_T_PARTITIONS];
        brook_txn_topic *tt = &(*out)[t];
        size_t n = COUNT_OF(parts);
        int32_t *ids = kmap_alloc(req, sizeof *ids * (n + 1));
        tt->name = kmap_str(req, &tv[APT_T_NAME]);
        tt->errors = kmap_alloc(req, sizeof *tt->errors * (n + 1));
        if (!ids || !tt->name || !tt->errors)
            return -1;
        for (size_t i = 0; i < n; i++)
            ids[i] = (int32_t)ROW(parts, i)->i;
        tt->partitions = ids;
        tt->partition_count = n;
    }
    return 0;
}

/* Each topic's partitions with their errors, as `code` maps them; -1 out of memory. */
static int enc_txn_topics(brook_request *req, kval *out, const brook_txn_topic *topics, size_t count,
                          int16_t (*code)(brook_err e))
{
    if (kmap_rows(req, out, count, APT_RT__COUNT))
        return -1;
    for (size_t t = 0; t < count; t++) {
        kval *tv = ROW(out, t);
        kmap_set_str(&tv[APT_RT_NAME], topics[t].name);
        if (kmap_rows(req, &tv[APT_RT_RESULTS], topics[t].partition_count, APT_RP__COUNT))
            return -1;
        for (size_t k = 0; k < topics[t].partition_count; k++) {
            kval *pv = ROW(&tv[APT_RT_RESULTS], k);
            pv[APT_RP_INDEX].i = topics[t].partitions[k];
            pv[APT_RP_ERROR].i = code(topics[t].errors[k]);
        }
    }
    return 0;
}

/* A marker's partition errors are the cluster's (ClusterAction refused: 31). */
static int16_t marker_error(brook_err e)
{
    return kmap_error(e, 1);
}

int kmap_dec_write_txn_markers(kreq *kr, brook_request *req)
{
    brook_write_txn_markers_req *w = &req->u.write_txn_markers;
    kval *markers = &kr->body[WTM_MARKERS];
    req->type = BROOK_REQ_WRITE_TXN_MARKERS;
    w->marker_count = COUNT_OF(markers);
    w->markers = kmap_alloc(req, sizeof *w->markers * (w->marker_count + 1));
    if (!w->markers)
        return -1;
    for (size_t i = 0; i < w->marker_count; i++) {
        kval *mv = ROW(markers, i);
        brook_txn_marker *m = &w->markers[i];
        m->producer_id = mv[WTM_M_PRODUCER_ID].i;
        m->producer_epoch = (int16_t)mv[WTM_M_EPOCH].i;
        m->commit = mv[WTM_M_RESULT].i != 0;
        m->coordinator_epoch = (int32_t)mv[WTM_M_COORDINATOR_EPOCH].i;
        if (dec_txn_topics(req, &mv[WTM_M_TOPICS], &m->topics, &m->topic_count))
            return -1;
    }
    return 0;
}

kval *kmap_enc_write_txn_markers(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_write_txn_markers_req *w = &req->u.write_txn_markers;
    kval *r = kmap_struct(req, WTM_R__COUNT);
    if (!r || kmap_rows(req, &r[WTM_R_MARKERS], w->marker_count, WTM_RM__COUNT))
        return NULL;
    for (size_t i = 0; i < w->marker_count; i++) {
        const brook_txn_marker *m = &w->markers[i];
        kval *mv = ROW(&r[WTM_R_MARKERS], i);
        mv[WTM_RM_PRODUCER_ID].i = m->producer_id;
        if (enc_txn_topics(req, &mv[WTM_RM_TOPICS], m->topics, m->topic_count, marker_error))
            return NULL;
    }
    return r;
}

/* ---- the transaction coordinator's requests ------------------------------------ */

int kmap_dec_init_producer_id(kreq *kr, brook_request *req)
{
    brook_init_producer_id_req *r = &req->u.init_producer_id;
    r->transactional_id = kmap_str(req, &kr->body[IP_TXN_ID]);
    r->transaction_timeout_ms = (int32_t)kr->body[IP_TXN_TIMEOUT].i;
    r->current_producer_id = kr->body[IP_PRODUCER_ID].i; /* v3+, else -1 */
    r->current_producer_epoch = (int16_t)kr->body[IP_EPOCH].i;
    req->type = BROOK_REQ_INIT_PRODUCER_ID;
    return kr->body[IP_TXN_ID].len >= 0 && !r->transactional_id ? -1 : 0;
}

kval *kmap_enc_init_producer_id(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_init_producer_id_req *r = &req->u.init_producer_id;
    kval *v = kmap_struct(req, IP_R__COUNT);
    if (!v)
        return NULL;
    /* an idempotent producer's refusal is the cluster's */
    v[IP_R_ERROR].i = r->transactional_id ? kmap_coordinator_error(r->error) : kmap_error(r->error, 1);
    v[IP_R_PRODUCER_ID].i = r->error ? -1 : r->producer_id;
    v[IP_R_EPOCH].i = r->error ? -1 : r->producer_epoch;
    return v;
}

int kmap_dec_add_partitions_to_txn(kreq *kr, brook_request *req)
{
    brook_add_partitions_to_txn_req *r = &req->u.add_partitions_to_txn;
    kval *b = kr->body, *topics = &b[APT_TOPICS];
    req->type = BROOK_REQ_ADD_PARTITIONS_TO_TXN;
    r->transactional_id = kmap_str(req, &b[APT_TXN_ID]);
    r->producer_id = b[APT_PRODUCER_ID].i;
    r->producer_epoch = (int16_t)b[APT_EPOCH].i;
    if (!r->transactional_id)
        return -1;
    return dec_txn_topics(req, topics, &r->topics, &r->topic_count);
}

kval *kmap_enc_add_partitions_to_txn(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_add_partitions_to_txn_req *r = &req->u.add_partitions_to_txn;
    kval *v = kmap_struct(req, APT_R__COUNT);
    if (!v || enc_txn_topics(req, &v[APT_R_RESULTS], r->topics, r->topic_count, kmap_coordinator_error))
        return NULL;
    return v;
}

int kmap_dec_add_offsets_to_txn(kreq *kr, brook_request *req)
{
    brook_add_offsets_to_txn_req *r = &req->u.add_offsets_to_txn;
    kval *b = kr->body;
    req->type = BROOK_REQ_ADD_OFFSETS_TO_TXN;
    r->transactional_id = kmap_str(req, &b[AOT_TXN_ID]);
    r->producer_id = b[AOT_PRODUCER_ID].i;
    r->producer_epoch = (int16_t)b[AOT_EPOCH].i;
    r->group_id = kmap_str(req, &b[AOT_GROUP]);
    return r->transactional_id && r->group_id ? 0 : -1;
}

/* AddOffsetsToTxn's and EndTxn's answer: an error alone. */
static kval *txn_result(brook_request *req, brook_err error)
{
    kval *v = kmap_struct(req, TXR__COUNT);
    if (v)
        v[TXR_ERROR].i =
            error == BROOK_ERR_DENIED ? 30 /* GROUP_AUTHORIZATION_FAILED */ : kmap_coordinator_error(error);
    return v;
}

kval *kmap_enc_add_offsets_to_txn(kreq *kr, brook_request *req)
{
    (void)kr;
    return txn_result(req, req->u.add_offsets_to_txn.error);
}

int kmap_dec_end_txn(kreq *kr, brook_request *req)
{
    brook_end_txn_req *r = &req->u.end_txn;
    kval *b = kr->body;
    req->type = BROOK_REQ_END_TXN;
    r->transactional_id = kmap_str(req, &b[ET_TXN_ID]);
    r->producer_id = b[ET_PRODUCER_ID].i;
    r->producer_epoch = (int16_t)b[ET_EPOCH].i;
    r->commit = b[ET_COMMITTED].i != 0;
    return r->transactional_id ? 0 : -1;
}

kval *kmap_enc_end_txn(kreq *kr, brook_request *req)
{
    (void)kr;
    return txn_result(req, req->u.end_txn.error);
}
