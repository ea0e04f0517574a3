/* Transactions' messages (KIP-98) between Kafka's wire and the core's
 * requests: WriteTxnMarkers (27). */
#include "kmap.h"

/* One marker's topics and their partitions; -1 out of memory. */
static int marker_topics(brook_request *req, kval *topics, brook_txn_marker *m)
{
    m->topic_count = COUNT_OF(topics);
    m->topics = kmap_alloc(req, sizeof *m->topics * (m->topic_count + 1));
    if (!m->topics)
        return -1;
    for (size_t t = 0; t < m->topic_count; t++) {
        kval *tv = ROW(topics, t), *parts = &tv[WTM_T_PARTITIONS];
        brook_txn_topic *mt = &m->topics[t];
        size_t n = COUNT_OF(parts);
        int32_t *ids = kmap_alloc(req, sizeof *ids * (n + 1));
        mt->name = kmap_str(req, &tv[WTM_T_NAME]);
        mt->errors = kmap_alloc(req, sizeof *mt->errors * (n + 1));
        if (!ids || !mt->name || !mt->errors)
            return -1;
        for (size_t i = 0; i < n; i++)
            ids[i] = (int32_t)ROW(parts, i)->i;
        mt->partitions = ids;
        mt->partition_count = n;
    }
    return 0;
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
        if (marker_topics(req, &mv[WTM_M_TOPICS], m))
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
        if (kmap_rows(req, &mv[WTM_RM_TOPICS], m->topic_count, WTM_RT__COUNT))
            return NULL;
        for (size_t t = 0; t < m->topic_count; t++) {
            const brook_txn_topic *mt = &m->topics[t];
            kval *tv = ROW(&mv[WTM_RM_TOPICS], t);
            kmap_set_str(&tv[WTM_RT_NAME], mt->name);
            if (kmap_rows(req, &tv[WTM_RT_PARTITIONS], mt->partition_count, WTM_RP__COUNT))
                return NULL;
            for (size_t k = 0; k < mt->partition_count; k++) {
                kval *pv = ROW(&tv[WTM_RT_PARTITIONS], k);
                pv[WTM_RP_INDEX].i = mt->partitions[k];
                pv[WTM_RP_ERROR].i = kmap_error(mt->errors[k], 1);
            }
        }
    }
    return r;
}
